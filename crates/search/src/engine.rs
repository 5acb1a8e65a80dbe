//! The AutoML loop, as a short sequence of steps with one module each:
//!
//! 1. `prepare`: encode the target, build the preprocessing plan, the
//!    validation folds and class weights.
//! 2. `candidates`: the estimators that take part, lead estimators (boosted
//!    trees) first, then cheapest first, each with its sampler and starting points — all from
//!    what each estimator says of itself.
//! 3. The search loop (below): the `scheduler` picks who goes next and caps
//!    each trial's time; the `executor` evaluates configurations on the folds
//!    preprocessed by the fold cache (`folds`) on the run's thread pool; the
//!    `record` keeps the leaderboard and the best out-of-fold predictions.
//! 4. `finish`: ensemble or single model, refit on all rows, baseline.
//!
//! With a trial budget and no time budget, every decision counts trials instead of seconds and
//! trials are proposed four at a time whatever the thread count, so the same seed gives the
//! same leaderboard (scores, parameters, order) bit for bit with any `threads`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mlpilot_core::{
    CancelFlag, DataShape, DatasetProfile, Error, ErrorKind, FitContext, Frame, Metric, ParamSet,
    Predictions, ProgressEvent, ProgressSink, Registry, Result, Rng, Task, TrialOutcome,
};
use mlpilot_prep::{PlanOptions, PreprocessPlan, Variant};
use serde::{Deserialize, Serialize};

use crate::candidates::{self, Learner};
use crate::executor::{Executor, TrialJob, TrialOutput};
use crate::finish;
use crate::folds::FoldCache;
use crate::leaderboard::{LeaderboardRow, TrialStatus, sort_rows};
use crate::predictor::Predictor;
use crate::prepare::{Prepared, prepare};
use crate::record::{Kept, Record, oof_by_row};
use crate::scheduler::{CostVerdict, LEAD_SHARE, choose_learner, cost_verdict, trial_cap};
use crate::validation::Validation;

/// Trials proposed at once without a time budget (whatever the thread count, so that the
/// leaderboard does not depend on it).
const UNTIMED_BATCH: usize = 4;
/// Successive halving on holdout training sets of at least this many rows.
const HALVING_ROWS: usize = 40_000;
/// On such tables, an estimator's first trial (the lead's excepted) trains on a sample of this
/// many rows (or a twentieth of them, if more): a cheap first look, as FLAML's initial sample
/// size; later trials run on the sample first and go on to all rows only when they rank in
/// the top third there.
const SCOUT_ROWS: usize = 10_000;
/// A learner leaves after this many trials stopped by their cap without a completed one.
const CAP_HITS_WITHOUT_MODEL: usize = 2;
/// A learner leaves after this many trials stopped by their cap in all.
const CAP_HITS: usize = 4;
/// A learner leaves after this many proposals in a row that were repeats or too costly.
const REPEATS: usize = 25;

/// Which sampler proposes configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SamplerKind {
    /// Cost-frugal local search from the zero-shot starting points (FLAML's CFO).
    Local,
    /// Tree-structured Parzen estimator.
    Tpe,
    /// Uniform random search.
    Random,
    /// Grid search.
    Grid,
}

/// What a search is asked to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchConfig {
    /// The task.
    pub task: Task,
    /// The metric to optimise.
    pub metric: Metric,
    /// Wall-clock budget for the whole fit (preparation, search, refit).
    pub time_budget: Option<Duration>,
    /// Most trials.
    pub max_trials: Option<usize>,
    /// Seed for every random choice.
    pub seed: u64,
    /// Trials run in parallel.
    pub threads: usize,
    /// Estimators to search: ids (`gbdt.hist_gbm`), backends (`gbdt`, `linfa`), family names
    /// (`linear`, `boosting`), or `all`; `None` for the default candidates.
    pub estimators: Option<Vec<String>>,
    /// Validation scheme.
    pub validation: Validation,
    /// Column whose values group rows for grouped validation.
    pub group_column: Option<String>,
    /// Try an ensemble of the best models.
    pub ensemble: bool,
    /// Skip configurations whose estimated memory exceeds this many bytes.
    pub memory_limit: Option<u64>,
    /// Which sampler proposes configurations.
    pub sampler: SamplerKind,
    /// Weight classes inversely to their frequency.
    pub rebalance: bool,
    /// Preprocessing options.
    pub plan_options: PlanOptions,
    /// Search only estimators whose models can be exported (to ONNX).
    #[serde(default)]
    pub exportable_only: bool,
}

impl SearchConfig {
    /// Defaults for a task: its default metric, no budget (set one), seed 0, one thread.
    pub fn new(task: Task) -> Self {
        SearchConfig {
            task,
            metric: task.default_metric(),
            time_budget: None,
            max_trials: None,
            seed: 0,
            threads: 1,
            estimators: None,
            validation: Validation::Auto,
            group_column: None,
            ensemble: true,
            memory_limit: None,
            sampler: SamplerKind::Local,
            rebalance: false,
            plan_options: PlanOptions::default(),
            exportable_only: false,
        }
    }
}

