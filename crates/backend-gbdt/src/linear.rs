//! L2-regularised logistic regression on sparse (or dense) input: what text features need.
//!
//! Binary tasks fit one weight vector with the logistic loss, multiclass tasks the multinomial
//! (softmax) loss; both minimise `C · Σ wᵢ · loss(xᵢ) + ½‖w‖²` (sklearn's convention; the bias
//! is not penalised) with L-BFGS and a backtracking line search. Each gradient costs one pass
//! over the non-zero entries, so 4,000 documents × 30,000 TF-IDF terms fit in a fraction of a
//! second. Deterministic: no randomness at all.

use mlpilot_core::tree::Link;
use mlpilot_core::{
    ArrayStep, CostModel, DataShape, Dataset, DefaultUse, Estimator, EstimatorInfo, ExportForm,
    Features, FitContext, Matrix, Model, ModelFamily, ParamSet, Params, Result, SearchSpace, Task,
    TextUse, check_range,
};
use mlpilot_core::{sigmoid, softmax_in_place};
use serde::{Deserialize, Serialize};

/// Sparse logistic regression (`gbdt.sparse_logistic`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SparseLogistic;

/// A fitted [`SparseLogistic`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    /// Weights, one row of `n_features` per output (1 for binary, one per class otherwise).
    pub weights: Vec<f64>,
    /// One bias per output.
    pub bias: Vec<f64>,
    /// Input columns.
    pub n_features: usize,
    /// Classes.
    pub n_classes: usize,
    /// The task.
    pub task: Task,
    /// Per-feature scale applied before the weights (naive-Bayes log-count ratios), if used.
    #[serde(default)]
    pub scale: Option<Vec<f64>>,
}

/// Visits row `i`'s non-zero entries.
fn for_row(x: &Features, i: usize, mut f: impl FnMut(usize, f64)) {
    match x {
        Features::Dense(m) => {
            if let Some(r) = m.row(i) {
                for (j, v) in r.iter().enumerate() {
                    if *v != 0.0 {
                        f(j, *v);
                    }
                }
            }
        }
        Features::Sparse(s) => {
            let (idx, vals) = s.row(i);
            for (j, v) in idx.iter().zip(vals) {
                f(*j as usize, *v);
            }
        }
    }
}

/// The objective and its gradient at `theta` (weights then biases).
struct Problem<'a> {
    x: &'a Features,
    scale: Option<&'a [f64]>,
    y: &'a [f64],
    w: Option<&'a [f64]>,
    d: usize,
    k: usize,
    c: f64,
}

