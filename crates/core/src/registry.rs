//! The registry of estimators: how backends plug in.
//!
//! Each backend crate exposes a `register(&mut Registry)` function; the facade's default
//! registry calls those of the enabled backends. The search engine asks the registry which
//! estimators fit a task, and artifacts are read back through it (a stored model names its
//! estimator id; the registry finds the estimator that can read it).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::estimator::{DynEstimator, DynModel, Estimator, EstimatorInfo};
use crate::task::Task;

/// Estimators by id.
///
/// ```
/// use mlpilot_core::Registry;
/// let registry = Registry::new();
/// assert!(registry.get("nope.model").is_err());
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    estimators: BTreeMap<String, Arc<dyn DynEstimator>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("estimators", &self.estimators.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Adds an estimator (replacing one with the same id).
    pub fn register<E: Estimator>(&mut self, estimator: E) -> &mut Self {
        self.register_dyn(Arc::new(estimator))
    }

    /// Adds an estimator behind a pointer (replacing one with the same id).
    pub fn register_dyn(&mut self, estimator: Arc<dyn DynEstimator>) -> &mut Self {
        self.estimators.insert(estimator.info().id, estimator);
        self
    }

    /// The estimator with this id.
    ///
    /// # Errors
    /// A not-found error, listing the registered ids, when no estimator has this id.
    pub fn get(&self, id: &str) -> Result<Arc<dyn DynEstimator>> {
        self.estimators.get(id).cloned().ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "no estimator `{id}` is registered (available: {}); was mlpilot built with the \
                     backend feature it needs?",
                    self.ids().join(", ")
                ),
            )
        })
    }

    /// All ids, sorted.
    pub fn ids(&self) -> Vec<String> {
        self.estimators.keys().cloned().collect()
    }

    /// Info on every estimator, sorted by id.
    pub fn infos(&self) -> Vec<EstimatorInfo> {
        self.estimators.values().map(|e| e.info()).collect()
    }

    /// The estimators that fit `task`, sorted by id.
    pub fn for_task(&self, task: Task) -> Vec<Arc<dyn DynEstimator>> {
        self.estimators
            .values()
            .filter(|e| e.info().capabilities.supports(task))
            .cloned()
            .collect()
    }

    /// Reads a model written by estimator `id`.
    ///
    /// # Errors
    /// A not-found error when no estimator has this id (see [`Registry::get`]); a format error when
    /// the bytes are not one of its models.
    pub fn load_model(&self, id: &str, bytes: &[u8]) -> Result<Box<dyn DynModel>> {
        self.get(id)?.load_model(bytes)
    }

    /// The number of estimators.
    pub fn len(&self) -> usize {
        self.estimators.len()
    }

    /// Whether no estimator is registered.
    pub fn is_empty(&self) -> bool {
        self.estimators.is_empty()
    }
}