/// Where the time went.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Timings {
    /// Whole fit.
    pub total_secs: f64,
    /// Preprocessing inside folds.
    pub prep_secs: f64,
    /// Trials.
    pub search_secs: f64,
    /// Ensemble selection and the final refit.
    pub refit_secs: f64,
}

/// The result of a search.
#[derive(Debug)]
pub struct SearchResult {
    /// The fitted predictor (a model or an ensemble, refitted on all rows when time allowed).
    pub predictor: Predictor,
    /// Every trial, best first (an `ensemble` row when one was kept).
    pub leaderboard: Vec<LeaderboardRow>,
    /// The chosen model's validation score.
    pub score: f64,
    /// Its standard deviation over folds.
    pub score_std: f64,
    /// The metric.
    pub metric: Metric,
    /// The preprocessing plan.
    pub plan: PreprocessPlan,
    /// Why the validation scheme was chosen ([`mlpilot_core::narration::validation`] says it).
    pub validation: mlpilot_core::facts::ValidationFact,
    /// Trials run.
    pub trials: usize,
    /// Why the search stopped.
    pub stopped: String,
    /// Whether the final models were refitted on all rows (otherwise a validation-fold model
    /// was kept because time ran out).
    pub refitted: bool,
    /// Timings.
    pub timings: Timings,
    /// Out-of-fold predictions of the chosen model for the rows in `validation_rows`.
    pub validation_predictions: Predictions,
    /// Their true targets (class indices or values).
    pub validation_targets: Vec<f64>,
    /// The score of always predicting the most frequent class or the mean, on the same rows.
    pub baseline_score: Option<f64>,
    /// Rows trained on (after dropping rows without a target).
    pub n_rows: usize,
    /// Rows dropped because their target was missing.
    pub dropped_rows: usize,
    /// The decision threshold chosen for a binary task (`None`: 0.5).
    pub threshold: Option<crate::threshold::DecisionThreshold>,
}

/// The metric value of a loss (`loss = −oriented(score)`).
fn score_of(metric: Metric, loss: f64) -> f64 {
    match metric.direction() {
        mlpilot_core::Direction::Maximize => -loss,
        mlpilot_core::Direction::Minimize => loss,
    }
}
/// Refuses a run with neither a time nor a trial budget, or a metric that does not measure
/// the task.
fn check_config(config: &SearchConfig) -> Result<()> {
    if config.time_budget.is_none() && config.max_trials.is_none() {
        return Err(Error::invalid_input(
            "give a time budget or a trial budget (or both)",
        ));
    }
    if !config.metric.applies_to(config.task) {
        return Err(Error::invalid_input(format!(
            "metric {} does not apply to {} tasks",
            config.metric, config.task
        )));
    }
    Ok(())
}

/// A binary task's decision threshold, chosen on the out-of-fold probabilities and applied to
/// the out-of-fold labels; `None` when 0.5 serves.
fn decide_threshold(
    config: &SearchConfig,
    predictions: &mut Predictions,
    targets: &[f64],
) -> Option<crate::threshold::DecisionThreshold> {
    let threshold = match (&predictions.proba, config.task) {
        (Some(p), Task::Binary) => crate::threshold::choose_threshold(config.metric, targets, p),
        _ => None,
    };
    if let Some(t) = &threshold {
        crate::threshold::apply_threshold(predictions, t.threshold);
    }
    threshold
}

