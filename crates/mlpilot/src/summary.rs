//! `summary.json`: the run in one document, for people and programs.

use mlpilot_core::{Metric, StepSummary, Task};
use mlpilot_search::{LeaderboardRow, Timings};
use serde::{Deserialize, Serialize};

use crate::Trained;

/// The summary of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The task.
    pub task: Task,
    /// The target column.
    pub target: String,
    /// The metric optimised.
    pub metric: Metric,
    /// The chosen model (an estimator id, or a description of the ensemble).
    pub best_model: String,
    /// Its validation score.
    pub cv_score: f64,
    /// Its standard deviation over folds.
    pub cv_std: f64,
    /// The score of a constant prediction.
    pub baseline_score: Option<f64>,
    /// How the models were validated.
    pub validation: String,
    /// Rows trained on.
    pub n_rows: usize,
    /// Rows left out because their target was missing.
    pub dropped_rows: usize,
    /// Trials run.
    pub trials: usize,
    /// Why the search stopped.
    pub stopped: String,
    /// Whether the final model was refitted on all rows.
    pub refitted: bool,
    /// Class labels (classification), positive class last for binary tasks.
    pub classes: Vec<String>,
    /// Where the time went.
    pub timings: Timings,
    /// The preprocessing, step by step, with reasons (fitted on all rows).
    pub preprocessing: Vec<StepSummary>,
    /// Input-column importances, largest first.
    pub importances: Vec<(String, f64)>,
    /// Every trial, best first.
    pub leaderboard: Vec<LeaderboardRow>,
    /// The result in plain words.
    pub narrative: String,
    /// Which assistant spoke, and where the rules had to take over.
    #[serde(default)]
    pub assistant: Option<AssistantNote>,
    /// What was done to the data on the way in, and what to check before trusting the model:
    /// the reader's conversions, merged labels, warnings about the target.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Binary tasks: the decision threshold `predict` and `serve` use, when it is not 0.5.
    #[serde(default)]
    pub decision_threshold: Option<ThresholdSummary>,
    /// Every number the narrative may state (scores, spreads, counts, shares, times,
    /// importances): the computed values its text is written and checked from. A number in the
    /// narrative matches one of these at its written precision, or as a percentage.
    #[serde(default)]
    pub facts: Vec<f64>,
}

/// Which assistant defined the task and wrote the narrative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssistantNote {
    /// The advisor (`offline`, `llm:ollama:…`).
    pub advisor: String,
    /// The goal, when the task came from one.
    pub goal: Option<String>,
    /// Who defined the task (`offline` or `llm:…`).
    pub task_source: Option<String>,
    /// Who wrote the narrative.
    pub narrative_source: String,
    /// Why a language model's answers were replaced by the rules.
    pub fallbacks: Vec<String>,
    /// Notes on how the task was decided.
    pub task_notes: Vec<String>,
}

impl Summary {
    /// Summarises a trained model.
    pub fn of(t: &Trained) -> Summary {
        let r = &t.result;
        Summary {
            task: t.task(),
            target: t.target().to_string(),
            metric: r.metric,
            best_model: r.predictor.describe(),
            cv_score: r.score,
            cv_std: r.score_std,
            baseline_score: r.baseline_score,
            validation: mlpilot_core::narration::validation(&r.validation),
            n_rows: r.n_rows,
            dropped_rows: r.dropped_rows,
            trials: r.trials,
            stopped: r.stopped.clone(),
            refitted: r.refitted,
            classes: r.predictor.encoding.classes().to_vec(),
            timings: r.timings.clone(),
            preprocessing: r
                .predictor
                .members
                .first()
                .map(|m| m.pipeline.describe())
                .unwrap_or_default(),
            importances: t.native_importances(),
            leaderboard: r.leaderboard.clone(),
            narrative: t.narrative().to_string(),
            assistant: None,
            decision_threshold: r.threshold.as_ref().map(ThresholdSummary::from),
            facts: mlpilot_llm::grounding::Facts::from_run(&t.run_context())
                .values()
                .to_vec(),
            notes: t
                .profile
                .notes
                .iter()
                .cloned()
                .chain(t.profile.target.iter().flat_map(|p| p.warning_lines()))
                .collect(),
        }
    }
}

