//! The forecasting bar: each time series of a suite is fitted on its first 80 % (the holdout
//! split's training rows, in time order) with the horizon set to the test length, and its
//! forecast of the last 20 % is scored by RMSE against the anchors on the same split
//! (statsmodels Holt-Winters, seasonal naive, statsforecast's AutoETS and AutoARIMA, FLAML's
//! forecaster where present). Other columns of a series' table are covariates known in the
//! future (the test rows carry their values).
//!
//! `cargo run --release -p mlpilot-benches --bin forecast-bench -- DATASETS_DIR [DIR …]`
//! (`../shared/datasets` and the series `benches/extra/export_series.py` writes).
// A runner over the suites it reads: its indices come from the same split files and forecasts.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mlpilot::forecasting::ForecastSettings;
use mlpilot_benches::suite::{DatasetEntry, Suite};

type Anchors = std::collections::BTreeMap<(String, String), (f64, f64)>;

/// The runner's arguments.
#[derive(Debug, clap::Parser)]
#[command(
    name = "forecast-bench",
    about = "Each series fitted on its first 80 % and scored on the rest against the anchors"
)]
struct Options {
    /// Suite folders (manifest.json, splits/, anchors.csv); default: the shared datasets.
    dirs: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let dirs = <Options as clap::Parser>::parse().dirs;
    let dirs = if dirs.is_empty() {
        vec![mlpilot_benches::datasets_dir()]
    } else {
        dirs
    };
    println!(
        "| series | train/test | mlpilot RMSE | chosen by backtest | Holt-Winters | seasonal naive | AutoETS | AutoARIMA | ÷ HW | ÷ SN | ÷ AutoETS | ÷ AutoARIMA | 80 % interval: backtest / holdout coverage | fit s |"
    );
    println!("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|");
    let mut failed = false;
    // Anchors from every folder, by dataset name (one folder may anchor another's series).
    let mut anchors = Anchors::new();
    for dir in &dirs {
        if let Ok(s) = Suite::open(dir) {
            anchors.extend(s.anchors().unwrap_or_default());
        }
    }
    for dir in &dirs {
        let suite = match Suite::open(dir) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {}: {e}", dir.display());
                failed = true;
                continue;
            }
        };
        for d in suite.datasets.iter().filter(|d| d.task == "timeseries") {
            if let Err(e) = run_series(&suite, d, &anchors) {
                eprintln!("{}: {e}", d.name);
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Fits one series on its training rows, forecasts its test rows and prints its table row:
/// the RMSE, the anchors and the ratios to them, and the interval's coverage.
fn run_series(suite: &Suite, d: &DatasetEntry, anchors: &Anchors) -> mlpilot::Result<()> {
    let frame = suite.frame(d)?;
    let (train, test) = suite.holdout(d)?;
    let time = d.time_column.clone().unwrap_or_else(|| "time".into());
    let tr = frame.take(&train)?;
    let te = frame.take(&test)?;
    let known: Vec<String> = frame
        .names()
        .iter()
        .filter(|n| **n != time && **n != d.target)
        .map(|n| n.to_string())
        .collect();
    let settings = ForecastSettings {
        known_covariates: known,
        ..ForecastSettings::new(&time, test.len())
    };
    let t0 = Instant::now();
    let artifact = mlpilot::AutoMl::new()
        .target(&d.target)
        .time_budget(Duration::from_secs(60))
        .forecast_frame(&tr, &settings)?;
    let secs = t0.elapsed().as_secs_f64();
    let pts = artifact.forecast_frame(&te, &mlpilot::default_registry())?;
    let truth: Vec<f64> = (0..te.n_rows())
        .map(|i| {
            te.require(&d.target)
                .ok()
                .and_then(|c| c.f64_at(i))
                .unwrap_or(f64::NAN)
        })
        .collect();
    let keep: Vec<usize> = (0..truth.len()).filter(|i| truth[*i].is_finite()).collect();
    let t: Vec<f64> = keep.iter().map(|i| truth[*i]).collect();
    let pred: Vec<f64> = keep.iter().map(|i| pts[*i].forecast).collect();
    let inside = keep
        .iter()
        .filter(|i| truth[**i] >= pts[**i].lower && truth[**i] <= pts[**i].upper)
        .count() as f64
        / keep.len().max(1) as f64;
    let rmse = mlpilot::core::metrics::mse(&t, &pred).sqrt();
    let a = |n: &str| anchors.get(&(d.name.clone(), n.to_string())).map(|v| v.0);
    let cell = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.3}"));
    let ratio = |v: Option<f64>| v.map_or("–".into(), |v| format!("{:.2}×", rmse / v));
    let m = &artifact.forecaster.models[0];
    println!(
        "| {} | {}/{} | {:.3} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {:.2} | {:.1} |",
        d.name,
        train.len(),
        test.len(),
        rmse,
        m.method.name(),
        cell(a("holt_winters")),
        cell(a("seasonal_naive")),
        cell(a("statsforecast_autoets")),
        cell(a("statsforecast_autoarima")),
        ratio(a("holt_winters")),
        ratio(a("seasonal_naive")),
        ratio(a("statsforecast_autoets")),
        ratio(a("statsforecast_autoarima")),
        m.coverage.map_or("–".into(), |c| format!("{c:.2}")),
        inside,
        secs
    );
    if std::env::var_os("MLPILOT_FORECAST_DEBUG").is_some() {
        eprintln!("{}: {}", d.name, artifact.narrative);
        debug_candidates(d, &artifact, &te, &truth, &keep);
    }
    Ok(())
}

/// With `MLPILOT_FORECAST_DEBUG`: every candidate's holdout error next to its backtest (known
/// covariates extended with the test rows' values), and with `MLPILOT_FORECAST_DUMP` a JSON
/// file of the forecasts per candidate.
fn debug_candidates(
    d: &DatasetEntry,
    artifact: &mlpilot::forecasting::ForecastArtifact,
    te: &mlpilot::Frame,
    truth: &[f64],
    keep: &[usize],
) {
    let f = &artifact.forecaster;
    let m = &f.models[0];
    let t: Vec<f64> = keep.iter().map(|i| truth[*i]).collect();
    let mut covs = f.panel.series[0].covariates.clone();
    for (k, c) in f.panel.covariates.iter().enumerate() {
        if let Ok(col) = te.require(&c.name) {
            covs[k].extend((0..te.n_rows()).map(|i| col.f64_at(i).unwrap_or(f64::NAN)));
        }
    }
    let cfg = mlpilot::forecast::ForecastConfig::default();
    let all = mlpilot::forecast::candidate_forecasts(
        &f.panel,
        0,
        truth.len(),
        &covs,
        &mlpilot::default_registry(),
        &cfg,
    );
    if let Some(dir) = std::env::var_os("MLPILOT_FORECAST_DUMP") {
        let dump = serde_json::json!({
            "truth": t,
            "backtests": m.backtests,
            "candidates": all.iter().map(|(n, p)| serde_json::json!({
                "name": n,
                "holdout": keep.iter().map(|i| p[*i]).collect::<Vec<f64>>(),
            })).collect::<Vec<_>>(),
        });
        let path = std::path::Path::new(&dir).join(format!("{}.json", d.name));
        let _ = std::fs::write(path, dump.to_string());
    }
    for b in &m.backtests {
        let hold = all
            .iter()
            .find(|(n, _)| *n == b.method)
            .or_else(|| {
                all.iter()
                    .find(|(n, _)| b.method.starts_with(n.split(" across").next().unwrap_or(n)))
            })
            .map(|(_, p)| {
                let p: Vec<f64> = keep.iter().map(|i| p[*i]).collect();
                mlpilot::core::metrics::mse(&t, &p).sqrt()
            });
        eprintln!(
            "    {:<90} backtest {:>10.3}  holdout {:>10.3}",
            b.method.chars().take(90).collect::<String>(),
            b.rmse,
            hold.unwrap_or(f64::NAN)
        );
    }
}
