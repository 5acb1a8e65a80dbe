//! Projects: one folder each in the work folder, the state the page shows (`project.json`), and
//! a worker thread that owns the project's conversation ([`Session`]).
//!
//! Each project's session lives on its own thread, which takes jobs one at a time so that a
//! project's steps never overlap; the HTTP handlers send it jobs, and a job waits for the
//! session's futures in the server's runtime ([`wait`]: the search runs on its blocking pool).
//! The page reads the state (and the training events) without waiting for the worker.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use mlpilot::core::{
    Advisor, CancelFlag, ColumnKind, Metric, ProgressEvent, ProgressSink, Task, TaskSpec,
};
use mlpilot::{Artifact, Error, ErrorKind, Result, Session, Summary};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Files a project may be made from, by extension.
pub(crate) const ACCEPTED: &[&str] = &[
    "csv", "tsv", "txt", "parquet", "json", "ndjson", "jsonl", "sqlite", "sqlite3", "db", "zip",
];

/// A column of the table as the Data screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnView {
    /// The column's name (data, never markup).
    pub name: String,
    /// Its kind (`integer`, `categorical`, …).
    pub kind: String,
    /// Why that kind.
    pub reason: String,
    /// Missing values.
    pub missing: usize,
    /// Distinct values.
    pub distinct: usize,
    /// A small chart: a histogram of numbers or the commonest values.
    pub chart: Chart,
}

/// A small chart's data.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Chart {
    /// `histogram` (labels are bin ranges) or `bars` (labels are values).
    pub kind: String,
    /// One label per bar.
    pub labels: Vec<String>,
    /// Rows per bar.
    pub counts: Vec<usize>,
}

/// The Data screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataView {
    /// The table in words (the assistant's description).
    pub summary: String,
    /// Who wrote it (`offline`, `llm:…`).
    pub source: String,
    /// Rows.
    pub n_rows: usize,
    /// Columns.
    pub n_cols: usize,
    /// Every column.
    pub columns: Vec<ColumnView>,
    /// What to check before trusting a model of this table.
    pub warnings: Vec<String>,
    /// What the reader did on the way in (conversions, the table read from a database).
    pub notes: Vec<String>,
}

/// The Plan screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    /// The preprocessing, one step per row, with its reason.
    pub steps: Vec<mlpilot::core::StepSummary>,
    /// The model families searched and why each suits this table.
    pub families: Vec<(String, String)>,
    /// The assistant's account of the plan.
    pub text: String,
}

/// The Result screen: the run's `summary.json` and the plain-words reading of its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultView {
    /// The run's summary, as written to `summary.json`.
    pub summary: Summary,
    /// What the score means in everyday words.
    pub meaning: Option<String>,
    /// The narrative after the sentence `meaning` already gives.
    #[serde(default)]
    pub details: String,
    /// The model in words ("an average of 7 models: 6 gradient boosting, 1 nearest neighbours").
    #[serde(default)]
    pub model: String,
    /// The command that trains this model again.
    pub command: String,
}

/// A message of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `user` or `assistant`.
    pub role: String,
    /// What was said.
    pub text: String,
    /// A change tried: the metric, the score before → after, the noise, and whether it was kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<mlpilot::session::Trial>,
}

/// A running prediction server for the project's model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployView {
    /// The server's base URL.
    pub url: String,
    /// `POST` rows here for predictions.
    pub predict_url: String,
    /// Copy-paste snippets: `curl`, `python`, `rust`.
    pub snippets: BTreeMap<String, String>,
}

/// Where a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Data loaded; no model yet.
    New,
    /// A search is running.
    Training,
    /// A model is ready.
    Trained,
    /// The last search failed (the error says why).
    Failed,
}

