//! The record of a search: the leaderboard (every trial, and every estimator that left the run
//! with its reason) and the out-of-fold predictions of the best trials, which ensembling and the
//! final choice read.

use mlpilot_core::{DynModel, Metric, ParamSet};
use mlpilot_prep::FittedPipeline;

use crate::ensemble::Oof;
use crate::leaderboard::{LeaderboardRow, TrialStatus};
use crate::validation::Fold;

/// At most this many trials keep their out-of-fold predictions.
pub(crate) const KEEP: usize = 20;
/// The best this many also keep their fold models (memory: one model per fold each).
pub(crate) const KEEP_MODELS: usize = 10;

/// A trial kept for ensembling and the final choice.
pub(crate) struct Kept {
    /// Its trial number.
    pub(crate) trial: usize,
    /// Its out-of-fold predictions.
    pub(crate) oof: Oof,
    /// Every fold's preprocessing and model: bagged, they stand in for a refit on all rows
    /// when there is no time for one.
    pub(crate) fold_models: Vec<(FittedPipeline, Box<dyn DynModel>)>,
    /// Index of its learner.
    pub(crate) learner: usize,
    /// Its configuration.
    pub(crate) params: ParamSet,
    /// Seconds per fold fit.
    pub(crate) fit_secs_per_fold: f64,
    /// Training rows per fold it was fitted on (fewer than all on a sample).
    pub(crate) rows: usize,
    /// Mean validation score.
    pub(crate) score: f64,
    /// Standard deviation over folds.
    pub(crate) std: f64,
}

/// The leaderboard and the kept trials.
#[derive(Default)]
pub(crate) struct Record {
    /// Every trial and every estimator that left, in the order they happened.
    pub(crate) leaderboard: Vec<LeaderboardRow>,
    /// The best trials, best first (at most [`KEEP`]).
    pub(crate) kept: Vec<Kept>,
    /// `(loss, trial)` of the best trial.
    pub(crate) best: Option<(f64, usize)>,
}

impl Record {
    /// The best loss so far.
    pub(crate) fn best_loss(&self) -> Option<f64> {
        self.best.map(|b| b.0)
    }

    /// The kept trial with the best score.
    pub(crate) fn best_kept(&self) -> Option<&Kept> {
        let (_, t) = self.best?;
        self.kept.iter().find(|k| k.trial == t)
    }

    /// Adds a leaderboard row.
    pub(crate) fn push_row(&mut self, row: LeaderboardRow) {
        self.leaderboard.push(row);
    }

    /// Notes that an estimator left the run (or never started), with why.
    pub(crate) fn left(&mut self, model: &str, why: &str) {
        self.leaderboard.push(LeaderboardRow::unscored(
            0,
            model,
            ParamSet::new(),
            0,
            TrialStatus::Skipped,
            why.to_string(),
        ));
    }

    /// Keeps a completed trial if it is among the best; updates the best.
    pub(crate) fn keep(&mut self, kept: Kept, loss: f64, metric: Metric) {
        let trial = kept.trial;
        self.kept.push(kept);
        self.kept.sort_by(|a, b| {
            metric
                .oriented(b.score)
                .total_cmp(&metric.oriented(a.score))
                .then(a.trial.cmp(&b.trial))
        });
        self.kept.truncate(KEEP);
        for k in self.kept.iter_mut().skip(KEEP_MODELS) {
            k.fold_models.clear();
        }
        if self.best.is_none_or(|(b, _)| loss < b) {
            self.best = Some((loss, trial));
        }
    }
}

/// Out-of-fold outputs of a trial laid out by row (`rows × outputs`, NaN where not predicted).
pub(crate) fn oof_by_row(
    per_fold: &[(usize, Vec<f64>)],
    folds: &[Fold],
    n: usize,
    outputs: usize,
) -> Oof {
    let mut values = vec![f64::NAN; n * outputs];
    for (fi, fold_values) in per_fold {
        let Some(f) = folds.get(*fi) else { continue };
        for (j, &r) in f.valid.iter().enumerate() {
            if let (Some(dst), Some(src)) = (
                values.get_mut(r * outputs..(r + 1) * outputs),
                fold_values.get(j * outputs..(j + 1) * outputs),
            ) {
                dst.copy_from_slice(src);
            }
        }
    }
    Oof { values, outputs }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(trial: usize, score: f64) -> Kept {
        Kept {
            trial,
            oof: Oof {
                values: Vec::new(),
                outputs: 1,
            },
            fold_models: Vec::new(),
            learner: 0,
            params: ParamSet::new(),
            fit_secs_per_fold: 0.0,
            rows: 100,
            score,
            std: 0.0,
        }
    }

    #[test]
    fn keeps_the_best_trials_best_first() {
        let mut r = Record::default();
        for t in 1..=30 {
            let score = (t % 7) as f64 / 10.0;
            r.keep(kept(t, score), -score, Metric::RocAuc);
        }
        assert_eq!(r.kept.len(), KEEP);
        assert!(r.kept.windows(2).all(|w| w[0].score >= w[1].score));
        // The first trial to reach the best score is the best.
        assert_eq!(r.best.map(|b| b.1), Some(6));
        assert_eq!(r.best_kept().map(|k| k.trial), Some(6));
    }

    #[test]
    fn oof_rows_land_where_their_fold_validated() {
        let folds = vec![
            Fold {
                train: vec![1, 2],
                valid: vec![0],
            },
            Fold {
                train: vec![0],
                valid: vec![1, 2],
            },
        ];
        let per_fold = vec![(0, vec![0.1, 0.9]), (1, vec![0.2, 0.8, 0.3, 0.7])];
        let o = oof_by_row(&per_fold, &folds, 3, 2);
        assert_eq!(o.values, vec![0.1, 0.9, 0.2, 0.8, 0.3, 0.7]);
    }
}
