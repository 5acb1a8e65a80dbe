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

/// A forecaster in words ([`mlpilot_core::narration::forecast_narrative`] on its facts): per
/// series, its trend and seasons, the method chosen and its backtest error against the
/// seasonal naive baseline, the interval's backtest coverage; then what the fit left out.
pub fn forecast_narrative(
    forecaster: &mlpilot_forecast::Forecaster,
    facts: &[mlpilot_forecast::SeriesFacts],
) -> String {
    let subject = mlpilot_core::narration::ForecastSubject {
        target: &forecaster.names.target,
        time: &forecaster.names.time,
        spacing: forecaster.panel.axis.spacing(),
        date_format: forecaster.panel.date_format,
    };
    mlpilot_core::narration::forecast_narrative(&subject, facts, &forecaster.notes)
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
