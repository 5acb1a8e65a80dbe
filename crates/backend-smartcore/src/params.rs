//! Typed parameters of each estimator, the search spaces that read their defaults, and the
//! configurations the fits resolve them into.
//!
//! Every estimator has a public parameter type (serde names = the search space's names,
//! `Default` = the space's defaults, [`Params::validate`] = the checks); `fit_dyn` reads a
//! `ParamSet` into it once, and a direct `Estimator::fit` takes it as it is.

use mlpilot_core::{DataShape, Params, Result, SearchSpace, Task, check_range};
use serde::{Deserialize, Serialize};

/// A count as a search-space integer.
fn int(v: usize) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u16(v: usize) -> u16 {
    u16::try_from(v.max(1)).unwrap_or(u16::MAX)
}

/// The largest `min_samples_leaf` worth searching: a quarter of the rows, at most 64.
fn leaf_high(shape: DataShape) -> usize {
    if shape.n_rows == 0 {
        64
    } else {
        (shape.n_rows / 4).clamp(1, 64)
    }
}

/// The default fraction of features tried at each split: √p/p for classification (as
/// scikit-learn and smartcore do), all of them for regression (scikit-learn since 1.1).
fn max_features_default(task: Task, n_features: usize) -> f64 {
    let p = n_features.max(1) as f64;
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

/// A penalty strength `alpha` as its own parameter type (ridge, lasso, logistic regression).
macro_rules! alpha_params {
    ($(#[$doc:meta])* $name:ident, $default:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            /// The penalty strength, ≥ 0.
            pub alpha: f64,
        }

        impl Default for $name {
            fn default() -> Self {
                $name { alpha: $default }
            }
        }

        impl Params for $name {
            fn validate(&self) -> Result<()> {
                check_range("alpha", self.alpha, 0.0, f64::MAX)
            }
        }
    };
}

alpha_params!(
    /// Parameters of [`crate::Ridge`]: the L2 strength on the centred data.
    RidgeParams,
    1.0
);
alpha_params!(
    /// Parameters of [`crate::Lasso`]: the L1 strength, relative to a unit-variance target.
    LassoParams,
    1e-2
);
alpha_params!(
    /// Parameters of [`crate::LogisticRegression`]: the L2 strength (1/C in scikit-learn's
    /// terms).
    LogisticParams,
    1.0
);

/// `smartcore.ridge`: the L2 strength.
pub(crate) fn ridge_space() -> SearchSpace {
    SearchSpace::new().log_float("alpha", 1e-6, 1e3, RidgeParams::default().alpha)
}

/// `smartcore.lasso`: the L1 strength, relative to a unit-variance target.
pub(crate) fn lasso_space() -> SearchSpace {
    SearchSpace::new().log_float("alpha", 1e-5, 1.0, LassoParams::default().alpha)
}

/// Parameters of [`crate::ElasticNet`]: the penalty strength and its L1 share.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ElasticNetParams {
    /// The penalty strength relative to a unit-variance target, ≥ 0.
    pub alpha: f64,
    /// The share of the penalty that is L1, in [0, 1].
    pub l1_ratio: f64,
}

impl Default for ElasticNetParams {
    fn default() -> Self {
        ElasticNetParams {
            alpha: 1e-2,
            l1_ratio: 0.5,
        }
    }
}

impl Params for ElasticNetParams {
    fn validate(&self) -> Result<()> {
        check_range("alpha", self.alpha, 0.0, f64::MAX)?;
        check_range("l1_ratio", self.l1_ratio, 0.0, 1.0)
    }
}

/// `smartcore.elastic_net`: the penalty strength and its L1 share.
pub(crate) fn elastic_net_space() -> SearchSpace {
    let d = ElasticNetParams::default();
    SearchSpace::new()
        .log_float("alpha", 1e-5, 1.0, d.alpha)
        .float("l1_ratio", 0.0, 1.0, d.l1_ratio)
}

/// `smartcore.logistic_regression`: the L2 strength (1/C in scikit-learn terms).
pub(crate) fn logistic_space() -> SearchSpace {
    SearchSpace::new().log_float("alpha", 1e-6, 100.0, LogisticParams::default().alpha)
}

// ---------------------------------------------------------------------------------------------
// Trees

/// How a classification tree measures a split's impurity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Criterion {
    /// Gini impurity.
    #[default]
    Gini,
    /// Entropy (information gain).
    Entropy,
}

impl Criterion {
    fn as_str(self) -> &'static str {
        match self {
            Criterion::Gini => "gini",
            Criterion::Entropy => "entropy",
        }
    }
}

