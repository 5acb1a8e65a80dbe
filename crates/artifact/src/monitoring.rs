//! Monitoring a saved model on new rows: drift of its inputs and predictions against the
//! training reference stored in the artifact, and accuracy decay where rows carry the target.

use mlpilot_core::{ColumnKind, Error, Frame, Metric, Predictions, Result, Rng};
use mlpilot_monitor::{MonitorReport, column_drift, performance, prediction_drift};
use serde::Serialize;

use crate::artifact::Artifact;

/// `rows` of `p`.
///
/// # Errors
/// An internal error when a row is out of range of the probabilities (out-of-range rows are
/// silently skipped in the values).
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
/// the frame has no target column. A few stray words in a target of numbers (`n/a`) are
/// missing values, their rows left out (and counted in [`mlpilot_prep::EncodedTarget`]).
///
/// # Errors
/// An invalid-input error naming the row when a target value is not one of the training classes,
/// or when more than 5 % of a target of numbers' values are not numbers.
pub fn labelled_rows(
    artifact: &Artifact,
    frame: &Frame,
) -> Result<Option<mlpilot_prep::EncodedTarget>> {
    match frame.column(&artifact.body.target) {
        Some(col) => Ok(Some(artifact.predictor.encoding.encode(col)?)),
        None => Ok(None),
    }
}

/// A saved model scored on labelled rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Rows that carry the target (and were scored).
    pub rows: usize,
    /// Rows left out because their target is missing (or a stray word in a target of numbers,
    /// which a warning names).
    pub missing_target: usize,
    /// Every metric of the task, in its standard order (written as a map from the metric's name).
    #[serde(serialize_with = "metrics_map")]
    pub metrics: Vec<(Metric, f64)>,
    /// What reading the rows had to coerce (see [`Artifact::predict`]).
    pub warnings: Vec<String>,
}

fn metrics_map<S: serde::Serializer>(
    metrics: &[(Metric, f64)],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(metrics.len()))?;
    for (m, v) in metrics {
        map.serialize_entry(m.as_str(), v)?;
    }
    map.end()
}

/// Scores a saved model on `frame`, whose target column holds the true values: every metric of
/// the task on the rows that carry a target. `mlpilot evaluate` prints it.
///
/// # Errors
/// An invalid-input error naming the column when `frame` has no target column or every target
/// value is missing; as [`labelled_rows`] for a value outside the training classes; as
/// [`Artifact::predict`] when the rows cannot be predicted.
pub fn evaluate(artifact: &Artifact, frame: &Frame) -> Result<Evaluation> {
    let target = &artifact.body.target;
    let col = frame.column(target).ok_or_else(|| {
        Error::invalid_input(format!(
            "the data has no `{target}` column: evaluation needs the true values; \
             unlabelled rows can only be predicted"
        ))
        .with_context("column", target)
    })?;
    let encoded = artifact.predictor.encoding.encode(col)?;
    if encoded.rows.is_empty() {
        return Err(
            Error::invalid_input(format!("every `{target}` value is missing"))
                .with_context("column", target),
        );
    }
    let rows = frame.take(&encoded.rows)?;
    let p = artifact.predict(&rows)?;
    let metrics = mlpilot_core::task::evaluate(
        artifact.body.task,
        &encoded.y,
        &p.predictions,
        artifact.predictor.encoding.n_classes(),
    );
    let mut warnings = p.warnings;
    if let Some(n) = &encoded.not_numbers {
        warnings.push(mlpilot_core::narration::target_not_numbers(target, n));
    }
    if let Some(n) = &encoded.no_label {
        warnings.push(mlpilot_core::narration::target_no_label(target, n));
    }
    Ok(Evaluation {
        rows: encoded.rows.len(),
        missing_target: encoded.n_missing,
        metrics,
        warnings,
    })
}

/// Checks `current` against the training reference stored in the artifact: drift of every
/// monitored input column, of the predictions and — when `current` carries the target —
/// accuracy decay.
///
/// # Errors
/// When the model cannot predict the reference or `current` (see [`Artifact::predict`]), the
/// target in `current` cannot be encoded (see [`labelled_rows`]), or the labelled rows cannot be
/// scored (see [`mlpilot_monitor::performance`]).
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
        Some(e) => {
            let p = select_predictions(&current_pred, &e.rows)?;
            let mut perf = performance(
                body.metrics.metric,
                body.metrics.score,
                &e.y,
                &p,
                classes.len(),
            )?;
            let lines = [
                e.not_numbers
                    .as_ref()
                    .map(|n| mlpilot_core::narration::target_not_numbers(&body.target, n)),
                e.no_label
                    .as_ref()
                    .map(|n| mlpilot_core::narration::target_no_label(&body.target, n)),
            ];
            for line in lines.into_iter().flatten() {
                perf.note = format!("{}; {line}", perf.note);
            }
            Some(perf)
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

/// A seeded sample of at most `n` rows of `frame`.
///
/// # Errors
/// Never in practice; the `Result` is [`Frame::take`]'s, and the sampled rows are in range.
pub fn sample(frame: &Frame, n: usize, seed: u64) -> Result<Frame> {
    if frame.n_rows() <= n {
        return Ok(frame.clone());
    }
    let mut idx = Rng::new(seed).sample_indices(frame.n_rows(), n);
    idx.sort_unstable();
    frame.take(&idx)
}
