//! How a model was trained: the configuration stored in every artifact, from which `mlpilot
//! retrain` trains it again.

use mlpilot_core::{Metric, Task};
use mlpilot_search::{SamplerKind, Validation};
use serde::{Deserialize, Serialize};

/// How a model was trained: everything needed to train it again (`mlpilot retrain`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The target column.
    pub target: Option<String>,
    /// The task (inferred from the target when absent).
    pub task: Option<Task>,
    /// The metric (the task's default when absent).
    pub metric: Option<Metric>,
    /// Seconds for the whole fit.
    pub time_budget_secs: Option<f64>,
    /// Most trials.
    pub max_trials: Option<usize>,
    /// Seed.
    pub seed: u64,
    /// Parallel trials.
    pub threads: usize,
    /// Estimators, backends or families to search (`None`: the defaults).
    pub estimators: Option<Vec<String>>,
    /// Columns to leave out.
    pub exclude: Vec<String>,
    /// Validation scheme.
    pub validation: Validation,
    /// Column grouping rows for grouped validation.
    pub group_column: Option<String>,
    /// Try ensembles.
    pub ensemble: bool,
    /// Memory limit in bytes.
    pub memory_limit: Option<u64>,
    /// Weight classes inversely to their frequency.
    pub rebalance: bool,
    /// The sampler.
    pub sampler: SamplerKind,
    /// Derived input columns (added by refinements), computed before training and prediction.
    #[serde(default)]
    pub derived: Vec<crate::derive::Derived>,
    /// The decimal mark the user gave for numbers written as text (`Some(true)`: decimal
    /// commas), used again when predicting; `None`: decided from the values.
    #[serde(default)]
    pub decimal_comma: Option<bool>,
    /// Merge target labels that differ only in case or spaces into their most frequent
    /// spelling before training.
    #[serde(default)]
    pub merge_labels: bool,
    /// Keep the model exportable to ONNX: search only exportable estimators and leave out
    /// date and free-text columns (no ONNX operator parses dates or tokenizes text).
    #[serde(default)]
    pub exportable_onnx: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            target: None,
            task: None,
            metric: None,
            time_budget_secs: None,
            max_trials: None,
            seed: 0,
            threads: 1,
            estimators: None,
            exclude: Vec::new(),
            validation: Validation::Auto,
            group_column: None,
            ensemble: true,
            memory_limit: None,
            rebalance: false,
            sampler: SamplerKind::Local,
            derived: Vec::new(),
            decimal_comma: None,
            merge_labels: false,
            exportable_onnx: false,
        }
    }
}
