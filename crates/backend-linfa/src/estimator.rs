//! The estimators: one unit struct per linfa algorithm, implementing
//! [`mlpilot_core::Estimator`].
//!
//! Every `fit` validates its parameters against the search space, calls
//! [`Dataset::check_trainable`] (linfa takes no NaN), refuses data linfa would panic on before
//! calling it, checks the [`FitContext`] before expensive work and draws every random choice
//! from [`mlpilot_core::Rng`] seeded with `ctx.seed`.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};

use linfa::DatasetBase;
use linfa::composing::platt_scaling::{Platt, platt_newton_method};
use linfa::prelude::{Fit, ParamGuard};
use mlpilot_core::{
    CostModel, DataShape, Dataset, DefaultUse, Error, ErrorKind, Estimator, EstimatorInfo,
    FitContext, Matrix, ModelFamily, NoParams, ParamSet, Params, ProgressEvent, Result, Rng,
    SearchSpace, Task, TextUse,
};
use ndarray016::{Array1, ArrayView2};
use rayon::prelude::*;

use crate::convert::{class_labels, select, view};
use crate::error::{backend, params as params_error};
use crate::model::{
    AdaBoostModel, LinearModel, LogisticCoefficients, LogisticModel, NaiveBayesModel, PlattSvm,
    SvmKind, SvmModel, TreeModel,
};
use crate::params::{
    AdaBoostParams, DecisionTreeParams, ElasticNetParams, ForestParams, GaussianNbParams, Kernel,
    LogisticParams, SvmParams,
};
use crate::tree::{GrownTree, grow, normalise};

/// Rows above which the support vector machine refuses to fit: linfa builds the full dense
/// kernel matrix (rows² × 8 bytes; 800 MB at this limit).
pub const SVM_MAX_ROWS: usize = 10_000;

/// Whether linfa-trees grows the same tree twice from the same data. It does not: it breaks
/// ties between classes of equal weight (which decide its pruning) and sums the per-class
/// terms of the split impurity in `HashMap` iteration order, which is random per map. Two fits
/// on the same data can therefore differ in their splits (multiclass), their pruning and so
/// their probabilities, and the tree-based estimators declare `deterministic: false`.
const LINFA_TREES_DETERMINISTIC: bool = false;

/// Checks shared by every fit and returns the dense features.
fn prepare<'a>(data: &'a Dataset, ctx: &FitContext) -> Result<Cow<'a, Matrix>> {
    data.check_trainable(false)?;
    if data.n_features() == 0 {
        return Err(Error::invalid_input(
            "the data has no feature columns; a model needs at least one",
        ));
    }
    ctx.check()?;
    Ok(data.x().to_dense())
}

/// The rows with a positive weight and their weights (all rows and `None` without weights).
fn positive_rows(data: &Dataset) -> Result<(Vec<usize>, Option<Vec<f64>>)> {
    let Some(w) = data.weights() else {
        return Ok(((0..data.n_rows()).collect(), None));
    };
    let (rows, weights): (Vec<usize>, Vec<f64>) = w
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0.0)
        .map(|(i, v)| (i, *v))
        .unzip();
    if rows.is_empty() {
        return Err(Error::invalid_input(
            "every sample weight is zero; at least one row must weigh something",
        ));
    }
    Ok((rows, Some(weights)))
}

/// Class indices of `rows`.
fn labels_of(data: &Dataset, rows: &[usize]) -> Vec<usize> {
    rows.iter()
        .map(|&r| data.y().get(r).copied().unwrap_or(0.0) as usize)
        .collect()
}

/// Per column: mean and population standard deviation.
fn column_stats(x: &Matrix) -> Vec<(f64, f64)> {
    let n = x.n_rows().max(1) as f64;
    (0..x.n_cols())
        .map(|j| {
            let col = x.column(j);
            let mean = col.iter().sum::<f64>() / n;
            let var = col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            (mean, var.sqrt())
        })
        .collect()
}

fn check_finite(what: &str, values: &[f64]) -> Result<()> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::backend(format!(
            "{what} produced non-finite coefficients (the problem is singular or diverged)"
        )))
    }
}

