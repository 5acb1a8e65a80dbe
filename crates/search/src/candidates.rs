//! The candidates of a search: which registered estimators take part, in which order, with
//! which sampler and starting points — decided from what each estimator says of itself
//! ([`mlpilot_core::EstimatorInfo`]), never from its name.

use std::collections::VecDeque;
use std::sync::Arc;

use mlpilot_core::{
    ColumnKind, CostModel, DataShape, DynEstimator, Error, EstimatorInfo, ParamSet, Registry,
    Result, Rng, Sampler, SearchSpace, Task,
};
use mlpilot_prep::Variant;

use crate::engine::{SamplerKind, SearchConfig};
use crate::prepare::Prepared;
use crate::samplers::{GridSampler, LocalSearch, RandomSampler, TpeSampler};
use crate::scheduler::LearnerStats;

/// One estimator taking part in the search, with its sampler and what was measured of it.
pub(crate) struct Learner {
    /// The estimator.
    pub(crate) est: Arc<dyn DynEstimator>,
    /// Its info.
    pub(crate) info: EstimatorInfo,
    /// How preprocessing encodes inputs for it.
    pub(crate) variant: Variant,
    /// Its search space for a training fold.
    pub(crate) space: SearchSpace,
    /// Proposes configurations.
    pub(crate) sampler: Box<dyn Sampler>,
    /// Measured costs and losses (what the scheduler reads).
    pub(crate) stats: LearnerStats,
    /// Configurations to run before asking the sampler (a low-cost fallback).
    pub(crate) queued: VecDeque<ParamSet>,
    /// Its low-cost configuration, validated, until it has been tried.
    pub(crate) low_cost: Option<ParamSet>,
    /// Measured seconds over estimated seconds, from its own trials (`None` before the first).
    pub(crate) calibration: Option<f64>,
    /// Trials stopped by their time cap.
    pub(crate) cap_hits: usize,
    /// Failed trials in a row.
    pub(crate) failures: usize,
    /// Consecutive proposals already evaluated or too costly.
    pub(crate) repeats: usize,
    /// Configurations evaluated, with their loss (proposals are not re-run).
    pub(crate) seen: Vec<(ParamSet, Option<f64>)>,
    /// Why it left the run.
    pub(crate) left: Option<String>,
}

impl Learner {
    /// The estimator's id.
    pub(crate) fn id(&self) -> &str {
        &self.info.id
    }

    /// Takes it out of the run with a reason.
    pub(crate) fn leave(&mut self, why: String) {
        tracing::info!(estimator = %self.info.id, "{why}");
        self.stats.live = false;
        self.left.get_or_insert(why);
    }

    /// Estimated seconds of one trial of `params`: a fit and a prediction per fold, scaled by
    /// what was measured (its own trials, or the run's other estimators before its first).
    pub(crate) fn estimate_secs(
        &self,
        params: &ParamSet,
        fold: DataShape,
        valid_rows: usize,
        folds: usize,
        run_calibration: f64,
    ) -> f64 {
        let cost: &CostModel = &self.info.cost;
        let one = cost.fit_secs(fold, params) + cost.predict_secs(fold, valid_rows, params);
        one * folds as f64 * self.calibration.unwrap_or(run_calibration)
    }
}

/// Something left out of the search before it started, and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LeftOut {
    /// The estimator id.
    pub(crate) id: String,
    /// Why, in words.
    pub(crate) why: String,
}

