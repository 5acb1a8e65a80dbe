#![doc = include_str!("../README.md")]

mod forecast;
mod kserve;
pub mod metrics;
pub mod rows;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use mlpilot_artifact::{Artifact, PredictorModel};
use mlpilot_core::{Error, ErrorKind, Frame, Registry};
use mlpilot_explain::{ExplainOptions, explain_rows};
use mlpilot_monitor::{MonitorReport, MonitorStore, raise_alerts};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use crate::metrics::Metrics;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on.
    pub addr: SocketAddr,
    /// The bearer token requests to `/v1/*` must carry (none: no authentication).
    pub token: Option<String>,
    /// The largest request body in bytes (larger: 413).
    pub max_body: usize,
    /// The most rows one request may hold (more: 413).
    pub max_rows: usize,
    /// How long a request may take before it is answered 504 Gateway Timeout (work already
    /// started on the blocking pool finishes in the background, its answer dropped).
    pub request_timeout: Duration,
    /// The SQLite file for monitoring state (none: in memory, lost on exit).
    pub state: Option<PathBuf>,
    /// How often the artifact file is checked for replacement.
    pub reload_every: Duration,
    /// Recent rows kept for the drift check.
    pub window: usize,
    /// Run the drift check after this many new rows.
    pub check_every: usize,
    /// Alerts of the same kind and subject are not repeated within this many seconds.
    pub alert_cooldown_secs: f64,
    /// POST alerts as JSON to this URL.
    pub webhook: Option<String>,
    /// The model's name in the Open Inference Protocol's `/v2/models/{name}` (none: the
    /// artifact's file stem).
    pub name: Option<String>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            token: None,
            max_body: 16 * 1024 * 1024,
            max_rows: 100_000,
            request_timeout: Duration::from_secs(60),
            state: None,
            reload_every: Duration::from_secs(2),
            window: 2000,
            check_every: 500,
            alert_cooldown_secs: 3600.0,
            webhook: None,
            name: None,
        }
    }
}

struct Loaded {
    artifact: Artifact,
    modified: Option<SystemTime>,
    loaded_at: String,
}

struct Window {
    frames: VecDeque<Frame>,
    rows: usize,
    since_check: usize,
    last: Option<MonitorReport>,
}

/// Shared server state.
struct AppState {
    model: RwLock<Arc<Loaded>>,
    path: PathBuf,
    /// The backends the model (and its replacements) are read with.
    registry: Registry,
    /// Where alerts are posted.
    webhook: Option<Webhook>,
    options: ServeOptions,
    metrics: Arc<Metrics>,
    store: Mutex<MonitorStore>,
    window: Mutex<Window>,
    requests: AtomicU64,
    /// The modification time of a replacement that failed to load.
    skipped: Mutex<Option<SystemTime>>,
}

/// A line for the operator on stderr. Unlike `eprintln!` it never panics: a server whose
/// stderr was closed (a supervisor gone, a pipe nobody reads) keeps serving.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn load(path: &Path, registry: &Registry) -> mlpilot_core::Result<Loaded> {
    let modified = mtime(path);
    let artifact = mlpilot_artifact::read(path, registry)?;
    Ok(Loaded {
        artifact,
        modified,
        loaded_at: mlpilot_core::datetime::now_iso(),
    })
}

/// A JSON error response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = match e.kind() {
            ErrorKind::InvalidInput | ErrorKind::NotFound | ErrorKind::Format => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ErrorKind::Unsupported => StatusCode::BAD_REQUEST,
            ErrorKind::Timeout | ErrorKind::Budget => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

type ApiResult<T> = std::result::Result<T, ApiError>;

/// Compares two byte strings in time that depends only on their lengths (`subtle`'s
/// constant-time equality).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// The bearer token requests must carry (none: no authentication).
type Token = Arc<Option<String>>;

