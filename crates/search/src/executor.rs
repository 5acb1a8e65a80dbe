//! The trial executor: evaluates configurations on the folds on a thread pool owned by the run.
//!
//! A batch of trials is submitted to the pool and collected until a wall-clock limit; a trial
//! still running then is abandoned (its cancel flag asks a cooperative fit to stop, its result is
//! ignored) and the pool is replaced, so that a fit that ignores its deadline cannot hold up the
//! rest of the search. A fit that panics becomes a failed trial with the panic's message.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Instant;

use mlpilot_core::{
    CancelFlag, DynEstimator, DynModel, Error, ErrorKind, Features, FitContext, Matrix, Metric,
    ParamSet, Predictions, Result, panic_message,
};

use crate::folds::FoldData;

/// One configuration to evaluate.
pub(crate) struct TrialJob {
    /// The estimator.
    pub(crate) est: Arc<dyn DynEstimator>,
    /// Its configuration.
    pub(crate) params: ParamSet,
    /// Fidelities to run in order, each `(training rows per fold, folds)`; the last is the full
    /// one. Before the last, the trial goes on only if it ranks in the top third of the losses
    /// seen at that fidelity (successive halving).
    pub(crate) rungs: Vec<(usize, Vec<Arc<FoldData>>)>,
    /// Losses seen before at the lower fidelities.
    pub(crate) prior_rung_losses: Vec<f64>,
    /// Seed, deadline, threads, pool.
    pub(crate) ctx: FitContext,
    /// Keep every fold's model (bagged, they stand in for a refit there is no time for).
    pub(crate) keep_models: bool,
}

/// What a trial produced.
pub(crate) struct TrialOutput {
    /// Score per fold (complete only when no error and not pruned).
    pub(crate) fold_scores: Vec<f64>,
    /// Out-of-fold outputs per fold: `(fold index, values)`.
    pub(crate) oof: Vec<(usize, Vec<f64>)>,
    /// Seconds fitting, all fidelities and folds.
    pub(crate) fit_secs: f64,
    /// Seconds predicting.
    pub(crate) predict_secs: f64,
    /// Seconds fitting and predicting at the last fidelity it ran (what a refit scales from).
    pub(crate) final_secs: (f64, f64),
    /// Why it failed.
    pub(crate) error: Option<Error>,
    /// Every fold's model, in fold order, when asked for.
    pub(crate) fold_models: Vec<Box<dyn DynModel>>,
    /// Losses at the lower fidelities it ran.
    pub(crate) rung_losses: Vec<f64>,
    /// Training rows per fold of the last fidelity it ran.
    pub(crate) rows: usize,
    /// Stopped at a lower fidelity.
    pub(crate) pruned: bool,
}

impl TrialOutput {
    fn empty(rows: usize) -> Self {
        TrialOutput {
            fold_scores: Vec::new(),
            oof: Vec::new(),
            fit_secs: 0.0,
            predict_secs: 0.0,
            final_secs: (0.0, 0.0),
            error: None,
            fold_models: Vec::new(),
            rung_losses: Vec::new(),
            rows,
            pruned: false,
        }
    }

    /// Mean and standard deviation of the fold scores.
    pub(crate) fn mean_std(&self) -> (f64, f64) {
        mean_std(&self.fold_scores)
    }
}

/// Mean and (population) standard deviation.
pub(crate) fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    (m, var.sqrt())
}

/// Runs batches of trials on a pool of `threads` threads.
pub(crate) struct Executor {
    pool: Arc<rayon::ThreadPool>,
    threads: usize,
    metric: Metric,
    n_classes: usize,
}

impl Executor {
    /// A pool of `threads` threads for trials scored with `metric`.
    ///
    /// # Errors
    ///
    /// `Internal` when the operating system refuses the threads.
    pub(crate) fn new(threads: usize, metric: Metric, n_classes: usize) -> Result<Self> {
        Ok(Executor {
            pool: build_pool(threads)?,
            threads: threads.max(1),
            metric,
            n_classes,
        })
    }

    /// The pool, to offer to fits through [`FitContext`].
    pub(crate) fn pool(&self) -> Arc<rayon::ThreadPool> {
        self.pool.clone()
    }

