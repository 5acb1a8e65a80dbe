//! Typed parameters ([`HistGbmParams`], [`ForestParams`]), their search spaces and the
//! configurations the search starts from.
//!
//! The defaults live in the parameter types' `Default`; the spaces read them, so a typed fit
//! with `Default::default()` and a search-space fit with no parameters train the same model.

use mlpilot_core::{DataShape, ParamSet, Params, Result, SearchSpace, Task, check_range};
use serde::{Deserialize, Serialize};

use crate::boost::BoostConfig;
use crate::forest::ForestConfig;

/// A count as a search-space integer.
fn int(v: usize) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// When boosting stops before `n_estimators` rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EarlyStopping {
    /// On for tables of at least 10,000 rows (scikit-learn's `early_stopping="auto"`).
    #[default]
    Auto,
    /// Always: 10 rounds without improvement on a 10 % validation split stop the fit.
    On,
    /// Never.
    Off,
}

impl EarlyStopping {
    /// The name in the search space.
    pub fn as_str(self) -> &'static str {
        match self {
            EarlyStopping::Auto => "auto",
            EarlyStopping::On => "on",
            EarlyStopping::Off => "off",
        }
    }
}

/// Parameters of [`crate::HistGbm`] (names and meanings after LightGBM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistGbmParams {
    /// Boosting rounds (an upper bound when early stopping is on), at least 1.
    pub n_estimators: usize,
    /// Shrinkage of each tree, in (0, 1].
    pub learning_rate: f64,
    /// Leaves per tree, at least 2; `None`: 31, or a quarter of the rows when that is fewer
    /// (at least 8).
    pub max_leaves: Option<usize>,
    /// Fewest rows in a leaf.
    pub min_child_samples: usize,
    /// Smallest hessian sum in a leaf, ≥ 0.
    pub min_child_weight: f64,
    /// L1 penalty on leaf values, ≥ 0.
    pub lambda_l1: f64,
    /// L2 penalty on leaf values, ≥ 0.
    pub lambda_l2: f64,
    /// Share of rows drawn for each round, in (0, 1].
    pub subsample: f64,
    /// Share of features drawn for each tree, in (0, 1].
    pub colsample_bytree: f64,
    /// Histogram bins per feature, 2 to 255.
    pub max_bins: usize,
    /// Depth limit (0: none; leaves are the limit).
    pub max_depth: usize,
    /// When to stop before `n_estimators` rounds.
    pub early_stopping: EarlyStopping,
}

impl Default for HistGbmParams {
    fn default() -> Self {
        HistGbmParams {
            n_estimators: 100,
            learning_rate: 0.1,
            max_leaves: None,
            min_child_samples: 20,
            min_child_weight: 1e-3,
            lambda_l1: 1.0 / 1024.0,
            lambda_l2: 1.0 / 1024.0,
            subsample: 1.0,
            colsample_bytree: 1.0,
            max_bins: 255,
            max_depth: 0,
            early_stopping: EarlyStopping::Auto,
        }
    }
}

impl Params for HistGbmParams {
    fn validate(&self) -> Result<()> {
        check_range("n_estimators", self.n_estimators, 1, 1 << 20)?;
        check_range("learning_rate", self.learning_rate, f64::MIN_POSITIVE, 1.0)?;
        if let Some(l) = self.max_leaves {
            check_range("max_leaves", l, 2, 1 << 20)?;
        }
        check_range("min_child_weight", self.min_child_weight, 0.0, f64::MAX)?;
        check_range("lambda_l1", self.lambda_l1, 0.0, f64::MAX)?;
        check_range("lambda_l2", self.lambda_l2, 0.0, f64::MAX)?;
        check_range("subsample", self.subsample, f64::MIN_POSITIVE, 1.0)?;
        check_range(
            "colsample_bytree",
            self.colsample_bytree,
            f64::MIN_POSITIVE,
            1.0,
        )?;
        check_range("max_bins", self.max_bins, 2, 255)
    }
}

impl HistGbmParams {
    /// The booster's configuration for a table of `n_rows` rows.
    pub(crate) fn config(&self, n_rows: usize) -> BoostConfig {
        let early = match self.early_stopping {
            EarlyStopping::On => true,
            EarlyStopping::Off => false,
            EarlyStopping::Auto => n_rows >= 10_000,
        };
        BoostConfig {
            n_estimators: self.n_estimators,
            learning_rate: self.learning_rate,
            max_leaves: self
                .max_leaves
                .unwrap_or_else(|| 31.min(leaves_high(n_rows))),
            max_depth: self.max_depth,
            min_child_samples: self.min_child_samples,
            min_child_weight: self.min_child_weight,
            lambda_l1: self.lambda_l1,
            lambda_l2: self.lambda_l2,
            subsample: self.subsample,
            colsample_bytree: self.colsample_bytree,
            max_bins: self.max_bins,
            early_stopping_rounds: if early { 10 } else { 0 },
            validation_fraction: 0.1,
        }
    }
}