/// Everything the page shows of a project; written to `project.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectView {
    /// The project's id (its folder's name).
    pub id: String,
    /// The uploaded file's name (sanitised).
    pub name: String,
    /// When it was made (ISO 8601).
    pub created: String,
    /// Where it stands.
    pub status: Status,
    /// The last error, in words.
    pub error: Option<String>,
    /// The Data screen.
    pub data: Option<DataView>,
    /// The goal as the person wrote it.
    pub goal: Option<String>,
    /// The task: target, task, metric, the runner-up and why it lost.
    pub spec: Option<TaskSpec>,
    /// The assistant's answer to the goal, in words.
    pub task_text: Option<String>,
    /// Who chose the task (`offline`, `llm:…`).
    pub task_source: Option<String>,
    /// The Plan screen.
    pub plan: Option<PlanView>,
    /// Seconds the last (or next) search may take.
    pub budget_secs: f64,
    /// The Result screen.
    pub result: Option<ResultView>,
    /// The conversation.
    pub chat: Vec<Message>,
    /// The prediction server, while it runs.
    pub deploy: Option<DeployView>,
    /// The table's path inside the project folder (a file, or a folder of texts).
    pub(crate) file: String,
    /// The table read from a SQLite file.
    #[serde(default)]
    pub(crate) table: Option<String>,
}

/// A job for a project's worker: it gets the session, or the error that kept it from opening.
type Job = Box<dyn FnOnce(std::result::Result<&mut Session, &Error>) + Send>;

/// A project.
pub(crate) struct Project {
    pub(crate) dir: PathBuf,
    view: Mutex<ProjectView>,
    worker: Mutex<Option<Sender<Job>>>,
    /// The flag the running search watches (Stop sets it).
    pub(crate) cancel: Mutex<CancelFlag>,
    /// The current search's events, as the page receives them.
    pub(crate) events: Mutex<Vec<Value>>,
    artifact: Mutex<Option<Arc<Artifact>>>,
    /// Bumped whenever a new model is saved: a model read before the bump is not cached.
    generation: std::sync::atomic::AtomicU64,
    /// Stops the prediction server started from the app.
    pub(crate) server: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    /// Held while a prediction server starts, so two deploy requests start one server.
    pub(crate) deploying: tokio::sync::Mutex<()>,
}

/// The same error again (errors are not `Clone`; a session that failed to open answers every
/// job with its error).
pub(crate) fn again(e: &Error) -> Error {
    Error::new(e.kind(), e.to_string())
}

/// Locks a mutex, recovering the data of one a panicking thread held.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Writes JSON atomically (a temporary file renamed over the old one).
fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::internal(format!("could not write {}: {e}", path.display())))?;
    mlpilot::artifact::write_bytes(path, text.as_bytes())
}

fn io(e: std::io::Error, path: &Path) -> Error {
    Error::from(e).with_context("file", path.display())
}

impl Project {
    fn new(dir: PathBuf, view: ProjectView) -> Project {
        Project {
            dir,
            view: Mutex::new(view),
            worker: Mutex::new(None),
            cancel: Mutex::new(CancelFlag::new()),
            events: Mutex::new(Vec::new()),
            artifact: Mutex::new(None),
            generation: std::sync::atomic::AtomicU64::new(0),
            server: Mutex::new(None),
            deploying: tokio::sync::Mutex::new(()),
        }
    }

    /// A copy of the state.
    pub(crate) fn view(&self) -> ProjectView {
        lock(&self.view).clone()
    }

    /// Changes the state and writes `project.json`.
    pub(crate) fn update(&self, f: impl FnOnce(&mut ProjectView)) -> Result<()> {
        let mut v = lock(&self.view);
        f(&mut v);
        write_json(&self.dir.join("project.json"), &*v)
    }