/// `linfa.logistic_regression`: L2-regularised logistic regression fitted by L-BFGS;
/// binomial for two classes, multinomial (softmax) for more.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogisticRegression;

impl LogisticRegression {
    /// The estimator id.
    pub const ID: &'static str = "linfa.logistic_regression";
}

impl Estimator for LogisticRegression {
    type Model = LogisticModel;
    type Params = LogisticParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(Self::ID, "logistic regression (linfa)", ModelFamily::Linear)
            .tasks(&[Task::Binary, Task::Multiclass])
            .capabilities(|c| {
                c.probabilities = true;
                c.needs_scaling = true;
            })
            .cost(CostModel::new(0.01).per_class())
            // gbdt.sparse_logistic serves the same family four times faster on wide one-hot
            // designs (0.19 s against 0.85 s per fit on 1,840 × 310): not a default.
            .default_use(DefaultUse::off())
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        LogisticParams::space()
    }

    fn starting_points(&self, _task: Task, _shape: DataShape) -> Vec<ParamSet> {
        [1e-2, 1.0, 1e-4]
            .iter()
            .map(|&a| ParamSet::new().with("alpha", a))
            .collect()
    }

    fn fit(
        &self,
        data: &Dataset,
        params: &LogisticParams,
        ctx: &FitContext,
    ) -> Result<LogisticModel> {
        params
            .validate()
            .map_err(|e| e.prefixed(&Estimator::info(self).id))?;
        let p = params;
        let x = prepare(data, ctx)?;
        let dataset = DatasetBase::new(view(&x)?, class_labels(data.y()));
        let k = data.n_classes();
        let coefficients = if data.task() == Task::Binary {
            let fitted = linfa_logistic::LogisticRegression::<f64>::default()
                .alpha(p.alpha)
                .max_iterations(p.max_iterations)
                .check()
                .map_err(|e| params_error(Self::ID, e))?
                .fit(&dataset)
                .map_err(|e| backend("linfa.logistic_regression fit", e))?;
            // linfa's positive class is whichever label it met more often; orient to class 1.
            let sign = if fitted.labels().pos.class == 1 {
                1.0
            } else {
                -1.0
            };
            let coef: Vec<f64> = fitted.params().iter().map(|v| sign * v).collect();
            let intercept = sign * fitted.intercept();
            check_finite(Self::ID, &coef)?;
            check_finite(Self::ID, &[intercept])?;
            LogisticCoefficients::Binomial { coef, intercept }
        } else {
            let fitted = linfa_logistic::MultiLogisticRegression::<f64>::default()
                .alpha(p.alpha)
                .max_iterations(p.max_iterations)
                .check()
                .map_err(|e| params_error(Self::ID, e))?
                .fit(&dataset)
                .map_err(|e| backend("linfa.logistic_regression fit", e))?;
            let mut coef = vec![Vec::new(); k];
            let mut intercept = vec![0.0; k];
            let mut present = vec![false; k];
            for ((column, b), &class) in fitted
                .params()
                .columns()
                .into_iter()
                .zip(fitted.intercept())
                .zip(fitted.classes())
            {
                let (Some(c), Some(i), Some(on)) = (
                    coef.get_mut(class),
                    intercept.get_mut(class),
                    present.get_mut(class),
                ) else {
                    return Err(Error::internal(format!(
                        "linfa returned class {class} for {k} classes"
                    )));
                };
                *c = column.to_vec();
                *i = *b;
                *on = true;
                check_finite(Self::ID, c)?;
            }
            check_finite(Self::ID, &intercept)?;
            LogisticCoefficients::Multinomial {
                coef,
                intercept,
                present,
            }
        };
        Ok(LogisticModel {
            task: data.task(),
            n_classes: k,
            n_features: data.n_features(),
            coefficients,
        })
    }
}

/// `linfa.linear_regression`: ordinary least squares (QR) with an intercept; honours sample
/// weights (by scaling rows with their square roots).
#[derive(Debug, Clone, Copy, Default)]
pub struct LinearRegression;

impl LinearRegression {
    /// The estimator id.
    pub const ID: &'static str = "linfa.linear_regression";
}

