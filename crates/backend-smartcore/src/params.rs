//! Search spaces and the typed, validated parameters each estimator fits with.
//!
//! Every estimator builds its [`SearchSpace`] here (ranges and defaults in the spirit of FLAML
//! and auto-sklearn, some depending on the [`DataShape`]), and reads a validated [`ParamSet`]
//! into a plain struct before it touches smartcore. `fit` validates again, so a direct
//! [`Estimator::fit`](mlpilot_core::Estimator::fit) call with partial or out-of-range
//! parameters gets the same defaults and the same clear errors as the registry path.

use mlpilot_core::{DataShape, ParamSet, Result, SearchSpace, Task};

/// Validates `params` against `space` (filling defaults) for a fit.
pub(crate) fn validated(space: &SearchSpace, params: &ParamSet, id: &str) -> Result<ParamSet> {
    space.validate(params).map_err(|e| e.prefixed(id))
}

fn to_u16(v: i64) -> u16 {
    u16::try_from(v.max(1)).unwrap_or(u16::MAX)
}

fn to_usize(v: i64) -> usize {
    usize::try_from(v.max(0)).unwrap_or(usize::MAX)
}

/// The largest `min_samples_leaf` worth searching: a quarter of the rows, at most 64.
fn leaf_high(shape: DataShape) -> i64 {
    if shape.n_rows == 0 {
        64
    } else {
        i64::try_from(shape.n_rows / 4).unwrap_or(64).clamp(1, 64)
    }
}

/// The default fraction of features tried at each split: √p/p for classification (as
/// scikit-learn and smartcore do), all of them for regression (scikit-learn since 1.1).
fn max_features_default(task: Task, shape: DataShape) -> f64 {
    let p = shape.n_features.max(1) as f64;
    if task.is_classification() {
        (p.sqrt() / p).clamp(1e-3, 1.0)
    } else {
        1.0
    }
}

/// The number of features to try at each split for a fraction `frac` of `p`.
pub(crate) fn features_per_split(frac: f64, p: usize) -> usize {
    ((frac * p as f64).ceil() as usize).clamp(1, p.max(1))
}

// ---------------------------------------------------------------------------------------------
// Linear models

/// `smartcore.linear_regression`: nothing to tune.
pub(crate) fn linear_regression_space() -> SearchSpace {
    SearchSpace::new()
}

/// `smartcore.ridge`: the L2 strength.
pub(crate) fn ridge_space() -> SearchSpace {
    SearchSpace::new().log_float("alpha", 1e-6, 1e3, 1.0)
}

/// `smartcore.lasso`: the L1 strength, relative to a unit-variance target.
pub(crate) fn lasso_space() -> SearchSpace {
    SearchSpace::new().log_float("alpha", 1e-5, 1.0, 1e-2)
}

/// `smartcore.elastic_net`: the penalty strength and its L1 share.
pub(crate) fn elastic_net_space() -> SearchSpace {
    SearchSpace::new()
        .log_float("alpha", 1e-5, 1.0, 1e-2)
        .float("l1_ratio", 0.0, 1.0, 0.5)
}

/// Penalised linear regression parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PenaltyParams {
    /// Penalty strength.
    pub(crate) alpha: f64,
    /// Share of the penalty that is L1 (1 for the lasso, 0 for ridge).
    pub(crate) l1_ratio: f64,
}

impl PenaltyParams {
    pub(crate) fn read(p: &ParamSet, l1_ratio: f64) -> Self {
        PenaltyParams {
            alpha: p.f64_or("alpha", 1.0),
            l1_ratio: p.f64_or("l1_ratio", l1_ratio),
        }
    }
}

/// `smartcore.logistic_regression`: the L2 strength (1/C in scikit-learn terms).
pub(crate) fn logistic_space() -> SearchSpace {
    SearchSpace::new().log_float("alpha", 1e-6, 100.0, 1.0)
}

// ---------------------------------------------------------------------------------------------
// Trees

/// `smartcore.decision_tree`.
pub(crate) fn decision_tree_space(task: Task, shape: DataShape) -> SearchSpace {
    let s = SearchSpace::new()
        .log_int("max_depth", 1, 64, 10)
        .log_int("min_samples_leaf", 1, leaf_high(shape), 1)
        .int("min_samples_split", 2, 20, 2);
    if task.is_classification() {
        s.categorical("criterion", &["gini", "entropy"], "gini")
    } else {
        s
    }
}

/// `smartcore.random_forest` and `smartcore.extra_trees`.
pub(crate) fn forest_space(task: Task, shape: DataShape) -> SearchSpace {
    let frac = max_features_default(task, shape);
    let s = SearchSpace::new()
        .log_int("n_estimators", 4, 512, 100)
        .log_int("max_depth", 2, 64, 64)
        .log_int("min_samples_leaf", 1, leaf_high(shape), 1)
        .float("max_features", frac.min(0.1), 1.0, frac);
    if task.is_classification() {
        s.categorical("criterion", &["gini", "entropy"], "gini")
    } else {
        s
    }
}

/// How a tree is grown.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TreeParams {
    /// smartcore's `max_depth`, which counts levels of nodes (the root is level 1, a node at
    /// level `max_depth` is not split): one more than the scikit-learn-style `max_depth`
    /// (splits from root to leaf) that the search space exposes.
    pub(crate) levels: u16,
    pub(crate) min_samples_leaf: usize,
    pub(crate) min_samples_split: usize,
    /// `gini` or `entropy` (classification only).
    pub(crate) entropy: bool,
}

