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

/// Writes a wide table: `rows` × `cols` numbers and a binary target that depends on two.
fn wide_csv(path: &std::path::Path, rows: usize, cols: usize) {
    let mut s: String = (0..cols).map(|j| format!("x{j},")).collect();
    s.push_str("target\n");
    let mut state = 12345u64;
    for _ in 0..rows {
        let mut v = Vec::with_capacity(cols);
        for _ in 0..cols {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            v.push((state >> 33) as f64 / (1u64 << 31) as f64);
        }
        let y = if v[0] + v[1] > 1.0 { "yes" } else { "no" };
        for x in &v {
            s.push_str(&format!("{x:.4},"));
        }
        s.push_str(y);
        s.push('\n');
    }
    std::fs::write(path, s).unwrap();
}

/// The time budget is a promise for the whole command, the report's explanations included,
/// even on a wide table where explaining every column would take minutes.
#[test]
fn the_budget_holds_for_the_whole_command_on_a_wide_table() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("wide.csv");
    wide_csv(&data, 60, 1500);
    let out = dir.path().join("out");
    let budget: f64 = 6.0;
    let t = std::time::Instant::now();
    let o = mlpilot()
        .args(["run", data.to_str().unwrap(), "--target", "target"])
        .args(["--time-budget", &budget.to_string(), "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        secs <= budget + (0.05 * budget).max(1.0),
        "took {secs:.2} s for a {budget} s budget"
    );
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    // The report says what it sampled to fit in the budget.
    assert!(
        report.contains("How the explanations were computed"),
        "no sampling note"
    );
}

/// A budget too small for anything trains the cheapest model it can, or says which budget
/// would do.
#[test]
fn a_tiny_budget_trains_something_or_names_a_budget_that_would_do() {
    let dir = tempfile::tempdir().unwrap();
    let o = mlpilot()
        .args(["run", "datasets/titanic.csv", "--target", "target"])
        .args(["--time-budget", "0.3", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    match o.status.code() {
        Some(0) => assert!(dir.path().join("model.mlpilot").exists()),
        Some(2) => assert!(stderr.contains("smallest budget"), "{stderr}"),
        other => panic!("exit {other:?}: {stderr}"),
    }
}

/// A language model that accepts requests and never answers: `run --goal` still keeps its
/// budget — the rules decide the goal after a third of it, and their narrative stands — and
/// the summary says why.
#[test]
fn a_language_model_that_never_answers_cannot_take_the_budget() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream); // read nothing, answer nothing
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = mlpilot()
        .args([
            "run",
            "datasets/titanic.csv",
            "--goal",
            "who survived",
            "--time-budget",
            "3",
            "--json",
            "--llm",
            &format!("openai:silent@http://127.0.0.1:{port}/v1"),
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["target"], "target");
    let fallbacks = summary["assistant"]["fallbacks"].to_string();
    assert!(
        fallbacks.contains("within a third of the 3 s budget"),
        "{fallbacks}"
    );
    assert!(
        fallbacks.contains("no time for the narrative"),
        "{fallbacks}"
    );
    assert_eq!(summary["assistant"]["task_source"], "offline");
}