/// Runs the search on `frame` to predict `target`.
///
/// # Errors
///
/// `InvalidInput` for a request that cannot run (no budget, a metric that does not fit the
/// task, too few rows, no estimator); `Budget` when no model finished validation in the time
/// given (the message names a budget that would do).
pub fn run(
    frame: &Frame,
    profile: &DatasetProfile,
    target: &str,
    registry: &Registry,
    config: &SearchConfig,
    progress: Option<Arc<dyn ProgressSink>>,
    cancel: CancelFlag,
) -> Result<SearchResult> {
    let start = Instant::now();
    check_config(config)?;
    let prep = prepare(frame, profile, target, config)?;
    let (learners, left_out) = candidates::build(registry, config, &prep)?;
    tracing::info!(
        rows = prep.n_rows(),
        folds = prep.folds.len(),
        candidates = %learners.iter().map(Learner::id).collect::<Vec<_>>().join(", "),
        "search starts: {}",
        mlpilot_core::narration::validation(&prep.validation)
    );
    let mut record = Record::default();
    for l in &left_out {
        tracing::info!(estimator = %l.id, "{}", l.why);
        record.left(&l.id, &l.why);
    }
    let mut search = Search::new(config, &prep, learners, start, progress, cancel)?;
    let stopped = search.run(&mut record)?;
    tracing::info!(trials = search.trial_no, "search stopped: {stopped}");
    let search_secs = start.elapsed().as_secs_f64();
    let Search {
        learners,
        cache,
        exec,
        trial_no,
        ..
    } = search;
    let prep_secs = cache.secs;

    let Some(choice) = finish::choose(&record, &prep, config.metric, config.ensemble)? else {
        return Err(no_model(&record, &stopped, start, prep_secs));
    };
    let t_refit = Instant::now();
    let refitted = finish::refit(
        &mut record,
        &choice,
        &learners,
        &prep,
        config.time_budget.map(|b| start + b),
        config.seed,
        config.threads.max(1),
        Some(exec.pool()),
    )?;
    let (mut validation_predictions, validation_targets) =
        finish::oof_of_choice(&record, &choice, &prep)?;
    let threshold = decide_threshold(config, &mut validation_predictions, &validation_targets);
    let baseline_score = finish::baseline(&validation_targets, prep.n_classes, config.metric);
    if choice.ensemble && refitted.members.len() > 1 {
        let row = finish::ensemble_row(&record, &choice, &prep);
        record.push_row(row);
    }
    for l in &learners {
        if let Some(why) = &l.left {
            record.left(l.id(), why);
        }
    }
    let mut leaderboard = record.leaderboard;
    sort_rows(&mut leaderboard, config.metric);
    let n_rows = prep.n_rows();
    let Prepared {
        plan,
        encoding,
        validation,
        dropped_rows,
        ..
    } = prep;
    Ok(SearchResult {
        predictor: Predictor {
            task: config.task,
            target: target.to_string(),
            encoding,
            members: refitted.members,
            threshold: threshold.as_ref().map(|t| t.threshold),
        },
        leaderboard,
        score: choice.score,
        score_std: choice.std,
        metric: config.metric,
        plan,
        validation,
        trials: trial_no,
        stopped,
        refitted: refitted.refitted,
        timings: Timings {
            total_secs: start.elapsed().as_secs_f64(),
            prep_secs,
            search_secs,
            refit_secs: t_refit.elapsed().as_secs_f64(),
        },
        validation_predictions,
        validation_targets,
        baseline_score,
        threshold,
        n_rows,
        dropped_rows,
    })
}

/// The error when no model finished validation: what went wrong, and a budget that would do.
fn no_model(record: &Record, stopped: &str, start: Instant, prep_secs: f64) -> Error {
    let errors: Vec<String> = record
        .leaderboard
        .iter()
        .filter(|r| r.status != TrialStatus::Skipped)
        .filter_map(|r| r.error.clone().map(|e| format!("{}: {e}", r.model)))
        .take(5)
        .collect();
    let spent = start.elapsed().as_secs_f64();
    let timed_out = errors.is_empty()
        || record
            .leaderboard
            .iter()
            .any(|r| r.status == TrialStatus::Timeout);
    let advice = if timed_out {
        // What preparing took, plus room for the cheapest trial and the final fit.
        let smallest = (2.0 * spent + 4.0 * prep_secs).max(1.0).ceil();
        format!("the smallest budget that would work here is about {smallest:.0} s")
    } else {
        errors.join("; ")
    };
    Error::new(
        ErrorKind::Budget,
        format!("no model finished validation ({stopped}); {advice}"),
    )
}

/// One proposed trial.
struct Proposal {
    learner: usize,
    params: ParamSet,
    /// Training rows per fold of each fidelity, the last one final.
    rungs: Vec<usize>,
    /// Its time cap in seconds (`None` without a time budget).
    cap: Option<f64>,
    /// Its estimated seconds.
    estimate: f64,
}

/// The search loop's state.
struct Search<'a> {
    config: &'a SearchConfig,
    prep: &'a Prepared,
    learners: Vec<Learner>,
    cache: FoldCache<'a>,
    exec: Executor,
    deadline: Option<Instant>,
    budget: Option<f64>,
    rng: Rng,
    trial_no: usize,
    /// Measured over estimated seconds of completed trials, all learners.
    ratios: Vec<f64>,
    /// Seconds to score one candidate's out-of-fold predictions (measured once), for the time
    /// ensemble selection will take.
    score_secs: f64,
    /// Whether the best model's refit on all rows fitted in the time left when it became the
    /// best (then the search stops in time for it).
    refit_planned: bool,
    /// Losses seen on the sample of a large holdout, every estimator's: a trial goes on to all
    /// rows only when it ranks in the top third of them (successive halving across families,
    /// so a weak family's sample result does not buy it a full-size trial).
    rung_losses: Vec<f64>,
    progress: Option<Arc<dyn ProgressSink>>,
    cancel: CancelFlag,
    fold_shape: DataShape,
    valid_rows: usize,
    halving: bool,
}

