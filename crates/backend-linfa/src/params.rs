//! Typed hyperparameters and search spaces of the linfa estimators.
//!
//! Each estimator describes what can be tuned with a [`SearchSpace`]; [`SearchSpace::validate`]
//! checks a [`ParamSet`] once, at the boundary, and the estimator then reads the typed struct
//! here (the linfa `ParamGuard` pattern). Ranges and defaults follow FLAML and auto-sklearn,
//! adjusted to linfa's parametrisations (noted on each field).

use mlpilot_core::{DataShape, ParamSet, Result, SearchSpace, Task};

/// Logistic regression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LogisticParams {
    /// L2 penalty weight. linfa minimises the summed (not averaged) log loss plus
    /// `alpha/2·‖w‖²`, so `alpha` plays the part of scikit-learn's `1/C`.
    pub(crate) alpha: f64,
    /// L-BFGS iterations.
    pub(crate) max_iterations: u64,
}

impl LogisticParams {
    pub(crate) fn space() -> SearchSpace {
        SearchSpace::new()
            .log_float("alpha", 1e-4, 1e2, 1.0)
            .log_int("max_iterations", 20, 1000, 100)
    }

    pub(crate) fn read(p: &ParamSet) -> Result<Self> {
        let p = Self::space().validate(p)?;
        Ok(LogisticParams {
            alpha: p.f64_or("alpha", 1.0),
            max_iterations: p.usize_or("max_iterations", 100) as u64,
        })
    }
}

/// Elastic net.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ElasticNetParams {
    /// Overall penalty (scikit-learn's `alpha`: the loss is the mean squared error / 2).
    pub(crate) penalty: f64,
    /// Share of L1 in the penalty (0 = ridge, 1 = lasso).
    pub(crate) l1_ratio: f64,
    /// Coordinate-descent sweeps.
    pub(crate) max_iterations: u32,
}

impl ElasticNetParams {
    pub(crate) fn space() -> SearchSpace {
        SearchSpace::new()
            .log_float("penalty", 1e-5, 10.0, 1e-2)
            .float("l1_ratio", 0.0, 1.0, 0.5)
            .log_int("max_iterations", 100, 5000, 1000)
    }

    pub(crate) fn read(p: &ParamSet) -> Result<Self> {
        let p = Self::space().validate(p)?;
        Ok(ElasticNetParams {
            penalty: p.f64_or("penalty", 1e-2),
            l1_ratio: p.f64_or("l1_ratio", 0.5),
            max_iterations: u32::try_from(p.usize_or("max_iterations", 1000)).unwrap_or(1000),
        })
    }
}

/// How a tree scores a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Criterion {
    /// Gini impurity.
    Gini,
    /// Information gain (entropy).
    Entropy,
}

impl Criterion {
    fn read(p: &ParamSet) -> Self {
        if p.str_or("criterion", "gini") == "entropy" {
            Criterion::Entropy
        } else {
            Criterion::Gini
        }
    }
}

/// One decision tree (also the trees of the ensembles).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TreeParams {
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

impl TreeParams {
    pub(crate) fn space() -> SearchSpace {
        SearchSpace::new()
            .categorical("criterion", &["gini", "entropy"], "gini")
            .log_int("max_depth", 1, 64, 12)
            .log_int("min_samples_split", 2, 64, 2)
            .log_int("min_samples_leaf", 1, 64, 1)
            .log_float("min_impurity_decrease", 1e-7, 1e-1, 1e-5)
    }

    pub(crate) fn read(p: &ParamSet) -> Result<Self> {
        let p = Self::space().validate(p)?;
        Ok(Self::from_validated(&p, 12))
    }

    fn from_validated(p: &ParamSet, default_depth: usize) -> Self {
        TreeParams {
            criterion: Criterion::read(p),
            max_depth: p.usize_or("max_depth", default_depth).max(1),
            min_samples_split: p.usize_or("min_samples_split", 2).max(2),
            min_samples_leaf: p.usize_or("min_samples_leaf", 1).max(1),
            min_impurity_decrease: p.f64_or("min_impurity_decrease", 1e-5).max(1e-12),
        }
    }
}

/// Bagged trees with per-tree feature subsets (linfa-ensemble's random forest).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ForestParams {
    /// Trees.
    pub(crate) n_estimators: usize,
    /// Share of the columns each tree sees (drawn without replacement).
    pub(crate) max_features: f64,
    /// Bootstrap sample size as a share of the rows (drawn with replacement).
    pub(crate) max_samples: f64,
    /// The trees.
    pub(crate) tree: TreeParams,
}

impl ForestParams {
    pub(crate) fn space() -> SearchSpace {
        SearchSpace::new()
            .log_int("n_estimators", 4, 300, 50)
            .float("max_features", 0.1, 1.0, 0.7)
            .float("max_samples", 0.3, 1.0, 1.0)
            .categorical("criterion", &["gini", "entropy"], "gini")
            .log_int("max_depth", 2, 64, 32)
            .log_int("min_samples_leaf", 1, 32, 1)
    }

