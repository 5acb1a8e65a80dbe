//! The real server on an ephemeral port: auth, limits, malformed bodies, unknown columns, CSV,
//! predictions equal to the library's, feedback, monitoring state across restarts, reload.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    // A test tells one scenario from start to end.
    clippy::too_many_lines
)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use mlpilot::AutoMl;
use mlpilot_serve::{ServeOptions, Server};
use serde_json::{Value, json};
use tokio::sync::oneshot;

fn titanic() -> mlpilot::Frame {
    mlpilot::data::load_frame(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/titanic.csv"
    ))
    .unwrap()
    .0
}

fn train(dir: &Path, trials: usize) -> PathBuf {
    let trained = AutoMl::new()
        .target("target")
        .max_trials(trials)
        .estimators(&["gbdt.hist_gbm"])
        .fit_frame(&titanic())
        .unwrap();
    let path = dir.join("model.mlpilot");
    trained.save(&path).unwrap();
    path
}

struct Running {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<mlpilot::Result<()>>,
}

impl Running {
    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.handle.await.unwrap().unwrap();
    }
}

async fn start(model: &Path, options: ServeOptions) -> Running {
    let options = ServeOptions {
        addr: "127.0.0.1:0".parse().unwrap(),
        ..options
    };
    let server = Server::bind(model, mlpilot::default_registry(), options)
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(server.run(async move {
        let _ = rx.await;
    }));
    Running {
        base: format!("http://{addr}"),
        stop: Some(tx),
        handle,
    }
}

