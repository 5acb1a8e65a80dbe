//! Typed parameters and search spaces of the linfa estimators.
//!
//! Each estimator has a public parameter type in linfa's `ParamGuard` spirit: serde names equal
//! to its search space's names, `Default` holding the defaults the space reads, and
//! [`Params::validate`] checking each value. `fit_dyn` reads a `ParamSet` into it once; the fit
//! then resolves it into what linfa takes. Ranges and defaults follow FLAML and auto-sklearn,
//! adjusted to linfa's parametrisations (noted on each field).

use mlpilot_core::{DataShape, Params, Result, SearchSpace, Task, check_range};
use serde::{Deserialize, Serialize};

/// A count as a search-space integer.
fn int(v: usize) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Parameters of [`crate::LogisticRegression`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogisticParams {
    /// L2 penalty weight, ≥ 0. linfa minimises the summed (not averaged) log loss plus
    /// `alpha/2·‖w‖²`, so `alpha` plays the part of scikit-learn's `1/C`.
    pub alpha: f64,
    /// L-BFGS iterations, at least 1.
    pub max_iterations: u64,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            alpha: 1.0,
            max_iterations: 100,
        }
    }
}

impl Params for LogisticParams {
    fn validate(&self) -> Result<()> {
        check_range("alpha", self.alpha, 0.0, f64::MAX)?;
        check_range("max_iterations", self.max_iterations, 1, u64::MAX)
    }
}

impl LogisticParams {
    pub(crate) fn space() -> SearchSpace {
        let d = Self::default();
        SearchSpace::new()
            .log_float("alpha", 1e-4, 1e2, d.alpha)
            .log_int(
                "max_iterations",
                20,
                1000,
                i64::try_from(d.max_iterations).unwrap_or(1000),
            )
    }
}

/// Parameters of [`crate::ElasticNet`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ElasticNetParams {
    /// Overall penalty, ≥ 0 (scikit-learn's `alpha`: the loss is the mean squared error / 2).
    pub penalty: f64,
    /// Share of L1 in the penalty, in [0, 1] (0 = ridge, 1 = lasso).
    pub l1_ratio: f64,
    /// Coordinate-descent sweeps, at least 1.
    pub max_iterations: u32,
}

impl Default for ElasticNetParams {
    fn default() -> Self {
        ElasticNetParams {
            penalty: 1e-2,
            l1_ratio: 0.5,
            max_iterations: 1000,
        }
    }
}

impl Params for ElasticNetParams {
    fn validate(&self) -> Result<()> {
        check_range("penalty", self.penalty, 0.0, f64::MAX)?;
        check_range("l1_ratio", self.l1_ratio, 0.0, 1.0)?;
        check_range("max_iterations", self.max_iterations, 1, u32::MAX)
    }
}

impl ElasticNetParams {
    pub(crate) fn space() -> SearchSpace {
        let d = Self::default();
        SearchSpace::new()
            .log_float("penalty", 1e-5, 10.0, d.penalty)
            .float("l1_ratio", 0.0, 1.0, d.l1_ratio)
            .log_int("max_iterations", 100, 5000, i64::from(d.max_iterations))
    }
}

/// How a tree scores a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Criterion {
    /// Gini impurity.
    #[default]
    Gini,
    /// Information gain (entropy).
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

const CRITERIA: [&str; 2] = ["gini", "entropy"];

/// How one tree grows (a decision tree, and the trees of the ensembles).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TreeConfig {
    /// Split quality.
    pub(crate) criterion: Criterion,
    /// Maximum depth (always bounded: linfa grows trees recursively).
    pub(crate) max_depth: usize,
    /// Minimum (weighted) rows to split a node.
    pub(crate) min_samples_split: usize,
    /// Minimum (weighted) rows in a leaf.
    pub(crate) min_samples_leaf: usize,
    /// Minimum impurity decrease of a split (linfa needs it positive).
    pub(crate) min_impurity_decrease: f64,
}

/// Parameters of [`crate::DecisionTree`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DecisionTreeParams {
    /// Split quality.
    pub criterion: Criterion,
    /// Maximum depth, at least 1 (always bounded: linfa grows trees recursively).
    pub max_depth: usize,
    /// Minimum (weighted) rows to split a node, at least 2.
    pub min_samples_split: usize,
    /// Minimum (weighted) rows in a leaf, at least 1.
    pub min_samples_leaf: usize,
    /// Minimum impurity decrease of a split, positive (linfa needs it so).
    pub min_impurity_decrease: f64,
}

impl Default for DecisionTreeParams {
    fn default() -> Self {
        DecisionTreeParams {
            criterion: Criterion::Gini,
            max_depth: 12,
            min_samples_split: 2,
            min_samples_leaf: 1,
            min_impurity_decrease: 1e-5,
        }
    }
}

