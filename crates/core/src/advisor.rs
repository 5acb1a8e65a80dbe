//! The assistant interface: describe, define, explain, answer, propose.
//!
//! An [`Advisor`] speaks at each step of the paper's workflow. The rule-based offline advisor
//! is the default and the fallback; an LLM-backed advisor proposes richer answers that the
//! engine validates (columns exist, the task fits the target, numbers are grounded) before
//! anything is used. Advisors never act: they return typed values — a [`TaskSpec`], a list of
//! [`Proposal`]s — that the engine checks and applies, keeping an adjustment only when
//! validation improves.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::profile::DatasetProfile;
use crate::task::{Metric, Task};

/// A machine-learning task defined from a goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// The task.
    pub task: Task,
    /// The target column (an existing column).
    pub target: String,
    /// The metric to optimise.
    pub metric: Metric,
    /// Columns to leave out.
    pub excluded: Vec<String>,
    /// The time column (forecasting).
    pub time_column: Option<String>,
    /// How many steps to forecast.
    pub horizon: Option<usize>,
    /// Notes on how the spec was decided (rules that overrode a proposal, say).
    pub notes: Vec<String>,
    /// The column that came second as the target, and why it lost.
    #[serde(default)]
    pub runner_up: Option<TargetAlternative>,
    /// The evidence did not separate the target from the runner-up: a person should choose
    /// (`chat` and the web app ask; `run --goal` goes on with the first and says so).
    #[serde(default)]
    pub undecided: bool,
}

/// A column a goal could also mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetAlternative {
    /// The column.
    pub target: String,
    /// The task it would make.
    pub task: Task,
    /// Why it was not chosen, in words.
    pub reason: String,
}

/// Where an answer came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdviceSource {
    /// The rule-based offline advisor.
    Rules,
    /// A language model, validated.
    Llm {
        /// The model's name.
        model: String,
    },
}

impl std::fmt::Display for AdviceSource {
    /// `offline` for the rules, `llm:MODEL` for a language model (the names transcripts,
    /// summaries and the web app record).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdviceSource::Rules => f.write_str("offline"),
            AdviceSource::Llm { model } => write!(f, "llm:{model}"),
        }
    }
}

/// An answer and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advice<T> {
    /// The answer.
    pub value: T,
    /// Who produced it.
    pub source: AdviceSource,
    /// Why a language model's answer was not used, when the rules answered instead.
    pub fallback_reason: Option<String>,
}

impl<T> Advice<T> {
    /// An answer from the rules.
    pub fn rules(value: T) -> Self {
        Advice {
            value,
            source: AdviceSource::Rules,
            fallback_reason: None,
        }
    }
}

/// One preprocessing step, summarised for explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepSummary {
    /// The input column.
    pub column: String,
    /// What is done (`impute median`, `one-hot encode`).
    pub step: String,
    /// Why, in one sentence.
    pub reason: String,
}

/// The preprocessing plan and candidate models, for explanation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PlanContext {
    /// The target column.
    pub target: String,
    /// The task, when known.
    pub task: Option<Task>,
    /// The steps.
    pub steps: Vec<StepSummary>,
    /// Candidate model ids with their families (`gbdt.hist_gbm: gradient boosting`).
    pub candidates: Vec<String>,
    /// Rows and feature columns.
    pub n_rows: usize,
    /// Input columns used.
    pub n_columns: usize,
}

/// One leaderboard row, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelScore {
    /// The estimator id (or `ensemble`).
    pub model: String,
    /// Validation score.
    pub score: f64,
    /// Standard deviation across folds.
    pub std: f64,
    /// Seconds to fit.
    pub fit_secs: f64,
}

