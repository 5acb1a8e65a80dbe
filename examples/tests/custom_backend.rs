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
