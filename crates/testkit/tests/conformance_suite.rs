//! The conformance suite passes correct estimators and catches broken ones.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mlpilot_core::{
    DataShape, Dataset, Estimator, EstimatorInfo, Features, FitContext, Model, ModelFamily,
    ParamSet, Result, SearchSpace, Task,
};
use mlpilot_testkit::conformance::Outcome;
use mlpilot_testkit::reference::{NearestCentroid, Ridge};
use mlpilot_testkit::{ConformanceOptions, run_conformance};
use serde::{Deserialize, Serialize};

#[test]
fn reference_estimators_pass() {
    let opts = ConformanceOptions::default();
    let r = run_conformance(&NearestCentroid, &opts);
    r.assert_ok();
    assert!(r.passed() >= 20, "{r}");
    let r = run_conformance(&Ridge, &opts);
    r.assert_ok();
    // Ridge declares only regression: the classification tasks are checked for refusal.
    assert!(
        r.checks
            .iter()
            .any(|c| c.name == "unsupported_task_is_refused" && c.outcome == Outcome::Passed)
    );
}

/// Claims binary classification but predicts a constant and accepts anything.
struct Broken;

#[derive(Debug, Serialize, Deserialize)]
struct BrokenModel;

impl Model for BrokenModel {
    fn task(&self) -> Task {
        Task::Binary
    }
    fn n_features(&self) -> usize {
        5
    }
    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        Ok(vec![0.0; x.n_rows()])
    }
}

impl Estimator for Broken {
    type Model = BrokenModel;
    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new("broken", "broken", ModelFamily::Baseline).tasks(&[Task::Binary])
    }
    fn search_space(&self, _t: Task, _s: DataShape) -> SearchSpace {
        SearchSpace::new()
    }
    fn fit(&self, _d: &Dataset, _p: &ParamSet, _c: &FitContext) -> Result<BrokenModel> {
        Ok(BrokenModel)
    }
}

#[test]
fn broken_estimator_fails_the_right_checks() {
    let r = run_conformance(&Broken, &ConformanceOptions::default());
    let failed: Vec<&str> = r.failures().iter().map(|c| c.name).collect();
    for expected in [
        "id_is_library_dot_algorithm",
        "better_than_dummy",
        "wrong_feature_count_is_an_error",
        "zero_rows_is_an_error",
        "infinite_input_is_an_error",
        "missing_values",
        "single_class_is_an_error",
    ] {
        assert!(failed.contains(&expected), "{expected} should fail:\n{r}");
    }
    assert!(std::panic::catch_unwind(|| r.assert_ok()).is_err());
}