    /// Marks the project busy (a search or a change that re-runs one) if it is not already:
    /// the check and the mark under one lock, so two requests cannot both start. Clears the
    /// events and gives the search a fresh stop flag.
    pub(crate) fn begin(&self, first_event: Value) -> Result<CancelFlag> {
        let mut v = lock(&self.view);
        if v.status == Status::Training {
            return Err(Error::invalid_input(
                "a search is running: wait for it, or press Stop to keep the best model so far",
            ));
        }
        v.status = Status::Training;
        v.error = None;
        let flag = CancelFlag::new();
        *lock(&self.cancel) = flag.clone();
        *lock(&self.events) = vec![first_event];
        write_json(&self.dir.join("project.json"), &*v)?;
        Ok(flag)
    }

    /// Ends a busy spell: updates the view and records the last event under the view's lock,
    /// so whoever sees the new status also sees the event.
    pub(crate) fn end(&self, event: Value, f: impl FnOnce(&mut ProjectView)) -> Result<()> {
        let mut v = lock(&self.view);
        f(&mut v);
        lock(&self.events).push(event);
        write_json(&self.dir.join("project.json"), &*v)
    }

    /// The table's source spec for the loader.
    pub(crate) fn data_spec(&self) -> String {
        let (file, table) = {
            let v = lock(&self.view);
            (v.file.clone(), v.table.clone())
        };
        let path = self.dir.join(file).display().to_string();
        match table {
            // Percent-encoded: the loader splits its query at `&` and decodes `%XX`.
            Some(t) => format!("sqlite://{path}?table={}", percent_encode(&t)),
            None => path,
        }
    }

    /// The saved model, read once.
    pub(crate) fn artifact(&self) -> Result<Arc<Artifact>> {
        if let Some(a) = lock(&self.artifact).as_ref() {
            return Ok(Arc::clone(a));
        }
        let path = self.dir.join("model.mlpilot");
        if !path.exists() {
            return Err(Error::new(
                ErrorKind::NotFound,
                "this project has no model yet: train one first",
            ));
        }
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let a = Arc::new(mlpilot::artifact::read(
            &path,
            &mlpilot::default_registry(),
        )?);
        let mut cached = lock(&self.artifact);
        if self.generation.load(std::sync::atomic::Ordering::SeqCst) == generation {
            *cached = Some(Arc::clone(&a));
        }
        Ok(a)
    }

    /// Forgets the model read (after a new one was saved).
    pub(crate) fn forget_artifact(&self) {
        let mut cached = lock(&self.artifact);
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        *cached = None;
    }

