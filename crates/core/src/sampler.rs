//! The ask/tell interface of hyperparameter samplers.
//!
//! The search engine asks a sampler for the next configuration, evaluates it, and tells the
//! sampler the loss (lower is better) and what it cost. Random search, grid search and TPE all
//! fit behind this one trait, so the engine's loop does not care which is in use.

use crate::error::Result;
use crate::space::ParamSet;

/// What evaluating a configuration gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrialOutcome {
    /// The loss (lower is better); `None` when the trial failed.
    pub loss: Option<f64>,
    /// Seconds it took.
    pub cost_secs: f64,
}

/// Proposes configurations and learns from their outcomes.
///
/// ```
/// use mlpilot_core::{ParamSet, Result, Sampler, TrialOutcome};
/// /// Tries a fixed list once each.
/// struct ListSampler(Vec<ParamSet>);
/// impl Sampler for ListSampler {
///     fn name(&self) -> &str { "list" }
///     fn ask(&mut self) -> Result<Option<ParamSet>> { Ok(self.0.pop()) }
///     fn tell(&mut self, _p: &ParamSet, _o: TrialOutcome) {}
/// }
/// let mut s = ListSampler(vec![ParamSet::new().with("c", 1.0)]);
/// assert!(s.ask().unwrap().is_some());
/// assert!(s.ask().unwrap().is_none());
/// ```
pub trait Sampler: Send {
    /// The sampler's name, for logs.
    fn name(&self) -> &str;

    /// The next configuration to try; `None` when the sampler has nothing left (a finished
    /// grid).
    ///
    /// # Errors
    /// When the sampler cannot propose a configuration; the samplers of `mlpilot-search`
    /// never fail.
    fn ask(&mut self) -> Result<Option<ParamSet>>;

    /// Reports the outcome of a configuration returned by `ask`.
    fn tell(&mut self, params: &ParamSet, outcome: TrialOutcome);
}
