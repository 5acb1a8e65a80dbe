#![doc = include_str!("../README.md")]

pub mod suite;

use std::path::PathBuf;

use mlpilot_core::Registry;

/// Registers every backend the benchmarks compare.
pub fn register_backends(registry: &mut Registry) {
    mlpilot_backend_gbdt::register(registry);
    mlpilot_backend_smartcore::register(registry);
    mlpilot_backend_linfa::register(registry);
    mlpilot_backend_burn::register(registry);
}

/// The dataset folder: `MLPILOT_DATASETS`, or `../shared/datasets` beside the workspace.
pub fn datasets_dir() -> PathBuf {
    match std::env::var_os("MLPILOT_DATASETS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/datasets"
        )),
    }
}

/// Peak resident memory of this process in bytes (`VmHWM` from `/proc/self/status`), where the
/// platform reports it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
