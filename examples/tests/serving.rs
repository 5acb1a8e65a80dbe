//! The axum example serves a real saved model: rows in, class labels out, bad bodies refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use serde_json::{Value, json};

#[tokio::test]
async fn the_axum_example_serves_labels_of_a_saved_model() {
    let frame = mlpilot_testkit::synthetic::customer_frame(400, 5);
    let trained = mlpilot::AutoMl::new()
        .target("churn")
        .max_trials(4)
        .seed(5)
        .fit_frame(&frame)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.mlpilot");
    trained.save(&path).unwrap();
    let model = Arc::new(mlpilot::load(&path).unwrap());
    let classes = model.predictor.encoding.classes().to_vec();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = mlpilot_examples::serving::router(model.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    // Two rows of the training table, as a client would send them.
    let rows = mlpilot::csv_text(&frame.take(&[0, 1]).unwrap()).unwrap();
    let mut reader = csv::Reader::from_reader(rows.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let body: Vec<Value> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            Value::Object(
                headers
                    .iter()
                    .zip(r.iter())
                    .map(|(h, v)| {
                        let v = v.parse::<f64>().map_or_else(|_| json!(v), |x| json!(x));
                        (h.to_string(), v)
                    })
                    .collect(),
            )
        })
        .collect();
    let http = reqwest::Client::new();
    let reply: Value = http
        .post(format!("http://{addr}/score"))
        .json(&json!({ "rows": body }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    let labels = reply["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 2);
    // The same labels as the model predicts in-process.
    let direct = model.predict(&frame.take(&[0, 1]).unwrap()).unwrap();
    for (got, v) in labels.iter().zip(&direct.predictions.values) {
        assert_eq!(got.as_str().unwrap(), classes[*v as usize]);
    }

    let refused = http
        .post(format!("http://{addr}/score"))
        .json(&json!({ "data": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("rows"));
}
