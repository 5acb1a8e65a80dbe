//! Fitted models: plain, serde-serialisable structs that predict without linfa's fit code.
//!
//! Models are stored with postcard (a non-self-describing format), so each one holds only what
//! prediction needs, as plain data: coefficients for the linear models, [`TreeView`]s for the
//! trees, and linfa's own fitted structs (serialised through linfa's `serde` feature) for the
//! support vector machines and naive Bayes, whose internals linfa does not expose otherwise.
//! Predictions after a postcard round trip are bit-for-bit those before it.

use linfa_bayes::NaiveBayes;
use mlpilot_core::{
    ArrayStep, Error, ExportForm, Features, Matrix, Model, Result, Task, TreeEnsemble, TreeNode,
    TreeView,
    tree::{Aggregation, Link},
};
use ndarray016::ArrayView1;
use serde::{Deserialize, Serialize};

use crate::convert::{predict_input, sigmoid, softmax, view};
use crate::tree::mean_leaf_values;

/// A fitted linear regression (ordinary least squares or elastic net).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    /// One coefficient per feature.
    pub coef: Vec<f64>,
    /// The intercept.
    pub intercept: f64,
}

impl Model for LinearModel {
    fn task(&self) -> Task {
        Task::Regression
    }

    fn n_features(&self) -> usize {
        self.coef.len()
    }

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        let x = predict_input(x, self.coef.len())?;
        Ok(x.rows()
            .map(|r| self.intercept + dot(&self.coef, r))
            .collect())
    }

    fn feature_importances(&self) -> Option<Vec<f64>> {
        Some(self.coef.iter().map(|c| c.abs()).collect())
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The coefficients of a fitted logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LogisticCoefficients {
    /// Two classes: `P(class 1) = σ(x·coef + intercept)`.
    Binomial {
        /// One coefficient per feature.
        coef: Vec<f64>,
        /// The intercept.
        intercept: f64,
    },
    /// Softmax over one linear score per class.
    Multinomial {
        /// Per class, one coefficient per feature (empty for a class absent from training).
        coef: Vec<Vec<f64>>,
        /// Per class, the intercept.
        intercept: Vec<f64>,
        /// Per class, whether it was present in training (absent classes get probability 0).
        present: Vec<bool>,
    },
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    pub(crate) task: Task,
    pub(crate) n_classes: usize,
    pub(crate) n_features: usize,
    pub(crate) coefficients: LogisticCoefficients,
}

impl LogisticModel {
    /// The coefficients.
    pub fn coefficients(&self) -> &LogisticCoefficients {
        &self.coefficients
    }
}

impl Model for LogisticModel {
    mlpilot_core::shape_from_fields!();

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        Ok(self.predict_proba(x)?.argmax_rows())
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        let x = predict_input(x, self.n_features)?;
        let k = self.n_classes;
        let mut out = Vec::with_capacity(x.n_rows() * k);
        for row in x.rows() {
            match &self.coefficients {
                LogisticCoefficients::Binomial { coef, intercept } => {
                    let p = sigmoid(intercept + dot(coef, row));
                    out.extend([1.0 - p, p]);
                }
                LogisticCoefficients::Multinomial {
                    coef,
                    intercept,
                    present,
                } => {
                    let scores: Vec<f64> = coef
                        .iter()
                        .zip(intercept)
                        .zip(present)
                        .map(|((c, b), &on)| {
                            if on {
                                b + dot(c, row)
                            } else {
                                f64::NEG_INFINITY
                            }
                        })
                        .collect();
                    out.extend(softmax(&scores));
                }
            }
        }
        Matrix::new(x.n_rows(), k, out)
    }

    fn feature_importances(&self) -> Option<Vec<f64>> {
        Some(match &self.coefficients {
            LogisticCoefficients::Binomial { coef, .. } => coef.iter().map(|c| c.abs()).collect(),
            LogisticCoefficients::Multinomial { coef, .. } => {
                let mut imp = vec![0.0; self.n_features];
                for c in coef {
                    for (i, v) in imp.iter_mut().zip(c) {
                        *i += v.abs();
                    }
                }
                imp
            }
        })
    }
}

/// A fitted decision tree or random forest: the class distribution of a row is the mean of
/// the distributions of the leaves it reaches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeModel {
    pub(crate) task: Task,
    pub(crate) n_classes: usize,
    pub(crate) n_features: usize,
    pub(crate) trees: Vec<TreeView>,
    pub(crate) importances: Vec<f64>,
}

impl TreeModel {
    /// The trees (leaves hold class probabilities).
    pub fn trees(&self) -> &[TreeView] {
        &self.trees
    }
}