impl<'a> Search<'a> {
    fn new(
        config: &'a SearchConfig,
        prep: &'a Prepared,
        learners: Vec<Learner>,
        start: Instant,
        progress: Option<Arc<dyn ProgressSink>>,
        cancel: CancelFlag,
    ) -> Result<Self> {
        let threads = config.threads.max(1);
        Ok(Search {
            config,
            prep,
            learners,
            cache: FoldCache::new(prep, config.seed),
            exec: Executor::new(threads, config.metric, prep.n_classes)?,
            deadline: config.time_budget.map(|b| start + b),
            budget: config.time_budget.map(|b| b.as_secs_f64()),
            rng: Rng::new(config.seed ^ 0x5e1ec7),
            trial_no: 0,
            ratios: Vec::new(),
            score_secs: 0.0,
            refit_planned: true,
            rung_losses: Vec::new(),
            progress,
            cancel,
            fold_shape: DataShape {
                n_rows: prep.train_rows_per_fold(),
                n_features: prep.plan.columns.len(),
                n_classes: prep.n_classes,
            },
            valid_rows: prep.folds.first().map_or(0, |f| f.valid.len()),
            halving: prep.folds.len() == 1 && prep.train_rows_per_fold() >= HALVING_ROWS,
        })
    }

    fn timed(&self) -> bool {
        self.deadline.is_some()
    }

    /// The fidelities a trial of a learner runs at: on large holdouts, a first trial of a
    /// non-lead estimator on a sample only, later trials on the sample and then all rows;
    /// elsewhere all rows.
    fn rungs_for(&self, l: &Learner) -> Vec<usize> {
        let full = self.prep.train_rows_per_fold();
        if !self.halving {
            return vec![full];
        }
        let scout = (full / 20).max(SCOUT_ROWS).min(full);
        if l.stats.trials == 0 && !l.info.defaults.lead {
            vec![scout]
        } else if l.stats.trials == 0 {
            vec![full]
        } else {
            vec![scout, full]
        }
    }

    fn seconds_left(&self, until: Option<Instant>) -> f64 {
        until.map_or(f64::INFINITY, |d| {
            d.saturating_duration_since(Instant::now()).as_secs_f64()
        })
    }

    /// Time kept back for ensemble selection, the final refit of the best model (when planned)
    /// and a margin (none until a model exists: then every second goes to finding one).
    fn reserve(&self, record: &Record) -> f64 {
        let (refit, rest) = self.reserve_parts(record);
        if self.refit_planned {
            refit + rest
        } else {
            rest
        }
    }

    /// The reserve's parts: the best model's refit, and ensemble selection with the margin.
    fn reserve_parts(&self, record: &Record) -> (f64, f64) {
        let Some(best) = record.best_kept() else {
            return (0.0, 0.0);
        };
        let rows_exp = self
            .learners
            .get(best.learner)
            .map_or(1.0, |l| l.info.cost.rows_exp);
        let refit = finish::refit_secs(
            best.fit_secs_per_fold,
            self.prep.n_rows(),
            best.rows,
            rows_exp,
        );
        let selection = if self.config.ensemble {
            self.score_secs * record.kept.len() as f64 * finish::ENSEMBLE_ROUNDS as f64
        } else {
            0.0
        };
        let margin = self.budget.map_or(0.0, |b| (0.02 * b).max(0.2));
        (refit, selection + margin)
    }

    /// The run's calibration: the geometric mean of measured over estimated seconds, within
    /// a factor of ten either way (1 before any trial): the machine's speed and how far the
    /// backends' first guesses are off for this shape, shared by every estimator.
    fn run_calibration(&self) -> f64 {
        if self.ratios.is_empty() {
            return 1.0;
        }
        let mean_log = self.ratios.iter().map(|r| r.ln()).sum::<f64>() / self.ratios.len() as f64;
        mean_log.exp().clamp(0.1, 10.0)
    }

    fn report(&self, e: ProgressEvent) {
        if let Some(p) = &self.progress {
            p.event(&e);
        }
    }

    /// The loop: propose, evaluate, record, until a budget says stop. Returns why it stopped.
    fn run(&mut self, record: &mut Record) -> Result<String> {
        loop {
            if self.cancel.is_cancelled() {
                return Ok("cancelled".to_string());
            }
            if self.config.max_trials.is_some_and(|m| self.trial_no >= m) {
                return Ok(format!("reached {} trials", self.trial_no));
            }
            let search_deadline = self.deadline.map(|d| {
                d.checked_sub(Duration::from_secs_f64(self.reserve(record)))
                    .unwrap_or(d)
            });
            // Once a model exists, a sliver of time is not worth a trial.
            let sliver = if record.best.is_some() {
                self.budget.map_or(0.0, |b| 0.03 * b)
            } else {
                0.0
            };
            if search_deadline
                .is_some_and(|d| Instant::now() + Duration::from_secs_f64(sliver) >= d)
            {
                return Ok(format!(
                    "time budget: {:.1} s left for the final fit",
                    self.seconds_left(self.deadline)
                ));
            }
            let batch = self.propose(record, search_deadline);
            if batch.is_empty() {
                if self.learners.iter().all(|l| !l.stats.live) {
                    return Ok("every estimator's search space is exhausted or failed".into());
                }
                continue;
            }
            self.evaluate(batch, record)?;
        }
    }

