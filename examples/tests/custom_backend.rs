//! The example backend passes the same conformance suite as the built-in ones.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mlpilot_examples::GaussianNaiveBayes;
use mlpilot_testkit::{ConformanceOptions, run_conformance};

#[test]
fn example_backend_passes_the_conformance_suite() {
    let report = run_conformance(&GaussianNaiveBayes, &ConformanceOptions::default());
    report.assert_ok();
    assert!(report.passed() >= 20, "{report}");
}

/// An estimator registered from outside the workspace takes part in the default search: the
/// search knows no estimator by name, only what each says of itself.
#[test]
fn the_example_backend_takes_part_in_the_default_search() {
    let mut registry = mlpilot::default_registry();
    registry.register(GaussianNaiveBayes);
    let frame = mlpilot_testkit::synthetic::customer_frame(600, 3);
    let trained = mlpilot::AutoMl::new()
        .registry(registry)
        .target("churn")
        .max_trials(12)
        .fit_frame(&frame)
        .unwrap();
    let rows: Vec<_> = trained
        .result
        .leaderboard
        .iter()
        .filter(|r| r.model == "example.gaussian_nb")
        .collect();
    assert!(
        rows.iter()
            .any(|r| r.status == mlpilot::search::TrialStatus::Ok && r.score.is_some()),
        "{:#?}",
        trained.result.leaderboard
    );
}
