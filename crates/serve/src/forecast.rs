//! Serving a forecaster: `POST /v1/forecast` with the times (and series ids, and future values
//! of known covariates) to forecast, or with a horizon; `GET /v1/model` for what it is; the
//! same bearer token, body limit, metrics and health probe as a tabular model. Tabular routes
//! (`/v1/predict`, the Open Inference Protocol) answer with what to use instead.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use mlpilot_artifact::ForecastArtifact;
use mlpilot_core::{Column, ColumnData, Frame, Registry};
use serde_json::{Value, json};

use crate::metrics::Metrics;
use crate::{ApiError, ApiResult, ServeOptions, auth, observe};

/// What a forecasting server holds.
pub(crate) struct ForecastState {
    artifact: ForecastArtifact,
    pub(crate) path: PathBuf,
    registry: Registry,
    options: ServeOptions,
    metrics: Arc<Metrics>,
    loaded_at: String,
}

impl ForecastState {
    pub(crate) fn new(
        artifact: ForecastArtifact,
        path: PathBuf,
        registry: Registry,
        options: ServeOptions,
    ) -> Self {
        ForecastState {
            artifact,
            path,
            registry,
            options,
            metrics: Arc::new(Metrics::new()),
            loaded_at: mlpilot_core::datetime::now_iso(),
        }
    }
}

/// `{"rows": [{"time": …, "store": …, "price": …}, …]}` as a frame: one column per key, numbers
/// as floats, everything else as text (times and ids are read as text anyway).
fn rows_frame(rows: &[Value], max_rows: usize) -> ApiResult<Frame> {
    if rows.len() > max_rows {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} rows is more than the limit of {max_rows} per request",
                rows.len()
            ),
        ));
    }
    let mut keys: Vec<String> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let obj = r.as_object().ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("row {i} is not a JSON object"),
            )
        })?;
        for k in obj.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let mut cols = Vec::with_capacity(keys.len());
    for k in &keys {
        let values: Vec<Option<&Value>> = rows
            .iter()
            .map(|r| r.get(k).filter(|v| !v.is_null()))
            .collect();
        let numeric = values.iter().flatten().all(|v| v.is_number());
        let col = if numeric {
            Column::from_f64(
                k,
                values
                    .iter()
                    .map(|v| v.and_then(Value::as_f64).unwrap_or(f64::NAN)),
            )
        } else {
            let text: Vec<Option<String>> = values
                .iter()
                .map(|v| v.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                .collect();
            Column::new(k, ColumnData::Str(text.into()))
        };
        cols.push(col);
    }
    Frame::new(cols).map_err(ApiError::from)
}

async fn forecast(State(state): State<Arc<ForecastState>>, body: Bytes) -> ApiResult<Json<Value>> {
    let v: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let st = Arc::clone(&state);
    tokio::task::spawn_blocking(move || {
        let art = &st.artifact;
        let points = if let Some(rows) = v.get("rows").and_then(Value::as_array) {
            let frame = rows_frame(rows, st.options.max_rows)?;
            art.forecast_frame(&frame, &st.registry)?
        } else if let Some(h) = v.get("horizon").and_then(Value::as_u64) {
            let h = usize::try_from(h).unwrap_or(usize::MAX);
            if h == 0 || h > st.options.max_rows {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("the horizon must be between 1 and {}", st.options.max_rows),
                ));
            }
            art.forecast(h, &st.registry)?
        } else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "send {{\"rows\": [{{\"{}\": …}}]}} with the times to forecast{}, or \
                     {{\"horizon\": N}} for the next N points of every series",
                    art.forecaster.names.time,
                    art.forecaster
                        .names
                        .id
                        .as_ref()
                        .map(|i| format!(" (and `{i}`, the series)"))
                        .unwrap_or_default()
                ),
            ));
        };
        st.metrics
            .count_predictions(&points.iter().map(|p| json!(p.forecast)).collect::<Vec<_>>());
        Ok(Json(json!({
            "level": art.forecaster.level,
            "forecasts": points,
        })))
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("worker failed: {e}"),
        )
    })?
}

async fn model_info(State(state): State<Arc<ForecastState>>) -> Json<Value> {
    let a = &state.artifact;
    let f = &a.forecaster;
    Json(json!({
        "task": "forecast",
        "target": f.names.target,
        "time_column": f.names.time,
        "series_id": f.names.id,
        "horizon": f.horizon,
        "level": f.level,
        "axis": f.panel.axis,
        "covariates": f.panel.covariates,
        "series": f.panel.series.iter().filter_map(|s| s.id.clone()).collect::<Vec<_>>(),
        "facts": a.facts,
        "narrative": a.narrative,
        "mlpilot_version": a.mlpilot_version,
        "created": a.created,
        "loaded_at": state.loaded_at,
        "path": state.path.display().to_string(),
    }))
}

async fn healthz(State(state): State<Arc<ForecastState>>) -> Json<Value> {
    Json(json!({ "status": "ok", "model_created": state.artifact.created, "task": "forecast" }))
}

async fn prometheus(State(state): State<Arc<ForecastState>>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            crate::metrics::CONTENT_TYPE,
        )],
        state.metrics.render(),
    )
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "this server serves a forecaster: POST /v1/forecast ({\"rows\": [...]} with the times to \
         forecast, or {\"horizon\": N}), GET /v1/model, /healthz, /metrics; /v1/predict, \
         /v1/explain, /v1/monitor and the Open Inference Protocol (/v2) serve tabular models only",
    )
}

pub(crate) fn router(state: Arc<ForecastState>) -> Router {
    let v1 = Router::new()
        .route("/v1/forecast", post(forecast))
        .route("/v1/model", get(model_info))
        .layer(middleware::from_fn_with_state(
            Arc::new(state.options.token.clone()),
            auth,
        ));
    Router::new()
        .merge(v1)
        .route("/healthz", get(healthz))
        .route("/metrics", get(prometheus))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(state.options.max_body))
        .layer(crate::request_timeout(state.options.request_timeout))
        .layer(middleware::map_response_with_state(
            crate::Limits {
                timeout: state.options.request_timeout,
                max_body: state.options.max_body,
            },
            crate::json_limit_errors,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state.metrics),
            observe,
        ))
        .with_state(state)
}
