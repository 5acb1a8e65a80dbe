//! MLP parameters ([`MlpParams`]) and the search space that reads their defaults.

use mlpilot_core::{DataShape, Params, Result, SearchSpace, check_range};
use serde::{Deserialize, Serialize};

/// Parameters of [`crate::MlpClassifier`] and [`crate::MlpRegressor`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MlpParams {
    /// Hidden layers (0: a linear model).
    pub hidden_layers: usize,
    /// Units per hidden layer, at least 1.
    pub width: usize,
    /// Dropout probability after each hidden layer, in [0, 0.9].
    pub dropout: f64,
    /// AdamW learning rate, positive.
    pub learning_rate: f64,
    /// AdamW decoupled weight decay, ≥ 0.
    pub weight_decay: f64,
    /// Rows per mini-batch, at least 1; `None`: 64, or a quarter of the rows when that is
    /// smaller (at least 16).
    pub batch_size: Option<usize>,
    /// Most epochs, at least 1.
    pub max_epochs: usize,
    /// Epochs without validation improvement before stopping (0: no early stopping).
    pub patience: usize,
}

impl Default for MlpParams {
    fn default() -> Self {
        MlpParams {
            hidden_layers: 2,
            width: 64,
            dropout: 0.1,
            learning_rate: 1e-3,
            weight_decay: 1e-4,
            batch_size: None,
            max_epochs: 200,
            patience: 10,
        }
    }
}

impl Params for MlpParams {
    fn validate(&self) -> Result<()> {
        check_range("hidden_layers", self.hidden_layers, 0, 64)?;
        check_range("width", self.width, 1, 1 << 16)?;
        check_range("dropout", self.dropout, 0.0, 0.9)?;
        check_range("learning_rate", self.learning_rate, f64::MIN_POSITIVE, 10.0)?;
        check_range("weight_decay", self.weight_decay, 0.0, f64::MAX)?;
        if let Some(b) = self.batch_size {
            check_range("batch_size", b, 1, usize::MAX)?;
        }
        check_range("max_epochs", self.max_epochs, 1, 1 << 20)
    }
}

/// The largest batch worth searching: a quarter of the rows, within [16, 1024].
fn batch_high(n_rows: usize) -> usize {
    (n_rows / 4).clamp(16, 1024)
}

impl MlpParams {
    /// The mini-batch size for a table of `n_rows` rows.
    pub fn batch_size_for(&self, n_rows: usize) -> usize {
        self.batch_size
            .unwrap_or_else(|| 64.min(batch_high(n_rows)))
            .max(1)
    }
}

/// A count as a search-space integer.
fn int(v: usize) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The MLP search space (defaults from [`MlpParams::default`]).
pub fn mlp_space(shape: DataShape) -> SearchSpace {
    let d = MlpParams::default();
    let batch_hi = batch_high(shape.n_rows);
    SearchSpace::new()
        .int("hidden_layers", 1, 4, int(d.hidden_layers))
        .log_int("width", 8, 512, int(d.width))
        .float("dropout", 0.0, 0.5, d.dropout)
        .log_float("learning_rate", 1e-4, 3e-2, d.learning_rate)
        .log_float("weight_decay", 1e-6, 1e-1, d.weight_decay)
        .log_int(
            "batch_size",
            16,
            int(batch_hi),
            int(d.batch_size_for(shape.n_rows)),
        )
        .log_int("max_epochs", 5, 1000, int(d.max_epochs))
        .int("patience", 0, 50, int(d.patience))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_space_reads_the_typed_defaults() {
        for n_rows in [10, 200, 100_000] {
            let shape = DataShape {
                n_rows,
                n_features: 3,
                n_classes: 2,
            };
            let p: MlpParams = mlp_space(shape).defaults().to_params().unwrap();
            assert_eq!(
                p.batch_size_for(n_rows),
                MlpParams::default().batch_size_for(n_rows)
            );
            assert_eq!(
                MlpParams {
                    batch_size: None,
                    ..p
                },
                MlpParams::default()
            );
        }
        assert_eq!(MlpParams::default().batch_size_for(200), 50);
        let e = MlpParams {
            dropout: 0.95,
            ..MlpParams::default()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("dropout"), "{e}");
    }
}
