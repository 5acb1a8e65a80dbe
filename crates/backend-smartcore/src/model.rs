//! The fitted models: plain, serde-friendly structs that predict without smartcore's runtime
//! state where that state cannot be stored.
//!
//! Models are written with postcard, which cannot read self-describing or internally tagged
//! formats. smartcore's own serde support mostly derives plain structs, but its SVMs borrow
//! their parameters (a deserialised SVM has no kernel and cannot predict) and its forests keep
//! their trees private. So, after smartcore has fitted, [`crate::convert`] copies what each
//! model needs into the structs here:
//!
//! | model | holds |
//! |---|---|
//! | [`LinearModel`] | coefficients and intercept |
//! | [`LogisticModel`] | per-class coefficients and intercepts |
//! | [`TreeModel`] | smartcore's trees as a [`TreeEnsemble`] (also used for TreeSHAP) |
//! | [`KnnModel`] | smartcore's own k-NN model (it serialises plainly) |
//! | [`SvmModel`] | support vectors, dual weights and bias of each smartcore machine |
//! | [`GaussianNbModel`] | smartcore's per-class means, variances and priors |
//!
//! Every `predict` checks the column count and refuses non-finite values (none of these models
//! was trained to handle them), and every model predicts the same after a round trip because it
//! predicts only from the stored fields.

use std::borrow::Cow;

use mlpilot_core::tree::{Link, TreeEnsemble, TreeNode};
use mlpilot_core::{
    ArrayStep, Error, ExportForm, Features, Matrix, Model, Result, Task, argmax, check_n_features,
};
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::metrics::distance::euclidian::Euclidian;
use smartcore::neighbors::knn_classifier::KNNClassifier;
use smartcore::neighbors::knn_regressor::KNNRegressor;

use crate::convert::to_dense;
use crate::error::guarded;

/// Checks the columns of `x` and that every value is finite; returns the dense rows.
pub(crate) fn checked_input(x: &Features, n_features: usize) -> Result<Cow<'_, Matrix>> {
    check_n_features(x, n_features)?;
    let m = x.to_dense();
    if let Some((r, c)) = m.first_non_finite() {
        return Err(Error::invalid_input(format!(
            "feature x{c} has a missing or infinite value at row {r}; smartcore models need \
             finite inputs (impute or drop the column)"
        ))
        .with_context("row", r)
        .with_context("column", format!("x{c}")));
    }
    Ok(m)
}

/// Class probabilities as a `rows × n_classes` matrix from per-row vectors.
fn proba_matrix(rows: Vec<Vec<f64>>, n_classes: usize) -> Result<Matrix> {
    let n = rows.len();
    let mut data = Vec::with_capacity(n * n_classes);
    for row in rows {
        if row.len() != n_classes {
            return Err(Error::internal(format!(
                "{} class probabilities for {n_classes} classes",
                row.len()
            )));
        }
        data.extend(row);
    }
    Matrix::new(n, n_classes, data)
}

/// Spreads scores over smartcore's classes (`classes[i]` is our index of its class `i`) into a
/// probability vector over all `n_classes` (absent classes get 0) with a stable softmax.
pub(crate) fn softmax_over(scores: &[f64], classes: &[usize], n_classes: usize) -> Vec<f64> {
    let mut out = vec![0.0; n_classes];
    for (c, v) in classes.iter().zip(mlpilot_core::softmax(scores)) {
        if let Some(slot) = out.get_mut(*c) {
            *slot = v;
        }
    }
    out
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

use mlpilot_core::sigmoid;

/// Normalised absolute values (all zero stays all zero).
fn normalised_abs(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let v: Vec<f64> = values.map(f64::abs).collect();
    let total: f64 = v.iter().sum();
    if total > 0.0 && total.is_finite() {
        v.into_iter().map(|x| x / total).collect()
    } else {
        vec![0.0; v.len()]
    }
}

// ---------------------------------------------------------------------------------------------

/// A fitted linear regression: `y = intercept + Σ coef_j · x_j`.
///
/// Written by `smartcore.linear_regression`, `smartcore.ridge`, `smartcore.lasso` and
/// `smartcore.elastic_net`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    coef: Vec<f64>,
    intercept: f64,
}

impl LinearModel {
    pub(crate) fn new(coef: Vec<f64>, intercept: f64) -> Result<Self> {
        if coef.iter().any(|c| !c.is_finite()) || !intercept.is_finite() {
            return Err(Error::backend(
                "smartcore's solver returned non-finite coefficients (the problem may be too \
                 badly conditioned; try a stronger penalty)",
            ));
        }
        Ok(LinearModel { coef, intercept })
    }