fn rows_json(frame: &mlpilot::Frame, n: usize) -> Value {
    let rows: Vec<Value> = (0..n)
        .map(|i| {
            let mut o = serde_json::Map::new();
            for c in frame.columns() {
                if c.name() == "target" {
                    continue;
                }
                let v = match c.f64_at(i) {
                    Some(x) if c.data().is_numeric() => json!(x),
                    _ => c.str_at(i).map_or(Value::Null, Value::String),
                };
                o.insert(c.name().to_string(), v);
            }
            Value::Object(o)
        })
        .collect();
    json!({ "rows": rows })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn predictions_match_the_library_and_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = train(dir.path(), 3);
    let art = mlpilot::artifact::read(&path, &mlpilot::default_registry()).unwrap();
    let frame = titanic();
    let s = start(
        &path,
        ServeOptions {
            max_rows: 50,
            max_body: 64 * 1024,
            ..Default::default()
        },
    )
    .await;
    let c = reqwest::Client::new();

    // JSON predictions equal the library's, probabilities by class label.
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .json(&rows_json(&frame, 20))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let lib = art
        .predict(&frame.take(&(0..20).collect::<Vec<_>>()).unwrap())
        .unwrap();
    let classes = art.predictor.encoding.classes().to_vec();
    for i in 0..20 {
        let want = &classes[lib.predictions.values[i] as usize];
        assert_eq!(body["predictions"][i], json!(want));
        let p = lib.predictions.proba.as_ref().unwrap().get(i, 1).unwrap();
        let got = body["probabilities"][i][&classes[1]].as_f64().unwrap();
        assert!((got - p).abs() < 1e-12);
    }
    assert!(body["request_id"].is_string());

    // CSV bodies give the same answers.
    let mut csv = String::from("pclass,sex,age,sibsp,parch\n");
    for i in 0..5 {
        let cell = |n: &str| frame.column(n).unwrap().str_at(i).unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{},{}\n",
            cell("pclass"),
            cell("sex"),
            cell("age"),
            cell("sibsp"),
            cell("parch")
        ));
    }
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csv_body: Value = r.json().await.unwrap();
    for i in 0..5 {
        assert_eq!(csv_body["predictions"][i], body["predictions"][i]);
    }

    // Malformed JSON: 400 with a JSON error.
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .header("content-type", "application/json")
        .body("{\"rows\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("not valid JSON"));

    // An unknown column is named; so is a missing one, and a value that is not a number.
    let mut bad = rows_json(&frame, 2);
    bad["rows"][0]["cabin"] = json!("C85");
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("unknown column 'cabin'"),
        "{e}"
    );
    let mut bad = rows_json(&frame, 2);
    for row in bad["rows"].as_array_mut().unwrap() {
        row.as_object_mut().unwrap().remove("age");
    }
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("missing column 'age'"),
        "{e}"
    );
    let mut bad = rows_json(&frame, 2);
    bad["rows"][1]["age"] = json!("old");
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    let msg = e["error"].as_str().unwrap();
    assert!(
        msg.contains("row 1") && msg.contains("'age'") && msg.contains("'old'"),
        "{msg}"
    );
    // A word for "no value" is a missing value, even alone in a one-row batch, with a warning
    // that names it (as `mlpilot predict` has for a file).
    let mut one = rows_json(&frame, 1);
    one["rows"][0]["age"] = json!("n/a");
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .json(&one)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(
        answer["predictions"].as_array().unwrap().len(),
        1,
        "{answer}"
    );
    let warnings = answer["warnings"].to_string();
    assert!(
        warnings.contains("`age`") && warnings.contains("`n/a`"),
        "{answer}"
    );

    // Row limit and body limit: 413.
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .json(&rows_json(&frame, 51))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let big = format!("{{\"rows\": [], \"pad\": \"{}\"}}", "x".repeat(70 * 1024));
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // The body limit answers in the API's JSON error shape, naming the limit.
    let e: Value = r.json().await.unwrap();
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("larger than the server's limit of"),
        "{e}"
    );

    // Model info, health and metrics.
    let info: Value = c
        .get(format!("{}/v1/model", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["target"], "target");
    assert_eq!(info["format_version"], json!(art.body.format_version));
    assert_eq!(info["schema"]["columns"].as_array().unwrap().len(), 5);
    let h = c.get(format!("{}/healthz", s.base)).send().await.unwrap();
    assert_eq!(h.status(), 200);
    let m = c
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.contains("mlpilot_requests_total{route=\"/v1/predict\",status=\"200\"} 3"),
        "{m}"
    );
    assert!(m.contains("mlpilot_requests_total{route=\"/v1/predict\",status=\"422\"} 3"));
    assert!(
        m.contains("mlpilot_request_duration_seconds_bucket{le=\"+Inf\",route=\"/v1/predict\"}"),
        "{m}"
    );
    assert!(m.contains("mlpilot_predictions_total{class="));
    assert!(m.contains("mlpilot_errors_total{route=\"/v1/predict\"}"));

    // Explanations add up to the predicted probability.
    let r = c
        .post(format!("{}/v1/explain", s.base))
        .json(&rows_json(&frame, 2))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let e: Value = r.json().await.unwrap();
    for (i, row) in e["rows"].as_array().unwrap().iter().enumerate() {
        let sum: f64 = row["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_f64().unwrap())
            .sum();
        let out = row["output"].as_f64().unwrap();
        assert!((row["base_value"].as_f64().unwrap() + sum - out).abs() < 1e-6);
        let p = body["probabilities"][i][&classes[1]].as_f64().unwrap();
        assert!((out - p).abs() < 1e-6);
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_tokens_are_required_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let path = train(dir.path(), 2);
    let s = start(
        &path,
        ServeOptions {
            token: Some("s3cret".into()),
            ..Default::default()
        },
    )
    .await;
    let c = reqwest::Client::new();
    let frame = titanic();
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .json(&rows_json(&frame, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .bearer_auth("wrong")
        .json(&rows_json(&frame, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .bearer_auth("s3cret")
        .json(&rows_json(&frame, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Probes stay open.
    assert_eq!(
        c.get(format!("{}/healthz", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_and_monitoring_state_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = train(dir.path(), 2);
    let state = dir.path().join("monitor.sqlite");
    let frame = titanic();
    let options = || ServeOptions {
        state: Some(state.clone()),
        check_every: 100_000,
        ..Default::default()
    };
    let s = start(&path, options()).await;
    let c = reqwest::Client::new();
    let body: Value = c
        .post(format!("{}/v1/predict", s.base))
        .json(&rows_json(&frame, 40))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rid = body["request_id"].as_str().unwrap().to_string();
    s.stop().await;

    // After a restart the server still knows request `rid` and takes labels for it.
    let (hook_url, posted) = receiver().await;
    let s = start(
        &path,
        ServeOptions {
            webhook: Some(hook_url),
            ..options()
        },
    )
    .await;
    // Half the labels spelt another way (`SURVIVED`): each names its class, as in a file.
    let labels: Vec<Value> = (0..40)
        .map(|i| {
            let label = frame.column("target").unwrap().str_at(i).unwrap();
            let label = if i % 2 == 0 {
                label.to_uppercase()
            } else {
                label
            };
            json!({ "row": i, "label": label })
        })
        .collect();
    let r: Value = c
        .post(format!("{}/v1/feedback", s.base))
        .json(&json!({ "request_id": rid, "labels": labels }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["stored"], 40);
    assert_eq!(r["matched"], 40);
    let perf = &r["performance"];
    assert_eq!(perf["n_labelled"], 40);
    assert!(perf["current_score"].as_f64().unwrap() > 0.6, "{perf}");
    // Monitoring the recent window works once rows arrived.
    let m = c
        .get(format!("{}/v1/monitor", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(m.status(), 409);
    c.post(format!("{}/v1/predict", s.base))
        .json(&rows_json(&frame, 50))
        .send()
        .await
        .unwrap();
    let m: Value = c
        .get(format!("{}/v1/monitor", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(m["n_current"], 50);
    // The check found drift (the rows sent are not like the training rows): its alerts went to
    // the webhook, posted in the background.
    for _ in 0..100 {
        if !posted.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let posted = posted.lock().unwrap().clone();
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert!(
        posted[0]["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "drift"),
        "{posted:?}"
    );
    assert!(
        m["columns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "age")
    );
    s.stop().await;
    let store = mlpilot::monitor::MonitorStore::open(&state).unwrap();
    assert_eq!(store.n_predictions().unwrap(), 90);
    assert_eq!(store.labelled(1000).unwrap().len(), 40);
    assert_eq!(store.check_counts().unwrap().0, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_artifact_is_reloaded_and_a_broken_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = train(dir.path(), 2);
    let s = start(
        &path,
        ServeOptions {
            reload_every: Duration::from_millis(100),
            ..Default::default()
        },
    )
    .await;
    let c = reqwest::Client::new();
    let created = |v: Value| v["created"].as_str().unwrap().to_string();
    let before = created(
        c.get(format!("{}/v1/model", s.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap(),
    );
    // A broken file is refused; the old model keeps serving.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    std::fs::write(&path, b"not a model").unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .json(&rows_json(&titanic(), 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A good replacement is picked up.
    let other = tempfile::tempdir().unwrap();
    let new_path = train(other.path(), 3);
    std::fs::copy(&new_path, &path).unwrap();
    let mut after = before.clone();
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = created(
            c.get(format!("{}/v1/model", s.base))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap(),
        );
        if after != before {
            break;
        }
    }
    assert_ne!(after, before, "the replaced model was not reloaded");
    s.stop().await;
}

/// The Open Inference Protocol: metadata, readiness, the index, JSON and binary tensors with the
/// same answers as `/v1/predict`, `NaN` from Python clients as missing, auth on everything but
/// the health probes, and errors in the protocol's `{"error": …}` shape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_inference_protocol_matches_v1() {
    let dir = tempfile::tempdir().unwrap();
    let path = train(dir.path(), 2);
    let art = mlpilot::artifact::read(&path, &mlpilot::default_registry()).unwrap();
    let frame = titanic();
    let s = start(
        &path,
        ServeOptions {
            token: Some("sesame".into()),
            max_rows: 50,
            ..Default::default()
        },
    )
    .await;
    let c = reqwest::Client::new();
    let auth = "Bearer sesame";

    // Health probes need no token; everything else does.
    for route in ["/v2/health/live", "/v2/health/ready"] {
        let r = c.get(format!("{}{route}", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{route}");
    }
    let r = c
        .get(format!("{}/v2/models/model", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Metadata: the name is the file stem; one input per schema column; the outputs.
    let meta: Value = c
        .get(format!("{}/v2/models/model", s.base))
        .header("authorization", auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["name"], "model");
    let inputs: Vec<(&str, &str)> = meta["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap(), i["datatype"].as_str().unwrap()))
        .collect();
    assert_eq!(
        inputs,
        vec![
            ("pclass", "BYTES"),
            ("sex", "BYTES"),
            ("age", "FP64"),
            ("sibsp", "FP64"),
            ("parch", "FP64")
        ]
    );
    assert_eq!(meta["outputs"][1]["shape"], json!([-1, 2]));
    assert_eq!(meta["parameters"]["classes"], json!(["died", "survived"]));
    let r = c
        .get(format!("{}/v2/models/other/ready", s.base))
        .header("authorization", auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let e: Value = r.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("serves 'model'"));
    let index: Value = c
        .post(format!("{}/v2/repository/index", s.base))
        .header("authorization", auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(index[0]["state"], "READY");

    // JSON tensors, with a missing age sent as a bare NaN (as Python writes it).
    let n = 12;
    let col = |name: &str| -> Vec<Value> {
        let c = frame.column(name).unwrap();
        (0..n)
            .map(|i| match c.f64_at(i) {
                Some(x) if c.data().is_numeric() => json!(x),
                _ if c.data().is_numeric() => json!("NaN-placeholder"),
                _ => json!(c.str_at(i).unwrap_or_default()),
            })
            .collect()
    };
    let tensor = |name: &str, dt: &str| json!({"name": name, "datatype": dt, "shape": [n, 1], "data": col(name)});
    let body = json!({
        "id": "req-1",
        "inputs": [tensor("pclass", "BYTES"), tensor("sex", "BYTES"), tensor("age", "FP64"),
                   tensor("sibsp", "FP64"), tensor("parch", "FP64")],
    })
    .to_string()
    .replace("\"NaN-placeholder\"", "NaN");
    let r = c
        .post(format!("{}/v2/models/model/infer", s.base))
        .header("authorization", auth)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["id"], "req-1");
    let lib = art
        .predict(&frame.take(&(0..n).collect::<Vec<_>>()).unwrap())
        .unwrap();
    let classes = art.predictor.encoding.classes().to_vec();
    let labels = out["outputs"][0]["data"].as_array().unwrap();
    let proba = out["outputs"][1]["data"].as_array().unwrap();
    for i in 0..n {
        assert_eq!(
            labels[i],
            json!(classes[lib.predictions.values[i] as usize])
        );
        let p = lib.predictions.proba.as_ref().unwrap().get(i, 1).unwrap();
        assert!((proba[2 * i + 1].as_f64().unwrap() - p).abs() < 1e-12);
    }

    // Binary tensors (Triton's extension), output asked in binary too.
    let mut bin = Vec::new();
    let mut specs = Vec::new();
    for name in ["pclass", "sex"] {
        let start = bin.len();
        for v in col(name) {
            let s = v.as_str().unwrap();
            bin.extend_from_slice(&(s.len() as u32).to_le_bytes());
            bin.extend_from_slice(s.as_bytes());
        }
        specs.push(json!({"name": name, "datatype": "BYTES", "shape": [n, 1],
                          "parameters": {"binary_data_size": bin.len() - start}}));
    }
    for name in ["age", "sibsp", "parch"] {
        let c = frame.column(name).unwrap();
        for i in 0..n {
            bin.extend_from_slice(&(c.f64_at(i).unwrap_or(f64::NAN) as f32).to_le_bytes());
        }
        specs.push(json!({"name": name, "datatype": "FP32", "shape": [n, 1],
                          "parameters": {"binary_data_size": 4 * n}}));
    }
    let head = json!({"inputs": specs,
                      "outputs": [{"name": "label", "parameters": {"binary_data": true}}]})
    .to_string();
    let mut payload = head.clone().into_bytes();
    payload.extend(bin);
    let r = c
        .post(format!("{}/v2/models/model/infer", s.base))
        .header("authorization", auth)
        .header("inference-header-content-length", head.len().to_string())
        .header("content-type", "application/octet-stream")
        .body(payload)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let json_len: usize = r.headers()["inference-header-content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let bytes = r.bytes().await.unwrap();
    let out: Value = serde_json::from_slice(&bytes[..json_len]).unwrap();
    assert_eq!(out["outputs"].as_array().unwrap().len(), 1);
    let mut rest = &bytes[json_len..];
    for i in 0..n {
        let len = u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
        let label = std::str::from_utf8(&rest[4..4 + len]).unwrap();
        assert_eq!(label, classes[lib.predictions.values[i] as usize]);
        rest = &rest[4 + len..];
    }

    // Errors name the problem.
    let r = c
        .post(format!("{}/v2/models/model/infer", s.base))
        .header("authorization", auth)
        .json(&json!({"inputs": [tensor("pclass", "BYTES")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("missing column 'sex'"),
        "{e}"
    );
    s.stop().await;
}

/// A webhook receiver on a free port: its URL and what it was sent.
async fn receiver() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let sink = Arc::clone(&sink);
            async move {
                sink.lock().unwrap().push(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), received)
}

/// Alerts reach a webhook as `{"alerts": […]}`, through one client for every post; an address
/// that does not answer is an error naming it.
#[tokio::test]
async fn alerts_are_posted_to_the_webhook() {
    let (url, received) = receiver().await;
    let alert = mlpilot::monitor::Alert {
        kind: "drift".into(),
        subject: "age".into(),
        ts: 1.0,
        message: "`age` drifted".into(),
    };
    let hook = mlpilot_serve::Webhook::new(&url).unwrap();
    hook.post(std::slice::from_ref(&alert)).await.unwrap();
    hook.post(&[alert.clone(), alert]).await.unwrap();
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["alerts"][0]["subject"], "age");
    assert_eq!(got[1]["alerts"].as_array().unwrap().len(), 2);

    // A port nobody listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let err = mlpilot_serve::Webhook::new(&dead)
        .unwrap()
        .post(&[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&dead), "{err}");
}

/// A request that cannot finish (its body never arrives) is answered 504 with the API's JSON
/// error once the request timeout passes, and counted in the metrics with that status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_timeout_is_answered_504() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let path = train(dir.path(), 2);
    let s = start(
        &path,
        ServeOptions {
            request_timeout: Duration::from_millis(300),
            ..Default::default()
        },
    )
    .await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(
            b"POST /v1/predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n{\"rows\": [",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while !answer.ends_with(b"}") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the server closed without answering: {answer:?}");
        answer.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 504"), "{text}");
    assert!(
        text.contains(r#"{"error":"the request took longer than the server's limit of 0.3 s"#),
        "{text}"
    );
    let metrics = reqwest::get(format!("{}/metrics", s.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("mlpilot_requests_total{route=\"/v1/predict\",status=\"504\"} 1"),
        "{metrics}"
    );
    s.stop().await;
}

/// A model with a derived column (`sibsp` read as categories, `sibsp` itself left out) is served
/// from the raw columns: the schema asks for `sibsp`, and the answers equal the library's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_with_derived_columns_is_served_from_the_raw_columns() {
    use mlpilot::core::advisor::Transform;
    let dir = tempfile::tempdir().unwrap();
    let frame = titanic();
    let automl = AutoMl::new()
        .target("target")
        .max_trials(2)
        .estimators(&["gbdt.hist_gbm"]);
    let mut config = automl.run_config().clone();
    config.derived = vec![
        mlpilot::derive::Derived::fit(&frame, "sibsp", &Transform::AsCategories).unwrap(),
        mlpilot::derive::Derived::fit(&frame, "age", &Transform::Log).unwrap(),
    ];
    config.exclude = vec!["sibsp".into()];
    let trained = automl.config(config).fit_frame(&frame).unwrap();
    assert_eq!(
        trained.result.predictor.members[0].pipeline.derived().len(),
        2
    );
    let path = dir.path().join("model.mlpilot");
    trained.save(&path).unwrap();
    let s = start(&path, ServeOptions::default()).await;
    let c = reqwest::Client::new();
    let info: Value = c
        .get(format!("{}/v1/model", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = info["schema"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pclass", "sex", "age", "sibsp", "parch"]);
    let r = c
        .post(format!("{}/v1/predict", s.base))
        .json(&rows_json(&frame, 20))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let lib = trained.predict_frame(&frame.head(20)).unwrap();
    let classes = trained.result.predictor.encoding.classes();
    let want: Vec<&str> = lib
        .predictions
        .values
        .iter()
        .map(|v| classes[*v as usize].as_str())
        .collect();
    let got: Vec<&str> = body["predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(got, want);
    // The probabilities too, row by row.
    let proba = lib.predictions.proba.unwrap();
    for (i, row) in body["probabilities"].as_array().unwrap().iter().enumerate() {
        for (k, class) in classes.iter().enumerate() {
            let served = row[class.as_str()].as_f64().unwrap();
            assert!(
                (served - proba.get(i, k).unwrap()).abs() < 1e-9,
                "row {i} {class}"
            );
        }
    }
    s.stop().await;
}