    /// Runs `f` on the project's session (on its worker thread, started on first use) and
    /// returns what it returns.
    pub(crate) async fn with_session<T: Send + 'static>(
        self: &Arc<Self>,
        advisor: &Arc<dyn Advisor>,
        f: impl FnOnce(&mut Session) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(
            advisor,
            Box::new(move |s| {
                let r = match s {
                    Ok(s) => f(s),
                    Err(e) => Err(again(e)),
                };
                let _ = tx.send(r);
            }),
        )?;
        rx.await.map_err(|_| {
            Error::internal("the project's worker stopped while working (see the server's log)")
        })?
    }

    /// Sends a job to the worker without waiting for it.
    pub(crate) fn send(self: &Arc<Self>, advisor: &Arc<dyn Advisor>, job: Job) -> Result<()> {
        let mut w = lock(&self.worker);
        if w.is_none() {
            *w = Some(self.start_worker(Arc::clone(advisor)));
        }
        let Some(sender) = w.as_ref() else {
            return Err(Error::internal("the project's worker did not start"));
        };
        if let Err(e) = sender.send(job) {
            // The worker is gone (it panicked): start a new one for this job.
            let fresh = self.start_worker(Arc::clone(advisor));
            let r = fresh
                .send(e.0)
                .map_err(|_| Error::internal("the project's worker did not start"));
            *w = Some(fresh);
            return r;
        }
        Ok(())
    }

    fn start_worker(self: &Arc<Self>, advisor: Arc<dyn Advisor>) -> Sender<Job> {
        let (tx, rx) = channel::<Job>();
        let project = Arc::clone(self);
        // The worker works in the server's runtime: its jobs wait for the session's futures
        // there ([`wait`]), and the session trains on that runtime's blocking pool.
        let runtime = tokio::runtime::Handle::try_current().ok();
        std::thread::spawn(move || {
            let _entered = runtime.as_ref().map(tokio::runtime::Handle::enter);
            let mut session = project.open_session(advisor);
            for job in rx {
                let r =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &mut session {
                        Ok(s) => job(Ok(s)),
                        Err(e) => job(Err(e)),
                    }));
                if r.is_err() {
                    tracing::error!("a job of project {} panicked", project.dir.display());
                }
            }
        });
        tx
    }

    fn open_session(&self, advisor: Arc<dyn Advisor>) -> Result<Session> {
        let (frame, _) = mlpilot::data::load_frame(&self.data_spec())?;
        let view = self.view();
        let mut s = Session::new(
            frame,
            &view.name,
            advisor,
            Duration::from_secs_f64(view.budget_secs.max(1.0)),
        )?;
        if let Some(spec) = &view.spec {
            wait(s.set_task(&spec.target, Some(spec.task), Some(spec.metric)))?;
            s.config.exclude = spec.excluded.clone();
            s.spec = Some(spec.clone());
        }
        // The configuration the last run used (changes the conversation kept included).
        let saved = std::fs::read_to_string(self.dir.join("session.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|v| {
                serde_json::from_value::<mlpilot::RunConfig>(v.get("config")?.clone()).ok()
            });
        if let Some(config) = saved {
            s.config = config;
        }
        Ok(s)
    }

    /// Records a search event for the page.
    fn push_event(&self, v: Value) {
        lock(&self.events).push(v);
    }
}

/// Waits, on a project's worker thread, for one of the session's futures (asking the assistant,
/// training) in the server's runtime.
///
/// # Errors
/// As the future; an internal error when the worker was started outside a runtime.
pub(crate) fn wait<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    match tokio::runtime::Handle::try_current() {
        Ok(h) => h.block_on(f),
        Err(e) => Err(Error::internal(format!(
            "the project's worker has no async runtime: {e}"
        ))),
    }
}

/// Sends a search's trials to the page's event stream.
pub(crate) struct Events {
    pub(crate) project: Arc<Project>,
    pub(crate) started: std::time::Instant,
}

impl ProgressSink for Events {
    fn event(&self, event: &ProgressEvent) {
        if let ProgressEvent::Trial {
            done,
            estimator,
            score,
            best,
            seconds_left,
        } = event
        {
            self.project.push_event(serde_json::json!({
                "kind": "trial",
                "done": done,
                "estimator": estimator,
                "score": score.filter(|s| s.is_finite()),
                "best": best.filter(|s| s.is_finite()),
                "seconds_left": seconds_left,
                "elapsed": self.started.elapsed().as_secs_f64(),
            }));
        }
    }
}

/// Every project in the work folder.
pub(crate) struct Store {
    root: PathBuf,
    projects: Mutex<BTreeMap<String, Arc<Project>>>,
}

/// A project's line in `index.json` and the project list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Entry {
    id: String,
    name: String,
    created: String,
    status: Status,
    target: Option<String>,
    score: Option<(Metric, f64)>,
}