impl Estimator for LinearRegression {
    type Model = LinearModel;
    type Params = NoParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            Self::ID,
            "ordinary least squares (linfa)",
            ModelFamily::Linear,
        )
        .tasks(&[Task::Regression])
        .capabilities(|c| {
            c.needs_scaling = true;
            c.sample_weights = true;
        })
        .cost(CostModel::new(0.005).exponents(1.0, 2.0))
        .default_use(DefaultUse::off())
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        SearchSpace::new()
    }

    fn fit(&self, data: &Dataset, _params: &NoParams, ctx: &FitContext) -> Result<LinearModel> {
        let x = prepare(data, ctx)?;
        let (rows, weights) = positive_rows(data)?;
        // Constant columns are collinear with the intercept: leave them out (coefficient 0).
        let x_rows = if rows.len() == x.n_rows() {
            Cow::Borrowed(&*x)
        } else {
            Cow::Owned(x.select_rows(&rows)?)
        };
        let stats = column_stats(&x_rows);
        let kept: Vec<usize> = (0..x.n_cols())
            .filter(|&j| stats.get(j).is_some_and(|(_, sd)| *sd > 0.0))
            .collect();
        if rows.len() <= kept.len() {
            return Err(Error::invalid_input(format!(
                "ordinary least squares needs more rows than features: {} rows for {} \
                 non-constant features plus an intercept (use linfa.elastic_net)",
                rows.len(),
                kept.len()
            )));
        }
        let xk = select(&x_rows, &(0..rows.len()).collect::<Vec<_>>(), &kept)?;
        let y: Vec<f64> = rows
            .iter()
            .map(|&r| data.y().get(r).copied().unwrap_or(0.0))
            .collect();
        let (coef_kept, intercept) = match weights {
            None => {
                let dataset = DatasetBase::new(view(&xk)?, Array1::from(y.clone()));
                let fitted = linfa_linear::LinearRegression::new()
                    .fit(&dataset)
                    .map_err(|e| backend("linfa.linear_regression fit", e))?;
                (fitted.params().to_vec(), fitted.intercept())
            }
            Some(w) => {
                // Weighted least squares: scale each row (and the intercept column) by √w.
                let p = xk.n_cols();
                let mut scaled = Vec::with_capacity(xk.n_rows() * (p + 1));
                let mut ys = Vec::with_capacity(xk.n_rows());
                for ((row, yi), wi) in xk.rows().zip(&y).zip(&w) {
                    let s = wi.sqrt();
                    scaled.extend(row.iter().map(|v| v * s));
                    scaled.push(s);
                    ys.push(yi * s);
                }
                let m = Matrix::new(xk.n_rows(), p + 1, scaled)?;
                let dataset = DatasetBase::new(view(&m)?, Array1::from(ys));
                let fitted = linfa_linear::LinearRegression::new()
                    .with_intercept(false)
                    .fit(&dataset)
                    .map_err(|e| backend("linfa.linear_regression fit", e))?;
                let mut all = fitted.params().to_vec();
                let b = all.pop().unwrap_or(0.0);
                (all, b)
            }
        };
        check_finite(Self::ID, &coef_kept)?;
        check_finite(Self::ID, &[intercept])?;
        // Near-collinear columns give huge, cancelling coefficients that break on new data.
        let y_sd = {
            let mean = y.iter().sum::<f64>() / y.len().max(1) as f64;
            (y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / y.len().max(1) as f64).sqrt()
        };
        for (c, &j) in coef_kept.iter().zip(&kept) {
            let sd = stats.get(j).map_or(0.0, |s| s.1);
            if (c * sd).abs() > 1e8 * (y_sd + f64::EPSILON) {
                return Err(Error::backend(format!(
                    "{}: the features are collinear (feature x{j} gets a coefficient of {c:.3e}); \
                     drop redundant columns or use linfa.elastic_net",
                    Self::ID
                )));
            }
        }
        let mut coef = vec![0.0; x.n_cols()];
        for (c, &j) in coef_kept.iter().zip(&kept) {
            if let Some(slot) = coef.get_mut(j) {
                *slot = *c;
            }
        }
        Ok(LinearModel { coef, intercept })
    }
}

/// `linfa.elastic_net`: least squares with a mixed L1/L2 penalty, fitted by coordinate descent.
#[derive(Debug, Clone, Copy, Default)]
pub struct ElasticNet;

