//! The conversation: the paper's workflow as a session an assistant drives and the engine checks.
//!
//! summary → goal → plan → run → explanation → questions and refinements → save. Every answer
//! comes from an [`Advisor`] (rules, or a language model validated by the rules); every proposed
//! refinement is applied by re-running the search and kept only when the validation score
//! improves, with both scores reported either way.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use mlpilot_core::advisor::{StepSummary, Transform};
use mlpilot_core::{
    Adjustment, Advice, AdviceSource, Advisor, DatasetProfile, Error, Frame, PlanContext, Proposal,
    Result, TaskSpec,
};
use mlpilot_data::ProfileOptions;
use serde::{Deserialize, Serialize};

use crate::derive::Derived;
use crate::{AutoMl, RunConfig, Summary, Trained};

/// One turn of the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// `user`, `assistant` or `engine`.
    pub role: String,
    /// What was said or done.
    pub text: String,
    /// Who produced an assistant turn (`offline`, `llm:…`).
    pub source: Option<String>,
    /// Why a language model's answer was replaced by the rules.
    pub fallback: Option<String>,
}

/// The outcome of trying one proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// What was tried.
    pub proposal: Proposal,
    /// Validation score before (under the metric used for the comparison).
    pub before: f64,
    /// Validation score after.
    pub after: Option<f64>,
    /// Whether the change was kept.
    pub kept: bool,
    /// Why not, when it could not be tried.
    pub note: Option<String>,
}

/// A conversation about one table.
pub struct Session {
    frame: Frame,
    source: String,
    profile: DatasetProfile,
    advisor: Arc<dyn Advisor>,
    runtime: tokio::runtime::Runtime,
    /// The task, once defined.
    pub spec: Option<TaskSpec>,
    /// The configuration runs use.
    pub config: RunConfig,
    /// The latest trained model.
    pub trained: Option<Trained>,
    /// The transcript.
    pub transcript: Vec<Turn>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("source", &self.source)
            .field("spec", &self.spec)
            .field("advisor", &self.advisor.name())
            .finish()
    }
}

fn source_name(s: &AdviceSource) -> String {
    match s {
        AdviceSource::Rules => "offline".into(),
        AdviceSource::Llm { model } => format!("llm:{model}"),
    }
}

