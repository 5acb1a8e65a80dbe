//! The JSON API the page talks to (documented in `docs/ui.md`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use mlpilot::core::{Advisor, CancelFlag, Metric, Task};
use mlpilot::{Error, ErrorKind, Session};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::UiOptions;
use crate::project::{
    Events, Message, Project, ResultView, Status, Store, data_view, lock, plan_view, sanitise,
};

/// The app's state.
pub(crate) struct AppState {
    pub(crate) options: UiOptions,
    advisor: Arc<dyn Advisor>,
    store: Store,
    /// Set when the app is stopping: event streams end, searches are stopped.
    closing: std::sync::atomic::AtomicBool,
}

impl AppState {
    pub(crate) fn new(options: UiOptions, advisor: Arc<dyn Advisor>, store: Store) -> AppState {
        AppState {
            options,
            advisor,
            store,
            closing: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The app is stopping: end the event streams (so the server can finish its connections)
    /// and stop the searches.
    pub(crate) fn close(&self) {
        self.closing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        for p in self.store.all() {
            lock(&p.cancel).cancel();
        }
    }

    fn closing(&self) -> bool {
        self.closing.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Stops every prediction server the app started.
    pub(crate) fn stop_all(&self) {
        for p in self.store.all() {
            if let Some(tx) = lock(&p.server).take() {
                let _ = tx.send(());
            }
        }
    }

    fn index(&self) {
        if let Err(e) = self.store.write_index() {
            tracing::warn!("{e}");
        }
    }
}

/// An error as the page shows it: `{"error": "…"}` with a status that fits.
pub(crate) struct ApiError(Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self.0.kind() {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::InvalidInput | ErrorKind::Format | ErrorKind::Unsupported => {
                StatusCode::BAD_REQUEST
            }
            ErrorKind::Budget | ErrorKind::Timeout => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, Json(json!({ "error": self.0.to_string() }))).into_response()
    }
}

type ApiResult<T> = std::result::Result<T, ApiError>;

fn busy(p: &Project) -> ApiResult<()> {
    if p.view().status == Status::Training {
        return Err(Error::invalid_input(
            "a search is running: wait for it, or press Stop to keep the best model so far",
        )
        .into());
    }
    Ok(())
}

/// `GET /api/meta`: the assistant, the tasks and their metrics, budget presets, accepted files
/// and the glossary behind the tooltips.
pub(crate) async fn meta(State(s): State<Arc<AppState>>) -> Json<Value> {
    let metrics = |t: Task| {
        mlpilot::core::task::ALL_METRICS
            .iter()
            .filter(|m| m.applies_to(t))
            .map(|m| json!({ "id": m.as_str(), "name": m.display_name() }))
            .collect::<Vec<_>>()
    };
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "advisor": s.advisor.name(),
        "tasks": {
            "binary": metrics(Task::Binary),
            "multiclass": metrics(Task::Multiclass),
            "regression": metrics(Task::Regression),
        },
        "presets": [
            { "label": "Quick look", "seconds": 30 },
            { "label": "Standard", "seconds": 120 },
            { "label": "Thorough", "seconds": 600 },
        ],
        "accepted": crate::project::ACCEPTED,
        "max_upload": s.options.max_upload,
        "glossary": mlpilot::core::narration::glossary(),
    }))
}

/// `GET /api/projects`: every project, newest first.
pub(crate) async fn list(State(s): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({ "projects": s.store.list() }))
}

#[derive(Deserialize)]
pub(crate) struct Upload {
    name: String,
    #[serde(default)]
    budget: Option<f64>,
}

