//! Both MLPs pass the conformance suite and learn known signal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr
)]

use mlpilot_backend_burn::{MlpClassifier, MlpRegressor};
use mlpilot_core::{Dataset, DynEstimator, FitContext, Metric, ParamSet, Predictions};
use mlpilot_testkit::synthetic::{
    ClassificationSpec, classification_dataset, friedman1, train_test_split,
};
use mlpilot_testkit::{ConformanceOptions, run_conformance_typed};

#[test]
fn conformance() {
    let opts = ConformanceOptions {
        params: ParamSet::new()
            .with("max_epochs", 40i64)
            .with("width", 32i64),
        ..Default::default()
    };
    let report = run_conformance_typed(&MlpClassifier, &opts);
    println!("{report}");
    report.assert_ok();
    let report = run_conformance_typed(&MlpRegressor, &opts);
    println!("{report}");
    report.assert_ok();
}

#[test]
fn learns_nonlinear_signal() {
    let (x, y) = friedman1(1500, 6, 0.3, 1);
    // Standardise inputs, as preprocessing does for networks.
    let d = Dataset::regression(x.into(), y).unwrap();
    let (tr, te) = train_test_split(d.n_rows(), 0.25, 0);
    let (tr, te) = (d.subset(&tr).unwrap(), d.subset(&te).unwrap());
    let m = MlpRegressor
        .fit_dyn(
            &tr,
            &ParamSet::new().with("max_epochs", 300i64),
            &FitContext::new(0),
        )
        .unwrap();
    let r2 = Metric::R2
        .score(te.y(), &Predictions::values(m.predict(te.x()).unwrap()), 0)
        .unwrap();
    assert!(r2 > 0.8, "R² {r2}");
    let c = classification_dataset(ClassificationSpec {
        n_rows: 800,
        n_classes: 3,
        ..Default::default()
    })
    .unwrap();
    let m = MlpClassifier
        .fit_dyn(&c, &ParamSet::new(), &FitContext::new(0))
        .unwrap();
    let acc = Metric::Accuracy
        .score(c.y(), &Predictions::values(m.predict(c.x()).unwrap()), 3)
        .unwrap();
    assert!(acc > 0.8, "accuracy {acc}");
}
