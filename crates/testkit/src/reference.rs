//! Two small, real reference estimators.
//!
//! They exist so that the conformance suite itself can be tested (it must pass a correct
//! estimator and fail a broken one) and so that examples have something tiny to register.
//! They are complete models — nearest-centroid classification and ridge regression — not
//! stand-ins.

use mlpilot_core::{
    DataShape, Dataset, Error, Estimator, EstimatorInfo, Features, FitContext, Matrix, Model,
    ModelFamily, NoParams, Params, Result, SearchSpace, Task, check_n_features, check_range,
};
use serde::{Deserialize, Serialize};

/// Nearest-centroid classifier: predicts the class whose mean is closest (Euclidean);
/// probabilities are the softmax of −½·squared distance.
#[derive(Debug, Clone, Copy, Default)]
pub struct NearestCentroid;

/// A fitted [`NearestCentroid`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CentroidModel {
    centroids: Vec<Vec<f64>>,
    task: Task,
}

impl Estimator for NearestCentroid {
    type Model = CentroidModel;
    type Params = NoParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            "testkit.nearest_centroid",
            "nearest centroid",
            ModelFamily::Neighbors,
        )
        .tasks(&[Task::Binary, Task::Multiclass])
        .capabilities(|c| {
            c.probabilities = true;
            c.needs_scaling = true;
        })
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        SearchSpace::new()
    }

    fn fit(&self, data: &Dataset, _params: &NoParams, ctx: &FitContext) -> Result<CentroidModel> {
        data.check_trainable(false)?;
        ctx.check()?;
        let x = data.x().to_dense();
        let (k, p) = (data.n_classes(), data.n_features());
        let mut sums = vec![vec![0.0; p]; k];
        let mut counts = vec![0.0; k];
        for (row, &label) in x.rows().zip(data.y()) {
            let c = label as usize;
            if let (Some(s), Some(n)) = (sums.get_mut(c), counts.get_mut(c)) {
                for (a, b) in s.iter_mut().zip(row) {
                    *a += b;
                }
                *n += 1.0;
            }
        }
        let centroids = sums
            .into_iter()
            .zip(&counts)
            .map(|(s, &n)| {
                if n > 0.0 {
                    s.into_iter().map(|v| v / n).collect()
                } else {
                    vec![f64::INFINITY; p]
                }
            })
            .collect();
        Ok(CentroidModel {
            centroids,
            task: data.task(),
        })
    }
}

impl CentroidModel {
    fn distances(&self, row: &[f64]) -> Vec<f64> {
        self.centroids
            .iter()
            .map(|c| {
                c.iter()
                    .zip(row)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
            })
            .map(|d| if d.is_finite() { d } else { f64::INFINITY })
            .collect()
    }
}

impl Model for CentroidModel {
    fn task(&self) -> Task {
        self.task
    }

    fn n_features(&self) -> usize {
        self.centroids.first().map_or(0, Vec::len)
    }

    fn n_classes(&self) -> usize {
        self.centroids.len()
    }

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        Ok(self.predict_proba(x)?.argmax_rows())
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        check_n_features(x, self.n_features())?;
        let x = x.to_dense();
        let k = self.centroids.len();
        let mut out = Vec::with_capacity(x.n_rows() * k);
        for row in x.rows() {
            let d = self.distances(row);
            let m = d.iter().copied().fold(f64::INFINITY, f64::min);
            let e: Vec<f64> = d.iter().map(|v| (-(v - m) / 2.0).exp()).collect();
            let s: f64 = e.iter().sum();
            out.extend(e.iter().map(|v| v / s));
        }
        Matrix::new(x.n_rows(), k, out)
    }
}

/// Ridge regression solved in closed form on centred data.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ridge;

/// A fitted [`Ridge`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RidgeModel {
    /// Coefficients, one per feature.
    pub coef: Vec<f64>,
    /// Intercept.
    pub intercept: f64,
}

/// Parameters of [`Ridge`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RidgeParams {
    /// The L2 strength, ≥ 0.
    pub alpha: f64,
}

impl Default for RidgeParams {
    fn default() -> Self {
        RidgeParams { alpha: 1.0 }
    }
}

impl Params for RidgeParams {
    fn validate(&self) -> Result<()> {
        check_range("alpha", self.alpha, 0.0, f64::MAX)
    }
}

