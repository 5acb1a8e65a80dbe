//! Parameters: search spaces and the conversion from a validated `ParamSet`.

use mlpilot_core::{DataShape, ParamSet, SearchSpace, Task};

use crate::boost::BoostParams;
use crate::forest::ForestParams;

/// The search space of histogram gradient boosting (ranges after FLAML's LightGBM space).
pub fn boost_space(shape: DataShape) -> SearchSpace {
    let max_leaves_hi = (shape.n_rows / 4).clamp(8, 4096) as i64;
    SearchSpace::new()
        .log_int("n_estimators", 4, 4096, 100)
        .log_float("learning_rate", 1.0 / 1024.0, 1.0, 0.1)
        .log_int("max_leaves", 4, max_leaves_hi, 31.min(max_leaves_hi))
        .log_int("min_child_samples", 2, 128, 20)
        .log_float("min_child_weight", 1e-3, 32.0, 1e-3)
        .log_float("lambda_l1", 1.0 / 1024.0, 1024.0, 1.0 / 1024.0)
        .log_float("lambda_l2", 1.0 / 1024.0, 1024.0, 1.0 / 1024.0)
        .float("subsample", 0.5, 1.0, 1.0)
        .float("colsample_bytree", 0.1, 1.0, 1.0)
        .log_int("max_bins", 15, 255, 255)
        .int("max_depth", 0, 32, 0)
        .categorical("early_stopping", &["auto", "on", "off"], "auto")
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

/// Boosting parameters from a validated set (defaults for anything absent).
pub fn boost_params(p: &ParamSet, n_rows: usize) -> BoostParams {
    let es = match p.str_or("early_stopping", "auto") {
        "on" => true,
        "off" => false,
        _ => n_rows >= 10_000,
    };
    BoostParams {
        n_estimators: p.usize_or("n_estimators", 100).max(1),
        learning_rate: p.f64_or("learning_rate", 0.1),
        max_leaves: p.usize_or("max_leaves", 31).max(2),
        max_depth: p.usize_or("max_depth", 0),
        min_child_samples: p.usize_or("min_child_samples", 20),
        min_child_weight: p.f64_or("min_child_weight", 1e-3),
        lambda_l1: p.f64_or("lambda_l1", 0.0),
        lambda_l2: p.f64_or("lambda_l2", 0.0),
        subsample: p.f64_or("subsample", 1.0),
        colsample_bytree: p.f64_or("colsample_bytree", 1.0),
        max_bins: p.usize_or("max_bins", 255),
        early_stopping_rounds: if es { 10 } else { 0 },
        validation_fraction: 0.1,
    }
}

/// The search space of a forest (ranges after FLAML's random forest and extra trees spaces).
pub fn forest_space(task: Task, shape: DataShape) -> SearchSpace {
    let p = shape.n_features.max(1) as f64;
    let default_features = if task.is_classification() {
        (p.sqrt() / p).clamp(0.05, 1.0)
    } else {
        1.0
    };
    let leaves_hi = shape.n_rows.clamp(8, 1 << 20) as i64;
    SearchSpace::new()
        .log_int("n_estimators", 4, 1024, 100)
        .float("max_features", 0.05, 1.0, default_features)
        .log_int("max_leaves", 4, leaves_hi, leaves_hi)
        .log_int("min_samples_leaf", 1, 64, 1)
}

/// Forest parameters from a validated set.
pub fn forest_params(
    p: &ParamSet,
    n_rows: usize,
    bootstrap: bool,
    extra_trees: bool,
) -> ForestParams {
    let leaves = p.usize_or("max_leaves", 0);
    ForestParams {
        n_estimators: p.usize_or("n_estimators", 100).max(1),
        max_features: p.f64_or("max_features", 1.0),
        max_leaves: if leaves >= n_rows { 0 } else { leaves },
        max_depth: 0,
        min_samples_leaf: p.usize_or("min_samples_leaf", 1).max(1),
        bootstrap,
        extra_trees,
        max_bins: 255,
    }
}