async fn auth(State(token): State<Token>, req: Request, next: Next) -> Response {
    if let Some(token) = token.as_ref() {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !constant_time_eq(given.as_bytes(), token.as_bytes()) {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "missing or wrong bearer token (send `Authorization: Bearer <token>`)",
            )
            .into_response();
        }
    }
    next.run(req).await
}

async fn observe(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req.uri().path().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    metrics.observe(
        &route,
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}

fn current(state: &AppState) -> Arc<Loaded> {
    match state.model.read() {
        Ok(g) => Arc::clone(&g),
        Err(p) => Arc::clone(&p.into_inner()),
    }
}

/// Parses a request body (JSON `{"rows": [...]}` or CSV) into a frame checked against the
/// model's schema.
fn parse_rows(
    headers: &HeaderMap,
    body: &Bytes,
    loaded: &Loaded,
    max_rows: usize,
) -> ApiResult<(Frame, Option<String>)> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let body_ = &loaded.artifact.body;
    let parsed = if ctype.starts_with("text/csv") {
        let text = std::str::from_utf8(body)
            .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "the CSV body is not UTF-8"))?;
        rows::csv_rows(text, &body_.schema, &body_.target, max_rows)
    } else if ctype.starts_with("application/json") || ctype.is_empty() {
        let v: Json_ = serde_json::from_slice(body).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("the body is not valid JSON: {e}"),
            )
        })?;
        rows::json_rows(&v, &body_.schema, &body_.target, max_rows)
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("send application/json or text/csv, not {ctype}"),
        ));
    };
    parsed.map_err(|e| match e {
        rows::RowsError::TooMany(n) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("{n} rows is more than the limit of {max_rows} per request"),
        ),
        rows::RowsError::Bad(m) => ApiError::new(StatusCode::BAD_REQUEST, m),
        rows::RowsError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m),
    })
}

fn request_id(state: &AppState) -> String {
    let n = state.requests.fetch_add(1, Ordering::Relaxed);
    let t = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros());
    format!("{t:x}-{n:x}")
}

async fn predict(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Json_>> {
    let loaded = current(&state);
    let (frame, id_column) = parse_rows(&headers, &body, &loaded, state.options.max_rows)?;
    let rid = request_id(&state);
    let st = Arc::clone(&state);
    let rid2 = rid.clone();
    tokio::task::spawn_blocking(move || predict_blocking(&st, &loaded, &frame, id_column, &rid2))
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("worker failed: {e}"),
            )
        })?
}

fn predict_blocking(
    state: &AppState,
    loaded: &Loaded,
    frame: &Frame,
    id_column: Option<String>,
    rid: &str,
) -> ApiResult<Json<Json_>> {
    let (p, preds) = predict_recorded(state, loaded, frame, id_column, rid)?;
    let classes = loaded.artifact.predictor.encoding.classes().to_vec();
    let mut out = serde_json::Map::new();
    out.insert("request_id".into(), json!(rid));
    out.insert("predictions".into(), Json_::Array(preds));
    if let Some(m) = &p.predictions.proba {
        out.insert("probabilities".into(), json!(probability_maps(m, &classes)));
    }
    if !p.warnings.is_empty() {
        out.insert("warnings".into(), json!(p.warnings));
    }
    Ok(Json(Json_::Object(out)))
}

