#![doc = include_str!("../README.md")]

pub mod bins;
pub mod boost;
pub mod estimator;
pub mod forest;
pub mod linear;
pub mod model;
pub mod params;
pub mod tree;

pub use estimator::{ExtraTrees, HistGbm, RandomForest};
pub use linear::{
    LogisticModel, MultinomialNb, MultinomialNbModel, MultinomialNbParams, SparseLogistic,
    SparseLogisticParams,
};
pub use model::{ForestModel, GbdtModel};
pub use params::{EarlyStopping, ForestParams, HistGbmParams};

use mlpilot_core::Registry;

/// Registers this crate's estimators: `gbdt.hist_gbm`, `gbdt.random_forest`,
/// `gbdt.extra_trees`, `gbdt.sparse_logistic`, `gbdt.multinomial_nb`.
pub fn register(registry: &mut Registry) {
    registry.register(HistGbm);
    registry.register(RandomForest);
    registry.register(ExtraTrees);
    registry.register(SparseLogistic);
    registry.register(MultinomialNb);
}
