#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr
)]
//! Degenerate data never makes an estimator panic: it fits or returns an error.

use std::panic::{AssertUnwindSafe, catch_unwind};

use mlpilot_backend_linfa::{
    AdaBoost, DecisionTree, ElasticNet, GaussianNb, LinearRegression, LogisticRegression,
    RandomForest, Svm,
};
use mlpilot_core::{Dataset, DynEstimator, FitContext, Matrix, ParamSet, Task};

fn estimators() -> Vec<Box<dyn DynEstimator>> {
    vec![
        Box::new(LogisticRegression),
        Box::new(LinearRegression),
        Box::new(ElasticNet),
        Box::new(DecisionTree),
        Box::new(RandomForest),
        Box::new(AdaBoost),
        Box::new(Svm),
        Box::new(GaussianNb),
    ]
}

/// (name, features, targets) of awkward training sets.
fn cases() -> Vec<(&'static str, Matrix, Vec<f64>)> {
    let m = |rows: &[Vec<f64>]| Matrix::from_rows(rows).unwrap();
    vec![
        ("one row", m(&[vec![0.5, 1.0]]), vec![1.0]),
        (
            "constant target",
            m(&[vec![0.0], vec![1.0], vec![2.0], vec![3.0]]),
            vec![1.0, 1.0, 1.0, 1.0],
        ),
        ("two rows", m(&[vec![0.0], vec![1.0]]), vec![0.0, 1.0]),
        (
            "identical rows, different labels",
            m(&[
                vec![1.0, 2.0],
                vec![1.0, 2.0],
                vec![1.0, 2.0],
                vec![1.0, 2.0],
            ]),
            vec![0.0, 1.0, 0.0, 1.0],
        ),
        (
            "constant features",
            m(&[vec![3.0, 3.0], vec![3.0, 3.0], vec![3.0, 3.0]]),
            vec![0.0, 1.0, 1.0],
        ),
        (
            "huge values",
            m(&[vec![1e150], vec![-1e150], vec![2e150], vec![-3e150]]),
            vec![1.0, 0.0, 1.0, 0.0],
        ),
        (
            "tiny values",
            m(&[vec![1e-300], vec![-1e-300], vec![2e-300], vec![-3e-300]]),
            vec![1.0, 0.0, 1.0, 0.0],
        ),
        (
            "wide",
            Matrix::new(3, 20, (0..60).map(|i| ((i * 7) % 11) as f64).collect()).unwrap(),
            vec![0.0, 1.0, 1.0],
        ),
        (
            "perfectly separable",
            m(&[vec![-2.0], vec![-1.0], vec![1.0], vec![2.0]]),
            vec![0.0, 0.0, 1.0, 1.0],
        ),
    ]
}

#[test]
fn degenerate_data_never_panics() {
    let params = ParamSet::new();
    for (name, x, y) in cases() {
        for task in [Task::Binary, Task::Multiclass, Task::Regression] {
            let data = match task {
                Task::Binary => Dataset::classification(x.clone().into(), y.clone(), 2),
                Task::Multiclass => Dataset::classification(x.clone().into(), y.clone(), 3),
                _ => Dataset::regression(x.clone().into(), y.clone()),
            }
            .unwrap();
            let classes_present = data.class_counts().iter().filter(|c| **c > 0).count();
            for est in estimators() {
                let id = est.info().id;
                if !est.info().capabilities.supports(task) {
                    continue;
                }
                let p = if id == "linfa.random_forest" || id == "linfa.adaboost" {
                    params.clone().with("n_estimators", 10i64)
                } else {
                    params.clone()
                };
                let one_class = task != Task::Regression && classes_present < 2;
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    match est.fit_dyn(&data, &p, &FitContext::new(0)) {
                        Ok(_) if one_class => panic!("{id} fitted a single class"),
                        Ok(model) => {
                            let pred = model.predict(data.x()).unwrap();
                            assert_eq!(pred.len(), data.n_rows());
                            assert!(pred.iter().all(|v| v.is_finite()), "{pred:?}");
                            if task != Task::Regression {
                                let proba = model.predict_proba(data.x()).unwrap();
                                for row in proba.rows() {
                                    let s: f64 = row.iter().sum();
                                    assert!((s - 1.0).abs() < 1e-9, "{row:?}");
                                }
                            }
                            "fitted".to_string()
                        }
                        Err(e) => format!("error ({:?}): {e}", e.kind()),
                    }
                }));
                match outcome {
                    Ok(what) => println!("{name} / {task} / {id}: {what}"),
                    Err(_) => panic!("{id} panicked on `{name}` ({task})"),
                }
            }
        }
    }
}
