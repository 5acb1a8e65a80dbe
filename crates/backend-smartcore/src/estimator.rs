//! The estimators: each fits one smartcore algorithm and converts the result into a model of
//! [`crate::model`].
//!
//! Every `fit` follows the same steps: refuse a task the estimator does not declare, check the
//! data ([`training_matrix`]: rows, classes, finite values, columns), validate the parameters
//! against the search space (filling defaults), check the context's deadline and cancel flag,
//! guard the inputs smartcore would panic on, then call smartcore inside [`guarded`] so a panic
//! that slips through still becomes an error.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use mlpilot_core::tree::{Aggregation, Link, TreeEnsemble, TreeView};
use mlpilot_core::{
    CostModel, DataShape, Dataset, DefaultUse, Error, Estimator, EstimatorInfo, FitContext, Matrix,
    ModelFamily, NoParams, ParamSet, Params, ProgressEvent, Result, Rng, SearchSpace, Task,
    TextUse,
};
use smartcore::linalg::basic::matrix::DenseMatrix;

use crate::convert::{self, labels, normalise, our_classes, to_dense, training_matrix};
use crate::error::{failed, guarded, guarded_result};
use crate::model::{
    GaussianNbModel, Kernel, KernelMachine, KnnInner, KnnModel, LinearModel, LogisticModel,
    SvmKind, SvmModel, TreeModel, check_ensemble,
};
use crate::params::{
    self, DecisionTreeParams, ElasticNetParams, ForestParams, GaussianNbParams, KnnParams,
    KnnWeights, LassoParams, LogisticParams, RidgeParams, SvmParams, features_per_split,
};

const CLASSIFICATION: &[Task] = &[Task::Binary, Task::Multiclass];
const ALL_TASKS: &[Task] = &[Task::Binary, Task::Multiclass, Task::Regression];
const REGRESSION: &[Task] = &[Task::Regression];

/// The checks every fit starts with (the task, the parameters, the rows, the context); returns
/// the training rows.
fn prepare<'a, E: Estimator>(
    est: &E,
    data: &'a Dataset,
    params: &E::Params,
    ctx: &FitContext,
) -> Result<Cow<'a, Matrix>> {
    let info = est.info();
    if !info.capabilities.supports(data.task()) {
        return Err(Error::unsupported(format!(
            "{} does not fit {} tasks",
            info.id,
            data.task()
        )));
    }
    params.validate().map_err(|e| e.prefixed(&info.id))?;
    let x = training_matrix(data)?;
    ctx.check()?;
    Ok(x)
}

/// Column means of `x`.
fn column_means(x: &Matrix) -> Vec<f64> {
    let n = x.n_rows().max(1) as f64;
    let mut means = vec![0.0; x.n_cols()];
    for row in x.rows() {
        for (m, v) in means.iter_mut().zip(row) {
            *m += v;
        }
    }
    means.iter_mut().for_each(|m| *m /= n);
    means
}

/// Population variance of each column of `x`.
fn column_variances(x: &Matrix, means: &[f64]) -> Vec<f64> {
    let n = x.n_rows().max(1) as f64;
    let mut vars = vec![0.0; x.n_cols()];
    for row in x.rows() {
        for ((s, v), m) in vars.iter_mut().zip(row).zip(means) {
            *s += (v - m) * (v - m);
        }
    }
    vars.iter_mut().for_each(|s| *s /= n);
    vars
}

/// Mean and population standard deviation of `y`.
fn mean_std(y: &[f64]) -> (f64, f64) {
    let n = y.len().max(1) as f64;
    let mean = y.iter().sum::<f64>() / n;
    let var = y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// `x` with its column means subtracted, and the means.
fn centred(x: &Matrix) -> (Vec<f64>, Vec<f64>) {
    let means = column_means(x);
    let mut data = Vec::with_capacity(x.n_rows() * x.n_cols());
    for row in x.rows() {
        data.extend(row.iter().zip(&means).map(|(v, m)| v - m));
    }
    (data, means)
}

/// The intercept that makes a model fitted on centred data predict the means.
fn intercept_for(y_mean: f64, x_means: &[f64], coef: &[f64]) -> f64 {
    y_mean - coef.iter().zip(x_means).map(|(w, m)| w * m).sum::<f64>()
}

/// The values of a smartcore matrix, row by row.
fn values(m: &DenseMatrix<f64>) -> Vec<f64> {
    use smartcore::linalg::basic::arrays::Array;
    m.iterator(0).copied().collect()
}

/// A regression target as a constant: no smartcore call needed (and several of its solvers
/// divide by the target's spread).
fn constant_model(x: &Matrix, y_mean: f64) -> Result<LinearModel> {
    LinearModel::new(vec![0.0; x.n_cols()], y_mean)
}

// ---------------------------------------------------------------------------------------------

/// Ordinary least squares (`smartcore.linear_regression`), solved by smartcore's SVD.
///
/// Needs more rows than features; use [`Ridge`] otherwise.
#[derive(Debug, Clone, Copy, Default)]
pub struct LinearRegression;

impl Estimator for LinearRegression {
    type Model = LinearModel;
    type Params = NoParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            "smartcore.linear_regression",
            "linear regression",
            ModelFamily::Linear,
        )
        .tasks(REGRESSION)
        .capabilities(|c| {
            c.needs_scaling = true;
            c.exportable = true;
        })
        .cost(CostModel::new(0.005).exponents(1.0, 2.0))
        .default_use(DefaultUse::off())
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        params::linear_regression_space()
    }

    fn fit(&self, data: &Dataset, params: &NoParams, ctx: &FitContext) -> Result<LinearModel> {
        use smartcore::linear::linear_regression::{
            LinearRegression as Ols, LinearRegressionParameters,
        };
        let x = prepare(self, data, params, ctx)?;
        let (n, p) = (x.n_rows(), x.n_cols());
        if n < p + 1 {
            return Err(Error::invalid_input(format!(
                "ordinary least squares needs more rows than features ({n} rows, {p} features); \
                 use smartcore.ridge instead"
            )));
        }
        let dense = to_dense(&x)?;
        let y = data.y().to_vec();
        let m = guarded("fit the linear regression", || {
            Ols::<f64, f64, DenseMatrix<f64>, Vec<f64>>::fit(
                &dense,
                &y,
                LinearRegressionParameters::default(),
            )
        })?;
        LinearModel::new(values(m.coefficients()), *m.intercept())
    }
}

