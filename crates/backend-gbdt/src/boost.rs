//! Gradient boosting on histogram trees: objectives, the training loop, early stopping.
#![allow(clippy::indexing_slicing)] // positions come from the learner (see tree.rs)

use mlpilot_core::{
    Dataset, Error, ErrorKind, FitContext, Matrix, ProgressEvent, Result, Rng, Task,
};
use serde::{Deserialize, Serialize};

use crate::bins::{Binned, FeatureBins, bin_matrix, fit_bins};
use crate::tree::{GrowData, LeafRanges, Tree, TreeParams, grow};

/// The loss being minimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Objective {
    /// Squared error.
    SquaredError,
    /// Binary log loss on log-odds.
    Logistic,
    /// Multiclass log loss on per-class scores (softmax).
    Softmax {
        /// Classes.
        n_classes: usize,
    },
}

impl Objective {
    /// Raw outputs per row.
    pub fn outputs(self) -> usize {
        match self {
            Objective::Softmax { n_classes } => n_classes,
            _ => 1,
        }
    }

    fn for_data(data: &Dataset) -> Objective {
        match data.task() {
            Task::Binary => Objective::Logistic,
            Task::Multiclass => Objective::Softmax {
                n_classes: data.n_classes(),
            },
            _ => Objective::SquaredError,
        }
    }

    fn init(self, y: &[f64], w: &[f64]) -> Vec<f64> {
        let sw: f64 = w.iter().sum::<f64>().max(1e-12);
        match self {
            Objective::SquaredError => vec![y.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw],
            Objective::Logistic => {
                let p =
                    (y.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw).clamp(1e-6, 1.0 - 1e-6);
                vec![(p / (1.0 - p)).ln()]
            }
            Objective::Softmax { n_classes } => {
                let mut c = vec![1e-6; n_classes];
                for (&v, &wi) in y.iter().zip(w) {
                    if let Some(x) = c.get_mut(v as usize) {
                        *x += wi;
                    }
                }
                let s: f64 = c.iter().sum();
                c.iter().map(|x| (x / s).ln()).collect()
            }
        }
    }

    /// Gradients and hessians of all outputs: `grad[o * n + i]`.
    fn gradients(self, raw: &[f64], y: &[f64], w: &[f64], grad: &mut [f64], hess: &mut [f64]) {
        let n = y.len();
        match self {
            Objective::SquaredError => {
                for i in 0..n {
                    grad[i] = (raw[i] - y[i]) * w[i];
                    hess[i] = w[i];
                }
            }
            Objective::Logistic => {
                for i in 0..n {
                    let p = sigmoid(raw[i]);
                    grad[i] = (p - y[i]) * w[i];
                    hess[i] = (p * (1.0 - p)).max(1e-16) * w[i];
                }
            }
            Objective::Softmax { n_classes: k } => {
                let mut p = vec![0.0; k];
                for i in 0..n {
                    softmax_into(&raw[i * k..i * k + k], &mut p);
                    let yi = y[i] as usize;
                    for c in 0..k {
                        let t = if c == yi { 1.0 } else { 0.0 };
                        grad[c * n + i] = (p[c] - t) * w[i];
                        hess[c * n + i] = (p[c] * (1.0 - p[c])).max(1e-16) * w[i];
                    }
                }
            }
        }
    }

    /// Mean loss of raw outputs.
    fn loss(self, raw: &[f64], y: &[f64]) -> f64 {
        let n = y.len().max(1) as f64;
        match self {
            Objective::SquaredError => {
                raw.iter().zip(y).map(|(r, t)| (r - t).powi(2)).sum::<f64>() / n
            }
            Objective::Logistic => {
                raw.iter()
                    .zip(y)
                    .map(|(r, t)| {
                        let p = sigmoid(*r).clamp(1e-15, 1.0 - 1e-15);
                        -(t * p.ln() + (1.0 - t) * (1.0 - p).ln())
                    })
                    .sum::<f64>()
                    / n
            }
            Objective::Softmax { n_classes: k } => {
                let mut p = vec![0.0; k];
                let mut total = 0.0;
                for (i, t) in y.iter().enumerate() {
                    softmax_into(&raw[i * k..i * k + k], &mut p);
                    total -= p[*t as usize].clamp(1e-15, 1.0).ln();
                }
                total / n
            }
        }
    }
}

