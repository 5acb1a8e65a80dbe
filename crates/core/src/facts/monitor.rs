//! What a monitoring check found, as data: `mlpilot-monitor` computes it, the server stores
//! and serves it as JSON, and [`crate::narration::drift_check`] says it in sentences.

use serde::{Deserialize, Serialize};

use crate::task::Metric;

/// One drift test on one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDrift {
    /// The column.
    pub name: String,
    /// `psi`, `ks`, `chi2`, or `missing` (the rise in the share of missing numbers).
    pub test: String,
    /// The statistic (PSI, KS distance, chi-squared; for `missing` the change in the share of
    /// missing values, −1..1, negative when fewer are missing now).
    pub statistic: f64,
    /// The p-value (KS, chi-squared).
    pub p_value: Option<f64>,
    /// The threshold the decision used: on the statistic for PSI, on the p-value otherwise.
    pub threshold: f64,
    /// Whether this test found drift.
    pub drift: bool,
}

/// Drift of the model's own predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionDrift {
    /// The tests run on predicted classes (PSI, chi-squared) or values (PSI, KS).
    pub tests: Vec<ColumnDrift>,
    /// Whether any test found drift.
    pub drift: bool,
    /// Share of each predicted class (classification) or the mean prediction (regression), at
    /// training time and now.
    pub reference_summary: Vec<(String, f64)>,
    /// The same for the current rows.
    pub current_summary: Vec<(String, f64)>,
}

/// Accuracy decay from labelled rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    /// The metric.
    pub metric: Metric,
    /// The validation score at training time.
    pub validation_score: f64,
    /// The score on the labelled rows, when there are enough.
    pub current_score: Option<f64>,
    /// Labelled rows used.
    pub n_labelled: usize,
    /// How much worse than validation counts as decay (absolute for scores in [0, 1],
    /// relative for errors).
    pub tolerance: f64,
    /// Whether the model has decayed.
    pub decayed: bool,
    /// In words.
    pub note: String,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorReport {
    /// Whether any input column or the predictions drifted.
    pub drift: bool,
    /// Reference rows (training sample).
    pub n_reference: usize,
    /// Current rows.
    pub n_current: usize,
    /// Every test on every monitored column.
    pub columns: Vec<ColumnDrift>,
    /// Columns with drift, in table order.
    pub drifted_columns: Vec<String>,
    /// Columns not tested, and why.
    pub skipped: Vec<(String, String)>,
    /// Prediction drift.
    pub prediction_drift: Option<PredictionDrift>,
    /// Accuracy decay.
    pub performance: Option<Performance>,
}

/// Fewer current values than this are not tested (the tests would say nothing).
pub const MIN_ROWS: usize = 30;

/// Labelled rows needed before the current score is trusted.
pub const MIN_LABELLED: usize = 20;

/// Why a monitored column was not tested for drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotTested {
    /// The current rows lack the column.
    Absent,
    /// A column of numbers with fewer than [`MIN_ROWS`] numbers on one side.
    FewNumbers,
    /// As [`NotTested::FewNumbers`], but the share of missing values was tested.
    OnlyMissingShare,
    /// A column of labels with fewer than [`MIN_ROWS`] values on one side.
    FewValues,
    /// A kind that changes by nature (identifiers, free text, dates, constants).
    Kind(crate::ColumnKind),
}
