//! `mlpilot ui`: the web app for people who are not ML experts.
//!
//! One page walks through the journey — data, goal, plan, train, result, conversation, use it —
//! and talks to a small JSON API (documented in `docs/ui.md`) that programs can use too. Every
//! file the page needs is compiled into the binary; nothing is fetched at run time.
//!
//! Projects live in the work folder (`projects/<id>/`: the uploaded table, `project.json`, and
//! the model, `summary.json`, `session.json` and `report.html` a run writes), listed in
//! `index.json`; reopening the app lists them and resumes any.

mod api;
mod project;
mod security;
pub mod words;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use mlpilot::{Error, Result};

pub use project::ProjectView;

/// How the app runs.
#[derive(Debug, Clone)]
pub struct UiOptions {
    /// The address to listen on (127.0.0.1 by default; any other address needs a token).
    pub addr: SocketAddr,
    /// Where projects are kept.
    pub workdir: PathBuf,
    /// The assistant: `offline`, `ollama:MODEL[@URL]` or `openai:MODEL[@URL]`.
    pub llm: String,
    /// The token every request must carry (as `Authorization: Bearer`, or the cookie set by
    /// opening `/?token=…`); `None`: no token (allowed only on a loopback address).
    pub token: Option<String>,
    /// The largest upload in bytes.
    pub max_upload: usize,
    /// Threads each training run may use.
    pub threads: usize,
}

impl Default for UiOptions {
    fn default() -> Self {
        UiOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 7878)),
            workdir: PathBuf::from("mlpilot-projects"),
            llm: "offline".into(),
            token: None,
            max_upload: 256 * 1024 * 1024,
            threads: 1,
        }
    }
}

/// The bound app, ready to run.
pub struct Ui {
    listener: tokio::net::TcpListener,
    state: Arc<api::AppState>,
}

impl std::fmt::Debug for Ui {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ui")
            .field("addr", &self.listener.local_addr().ok())
            .finish()
    }
}

impl Ui {
    /// Checks the options, opens the work folder (reading the projects already there) and binds
    /// the address.
    ///
    /// # Errors
    /// A non-loopback address without a token, a work folder that cannot be created, an
    /// assistant spec that does not parse, or an address that cannot be bound.
    pub async fn bind(options: UiOptions) -> Result<Ui> {
        if !options.addr.ip().is_loopback() && options.token.as_deref().is_none_or(str::is_empty) {
            return Err(Error::invalid_input(format!(
                "{} is reachable from other machines: set a token (--token-env VAR, with VAR \
                 holding it) or listen on 127.0.0.1",
                options.addr
            )));
        }
        if let Some(t) = options.token.as_deref()
            && !t
                .chars()
                .all(|c| c.is_ascii_graphic() && !matches!(c, ';' | '&' | ',' | '"'))
        {
            return Err(Error::invalid_input(
                "the token may hold letters, digits and punctuation other than ; & , \" — no \
                 spaces (it travels in a cookie and a URL)",
            ));
        }
        let spec = mlpilot::llm::LlmSpec::parse(&options.llm)?;
        let advisor = mlpilot::llm::advisor_for(&spec)?;
        let store = project::Store::open(&options.workdir)?;
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|e| Error::from(e).with_context("address", options.addr))?;
        Ok(Ui {
            listener,
            state: Arc::new(api::AppState::new(options, advisor, store)),
        })
    }

    /// The bound address (useful with port 0).
    ///
    /// # Errors
    /// When the socket has no address.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.listener.local_addr().map_err(Error::from)
    }

    /// Serves until `shutdown` completes; prediction servers started from the app stop with it.
    ///
    /// # Errors
    /// When serving fails.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let app = router(Arc::clone(&self.state));
        let state = Arc::clone(&self.state);
        // On the signal: searches stop and event streams end, so the connections can finish.
        let shutdown = async move {
            shutdown.await;
            state.close();
        };
        let r = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(Error::from);
        self.state.stop_all();
        r
    }
}

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");

async fn index() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        INDEX_HTML,
    )
}

async fn app_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        APP_JS,
    )
}

async fn app_css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], APP_CSS)
}

fn router(state: Arc<api::AppState>) -> Router {
    let limit = state.options.max_upload;
    let p = "/api/projects/{id}";
    Router::new()
        .route("/", get(index))
        .route("/app.js", get(app_js))
        .route("/app.css", get(app_css))
        .route("/api/meta", get(api::meta))
        .route("/api/projects", get(api::list).post(api::create))
        .route(p, get(api::show))
        .route(&format!("{p}/goal"), post(api::goal))
        .route(&format!("{p}/task"), post(api::task))
        .route(&format!("{p}/train"), post(api::train))
        .route(&format!("{p}/stop"), post(api::stop))
        .route(&format!("{p}/events"), get(api::events))
        .route(&format!("{p}/chat"), post(api::chat))
        .route(&format!("{p}/report"), get(api::report))
        .route(&format!("{p}/predict"), post(api::predict))
        .route(&format!("{p}/explain"), post(api::explain))
        .route(
            &format!("{p}/deploy"),
            post(api::deploy).delete(api::undeploy),
        )
        .route(&format!("{p}/monitor"), post(api::monitor))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            security::guard,
        ))
        .with_state(state)
}
