//! The KServe V2 / Open Inference Protocol over HTTP (what KServe, Triton and Seldon speak):
//! server and model metadata, health, readiness, the repository index, and `infer` with one
//! input tensor per column.
//!
//! Inputs: one tensor per training column, named as the column, shape `[N]` or `[N, 1]`;
//! `BYTES` for categories and text, `FP32`/`FP64`/`INT64`/`INT32` for numbers (`BOOL` also
//! accepted). Outputs: `label` (`BYTES`, `[N]`) and `probabilities` (`FP64`, `[N, classes]`,
//! classes in the order of the model metadata's `parameters.classes`) for classifiers,
//! `variable` (`FP64`, `[N, 1]`) for regressors. Tensor data comes as JSON or in Triton's
//! binary tensor data extension (`Inference-Header-Content-Length`); outputs are returned in
//! binary when the request asks (`binary_data` per output, or `binary_data_output`), as
//! `tritonclient` does by default.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mlpilot_core::{ColumnKind, Value};
use serde_json::{Map, Value as J, json};

use crate::rows::{RowsError, column_rows};
use crate::{ApiError, ApiResult, AppState, Loaded, current, request_id};

/// The header giving the length of the JSON part of a binary-extension body.
const HEADER_LENGTH: &str = "inference-header-content-length";

fn v2_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

impl ApiError {
    /// The error in the protocol's shape (`{"error": "..."}`).
    fn into_v2(self) -> Response {
        v2_error(self.status, self.message)
    }
}

/// The model's name: `--name`, else the artifact's file stem.
pub(crate) fn model_name(state: &AppState) -> String {
    state.options.name.clone().unwrap_or_else(|| {
        state
            .path
            .file_stem()
            .map_or_else(|| "model".to_string(), |s| s.to_string_lossy().into_owned())
    })
}

fn version(loaded: &Loaded) -> String {
    loaded.artifact.body.created.clone()
}

/// 404 unless `name` is the served model.
fn check_name(state: &AppState, name: &str) -> Result<(), Box<Response>> {
    let served = model_name(state);
    if name == served {
        Ok(())
    } else {
        Err(Box::new(v2_error(
            StatusCode::NOT_FOUND,
            format!("no model named '{name}'; this server serves '{served}'"),
        )))
    }
}

pub(crate) async fn server_metadata() -> axum::Json<J> {
    axum::Json(json!({
        "name": "mlpilot",
        "version": env!("CARGO_PKG_VERSION"),
        "extensions": ["model_repository", "binary_tensor_data"],
    }))
}

pub(crate) async fn live() -> axum::Json<J> {
    axum::Json(json!({ "live": true }))
}

pub(crate) async fn ready() -> axum::Json<J> {
    // The model is loaded before the server binds, and a failed reload keeps the last one.
    axum::Json(json!({ "ready": true }))
}

pub(crate) async fn model_ready(
    State(state): State<Arc<AppState>>,
    UrlPath(name): UrlPath<String>,
) -> Response {
    if let Err(r) = check_name(&state, &name) {
        return *r;
    }
    axum::Json(json!({ "name": name, "ready": true })).into_response()
}

pub(crate) async fn repository_index(State(state): State<Arc<AppState>>) -> axum::Json<J> {
    let loaded = current(&state);
    axum::Json(json!([{
        "name": model_name(&state),
        "version": version(&loaded),
        "state": "READY",
        "reason": "",
    }]))
}

fn input_datatype(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Integer | ColumnKind::Float => "FP64",
        _ => "BYTES",
    }
}

