//! Fits each estimator with its default parameters on the holdout training rows of the suite's
//! datasets (one thread, seed 0) and compares holdout score and fit time with the anchors.
//!
//! `cargo run --release -p mlpilot-benches --bin backend-bench -- [--dir DATASETS]
//! [--datasets a,b] [--estimators gbdt.hist_gbm,...] [--anchor hgb] [--params C=2]`
//! (`--help` lists them; an unknown argument is refused)
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Instant;

use mlpilot_benches::suite::Suite;
use mlpilot_core::{Dataset, FitContext, ParamSet, Predictions, Registry, Result};
use mlpilot_prep::{FitTarget, PlanOptions, PreprocessPlan, TargetEncoding, Variant};

/// The runner's arguments.
#[derive(Debug, clap::Parser)]
#[command(
    name = "backend-bench",
    about = "Each estimator with its default parameters on the suite's holdout splits, against the anchors"
)]
struct Options {
    /// The datasets folder; default: the shared datasets.
    #[arg(long, default_value_os_t = mlpilot_benches::datasets_dir())]
    dir: std::path::PathBuf,
    /// Only these datasets (comma-separated).
    #[arg(long, value_delimiter = ',')]
    datasets: Option<Vec<String>>,
    /// Only these estimators (comma-separated ids); default: every registered one.
    #[arg(long, value_delimiter = ',')]
    estimators: Option<Vec<String>>,
    /// The anchors to compare with (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "hgb,rf,linear")]
    anchor: Vec<String>,
    /// Parameter overrides for every estimator, `name=value,…` (e.g. `C=2,max_iter=500`).
    #[arg(long, default_value = "")]
    params: String,
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

fn run() -> Result<()> {
    let opts = <Options as clap::Parser>::parse();
    let suite = Suite::open(&opts.dir)?;
    let anchors = suite.anchors()?;
    let only = opts.datasets;
    let anchor_names = opts.anchor;
    let mut registry = Registry::new();
    mlpilot_benches::register_backends(&mut registry);
    let overrides = param_overrides(&opts.params);
    let ids: Vec<String> = opts.estimators.unwrap_or_else(|| registry.ids());
    println!(
        "| dataset | estimator | score | fit s | predict s | {} |",
        anchor_names
            .iter()
            .map(|a| format!("{a} score | {a} fit s"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!(
        "|---|---|---|---|---|{}",
        "---|---|".repeat(anchor_names.len())
    );
    for d in &suite.datasets {
        if only.as_ref().is_some_and(|o| !o.contains(&d.name)) {
            continue;
        }
        let Some(task) = d.tabular_task() else {
            continue;
        };
        if d.task == "text" && only.is_none() {
            continue;
        }
        let split = Holdout::prepare(&suite, d, task)?;
        let anchor_cols: Vec<String> = anchor_names
            .iter()
            .map(|a| match anchors.get(&(d.name.clone(), a.clone())) {
                Some((s, f)) => format!("{s:.4} | {f:.2}"),
                None => " | ".into(),
            })
            .collect();
        for id in &ids {
            let est = registry.get(id)?;
            if !est.info().capabilities.supports(task) {
                continue;
            }
            match split.score(est.as_ref(), d.metric(), &overrides)? {
                Ok((score, fit_s, predict_s)) => println!(
                    "| {} | {id} | {score:.4} | {fit_s:.2} | {predict_s:.3} | {} |",
                    d.name,
                    anchor_cols.join(" | ")
                ),
                Err(e) => println!("| {} | {id} | error: {e} | | |", d.name),
            }
        }
    }
    Ok(())
}

/// Parameter overrides, `name=value,…` (numbers, or strings).
fn param_overrides(spec: &str) -> ParamSet {
    let mut overrides = ParamSet::new();
    for kv in spec.split(',').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        if let Ok(i) = v.parse::<i64>() {
            overrides.insert(k, i);
        } else if let Ok(f) = v.parse::<f64>() {
            overrides.insert(k, f);
        } else {
            overrides.insert(k, v);
        }
    }
    overrides
}

/// The preprocessing options, with the TF-IDF experiments the environment asks for:
/// `MLPILOT_TFIDF=word1|word12|word12char`, `MLPILOT_TFIDF_SUBLINEAR=0|1`,
/// `MLPILOT_TFIDF_MIN_DF=N`.
fn plan_options() -> PlanOptions {
    let mut options = PlanOptions::default();
    if let Ok(v) = std::env::var("MLPILOT_TFIDF") {
        match v.as_str() {
            "word1" => (options.tfidf.word_ngrams, options.tfidf.char_ngrams) = ((1, 1), None),
            "word12" => (options.tfidf.word_ngrams, options.tfidf.char_ngrams) = ((1, 2), None),
            _ => {}
        }
    }
    if let Ok(v) = std::env::var("MLPILOT_TFIDF_SUBLINEAR") {
        options.tfidf.sublinear_tf = v == "1";
    }
    if let Some(v) = std::env::var("MLPILOT_TFIDF_MIN_DF")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        options.tfidf.min_df = v;
    }
    options
}

/// A dataset's holdout split with its preprocessing plan and encoded targets (rows without a
/// target left out).
struct Holdout {
    task: mlpilot_core::Task,
    plan: PreprocessPlan,
    enc: TargetEncoding,
    ytr: mlpilot_prep::EncodedTarget,
    yte: mlpilot_prep::EncodedTarget,
    tr: mlpilot_core::Frame,
    te: mlpilot_core::Frame,
}

impl Holdout {
    fn prepare(
        suite: &Suite,
        d: &mlpilot_benches::suite::DatasetEntry,
        task: mlpilot_core::Task,
    ) -> Result<Holdout> {
        let frame = suite.frame(d)?;
        let (train, test) = suite.holdout(d)?;
        let tr = frame.take(&train)?;
        let te = frame.take(&test)?;
        let profile = mlpilot_data::profile_frame(
            &tr,
            &d.name,
            &mlpilot_data::ProfileOptions::with_target(Some(&d.target)),
        )?;
        let plan = PreprocessPlan::from_profile(&profile, &d.target, task, plan_options())?;
        let enc = TargetEncoding::fit(tr.require(&d.target)?, task)?;
        let ytr = enc.encode(tr.require(&d.target)?)?;
        let yte = enc.encode(te.require(&d.target)?)?;
        let tr = tr.take(&ytr.rows)?;
        let te = te.take(&yte.rows)?;
        Ok(Holdout {
            task,
            plan,
            enc,
            ytr,
            yte,
            tr,
            te,
        })
    }

    /// An estimator fitted with its defaults (and the overrides) on the training rows and
    /// scored on the test rows: (score, fit seconds, predict seconds), or the fit's error.
    fn score(
        &self,
        est: &dyn mlpilot_core::DynEstimator,
        metric: mlpilot_core::Metric,
        overrides: &ParamSet,
    ) -> Result<std::result::Result<(f64, f64, f64), mlpilot_core::Error>> {
        let n_classes = self.enc.n_classes();
        let variant = Variant::for_estimator(&est.info());
        let (pipe, xtr) = self.plan.fit(
            &self.tr,
            FitTarget {
                y: &self.ytr.y,
                n_classes,
            },
            variant,
            0,
        )?;
        let xte = pipe.transform(&self.te)?.features;
        let data = if self.task.is_classification() {
            Dataset::classification(xtr, self.ytr.y.clone(), n_classes)?
        } else {
            Dataset::regression(xtr, self.ytr.y.clone())?
        }
        .with_features(pipe.feature_infos())?;
        let t0 = Instant::now();
        let model = match est.fit_dyn(&data, overrides, &FitContext::new(0)) {
            Ok(m) => m,
            Err(e) => return Ok(Err(e)),
        };
        let fit_s = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let pred = if metric.needs_proba() {
            match model.predict_proba(&xte) {
                Ok(p) => Predictions::from_proba(p),
                // Models without probabilities are ranked by their class votes.
                Err(_) => Predictions::from_proba(mlpilot_core::Matrix::one_hot(
                    &model.predict(&xte)?,
                    n_classes,
                )?),
            }
        } else {
            Predictions::values(model.predict(&xte)?)
        };
        let predict_s = t1.elapsed().as_secs_f64();
        let score = metric.score(&self.yte.y, &pred, n_classes)?;
        Ok(Ok((score, fit_s, predict_s)))
    }
}
