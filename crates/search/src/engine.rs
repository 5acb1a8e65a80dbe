//! The AutoML loop: validation folds, a cost-aware search across estimators within a time or
//! trial budget, successive halving on large data, ensembling, and the final refit.
//!
//! The loop, in order:
//!
//! 1. Encode the target; build the preprocessing plan; choose and build the validation folds.
//!    Preprocessing is fitted inside each fold (per model-family variant, cached).
//! 2. Give each candidate estimator its zero-shot starting points, cheapest estimators first.
//! 3. Then pick an estimator by its estimated cost of improvement (FLAML's ECI: the time it takes
//!    to improve, and, for estimators behind the leader, the time to close the gap at their rate
//!    so far), ask its sampler for a configuration (local search around its best, by default),
//!    and evaluate it on the folds. On large data a new configuration is first evaluated on a
//!    third of the training rows and promoted to all of them only if it ranks in the top third
//!    there (successive halving).
//! 4. Stop at the trial budget, or when the time left is what the final refit needs.
//! 5. Select an ensemble greedily on out-of-fold predictions; keep it only if it beats the best
//!    single model out of fold. Refit the chosen model(s) on all rows.
//!
//! Every trial runs on a worker thread; the loop waits for it no longer than the budget allows,
//! so a fit that ignores its deadline cannot break the time promise. With a trial budget and no
//! time budget, every decision uses trial counts instead of seconds, so the same seed gives the
//! same leaderboard (scores, parameters, order) bit for bit.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mlpilot_core::{
    CancelFlag, DataShape, Dataset, DatasetProfile, DynEstimator, DynModel, Error, ErrorKind,
    Features, FitContext, Frame, Metric, ParamSet, Predictions, ProgressEvent, ProgressSink,
    Registry, Result, Rng, Sampler, Task, TrialOutcome,
};
use mlpilot_prep::{
    FitTarget, FittedPipeline, PlanOptions, PreprocessPlan, TargetEncoding, Variant,
};
use serde::{Deserialize, Serialize};

use crate::ensemble::{Oof, caruana};
use crate::leaderboard::{LeaderboardRow, TrialStatus, sort_rows};
use crate::portfolio::{default_candidate, starting_points};
use crate::predictor::{Member, Predictor};
use crate::samplers::{GridSampler, LocalSearch, RandomSampler, TpeSampler};
use crate::validation::{Splits, Validation, make_splits};

/// Tables with at least this many rows count as large (boosted trees first).
const LARGE_ROWS: usize = 50_000;
/// Once a model exists, one trial may use at most this share of the time budget (at least 1 s).
const TRIAL_SHARE: f64 = 0.3;

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
    /// The validation scheme and why.
    pub validation: String,
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
}

struct FoldData {
    train: Dataset,
    valid_x: Features,
    valid_y: Vec<f64>,
    pipeline: FittedPipeline,
}

struct Learner {
    est: Arc<dyn DynEstimator>,
    id: String,
    variant: Variant,
    cost_hint: f64,
    sampler: Box<dyn Sampler>,
    trials: usize,
    best_loss: f64,
    first_loss: f64,
    spent: f64,
    spent_at_best: f64,
    last_cost: f64,
    failures: usize,
    disabled: Option<String>,
    exhausted: bool,
    /// Low-fidelity losses seen (successive halving).
    rung_losses: Vec<f64>,
    /// Configurations already evaluated, with their loss (proposals are not re-run).
    seen: Vec<(ParamSet, Option<f64>)>,
    /// Consecutive proposals that had been seen before.
    repeats: usize,
}

struct TrialOutput {
    fold_scores: Vec<f64>,
    oof: Vec<(usize, Vec<f64>)>,
    fit_secs: f64,
    predict_secs: f64,
    error: Option<Error>,
    first_model: Option<Box<dyn DynModel>>,
}

impl TrialOutput {
    fn empty() -> Self {
        TrialOutput {
            fold_scores: Vec::new(),
            oof: Vec::new(),
            fit_secs: 0.0,
            predict_secs: 0.0,
            error: None,
            first_model: None,
        }
    }
}

/// The metric value of a loss (`loss = −oriented(score)`).
fn score_of(metric: Metric, loss: f64) -> f64 {
    match metric.direction() {
        mlpilot_core::Direction::Maximize => -loss,
        mlpilot_core::Direction::Minimize => loss,
    }
}

struct Kept {
    oof: Oof,
    fallback: Option<(FittedPipeline, Box<dyn DynModel>)>,
    learner: usize,
    params: ParamSet,
    fit_secs_per_fold: f64,
    score: f64,
    std: f64,
}

fn matches_filter(info: &mlpilot_core::EstimatorInfo, filters: &[String]) -> bool {
    filters.iter().any(|f| {
        let f = f.trim().to_ascii_lowercase();
        f == "all"
            || f == info.id
            || info.id.split('.').next() == Some(f.as_str())
            || format!("{:?}", info.family).to_ascii_lowercase() == f
            || info.family.as_str().to_ascii_lowercase() == f
    })
}