impl Problem<'_> {
    fn eval(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let (d, k) = (self.d, self.k);
        let (wts, bias) = theta.split_at(d * k);
        grad.iter_mut().for_each(|g| *g = 0.0);
        let (gw, gb) = grad.split_at_mut(d * k);
        let mut loss = 0.0;
        let mut z = vec![0.0; k];
        for (i, &yi) in self.y.iter().enumerate() {
            let wi = self.w.and_then(|w| w.get(i).copied()).unwrap_or(1.0) * self.c;
            z.copy_from_slice(bias);
            let scale = self.scale;
            let sv = |j: usize, v: f64| scale.and_then(|s| s.get(j)).map_or(v, |s| s * v);
            for_row(self.x, i, |j, v| {
                let v = sv(j, v);
                for (o, zo) in z.iter_mut().enumerate() {
                    *zo += wts.get(o * d + j).copied().unwrap_or(0.0) * v;
                }
            });
            if k == 1 {
                let zz = z.first().copied().unwrap_or(0.0);
                let t = yi;
                // log(1 + e^z) − t·z, computed stably.
                loss += wi * (zz.max(0.0) + (-zz.abs()).exp().ln_1p() - t * zz);
                if let Some(r) = z.first_mut() {
                    *r = wi * (sigmoid(zz) - t);
                }
            } else {
                let cls = yi as usize;
                let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
                loss += wi * (lse - z.get(cls).copied().unwrap_or(0.0));
                softmax_in_place(&mut z);
                for (o, r) in z.iter_mut().enumerate() {
                    *r = wi * (*r - if o == cls { 1.0 } else { 0.0 });
                }
            }
            for (o, r) in z.iter().enumerate() {
                if let Some(g) = gb.get_mut(o) {
                    *g += r;
                }
            }
            for_row(self.x, i, |j, v| {
                let v = sv(j, v);
                for (o, r) in z.iter().enumerate() {
                    if let Some(g) = gw.get_mut(o * d + j) {
                        *g += r * v;
                    }
                }
            });
        }
        // ½‖w‖² (biases unpenalised).
        for (g, w) in gw.iter_mut().zip(wts) {
            *g += w;
            loss += 0.5 * w * w;
        }
        loss
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimises with L-BFGS (memory 10) and Armijo backtracking; stops on a small gradient, a
/// stalled objective, `max_iter` or the fit context.
fn lbfgs(
    p: &Problem<'_>,
    n: usize,
    max_iter: usize,
    tol: f64,
    ctx: &FitContext,
) -> Result<Vec<f64>> {
    let mut x = vec![0.0; n];
    let mut g = vec![0.0; n];
    let mut f = p.eval(&x, &mut g);
    let mem = 10;
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let g0 = dot(&g, &g).sqrt().max(1e-12);
    for _ in 0..max_iter {
        ctx.check()?;
        if dot(&g, &g).sqrt() <= tol * g0 {
            break;
        }
        // Two-loop recursion: direction = −H·g.
        let mut q = g.clone();
        let mut alphas = Vec::with_capacity(s_hist.len());
        for (s, y) in s_hist.iter().zip(&y_hist).rev() {
            let rho = 1.0 / dot(y, s);
            let a = rho * dot(s, &q);
            for (qi, yi) in q.iter_mut().zip(y) {
                *qi -= a * yi;
            }
            alphas.push((a, rho));
        }
        let gamma = match (s_hist.last(), y_hist.last()) {
            (Some(s), Some(y)) => dot(s, y) / dot(y, y),
            _ => 1.0 / g0,
        };
        q.iter_mut().for_each(|v| *v *= gamma);
        for ((s, y), (a, rho)) in s_hist.iter().zip(&y_hist).zip(alphas.into_iter().rev()) {
            let b = rho * dot(y, &q);
            for (qi, si) in q.iter_mut().zip(s) {
                *qi += (a - b) * si;
            }
        }
        let dir: Vec<f64> = q.iter().map(|v| -v).collect();
        let slope = dot(&g, &dir);
        if slope >= 0.0 {
            // Not a descent direction: restart from steepest descent.
            s_hist.clear();
            y_hist.clear();
            continue;
        }
        let mut step = 1.0;
        let mut accepted = false;
        for _ in 0..30 {
            for ((xn, xi), di) in x_new.iter_mut().zip(&x).zip(&dir) {
                *xn = xi + step * di;
            }
            let f_new = p.eval(&x_new, &mut g_new);
            if f_new <= f + 1e-4 * step * slope {
                let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
                let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
                let improvement = f - f_new;
                if dot(&s, &y) > 1e-12 {
                    s_hist.push(s);
                    y_hist.push(y);
                    if s_hist.len() > mem {
                        s_hist.remove(0);
                        y_hist.remove(0);
                    }
                }
                std::mem::swap(&mut x, &mut x_new);
                std::mem::swap(&mut g, &mut g_new);
                f = f_new;
                accepted = true;
                if improvement <= 1e-10 * f.abs().max(1.0) {
                    return Ok(x);
                }
                break;
            }
            step *= 0.5;
        }
        if !accepted {
            break;
        }
    }
    Ok(x)
}

/// Parameters of [`SparseLogistic`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SparseLogisticParams {
    /// Inverse L2 strength (scikit-learn's `C`), positive.
    pub c: f64,
    /// L-BFGS iterations, at least 1.
    pub max_iter: usize,
    /// Scale each feature by its naive-Bayes log-count ratio first (NB-SVM; binary tasks only).
    /// Written `"on"`/`"off"` in a parameter set.
    #[serde(with = "on_off")]
    pub nb_scale: bool,
}

impl Default for SparseLogisticParams {
    fn default() -> Self {
        SparseLogisticParams {
            c: 2.0,
            max_iter: 200,
            nb_scale: false,
        }
    }
}

impl Params for SparseLogisticParams {
    fn validate(&self) -> Result<()> {
        check_range("c", self.c, f64::MIN_POSITIVE, f64::MAX)?;
        check_range("max_iter", self.max_iter, 1, 1 << 20)
    }
}