impl ElasticNet {
    /// The estimator id.
    pub const ID: &'static str = "linfa.elastic_net";
}

impl Estimator for ElasticNet {
    type Model = LinearModel;
    type Params = ElasticNetParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(Self::ID, "elastic net (linfa)", ModelFamily::Linear)
            .tasks(&[Task::Regression])
            .capabilities(|c| c.needs_scaling = true)
            .cost(CostModel::new(0.012).exponents(1.0, 2.0))
            // Coordinate descent here cannot be stopped at a deadline, and ridge (smartcore)
            // serves the linear family for regression in milliseconds: not a default.
            .default_use(DefaultUse::off())
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        ElasticNetParams::space()
    }

    fn fit(
        &self,
        data: &Dataset,
        params: &ElasticNetParams,
        ctx: &FitContext,
    ) -> Result<LinearModel> {
        params
            .validate()
            .map_err(|e| e.prefixed(&Estimator::info(self).id))?;
        let p = params;
        let x = prepare(data, ctx)?;
        // linfa only centres the target; centre the features too so that the intercept is
        // right whatever the input's means.
        let stats = column_stats(&x);
        let mut centred = x.into_owned();
        let n_cols = centred.n_cols().max(1);
        for (i, v) in centred.as_mut_slice().iter_mut().enumerate() {
            *v -= stats.get(i % n_cols).map_or(0.0, |s| s.0);
        }
        let dataset = DatasetBase::new(view(&centred)?, Array1::from(data.y().to_vec()));
        let fitted = linfa_elasticnet::ElasticNet::<f64>::params()
            .penalty(p.penalty)
            .l1_ratio(p.l1_ratio)
            .max_iterations(p.max_iterations)
            .tolerance(1e-4)
            .with_intercept(true)
            .check()
            .map_err(|e| params_error(Self::ID, e))?
            .fit(&dataset)
            .map_err(|e| backend("linfa.elastic_net fit", e))?;
        let coef = fitted.hyperplane().to_vec();
        let intercept = fitted.intercept()
            - coef
                .iter()
                .zip(&stats)
                .map(|(c, (m, _))| c * m)
                .sum::<f64>();
        check_finite(Self::ID, &coef)?;
        check_finite(Self::ID, &[intercept])?;
        Ok(LinearModel { coef, intercept })
    }
}

/// `linfa.decision_tree`: a CART classification tree (linfa-trees has no regression tree).
#[derive(Debug, Clone, Copy, Default)]
pub struct DecisionTree;

impl DecisionTree {
    /// The estimator id.
    pub const ID: &'static str = "linfa.decision_tree";
}

impl Estimator for DecisionTree {
    type Model = TreeModel;
    type Params = DecisionTreeParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(Self::ID, "decision tree (linfa)", ModelFamily::Tree)
            .tasks(&[Task::Binary, Task::Multiclass])
            .capabilities(|c| {
                c.exportable = true;
                c.probabilities = true;
                c.sample_weights = true;
                c.deterministic = LINFA_TREES_DETERMINISTIC;
            })
            .cost(CostModel::new(0.01))
            .default_use(DefaultUse::off())
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        DecisionTreeParams::space()
    }

    fn fit(
        &self,
        data: &Dataset,
        params: &DecisionTreeParams,
        ctx: &FitContext,
    ) -> Result<TreeModel> {
        params
            .validate()
            .map_err(|e| e.prefixed(&Estimator::info(self).id))?;
        let p = params.tree();
        let x = prepare(data, ctx)?;
        let (rows, weights) = positive_rows(data)?;
        let n_features = x.n_cols();
        let x = if rows.len() == x.n_rows() {
            x
        } else {
            Cow::Owned(x.select_rows(&rows)?)
        };
        let y = labels_of(data, &rows);
        let features: Vec<usize> = (0..n_features).collect();
        let k = data.n_classes();
        let grown = grow(&x, &y, weights.as_deref(), k, n_features, &features, &p)?;
        Ok(TreeModel {
            task: data.task(),
            n_classes: k,
            n_features,
            trees: vec![grown.view],
            importances: normalise(grown.importances),
        })
    }
}