/// `POST /api/projects?name=FILE` with the file as the body: a new project, profiled.
pub(crate) async fn create(
    State(s): State<Arc<AppState>>,
    Query(q): Query<Upload>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let budget = q.budget.unwrap_or(120.0);
    if !(budget.is_finite() && (1.0..=86_400.0).contains(&budget)) {
        return Err(
            Error::invalid_input("the budget is a number of seconds between 1 and 86400").into(),
        );
    }
    let project = {
        let s2 = Arc::clone(&s);
        let name = q.name.clone();
        tokio::task::spawn_blocking(move || s2.store.create(&name, &body, budget))
            .await
            .map_err(|e| Error::internal(format!("saving the upload failed: {e}")))??
    };
    let notes = project.view().data.map(|d| d.notes).unwrap_or_default();
    match project
        .with_session(&s.advisor, move |session| data_view(session, notes))
        .await
    {
        Ok(data) => {
            project.update(|v| v.data = Some(data))?;
            s.index();
            Ok((StatusCode::CREATED, Json(json!(project.view()))))
        }
        Err(e) => {
            s.store.discard(&project);
            Err(hide_paths(&e, &project.dir).into())
        }
    }
}

/// The error with the project folder's path taken out of its words: the person knows the file
/// by its name, and the server's folders are not theirs to see.
fn hide_paths(e: &Error, dir: &std::path::Path) -> Error {
    let mut text = e.to_string();
    for d in [dir.join("uploads"), dir.to_path_buf()] {
        text = text.replace(&format!("{}/", d.display()), "");
    }
    // The reader names the file once; a repeated `(file: …)` adds nothing.
    let mut seen = Vec::new();
    let mut out = String::new();
    for part in text.split(" (file: ") {
        if out.is_empty() {
            out.push_str(part);
            continue;
        }
        let name = part.split(')').next().unwrap_or_default().to_string();
        if !seen.contains(&name) && !out.contains(&name) {
            out.push_str(" (file: ");
            out.push_str(part);
        } else if let Some((_, rest)) = part.split_once(')') {
            out.push_str(rest);
        }
        seen.push(name);
    }
    Error::new(e.kind(), out)
}

/// `GET /api/projects/{id}`: everything the page shows of a project.
pub(crate) async fn show(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let p = s.store.get(&id)?;
    Ok(Json(json!(p.view())))
}

#[derive(Deserialize)]
pub(crate) struct GoalBody {
    goal: String,
}

/// The task and plan after the session's task changed, written into the view.
fn adopt_task(
    p: &Project,
    session: &mut Session,
    text: String,
    source: String,
) -> mlpilot::Result<()> {
    let plan = plan_view(session)?;
    let spec = session.spec.clone();
    let warnings = mlpilot::core::narration::data_warnings(session.profile());
    p.update(|v| {
        v.spec = spec;
        v.task_text = Some(text);
        v.task_source = Some(source);
        v.plan = Some(plan);
        if let Some(d) = &mut v.data {
            d.warnings = warnings;
        }
    })
}

/// `POST /api/projects/{id}/goal` `{"goal": "…"}`: the assistant turns the goal into a task
/// (target, task, metric, the runner-up and why it lost) and plans the preprocessing.
pub(crate) async fn goal(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    Json(b): Json<GoalBody>,
) -> ApiResult<Json<Value>> {
    let p = s.store.get(&id)?;
    busy(&p)?;
    let goal = b.goal.trim().to_string();
    if goal.is_empty() {
        return Err(Error::invalid_input("say what you want to find out, in a sentence").into());
    }
    p.update(|v| v.goal = Some(goal.clone()))?;
    let p2 = Arc::clone(&p);
    p.with_session(&s.advisor, move |session| {
        let a = crate::project::wait(session.set_goal(&goal))?;
        let text = session
            .transcript
            .last()
            .map(|t| t.text.clone())
            .unwrap_or_default();
        adopt_task(&p2, session, text, a.source.to_string())
    })
    .await?;
    s.index();
    Ok(Json(json!(p.view())))
}

#[derive(Deserialize)]
pub(crate) struct TaskBody {
    target: String,
    #[serde(default)]
    task: Option<String>,
    #[serde(default)]
    metric: Option<String>,
}

