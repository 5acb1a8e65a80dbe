#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr
)]
//! Every linfa estimator passes the shared conformance suite.

use mlpilot_backend_linfa::{
    AdaBoost, DecisionTree, ElasticNet, GaussianNb, LinearRegression, LogisticRegression,
    RandomForest, Svm,
};
use mlpilot_core::{Estimator, ParamSet, Registry};
use mlpilot_testkit::{ConformanceOptions, run_conformance_typed};

fn check<E: Estimator>(estimator: &E, params: ParamSet) {
    let opts = ConformanceOptions {
        params,
        ..Default::default()
    };
    let report = run_conformance_typed(estimator, &opts);
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
fn elastic_net() {
    check(&ElasticNet, ParamSet::new());
}

#[test]
fn decision_tree() {
    check(&DecisionTree, ParamSet::new());
}

#[test]
fn random_forest() {
    check(&RandomForest, ParamSet::new().with("n_estimators", 15i64));
}

#[test]
fn adaboost() {
    check(&AdaBoost, ParamSet::new().with("n_estimators", 20i64));
}

#[test]
fn svm() {
    check(&Svm, ParamSet::new());
}

#[test]
fn gaussian_nb() {
    check(&GaussianNb, ParamSet::new());
}

#[test]
fn register_adds_every_estimator() {
    let mut registry = Registry::new();
    mlpilot_backend_linfa::register(&mut registry);
    assert_eq!(
        registry.ids(),
        vec![
            "linfa.adaboost",
            "linfa.decision_tree",
            "linfa.elastic_net",
            "linfa.gaussian_nb",
            "linfa.linear_regression",
            "linfa.logistic_regression",
            "linfa.random_forest",
            "linfa.svm",
        ]
    );
}
