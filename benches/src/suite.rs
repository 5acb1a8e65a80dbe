//! The benchmark suite's data: a dataset folder with `manifest.json`, `splits/*.json` and
//! `anchors.csv` (see the folder's README), read the same way by every runner.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mlpilot_core::{Error, Frame, Metric, Result, Task};
use serde::Deserialize;

/// One dataset of the manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct DatasetEntry {
    /// Short name.
    pub name: String,
    /// CSV file name.
    pub file: String,
    /// Split file, relative to the folder.
    pub split_file: String,
    /// `binary`, `multiclass`, `regression`, `timeseries` or `text`.
    pub task: String,
    /// Target column.
    pub target: String,
    /// Time column (time series).
    pub time_column: Option<String>,
    /// Rows.
    pub rows: usize,
    /// Whether the anchors cover it.
    #[serde(default)]
    pub in_anchor_suite: bool,
}

impl DatasetEntry {
    /// The mlpilot task, for tabular datasets.
    pub fn tabular_task(&self) -> Option<Task> {
        match self.task.as_str() {
            "binary" | "text" => Some(Task::Binary),
            "multiclass" => Some(Task::Multiclass),
            "regression" => Some(Task::Regression),
            _ => None,
        }
    }

    /// The metric the anchors report for it.
    pub fn metric(&self) -> Metric {
        match self.task.as_str() {
            "binary" | "text" => Metric::RocAuc,
            "multiclass" => Metric::F1Macro,
            "regression" => Metric::R2,
            _ => Metric::Rmse,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Manifest {
    datasets: Vec<DatasetEntry>,
}

#[derive(Debug, Deserialize)]
struct HoldoutSplit {
    train: Vec<usize>,
    test: Vec<usize>,
}

#[derive(Debug, Deserialize)]
struct SplitFile {
    holdout: HoldoutSplit,
}

/// A dataset folder.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The folder.
    pub dir: PathBuf,
    /// Its datasets.
    pub datasets: Vec<DatasetEntry>,
}

fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::invalid_input(format!("{}: {e}", path.display())).with_context("file", path.display())
}

impl Suite {
    /// Reads `manifest.json` in `dir`.
    ///
    /// # Errors
    /// An invalid-input error naming the file when `manifest.json` cannot be read or is not a
    /// manifest.
    pub fn open(dir: &Path) -> Result<Suite> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
        let m: Manifest = serde_json::from_str(&text).map_err(|e| io(&path, e))?;
        Ok(Suite {
            dir: dir.to_path_buf(),
            datasets: m.datasets,
        })
    }

    /// The dataset called `name`.
    pub fn get(&self, name: &str) -> Option<&DatasetEntry> {
        self.datasets.iter().find(|d| d.name == name)
    }

    /// The table of a dataset.
    ///
    /// # Errors
    /// When the dataset's file cannot be loaded (see [`mlpilot_data::load_frame`]).
    pub fn frame(&self, d: &DatasetEntry) -> Result<Frame> {
        let path = self.dir.join(&d.file);
        Ok(mlpilot_data::load_frame(&path.display().to_string())?.0)
    }

    /// The holdout split of a dataset: (train rows, test rows).
    ///
    /// # Errors
    /// An invalid-input error naming the file when the split file cannot be read or has no holdout
    /// split.
    pub fn holdout(&self, d: &DatasetEntry) -> Result<(Vec<usize>, Vec<usize>)> {
        let path = self.dir.join(&d.split_file);
        let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
        let s: SplitFile = serde_json::from_str(&text).map_err(|e| io(&path, e))?;
        Ok((s.holdout.train, s.holdout.test))
    }

    /// The anchors: `(dataset, anchor) → (score on the dataset's metric, fit seconds)`.
    ///
    /// # Errors
    /// An invalid-input error naming the file when `anchors.csv` cannot be read, lacks the
    /// `dataset`, `anchor` or `fit_s` column, or has a malformed record.
    pub fn anchors(&self) -> Result<BTreeMap<(String, String), (f64, f64)>> {
        let path = self.dir.join("anchors.csv");
        let mut rdr = csv::Reader::from_path(&path).map_err(|e| io(&path, e))?;
        let headers = rdr.headers().map_err(|e| io(&path, e))?.clone();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (Some(ds), Some(an), Some(fit)) = (col("dataset"), col("anchor"), col("fit_s")) else {
            return Err(io(&path, "missing dataset/anchor/fit_s columns"));
        };
        let mut out = BTreeMap::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| io(&path, e))?;
            let dataset = rec.get(ds).unwrap_or_default().to_string();
            let Some(entry) = self.get(&dataset) else {
                continue;
            };
            let metric_col = match entry.metric() {
                Metric::RocAuc => "roc_auc",
                Metric::F1Macro => "f1_macro",
                Metric::R2 => "r2",
                _ => "rmse",
            };
            let score = col(metric_col)
                .and_then(|c| rec.get(c))
                .and_then(|v| v.parse::<f64>().ok());
            let secs = rec
                .get(fit)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(f64::NAN);
            if let Some(score) = score {
                out.insert(
                    (dataset, rec.get(an).unwrap_or_default().to_string()),
                    (score, secs),
                );
            }
        }
        Ok(out)
    }
}