/// `POST /api/projects/{id}/task` `{"target", "task"?, "metric"?}`: the person changes what the
/// assistant chose.
pub(crate) async fn task(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    Json(b): Json<TaskBody>,
) -> ApiResult<Json<Value>> {
    let p = s.store.get(&id)?;
    busy(&p)?;
    let task: Option<Task> = match b.task.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => Some(t.parse()?),
        None => None,
    };
    let metric: Option<Metric> = match b.metric.as_deref().filter(|t| !t.is_empty()) {
        Some(m) => Some(m.parse()?),
        None => None,
    };
    let p2 = Arc::clone(&p);
    p.with_session(&s.advisor, move |session| {
        let spec = crate::project::wait(session.set_task(&b.target, task, metric))?;
        let text = format!(
            "You chose to predict `{}` ({}), optimising {}.",
            spec.target,
            spec.task,
            spec.metric.display_name()
        );
        adopt_task(&p2, session, text, "you".into())
    })
    .await?;
    s.index();
    Ok(Json(json!(p.view())))
}

#[derive(Deserialize)]
pub(crate) struct TrainBody {
    budget_secs: f64,
}

/// The Result screen of the session's latest model, after saving it into the project folder:
/// the summary is read back from the `summary.json` just written, so the page shows the file's
/// numbers.
fn save_result(p: &Project, session: &mut Session, advisor: &str) -> mlpilot::Result<ResultView> {
    session.save(&p.dir)?;
    p.forget_artifact();
    let _ = std::fs::remove_file(p.dir.join("report.html"));
    let t = session
        .trained
        .as_ref()
        .ok_or_else(|| Error::internal("no model after the search"))?;
    let path = p.dir.join("summary.json");
    let summary: mlpilot::Summary = std::fs::read_to_string(&path)
        .map_err(|e| Error::from(e).with_context("file", path.display()))
        .and_then(|text| {
            serde_json::from_str(&text)
                .map_err(|e| Error::internal(format!("summary.json does not read back: {e}")))
        })?;
    let run = t.run_context();
    let plain = mlpilot::llm::offline::plain_meaning(&run);
    let details = match &plain {
        Some(first) => summary.narrative.strip_prefix(first.as_str()).map_or_else(
            || summary.narrative.clone(),
            |rest| rest.trim_start().to_string(),
        ),
        None => summary.narrative.clone(),
    };
    Ok(ResultView {
        meaning: mlpilot::core::narration::score_meaning(&run),
        details,
        model: crate::words::model_in_words(&t.result.predictor),
        command: crate::words::reproduce(
            &p.view().name,
            &t.config,
            summary.trials,
            session.threshold,
            advisor,
        ),
        summary,
    })
}

/// Writes the run's `report.html` (within 20 s of explaining) after the result is shown, on the
/// project's worker, so a reopened project has it.
fn queue_report(p: &Arc<Project>, advisor: &Arc<dyn Advisor>) {
    let p2 = Arc::clone(p);
    let job = Box::new(move |s: std::result::Result<&mut Session, &Error>| {
        let Ok(session) = s else { return };
        let path = p2.dir.join("report.html");
        let Some(t) = session.trained.as_ref() else {
            return;
        };
        match mlpilot::explain::report_within(t, &p2.view().name, Some(20.0)) {
            Ok(html) => {
                if let Err(e) = mlpilot::artifact::write_bytes(&path, html.as_bytes()) {
                    tracing::warn!("{e}");
                }
            }
            Err(e) => tracing::warn!("the report was not written: {e}"),
        }
    });
    if let Err(e) = p.send(advisor, job) {
        tracing::warn!("{e}");
    }
}

