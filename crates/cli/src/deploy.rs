//! `mlpilot serve`, `mlpilot monitor` and `mlpilot retrain`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use mlpilot::monitor::{MonitorStore, raise_alerts};
use mlpilot::{Error, Result};
use mlpilot_serve::{ServeOptions, Server, Webhook, shutdown_signal};

/// Arguments of `mlpilot serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// A model written by `mlpilot run`.
    pub(crate) model: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) addr: SocketAddr,
    /// Name of an environment variable holding the bearer token `/v1/*` and `/v2/*` requests
    /// must send (the health probes stay open).
    #[arg(long)]
    pub(crate) token_env: Option<String>,
    /// Largest request body in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub(crate) max_body: usize,
    /// Most rows per request.
    #[arg(long, default_value_t = 100_000)]
    pub(crate) max_rows: usize,
    /// Seconds a request may take before it is answered 504 Gateway Timeout.
    #[arg(long, default_value_t = 60.0)]
    pub(crate) request_timeout: f64,
    /// SQLite file for monitoring state (predictions, feedback, checks, alerts).
    #[arg(long)]
    pub(crate) state: Option<PathBuf>,
    /// Run the drift check after this many new rows.
    #[arg(long, default_value_t = 500)]
    pub(crate) check_every: usize,
    /// POST alerts as JSON to this URL.
    #[arg(long)]
    pub(crate) webhook: Option<String>,
    /// The model's name under the Open Inference Protocol (`/v2/models/NAME`); default: the
    /// model file's stem.
    #[arg(long)]
    pub(crate) name: Option<String>,
}

/// The token held by the environment variable `var` names (none without `--token-env`).
pub(crate) fn token_from_env(var: Option<&str>) -> Result<Option<String>> {
    let Some(var) = var else {
        return Ok(None);
    };
    let t = std::env::var(var).map_err(|_| {
        Error::invalid_input(format!(
            "--token-env {var}: the environment variable is not set"
        ))
    })?;
    if t.trim().is_empty() {
        return Err(Error::invalid_input(format!(
            "--token-env {var}: the token is empty"
        )));
    }
    Ok(Some(t))
}

pub(crate) fn serve(args: &ServeArgs) -> Result<()> {
    let token = token_from_env(args.token_env.as_deref())?;
    let options = ServeOptions {
        addr: args.addr,
        token,
        max_body: args.max_body,
        max_rows: args.max_rows,
        request_timeout: std::time::Duration::try_from_secs_f64(args.request_timeout)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                Error::invalid_input("--request-timeout must be a positive number of seconds")
            })?,
        state: args.state.clone(),
        check_every: args.check_every.max(1),
        webhook: args.webhook.clone(),
        name: args.name.clone(),
        ..ServeOptions::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("could not start the runtime: {e}")))?;
    rt.block_on(async {
        let server = Server::bind(&args.model, mlpilot::default_registry(), options).await?;
        let addr = server.local_addr()?;
        let routes = if server.is_forecaster() {
            "a forecaster: POST /v1/forecast; GET /v1/model, /healthz, /metrics"
        } else {
            "POST /v1/predict, /v1/explain, /v1/feedback; GET /v1/model, /v1/monitor, /healthz, /metrics; the Open Inference Protocol under /v2"
        };
        eprintln!("serving {} on http://{addr} ({routes})", args.model.display());
        server.run(shutdown_signal()).await?;
        eprintln!("stopped");
        Ok(())
    })
}

/// Arguments of `mlpilot monitor`.
#[derive(Debug, Args)]
pub(crate) struct MonitorArgs {
    /// A model written by `mlpilot run`.
    pub(crate) model: PathBuf,
    /// Recent rows (with the target column, accuracy decay is checked too).
    pub(crate) data: String,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
    /// SQLite file keeping checks and alerts across runs.
    #[arg(long)]
    pub(crate) state: Option<PathBuf>,
    /// Seconds before an alert of the same kind and subject is raised again.
    #[arg(long, default_value_t = 3600.0)]
    pub(crate) cooldown: f64,
    /// POST new alerts as JSON to this URL.
    #[arg(long)]
    pub(crate) webhook: Option<String>,
}