    /// Proposes up to a batch of trials.
    fn propose(&mut self, record: &Record, search_deadline: Option<Instant>) -> Vec<Proposal> {
        let size = if self.timed() {
            self.config.threads.max(1)
        } else {
            UNTIMED_BATCH
        };
        let size = size.min(
            self.config
                .max_trials
                .map_or(usize::MAX, |m| m.saturating_sub(self.trial_no)),
        );
        let mut batch: Vec<Proposal> = Vec::new();
        let mut attempts = 0;
        while batch.len() < size && attempts < 4 * size.max(1) {
            attempts += 1;
            // A learner waiting for its first trial is proposed once per batch.
            let stats: Vec<_> = self
                .learners
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let mut s = l.stats.clone();
                    if s.trials == 0 && batch.iter().any(|b| b.learner == i) {
                        s.live = false;
                    }
                    s
                })
                .collect();
            let Some(li) = choose_learner(&stats, record.best_loss(), self.timed(), &mut self.rng)
            else {
                break;
            };
            if let Some(p) = self.propose_for(li, record, search_deadline, &batch) {
                batch.push(p);
            }
        }
        batch
    }

    /// Asks learner `li` for a configuration and checks its estimated cost against its cap.
    fn propose_for(
        &mut self,
        li: usize,
        record: &Record,
        search_deadline: Option<Instant>,
        batch: &[Proposal],
    ) -> Option<Proposal> {
        let waiting = self
            .learners
            .iter()
            .enumerate()
            .filter(|(i, l)| *i != li && l.stats.live && l.stats.trials == 0)
            .count();
        let folds = self.prep.folds.len().max(1);
        let run_cal = self.run_calibration();
        let time_left = self.seconds_left(search_deadline);
        let best_learner = record.best_kept().map(|k| k.learner);
        let (fold_shape, valid_rows, budget) = (self.fold_shape, self.valid_rows, self.budget);
        let n_candidates = self.learners.len();
        let rungs = self.rungs_for(self.learners.get(li)?);
        let width = self
            .learners
            .get(li)
            .and_then(|l| self.cache.width(l.variant));
        let l = self.learners.get_mut(li)?;
        let params = next_params(l, self.halving)?;
        if batch.iter().any(|b| b.learner == li && b.params == params) {
            return None;
        }
        let shape = DataShape {
            n_rows: rungs.iter().copied().max().unwrap_or(fold_shape.n_rows),
            n_features: width.unwrap_or(fold_shape.n_features),
            ..fold_shape
        };
        let estimate = l.estimate_secs(&params, shape, valid_rows, folds, run_cal);
        let Some(budget) = budget else {
            l.repeats = 0;
            return Some(Proposal {
                learner: li,
                params,
                rungs,
                cap: None,
                estimate,
            });
        };
        // The cap a configuration's estimate is judged against: a lead estimator's first
        // configuration must fit in a tenth of the budget; the others share the time left.
        let judge = if l.info.defaults.lead && l.stats.trials == 0 {
            (LEAD_SHARE * budget).min(time_left)
        } else {
            let waiting = waiting + usize::from(l.stats.trials == 0);
            trial_cap(budget, time_left, waiting, n_candidates)
        };
        // The cap it runs under: more while no model exists (nothing is worth more than finding
        // one), and for the leading estimator once every candidate has had a trial.
        let mut cap = judge;
        if record.best.is_none() || (waiting == 0 && best_learner == Some(li)) {
            cap = cap.max(0.5 * time_left);
        }
        let low = l.low_cost.clone().filter(|p| *p != params).map(|p| {
            let e = l.estimate_secs(&p, shape, valid_rows, folds, run_cal);
            (p, e)
        });
        let (params, estimate) = settle_cost(l, params, estimate, judge, budget, low)?;
        if l.low_cost.as_ref() == Some(&params) {
            l.low_cost = None;
        }
        l.repeats = 0;
        Some(Proposal {
            learner: li,
            params,
            rungs,
            cap: Some(cap),
            estimate,
        })
    }

    /// Runs a batch and records every outcome, in proposal order.
    fn evaluate(&mut self, batch: Vec<Proposal>, record: &mut Record) -> Result<()> {
        let threads = self.config.threads.max(1);
        let trial_threads = if !self.timed() || batch.len() > 1 {
            1
        } else {
            threads
        };
        // Preprocess the folds first (a new variant can take a while on a large table), then
        // start every trial's clock.
        let mut ready = Vec::with_capacity(batch.len());
        for (i, p) in batch.iter().enumerate() {
            self.trial_no += 1;
            let tn = self.trial_no;
            let Some(l) = self.learners.get(p.learner) else {
                continue;
            };
            let (variant, est) = (l.variant, l.est.clone());
            let prior = self.rung_losses.clone();
            let rungs: Result<Vec<_>> = p
                .rungs
                .iter()
                .map(|&r| Ok((r, self.cache.folds(variant, r)?)))
                .collect();
            match rungs {
                Ok(rungs) => ready.push((i, tn, est, prior, rungs)),
                Err(e) => {
                    // Preprocessing for this estimator failed: its trial fails, the run goes on.
                    record.push_row(LeaderboardRow::unscored(
                        tn,
                        l.id(),
                        p.params.clone(),
                        0,
                        TrialStatus::Failed,
                        format!("preprocessing failed: {e}"),
                    ));
                    if let Some(l) = self.learners.get_mut(p.learner) {
                        l.leave(format!("left the run: its preprocessing failed: {e}"));
                    }
                }
            }
        }
        let now = Instant::now();
        let mut jobs = Vec::with_capacity(ready.len());
        let mut wait_until: Option<Instant> = None;
        for (i, _, est, prior, rungs) in &mut ready {
            let Some(p) = batch.get(*i) else { continue };
            let trial_deadline = p.cap.map(|c| {
                let d = now + Duration::from_secs_f64(c);
                self.deadline.map_or(d, |end| d.min(end))
            });
            if let (Some(d), Some(c)) = (trial_deadline, p.cap) {
                // A fit that stops at its deadline finishes the round or tree under way: wait a
                // little past the cap, never past the budget.
                let grace = Duration::from_secs_f64((0.15 * c).max(0.05));
                let mut w = d + grace;
                if let Some(end) = self.deadline {
                    w = w.min(end.max(d) + Duration::from_millis(50));
                }
                wait_until = Some(wait_until.map_or(w, |x: Instant| x.max(w)));
            }
            let ctx = FitContext::new(self.config.seed)
                .with_deadline(trial_deadline)
                .with_threads(trial_threads)
                .with_pool(Some(self.exec.pool()));
            jobs.push(TrialJob {
                est: est.clone(),
                params: p.params.clone(),
                rungs: std::mem::take(rungs),
                prior_rung_losses: std::mem::take(prior),
                ctx,
                keep_models: true,
            });
        }
        let outputs = self.exec.run_batch(jobs, wait_until);
        let mut batch: Vec<Option<Proposal>> = batch.into_iter().map(Some).collect();
        for ((i, tn, ..), out) in ready.into_iter().zip(outputs) {
            if let Some(p) = batch.get_mut(i).and_then(Option::take) {
                self.record_trial(tn, p, out, record);
            }
        }
        Ok(())
    }

    /// Records one trial's outcome: leaderboard row, learner statistics, sampler feedback,
    /// kept predictions, and whether the learner leaves.
    fn record_trial(
        &mut self,
        tn: usize,
        p: Proposal,
        out: Option<TrialOutput>,
        record: &mut Record,
    ) {
        let metric = self.config.metric;
        let timed = self.timed();
        let n_folds = self.prep.folds.len();
        let full_rows = self.prep.train_rows_per_fold();
        let Some(out) = out else {
            self.record_abandoned(tn, p, record);
            return;
        };
        let Some(l) = self.learners.get_mut(p.learner) else {
            return;
        };
        let measured = out.final_secs.0 + out.final_secs.1;
        let cost = if timed {
            out.fit_secs + out.predict_secs
        } else {
            1.0
        };
        let (mean, std) = out.mean_std();
        let complete = out.error.is_none()
            && !out.pruned
            && out.fold_scores.len() == n_folds
            && mean.is_finite();
        // A trial stopped by its cap (an anytime fit) says nothing of the full cost.
        let truncated = p.cap.is_some_and(|c| measured >= 0.9 * c);
        let planned_rows = p.rungs.last().copied().unwrap_or(full_rows);
        if complete && !truncated && p.estimate > 0.0 && out.rows == planned_rows {
            let ratio = measured / p.estimate;
            if ratio.is_finite() && ratio > 0.0 {
                self.ratios.push(ratio);
                l.calibration = Some(match l.calibration {
                    Some(c) => (c * ratio).sqrt(),
                    None => ratio,
                });
            }
        }
        let status = match &out.error {
            Some(e) if matches!(e.kind(), ErrorKind::Timeout | ErrorKind::Cancelled) => {
                TrialStatus::Timeout
            }
            Some(_) => TrialStatus::Failed,
            None if out.pruned => TrialStatus::Pruned,
            None => TrialStatus::Ok,
        };
        let loss = if complete {
            Some(-metric.oriented(mean))
        } else if out.pruned {
            out.rung_losses.last().copied()
        } else {
            None
        };
        tracing::debug!(
            trial = tn,
            estimator = l.id(),
            params = %p.params,
            status = ?status,
            score = ?loss.map(|x| score_of(metric, x)),
            estimated_secs = p.estimate,
            measured_secs = measured,
            cap_secs = ?p.cap,
            "trial"
        );
        record.push_row(LeaderboardRow {
            trial: tn,
            model: l.id().to_string(),
            params: p.params.clone(),
            score: loss.map(|x| score_of(metric, x)),
            std,
            folds: out.fold_scores.len(),
            fit_secs: out.fit_secs,
            predict_secs: out.predict_secs,
            rows: out.rows,
            status: status.clone(),
            error: out.error.as_ref().map(ToString::to_string),
        });
        self.rung_losses.extend(out.rung_losses.iter().copied());
        // A first look on a sample counts among the losses seen at that fidelity.
        if complete
            && out.rows < full_rows
            && let Some(loss) = loss
        {
            self.rung_losses.push(loss);
        }
        l.seen.push((
            p.params.clone(),
            if out.error.is_some() { None } else { loss },
        ));
        l.sampler.tell(
            &p.params,
            TrialOutcome {
                loss: if out.error.is_some() { None } else { loss },
                cost_secs: cost,
            },
        );
        l.stats.record(cost, complete.then_some(loss).flatten());
        Self::after_outcome(l, out.error.as_ref(), &status);
        let variant = l.variant;
        let score = complete.then_some(mean);
        if complete && let Some(loss) = loss {
            self.keep_trial(tn, p, out, variant, loss, record);
        }
        self.report_trial(score, record);
    }

    /// Records a trial abandoned at its time cap: a timeout row, the cap as its cost, and the
    /// learner's next step after a cap hit.
    fn record_abandoned(&mut self, tn: usize, p: Proposal, record: &mut Record) {
        let timed = self.timed();
        let full_rows = self.prep.train_rows_per_fold();
        let Some(l) = self.learners.get_mut(p.learner) else {
            return;
        };
        // Abandoned at its cap.
        let cap = p.cap.unwrap_or(0.0);
        tracing::debug!(
            trial = tn,
            estimator = l.id(),
            params = %p.params,
            estimated_secs = p.estimate,
            cap_secs = cap,
            "trial abandoned at its cap"
        );
        record.push_row(LeaderboardRow::unscored(
            tn,
            l.id(),
            p.params.clone(),
            full_rows,
            TrialStatus::Timeout,
            format!("still running at its {cap:.1} s time cap"),
        ));
        l.sampler.tell(
            &p.params,
            TrialOutcome {
                loss: None,
                cost_secs: cap,
            },
        );
        l.seen.push((p.params, None));
        l.stats.record(if timed { cap } else { 1.0 }, None);
        l.calibration = Some(l.calibration.unwrap_or(1.0).max(cap / p.estimate.max(1e-6)));
        Self::after_cap_hit(l);
        self.report_trial(None, record);
    }

    /// After a trial: a timeout counts as a cap hit; a failure counts towards leaving (at
    /// once when the first trial is refused as invalid, unsupported or over budget); a success
    /// clears the failures.
    fn after_outcome(l: &mut Learner, error: Option<&Error>, status: &TrialStatus) {
        if let Some(e) = error {
            if *status == TrialStatus::Timeout {
                Self::after_cap_hit(l);
            } else {
                l.failures += 1;
                let fatal = l.stats.trials == 1
                    && matches!(
                        e.kind(),
                        ErrorKind::InvalidInput | ErrorKind::Unsupported | ErrorKind::Budget
                    );
                if fatal || l.failures >= 3 {
                    l.leave(format!("left the run after failing: {e}"));
                }
            }
        } else {
            l.failures = 0;
        }
    }

    /// Keeps a complete trial's out-of-fold predictions and fold models for the ensemble, and
    /// decides whether a new best model's refit still fits in the time left.
    fn keep_trial(
        &mut self,
        tn: usize,
        p: Proposal,
        out: TrialOutput,
        variant: Variant,
        loss: f64,
        record: &mut Record,
    ) {
        let metric = self.config.metric;
        let n = self.prep.n_rows();
        let outputs_per_row = self.prep.outputs_per_row();
        let n_folds = self.prep.folds.len();
        let (mean, std) = out.mean_std();
        let fold_models = match self.cache.folds(variant, out.rows) {
            Ok(folds) if folds.len() == out.fold_models.len() => folds
                .iter()
                .map(|f| f.pipeline.clone())
                .zip(out.fold_models)
                .collect(),
            _ => Vec::new(),
        };
        let oof = oof_by_row(&out.oof, &self.prep.folds, n, outputs_per_row);
        if self.score_secs == 0.0 {
            let fold_rows: Vec<Vec<usize>> =
                self.prep.folds.iter().map(|f| f.valid.clone()).collect();
            let t0 = Instant::now();
            let _ = crate::ensemble::score_folds(
                &oof.values,
                outputs_per_row,
                &self.prep.y,
                &fold_rows,
                metric,
                self.prep.n_classes,
            );
            self.score_secs = t0.elapsed().as_secs_f64().max(1e-6);
        }
        record.keep(
            Kept {
                trial: tn,
                oof,
                fold_models,
                learner: p.learner,
                params: p.params,
                fit_secs_per_fold: out.final_secs.0 / n_folds.max(1) as f64,
                rows: out.rows,
                score: mean,
                std,
            },
            loss,
            metric,
        );
        if record.best.map(|b| b.1) == Some(tn) {
            self.refit_planned = self.refit_fits(record);
        }
    }

    /// Whether the best model's refit, ensemble selection and the margin fit in the time left:
    /// decided when a new best appears, so that the search then stops in time for the refit
    /// (otherwise the best model's fold models stand in for it and the search goes on).
    fn refit_fits(&self, record: &Record) -> bool {
        let (refit, rest) = self.reserve_parts(record);
        refit + rest <= self.seconds_left(self.deadline)
    }

    /// After a trial was stopped by its cap: try the low-cost configuration next, or leave.
    fn after_cap_hit(l: &mut Learner) {
        l.cap_hits += 1;
        if let Some(p) = l.low_cost.take() {
            l.queued.push_front(p);
        }
        let without_model = !l.stats.best_loss.is_finite();
        if (without_model && l.cap_hits >= CAP_HITS_WITHOUT_MODEL) || l.cap_hits >= CAP_HITS {
            l.leave(format!(
                "left the run: {} of its trials hit their time cap",
                l.cap_hits
            ));
        }
    }

    fn report_trial(&self, score: Option<f64>, record: &Record) {
        let Some(row) = record.leaderboard.last() else {
            return;
        };
        self.report(ProgressEvent::Trial {
            done: self.trial_no,
            estimator: row.model.clone(),
            score,
            best: record.best_loss().map(|b| score_of(self.config.metric, b)),
            seconds_left: self
                .deadline
                .map(|d| d.saturating_duration_since(Instant::now()).as_secs_f64()),
        });
    }
}

