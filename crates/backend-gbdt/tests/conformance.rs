//! Every estimator of the crate passes the conformance suite, learns known signal, and honours
//! the fit context.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::time::Duration;

use mlpilot_backend_gbdt::{ExtraTrees, HistGbm, RandomForest};
use mlpilot_core::{Dataset, DynEstimator, ErrorKind, FitContext, Metric, ParamSet, Predictions};
use mlpilot_testkit::conformance::Outcome;
use mlpilot_testkit::synthetic::{
    ClassificationSpec, classification_dataset, friedman1, train_test_split,
};
use mlpilot_testkit::{ConformanceOptions, run_conformance_typed};

#[test]
fn conformance() {
    let opts = ConformanceOptions {
        params: ParamSet::new().with("n_estimators", 30i64),
        ..Default::default()
    };
    for report in [
        run_conformance_typed(&HistGbm, &opts),
        run_conformance_typed(&RandomForest, &opts),
        run_conformance_typed(&ExtraTrees, &opts),
    ] {
        println!("{report}");
        report.assert_ok();
    }
}

fn split(d: &Dataset, seed: u64) -> (Dataset, Dataset) {
    let (tr, te) = train_test_split(d.n_rows(), 0.25, seed);
    (d.subset(&tr).unwrap(), d.subset(&te).unwrap())
}

#[test]
fn multinomial_nb_conforms() {
    let r = run_conformance_typed(
        &mlpilot_backend_gbdt::MultinomialNb,
        &ConformanceOptions::default(),
    );
    println!("{r}");
    r.assert_ok();
}

