//! `mlpilot run --task forecast`, `mlpilot predict` and `mlpilot serve` with forecasters: one
//! series (the bundled sunspots) and several series with a covariate known in the future.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    // A test tells one scenario from start to end.
    clippy::too_many_lines
)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    let series = &s["series"][0];
    // The solar cycle is about 10.8 years: a season of 10 or 11 steps.
    let period = series["seasons"][0].as_f64().unwrap();
    assert!((10.0..=11.0).contains(&period), "{}", s["narrative"]);
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
    let bt = series["backtests"].as_array().unwrap();
    let naive = bt
        .iter()
        .find(|b| b["method"] == "naive (last value)")
        .unwrap()["rmse"]
        .as_f64()
        .unwrap();
    assert!(bt[0]["rmse"].as_f64().unwrap() <= naive);
    assert_eq!(series["backtest_origins"].as_array().unwrap().len(), 5);
    let coverage = series["interval_coverage"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&coverage));
    let narrative = s["narrative"].as_str().unwrap();
    assert!(
        narrative.contains(&format!("season of {period} steps")),
        "{narrative}"
    );
    // Every number in the narrative is one of the facts (rounded to three decimals).
    let facts = &s["facts"][0];
    for key in [
        "backtest_rmse",
        "first_half_mean",
        "second_half_mean",
        "coverage",
    ] {
        let v = facts[key].as_f64().unwrap();
        assert!(
            narrative.contains(&format!("{v:.3}")),
            "{key} {v} not in {narrative}"
        );
    }

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
    // Tabular commands refuse a forecaster and say what reads it.
    let o = mlpilot()
        .arg("explain")
        .arg(out.join("model.mlpilot"))
        .arg("datasets/sunspots.csv")
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is a forecasting model") && err.contains("/v1/forecast"),
        "{err}"
    );
}

/// Three stores, 200 days: a weekly pattern, a trend, and sales that fall when the price rises
/// (a covariate known in the future). The first 186 days train; the last 14 are forecast.
fn stores(
    dir: &Path,
) -> (
    std::path::PathBuf,
    std::path::PathBuf,
    Vec<(String, String, f64)>,
) {
    let mut train = String::from("store,date,price,sales\n");
    let mut future = String::from("store,date,price\n");
    let mut truth = Vec::new();
    let mut noise = 7u64;
    for (store, base) in [("north", 100.0), ("south", 60.0), ("east", 30.0)] {
        for d in 0..200u32 {
            // 2024-01-01 was a Monday.
            let date = chrono_like(d);
            let price = 10.0 + if (d / 14) % 2 == 1 { 1.5 } else { 0.0 };
            let week = [0.0, 5.0, 8.0, 6.0, 4.0, 20.0, 25.0][(d % 7) as usize] * base / 100.0;
            noise = noise
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let eps = ((noise >> 33) % 1000) as f64 / 250.0 - 2.0;
            let sales = base + 0.1 * f64::from(d) + week - 6.0 * (price - 10.0) + eps;
            if d < 186 {
                train.push_str(&format!("{store},{date},{price},{sales:.3}\n"));
            } else {
                future.push_str(&format!("{store},{date},{price}\n"));
                truth.push((store.to_string(), date, sales));
            }
        }
    }
    let t = dir.join("stores.csv");
    let f = dir.join("future.csv");
    std::fs::write(&t, train).unwrap();
    std::fs::write(&f, future).unwrap();
    (t, f, truth)
}

/// Day `d` after 2024-01-01 as `YYYY-MM-DD` (2024 is a leap year).
fn chrono_like(d: u32) -> String {
    let months = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let (mut m, mut day) = (0usize, d);
    while day >= months[m] {
        day -= months[m];
        m += 1;
    }
    format!("2024-{:02}-{:02}", m + 1, day + 1)
}

fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status: u16 = text[9..12].parse().unwrap();
    let json = text.split("\r\n\r\n").nth(1).unwrap_or("");
    // Chunked or not, the JSON object is between the first `{` and the last `}`.
    let (a, b) = (json.find('{').unwrap(), json.rfind('}').unwrap());
    (status, serde_json::from_str(&json[a..=b]).unwrap())
}

