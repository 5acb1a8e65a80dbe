//! Tasks, metrics and their scoring.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::facts::TaskFact;
use crate::matrix::Matrix;
use crate::schema::ColumnKind;

/// What kind of prediction problem a run solves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Two classes.
    Binary,
    /// Three or more classes.
    Multiclass,
    /// A real-valued target.
    Regression,
    /// Future values of a time series.
    Forecast,
}

impl Task {
    /// Whether the task predicts classes.
    pub fn is_classification(self) -> bool {
        matches!(self, Task::Binary | Task::Multiclass)
    }

    /// The lowercase name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Binary => "binary",
            Task::Multiclass => "multiclass",
            Task::Regression => "regression",
            Task::Forecast => "forecast",
        }
    }

    /// The metric a run optimises when none is given: ROC AUC for binary, macro F1 for
    /// multiclass, R² for regression, RMSE for forecasting (the same as the benchmark anchors).
    pub fn default_metric(self) -> Metric {
        match self {
            Task::Binary => Metric::RocAuc,
            Task::Multiclass => Metric::F1Macro,
            Task::Regression => Metric::R2,
            Task::Forecast => Metric::Rmse,
        }
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Task {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "binary" | "binary_classification" | "classification_binary" => Ok(Task::Binary),
            "multiclass" | "multi_class" | "multiclass_classification" => Ok(Task::Multiclass),
            "regression" => Ok(Task::Regression),
            "forecast" | "forecasting" | "timeseries" | "time_series" => Ok(Task::Forecast),
            other => Err(Error::invalid_input(format!(
                "unknown task `{other}`; use binary, multiclass, regression or forecast"
            ))),
        }
    }
}

/// Whether a metric is better when larger or smaller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// Larger is better.
    Maximize,
    /// Smaller is better.
    Minimize,
}

/// An evaluation metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Fraction of correct predictions.
    Accuracy,
    /// Mean of per-class recall.
    BalancedAccuracy,
    /// Precision of the positive class (binary) or macro precision (multiclass).
    Precision,
    /// Recall of the positive class (binary) or macro recall (multiclass).
    Recall,
    /// F1 of the positive class (binary) or macro F1 (multiclass).
    F1,
    /// Unweighted mean of per-class F1.
    F1Macro,
    /// Support-weighted mean of per-class F1.
    F1Weighted,
    /// Area under the ROC curve (one-vs-rest macro average for multiclass).
    RocAuc,
    /// Cross-entropy of the predicted probabilities.
    LogLoss,
    /// Mean squared error.
    Mse,
    /// Root mean squared error.
    Rmse,
    /// Mean absolute error.
    Mae,
    /// Coefficient of determination.
    R2,
    /// Mean absolute percentage error (as a fraction).
    Mape,
    /// Symmetric mean absolute percentage error (as a fraction, 0–2).
    Smape,
}

/// All metrics, for listings and parsing.
pub const ALL_METRICS: [Metric; 15] = [
    Metric::Accuracy,
    Metric::BalancedAccuracy,
    Metric::Precision,
    Metric::Recall,
    Metric::F1,
    Metric::F1Macro,
    Metric::F1Weighted,
    Metric::RocAuc,
    Metric::LogLoss,
    Metric::Mse,
    Metric::Rmse,
    Metric::Mae,
    Metric::R2,
    Metric::Mape,
    Metric::Smape,
];