    /// The coefficients, one per feature.
    pub fn coefficients(&self) -> &[f64] {
        &self.coef
    }

    /// The intercept.
    pub fn intercept(&self) -> f64 {
        self.intercept
    }
}

impl Model for LinearModel {
    fn task(&self) -> Task {
        Task::Regression
    }

    fn n_features(&self) -> usize {
        self.coef.len()
    }

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        let x = checked_input(x, self.coef.len())?;
        Ok((0..x.n_rows())
            .map(|i| self.intercept + dot(&self.coef, x.row(i).unwrap_or(&[])))
            .collect())
    }

    fn feature_importances(&self) -> Option<Vec<f64>> {
        Some(normalised_abs(self.coef.iter().copied()))
    }

    fn export_form(&self) -> Option<ExportForm> {
        Some(ExportForm::Steps {
            steps: vec![ArrayStep::Dense {
                weights: Matrix::new(self.coef.len(), 1, self.coef.clone()).ok()?,
                bias: vec![self.intercept],
            }],
            link: Link::Identity,
        })
    }
}

// ---------------------------------------------------------------------------------------------

/// A fitted logistic regression.
///
/// With two classes seen in training it holds one coefficient row and predicts
/// `P(classes[1]) = σ(w·x + b)`; with more, one row per class and a softmax.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    task: Task,
    n_classes: usize,
    n_features: usize,
    /// Our class index of each class smartcore saw, in smartcore's order.
    classes: Vec<usize>,
    coef: Vec<Vec<f64>>,
    intercept: Vec<f64>,
}

impl LogisticModel {
    pub(crate) fn new(
        task: Task,
        n_classes: usize,
        n_features: usize,
        classes: Vec<usize>,
        coef: Vec<Vec<f64>>,
        intercept: Vec<f64>,
    ) -> Result<Self> {
        let rows = if classes.len() == 2 { 1 } else { classes.len() };
        if coef.len() != rows
            || intercept.len() != rows
            || coef.iter().any(|r| r.len() != n_features)
        {
            return Err(Error::backend(
                "smartcore's logistic regression returned coefficients of an unexpected shape",
            ));
        }
        if coef
            .iter()
            .flatten()
            .chain(&intercept)
            .any(|v| !v.is_finite())
        {
            return Err(Error::backend(
                "smartcore's logistic regression diverged (non-finite coefficients); try a \
                 larger alpha",
            ));
        }
        Ok(LogisticModel {
            task,
            n_classes,
            n_features,
            classes,
            coef,
            intercept,
        })
    }

    fn proba_row(&self, row: &[f64]) -> Vec<f64> {
        let scores: Vec<f64> = self
            .coef
            .iter()
            .zip(&self.intercept)
            .map(|(w, b)| b + dot(w, row))
            .collect();
        match (scores.as_slice(), self.classes.as_slice()) {
            ([z], [neg, pos]) => {
                let p = sigmoid(*z);
                let mut out = vec![0.0; self.n_classes];
                if let Some(s) = out.get_mut(*neg) {
                    *s = 1.0 - p;
                }
                if let Some(s) = out.get_mut(*pos) {
                    *s = p;
                }
                out
            }
            _ => softmax_over(&scores, &self.classes, self.n_classes),
        }
    }
}

impl Model for LogisticModel {
    mlpilot_core::shape_from_fields!();

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        Ok(self.predict_proba(x)?.argmax_rows())
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        let x = checked_input(x, self.n_features)?;
        let rows = (0..x.n_rows())
            .map(|i| self.proba_row(x.row(i).unwrap_or(&[])))
            .collect();
        proba_matrix(rows, self.n_classes)
    }

    fn export_form(&self) -> Option<ExportForm> {
        // Only when smartcore saw every class, in our order: otherwise the probabilities of
        // unseen classes are exact zeros, which a softmax cannot give.
        let in_order = self.classes.iter().enumerate().all(|(i, c)| i == *c);
        if !in_order || self.classes.len() != self.n_classes.max(2) {
            return None;
        }
        let k = self.coef.len();
        let data = (0..self.n_features)
            .flat_map(|j| {
                self.coef
                    .iter()
                    .map(move |r| r.get(j).copied().unwrap_or(0.0))
            })
            .collect();
        Some(ExportForm::Steps {
            steps: vec![ArrayStep::Dense {
                weights: Matrix::new(self.n_features, k, data).ok()?,
                bias: self.intercept.clone(),
            }],
            link: if k == 1 {
                Link::Logistic
            } else {
                Link::Softmax
            },
        })
    }

    fn feature_importances(&self) -> Option<Vec<f64>> {
        let k = self.coef.len().max(1) as f64;
        Some(normalised_abs((0..self.n_features).map(|j| {
            self.coef
                .iter()
                .map(|r| r.get(j).copied().unwrap_or(0.0).abs())
                .sum::<f64>()
                / k
        })))
    }
}