/// The results of a run, for explanation and questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunContext {
    /// The task.
    pub task: Task,
    /// The target column.
    pub target: String,
    /// The metric optimised.
    pub metric: Metric,
    /// Rows trained on.
    pub n_rows: usize,
    /// Input columns used.
    pub n_columns: usize,
    /// The chosen model.
    pub best_model: String,
    /// Its validation score.
    pub best_score: f64,
    /// The score of a constant prediction, for scale.
    pub baseline_score: Option<f64>,
    /// The best models, best first.
    pub leaderboard: Vec<ModelScore>,
    /// Input-column importances, largest first.
    pub importances: Vec<(String, f64)>,
    /// Trials run.
    pub trials: usize,
    /// Seconds the search took.
    pub elapsed_secs: f64,
    /// Class counts (classification), most frequent first.
    pub class_counts: Vec<(String, usize)>,
    /// Columns that were dropped, with the reason.
    pub dropped_columns: Vec<(String, String)>,
    /// The input columns the model was given, in table order.
    #[serde(default)]
    pub input_columns: Vec<String>,
}

/// A feature transform an adjustment may add.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// `log1p` of a non-negative numeric column.
    Log,
    /// The column divided by another numeric column.
    Ratio {
        /// The denominator column.
        denominator: String,
    },
    /// Year, month, weekday and hour of a date column.
    DateParts,
    /// The column times another numeric column.
    Product {
        /// The other column.
        other: String,
    },
    /// The column minus another numeric column.
    Difference {
        /// The other column.
        other: String,
    },
    /// The column cut into bins of equal counts (its quantiles), as labels.
    Bins {
        /// How many bins.
        count: usize,
    },
    /// The mean of the (numeric) column within each level of a group column — a statistic of
    /// the inputs only, never of the target.
    GroupMean {
        /// The grouping column.
        group: String,
    },
    /// The length of a text column, in characters.
    TextLength,
    /// The number of words in a text column.
    WordCount,
    /// The column read as category labels (a code that is a number but means a class).
    AsCategories,
    /// The column read as numbers (labels that are numbers).
    AsNumber,
}

/// A typed change to a run's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjustment {
    /// Optimise a different metric.
    ChangeMetric {
        /// The metric.
        metric: Metric,
    },
    /// Leave columns out.
    ExcludeColumns {
        /// The columns.
        columns: Vec<String>,
    },
    /// Bring excluded columns back.
    IncludeColumns {
        /// The columns.
        columns: Vec<String>,
    },
    /// Add a derived feature.
    AddTransform {
        /// The source column.
        column: String,
        /// The transform.
        transform: Transform,
    },
    /// Search only these estimators (ids) or families.
    RestrictModels {
        /// Estimator ids or family names.
        models: Vec<String>,
    },
    /// Search longer.
    RaiseBudget {
        /// The new budget in seconds.
        seconds: f64,
    },
    /// Weight classes inversely to their frequency.
    RebalanceClasses,
    /// Merge target labels that differ only in case or spaces (`Yes`, `yes`, `YES`) into their
    /// most frequent spelling.
    MergeLabels,
}

/// An adjustment with the reason it is proposed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// The change.
    pub adjustment: Adjustment,
    /// Why it may help.
    pub reason: String,
}

/// One explained prediction, for the assistant to put in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionContext {
    /// The task.
    pub task: Task,
    /// The prediction (a class label, or a number as text).
    pub prediction: String,
    /// The explained output (a probability, or the predicted value).
    pub output: f64,
    /// The expected output over the background.
    pub base_value: f64,
    /// The class whose probability is explained.
    pub class: Option<String>,
    /// `(column, the row's value, contribution)`, largest magnitude first.
    pub contributions: Vec<(String, String, f64)>,
}