/// Ridge regression (`smartcore.ridge`): least squares with an L2 penalty `alpha`.
///
/// Inputs and target are centred here (no normalisation, as scikit-learn's `Ridge`), the normal
/// equations `(XᵀX + αI) w = Xᵀy` are built in one pass over the rows, and smartcore solves
/// them by Cholesky (SVD when the system is nearly singular). The cost is `n·p²/2` for the
/// product plus `p³/3` for the solve: milliseconds for thousands of rows × hundreds of columns.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ridge;

impl Estimator for Ridge {
    type Model = LinearModel;
    type Params = RidgeParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new("smartcore.ridge", "ridge regression", ModelFamily::Linear)
            .tasks(REGRESSION)
            .capabilities(|c| {
                c.needs_scaling = true;
                c.exportable = true;
            })
            .cost(CostModel::new(0.002).exponents(1.0, 2.0))
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        params::ridge_space()
    }

    fn starting_points(&self, _task: Task, _shape: DataShape) -> Vec<ParamSet> {
        vec![
            ParamSet::new().with("alpha", 10.0),
            ParamSet::new().with("alpha", 0.1),
        ]
    }

    fn fit(&self, data: &Dataset, params: &RidgeParams, ctx: &FitContext) -> Result<LinearModel> {
        use smartcore::linalg::traits::cholesky::CholeskyDecomposable;
        use smartcore::linalg::traits::svd::SVDDecomposable;
        let x = prepare(self, data, params, ctx)?;
        let alpha = params.alpha;
        let p = x.n_cols();
        let (xc, x_means) = centred(&x);
        let (y_mean, _) = mean_std(data.y());
        let yc: Vec<f64> = data.y().iter().map(|v| v - y_mean).collect();
        // The normal equations (XᵀX + αI) w = Xᵀy, built here in one cache-friendly pass over
        // the rows (smartcore's generic matrix product is what made ridge slow on wide one-hot
        // designs); smartcore then solves the p × p system.
        let (mut gram, xty) = normal_equations(&xc, &yc, p);
        for j in 0..p {
            if let Some(g) = gram.get_mut(j * p + j) {
                *g += alpha;
            }
        }
        ctx.check()?;
        let a = DenseMatrix::new(p, p, gram, false)
            .map_err(|e| Error::internal("could not build a smartcore matrix").with_source(e))?;
        let b = DenseMatrix::new(p, 1, xty, false)
            .map_err(|e| Error::internal("could not build a smartcore matrix").with_source(e))?;
        // Cholesky is fast; SVD copes with the nearly singular systems a tiny alpha gives.
        let w = guarded("solve the ridge normal equations", || {
            a.clone().cholesky_solve_mut(b.clone())
        })
        .or_else(|_| guarded("solve the ridge normal equations", || a.svd_solve_mut(b)))?;
        let coef = values(&w);
        if coef.iter().any(|c| !c.is_finite()) {
            return Err(Error::backend(
                "ridge regression produced non-finite coefficients; raise alpha",
            ));
        }
        let intercept = intercept_for(y_mean, &x_means, &coef);
        LinearModel::new(coef, intercept)
    }
}

/// `XᵀX` (row-major, `p × p`) and `Xᵀy` of a row-major `n × p` matrix.
fn normal_equations(x: &[f64], y: &[f64], p: usize) -> (Vec<f64>, Vec<f64>) {
    let mut gram = vec![0.0; p * p];
    let mut xty = vec![0.0; p];
    if p == 0 {
        return (gram, xty);
    }
    for (row, &t) in x.chunks_exact(p).zip(y) {
        for (i, &xi) in row.iter().enumerate() {
            if let Some(v) = xty.get_mut(i) {
                *v += xi * t;
            }
            if xi == 0.0 {
                continue;
            }
            // Upper triangle only; mirrored below.
            if let (Some(g), Some(tail)) = (gram.get_mut(i * p + i..(i + 1) * p), row.get(i..)) {
                for (gij, &xj) in g.iter_mut().zip(tail) {
                    *gij += xi * xj;
                }
            }
        }
    }
    for i in 0..p {
        for j in 0..i {
            let upper = gram.get(j * p + i).copied().unwrap_or(0.0);
            if let Some(g) = gram.get_mut(i * p + j) {
                *g = upper;
            }
        }
    }
    (gram, xty)
}

