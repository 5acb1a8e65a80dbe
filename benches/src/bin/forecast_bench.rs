//! The forecasting bar: each time series of the suite is fitted on its first 80 % (the holdout
//! split's training rows, in time order) with the horizon set to the test length, and its
//! forecast of the last 20 % is scored by RMSE against the anchors on the same split
//! (statsmodels Holt-Winters, seasonal naive, FLAML's forecaster at 10 s).
//!
//! `cargo run --release -p mlpilot-benches --bin forecast-bench -- [DATASETS_DIR]`
#![allow(clippy::print_stdout)]

use std::process::ExitCode;
use std::time::Instant;

use mlpilot_benches::suite::Suite;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .filter(|a| !a.starts_with("--"))
        .map_or_else(mlpilot_benches::datasets_dir, Into::into);
    let suite = match Suite::open(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let anchors = suite.anchors().unwrap_or_default();
    println!(
        "| series | points (train/test) | mlpilot RMSE | method | Holt-Winters | seasonal naive | FLAML 10 s | ratio to Holt-Winters | fit s |"
    );
    println!("|---|---|---:|---|---:|---:|---:|---:|---:|");
    let mut failed = false;
    for d in &suite.datasets {
        if d.task != "timeseries" {
            continue;
        }
        let run = || -> mlpilot::Result<()> {
            let frame = suite.frame(d)?;
            let (train, test) = suite.holdout(d)?;
            let time = d.time_column.clone().unwrap_or_else(|| "time".into());
            let tr = frame.take(&train)?;
            let te = frame.take(&test)?;
            let t0 = Instant::now();
            let f = mlpilot::search::forecast::fit_frame(&tr, &d.target, &time, test.len())?;
            let secs = t0.elapsed().as_secs_f64();
            let times: Vec<String> = (0..te.n_rows())
                .map(|i| {
                    te.require(&time)
                        .ok()
                        .and_then(|c| c.str_at(i))
                        .unwrap_or_default()
                })
                .collect();
            let pts = f.forecast_times(&times)?;
            let truth: Vec<f64> = (0..te.n_rows())
                .map(|i| {
                    te.require(&d.target)
                        .ok()
                        .and_then(|c| c.f64_at(i))
                        .unwrap_or(f64::NAN)
                })
                .collect();
            let pred: Vec<f64> = pts.iter().map(|p| p.forecast).collect();
            let rmse = mlpilot::core::metrics::mse(&truth, &pred).sqrt();
            let a = |n: &str| anchors.get(&(d.name.clone(), n.to_string())).map(|v| v.0);
            let hw = a("holt_winters");
            println!(
                "| {} | {}/{} | {:.2} | {} | {} | {} | {} | {} | {:.2} |",
                d.name,
                train.len(),
                test.len(),
                rmse,
                f.method.name(),
                hw.map_or("–".into(), |v| format!("{v:.2}")),
                a("seasonal_naive").map_or("–".into(), |v| format!("{v:.2}")),
                a("flaml_ts10").map_or("–".into(), |v| format!("{v:.2}")),
                hw.map_or("–".into(), |v| format!("{:.2}×", rmse / v)),
                secs
            );
            eprintln!("{}", f.describe());
            if std::env::var_os("MLPILOT_FORECAST_DEBUG").is_some() {
                let y = &f.series.values;
                for m in mlpilot::search::forecast::candidates(
                    y,
                    (f.period > 0).then_some(f.period),
                    f.period > 0 && Some(f.period) == f.series.calendar_period(),
                ) {
                    let p = mlpilot::search::forecast::forecast(&m, y, truth.len());
                    let r = mlpilot::core::metrics::mse(&truth, &p).sqrt();
                    let bt = f
                        .backtests
                        .iter()
                        .find(|b| b.method == m.name())
                        .map_or(f64::NAN, |b| b.rmse);
                    eprintln!("    {:<55} backtest {bt:>8.2}  holdout {r:>8.2}", m.name());
                }
            }
            Ok(())
        };
        if let Err(e) = run() {
            eprintln!("{}: {e}", d.name);
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