impl Store {
    /// Opens (or makes) the work folder and reads the projects in it.
    pub(crate) fn open(root: &Path) -> Result<Store> {
        let dir = root.join("projects");
        std::fs::create_dir_all(&dir).map_err(|e| io(e, &dir))?;
        let mut projects = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).map_err(|e| io(e, &dir))?.flatten() {
            let path = entry.path().join("project.json");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            match serde_json::from_str::<ProjectView>(&text) {
                Ok(mut view) => {
                    // A search cut off by the app stopping did not finish.
                    if view.status == Status::Training {
                        view.status = if entry.path().join("model.mlpilot").exists() {
                            Status::Trained
                        } else {
                            Status::New
                        };
                        view.error = Some("the app stopped while this project trained".into());
                    }
                    view.deploy = None;
                    projects.insert(view.id.clone(), Arc::new(Project::new(entry.path(), view)));
                }
                Err(e) => tracing::warn!("skipping {}: {e}", path.display()),
            }
        }
        let store = Store {
            root: root.to_path_buf(),
            projects: Mutex::new(projects),
        };
        store.write_index()?;
        Ok(store)
    }

    /// The project `id`.
    pub(crate) fn get(&self, id: &str) -> Result<Arc<Project>> {
        lock(&self.projects)
            .get(id)
            .cloned()
            .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("there is no project `{id}`")))
    }

    /// Every project, newest first.
    pub(crate) fn list(&self) -> Vec<Entry> {
        let mut out: Vec<Entry> = lock(&self.projects)
            .values()
            .map(|p| {
                let v = p.view();
                Entry {
                    id: v.id,
                    name: v.name,
                    created: v.created,
                    status: v.status,
                    target: v.spec.map(|s| s.target),
                    score: v.result.map(|r| (r.summary.metric, r.summary.cv_score)),
                }
            })
            .collect();
        out.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
        out
    }

    /// Writes `index.json`: every project's id, name, status, target and score.
    pub(crate) fn write_index(&self) -> Result<()> {
        write_json(&self.root.join("index.json"), &self.list())
    }

    /// Every project (for stopping their servers).
    pub(crate) fn all(&self) -> Vec<Arc<Project>> {
        lock(&self.projects).values().cloned().collect()
    }

    /// Makes a project from an uploaded file: the name is sanitised, the extension must be one
    /// the loader reads, a zip of texts is unpacked (refusing paths that leave its folder), and
    /// a SQLite database is read from its first table (the others are named in a note).
    pub(crate) fn create(
        &self,
        name: &str,
        bytes: &[u8],
        budget_secs: f64,
    ) -> Result<Arc<Project>> {
        let name = sanitise(name);
        let ext = Path::new(&name)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if !ACCEPTED.contains(&ext.as_str()) {
            return Err(Error::invalid_input(format!(
                "`{name}` is not a file mlpilot reads: upload a table as CSV or TSV, Parquet, \
                 JSON or NDJSON, a SQLite database, or a zip of text files in one folder per \
                 label (a spreadsheet: save it as CSV first, e.g. File → Save As → CSV)"
            ))
            .with_context("file", &name));
        }
        if bytes.is_empty() {
            return Err(
                Error::invalid_input(format!("`{name}` is empty")).with_context("file", &name)
            );
        }
        let id = {
            let projects = lock(&self.projects);
            let stem: String = Path::new(&name)
                .file_stem()
                .map(|s| s.to_string_lossy().chars().take(24).collect())
                .unwrap_or_default();
            (1..)
                .map(|n| format!("{n:03}-{stem}"))
                .find(|id| {
                    !projects.contains_key(id) && !self.root.join("projects").join(id).exists()
                })
                .unwrap_or_default()
        };
        let dir = self.root.join("projects").join(&id);
        std::fs::create_dir_all(&dir).map_err(|e| io(e, &dir))?;
        let made = store_upload(&dir, &name, &ext, bytes);
        let (file, table, notes) = match made {
            Ok(x) => x,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let view = ProjectView {
            id: id.clone(),
            name,
            created: mlpilot::core::datetime::now_iso(),
            status: Status::New,
            error: None,
            data: Some(DataView {
                summary: String::new(),
                source: String::new(),
                n_rows: 0,
                n_cols: 0,
                columns: Vec::new(),
                warnings: Vec::new(),
                notes,
            }),
            goal: None,
            spec: None,
            task_text: None,
            task_source: None,
            plan: None,
            budget_secs,
            result: None,
            chat: Vec::new(),
            deploy: None,
            file,
            table,
        };
        let project = Arc::new(Project::new(dir, view));
        lock(&self.projects).insert(id, Arc::clone(&project));
        Ok(project)
    }

    /// Forgets a project whose table could not be read, and deletes its folder.
    pub(crate) fn discard(&self, project: &Arc<Project>) {
        let id = project.view().id;
        lock(&self.projects).remove(&id);
        // Dropping the only sender ends the worker thread (and the session it holds).
        *lock(&project.worker) = None;
        let _ = std::fs::remove_dir_all(&project.dir);
    }
}