/// Fits an L1 (or elastic-net) penalised regression on centred inputs and a standardised
/// target, then maps the coefficients back to the original scale.
fn fit_sparse_linear(
    x: &Matrix,
    y: &[f64],
    alpha: f64,
    l1_ratio: f64,
    lasso: bool,
) -> Result<LinearModel> {
    use smartcore::linear::elastic_net::{ElasticNet, ElasticNetParameters};
    use smartcore::linear::lasso::{Lasso, LassoParameters};
    let (n, p) = (x.n_rows(), x.n_cols());
    let (y_mean, y_std) = mean_std(y);
    if !(y_std > 0.0 && y_std.is_finite()) {
        return constant_model(x, y_mean);
    }
    let (xc, x_means) = centred(x);
    let ys: Vec<f64> = y.iter().map(|v| (v - y_mean) / y_std).collect();
    let dense = DenseMatrix::new(n, p, xc, false)
        .map_err(|e| Error::internal("could not build a smartcore matrix").with_source(e))?;
    let coef = if lasso && n >= p {
        let m = guarded("fit the lasso", || {
            Lasso::<f64, f64, DenseMatrix<f64>, Vec<f64>>::fit(
                &dense,
                &ys,
                LassoParameters::default()
                    .with_alpha(alpha)
                    .with_normalize(false)
                    .with_fit_intercept(false),
            )
        })?;
        values(m.coefficients())
    } else {
        // smartcore's lasso refuses fewer rows than features; its elastic net with an L1 share
        // of 1 minimises the same objective (on a centred target) without that limit.
        let l1_ratio = if lasso { 1.0 } else { l1_ratio };
        let what = if lasso {
            "fit the lasso"
        } else {
            "fit the elastic net"
        };
        let m = guarded(what, || {
            ElasticNet::<f64, f64, DenseMatrix<f64>, Vec<f64>>::fit(
                &dense,
                &ys,
                ElasticNetParameters::default()
                    .with_alpha(alpha)
                    .with_l1_ratio(l1_ratio)
                    .with_normalize(false),
            )
        })?;
        values(m.coefficients())
    };
    let coef: Vec<f64> = coef.into_iter().map(|w| w * y_std).collect();
    let intercept = intercept_for(y_mean, &x_means, &coef);
    LinearModel::new(coef, intercept)
}

/// The lasso (`smartcore.lasso`): least squares with an L1 penalty `alpha`, solved by
/// smartcore's interior-point method.
///
/// `alpha` is relative to a unit-variance target (the target is standardised for the fit), so
/// one range suits every dataset; smartcore minimises `‖Xw − y‖² + alpha · n · ‖w‖₁`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lasso;

impl Estimator for Lasso {
    type Model = LinearModel;
    type Params = LassoParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new("smartcore.lasso", "lasso", ModelFamily::Linear)
            .tasks(REGRESSION)
            .capabilities(|c| {
                c.needs_scaling = true;
                c.exportable = true;
            })
            .cost(CostModel::new(0.05).exponents(1.0, 2.0))
            .default_use(DefaultUse::off())
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        params::lasso_space()
    }

    fn fit(&self, data: &Dataset, params: &LassoParams, ctx: &FitContext) -> Result<LinearModel> {
        let x = prepare(self, data, params, ctx)?;
        fit_sparse_linear(&x, data.y(), params.alpha, 1.0, true)
    }
}

/// The elastic net (`smartcore.elastic_net`): a penalty `alpha` split between L1
/// (`l1_ratio`) and L2, on a standardised target like [`Lasso`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ElasticNet;

impl Estimator for ElasticNet {
    type Model = LinearModel;
    type Params = ElasticNetParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new("smartcore.elastic_net", "elastic net", ModelFamily::Linear)
            .tasks(REGRESSION)
            .capabilities(|c| {
                c.needs_scaling = true;
                c.exportable = true;
            })
            .cost(CostModel::new(0.05).exponents(1.0, 2.0))
            .default_use(DefaultUse::off())
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        params::elastic_net_space()
    }

    fn fit(
        &self,
        data: &Dataset,
        params: &ElasticNetParams,
        ctx: &FitContext,
    ) -> Result<LinearModel> {
        let x = prepare(self, data, params, ctx)?;
        fit_sparse_linear(&x, data.y(), params.alpha, params.l1_ratio, false)
    }
}

/// Logistic regression (`smartcore.logistic_regression`), binary or multinomial, fitted by
/// smartcore's L-BFGS with an L2 penalty `alpha` (1/C in scikit-learn's terms).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogisticRegression;