impl Params for DecisionTreeParams {
    fn validate(&self) -> Result<()> {
        check_range("max_depth", self.max_depth, 1, 1 << 10)?;
        check_range("min_samples_split", self.min_samples_split, 2, usize::MAX)?;
        check_range("min_samples_leaf", self.min_samples_leaf, 1, usize::MAX)?;
        check_range(
            "min_impurity_decrease",
            self.min_impurity_decrease,
            f64::MIN_POSITIVE,
            f64::MAX,
        )
    }
}

impl DecisionTreeParams {
    pub(crate) fn space() -> SearchSpace {
        let d = Self::default();
        SearchSpace::new()
            .categorical("criterion", &CRITERIA, d.criterion.as_str())
            .log_int("max_depth", 1, 64, int(d.max_depth))
            .log_int("min_samples_split", 2, 64, int(d.min_samples_split))
            .log_int("min_samples_leaf", 1, 64, int(d.min_samples_leaf))
            .log_float("min_impurity_decrease", 1e-7, 1e-1, d.min_impurity_decrease)
    }

    pub(crate) fn tree(&self) -> TreeConfig {
        TreeConfig {
            criterion: self.criterion,
            max_depth: self.max_depth,
            min_samples_split: self.min_samples_split,
            min_samples_leaf: self.min_samples_leaf,
            min_impurity_decrease: self.min_impurity_decrease,
        }
    }
}

/// The trees of an ensemble: a decision tree's defaults but for the depth.
fn ensemble_tree(criterion: Criterion, max_depth: usize, min_samples_leaf: usize) -> TreeConfig {
    TreeConfig {
        criterion,
        max_depth,
        min_samples_leaf,
        ..DecisionTreeParams::default().tree()
    }
}

/// Parameters of [`crate::RandomForest`]: bagged trees with per-tree feature subsets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForestParams {
    /// Trees, at least 1.
    pub n_estimators: usize,
    /// Share of the columns each tree sees (drawn without replacement), in (0, 1].
    pub max_features: f64,
    /// Bootstrap sample size as a share of the rows (drawn with replacement), in (0, 1].
    pub max_samples: f64,
    /// Split quality.
    pub criterion: Criterion,
    /// Maximum depth of each tree, at least 1.
    pub max_depth: usize,
    /// Minimum (weighted) rows in a leaf, at least 1.
    pub min_samples_leaf: usize,
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            n_estimators: 50,
            max_features: 0.7,
            max_samples: 1.0,
            criterion: Criterion::Gini,
            max_depth: 32,
            min_samples_leaf: 1,
        }
    }
}

impl Params for ForestParams {
    fn validate(&self) -> Result<()> {
        check_range("n_estimators", self.n_estimators, 1, 1 << 16)?;
        check_range("max_features", self.max_features, f64::MIN_POSITIVE, 1.0)?;
        check_range("max_samples", self.max_samples, f64::MIN_POSITIVE, 1.0)?;
        check_range("max_depth", self.max_depth, 1, 1 << 10)?;
        check_range("min_samples_leaf", self.min_samples_leaf, 1, usize::MAX)
    }
}

impl ForestParams {
    pub(crate) fn space() -> SearchSpace {
        let d = Self::default();
        SearchSpace::new()
            .log_int("n_estimators", 4, 300, int(d.n_estimators))
            .float("max_features", 0.1, 1.0, d.max_features)
            .float("max_samples", 0.3, 1.0, d.max_samples)
            .categorical("criterion", &CRITERIA, d.criterion.as_str())
            .log_int("max_depth", 2, 64, int(d.max_depth))
            .log_int("min_samples_leaf", 1, 32, int(d.min_samples_leaf))
    }

    pub(crate) fn tree(&self) -> TreeConfig {
        ensemble_tree(self.criterion, self.max_depth, self.min_samples_leaf)
    }
}

/// Parameters of [`crate::AdaBoost`]: SAMME over shallow trees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdaBoostParams {
    /// Boosting rounds (fewer when a tree fits the data perfectly), at least 1.
    pub n_estimators: usize,
    /// Shrinks each tree's vote, positive.
    pub learning_rate: f64,
    /// Depth of each tree, at least 1 (1: stumps).
    pub max_depth: usize,
}

impl Default for AdaBoostParams {
    fn default() -> Self {
        AdaBoostParams {
            n_estimators: 50,
            learning_rate: 0.5,
            max_depth: 1,
        }
    }
}

impl Params for AdaBoostParams {
    fn validate(&self) -> Result<()> {
        check_range("n_estimators", self.n_estimators, 1, 1 << 16)?;
        check_range(
            "learning_rate",
            self.learning_rate,
            f64::MIN_POSITIVE,
            f64::MAX,
        )?;
        check_range("max_depth", self.max_depth, 1, 1 << 10)
    }
}

impl AdaBoostParams {
    pub(crate) fn space() -> SearchSpace {
        let d = Self::default();
        SearchSpace::new()
            .log_int("n_estimators", 10, 500, int(d.n_estimators))
            .log_float("learning_rate", 0.01, 2.0, d.learning_rate)
            .int("max_depth", 1, 10, int(d.max_depth))
    }

