//! The explanation interface: additive attributions of a model's output.
//!
//! An [`Explainer`] splits one output of a model for one row into a base value plus one
//! contribution per input feature, so that `base_value + Σ contributions = output`.
//! `mlpilot-explain` implements exact TreeSHAP and model-agnostic permutation SHAP.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::estimator::Model;
use crate::matrix::Matrix;

/// Which output of a model to explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExplainOutput {
    /// The predicted value (regression).
    Value,
    /// The probability of a class.
    Probability(usize),
    /// The probability of the class the model predicts for the row.
    PredictedClass,
}

/// One row's attribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    /// The explained output for the row.
    pub output: f64,
    /// The expected output over the background data.
    pub base_value: f64,
    /// One contribution per input feature.
    pub contributions: Vec<f64>,
    /// The class explained (classification).
    pub class: Option<usize>,
}

impl Attribution {
    /// `output − (base_value + Σ contributions)`: zero for an exact explainer.
    pub fn additivity_gap(&self) -> f64 {
        self.output - self.base_value - self.contributions.iter().sum::<f64>()
    }
}

/// Attributes model outputs to input features.
pub trait Explainer: Send + Sync {
    /// The method's name (`tree_shap`, `permutation_shap`).
    fn name(&self) -> &str;

    /// Explains `output` of `model` for each row of `rows`.
    ///
    /// # Errors
    /// When the method cannot explain this model (an unsupported error, e.g. TreeSHAP on a model
    /// without trees), `output` asks for a value of a classifier or a class the model lacks, the
    /// rows do not fit the model, or the model fails to predict.
    fn explain(
        &self,
        model: &dyn Model,
        rows: &Matrix,
        output: ExplainOutput,
    ) -> Result<Vec<Attribution>>;
}