impl Estimator for LogisticRegression {
    type Model = LogisticModel;
    type Params = LogisticParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            "smartcore.logistic_regression",
            "logistic regression",
            ModelFamily::Linear,
        )
        .tasks(CLASSIFICATION)
        .capabilities(|c| {
            c.exportable = true;
            c.probabilities = true;
            c.needs_scaling = true;
        })
        .cost(CostModel::new(0.02).per_class())
        .default_use(DefaultUse::off())
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        params::logistic_space()
    }

    fn fit(
        &self,
        data: &Dataset,
        params: &LogisticParams,
        ctx: &FitContext,
    ) -> Result<LogisticModel> {
        use smartcore::linear::logistic_regression::{
            LogisticRegression as Lr, LogisticRegressionParameters,
        };
        let x = prepare(self, data, params, ctx)?;
        let alpha = params.alpha;
        let dense = to_dense(&x)?;
        let y = labels(data);
        let m = guarded("fit the logistic regression", || {
            Lr::<f64, u32, DenseMatrix<f64>, Vec<u32>>::fit(
                &dense,
                &y,
                LogisticRegressionParameters::default().with_alpha(alpha),
            )
        })?;
        let classes = our_classes(m.classes(), data.n_classes())?;
        let coef_m = m.coefficients();
        let (rows, cols) = smartcore::linalg::basic::arrays::Array::shape(coef_m);
        let flat = values(coef_m);
        let coef: Vec<Vec<f64>> = flat.chunks(cols.max(1)).map(<[f64]>::to_vec).collect();
        let intercept = values(m.intercept());
        if coef.len() != rows {
            return Err(Error::backend(
                "smartcore's logistic regression returned coefficients of an unexpected shape",
            ));
        }
        LogisticModel::new(
            data.task(),
            data.n_classes(),
            x.n_cols(),
            classes,
            coef,
            intercept,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Trees

/// Trees converted from one smartcore fit.
struct Grown {
    trees: Vec<TreeView>,
    /// Sum of the trees' normalised importances.
    importances: Vec<f64>,
}

/// Assembles a [`TreeModel`] from grown trees.
fn tree_model(data: &Dataset, grown: Vec<Grown>) -> Result<TreeModel> {
    let p = data.n_features();
    let classification = data.task().is_classification();
    let mut trees = Vec::new();
    let mut importances = vec![0.0; p];
    for g in grown {
        trees.extend(g.trees);
        for (a, b) in importances.iter_mut().zip(g.importances) {
            *a += b;
        }
    }
    let n_outputs = if classification { data.n_classes() } else { 1 };
    let ensemble = TreeEnsemble {
        trees,
        n_outputs,
        base: vec![0.0; n_outputs],
        aggregation: Aggregation::Mean,
        link: Link::Identity,
    };
    check_ensemble(&ensemble, p)?;
    Ok(TreeModel::new(
        data.task(),
        data.n_classes(),
        p,
        ensemble,
        normalise(importances),
    ))
}

/// Smartcore's split criterion.
fn criterion(entropy: bool) -> smartcore::tree::decision_tree_classifier::SplitCriterion {
    use smartcore::tree::decision_tree_classifier::SplitCriterion;
    if entropy {
        SplitCriterion::Entropy
    } else {
        SplitCriterion::Gini
    }
}

/// A single decision tree (`smartcore.decision_tree`): smartcore's classifier for
/// classification tasks, its regressor for regression.
///
/// Classification probabilities are the class frequencies of the training rows in each leaf.
#[derive(Debug, Clone, Copy, Default)]
pub struct DecisionTree;

impl Estimator for DecisionTree {
    type Model = TreeModel;
    type Params = DecisionTreeParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            "smartcore.decision_tree",
            "decision tree",
            ModelFamily::Tree,
        )
        .tasks(ALL_TASKS)
        .capabilities(|c| {
            c.probabilities = true;
            c.exportable = true;
        })
        .cost(CostModel::new(0.01))
        .default_use(DefaultUse::off())
    }

    fn search_space(&self, task: Task, shape: DataShape) -> SearchSpace {
        params::decision_tree_space(task, shape)
    }

    fn fit(
        &self,
        data: &Dataset,
        params: &DecisionTreeParams,
        ctx: &FitContext,
    ) -> Result<TreeModel> {
        use smartcore::tree::decision_tree_classifier::{
            DecisionTreeClassifier, DecisionTreeClassifierParameters,
        };
        use smartcore::tree::decision_tree_regressor::{
            DecisionTreeRegressor, DecisionTreeRegressorParameters,
        };
        let x = prepare(self, data, params, ctx)?;
        let t = params.config();
        let dense = to_dense(&x)?;
        let grown = if data.task().is_classification() {
            let y = labels(data);
            let tree = guarded("fit the decision tree", || {
                DecisionTreeClassifier::<f64, u32, DenseMatrix<f64>, Vec<u32>>::fit(
                    &dense,
                    &y,
                    DecisionTreeClassifierParameters {
                        criterion: criterion(t.entropy),
                        max_depth: Some(t.levels),
                        min_samples_leaf: t.min_samples_leaf,
                        min_samples_split: t.min_samples_split,
                        seed: Some(ctx.seed),
                    },
                )
            })?;
            let (trees, importances) =
                convert::decision_tree_classifier(&tree, &x, data.y(), data.n_classes())?;
            Grown { trees, importances }
        } else {
            let y = data.y().to_vec();
            let tree = guarded("fit the regression tree", || {
                DecisionTreeRegressor::<f64, f64, DenseMatrix<f64>, Vec<f64>>::fit(
                    &dense,
                    &y,
                    DecisionTreeRegressorParameters {
                        max_depth: Some(t.levels),
                        min_samples_leaf: t.min_samples_leaf,
                        min_samples_split: t.min_samples_split,
                        seed: Some(ctx.seed),
                    },
                )
            })?;
            let importances = guarded("compute the tree's importances", || {
                tree.compute_feature_importances(true)
            })?;
            Grown {
                trees: convert::decision_tree_regressor(&tree, &x)?,
                importances: normalise(importances),
            }
        };
        tree_model(data, vec![grown])
    }
}

/// Trees per smartcore call when growing a forest. The deadline and cancel flag are checked
/// between calls, calls run on `ctx.threads` threads, and each call's trees are converted
/// before the next (bounding the memory the conversion needs). smartcore's classification trees
/// scan every row at every node, so a tree costs time quadratic in the rows: large data gets
/// fewer trees per call to keep the checks frequent. The batch size depends only on the row
/// count, so the forest depends only on the data and the seed.
fn trees_per_batch(n_rows: usize) -> usize {
    (200_000 / n_rows.max(1)).clamp(1, 16)
}