impl Model for TreeModel {
    mlpilot_core::shape_from_fields!();

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        Ok(self.predict_proba(x)?.argmax_rows())
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        let x = predict_input(x, self.n_features)?;
        let mut out = Vec::with_capacity(x.n_rows() * self.n_classes);
        for row in x.rows() {
            out.extend(mean_leaf_values(&self.trees, row, self.n_classes));
        }
        Matrix::new(x.n_rows(), self.n_classes, out)
    }

    fn feature_importances(&self) -> Option<Vec<f64>> {
        Some(self.importances.clone())
    }

    fn tree_ensemble(&self) -> Option<TreeEnsemble> {
        Some(TreeEnsemble {
            trees: self.trees.clone(),
            n_outputs: self.n_classes,
            base: vec![0.0; self.n_classes],
            aggregation: Aggregation::Mean,
            link: Link::Identity,
        })
    }
}

/// A fitted AdaBoost (SAMME) ensemble: each tree votes for its leaf's majority class with its
/// weight; probabilities are the softmax of the coded votes divided by `n_classes − 1`, as in
/// scikit-learn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdaBoostModel {
    pub(crate) task: Task,
    pub(crate) n_classes: usize,
    pub(crate) n_features: usize,
    pub(crate) trees: Vec<TreeView>,
    pub(crate) tree_weights: Vec<f64>,
    pub(crate) importances: Vec<f64>,
}

impl AdaBoostModel {
    /// The trees (leaves hold the weighted class distribution they were fitted on).
    pub fn trees(&self) -> &[TreeView] {
        &self.trees
    }

    /// Each tree's vote weight.
    pub fn tree_weights(&self) -> &[f64] {
        &self.tree_weights
    }

    /// Leaf values of tree `m` recoded as its share of the SAMME score, so that the sum over
    /// trees is the raw (pre-softmax) score.
    fn coded(&self, values: &[f64], weight: f64, total: f64) -> Vec<f64> {
        let k = self.n_classes as f64;
        let vote = mlpilot_core::argmax(values);
        let share = weight / total / (k - 1.0);
        (0..self.n_classes)
            .map(|c| if c == vote { share } else { -share / (k - 1.0) })
            .collect()
    }
}

impl Model for AdaBoostModel {
    mlpilot_core::shape_from_fields!();

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        Ok(self.predict_proba(x)?.argmax_rows())
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        let x = predict_input(x, self.n_features)?;
        let total: f64 = self.tree_weights.iter().sum();
        if total.is_nan() || total <= 0.0 {
            return Err(Error::internal(
                "an AdaBoost model without positive weights",
            ));
        }
        let mut out = Vec::with_capacity(x.n_rows() * self.n_classes);
        for row in x.rows() {
            let mut raw = vec![0.0; self.n_classes];
            for (t, &w) in self.trees.iter().zip(&self.tree_weights) {
                for (r, v) in raw.iter_mut().zip(self.coded(t.leaf_values(row), w, total)) {
                    *r += v;
                }
            }
            out.extend(softmax(&raw));
        }
        Matrix::new(x.n_rows(), self.n_classes, out)
    }

    fn feature_importances(&self) -> Option<Vec<f64>> {
        Some(self.importances.clone())
    }

    fn tree_ensemble(&self) -> Option<TreeEnsemble> {
        let total: f64 = self.tree_weights.iter().sum();
        let trees = self
            .trees
            .iter()
            .zip(&self.tree_weights)
            .map(|(t, &w)| TreeView {
                nodes: t
                    .nodes
                    .iter()
                    .map(|n| match n {
                        TreeNode::Leaf { values, cover } => TreeNode::Leaf {
                            values: self.coded(values, w, total),
                            cover: *cover,
                        },
                        split => split.clone(),
                    })
                    .collect(),
            })
            .collect();
        Some(TreeEnsemble {
            trees,
            n_outputs: self.n_classes,
            base: vec![0.0; self.n_classes],
            aggregation: Aggregation::Sum,
            link: Link::Softmax,
        })
    }
}

/// One binary support vector machine with its Platt scaling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlattSvm {
    /// The class whose membership this machine decides (the positive side).
    pub class: usize,
    /// linfa's fitted machine.
    pub svm: linfa_svm::Svm<f64, bool>,
    /// Platt's `A`: `P(class) = 1 / (1 + exp(A·f + B))` for decision value `f`.
    pub a: f64,
    /// Platt's `B`.
    pub b: f64,
}

impl PlattSvm {
    fn decision(&self, row: &[f64]) -> f64 {
        self.svm.weighted_sum(&ArrayView1::from(row)) - self.svm.rho
    }

    fn probability(&self, row: &[f64]) -> f64 {
        sigmoid(-(self.a * self.decision(row) + self.b))
    }
}

/// What a fitted support vector machine holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SvmKind {
    /// Classification: one machine for class 1 (binary) or one per class present in training
    /// (one-vs-rest; absent classes get probability 0).
    Classifier {
        /// The machines.
        machines: Vec<PlattSvm>,
    },
    /// Epsilon-SVR on the standardised target.
    Regressor {
        /// linfa's fitted machine.
        svm: linfa_svm::Svm<f64, f64>,
        /// Mean of the training target.
        y_mean: f64,
        /// Standard deviation of the training target (1 when it is constant).
        y_scale: f64,
    },
}