    /// Runs `jobs` and returns their outputs in job order; `None` for a trial still running at
    /// `wait_until` (it is asked to stop and ignored).
    pub(crate) fn run_batch(
        &mut self,
        jobs: Vec<TrialJob>,
        wait_until: Option<Instant>,
    ) -> Vec<Option<TrialOutput>> {
        let (tx, rx) = mpsc::channel();
        let mut flags = Vec::with_capacity(jobs.len());
        let n_jobs = jobs.len();
        for (index, job) in jobs.into_iter().enumerate() {
            let cancel = CancelFlag::new();
            flags.push(cancel.clone());
            let tx = tx.clone();
            let (metric, n_classes) = (self.metric, self.n_classes);
            self.pool.spawn(move || {
                let mut job = job;
                job.ctx = job.ctx.clone().with_cancel(cancel);
                let rows = job.rungs.last().map_or(0, |r| r.0);
                let out = catch_unwind(AssertUnwindSafe(|| evaluate(&job, metric, n_classes)))
                    .unwrap_or_else(|panic| {
                        let mut out = TrialOutput::empty(rows);
                        out.error = Some(Error::internal(format!(
                            "the fit panicked: {}",
                            panic_message(panic.as_ref())
                        )));
                        out
                    });
                let _ = tx.send((index, out));
            });
        }
        drop(tx);
        let mut outputs: Vec<Option<TrialOutput>> = (0..n_jobs).map(|_| None).collect();
        let mut settled = 0;
        while settled < n_jobs {
            let msg = match wait_until {
                Some(w) => rx
                    .recv_timeout(w.saturating_duration_since(Instant::now()))
                    .ok(),
                None => rx.recv().ok(),
            };
            let Some((index, out)) = msg else { break };
            if let Some(slot) = outputs.get_mut(index) {
                *slot = Some(out);
                settled += 1;
            }
        }
        if settled < n_jobs {
            // Abandon the stragglers and start a fresh pool: the old one finishes (or stops)
            // them in the background and then goes away.
            for (flag, out) in flags.iter().zip(&outputs) {
                if out.is_none() {
                    flag.cancel();
                }
            }
            if let Ok(p) = build_pool(self.threads) {
                self.pool = p;
            }
        }
        outputs
    }
}

fn build_pool(threads: usize) -> Result<Arc<rayon::ThreadPool>> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .thread_name(|i| format!("mlpilot-trial-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| Error::internal(format!("could not start the trial threads: {e}")))
}

/// Evaluates one job through its fidelities (runs on a pool thread).
fn evaluate(job: &TrialJob, metric: Metric, n_classes: usize) -> TrialOutput {
    let last = job.rungs.len().saturating_sub(1);
    let mut total = TrialOutput::empty(0);
    for (ri, (rows, folds)) in job.rungs.iter().enumerate() {
        let out = run_folds(
            job.est.as_ref(),
            &job.params,
            folds,
            metric,
            n_classes,
            &job.ctx,
            job.keep_models && ri == last,
        );
        total.fit_secs += out.fit_secs;
        total.predict_secs += out.predict_secs;
        total.final_secs = (out.fit_secs, out.predict_secs);
        total.rows = *rows;
        if ri < last && out.error.is_none() {
            let (m, _) = mean_std(&out.fold_scores);
            let loss = -metric.oriented(m);
            total.rung_losses.push(loss);
            if !promote(&job.prior_rung_losses, loss) {
                total.fold_scores = out.fold_scores;
                total.pruned = true;
                return total;
            }
            continue;
        }
        total.fold_scores = out.fold_scores;
        total.oof = out.oof;
        total.error = out.error;
        total.fold_models = out.fold_models;
        return total;
    }
    total
}

/// Successive halving: a configuration goes on to the next fidelity unless at least three
/// losses were seen there and it is worse than the top third.
pub(crate) fn promote(prior: &[f64], loss: f64) -> bool {
    let mut all = prior.to_vec();
    all.push(loss);
    all.sort_by(f64::total_cmp);
    let cut = all
        .get((all.len() / 3).max(1).min(all.len().saturating_sub(1)))
        .copied()
        .unwrap_or(f64::INFINITY);
    !(all.len() >= 3 && loss > cut)
}

/// Fits and scores one configuration on each fold; stops at the first error.
fn run_folds(
    est: &dyn DynEstimator,
    params: &ParamSet,
    folds: &[Arc<FoldData>],
    metric: Metric,
    n_classes: usize,
    ctx: &FitContext,
    keep_models: bool,
) -> TrialOutput {
    let mut out = TrialOutput::empty(folds.first().map_or(0, |f| f.train.n_rows()));
    // Ranges can depend on the data's shape: a configuration found for all rows is moved into
    // the space of a sample's shape.
    let params = &match folds.first() {
        Some(f) => est
            .search_space(f.train.task(), f.train.shape())
            .clamp(params),
        None => params.clone(),
    };
    let begin = Instant::now();
    let k = folds.len().max(1) as u32;
    for (i, f) in folds.iter().enumerate() {
        let t0 = Instant::now();
        // Each fold gets its share of the trial's time, so that a fit which stops at its
        // deadline with the model trained so far leaves time for the other folds.
        let fold_ctx = match ctx.deadline {
            Some(d) => {
                let share = d.saturating_duration_since(begin) * (i as u32 + 1) / k;
                ctx.clone().with_deadline(Some(begin + share))
            }
            None => ctx.clone(),
        };
        let model = match est.fit_dyn(&f.train, params, &fold_ctx) {
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
        if keep_models {
            out.fold_models.push(model);
        }
    }
    out
}

/// Scores a model on a validation fold; returns the score and the fold's outputs (class
/// probabilities, row-major, or values).
pub(crate) fn score_fold(
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
                Matrix::one_hot(&model.predict(x)?, n_classes)?
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successive_halving_keeps_the_top_third() {
        // Fewer than three losses seen: always promote.
        assert!(promote(&[], 5.0));
        assert!(promote(&[1.0], 5.0));
        // Losses 1..=5 seen; a new 0.5 is the best: promoted; a 4.0 is not.
        let prior = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!(promote(&prior, 0.5));
        assert!(promote(&prior, 2.0));
        assert!(!promote(&prior, 4.0));
    }
}