/// Grows `n_trees` trees in batches, each with its own seed drawn from `ctx.seed`, on up to
/// `ctx.threads` threads. The result depends only on the seed, not on the thread count.
fn grow_forest<F>(
    id: &str,
    n_trees: usize,
    n_rows: usize,
    ctx: &FitContext,
    fit_batch: F,
) -> Result<Vec<Grown>>
where
    F: Fn(u64, usize) -> Result<Grown> + Sync,
{
    let per_batch = trees_per_batch(n_rows);
    let batches: Vec<(u64, usize)> = (0..n_trees.div_ceil(per_batch))
        .map(|b| {
            let size = (n_trees - b * per_batch).min(per_batch);
            (Rng::stream(ctx.seed, b as u64).next_u64(), size)
        })
        .collect();
    let done = AtomicUsize::new(0);
    // Set when a batch fails, so that other threads stop instead of growing trees for nothing.
    let failed_batch = AtomicBool::new(false);
    let run = |index: usize| -> Result<Grown> {
        ctx.check()?;
        let (seed, size) = batches
            .get(index)
            .copied()
            .ok_or_else(|| Error::internal("forest batch out of range"))?;
        let grown = guarded_result("grow the forest", || fit_batch(seed, size))?;
        let so_far = done.fetch_add(size, Ordering::Relaxed) + size;
        ctx.report(ProgressEvent::Iteration {
            estimator: id.to_string(),
            iteration: so_far,
            total: Some(n_trees),
            loss: None,
        });
        Ok(grown)
    };
    let threads = ctx.threads.clamp(1, batches.len().max(1));
    if threads == 1 {
        return (0..batches.len()).map(run).collect();
    }
    let mut results: Vec<(usize, Result<Grown>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|w| {
                let (run, failed_batch) = (&run, &failed_batch);
                let n = batches.len();
                s.spawn(move || {
                    let mut out = Vec::new();
                    for index in (w..n).step_by(threads) {
                        if failed_batch.load(Ordering::Relaxed) {
                            break;
                        }
                        let r = run(index);
                        let stop = r.is_err();
                        out.push((index, r));
                        if stop {
                            failed_batch.store(true, Ordering::Relaxed);
                            break;
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join().unwrap_or_else(|_| {
                    vec![(
                        usize::MAX,
                        Err(Error::backend("a forest-growing thread panicked")),
                    )]
                })
            })
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    if results.len() != batches.len() && results.iter().all(|(_, r)| r.is_ok()) {
        return Err(Error::internal("a forest batch went missing"));
    }
    results.into_iter().map(|(_, r)| r).collect()
}

/// A random forest (`smartcore.random_forest`): bootstrapped trees that try a random share of
/// the features (`max_features`) at each split; smartcore's classifier or regressor by task.
///
/// Seeded by `ctx.seed`. Classification probabilities are the share of trees voting for each
/// class.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomForest;

impl Estimator for RandomForest {
    type Model = TreeModel;
    type Params = ForestParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            "smartcore.random_forest",
            "random forest",
            ModelFamily::Forest,
        )
        .tasks(ALL_TASKS)
        .capabilities(|c| {
            c.probabilities = true;
            c.exportable = true;
        })
        .cost(CostModel::new(0.1).driver("n_estimators", 100.0))
        .default_use(DefaultUse::off())
    }

    fn search_space(&self, task: Task, shape: DataShape) -> SearchSpace {
        params::forest_space(task, shape)
    }

    fn fit(&self, data: &Dataset, params: &ForestParams, ctx: &FitContext) -> Result<TreeModel> {
        use smartcore::ensemble::random_forest_classifier::{
            RandomForestClassifier, RandomForestClassifierParameters,
        };
        use smartcore::ensemble::random_forest_regressor::{
            RandomForestRegressor, RandomForestRegressorParameters,
        };
        let x = prepare(self, data, params, ctx)?;
        let f = params.config(data.task(), x.n_cols());
        let m = features_per_split(f.max_features, x.n_cols());
        let dense = to_dense(&x)?;
        let id = self.info().id;
        let grown = if data.task().is_classification() {
            let y = labels(data);
            grow_forest(&id, f.n_estimators, x.n_rows(), ctx, |seed, size| {
                let forest = RandomForestClassifier::<f64, u32, DenseMatrix<f64>, Vec<u32>>::fit(
                    &dense,
                    &y,
                    RandomForestClassifierParameters {
                        criterion: criterion(f.tree.entropy),
                        max_depth: Some(f.tree.levels),
                        min_samples_leaf: f.tree.min_samples_leaf,
                        min_samples_split: f.tree.min_samples_split,
                        n_trees: u16::try_from(size).unwrap_or(u16::MAX),
                        m: Some(m),
                        keep_samples: false,
                        seed,
                    },
                )
                .map_err(|e| failed("fit the random forest", e))?;
                let (trees, importances) =
                    convert::random_forest_classifier(&forest, &x, data.y(), data.n_classes())?;
                Ok(Grown { trees, importances })
            })?
        } else {
            let y = data.y().to_vec();
            grow_forest(&id, f.n_estimators, x.n_rows(), ctx, |seed, size| {
                let forest = RandomForestRegressor::<f64, f64, DenseMatrix<f64>, Vec<f64>>::fit(
                    &dense,
                    &y,
                    RandomForestRegressorParameters {
                        max_depth: Some(f.tree.levels),
                        min_samples_leaf: f.tree.min_samples_leaf,
                        min_samples_split: f.tree.min_samples_split,
                        n_trees: size,
                        m: Some(m),
                        keep_samples: false,
                        seed,
                    },
                )
                .map_err(|e| failed("fit the random forest", e))?;
                let mean = forest
                    .compute_feature_importances()
                    .map_err(|e| failed("compute the forest's importances", e))?;
                Ok(Grown {
                    trees: convert::forest_regressor(&forest, &x)?,
                    importances: normalise(mean)
                        .into_iter()
                        .map(|v| v * size as f64)
                        .collect(),
                })
            })?
        };
        tree_model(data, grown)
    }
}

/// Extremely randomised trees (`smartcore.extra_trees`): no bootstrap, random split points.
/// Regression only — smartcore 0.7 has no extra-trees classifier.
///
/// Seeded by `ctx.seed`; honours sample weights.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExtraTrees;

impl Estimator for ExtraTrees {
    type Model = TreeModel;
    type Params = ForestParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new("smartcore.extra_trees", "extra trees", ModelFamily::Forest)
            .tasks(REGRESSION)
            .capabilities(|c| {
                c.sample_weights = true;
                c.exportable = true;
            })
            .cost(CostModel::new(0.1).driver("n_estimators", 100.0))
            .default_use(DefaultUse::off())
    }

    fn search_space(&self, task: Task, shape: DataShape) -> SearchSpace {
        params::forest_space(task, shape)
    }

    fn fit(&self, data: &Dataset, params: &ForestParams, ctx: &FitContext) -> Result<TreeModel> {
        use smartcore::ensemble::extra_trees_regressor::{
            ExtraTreesRegressor, ExtraTreesRegressorParameters,
        };
        let x = prepare(self, data, params, ctx)?;
        if let Some(w) = data.weights()
            && w.iter().sum::<f64>() <= 0.0
        {
            return Err(Error::invalid_input(
                "the sample weights sum to zero; at least one row needs a positive weight",
            ));
        }
        let f = params.config(data.task(), x.n_cols());
        let m = features_per_split(f.max_features, x.n_cols());
        let dense = to_dense(&x)?;
        let y = data.y().to_vec();
        let id = self.info().id;
        let grown = grow_forest(&id, f.n_estimators, x.n_rows(), ctx, |seed, size| {
            let p = ExtraTreesRegressorParameters {
                max_depth: Some(f.tree.levels),
                min_samples_leaf: f.tree.min_samples_leaf,
                min_samples_split: f.tree.min_samples_split,
                n_trees: size,
                m: Some(m),
                keep_samples: false,
                seed,
            };
            type Et = ExtraTreesRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>;
            let forest = match data.weights() {
                Some(w) => Et::fit_with_weights(&dense, &y, w, p),
                None => Et::fit(&dense, &y, p),
            }
            .map_err(|e| failed("fit the extra trees", e))?;
            let mean = forest
                .compute_feature_importances()
                .map_err(|e| failed("compute the forest's importances", e))?;
            Ok(Grown {
                trees: convert::forest_regressor(&forest, &x)?,
                importances: normalise(mean)
                    .into_iter()
                    .map(|v| v * size as f64)
                    .collect(),
            })
        })?;
        tree_model(data, grown)
    }
}

// ---------------------------------------------------------------------------------------------

/// k-nearest neighbours (`smartcore.knn`), classification or regression, with Euclidean
/// distance: smartcore's cover tree for up to 10 features, its linear scan above.
///
/// `n_neighbors` larger than the training rows is reduced to the row count.
#[derive(Debug, Clone, Copy, Default)]
pub struct Knn;

impl Estimator for Knn {
    type Model = KnnModel;
    type Params = KnnParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            "smartcore.knn",
            "k-nearest neighbours",
            ModelFamily::Neighbors,
        )
        .tasks(ALL_TASKS)
        .capabilities(|c| {
            c.probabilities = true;
            c.needs_scaling = true;
        })
        .cost(CostModel::new(0.0005).predict(0.025, true))
        .default_use(DefaultUse {
            max_rows: Some(20_000),
            text: TextUse::Never,
            ..DefaultUse::default()
        })
    }

    fn search_space(&self, _task: Task, shape: DataShape) -> SearchSpace {
        params::knn_space(shape)
    }

    fn fit(&self, data: &Dataset, params: &KnnParams, ctx: &FitContext) -> Result<KnnModel> {
        use smartcore::algorithm::neighbour::KNNAlgorithmName;
        use smartcore::neighbors::KNNWeightFunction;
        use smartcore::neighbors::knn_classifier::{KNNClassifier, KNNClassifierParameters};
        use smartcore::neighbors::knn_regressor::{KNNRegressor, KNNRegressorParameters};
        let x = prepare(self, data, params, ctx)?;
        let k = params.neighbours_for(x.n_rows());
        let weight = match params.weights {
            KnnWeights::Distance => KNNWeightFunction::Distance,
            KnnWeights::Uniform => KNNWeightFunction::Uniform,
        };
        // smartcore's cover tree is much faster than a linear scan in few dimensions and slower
        // in many (measured: 18× faster at 3 features, 2× at 8, 1.5× slower at 20).
        let algorithm = if x.n_cols() <= 10 {
            KNNAlgorithmName::CoverTree
        } else {
            KNNAlgorithmName::LinearSearch
        };
        let dense = to_dense(&x)?;
        let (classes, inner) = if data.task().is_classification() {
            let y = labels(data);
            let m = guarded("fit k-nearest neighbours", || {
                KNNClassifier::fit(
                    &dense,
                    &y,
                    KNNClassifierParameters::default()
                        .with_k(k)
                        .with_weight(weight.clone())
                        .with_algorithm(algorithm.clone()),
                )
            })?;
            let mut present: Vec<u32> = y.clone();
            present.sort_unstable();
            present.dedup();
            (
                our_classes(&present, data.n_classes())?,
                KnnInner::Classifier(Box::new(m)),
            )
        } else {
            let y = data.y().to_vec();
            let m = guarded("fit k-nearest neighbours", || {
                KNNRegressor::fit(
                    &dense,
                    &y,
                    KNNRegressorParameters::default()
                        .with_k(k)
                        .with_weight(weight.clone())
                        .with_algorithm(algorithm.clone()),
                )
            })?;
            (Vec::new(), KnnInner::Regressor(Box::new(m)))
        };
        Ok(KnnModel::new(
            data.task(),
            data.n_classes(),
            x.n_cols(),
            classes,
            inner,
        ))
    }
}