/// Predicts, and records what monitoring needs (the rows for drift, the predictions for
/// feedback, the metrics): shared by `/v1/predict` and the Open Inference Protocol's `infer`.
/// Returns the predictions and each row's prediction as JSON (a class label or a value).
fn predict_recorded(
    state: &AppState,
    loaded: &Loaded,
    frame: &Frame,
    id_column: Option<String>,
    rid: &str,
) -> ApiResult<(mlpilot_search::TablePredictions, Vec<Json_>)> {
    let art = &loaded.artifact;
    let p = art.predict(frame)?;
    let classes = art.predictor.encoding.classes().to_vec();
    let preds: Vec<Json_> = if classes.is_empty() {
        p.predictions.values.iter().map(|v| json!(v)).collect()
    } else {
        p.predictions
            .values
            .iter()
            .map(|v| json!(classes.get(*v as usize)))
            .collect()
    };
    // Monitoring: remember the rows (drift) and what was predicted (feedback).
    let keys: Vec<String> = match id_column.as_deref().and_then(|c| frame.column(c)) {
        Some(col) => (0..frame.n_rows())
            .map(|i| col.str_at(i).unwrap_or_else(|| i.to_string()))
            .collect(),
        None => (0..frame.n_rows()).map(|i| i.to_string()).collect(),
    };
    let outputs: Vec<Option<f64>> = match &p.predictions.proba {
        Some(m) if classes.len() == 2 => m.rows().map(|r| r.get(1).copied()).collect(),
        Some(_) => vec![None; frame.n_rows()],
        None => p.predictions.values.iter().map(|v| Some(*v)).collect(),
    };
    let record: Vec<(String, String, Option<f64>)> = keys
        .into_iter()
        .zip(&preds)
        .zip(outputs)
        .map(|((k, pr), o)| {
            (
                k,
                pr.as_str().map_or_else(|| pr.to_string(), str::to_string),
                o,
            )
        })
        .collect();
    if let Ok(mut store) = state.store.lock()
        && let Err(e) = store.record_predictions(rid, &record)
    {
        tracing::warn!("could not record predictions: {e}");
    }
    state.metrics.count_predictions(&preds);
    remember(state, art, frame);
    Ok((p, preds))
}

/// Adds rows to the drift window and runs the check when enough new rows arrived.
fn remember(state: &AppState, art: &Artifact, frame: &Frame) {
    let due = {
        let Ok(mut w) = state.window.lock() else {
            return;
        };
        w.frames.push_back(frame.clone());
        w.rows += frame.n_rows();
        w.since_check += frame.n_rows();
        while w.rows > state.options.window && w.frames.len() > 1 {
            if let Some(f) = w.frames.pop_front() {
                w.rows -= f.n_rows();
            }
        }
        if w.since_check >= state.options.check_every {
            w.since_check = 0;
            true
        } else {
            false
        }
    };
    if due {
        run_check(state, art);
    }
}

fn window_frame(state: &AppState) -> Option<Frame> {
    let w = state.window.lock().ok()?;
    let frames: Vec<&Frame> = w.frames.iter().collect();
    if frames.is_empty() {
        return None;
    }
    Frame::concat(&frames).ok()
}

fn run_check(state: &AppState, art: &Artifact) -> Option<MonitorReport> {
    let frame = window_frame(state)?;
    let mut report = match mlpilot_artifact::monitoring::check(art, &frame) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("drift check failed: {e}");
            return None;
        }
    };
    if let Ok(store) = state.store.lock() {
        report.performance = feedback_performance(&store, art);
    }
    state.metrics.set_drift(&report);
    if let Ok(mut store) = state.store.lock() {
        if let Ok(j) = serde_json::to_string(&report) {
            let _ = store.record_check(report.drift, &j);
        }
        match raise_alerts(
            &mut store,
            &report,
            mlpilot_monitor::store::now(),
            state.options.alert_cooldown_secs,
        ) {
            Ok(alerts) => {
                for a in &alerts {
                    tracing::warn!(kind = %a.kind, subject = %a.subject, "ALERT: {}", a.message);
                    say(&format!("ALERT [{}] {}", a.kind, a.message));
                }
                // The check runs on the blocking pool, inside the server's runtime: the post
                // goes out as a task of its own, through the server's one client.
                if !alerts.is_empty()
                    && let (Some(hook), Ok(runtime)) =
                        (&state.webhook, tokio::runtime::Handle::try_current())
                {
                    let hook = hook.clone();
                    runtime.spawn(async move {
                        if let Err(e) = hook.post(&alerts).await {
                            tracing::warn!("{e}");
                            say(&format!("the alerts were not delivered: {e}"));
                        }
                    });
                }
            }
            Err(e) => tracing::warn!("could not store alerts: {e}"),
        }
    }
    if let Ok(mut w) = state.window.lock() {
        w.last = Some(report.clone());
    }
    Some(report)
}