pub(crate) fn monitor(args: &MonitorArgs) -> Result<()> {
    let artifact = mlpilot::artifact::read(&args.model, &mlpilot::default_registry())?;
    let frame = crate::input::load(
        &args.data,
        Some(&artifact.body.target),
        artifact.body.config.decimal_comma,
    )?;
    let report = mlpilot::monitoring::check(&artifact, &frame)?;
    let mut alerts = Vec::new();
    let mut history = None;
    if let Some(path) = &args.state {
        let mut store = MonitorStore::open(path)?;
        let json = serde_json::to_string(&report)
            .map_err(|e| Error::internal(format!("report JSON: {e}")))?;
        store.record_check(report.drift, &json)?;
        alerts = raise_alerts(
            &mut store,
            &report,
            mlpilot::monitor::store::now(),
            args.cooldown,
        )?;
        history = Some(store.check_counts()?);
    }
    for a in &alerts {
        eprintln!("ALERT [{}] {}", a.kind, a.message);
    }
    if !alerts.is_empty()
        && let Some(url) = &args.webhook
    {
        // A webhook that cannot be reached is said, and the report is still printed.
        let posted = match (
            Webhook::new(url),
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build(),
        ) {
            (Ok(hook), Ok(rt)) => rt.block_on(hook.post(&alerts)),
            (Err(e), _) => Err(e),
            (_, Err(e)) => Err(Error::internal(format!(
                "could not start the async runtime: {e}"
            ))),
        };
        match posted {
            Ok(()) => eprintln!("posted {} alert(s) to {url}", alerts.len()),
            Err(e) => eprintln!("the alerts were not delivered: {e}"),
        }
    }
    if args.json {
        let mut v = serde_json::to_value(&report)
            .map_err(|e| Error::internal(format!("report JSON: {e}")))?;
        if let Some(o) = v.as_object_mut() {
            o.insert("alerts".into(), serde_json::json!(alerts));
            if let Some((checks, drifted)) = history {
                o.insert(
                    "history".into(),
                    serde_json::json!({ "checks": checks, "with_drift": drifted }),
                );
            }
        }
        let text = serde_json::to_string_pretty(&v)
            .map_err(|e| Error::internal(format!("report JSON: {e}")))?;
        println!("{text}");
        return Ok(());
    }
    println!(
        "{} current rows against {} reference rows: {}",
        report.n_current,
        report.n_reference,
        if report.drift { "DRIFT" } else { "no drift" }
    );
    for c in &report.columns {
        println!(
            "  {:<20} {:<7} statistic {:>8.4}  p {:>9}  threshold {:<6} {}",
            c.name,
            c.test,
            c.statistic,
            c.p_value
                .map_or_else(|| "-".to_string(), |p| format!("{p:.2e}")),
            c.threshold,
            if c.drift { "drift" } else { "" }
        );
    }
    for (name, why) in &report.skipped {
        println!("  {name}: not tested ({why})");
    }
    if let Some(p) = &report.prediction_drift {
        println!(
            "predictions: {}",
            if p.drift { "drifted" } else { "stable" }
        );
    }
    if let Some(p) = &report.performance {
        println!("performance: {}", p.note);
    }
    if let Some((checks, drifted)) = history {
        println!("state: {checks} checks so far, {drifted} with drift");
    }
    Ok(())
}

/// Arguments of `mlpilot retrain`.
#[derive(Debug, Args)]
pub(crate) struct RetrainArgs {
    /// The model to retrain (replaced only when the new one is better).
    pub(crate) model: PathBuf,
    /// New labelled rows, oldest first (the last ones are the recent holdout).
    pub(crate) new_data: String,
    /// Earlier training rows to merge with the new ones.
    #[arg(long)]
    pub(crate) old_data: Option<String>,
    /// Write the new model here instead of replacing MODEL (also only when better).
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Fraction of the new rows (the most recent) held out to compare old and new, from 0.05 to
    /// 0.5.
    #[arg(long, default_value_t = 0.2)]
    pub(crate) holdout: f64,
    /// Time budget in seconds (default: the stored configuration's).
    #[arg(long)]
    pub(crate) time_budget: Option<f64>,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn retrain(args: &RetrainArgs) -> Result<()> {
    let artifact = mlpilot::artifact::read(&args.model, &mlpilot::default_registry())?;
    let keep = Some(artifact.body.target.as_str());
    let decimal = artifact.body.config.decimal_comma;
    let (new, _) = crate::input::load_quiet(&args.new_data, keep, decimal)?;
    let old = match &args.old_data {
        Some(p) => Some(crate::input::load_quiet(p, keep, decimal)?.0),
        None => None,
    };
    let outcome = mlpilot::monitoring::retrain(
        &artifact,
        &new,
        old.as_ref(),
        args.holdout,
        args.time_budget,
    )?;
    let mut written = None;
    let mut backup = None;
    if outcome.better {
        match &args.out {
            Some(dir) => {
                let path = dir.join("model.mlpilot");
                outcome.trained.save(&path)?;
                written = Some(path);
            }
            None => {
                backup = Some(mlpilot::monitoring::replace_artifact(
                    &args.model,
                    &outcome.trained,
                )?);
                written = Some(args.model.clone());
            }
        }
    }
    let summary = serde_json::json!({
        "metric": outcome.metric.as_str(),
        "old_score": outcome.old_score,
        "new_score": outcome.new_score,
        "train_rows": outcome.train_rows,
        "holdout_rows": outcome.holdout_rows,
        "replaced": outcome.better,
        "written": written.as_ref().map(|p| p.display().to_string()),
        "backup": backup.as_ref().map(|p| p.display().to_string()),
    });
    if args.json {
        println!("{summary}");
        return Ok(());
    }
    println!(
        "{} on the {} most recent rows: old {:.4}, new {:.4}",
        outcome.metric.display_name(),
        outcome.holdout_rows,
        outcome.old_score,
        outcome.new_score
    );
    match (&written, &backup) {
        (Some(p), Some(b)) => println!(
            "the new model is better: wrote {} (the old one is kept as {})",
            p.display(),
            b.display()
        ),
        (Some(p), None) => println!("the new model is better: wrote {}", p.display()),
        _ => println!("the old model stays: the new one is not better on the recent rows"),
    }
    Ok(())
}