    pub(crate) fn tree(&self) -> TreeConfig {
        ensemble_tree(Criterion::Gini, self.max_depth, 1)
    }
}

/// The kernel of [`crate::Svm`], as a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SvmKernel {
    /// `exp(-gamma·‖x − x'‖²)`.
    #[default]
    Gaussian,
    /// `<x, x'>`.
    Linear,
}

/// Kernel of a support vector machine, resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kernel {
    /// `<x, x'>`.
    Linear,
    /// `exp(-gamma·‖x − x'‖²)` (linfa's `Gaussian(1/gamma)`).
    Gaussian {
        /// Inverse width.
        gamma: f64,
    },
}

/// Parameters of [`crate::Svm`] (classification or epsilon-SVR).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SvmParams {
    /// The kernel.
    pub kernel: SvmKernel,
    /// Soft-margin penalty, positive.
    pub c: f64,
    /// The Gaussian kernel's inverse width, positive; `None`: `1/n_features` within
    /// [1e-4, 10] (scikit-learn's `scale` for standardised inputs).
    pub gamma: Option<f64>,
    /// SVR only: the width of the insensitive tube, in standard deviations of the target, ≥ 0.
    pub epsilon: f64,
}

impl Default for SvmParams {
    fn default() -> Self {
        SvmParams {
            kernel: SvmKernel::Gaussian,
            c: 1.0,
            gamma: None,
            epsilon: 0.1,
        }
    }
}

impl Params for SvmParams {
    fn validate(&self) -> Result<()> {
        check_range("c", self.c, f64::MIN_POSITIVE, f64::MAX)?;
        if let Some(g) = self.gamma {
            check_range("gamma", g, f64::MIN_POSITIVE, f64::MAX)?;
        }
        check_range("epsilon", self.epsilon, 0.0, f64::MAX)
    }
}

/// The Gaussian kernel's width when none is given.
fn gamma_scale(n_features: usize) -> f64 {
    (1.0 / n_features.max(1) as f64).clamp(1e-4, 10.0)
}

impl SvmParams {
    pub(crate) fn space(task: Task, shape: DataShape) -> SearchSpace {
        let d = Self::default();
        let space = SearchSpace::new()
            .categorical(
                "kernel",
                &["gaussian", "linear"],
                match d.kernel {
                    SvmKernel::Gaussian => "gaussian",
                    SvmKernel::Linear => "linear",
                },
            )
            .log_float("c", 0.01, 1000.0, d.c)
            .log_float(
                "gamma",
                1e-4,
                10.0,
                d.gamma.unwrap_or_else(|| gamma_scale(shape.n_features)),
            )
            .when("kernel", &["gaussian"]);
        if task.is_classification() {
            space
        } else {
            space.log_float("epsilon", 1e-3, 1.0, d.epsilon)
        }
    }

    /// The kernel for inputs of `n_features` columns.
    pub(crate) fn resolved_kernel(&self, n_features: usize) -> Kernel {
        match self.kernel {
            SvmKernel::Linear => Kernel::Linear,
            SvmKernel::Gaussian => Kernel::Gaussian {
                gamma: self.gamma.unwrap_or_else(|| gamma_scale(n_features)),
            },
        }
    }
}

/// Parameters of [`crate::GaussianNb`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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

impl GaussianNbParams {
    pub(crate) fn space() -> SearchSpace {
        SearchSpace::new().log_float("var_smoothing", 1e-12, 1e-2, Self::default().var_smoothing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlpilot_core::ParamSet;

    #[test]
    fn defaults_are_valid_and_typed() {
        let shape = DataShape {
            n_rows: 100,
            n_features: 4,
            n_classes: 2,
        };
        for space in [
            LogisticParams::space(),
            ElasticNetParams::space(),
            DecisionTreeParams::space(),
            ForestParams::space(),
            AdaBoostParams::space(),
            SvmParams::space(Task::Binary, shape),
            SvmParams::space(Task::Regression, shape),
            GaussianNbParams::space(),
        ] {
            space.validate(&space.defaults()).unwrap();
        }
        let svm: SvmParams = SvmParams::space(Task::Binary, shape)
            .defaults()
            .to_params()
            .unwrap();
        assert_eq!(svm.resolved_kernel(4), Kernel::Gaussian { gamma: 0.25 });
        assert_eq!(
            SvmParams::default().resolved_kernel(4),
            Kernel::Gaussian { gamma: 0.25 }
        );
        let forest: ForestParams = ForestParams::space().defaults().to_params().unwrap();
        assert_eq!(forest, ForestParams::default());
    }

    #[test]
    fn out_of_range_is_refused() {
        let e = LogisticParams {
            alpha: -1.0,
            ..LogisticParams::default()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("alpha"), "{e}");
        let p = ParamSet::new().with("l1_ratio", 1.5);
        assert!(ElasticNetParams::space().validate(&p).is_err());
        assert!(
            ElasticNetParams {
                l1_ratio: 1.5,
                ..ElasticNetParams::default()
            }
            .validate()
            .is_err()
        );
    }
}