/// A support vector machine (`smartcore.svm`): smartcore's SVC for classification (one
/// machine per class against the rest when there are more than two) and its SVR for
/// regression, with a linear or rbf kernel.
///
/// smartcore's SVC is the LaSVM approximation (two passes over the data), seeded by
/// `ctx.seed`. The regression target is standardised for the fit, so `epsilon` is in units of
/// the target's standard deviation. No probabilities: smartcore gives decision values only.
#[derive(Debug, Clone, Copy, Default)]
pub struct Svm;

impl Estimator for Svm {
    type Model = SvmModel;
    type Params = SvmParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new("smartcore.svm", "support vector machine", ModelFamily::Svm)
            .tasks(ALL_TASKS)
            .capabilities(|c| c.needs_scaling = true)
            .cost(CostModel::new(0.5).exponents(2.0, 1.0).memory(1.0, true))
            .default_use(DefaultUse::off())
    }

    fn search_space(&self, task: Task, shape: DataShape) -> SearchSpace {
        params::svm_space(task, shape)
    }

    fn fit(&self, data: &Dataset, params: &SvmParams, ctx: &FitContext) -> Result<SvmModel> {
        use smartcore::svm::Kernels;
        use smartcore::svm::svc::{SVC, SVCParameters};
        use smartcore::svm::svr::{SVR, SVRParameters};
        let x = prepare(self, data, params, ctx)?;
        let sp = params.config(x.n_cols());
        let (kernel, kernels) = match sp.rbf_gamma {
            Some(gamma) => (Kernel::Rbf { gamma }, Kernels::rbf().with_gamma(gamma)),
            None => (Kernel::Linear, Kernels::linear()),
        };
        let p = x.n_cols();
        let dense = to_dense(&x)?;
        let kind = if data.task().is_classification() {
            let y = labels(data);
            let mut present = y.clone();
            present.sort_unstable();
            present.dedup();
            let present = our_classes(&present, data.n_classes())?;
            // One machine separating `class` (label 1) from the rest (label 0).
            let machine = |class: usize| -> Result<KernelMachine> {
                ctx.check()?;
                let target: Vec<i32> = y.iter().map(|&v| i32::from(v as usize == class)).collect();
                let svc_params = SVCParameters::default()
                    .with_c(sp.c)
                    .with_kernel(kernels.clone())
                    .with_seed(Some(ctx.seed));
                guarded_result("fit the support vector classifier", || {
                    let svc = SVC::<f64, i32, DenseMatrix<f64>, Vec<i32>>::fit(
                        &dense,
                        &target,
                        &svc_params,
                    )
                    .map_err(|e| failed("fit the support vector classifier", e))?;
                    convert::kernel_machine(&svc, kernel, p)
                })
            };
            match present.as_slice() {
                [negative, positive] => SvmKind::Binary {
                    machine: machine(*positive)?,
                    negative: *negative,
                    positive: *positive,
                },
                _ => SvmKind::OneVsRest {
                    machines: present
                        .iter()
                        .map(|&c| Ok((c, machine(c)?)))
                        .collect::<Result<_>>()?,
                },
            }
        } else {
            let (mean, std) = mean_std(data.y());
            if std > 0.0 && std.is_finite() {
                let ys: Vec<f64> = data.y().iter().map(|v| (v - mean) / std).collect();
                let svr_params = SVRParameters::default()
                    .with_eps(sp.epsilon)
                    .with_c(sp.c)
                    .with_kernel(kernels);
                let machine = guarded_result("fit the support vector regressor", || {
                    let svr = SVR::<f64, DenseMatrix<f64>, Vec<f64>>::fit(&dense, &ys, &svr_params)
                        .map_err(|e| failed("fit the support vector regressor", e))?;
                    convert::kernel_machine(&svr, kernel, p)
                })?;
                SvmKind::Regression {
                    machine,
                    mean,
                    scale: std,
                }
            } else {
                // A constant target: nothing for smartcore to fit.
                SvmKind::Regression {
                    machine: KernelMachine::constant(0.0),
                    mean,
                    scale: 1.0,
                }
            }
        };
        Ok(SvmModel::new(data.task(), data.n_classes(), p, kind))
    }
}

