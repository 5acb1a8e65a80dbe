//! Zero-shot starting points: configurations that are strong on many datasets, tried before any
//! search, and the default candidate set.

use mlpilot_core::{DataShape, EstimatorInfo, ModelFamily, ParamSet, SearchSpace, Task};

/// Starting configurations for an estimator, best-known first. Names the estimator's space does
/// not have are dropped; the space's defaults always come first.
pub fn starting_points(
    id: &str,
    task: Task,
    shape: DataShape,
    space: &SearchSpace,
) -> Vec<ParamSet> {
    let mut out = vec![space.defaults()];
    let small = shape.n_rows < 2_000;
    let extra: Vec<ParamSet> = match id {
        "gbdt.hist_gbm" => vec![
            // Many small steps on shallow trees, sampled rows and columns: robust everywhere.
            ParamSet::new()
                .with("n_estimators", if small { 300i64 } else { 600 })
                .with("learning_rate", 0.05)
                .with("max_leaves", 15i64)
                .with("min_child_samples", if small { 5i64 } else { 20 })
                .with("subsample", 0.8)
                .with("colsample_bytree", 0.8)
                .with("lambda_l2", 1.0)
                .with("early_stopping", "on"),
            // Larger trees for large tables.
            ParamSet::new()
                .with("n_estimators", 300i64)
                .with("learning_rate", 0.1)
                .with("max_leaves", 63i64)
                .with("min_child_samples", 20i64)
                .with("colsample_bytree", 0.7)
                .with("lambda_l2", 1.0)
                .with("early_stopping", "on"),
            // Few, shallow, strongly regularised trees for small, noisy tables.
            ParamSet::new()
                .with("n_estimators", 100i64)
                .with("learning_rate", 0.1)
                .with("max_leaves", 4i64)
                .with("min_child_samples", 10i64)
                .with("lambda_l2", 10.0),
        ],
        "gbdt.random_forest" | "gbdt.extra_trees" => {
            let mut v = vec![ParamSet::new().with("max_features", 0.5)];
            if task == Task::Regression {
                v.push(
                    ParamSet::new()
                        .with("max_features", 0.33)
                        .with("min_samples_leaf", 2i64),
                );
            } else {
                v.push(
                    ParamSet::new()
                        .with("max_features", 0.8)
                        .with("min_samples_leaf", 2i64),
                );
            }
            v
        }
        id if id.ends_with("logistic_regression") => {
            vec![
                ParamSet::new().with("alpha", 1e-2),
                ParamSet::new().with("alpha", 1.0),
                ParamSet::new().with("alpha", 1e-4),
            ]
        }
        "gbdt.sparse_logistic" => vec![
            ParamSet::new().with("c", 1.0),
            ParamSet::new().with("c", 20.0),
        ],
        "smartcore.ridge" => vec![
            ParamSet::new().with("alpha", 10.0),
            ParamSet::new().with("alpha", 0.1),
        ],
        "burn.mlp_classifier" | "burn.mlp_regressor" => vec![
            ParamSet::new()
                .with("width", 128i64)
                .with("hidden_layers", 1i64)
                .with("dropout", 0.2),
        ],
        _ => Vec::new(),
    };
    // Keep only names the space knows; validation fills the rest with defaults.
    let known = |p: &ParamSet| {
        let mut q = ParamSet::new();
        for (k, v) in p.iter() {
            if space.param(k).is_some() {
                q.insert(k, v.clone());
            }
        }
        space.validate(&q).ok()
    };
    let mut extra = extra;
    // On large tables the larger trees come first, before the defaults: they are worth the
    // time there, and the budget may allow only one or two fits.
    if id == "gbdt.hist_gbm" && !small && shape.n_rows >= 50_000 && extra.len() > 1 {
        let large = extra.remove(1);
        if let Some(q) = known(&large) {
            out.insert(0, q);
        }
    }
    for p in extra {
        if let Some(q) = known(&p)
            && !out.contains(&q)
        {
            out.push(q);
        }
    }
    out
}

/// Whether an estimator is in the default candidate set for data of this shape (`text`: some
/// input is free text).
///
/// Defaults favour one good implementation per family: mlpilot's own tree ensembles, linear
/// models (logistic regression, elastic net / ridge), naive Bayes, nearest neighbours and SVMs
/// on data small enough for them, and networks given enough time. With text, distance-based
/// models (slow and weak on hundreds of term columns) give way to naive Bayes on term weights.
/// Estimators that are not deterministic are left out so that a seeded run is reproducible.
pub fn default_candidate(
    info: &EstimatorInfo,
    shape: DataShape,
    budget_secs: Option<f64>,
    text: bool,
) -> bool {
    if !info.capabilities.deterministic {
        return false;
    }
    if text && matches!(info.family, ModelFamily::Neighbors | ModelFamily::Svm) {
        return false;
    }
    let n = shape.n_rows;
    let generous = budget_secs.is_none_or(|b| b >= 30.0);
    match info.id.as_str() {
        "gbdt.hist_gbm" | "gbdt.random_forest" | "gbdt.extra_trees" => true,
        "gbdt.sparse_logistic" => true,
        // Naive Bayes on counts only pays off on text; elsewhere the Gaussian one stands in.
        "gbdt.multinomial_nb" => text,
        "linfa.logistic_regression" | "smartcore.ridge" | "linfa.elastic_net" => true,
        "linfa.gaussian_nb" => true,
        "smartcore.knn" => n <= 20_000,
        "linfa.svm" => n <= 3_000,
        "burn.mlp_classifier" | "burn.mlp_regressor" => generous && n <= 100_000,
        _ => matches!(info.family, ModelFamily::Boosting) && info.id.starts_with("gbdt."),
    }
}
