//! `AutoMl`: the builder most programs use, and `Trained`, what it returns.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mlpilot_core::{
    CancelFlag, ColumnKind, DatasetProfile, Error, ErrorKind, Frame, Metric, ModelScore,
    ProgressSink, Registry, Result, Rng, RunContext, Schema, Task,
};
use mlpilot_data::ProfileOptions;
use mlpilot_search::{SearchConfig, SearchResult, TablePredictions, TrialStatus};

pub use mlpilot_artifact::config::RunConfig;

use crate::artifact::{ArtifactBody, FORMAT_VERSION, StoredMetrics};

/// Trains models on a table.
///
/// ```no_run
/// use std::time::Duration;
/// let frame = mlpilot::data::load_frame("datasets/titanic.csv")?.0;
/// let trained = mlpilot::AutoMl::new()
///     .target("target")
///     .time_budget(Duration::from_secs(10))
///     .fit_frame(&frame)?;
/// println!("{}", trained.narrative());
/// let predictions = trained.predict_frame(&frame)?;
/// # Ok::<(), mlpilot::Error>(())
/// ```
#[derive(Clone)]
pub struct AutoMl {
    config: RunConfig,
    pub(crate) registry: Registry,
    progress: Option<Arc<dyn ProgressSink>>,
    cancel: CancelFlag,
}

impl std::fmt::Debug for AutoMl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutoMl")
            .field("config", &self.config)
            .field("registry", &self.registry)
            .finish()
    }
}

impl Default for AutoMl {
    fn default() -> Self {
        AutoMl::new()
    }
}

impl AutoMl {
    /// A builder with the default registry (every backend this build has).
    pub fn new() -> Self {
        AutoMl {
            config: RunConfig::default(),
            registry: crate::default_registry(),
            progress: None,
            cancel: CancelFlag::new(),
        }
    }

    /// A builder from a stored configuration.
    pub fn with_config(config: RunConfig) -> Self {
        AutoMl {
            config,
            ..AutoMl::new()
        }
    }

    /// The column to predict.
    pub fn target(mut self, target: &str) -> Self {
        self.config.target = Some(target.to_string());
        self
    }

    /// The task (inferred from the target when not set).
    pub fn task(mut self, task: Task) -> Self {
        self.config.task = Some(task);
        self
    }

    /// The metric to optimise.
    pub fn metric(mut self, metric: Metric) -> Self {
        self.config.metric = Some(metric);
        self
    }

    /// The wall-clock budget of the whole fit.
    pub fn time_budget(mut self, budget: Duration) -> Self {
        self.config.time_budget_secs = Some(budget.as_secs_f64());
        self
    }

    /// The most trials.
    pub fn max_trials(mut self, n: usize) -> Self {
        self.config.max_trials = Some(n);
        self
    }

    /// The seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// Trials in parallel.
    pub fn threads(mut self, threads: usize) -> Self {
        self.config.threads = threads.max(1);
        self
    }