impl Estimator for Ridge {
    type Model = RidgeModel;
    type Params = RidgeParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new("testkit.ridge", "ridge regression", ModelFamily::Linear)
            .tasks(&[Task::Regression])
            .capabilities(|c| c.needs_scaling = true)
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        SearchSpace::new().log_float("alpha", 1e-6, 1e3, RidgeParams::default().alpha)
    }

    fn fit(&self, data: &Dataset, params: &RidgeParams, ctx: &FitContext) -> Result<RidgeModel> {
        params.validate()?;
        data.check_trainable(false)?;
        ctx.check()?;
        let alpha = params.alpha;
        let x = data.x().to_dense();
        let (n, p) = (x.n_rows() as f64, x.n_cols());
        let mean_x: Vec<f64> = (0..p)
            .map(|j| x.column(j).iter().sum::<f64>() / n)
            .collect();
        let mean_y = data.y().iter().sum::<f64>() / n;
        // Normal equations (XᵀX + αI) w = Xᵀy on centred data, as an augmented matrix.
        let mut a = vec![vec![0.0; p + 1]; p];
        for (row, &y) in x.rows().zip(data.y()) {
            let c: Vec<f64> = row.iter().zip(&mean_x).map(|(v, m)| v - m).collect();
            for (i, ai) in a.iter_mut().enumerate() {
                let ci = c.get(i).copied().unwrap_or(0.0);
                for (j, cj) in c.iter().enumerate() {
                    if let Some(v) = ai.get_mut(j) {
                        *v += ci * cj;
                    }
                }
                if let Some(v) = ai.get_mut(p) {
                    *v += ci * (y - mean_y);
                }
            }
        }
        for (i, ai) in a.iter_mut().enumerate() {
            if let Some(v) = ai.get_mut(i) {
                *v += alpha;
            }
        }
        let coef = solve(a).ok_or_else(|| Error::backend("ridge normal equations are singular"))?;
        let intercept = mean_y - coef.iter().zip(&mean_x).map(|(w, m)| w * m).sum::<f64>();
        Ok(RidgeModel { coef, intercept })
    }
}

/// Gaussian elimination with partial pivoting on an augmented matrix `[A | b]`.
fn solve(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let n = a.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| {
            let vi = a.get(i).and_then(|r| r.get(col)).map_or(0.0, |v| v.abs());
            let vj = a.get(j).and_then(|r| r.get(col)).map_or(0.0, |v| v.abs());
            vi.total_cmp(&vj)
        })?;
        a.swap(col, pivot);
        let prow = a.get(col)?.clone();
        let pv = *prow.get(col)?;
        if pv.abs() < 1e-12 {
            return None;
        }
        for (i, row) in a.iter_mut().enumerate() {
            if i == col {
                continue;
            }
            let f = row.get(col).copied().unwrap_or(0.0) / pv;
            for (v, pvv) in row.iter_mut().zip(&prow) {
                *v -= f * pvv;
            }
        }
    }
    (0..n)
        .map(|i| Some(a.get(i)?.get(n)? / a.get(i)?.get(i)?))
        .collect()
}

impl Model for RidgeModel {
    fn task(&self) -> Task {
        Task::Regression
    }

    fn n_features(&self) -> usize {
        self.coef.len()
    }

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        check_n_features(x, self.coef.len())?;
        let mut out = vec![self.intercept; x.n_rows()];
        for (i, o) in out.iter_mut().enumerate() {
            x.for_each_in_row(i, |j, v| *o += self.coef.get(j).copied().unwrap_or(0.0) * v);
        }
        Ok(out)
    }

    fn feature_importances(&self) -> Option<Vec<f64>> {
        Some(self.coef.iter().map(|c| c.abs()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::make_regression;

    #[test]
    fn ridge_recovers_weights() {
        let (x, y, w) = make_regression(400, 4, 4, 0.0, 1);
        let d = Dataset::regression(x.into(), y).unwrap();
        let m = Ridge
            .fit(&d, &RidgeParams { alpha: 1e-6 }, &FitContext::new(0))
            .unwrap();
        for (a, b) in m.coef.iter().zip(&w) {
            assert!((a - b).abs() < 1e-4, "{:?} vs {:?}", m.coef, w);
        }
    }
}