/// Every byte but ASCII letters and digits as `%XX`.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A file name made safe: letters, digits, `.`, `-` and `_` kept (others become `_`), no
/// leading dots, at most 80 characters; `upload` when nothing is left.
pub(crate) fn sanitise(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_start_matches('.');
    let mut out: String = trimmed
        .chars()
        .rev()
        .take(80)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if out.is_empty() || out.chars().all(|c| c == '_' || c == '.') {
        out = "upload".into();
    }
    out
}

/// The most bytes a zip of texts may unpack to.
const UNZIPPED_LIMIT: u64 = 2 * 1024 * 1024 * 1024;

/// Unpacks a zip of texts (`LABEL/NAME.txt`, optionally under one top folder) into `dest`;
/// returns the folder to read, relative to the project folder.
fn unzip_texts(bytes: &[u8], dest: &Path) -> Result<String> {
    let bad = |e: zip::result::ZipError| {
        Error::new(
            ErrorKind::Format,
            format!("the zip file could not be read: {e}"),
        )
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(bad)?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).map_err(bad)?;
        // A path that would leave the folder (`../`, absolute) is refused outright.
        let Some(rel) = f.enclosed_name() else {
            return Err(Error::invalid_input(format!(
                "the zip holds `{}`, a path outside its own folder; it was not unpacked",
                f.name()
            )));
        };
        if f.is_dir()
            || rel
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        {
            continue;
        }
        let out = dest.join(rel);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(e, parent))?;
        }
        let mut w = std::fs::File::create(&out).map_err(|e| io(e, &out))?;
        // The bytes actually written count, not the sizes the archive declares.
        let left = UNZIPPED_LIMIT.saturating_sub(total);
        total += std::io::copy(&mut std::io::Read::take(&mut f, left + 1), &mut w)
            .map_err(|e| io(e, &out))?;
        if total > UNZIPPED_LIMIT {
            return Err(Error::invalid_input(
                "the zip unpacks to more than 2 GiB; upload fewer texts",
            ));
        }
    }
    // One top folder holding the label folders: read from it.
    let entries: Vec<PathBuf> = std::fs::read_dir(dest)
        .map_err(|e| io(e, dest))?
        .flatten()
        .map(|e| e.path())
        .collect();
    match entries.as_slice() {
        [only]
            if only.is_dir()
                && std::fs::read_dir(only)
                    .map_err(|e| io(e, only))?
                    .flatten()
                    .all(|e| e.path().is_dir()) =>
        {
            Ok(format!(
                "texts/{}",
                only.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ))
        }
        _ => Ok("texts".into()),
    }
}

/// Fewer rows than this are refused: no validation could say anything.
const MIN_ROWS: usize = 10;