pub use mlpilot_core::sigmoid;

/// Softmax of `raw` into `out` (core's stable softmax).
#[inline]
pub fn softmax_into(raw: &[f64], out: &mut [f64]) {
    out.copy_from_slice(raw);
    mlpilot_core::softmax_in_place(out);
}

/// How the booster trains: [`crate::params::HistGbmParams`] resolved for one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoostConfig {
    /// Boosting rounds (an upper bound when early stopping is on).
    pub n_estimators: usize,
    /// Shrinkage of each tree.
    pub learning_rate: f64,
    /// Leaves per tree.
    pub max_leaves: usize,
    /// Depth limit (0: none).
    pub max_depth: usize,
    /// Fewest rows in a leaf.
    pub min_child_samples: usize,
    /// Smallest hessian sum in a leaf.
    pub min_child_weight: f64,
    /// L1 penalty.
    pub lambda_l1: f64,
    /// L2 penalty.
    pub lambda_l2: f64,
    /// Share of rows per round.
    pub subsample: f64,
    /// Share of features per tree.
    pub colsample_bytree: f64,
    /// Bins per feature.
    pub max_bins: usize,
    /// Stop when the validation loss has not improved for this many rounds (0: off).
    pub early_stopping_rounds: usize,
    /// Share of training rows held out for early stopping.
    pub validation_fraction: f64,
}

/// A fitted booster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booster {
    /// The loss.
    pub objective: Objective,
    /// Starting raw scores per output.
    pub base: Vec<f64>,
    /// Trees, `outputs` per round, in round order.
    pub trees: Vec<Tree>,
    /// Input columns.
    pub n_features: usize,
    /// Rounds kept.
    pub rounds: usize,
    /// Total split gain per feature.
    pub gains: Vec<f64>,
    /// Why training stopped.
    pub stopped: String,
}

impl Booster {
    /// Raw scores of a row.
    pub fn raw_row(&self, row: &[f64], out: &mut [f64]) {
        let k = self.objective.outputs();
        out.copy_from_slice(&self.base);
        for (t, tree) in self.trees.iter().enumerate() {
            out[t % k] += tree.predict_row(row)[0];
        }
    }

    /// Raw scores of every row, `rows × outputs`.
    pub fn raw(&self, x: &Matrix) -> Vec<f64> {
        let k = self.objective.outputs();
        let mut out = vec![0.0; x.n_rows() * k];
        for (row, o) in x.rows().zip(out.chunks_mut(k)) {
            self.raw_row(row, o);
        }
        out
    }
}

fn split_validation(data: &Dataset, fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let n = data.n_rows();
    let mut rng = Rng::new(seed ^ 0x5eed_0fe5);
    let mut valid = Vec::new();
    if data.task().is_classification() {
        // Stratified: the same share of every class.
        for c in 0..data.n_classes() {
            let mut rows: Vec<usize> = (0..n).filter(|&i| data.y()[i] == c as f64).collect();
            rng.shuffle(&mut rows);
            let k = ((rows.len() as f64) * fraction).round() as usize;
            valid.extend(rows.into_iter().take(k));
        }
    } else {
        valid = rng.sample_indices(n, ((n as f64) * fraction).round() as usize);
    }
    valid.sort_unstable();
    let mut is_valid = vec![false; n];
    for &v in &valid {
        is_valid[v] = true;
    }
    let train = (0..n).filter(|&i| !is_valid[i]).collect();
    (train, valid)
}

/// Which features the dataset describes as categorical codes.
pub fn categorical_flags(data: &Dataset) -> Vec<bool> {
    data.features()
        .iter()
        .map(|f| matches!(f.kind, mlpilot_core::FeatureKind::Categorical { .. }))
        .collect()
}