/// Builds the learners for `prep` in scheduling order — lead estimators first, then by
/// estimated cost of a default trial, then by id — and lists the default candidates left out
/// for memory.
///
/// # Errors
///
/// `InvalidInput` when no registered estimator fits the task with the chosen filters.
pub(crate) fn build(
    registry: &Registry,
    config: &SearchConfig,
    prep: &Prepared,
) -> Result<(Vec<Learner>, Vec<LeftOut>)> {
    let task = config.task;
    let n = prep.n_rows();
    let shape = DataShape {
        n_rows: n,
        n_features: prep.plan.columns.len(),
        n_classes: prep.n_classes,
    };
    let fold_shape = DataShape {
        n_rows: prep.train_rows_per_fold(),
        ..shape
    };
    let text = prep.plan.columns.iter().any(|c| c.kind == ColumnKind::Text);
    let budget_secs = config.time_budget.map(|b| b.as_secs_f64());
    let mut learners = Vec::new();
    let mut left_out = Vec::new();
    for est in registry.for_task(task) {
        let info = est.info();
        let chosen = match &config.estimators {
            Some(f) => matches_filter(&info, f),
            None => info
                .defaults
                .admits(shape, text, budget_secs, info.capabilities.deterministic)
                .is_ok(),
        };
        if !chosen {
            continue;
        }
        if config.exportable_only && !info.capabilities.exportable {
            left_out.push(LeftOut {
                id: info.id.clone(),
                why: "left out: its models cannot be exported to ONNX".to_string(),
            });
            continue;
        }
        if let Some(limit) = config.memory_limit {
            let need = info.cost.memory_bytes(fold_shape);
            if need > limit {
                left_out.push(LeftOut {
                    id: info.id.clone(),
                    why: format!(
                        "left out: a fit needs about {} MB, over the memory limit of {} MB",
                        need >> 20,
                        limit >> 20
                    ),
                });
                continue;
            }
        }
        learners.push(learner(est, info, task, fold_shape, config, learners.len()));
    }
    if learners.is_empty() {
        let why = if left_out.is_empty() {
            String::new()
        } else {
            format!(
                "; left out: {}",
                left_out
                    .iter()
                    .map(|l| l.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(Error::invalid_input(format!(
            "no estimator fits this {task} task with the chosen backends ({}){why}; available: {}",
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
    let folds = prep.folds.len().max(1);
    let valid_rows = prep.folds.first().map_or(0, |f| f.valid.len());
    let first_cost = |l: &Learner| {
        let p = l
            .queued
            .front()
            .cloned()
            .unwrap_or_else(|| l.space.defaults());
        l.estimate_secs(&p, fold_shape, valid_rows, folds, 1.0)
    };
    learners.sort_by(|a, b| {
        b.info
            .defaults
            .lead
            .cmp(&a.info.defaults.lead)
            .then(first_cost(a).total_cmp(&first_cost(b)))
            .then(a.info.id.cmp(&b.info.id))
    });
    Ok((learners, left_out))
}

fn learner(
    est: Arc<dyn DynEstimator>,
    info: EstimatorInfo,
    task: Task,
    fold_shape: DataShape,
    config: &SearchConfig,
    index: usize,
) -> Learner {
    let variant = Variant::for_estimator(&info);
    let space = est.search_space(task, fold_shape);
    let seed = config.seed ^ Rng::stream(config.seed, index as u64).next_u64();
    let starts = starting_points(est.as_ref(), task, fold_shape, &space);
    let sampler: Box<dyn Sampler> = match config.sampler {
        SamplerKind::Local => Box::new(LocalSearch::new(space.clone(), seed, starts)),
        SamplerKind::Tpe => Box::new(TpeSampler::new(space.clone(), seed)),
        SamplerKind::Random => Box::new(RandomSampler::new(space.clone(), seed)),
        SamplerKind::Grid => Box::new(GridSampler::new(&space, 4, 1000)),
    };
    let low_cost = est
        .low_cost_point(task, fold_shape)
        .and_then(|p| space.validate(&p).ok());
    Learner {
        est,
        info,
        variant,
        space,
        sampler,
        stats: LearnerStats::new(),
        queued: VecDeque::new(),
        low_cost,
        calibration: None,
        cap_hits: 0,
        failures: 0,
        repeats: 0,
        seen: Vec::new(),
        left: None,
    }
}

/// The configurations a local search starts from: the space's defaults, then the estimator's
/// starting points — or the estimator's own order when its list includes the defaults. Names
/// the space does not have are dropped; duplicates are removed.
pub(crate) fn starting_points(
    est: &dyn DynEstimator,
    task: Task,
    shape: DataShape,
    space: &SearchSpace,
) -> Vec<ParamSet> {
    let defaults = space.defaults();
    let known = |p: &ParamSet| {
        let mut q = ParamSet::new();
        for (k, v) in p.iter() {
            if space.param(k).is_some() {
                q.insert(k, v.clone());
            }
        }
        space.validate(&q).ok()
    };
    let given: Vec<ParamSet> = est
        .starting_points(task, shape)
        .iter()
        .filter_map(known)
        .collect();
    let mut out: Vec<ParamSet> = Vec::new();
    if !given.contains(&defaults) {
        out.push(defaults);
    }
    for p in given {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Whether an estimator matches any of the user's filters: `all`, its id, its backend (the id
/// before the dot) or its family.
pub(crate) fn matches_filter(info: &EstimatorInfo, filters: &[String]) -> bool {
    filters.iter().any(|f| {
        let f = f.trim().to_ascii_lowercase();
        f == "all"
            || f == info.id
            || info.id.split('.').next() == Some(f.as_str())
            || format!("{:?}", info.family).to_ascii_lowercase() == f
            || info.family.as_str().to_ascii_lowercase() == f
    })
}
