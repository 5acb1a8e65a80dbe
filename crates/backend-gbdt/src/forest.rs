//! Random forests and extremely randomised trees on the histogram learner.
#![allow(clippy::indexing_slicing)] // positions come from the learner (see tree.rs)

use mlpilot_core::{Dataset, Error, ErrorKind, FitContext, Matrix, ProgressEvent, Result, Rng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::bins::{bin_matrix, fit_bins};
use crate::tree::{GrowData, Tree, TreeParams, grow};

/// How a forest grows: [`crate::params::ForestParams`] resolved for one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestConfig {
    /// Trees.
    pub n_estimators: usize,
    /// Share of features considered at each split.
    pub max_features: f64,
    /// Leaves per tree (0: unlimited).
    pub max_leaves: usize,
    /// Depth limit (0: none).
    pub max_depth: usize,
    /// Fewest rows in a leaf.
    pub min_samples_leaf: usize,
    /// Draw a bootstrap sample for each tree.
    pub bootstrap: bool,
    /// Random thresholds (extra trees) instead of the best ones.
    pub extra_trees: bool,
    /// Bins per feature.
    pub max_bins: usize,
}

/// A fitted forest: leaf values are class frequencies (classification) or means (regression).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    /// The trees.
    pub trees: Vec<Tree>,
    /// Values per leaf (classes, or 1).
    pub dims: usize,
    /// Input columns.
    pub n_features: usize,
    /// Total split gain per feature (impurity decrease).
    pub gains: Vec<f64>,
}

impl Forest {
    /// The averaged leaf values of a row.
    pub fn predict_row(&self, row: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        for t in &self.trees {
            for (o, v) in out.iter_mut().zip(t.predict_row(row)) {
                *o += v;
            }
        }
        let k = self.trees.len().max(1) as f64;
        out.iter_mut().for_each(|o| *o /= k);
    }

    /// Averaged leaf values of every row, `rows × dims`.
    pub fn predict(&self, x: &Matrix) -> Vec<f64> {
        let mut out = vec![0.0; x.n_rows() * self.dims];
        for (row, o) in x.rows().zip(out.chunks_mut(self.dims)) {
            self.predict_row(row, o);
        }
        out
    }
}

/// How each tree of a forest grows: as deep as its leaf budget allows (none above 512 leaves),
/// no penalties, a share of the features at each node.
fn tree_params(p: &ForestConfig) -> TreeParams {
    TreeParams {
        max_leaves: if p.max_leaves == 0 || p.max_leaves > 512 {
            usize::MAX
        } else {
            p.max_leaves.max(2)
        },
        max_depth: p.max_depth,
        min_samples_leaf: p.min_samples_leaf.max(1) as f64,
        min_hessian_leaf: 0.0,
        lambda_l2: 0.0,
        lambda_l1: 0.0,
        min_gain: 1e-12,
        feature_fraction_node: p.max_features.clamp(1e-6, 1.0),
        extra_trees: p.extra_trees,
        shrinkage: 1.0,
    }
}

/// Base gradients: g = -target (one-hot for classes), h = 1, scaled by weights per tree.
fn base_gradients(y: &[f64], dims: usize) -> Vec<f64> {
    let mut base_g = vec![0.0; y.len() * dims];
    for (i, &y) in y.iter().enumerate() {
        if dims > 1 {
            base_g[i * dims + y as usize] = -1.0;
        } else {
            base_g[i] = -y;
        }
    }
    base_g
}

/// Trains a forest. At the deadline it keeps the trees grown so far (at least one).
///
/// # Errors
/// An invalid-input error when the data are not trainable (see [`Dataset::check_trainable`];
/// missing values are allowed); a cancelled error when `ctx` is cancelled; a timeout error when no
/// tree was grown before the deadline (also when `p.n_estimators` is 0).
pub fn train(
    data: &Dataset,
    p: &ForestConfig,
    ctx: &FitContext,
    estimator_id: &str,
) -> Result<Forest> {
    data.check_trainable(true)?;
    let x = data.x().to_dense();
    let n = data.n_rows();
    let dims = if data.task().is_classification() {
        data.n_classes()
    } else {
        1
    };
    let categorical = crate::boost::categorical_flags(data);
    let bins = fit_bins(&x, p.max_bins, 200_000, ctx.seed, &categorical);
    let binned = bin_matrix(&x, &bins);
    drop(x);
    let w: Vec<f64> = data.weights().map_or_else(|| vec![1.0; n], <[f64]>::to_vec);
    let base_g = base_gradients(data.y(), dims);
    let features: Vec<usize> = (0..data.n_features()).collect();
    let tree_params = tree_params(p);
    let grow_one = |t: usize| -> Option<Tree> {
        if ctx.should_stop() {
            return None;
        }
        let mut rng = Rng::stream(ctx.seed, t as u64);
        let mut counts = vec![0.0f64; n];
        if p.bootstrap {
            for _ in 0..n {
                counts[rng.below(n)] += 1.0;
            }
        } else {
            counts.iter_mut().for_each(|c| *c = 1.0);
        }
        let rows: Vec<u32> = (0..n)
            .filter(|&i| counts[i] > 0.0)
            .map(|i| i as u32)
            .collect();
        let hess: Vec<f64> = (0..n).map(|i| counts[i] * w[i]).collect();
        let grad: Vec<f64> = (0..n * dims).map(|j| base_g[j] * hess[j / dims]).collect();
        let gd = GrowData {
            binned: &binned,
            bins: &bins,
            grad: &grad,
            hess: &hess,
            dims,
            features: &features,
            pool: None,
        };
        let (mut tree, _, _) = grow(&gd, rows, &tree_params, &mut rng);
        // Leaves hold means of the (weighted) targets; for classes, frequencies that sum to one.
        if dims > 1 {
            for leaf in tree.values.chunks_mut(dims) {
                let s: f64 = leaf.iter().sum();
                if s > 0.0 {
                    leaf.iter_mut().for_each(|v| *v /= s);
                }
            }
        }
        ctx.report(ProgressEvent::Iteration {
            estimator: estimator_id.to_string(),
            iteration: t + 1,
            total: Some(p.n_estimators),
            loss: None,
        });
        Some(tree)
    };
    let trees: Vec<Option<Tree>> = match ctx.thread_pool() {
        Some(pool) => pool.install(|| (0..p.n_estimators).into_par_iter().map(grow_one).collect()),
        None => (0..p.n_estimators).map(grow_one).collect(),
    };
    if ctx.cancel.is_cancelled() {
        return Err(Error::new(ErrorKind::Cancelled, "the fit was cancelled"));
    }
    let trees: Vec<Tree> = trees.into_iter().flatten().collect();
    if trees.is_empty() {
        return Err(Error::new(
            ErrorKind::Timeout,
            "the deadline passed before the first tree was grown",
        ));
    }
    let mut gains = vec![0.0; data.n_features()];
    for t in &trees {
        t.add_gains(&mut gains);
    }
    Ok(Forest {
        trees,
        dims,
        n_features: data.n_features(),
        gains,
    })
}
