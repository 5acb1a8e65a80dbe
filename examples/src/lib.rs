//! Runnable examples of mlpilot, and the small pieces they share.
//!
//! [`GaussianNaiveBayes`] is a complete estimator written the way a backend author outside
//! the mlpilot crates would write one: it implements [`mlpilot_core::Estimator`], declares its
//! capabilities, and passes the conformance suite (see `examples/custom_backend.rs`).
//! [`serving`] serves a saved model from your own axum application; [`provider`] plugs a
//! language-model provider of your own into the assistant. Each has its test in `tests/`.

pub mod provider;
pub mod serving;

use mlpilot_core::{
    DataShape, Dataset, Error, Estimator, EstimatorInfo, Features, FitContext, Matrix, Model,
    ModelFamily, Params, Result, SearchSpace, Task, check_n_features, check_range,
};
use serde::{Deserialize, Serialize};

/// Gaussian naive Bayes: each class is a product of independent normal distributions, one per
/// feature, with variances smoothed by `var_smoothing` × the largest feature variance.
#[derive(Debug, Clone, Copy, Default)]
pub struct GaussianNaiveBayes;

/// A fitted [`GaussianNaiveBayes`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianNbModel {
    /// Log prior per class.
    pub log_prior: Vec<f64>,
    /// Mean per class and feature, `classes × features`.
    pub means: Vec<Vec<f64>>,
    /// Variance per class and feature.
    pub vars: Vec<Vec<f64>>,
    /// The task.
    pub task: Task,
}

/// Parameters of [`GaussianNaiveBayes`]: serde names are the search space's names, `Default`
/// is the space's default, `validate` checks what a direct caller may get wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GaussianNbParams {
    /// Added to every variance, as a share of the largest feature variance, ≥ 0.
    pub var_smoothing: f64,
}

impl Default for GaussianNbParams {
    fn default() -> Self {
        GaussianNbParams {
            var_smoothing: 1e-9,
        }
    }
}

impl Params for GaussianNbParams {
    fn validate(&self) -> Result<()> {
        check_range("var_smoothing", self.var_smoothing, 0.0, f64::MAX)
    }
}

impl Estimator for GaussianNaiveBayes {
    type Model = GaussianNbModel;
    type Params = GaussianNbParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            "example.gaussian_nb",
            "Gaussian naive Bayes (example)",
            ModelFamily::NaiveBayes,
        )
        .tasks(&[Task::Binary, Task::Multiclass])
        .capabilities(|c| c.probabilities = true)
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        let default = GaussianNbParams::default().var_smoothing;
        SearchSpace::new().log_float("var_smoothing", 1e-12, 1e-1, default)
    }

    fn fit(
        &self,
        data: &Dataset,
        params: &GaussianNbParams,
        ctx: &FitContext,
    ) -> Result<GaussianNbModel> {
        params.validate()?;
        data.check_trainable(false)?;
        ctx.check()?;
        let x = data.x().to_dense();
        let (k, p) = (data.n_classes(), x.n_cols());
        let mut n = vec![0.0; k];
        let mut sum = vec![vec![0.0; p]; k];
        let mut sq = vec![vec![0.0; p]; k];
        for (row, &y) in x.rows().zip(data.y()) {
            let c = y as usize;
            let (Some(nc), Some(s), Some(q)) = (n.get_mut(c), sum.get_mut(c), sq.get_mut(c)) else {
                return Err(Error::invalid_input(format!(
                    "class index {y} out of range"
                )));
            };
            *nc += 1.0;
            for ((si, qi), v) in s.iter_mut().zip(q.iter_mut()).zip(row) {
                *si += v;
                *qi += v * v;
            }
        }
        let total: f64 = n.iter().sum();
        let means: Vec<Vec<f64>> = sum
            .iter()
            .zip(&n)
            .map(|(s, nc)| s.iter().map(|v| v / nc.max(1.0)).collect())
            .collect();
        let max_var = (0..p)
            .map(|j| {
                let col = x.column(j);
                let m = col.iter().sum::<f64>() / total;
                col.iter().map(|v| (v - m).powi(2)).sum::<f64>() / total
            })
            .fold(0.0, f64::max);
        let eps = params.var_smoothing * max_var.max(1e-12);
        let vars = sq
            .iter()
            .zip(&means)
            .zip(&n)
            .map(|((q, m), nc)| {
                q.iter()
                    .zip(m)
                    .map(|(qi, mi)| qi / nc.max(1.0) - mi * mi + eps)
                    .collect()
            })
            .collect();
        let log_prior = n.iter().map(|nc| (nc / total).max(1e-300).ln()).collect();
        Ok(GaussianNbModel {
            log_prior,
            means,
            vars,
            task: data.task(),
        })
    }
}

impl Model for GaussianNbModel {
    fn task(&self) -> Task {
        self.task
    }

    fn n_features(&self) -> usize {
        self.means.first().map_or(0, Vec::len)
    }

    fn n_classes(&self) -> usize {
        self.log_prior.len()
    }

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        let p = self.predict_proba(x)?;
        Ok(p.rows().map(|r| mlpilot_core::argmax(r) as f64).collect())
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        check_n_features(x, self.n_features())?;
        let x = x.to_dense();
        let k = self.log_prior.len();
        let mut out = Vec::with_capacity(x.n_rows() * k);
        for row in x.rows() {
            let ll: Vec<f64> = (0..k)
                .map(|c| {
                    let (m, v) = (self.means.get(c), self.vars.get(c));
                    let (Some(m), Some(v)) = (m, v) else {
                        return f64::NEG_INFINITY;
                    };
                    self.log_prior.get(c).copied().unwrap_or(0.0)
                        + row
                            .iter()
                            .zip(m.iter().zip(v))
                            .map(|(xi, (mi, vi))| {
                                -0.5 * ((2.0 * std::f64::consts::PI * vi).ln()
                                    + (xi - mi).powi(2) / vi)
                            })
                            .sum::<f64>()
                })
                .collect();
            let mx = ll.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = ll.iter().map(|l| (l - mx).exp()).collect();
            let s: f64 = e.iter().sum();
            out.extend(e.iter().map(|v| v / s));
        }
        Matrix::new(x.n_rows(), k, out)
    }
}
