#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr
)]
//! Every smartcore estimator passes the shared backend conformance suite.

use mlpilot_backend_smartcore::{
    DecisionTree, ElasticNet, ExtraTrees, GaussianNb, Knn, Lasso, LinearRegression,
    LogisticRegression, RandomForest, Ridge, Svm,
};
use mlpilot_core::{Estimator, ParamSet, Registry};
use mlpilot_testkit::{ConformanceOptions, run_conformance_typed};

fn check<E: Estimator>(est: &E, params: ParamSet) {
    let report = run_conformance_typed(
        est,
        &ConformanceOptions {
            params,
            ..Default::default()
        },
    );
    println!("{report}");
    report.assert_ok();
}

#[test]
fn logistic_regression() {
    check(&LogisticRegression, ParamSet::new());
}

#[test]
fn linear_regression() {
    check(&LinearRegression, ParamSet::new());
}

#[test]
fn ridge() {
    check(&Ridge, ParamSet::new());
}

#[test]
fn lasso() {
    check(&Lasso, ParamSet::new());
}

#[test]
fn elastic_net() {
    check(&ElasticNet, ParamSet::new());
}

#[test]
fn decision_tree() {
    check(&DecisionTree, ParamSet::new().with("max_depth", 6i64));
}

#[test]
fn random_forest() {
    check(
        &RandomForest,
        ParamSet::new()
            .with("n_estimators", 20i64)
            .with("max_depth", 8i64),
    );
}

#[test]
fn extra_trees() {
    check(
        &ExtraTrees,
        ParamSet::new()
            .with("n_estimators", 20i64)
            .with("max_depth", 8i64),
    );
}

#[test]
fn knn() {
    check(&Knn, ParamSet::new());
}

#[test]
fn svm() {
    check(&Svm, ParamSet::new());
}

#[test]
fn svm_linear_kernel() {
    check(&Svm, ParamSet::new().with("kernel", "linear"));
}

#[test]
fn gaussian_nb() {
    check(&GaussianNb, ParamSet::new());
}

#[test]
fn register_adds_every_estimator() {
    let mut registry = Registry::new();
    mlpilot_backend_smartcore::register(&mut registry);
    assert_eq!(
        registry.ids(),
        vec![
            "smartcore.decision_tree",
            "smartcore.elastic_net",
            "smartcore.extra_trees",
            "smartcore.gaussian_nb",
            "smartcore.knn",
            "smartcore.lasso",
            "smartcore.linear_regression",
            "smartcore.logistic_regression",
            "smartcore.random_forest",
            "smartcore.ridge",
            "smartcore.svm",
        ]
    );
    for info in registry.infos() {
        assert!(info.id.starts_with("smartcore."), "{}", info.id);
        assert!(info.capabilities.deterministic);
        assert!(!info.capabilities.missing_values);
    }
}