    /// Estimators, backends (`gbdt`, `linfa`) or families (`linear`) to search.
    pub fn estimators(mut self, list: &[&str]) -> Self {
        self.config.estimators = Some(list.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Columns to leave out.
    pub fn exclude(mut self, columns: &[&str]) -> Self {
        self.config.exclude = columns.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Replaces the whole configuration.
    pub fn config(mut self, config: RunConfig) -> Self {
        self.config = config;
        self
    }

    /// The configuration so far.
    pub fn run_config(&self) -> &RunConfig {
        &self.config
    }

    /// Uses another registry (to add a backend of your own).
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = registry;
        self
    }

    /// Receives progress events.
    pub fn progress(mut self, sink: Arc<dyn ProgressSink>) -> Self {
        self.progress = Some(sink);
        self
    }

    /// A flag that stops the fit when set.
    pub fn cancel_flag(mut self, flag: CancelFlag) -> Self {
        self.cancel = flag;
        self
    }

    /// Trains on a polars DataFrame.
    ///
    /// # Errors
    /// An invalid-input error naming the column when a DataFrame column cannot be converted;
    /// otherwise as [`AutoMl::fit_frame`].
    pub fn fit(&self, df: &polars::prelude::DataFrame) -> Result<Trained> {
        let frame = mlpilot_data::dataframe_to_frame(df.clone())?;
        self.fit_frame(&frame)
    }

    /// Trains on a polars DataFrame on tokio's blocking pool, for async programs.
    ///
    /// # Errors
    /// As [`AutoMl::fit`]; an internal error when the blocking task panics or is cancelled.
    pub async fn fit_async(&self, df: polars::prelude::DataFrame) -> Result<Trained> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let frame = mlpilot_data::dataframe_to_frame(df)?;
            this.fit_frame(&frame)
        })
        .await
        .map_err(|e| Error::internal(format!("the training task failed: {e}")))?
    }

    /// Trains on a frame.
    ///
    /// # Errors
    /// An invalid-input error when neither a time nor a trial budget is set, no target is given and
    /// none can be guessed, the target is excluded or a derived column is computed from it, or the
    /// task is a forecast (use `AutoMl::forecast_frame`); an unsupported error for derived columns
    /// in a run kept exportable to ONNX; a not-found error for a target or excluded column `frame`
    /// lacks;
    /// when a derived column cannot be computed or the target cannot be one (see
    /// [`mlpilot_data::profile_frame`]); and as [`mlpilot_search::run`] (a request that cannot run,
    /// or a budget no model finished in).
    pub fn fit_frame(&self, frame: &Frame) -> Result<Trained> {
        let start = Instant::now();
        let c = &self.config;
        if c.time_budget_secs.is_none() && c.max_trials.is_none() {
            return Err(Error::invalid_input("set a time budget or a trial budget"));
        }
        let target = match &c.target {
            Some(t) => t.clone(),
            None => {
                // The target is a column of the table, never a derived one.
                let p = mlpilot_data::profile_frame(frame, "data", &ProfileOptions::default())?;
                p.suggestions.target.map(|s| s.column).ok_or_else(|| {
                    Error::invalid_input(
                        "no target given and none could be guessed; name the column to predict",
                    )
                })?
            }
        };
        check_derived(c, &target)?;
        // `raw`: the columns the model may read (a left-out column a derived column is computed
        // from stays: the fitted pipeline reads it); `frame`: what is profiled and planned.
        let excluded: Vec<&str> = c.exclude.iter().map(String::as_str).collect();
        if excluded.contains(&target.as_str()) {
            return Err(Error::invalid_input(format!(
                "the target `{target}` cannot be excluded"
            )));
        }
        for n in &excluded {
            frame.require(n)?;
        }
        let (read, dropped): (Vec<&str>, Vec<&str>) = excluded
            .iter()
            .partition(|n| c.derived.iter().any(|d| d.reads().contains(n)));
        let raw = frame.without(&dropped);
        let (raw, merged_notes) = merge_target_labels(raw, &target, c.merge_labels)?;
        let frame = if c.derived.is_empty() {
            raw.clone()
        } else {
            crate::derive::apply(&raw, &c.derived)?.without(&read)
        };
        let options = ProfileOptions {
            categorical: c
                .derived
                .iter()
                .filter(|d| d.is_categorical())
                .map(|d| d.name())
                .collect(),
            ..ProfileOptions::with_target(Some(&target))
        };
        let mut profile = mlpilot_data::profile_frame(&frame, "data", &options)?;
        profile.notes.extend(merged_notes);
        let (frame, profile) = if c.exportable_onnx {
            exportable_columns(frame, profile, &target)?
        } else {
            (frame, profile)
        };
        let inferred = profile
            .target
            .as_ref()
            .map(|t| t.task)
            .ok_or_else(|| Error::internal("target profile missing"))?;
        let task = c.task.unwrap_or(inferred);
        if task == Task::Forecast {
            return Err(Error::invalid_input(
                "a forecast gives a forecaster, not a tabular model, and is validated by \
                 rolling-origin backtests rather than shuffled cross-validation: use \
                 `AutoMl::forecast_frame` with the time column and the horizon",
            ));
        }
        let metric = c.metric.unwrap_or(task.default_metric());
        let budget = c
            .time_budget_secs
            .map(|s| Duration::from_secs_f64((s - start.elapsed().as_secs_f64()).max(0.1)));
        let config = search_config(c, task, metric, budget);
        let result = mlpilot_search::run(
            &frame,
            &profile,
            &target,
            &self.registry,
            &config,
            self.progress.clone(),
            self.cancel.clone(),
        )?;
        let schema = raw_schema(&profile, &raw, &target, &c.derived, &read)?;
        let mut kept: Vec<&str> = schema.names();
        kept.push(&target);
        let reference = sample_rows(&raw.select(&kept)?, 2000, c.seed)?;
        let mut stored = c.clone();
        stored.target = Some(target.clone());
        stored.task = Some(task);
        stored.metric = Some(metric);
        let mut trained = Trained {
            result,
            profile,
            config: stored,
            reference,
            schema,
            narrative: String::new(),
            elapsed_secs: 0.0,
        };
        trained.elapsed_secs = start.elapsed().as_secs_f64();
        trained.narrative = mlpilot_llm::offline::explain_results(&trained.run_context());
        Ok(trained)
    }
}

