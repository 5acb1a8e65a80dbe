//! The quality bar: `AutoMl` trained on each dataset's holdout training rows within a time
//! budget (one thread, seed 0), scored on the holdout test rows, against the anchors measured on
//! the same splits (FLAML 10 s / 60 s, scikit-learn).
//!
//! `cargo run --release -p mlpilot-benches --bin automl-bench -- [DATASETS_DIR] [--budget 10]
//! [--datasets a,b] [--csv out.csv] [--markdown out.md]`
//!
//! Writes one CSV row per dataset and a Markdown table of scores and differences to the
//! `flaml10`/`flaml60` anchors (ROC AUC for binary, macro F1 for multiclass, R² for regression).
#![allow(clippy::print_stdout)]

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mlpilot::core::{Metric, Predictions};
use mlpilot_benches::suite::Suite;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

struct Row {
    dataset: String,
    task: String,
    metric: Metric,
    score: f64,
    fit_s: f64,
    model: String,
    flaml10: Option<f64>,
    flaml60: Option<f64>,
    trials: usize,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .filter(|a| !a.starts_with("--"))
        .map_or_else(mlpilot_benches::datasets_dir, Into::into);
    let budget: f64 = arg(&args, "--budget")
        .and_then(|b| b.parse().ok())
        .unwrap_or(10.0);
    let only: Option<Vec<String>> =
        arg(&args, "--datasets").map(|s| s.split(',').map(str::to_string).collect());
    let suite = match Suite::open(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let anchors = suite.anchors().unwrap_or_default();
    let mut rows: Vec<Row> = Vec::new();
    for d in &suite.datasets {
        let Some(task) = d.tabular_task() else {
            continue;
        };
        if only.as_ref().is_some_and(|o| !o.contains(&d.name))
            || (only.is_none() && (!d.in_anchor_suite || d.task == "text"))
        {
            continue;
        }
        let run = || -> mlpilot::Result<Row> {
            let frame = suite.frame(d)?;
            let (train, test) = suite.holdout(d)?;
            let tr = frame.take(&train)?;
            let te = frame.take(&test)?;
            let t0 = Instant::now();
            let trained = mlpilot::AutoMl::new()
                .target(&d.target)
                .task(task)
                .time_budget(Duration::from_secs_f64(budget))
                .threads(1)
                .seed(0)
                .fit_frame(&tr)?;
            let fit_s = t0.elapsed().as_secs_f64();
            let metric = d.metric();
            let enc = &trained.result.predictor.encoding;
            let y = enc.encode(te.require(&d.target)?)?;
            let te = te.take(&y.rows)?;
            let p = trained.predict_frame(&te)?;
            let pred = if metric == Metric::RocAuc {
                p.predictions
            } else {
                Predictions::values(p.predictions.values)
            };
            let score = metric.score(&y.y, &pred, enc.n_classes())?;
            Ok(Row {
                dataset: d.name.clone(),
                task: d.task.clone(),
                metric,
                score,
                fit_s,
                model: trained.result.predictor.describe(),
                flaml10: anchors
                    .get(&(d.name.clone(), "flaml10".into()))
                    .map(|a| a.0),
                flaml60: anchors
                    .get(&(d.name.clone(), "flaml60".into()))
                    .map(|a| a.0),
                trials: trained.result.trials,
            })
        };
        match run() {
            Ok(r) => {
                println!(
                    "{:<16} {:<10} {:.4}  flaml10 {:>7}  diff {:>8}  fit {:.2} s  {} trials  {}",
                    r.dataset,
                    r.metric.as_str(),
                    r.score,
                    r.flaml10.map_or("-".into(), |v| format!("{v:.4}")),
                    r.flaml10
                        .map_or("-".into(), |v| format!("{:+.4}", r.score - v)),
                    r.fit_s,
                    r.trials,
                    r.model
                );
                rows.push(r);
            }
            Err(e) => println!("{:<16} error: {e}", d.name),
        }
    }
    let peak = mlpilot_benches::peak_rss_bytes().unwrap_or(0);
    let mut csv =
        String::from("dataset,task,metric,score,fit_s,trials,flaml10,flaml60,diff_flaml10,model\n");
    let mut md = format!(
        "| dataset | metric | mlpilot ({budget:.0} s) | FLAML 10 s | diff | FLAML 60 s | fit s | trials | chosen model |\n|---|---|---|---|---|---|---|---|---|\n"
    );
    let (mut better, mut within, mut total) = (0, 0, 0);
    for r in &rows {
        let diff = r.flaml10.map(|f| r.score - f);
        if let Some(d) = diff {
            total += 1;
            if d > 0.0 {
                better += 1;
            }
            if d >= -0.005 {
                within += 1;
            }
        }
        let _ = writeln!(
            csv,
            "{},{},{},{},{:.3},{},{},{},{},\"{}\"",
            r.dataset,
            r.task,
            r.metric.as_str(),
            r.score,
            r.fit_s,
            r.trials,
            r.flaml10.map_or(String::new(), |v| v.to_string()),
            r.flaml60.map_or(String::new(), |v| v.to_string()),
            diff.map_or(String::new(), |v| v.to_string()),
            r.model.replace('"', "'")
        );
        let _ = writeln!(
            md,
            "| {} | {} | {:.4} | {} | {} | {} | {:.1} | {} | {} |",
            r.dataset,
            r.metric.display_name(),
            r.score,
            r.flaml10.map_or("–".into(), |v| format!("{v:.4}")),
            diff.map_or("–".into(), |v| format!("{v:+.4}")),
            r.flaml60.map_or("–".into(), |v| format!("{v:.4}")),
            r.fit_s,
            r.trials,
            r.model
        );
    }
    let _ = writeln!(
        md,
        "\nAt least FLAML-10s − 0.005 on {within} of {total} datasets; better than FLAML-10s on {better} of {total}. Peak RSS of the run: {:.0} MB.",
        peak as f64 / 1e6
    );
    println!("\n{md}");
    if let Some(p) = arg(&args, "--csv") {
        let _ = std::fs::write(p, csv);
    }
    if let Some(p) = arg(&args, "--markdown") {
        let _ = std::fs::write(p, md);
    }
    ExitCode::SUCCESS
}
