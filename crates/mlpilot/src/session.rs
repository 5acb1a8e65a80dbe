//! The conversation: the paper's workflow as a session an assistant drives and the engine checks.
//!
//! summary → goal → plan → run → explanation → questions and refinements → save. Every answer
//! comes from an [`Advisor`] (rules, or a language model validated by the rules); every proposed
//! refinement is applied by re-running the search and kept only when the validation score
//! improves, with both scores reported either way.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use mlpilot_core::advisor::StepSummary;
use mlpilot_core::{
    Adjustment, Advice, Advisor, DatasetProfile, Error, Frame, Metric, PlanContext, Proposal,
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

pub use mlpilot_core::facts::Trial;

/// What a request in the person's words did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Outcome {
    /// A change was tried by re-running the search.
    Trial {
        /// The trial.
        trial: Trial,
    },
    /// New features were proposed and each tried: kept only when validation improved.
    Features {
        /// One trial per proposed feature, in the order tried.
        trials: Vec<Trial>,
    },
    /// The request was carried out or refused without a new search; what happened, in words.
    Said {
        /// The answer.
        text: String,
    },
}

/// The most classes [`Session::set_task`] accepts for a multiclass task.
const MAX_CLASSES: usize = 200;

/// A conversation about one table.
///
/// The methods that ask the advisor or train are `async` and need a tokio runtime, which the
/// program owns (`#[tokio::main]`, or `Runtime::block_on` in a synchronous program): a language
/// model is asked without blocking, and every search runs on tokio's blocking pool
/// (`spawn_blocking`). The futures are `Send`, so a session can live in a server's task.
pub struct Session {
    frame: Arc<Frame>,
    source: String,
    profile: DatasetProfile,
    advisor: Arc<dyn Advisor>,
    /// The task, once defined.
    pub spec: Option<TaskSpec>,
    /// The configuration runs use.
    pub config: RunConfig,
    /// The latest trained model.
    pub trained: Option<Trained>,
    /// The transcript.
    pub transcript: Vec<Turn>,
    /// Every feature tried, kept or not, with its score before → after.
    pub features: Vec<Trial>,
    /// The decision threshold the person set (binary tasks), applied to every later model.
    pub threshold: Option<f64>,
    progress: Option<Arc<dyn mlpilot_core::ProgressSink>>,
    cancel: mlpilot_core::CancelFlag,
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

impl Session {
    /// A session on a table with an advisor; `budget` is the time each run may take.
    ///
    /// # Errors
    /// When the table cannot be profiled (see [`mlpilot_data::profile_frame`]: e.g. no rows).
    pub fn new(
        frame: Frame,
        source: &str,
        advisor: Arc<dyn Advisor>,
        budget: Duration,
    ) -> Result<Session> {
        let profile = mlpilot_data::profile_frame(&frame, source, &ProfileOptions::default())?;
        let config = RunConfig {
            time_budget_secs: Some(budget.as_secs_f64()),
            ..RunConfig::default()
        };
        Ok(Session {
            frame: Arc::new(frame),
            source: source.to_string(),
            profile,
            advisor,
            spec: None,
            config,
            trained: None,
            transcript: Vec::new(),
            features: Vec::new(),
            threshold: None,
            progress: None,
            cancel: mlpilot_core::CancelFlag::new(),
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
            source: Some(advice.source.to_string()),
            fallback: advice.fallback_reason.clone(),
        });
    }

    /// The dataset in words.
    ///
    /// # Errors
    /// When the advisor fails; the advisors of `mlpilot-llm` do not (a failing language model falls
    /// back to the rules).
    pub async fn describe(&mut self) -> Result<Advice<String>> {
        let a = self.advisor.describe_dataset(&self.profile).await?;
        self.note(&a, a.value.clone());
        Ok(a)
    }

