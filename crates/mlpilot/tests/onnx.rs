//! ONNX export checked in tract (a pure-Rust runtime no one here wrote): one model of every
//! exportable family, an ensemble, rows with missing values and unseen categories, and clear
//! errors for what cannot be exported.
#![cfg(feature = "onnx")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mlpilot::core::{Column, ColumnData, Frame};
use mlpilot::{AutoMl, ErrorKind, RunConfig, Task, Trained};
use mlpilot_testkit::synthetic::customer_frame;

/// Training rows, and prediction rows that add a missing age, a missing plan and a plan never
/// seen in training.
fn frames(target: &str) -> (Frame, Frame) {
    let frame = customer_frame(400, 7);
    // A 0/1 column written as text with a stray word: a boolean step whose `?` is missing.
    let flag: Vec<&str> = (0..frame.n_rows())
        .map(|i| match (i % 50, i % 3) {
            (7, _) => "?",
            (_, 0) => "1",
            _ => "0",
        })
        .collect();
    let frame = frame.with_column(Column::from_strs("flag", flag)).unwrap();
    let frame = if target == "age" {
        // A regression target without missing values.
        let age: Vec<Option<f64>> = (0..frame.n_rows())
            .map(|i| Some(frame.column("age").unwrap().f64_at(i).unwrap_or(40.0)))
            .collect();
        frame
            .with_column(Column::new("age", ColumnData::Float(age)))
            .unwrap()
    } else {
        frame
    };
    let mut test = frame.head(120);
    let mut plan: Vec<Option<String>> = (0..test.n_rows())
        .map(|i| test.column("plan").unwrap().str_at(i))
        .collect();
    plan[0] = None;
    plan[1] = Some("enterprise".to_string());
    test = test
        .with_column(Column::new("plan", ColumnData::Str(plan.into())))
        .unwrap();
    // New rows may hold another stray word, or a number training never saw: both missing.
    let mut flag: Vec<Option<String>> = (0..test.n_rows())
        .map(|i| test.column("flag").unwrap().str_at(i))
        .collect();
    flag[4] = Some("n/a".to_string());
    flag[5] = Some("2".to_string());
    flag[6] = None;
    test = test
        .with_column(Column::new("flag", ColumnData::Str(flag.into())))
        .unwrap();
    if target != "age" {
        let mut age: Vec<Option<f64>> = (0..test.n_rows())
            .map(|i| test.column("age").unwrap().f64_at(i))
            .collect();
        age[2] = None;
        age[3] = Some(f64::INFINITY);
        test = test
            .with_column(Column::new("age", ColumnData::Float(age)))
            .unwrap();
    }
    (frame, test)
}

fn train(target: &str, estimators: &[&str], trials: usize) -> Trained {
    let config = RunConfig {
        exportable_onnx: true,
        ..RunConfig::default()
    };
    AutoMl::with_config(config)
        .target(target)
        .max_trials(trials)
        .estimators(estimators)
        .fit_frame(&frames(target).0)
        .unwrap()
}

/// Exports, runs in tract, and compares with mlpilot's own predictions: labels identical,
/// probabilities and values within `tol`.
fn check_in_tract(trained: &Trained, target: &str, tol: f64) {
    let (_, test) = frames(target);
    let onnx = trained.to_onnx().unwrap();
    // One input per training column the model reads; the date column was left out.
    assert!(
        onnx.inputs
            .iter()
            .all(|(c, _)| c != "signup" && c != target)
    );
    let out = mlpilot::onnx::run_tract(&onnx.bytes, &onnx.inputs, &test).unwrap();
    let ours = trained.predict_frame(&test).unwrap().predictions;
    let what = trained.result.predictor.describe();
    if trained.task().is_classification() {
        let classes = &onnx.classes;
        let want: Vec<&str> = ours
            .values
            .iter()
            .map(|c| classes[*c as usize].as_str())
            .collect();
        let got: Vec<&str> = out.labels.iter().map(String::as_str).collect();
        assert_eq!(got, want, "labels of {what}");
        let proba = ours.proba.unwrap();
        assert_eq!(out.values.n_cols(), proba.n_cols());
        for (g, w) in out.values.as_slice().iter().zip(proba.as_slice()) {
            assert!((g - w).abs() < tol, "{what}: probability {g} vs {w}");
        }
    } else {
        for (g, w) in out.values.as_slice().iter().zip(&ours.values) {
            assert!(
                (g - w).abs() < tol * (1.0 + w.abs()),
                "{what}: value {g} vs {w}"
            );
        }
    }
}