/// `linfa.random_forest`: linfa-ensemble's random forest — decision trees on bootstrap
/// samples, each seeing a random subset of the columns — with averaged leaf probabilities.
///
/// It is grown here over linfa-trees rather than through `linfa_ensemble::RandomForestParams`:
/// that type needs a `rand` 0.8 generator (which mlpilot cannot seed from `ctx.seed` without
/// another dependency), draws columns with replacement and panics if a tree fails. Rows are
/// drawn with replacement and columns without, from [`Rng::stream`]`(seed, tree)`. Trees grow
/// in parallel on `ctx.threads` threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomForest;

impl RandomForest {
    /// The estimator id.
    pub const ID: &'static str = "linfa.random_forest";
}

impl Estimator for RandomForest {
    type Model = TreeModel;
    type Params = ForestParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            Self::ID,
            "random forest (bagged linfa trees)",
            ModelFamily::Forest,
        )
        .tasks(&[Task::Binary, Task::Multiclass])
        .capabilities(|c| {
            c.exportable = true;
            c.probabilities = true;
            c.sample_weights = true;
            c.deterministic = LINFA_TREES_DETERMINISTIC;
        })
        .cost(CostModel::new(0.25).driver("n_estimators", 100.0))
        .default_use(DefaultUse::off())
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        ForestParams::space()
    }

    fn fit(&self, data: &Dataset, params: &ForestParams, ctx: &FitContext) -> Result<TreeModel> {
        params
            .validate()
            .map_err(|e| e.prefixed(&Estimator::info(self).id))?;
        let p = params;
        let tree = p.tree();
        let x = prepare(data, ctx)?;
        let (pool, pool_weights) = positive_rows(data)?;
        let y_all = labels_of(data, &(0..data.n_rows()).collect::<Vec<_>>());
        let n_features = x.n_cols();
        let k = data.n_classes();
        let n_samples = ((p.max_samples * pool.len() as f64).ceil() as usize).max(1);
        let n_columns = ((p.max_features * n_features as f64).ceil() as usize)
            .min(n_features)
            .max(1);
        let finished = AtomicUsize::new(0);
        let grow_one = |t: usize| -> Result<GrownTree> {
            ctx.check()?;
            let (picks, columns) =
                draw_bag(ctx.seed, t, pool.len(), n_samples, n_features, n_columns);
            let rows: Vec<usize> = picks.iter().filter_map(|&i| pool.get(i).copied()).collect();
            let sub = select(&x, &rows, &columns)?;
            let y: Vec<usize> = rows
                .iter()
                .map(|&r| y_all.get(r).copied().unwrap_or(0))
                .collect();
            let w: Option<Vec<f64>> = pool_weights.as_ref().map(|w| {
                picks
                    .iter()
                    .map(|&i| w.get(i).copied().unwrap_or(1.0))
                    .collect()
            });
            let grown = grow(&sub, &y, w.as_deref(), k, n_features, &columns, &tree)?;
            ctx.report(ProgressEvent::Iteration {
                estimator: Self::ID.into(),
                iteration: finished.fetch_add(1, Ordering::Relaxed) + 1,
                total: Some(p.n_estimators),
                loss: None,
            });
            Ok(grown)
        };
        // Each tree's bag depends only on (seed, tree index), so the thread count does not
        // change which rows and columns a tree sees.
        let threads = ctx.threads.min(p.n_estimators);
        let grown: Vec<GrownTree> = if threads > 1 {
            let workers = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| Error::internal(format!("could not start {threads} threads: {e}")))?;
            workers.install(|| {
                (0..p.n_estimators)
                    .into_par_iter()
                    .map(grow_one)
                    .collect::<Result<Vec<_>>>()
            })?
        } else {
            (0..p.n_estimators)
                .map(grow_one)
                .collect::<Result<Vec<_>>>()?
        };
        let mut trees = Vec::with_capacity(grown.len());
        let mut importances = vec![0.0; n_features];
        for tree in grown {
            for (a, b) in importances.iter_mut().zip(normalise(tree.importances)) {
                *a += b;
            }
            trees.push(tree.view);
        }
        Ok(TreeModel {
            task: data.task(),
            n_classes: k,
            n_features,
            trees,
            importances: normalise(importances),
        })
    }
}