// ---------------------------------------------------------------------------------------------

/// A fitted decision tree or forest, held as a library-independent [`TreeEnsemble`].
///
/// Classification leaves hold class probabilities (a single tree: the class frequencies of its
/// training rows in the leaf; a forest: each tree's vote, one-hot), averaged over the trees;
/// regression leaves hold smartcore's leaf means. Splits send `x <= threshold` left, exactly as
/// smartcore does, so predictions match smartcore's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeModel {
    task: Task,
    n_classes: usize,
    n_features: usize,
    ensemble: TreeEnsemble,
    importances: Vec<f64>,
}

impl TreeModel {
    pub(crate) fn new(
        task: Task,
        n_classes: usize,
        n_features: usize,
        ensemble: TreeEnsemble,
        importances: Vec<f64>,
    ) -> Self {
        let importances =
            if importances.len() == n_features && importances.iter().all(|v| v.is_finite()) {
                importances
            } else {
                vec![0.0; n_features]
            };
        TreeModel {
            task,
            n_classes,
            n_features,
            ensemble,
            importances,
        }
    }

    /// The number of trees.
    pub fn n_trees(&self) -> usize {
        self.ensemble.trees.len()
    }
}

impl Model for TreeModel {
    mlpilot_core::shape_from_fields!();

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        if self.task.is_classification() {
            return Ok(self.predict_proba(x)?.argmax_rows());
        }
        let x = checked_input(x, self.n_features)?;
        Ok((0..x.n_rows())
            .map(|i| {
                let raw = self.ensemble.raw(x.row(i).unwrap_or(&[]));
                raw.first().copied().unwrap_or(f64::NAN)
            })
            .collect())
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        if !self.task.is_classification() {
            return Err(Error::unsupported(
                "a regression tree model does not give class probabilities",
            ));
        }
        let x = checked_input(x, self.n_features)?;
        let rows = (0..x.n_rows())
            .map(|i| {
                let mut p = self.ensemble.raw(x.row(i).unwrap_or(&[]));
                let total: f64 = p.iter().sum();
                if total > 0.0 {
                    p.iter_mut().for_each(|v| *v /= total);
                }
                p
            })
            .collect();
        proba_matrix(rows, self.n_classes)
    }

    fn feature_importances(&self) -> Option<Vec<f64>> {
        Some(self.importances.clone())
    }

    fn tree_ensemble(&self) -> Option<TreeEnsemble> {
        Some(self.ensemble.clone())
    }
}