/// Posts monitoring alerts as JSON (`{"alerts": […]}`) to one URL through one HTTP client,
/// whose connections are reused from post to post.
#[derive(Debug, Clone)]
pub struct Webhook {
    url: String,
    client: reqwest::Client,
}

impl Webhook {
    /// A webhook for `url`; each post may take 5 seconds.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (the system's TLS setup).
    pub fn new(url: &str) -> mlpilot_core::Result<Webhook> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| Error::new(ErrorKind::Network, format!("webhook client: {e}")))?;
        Ok(Webhook {
            url: url.to_string(),
            client,
        })
    }

    /// Posts `alerts`.
    ///
    /// # Errors
    /// A network error naming the URL when it cannot be reached within 5 s or answers with an
    /// error status.
    pub async fn post(&self, alerts: &[mlpilot_monitor::Alert]) -> mlpilot_core::Result<()> {
        self.client
            .post(&self.url)
            .json(&json!({ "alerts": alerts }))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map(|_| ())
            .map_err(|e| {
                Error::new(ErrorKind::Network, format!("webhook {}: {e}", self.url))
                    .with_context("url", &self.url)
            })
    }
}

/// Accuracy from feedback labels over the latest window, against the validation score.
fn feedback_performance(
    store: &MonitorStore,
    art: &Artifact,
) -> Option<mlpilot_monitor::Performance> {
    let labelled = store.labelled(500).ok()?;
    if labelled.is_empty() {
        return None;
    }
    let classes = art.predictor.encoding.classes().to_vec();
    let metric = art.body.metrics.metric;
    let mut y = Vec::new();
    let mut values = Vec::new();
    let mut proba = Vec::new();
    for l in &labelled {
        if classes.is_empty() {
            let (Some(t), Ok(p)) = (
                mlpilot_core::frame::parse_number(&l.label),
                l.prediction.parse::<f64>(),
            ) else {
                continue;
            };
            y.push(t);
            values.push(p);
        } else {
            // A label as JSON types it (`true` for `True`) names its class, as in a file.
            let encoding = &art.predictor.encoding;
            let (Some(t), Some(p)) = (
                encoding.class_index(&l.label),
                encoding.class_index(&l.prediction),
            ) else {
                continue;
            };
            y.push(t as f64);
            values.push(p as f64);
            if let Some(o) = l.output {
                proba.extend([1.0 - o, o]);
            }
        }
    }
    let predictions = if classes.len() == 2 && proba.len() == 2 * values.len() {
        mlpilot_core::Predictions {
            values,
            proba: mlpilot_core::Matrix::new(y.len(), 2, proba).ok(),
        }
    } else {
        mlpilot_core::Predictions::values(values)
    };
    if metric.needs_proba() && predictions.proba.is_none() {
        return None;
    }
    mlpilot_monitor::performance(
        metric,
        art.body.metrics.score,
        &y,
        &predictions,
        classes.len(),
    )
    .ok()
}

async fn explain(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Json_>> {
    let loaded = current(&state);
    let limit = state.options.max_rows.min(200);
    let (frame, _) = parse_rows(&headers, &body, &loaded, limit)?;
    tokio::task::spawn_blocking(move || {
        let body = &loaded.artifact.body;
        let schema: Vec<String> = body.schema.columns.iter().map(|c| c.name.clone()).collect();
        let model = PredictorModel::new(&loaded.artifact.predictor, &schema);
        let rows: Vec<usize> = (0..frame.n_rows()).collect();
        let e = explain_rows(
            &model,
            &frame,
            &rows,
            &body.reference.without(&[body.target.as_str()]),
            &ExplainOptions::default(),
        )?;
        let sentences: Vec<String> = e.iter().map(|r| r.sentence(body.task)).collect();
        Ok(Json(json!({ "rows": e, "sentences": sentences })))
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("worker failed: {e}"),
        )
    })?
}

