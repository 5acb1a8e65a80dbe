//! Writing a backend outside the mlpilot crates: implement `Estimator`, run the conformance
//! suite, register it next to the built-in backends.
//!
//! `cargo run -p mlpilot-examples --example custom_backend`
#![allow(clippy::print_stdout, clippy::print_stderr)]

use mlpilot_core::Registry;
use mlpilot_examples::GaussianNaiveBayes;
use mlpilot_testkit::{ConformanceOptions, run_conformance};

fn main() {
    let report = run_conformance(&GaussianNaiveBayes, &ConformanceOptions::default());
    print!("{report}");
    let mut registry = Registry::new();
    registry.register(GaussianNaiveBayes);
    println!("registered: {}", registry.ids().join(", "));
    if !report.failures().is_empty() {
        std::process::exit(1);
    }
}