/// Rows per smartcore call when fitting naive Bayes: smartcore 0.7 gathers each class's rows
/// through nested iterators, which costs time quadratic in the rows per call (20 000 rows took
/// about 4 s in one call), so the statistics are computed per chunk and pooled.
const NB_CHUNK: usize = 512;

/// Running per-class statistics: row count, feature means and population variances.
#[derive(Debug, Clone)]
struct ClassStats {
    count: f64,
    means: Vec<f64>,
    variances: Vec<f64>,
}

impl ClassStats {
    /// Pools another chunk's statistics into these (Chan et al.'s parallel update).
    fn merge(&mut self, count: f64, means: &[f64], variances: &[f64]) {
        let n = self.count + count;
        if n <= 0.0 {
            return;
        }
        for ((m, v), (m2, v2)) in self
            .means
            .iter_mut()
            .zip(self.variances.iter_mut())
            .zip(means.iter().zip(variances))
        {
            let delta = m2 - *m;
            let m2_total = *v * self.count + v2 * count + delta * delta * self.count * count / n;
            *m += delta * count / n;
            *v = m2_total / n;
        }
        self.count = n;
    }
}

/// Gaussian naive Bayes (`smartcore.gaussian_nb`): smartcore estimates each class's feature
/// means, variances and row count (in chunks of 512 rows, pooled exactly, because its fit is
/// quadratic in the rows of one call); the model adds `var_smoothing` × the largest feature
/// variance to every variance (as scikit-learn does; smartcore has no smoothing) so that
/// features constant within a class do not break the likelihoods, and takes the priors from the
/// class frequencies.
#[derive(Debug, Clone, Copy, Default)]
pub struct GaussianNb;