#[derive(Debug, Deserialize)]
struct FeedbackLabel {
    /// The row key: the id column's value, or the row's index in its request.
    row: Json_,
    label: Json_,
}

#[derive(Debug, Deserialize)]
struct FeedbackBody {
    request_id: Option<String>,
    labels: Vec<FeedbackLabel>,
}

fn json_text(v: &Json_) -> String {
    match v {
        Json_::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn feedback(State(state): State<Arc<AppState>>, body: Bytes) -> ApiResult<Json<Json_>> {
    let fb: FeedbackBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("expected {{\"request_id\": ..., \"labels\": [{{\"row\": ..., \"label\": ...}}]}}: {e}"),
        )
    })?;
    if fb.labels.len() > state.options.max_rows {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} labels is more than the limit of {}",
                fb.labels.len(),
                state.options.max_rows
            ),
        ));
    }
    let labels: Vec<(String, String)> = fb
        .labels
        .iter()
        .map(|l| (json_text(&l.row), json_text(&l.label)))
        .collect();
    let st = Arc::clone(&state);
    tokio::task::spawn_blocking(move || {
        let matched = {
            let mut store = st.store.lock().map_err(|_| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "state lock poisoned")
            })?;
            store.record_feedback(fb.request_id.as_deref(), &labels)?
        };
        let loaded = current(&st);
        let perf = st
            .store
            .lock()
            .ok()
            .and_then(|s| feedback_performance(&s, &loaded.artifact));
        if let Some(p) = &perf {
            st.metrics.set_performance(p);
        }
        Ok(Json(json!({
            "stored": labels.len(),
            "matched": matched,
            "performance": perf,
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

async fn model_info(State(state): State<Arc<AppState>>) -> Json<Json_> {
    let loaded = current(&state);
    let b = &loaded.artifact.body;
    Json(json!({
        "target": b.target,
        "task": b.task,
        "classes": loaded.artifact.predictor.encoding.classes(),
        "schema": b.schema,
        "metrics": b.metrics,
        "model": loaded.artifact.predictor.describe(),
        "format_version": b.format_version,
        "mlpilot_version": b.mlpilot_version,
        "created": b.created,
        "loaded_at": loaded.loaded_at,
        "path": state.path.display().to_string(),
    }))
}

async fn monitor(State(state): State<Arc<AppState>>) -> ApiResult<Json<Json_>> {
    let st = Arc::clone(&state);
    tokio::task::spawn_blocking(move || {
        let loaded = current(&st);
        match run_check(&st, &loaded.artifact) {
            Some(r) => Ok(Json(json!(r))),
            None => Err(ApiError::new(
                StatusCode::CONFLICT,
                "no rows have been predicted yet; the drift check needs recent requests",
            )),
        }
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("worker failed: {e}"),
        )
    })?
}

async fn healthz(State(state): State<Arc<AppState>>) -> Json<Json_> {
    let loaded = current(&state);
    Json(json!({ "status": "ok", "model_created": loaded.artifact.body.created }))
}

async fn prometheus(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        state.metrics.render(),
    )
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such route; see /v1/predict, /v1/explain, /v1/feedback, /v1/model, /v1/monitor, /healthz, /metrics, and the Open Inference Protocol under /v2",
    )
}

fn router(state: Arc<AppState>) -> Router {
    let v1 = Router::new()
        .route("/v1/predict", post(predict))
        .route("/v1/explain", post(explain))
        .route("/v1/feedback", post(feedback))
        .route("/v1/model", get(model_info))
        .route("/v1/monitor", get(monitor))
        // The KServe V2 / Open Inference Protocol: the same model, auth, limits and metrics.
        .route("/v2", get(kserve::server_metadata))
        .route("/v2/models/{name}", get(kserve::model_metadata))
        .route("/v2/models/{name}/ready", get(kserve::model_ready))
        .route("/v2/models/{name}/infer", post(kserve::infer))
        .route("/v2/repository/index", post(kserve::repository_index))
        .layer(middleware::from_fn_with_state(
            Arc::new(state.options.token.clone()),
            auth,
        ));
    Router::new()
        .merge(v1)
        // Health probes stay open, like /healthz: orchestrators call them without a token.
        .route("/v2/health/live", get(kserve::live))
        .route("/v2/health/ready", get(kserve::ready))
        .route("/healthz", get(healthz))
        .route("/metrics", get(prometheus))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(state.options.max_body))
        .layer(request_timeout(state.options.request_timeout))
        .layer(middleware::map_response_with_state(
            Limits {
                timeout: state.options.request_timeout,
                max_body: state.options.max_body,
            },
            json_limit_errors,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state.metrics),
            observe,
        ))
        .with_state(state)
}