/// The learner's next configuration: its low-cost one first on a large holdout (a non-lead
/// estimator's first look, on a sample), then its queue, then its sampler; `None` when the
/// sampler is exhausted or fails (the learner leaves) or the configuration was evaluated before
/// (answered from memory; repeated too often, the learner leaves).
fn next_params(l: &mut Learner, halving: bool) -> Option<ParamSet> {
    // On a large holdout, a non-lead estimator's first look is its low-cost configuration
    // on a sample.
    if halving
        && l.stats.trials == 0
        && !l.info.defaults.lead
        && let Some(low) = l.low_cost.take()
    {
        l.queued.push_front(low);
    }
    let params = match l.queued.pop_front() {
        Some(p) => p,
        None => match l.sampler.ask() {
            Ok(Some(p)) => p,
            Ok(None) => {
                l.leave("its search space is exhausted".into());
                return None;
            }
            Err(e) => {
                l.leave(format!("its sampler failed: {e}"));
                return None;
            }
        },
    };
    // A configuration evaluated before is answered from memory, not re-run.
    if let Some((_, loss)) = l.seen.iter().find(|(q, _)| *q == params) {
        let loss = *loss;
        l.sampler.tell(
            &params,
            TrialOutcome {
                loss,
                cost_secs: 0.0,
            },
        );
        l.repeats += 1;
        if l.repeats >= REPEATS {
            l.leave("its search found no new configurations".into());
        }
        return None;
    }
    Some(params)
}