#[test]
fn sparse_logistic_conforms_and_matches_a_known_optimum() {
    let r = run_conformance_typed(
        &mlpilot_backend_gbdt::SparseLogistic,
        &ConformanceOptions::default(),
    );
    println!("{r}");
    r.assert_ok();
    assert!(
        r.checks
            .iter()
            .any(|c| c.name == "sparse_input_matches_dense" && c.outcome == Outcome::Passed),
        "{r}"
    );
    // One feature, separable only softly: the fitted weight sets the gradient of
    // C·Σ logloss + ½w² to zero.
    let x = mlpilot_core::Matrix::from_rows(&[
        vec![-2.0],
        vec![-1.0],
        vec![-0.5],
        vec![0.5],
        vec![1.0],
        vec![2.0],
        vec![-1.5],
        vec![1.5],
    ])
    .unwrap();
    let y = vec![0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
    let d = Dataset::classification(x.clone().into(), y.clone(), 2).unwrap();
    let est = mlpilot_backend_gbdt::SparseLogistic;
    let m = mlpilot_core::Estimator::fit(
        &est,
        &d,
        &mlpilot_backend_gbdt::SparseLogisticParams {
            c: 2.0,
            ..Default::default()
        },
        &FitContext::new(0),
    )
    .unwrap();
    let (w, b) = (m.weights[0], m.bias[0]);
    let (mut gw, mut gb) = (w, 0.0);
    for (r, t) in x.rows().zip(&y) {
        let p = 1.0 / (1.0 + (-(w * r[0] + b)).exp());
        gw += 2.0 * (p - t) * r[0];
        gb += 2.0 * (p - t);
    }
    assert!(gw.abs() < 1e-4 && gb.abs() < 1e-4, "gradient {gw} {gb}");
    assert!(w > 0.5);
}

#[test]
fn nonlinear_regression_is_learned() {
    let (x, y) = friedman1(2000, 8, 0.5, 3);
    let d = Dataset::regression(x.into(), y).unwrap();
    let (tr, te) = split(&d, 1);
    for (est, min_r2) in [
        (&HistGbm as &dyn DynEstimator, 0.9),
        (&RandomForest, 0.8),
        (&ExtraTrees, 0.8),
    ] {
        let m = est
            .fit_dyn(
                &tr,
                &ParamSet::new().with("n_estimators", 200i64),
                &FitContext::new(0),
            )
            .unwrap();
        let r2 = Metric::R2
            .score(te.y(), &Predictions::values(m.predict(te.x()).unwrap()), 0)
            .unwrap();
        assert!(r2 > min_r2, "{}: R² {r2}", est.info().id);
    }
}

#[test]
fn multiclass_probabilities_rank_well() {
    let spec = ClassificationSpec {
        n_rows: 1500,
        n_features: 8,
        n_informative: 4,
        n_classes: 4,
        class_sep: 1.0,
        flip: 0.0,
        seed: 5,
    };
    let d = classification_dataset(spec).unwrap();
    let (tr, te) = split(&d, 2);
    for est in [&HistGbm as &dyn DynEstimator, &RandomForest, &ExtraTrees] {
        let m = est
            .fit_dyn(&tr, &ParamSet::new(), &FitContext::new(0))
            .unwrap();
        let p = Predictions::from_proba(m.predict_proba(te.x()).unwrap());
        let auc = Metric::RocAuc.score(te.y(), &p, 4).unwrap();
        assert!(auc > 0.85, "{}: AUC {auc}", est.info().id);
    }
}

#[test]
fn threads_do_not_change_results() {
    let d = classification_dataset(ClassificationSpec {
        n_rows: 6000,
        ..Default::default()
    })
    .unwrap();
    for est in [&HistGbm as &dyn DynEstimator, &RandomForest] {
        let p = ParamSet::new().with("n_estimators", 20i64);
        let a = est
            .fit_dyn(&d, &p, &FitContext::new(3))
            .unwrap()
            .predict_proba(d.x())
            .unwrap();
        let b = est
            .fit_dyn(&d, &p, &FitContext::new(3).with_threads(2))
            .unwrap()
            .predict_proba(d.x())
            .unwrap();
        assert_eq!(a, b, "{}", est.info().id);
    }
}

#[test]
fn the_deadline_stops_training_with_what_was_grown() {
    let d = classification_dataset(ClassificationSpec {
        n_rows: 20_000,
        n_features: 20,
        ..Default::default()
    })
    .unwrap();
    let p = ParamSet::new()
        .with("n_estimators", 4000i64)
        .with("early_stopping", "off")
        .with("learning_rate", 0.01);
    let t = std::time::Instant::now();
    let ctx = FitContext::new(0).with_budget(Duration::from_millis(300));
    let m = HistGbm.fit_dyn(&d, &p, &ctx).unwrap();
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(m.predict(d.x()).is_ok());
    let ctx = FitContext::new(0).with_budget(Duration::ZERO);
    assert_eq!(
        HistGbm.fit_dyn(&d, &p, &ctx).unwrap_err().kind(),
        ErrorKind::Timeout
    );
}

#[test]
fn tree_view_reproduces_predictions() {
    let d = classification_dataset(ClassificationSpec {
        n_rows: 500,
        n_classes: 3,
        ..Default::default()
    })
    .unwrap();
    for est in [&HistGbm as &dyn DynEstimator, &RandomForest] {
        let m = est
            .fit_dyn(
                &d,
                &ParamSet::new().with("n_estimators", 25i64),
                &FitContext::new(0),
            )
            .unwrap();
        let view = m.tree_ensemble().unwrap();
        let proba = m.predict_proba(d.x()).unwrap();
        let x = d.x().to_dense();
        for (i, row) in x.rows().enumerate().take(50) {
            let raw = view.raw(row);
            let p: Vec<f64> = match view.link {
                mlpilot_core::tree::Link::Softmax => {
                    let m = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let e: Vec<f64> = raw.iter().map(|r| (r - m).exp()).collect();
                    let s: f64 = e.iter().sum();
                    e.iter().map(|v| v / s).collect()
                }
                _ => raw,
            };
            for (a, b) in p.iter().zip(proba.row(i).unwrap()) {
                assert!(
                    (a - b).abs() < 1e-9,
                    "{} row {i}: {p:?} vs {:?}",
                    est.info().id,
                    proba.row(i)
                );
            }
        }
    }
}
