//! A library-independent description of what a fitted model computes, for exporting it to
//! other runtimes (ONNX): trees, or a short chain of array steps (dense layers, ReLU, squares,
//! distances to stored points).
//!
//! A backend returns one from [`crate::Model::export_form`]; an exporter turns it into a graph
//! without knowing which library fitted the model. [`ExportForm::predict_proba`] evaluates the
//! description in plain Rust, so that the conformance suite can check that a backend's
//! description computes what its own `predict_proba`/`predict` does.

use serde::{Deserialize, Serialize};

use crate::tree::{Link, TreeEnsemble};
use crate::{Error, ErrorKind, Features, Matrix, Result};

/// One step of an [`ExportForm::Steps`] chain, applied to a row vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ArrayStep {
    /// `out = in · weights + bias`; `weights` is `inputs × outputs`.
    Dense {
        /// `inputs × outputs`.
        weights: Matrix,
        /// One per output.
        bias: Vec<f64>,
    },
    /// `out = max(in, 0)` element-wise.
    Relu,
    /// `out = [in, in²]` (twice as wide): quadratic models such as Gaussian naive Bayes become a
    /// dense layer on it.
    AppendSquares,
    /// Scores from the nearest stored points: `out = Σ w_i · targets_i / Σ w_i` over the `k`
    /// points with the smallest Euclidean distance to the row, `w_i = 1` (`distance_weighted`
    /// false) or `1 / distance` (an exact match takes all the weight).
    Neighbors {
        /// The stored points, `points × inputs`.
        points: Matrix,
        /// What each point contributes, `points × outputs` (a one-hot class row, or a value).
        targets: Matrix,
        /// How many neighbours.
        k: usize,
        /// Inverse-distance weights instead of equal weights.
        distance_weighted: bool,
    },
}

/// What a fitted model computes, in a form other runtimes can rebuild.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ExportForm {
    /// A tree ensemble (see [`TreeEnsemble`]).
    Trees(TreeEnsemble),
    /// A chain of array steps from the input features to raw outputs, then `link`.
    Steps {
        /// The steps in order.
        steps: Vec<ArrayStep>,
        /// What the raw outputs mean.
        link: Link,
    },
}

/// The probabilities (classification) or values (regression) from raw outputs: the logistic of
/// one output gives `[1 − p, p]`, a softmax normalises several, identity keeps them.
pub fn apply_link(raw: &[f64], link: Link) -> Vec<f64> {
    match link {
        Link::Identity => raw.to_vec(),
        Link::Logistic => {
            let z = raw.first().copied().unwrap_or(0.0);
            let p = 1.0 / (1.0 + (-z).exp());
            vec![1.0 - p, p]
        }
        Link::Softmax => {
            let m = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = raw.iter().map(|v| (v - m).exp()).collect();
            let s: f64 = e.iter().sum();
            e.iter().map(|v| v / s).collect()
        }
    }
}