/// The layer that answers 504 Gateway Timeout to a request still running after `limit` (inside
/// the metrics layer, so a timed-out request is counted with its status; [`json_limit_errors`] gives
/// the answer the API's JSON error shape).
pub(crate) fn request_timeout(limit: Duration) -> tower_http::timeout::TimeoutLayer {
    tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::GATEWAY_TIMEOUT, limit)
}

/// The limits whose refusals come from layers rather than handlers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// `--request-timeout`.
    pub(crate) timeout: Duration,
    /// `--max-body`, in bytes.
    pub(crate) max_body: usize,
}

/// Gives the refusals that layers write themselves the body every other error has,
/// `{"error": …}` saying what the limit is: the timeout layer's empty 504, and the plain-text
/// 413 of a body over `--max-body` (axum's body limit).
pub(crate) async fn json_limit_errors(State(limits): State<Limits>, res: Response) -> Response {
    let is_json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    match res.status() {
        StatusCode::GATEWAY_TIMEOUT => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            format!(
                "the request took longer than the server's limit of {} s (`--request-timeout`); \
                 send fewer rows per request, or ask the operator for a longer limit",
                limits.timeout.as_secs_f64()
            ),
        )
        .into_response(),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request body is larger than the server's limit of {} bytes (`--max-body`); \
                 send fewer rows per request",
                limits.max_body
            ),
        )
        .into_response(),
        _ => res,
    }
}

/// A bound server, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    app: App,
}

enum App {
    /// A tabular model: `/v1/*`, the Open Inference Protocol, monitoring.
    Table(Arc<AppState>),
    /// A forecaster: `/v1/forecast` and `/v1/model`.
    Forecast(Arc<forecast::ForecastState>),
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = match &self.app {
            App::Table(s) => &s.path,
            App::Forecast(s) => &s.path,
        };
        f.debug_struct("Server").field("path", path).finish()
    }
}