/// Whether every tree of `ensemble` is well formed: children after their parent and in range,
/// features below `n_features`, leaves of `n_outputs` finite values.
pub(crate) fn check_ensemble(ensemble: &TreeEnsemble, n_features: usize) -> Result<()> {
    for (t, tree) in ensemble.trees.iter().enumerate() {
        let n = tree.nodes.len();
        if n == 0 {
            return Err(Error::backend(format!(
                "smartcore returned an empty tree ({t})"
            )));
        }
        for (i, node) in tree.nodes.iter().enumerate() {
            // smartcore grows only numeric splits and leaves; anything else is a bug here.
            let ok = if let TreeNode::Split {
                feature,
                left,
                right,
                ..
            } = node
            {
                *feature < n_features && *left > i && *right > i && *left < n && *right < n
            } else if let TreeNode::Leaf { values, .. } = node {
                values.len() == ensemble.n_outputs && values.iter().all(|v| v.is_finite())
            } else {
                false
            };
            if !ok {
                return Err(Error::backend(format!(
                    "smartcore returned a tree in an unexpected layout (tree {t}, node {i})"
                )));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------

type KnnClassifier = KNNClassifier<f64, u32, DenseMatrix<f64>, Vec<u32>, Euclidian<f64>>;
type KnnRegressor = KNNRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>, Euclidian<f64>>;

/// smartcore's fitted k-NN model (it keeps the training rows in a cover tree).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum KnnInner {
    /// A classifier over labels `0..classes.len()` of smartcore's own.
    Classifier(Box<KnnClassifier>),
    /// A regressor.
    Regressor(Box<KnnRegressor>),
}

/// A fitted k-nearest-neighbours model: smartcore's own, stored as is.
#[derive(Debug, Serialize, Deserialize)]
pub struct KnnModel {
    task: Task,
    n_classes: usize,
    n_features: usize,
    /// Our class index of each class smartcore saw, in smartcore's order.
    classes: Vec<usize>,
    inner: KnnInner,
}

impl KnnModel {
    pub(crate) fn new(
        task: Task,
        n_classes: usize,
        n_features: usize,
        classes: Vec<usize>,
        inner: KnnInner,
    ) -> Self {
        KnnModel {
            task,
            n_classes,
            n_features,
            classes,
            inner,
        }
    }
}

impl Model for KnnModel {
    mlpilot_core::shape_from_fields!();

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        match &self.inner {
            KnnInner::Classifier(_) => Ok(self.predict_proba(x)?.argmax_rows()),
            KnnInner::Regressor(m) => {
                let x = checked_input(x, self.n_features)?;
                if x.n_rows() == 0 {
                    return Ok(Vec::new());
                }
                let dense = to_dense(&x)?;
                guarded("predict with k-nearest neighbours", || m.predict(&dense))
            }
        }
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        let KnnInner::Classifier(m) = &self.inner else {
            return Err(Error::unsupported(
                "a k-NN regressor does not give class probabilities",
            ));
        };
        let x = checked_input(x, self.n_features)?;
        if x.n_rows() == 0 {
            return Matrix::new(0, self.n_classes, Vec::new());
        }
        let dense = to_dense(&x)?;
        let raw = guarded("predict with k-nearest neighbours", || {
            m.predict_proba(&dense)
        })?;
        let rows = raw
            .into_iter()
            .map(|p| {
                let mut out = vec![0.0; self.n_classes];
                for (c, v) in self.classes.iter().zip(p) {
                    if let Some(slot) = out.get_mut(*c) {
                        *slot = v;
                    }
                }
                out
            })
            .collect();
        proba_matrix(rows, self.n_classes)
    }
}

// ---------------------------------------------------------------------------------------------

/// A kernel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) enum Kernel {
    /// `⟨a, b⟩`.
    Linear,
    /// `exp(-gamma · ‖a − b‖²)`.
    Rbf {
        /// The width parameter.
        gamma: f64,
    },
}

/// One fitted machine: `f(x) = bias + Σ_i weight_i · K(x, sv_i)`.
///
/// A linear-kernel machine is stored in its primal form, `f(x) = bias + w·x`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct KernelMachine {
    kernel: Kernel,
    /// Support vectors, row-major (`weights.len()` rows); empty for the linear kernel.
    support_vectors: Vec<f64>,
    /// Dual weights (rbf) or the primal weight vector (linear).
    weights: Vec<f64>,
    bias: f64,
}

impl KernelMachine {
    /// A machine from smartcore's support vectors, dual weights and bias.
    pub(crate) fn new(
        kernel: Kernel,
        support_vectors: Vec<Vec<f64>>,
        dual: Vec<f64>,
        bias: f64,
        n_features: usize,
    ) -> Result<Self> {
        if support_vectors.len() != dual.len()
            || support_vectors.iter().any(|s| s.len() != n_features)
        {
            return Err(Error::backend(
                "smartcore's SVM returned support vectors of an unexpected shape",
            ));
        }
        let finite = |v: &f64| v.is_finite();
        if !bias.is_finite()
            || !dual.iter().all(finite)
            || !support_vectors.iter().flatten().all(finite)
        {
            return Err(Error::backend(
                "smartcore's SVM returned non-finite weights",
            ));
        }
        Ok(match kernel {
            Kernel::Linear => {
                let mut w = vec![0.0; n_features];
                for (sv, a) in support_vectors.iter().zip(&dual) {
                    for (wj, xj) in w.iter_mut().zip(sv) {
                        *wj += a * xj;
                    }
                }
                KernelMachine {
                    kernel,
                    support_vectors: Vec::new(),
                    weights: w,
                    bias,
                }
            }
            Kernel::Rbf { .. } => KernelMachine {
                kernel,
                support_vectors: support_vectors.into_iter().flatten().collect(),
                weights: dual,
                bias,
            },
        })
    }