/// A forecaster in words, written from `facts` (every figure of the fit — means, seasons,
/// errors, coverage, importances — is one of theirs, rounded to three decimals; the spacing is
/// the axis' in words): per series, its trend and seasons, the method chosen and its
/// backtest error against the seasonal naive baseline, the interval's backtest coverage; then
/// what the fit left out.
pub fn forecast_narrative(
    forecaster: &mlpilot_forecast::Forecaster,
    facts: &[mlpilot_forecast::SeriesFacts],
) -> String {
    let axis = &forecaster.panel.axis;
    let target = &forecaster.names.target;
    let mut out = Vec::new();
    if facts.len() > 1 {
        out.push(format!(
            "{} series of `{target}` ({}), one forecast per series.",
            facts.len(),
            axis.describe()
        ));
    }
    if let Some(f) = forecaster.panel.date_format
        && f != mlpilot_core::datetime::DateFormat::Iso
    {
        out.push(format!(
            "Dates in `{}` were read as {}.",
            forecaster.names.time,
            match f {
                mlpilot_core::datetime::DateFormat::Iso => "year-month-day",
                mlpilot_core::datetime::DateFormat::YearSlash => "year/month/day",
                mlpilot_core::datetime::DateFormat::YearMonth => "year-month",
                mlpilot_core::datetime::DateFormat::DayMonthYear => "day/month/year",
                mlpilot_core::datetime::DateFormat::MonthDayYear => "month/day/year",
            }
        ));
    }
    for f in facts.iter().take(20) {
        out.push(series_sentences(f, target, &axis.describe()));
    }
    if facts.len() > 20 {
        out.push(format!(
            "({} more series in summary.json.)",
            facts.len() - 20
        ));
    }
    out.extend(forecaster.note_lines().map(|n| format!("Note: {n}.")));
    out.join(" ")
}
/// One series in words: its trend and seasons, the method chosen and its backtest error
/// against the baseline, what moves it, and its interval's coverage.
fn series_sentences(f: &mlpilot_forecast::SeriesFacts, target: &str, axis: &str) -> String {
    let who =
        f.id.as_ref()
            .map_or_else(|| format!("`{target}`"), |i| format!("Series `{i}`"));
    let (a, b) = (f.first_half_mean, f.second_half_mean);
    let trend = if b - a > 0.05 * a.abs() {
        format!("rises (the second half averages {b:.3} against {a:.3} for the first)")
    } else if a - b > 0.05 * a.abs() {
        format!("falls (the second half averages {b:.3} against {a:.3} for the first)")
    } else {
        format!("holds level (the halves average {a:.3} and {b:.3})")
    };
    // Whole seasons as whole numbers, others to three decimals (365.25, 52.179).
    let steps = |p: &f64| {
        if p.fract() == 0.0 {
            format!("{p:.0}")
        } else {
            format!("{p:.3}").trim_end_matches('0').to_string()
        }
    };
    let seasons = match f.seasons.as_slice() {
        [] => "no regular season".to_string(),
        [p] => format!("a season of {} steps", steps(p)),
        ps => format!(
            "seasons of {} steps",
            ps.iter().map(steps).collect::<Vec<_>>().join(" and ")
        ),
    };
    let mut s = format!(
        "{who} ({} points, {}) {trend}, with {seasons}.",
        f.points, axis
    );
    if f.filled > 0 {
        s.push_str(&format!(" {} missing points were interpolated.", f.filled));
    }
    s.push_str(&format!(
        " Forecast by {}: in {} backtest{} its error (RMSE) was {:.3}",
        f.method,
        f.windows,
        if f.windows == 1 { "" } else { "s" },
        f.backtest_rmse
    ));
    match &f.baseline {
        Some((name, rmse)) if *rmse > 0.0 && *name != f.method => {
            let better = f.backtest_rmse < *rmse;
            s.push_str(&format!(
                ", {} the {:.3} of {name}",
                if better { "below" } else { "not below" },
                rmse
            ));
        }
        _ => {}
    }
    s.push('.');
    if !f.drivers.is_empty() {
        s.push_str(&format!(
            " What moves it most (the model across series): {}.",
            f.drivers
                .iter()
                .map(|(n, v)| format!("{n} ({v:.3} of the importance)"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(c) = f.coverage {
        s.push_str(&format!(
            " Its {:.0} % interval held {:.3} of the backtest points.",
            f.level * 100.0,
            c
        ));
    }
    s
}

/// The decision threshold as `summary.json` writes it: the numbers and the reason in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdSummary {
    /// Rows whose probability of the positive class is at least this are predicted positive.
    pub threshold: f64,
    /// The metric it was chosen by.
    pub metric: mlpilot_core::Metric,
    /// That metric on the out-of-fold predictions at the threshold.
    pub score: f64,
    /// The same at 0.5.
    pub score_at_half: f64,
    /// Why, in words.
    pub reason: String,
}

impl From<&mlpilot_search::threshold::DecisionThreshold> for ThresholdSummary {
    fn from(t: &mlpilot_search::threshold::DecisionThreshold) -> Self {
        ThresholdSummary {
            threshold: t.threshold,
            metric: t.metric,
            score: t.score,
            score_at_half: t.score_at_half,
            reason: t.reason(),
        }
    }
}