#[test]
fn every_exportable_default_family_runs_in_tract() {
    // Boosting, forests, linear models, naive Bayes (multinomial and Gaussian) and networks;
    // binary and multiclass.
    for id in [
        "gbdt.hist_gbm",
        "gbdt.random_forest",
        "gbdt.extra_trees",
        "gbdt.sparse_logistic",
        "gbdt.multinomial_nb",
        "linfa.gaussian_nb",
        "burn.mlp_classifier",
    ] {
        let trained = train("churn", &[id], 2);
        assert_eq!(trained.task(), Task::Binary);
        check_in_tract(&trained, "churn", 1e-4);
        let multi = train("plan", &[id], 2);
        assert_eq!(multi.task(), Task::Multiclass);
        check_in_tract(&multi, "plan", 1e-4);
    }
    // Regression.
    for id in [
        "gbdt.hist_gbm",
        "gbdt.random_forest",
        "gbdt.extra_trees",
        "smartcore.ridge",
        "burn.mlp_regressor",
    ] {
        let trained = train("age", &[id], 2);
        assert_eq!(trained.task(), Task::Regression);
        check_in_tract(&trained, "age", 1e-4);
    }
}

#[test]
fn other_exportable_backends_run_in_tract() {
    for id in [
        "smartcore.decision_tree",
        "smartcore.random_forest",
        "smartcore.logistic_regression",
        "linfa.decision_tree",
        "linfa.random_forest",
        "linfa.adaboost",
    ] {
        let trained = train("churn", &[id], 1);
        check_in_tract(&trained, "churn", 1e-4);
    }
    for id in [
        "smartcore.linear_regression",
        "smartcore.lasso",
        "smartcore.elastic_net",
    ] {
        let trained = train("age", &[id], 1);
        check_in_tract(&trained, "age", 1e-4);
    }
}

#[test]
fn an_ensemble_with_a_decision_threshold_exports_whole() {
    let trained = train("churn", &["gbdt.hist_gbm", "gbdt.sparse_logistic"], 10);
    check_in_tract(&trained, "churn", 1e-4);
}

#[test]
fn what_cannot_be_exported_is_named() {
    // A date column read as date parts.
    let (frame, _) = frames("churn");
    let trained = AutoMl::new()
        .target("churn")
        .max_trials(1)
        .estimators(&["gbdt.hist_gbm"])
        .fit_frame(&frame)
        .unwrap();
    let e = trained.to_onnx().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.to_string().contains("`signup`"), "{e}");
    assert!(e.to_string().contains("--exportable onnx"), "{e}");
    // A family without an export form, named.
    let trained = AutoMl::new()
        .target("churn")
        .max_trials(1)
        .estimators(&["smartcore.knn"])
        .exclude(&["signup"])
        .fit_frame(&frame)
        .unwrap();
    let e = trained.to_onnx().unwrap_err();
    assert!(e.to_string().contains("`smartcore.knn`"), "{e}");
    // `--exportable onnx` leaves it out of the search instead.
    let config = RunConfig {
        exportable_onnx: true,
        ..RunConfig::default()
    };
    let err = AutoMl::with_config(config)
        .target("churn")
        .max_trials(1)
        .estimators(&["smartcore.knn"])
        .fit_frame(&frame)
        .unwrap_err();
    assert!(err.to_string().contains("smartcore.knn"), "{err}");
}