    pub(crate) fn read(p: &ParamSet) -> Result<Self> {
        let p = Self::space().validate(p)?;
        Ok(ForestParams {
            n_estimators: p.usize_or("n_estimators", 50).max(1),
            max_features: p.f64_or("max_features", 0.7),
            max_samples: p.f64_or("max_samples", 1.0),
            tree: TreeParams::from_validated(&p, 32),
        })
    }
}

/// AdaBoost (SAMME) over shallow trees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AdaBoostParams {
    /// Boosting rounds (fewer when a tree fits the data perfectly).
    pub(crate) n_estimators: usize,
    /// Shrinks each tree's vote.
    pub(crate) learning_rate: f64,
    /// The trees.
    pub(crate) tree: TreeParams,
}

impl AdaBoostParams {
    pub(crate) fn space() -> SearchSpace {
        SearchSpace::new()
            .log_int("n_estimators", 10, 500, 50)
            .log_float("learning_rate", 0.01, 2.0, 0.5)
            .int("max_depth", 1, 10, 1)
    }

    pub(crate) fn read(p: &ParamSet) -> Result<Self> {
        let p = Self::space().validate(p)?;
        Ok(AdaBoostParams {
            n_estimators: p.usize_or("n_estimators", 50).max(1),
            learning_rate: p.f64_or("learning_rate", 0.5),
            tree: TreeParams::from_validated(&p, 1),
        })
    }
}

/// Kernel of a support vector machine.
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

/// Support vector machine (classification or epsilon-SVR).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SvmParams {
    /// The kernel.
    pub(crate) kernel: Kernel,
    /// Soft-margin penalty.
    pub(crate) c: f64,
    /// SVR only: the width of the insensitive tube, in standard deviations of the target.
    pub(crate) epsilon: f64,
}

impl SvmParams {
    /// `gamma` defaults to `1/n_features` (scikit-learn's `scale` for standardised inputs).
    pub(crate) fn space(task: Task, shape: DataShape) -> SearchSpace {
        let gamma = (1.0 / shape.n_features.max(1) as f64).clamp(1e-4, 10.0);
        let space = SearchSpace::new()
            .categorical("kernel", &["gaussian", "linear"], "gaussian")
            .log_float("c", 0.01, 1000.0, 1.0)
            .log_float("gamma", 1e-4, 10.0, gamma)
            .when("kernel", &["gaussian"]);
        if task.is_classification() {
            space
        } else {
            space.log_float("epsilon", 1e-3, 1.0, 0.1)
        }
    }

    pub(crate) fn read(p: &ParamSet, task: Task, shape: DataShape) -> Result<Self> {
        let p = Self::space(task, shape).validate(p)?;
        let kernel = if p.str_or("kernel", "gaussian") == "linear" {
            Kernel::Linear
        } else {
            Kernel::Gaussian {
                gamma: p.f64_or("gamma", 1.0 / shape.n_features.max(1) as f64),
            }
        };
        Ok(SvmParams {
            kernel,
            c: p.f64_or("c", 1.0),
            epsilon: p.f64_or("epsilon", 0.1),
        })
    }
}

/// Gaussian naive Bayes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NaiveBayesParams {
    /// Added to every variance, as a share of the largest feature variance.
    pub(crate) var_smoothing: f64,
}

impl NaiveBayesParams {
    pub(crate) fn space() -> SearchSpace {
        SearchSpace::new().log_float("var_smoothing", 1e-12, 1e-2, 1e-9)
    }

    pub(crate) fn read(p: &ParamSet) -> Result<Self> {
        let p = Self::space().validate(p)?;
        Ok(NaiveBayesParams {
            var_smoothing: p.f64_or("var_smoothing", 1e-9),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let shape = DataShape {
            n_rows: 100,
            n_features: 4,
            n_classes: 2,
        };
        for space in [
            LogisticParams::space(),
            ElasticNetParams::space(),
            TreeParams::space(),
            ForestParams::space(),
            AdaBoostParams::space(),
            SvmParams::space(Task::Binary, shape),
            SvmParams::space(Task::Regression, shape),
            NaiveBayesParams::space(),
        ] {
            space.validate(&space.defaults()).unwrap();
        }
        let svm = SvmParams::read(&ParamSet::new(), Task::Binary, shape).unwrap();
        assert_eq!(svm.kernel, Kernel::Gaussian { gamma: 0.25 });
    }

    #[test]
    fn out_of_range_is_refused() {
        let p = ParamSet::new().with("alpha", -1.0);
        assert!(LogisticParams::read(&p).is_err());
        let p = ParamSet::new().with("l1_ratio", 1.5);
        assert!(ElasticNetParams::read(&p).is_err());
    }
}