#[test]
fn several_series_with_a_known_covariate_through_run_predict_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let (train, future, truth) = stores(dir.path());
    let out = dir.path().join("out");
    let o = mlpilot()
        .arg("run")
        .arg(&train)
        .args([
            "--task",
            "forecast",
            "--target",
            "sales",
            "--time-column",
            "date",
        ])
        .args([
            "--series-id",
            "store",
            "--known-covariates",
            "price",
            "--horizon",
            "14",
        ])
        .args(["--json", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let series = s["series"].as_array().unwrap();
    let ids: Vec<&str> = series.iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["north", "south", "east"]);
    for x in series {
        assert_eq!(x["seasons"][0], 7.0, "{x}");
        assert_eq!(x["points"], 186);
    }
    assert_eq!(s["covariates"][0]["name"], "price");
    assert_eq!(s["covariates"][0]["known"], true);
    // Methods that cannot use the covariate are named.
    let notes = s["notes"].to_string();
    assert!(
        notes.contains("`price`") && notes.contains("cannot use covariates"),
        "{notes}"
    );
    // Without future prices there is no forecast to print, and it says why.
    assert!(s["forecast"].as_array().unwrap().is_empty());

    // predict: one row per future row, ids and times kept, errors a seasonal naive would make
    // (the price steps move sales by 9) well beaten.
    let o = mlpilot()
        .arg("predict")
        .arg(out.join("model.mlpilot"))
        .arg(&future)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "store,date,prediction,lower,upper");
    assert_eq!(lines.len(), 1 + truth.len());
    let mut se = 0.0;
    for (line, (store, date, y)) in lines[1..].iter().zip(&truth) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!((f[0], f[1]), (store.as_str(), date.as_str()));
        se += (f[2].parse::<f64>().unwrap() - y).powi(2);
    }
    let rmse = (se / truth.len() as f64).sqrt();
    assert!(rmse < 6.0, "rmse {rmse}");

    // A missing future price names the column, the series and the time.
    let gap = dir.path().join("gap.csv");
    std::fs::write(&gap, "store,date,price\nnorth,2024-07-06,10\n").unwrap();
    let o = mlpilot()
        .arg("predict")
        .arg(out.join("model.mlpilot"))
        .arg(&gap)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("'price'") && err.contains("series `north`") && err.contains("2024-07-05"),
        "{err}"
    );

    // serve: the same forecasts over HTTP.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let mut child = mlpilot()
        .arg("serve")
        .arg(out.join("model.mlpilot"))
        .args(["--addr", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "serve did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let body = serde_json::json!({"rows": [
        {"store": "south", "date": "2024-07-05", "price": 11.5},
        {"store": "south", "date": "2024-07-06", "price": 11.5},
    ]})
    .to_string();
    let (status, v) = http(&addr, "POST", "/v1/forecast", &body);
    let (status2, model) = http(&addr, "GET", "/v1/model", "");
    let (status3, wrong) = http(&addr, "POST", "/v1/predict", "{}");
    let (status4, no_cov) = http(&addr, "POST", "/v1/forecast", "{\"horizon\": 3}");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200, "{v}");
    let pts = v["forecasts"].as_array().unwrap();
    assert_eq!(pts.len(), 2);
    assert_eq!(pts[1]["id"], "south");
    assert_eq!(pts[1]["time"], "2024-07-06");
    let from_cli: f64 = lines
        .iter()
        .find(|l| l.starts_with("south,2024-07-06,"))
        .unwrap()
        .split(',')
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    // The same price in the file (day 187 is in a high-price fortnight): the same forecast.
    assert!((pts[1]["forecast"].as_f64().unwrap() - from_cli).abs() < 1e-9);
    assert_eq!(status2, 200);
    assert_eq!(model["task"], "forecast");
    assert_eq!(model["series_id"], "store");
    assert_eq!(status3, 404);
    assert!(wrong["error"].as_str().unwrap().contains("/v1/forecast"));
    assert_eq!(status4, 422, "{no_cov}");
    assert!(no_cov["error"].as_str().unwrap().contains("price"));
}

#[test]
fn forecast_flags_without_the_task_and_contradictions_are_refused() {
    let o = mlpilot()
        .args(["run", "datasets/sunspots.csv", "--target", "target"])
        .args(["--time-column", "time", "--horizon", "5"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--time-column, --horizon only apply to forecasts")
            && err.contains("--task forecast"),
        "{err}"
    );
    let o = mlpilot()
        .args([
            "run",
            "datasets/sunspots.csv",
            "--target",
            "target",
            "--task",
            "forecast",
        ])
        .args([
            "--time-column",
            "time",
            "--known-covariates",
            "x",
            "--no-covariates",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("contradict"));
}