/// The Data screen of a session's table.
pub(crate) fn data_view(session: &mut Session, notes: Vec<String>) -> Result<DataView> {
    let shape = session.profile();
    if shape.n_rows < MIN_ROWS || shape.n_cols < 2 {
        return Err(Error::invalid_input(format!(
            "it holds {} row(s) and {} column(s); a model learns from examples: it needs a \
             header, a column to predict, at least one other column, and at least {MIN_ROWS} \
             rows (a few hundred for a model worth trusting)",
            shape.n_rows, shape.n_cols
        )));
    }
    let described = wait(session.describe())?;
    let profile = session.profile().clone();
    let frame = session.frame();
    let columns = profile
        .columns
        .iter()
        .map(|c| ColumnView {
            name: c.name.clone(),
            kind: c.kind.as_str().to_string(),
            reason: c.reason(),
            missing: c.missing,
            distinct: c.distinct,
            chart: chart(c, frame.column(&c.name)),
        })
        .collect();
    Ok(DataView {
        summary: described.value.clone(),
        source: described.source.to_string(),
        n_rows: profile.n_rows,
        n_cols: profile.n_cols,
        columns,
        warnings: mlpilot::core::narration::data_warnings(&profile),
        notes: notes
            .into_iter()
            .chain(profile.notes.iter().cloned())
            .collect(),
    })
}

/// A histogram of a numeric column (up to 12 equal-width bins between its 1st and 99th
/// percentiles, the ends taking what lies beyond), or the commonest values of any other.
fn chart(
    c: &mlpilot::core::profile::ColumnProfile,
    column: Option<&mlpilot::core::Column>,
) -> Chart {
    let numeric = matches!(c.kind, ColumnKind::Integer | ColumnKind::Float);
    if let (true, Some(stats), Some(col)) = (numeric, c.numeric.as_ref(), column) {
        let (lo, hi) = (stats.quantiles.p01, stats.quantiles.p99);
        if hi > lo && lo.is_finite() && hi.is_finite() {
            let bins = 12usize.min(c.distinct.max(2));
            let width = (hi - lo) / bins as f64;
            let mut counts = vec![0usize; bins];
            for v in (0..col.len())
                .filter_map(|i| col.f64_at(i))
                .filter(|v| v.is_finite())
            {
                let b = (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1);
                if let Some(n) = counts.get_mut(b) {
                    *n += 1;
                }
            }
            let labels = (0..bins)
                .map(|b| {
                    let a = lo + width * b as f64;
                    format!(
                        "{} – {}",
                        crate::words::short(a),
                        crate::words::short(a + width)
                    )
                })
                .collect();
            return Chart {
                kind: "histogram".into(),
                labels,
                counts,
            };
        }
    }
    Chart {
        kind: "bars".into(),
        labels: c
            .top_values
            .iter()
            .take(8)
            .map(|v| v.value.clone())
            .collect(),
        counts: c.top_values.iter().take(8).map(|v| v.count).collect(),
    }
}

/// The Plan screen for the session's task.
pub(crate) fn plan_view(session: &mut Session) -> Result<PlanView> {
    let steps = session.plan_steps()?;
    let text = wait(session.explain_plan())?.value;
    let task = session.spec.as_ref().map_or(Task::Binary, |s| s.task);
    let families = crate::words::families(session.profile(), task);
    Ok(PlanView {
        steps,
        families,
        text,
    })
}

/// Writes an upload into its project folder (a zip of texts unpacked, a SQLite database's
/// first table chosen): the file to read, the table, and notes on what was left out.
fn store_upload(
    dir: &Path,
    name: &str,
    ext: &str,
    bytes: &[u8],
) -> Result<(String, Option<String>, Vec<String>)> {
    let mut table = None;
    let mut notes = Vec::new();
    let file = match ext {
        "zip" => unzip_texts(bytes, &dir.join("texts"))?,
        "sqlite" | "sqlite3" | "db" => {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(|e| io(e, &path))?;
            let tables = mlpilot::data::sqlite::tables(&path)?;
            let Some(first) = tables.first() else {
                return Err(Error::invalid_input(format!("`{name}` holds no tables")));
            };
            if tables.len() > 1 {
                notes.push(format!(
                    "read table `{first}` of {}; the others ({}) are not used",
                    tables.len(),
                    tables
                        .iter()
                        .skip(1)
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            table = Some(first.clone());
            name.to_string()
        }
        _ => {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(|e| io(e, &path))?;
            name.to_string()
        }
    };
    Ok((file, table, notes))
}