/// A fitted support vector machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SvmModel {
    pub(crate) task: Task,
    pub(crate) n_classes: usize,
    pub(crate) n_features: usize,
    pub(crate) kind: SvmKind,
}

impl Model for SvmModel {
    mlpilot_core::shape_from_fields!();

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        match &self.kind {
            SvmKind::Classifier { .. } => Ok(self.predict_proba(x)?.argmax_rows()),
            SvmKind::Regressor {
                svm,
                y_mean,
                y_scale,
            } => {
                let x = predict_input(x, self.n_features)?;
                Ok(x.rows()
                    .map(|r| {
                        let f = svm.weighted_sum(&ArrayView1::from(r)) - svm.rho;
                        y_mean + y_scale * f
                    })
                    .collect())
            }
        }
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        let SvmKind::Classifier { machines } = &self.kind else {
            return Err(Error::unsupported(
                "a regression model gives no probabilities",
            ));
        };
        let x = predict_input(x, self.n_features)?;
        let k = self.n_classes;
        let mut out = Vec::with_capacity(x.n_rows() * k);
        for row in x.rows() {
            let mut p = vec![0.0; k];
            if self.task == Task::Binary {
                let p1 = machines.first().map_or(0.5, |m| m.probability(row));
                p = vec![1.0 - p1, p1];
            } else {
                for m in machines {
                    if let Some(slot) = p.get_mut(m.class) {
                        *slot = m.probability(row);
                    }
                }
                let total: f64 = p.iter().sum();
                if total > 0.0 {
                    p.iter_mut().for_each(|v| *v /= total);
                } else {
                    let n = machines.len().max(1) as f64;
                    for m in machines {
                        if let Some(slot) = p.get_mut(m.class) {
                            *slot = 1.0 / n;
                        }
                    }
                }
            }
            out.extend(p);
        }
        Matrix::new(x.n_rows(), k, out)
    }
}

/// A fitted Gaussian naive Bayes classifier (linfa's model, serialised through its serde
/// support).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NaiveBayesModel {
    pub(crate) task: Task,
    pub(crate) n_classes: usize,
    pub(crate) n_features: usize,
    pub(crate) nb: linfa_bayes::GaussianNb<f64, usize>,
}

impl Model for NaiveBayesModel {
    mlpilot_core::shape_from_fields!();

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        Ok(self.predict_proba(x)?.argmax_rows())
    }

    /// A diagonal Gaussian's joint log-likelihood is quadratic in each input with no cross
    /// terms: `a_c + Σ_j (b_cj·x_j + q_cj·x_j²)`. The coefficients are read off linfa's own
    /// likelihood at `0` and `±e_j` (exact up to rounding), so the form is `[x, x²]` into one
    /// dense layer and a softmax. `None` when a class was absent from training.
    fn export_form(&self) -> Option<ExportForm> {
        let (d, k) = (self.n_features, self.n_classes);
        let rows = 2 * d + 1;
        let mut probe = vec![0.0; rows * d];
        for j in 0..d {
            *probe.get_mut((1 + j) * d + j)? = 1.0;
            *probe.get_mut((1 + d + j) * d + j)? = -1.0;
        }
        let probe = Matrix::new(rows, d, probe).ok()?;
        let mut jll = vec![f64::NAN; rows * k];
        for (&class, values) in self.nb.joint_log_likelihood(view(&probe).ok()?) {
            for (i, v) in values.iter().enumerate() {
                *jll.get_mut(i * k + class)? = *v;
            }
        }
        if jll.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let at = |row: usize, c: usize| jll.get(row * k + c).copied().unwrap_or(0.0);
        let bias: Vec<f64> = (0..k).map(|c| at(0, c)).collect();
        let mut weights = vec![0.0; 2 * d * k];
        for j in 0..d {
            for c in 0..k {
                let (plus, minus) = (at(1 + j, c), at(1 + d + j, c));
                *weights.get_mut(j * k + c)? = (plus - minus) / 2.0;
                *weights.get_mut((d + j) * k + c)? = (plus + minus) / 2.0 - at(0, c);
            }
        }
        Some(ExportForm::Steps {
            steps: vec![
                ArrayStep::AppendSquares,
                ArrayStep::Dense {
                    weights: Matrix::new(2 * d, k, weights).ok()?,
                    bias,
                },
            ],
            link: Link::Softmax,
        })
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        let x = predict_input(x, self.n_features)?;
        let k = self.n_classes;
        let n = x.n_rows();
        // Joint log-likelihoods per class; classes absent from training stay at -inf.
        let mut jll = vec![f64::NEG_INFINITY; n * k];
        for (&class, values) in self.nb.joint_log_likelihood(view(&x)?) {
            if class >= k {
                continue;
            }
            for (i, v) in values.iter().enumerate() {
                if let Some(slot) = jll.get_mut(i * k + class) {
                    *slot = *v;
                }
            }
        }
        let mut out = Vec::with_capacity(n * k);
        for scores in jll.chunks_exact(k.max(1)) {
            out.extend(softmax(scores));
        }
        Matrix::new(n, k, out)
    }
}