/// Parameters of [`crate::DecisionTree`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DecisionTreeParams {
    /// Splits from the root to a leaf (scikit-learn's `max_depth`), at least 1.
    pub max_depth: usize,
    /// Fewest rows in a leaf, at least 1.
    pub min_samples_leaf: usize,
    /// Fewest rows in a node that is split, at least 2.
    pub min_samples_split: usize,
    /// The impurity of a classification split (ignored for regression).
    pub criterion: Criterion,
}

impl Default for DecisionTreeParams {
    fn default() -> Self {
        DecisionTreeParams {
            max_depth: 10,
            min_samples_leaf: 1,
            min_samples_split: 2,
            criterion: Criterion::Gini,
        }
    }
}

impl Params for DecisionTreeParams {
    fn validate(&self) -> Result<()> {
        check_range("max_depth", self.max_depth, 1, usize::from(u16::MAX) - 1)?;
        check_range("min_samples_leaf", self.min_samples_leaf, 1, usize::MAX)?;
        check_range("min_samples_split", self.min_samples_split, 2, usize::MAX)
    }
}

impl DecisionTreeParams {
    pub(crate) fn config(&self) -> TreeConfig {
        TreeConfig {
            levels: to_u16(self.max_depth).saturating_add(1),
            min_samples_leaf: self.min_samples_leaf,
            min_samples_split: self.min_samples_split,
            entropy: self.criterion == Criterion::Entropy,
        }
    }
}

/// `smartcore.decision_tree`.
pub(crate) fn decision_tree_space(task: Task, shape: DataShape) -> SearchSpace {
    let d = DecisionTreeParams::default();
    let leaf_hi = leaf_high(shape);
    let s = SearchSpace::new()
        .log_int("max_depth", 1, 64, int(d.max_depth))
        .log_int(
            "min_samples_leaf",
            1,
            int(leaf_hi),
            int(d.min_samples_leaf.min(leaf_hi)),
        )
        .int("min_samples_split", 2, 20, int(d.min_samples_split));
    if task.is_classification() {
        s.categorical("criterion", &["gini", "entropy"], d.criterion.as_str())
    } else {
        s
    }
}

/// Parameters of [`crate::RandomForest`] and [`crate::ExtraTrees`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForestParams {
    /// Trees, at least 1.
    pub n_estimators: usize,
    /// Splits from the root to a leaf, at least 1.
    pub max_depth: usize,
    /// Fewest rows in a leaf, at least 1.
    pub min_samples_leaf: usize,
    /// Share of the features tried at each split, in (0, 1]; `None`: √p/p for classification,
    /// all of them for regression.
    pub max_features: Option<f64>,
    /// The impurity of a classification split (ignored for regression).
    pub criterion: Criterion,
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            n_estimators: 100,
            max_depth: 64,
            min_samples_leaf: 1,
            max_features: None,
            criterion: Criterion::Gini,
        }
    }
}

impl Params for ForestParams {
    fn validate(&self) -> Result<()> {
        check_range("n_estimators", self.n_estimators, 1, 1 << 20)?;
        check_range("max_depth", self.max_depth, 1, usize::from(u16::MAX) - 1)?;
        check_range("min_samples_leaf", self.min_samples_leaf, 1, usize::MAX)?;
        if let Some(f) = self.max_features {
            check_range("max_features", f, f64::MIN_POSITIVE, 1.0)?;
        }
        Ok(())
    }
}

impl ForestParams {
    pub(crate) fn config(&self, task: Task, n_features: usize) -> ForestConfig {
        ForestConfig {
            tree: TreeConfig {
                levels: to_u16(self.max_depth).saturating_add(1),
                min_samples_leaf: self.min_samples_leaf,
                min_samples_split: 2,
                entropy: self.criterion == Criterion::Entropy,
            },
            n_estimators: self.n_estimators,
            max_features: self
                .max_features
                .unwrap_or_else(|| max_features_default(task, n_features)),
        }
    }
}

/// `smartcore.random_forest` and `smartcore.extra_trees`.
pub(crate) fn forest_space(task: Task, shape: DataShape) -> SearchSpace {
    let d = ForestParams::default();
    let frac = d
        .max_features
        .unwrap_or_else(|| max_features_default(task, shape.n_features));
    let leaf_hi = leaf_high(shape);
    let s = SearchSpace::new()
        .log_int("n_estimators", 4, 512, int(d.n_estimators))
        .log_int("max_depth", 2, 64, int(d.max_depth))
        .log_int(
            "min_samples_leaf",
            1,
            int(leaf_hi),
            int(d.min_samples_leaf.min(leaf_hi)),
        )
        .float("max_features", frac.min(0.1), 1.0, frac);
    if task.is_classification() {
        s.categorical("criterion", &["gini", "entropy"], d.criterion.as_str())
    } else {
        s
    }
}

