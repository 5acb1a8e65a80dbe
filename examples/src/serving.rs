//! Serving a saved model from your own axum application: load the artifact once, predict in
//! your handler on tokio's blocking pool (inference is CPU work), answer with class labels.
//!
//! `docs/deployment.md` ("In your own axum application") walks through it; the test in
//! `tests/serving.rs` starts this router on a free port and posts rows to it.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use mlpilot::Artifact;
use mlpilot::core::Value;
use serde_json::{Value as Json_, json};

/// `POST /score` with `{"rows": [{column: value, …}, …]}` → `{"labels": […]}` (class labels, or
/// values for a regression model); a body without rows or with a column of the wrong type is a
/// 400 that says what is wrong.
pub fn router(model: Arc<Artifact>) -> Router {
    Router::new().route("/score", post(score)).with_state(model)
}

async fn score(
    State(model): State<Arc<Artifact>>,
    Json(body): Json<Json_>,
) -> Result<Json<Json_>, (StatusCode, String)> {
    let bad = |m: String| (StatusCode::BAD_REQUEST, m);
    let rows = body
        .get("rows")
        .and_then(Json_::as_array)
        .cloned()
        .ok_or_else(|| bad("send {\"rows\": [{column: value, …}]}".into()))?;
    tokio::task::spawn_blocking(move || {
        let names: Vec<String> = model
            .body
            .schema
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let records: Vec<Vec<Value>> = rows
            .iter()
            .map(|r| {
                names
                    .iter()
                    .map(|n| match r.get(n) {
                        Some(Json_::Number(x)) => x.as_f64().map_or(Value::Null, Value::Float),
                        Some(Json_::String(t)) => Value::Str(t.clone()),
                        Some(Json_::Bool(b)) => Value::Bool(*b),
                        _ => Value::Null,
                    })
                    .collect()
            })
            .collect();
        let frame =
            mlpilot::Frame::from_records(&names, &records).map_err(|e| bad(e.to_string()))?;
        let p = model.predict(&frame).map_err(|e| bad(e.to_string()))?;
        let classes = model.predictor.encoding.classes();
        let labels: Vec<Json_> = p
            .predictions
            .values
            .iter()
            .map(|v| match classes.get(*v as usize) {
                Some(c) => json!(c),
                None => json!(v),
            })
            .collect();
        Ok(Json(json!({ "labels": labels })))
    })
    .await
    .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}
