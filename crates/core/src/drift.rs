//! The drift-detection interface.
//!
//! A detector compares a column's values at training time (the reference stored in the model
//! artifact) with recent values and says whether they differ beyond a stated threshold.
//! `mlpilot-monitor` implements PSI, Kolmogorov–Smirnov and chi-squared detectors.

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// A column's values for a drift test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sample<'a> {
    /// Finite numbers.
    Numeric(&'a [f64]),
    /// Category labels.
    Categorical(&'a [String]),
}

/// The result of one drift test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftTest {
    /// The test's name (`psi`, `ks`, `chi2`).
    pub test: String,
    /// The statistic.
    pub statistic: f64,
    /// The p-value, for tests that have one.
    pub p_value: Option<f64>,
    /// The threshold the decision used (on the statistic, or on the p-value for tests that
    /// decide by it; `threshold_on` says which).
    pub threshold: f64,
    /// What the threshold applies to: `statistic` or `p_value`.
    pub threshold_on: String,
    /// Whether drift was detected.
    pub drift: bool,
}

/// Compares a reference sample with a current one.
pub trait DriftDetector: Send + Sync {
    /// The test's name.
    fn name(&self) -> &str;

    /// Whether it applies to this kind of sample.
    fn applies_to(&self, sample: &Sample<'_>) -> bool;

    /// Runs the test.
    ///
    /// # Errors
    /// When the test cannot be run on these samples; the detectors of `mlpilot-monitor` return an
    /// invalid-input error when a sample is empty or the two are of different kinds (numeric and
    /// categorical).
    fn test(&self, reference: &Sample<'_>, current: &Sample<'_>) -> Result<DriftTest>;
}