fn score_fold(
    metric: Metric,
    y: &[f64],
    model: &dyn DynModel,
    x: &Features,
    n_classes: usize,
) -> Result<(f64, Vec<f64>)> {
    if n_classes > 0 {
        let proba = match model.predict_proba(x) {
            Ok(p) => p,
            Err(e) if e.kind() == ErrorKind::Unsupported => {
                mlpilot_core::Matrix::one_hot(&model.predict(x)?, n_classes)?
            }
            Err(e) => return Err(e),
        };
        let values = proba.as_slice().to_vec();
        let s = metric.score(y, &Predictions::from_proba(proba), n_classes)?;
        Ok((s, values))
    } else {
        let p = model.predict(x)?;
        let s = metric.score(y, &Predictions::values(p.clone()), 0)?;
        Ok((s, p))
    }
}

/// Evaluates one configuration on the given folds (runs on a worker thread).
fn run_trial(
    est: Arc<dyn DynEstimator>,
    params: ParamSet,
    folds: Vec<Arc<FoldData>>,
    metric: Metric,
    n_classes: usize,
    ctx: FitContext,
    keep_first: bool,
) -> TrialOutput {
    let mut out = TrialOutput::empty();
    for (i, f) in folds.iter().enumerate() {
        let t0 = Instant::now();
        let model = match est.fit_dyn(&f.train, &params, &ctx) {
            Ok(m) => m,
            Err(e) => {
                out.error = Some(e);
                return out;
            }
        };
        out.fit_secs += t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        match score_fold(metric, &f.valid_y, model.as_ref(), &f.valid_x, n_classes) {
            Ok((s, values)) => {
                out.fold_scores.push(s);
                out.oof.push((i, values));
            }
            Err(e) => {
                out.error = Some(e);
                return out;
            }
        }
        out.predict_secs += t1.elapsed().as_secs_f64();
        if i == 0 && keep_first {
            out.first_model = Some(model);
        }
    }
    out
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    (m, var.sqrt())
}

