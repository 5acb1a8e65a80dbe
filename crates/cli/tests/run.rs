//! `mlpilot run`, `predict` and `evaluate` end to end.
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
fn run_predict_evaluate() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = mlpilot()
        .args([
            "run",
            "datasets/iris.csv",
            "--target",
            "target",
            "--max-trials",
            "6",
            "--backends",
            "gbdt,linfa.logistic_regression",
            "--json",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["task"], "multiclass");
    assert_eq!(summary["metric"], "f1_macro");
    assert!(summary["cv_score"].as_f64().unwrap() > 0.85);
    assert!(!summary["narrative"].as_str().unwrap().is_empty());
    assert!(
        summary["preprocessing"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| !s["reason"].as_str().unwrap().is_empty())
    );
    for f in ["model.mlpilot", "summary.json", "leaderboard.csv"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let csv = std::fs::read_to_string(out.join("leaderboard.csv")).unwrap();
    assert!(csv.starts_with("rank,model,score"));

    let model = out.join("model.mlpilot");
    let o = mlpilot()
        .arg("predict")
        .arg(&model)
        .args(["datasets/iris.csv", "--proba"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let header = text.lines().next().unwrap();
    assert!(header.starts_with("prediction,proba_"), "{header}");
    assert_eq!(text.lines().count(), 151);

    let o = mlpilot()
        .arg("evaluate")
        .arg(&model)
        .args(["datasets/iris.csv", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["metrics"]["f1_macro"].as_f64().unwrap() > 0.9);

    // Evaluating without the target names it and exits 2.
    let o = mlpilot()
        .arg("evaluate")
        .arg(&model)
        .arg("datasets/titanic.csv")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bad_arguments_exit_2() {
    let o = mlpilot()
        .args([
            "run",
            "datasets/iris.csv",
            "--target",
            "target",
            "--metric",
            "bogus",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown metric"));
    let o = mlpilot()
        .args([
            "run",
            "datasets/iris.csv",
            "--target",
            "target",
            "--time-budget",
            "-3",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = mlpilot()
        .args(["predict", "nope.mlpilot", "datasets/iris.csv"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