    /// A machine that always answers `bias`.
    pub(crate) fn constant(bias: f64) -> Self {
        KernelMachine {
            kernel: Kernel::Rbf { gamma: 1.0 },
            support_vectors: Vec::new(),
            weights: Vec::new(),
            bias,
        }
    }

    /// The decision value for one row.
    pub(crate) fn decision(&self, row: &[f64]) -> f64 {
        match self.kernel {
            Kernel::Linear => self.bias + dot(&self.weights, row),
            Kernel::Rbf { gamma } => {
                let p = row.len().max(1);
                self.bias
                    + self
                        .support_vectors
                        .chunks_exact(p)
                        .zip(&self.weights)
                        .map(|(sv, a)| {
                            let d2: f64 = sv.iter().zip(row).map(|(u, v)| (u - v) * (u - v)).sum();
                            a * (-gamma * d2).exp()
                        })
                        .sum::<f64>()
            }
        }
    }
}

/// What an [`SvmModel`] holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum SvmKind {
    /// Two classes: `positive` when the decision value is above zero.
    Binary {
        /// The machine.
        machine: KernelMachine,
        /// Our index of the class below zero.
        negative: usize,
        /// Our index of the class above zero.
        positive: usize,
    },
    /// One machine per class (that class against the rest); the largest decision value wins.
    OneVsRest {
        /// (our class index, machine).
        machines: Vec<(usize, KernelMachine)>,
    },
    /// Regression on a standardised target: `y = mean + scale · f(x)`.
    Regression {
        /// The machine.
        machine: KernelMachine,
        /// Target mean.
        mean: f64,
        /// Target standard deviation.
        scale: f64,
    },
}

/// A fitted support vector machine (smartcore's SVC or SVR, stored as support vectors and
/// weights because smartcore's own model cannot predict after deserialisation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SvmModel {
    task: Task,
    n_classes: usize,
    n_features: usize,
    kind: SvmKind,
}

impl SvmModel {
    pub(crate) fn new(task: Task, n_classes: usize, n_features: usize, kind: SvmKind) -> Self {
        SvmModel {
            task,
            n_classes,
            n_features,
            kind,
        }
    }

    /// The support vector count of all machines together (0 for linear kernels).
    pub fn n_support_vectors(&self) -> usize {
        let count = |m: &KernelMachine| match m.kernel {
            Kernel::Linear => 0,
            Kernel::Rbf { .. } => m.weights.len(),
        };
        match &self.kind {
            SvmKind::Binary { machine, .. } | SvmKind::Regression { machine, .. } => count(machine),
            SvmKind::OneVsRest { machines } => machines.iter().map(|(_, m)| count(m)).sum(),
        }
    }
}

impl Model for SvmModel {
    mlpilot_core::shape_from_fields!();

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        let x = checked_input(x, self.n_features)?;
        let rows = (0..x.n_rows()).map(|i| x.row(i).unwrap_or(&[]));
        Ok(match &self.kind {
            SvmKind::Binary {
                machine,
                negative,
                positive,
            } => rows
                .map(|r| {
                    let c = if machine.decision(r) > 0.0 {
                        positive
                    } else {
                        negative
                    };
                    *c as f64
                })
                .collect(),
            SvmKind::OneVsRest { machines } => rows
                .map(|r| {
                    let scores: Vec<f64> = machines.iter().map(|(_, m)| m.decision(r)).collect();
                    machines
                        .get(argmax(&scores))
                        .map_or(0.0, |(c, _)| *c as f64)
                })
                .collect(),
            SvmKind::Regression {
                machine,
                mean,
                scale,
            } => rows.map(|r| mean + scale * machine.decision(r)).collect(),
        })
    }
}

// ---------------------------------------------------------------------------------------------

/// A fitted Gaussian naive Bayes model: smartcore's per-class means, variances and priors, with
/// scikit-learn's variance smoothing added (smartcore has none, so a feature constant within a
/// class would make every likelihood zero or infinite).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianNbModel {
    task: Task,
    n_classes: usize,
    n_features: usize,
    /// Our class index of each class smartcore saw, in smartcore's order.
    classes: Vec<usize>,
    log_priors: Vec<f64>,
    means: Vec<Vec<f64>>,
    /// Smoothed variances (all positive).
    variances: Vec<Vec<f64>>,
}