pub(crate) async fn model_metadata(
    State(state): State<Arc<AppState>>,
    UrlPath(name): UrlPath<String>,
) -> Response {
    if let Err(r) = check_name(&state, &name) {
        return *r;
    }
    let loaded = current(&state);
    let b = &loaded.artifact.body;
    let inputs: Vec<J> = b
        .schema
        .columns
        .iter()
        .map(|c| json!({ "name": c.name, "datatype": input_datatype(c.kind), "shape": [-1, 1] }))
        .collect();
    let classes = loaded.artifact.predictor.encoding.classes();
    let outputs = if classes.is_empty() {
        json!([{ "name": "variable", "datatype": "FP64", "shape": [-1, 1] }])
    } else {
        json!([
            { "name": "label", "datatype": "BYTES", "shape": [-1] },
            { "name": "probabilities", "datatype": "FP64", "shape": [-1, classes.len()] },
        ])
    };
    axum::Json(json!({
        "name": name,
        "versions": [version(&loaded)],
        "platform": "mlpilot",
        "inputs": inputs,
        "outputs": outputs,
        "parameters": {
            "target": b.target,
            "task": b.task,
            "classes": classes,
            "model": loaded.artifact.predictor.describe(),
        },
    }))
    .into_response()
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

/// Splits a body into its JSON header and the binary tensor data that follows.
fn split_body<'a>(headers: &HeaderMap, body: &'a [u8]) -> Result<(J, &'a [u8]), ApiError> {
    let json_len = match headers.get(HEADER_LENGTH) {
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .filter(|n| *n <= body.len())
            .ok_or_else(|| {
                bad(format!(
                    "Inference-Header-Content-Length must be a byte count within the body's {} \
                     bytes",
                    body.len()
                ))
            })?,
        None => body.len(),
    };
    let (head, rest) = body.split_at(json_len);
    let v: J = match serde_json::from_slice(head) {
        Ok(v) => v,
        // Python clients (json.dumps, tritonclient) write missing numbers as bare `NaN`.
        Err(e) => serde_json::from_slice(&non_finite_as_null(head))
            .map_err(|_| bad(format!("the inference request is not valid JSON: {e}")))?,
    };
    Ok((v, rest))
}

/// The JSON text with the bare tokens `NaN`, `Infinity` and `-Infinity` (outside strings)
/// written as `null`: missing values, as the pipeline reads non-finite numbers anyway.
fn non_finite_as_null(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    let mut i = 0;
    while let Some(&c) = text.get(i) {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        let rest = text.get(i..).unwrap_or_default();
        if let Some(token) = [&b"-Infinity"[..], b"Infinity", b"NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t))
        {
            out.extend_from_slice(b"null");
            i += token.len();
            continue;
        }
        in_string = c == b'"';
        out.push(c);
        i += 1;
    }
    out
}

fn take<'a>(buf: &mut &'a [u8], n: usize, what: &str) -> Result<&'a [u8], ApiError> {
    if buf.len() < n {
        return Err(bad(format!(
            "{what}: the binary data ends early ({} bytes left, {n} needed)",
            buf.len()
        )));
    }
    let (a, b) = buf.split_at(n);
    *buf = b;
    Ok(a)
}

/// Decodes one input's binary data (little-endian, as the extension specifies).
fn decode_binary(datatype: &str, mut data: &[u8], name: &str) -> Result<Vec<Value>, ApiError> {
    let what = format!("input '{name}'");
    let fixed = |size: usize| -> Result<Vec<&[u8]>, ApiError> {
        if !data.len().is_multiple_of(size) {
            return Err(bad(format!(
                "{what}: {} bytes is not a whole number of {datatype} values",
                data.len()
            )));
        }
        Ok(data.chunks(size).collect())
    };
    let arr4 = |c: &[u8]| -> [u8; 4] { c.try_into().unwrap_or([0; 4]) };
    let arr8 = |c: &[u8]| -> [u8; 8] { c.try_into().unwrap_or([0; 8]) };
    Ok(match datatype {
        "FP32" => fixed(4)?
            .into_iter()
            .map(|c| Value::Float(f64::from(f32::from_le_bytes(arr4(c)))))
            .collect(),
        "FP64" => fixed(8)?
            .into_iter()
            .map(|c| Value::Float(f64::from_le_bytes(arr8(c))))
            .collect(),
        "INT32" => fixed(4)?
            .into_iter()
            .map(|c| Value::Int(i64::from(i32::from_le_bytes(arr4(c)))))
            .collect(),
        "INT64" => fixed(8)?
            .into_iter()
            .map(|c| Value::Int(i64::from_le_bytes(arr8(c))))
            .collect(),
        "BOOL" => data.iter().map(|b| Value::Bool(*b != 0)).collect(),
        "BYTES" => {
            let mut out = Vec::new();
            while !data.is_empty() {
                let len = u32::from_le_bytes(arr4(take(&mut data, 4, &what)?)) as usize;
                let s = take(&mut data, len, &what)?;
                out.push(Value::Str(String::from_utf8_lossy(s).into_owned()));
            }
            out
        }
        other => return Err(bad(format!("{what}: unsupported datatype {other}"))),
    })
}

