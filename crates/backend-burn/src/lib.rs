#![doc = include_str!("../README.md")]

pub mod estimator;
pub mod model;
pub mod params;

pub use estimator::{MlpClassifier, MlpRegressor, device_name, training_device};
pub use model::MlpModel;
pub use params::MlpParams;

use mlpilot_core::Registry;

/// Registers `burn.mlp_classifier` and `burn.mlp_regressor`.
pub fn register(registry: &mut Registry) {
    registry.register(MlpClassifier).register(MlpRegressor);
}
