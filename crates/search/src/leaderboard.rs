//! The leaderboard: every trial, best first.

use std::fmt::Write as _;

use mlpilot_core::{Metric, ParamSet};
use serde::{Deserialize, Serialize};

/// How a trial ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialStatus {
    /// Scored on every fold.
    Ok,
    /// Stopped on a lower fidelity (fewer rows) by successive halving.
    Pruned,
    /// Ran out of time.
    Timeout,
    /// Failed with an error.
    Failed,
    /// Not a trial: an estimator that left the run or never started (memory, cost, repeated
    /// time-outs); the error column says why.
    Skipped,
}

/// One trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderboardRow {
    /// Trial number (1-based, in the order trials were proposed).
    pub trial: usize,
    /// Estimator id, or `ensemble`.
    pub model: String,
    /// Hyperparameters.
    pub params: ParamSet,
    /// Mean validation score over folds (`None` unless scored).
    pub score: Option<f64>,
    /// Standard deviation of the fold scores.
    pub std: f64,
    /// Folds scored.
    pub folds: usize,
    /// Seconds fitting (all folds).
    pub fit_secs: f64,
    /// Seconds predicting (all folds).
    pub predict_secs: f64,
    /// Rows the trial trained on per fold (fewer than all on a low fidelity).
    pub rows: usize,
    /// How it ended.
    pub status: TrialStatus,
    /// The error, if it failed.
    pub error: Option<String>,
}

impl LeaderboardRow {
    /// A row without a score: a trial that failed or ran out of time, or an estimator that
    /// left (`trial` 0), with why.
    pub fn unscored(
        trial: usize,
        model: &str,
        params: ParamSet,
        rows: usize,
        status: TrialStatus,
        why: String,
    ) -> Self {
        LeaderboardRow {
            trial,
            model: model.to_string(),
            params,
            score: None,
            std: 0.0,
            folds: 0,
            fit_secs: 0.0,
            predict_secs: 0.0,
            rows,
            status,
            error: Some(why),
        }
    }
}

/// Sorts rows best first by `metric` (scored rows before the rest, then by trial number).
pub fn sort_rows(rows: &mut [LeaderboardRow], metric: Metric) {
    rows.sort_by(|a, b| match (a.score, b.score) {
        (Some(x), Some(y)) if a.status == TrialStatus::Ok && b.status == TrialStatus::Ok => metric
            .oriented(y)
            .total_cmp(&metric.oriented(x))
            .then(a.trial.cmp(&b.trial)),
        _ => rank(a).cmp(&rank(b)).then(a.trial.cmp(&b.trial)),
    });
}

fn rank(r: &LeaderboardRow) -> u8 {
    match (r.status.clone(), r.score) {
        (TrialStatus::Ok, Some(_)) => 0,
        (TrialStatus::Pruned, _) => 1,
        (TrialStatus::Timeout, _) => 2,
        (TrialStatus::Failed, _) => 3,
        _ => 4,
    }
}

/// The leaderboard as CSV text (`rank,model,score,std,folds,fit_secs,predict_secs,rows,status,params,error`).
pub fn to_csv(rows: &[LeaderboardRow]) -> String {
    let mut out =
        String::from("rank,model,score,std,folds,fit_secs,predict_secs,rows,status,params,error\n");
    for (i, r) in rows.iter().enumerate() {
        let status = serde_json::to_value(&r.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{},{},{},{},{},{:.4},{:.4},{},{},{},{}",
            i + 1,
            csv_field(&r.model),
            r.score.map_or(String::new(), |s| format!("{s}")),
            r.std,
            r.folds,
            r.fit_secs,
            r.predict_secs,
            r.rows,
            status,
            csv_field(&r.params.to_string()),
            csv_field(r.error.as_deref().unwrap_or(""))
        );
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The top `n` rows as an aligned table for people.
pub fn render(rows: &[LeaderboardRow], metric: Metric, n: usize) -> String {
    let mut out = format!(
        "{:>4}  {:<28} {:>10} {:>8} {:>8}  params\n",
        "rank",
        "model",
        metric.as_str(),
        "± std",
        "fit s"
    );
    for (i, r) in rows.iter().take(n).enumerate() {
        let score = r.score.map_or_else(
            || format!("{:?}", r.status).to_lowercase(),
            |s| format!("{s:.4}"),
        );
        let mut params = match (&r.status, &r.error) {
            (TrialStatus::Skipped, Some(why)) => why.clone(),
            _ => r.params.to_string(),
        };
        if params.chars().count() > 70 {
            params = params.chars().take(67).collect::<String>() + "...";
        }
        let _ = writeln!(
            out,
            "{:>4}  {:<28} {:>10} {:>8.4} {:>8.2}  {}",
            i + 1,
            r.model,
            score,
            r.std,
            r.fit_secs,
            params
        );
    }
    out
}