impl Metric {
    /// The snake_case name (`roc_auc`, `f1_macro`, `r2`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::BalancedAccuracy => "balanced_accuracy",
            Metric::Precision => "precision",
            Metric::Recall => "recall",
            Metric::F1 => "f1",
            Metric::F1Macro => "f1_macro",
            Metric::F1Weighted => "f1_weighted",
            Metric::RocAuc => "roc_auc",
            Metric::LogLoss => "log_loss",
            Metric::Mse => "mse",
            Metric::Rmse => "rmse",
            Metric::Mae => "mae",
            Metric::R2 => "r2",
            Metric::Mape => "mape",
            Metric::Smape => "smape",
        }
    }

    /// A name for people ("ROC AUC", "macro F1", "R²").
    pub fn display_name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::BalancedAccuracy => "balanced accuracy",
            Metric::Precision => "precision",
            Metric::Recall => "recall",
            Metric::F1 => "F1",
            Metric::F1Macro => "macro F1",
            Metric::F1Weighted => "weighted F1",
            Metric::RocAuc => "ROC AUC",
            Metric::LogLoss => "log loss",
            Metric::Mse => "MSE",
            Metric::Rmse => "RMSE",
            Metric::Mae => "MAE",
            Metric::R2 => "R²",
            Metric::Mape => "MAPE",
            Metric::Smape => "sMAPE",
        }
    }

    /// Whether larger or smaller is better.
    pub fn direction(self) -> Direction {
        match self {
            Metric::LogLoss
            | Metric::Mse
            | Metric::Rmse
            | Metric::Mae
            | Metric::Mape
            | Metric::Smape => Direction::Minimize,
            _ => Direction::Maximize,
        }
    }

    /// Whether the metric needs predicted probabilities.
    pub fn needs_proba(self) -> bool {
        matches!(self, Metric::RocAuc | Metric::LogLoss)
    }

    /// Whether the metric applies to a task.
    pub fn applies_to(self, task: Task) -> bool {
        match self {
            Metric::Accuracy
            | Metric::BalancedAccuracy
            | Metric::Precision
            | Metric::Recall
            | Metric::F1
            | Metric::F1Macro
            | Metric::F1Weighted
            | Metric::RocAuc
            | Metric::LogLoss => task.is_classification(),
            _ => !task.is_classification(),
        }
    }

    /// The score turned so that larger is always better (negated for minimised metrics).
    pub fn oriented(self, score: f64) -> f64 {
        match self.direction() {
            Direction::Maximize => score,
            Direction::Minimize => -score,
        }
    }

    /// Whether score `a` is strictly better than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        self.oriented(a) > self.oriented(b)
    }

    /// Scores predictions against true targets.
    ///
    /// For classification, `y_true` holds class indices `0..n_classes` (class 1 is the positive
    /// class of a binary task) and `predictions.values` the predicted indices;
    /// `predictions.proba` (rows × classes) is required by [`Metric::needs_proba`] metrics.
    ///
    /// # Errors
    /// An invalid-input error for zero rows; an unsupported error when the metric needs
    /// probabilities and `predictions` has none; an internal error when the predictions or
    /// probabilities do not match `y_true` (and `n_classes`) in shape.
    ///
    /// ```
    /// use mlpilot_core::{Metric, Predictions};
    /// let p = Predictions::values(vec![1.0, 2.0, 3.0]);
    /// let r2 = Metric::R2.score(&[1.0, 2.0, 3.0], &p, 0).unwrap();
    /// assert_eq!(r2, 1.0);
    /// ```
    pub fn score(self, y_true: &[f64], predictions: &Predictions, n_classes: usize) -> Result<f64> {
        let n = y_true.len();
        if n == 0 {
            return Err(Error::invalid_input("cannot score zero rows"));
        }
        if predictions.values.len() != n {
            return Err(Error::internal(format!(
                "{} predictions for {n} targets",
                predictions.values.len()
            )));
        }
        let yp = &predictions.values;
        match self {
            Metric::Mse => Ok(crate::metrics::mse(y_true, yp)),
            Metric::Rmse => Ok(crate::metrics::mse(y_true, yp).sqrt()),
            Metric::Mae => Ok(crate::metrics::mae(y_true, yp)),
            Metric::R2 => Ok(crate::metrics::r2(y_true, yp)),
            Metric::Mape => Ok(crate::metrics::mape(y_true, yp)),
            Metric::Smape => Ok(crate::metrics::smape(y_true, yp)),
            Metric::Accuracy => Ok(crate::metrics::accuracy(y_true, yp)),
            Metric::BalancedAccuracy => {
                let cm = crate::metrics::ConfusionMatrix::new(y_true, yp, n_classes);
                Ok(cm.balanced_accuracy())
            }
            Metric::Precision | Metric::Recall | Metric::F1 => {
                let cm = crate::metrics::ConfusionMatrix::new(y_true, yp, n_classes);
                let binary = n_classes == 2;
                Ok(match (self, binary) {
                    (Metric::Precision, true) => cm.precision(1),
                    (Metric::Recall, true) => cm.recall(1),
                    (Metric::F1, true) => cm.f1(1),
                    (Metric::Precision, false) => cm.macro_precision(),
                    (Metric::Recall, false) => cm.macro_recall(),
                    _ => cm.f1_macro(),
                })
            }
            Metric::F1Macro => {
                Ok(crate::metrics::ConfusionMatrix::new(y_true, yp, n_classes).f1_macro())
            }
            Metric::F1Weighted => {
                Ok(crate::metrics::ConfusionMatrix::new(y_true, yp, n_classes).f1_weighted())
            }
            Metric::RocAuc | Metric::LogLoss => {
                let proba = predictions.proba.as_ref().ok_or_else(|| {
                    Error::new(
                        ErrorKind::Unsupported,
                        format!("{} needs predicted probabilities", self.display_name()),
                    )
                })?;
                if proba.n_rows() != n || proba.n_cols() != n_classes {
                    return Err(Error::internal(format!(
                        "probabilities are {} × {}, expected {n} × {n_classes}",
                        proba.n_rows(),
                        proba.n_cols()
                    )));
                }
                if self == Metric::LogLoss {
                    Ok(crate::metrics::log_loss(y_true, proba))
                } else {
                    Ok(crate::metrics::roc_auc_ovr(y_true, proba))
                }
            }
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Metric {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let key = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let alias = match key.as_str() {
            "auc" | "roc" | "rocauc" => "roc_auc",
            "logloss" | "cross_entropy" => "log_loss",
            "macro_f1" | "f1macro" => "f1_macro",
            "weighted_f1" | "f1weighted" => "f1_weighted",
            "r_squared" | "r²" => "r2",
            "acc" => "accuracy",
            other => other,
        }
        .to_string();
        ALL_METRICS
            .iter()
            .copied()
            .find(|m| m.as_str() == alias)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "unknown metric `{s}`; use one of: {}",
                    ALL_METRICS
                        .iter()
                        .map(|m| m.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }
}

/// A model's predictions for a set of rows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Predictions {
    /// Predicted class indices (classification) or values (regression).
    pub values: Vec<f64>,
    /// Class probabilities, rows × classes, when the model gives them.
    pub proba: Option<Matrix>,
}

impl Predictions {
    /// Predictions without probabilities.
    pub fn values(values: Vec<f64>) -> Self {
        Predictions {
            values,
            proba: None,
        }
    }

    /// Predictions from probabilities; each row's class is its most probable one (the lowest
    /// index on ties).
    pub fn from_proba(proba: Matrix) -> Self {
        let values = proba.argmax_rows();
        Predictions {
            values,
            proba: Some(proba),
        }
    }
}

/// The metrics reported when a model is evaluated on labelled rows, for a task.
pub fn evaluation_metrics(task: Task) -> &'static [Metric] {
    match task {
        Task::Binary => &[
            Metric::RocAuc,
            Metric::Accuracy,
            Metric::BalancedAccuracy,
            Metric::Precision,
            Metric::Recall,
            Metric::F1,
            Metric::LogLoss,
        ],
        Task::Multiclass => &[
            Metric::F1Macro,
            Metric::F1Weighted,
            Metric::Accuracy,
            Metric::BalancedAccuracy,
            Metric::RocAuc,
            Metric::LogLoss,
        ],
        Task::Regression | Task::Forecast => &[
            Metric::R2,
            Metric::Rmse,
            Metric::Mae,
            Metric::Mse,
            Metric::Mape,
        ],
    }
}