/// Trains a booster. Stops at the deadline with the rounds trained so far (at least one), or
/// with `Cancelled` when cancelled.
///
/// # Errors
/// An invalid-input error when the data are not trainable (see [`Dataset::check_trainable`];
/// missing values are allowed) or no rows remain after the validation split; a cancelled error
/// when `ctx` is cancelled; a timeout error when the deadline passes before the first round.
pub fn train(
    data: &Dataset,
    p: &BoostConfig,
    ctx: &FitContext,
    estimator_id: &str,
) -> Result<Booster> {
    data.check_trainable(true)?;
    let objective = Objective::for_data(data);
    let k = objective.outputs();
    let rows = TrainingRows::new(data, p, ctx.seed)?;
    let n = rows.yt.len();
    let base = objective.init(&rows.yt, &rows.wt);
    let mut raw: Vec<f64> = (0..n * k).map(|i| base[i % k]).collect();
    let mut vraw: Vec<f64> = (0..rows.yv.len() * k).map(|i| base[i % k]).collect();
    let mut grad = vec![0.0; n * k];
    let mut hess = vec![0.0; n * k];
    let tree_params = TreeParams {
        max_leaves: p.max_leaves.max(2),
        max_depth: p.max_depth,
        min_samples_leaf: p.min_child_samples.max(1) as f64,
        min_hessian_leaf: p.min_child_weight,
        lambda_l2: p.lambda_l2,
        lambda_l1: p.lambda_l1,
        min_gain: 1e-12,
        feature_fraction_node: 1.0,
        extra_trees: false,
        shrinkage: p.learning_rate,
    };
    let pool = ctx.thread_pool();
    let mut rng = Rng::new(ctx.seed);
    let mut trees: Vec<Tree> = Vec::new();
    let mut early = EarlyStopping {
        best_loss: f64::INFINITY,
        best_round: 0,
    };
    let mut stopped = format!("reached {} rounds", p.n_estimators);
    let mut class_grad = vec![0.0; if k > 1 { n } else { 0 }];
    for round in 0..p.n_estimators {
        if ctx.cancel.is_cancelled() {
            return Err(Error::new(ErrorKind::Cancelled, "the fit was cancelled"));
        }
        if ctx.should_stop() {
            if round == 0 {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    "the deadline passed before the first boosting round",
                ));
            }
            stopped = format!("stopped at the deadline after {round} rounds");
            break;
        }
        objective.gradients(&raw, &rows.yt, &rows.wt, &mut grad, &mut hess);
        let (bag, features) = round_sample(&mut rng, n, data.n_features(), p);
        for c in 0..k {
            let (g, h): (&[f64], &[f64]) = if k == 1 {
                (&grad, &hess)
            } else {
                class_grad.copy_from_slice(&grad[c * n..(c + 1) * n]);
                (&class_grad, &hess[c * n..(c + 1) * n])
            };
            let gd = GrowData {
                binned: &rows.binned,
                bins: &rows.bins,
                grad: g,
                hess: h,
                dims: 1,
                features: &features,
                pool: pool.as_deref(),
            };
            let grown = grow(&gd, bag.clone(), &tree_params, &mut rng);
            rows.add_scores(&grown, (c, k), p.subsample >= 1.0, &mut raw, &mut vraw);
            trees.push(grown.0);
        }
        let loss = (!rows.yv.is_empty()).then(|| objective.loss(&vraw, &rows.yv));
        ctx.report(ProgressEvent::Iteration {
            estimator: estimator_id.to_string(),
            iteration: round + 1,
            total: Some(p.n_estimators),
            loss,
        });
        if let Some(reason) = early.after_round(round, loss, p.early_stopping_rounds) {
            stopped = reason;
            break;
        }
    }
    if !rows.yv.is_empty() {
        trees.truncate(early.best_round.max(1) * k);
    }
    let rounds = trees.len() / k.max(1);
    let mut gains = vec![0.0; data.n_features()];
    for t in &trees {
        t.add_gains(&mut gains);
    }
    Ok(Booster {
        objective,
        base,
        trees,
        n_features: data.n_features(),
        rounds,
        gains,
        stopped,
    })
}

/// The rows a booster trains on, binned, and the held-out rows early stopping watches (none
/// unless early stopping is on and there are at least 200 rows).
struct TrainingRows {
    bins: Vec<FeatureBins>,
    binned: Binned,
    yt: Vec<f64>,
    wt: Vec<f64>,
    vbinned: Option<Binned>,
    yv: Vec<f64>,
}