impl Session {
    /// A session on a table with an advisor; `budget` is the time each run may take.
    pub fn new(
        frame: Frame,
        source: &str,
        advisor: Arc<dyn Advisor>,
        budget: Duration,
    ) -> Result<Session> {
        let profile = mlpilot_data::profile_frame(&frame, source, &ProfileOptions::default())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("could not start the async runtime: {e}")))?;
        let config = RunConfig {
            time_budget_secs: Some(budget.as_secs_f64()),
            ..RunConfig::default()
        };
        Ok(Session {
            frame,
            source: source.to_string(),
            profile,
            advisor,
            runtime,
            spec: None,
            config,
            trained: None,
            transcript: Vec::new(),
        })
    }

    /// The table's profile (without a target until the goal is set).
    pub fn profile(&self) -> &DatasetProfile {
        &self.profile
    }

    fn note_user(&mut self, text: &str) {
        self.transcript.push(Turn {
            role: "user".into(),
            text: text.to_string(),
            source: None,
            fallback: None,
        });
    }

    fn note_engine(&mut self, text: String) {
        self.transcript.push(Turn {
            role: "engine".into(),
            text,
            source: None,
            fallback: None,
        });
    }

    fn note<T>(&mut self, advice: &Advice<T>, text: String) {
        self.transcript.push(Turn {
            role: "assistant".into(),
            text,
            source: Some(source_name(&advice.source)),
            fallback: advice.fallback_reason.clone(),
        });
    }

    /// The dataset in words.
    pub fn describe(&mut self) -> Result<Advice<String>> {
        let a = self
            .runtime
            .block_on(self.advisor.describe_dataset(&self.profile))?;
        self.note(&a, a.value.clone());
        Ok(a)
    }

    /// Turns a goal into a task (target, task, metric, excluded columns).
    pub fn set_goal(&mut self, goal: &str) -> Result<Advice<TaskSpec>> {
        self.note_user(goal);
        let a = self
            .runtime
            .block_on(self.advisor.define_task(goal, &self.profile))?;
        let spec = a.value.clone();
        if spec.task == mlpilot_core::Task::Forecast {
            return Err(Error::new(
                mlpilot_core::ErrorKind::Unsupported,
                format!(
                    "this goal asks for a forecast of `{}`; the conversation works on tables of \
                     examples, and forecasts are fitted with rolling-origin backtests instead: \
                     `mlpilot run DATA --task forecast --target {} --time-column TIME --horizon \
                     H` (or `AutoMl::forecast_frame`; see docs/forecasting.md)",
                    spec.target, spec.target
                ),
            ));
        }
        self.adopt(&spec)?;
        let mut text = format!(
            "Predict `{}` ({}), optimising {}{}{}.",
            spec.target,
            spec.task,
            spec.metric.display_name(),
            if spec.excluded.is_empty() {
                String::new()
            } else {
                format!(", leaving out {}", spec.excluded.join(", "))
            },
            if spec.notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", spec.notes.join("; "))
            }
        );
        if let (true, Some(r)) = (spec.undecided, &spec.runner_up) {
            text.push_str(&format!(
                " Or did you mean `{}` ({})? The evidence for the two is close: say which.",
                r.target, r.task
            ));
        }
        self.note(&a, text);
        self.spec = Some(spec);
        Ok(a)
    }

    fn adopt(&mut self, spec: &TaskSpec) -> Result<()> {
        self.config.target = Some(spec.target.clone());
        self.config.task = Some(spec.task);
        self.config.metric = Some(spec.metric);
        self.config.exclude = spec.excluded.clone();
        self.profile = mlpilot_data::profile_frame(
            &self.frame,
            &self.source,
            &ProfileOptions::with_target(Some(&spec.target)),
        )?;
        Ok(())
    }

    /// The person's answer when the goal left two targets open: the runner-up (by name, or
    /// `2`), or the first (`1`) — the task follows the chosen column.
    ///
    /// # Errors
    /// Before a goal is set, or when the answer names neither of the two.
    pub fn choose_target(&mut self, answer: &str) -> Result<TaskSpec> {
        let mut spec = self
            .spec
            .clone()
            .ok_or_else(|| Error::invalid_input("set a goal first"))?;
        let answer = answer.trim().trim_matches('`');
        self.note_user(answer);
        let runner = spec.runner_up.clone();
        let wants_runner = runner
            .as_ref()
            .is_some_and(|r| answer == "2" || r.target.eq_ignore_ascii_case(answer));
        let wants_first = answer == "1" || spec.target.eq_ignore_ascii_case(answer);
        if let (true, Some(r)) = (wants_runner, runner) {
            spec.runner_up = Some(mlpilot_core::TargetAlternative {
                target: spec.target.clone(),
                task: spec.task,
                reason: "the person chose the other".into(),
            });
            spec.target = r.target;
            spec.task = r.task;
            if !spec.metric.applies_to(spec.task) {
                spec.metric = spec.task.default_metric();
            }
        } else if !wants_first {
            return Err(Error::invalid_input(format!(
                "`{answer}` is neither `{}` nor `{}`: answer 1, 2 or one of the two names",
                spec.target,
                spec.runner_up.as_ref().map_or("", |r| r.target.as_str())
            )));
        }
        spec.undecided = false;
        spec.notes.push(format!("the person chose `{}`", spec.target));
        self.adopt(&spec)?;
        self.note_engine(format!("predicting `{}` ({})", spec.target, spec.task));
        self.spec = Some(spec.clone());
        Ok(spec)
    }

    /// The preprocessing plan and the candidate models, explained.
    pub fn explain_plan(&mut self) -> Result<Advice<String>> {
        let spec = self
            .spec
            .clone()
            .ok_or_else(|| Error::invalid_input("set a goal first"))?;
        let options = mlpilot_prep::PlanOptions {
            exclude: self.config.exclude.clone(),
            ..Default::default()
        };
        let plan = mlpilot_prep::PreprocessPlan::from_profile(
            &self.profile,
            &spec.target,
            spec.task,
            options,
        )?;
        let steps: Vec<StepSummary> = plan
            .columns
            .iter()
            .flat_map(|c| {
                c.steps.iter().map(move |s| StepSummary {
                    column: c.column.clone(),
                    step: s.step.name(),
                    reason: s.reason.clone(),
                })
            })
            .chain(plan.dropped.iter().map(|d| StepSummary {
                column: d.column.clone(),
                step: "drop".into(),
                reason: d.reason.clone(),
            }))
            .collect();
        let candidates = vec![
            "gradient boosting".to_string(),
            "random forests and extra trees".into(),
            "linear models".into(),
            "naive Bayes".into(),
            "nearest neighbours".into(),
        ];
        let ctx = PlanContext {
            target: spec.target,
            task: Some(spec.task),
            steps,
            candidates,
            n_rows: self.profile.n_rows,
            n_columns: plan.columns.len(),
        };
        let a = self.runtime.block_on(self.advisor.explain_plan(&ctx))?;
        self.note(&a, a.value.clone());
        Ok(a)
    }

    fn fit(&self, config: &RunConfig) -> Result<Trained> {
        AutoMl::with_config(config.clone()).fit_frame(&self.frame)
    }

    /// Trains with the current configuration; the assistant explains the result (grounded).
    pub fn run(&mut self) -> Result<Advice<String>> {
        if self.spec.is_none() {
            return Err(Error::invalid_input("set a goal first"));
        }
        let mut trained = self.fit(&self.config)?;
        let a = self
            .runtime
            .block_on(self.advisor.explain_results(&trained.run_context()))?;
        trained.set_narrative(a.value.clone());
        self.note_engine(format!(
            "trained {} trials in {:.1} s: {} {} {:.4}",
            trained.result.trials,
            trained.elapsed_secs,
            trained.result.predictor.describe(),
            trained.result.metric.as_str(),
            trained.result.score
        ));
        self.note(&a, a.value.clone());
        self.trained = Some(trained);
        Ok(a)
    }

    /// Answers a question about the latest run.
    pub fn ask(&mut self, question: &str) -> Result<Advice<String>> {
        self.note_user(question);
        let t = self
            .trained
            .as_ref()
            .ok_or_else(|| Error::invalid_input("run a search first"))?;
        let a = self
            .runtime
            .block_on(self.advisor.answer(question, &t.run_context()))?;
        self.note(&a, a.value.clone());
        Ok(a)
    }

    /// Asks for refinements and tries up to `max` of them: each is applied by re-running the
    /// search and kept only if the validation score improves.
    pub fn improve(&mut self, request: &str, max: usize) -> Result<Vec<Trial>> {
        self.note_user(request);
        let t = self
            .trained
            .as_ref()
            .ok_or_else(|| Error::invalid_input("run a search first"))?;
        let a = self
            .runtime
            .block_on(self.advisor.propose_adjustments(request, &t.run_context()))?;
        let listed: Vec<String> = a
            .value
            .iter()
            .map(|p| {
                format!(
                    "{} — {}",
                    crate::llm::describe_adjustment(&p.adjustment),
                    p.reason
                )
            })
            .collect();
        self.note(&a, format!("Proposed: {}", listed.join("; ")));
        let mut trials = Vec::new();
        for p in a.value.into_iter().take(max.max(1)) {
            let trial = self.try_proposal(p)?;
            self.note_engine(match (&trial.after, trial.kept) {
                (Some(after), true) => format!(
                    "{}: {:.4} → {:.4}, kept",
                    crate::llm::describe_adjustment(&trial.proposal.adjustment),
                    trial.before,
                    after
                ),
                (Some(after), false) => format!(
                    "{}: {:.4} → {:.4}, not kept",
                    crate::llm::describe_adjustment(&trial.proposal.adjustment),
                    trial.before,
                    after
                ),
                (None, _) => format!(
                    "{}: not tried ({})",
                    crate::llm::describe_adjustment(&trial.proposal.adjustment),
                    trial.note.clone().unwrap_or_default()
                ),
            });
            trials.push(trial);
        }
        Ok(trials)
    }

    fn try_proposal(&mut self, proposal: Proposal) -> Result<Trial> {
        let Some(current) = self.trained.as_ref() else {
            return Err(Error::invalid_input("run a search first"));
        };
        let metric = current.result.metric;
        let mut config = self.config.clone();
        let not_tried = |note: String, before: f64, proposal: Proposal| Trial {
            proposal,
            before,
            after: None,
            kept: false,
            note: Some(note),
        };
        let mut compare_metric = metric;
        match &proposal.adjustment {
            Adjustment::ChangeMetric { metric: m } => {
                config.metric = Some(*m);
                compare_metric = *m;
            }
            Adjustment::ExcludeColumns { columns } => {
                for c in columns {
                    if self.frame.column(c).is_none() {
                        return Ok(not_tried(
                            format!("`{c}` is not a column"),
                            current.result.score,
                            proposal,
                        ));
                    }
                    if !config.exclude.contains(c) {
                        config.exclude.push(c.clone());
                    }
                }
            }
            Adjustment::IncludeColumns { columns } => {
                config.exclude.retain(|c| !columns.contains(c))
            }
            Adjustment::AddTransform { column, transform } => {
                let d = match transform {
                    Transform::Log => Derived::Log1p {
                        column: column.clone(),
                    },
                    Transform::Ratio { denominator } => Derived::Ratio {
                        numerator: column.clone(),
                        denominator: denominator.clone(),
                    },
                    Transform::DateParts => {
                        return Ok(not_tried(
                            "date columns are expanded into parts already".into(),
                            current.result.score,
                            proposal,
                        ));
                    }
                };
                if let Err(e) = crate::derive::apply(&self.frame.head(5), std::slice::from_ref(&d))
                {
                    return Ok(not_tried(e.to_string(), current.result.score, proposal));
                }
                config.derived.push(d);
            }
            Adjustment::RestrictModels { models } => config.estimators = Some(models.clone()),
            Adjustment::RaiseBudget { seconds } => {
                config.time_budget_secs = Some(seconds.clamp(1.0, 3600.0))
            }
            Adjustment::RebalanceClasses => config.rebalance = true,
            Adjustment::MergeLabels => config.merge_labels = true,
        }
        // The current model's score under the comparison metric, on its own validation rows.
        let before = if compare_metric == metric {
            current.result.score
        } else {
            compare_metric.score(
                &current.result.validation_targets,
                &current.result.validation_predictions,
                current.result.predictor.encoding.n_classes(),
            )?
        };
        let candidate = match self.fit(&config) {
            Ok(t) => t,
            Err(e) => return Ok(not_tried(e.to_string(), before, proposal)),
        };
        let after = candidate.result.score;
        let kept = compare_metric.better(after, before);
        if kept {
            let mut candidate = candidate;
            let narrative = self
                .runtime
                .block_on(self.advisor.explain_results(&candidate.run_context()))?;
            candidate.set_narrative(narrative.value);
            self.trained = Some(candidate);
            self.config = config;
        }
        Ok(Trial {
            proposal,
            before,
            after: Some(after),
            kept,
            note: None,
        })
    }

    /// Writes the model, the summary and the transcript (`session.json`) into `dir`.
    pub fn save(&mut self, dir: &Path) -> Result<()> {
        let t = self
            .trained
            .as_ref()
            .ok_or_else(|| Error::invalid_input("run a search first"))?;
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::from(e).with_context("file", dir.display()))?;
        t.save(&dir.join("model.mlpilot"))?;
        let summary = serde_json::to_string_pretty(&Summary::of(t))
            .map_err(|e| Error::internal(e.to_string()))?;
        std::fs::write(dir.join("summary.json"), summary)
            .map_err(|e| Error::from(e).with_context("file", dir.display()))?;
        self.note_engine(format!("saved the model and summary in {}", dir.display()));
        let doc = serde_json::json!({
            "data": self.source,
            "advisor": self.advisor.name(),
            "spec": self.spec,
            "config": self.config,
            "transcript": self.transcript,
        });
        let text =
            serde_json::to_string_pretty(&doc).map_err(|e| Error::internal(e.to_string()))?;
        std::fs::write(dir.join("session.json"), text)
            .map_err(|e| Error::from(e).with_context("file", dir.display()))?;
        Ok(())
    }
}