/// The most leaves per tree worth searching: a quarter of the rows, within [8, 4096].
fn leaves_high(n_rows: usize) -> usize {
    (n_rows / 4).clamp(8, 4096)
}

/// The search space of histogram gradient boosting (ranges after FLAML's LightGBM space,
/// defaults from [`HistGbmParams::default`]; the leaf range shrinks with the rows).
pub fn boost_space(shape: DataShape) -> SearchSpace {
    let d = HistGbmParams::default();
    let max_leaves_hi = leaves_high(shape.n_rows);
    SearchSpace::new()
        .log_int("n_estimators", 4, 4096, int(d.n_estimators))
        .log_float("learning_rate", 1.0 / 1024.0, 1.0, d.learning_rate)
        .log_int(
            "max_leaves",
            4,
            int(max_leaves_hi),
            int(d
                .max_leaves
                .unwrap_or_else(|| 31.min(max_leaves_hi))
                .min(max_leaves_hi)),
        )
        .log_int("min_child_samples", 2, 128, int(d.min_child_samples))
        .log_float("min_child_weight", 1e-3, 32.0, d.min_child_weight)
        .log_float("lambda_l1", 1.0 / 1024.0, 1024.0, d.lambda_l1)
        .log_float("lambda_l2", 1.0 / 1024.0, 1024.0, d.lambda_l2)
        .float("subsample", 0.5, 1.0, d.subsample)
        .float("colsample_bytree", 0.1, 1.0, d.colsample_bytree)
        .log_int("max_bins", 15, 255, int(d.max_bins))
        .int("max_depth", 0, 32, int(d.max_depth))
        .categorical(
            "early_stopping",
            &["auto", "on", "off"],
            d.early_stopping.as_str(),
        )
}

/// Tables with at least this many rows are large: larger trees first.
const LARGE_ROWS: usize = 50_000;

/// Strong boosting configurations for a shape, in the order the search should try them (the
/// defaults included): many small steps on shallow sampled trees (robust everywhere), larger
/// trees (first on large tables, where the budget may allow one or two fits), and few shallow,
/// strongly regularised trees for small noisy tables.
pub fn boost_starting_points(shape: DataShape, space: &SearchSpace) -> Vec<ParamSet> {
    let small = shape.n_rows < 2_000;
    let robust = ParamSet::new()
        .with("n_estimators", if small { 300i64 } else { 600 })
        .with("learning_rate", 0.05)
        .with("max_leaves", 15i64)
        .with("min_child_samples", if small { 5i64 } else { 20 })
        .with("subsample", 0.8)
        .with("colsample_bytree", 0.8)
        .with("lambda_l2", 1.0)
        .with("early_stopping", "on");
    let large = ParamSet::new()
        .with("n_estimators", 300i64)
        .with("learning_rate", 0.1)
        .with("max_leaves", 63i64)
        .with("min_child_samples", 20i64)
        .with("colsample_bytree", 0.7)
        .with("lambda_l2", 1.0)
        .with("early_stopping", "on");
    let shallow = ParamSet::new()
        .with("n_estimators", 100i64)
        .with("learning_rate", 0.1)
        .with("max_leaves", 4i64)
        .with("min_child_samples", 10i64)
        .with("lambda_l2", 10.0);
    let order = if shape.n_rows >= LARGE_ROWS {
        vec![large, space.defaults(), robust, shallow]
    } else {
        vec![space.defaults(), robust, large, shallow]
    };
    order
        .into_iter()
        .filter_map(|p| space.validate(&p).ok())
        .collect()
}

/// Strong forest configurations after the defaults: half the features per split, then a
/// variant with larger leaves (fewer features for regression, more for classification).
pub fn forest_starting_points(task: Task) -> Vec<ParamSet> {
    let second = if task == Task::Regression {
        ParamSet::new()
            .with("max_features", 0.33)
            .with("min_samples_leaf", 2i64)
    } else {
        ParamSet::new()
            .with("max_features", 0.8)
            .with("min_samples_leaf", 2i64)
    };
    vec![ParamSet::new().with("max_features", 0.5), second]
}

/// Parameters of [`crate::RandomForest`] and [`crate::ExtraTrees`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForestParams {
    /// Trees, at least 1.
    pub n_estimators: usize,
    /// Share of features considered at each split, in (0, 1]; `None`: √p/p for
    /// classification, all of them for regression (scikit-learn's defaults).
    pub max_features: Option<f64>,
    /// Leaves per tree, at least 2; `None`: unlimited.
    pub max_leaves: Option<usize>,
    /// Fewest rows in a leaf, at least 1.
    pub min_samples_leaf: usize,
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            n_estimators: 100,
            max_features: None,
            max_leaves: None,
            min_samples_leaf: 1,
        }
    }
}

