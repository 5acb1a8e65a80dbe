//! The quality bar: `AutoMl` trained on each dataset's holdout training rows within a time
//! budget (one thread, seed 0), scored on the holdout test rows, against the anchors measured on
//! the same splits (FLAML 10 s / 60 s, scikit-learn).
//!
//! `cargo run --release -p mlpilot-benches --bin automl-bench -- [DATASETS_DIR] [--budget 10]
//! [--threads 1] [--datasets a,b] [--process PATH_TO_MLPILOT [--no-report]] [--csv out.csv]
//! [--markdown out.md]`
//!
//! With `--process`, each dataset's training rows are written to a CSV and the real command
//! runs (`mlpilot run TRAIN --target target --time-budget B --threads T --seed 0`, report
//! included unless `--no-report`); its wall-clock time is what the budget promise is checked
//! against, and the model it saved is scored on the test rows. Without it, `AutoMl` runs in
//! this process.
//!
//! Writes one CSV row per dataset and a Markdown table of scores and differences to the
//! `flaml10`, `hgb` and `autogluon60` anchors (ROC AUC for binary, macro F1 for multiclass, R² for
//! regression).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mlpilot::core::{Metric, Predictions, Task};
use mlpilot_benches::suite::{DatasetEntry, Suite};

struct Row {
    dataset: String,
    task: String,
    metric: Metric,
    score: f64,
    fit_s: f64,
    model: String,
    flaml10: Option<f64>,
    flaml60: Option<f64>,
    hgb: Option<f64>,
    autogluon60: Option<f64>,
    trials: usize,
}

/// Writes the rows `rows` of the CSV at `src` (header kept) to `dst`.
fn write_rows(src: &std::path::Path, rows: &[usize], dst: &std::path::Path) -> mlpilot::Result<()> {
    let err = |e: csv::Error| mlpilot::Error::invalid_input(format!("{}: {e}", src.display()));
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(src)
        .map_err(err)?;
    let mut w = csv::Writer::from_path(dst).map_err(err)?;
    w.write_record(rdr.headers().map_err(err)?).map_err(err)?;
    let records: Vec<csv::StringRecord> = rdr.records().collect::<Result<_, _>>().map_err(err)?;
    for &r in rows {
        if let Some(rec) = records.get(r) {
            w.write_record(rec).map_err(err)?;
        }
    }
    w.flush().map_err(mlpilot::Error::from)?;
    Ok(())
}

/// What a `mlpilot run` process produced: its predictor, trials and chosen model.
struct ProcessRun {
    artifact: mlpilot::artifact::Artifact,
    trials: usize,
    secs: f64,
}

fn run_process(
    bin: &str,
    train_csv: &std::path::Path,
    out: &std::path::Path,
    budget: f64,
    threads: usize,
    no_report: bool,
) -> mlpilot::Result<ProcessRun> {
    let mut cmd = std::process::Command::new(bin);
    cmd.arg("run")
        .arg(train_csv)
        .args(["--target", "target", "--seed", "0", "--json"])
        .args(["--time-budget", &budget.to_string()])
        .args(["--threads", &threads.to_string()])
        .arg("--out")
        .arg(out);
    if no_report {
        cmd.arg("--no-report");
    }
    let t0 = Instant::now();
    let output = cmd.output().map_err(mlpilot::Error::from)?;
    let secs = t0.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(mlpilot::Error::invalid_input(format!(
            "mlpilot run failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| mlpilot::Error::invalid_input(format!("summary JSON: {e}")))?;
    let artifact =
        mlpilot::artifact::read(&out.join("model.mlpilot"), &mlpilot::default_registry())?;
    Ok(ProcessRun {
        artifact,
        trials: summary
            .get("trials")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0) as usize,
        secs,
    })
}

/// The runner's arguments.
#[derive(Debug, clap::Parser)]
#[command(
    name = "automl-bench",
    about = "AutoMl on each dataset's holdout training rows within a budget, scored on its test rows against the anchors"
)]
struct Options {
    /// The datasets folder (manifest.json, splits/, anchors.csv); default: the shared datasets.
    #[arg(default_value_os_t = mlpilot_benches::datasets_dir())]
    dir: std::path::PathBuf,
    /// The time budget per dataset, in seconds.
    #[arg(long, default_value_t = 10.0)]
    budget: f64,
    /// Only these datasets (comma-separated names); default: the anchor suite without text.
    #[arg(long = "datasets", value_delimiter = ',')]
    only: Option<Vec<String>>,
    /// Threads for training.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Run this `mlpilot` binary instead of `AutoMl` in this process (the whole command is
    /// timed).
    #[arg(long)]
    process: Option<String>,
    /// With `--process`: skip the report.
    #[arg(long)]
    no_report: bool,
    /// Write the rows as CSV here.
    #[arg(long)]
    csv: Option<std::path::PathBuf>,
    /// Write the Markdown table here.
    #[arg(long)]
    markdown: Option<std::path::PathBuf>,
}

