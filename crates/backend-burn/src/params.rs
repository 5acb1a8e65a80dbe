//! MLP hyperparameters.

use mlpilot_core::{DataShape, ParamSet, SearchSpace};

/// Validated MLP parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpParams {
    /// Hidden layers.
    pub hidden_layers: usize,
    /// Units per hidden layer.
    pub width: usize,
    /// Dropout probability after each hidden layer.
    pub dropout: f64,
    /// AdamW learning rate.
    pub learning_rate: f64,
    /// AdamW decoupled weight decay.
    pub weight_decay: f64,
    /// Rows per mini-batch.
    pub batch_size: usize,
    /// Most epochs.
    pub max_epochs: usize,
    /// Epochs without validation improvement before stopping (0: no early stopping).
    pub patience: usize,
}

impl MlpParams {
    /// Parameters from a validated set (defaults for anything absent).
    pub fn from_params(p: &ParamSet) -> Self {
        MlpParams {
            hidden_layers: p.usize_or("hidden_layers", 2),
            width: p.usize_or("width", 64).max(1),
            dropout: p.f64_or("dropout", 0.1).clamp(0.0, 0.9),
            learning_rate: p.f64_or("learning_rate", 1e-3),
            weight_decay: p.f64_or("weight_decay", 1e-4),
            batch_size: p.usize_or("batch_size", 64).max(1),
            max_epochs: p.usize_or("max_epochs", 200).max(1),
            patience: p.usize_or("patience", 10),
        }
    }
}

/// The MLP search space.
pub fn mlp_space(shape: DataShape) -> SearchSpace {
    let batch_hi = (shape.n_rows / 4).clamp(16, 1024) as i64;
    SearchSpace::new()
        .int("hidden_layers", 1, 4, 2)
        .log_int("width", 8, 512, 64)
        .float("dropout", 0.0, 0.5, 0.1)
        .log_float("learning_rate", 1e-4, 3e-2, 1e-3)
        .log_float("weight_decay", 1e-6, 1e-1, 1e-4)
        .log_int("batch_size", 16, batch_hi, 64.min(batch_hi))
        .log_int("max_epochs", 5, 1000, 200)
        .int("patience", 0, 50, 10)
}
