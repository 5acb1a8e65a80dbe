//! The conformance suite passes correct estimators and catches broken ones.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mlpilot_core::{
    DataShape, Dataset, Error, Estimator, EstimatorInfo, Features, FitContext, Model, ModelFamily,
    NoParams, ParamSet, Params, ProgressEvent, Result, SearchSpace, Task,
};
use mlpilot_testkit::conformance::Outcome;
use mlpilot_testkit::reference::{CentroidModel, NearestCentroid, Ridge};
use mlpilot_testkit::{ConformanceOptions, run_conformance, run_conformance_typed};
use serde::{Deserialize, Serialize};

#[test]
fn reference_estimators_pass() {
    let opts = ConformanceOptions::default();
    let r = run_conformance_typed(&NearestCentroid, &opts);
    r.assert_ok();
    assert!(r.passed() >= 20, "{r}");
    let r = run_conformance_typed(&Ridge, &opts);
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
    type Params = NoParams;
    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new("broken", "broken", ModelFamily::Baseline).tasks(&[Task::Binary])
    }
    fn search_space(&self, _t: Task, _s: DataShape) -> SearchSpace {
        SearchSpace::new()
    }
    fn fit(&self, _d: &Dataset, _p: &NoParams, _c: &FitContext) -> Result<BrokenModel> {
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

/// Claims every capability and honours none: ignores weights, refuses sparse input, lets the
/// thread count move its predictions, goes on after a cancel, and falls back to another
/// `shift` than its space's default.
struct Boastful;

#[derive(Debug, Serialize, Deserialize)]
struct BoastfulModel {
    inner: CentroidModel,
    shift: f64,
}

impl Model for BoastfulModel {
    fn task(&self) -> Task {
        self.inner.task()
    }
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }
    fn n_classes(&self) -> usize {
        self.inner.n_classes()
    }
    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        let mut m = x.to_dense().into_owned();
        for i in 0..m.n_rows() {
            for j in 0..m.n_cols() {
                m.set(i, j, m.get(i, j).unwrap() + self.shift);
            }
        }
        self.inner.predict(&m.into())
    }
}

/// Its typed default `shift` (0) is not its space's (0.5).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct BoastfulParams {
    shift: f64,
}

impl Params for BoastfulParams {}

impl Estimator for Boastful {
    type Model = BoastfulModel;
    type Params = BoastfulParams;
    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new("testkit.boastful", "boastful", ModelFamily::Neighbors)
            .tasks(&[Task::Binary])
            .capabilities(|c| {
                c.sample_weights = true;
                c.sparse = true;
                c.categorical = true;
                c.deterministic = true;
            })
    }
    fn search_space(&self, _t: Task, _s: DataShape) -> SearchSpace {
        SearchSpace::new().float("shift", 0.0, 1.0, 0.5)
    }
    fn fit(&self, d: &Dataset, p: &BoastfulParams, ctx: &FitContext) -> Result<BoastfulModel> {
        if d.x().is_sparse() {
            return Err(Error::invalid_input(
                "no sparse input, whatever the capabilities say",
            ));
        }
        for iteration in 1..=5 {
            ctx.report(ProgressEvent::Iteration {
                estimator: "testkit.boastful".into(),
                iteration,
                total: Some(5),
                loss: None,
            });
        }
        let inner = NearestCentroid.fit(d, &NoParams {}, &FitContext::new(ctx.seed))?;
        Ok(BoastfulModel {
            inner,
            shift: p.shift + (ctx.threads - 1) as f64,
        })
    }
}

#[test]
fn capability_claims_are_checked() {
    let r = run_conformance_typed(&Boastful, &ConformanceOptions::default());
    let failed: Vec<&str> = r.failures().iter().map(|c| c.name).collect();
    for expected in [
        "sample_weights_are_honoured",
        "sparse_input_matches_dense",
        "cancel_during_the_fit_stops_it",
        "thread_count_does_not_change_predictions",
        "typed_defaults_are_the_space_defaults",
    ] {
        assert!(failed.contains(&expected), "{expected} should fail:\n{r}");
    }
    assert!(
        !failed.contains(&"space_parameters_convert_to_the_typed_ones"),
        "{r}"
    );
    // The checks that hold for it pass: a cancel or an expired deadline before the fit stops it
    // (the blanket `fit_dyn` checks the context first).
    for passing in [
        "cancelled_before_the_fit_is_refused",
        "expired_deadline_stops_the_fit",
    ] {
        assert!(!failed.contains(&passing), "{passing} should pass:\n{r}");
    }
}

/// A library panic inside `fit` becomes an error of `fit_dyn`, not a crash of the caller.
#[test]
fn a_panicking_fit_is_an_error() {
    struct Panics;
    impl Estimator for Panics {
        type Model = BrokenModel;
        type Params = NoParams;
        fn info(&self) -> EstimatorInfo {
            EstimatorInfo::new("testkit.panics", "panics", ModelFamily::Baseline)
                .tasks(&[Task::Binary])
        }
        fn search_space(&self, _t: Task, _s: DataShape) -> SearchSpace {
            SearchSpace::new()
        }
        fn fit(&self, _d: &Dataset, _p: &NoParams, _c: &FitContext) -> Result<BrokenModel> {
            panic!("index out of bounds in a model library")
        }
    }
    let d = Dataset::classification(
        mlpilot_core::Matrix::from_rows(&[vec![0.0], vec![1.0]])
            .unwrap()
            .into(),
        vec![0.0, 1.0],
        2,
    )
    .unwrap();
    let err =
        mlpilot_core::DynEstimator::fit_dyn(&Panics, &d, &ParamSet::new(), &FitContext::new(1))
            .err()
            .unwrap();
    assert!(
        err.to_string()
            .contains("testkit.panics panicked while fitting")
            && err.to_string().contains("index out of bounds"),
        "{err}"
    );
}

/// A space that names a parameter its typed `Params` lacks (`alpha` vs `lambda`): every fit
/// through the space fails, and the conformance suite says why.
#[test]
fn a_space_name_the_params_lack_is_found() {
    struct Misnamed;
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct MisnamedParams {
        lambda: f64,
    }
    impl Default for MisnamedParams {
        fn default() -> Self {
            MisnamedParams { lambda: 1.0 }
        }
    }
    impl Params for MisnamedParams {}
    impl Estimator for Misnamed {
        type Model = CentroidModel;
        type Params = MisnamedParams;
        fn info(&self) -> EstimatorInfo {
            EstimatorInfo::new("testkit.misnamed", "misnamed", ModelFamily::Neighbors)
                .tasks(&[Task::Binary])
        }
        fn search_space(&self, _t: Task, _s: DataShape) -> SearchSpace {
            SearchSpace::new().log_float("alpha", 1e-3, 10.0, 1.0)
        }
        fn fit(&self, d: &Dataset, _p: &MisnamedParams, c: &FitContext) -> Result<CentroidModel> {
            NearestCentroid.fit(d, &NoParams {}, c)
        }
    }
    let r = run_conformance_typed(&Misnamed, &ConformanceOptions::default());
    let failure = r
        .failures()
        .into_iter()
        .find(|c| c.name == "space_parameters_convert_to_the_typed_ones")
        .map(|c| match &c.outcome {
            Outcome::Failed(why) => why.clone(),
            other => format!("{other:?}"),
        })
        .unwrap_or_default();
    assert!(failure.contains("alpha"), "{r}");
}