/// The bag of tree `tree`: `n_samples` positions drawn with replacement from `0..pool` and
/// `n_columns` sorted columns drawn without replacement from `0..n_features`, from
/// `Rng::stream(seed, tree)` (so each tree's bag depends only on the seed and its index).
fn draw_bag(
    seed: u64,
    tree: usize,
    pool: usize,
    n_samples: usize,
    n_features: usize,
    n_columns: usize,
) -> (Vec<usize>, Vec<usize>) {
    let mut rng = Rng::stream(seed, tree as u64);
    let picks = (0..n_samples).map(|_| rng.below(pool)).collect();
    let mut columns = rng.sample_indices(n_features, n_columns);
    columns.sort_unstable();
    (picks, columns)
}

/// `linfa.adaboost`: linfa-ensemble's AdaBoost (SAMME) over shallow linfa trees.
///
/// linfa-ensemble resamples the rows by weight with a `rand` generator; linfa-trees takes row
/// weights directly, so each round here fits on the weighted rows instead: the same algorithm,
/// deterministic and without a random generator.
#[derive(Debug, Clone, Copy, Default)]
pub struct AdaBoost;

impl AdaBoost {
    /// The estimator id.
    pub const ID: &'static str = "linfa.adaboost";
}

impl Estimator for AdaBoost {
    type Model = AdaBoostModel;
    type Params = AdaBoostParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(Self::ID, "AdaBoost over linfa trees", ModelFamily::Boosting)
            .tasks(&[Task::Binary, Task::Multiclass])
            .capabilities(|c| {
                c.exportable = true;
                c.probabilities = true;
                c.sample_weights = true;
                c.deterministic = LINFA_TREES_DETERMINISTIC;
            })
            .cost(CostModel::new(0.06))
            .default_use(DefaultUse::off())
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        AdaBoostParams::space()
    }

    fn fit(
        &self,
        data: &Dataset,
        params: &AdaBoostParams,
        ctx: &FitContext,
    ) -> Result<AdaBoostModel> {
        params
            .validate()
            .map_err(|e| e.prefixed(&Estimator::info(self).id))?;
        let p = params;
        let tree = p.tree();
        let x = prepare(data, ctx)?;
        let (rows, weights) = positive_rows(data)?;
        let n_features = x.n_cols();
        let x = if rows.len() == x.n_rows() {
            x
        } else {
            Cow::Owned(x.select_rows(&rows)?)
        };
        let y = labels_of(data, &rows);
        let k = data.n_classes();
        let features: Vec<usize> = (0..n_features).collect();
        let mut w = weights.unwrap_or_else(|| vec![1.0; rows.len()]);
        let mut trees = Vec::new();
        let mut tree_weights = Vec::new();
        let mut importances = vec![0.0; n_features];
        for round in 0..p.n_estimators {
            ctx.check()?;
            let total: f64 = w.iter().sum();
            if !(total > 0.0 && total.is_finite()) {
                break;
            }
            w.iter_mut().for_each(|v| *v /= total);
            let grown = grow(&x, &y, Some(&w), k, n_features, &features, &tree)?;
            let wrong: Vec<bool> = x
                .rows()
                .zip(&y)
                .map(|(r, &label)| mlpilot_core::argmax(grown.view.leaf_values(r)) != label)
                .collect();
            let error: f64 = w
                .iter()
                .zip(&wrong)
                .filter(|(_, m)| **m)
                .map(|(v, _)| v)
                .sum();
            if error >= 1.0 - 1.0 / k as f64 {
                if trees.is_empty() {
                    return Err(Error::backend(format!(
                        "{}: the first tree is no better than chance (weighted error {error:.3}); \
                         try a deeper tree",
                        Self::ID
                    )));
                }
                break;
            }
            let error = error.max(1e-10);
            let alpha = p.learning_rate * (((1.0 - error) / error).ln() + (k as f64 - 1.0).ln());
            for (a, b) in importances.iter_mut().zip(normalise(grown.importances)) {
                *a += alpha * b;
            }
            trees.push(grown.view);
            tree_weights.push(alpha);
            ctx.report(ProgressEvent::Iteration {
                estimator: Self::ID.into(),
                iteration: round + 1,
                total: Some(p.n_estimators),
                loss: Some(error),
            });
            if error <= 1e-10 {
                break;
            }
            let boost = alpha.exp();
            for (v, m) in w.iter_mut().zip(&wrong) {
                if *m {
                    *v *= boost;
                }
            }
        }
        Ok(AdaBoostModel {
            task: data.task(),
            n_classes: k,
            n_features,
            trees,
            tree_weights,
            importances: normalise(importances),
        })
    }
}