/// `POST /api/projects/{id}/train` `{"budget_secs": 60}`: starts a search; its trials arrive
/// on `/events`. Answers at once (202).
pub(crate) async fn train(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    Json(b): Json<TrainBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let p = s.store.get(&id)?;
    if !(b.budget_secs.is_finite() && (1.0..=86_400.0).contains(&b.budget_secs)) {
        return Err(
            Error::invalid_input("the budget is a number of seconds between 1 and 86400").into(),
        );
    }
    if p.view().spec.is_none() {
        return Err(Error::invalid_input("say what to predict first (the Goal step)").into());
    }
    let flag = p.begin(json!({ "kind": "started", "budget_secs": b.budget_secs }))?;
    p.update(|v| v.budget_secs = b.budget_secs)?;
    let (p2, s2) = (Arc::clone(&p), Arc::clone(&s));
    let threads = s.options.threads.max(1);
    let budget = b.budget_secs;
    let sent = p.send(
        &s.advisor,
        Box::new(move |session| {
            let started = Instant::now();
            let r = session.map_err(crate::project::again).and_then(|session| {
                session.config.time_budget_secs = Some(budget);
                session.config.threads = threads;
                session.set_cancel(flag);
                session.set_progress(Some(Arc::new(Events {
                    project: Arc::clone(&p2),
                    started,
                })));
                let r = crate::project::wait(session.run());
                session.set_progress(None);
                session.set_cancel(CancelFlag::new());
                r?;
                save_result(&p2, session, &s2.advisor.name())
            });
            let elapsed = started.elapsed().as_secs_f64();
            let ended = match r {
                Ok(result) => {
                    let event = json!({ "kind": "finished", "elapsed": elapsed, "score": result.summary.cv_score });
                    // A server deployed earlier reloads the replaced model file by itself.
                    let r = p2.end(event, |v| {
                        v.status = Status::Trained;
                        v.result = Some(result);
                    });
                    queue_report(&p2, &s2.advisor);
                    r
                }
                Err(e) => p2.end(json!({ "kind": "failed", "error": e.to_string() }), |v| {
                    v.status = Status::Failed;
                    v.error = Some(e.to_string());
                }),
            };
            if let Err(e) = ended {
                tracing::warn!("{e}");
            }
            s2.index();
        }),
    );
    if let Err(e) = sent {
        let _ = p.end(json!({ "kind": "failed", "error": e.to_string() }), |v| {
            v.status = Status::Failed;
            v.error = Some(e.to_string());
        });
        return Err(e.into());
    }
    Ok((StatusCode::ACCEPTED, Json(json!(p.view()))))
}

/// `POST /api/projects/{id}/stop`: ends the search after the trials in flight; the best model
/// found so far is refitted and kept.
pub(crate) async fn stop(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let p = s.store.get(&id)?;
    lock(&p.cancel).cancel();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "stopping": p.view().status == Status::Training })),
    ))
}

#[derive(Deserialize)]
pub(crate) struct From_ {
    #[serde(default)]
    from: Option<usize>,
}