impl Params for ForestParams {
    fn validate(&self) -> Result<()> {
        check_range("n_estimators", self.n_estimators, 1, 1 << 20)?;
        if let Some(f) = self.max_features {
            check_range("max_features", f, f64::MIN_POSITIVE, 1.0)?;
        }
        if let Some(l) = self.max_leaves {
            check_range("max_leaves", l, 2, usize::MAX)?;
        }
        check_range("min_samples_leaf", self.min_samples_leaf, 1, usize::MAX)
    }
}

/// The share of features tried at each split when none is given: √p/p for classification,
/// all of them for regression.
fn default_max_features(task: Task, n_features: usize) -> f64 {
    let p = n_features.max(1) as f64;
    if task.is_classification() {
        (p.sqrt() / p).clamp(0.05, 1.0)
    } else {
        1.0
    }
}

impl ForestParams {
    /// The forest's configuration for a table.
    pub(crate) fn config(
        &self,
        task: Task,
        shape: DataShape,
        bootstrap: bool,
        extra_trees: bool,
    ) -> ForestConfig {
        ForestConfig {
            n_estimators: self.n_estimators,
            max_features: self
                .max_features
                .unwrap_or_else(|| default_max_features(task, shape.n_features)),
            // As many leaves as rows is no limit.
            max_leaves: self.max_leaves.filter(|&l| l < shape.n_rows).unwrap_or(0),
            max_depth: 0,
            min_samples_leaf: self.min_samples_leaf,
            bootstrap,
            extra_trees,
            max_bins: 255,
        }
    }
}

/// The search space of a forest (ranges after FLAML's random forest and extra trees spaces,
/// defaults from [`ForestParams::default`]: unlimited leaves is the top of the leaf range).
pub fn forest_space(task: Task, shape: DataShape) -> SearchSpace {
    let d = ForestParams::default();
    let leaves_hi = shape.n_rows.clamp(8, 1 << 20);
    SearchSpace::new()
        .log_int("n_estimators", 4, 1024, int(d.n_estimators))
        .float(
            "max_features",
            0.05,
            1.0,
            d.max_features
                .unwrap_or_else(|| default_max_features(task, shape.n_features)),
        )
        .log_int(
            "max_leaves",
            4,
            int(leaves_hi),
            int(d.max_leaves.unwrap_or(leaves_hi).min(leaves_hi)),
        )
        .log_int("min_samples_leaf", 1, 64, int(d.min_samples_leaf))
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
    fn the_spaces_defaults_are_the_typed_defaults() {
        let s = shape(5_000, 9);
        for n in [40, 5_000] {
            let small = shape(n, 9);
            let boost: HistGbmParams = boost_space(small).defaults().to_params().unwrap();
            assert_eq!(
                boost.config(n),
                HistGbmParams::default().config(n),
                "{n} rows"
            );
        }
        let forest: ForestParams = forest_space(Task::Binary, s)
            .defaults()
            .to_params()
            .unwrap();
        let c = forest.config(Task::Binary, s, true, false);
        let typed = ForestParams::default().config(Task::Binary, s, true, false);
        assert_eq!(c, typed);
        assert!((c.max_features - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(c.max_leaves, 0, "the top of the leaf range is no limit");
    }

    #[test]
    fn a_small_table_narrows_the_leaves() {
        let d: HistGbmParams = boost_space(shape(40, 3)).defaults().to_params().unwrap();
        assert_eq!(d.max_leaves, Some(10));
        assert_eq!(HistGbmParams::default().config(40).max_leaves, 10);
    }

    #[test]
    fn out_of_range_typed_values_are_refused_by_name() {
        let bad = HistGbmParams {
            learning_rate: 0.0,
            ..HistGbmParams::default()
        };
        let e = bad.validate().unwrap_err().to_string();
        assert!(e.contains("learning_rate") && e.contains('0'), "{e}");
        let bad = ForestParams {
            max_features: Some(1.5),
            ..ForestParams::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("max_features")
        );
    }

    #[test]
    fn unknown_names_and_wrong_types_do_not_convert() {
        let e = ParamSet::new()
            .with("n_trees", 5i64)
            .to_params::<HistGbmParams>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("n_trees"), "{e}");
        let e = ParamSet::new()
            .with("early_stopping", "sometimes")
            .to_params::<HistGbmParams>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("sometimes"), "{e}");
        let p: HistGbmParams = ParamSet::new()
            .with("early_stopping", "off")
            .with("lambda_l2", 2i64)
            .to_params()
            .unwrap();
        assert_eq!(p.early_stopping, EarlyStopping::Off);
        assert_eq!(p.lambda_l2, 2.0);
        let back = ParamSet::from_params(&p)
            .unwrap()
            .to_params::<HistGbmParams>();
        assert_eq!(back.unwrap(), p);
    }
}