/// `linfa.svm`: a support vector machine (SMO) with a linear or Gaussian kernel.
/// Classification gives Platt-scaled probabilities; more than two classes are handled
/// one-vs-rest. Regression is epsilon-SVR on the standardised target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Svm;

impl Svm {
    /// The estimator id.
    pub const ID: &'static str = "linfa.svm";
}

fn with_kernel<T>(
    params: linfa_svm::SvmParams<f64, T>,
    kernel: Kernel,
) -> linfa_svm::SvmParams<f64, T> {
    match kernel {
        Kernel::Linear => params.linear_kernel(),
        Kernel::Gaussian { gamma } => params.gaussian_kernel(1.0 / gamma),
    }
}

/// The SMO stopping tolerance (libsvm's default; linfa's 1e-7 is far slower for no gain).
const SMO_TOLERANCE: f64 = 1e-3;

fn fit_binary_svm(
    x: ArrayView2<'_, f64>,
    labels: &Array1<usize>,
    class: usize,
    kernel: Kernel,
    c: f64,
) -> Result<PlattSvm> {
    let targets: Array1<bool> = labels.iter().map(|&l| l == class).collect();
    let dataset = DatasetBase::new(x, targets.view());
    let svm = with_kernel(linfa_svm::Svm::<f64, bool>::params(), kernel)
        .pos_neg_weights(c, c)
        .eps(SMO_TOLERANCE)
        .check()
        .map_err(|e| params_error(Svm::ID, e))?
        .fit(&dataset)
        .map_err(|e| backend("linfa.svm fit", e))?;
    let decisions: Array1<f64> = x
        .rows()
        .into_iter()
        .map(|r| svm.weighted_sum(&r) - svm.rho)
        .collect();
    let platt = Platt::<f64, ()>::params()
        .check()
        .map_err(|e| params_error(Svm::ID, e))?;
    // Platt's Newton method can fail to converge on degenerate decision values; the logistic
    // of the decision value is then the calibration.
    let (a, b) = platt_newton_method(decisions.view(), targets.view(), &platt)
        .ok()
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .unwrap_or((-1.0, 0.0));
    Ok(PlattSvm { class, svm, a, b })
}