impl TreeParams {
    pub(crate) fn read(p: &ParamSet) -> Self {
        let min_samples_leaf = to_usize(p.i64_or("min_samples_leaf", 1)).max(1);
        TreeParams {
            levels: to_u16(p.i64_or("max_depth", 64)).saturating_add(1),
            min_samples_leaf,
            // A split must be able to leave `min_samples_leaf` rows on each side.
            min_samples_split: to_usize(p.i64_or("min_samples_split", 2)).max(2),
            entropy: p.str_or("criterion", "gini") == "entropy",
        }
    }
}

/// How a forest is grown.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ForestParams {
    pub(crate) tree: TreeParams,
    pub(crate) n_estimators: usize,
    pub(crate) max_features: f64,
}

impl ForestParams {
    pub(crate) fn read(p: &ParamSet) -> Self {
        ForestParams {
            tree: TreeParams::read(p),
            n_estimators: to_usize(p.i64_or("n_estimators", 100)).max(1),
            max_features: p.f64_or("max_features", 1.0),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Neighbours, SVMs, naive Bayes

/// `smartcore.knn`: the neighbour count (at most half the rows, at most 50) and the weighting.
pub(crate) fn knn_space(shape: DataShape) -> SearchSpace {
    let high = if shape.n_rows >= 4 {
        i64::try_from(shape.n_rows / 2).unwrap_or(50).clamp(1, 50)
    } else {
        50
    };
    SearchSpace::new()
        .log_int("n_neighbors", 1, high, high.min(5))
        .categorical("weights", &["uniform", "distance"], "uniform")
}

/// Neighbour parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct KnnParams {
    pub(crate) k: usize,
    pub(crate) distance_weighted: bool,
}

impl KnnParams {
    pub(crate) fn read(p: &ParamSet) -> Self {
        KnnParams {
            k: to_usize(p.i64_or("n_neighbors", 5)).max(1),
            distance_weighted: p.str_or("weights", "uniform") == "distance",
        }
    }
}

/// `smartcore.svm`: kernel, C and (for rbf) gamma on log scales; epsilon for regression.
///
/// The default gamma is scikit-learn's `scale` rule for standardised inputs, 1/p.
pub(crate) fn svm_space(task: Task, shape: DataShape) -> SearchSpace {
    let gamma = (1.0 / shape.n_features.max(1) as f64).clamp(1e-4, 10.0);
    let s = SearchSpace::new()
        .categorical("kernel", &["rbf", "linear"], "rbf")
        .log_float("C", 0.03, 100.0, 1.0)
        .log_float("gamma", 1e-4, 10.0, gamma)
        .when("kernel", &["rbf"]);
    if task.is_classification() {
        s
    } else {
        s.log_float("epsilon", 1e-3, 1.0, 0.1)
    }
}

/// Support vector machine parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SvmParams {
    /// `None` for the linear kernel, the rbf gamma otherwise.
    pub(crate) rbf_gamma: Option<f64>,
    pub(crate) c: f64,
    pub(crate) epsilon: f64,
}

impl SvmParams {
    pub(crate) fn read(p: &ParamSet) -> Self {
        let rbf = p.str_or("kernel", "rbf") == "rbf";
        SvmParams {
            rbf_gamma: rbf.then(|| p.f64_or("gamma", 0.1)),
            c: p.f64_or("C", 1.0),
            epsilon: p.f64_or("epsilon", 0.1),
        }
    }
}

/// `smartcore.gaussian_nb`: variance smoothing, as a share of the largest feature variance.
pub(crate) fn gaussian_nb_space() -> SearchSpace {
    SearchSpace::new().log_float("var_smoothing", 1e-12, 1e-2, 1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(n_rows: usize, n_features: usize) -> DataShape {
        DataShape {
            n_rows,
            n_features,
            n_classes: 2,
        }
    }

    #[test]
    fn defaults_are_valid_for_every_shape() {
        for task in [Task::Binary, Task::Multiclass, Task::Regression] {
            for (n, p) in [(0, 0), (1, 1), (3, 2), (10, 1000), (100_000, 50)] {
                let s = shape(n, p);
                for space in [
                    decision_tree_space(task, s),
                    forest_space(task, s),
                    knn_space(s),
                    svm_space(task, s),
                    linear_regression_space(),
                    ridge_space(),
                    lasso_space(),
                    elastic_net_space(),
                    logistic_space(),
                    gaussian_nb_space(),
                ] {
                    let d = space.defaults();
                    assert!(space.validate(&d).is_ok(), "{task} {n}×{p}: {d}");
                }
            }
        }
    }

    #[test]
    fn forest_defaults_follow_the_task() {
        let s = shape(400, 16);
        let c = ForestParams::read(&forest_space(Task::Binary, s).defaults());
        assert_eq!(c.n_estimators, 100);
        assert!((c.max_features - 0.25).abs() < 1e-12);
        assert_eq!(features_per_split(c.max_features, 16), 4);
        let r = ForestParams::read(&forest_space(Task::Regression, s).defaults());
        assert_eq!(features_per_split(r.max_features, 16), 16);
        assert!(
            forest_space(Task::Regression, s)
                .param("criterion")
                .is_none()
        );
    }

    #[test]
    fn svm_gamma_only_for_rbf() {
        let space = svm_space(Task::Binary, shape(100, 4));
        let lin = space
            .validate(&ParamSet::new().with("kernel", "linear"))
            .unwrap();
        assert_eq!(SvmParams::read(&lin).rbf_gamma, None);
        let rbf = SvmParams::read(&space.defaults());
        assert_eq!(rbf.rbf_gamma, Some(0.25));
    }

    #[test]
    fn knn_neighbours_fit_small_data() {
        let space = knn_space(shape(6, 2));
        assert_eq!(space.defaults().i64_or("n_neighbors", 0), 3);
        assert!(
            space
                .validate(&ParamSet::new().with("n_neighbors", 4i64))
                .is_err()
        );
    }
}