/// Runs the search on `frame` to predict `target`.
#[allow(clippy::too_many_arguments)]
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
    let deadline = config.time_budget.map(|b| start + b);
    let budget_secs = config.time_budget.map(|b| b.as_secs_f64());
    let timed = deadline.is_some();
    if !timed && config.max_trials.is_none() {
        return Err(Error::invalid_input(
            "give a time budget or a trial budget (or both)",
        ));
    }
    let task = config.task;
    if !config.metric.applies_to(task) {
        return Err(Error::invalid_input(format!(
            "metric {} does not apply to {task} tasks",
            config.metric
        )));
    }
    let report = |e: ProgressEvent| {
        if let Some(p) = &progress {
            p.event(&e);
        }
    };

    // 1. Target, plan, folds.
    let target_col = frame.require(target)?;
    let encoding = TargetEncoding::fit(target_col, task)?;
    let encoded = encoding.encode(target_col)?;
    let dropped_rows = encoded.n_missing;
    let frame = if dropped_rows > 0 {
        frame.take(&encoded.rows)?
    } else {
        frame.clone()
    };
    let y = encoded.y;
    let n = y.len();
    let n_classes = encoding.n_classes();
    if task.is_classification() {
        let mut counts = vec![0usize; n_classes];
        for v in &y {
            if let Some(c) = counts.get_mut(*v as usize) {
                *c += 1;
            }
        }
        if let Some((i, c)) = counts.iter().enumerate().find(|(_, c)| **c < 2) {
            return Err(Error::invalid_input(format!(
                "class `{}` of `{target}` has only {c} row(s); every class needs at least two to be validated",
                encoding.label(i).unwrap_or("?")
            ))
            .with_context("column", target));
        }
    }
    if n < 10 {
        return Err(Error::invalid_input(format!(
            "{n} rows with a target are too few to train and validate on"
        )));
    }
    let plan = PreprocessPlan::from_profile(profile, target, task, config.plan_options.clone())?;
    let classes: Option<Vec<usize>> = task
        .is_classification()
        .then(|| y.iter().map(|v| *v as usize).collect());
    let groups: Option<Vec<u64>> = match &config.group_column {
        Some(g) => {
            let col = frame.require(g)?;
            Some(
                (0..n)
                    .map(|i| {
                        use std::hash::{Hash, Hasher};
                        let mut h = std::collections::hash_map::DefaultHasher::new();
                        col.str_at(i).hash(&mut h);
                        h.finish()
                    })
                    .collect(),
            )
        }
        None => None,
    };
    let validation = match (&config.validation, classes.as_ref()) {
        // Stratified k-fold needs each class in each fold; fall back to fewer folds for rare
        // classes.
        (Validation::KFold { k }, Some(c)) | (Validation::Grouped { k }, Some(c)) => {
            let min_class = (0..n_classes)
                .map(|cl| c.iter().filter(|&&v| v == cl).count())
                .min()
                .unwrap_or(0);
            let k2 = (*k).min(min_class.max(2));
            match &config.validation {
                Validation::KFold { .. } => Validation::KFold { k: k2 },
                _ => Validation::Grouped { k: k2 },
            }
        }
        (v, _) => v.clone(),
    };
    let Splits {
        folds,
        scheme: _,
        reason: validation_reason,
    } = make_splits(
        &validation,
        n,
        classes.as_deref(),
        groups.as_deref(),
        budget_secs,
        config.seed,
    )?;
    let weights: Option<Vec<f64>> = (config.rebalance && task.is_classification()).then(|| {
        let mut counts = vec![0.0; n_classes];
        for v in &y {
            if let Some(c) = counts.get_mut(*v as usize) {
                *c += 1.0;
            }
        }
        y.iter()
            .map(|v| {
                n as f64
                    / (n_classes as f64
                        * counts.get(*v as usize).copied().unwrap_or(1.0_f64).max(1.0))
            })
            .collect()
    });
    let holdout = folds.len() == 1;
    let train_rows_per_fold = folds.first().map_or(n, |f| f.train.len());

    // 2. Candidates.
    let shape = DataShape {
        n_rows: n,
        n_features: plan.columns.len(),
        n_classes,
    };
    let has_text = plan
        .columns
        .iter()
        .any(|c| c.kind == mlpilot_core::ColumnKind::Text);
    let mut learners: Vec<Learner> = Vec::new();
    for est in registry.for_task(task) {
        let info = est.info();
        let chosen = match &config.estimators {
            Some(f) => matches_filter(&info, f),
            None => default_candidate(&info, shape, budget_secs, has_text),
        };
        if !chosen {
            continue;
        }
        let variant = Variant::for_estimator(&info);
        let space = est.search_space(
            task,
            DataShape {
                n_rows: train_rows_per_fold,
                ..shape
            },
        );
        let seed = config.seed ^ Rng::stream(config.seed, learners.len() as u64).next_u64();
        let sampler: Box<dyn Sampler> = match config.sampler {
            SamplerKind::Local => Box::new(LocalSearch::new(
                space.clone(),
                seed,
                starting_points(&info.id, task, shape, &space),
            )),
            SamplerKind::Tpe => Box::new(TpeSampler::new(space, seed)),
            SamplerKind::Random => Box::new(RandomSampler::new(space, seed)),
            SamplerKind::Grid => Box::new(GridSampler::new(&space, 4, 1000)),
        };
        learners.push(Learner {
            est,
            id: info.id.clone(),
            variant,
            cost_hint: info.cost_hint,
            sampler,
            trials: 0,
            best_loss: f64::INFINITY,
            first_loss: f64::INFINITY,
            spent: 0.0,
            spent_at_best: 0.0,
            last_cost: 0.0,
            failures: 0,
            disabled: None,
            exhausted: false,
            rung_losses: Vec::new(),
            seen: Vec::new(),
            repeats: 0,
        });
    }
    if learners.is_empty() {
        return Err(Error::invalid_input(format!(
            "no estimator fits this {task} task with the chosen backends ({}); available: {}",
            config
                .estimators
                .as_ref()
                .map_or_else(|| "defaults".to_string(), |e| e.join(", ")),
            registry
                .for_task(task)
                .iter()
                .map(|e| e.info().id)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // Cheapest first, so that every family gets a first score quickly — except on large
    // tables, where boosted trees go first: they are the strongest family there, and a slow
    // first family could take the whole budget.
    let large = n >= LARGE_ROWS;
    let first = |id: &str| !(large && id == "gbdt.hist_gbm");
    learners.sort_by(|a, b| {
        first(&a.id)
            .cmp(&first(&b.id))
            .then(a.cost_hint.total_cmp(&b.cost_hint))
            .then(a.id.cmp(&b.id))
    });

    // Successive halving on large training folds: rungs of a ninth and a third of the rows.
    let asha = holdout && train_rows_per_fold >= 40_000;
    let rung_sizes: Vec<usize> = if asha {
        vec![train_rows_per_fold / 3]
    } else {
        Vec::new()
    };

    let mut cache: HashMap<(usize, Variant, usize), Arc<FoldData>> = HashMap::new();
    let mut prep_secs = 0.0;
    let mut build_fold = |fold: usize,
                          variant: Variant,
                          rows: usize,
                          cache: &mut HashMap<(usize, Variant, usize), Arc<FoldData>>|
     -> Result<Arc<FoldData>> {
        if let Some(f) = cache.get(&(fold, variant, rows)) {
            return Ok(f.clone());
        }
        let t0 = Instant::now();
        let f = folds
            .get(fold)
            .ok_or_else(|| Error::internal("fold index out of range"))?;
        // A lower fidelity uses the first `rows` training rows of a seeded shuffle.
        let train_rows: Vec<usize> = if rows < f.train.len() {
            let mut r = f.train.clone();
            Rng::new(config.seed ^ 0xa5ba).shuffle(&mut r);
            let mut r: Vec<usize> = r.into_iter().take(rows).collect();
            r.sort_unstable();
            r
        } else {
            f.train.clone()
        };
        let tr = frame.take(&train_rows)?;
        let ytr: Vec<f64> = train_rows
            .iter()
            .filter_map(|&i| y.get(i).copied())
            .collect();
        let (pipeline, xtr) =
            plan.fit(&tr, FitTarget { y: &ytr, n_classes }, variant, config.seed)?;
        let va = frame.take(&f.valid)?;
        let valid_x = pipeline.transform(&va)?.features;
        let valid_y: Vec<f64> = f.valid.iter().filter_map(|&i| y.get(i).copied()).collect();
        let mut train = if task.is_classification() {
            Dataset::classification(xtr, ytr, n_classes)?
        } else {
            Dataset::regression(xtr, ytr)?
        }
        .with_features(pipeline.feature_infos())?;
        if let Some(w) = &weights {
            train = train.with_weights(
                train_rows
                    .iter()
                    .map(|&i| w.get(i).copied().unwrap_or(1.0))
                    .collect(),
            )?;
        }
        let data = Arc::new(FoldData {
            train,
            valid_x,
            valid_y,
            pipeline,
        });
        cache.insert((fold, variant, rows), data.clone());
        prep_secs += t0.elapsed().as_secs_f64();
        Ok(data)
    };

    // 3. The loop.
    let mut rng = Rng::new(config.seed ^ 0x5e1ec7);
    let mut leaderboard: Vec<LeaderboardRow> = Vec::new();
    let mut kept: Vec<(usize, Kept)> = Vec::new(); // (trial number, data) of the best trials
    let mut best: Option<(f64, usize)> = None; // (loss, trial)
    let mut trial_no = 0usize;
    let stopped;
    let threads = config.threads.max(1);
    let reserve = |kept: &Vec<(usize, Kept)>, best: Option<(f64, usize)>| -> f64 {
        // Time for the final refit of the best model (its fit time per fold scaled to all
        // rows), plus a margin.
        let refit = best
            .and_then(|(_, t)| kept.iter().find(|(k, _)| *k == t))
            .map_or(0.0, |(_, k)| {
                k.fit_secs_per_fold * n as f64 / train_rows_per_fold.max(1) as f64
            });
        refit * 1.25 + budget_secs.map_or(0.0, |b| (0.03 * b).max(0.3))
    };
    loop {
        if cancel.is_cancelled() {
            stopped = "cancelled".to_string();
            break;
        }
        if config.max_trials.is_some_and(|m| trial_no >= m) {
            stopped = format!("reached {trial_no} trials");
            break;
        }
        let search_deadline = deadline.map(|d| {
            d.checked_sub(Duration::from_secs_f64(reserve(&kept, best)))
                .unwrap_or(d)
        });
        if search_deadline.is_some_and(|d| Instant::now() >= d) {
            stopped = format!(
                "time budget: {:.1} s left for the final fit",
                deadline.map_or(0.0, |d| d
                    .saturating_duration_since(Instant::now())
                    .as_secs_f64())
            );
            break;
        }
        // Propose a batch.
        let mut batch: Vec<(usize, ParamSet)> = Vec::new();
        let size = if threads > 1 {
            threads.min(config.max_trials.map_or(usize::MAX, |m| m - trial_no))
        } else {
            1
        };
        for _ in 0..size {
            let Some(li) = choose_learner(&learners, best.map(|b| b.0), timed, &mut rng) else {
                break;
            };
            let Some(l) = learners.get_mut(li) else { break };
            match l.sampler.ask() {
                Ok(Some(p)) => {
                    // A configuration evaluated before is answered from memory, not re-run.
                    if let Some((_, loss)) = l.seen.iter().find(|(q, _)| *q == p) {
                        let loss = *loss;
                        l.sampler.tell(
                            &p,
                            TrialOutcome {
                                loss,
                                cost_secs: 0.0,
                            },
                        );
                        l.repeats += 1;
                        if l.repeats >= 25 {
                            l.exhausted = true;
                        }
                        continue;
                    }
                    if batch.iter().any(|(bi, bp)| *bi == li && *bp == p) {
                        continue;
                    }
                    l.repeats = 0;
                    batch.push((li, p));
                }
                Ok(None) => l.exhausted = true,
                Err(e) => l.disabled = Some(e.to_string()),
            }
        }
        if batch.is_empty() {
            if learners.iter().all(|l| l.disabled.is_some() || l.exhausted) {
                stopped = "every estimator's search space is exhausted or failed".to_string();
                break;
            }
            continue;
        }
        // Prepare data (main thread), then run the trials on workers.
        let mut jobs = Vec::new();
        for (li, params) in batch {
            trial_no += 1;
            let Some(l) = learners.get(li) else { continue };
            let mut rung_plan: Vec<usize> = Vec::new();
            if asha && l.trials > 0 {
                rung_plan.extend(rung_sizes.iter().copied());
            }
            rung_plan.push(train_rows_per_fold);
            jobs.push((trial_no, li, params, rung_plan));
        }
        // One trial may not take the whole budget once a model exists: a slow configuration is
        // stopped after a share of the budget so that the search goes on.
        let trial_deadline = match (search_deadline.or(deadline), budget_secs) {
            (Some(d), Some(b)) if best.is_some() => {
                let cap = Instant::now() + Duration::from_secs_f64((TRIAL_SHARE * b).max(1.0));
                Some(d.min(cap))
            }
            (d, _) => d,
        };
        let mut flags: Vec<CancelFlag> = Vec::new();
        let (tx, rx) = mpsc::channel();
        let mut pending = 0;
        for (job_index, (_, li, params, rungs)) in jobs.iter().enumerate() {
            let Some(l) = learners.get(*li) else { continue };
            let mut fold_sets = Vec::new();
            for &rows in rungs {
                let mut fs = Vec::new();
                for fi in 0..folds.len() {
                    fs.push(build_fold(fi, l.variant, rows, &mut cache)?);
                }
                fold_sets.push((rows, fs));
            }
            let est = l.est.clone();
            let params = params.clone();
            let tx = tx.clone();
            let trial_cancel = CancelFlag::new();
            let ctx = FitContext::new(config.seed)
                .with_deadline(trial_deadline)
                .with_threads(if threads > 1 && jobs.len() > 1 {
                    1
                } else {
                    threads
                })
                .with_cancel(trial_cancel.clone());
            let metric = config.metric;
            let prior = l.rung_losses.clone();
            pending += 1;
            std::thread::spawn(move || {
                // Successive halving: stop at a rung unless the configuration ranks in the top
                // third of those evaluated there.
                let last = fold_sets.len().saturating_sub(1);
                for (ri, (rows, fs)) in fold_sets.into_iter().enumerate() {
                    let out = run_trial(
                        est.clone(),
                        params.clone(),
                        fs,
                        metric,
                        n_classes,
                        ctx.clone(),
                        ri == last,
                    );
                    if ri < last && out.error.is_none() {
                        let (m, _) = mean_std(&out.fold_scores);
                        let loss = -metric.oriented(m);
                        let mut all = prior.clone();
                        all.push(loss);
                        all.sort_by(f64::total_cmp);
                        let cut = all
                            .get((all.len() / 3).max(1).min(all.len().saturating_sub(1)))
                            .copied()
                            .unwrap_or(f64::INFINITY);
                        if all.len() >= 3 && loss > cut {
                            let _ = tx.send((job_index, Some(loss), rows, out, true));
                            return;
                        }
                        let _ = tx.send((
                            job_index,
                            Some(loss),
                            rows,
                            TrialOutput {
                                fit_secs: out.fit_secs,
                                predict_secs: out.predict_secs,
                                ..TrialOutput::empty()
                            },
                            false,
                        ));
                        continue;
                    }
                    let _ = tx.send((job_index, None, rows, out, false));
                }
            });
            // A cancel flag per trial, set if the trial outlives the budget.
            flags.push(trial_cancel);
        }
        drop(tx);
        // Collect: a trial sends one message per rung it ran; the last one settles it.
        let mut outputs: HashMap<usize, (Vec<f64>, usize, TrialOutput, bool)> = HashMap::new();
        let mut settled: std::collections::HashSet<usize> = std::collections::HashSet::new();
        let wait_until = trial_deadline
            .or(deadline)
            .map(|d| d + Duration::from_millis(50));
        while settled.len() < pending {
            let msg = match wait_until {
                Some(w) => rx
                    .recv_timeout(w.saturating_duration_since(Instant::now()))
                    .ok(),
                None => rx.recv().ok(),
            };
            let Some((job_index, rung_loss, rows, out, pruned)) = msg else {
                break;
            };
            let entry = outputs
                .entry(job_index)
                .or_insert_with(|| (Vec::new(), rows, TrialOutput::empty(), false));
            entry.2.fit_secs += out.fit_secs;
            entry.2.predict_secs += out.predict_secs;
            entry.1 = rows;
            if let Some(l) = rung_loss {
                entry.0.push(l);
            }
            if rung_loss.is_none() || pruned {
                entry.2.fold_scores = out.fold_scores;
                entry.2.oof = out.oof;
                entry.2.error = out.error;
                entry.2.first_model = out.first_model;
                entry.3 = pruned;
                settled.insert(job_index);
            }
        }
        // Trials still running at the end of the budget are abandoned: their cancel flag asks
        // cooperative fits to stop; the result, if any, is ignored.
        for (job_index, flag) in flags.iter().enumerate() {
            if !settled.contains(&job_index) {
                flag.cancel();
                outputs.remove(&job_index);
            }
        }
        // Process in proposal order (deterministic).
        for (job_index, (tn, li, params, _)) in jobs.into_iter().enumerate() {
            let Some(l) = learners.get_mut(li) else {
                continue;
            };
            let (rung_losses, rows, out, pruned) = match outputs.remove(&job_index) {
                Some(o) => o,
                None => {
                    leaderboard.push(LeaderboardRow {
                        trial: tn,
                        model: l.id.clone(),
                        params: params.clone(),
                        score: None,
                        std: 0.0,
                        folds: 0,
                        fit_secs: 0.0,
                        predict_secs: 0.0,
                        rows: train_rows_per_fold,
                        status: TrialStatus::Timeout,
                        error: Some("still running at the end of the time budget".into()),
                    });
                    l.sampler.tell(
                        &params,
                        TrialOutcome {
                            loss: None,
                            cost_secs: 0.0,
                        },
                    );
                    continue;
                }
            };
            let cost = if timed {
                out.fit_secs + out.predict_secs
            } else {
                1.0
            };
            l.trials += 1;
            l.spent += cost;
            l.last_cost = cost;
            l.rung_losses.extend(rung_losses.iter().copied());
            let complete = out.error.is_none() && !pruned && out.fold_scores.len() == folds.len();
            let (mean, std) = mean_std(&out.fold_scores);
            let status = if let Some(e) = &out.error {
                if e.kind() == ErrorKind::Timeout || e.kind() == ErrorKind::Cancelled {
                    TrialStatus::Timeout
                } else {
                    TrialStatus::Failed
                }
            } else if pruned {
                TrialStatus::Pruned
            } else {
                TrialStatus::Ok
            };
            leaderboard.push(LeaderboardRow {
                trial: tn,
                model: l.id.clone(),
                params: params.clone(),
                score: if complete {
                    Some(mean)
                } else if pruned {
                    rung_losses.last().map(|l| score_of(config.metric, *l))
                } else {
                    None
                },
                std,
                folds: out.fold_scores.len(),
                fit_secs: out.fit_secs,
                predict_secs: out.predict_secs,
                rows,
                status: status.clone(),
                error: out.error.as_ref().map(ToString::to_string),
            });
            let seen_loss = if out.error.is_some() {
                None
            } else if complete {
                Some(-config.metric.oriented(mean))
            } else {
                rung_losses.last().copied()
            };
            l.seen.push((params.clone(), seen_loss));
            if let Some(e) = &out.error {
                l.failures += 1;
                l.sampler.tell(
                    &params,
                    TrialOutcome {
                        loss: None,
                        cost_secs: cost,
                    },
                );
                let fatal = l.trials == 1
                    && matches!(
                        e.kind(),
                        ErrorKind::InvalidInput | ErrorKind::Unsupported | ErrorKind::Budget
                    );
                if fatal || l.failures >= 3 {
                    l.disabled = Some(e.to_string());
                }
                continue;
            }
            let loss = if complete {
                -config.metric.oriented(mean)
            } else {
                rung_losses.last().copied().unwrap_or(f64::INFINITY)
            };
            l.sampler.tell(
                &params,
                TrialOutcome {
                    loss: Some(loss),
                    cost_secs: cost,
                },
            );
            if !complete {
                continue;
            }
            l.failures = 0;
            if l.first_loss.is_infinite() {
                l.first_loss = loss;
            }
            if loss < l.best_loss {
                l.best_loss = loss;
                l.spent_at_best = l.spent;
            }
            // Keep out-of-fold predictions (and a fallback model) for the best trials.
            let outputs_per_row = if n_classes > 0 { n_classes } else { 1 };
            let mut oof = vec![f64::NAN; n * outputs_per_row];
            for (fi, values) in &out.oof {
                if let Some(f) = folds.get(*fi) {
                    for (j, &r) in f.valid.iter().enumerate() {
                        if let (Some(dst), Some(src)) = (
                            oof.get_mut(r * outputs_per_row..(r + 1) * outputs_per_row),
                            values.get(j * outputs_per_row..(j + 1) * outputs_per_row),
                        ) {
                            dst.copy_from_slice(src);
                        }
                    }
                }
            }
            let fallback = match (
                out.first_model,
                cache.get(&(0, l.variant, train_rows_per_fold)),
            ) {
                (Some(m), Some(fd)) => Some((fd.pipeline.clone(), m)),
                _ => None,
            };
            kept.push((
                tn,
                Kept {
                    oof: Oof {
                        values: oof,
                        outputs: outputs_per_row,
                    },
                    fallback,
                    learner: li,
                    params: params.clone(),
                    fit_secs_per_fold: out.fit_secs / folds.len().max(1) as f64,
                    score: mean,
                    std,
                },
            ));
            kept.sort_by(|a, b| {
                config
                    .metric
                    .oriented(b.1.score)
                    .total_cmp(&config.metric.oriented(a.1.score))
                    .then(a.0.cmp(&b.0))
            });
            kept.truncate(20);
            if best.is_none_or(|(b, _)| loss < b) {
                best = Some((loss, tn));
            }
            report(ProgressEvent::Trial {
                done: trial_no,
                estimator: l.id.clone(),
                score: Some(mean),
                best: best.map(|(b, _)| score_of(config.metric, b)),
                seconds_left: deadline
                    .map(|d| d.saturating_duration_since(Instant::now()).as_secs_f64()),
            });
        }
    }
    let search_secs = start.elapsed().as_secs_f64();

    // 4. Ensemble and refit.
    let Some((_, best_trial)) = best else {
        let errors: Vec<String> = leaderboard
            .iter()
            .filter_map(|r| r.error.clone().map(|e| format!("{}: {e}", r.model)))
            .take(5)
            .collect();
        return Err(Error::new(
            ErrorKind::Budget,
            format!(
                "no model finished validation ({stopped}); {}",
                if errors.is_empty() {
                    "raise the time budget".to_string()
                } else {
                    errors.join("; ")
                }
            ),
        ));
    };
    let t_refit = Instant::now();
    let metric = config.metric;
    let mut members_plan: Vec<(usize, f64)> = kept
        .iter()
        .position(|(t, _)| *t == best_trial)
        .map(|i| vec![(i, 1.0)])
        .unwrap_or_default();
    let mut chosen_score = kept
        .iter()
        .find(|(t, _)| *t == best_trial)
        .map_or(f64::NAN, |(_, k)| k.score);
    let mut chosen_std = kept
        .iter()
        .find(|(t, _)| *t == best_trial)
        .map_or(0.0, |(_, k)| k.std);
    let mut ensemble_row = None;
    if config.ensemble && kept.len() >= 2 {
        let cands: Vec<Oof> = kept.iter().map(|(_, k)| k.oof.clone()).collect();
        let fold_rows: Vec<Vec<usize>> = folds.iter().map(|f| f.valid.clone()).collect();
        if let Some(sel) = caruana(&cands, &y, &fold_rows, metric, n_classes, 25)?
            && sel.weights.len() > 1
            && metric.better(sel.score, sel.best_single)
            && (metric.oriented(sel.score) - metric.oriented(sel.best_single))
                > 1e-4 * metric.oriented(sel.best_single).abs().max(1e-3)
        {
            members_plan = sel.weights.clone();
            chosen_score = sel.score;
            // Spread of the ensemble's per-fold scores.
            let outputs_per_row = if n_classes > 0 { n_classes } else { 1 };
            let mut blend = vec![0.0; n * outputs_per_row];
            for (ci, w) in &sel.weights {
                if let Some(c) = cands.get(*ci) {
                    for (b, v) in blend.iter_mut().zip(&c.values) {
                        *b += w * v;
                    }
                }
            }
            let fold_scores: Vec<f64> = fold_rows
                .iter()
                .filter_map(|rows| {
                    crate::ensemble::score_outputs(
                        &blend,
                        outputs_per_row,
                        &y,
                        rows,
                        metric,
                        n_classes,
                    )
                    .ok()
                })
                .collect();
            chosen_std = mean_std(&fold_scores).1;
            ensemble_row = Some(LeaderboardRow {
                trial: 0,
                model: "ensemble".into(),
                params: ParamSet::new().with(
                    "members",
                    sel.weights
                        .iter()
                        .filter_map(|(i, w)| {
                            kept.get(*i).map(|(t, _)| format!("trial {t} ×{w:.2}"))
                        })
                        .collect::<Vec<_>>()
                        .join(" + ")
                        .as_str(),
                ),
                score: Some(sel.score),
                std: chosen_std,
                folds: folds.len(),
                fit_secs: 0.0,
                predict_secs: 0.0,
                rows: n,
                status: TrialStatus::Ok,
                error: None,
            });
        }
    }
    // Refit each member on all rows while time allows; otherwise keep its validation-fold model.
    members_plan.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut members: Vec<Member> = Vec::new();
    let mut refitted = true;
    for (ki, w) in &members_plan {
        let Some((_, k)) = kept.get(*ki) else {
            continue;
        };
        let (params, learner) = (k.params.clone(), k.learner);
        let Some(l) = learners.get(learner) else {
            continue;
        };
        let estimate =
            k.fit_secs_per_fold * n as f64 / train_rows_per_fold.max(1) as f64 * 1.2 + 0.05;
        let time_left = deadline.map(|d| d.saturating_duration_since(Instant::now()).as_secs_f64());
        let refit = if time_left.is_none_or(|t| t > estimate) {
            let ctx = FitContext::new(config.seed)
                .with_deadline(deadline)
                .with_threads(threads);
            (|| -> Result<(FittedPipeline, Box<dyn DynModel>)> {
                let (pipeline, x) = plan.fit(
                    &frame,
                    FitTarget { y: &y, n_classes },
                    l.variant,
                    config.seed,
                )?;
                let mut data = if task.is_classification() {
                    Dataset::classification(x, y.clone(), n_classes)?
                } else {
                    Dataset::regression(x, y.clone())?
                }
                .with_features(pipeline.feature_infos())?;
                if let Some(w) = &weights {
                    data = data.with_weights(w.clone())?;
                }
                let model = l.est.fit_dyn(&data, &params, &ctx)?;
                Ok((pipeline, model))
            })()
            .ok()
        } else {
            None
        };
        let (pipeline, model) = match refit {
            Some(pm) => pm,
            None => {
                refitted = false;
                match kept.get_mut(*ki).and_then(|(_, k)| k.fallback.take()) {
                    Some(pm) => pm,
                    None => continue,
                }
            }
        };
        members.push(Member {
            weight: *w,
            estimator: l.id.clone(),
            params,
            pipeline,
            model,
        });
        if deadline.is_some_and(|d| Instant::now() >= d) && !members.is_empty() {
            break;
        }
    }
    if members.is_empty() {
        return Err(Error::new(
            ErrorKind::Budget,
            "the time budget ran out before the final model could be fitted; raise it",
        ));
    }
    if members.len() < members_plan.len() {
        // Some ensemble members were dropped for time: renormalise.
        let total: f64 = members.iter().map(|m| m.weight).sum();
        members
            .iter_mut()
            .for_each(|m| m.weight /= total.max(1e-12));
        if members.len() == 1 {
            ensemble_row = None;
        }
    }
    // Out-of-fold predictions of the final choice.
    let outputs_per_row = if n_classes > 0 { n_classes } else { 1 };
    let mut blended = vec![0.0; n * outputs_per_row];
    let mut wsum = 0.0;
    for (ki, w) in &members_plan {
        if let Some((_, k)) = kept.get(*ki) {
            for (b, v) in blended.iter_mut().zip(&k.oof.values) {
                *b += w * v;
            }
            wsum += w;
        }
    }
    let valid_rows: Vec<usize> = (0..n)
        .filter(|&r| {
            blended
                .get(r * outputs_per_row)
                .is_some_and(|v| v.is_finite())
        })
        .collect();
    let validation_targets: Vec<f64> = valid_rows
        .iter()
        .filter_map(|&r| y.get(r).copied())
        .collect();
    let vals: Vec<f64> = valid_rows
        .iter()
        .flat_map(|&r| {
            blended
                .get(r * outputs_per_row..(r + 1) * outputs_per_row)
                .unwrap_or(&[])
                .iter()
                .map(|v| v / wsum.max(1e-12))
        })
        .collect();
    let validation_predictions = if n_classes > 0 {
        Predictions::from_proba(mlpilot_core::Matrix::new(
            valid_rows.len(),
            n_classes,
            vals,
        )?)
    } else {
        Predictions::values(vals)
    };
    let baseline_score = baseline(&validation_targets, n_classes, metric);
    if let Some(row) = ensemble_row {
        leaderboard.push(row);
    }
    sort_rows(&mut leaderboard, metric);
    let refit_secs = t_refit.elapsed().as_secs_f64();
    Ok(SearchResult {
        predictor: Predictor {
            task,
            target: target.to_string(),
            encoding,
            members,
        },
        leaderboard,
        score: chosen_score,
        score_std: chosen_std,
        metric,
        plan,
        validation: validation_reason,
        trials: trial_no,
        stopped,
        refitted,
        timings: Timings {
            total_secs: start.elapsed().as_secs_f64(),
            prep_secs,
            search_secs,
            refit_secs,
        },
        validation_predictions,
        validation_targets,
        baseline_score,
        n_rows: n,
        dropped_rows,
    })
}

/// The score of a constant prediction (the most frequent class, or the mean).
fn baseline(y: &[f64], n_classes: usize, metric: Metric) -> Option<f64> {
    if y.is_empty() {
        return None;
    }
    if n_classes > 0 {
        let mut counts = vec![0.0; n_classes];
        for v in y {
            if let Some(c) = counts.get_mut(*v as usize) {
                *c += 1.0;
            }
        }
        let total: f64 = counts.iter().sum();
        let prior: Vec<f64> = counts.iter().map(|c| c / total).collect();
        let proba = mlpilot_core::Matrix::new(
            y.len(),
            n_classes,
            y.iter().flat_map(|_| prior.iter().copied()).collect(),
        )
        .ok()?;
        metric
            .score(y, &Predictions::from_proba(proba), n_classes)
            .ok()
    } else {
        let m = y.iter().sum::<f64>() / y.len() as f64;
        metric
            .score(y, &Predictions::values(vec![m; y.len()]), 0)
            .ok()
    }
}

/// Picks the next estimator: untried ones first (cheapest first), then by estimated cost of
/// improvement, sampled with probability inversely proportional to it.
fn choose_learner(
    learners: &[Learner],
    global_best: Option<f64>,
    timed: bool,
    rng: &mut Rng,
) -> Option<usize> {
    let live: Vec<usize> = (0..learners.len())
        .filter(|&i| {
            learners
                .get(i)
                .is_some_and(|l| l.disabled.is_none() && !l.exhausted)
        })
        .collect();
    if let Some(&i) = live
        .iter()
        .find(|&&i| learners.get(i).is_some_and(|l| l.trials == 0))
    {
        return Some(i);
    }
    let gb = global_best.unwrap_or(f64::INFINITY);
    let eci: Vec<f64> = live
        .iter()
        .map(|&i| {
            let Some(l) = learners.get(i) else {
                return f64::INFINITY;
            };
            let unit = if timed { l.last_cost.max(1e-3) } else { 1.0 };
            let eci1 = (l.spent - l.spent_at_best).max(unit);
            if l.best_loss.is_finite() && gb.is_finite() && l.best_loss > gb {
                let gained = (l.first_loss - l.best_loss).max(0.0);
                let rate = gained / l.spent.max(unit);
                let gap = l.best_loss - gb;
                let eci2 = if rate > 0.0 { gap / rate } else { 50.0 * eci1 };
                eci1.max(eci2.min(100.0 * eci1))
            } else if !l.best_loss.is_finite() {
                // Never finished a trial: try rarely.
                20.0 * eci1
            } else {
                eci1
            }
        })
        .collect();
    let weights: Vec<f64> = eci
        .iter()
        .map(|e| {
            if e.is_finite() && *e > 0.0 {
                1.0 / e
            } else {
                0.0
            }
        })
        .collect();
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return live.first().copied();
    }
    let mut r = rng.uniform() * total;
    for (&i, w) in live.iter().zip(&weights) {
        r -= w;
        if r <= 0.0 {
            return Some(i);
        }
    }
    live.last().copied()
}