/// `GET /api/projects/{id}/events`: the current search's events as Server-Sent Events
/// (`started`, one `trial` per finished trial, then `finished` or `failed`); each carries its
/// index as the event id, so a reconnecting page resumes where it was.
pub(crate) async fn events(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<From_>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = std::result::Result<Event, Infallible>>>> {
    let p = s.store.get(&id)?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .map(|i| i + 1);
    let start = resume.or(q.from).unwrap_or(0);
    let batches = stream::unfold((s, p, start, false), |(s, p, next, done)| async move {
        if done {
            return None;
        }
        loop {
            if s.closing() {
                return None;
            }
            // The status first: a search that has ended has already recorded its last event.
            let training = p.view().status == Status::Training;
            let (batch, last) = {
                let ev = lock(&p.events);
                let batch: Vec<(usize, Value)> = ev
                    .iter()
                    .enumerate()
                    .skip(next)
                    .map(|(i, v)| (i, v.clone()))
                    .collect();
                let last = ev
                    .last()
                    .and_then(|v| v.get("kind"))
                    .and_then(Value::as_str)
                    .is_some_and(|k| k == "finished" || k == "failed");
                (batch, last)
            };
            if !batch.is_empty() {
                let next = batch.last().map_or(next, |(i, _)| i + 1);
                let events: Vec<_> = batch
                    .into_iter()
                    .map(|(i, v)| Ok(Event::default().id(i.to_string()).data(v.to_string())))
                    .collect();
                let finished = last && next >= lock(&p.events).len();
                return Some((events, (s, p, next, finished)));
            }
            if !training || last {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .flat_map(stream::iter);
    Ok(Sse::new(batches).keep_alive(KeepAlive::default()))
}

#[derive(Deserialize)]
pub(crate) struct ChatBody {
    text: String,
}

/// `POST /api/projects/{id}/chat` `{"text": "…"}`: a question is answered; a request ("leave
/// out sibsp", "optimise recall") becomes a typed change that re-runs the search and is kept
/// only when validation confirms it. Returns the new messages.
pub(crate) async fn chat(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    Json(b): Json<ChatBody>,
) -> ApiResult<Json<Value>> {
    let p = s.store.get(&id)?;
    let text = b.text.trim().to_string();
    if text.is_empty() {
        return Err(Error::invalid_input("write a question or a request").into());
    }
    let before_status = p.view().status;
    // A change re-runs the search: it is followed on `/events` and Stop ends it like a search.
    let flag = p.begin(json!({ "kind": "started", "change": text }))?;
    let (p2, s2) = (Arc::clone(&p), Arc::clone(&s));
    let asked = text.clone();
    let outcome = p
        .with_session(&s.advisor, move |session| {
            if crate::words::is_help(&asked) {
                let reply = Message {
                    role: "assistant".into(),
                    text: mlpilot::core::narration::help(),
                    changes: Vec::new(),
                };
                return Ok((reply, None, session.spec.clone()));
            }
            if session.trained.is_none() {
                return Err(Error::invalid_input(
                    "the conversation is about a model trained since the app started: train one \
                     (the Train step), then ask",
                ));
            }
            session.set_cancel(flag);
            session.set_progress(Some(Arc::new(Events {
                project: Arc::clone(&p2),
                started: Instant::now(),
            })));
            let r = answer(session, &asked, &p2, &s2.advisor.name());
            session.set_progress(None);
            session.set_cancel(CancelFlag::new());
            r
        })
        .await;
    let (reply, result, spec) = match outcome {
        Ok(x) => x,
        Err(e) => {
            p.end(json!({ "kind": "failed", "error": e.to_string() }), |v| {
                v.status = before_status;
            })?;
            return Err(e.into());
        }
    };
    let user = Message {
        role: "user".into(),
        text,
        changes: Vec::new(),
    };
    p.end(json!({ "kind": "finished" }), |v| {
        v.status = before_status;
        v.chat.push(user.clone());
        v.chat.push(reply.clone());
        if let Some(r) = result {
            v.result = Some(r);
            v.status = Status::Trained;
        }
        if spec.is_some() {
            v.spec = spec;
        }
    })?;
    s.index();
    Ok(Json(
        json!({ "messages": [user, reply], "project": p.view() }),
    ))
}

/// The assistant's reply to a question or a request, and the new result when the model changed.
fn answer(
    session: &mut Session,
    asked: &str,
    p: &Project,
    advisor: &str,
) -> mlpilot::Result<(Message, Option<ResultView>, Option<mlpilot::core::TaskSpec>)> {
    let before = session.trained.as_ref().map(|t| t.elapsed_secs);
    let threshold = session.threshold;
    let reply = match crate::project::wait(session.request(asked))? {
        Some(mlpilot::Outcome::Trial { trial }) => Message {
            role: "assistant".into(),
            text: mlpilot::describe_trial(&trial),
            changes: vec![trial],
        },
        Some(mlpilot::Outcome::Features { trials }) => Message {
            role: "assistant".into(),
            text: if trials.is_empty() {
                "I found no new column worth trying on this table.".into()
            } else {
                trials
                    .iter()
                    .map(mlpilot::describe_trial)
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            changes: trials,
        },
        Some(mlpilot::Outcome::Said { text }) => Message {
            role: "assistant".into(),
            text,
            changes: Vec::new(),
        },
        None => Message {
            role: "assistant".into(),
            text: crate::project::wait(session.ask(asked))?.value,
            changes: Vec::new(),
        },
    };
    // A kept change (or a new threshold) is a new model: save it and its result.
    let changed = session.trained.as_ref().map(|t| t.elapsed_secs) != before
        || reply.changes.iter().any(|t| t.kept)
        || session.threshold != threshold;
    let result = if changed {
        Some(save_result(p, session, advisor)?)
    } else {
        None
    };
    Ok((reply, result, session.spec.clone()))
}

/// `GET /api/projects/{id}/report`: the run's `report.html` (importances, partial dependence,
/// explained rows), written on first request. Served sandboxed: its scripts do not run.
pub(crate) async fn report(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let p = s.store.get(&id)?;
    let path = p.dir.join("report.html");
    if !path.exists() {
        busy(&p)?;
        let title = p.view().name;
        let path2 = path.clone();
        p.with_session(&s.advisor, move |session| {
            let t = session.trained.as_ref().ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    "the report is written from a model trained in this sitting: train again",
                )
            })?;
            let html = mlpilot::explain::report_within(t, &title, Some(20.0))?;
            std::fs::write(&path2, html)
                .map_err(|e| Error::from(e).with_context("file", path2.display()))
        })
        .await?;
    }
    let html = tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| Error::from(e).with_context("file", path.display()))?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// Saves an upload into the project's `uploads/` folder and reads it as a table.
fn read_upload(
    p: &Project,
    name: &str,
    body: &[u8],
    target: &str,
) -> mlpilot::Result<mlpilot::Frame> {
    let name = sanitise(name);
    let ext = std::path::Path::new(&name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if !["csv", "tsv", "txt", "parquet", "json", "ndjson", "jsonl"].contains(&ext.as_str()) {
        return Err(Error::invalid_input(format!(
            "`{name}` is not a table mlpilot reads here: upload CSV or TSV, Parquet, JSON or NDJSON"
        ))
        .with_context("file", &name));
    }
    let dir = p.dir.join("uploads");
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::from(e).with_context("file", dir.display()))?;
    let path = dir.join(&name);
    std::fs::write(&path, body).map_err(|e| Error::from(e).with_context("file", path.display()))?;
    let opts = mlpilot::data::LoadOptions::keeping(Some(target));
    Ok(mlpilot::data::load_frame_with(&path.display().to_string(), &opts)?.0)
}

#[derive(Deserialize)]
pub(crate) struct FileQuery {
    name: String,
}

/// `POST /api/projects/{id}/predict?name=FILE` with a table as the body: the predictions as a
/// CSV download (`prediction`, and `proba_<class>` columns for classifiers).
pub(crate) async fn predict(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<FileQuery>,
    body: Bytes,
) -> ApiResult<Response> {
    let p = s.store.get(&id)?;
    let csv = tokio::task::spawn_blocking(move || -> mlpilot::Result<String> {
        let artifact = p.artifact()?;
        let frame = read_upload(&p, &q.name, &body, &artifact.body.target)
            .map_err(|e| hide_paths(&e, &p.dir))?;
        let out = artifact.predict(&frame)?;
        let id = artifact.id_column(&frame);
        let table =
            mlpilot::predictions_frame(&artifact.predictor.encoding, &out.predictions, true, id)?;
        mlpilot::csv_text(&table)
    })
    .await
    .map_err(|e| Error::internal(format!("predicting failed: {e}")))??;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"predictions.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

#[derive(Deserialize)]
pub(crate) struct ExplainBody {
    /// The row of the table, counted from 1.
    row: usize,
}

/// `POST /api/projects/{id}/explain` `{"row": 1}`: why the model predicts what it does for a
/// row of the table — each column's contribution (they add up to the prediction) and a
/// sentence from the assistant.
pub(crate) async fn explain(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    Json(b): Json<ExplainBody>,
) -> ApiResult<Json<Value>> {
    let p = s.store.get(&id)?;
    busy(&p)?;
    let artifact = {
        let p2 = Arc::clone(&p);
        tokio::task::spawn_blocking(move || p2.artifact())
            .await
            .map_err(|e| Error::internal(format!("loading the model failed: {e}")))??
    };
    let a2 = Arc::clone(&artifact);
    let (row, values) = p
        .with_session(&s.advisor, move |session| {
            let frame = session.frame();
            if b.row == 0 || b.row > frame.n_rows() {
                return Err(Error::invalid_input(format!(
                    "row {} does not exist: the table has rows 1 to {}",
                    b.row,
                    frame.n_rows()
                )));
            }
            let r = b.row - 1;
            let one = frame.take(&[r])?;
            let body = &a2.body;
            let schema: Vec<String> = body.schema.columns.iter().map(|c| c.name.clone()).collect();
            let model = mlpilot::explain::PredictorModel::new(&a2.predictor, &schema);
            let e = mlpilot::explain::explain(
                &model,
                &body.target,
                body.metrics.metric,
                &one,
                &[0],
                &body.reference,
                0,
            )?;
            let mut row = e
                .rows
                .into_iter()
                .next()
                .ok_or_else(|| Error::internal("no explanation came back"))?;
            // The row of the table (from 0), not of the one-row frame explained.
            row.row = r;
            let values: serde_json::Map<String, Value> = one
                .columns()
                .iter()
                .map(|c| {
                    (
                        c.name().to_string(),
                        c.str_at(0).map_or(Value::Null, Value::String),
                    )
                })
                .collect();
            Ok((row, values))
        })
        .await?;
    let words = s
        .advisor
        .explain_prediction(&row.context(artifact.body.task))
        .await?;
    Ok(Json(json!({
        "row": b.row,
        "values": values,
        "explanation": row,
        "sentence": words.value,
        "source": words.source.to_string(),
        "fallback": words.fallback_reason,
    })))
}

/// `POST /api/projects/{id}/deploy`: starts the prediction server for this model (the one
/// `mlpilot serve` runs) on a free port of the app's address; `DELETE` stops it.
pub(crate) async fn deploy(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let p = s.store.get(&id)?;
    let _one_at_a_time = p.deploying.lock().await;
    if let Some(d) = p.view().deploy {
        return Ok(Json(json!(d)));
    }
    let artifact = {
        let p2 = Arc::clone(&p);
        tokio::task::spawn_blocking(move || p2.artifact())
            .await
            .map_err(|e| Error::internal(format!("loading the model failed: {e}")))??
    };
    let options = mlpilot_serve::ServeOptions {
        addr: SocketAddr::new(s.options.addr.ip(), 0),
        token: s.options.token.clone(),
        state: Some(p.dir.join("monitoring.sqlite")),
        name: Some("model".into()),
        ..Default::default()
    };
    let server = mlpilot_serve::Server::bind(
        &p.dir.join("model.mlpilot"),
        mlpilot::default_registry(),
        options,
    )
    .await?;
    let port = server.local_addr()?.port();
    // The host the page reached the app by, so the URL works from the person's browser.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.rsplit_once(':').map(|(h, _)| h.to_string()))
        .unwrap_or_else(|| s.options.addr.ip().to_string());
    let url = format!("http://{host}:{port}");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        if let Err(e) = server
            .run(async {
                let _ = rx.await;
            })
            .await
        {
            tracing::warn!("the prediction server stopped: {e}");
        }
    });
    *lock(&p.server) = Some(tx);
    let view = crate::project::DeployView {
        predict_url: format!("{url}/v1/predict"),
        snippets: crate::words::snippets(&url, &artifact, s.options.token.is_some()),
        url,
    };
    p.update(|v| v.deploy = Some(view.clone()))?;
    Ok(Json(json!(view)))
}

/// `DELETE /api/projects/{id}/deploy`: stops the prediction server.
pub(crate) async fn undeploy(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let p = s.store.get(&id)?;
    if let Some(tx) = lock(&p.server).take() {
        let _ = tx.send(());
    }
    p.update(|v| v.deploy = None)?;
    Ok(Json(json!(p.view())))
}

/// `POST /api/projects/{id}/monitor?name=FILE` with recent rows as the body: drift per column,
/// prediction drift and (when the rows carry the target) accuracy decay, in numbers and words.
pub(crate) async fn monitor(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<FileQuery>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let p = s.store.get(&id)?;
    let report = tokio::task::spawn_blocking(move || -> mlpilot::Result<_> {
        let artifact = p.artifact()?;
        let frame = read_upload(&p, &q.name, &body, &artifact.body.target)
            .map_err(|e| hide_paths(&e, &p.dir))?;
        mlpilot::monitoring::check(&artifact, &frame)
    })
    .await
    .map_err(|e| Error::internal(format!("the check failed: {e}")))??;
    Ok(Json(json!({
        "sentences": mlpilot::core::narration::drift_check(&report),
        "report": report,
    })))
}