/// A switch written `"on"`/`"off"` (the search space's categorical choices).
mod on_off {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if *v { "on" } else { "off" })
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        match String::deserialize(d)?.as_str() {
            "on" => Ok(true),
            "off" => Ok(false),
            other => Err(D::Error::custom(format!(
                "`{other}` is not a switch; use \"on\" or \"off\""
            ))),
        }
    }
}

impl Estimator for SparseLogistic {
    type Model = LogisticModel;
    type Params = SparseLogisticParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            "gbdt.sparse_logistic",
            "logistic regression (sparse input)",
            ModelFamily::Linear,
        )
        .tasks(&[Task::Binary, Task::Multiclass])
        .capabilities(|c| {
            c.exportable = true;
            c.probabilities = true;
            c.sample_weights = true;
            c.needs_scaling = true;
            c.sparse = true;
            c.deterministic = true;
        })
        .cost(CostModel::new(0.01).per_class().driver("max_iter", 200.0))
    }

    fn starting_points(&self, _task: Task, _shape: DataShape) -> Vec<ParamSet> {
        vec![
            ParamSet::new().with("c", 1.0),
            ParamSet::new().with("c", 20.0),
        ]
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        let d = SparseLogisticParams::default();
        SearchSpace::new()
            .log_float("c", 1e-3, 1e3, d.c)
            .log_int(
                "max_iter",
                20,
                1000,
                i64::try_from(d.max_iter).unwrap_or(1000),
            )
            .categorical(
                "nb_scale",
                &["off", "on"],
                if d.nb_scale { "on" } else { "off" },
            )
    }

    fn fit(
        &self,
        data: &Dataset,
        params: &SparseLogisticParams,
        ctx: &FitContext,
    ) -> Result<LogisticModel> {
        params
            .validate()
            .map_err(|e| e.prefixed(&Estimator::info(self).id))?;
        data.check_trainable(false)?;
        let (c, max_iter) = (params.c, params.max_iter);
        let d = data.n_features();
        let nc = data.n_classes();
        let k = if nc <= 2 { 1 } else { nc };
        let scale = (k == 1 && params.nb_scale).then(|| nb_ratios(data.x(), data.y(), d));
        let p = Problem {
            x: data.x(),
            scale: scale.as_deref(),
            y: data.y(),
            w: data.weights(),
            d,
            k,
            c,
        };
        let theta = lbfgs(&p, d * k + k, max_iter, 1e-5, ctx)?;
        let (w, b) = theta.split_at(d * k);
        Ok(LogisticModel {
            weights: w.to_vec(),
            bias: b.to_vec(),
            n_features: d,
            n_classes: nc,
            task: data.task(),
            scale,
        })
    }
}

/// Naive-Bayes log-count ratios `ln((p/‖p‖₁)/(q/‖q‖₁))` of each feature between the positive
/// and negative rows (smoothed by 1), as in NB-SVM (Wang and Manning, 2012); features keep
/// their sign and scale otherwise.
fn nb_ratios(x: &Features, y: &[f64], d: usize) -> Vec<f64> {
    let mut p = vec![1.0; d];
    let mut q = vec![1.0; d];
    for (i, &t) in y.iter().enumerate() {
        let acc = if t >= 0.5 { &mut p } else { &mut q };
        for_row(x, i, |j, v| {
            if let Some(a) = acc.get_mut(j) {
                *a += v.abs();
            }
        });
    }
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    p.iter()
        .zip(&q)
        .map(|(a, b)| ((a / sp) / (b / sq)).ln())
        .collect()
}

impl LogisticModel {
    fn scores(&self, x: &Features) -> Result<Matrix> {
        mlpilot_core::estimator::check_n_features(x, self.n_features)?;
        let k = self.bias.len();
        let n = x.n_rows();
        let mut out = Vec::with_capacity(n * self.n_classes.max(2));
        let mut z = vec![0.0; k];
        for i in 0..n {
            z.copy_from_slice(&self.bias);
            for_row(x, i, |j, v| {
                let v = self
                    .scale
                    .as_ref()
                    .and_then(|s| s.get(j))
                    .map_or(v, |s| s * v);
                for (o, zo) in z.iter_mut().enumerate() {
                    *zo += self
                        .weights
                        .get(o * self.n_features + j)
                        .copied()
                        .unwrap_or(0.0)
                        * v;
                }
            });
            if k == 1 {
                let p = sigmoid(z.first().copied().unwrap_or(0.0));
                out.extend([1.0 - p, p]);
            } else {
                softmax_in_place(&mut z);
                out.extend_from_slice(&z);
            }
        }
        Matrix::new(n, self.n_classes.max(2), out)
    }