impl Estimator for Svm {
    type Model = SvmModel;
    type Params = SvmParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(Self::ID, "support vector machine (linfa)", ModelFamily::Svm)
            .tasks(&[Task::Binary, Task::Multiclass, Task::Regression])
            .capabilities(|c| {
                c.probabilities = true;
                c.needs_scaling = true;
            })
            .cost(
                CostModel::new(0.05)
                    .exponents(2.0, 1.0)
                    .per_class()
                    .memory(1.0, true),
            )
            .default_use(DefaultUse {
                max_rows: Some(3_000),
                text: TextUse::Never,
                ..DefaultUse::default()
            })
    }

    fn search_space(&self, task: Task, shape: DataShape) -> SearchSpace {
        SvmParams::space(task, shape)
    }

    fn fit(&self, data: &Dataset, params: &SvmParams, ctx: &FitContext) -> Result<SvmModel> {
        params
            .validate()
            .map_err(|e| e.prefixed(&Estimator::info(self).id))?;
        let x = prepare(data, ctx)?;
        let kernel = params.resolved_kernel(x.n_cols());
        if x.n_rows() > SVM_MAX_ROWS {
            return Err(Error::new(
                ErrorKind::Budget,
                format!(
                    "{} keeps a dense kernel matrix and fits at most {SVM_MAX_ROWS} rows, got {}; \
                     subsample the data or use a linear model",
                    Self::ID,
                    x.n_rows()
                ),
            ));
        }
        let xv = view(&x)?;
        let kind = if data.task().is_classification() {
            let labels = class_labels(data.y());
            let positives: Vec<usize> = if data.task() == Task::Binary {
                vec![1]
            } else {
                data.class_counts()
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c > 0)
                    .map(|(class, _)| class)
                    .collect()
            };
            let mut machines = Vec::with_capacity(positives.len());
            for class in positives {
                ctx.check()?;
                machines.push(fit_binary_svm(xv, &labels, class, kernel, params.c)?);
            }
            SvmKind::Classifier { machines }
        } else {
            let y = data.y();
            let n = y.len().max(1) as f64;
            let y_mean = y.iter().sum::<f64>() / n;
            let sd = (y.iter().map(|v| (v - y_mean) * (v - y_mean)).sum::<f64>() / n).sqrt();
            let y_scale = if sd > 0.0 { sd } else { 1.0 };
            let targets: Array1<f64> = y.iter().map(|v| (v - y_mean) / y_scale).collect();
            let dataset = DatasetBase::new(xv, targets.view());
            let svm = with_kernel(linfa_svm::Svm::<f64, f64>::params(), kernel)
                .c_svr(params.c, Some(params.epsilon))
                .eps(SMO_TOLERANCE)
                .check()
                .map_err(|e| params_error(Self::ID, e))?
                .fit(&dataset)
                .map_err(|e| backend("linfa.svm fit", e))?;
            SvmKind::Regressor {
                svm,
                y_mean,
                y_scale,
            }
        };
        Ok(SvmModel {
            task: data.task(),
            n_classes: data.n_classes(),
            n_features: data.n_features(),
            kind,
        })
    }
}

/// `linfa.gaussian_nb`: Gaussian naive Bayes.
#[derive(Debug, Clone, Copy, Default)]
pub struct GaussianNb;

impl GaussianNb {
    /// The estimator id.
    pub const ID: &'static str = "linfa.gaussian_nb";
}

impl Estimator for GaussianNb {
    type Model = NaiveBayesModel;
    type Params = GaussianNbParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            Self::ID,
            "Gaussian naive Bayes (linfa)",
            ModelFamily::NaiveBayes,
        )
        .tasks(&[Task::Binary, Task::Multiclass])
        .capabilities(|c| {
            c.probabilities = true;
            c.exportable = true;
        })
        .cost(CostModel::new(0.001))
    }

    fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace {
        GaussianNbParams::space()
    }

    fn fit(
        &self,
        data: &Dataset,
        params: &GaussianNbParams,
        ctx: &FitContext,
    ) -> Result<NaiveBayesModel> {
        params
            .validate()
            .map_err(|e| e.prefixed(&Estimator::info(self).id))?;
        let p = params;
        let x = prepare(data, ctx)?;
        // linfa smooths variances by a share of the largest one: with every feature constant
        // that is zero and the likelihoods divide by zero.
        if column_stats(&x).iter().all(|(_, sd)| *sd <= 0.0) {
            return Err(Error::invalid_input(
                "every feature is constant; naive Bayes has nothing to learn from",
            ));
        }
        let dataset = DatasetBase::new(view(&x)?, class_labels(data.y()));
        let nb = linfa_bayes::GaussianNb::<f64, usize>::params()
            .var_smoothing(p.var_smoothing)
            .check()
            .map_err(|e| params_error(Self::ID, e))?
            .fit(&dataset)
            .map_err(|e| backend("linfa.gaussian_nb fit", e))?;
        Ok(NaiveBayesModel {
            task: data.task(),
            n_classes: data.n_classes(),
            n_features: data.n_features(),
            nb,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bags_depend_on_seed_and_tree_only() {
        let a = draw_bag(7, 3, 100, 80, 10, 4);
        assert_eq!(a, draw_bag(7, 3, 100, 80, 10, 4));
        assert_ne!(a, draw_bag(8, 3, 100, 80, 10, 4));
        assert_ne!(a, draw_bag(7, 4, 100, 80, 10, 4));
        let (rows, cols) = a;
        assert_eq!(rows.len(), 80);
        assert!(rows.iter().all(|&r| r < 100));
        assert_eq!(cols.len(), 4);
        assert!(cols.windows(2).all(|w| w[0] < w[1]));
    }
}
