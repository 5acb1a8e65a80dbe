//! `mlpilot profile` end to end: output, JSON, and exit codes for bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

fn mlpilot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlpilot"));
    c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    c
}

#[test]
fn profiles_titanic_as_a_table_and_as_json() {
    let out = mlpilot()
        .args(["profile", "datasets/titanic.csv", "--target", "target"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("1,309 rows × 6 columns"), "{text}");
    assert!(text.contains("Target `target`: binary"), "{text}");
    assert!(text.contains("age: decimal numbers"), "{text}");

    let out = mlpilot()
        .args(["profile", "datasets/iris.csv", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["n_rows"], 150);
    assert_eq!(v["suggestions"]["target"]["column"], "target");
    // The facts and their words side by side: the rule that decided a column's kind with its
    // numbers, and the sentence written from them.
    let sepal = &v["columns"][0];
    assert_eq!(sepal["kind"], "float");
    assert!(
        sepal["why"]["DecimalNumbers"]["distinct"].is_u64(),
        "{sepal}"
    );
    let reason = sepal["reason"].as_str().unwrap();
    let distinct = sepal["distinct"].as_u64().unwrap();
    assert_eq!(
        reason,
        format!("decimal numbers, {distinct} distinct → float")
    );
    let target = &v["suggestions"]["target"];
    assert_eq!(target["why"]["name"], "Usual");
    assert!(
        target["reason"]
            .as_str()
            .unwrap()
            .starts_with("it is named `target` and it is the last column"),
        "{target}"
    );
}

#[test]
fn bad_input_exits_with_2_and_names_the_problem() {
    let out = mlpilot()
        .args(["profile", "datasets/nope.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("datasets/nope.csv"), "{err}");

    let out = mlpilot()
        .args(["profile", "datasets/iris.csv", "--target", "colour"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("`colour`") && err.contains("`target`"),
        "{err}"
    );
}

#[test]
fn version_and_help() {
    let out = mlpilot().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("mlpilot ")
    );
    let out = mlpilot().arg("--help").output().unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains("profile"));
}