impl PredictionContext {
    /// The template sentence: "Predicted survived (0.82), mainly because sex = female
    /// (+0.310) and pclass = 1st (+0.120) against a base rate of 0.38."
    pub fn sentence(&self) -> String {
        let head = if self.task.is_classification() {
            match &self.class {
                Some(c) if *c != self.prediction => {
                    format!(
                        "Predicted {} (P({c}) = {:.2})",
                        self.prediction, self.output
                    )
                }
                _ => format!("Predicted {} ({:.2})", self.prediction, self.output),
            }
        } else {
            format!("Predicted {}", self.prediction)
        };
        let top: Vec<String> = self
            .contributions
            .iter()
            .filter(|c| c.2.abs() > 1e-9)
            .take(3)
            .map(|(f, v, c)| format!("{f} = {v} ({c:+.3})"))
            .collect();
        let base = if self.task.is_classification() {
            format!(" against a base rate of {:.2}", self.base_value)
        } else {
            format!(" against an average of {:.4}", self.base_value)
        };
        match top.as_slice() {
            [] => format!("{head}; no column moved it away from the base value{base}."),
            [one] => format!("{head}, mainly because {one}{base}."),
            [init @ .., last] => {
                format!(
                    "{head}, mainly because {} and {last}{base}.",
                    init.join(", ")
                )
            }
        }
    }
}

/// The assistant at each step of the workflow.
#[async_trait::async_trait]
pub trait Advisor: Send + Sync {
    /// A name for transcripts (`offline`, `llm:ollama:qwen2.5-coder-0.5b`).
    fn name(&self) -> String;

    /// Describes the dataset in words, from its profile (never from the raw table).
    async fn describe_dataset(&self, profile: &DatasetProfile) -> Result<Advice<String>>;

    /// Turns a goal in plain words into a task on an existing column.
    async fn define_task(&self, goal: &str, profile: &DatasetProfile) -> Result<Advice<TaskSpec>>;

    /// Explains the preprocessing plan and why the candidate models suit the data.
    async fn explain_plan(&self, plan: &PlanContext) -> Result<Advice<String>>;

    /// Explains the results of a run; every number in the text is one the run computed.
    async fn explain_results(&self, run: &RunContext) -> Result<Advice<String>>;

    /// Answers a free question about a run.
    async fn answer(&self, question: &str, run: &RunContext) -> Result<Advice<String>>;

    /// Proposes typed adjustments that may improve the run.
    async fn propose_adjustments(
        &self,
        request: &str,
        run: &RunContext,
    ) -> Result<Advice<Vec<Proposal>>>;

    /// Explains one prediction from its additive contributions; every number in the text is
    /// one of the explanation's. The default is the template sentence.
    async fn explain_prediction(&self, p: &PredictionContext) -> Result<Advice<String>> {
        Ok(Advice::rules(p.sentence()))
    }

    /// Proposes new input columns computed from others (typed transforms, never code), at
    /// most `max`; the engine tries each and keeps it only when validation improves. The
    /// default proposes none.
    async fn propose_features(
        &self,
        profile: &DatasetProfile,
        target: &str,
        max: usize,
    ) -> Result<Advice<Vec<Proposal>>> {
        let _ = (profile, target, max);
        Ok(Advice::rules(Vec::new()))
    }

    /// Reads a request the rules did not recognise ("get rid of the ticket class column") as a
    /// typed [`Request`], checked against the table; `None` when it is a question or nothing
    /// this advisor can read. The default reads nothing (the rules already tried).
    async fn interpret_request(
        &self,
        text: &str,
        profile: &DatasetProfile,
        target: &str,
        task: Task,
    ) -> Result<Advice<Option<Request>>> {
        let _ = (text, profile, target, task);
        Ok(Advice::rules(None))
    }
}

/// What a request in a person's words asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Request {
    /// A change to the run: re-run the search, keep it only if validation improves beyond noise.
    Adjust {
        /// The change.
        adjustment: Adjustment,
    },
    /// Propose new features and try each.
    Features,
    /// Predict the positive class from this probability on (binary tasks).
    Threshold {
        /// The probability, in (0, 1).
        threshold: f64,
    },
    /// Predict a row with one column set to a value, and compare.
    WhatIf {
        /// The column.
        column: String,
        /// The value, as written.
        value: String,
    },
    /// A request understood but not possible, with why.
    Cannot {
        /// Why, and what is possible instead.
        why: String,
    },
}