/// Reads one input's JSON data (flattened, row-major).
fn decode_json(datatype: &str, data: &J, name: &str) -> Result<Vec<Value>, ApiError> {
    fn flatten<'a>(v: &'a J, out: &mut Vec<&'a J>) {
        match v {
            J::Array(a) => a.iter().for_each(|x| flatten(x, out)),
            other => out.push(other),
        }
    }
    let mut flat = Vec::new();
    flatten(data, &mut flat);
    flat.into_iter()
        .enumerate()
        .map(|(i, v)| {
            Ok(match (datatype, v) {
                (_, J::Null) => Value::Null,
                ("BYTES", J::String(s)) => {
                    if s.is_empty() {
                        Value::Null
                    } else {
                        Value::Str(s.clone())
                    }
                }
                ("BOOL", J::Bool(b)) => Value::Bool(*b),
                ("FP32" | "FP64", J::Number(n)) => n.as_f64().map_or(Value::Null, Value::Float),
                ("INT32" | "INT64" | "UINT8" | "UINT32" | "UINT64", J::Number(n)) => {
                    n.as_i64().map_or(Value::Null, Value::Int)
                }
                (dt, v) => {
                    return Err(bad(format!(
                        "input '{name}', element {i}: {v} is not a {dt} value"
                    )));
                }
            })
        })
        .collect()
}

/// The requested outputs: their names (all when none are named) and whether each is binary.
fn requested_outputs(
    req: &Map<String, J>,
    available: &[&str],
) -> Result<Vec<(String, bool)>, ApiError> {
    let all_binary = req
        .get("parameters")
        .and_then(|p| p.get("binary_data_output"))
        .and_then(J::as_bool)
        .unwrap_or(false);
    match req.get("outputs").and_then(J::as_array) {
        None => Ok(available
            .iter()
            .map(|n| ((*n).to_string(), all_binary))
            .collect()),
        Some(list) => list
            .iter()
            .map(|o| {
                let name = o.get("name").and_then(J::as_str).unwrap_or_default();
                if !available.contains(&name) {
                    return Err(bad(format!(
                        "no output named '{name}'; this model gives {}",
                        available.join(", ")
                    )));
                }
                let binary = o
                    .get("parameters")
                    .and_then(|p| p.get("binary_data"))
                    .and_then(J::as_bool)
                    .unwrap_or(all_binary);
                Ok((name.to_string(), binary))
            })
            .collect(),
    }
}

/// An output tensor: its datatype, shape and values (strings or numbers).
struct Output {
    datatype: &'static str,
    shape: Vec<usize>,
    strings: Vec<String>,
    numbers: Vec<f64>,
}

impl Output {
    fn binary(&self) -> Vec<u8> {
        if self.datatype == "BYTES" {
            let mut b = Vec::new();
            for s in &self.strings {
                b.extend_from_slice(&(s.len() as u32).to_le_bytes());
                b.extend_from_slice(s.as_bytes());
            }
            b
        } else {
            self.numbers.iter().flat_map(|v| v.to_le_bytes()).collect()
        }
    }

    fn json_data(&self) -> J {
        if self.datatype == "BYTES" {
            json!(self.strings)
        } else {
            json!(self.numbers)
        }
    }
}

pub(crate) async fn infer(
    State(state): State<Arc<AppState>>,
    UrlPath(name): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = check_name(&state, &name) {
        return *r;
    }
    let st = Arc::clone(&state);
    match tokio::task::spawn_blocking(move || infer_blocking(&st, &name, &headers, &body)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => e.into_v2(),
        Err(e) => v2_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("worker failed: {e}"),
        ),
    }
}