impl Server {
    /// Loads the model (a tabular model or a forecaster), reading its fitted estimators with
    /// `registry` (`mlpilot::default_registry()` for the workspace's backends, or a registry
    /// holding your own), and binds the address.
    ///
    /// # Errors
    /// When the file is not a model this build can read (see `mlpilot_artifact::read`: an
    /// estimator the registry does not hold is named), or the address cannot be bound.
    pub async fn bind(
        model: &Path,
        registry: Registry,
        options: ServeOptions,
    ) -> mlpilot_core::Result<Server> {
        let path = model.to_path_buf();
        if mlpilot_artifact::forecast::is_forecast(&path) {
            let p2 = path.clone();
            let artifact =
                tokio::task::spawn_blocking(move || mlpilot_artifact::forecast::read(&p2))
                    .await
                    .map_err(|e| Error::internal(format!("loading the model failed: {e}")))??;
            let listener = tokio::net::TcpListener::bind(options.addr)
                .await
                .map_err(|e| Error::from(e).with_context("address", options.addr))?;
            let state = forecast::ForecastState::new(artifact, path, registry, options);
            return Ok(Server {
                listener,
                app: App::Forecast(Arc::new(state)),
            });
        }
        let (p2, r2) = (path.clone(), registry.clone());
        let loaded = tokio::task::spawn_blocking(move || load(&p2, &r2))
            .await
            .map_err(|e| Error::internal(format!("loading the model failed: {e}")))??;
        let store = match &options.state {
            Some(p) => MonitorStore::open(p)?,
            None => MonitorStore::in_memory()?,
        };
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|e| Error::from(e).with_context("address", options.addr))?;
        let state = Arc::new(AppState {
            model: RwLock::new(Arc::new(loaded)),
            path,
            registry,
            webhook: options.webhook.as_deref().map(Webhook::new).transpose()?,
            metrics: Arc::new(Metrics::new()),
            store: Mutex::new(store),
            window: Mutex::new(Window {
                frames: VecDeque::new(),
                rows: 0,
                since_check: 0,
                last: None,
            }),
            requests: AtomicU64::new(0),
            skipped: Mutex::new(None),
            options,
        });
        Ok(Server {
            listener,
            app: App::Table(state),
        })
    }

    /// The bound address (useful with port 0).
    ///
    /// # Errors
    /// An i/o error when the operating system cannot tell the socket's address.
    pub fn local_addr(&self) -> mlpilot_core::Result<SocketAddr> {
        self.listener.local_addr().map_err(Error::from)
    }

    /// Whether the server serves a forecaster (routes `/v1/forecast`, `/v1/model`).
    pub fn is_forecaster(&self) -> bool {
        matches!(self.app, App::Forecast(_))
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    ///
    /// # Errors
    /// An i/o error when the server stops on a socket failure rather than on `shutdown`.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> mlpilot_core::Result<()> {
        match self.app {
            App::Table(state) => {
                let reloader = tokio::spawn(reload_loop(Arc::clone(&state)));
                let r = axum::serve(self.listener, router(state))
                    .with_graceful_shutdown(shutdown)
                    .await
                    .map_err(Error::from);
                reloader.abort();
                r
            }
            App::Forecast(state) => axum::serve(self.listener, forecast::router(state))
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(Error::from),
        }
    }
}

/// Swaps in a replaced artifact; a file that fails to load leaves the current model serving.
async fn reload_loop(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(state.options.reload_every);
    loop {
        tick.tick().await;
        let seen = current(&state).modified;
        let now = mtime(&state.path);
        let skipped = state.skipped.lock().ok().and_then(|s| *s);
        if now.is_none() || now == seen || now == skipped {
            continue;
        }
        let (path, registry) = (state.path.clone(), state.registry.clone());
        match tokio::task::spawn_blocking(move || load(&path, &registry)).await {
            Ok(Ok(l)) => {
                tracing::info!("reloaded {}", state.path.display());
                say(&format!("reloaded {}", state.path.display()));
                if let Ok(mut g) = state.model.write() {
                    *g = Arc::new(l);
                }
            }
            Ok(Err(e)) => {
                tracing::warn!("keeping the current model; {e}");
                say(&format!("keeping the current model: {e}"));
                // Do not retry the same broken file every tick.
                if let Ok(mut s) = state.skipped.lock() {
                    *s = now;
                }
            }
            Err(e) => tracing::warn!("reload worker failed: {e}"),
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Probability rows as `{class: p}` maps.
fn probability_maps(
    proba: &mlpilot_core::Matrix,
    classes: &[String],
) -> Vec<serde_json::Map<String, serde_json::Value>> {
    proba
        .rows()
        .map(|r| {
            classes
                .iter()
                .zip(r)
                .map(|(c, p)| (c.clone(), serde_json::json!(p)))
                .collect()
        })
        .collect()
}
