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

/// One table of a goal benchmark (`benches/extra/export_goals.py` writes them in `goals.json`).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct GoalCase {
    /// The CSV file, in the benchmark's folder.
    pub file: String,
    /// The goal, as a person would write it.
    pub goal: String,
    /// The right target column.
    pub target: String,
    /// The right task (`binary`, `multiclass`, `regression`).
    pub task: String,
}

/// The assistants the goal and narrative benchmarks compare by default: the rules, and the
/// local model (`scripts/local-llm.sh`) through both APIs.
pub const DEFAULT_ADVISORS: [&str; 3] = [
    "offline",
    "openai:qwen2.5-coder-0.5b@http://127.0.0.1:8091/v1",
    "ollama:qwen2.5-coder-0.5b@http://127.0.0.1:11434",
];

/// Reads a goal benchmark's `goals.json`.
///
/// # Errors
/// When the file cannot be read or parsed (the message names it).
pub fn read_goal_cases(dir: &std::path::Path) -> Result<Vec<GoalCase>, String> {
    let path = dir.join("goals.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