/// Every [`evaluation_metrics`] score that can be computed (metrics that need probabilities
/// are skipped without them; non-finite scores are left out).
pub fn evaluate(task: Task, y: &[f64], p: &Predictions, n_classes: usize) -> Vec<(Metric, f64)> {
    evaluation_metrics(task)
        .iter()
        .filter(|m| !m.needs_proba() || p.proba.is_some())
        .filter_map(|m| {
            m.score(y, p, n_classes)
                .ok()
                .filter(|s| s.is_finite())
                .map(|s| (*m, s))
        })
        .collect()
}

/// The index of the largest value (the first on ties; 0 for an empty slice). NaN never wins.
pub fn argmax(xs: &[f64]) -> usize {
    let mut best = 0;
    let mut best_v = f64::NEG_INFINITY;
    for (i, &v) in xs.iter().enumerate() {
        if v > best_v {
            best_v = v;
            best = i;
        }
    }
    best
}

/// The logistic function `1 / (1 + e^{−z})`, computed without overflow for any `z`.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Softmax of `v` in place, numerically stable (the largest score is subtracted first): NaN
/// scores get probability 0, `−∞` scores 0, and a row without a finite score becomes uniform.
pub fn softmax_in_place(v: &mut [f64]) {
    let m = v
        .iter()
        .copied()
        .filter(|x| !x.is_nan())
        .fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        let n = v.len().max(1) as f64;
        v.iter_mut().for_each(|x| *x = 1.0 / n);
        return;
    }
    let mut s = 0.0;
    for x in v.iter_mut() {
        *x = if x.is_nan() { 0.0 } else { (*x - m).exp() };
        s += *x;
    }
    if s > 0.0 {
        v.iter_mut().for_each(|x| *x /= s);
    }
}