/// Leaves out the columns an ONNX graph cannot read (dates, free text), with a note for each,
/// and profiles the rest again when any was left out.
fn exportable_columns(
    frame: Frame,
    profile: DatasetProfile,
    target: &str,
) -> Result<(Frame, DatasetProfile)> {
    let out: Vec<(String, ColumnKind)> = profile
        .columns
        .iter()
        .filter(|c| c.name != target)
        .filter(|c| matches!(c.kind, ColumnKind::Datetime | ColumnKind::Text))
        .map(|c| (c.name.clone(), c.kind))
        .collect();
    if out.is_empty() {
        return Ok((frame, profile));
    }
    let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
    let frame = frame.without(&names);
    let mut notes = profile.notes.clone();
    for (name, kind) in &out {
        let why = if *kind == ColumnKind::Datetime {
            "no ONNX operator parses dates; give its parts (year, month …) as number columns to use them"
        } else {
            "no standard ONNX operator tokenizes free text"
        };
        notes.push(format!(
            "column `{name}` ({}) left out to keep the model exportable to ONNX: {why}",
            kind.as_str()
        ));
    }
    let mut profile =
        mlpilot_data::profile_frame(&frame, "data", &ProfileOptions::with_target(Some(target)))?;
    profile.notes = notes;
    Ok((frame, profile))
}

/// The columns a table given to the model has, in table order: the profiled inputs, without the
/// derived columns (the fitted pipeline computes them) and with the left-out columns they are
/// computed from (`read`, profiled here).
fn raw_schema(
    profile: &DatasetProfile,
    raw: &Frame,
    target: &str,
    derived: &[crate::derive::Derived],
    read: &[&str],
) -> Result<Schema> {
    let mut columns = profile.schema().columns;
    if !read.is_empty() {
        let p =
            mlpilot_data::profile_frame(&raw.select(read)?, "data", &ProfileOptions::default())?;
        columns.extend(p.schema().columns);
    }
    let mut out = Vec::new();
    for name in raw.names() {
        if name == target || derived.iter().any(|d| d.name() == name) {
            continue;
        }
        if let Some(i) = columns.iter().position(|c| c.name == name) {
            out.push(columns.swap_remove(i));
        }
    }
    Ok(Schema { columns: out })
}

/// Up to `n` rows sampled evenly (seeded).
fn sample_rows(frame: &Frame, n: usize, seed: u64) -> Result<Frame> {
    if frame.n_rows() <= n {
        return Ok(frame.clone());
    }
    let mut rows = Rng::new(seed ^ 0x5a3b1e).sample_indices(frame.n_rows(), n);
    rows.sort_unstable();
    frame.take(&rows)
}

/// A trained model with everything learned on the way.
#[derive(Debug)]
pub struct Trained {
    /// The search result: predictor, leaderboard, validation predictions.
    pub result: SearchResult,
    /// The training profile.
    pub profile: DatasetProfile,
    /// The configuration, with target, task and metric resolved.
    pub config: RunConfig,
    /// A sample of training rows (reference for drift, background for explanations).
    pub reference: Frame,
    /// The input schema.
    pub schema: Schema,
    narrative: String,
    /// Seconds the fit took.
    pub elapsed_secs: f64,
}

