//! `mlpilot explain`, `monitor` and `retrain` end to end, including a retrain killed mid-way.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn mlpilot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlpilot"));
    c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    c
}

fn train(dir: &Path, data: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join("out");
    let o = mlpilot()
        .args([
            "run",
            data,
            "--target",
            "target",
            "--max-trials",
            "3",
            "--backends",
            "gbdt.hist_gbm",
            "--json",
            "--out",
        ])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out.join("model.mlpilot")
}

#[test]
fn explain_prints_json_and_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(dir.path(), "datasets/titanic.csv", &[]);
    assert!(dir.path().join("out/report.html").exists());
    let o = mlpilot()
        .arg("explain")
        .arg(&model)
        .args(["datasets/titanic.csv", "--row", "0", "--row", "3", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rows"].as_array().unwrap().len(), 2);
    assert_eq!(v["rows"][1]["row"], 3);
    for r in v["rows"].as_array().unwrap() {
        let sum: f64 = r["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_f64().unwrap())
            .sum();
        let gap = r["output"].as_f64().unwrap() - r["base_value"].as_f64().unwrap() - sum;
        assert!(gap.abs() < 1e-6);
        assert!(r["contributions"][0]["input"].is_string());
    }
    let g = v["global"].as_array().unwrap();
    assert_eq!(g[0]["feature"], "sex");
    assert!(g[0]["std"].is_number());
    let o = mlpilot()
        .arg("explain")
        .arg(&model)
        .args(["datasets/titanic.csv", "--row", "1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("row 1: Predicted "), "{text}");
    assert!(text.contains("mainly because"), "{text}");
    let o = mlpilot()
        .arg("explain")
        .arg(&model)
        .args(["datasets/titanic.csv", "--row", "100000"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("row 100000 does not exist"));
}

#[test]
fn monitor_flags_a_shifted_table_and_keeps_state() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(dir.path(), "datasets/titanic.csv", &[]);
    // The same table: no drift. Ages shifted by 30 years and everyone in 3rd class: drift.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/titanic.csv"
    ))
    .unwrap();
    let mut shifted = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            shifted.push_str(line);
        } else {
            let f: Vec<&str> = line.split(',').collect();
            let age = f[2]
                .parse::<f64>()
                .map(|a| (a + 30.0).to_string())
                .unwrap_or_default();
            shifted.push_str(&format!("3rd,{},{},{},{},{}", f[1], age, f[3], f[4], f[5]));
        }
        shifted.push('\n');
    }
    let shifted_path = dir.path().join("shifted.csv");
    std::fs::write(&shifted_path, shifted).unwrap();
    let state = dir.path().join("state.sqlite");
    let run = |data: &Path| {
        let o = mlpilot()
            .arg("monitor")
            .arg(&model)
            .arg(data)
            .arg("--json")
            .arg("--state")
            .arg(&state)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let same = run(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/titanic.csv"
    )));
    assert_eq!(same["drift"], false, "{same}");
    assert!(same["performance"]["current_score"].as_f64().unwrap() > 0.8);
    let v = run(&shifted_path);
    assert_eq!(v["drift"], true);
    let drifted: Vec<&str> = v["drifted_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(drifted, vec!["pclass", "age"]);
    for c in v["columns"].as_array().unwrap() {
        for k in ["name", "test", "statistic", "p_value", "threshold", "drift"] {
            assert!(c.get(k).is_some(), "{k} missing in {c}");
        }
    }
    let alerts = v["alerts"].as_array().unwrap();
    for col in ["pclass", "age"] {
        assert!(
            alerts
                .iter()
                .any(|a| a["kind"] == "drift" && a["subject"] == col),
            "{alerts:?}"
        );
    }
    // A second run inside the cool-down raises nothing new; the history counts both.
    let again = run(&shifted_path);
    assert!(again["alerts"].as_array().unwrap().is_empty());
    assert_eq!(again["history"]["checks"], 3);
    assert_eq!(again["history"]["with_drift"], 2);
}

#[test]
fn retrain_keeps_the_better_model_and_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(dir.path(), "datasets/titanic.csv", &[]);
    let before = std::fs::read(&model).unwrap();
    // Retraining on the same kind of data compares on the recent rows and reports both scores.
    let o = mlpilot()
        .arg("retrain")
        .arg(&model)
        .args(["datasets/titanic.csv", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let (old, new) = (
        v["old_score"].as_f64().unwrap(),
        v["new_score"].as_f64().unwrap(),
    );
    let replaced = v["replaced"].as_bool().unwrap();
    assert_eq!(replaced, new > old, "{v}");
    let after = std::fs::read(&model).unwrap();
    if replaced {
        assert_ne!(after, before);
        assert_eq!(
            std::fs::read(model.with_extension("mlpilot.prev")).unwrap(),
            before
        );
    } else {
        assert_eq!(after, before);
    }
    // A holdout share outside 0.05–0.5 is refused with the value, not quietly changed.
    for share in ["0", "0.9"] {
        let o = mlpilot()
            .arg("retrain")
            .arg(&model)
            .args(["datasets/titanic.csv", "--holdout", share])
            .output()
            .unwrap();
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!(
                "a holdout of {share} of the new rows is outside 0.05–0.5"
            )),
            "{err}"
        );
    }
    // A retrain killed while it trains leaves the model file whole and loadable.
    let current = std::fs::read(&model).unwrap();
    let mut child = mlpilot()
        .arg("retrain")
        .arg(&model)
        .args(["datasets/titanic.csv", "--time-budget", "30"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(std::fs::read(&model).unwrap(), current);
    let o = mlpilot()
        .arg("evaluate")
        .arg(&model)
        .args(["datasets/titanic.csv", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