/// Judges a configuration's estimated cost against its cap: it runs, gives way to the
/// learner's low-cost configuration, or is skipped (the learner may leave; `None`). A lead's
/// first trial is never skipped. Returns the configuration to run with its estimate.
fn settle_cost(
    l: &mut Learner,
    params: ParamSet,
    estimate: f64,
    judge: f64,
    budget: f64,
    low: Option<(ParamSet, f64)>,
) -> Option<(ParamSet, f64)> {
    // A lead's first trial must finish; later, an anytime fit may run capped.
    let lead_first = l.info.defaults.lead && l.stats.trials == 0;
    let anytime = l.info.cost.anytime && !lead_first;
    let verdict = match cost_verdict(
        estimate,
        judge,
        low.is_some(),
        low.as_ref().map_or(f64::INFINITY, |x| x.1),
        anytime,
    ) {
        // The lead's first trial is what guarantees a model, and estimates made before any
        // measurement can be far off: it never leaves untried, it runs its cheapest
        // configuration under its (generous) cap instead.
        CostVerdict::Skip if lead_first => {
            if low.is_some() {
                CostVerdict::LowCost
            } else {
                CostVerdict::Run
            }
        }
        v => v,
    };
    let (params, estimate) = match verdict {
        CostVerdict::Run => (params, estimate),
        CostVerdict::LowCost => {
            l.sampler.tell(
                &params,
                TrialOutcome {
                    loss: None,
                    cost_secs: estimate,
                },
            );
            low?
        }
        CostVerdict::Skip => {
            l.sampler.tell(
                &params,
                TrialOutcome {
                    loss: None,
                    cost_secs: estimate,
                },
            );
            if judge < 0.04 * budget {
                // The budget is nearly spent: not a reason to leave.
            } else if !l.stats.best_loss.is_finite() && l.stats.trials == 0 {
                l.leave(format!(
                    "left out: a trial would take about {estimate:.1} s, more than its {judge:.1} s time cap"
                ));
            } else {
                l.repeats += 1;
                if l.repeats >= REPEATS {
                    l.leave(format!(
                        "left the run: its next configurations would take more than the {judge:.1} s time cap"
                    ));
                }
            }
            return None;
        }
    };
    Some((params, estimate))
}