/// How a tree is grown, in smartcore's terms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TreeConfig {
    /// smartcore's `max_depth`, which counts levels of nodes (the root is level 1, a node at
    /// level `max_depth` is not split): one more than the scikit-learn-style `max_depth`
    /// (splits from root to leaf) that the parameters hold.
    pub(crate) levels: u16,
    pub(crate) min_samples_leaf: usize,
    pub(crate) min_samples_split: usize,
    /// `gini` or `entropy` (classification only).
    pub(crate) entropy: bool,
}

/// How a forest is grown, in smartcore's terms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ForestConfig {
    pub(crate) tree: TreeConfig,
    pub(crate) n_estimators: usize,
    pub(crate) max_features: f64,
}

// ---------------------------------------------------------------------------------------------
// Neighbours, SVMs, naive Bayes

/// How neighbours vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KnnWeights {
    /// Every neighbour counts the same.
    #[default]
    Uniform,
    /// Nearer neighbours count more (1/distance).
    Distance,
}

/// Parameters of [`crate::Knn`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KnnParams {
    /// Neighbours consulted, at least 1 (at most the training rows are used); `None`: 5, or
    /// half the rows when that is fewer.
    pub n_neighbors: Option<usize>,
    /// How they vote.
    pub weights: KnnWeights,
}

impl Default for KnnParams {
    fn default() -> Self {
        KnnParams {
            n_neighbors: None,
            weights: KnnWeights::Uniform,
        }
    }
}

impl Params for KnnParams {
    fn validate(&self) -> Result<()> {
        if let Some(k) = self.n_neighbors {
            check_range("n_neighbors", k, 1, usize::MAX)?;
        }
        Ok(())
    }
}

/// The most neighbours worth searching: half the rows, at most 50.
fn knn_high(n_rows: usize) -> usize {
    if n_rows >= 4 {
        (n_rows / 2).clamp(1, 50)
    } else {
        50
    }
}

impl KnnParams {
    /// The neighbours consulted on a table of `n_rows` rows (never more than the rows).
    pub(crate) fn neighbours_for(&self, n_rows: usize) -> usize {
        self.n_neighbors
            .unwrap_or_else(|| 5.min(knn_high(n_rows)))
            .min(n_rows)
            .max(1)
    }
}

/// `smartcore.knn`: the neighbour count (at most half the rows, at most 50) and the weighting.
pub(crate) fn knn_space(shape: DataShape) -> SearchSpace {
    let d = KnnParams::default();
    let high = knn_high(shape.n_rows);
    let default = d.n_neighbors.unwrap_or_else(|| 5.min(high)).min(high);
    SearchSpace::new()
        .log_int("n_neighbors", 1, int(high), int(default))
        .categorical(
            "weights",
            &["uniform", "distance"],
            match d.weights {
                KnnWeights::Uniform => "uniform",
                KnnWeights::Distance => "distance",
            },
        )
}

/// The kernel of a support vector machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SvmKernel {
    /// The Gaussian kernel `exp(-gamma·‖x − z‖²)`.
    #[default]
    Rbf,
    /// The dot product.
    Linear,
}

/// Parameters of [`crate::Svm`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SvmParams {
    /// The kernel.
    pub kernel: SvmKernel,
    /// The inverse regularisation strength, positive.
    #[serde(rename = "C")]
    pub c: f64,
    /// The rbf kernel's width, positive; `None`: 1/p on standardised inputs (scikit-learn's
    /// `"scale"`), within [1e-4, 10].
    pub gamma: Option<f64>,
    /// The width of the regression tube where errors cost nothing, ≥ 0 (regression only).
    pub epsilon: f64,
}

impl Default for SvmParams {
    fn default() -> Self {
        SvmParams {
            kernel: SvmKernel::Rbf,
            c: 1.0,
            gamma: None,
            epsilon: 0.1,
        }
    }
}

impl Params for SvmParams {
    fn validate(&self) -> Result<()> {
        check_range("C", self.c, f64::MIN_POSITIVE, f64::MAX)?;
        if let Some(g) = self.gamma {
            check_range("gamma", g, f64::MIN_POSITIVE, f64::MAX)?;
        }
        check_range("epsilon", self.epsilon, 0.0, f64::MAX)
    }
}

/// The rbf width when none is given: 1/p, within [1e-4, 10].
fn gamma_scale(n_features: usize) -> f64 {
    (1.0 / n_features.max(1) as f64).clamp(1e-4, 10.0)
}