    /// Turns a goal into a task (target, task, metric, excluded columns).
    ///
    /// # Errors
    /// When the advisor cannot define a task (the rules: no column can be a target), an unsupported
    /// error when the goal asks for a forecast, or when the table cannot be profiled for the chosen
    /// target.
    pub async fn set_goal(&mut self, goal: &str) -> Result<Advice<TaskSpec>> {
        self.note_user(goal);
        let a = self.advisor.define_task(goal, &self.profile).await?;
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
        self.adopt(&spec).await?;
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

    async fn adopt(&mut self, spec: &TaskSpec) -> Result<()> {
        // In a conversation nothing is fixed by hand before a goal: `set_task` is itself a
        // spec. The last goal's exclusions make way for this one's.
        // Profile first (on the blocking pool: it reads the whole table): when it fails, the
        // configuration is left as it was.
        let (frame, source, target) = (
            Arc::clone(&self.frame),
            self.source.clone(),
            spec.target.clone(),
        );
        let profile = tokio::task::spawn_blocking(move || {
            mlpilot_data::profile_frame(
                &frame,
                &source,
                &ProfileOptions::with_target(Some(&target)),
            )
        })
        .await
        .map_err(|e| Error::internal(format!("the profiling task failed: {e}")))??;
        self.config.adopt_goal(
            spec,
            mlpilot_artifact::config::FixedByHand::default(),
            self.spec.as_ref(),
        );
        self.profile = profile;
        Ok(())
    }

    /// The person's answer when the goal left two targets open: the runner-up (by name, or
    /// `2`), or the first (`1`) — the task follows the chosen column.
    ///
    /// # Errors
    /// Before a goal is set, or when the answer names neither of the two.
    pub async fn choose_target(&mut self, answer: &str) -> Result<TaskSpec> {
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
            // Another column, named outright.
            let other = self
                .profile
                .columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(answer))
                .and_then(|c| mlpilot_llm::goal::task_for(c).map(|t| (c.name.clone(), t)));
            let Some((name, task)) = other else {
                return Err(Error::invalid_input(format!(
                    "`{answer}` is neither `{}` nor `{}`: answer 1, 2, or the name of the column to predict",
                    spec.target,
                    spec.runner_up.as_ref().map_or("", |r| r.target.as_str())
                )));
            };
            spec.target = name;
            spec.task = task;
            if !spec.metric.applies_to(task) {
                spec.metric = task.default_metric();
            }
        }
        spec.undecided = false;
        spec.notes
            .push(format!("the person chose `{}`", spec.target));
        self.adopt(&spec).await?;
        self.note_engine(format!("predicting `{}` ({})", spec.target, spec.task));
        self.spec = Some(spec.clone());
        Ok(spec)
    }

    /// The preprocessing plan and the candidate models, explained.
    ///
    /// # Errors
    /// An invalid-input error before a goal is set; when the plan cannot be made (see
    /// [`Session::plan_steps`]) or the advisor fails.
    pub async fn explain_plan(&mut self) -> Result<Advice<String>> {
        let spec = self
            .spec
            .clone()
            .ok_or_else(|| Error::invalid_input("set a goal first"))?;
        let n_columns = self.plan()?.columns.len();
        let steps = self.plan_steps()?;
        // The families this build's registry can fit to the task, as the search will try them.
        let mut candidates: Vec<String> = Vec::new();
        for e in crate::default_registry().for_task(spec.task) {
            let f = e.info().family;
            if f != mlpilot_core::ModelFamily::Baseline
                && !candidates.contains(&f.as_str().to_string())
            {
                candidates.push(f.as_str().to_string());
            }
        }
        let ctx = PlanContext {
            target: spec.target,
            task: Some(spec.task),
            steps,
            candidates,
            n_rows: self.profile.n_rows,
            n_columns,
        };
        let a = self.advisor.explain_plan(&ctx).await?;
        self.note(&a, a.value.clone());
        Ok(a)
    }

    /// Trains on tokio's blocking pool, so the caller's executor keeps running while it does.
    async fn fit(&self, config: &RunConfig) -> Result<Trained> {
        let mut automl = AutoMl::with_config(config.clone()).cancel_flag(self.cancel.clone());
        if let Some(p) = &self.progress {
            automl = automl.progress(Arc::clone(p));
        }
        let frame = Arc::clone(&self.frame);
        tokio::task::spawn_blocking(move || automl.fit_frame(&frame))
            .await
            .map_err(|e| Error::internal(format!("the training task failed: {e}")))?
    }

    /// Where every later search reports its trials (a progress display, a web page's events).
    pub fn set_progress(&mut self, sink: Option<Arc<dyn mlpilot_core::ProgressSink>>) {
        self.progress = sink;
    }

