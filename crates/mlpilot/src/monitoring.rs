//! Monitoring a saved model on new rows, and retraining it safely.

use std::path::{Path, PathBuf};

use mlpilot_core::{ColumnKind, Error, Frame, Matrix, Predictions, Result, Rng};
use mlpilot_monitor::{MonitorReport, column_drift, performance, prediction_drift};

use crate::{Artifact, AutoMl};

/// `rows` of `p`.
pub fn select_predictions(p: &Predictions, rows: &[usize]) -> Result<Predictions> {
    let values = rows
        .iter()
        .filter_map(|&r| p.values.get(r).copied())
        .collect();
    let proba = match &p.proba {
        Some(m) => Some(m.select_rows(rows)?),
        None => None,
    };
    Ok(Predictions { values, proba })
}

/// The target of `frame` encoded by the artifact, with the rows that carry one; `None` when
/// the frame has no target column.
pub fn labelled_rows(artifact: &Artifact, frame: &Frame) -> Result<Option<(Vec<f64>, Vec<usize>)>> {
    match frame.column(&artifact.body.target) {
        Some(col) => {
            let e = artifact.predictor.encoding.encode(col)?;
            Ok(Some((e.y, e.rows)))
        }
        None => Ok(None),
    }
}

/// Checks `current` against the training reference stored in the artifact: drift of every
/// monitored input column, of the predictions and — when `current` carries the target —
/// accuracy decay.
pub fn check(artifact: &Artifact, current: &Frame) -> Result<MonitorReport> {
    let body = &artifact.body;
    let columns: Vec<(String, ColumnKind)> = body
        .schema
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.kind))
        .collect();
    let (tests, skipped) = column_drift(&body.reference, current, &columns)?;
    let reference_pred = artifact.predict(&body.reference)?.predictions;
    let current_pred = artifact.predict(current)?.predictions;
    let classes = artifact.predictor.encoding.classes().to_vec();
    let pd = prediction_drift(&reference_pred, &current_pred, &classes)?;
    let perf = match labelled_rows(artifact, current)? {
        Some((y, rows)) => {
            let p = select_predictions(&current_pred, &rows)?;
            Some(performance(
                body.metrics.metric,
                body.metrics.score,
                &y,
                &p,
                classes.len(),
            )?)
        }
        None => None,
    };
    Ok(mlpilot_monitor::report(
        body.reference.n_rows(),
        current.n_rows(),
        tests,
        skipped,
        pd,
        perf,
    ))
}

/// What a retrain did.
#[derive(Debug)]
pub struct RetrainOutcome {
    /// The old model's score on the recent holdout.
    pub old_score: f64,
    /// The new model's score on it.
    pub new_score: f64,
    /// Rows the new model was trained on, and held out.
    pub train_rows: usize,
    /// Rows held out (the most recent).
    pub holdout_rows: usize,
    /// Whether the new model is better (and so replaced the old one when written).
    pub better: bool,
    /// The new model.
    pub trained: crate::Trained,
    /// The metric.
    pub metric: mlpilot_core::Metric,
}

/// Reruns the stored configuration on `new` (plus `old` rows when given), holding out the
/// most recent `holdout_fraction` of `new` (its last rows), and scores the old and the new
/// model there. Writes nothing.
pub fn retrain(
    artifact: &Artifact,
    new: &Frame,
    old: Option<&Frame>,
    holdout_fraction: f64,
    time_budget_secs: Option<f64>,
) -> Result<RetrainOutcome> {
    let body = &artifact.body;
    let n = new.n_rows();
    let holdout = ((n as f64) * holdout_fraction.clamp(0.05, 0.5)).round() as usize;
    if n < 20 || holdout < 5 {
        return Err(Error::invalid_input(format!(
            "retraining needs at least 20 new rows (got {n}) to keep a recent holdout"
        )));
    }
    let train_idx: Vec<usize> = (0..n - holdout).collect();
    let hold_idx: Vec<usize> = (n - holdout..n).collect();
    let train_new = new.take(&train_idx)?;
    let hold = new.take(&hold_idx)?;
    let train = match old {
        Some(o) => Frame::concat(&[o, &train_new])?,
        None => train_new,
    };
    let mut config = body.config.clone();
    if let Some(b) = time_budget_secs {
        config.time_budget_secs = Some(b);
        config.max_trials = None;
    }
    let trained = AutoMl::with_config(config).fit_frame(&train)?;
    let Some((y, rows)) = labelled_rows(artifact, &hold)? else {
        return Err(Error::invalid_input(format!(
            "the new data has no target column `{}`",
            body.target
        )));
    };
    let k = artifact.predictor.encoding.n_classes();
    let metric = body.metrics.metric;
    let old_p = select_predictions(&artifact.predict(&hold)?.predictions, &rows)?;
    let new_p = select_predictions(&trained.predict_frame(&hold)?.predictions, &rows)?;
    let old_score = metric.score(&y, &old_p, k)?;
    let new_score = metric.score(&y, &new_p, k)?;
    Ok(RetrainOutcome {
        better: metric.better(new_score, old_score),
        old_score,
        new_score,
        train_rows: train.n_rows(),
        holdout_rows: hold.n_rows(),
        trained,
        metric,
    })
}

/// Replaces the artifact at `path` with `trained` atomically, keeping the old one beside it as
/// `<name>.prev`. Returns the backup's path.
pub fn replace_artifact(path: &Path, trained: &crate::Trained) -> Result<PathBuf> {
    let backup = path.with_extension("mlpilot.prev");
    std::fs::copy(path, &backup)
        .map_err(|e| Error::from(e).with_context("file", backup.display()))?;
    trained.save(path)?;
    Ok(backup)
}

/// A seeded sample of at most `n` rows of `frame`.
pub fn sample(frame: &Frame, n: usize, seed: u64) -> Result<Frame> {
    if frame.n_rows() <= n {
        return Ok(frame.clone());
    }
    let mut idx = Rng::new(seed).sample_indices(frame.n_rows(), n);
    idx.sort_unstable();
    frame.take(&idx)
}

/// Probability rows as `{class: p}` maps.
pub fn probability_maps(
    proba: &Matrix,
    classes: &[String],
) -> Vec<serde_json::Map<String, serde_json::Value>> {
    proba
        .rows()
        .map(|r| {
            classes
                .iter()
                .zip(r)
                .map(|(c, p)| (c.clone(), serde_json::json!(p)))
                .collect()
        })
        .collect()
}