impl Estimator for GaussianNb {
    type Model = GaussianNbModel;
    type Params = GaussianNbParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            "smartcore.gaussian_nb",
            "Gaussian naive Bayes",
            ModelFamily::NaiveBayes,
        )
        .tasks(CLASSIFICATION)
        .capabilities(|c| c.probabilities = true)
        .cost(CostModel::new(0.001))
        .default_use(DefaultUse::off())
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        params::gaussian_nb_space()
    }

    fn fit(
        &self,
        data: &Dataset,
        params: &GaussianNbParams,
        ctx: &FitContext,
    ) -> Result<GaussianNbModel> {
        use smartcore::naive_bayes::gaussian::GaussianNB;
        let x = prepare(self, data, params, ctx)?;
        let smoothing = params.var_smoothing;
        let (n, p, k) = (x.n_rows(), x.n_cols(), data.n_classes());
        let y = labels(data);
        let mut stats: Vec<Option<ClassStats>> = vec![None; k];
        for start in (0..n).step_by(NB_CHUNK) {
            ctx.check()?;
            let end = (start + NB_CHUNK).min(n);
            let rows = x.as_slice().get(start * p..end * p).unwrap_or(&[]).to_vec();
            let chunk = DenseMatrix::new(end - start, p, rows, false).map_err(|e| {
                Error::internal("could not build a smartcore matrix").with_source(e)
            })?;
            let chunk_y = y.get(start..end).unwrap_or(&[]).to_vec();
            let m = guarded("fit Gaussian naive Bayes", || {
                GaussianNB::<f64, u32, DenseMatrix<f64>, Vec<u32>>::fit(
                    &chunk,
                    &chunk_y,
                    Default::default(),
                )
            })?;
            let classes = our_classes(m.classes(), k)?;
            for (((c, count), means), variances) in classes
                .iter()
                .zip(m.class_count())
                .zip(m.theta())
                .zip(m.var())
            {
                let count = *count as f64;
                match stats.get_mut(*c) {
                    Some(Some(s)) => s.merge(count, means, variances),
                    Some(slot) => {
                        *slot = Some(ClassStats {
                            count,
                            means: means.clone(),
                            variances: variances.clone(),
                        });
                    }
                    None => {}
                }
            }
        }
        let (mut classes, mut priors, mut means, mut variances) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (c, s) in stats.into_iter().enumerate() {
            if let Some(s) = s {
                classes.push(c);
                priors.push(s.count / n as f64);
                means.push(s.means);
                variances.push(s.variances);
            }
        }
        let column_means = column_means(&x);
        let largest = column_variances(&x, &column_means)
            .into_iter()
            .fold(0.0, f64::max);
        let epsilon = if largest > 0.0 {
            smoothing * largest
        } else {
            smoothing
        };
        GaussianNbModel::new(data.task(), k, classes, &priors, means, variances, epsilon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_statistics_equal_the_whole() {
        let a = [1.0, 2.0, 4.0];
        let b = [7.0, 3.0];
        let stats = |v: &[f64]| {
            let (m, s) = mean_std(v);
            (v.len() as f64, m, s * s)
        };
        let (na, ma, va) = stats(&a);
        let (nb, mb, vb) = stats(&b);
        let mut s = ClassStats {
            count: na,
            means: vec![ma],
            variances: vec![va],
        };
        s.merge(nb, &[mb], &[vb]);
        let (n, m, v) = stats(&[1.0, 2.0, 4.0, 7.0, 3.0]);
        assert_eq!(s.count, n);
        assert!((s.means[0] - m).abs() < 1e-12);
        assert!((s.variances[0] - v).abs() < 1e-12);
    }
}