impl ArrayStep {
    fn apply(&self, x: &[f64]) -> Result<Vec<f64>> {
        match self {
            ArrayStep::Dense { weights, bias } => {
                if weights.n_rows() != x.len() || weights.n_cols() != bias.len() {
                    return Err(Error::new(
                        ErrorKind::InvalidInput,
                        format!(
                            "a dense step of {}×{} weights and {} biases got {} inputs",
                            weights.n_rows(),
                            weights.n_cols(),
                            bias.len(),
                            x.len()
                        ),
                    ));
                }
                let mut out = bias.clone();
                for (xi, row) in x.iter().zip(weights.rows()) {
                    for (o, w) in out.iter_mut().zip(row) {
                        *o += xi * w;
                    }
                }
                Ok(out)
            }
            ArrayStep::Relu => Ok(x.iter().map(|v| v.max(0.0)).collect()),
            ArrayStep::AppendSquares => {
                Ok(x.iter().copied().chain(x.iter().map(|v| v * v)).collect())
            }
            ArrayStep::Neighbors {
                points,
                targets,
                k,
                distance_weighted,
            } => {
                let mut d: Vec<(f64, usize)> = points
                    .rows()
                    .enumerate()
                    .map(|(i, p)| {
                        let s: f64 = p.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum();
                        (s.sqrt(), i)
                    })
                    .collect();
                d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                d.truncate((*k).max(1));
                let exact = *distance_weighted && d.iter().any(|(dist, _)| *dist == 0.0);
                let mut out = vec![0.0; targets.n_cols()];
                let mut total = 0.0;
                for (dist, i) in &d {
                    let w = match (*distance_weighted, exact) {
                        (false, _) => 1.0,
                        (true, true) => f64::from(u8::from(*dist == 0.0)),
                        (true, false) => 1.0 / dist,
                    };
                    for (o, t) in out.iter_mut().zip(targets.row(*i).unwrap_or(&[])) {
                        *o += w * t;
                    }
                    total += w;
                }
                if total > 0.0 {
                    out.iter_mut().for_each(|o| *o /= total);
                }
                Ok(out)
            }
        }
    }
}

impl ExportForm {
    /// The form's outputs for each row: class probabilities (classification, after the link) or
    /// the value (regression, one column), `rows × outputs`.
    ///
    /// # Errors
    /// When the steps' shapes do not chain (a malformed form).
    pub fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        let x = x.to_dense();
        let mut out = Vec::new();
        let mut width = 0;
        for row in x.rows() {
            let v = match self {
                ExportForm::Trees(t) => apply_link(&t.raw(row), t.link),
                ExportForm::Steps { steps, link } => {
                    let mut a = row.to_vec();
                    for s in steps {
                        a = s.apply(&a)?;
                    }
                    apply_link(&a, *link)
                }
            };
            width = v.len();
            out.extend(v);
        }
        Matrix::new(x.n_rows(), width, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_regression_as_steps() {
        let form = ExportForm::Steps {
            steps: vec![ArrayStep::Dense {
                weights: Matrix::new(2, 1, vec![1.0, -2.0]).unwrap(),
                bias: vec![0.5],
            }],
            link: Link::Logistic,
        };
        let x = Features::Dense(Matrix::new(1, 2, vec![1.0, 0.75]).unwrap());
        let p = form.predict_proba(&x).unwrap();
        // z = 0.5 + 1 − 1.5 = 0 → p = 0.5.
        assert_eq!(p.row(0).unwrap(), &[0.5, 0.5]);
    }

    #[test]
    fn neighbours_average_and_exact_matches() {
        let step = ArrayStep::Neighbors {
            points: Matrix::new(3, 1, vec![0.0, 1.0, 10.0]).unwrap(),
            targets: Matrix::new(3, 1, vec![2.0, 4.0, 100.0]).unwrap(),
            k: 2,
            distance_weighted: true,
        };
        // distances 0.25 and 0.75: weights 4 and 4/3 → (8 + 16/3) / (16/3) = 2.5.
        let out = step.apply(&[0.25]).unwrap();
        assert!((out[0] - 2.5).abs() < 1e-12);
        assert_eq!(step.apply(&[1.0]).unwrap(), vec![4.0]);
        let squares = ArrayStep::AppendSquares.apply(&[2.0, -3.0]).unwrap();
        assert_eq!(squares, vec![2.0, -3.0, 4.0, 9.0]);
    }

    #[test]
    fn shapes_that_do_not_chain_are_an_error() {
        let form = ExportForm::Steps {
            steps: vec![ArrayStep::Dense {
                weights: Matrix::new(3, 1, vec![1.0; 3]).unwrap(),
                bias: vec![0.0],
            }],
            link: Link::Identity,
        };
        let x = Features::Dense(Matrix::new(1, 2, vec![1.0, 2.0]).unwrap());
        assert!(form.predict_proba(&x).is_err());
    }
}