    /// The weight of feature `j` towards class `class` (for binary models, towards class 1;
    /// class 0 gets its negative).
    pub fn coefficient(&self, class: usize, j: usize) -> f64 {
        self.feature_scale(j) * self.raw_coefficient(class, j)
    }

    /// The per-feature scale applied before the weights (1 without one).
    fn feature_scale(&self, j: usize) -> f64 {
        self.scale
            .as_ref()
            .and_then(|s| s.get(j))
            .copied()
            .unwrap_or(1.0)
    }

    fn raw_coefficient(&self, class: usize, j: usize) -> f64 {
        if self.bias.len() == 1 {
            let w = self.weights.get(j).copied().unwrap_or(0.0);
            if class == 1 { w } else { -w }
        } else {
            self.weights
                .get(class * self.n_features + j)
                .copied()
                .unwrap_or(0.0)
        }
    }
}

impl Model for LogisticModel {
    mlpilot_core::shape_from_fields!();

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        let p = self.predict_proba(x)?;
        Ok(p.argmax_rows())
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        self.scores(x)
    }

    fn export_form(&self) -> Option<ExportForm> {
        // Dense weights `features × outputs`, the per-feature scale folded in.
        let k = self.bias.len();
        let data = (0..self.n_features)
            .flat_map(|j| (0..k).map(move |o| (j, o)))
            .map(|(j, o)| {
                self.feature_scale(j)
                    * self
                        .weights
                        .get(o * self.n_features + j)
                        .copied()
                        .unwrap_or(0.0)
            })
            .collect();
        Some(ExportForm::Steps {
            steps: vec![ArrayStep::Dense {
                weights: Matrix::new(self.n_features, k, data).ok()?,
                bias: self.bias.clone(),
            }],
            link: if k == 1 {
                Link::Logistic
            } else {
                Link::Softmax
            },
        })
    }

    fn linear_coefficients(&self) -> Option<Matrix> {
        let k = self.n_classes.max(2);
        let data = (0..k)
            .flat_map(|c| (0..self.n_features).map(move |j| (c, j)))
            .map(|(c, j)| self.coefficient(c, j))
            .collect();
        Matrix::new(k, self.n_features, data).ok()
    }

    fn feature_importances(&self) -> Option<Vec<f64>> {
        Some(
            (0..self.n_features)
                .map(|j| {
                    (0..self.n_classes.max(2))
                        .map(|o| self.coefficient(o, j).abs())
                        .sum::<f64>()
                })
                .collect(),
        )
    }
}

/// Multinomial naive Bayes on non-negative (count or TF-IDF) features
/// (`gbdt.multinomial_nb`): class log-priors plus per-class feature log-probabilities with
/// additive smoothing `alpha`. Negative inputs (scaled numbers) are clipped to zero.
#[derive(Debug, Clone, Copy, Default)]
pub struct MultinomialNb;

/// A fitted [`MultinomialNb`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultinomialNbModel {
    /// `log P(feature | class)`, classes × features.
    pub log_prob: Vec<f64>,
    /// `log P(class)`.
    pub log_prior: Vec<f64>,
    /// Input columns.
    pub n_features: usize,
    /// The task.
    pub task: Task,
}

/// Parameters of [`MultinomialNb`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MultinomialNbParams {
    /// Additive (Lidstone) smoothing of the feature counts, positive.
    pub alpha: f64,
}

impl Default for MultinomialNbParams {
    fn default() -> Self {
        MultinomialNbParams { alpha: 0.1 }
    }
}

impl Params for MultinomialNbParams {
    fn validate(&self) -> Result<()> {
        check_range("alpha", self.alpha, f64::MIN_POSITIVE, f64::MAX)
    }
}