type Anchors = std::collections::BTreeMap<(String, String), (f64, f64)>;

fn main() -> ExitCode {
    let opts = <Options as clap::Parser>::parse();
    let scratch = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let suite = match Suite::open(&opts.dir) {
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
        if opts.only.as_ref().is_some_and(|o| !o.contains(&d.name))
            || (opts.only.is_none() && (!d.in_anchor_suite || d.task == "text"))
        {
            continue;
        }
        match run_dataset(&suite, d, task, &anchors, &opts, scratch.path()) {
            Ok(r) => {
                print_row(&r);
                rows.push(r);
            }
            Err(e) => println!("{:<16} error: {e}", d.name),
        }
    }
    let (csv, md) = tables(&rows, &opts);
    println!("\n{md}");
    for (path, text) in [(&opts.csv, csv), (&opts.markdown, md)] {
        if let Some(p) = path
            && let Err(e) = std::fs::write(p, text)
        {
            eprintln!("error: could not write {}: {e}", p.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Trains on one dataset's holdout training rows (in this process or with the `mlpilot` binary)
/// and scores the model on its test rows.
fn run_dataset(
    suite: &Suite,
    d: &DatasetEntry,
    task: Task,
    anchors: &Anchors,
    opts: &Options,
    scratch: &std::path::Path,
) -> mlpilot::Result<Row> {
    let frame = suite.frame(d)?;
    let (train, test) = suite.holdout(d)?;
    let tr = frame.take(&train)?;
    let te = frame.take(&test)?;
    let metric = d.metric();
    let anchor = |name: &str| anchors.get(&(d.name.clone(), name.into())).map(|a| a.0);
    let score_on = |predictor: &mlpilot::search::Predictor,
                    predict: &dyn Fn(
        &mlpilot::Frame,
    ) -> mlpilot::Result<mlpilot::search::TablePredictions>|
     -> mlpilot::Result<f64> {
        let enc = &predictor.encoding;
        let y = enc.encode(te.require(&d.target)?)?;
        let p = predict(&te.take(&y.rows)?)?;
        let pred = if metric == Metric::RocAuc {
            p.predictions
        } else {
            Predictions::values(p.predictions.values)
        };
        metric.score(&y.y, &pred, enc.n_classes())
    };
    let (score, fit_s, model, trials) = match &opts.process {
        Some(bin) => {
            let train_csv = scratch.join(format!("{}-train.csv", d.name));
            write_rows(&suite.dir.join(&d.file), &train, &train_csv)?;
            let out = scratch.join(&d.name);
            let r = run_process(
                bin,
                &train_csv,
                &out,
                opts.budget,
                opts.threads,
                opts.no_report,
            )?;
            let score = score_on(&r.artifact.predictor, &|f| r.artifact.predict(f))?;
            (score, r.secs, r.artifact.predictor.describe(), r.trials)
        }
        None => {
            let t0 = Instant::now();
            let trained = mlpilot::AutoMl::new()
                .target(&d.target)
                .task(task)
                .time_budget(Duration::from_secs_f64(opts.budget))
                .threads(opts.threads)
                .seed(0)
                .fit_frame(&tr)?;
            let fit_s = t0.elapsed().as_secs_f64();
            let score = score_on(&trained.result.predictor, &|f| trained.predict_frame(f))?;
            (
                score,
                fit_s,
                trained.result.predictor.describe(),
                trained.result.trials,
            )
        }
    };
    Ok(Row {
        dataset: d.name.clone(),
        task: d.task.clone(),
        metric,
        score,
        fit_s,
        model,
        flaml10: anchor("flaml10"),
        flaml60: anchor("flaml60"),
        hgb: anchor("hgb"),
        autogluon60: anchor("autogluon60"),
        trials,
    })
}

/// One dataset's line as it finishes: the score, the anchors and the differences to them.
fn print_row(r: &Row) {
    println!(
        "{:<16} {:<10} {:.4}  flaml10 {:>7} ({:>8})  hgb {:>7} ({:>8})  {:.2} s  {} trials  {}",
        r.dataset,
        r.metric.as_str(),
        r.score,
        r.flaml10.map_or("-".into(), |v| format!("{v:.4}")),
        r.flaml10
            .map_or("-".into(), |v| format!("{:+.4}", r.score - v)),
        r.hgb.map_or("-".into(), |v| format!("{v:.4}")),
        r.hgb.map_or("-".into(), |v| format!("{:+.4}", r.score - v)),
        r.fit_s,
        r.trials,
        r.model
    );
}

/// The CSV and the Markdown table of every dataset, with the summary line under the table.
fn tables(rows: &[Row], opts: &Options) -> (String, String) {
    let (budget, threads) = (opts.budget, opts.threads);
    let peak = mlpilot_benches::peak_rss_bytes().unwrap_or(0);
    let mut csv = String::from(
        "dataset,task,metric,score,run_s,trials,flaml10,hgb,flaml60,autogluon60,diff_flaml10,diff_hgb,model\n",
    );
    let what = if opts.process.is_some() {
        "run s"
    } else {
        "fit s"
    };
    let mut md = format!(
        "| dataset | metric | mlpilot ({budget:.0} s) | FLAML 10 s | diff | HGB | diff | AutoGluon 60 s | diff | {what} | trials | chosen model |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    );
    let limit = budget + (0.05 * budget).max(1.0);
    let (mut ok_flaml, mut n_flaml, mut ok_hgb, mut n_hgb, mut in_time) = (0, 0, 0, 0, 0);
    let (mut sum_flaml, mut sum_hgb, mut sum_ag, mut n_ag) = (0.0, 0.0, 0.0, 0);
    let fmt = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.4}"));
    let fmt_diff = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:+.4}"));
    for r in rows {
        let d_flaml = r.flaml10.map(|f| r.score - f);
        let d_hgb = r.hgb.map(|f| r.score - f);
        let d_ag = r.autogluon60.map(|f| r.score - f);
        if let Some(d) = d_flaml {
            n_flaml += 1;
            sum_flaml += d;
            ok_flaml += usize::from(d >= -0.005);
        }
        if let Some(d) = d_hgb {
            n_hgb += 1;
            sum_hgb += d;
            ok_hgb += usize::from(d >= -0.005);
        }
        if let Some(d) = d_ag {
            n_ag += 1;
            sum_ag += d;
        }
        in_time += usize::from(r.fit_s <= limit);
        let _ = writeln!(
            csv,
            "{},{},{},{},{:.3},{},{},{},{},{},{},{},\"{}\"",
            r.dataset,
            r.task,
            r.metric.as_str(),
            r.score,
            r.fit_s,
            r.trials,
            r.flaml10.map_or(String::new(), |v| v.to_string()),
            r.hgb.map_or(String::new(), |v| v.to_string()),
            r.flaml60.map_or(String::new(), |v| v.to_string()),
            r.autogluon60.map_or(String::new(), |v| v.to_string()),
            d_flaml.map_or(String::new(), |v| v.to_string()),
            d_hgb.map_or(String::new(), |v| v.to_string()),
            r.model.replace('"', "'")
        );
        let _ = writeln!(
            md,
            "| {} | {} | {:.4} | {} | {} | {} | {} | {} | {} | {:.1} | {} | {} |",
            r.dataset,
            r.metric.display_name(),
            r.score,
            fmt(r.flaml10),
            fmt_diff(d_flaml),
            fmt(r.hgb),
            fmt_diff(d_hgb),
            fmt(r.autogluon60),
            fmt_diff(d_ag),
            r.fit_s,
            r.trials,
            r.model
        );
    }
    let mean = |s: f64, n: usize| if n == 0 { f64::NAN } else { s / n as f64 };
    let _ = writeln!(
        md,
        "\nAt least FLAML-10s − 0.005 on {ok_flaml} of {n_flaml} (mean difference {:+.4}); at least HGB − 0.005 on {ok_hgb} of {n_hgb} (mean {:+.4}); mean difference to AutoGluon-60s {:+.4} over {n_ag}; {in_time} of {} within {limit:.1} s. Threads {threads}. Peak RSS of this process: {:.0} MB.",
        mean(sum_flaml, n_flaml),
        mean(sum_hgb, n_hgb),
        mean(sum_ag, n_ag),
        rows.len(),
        peak as f64 / 1e6
    );
    (csv, md)
}