impl GaussianNbModel {
    pub(crate) fn new(
        task: Task,
        n_classes: usize,
        classes: Vec<usize>,
        priors: &[f64],
        means: Vec<Vec<f64>>,
        variances: Vec<Vec<f64>>,
        epsilon: f64,
    ) -> Result<Self> {
        let n_features = means.first().map_or(0, Vec::len);
        let k = classes.len();
        if priors.len() != k
            || means.len() != k
            || variances.len() != k
            || means
                .iter()
                .chain(&variances)
                .any(|r| r.len() != n_features)
        {
            return Err(Error::backend(
                "smartcore's naive Bayes returned statistics of an unexpected shape",
            ));
        }
        let variances: Vec<Vec<f64>> = variances
            .into_iter()
            .map(|r| r.into_iter().map(|v| v.max(0.0) + epsilon).collect())
            .collect();
        let log_priors: Vec<f64> = priors.iter().map(|p| p.ln()).collect();
        let all = means.iter().chain(&variances).flatten().chain(&log_priors);
        if all.into_iter().any(|v| !v.is_finite()) || variances.iter().flatten().any(|v| *v <= 0.0)
        {
            return Err(Error::backend(
                "smartcore's naive Bayes returned non-finite statistics",
            ));
        }
        Ok(GaussianNbModel {
            task,
            n_classes,
            n_features,
            classes,
            log_priors,
            means,
            variances,
        })
    }

    fn proba_row(&self, row: &[f64]) -> Vec<f64> {
        let ln_2pi = (2.0 * std::f64::consts::PI).ln();
        let scores: Vec<f64> = self
            .log_priors
            .iter()
            .zip(self.means.iter().zip(&self.variances))
            .map(|(lp, (mu, var))| {
                lp + row
                    .iter()
                    .zip(mu.iter().zip(var))
                    .map(|(x, (m, v))| -0.5 * (ln_2pi + v.ln()) - (x - m) * (x - m) / (2.0 * v))
                    .sum::<f64>()
            })
            .collect();
        softmax_over(&scores, &self.classes, self.n_classes)
    }
}

impl Model for GaussianNbModel {
    mlpilot_core::shape_from_fields!();

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        Ok(self.predict_proba(x)?.argmax_rows())
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        let x = checked_input(x, self.n_features)?;
        let rows = (0..x.n_rows())
            .map(|i| self.proba_row(x.row(i).unwrap_or(&[])))
            .collect();
        proba_matrix(rows, self.n_classes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_spreads_over_present_classes() {
        let p = softmax_over(&[0.0, 0.0], &[0, 2], 3);
        assert_eq!(p, vec![0.5, 0.0, 0.5]);
        let p = softmax_over(&[1000.0, 0.0], &[1, 0], 2);
        assert!((p[1] - 1.0).abs() < 1e-12 && p[0] >= 0.0);
    }

    #[test]
    fn sigmoid_is_stable() {
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn predict_refuses_nan_and_wrong_width() {
        let m = LinearModel::new(vec![1.0, 2.0], 0.5).unwrap();
        let ok = Features::Dense(Matrix::from_rows(&[vec![1.0, 1.0]]).unwrap());
        assert_eq!(m.predict(&ok).unwrap(), vec![3.5]);
        let nan = Features::Dense(Matrix::from_rows(&[vec![1.0, f64::NAN]]).unwrap());
        let e = m.predict(&nan).unwrap_err();
        assert_eq!(e.kind(), mlpilot_core::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("x1"), "{e}");
        let wide = Features::Dense(Matrix::zeros(1, 3));
        assert!(m.predict(&wide).is_err());
    }

    #[test]
    fn linear_kernel_machine_is_primal() {
        let m = KernelMachine::new(
            Kernel::Linear,
            vec![vec![1.0, 0.0], vec![0.0, 2.0]],
            vec![0.5, -1.0],
            0.25,
            2,
        )
        .unwrap();
        // w = 0.5·(1,0) − 1·(0,2) = (0.5, −2)
        assert!((m.decision(&[2.0, 1.0]) - (0.25 + 1.0 - 2.0)).abs() < 1e-12);
        let rbf = KernelMachine::new(
            Kernel::Rbf { gamma: 0.5 },
            vec![vec![0.0, 0.0]],
            vec![2.0],
            -1.0,
            2,
        )
        .unwrap();
        assert!((rbf.decision(&[1.0, 1.0]) - (-1.0 + 2.0 * (-1.0f64).exp())).abs() < 1e-12);
    }
}
