//! Deployment through tools no one here wrote: `mlpilot export` checked in onnxruntime (PyPI),
//! and `mlpilot serve`'s Open Inference Protocol checked with NVIDIA's tritonclient (PyPI) —
//! on a binary, a multiclass and a regression table, against `mlpilot predict --proba`.
//!
//! The Python packages come from `scripts/py-checks.sh` (installed into a virtual environment
//! at first use).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn mlpilot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlpilot"));
    c.current_dir(ROOT);
    c
}

/// The interpreter with onnxruntime and tritonclient (installed on first use).
fn python() -> &'static str {
    static PY: OnceLock<String> = OnceLock::new();
    PY.get_or_init(|| {
        let o = Command::new("bash")
            .arg("scripts/py-checks.sh")
            .current_dir(ROOT)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "scripts/py-checks.sh could not provide onnxruntime and tritonclient: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    })
}

fn check(o: &std::process::Output, what: &str) -> String {
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{what} failed:\n{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// Trains with the default candidates kept exportable, exports, predicts the first `rows`
/// rows; returns (model, onnx, predictions CSV, first rows as CSV).
fn prepare(dir: &Path, data: &str, rows: usize) -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    let out = dir.join("out");
    let o = mlpilot()
        .args(["run", data, "--target", "target", "--time-budget", "8"])
        .args(["--exportable", "onnx", "--json", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    check(&o, "mlpilot run");
    let model = out.join("model.mlpilot");
    let text = std::fs::read_to_string(Path::new(ROOT).join(data)).unwrap();
    let head: Vec<&str> = text.lines().take(rows + 1).collect();
    let sample = dir.join("rows.csv");
    std::fs::write(&sample, head.join("\n") + "\n").unwrap();
    let onnx = dir.join("model.onnx");
    let o = mlpilot()
        .arg("export")
        .arg(&model)
        .arg("--out")
        .arg(&onnx)
        .arg("--check")
        .arg(&sample)
        .output()
        .unwrap();
    let said = check(&o, "mlpilot export");
    assert!(said.contains("0 labels differ"), "{said}");
    let preds = dir.join("predictions.csv");
    let o = mlpilot()
        .arg("predict")
        .arg(&model)
        .arg(&sample)
        .arg("--proba")
        .arg("--out")
        .arg(&preds)
        .output()
        .unwrap();
    check(&o, "mlpilot predict");
    (model, onnx, preds, sample)
}

struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(model: &Path, name: &str) -> (Served, String) {
    let addr = format!("127.0.0.1:{}", free_port());
    let log = model.with_extension("serve.log");
    let child = mlpilot()
        .arg("serve")
        .arg(model)
        .args(["--addr", &addr, "--name", name])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let served = Served(child);
    // Wait until it accepts connections.
    let start = Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "mlpilot serve did not start: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (served, addr)
}

fn run_checks(data: &str, rows: usize) {
    let dir = tempfile::tempdir().unwrap();
    let (model, onnx, preds, sample) = prepare(dir.path(), data, rows);
    let scripts = Path::new(ROOT).join("scripts/checks");
    let o = Command::new(python())
        .arg(scripts.join("onnx_check.py"))
        .arg(&onnx)
        .arg(&sample)
        .arg(&preds)
        .arg(rows.to_string())
        .output()
        .unwrap();
    let said = check(&o, "onnx_check.py (onnxruntime)");
    println!("{data}: {said}");
    let (_server, addr) = serve(&model, "churn-model");
    let o = Command::new(python())
        .arg(scripts.join("kserve_check.py"))
        .arg(&addr)
        .arg("churn-model")
        .arg(&sample)
        .arg(&preds)
        .arg(rows.to_string())
        .output()
        .unwrap();
    let said = check(&o, "kserve_check.py (tritonclient)");
    println!("{data}: {said}");
}

#[test]
fn titanic_binary_in_onnxruntime_and_tritonclient() {
    run_checks("datasets/titanic.csv", 300);
}

#[test]
fn iris_multiclass_in_onnxruntime_and_tritonclient() {
    run_checks("datasets/iris.csv", 150);
}

#[test]
fn diabetes_regression_in_onnxruntime_and_tritonclient() {
    run_checks("datasets/diabetes.csv", 300);
}