impl SvmParams {
    pub(crate) fn config(&self, n_features: usize) -> SvmConfig {
        SvmConfig {
            rbf_gamma: (self.kernel == SvmKernel::Rbf)
                .then(|| self.gamma.unwrap_or_else(|| gamma_scale(n_features))),
            c: self.c,
            epsilon: self.epsilon,
        }
    }
}

/// `smartcore.svm`: kernel, C and (for rbf) gamma on log scales; epsilon for regression.
pub(crate) fn svm_space(task: Task, shape: DataShape) -> SearchSpace {
    let d = SvmParams::default();
    let gamma = d.gamma.unwrap_or_else(|| gamma_scale(shape.n_features));
    let s = SearchSpace::new()
        .categorical(
            "kernel",
            &["rbf", "linear"],
            match d.kernel {
                SvmKernel::Rbf => "rbf",
                SvmKernel::Linear => "linear",
            },
        )
        .log_float("C", 0.03, 100.0, d.c)
        .log_float("gamma", 1e-4, 10.0, gamma)
        .when("kernel", &["rbf"]);
    if task.is_classification() {
        s
    } else {
        s.log_float("epsilon", 1e-3, 1.0, d.epsilon)
    }
}

/// A support vector machine, in smartcore's terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SvmConfig {
    /// `None` for the linear kernel, the rbf gamma otherwise.
    pub(crate) rbf_gamma: Option<f64>,
    pub(crate) c: f64,
    pub(crate) epsilon: f64,
}

/// Parameters of [`crate::GaussianNb`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GaussianNbParams {
    /// Variance added to every feature's, as a share of the largest feature variance, ≥ 0.
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

/// `smartcore.gaussian_nb`: variance smoothing, as a share of the largest feature variance.
pub(crate) fn gaussian_nb_space() -> SearchSpace {
    SearchSpace::new().log_float(
        "var_smoothing",
        1e-12,
        1e-2,
        GaussianNbParams::default().var_smoothing,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlpilot_core::ParamSet;

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
        let c: ForestParams = forest_space(Task::Binary, s)
            .defaults()
            .to_params()
            .unwrap();
        let c = c.config(Task::Binary, 16);
        assert_eq!(c.n_estimators, 100);
        assert!((c.max_features - 0.25).abs() < 1e-12);
        assert_eq!(features_per_split(c.max_features, 16), 4);
        assert_eq!(c, ForestParams::default().config(Task::Binary, 16));
        let r: ForestParams = forest_space(Task::Regression, s)
            .defaults()
            .to_params()
            .unwrap();
        assert_eq!(
            features_per_split(r.config(Task::Regression, 16).max_features, 16),
            16
        );
        assert!(
            forest_space(Task::Regression, s)
                .param("criterion")
                .is_none()
        );
    }

    #[test]
    fn svm_gamma_only_for_rbf() {
        let space = svm_space(Task::Binary, shape(100, 4));
        let lin: SvmParams = space
            .validate(&ParamSet::new().with("kernel", "linear"))
            .unwrap()
            .to_params()
            .unwrap();
        assert_eq!(lin.config(4).rbf_gamma, None);
        let rbf: SvmParams = space.defaults().to_params().unwrap();
        assert_eq!(rbf.config(4).rbf_gamma, Some(0.25));
        assert_eq!(SvmParams::default().config(4).rbf_gamma, Some(0.25));
        // `C` keeps its scikit-learn spelling in a parameter set.
        let c: SvmParams = ParamSet::new().with("C", 3.0).to_params().unwrap();
        assert_eq!(c.c, 3.0);
    }

    #[test]
    fn knn_neighbours_fit_small_data() {
        let space = knn_space(shape(6, 2));
        assert_eq!(space.defaults().i64_or("n_neighbors", 0), 3);
        // The typed default follows the same rule.
        assert_eq!(KnnParams::default().neighbours_for(6), 3);
        assert_eq!(KnnParams::default().neighbours_for(400), 5);
        assert!(
            space
                .validate(&ParamSet::new().with("n_neighbors", 4i64))
                .is_err()
        );
    }

    #[test]
    fn typed_values_out_of_range_are_refused_by_name() {
        let e = ElasticNetParams {
            l1_ratio: 1.5,
            ..ElasticNetParams::default()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("l1_ratio") && e.contains("1.5"), "{e}");
        assert!(
            KnnParams {
                n_neighbors: Some(0),
                ..KnnParams::default()
            }
            .validate()
            .is_err()
        );
        assert!(RidgeParams { alpha: f64::NAN }.validate().is_err());
    }
}