impl Trained {
    /// The results in plain words.
    pub fn narrative(&self) -> &str {
        &self.narrative
    }

    /// Replaces the narrative (the assistant's grounded version).
    pub fn set_narrative(&mut self, text: String) {
        self.narrative = text;
    }

    /// The target column.
    pub fn target(&self) -> &str {
        &self.result.predictor.target
    }

    /// The task.
    pub fn task(&self) -> Task {
        self.result.predictor.task
    }

    /// Predicts a frame with the fitted preprocessing (derived columns included) and model(s).
    ///
    /// # Errors
    /// When the predictor cannot predict the frame (a missing input column or source of a derived
    /// column, text in a numeric column, a failing model; see
    /// [`mlpilot_search::Predictor::predict`]).
    pub fn predict_frame(&self, frame: &Frame) -> Result<TablePredictions> {
        self.result.predictor.predict(frame)
    }

    /// Predicts a polars DataFrame: a DataFrame with `prediction` and, for classifiers,
    /// `proba_<class>` columns.
    ///
    /// # Errors
    /// An invalid-input error naming the column when a DataFrame column cannot be converted;
    /// otherwise as [`Trained::predict_frame`].
    pub fn predict(&self, df: &polars::prelude::DataFrame) -> Result<polars::prelude::DataFrame> {
        let frame = mlpilot_data::dataframe_to_frame(df.clone())?;
        let p = self.predict_frame(&frame)?;
        let out =
            crate::predictions_frame(&self.result.predictor.encoding, &p.predictions, true, None)?;
        mlpilot_data::frame_to_dataframe(&out)
    }

    /// Importance of each raw input column, largest first: the model's own importances (summed
    /// over the features each column produced, a derived column's split evenly between the raw
    /// columns it reads, weighted over ensemble members, normalised).
    pub fn native_importances(&self) -> Vec<(String, f64)> {
        let mut acc: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
        for m in &self.result.predictor.members {
            if let Some(imp) = m.model.feature_importances() {
                let total: f64 = imp.iter().map(|v| v.abs()).sum();
                for (f, v) in m.pipeline.features().iter().zip(imp) {
                    // Per raw input column: a derived column's share goes to the columns it is
                    // computed from (split evenly between the two of a ratio or product).
                    let sources = m.pipeline.raw_sources(f);
                    for s in &sources {
                        *acc.entry((*s).to_string()).or_insert(0.0) +=
                            m.weight * v.abs() / total.max(1e-12) / sources.len() as f64;
                    }
                }
            }
        }
        let mut v: Vec<(String, f64)> = acc.into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// The run, summarised for the assistant.
    pub fn run_context(&self) -> RunContext {
        let r = &self.result;
        let best = r.leaderboard.first();
        RunContext {
            task: self.task(),
            target: self.target().to_string(),
            metric: r.metric,
            n_rows: r.n_rows,
            n_columns: r.plan.columns.len(),
            input_columns: r.plan.columns.iter().map(|c| c.column.clone()).collect(),
            best_model: if r.predictor.is_ensemble() {
                r.predictor.describe()
            } else {
                best.map_or_else(|| r.predictor.describe(), |b| b.model.clone())
            },
            best_score: r.score,
            baseline_score: r.baseline_score,
            // The best trial of each estimator (the leaderboard is sorted best first).
            leaderboard: {
                let mut seen = std::collections::HashSet::new();
                r.leaderboard
                    .iter()
                    .filter(|l| l.status == TrialStatus::Ok && seen.insert(l.model.clone()))
                    .filter_map(|l| {
                        l.score.map(|s| ModelScore {
                            model: l.model.clone(),
                            score: s,
                            std: l.std,
                            fit_secs: l.fit_secs,
                        })
                    })
                    .collect()
            },
            importances: self.native_importances(),
            trials: r.trials,
            elapsed_secs: self.elapsed_secs,
            class_counts: self
                .profile
                .target
                .as_ref()
                .map(|t| {
                    t.classes
                        .iter()
                        .map(|c| (c.value.clone(), c.count))
                        .collect()
                })
                .unwrap_or_default(),
            dropped_columns: r
                .plan
                .dropped
                .iter()
                .map(|d| (d.column.clone(), d.reason()))
                .collect(),
        }
    }

    /// The artifact body for this model.
    ///
    /// # Errors
    /// A format error when a model cannot be serialised.
    pub fn to_artifact(&self) -> Result<ArtifactBody> {
        let r = &self.result;
        Ok(ArtifactBody {
            format_version: FORMAT_VERSION,
            mlpilot_version: env!("CARGO_PKG_VERSION").to_string(),
            created: mlpilot_core::datetime::now_iso(),
            task: self.task(),
            target: self.target().to_string(),
            schema: self.schema.clone(),
            predictor: r.predictor.to_stored()?,
            metrics: StoredMetrics {
                metric: r.metric,
                score: r.score,
                std: r.score_std,
                baseline: r.baseline_score,
                validation: mlpilot_core::narration::validation(&r.validation),
                n_rows: r.n_rows,
            },
            leaderboard: r.leaderboard.iter().take(50).cloned().collect(),
            plan: r.plan.clone(),
            profile: self.profile.clone(),
            reference: self.reference.clone(),
            config: self.config.clone(),
            narrative: self.narrative.clone(),
        })
    }

    /// Writes the artifact atomically.
    ///
    /// # Errors
    /// As [`Trained::to_artifact`], or an i/o error naming the file when it cannot be written (see
    /// [`crate::artifact::write_bytes`]).
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::artifact::write(path, &self.to_artifact()?)
    }