impl Estimator for MultinomialNb {
    type Model = MultinomialNbModel;
    type Params = MultinomialNbParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            "gbdt.multinomial_nb",
            "multinomial naive Bayes (sparse input)",
            ModelFamily::NaiveBayes,
        )
        .tasks(&[Task::Binary, Task::Multiclass])
        .capabilities(|c| {
            c.exportable = true;
            c.probabilities = true;
            c.sample_weights = true;
            c.needs_scaling = true;
            c.sparse = true;
            c.deterministic = true;
        })
        .cost(CostModel::new(0.002).per_class())
        .default_use(DefaultUse {
            text: TextUse::Only,
            ..DefaultUse::default()
        })
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        SearchSpace::new().log_float("alpha", 1e-3, 10.0, MultinomialNbParams::default().alpha)
    }

    fn fit(
        &self,
        data: &Dataset,
        params: &MultinomialNbParams,
        ctx: &FitContext,
    ) -> Result<MultinomialNbModel> {
        params
            .validate()
            .map_err(|e| e.prefixed(&Estimator::info(self).id))?;
        data.check_trainable(false)?;
        ctx.check()?;
        let alpha = params.alpha;
        let d = data.n_features();
        let k = data.n_classes().max(2);
        let mut counts = vec![0.0; k * d];
        let mut prior = vec![0.0; k];
        for (i, &y) in data.y().iter().enumerate() {
            let c = y as usize;
            let w = data
                .weights()
                .and_then(|w| w.get(i).copied())
                .unwrap_or(1.0);
            if let Some(p) = prior.get_mut(c) {
                *p += w;
            }
            for_row(data.x(), i, |j, v| {
                if let Some(a) = counts.get_mut(c * d + j) {
                    *a += w * v.max(0.0);
                }
            });
        }
        let total_prior: f64 = prior.iter().sum();
        let log_prior = prior
            .iter()
            .map(|p| (p.max(1e-12) / total_prior.max(1e-12)).ln())
            .collect();
        let mut log_prob = vec![0.0; k * d];
        for c in 0..k {
            let row = counts.get(c * d..(c + 1) * d).unwrap_or(&[]);
            let total: f64 = row.iter().sum::<f64>() + alpha * d as f64;
            for (j, v) in row.iter().enumerate() {
                if let Some(slot) = log_prob.get_mut(c * d + j) {
                    *slot = ((v + alpha) / total).ln();
                }
            }
        }
        Ok(MultinomialNbModel {
            log_prob,
            log_prior,
            n_features: d,
            task: data.task(),
        })
    }
}

impl Model for MultinomialNbModel {
    fn task(&self) -> Task {
        self.task
    }

    fn n_features(&self) -> usize {
        self.n_features
    }

    fn n_classes(&self) -> usize {
        self.log_prior.len()
    }

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        let p = self.predict_proba(x)?;
        Ok(p.argmax_rows())
    }

    fn export_form(&self) -> Option<ExportForm> {
        let k = self.log_prior.len();
        let d = self.n_features;
        let data = (0..d)
            .flat_map(|j| (0..k).map(move |c| (j, c)))
            .map(|(j, c)| self.log_prob.get(c * d + j).copied().unwrap_or(0.0))
            .collect();
        Some(ExportForm::Steps {
            // Negative inputs are clipped to zero, as in `predict_proba`.
            steps: vec![
                ArrayStep::Relu,
                ArrayStep::Dense {
                    weights: Matrix::new(d, k, data).ok()?,
                    bias: self.log_prior.clone(),
                },
            ],
            link: Link::Softmax,
        })
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        mlpilot_core::estimator::check_n_features(x, self.n_features)?;
        let k = self.log_prior.len();
        let d = self.n_features;
        let n = x.n_rows();
        let mut out = Vec::with_capacity(n * k);
        let mut z = vec![0.0; k];
        for i in 0..n {
            z.copy_from_slice(&self.log_prior);
            for_row(x, i, |j, v| {
                let v = v.max(0.0);
                for (c, zc) in z.iter_mut().enumerate() {
                    *zc += v * self.log_prob.get(c * d + j).copied().unwrap_or(0.0);
                }
            });
            softmax_in_place(&mut z);
            out.extend_from_slice(&z);
        }
        Matrix::new(n, k, out)
    }
}