impl TrainingRows {
    fn new(data: &Dataset, p: &BoostConfig, seed: u64) -> Result<TrainingRows> {
        let x = data.x().to_dense();
        let use_es =
            p.early_stopping_rounds > 0 && p.validation_fraction > 0.0 && data.n_rows() >= 200;
        let (train_rows, valid_rows) = if use_es {
            split_validation(data, p.validation_fraction, seed)
        } else {
            ((0..data.n_rows()).collect(), Vec::new())
        };
        if train_rows.is_empty() {
            return Err(Error::invalid_input(
                "no rows left to train on after the validation split",
            ));
        }
        let xt = x.select_rows(&train_rows)?;
        let yt: Vec<f64> = train_rows.iter().map(|&i| data.y()[i]).collect();
        let wt: Vec<f64> = match data.weights() {
            Some(w) => train_rows.iter().map(|&i| w[i]).collect(),
            None => vec![1.0; train_rows.len()],
        };
        let categorical = categorical_flags(data);
        let bins = fit_bins(&xt, p.max_bins, 200_000, seed, &categorical);
        let binned = bin_matrix(&xt, &bins);
        drop(xt);
        let (vbinned, yv) = if valid_rows.is_empty() {
            (None, Vec::new())
        } else {
            let xv = x.select_rows(&valid_rows)?;
            (
                Some(bin_matrix(&xv, &bins)),
                valid_rows.iter().map(|&i| data.y()[i]).collect(),
            )
        };
        Ok(TrainingRows {
            bins,
            binned,
            yt,
            wt,
            vbinned,
            yv,
        })
    }

    /// Adds a class's new tree to the raw scores (`class` of `k` outputs per row): of the
    /// training rows from its leaf ranges when every row was in the bag, else by predicting
    /// each row; and of the held-out rows.
    fn add_scores(
        &self,
        (tree, rows, leaves): &(Tree, Vec<u32>, LeafRanges),
        (class, k): (usize, usize),
        whole_bag: bool,
        raw: &mut [f64],
        vraw: &mut [f64],
    ) {
        if whole_bag {
            for (vi, start, len) in leaves {
                let v = tree.values[*vi];
                for &r in &rows[*start..start + len] {
                    raw[r as usize * k + class] += v;
                }
            }
        } else {
            for i in 0..self.yt.len() {
                raw[i * k + class] += tree.predict_binned(&self.binned, &self.bins, i)[0];
            }
        }
        if let Some(vb) = &self.vbinned {
            for i in 0..self.yv.len() {
                vraw[i * k + class] += tree.predict_binned(vb, &self.bins, i)[0];
            }
        }
    }
}

/// A round's rows (a seeded `subsample` of them, sorted) and features (a seeded
/// `colsample_bytree` of them, sorted); all when the fraction is 1.
fn round_sample(
    rng: &mut Rng,
    n: usize,
    n_features: usize,
    p: &BoostConfig,
) -> (Vec<u32>, Vec<usize>) {
    let bag: Vec<u32> = if p.subsample < 1.0 {
        let m = ((n as f64) * p.subsample).ceil() as usize;
        let mut b: Vec<u32> = rng
            .sample_indices(n, m.max(1))
            .into_iter()
            .map(|i| i as u32)
            .collect();
        b.sort_unstable();
        b
    } else {
        (0..n as u32).collect()
    };
    let features: Vec<usize> = if p.colsample_bytree < 1.0 {
        let m = ((n_features as f64) * p.colsample_bytree).ceil() as usize;
        let mut f = rng.sample_indices(n_features, m.max(1));
        f.sort_unstable();
        f
    } else {
        (0..n_features).collect()
    };
    (bag, features)
}

/// The validation loss's best round so far.
struct EarlyStopping {
    best_loss: f64,
    best_round: usize,
}

impl EarlyStopping {
    /// Records round `round`'s validation loss (`None`: no held-out rows, every round counts as
    /// the best); returns why to stop when `patience` rounds passed without improving.
    fn after_round(&mut self, round: usize, loss: Option<f64>, patience: usize) -> Option<String> {
        let Some(loss) = loss else {
            self.best_round = round + 1;
            return None;
        };
        let improved = !self.best_loss.is_finite()
            || loss < self.best_loss - 1e-7 * self.best_loss.abs().max(1e-3);
        if improved {
            self.best_loss = loss;
            self.best_round = round + 1;
            None
        } else if round + 1 - self.best_round >= patience {
            Some(format!(
                "early stopping after {} rounds (best validation loss at round {})",
                round + 1,
                self.best_round
            ))
        } else {
            None
        }
    }
}
