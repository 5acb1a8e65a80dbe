//! Loopback load test of `mlpilot serve`: the real server (in this process, on an ephemeral
//! port) and a Rust load generator (reqwest clients on the same runtime), for 1-row and
//! 1,000-row requests. Reports errors, p50/p99 latency, requests/s and rows/s.
//!
//! `cargo run --release -p mlpilot-benches --bin load-bench -- [--model FILE] [--seconds 10]
//! [--concurrency 4] [--ensemble]` (without `--model` it first trains on the bundled Titanic
//! data: one GBDT, or with `--ensemble` the ensemble the search keeps).
//! On a 2-core machine the generator and the server share the cores: the figures are a lower
//! bound of what the server does alone.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mlpilot_serve::{ServeOptions, Server};
use serde_json::{Value, json};

/// The load test's arguments.
#[derive(Debug, clap::Parser)]
#[command(name = "load-bench", about = "Loopback load test of `mlpilot serve`")]
struct Options {
    /// A saved model to serve; default: one trained on the bundled Titanic data.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Without `--model`: train the ensemble the search keeps instead of one GBDT.
    #[arg(long)]
    ensemble: bool,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn rows_body(frame: &mlpilot::Frame, target: &str, n: usize) -> Value {
    let rows: Vec<Value> = (0..n)
        .map(|k| {
            let i = k % frame.n_rows().max(1);
            let mut o = serde_json::Map::new();
            for c in frame.columns() {
                if c.name() == target {
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

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

fn run() -> mlpilot::Result<()> {
    let opts = <Options as clap::Parser>::parse();
    let (seconds, concurrency) = (opts.seconds, opts.concurrency);
    let dir = tempfile::tempdir().map_err(mlpilot::Error::from)?;
    let model: PathBuf = match opts.model {
        Some(p) => p,
        None => train_titanic(dir.path(), opts.ensemble)?,
    };
    let art = mlpilot::artifact::read(&model, &mlpilot::default_registry())?;
    let target = art.body.target.clone();
    let reference = art.body.reference.clone();
    println!(
        "model: {} ({}), {} concurrent clients, {seconds} s per scenario",
        art.predictor.describe(),
        model.display(),
        concurrency
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| mlpilot::Error::internal(e.to_string()))?;
    rt.block_on(async move {
        let server = Server::bind(
            &model,
            mlpilot::default_registry(),
            ServeOptions {
                addr: "127.0.0.1:0"
                    .parse()
                    .map_err(|e| mlpilot::Error::internal(format!("{e}")))?,
                check_every: usize::MAX,
                ..Default::default()
            },
        )
        .await?;
        let addr = server.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(server.run(async move {
            let _ = rx.await;
        }));
        let url = format!("http://{addr}/v1/predict");
        println!("| request | requests | errors | p50 ms | p99 ms | requests/s | rows/s |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for rows in [1usize, 1000] {
            let body =
                serde_json::to_vec(&rows_body(&reference, &target, rows)).unwrap_or_default();
            let (lat, errors, secs) = load(&url, body, seconds, concurrency).await;
            let n = lat.len();
            println!(
                "| {rows} row{} | {n} | {errors} | {:.2} | {:.2} | {:.0} | {:.0} |",
                if rows == 1 { "" } else { "s" },
                percentile(&lat, 0.5),
                percentile(&lat, 0.99),
                n as f64 / secs,
                (n * rows) as f64 / secs
            );
        }
        let _ = tx.send(());
        let _ = handle.await;
        Ok::<(), mlpilot::Error>(())
    })
}

/// A model trained on the bundled Titanic data (one GBDT, or the ensemble the search keeps),
/// saved in `dir`.
fn train_titanic(dir: &std::path::Path, ensemble: bool) -> mlpilot::Result<PathBuf> {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/titanic.csv");
    let (frame, _) = mlpilot::data::load_frame(data)?;
    let automl = mlpilot::AutoMl::new()
        .target("target")
        .max_trials(8)
        .estimators(&["gbdt.hist_gbm"]);
    let mut config = automl.run_config().clone();
    config.ensemble = ensemble;
    let trained = automl.config(config).fit_frame(&frame)?;
    let p = dir.join("model.mlpilot");
    trained.save(&p)?;
    Ok(p)
}

/// Sends `body` to `url` from `concurrency` clients for `seconds` (after 20 warm-up
/// requests): the sorted latencies of the successful requests in milliseconds, the errors and
/// the seconds it took.
async fn load(
    url: &str,
    body: Vec<u8>,
    seconds: f64,
    concurrency: usize,
) -> (Vec<f64>, usize, f64) {
    let body = Arc::new(body);
    // Warm up.
    let client = reqwest::Client::new();
    for _ in 0..20 {
        let _ = client
            .post(url)
            .header("content-type", "application/json")
            .body(body.as_ref().clone())
            .send()
            .await;
    }
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let body = Arc::clone(&body);
        let url = url.to_string();
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.as_ref().clone())
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().is_success() => {
                        let _ = resp.bytes().await;
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            lat.extend(l);
            errors += e;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    (lat, errors, secs)
}