/// Softmax of `v` ([`softmax_in_place`]) as a new vector.
pub fn softmax(v: &[f64]) -> Vec<f64> {
    let mut out = v.to_vec();
    softmax_in_place(&mut out);
    out
}

/// The task a target column implies, with the reason as data
/// ([`crate::narration::task_reason`] says it in words); `None` for kinds that cannot be a
/// target (identifiers, text, dates, constants).
///
/// Whole numbers with at most 10 distinct non-negative values are classes (a rating, a grade);
/// other numbers are a regression target.
pub fn task_for_target(
    kind: ColumnKind,
    distinct: usize,
    all_nonneg_small: bool,
) -> Option<(Task, TaskFact)> {
    match kind {
        ColumnKind::Boolean => Some((Task::Binary, TaskFact::TwoValues)),
        ColumnKind::Categorical if distinct == 2 => Some((Task::Binary, TaskFact::TwoLabels)),
        ColumnKind::Categorical => Some((Task::Multiclass, TaskFact::Labels { count: distinct })),
        ColumnKind::Integer if distinct == 2 => Some((Task::Binary, TaskFact::TwoValues)),
        ColumnKind::Integer if distinct <= 10 && all_nonneg_small => Some((
            Task::Multiclass,
            TaskFact::SmallWholeNumbers { count: distinct },
        )),
        ColumnKind::Integer | ColumnKind::Float => Some((Task::Regression, TaskFact::ManyNumbers)),
        _ => None,
    }
}

/// `12345` as `12,345`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_and_softmax_are_stable() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!(sigmoid(-800.0) >= 0.0 && sigmoid(800.0) <= 1.0);
        assert!((sigmoid(-3.0) + sigmoid(3.0) - 1.0).abs() < 1e-15);
        let p = softmax(&[1000.0, 1000.0, f64::NEG_INFINITY]);
        assert_eq!(p, vec![0.5, 0.5, 0.0]);
        assert_eq!(softmax(&[f64::NEG_INFINITY; 4]), vec![0.25; 4]);
        let q = softmax(&[1.0, f64::NAN, 1.0]);
        assert_eq!(q, vec![0.5, 0.0, 0.5]);
    }

    #[test]
    fn target_tasks() {
        assert_eq!(
            task_for_target(ColumnKind::Boolean, 2, true).unwrap().0,
            Task::Binary
        );
        assert_eq!(
            task_for_target(ColumnKind::Categorical, 4, false)
                .unwrap()
                .0,
            Task::Multiclass
        );
        assert_eq!(
            task_for_target(ColumnKind::Integer, 6, true).unwrap().0,
            Task::Multiclass
        );
        assert_eq!(
            task_for_target(ColumnKind::Integer, 60, true).unwrap().0,
            Task::Regression
        );
        assert_eq!(
            task_for_target(ColumnKind::Float, 6, true).unwrap().0,
            Task::Regression
        );
        assert!(task_for_target(ColumnKind::Text, 100, false).is_none());
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn parse_names_and_aliases() {
        assert_eq!("AUC".parse::<Metric>().unwrap(), Metric::RocAuc);
        assert_eq!("macro-f1".parse::<Metric>().unwrap(), Metric::F1Macro);
        assert!(
            "nope"
                .parse::<Metric>()
                .unwrap_err()
                .to_string()
                .contains("roc_auc")
        );
        assert_eq!("Regression".parse::<Task>().unwrap(), Task::Regression);
    }

    #[test]
    fn orientation() {
        assert!(Metric::Rmse.better(1.0, 2.0));
        assert!(Metric::RocAuc.better(0.9, 0.8));
        assert_eq!(Task::Binary.default_metric(), Metric::RocAuc);
    }

    #[test]
    fn proba_metrics_need_proba() {
        let p = Predictions::values(vec![0.0, 1.0]);
        let err = Metric::RocAuc.score(&[0.0, 1.0], &p, 2).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
    }

    #[test]
    fn from_proba_takes_argmax() {
        let proba = Matrix::from_rows(&[vec![0.2, 0.8], vec![0.6, 0.4]]).unwrap();
        let p = Predictions::from_proba(proba);
        assert_eq!(p.values, vec![1.0, 0.0]);
        assert_eq!(Metric::Accuracy.score(&[1.0, 1.0], &p, 2).unwrap(), 0.5);
    }
}
