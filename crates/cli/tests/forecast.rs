//! `mlpilot run --task forecast` and `mlpilot predict` with a forecasting model.
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
fn forecast_run_then_predict_future_times() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = mlpilot()
        .args([
            "run",
            "datasets/sunspots.csv",
            "--task",
            "forecast",
            "--target",
            "target",
        ])
        .args([
            "--time-column",
            "time",
            "--horizon",
            "10",
            "--json",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["task"], "forecast");
    // The solar cycle is about 10.8 years: a season of 10 or 11 steps.
    let period = s["period"].as_u64().unwrap();
    assert!((10..=11).contains(&period), "{}", s["narrative"]);
    let fc = s["forecast"].as_array().unwrap();
    assert_eq!(fc.len(), 10);
    assert_eq!(fc[0]["time"], "2009");
    for p in fc {
        let (lo, f, hi) = (
            p["lower"].as_f64().unwrap(),
            p["forecast"].as_f64().unwrap(),
            p["upper"].as_f64().unwrap(),
        );
        assert!(lo <= f && f <= hi);
    }
    // The backtests rank the methods; the chosen one is first and beats the plain naive one.
    let bt = s["backtests"].as_array().unwrap();
    let naive = bt.iter().find(|b| b["method"] == "naive").unwrap()["rmse"]
        .as_f64()
        .unwrap();
    assert!(bt[0]["rmse"].as_f64().unwrap() <= naive);
    assert!(
        s["narrative"]
            .as_str()
            .unwrap()
            .contains(&format!("season of {period} steps"))
    );

    // Predict given future times (out of order, beyond the horizon too).
    let future = dir.path().join("future.csv");
    std::fs::write(&future, "time\n2010\n2009\n2025\n").unwrap();
    let o = mlpilot()
        .arg("predict")
        .arg(out.join("model.mlpilot"))
        .arg(&future)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "time,prediction,lower,upper");
    assert!(lines[1].starts_with("2010,"));
    assert!(lines[2].starts_with("2009,"));
    assert!(lines[3].starts_with("2025,"));
    let f2009: f64 = lines[2].split(',').nth(1).unwrap().parse().unwrap();
    assert!((f2009 - fc[0]["forecast"].as_f64().unwrap()).abs() < 1e-9);
    // A time inside the history is refused with the last observed time.
    std::fs::write(&future, "time\n1990\n").unwrap();
    let o = mlpilot()
        .arg("predict")
        .arg(out.join("model.mlpilot"))
        .arg(&future)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not after the last observed time 2008"));
}
