#![doc = include_str!("../README.md")]

pub mod bins;
pub mod boost;
pub mod estimator;
pub mod forest;
pub mod model;
pub mod params;
pub mod tree;

pub use estimator::{ExtraTrees, HistGbm, RandomForest};
pub use model::{ForestModel, GbdtModel};

use mlpilot_core::Registry;

/// Registers this crate's estimators: `gbdt.hist_gbm`, `gbdt.random_forest`,
/// `gbdt.extra_trees`.
pub fn register(registry: &mut Registry) {
    registry.register(HistGbm);
    registry.register(RandomForest);
    registry.register(ExtraTrees);
}