    /// The flag that stops every later search early: setting it ends the search after the
    /// trials in flight, and the best model found so far is refitted and kept (a search
    /// stopped before any trial finished returns an error instead).
    pub fn set_cancel(&mut self, flag: mlpilot_core::CancelFlag) {
        self.cancel = flag;
    }

    /// The table the session works on.
    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    /// Sets the task outright (a person changing what the assistant chose): the target must be
    /// a column, the task one its values allow, and the metric one that fits the task (the
    /// task's default when `None`).
    ///
    /// # Errors
    /// An unknown column, a task the column cannot be (a regression on labels), or a metric
    /// for another task.
    pub async fn set_task(
        &mut self,
        target: &str,
        task: Option<mlpilot_core::Task>,
        metric: Option<Metric>,
    ) -> Result<TaskSpec> {
        // A name that differs only in case is the column meant, when only one does.
        let matches: Vec<&str> = self
            .profile
            .columns
            .iter()
            .filter(|c| c.name.eq_ignore_ascii_case(target))
            .map(|c| c.name.as_str())
            .collect();
        let target = match (self.profile.column(target), matches.as_slice()) {
            (Some(_), _) => target.to_string(),
            (None, [only]) => (*only).to_string(),
            _ => target.to_string(),
        };
        let target = target.as_str();
        let column = self.profile.column(target).ok_or_else(|| {
            Error::invalid_input(format!(
                "`{target}` is not a column of this table; the columns are {}",
                self.profile
                    .columns
                    .iter()
                    .map(|c| format!("`{}`", c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let task = task_for_column(column, task, self.profile.n_rows)?;
        let metric = metric.unwrap_or_else(|| task.default_metric());
        if !metric.applies_to(task) {
            return Err(Error::invalid_input(format!(
                "{} does not measure a {task} model; choose one that does",
                metric.display_name()
            )));
        }
        let mut spec = self.spec.clone().unwrap_or_else(|| TaskSpec {
            target: target.to_string(),
            task,
            metric,
            excluded: Vec::new(),
            time_column: None,
            horizon: None,
            notes: Vec::new(),
            runner_up: None,
            undecided: false,
        });
        spec.target = target.to_string();
        spec.task = task;
        spec.metric = metric;
        spec.excluded.retain(|c| c != target);
        spec.undecided = false;
        spec.notes.push(format!(
            "the person set the task: `{target}` ({task}), {}",
            metric.display_name()
        ));
        self.adopt(&spec).await?;
        self.note_engine(format!(
            "predicting `{target}` ({task}), optimising {}",
            metric.display_name()
        ));
        self.spec = Some(spec.clone());
        Ok(spec)
    }

    fn plan(&self) -> Result<mlpilot_prep::PreprocessPlan> {
        let spec = self
            .spec
            .as_ref()
            .ok_or_else(|| Error::invalid_input("set a goal first"))?;
        let options = mlpilot_prep::PlanOptions {
            exclude: self.config.exclude.clone(),
            ..Default::default()
        };
        mlpilot_prep::PreprocessPlan::from_profile(&self.profile, &spec.target, spec.task, options)
    }

    /// The preprocessing the current task would get, step by step with reasons, and the columns
    /// dropped (as `drop` steps).
    ///
    /// # Errors
    /// Before a goal is set, or when the plan cannot be made.
    pub fn plan_steps(&self) -> Result<Vec<StepSummary>> {
        let plan = self.plan()?;
        let mut steps = plan.step_summaries();
        steps.extend(plan.drop_summaries());
        Ok(steps)
    }

    /// Trains with the current configuration; the assistant explains the result (grounded).
    ///
    /// # Errors
    /// An invalid-input error before a goal is set; when training fails (see
    /// [`AutoMl::fit_frame`]) or the advisor fails to explain the results.
    pub async fn run(&mut self) -> Result<Advice<String>> {
        if self.spec.is_none() {
            return Err(Error::invalid_input("set a goal first"));
        }
        let mut trained = self.fit(&self.config).await?;
        let a = self.advisor.explain_results(&trained.run_context()).await?;
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
        self.apply_threshold(&mut trained);
        self.trained = Some(trained);
        Ok(a)
    }

    /// Puts the person's decision threshold on a model: its predictor predicts with it, and
    /// the summary records it.
    fn apply_threshold(&self, t: &mut Trained) {
        let Some(threshold) = self.threshold else {
            return;
        };
        if t.task() != mlpilot_core::Task::Binary {
            return;
        }
        t.result.predictor.threshold = Some(threshold);
        t.result.threshold = Some(mlpilot_search::threshold::DecisionThreshold {
            threshold,
            metric: t.result.metric,
            score: t.result.score,
            score_at_half: t.result.score,
            fact: mlpilot_core::facts::ThresholdFact::SetByPerson,
        });
    }

    /// Answers a question about the latest run.
    ///
    /// # Errors
    /// An invalid-input error before a run; when the advisor fails.
    pub async fn ask(&mut self, question: &str) -> Result<Advice<String>> {
        self.note_user(question);
        let t = self
            .trained
            .as_ref()
            .ok_or_else(|| Error::invalid_input("run a search first"))?;
        let a = self.advisor.answer(question, &t.run_context()).await?;
        self.note(&a, a.value.clone());
        Ok(a)
    }

    /// Asks for refinements and tries up to `max` of them: each is applied by re-running the
    /// search and kept only if the validation score improves.
    ///
    /// # Errors
    /// An invalid-input error before a run; when the advisor fails, or the current model cannot be
    /// scored under a proposed metric. A proposal whose search fails is not an error: its trial
    /// says why it was not tried.
    pub async fn improve(&mut self, request: &str, max: usize) -> Result<Vec<Trial>> {
        self.note_user(request);
        let t = self
            .trained
            .as_ref()
            .ok_or_else(|| Error::invalid_input("run a search first"))?;
        let a = self
            .advisor
            .propose_adjustments(request, &t.run_context())
            .await?;
        self.try_all(a, "Proposed", max).await
    }

    /// Applies an adjustment to a copy of the run's configuration: the metric to compare by
    /// when it changes, or why it cannot be tried (nothing to change, a column that is not
    /// there).
    fn adjust(
        &self,
        config: &mut RunConfig,
        adjustment: &Adjustment,
    ) -> std::result::Result<Option<Metric>, String> {
        match adjustment {
            Adjustment::ChangeMetric { metric: m } => {
                config.metric = Some(*m);
                return Ok(Some(*m));
            }
            Adjustment::ExcludeColumns { columns } => {
                for c in columns {
                    if self.frame.column(c).is_none() {
                        return Err(format!("`{c}` is not a column"));
                    }
                    if !config.exclude.contains(c) {
                        config.exclude.push(c.clone());
                    }
                }
                if columns.iter().all(|c| self.config.exclude.contains(c)) {
                    return Err("already left out".into());
                }
                // Derived columns computed from what is left out go with it.
                config
                    .derived
                    .retain(|d| !d.sources().iter().any(|s| columns.iter().any(|c| c == s)));
            }
            Adjustment::IncludeColumns { columns } => {
                if !columns.iter().any(|c| self.config.exclude.contains(c)) {
                    return Err("already an input: nothing to bring back".into());
                }
                config.exclude.retain(|c| !columns.contains(c))
            }
            Adjustment::AddTransform { column, transform } => {
                let d = match Derived::fit(&self.frame, column, transform) {
                    Ok(d) => d,
                    Err(e) => return Err(e.to_string()),
                };
                if let Some(left_out) = d
                    .sources()
                    .into_iter()
                    .find(|s| config.exclude.iter().any(|c| c == s) && d.replaces() != Some(*s))
                {
                    return Err(format!("`{left_out}` is left out; bring it back first"));
                }
                if config.derived.iter().any(|x| x.name() == d.name()) {
                    return Err(format!("`{}` is an input already", d.name()));
                }
                if let Some(source) = d.replaces()
                    && !config.exclude.iter().any(|c| c == source)
                {
                    config.exclude.push(source.to_string());
                }
                config.derived.push(d);
            }
            Adjustment::RestrictModels { models } if models.is_empty() => config.estimators = None,
            Adjustment::RestrictModels { models } => config.estimators = Some(models.clone()),
            Adjustment::RaiseBudget { seconds } => {
                let s = if seconds.is_finite() {
                    *seconds
                } else {
                    2.0 * config.time_budget_secs.unwrap_or(30.0)
                };
                config.time_budget_secs = Some(s.clamp(1.0, 3600.0))
            }
            Adjustment::RebalanceClasses => config.rebalance = true,
            Adjustment::MergeLabels => config.merge_labels = true,
        }
        Ok(None)
    }

    async fn try_proposal(&mut self, proposal: Proposal) -> Result<Trial> {
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
            noise: None,
            metric: None,
        };
        let compare_metric = match self.adjust(&mut config, &proposal.adjustment) {
            Ok(changed) => changed.unwrap_or(metric),
            Err(note) => return Ok(not_tried(note, current.result.score, proposal)),
        };
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
        let candidate = match self.fit(&config).await {
            Ok(t) => t,
            Err(e) => return Ok(not_tried(e.to_string(), before, proposal)),
        };
        let after = candidate.result.score;
        // Same seed, same rows: the same folds. A change is kept only when it beats the
        // current model by more than the noise of the comparison: the spread of the paired
        // difference over bootstrap resamples of the same validation rows (or, when the rows
        // differ, the score's fold-to-fold spread).
        let noise = paired_noise(compare_metric, &current.result, &candidate.result).unwrap_or(
            if compare_metric == metric {
                current.result.score_std
            } else {
                candidate.result.score_std
            },
        );
        let kept = compare_metric.better(after, before) && (after - before).abs() > noise;
        if kept {
            let mut candidate = candidate;
            let narrative = self
                .advisor
                .explain_results(&candidate.run_context())
                .await?;
            candidate.set_narrative(narrative.value);
            self.apply_threshold(&mut candidate);
            self.trained = Some(candidate);
            self.config = config;
        }
        Ok(Trial {
            proposal,
            before,
            after: Some(after),
            kept,
            note: None,
            noise: Some(noise),
            metric: Some(compare_metric),
        })
    }

    /// Carries out a request in the person's words ("leave out sibsp", "optimise recall",
    /// "only trees", "spend two minutes", "rebalance", "threshold 0.3", "what if age were 40"):
    /// changes to the model re-run the search and are kept only when validation improves
    /// beyond its noise; `None` when the text is not a request (ask it as a question).
    ///
    /// # Errors
    /// Before a run, or when a search fails outright.
    pub async fn request(&mut self, text: &str) -> Result<Option<Outcome>> {
        let Some(t) = self.trained.as_ref() else {
            return Err(Error::invalid_input("run a search first"));
        };
        // The rules first (they are exact on what they recognise); then the advisor, whose
        // reading is checked against the table.
        let (target, task) = (t.target().to_string(), t.task());
        let lower = text.to_lowercase();
        let request = match mlpilot_llm::requests::parse_request(text, &self.profile, &target, task)
        {
            // The rules understood the request but not what it names ("ticket class"): the
            // advisor may know; its reading is checked, and the rules' answer stands if not.
            Some(mlpilot_core::Request::Cannot { why }) => self
                .advisor_reading(text, &target, task)
                .await?
                .value
                .unwrap_or(mlpilot_core::Request::Cannot { why }),
            Some(r) => r,
            // A question goes to `ask` (only one that may be a what-if is read by the advisor).
            None if mlpilot_llm::requests::is_question(&lower)
                && ![" if ", " were ", " was ", " had "]
                    .iter()
                    .any(|k| lower.contains(k)) =>
            {
                return Ok(None);
            }
            None => {
                let a = self.advisor_reading(text, &target, task).await?;
                match (a.value, a.fallback_reason) {
                    (Some(r), _) => r,
                    // The model read a change it could not make good: say so, and what can be.
                    (None, Some(reason)) => mlpilot_core::Request::Cannot {
                        why: format!(
                            "I could not read that as a change I can make ({reason}). {}.",
                            mlpilot_llm::requests::CAN_DO
                        ),
                    },
                    (None, None) => return Ok(None),
                }
            }
        };
        self.note_user(text);
        let outcome = match request {
            mlpilot_core::Request::Adjust { adjustment } => {
                let proposal = Proposal {
                    reason: "the person asked".into(),
                    adjustment,
                };
                let trial = self.try_proposal(proposal).await?;
                self.note_engine(describe_trial(&trial));
                Outcome::Trial { trial }
            }
            mlpilot_core::Request::Features => Outcome::Features {
                trials: self.try_features(3).await?,
            },
            mlpilot_core::Request::Cannot { why } => Outcome::Said { text: why },
            mlpilot_core::Request::Threshold { threshold } => Outcome::Said {
                text: self.set_threshold(threshold)?,
            },
            mlpilot_core::Request::WhatIf { column, value } => Outcome::Said {
                text: self.what_if(&column, &value)?,
            },
        };
        if let Outcome::Said { text } = &outcome {
            self.note_engine(text.clone());
        }
        Ok(Some(outcome))
    }

    /// The advisor's reading of a request the rules could not carry out.
    async fn advisor_reading(
        &self,
        text: &str,
        target: &str,
        task: mlpilot_core::Task,
    ) -> Result<Advice<Option<mlpilot_core::Request>>> {
        self.advisor
            .interpret_request(text, &self.profile, target, task)
            .await
    }

    /// Asks the advisor for up to `max` new features and tries each, one after another on the
    /// same folds: a feature is kept (and stays for the next) only when validation improves
    /// beyond its noise. The trials are also kept in [`Session::features`].
    ///
    /// # Errors
    /// Before a run, or when a search fails outright.
    pub async fn try_features(&mut self, max: usize) -> Result<Vec<Trial>> {
        let Some(t) = self.trained.as_ref() else {
            return Err(Error::invalid_input("run a search first"));
        };
        let target = t.target().to_string();
        let a = self
            .advisor
            .propose_features(&self.profile, &target, max.max(1))
            .await?;
        let trials = self.try_all(a, "Proposed features", max).await?;
        self.features.extend(trials.iter().cloned());
        Ok(trials)
    }

    /// Lists an advisor's proposals in the transcript and tries up to `max` of them, one
    /// after another (a kept change stays for the next).
    async fn try_all(
        &mut self,
        a: Advice<Vec<Proposal>>,
        heading: &str,
        max: usize,
    ) -> Result<Vec<Trial>> {
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
        self.note(
            &a,
            if listed.is_empty() {
                format!("{heading}: nothing for this table.")
            } else {
                format!("{heading}: {}", listed.join("; "))
            },
        );
        let mut trials = Vec::new();
        for p in a.value.into_iter().take(max.max(1)) {
            let trial = self.try_proposal(p).await?;
            self.note_engine(describe_trial(&trial));
            trials.push(trial);
        }
        Ok(trials)
    }

    /// Sets the binary decision threshold and says what it does on the validation rows.
    fn set_threshold(&mut self, threshold: f64) -> Result<String> {
        let Some(t) = self.trained.as_ref() else {
            return Err(Error::invalid_input("run a search first"));
        };
        let r = &t.result;
        let Some(proba) = r.validation_predictions.proba.as_ref() else {
            return Ok("this model gives no probabilities, so it has no threshold to set".into());
        };
        let at = |cut: f64| -> Result<(f64, f64, f64)> {
            let values: Vec<f64> = proba
                .rows()
                .map(|row| f64::from(u8::from(row.get(1).is_some_and(|p| *p >= cut))))
                .collect();
            let p = mlpilot_core::Predictions::values(values.clone());
            let flagged = values.iter().sum::<f64>() / values.len().max(1) as f64;
            Ok((
                Metric::Precision.score(&r.validation_targets, &p, 2)?,
                Metric::Recall.score(&r.validation_targets, &p, 2)?,
                flagged,
            ))
        };
        let current = r.predictor.threshold.unwrap_or(0.5);
        let (p0, r0, f0) = at(current)?;
        let (p1, r1, f1) = at(threshold)?;
        let positive = r
            .predictor
            .encoding
            .classes()
            .get(1)
            .cloned()
            .unwrap_or_default();
        self.threshold = Some(threshold);
        if let Some(mut t) = self.trained.take() {
            self.apply_threshold(&mut t);
            self.trained = Some(t);
        }
        Ok(format!(
            "From now on a row is predicted `{positive}` when its probability is at least {threshold}. On the validation rows that flags {:.1} % of rows instead of {:.1} %: precision {p0:.3} → {p1:.3}, recall {r0:.3} → {r1:.3}.",
            100.0 * f1,
            100.0 * f0
        ))
    }

    /// Predicts a row of the table, then the same row with `column` set to `value`.
    fn what_if(&self, column: &str, value: &str) -> Result<String> {
        let Some(t) = self.trained.as_ref() else {
            return Err(Error::invalid_input("run a search first"));
        };
        // The first complete row whose `column` is not already `value` (or the first complete
        // row, or the first row): a real, checkable example where the change changes something.
        let n = self.frame.n_rows();
        let complete = |i: usize| self.frame.columns().iter().all(|c| !c.is_null(i));
        let differs = |i: usize| {
            self.frame.column(column).is_some_and(|c| {
                let v = c.value(i).to_string();
                !v.eq_ignore_ascii_case(value.trim())
                    && mlpilot_core::frame::parse_number(&v)
                        .zip(mlpilot_core::frame::parse_number(value))
                        .is_none_or(|(a, b)| a != b)
            })
        };
        let row = (0..n.min(1000))
            .find(|&i| complete(i) && differs(i))
            .or_else(|| (0..n.min(1000)).find(|&i| complete(i)))
            .unwrap_or(0);
        let base = self.frame.take(&[row])?;
        let col = base.require(column)?;
        let mut shown = value.to_string();
        let changed = match col.data() {
            mlpilot_core::ColumnData::Int(_) | mlpilot_core::ColumnData::Float(_) => {
                let Some(x) = mlpilot_core::frame::parse_number(value) else {
                    return Ok(format!(
                        "`{column}` holds numbers and `{value}` is not one; ask e.g. \"what if {column} were 40\""
                    ));
                };
                mlpilot_core::Column::new(column, mlpilot_core::ColumnData::Float(vec![Some(x)]))
            }
            mlpilot_core::ColumnData::Bool(_) => {
                let b = match value.trim().to_lowercase().as_str() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    _ => {
                        return Ok(format!(
                            "`{column}` is true or false; ask e.g. \"what if {column} were true\""
                        ));
                    }
                };
                mlpilot_core::Column::new(column, mlpilot_core::ColumnData::Bool(vec![Some(b)]))
            }
            _ => {
                // A label the model knows, matched without regard to case; an unseen one is
                // refused with the ones it knows.
                let known: Vec<String> = self
                    .profile
                    .column(column)
                    .map(|c| c.top_values.iter().map(|v| v.value.clone()).collect())
                    .unwrap_or_default();
                let Some(label) = known.iter().find(|k| k.eq_ignore_ascii_case(value.trim()))
                else {
                    return Ok(format!(
                        "`{column}` never holds `{value}` in this table, so the model cannot say what it would do; its most frequent values are {}",
                        known
                            .iter()
                            .take(10)
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                };
                shown = label.clone();
                mlpilot_core::Column::from_strs(column, [label.as_str()])
            }
        };
        let old_value = base.require(column)?.value(0);
        let other = base.clone().with_column(changed)?;
        let describe = |frame: &Frame| -> Result<String> {
            let p = t.predict_frame(frame)?.predictions;
            let v = p.values.first().copied().unwrap_or(f64::NAN);
            Ok(if t.task().is_classification() {
                let classes = t.result.predictor.encoding.classes();
                let label = classes.get(v as usize).cloned().unwrap_or_default();
                match p.proba.as_ref() {
                    Some(m) => format!(
                        "`{label}` (probability {:.3})",
                        m.get(0, v as usize).unwrap_or(f64::NAN)
                    ),
                    None => format!("`{label}`"),
                }
            } else {
                format!("{v:.3}")
            })
        };
        Ok(format!(
            "For row {} of the table ({column} = {}), the model predicts {}; with {column} = {shown} it predicts {}.",
            row + 1,
            old_value,
            describe(&base)?,
            describe(&other)?
        ))
    }

    /// Writes the model, the summary and the transcript (`session.json`) into `dir`.
    ///
    /// # Errors
    /// An invalid-input error before a run; an i/o error naming the folder when it cannot be
    /// created or a file cannot be written (see [`Trained::save`] for the model); an internal error
    /// when the summary or transcript cannot be serialised.
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
            "features": self.features,
        });
        let text =
            serde_json::to_string_pretty(&doc).map_err(|e| Error::internal(e.to_string()))?;
        std::fs::write(dir.join("session.json"), text)
            .map_err(|e| Error::from(e).with_context("file", dir.display()))?;
        Ok(())
    }
}

/// A trial in words: what changed, the validation score before → after, and whether it was
/// kept (with the noise it had to beat); [`mlpilot_core::narration::trial`].
pub fn describe_trial(trial: &Trial) -> String {
    mlpilot_core::narration::trial(trial)
}

/// Resamples of the validation rows in [`paired_noise`].
const BOOTSTRAP_RESAMPLES: usize = 200;
/// Most rows one resample draws in [`paired_noise`].
const BOOTSTRAP_ROWS: usize = 20_000;

/// The standard deviation of `metric(after) − metric(before)` over bootstrap resamples of the
/// shared out-of-fold validation rows (seeded): how much of a difference between two runs on
/// the same folds is noise. `None` when the two runs were not validated on the same rows.
fn paired_noise(
    metric: Metric,
    before: &mlpilot_search::SearchResult,
    after: &mlpilot_search::SearchResult,
) -> Option<f64> {
    let y = &before.validation_targets;
    let n = y.len();
    if n < 20 || after.validation_targets != *y {
        return None;
    }
    let k = before.predictor.encoding.n_classes();
    let pick =
        |p: &mlpilot_core::Predictions, rows: &[usize]| -> Option<mlpilot_core::Predictions> {
            let values = rows
                .iter()
                .map(|&i| p.values.get(i).copied())
                .collect::<Option<Vec<f64>>>()?;
            let proba = match &p.proba {
                Some(m) => Some(m.select_rows(rows).ok()?),
                None => None,
            };
            Some(mlpilot_core::Predictions { values, proba })
        };
    // On a large table each resample draws at most BOOTSTRAP_ROWS rows and the spread is scaled
    // back to n rows (it shrinks as 1/√rows), so the check stays cheap beside the search.
    let m = n.min(BOOTSTRAP_ROWS);
    let scale = (m as f64 / n as f64).sqrt();
    let mut rng = mlpilot_core::Rng::new(0x5eed);
    let mut diffs = Vec::with_capacity(BOOTSTRAP_RESAMPLES);
    for _ in 0..BOOTSTRAP_RESAMPLES {
        let rows: Vec<usize> = (0..m).map(|_| rng.below(n)).collect();
        let ys: Vec<f64> = rows.iter().filter_map(|&i| y.get(i).copied()).collect();
        let a = metric
            .score(&ys, &pick(&before.validation_predictions, &rows)?, k)
            .ok()?;
        let b = metric
            .score(&ys, &pick(&after.validation_predictions, &rows)?, k)
            .ok()?;
        if a.is_finite() && b.is_finite() {
            diffs.push(b - a);
        }
    }
    if diffs.len() < BOOTSTRAP_RESAMPLES / 2 {
        return None;
    }
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (diffs.len() - 1) as f64;
    Some(var.sqrt() * scale)
}

/// The task a column is predicted as: the one asked for (or the one its values call for),
/// refused with the reason when its values cannot be predicted that way.
fn task_for_column(
    column: &mlpilot_core::profile::ColumnProfile,
    task: Option<mlpilot_core::Task>,
    n_rows: usize,
) -> Result<mlpilot_core::Task> {
    let target = column.name.as_str();
    let inferred = mlpilot_llm::goal::task_for(column).ok_or_else(|| {
        Error::invalid_input(format!(
            "`{target}` cannot be predicted: {}",
            column.reason()
        ))
    })?;
    let task = task.unwrap_or(inferred);
    if task == mlpilot_core::Task::Regression && inferred != mlpilot_core::Task::Regression {
        return Err(Error::invalid_input(format!(
            "`{target}` holds labels, not numbers: it can be predicted as classes, not as a \
             quantity"
        )));
    }
    let distinct = column.distinct;
    if task == mlpilot_core::Task::Binary && distinct != 2 {
        return Err(Error::invalid_input(format!(
            "`{target}` has {distinct} different values, not two: predict it {}",
            if inferred == mlpilot_core::Task::Regression {
                "as a number"
            } else {
                "as one of several labels"
            }
        )));
    }
    if task == mlpilot_core::Task::Multiclass
        && (!(3..=MAX_CLASSES).contains(&distinct) || 2 * distinct > n_rows)
    {
        return Err(Error::invalid_input(format!(
            "`{target}` has {distinct} different values: {}",
            if distinct < 3 {
                "predict it as one of two outcomes".to_string()
            } else {
                format!(
                    "too many to learn as labels (most would have a row or two; at most \
                     {MAX_CLASSES}) — predict it as a number"
                )
            }
        )));
    }
    if task == mlpilot_core::Task::Forecast {
        return Err(Error::new(
            mlpilot_core::ErrorKind::Unsupported,
            "forecasts are fitted with `mlpilot run --task forecast` (docs/forecasting.md)",
        ));
    }
    Ok(task)
}
