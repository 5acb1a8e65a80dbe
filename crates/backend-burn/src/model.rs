//! The fitted MLP: weights copied out of burn, predicted in plain Rust so that a saved model
//! needs no tensor backend and predicts identically everywhere.

use mlpilot_core::tree::Link;
use mlpilot_core::{
    ArrayStep, Error, ExportForm, Features, Matrix, Model, Result, Task, check_n_features,
};
use serde::{Deserialize, Serialize};

/// A dense layer: `out = in · W + b`, `W` stored row-major as `n_in × n_out`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dense {
    /// Inputs.
    pub n_in: usize,
    /// Outputs.
    pub n_out: usize,
    /// Weights, `n_in × n_out`.
    pub weights: Vec<f32>,
    /// Biases.
    pub bias: Vec<f32>,
}

impl Dense {
    fn forward(&self, x: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend(self.bias.iter().map(|b| f64::from(*b)));
        for (xi, row) in x.iter().zip(self.weights.chunks(self.n_out.max(1))) {
            if *xi == 0.0 {
                continue;
            }
            for (o, w) in out.iter_mut().zip(row) {
                *o += xi * f64::from(*w);
            }
        }
    }
}

/// A fitted multilayer perceptron.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpModel {
    /// The layers; ReLU between them.
    pub layers: Vec<Dense>,
    /// The task.
    pub task: Task,
    /// Classes (0 for regression).
    pub n_classes: usize,
    /// Regression target mean.
    pub y_mean: f64,
    /// Regression target standard deviation.
    pub y_std: f64,
    /// Inputs.
    pub n_features: usize,
}

impl MlpModel {
    fn outputs(&self, row: &[f64], a: &mut Vec<f64>, b: &mut Vec<f64>) {
        a.clear();
        a.extend_from_slice(row);
        let last = self.layers.len().saturating_sub(1);
        for (i, l) in self.layers.iter().enumerate() {
            l.forward(a, b);
            if i < last {
                b.iter_mut().for_each(|v| *v = v.max(0.0));
            }
            std::mem::swap(a, b);
        }
    }

    /// Mean validation loss (cross-entropy or squared error on the standardised target) of
    /// some rows.
    pub fn loss_on(&self, x: &Matrix, y: &[f64], rows: &[usize]) -> f64 {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut total = 0.0;
        for &r in rows {
            let (Some(row), Some(&t)) = (x.row(r), y.get(r)) else {
                continue;
            };
            self.outputs(row, &mut a, &mut b);
            if self.task.is_classification() {
                mlpilot_core::softmax_in_place(&mut a);
                total -= a.get(t as usize).copied().unwrap_or(0.0).max(1e-15).ln();
            } else {
                let p = a.first().copied().unwrap_or(0.0);
                total += (p - (t - self.y_mean) / self.y_std).powi(2);
            }
        }
        total / rows.len().max(1) as f64
    }
}

impl Model for MlpModel {
    mlpilot_core::shape_from_fields!();

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        if self.task.is_classification() {
            let p = self.predict_proba(x)?;
            return Ok(p.argmax_rows());
        }
        check_n_features(x, self.n_features)?;
        let x = x.to_dense();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        Ok(x.rows()
            .map(|row| {
                self.outputs(row, &mut a, &mut b);
                a.first().copied().unwrap_or(0.0) * self.y_std + self.y_mean
            })
            .collect())
    }

    fn export_form(&self) -> Option<ExportForm> {
        let last = self.layers.len().checked_sub(1)?;
        let regression = !self.task.is_classification();
        let mut steps = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            // The regression target's standardisation is folded into the last layer.
            let (mul, add) = if regression && i == last {
                (self.y_std, self.y_mean)
            } else {
                (1.0, 0.0)
            };
            let weights = l.weights.iter().map(|w| f64::from(*w) * mul).collect();
            steps.push(ArrayStep::Dense {
                weights: Matrix::new(l.n_in, l.n_out, weights).ok()?,
                bias: l.bias.iter().map(|b| f64::from(*b) * mul + add).collect(),
            });
            if i < last {
                steps.push(ArrayStep::Relu);
            }
        }
        Some(ExportForm::Steps {
            steps,
            link: if regression {
                Link::Identity
            } else {
                Link::Softmax
            },
        })
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        check_n_features(x, self.n_features)?;
        if !self.task.is_classification() {
            return Err(Error::unsupported(
                "a regression model has no class probabilities",
            ));
        }
        let x = x.to_dense();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut out = Vec::with_capacity(x.n_rows() * self.n_classes);
        for row in x.rows() {
            self.outputs(row, &mut a, &mut b);
            mlpilot_core::softmax_in_place(&mut a);
            out.extend_from_slice(&a);
        }
        Matrix::new(x.n_rows(), self.n_classes, out)
    }
}
