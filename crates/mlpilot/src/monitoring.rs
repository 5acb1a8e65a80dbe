//! Monitoring a saved model on new rows, and retraining it safely.

use std::path::{Path, PathBuf};

use mlpilot_core::{Error, Frame, Result};

pub use mlpilot_artifact::monitoring::{
    Evaluation, check, evaluate, labelled_rows, sample, select_predictions,
};

use crate::{Artifact, AutoMl};

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
///
/// # Errors
/// An invalid-input error when `holdout_fraction` is not between 0.05 and 0.5, or `new` has
/// fewer than 20 rows; as [`AutoMl::fit_frame`] for the new model; or when the holdout cannot
/// be predicted or scored (no target column, a label not seen in training, or no labelled
/// rows).
pub fn retrain(
    artifact: &Artifact,
    new: &Frame,
    old: Option<&Frame>,
    holdout_fraction: f64,
    time_budget_secs: Option<f64>,
) -> Result<RetrainOutcome> {
    let body = &artifact.body;
    let n = new.n_rows();
    if !(0.05..=0.5).contains(&holdout_fraction) {
        return Err(Error::invalid_input(format!(
            "a holdout of {holdout_fraction} of the new rows is outside 0.05–0.5: the most \
             recent rows held out must be enough to compare the two models and leave most rows \
             to train on (the default is 0.2)"
        )));
    }
    let holdout = ((n as f64) * holdout_fraction).round() as usize;
    if n < 20 {
        return Err(Error::invalid_input(format!(
            "retraining needs at least 20 new rows (got {n}) to keep a recent holdout"
        )));
    }
    if holdout < 5 {
        return Err(Error::invalid_input(format!(
            "holding out {holdout_fraction} of {n} new rows keeps {holdout}; comparing the two \
             models needs at least 5: hold out a larger share, or give more rows"
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
    let Some(mlpilot_prep::EncodedTarget { y, rows, .. }) = labelled_rows(artifact, &hold)? else {
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
///
/// # Errors
/// An i/o (or not-found) error naming the backup when the artifact at `path` cannot be copied
/// there (also when there is none); as [`crate::Trained::save`] for the new one.
pub fn replace_artifact(path: &Path, trained: &crate::Trained) -> Result<PathBuf> {
    let backup = path.with_extension("mlpilot.prev");
    std::fs::copy(path, &backup)
        .map_err(|e| Error::from(e).with_context("file", backup.display()))?;
    trained.save(path)?;
    Ok(backup)
}