    /// Which input columns identify rows (they are echoed in prediction output).
    pub fn id_columns(&self) -> Vec<String> {
        self.profile
            .columns
            .iter()
            .filter(|c| c.kind == ColumnKind::Identifier)
            .map(|c| c.name.clone())
            .collect()
    }
}

/// Refuses derived columns computed from the target, and derived columns in a run kept
/// exportable to ONNX.
fn check_derived(c: &RunConfig, target: &str) -> Result<()> {
    if let Some(d) = c.derived.iter().find(|d| d.sources().contains(&target)) {
        return Err(Error::invalid_input(format!(
            "the derived column `{}` is computed from the target `{target}`: it would give the \
             answer away in training and be missing when predicting; remove it",
            d.name()
        )));
    }
    if let (true, Some(d)) = (c.exportable_onnx, c.derived.first()) {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "a model kept exportable to ONNX cannot read the derived column `{}`: the \
                 graph cannot compute it; drop the derived columns or the ONNX requirement",
                d.name()
            ),
        ));
    }
    Ok(())
}

/// The target's labels that differ only in spelling merged into one (when asked), with a note
/// per merge.
fn merge_target_labels(raw: Frame, target: &str, merge: bool) -> Result<(Frame, Vec<String>)> {
    let mut merged_notes = Vec::new();
    let raw = match raw.column(target).filter(|_| merge) {
        Some(col) => match mlpilot_prep::merge_label_spellings(col) {
            Some((merged, lines)) => {
                merged_notes = lines
                    .into_iter()
                    .map(|l| format!("target `{target}`: labels merged: {l}"))
                    .collect();
                raw.with_column(merged)?
            }
            None => raw,
        },
        None => raw,
    };
    Ok((raw, merged_notes))
}

/// The search's configuration from the run's.
fn search_config(
    c: &RunConfig,
    task: Task,
    metric: Metric,
    budget: Option<Duration>,
) -> SearchConfig {
    SearchConfig {
        task,
        metric,
        time_budget: budget,
        max_trials: c.max_trials,
        seed: c.seed,
        threads: c.threads.max(1),
        estimators: c.estimators.clone(),
        validation: c.validation.clone(),
        group_column: c.group_column.clone(),
        ensemble: c.ensemble,
        memory_limit: c.memory_limit,
        sampler: c.sampler,
        rebalance: c.rebalance,
        plan_options: mlpilot_prep::PlanOptions {
            derived: c.derived.clone(),
            ..Default::default()
        },
        exportable_only: c.exportable_onnx,
    }
}