fn infer_blocking(
    state: &AppState,
    name: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<Response> {
    let loaded = current(state);
    let (req, mut binary) = split_body(headers, body)?;
    let req = req
        .as_object()
        .ok_or_else(|| bad("expected an inference request object with \"inputs\""))?;
    let inputs = req.get("inputs").and_then(J::as_array).ok_or_else(|| {
        bad("expected \"inputs\": [{\"name\", \"shape\", \"datatype\", \"data\"}, …]")
    })?;
    let columns = decode_inputs(inputs, &mut binary)?;
    let b = &loaded.artifact.body;
    let (frame, id_column) = column_rows(columns, &b.schema, &b.target, state.options.max_rows)
        .map_err(|e| match e {
            RowsError::TooMany(n) => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "{n} rows is more than the limit of {} per request",
                    state.options.max_rows
                ),
            ),
            RowsError::Bad(m) | RowsError::Invalid(m) => bad(m),
        })?;
    let rid = req
        .get("id")
        .and_then(J::as_str)
        .map_or_else(|| request_id(state), str::to_string);
    let (p, preds) = crate::predict_recorded(state, &loaded, &frame, id_column, &rid)?;
    let n = frame.n_rows();
    let classes = loaded.artifact.predictor.encoding.classes();
    let available = outputs(&p, &preds, !classes.is_empty(), n);
    let names: Vec<&str> = available.iter().map(|(n, _)| *n).collect();
    let wanted = requested_outputs(req, &names)?;
    let mut outs = Vec::new();
    let mut tail: Vec<u8> = Vec::new();
    for (wanted_name, as_binary) in &wanted {
        let Some((_, o)) = available.iter().find(|(n, _)| n == wanted_name) else {
            continue;
        };
        let mut t = Map::new();
        t.insert("name".into(), json!(wanted_name));
        t.insert("datatype".into(), json!(o.datatype));
        t.insert("shape".into(), json!(o.shape));
        if *as_binary {
            let bytes = o.binary();
            t.insert(
                "parameters".into(),
                json!({ "binary_data_size": bytes.len() }),
            );
            tail.extend(bytes);
        } else {
            t.insert("data".into(), o.json_data());
        }
        outs.push(J::Object(t));
    }
    let mut resp = Map::new();
    resp.insert("model_name".into(), json!(name));
    resp.insert("model_version".into(), json!(version(&loaded)));
    resp.insert("id".into(), json!(rid));
    resp.insert("outputs".into(), J::Array(outs));
    if !p.warnings.is_empty() {
        resp.insert(
            "parameters".into(),
            json!({ "warnings": p.warnings.join("; ") }),
        );
    }
    let resp = J::Object(resp);
    let head = serde_json::to_vec(&resp).unwrap_or_default();
    if tail.is_empty() {
        return Ok(([(header::CONTENT_TYPE, "application/json")], head).into_response());
    }
    let head_len = head.len();
    let mut bytes = head;
    bytes.extend(tail);
    let mut r = ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response();
    if let Ok(v) = HeaderValue::from_str(&head_len.to_string()) {
        r.headers_mut().insert(HEADER_LENGTH, v);
    }
    Ok(r)
}

/// Each input tensor decoded (JSON `data`, or its share of the binary tail) into a named
/// column of values.
fn decode_inputs(inputs: &[J], binary: &mut &[u8]) -> ApiResult<Vec<(String, Vec<Value>)>> {
    let mut columns = Vec::with_capacity(inputs.len());
    for input in inputs {
        let col = input.get("name").and_then(J::as_str).unwrap_or_default();
        let datatype = input
            .get("datatype")
            .and_then(J::as_str)
            .unwrap_or_default();
        let binary_size = input
            .get("parameters")
            .and_then(|p| p.get("binary_data_size"))
            .and_then(J::as_u64);
        let values = match (binary_size, input.get("data")) {
            (Some(n), _) => {
                let chunk = take(binary, n as usize, &format!("input '{col}'"))?;
                decode_binary(datatype, chunk, col)?
            }
            (None, Some(data)) => decode_json(datatype, data, col)?,
            (None, None) => return Err(bad(format!("input '{col}' has no data"))),
        };
        columns.push((col.to_string(), values));
    }
    Ok(columns)
}

/// The outputs a request may ask for: the value (regression), or the label and the class
/// probabilities.
fn outputs(
    p: &mlpilot_search::TablePredictions,
    preds: &[J],
    classified: bool,
    n: usize,
) -> Vec<(&'static str, Output)> {
    let mut available: Vec<(&'static str, Output)> = Vec::new();
    if !classified {
        available.push((
            "variable",
            Output {
                datatype: "FP64",
                shape: vec![n, 1],
                strings: Vec::new(),
                numbers: p.predictions.values.clone(),
            },
        ));
    } else {
        let labels = preds
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect();
        available.push((
            "label",
            Output {
                datatype: "BYTES",
                shape: vec![n],
                strings: labels,
                numbers: Vec::new(),
            },
        ));
        if let Some(m) = &p.predictions.proba {
            available.push((
                "probabilities",
                Output {
                    datatype: "FP64",
                    shape: vec![n, m.n_cols()],
                    strings: Vec::new(),
                    numbers: m.as_slice().to_vec(),
                },
            ));
        }
    }
    available
}
