//! Finishing a search: keep an ensemble only when it beats the best single model out of fold,
//! refit the chosen model(s) on all rows while time allows (otherwise keep the validation-fold
//! model), and describe the choice's out-of-fold predictions and the constant baseline.

use std::time::Instant;

use mlpilot_core::{
    Dataset, DynModel, Error, ErrorKind, FitContext, Matrix, Metric, ParamSet, Predictions, Result,
};
use mlpilot_prep::{FitTarget, FittedPipeline};

use crate::candidates::Learner;
use crate::ensemble::{Oof, caruana, score_outputs};
use crate::executor::mean_std;
use crate::leaderboard::{LeaderboardRow, TrialStatus};
use crate::predictor::Member;
use crate::prepare::Prepared;
use crate::record::Record;

/// Rounds of greedy ensemble selection.
pub(crate) const ENSEMBLE_ROUNDS: usize = 25;

/// What the search settled on, before refitting.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Choice {
    /// `(index into the kept trials, weight)`, weights summing to one.
    pub(crate) members: Vec<(usize, f64)>,
    /// Its validation score.
    pub(crate) score: f64,
    /// Its spread over folds.
    pub(crate) std: f64,
    /// Whether it is an ensemble (then the leaderboard gets an `ensemble` row).
    pub(crate) ensemble: bool,
}

/// The best single trial, or an ensemble of kept trials when it beats it by a margin.
///
/// # Errors
///
/// Whatever scoring the blended predictions returns.
pub(crate) fn choose(
    record: &Record,
    prep: &Prepared,
    metric: Metric,
    try_ensemble: bool,
) -> Result<Option<Choice>> {
    let Some((_, best_trial)) = record.best else {
        return Ok(None);
    };
    let Some(bi) = record.kept.iter().position(|k| k.trial == best_trial) else {
        return Ok(None);
    };
    let single = record.kept.get(bi).map(|k| Choice {
        members: vec![(bi, 1.0)],
        score: k.score,
        std: k.std,
        ensemble: false,
    });
    if !try_ensemble || record.kept.len() < 2 {
        return Ok(single);
    }
    let cands: Vec<Oof> = record.kept.iter().map(|k| k.oof.clone()).collect();
    let fold_rows: Vec<Vec<usize>> = prep.folds.iter().map(|f| f.valid.clone()).collect();
    let Some(sel) = caruana(
        &cands,
        &prep.y,
        &fold_rows,
        metric,
        prep.n_classes,
        ENSEMBLE_ROUNDS,
    )?
    else {
        return Ok(single);
    };
    if !keeps_ensemble(metric, sel.weights.len(), sel.score, sel.best_single) {
        return Ok(single);
    }
    let blend = blend(&cands, &sel.weights, prep.n_rows() * prep.outputs_per_row());
    let fold_scores: Vec<f64> = fold_rows
        .iter()
        .filter_map(|rows| {
            score_outputs(
                &blend,
                prep.outputs_per_row(),
                &prep.y,
                rows,
                metric,
                prep.n_classes,
            )
            .ok()
        })
        .collect();
    Ok(Some(Choice {
        members: sel.weights,
        score: sel.score,
        std: mean_std(&fold_scores).1,
        ensemble: true,
    }))
}

/// An ensemble is kept when it has several members and beats the best single model by more
/// than a relative 1e-4 (ties go to the simpler model).
pub(crate) fn keeps_ensemble(metric: Metric, members: usize, score: f64, best_single: f64) -> bool {
    members > 1
        && metric.better(score, best_single)
        && (metric.oriented(score) - metric.oriented(best_single))
            > 1e-4 * metric.oriented(best_single).abs().max(1e-3)
}

/// The weighted sum of candidates' outputs.
fn blend(cands: &[Oof], weights: &[(usize, f64)], len: usize) -> Vec<f64> {
    let mut out = vec![0.0; len];
    for (ci, w) in weights {
        if let Some(c) = cands.get(*ci) {
            for (b, v) in out.iter_mut().zip(&c.values) {
                *b += w * v;
            }
        }
    }
    out
}

/// The leaderboard row of a kept ensemble.
pub(crate) fn ensemble_row(record: &Record, choice: &Choice, prep: &Prepared) -> LeaderboardRow {
    LeaderboardRow {
        trial: 0,
        model: "ensemble".into(),
        params: ParamSet::new().with(
            "members",
            choice
                .members
                .iter()
                .filter_map(|(i, w)| {
                    record
                        .kept
                        .get(*i)
                        .map(|k| format!("trial {} ×{w:.2}", k.trial))
                })
                .collect::<Vec<_>>()
                .join(" + ")
                .as_str(),
        ),
        score: Some(choice.score),
        std: choice.std,
        folds: prep.folds.len(),
        fit_secs: 0.0,
        predict_secs: 0.0,
        rows: prep.n_rows(),
        status: TrialStatus::Ok,
        error: None,
    }
}

/// How the members were obtained.
#[derive(Debug)]
pub(crate) struct Refitted {
    /// The members, heaviest first, weights summing to one.
    pub(crate) members: Vec<Member>,
    /// Whether every member was refitted on all rows.
    pub(crate) refitted: bool,
}

/// Seconds to refit on all `n` rows a configuration that took `fit_secs_per_fold` on
/// `per_fold_rows` rows, for a fit whose time grows as rows^`rows_exp`, with a margin.
pub(crate) fn refit_secs(
    fit_secs_per_fold: f64,
    n: usize,
    per_fold_rows: usize,
    rows_exp: f64,
) -> f64 {
    let scale = (n as f64 / per_fold_rows.max(1) as f64).powf(rows_exp.max(0.0));
    fit_secs_per_fold * scale * 1.2 + 0.05
}

/// Refits each member of `choice` on all rows while the time left allows (the estimate is its
/// per-fold fit time scaled to all rows); otherwise, or when the refit fails, keeps its
/// validation-fold models, bagged (each with an equal share of the member's weight). Members
/// without either are dropped and the weights renormalised.
///
/// # Errors
///
/// `Budget` when no member could be refitted or kept.
#[allow(clippy::too_many_arguments)]
pub(crate) fn refit(
    record: &mut Record,
    choice: &Choice,
    learners: &[Learner],
    prep: &Prepared,
    deadline: Option<Instant>,
    seed: u64,
    threads: usize,
    pool: Option<std::sync::Arc<rayon::ThreadPool>>,
) -> Result<Refitted> {
    let mut plan = choice.members.clone();
    plan.sort_by(|a, b| b.1.total_cmp(&a.1));
    let n = prep.n_rows();
    let mut members = Vec::new();
    let mut refitted = true;
    for (ki, w) in plan {
        let Some(k) = record.kept.get_mut(ki) else {
            continue;
        };
        let Some(l) = learners.get(k.learner) else {
            continue;
        };
        let estimate = refit_secs(k.fit_secs_per_fold, n, k.rows, l.info.cost.rows_exp);
        let time_left = deadline.map(|d| d.saturating_duration_since(Instant::now()).as_secs_f64());
        let fresh = if time_left.is_none_or(|t| t > estimate) {
            let ctx = FitContext::new(seed)
                .with_deadline(deadline)
                .with_threads(threads)
                .with_pool(pool.clone());
            fit_all_rows(prep, l, &k.params, &ctx, seed).ok()
        } else {
            None
        };
        match fresh {
            Some((pipeline, model)) => members.push(Member {
                weight: w,
                estimator: l.id().to_string(),
                params: k.params.clone(),
                pipeline,
                model,
            }),
            None => {
                // No time to refit: the fold models, bagged, stand in.
                refitted = false;
                let bag = std::mem::take(&mut k.fold_models);
                let share = w / bag.len().max(1) as f64;
                for (pipeline, model) in bag {
                    members.push(Member {
                        weight: share,
                        estimator: l.id().to_string(),
                        params: k.params.clone(),
                        pipeline,
                        model,
                    });
                }
            }
        }
    }
    if members.is_empty() {
        return Err(Error::new(
            ErrorKind::Budget,
            "the time budget ran out before the final model could be fitted; raise it",
        ));
    }
    let total: f64 = members.iter().map(|m| m.weight).sum();
    for m in &mut members {
        m.weight /= total.max(1e-12);
    }
    Ok(Refitted { members, refitted })
}

fn fit_all_rows(
    prep: &Prepared,
    l: &Learner,
    params: &ParamSet,
    ctx: &FitContext,
    seed: u64,
) -> Result<(FittedPipeline, Box<dyn DynModel>)> {
    let (pipeline, x) = prep.plan.fit(
        &prep.frame,
        FitTarget {
            y: &prep.y,
            n_classes: prep.n_classes,
        },
        l.variant,
        seed,
    )?;
    let mut data = if prep.n_classes > 0 {
        Dataset::classification(x, prep.y.clone(), prep.n_classes)?
    } else {
        Dataset::regression(x, prep.y.clone())?
    }
    .with_features(pipeline.feature_infos())?;
    if let Some(w) = &prep.weights {
        data = data.with_weights(w.clone())?;
    }
    let model = l.est.fit_dyn(&data, params, ctx)?;
    Ok((pipeline, model))
}

/// The chosen model's out-of-fold predictions on the rows they cover, and those rows' targets.
///
/// # Errors
///
/// Only if the predictions cannot be laid out (an internal error).
pub(crate) fn oof_of_choice(
    record: &Record,
    choice: &Choice,
    prep: &Prepared,
) -> Result<(Predictions, Vec<f64>)> {
    let outputs = prep.outputs_per_row();
    let cands: Vec<Oof> = record.kept.iter().map(|k| k.oof.clone()).collect();
    let blended = blend(&cands, &choice.members, prep.n_rows() * outputs);
    let wsum: f64 = choice
        .members
        .iter()
        .filter(|(i, _)| *i < cands.len())
        .map(|(_, w)| w)
        .sum();
    let rows: Vec<usize> = (0..prep.n_rows())
        .filter(|&r| blended.get(r * outputs).is_some_and(|v| v.is_finite()))
        .collect();
    let targets: Vec<f64> = rows
        .iter()
        .filter_map(|&r| prep.y.get(r).copied())
        .collect();
    let values: Vec<f64> = rows
        .iter()
        .flat_map(|&r| {
            blended
                .get(r * outputs..(r + 1) * outputs)
                .unwrap_or(&[])
                .iter()
                .map(|v| v / wsum.max(1e-12))
        })
        .collect();
    let preds = if prep.n_classes > 0 {
        Predictions::from_proba(Matrix::new(rows.len(), prep.n_classes, values)?)
    } else {
        Predictions::values(values)
    };
    Ok((preds, targets))
}

/// The score of a constant prediction (the class frequencies, or the mean).
pub(crate) fn baseline(y: &[f64], n_classes: usize, metric: Metric) -> Option<f64> {
    if y.is_empty() {
        return None;
    }
    if n_classes > 0 {
        let counts = crate::prepare::class_counts(y, n_classes);
        let total: usize = counts.iter().sum();
        let prior: Vec<f64> = counts
            .iter()
            .map(|c| *c as f64 / total.max(1) as f64)
            .collect();
        let proba = Matrix::new(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ensemble_must_beat_the_best_single_model_by_a_margin() {
        assert!(keeps_ensemble(Metric::RocAuc, 2, 0.90, 0.89));
        // A tie, a loss, a lone member, a gain below the margin: the single model stays.
        assert!(!keeps_ensemble(Metric::RocAuc, 2, 0.89, 0.89));
        assert!(!keeps_ensemble(Metric::RocAuc, 2, 0.88, 0.89));
        assert!(!keeps_ensemble(Metric::RocAuc, 1, 0.95, 0.89));
        assert!(!keeps_ensemble(Metric::RocAuc, 3, 0.89005, 0.89));
        // Lower is better for RMSE.
        assert!(keeps_ensemble(Metric::Rmse, 2, 1.0, 1.1));
        assert!(!keeps_ensemble(Metric::Rmse, 2, 1.2, 1.1));
    }

    /// Prepares a small churn table with one estimator, and keeps one trial whose fold models
    /// were fitted: what `refit` starts from.
    fn one_kept_trial() -> (Prepared, Vec<Learner>, Record) {
        use mlpilot_core::{CancelFlag, Registry, Task};
        let frame = mlpilot_testkit::synthetic::customer_frame(300, 1);
        let profile = mlpilot_data::profile_frame(
            &frame,
            "c",
            &mlpilot_data::ProfileOptions::with_target(Some("churn")),
        )
        .unwrap();
        let mut registry = Registry::new();
        registry.register(mlpilot_testkit::reference::NearestCentroid);
        let mut cfg = crate::engine::SearchConfig::new(Task::Binary);
        cfg.max_trials = Some(1);
        let prep = crate::prepare::prepare(&frame, &profile, "churn", &cfg).unwrap();
        let (learners, _) = crate::candidates::build(&registry, &cfg, &prep).unwrap();
        let l = &learners[0];
        let params = l.space.defaults();
        let rows = prep.train_rows_per_fold();
        let mut cache = crate::folds::FoldCache::new(&prep, 0);
        let ctx = FitContext::new(0).with_cancel(CancelFlag::new());
        let fold_models = cache
            .folds(l.variant, rows)
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f.pipeline.clone(),
                    l.est.fit_dyn(&f.train, &params, &ctx).unwrap(),
                )
            })
            .collect();
        let mut record = Record::default();
        record.keep(
            crate::record::Kept {
                trial: 1,
                oof: Oof {
                    values: Vec::new(),
                    outputs: 2,
                },
                fold_models,
                learner: 0,
                params,
                fit_secs_per_fold: 0.001,
                rows,
                score: 0.8,
                std: 0.0,
            },
            -0.8,
            Metric::RocAuc,
        );
        drop(cache);
        (prep, learners, record)
    }

    fn single() -> Choice {
        Choice {
            members: vec![(0, 1.0)],
            score: 0.8,
            std: 0.0,
            ensemble: false,
        }
    }

    #[test]
    fn with_time_left_the_choice_is_refitted_on_all_rows() {
        let (prep, learners, mut record) = one_kept_trial();
        let deadline = Some(Instant::now() + std::time::Duration::from_secs(60));
        let r = refit(
            &mut record,
            &single(),
            &learners,
            &prep,
            deadline,
            0,
            1,
            None,
        )
        .unwrap();
        assert!(r.refitted);
        assert_eq!(r.members.len(), 1);
        assert_eq!(r.members[0].weight, 1.0);
    }

    #[test]
    fn without_time_to_refit_the_fold_models_are_bagged() {
        let (prep, learners, mut record) = one_kept_trial();
        let r = refit(
            &mut record,
            &single(),
            &learners,
            &prep,
            Some(Instant::now()),
            0,
            1,
            None,
        )
        .unwrap();
        assert!(!r.refitted);
        assert_eq!(r.members.len(), prep.folds.len());
        let total: f64 = r.members.iter().map(|m| m.weight).sum();
        assert!((total - 1.0).abs() < 1e-12);
        // Each fold model predicts with its own fold's preprocessing.
        let frame = mlpilot_testkit::synthetic::customer_frame(20, 2);
        for m in &r.members {
            let x = m.pipeline.transform(&frame).unwrap().features;
            assert_eq!(m.model.predict(&x).unwrap().len(), 20);
        }
        // Nothing left to fall back on: a clear budget error.
        let err = refit(
            &mut record,
            &single(),
            &learners,
            &prep,
            Some(Instant::now()),
            0,
            1,
            None,
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Budget);
    }

    #[test]
    fn the_baseline_is_a_constant_prediction() {
        // Always the mean: R² 0.
        assert_eq!(baseline(&[1.0, 2.0, 3.0], 0, Metric::R2), Some(0.0));
        // Class frequencies as probabilities: ROC AUC 0.5.
        assert_eq!(
            baseline(&[0.0, 1.0, 1.0, 0.0], 2, Metric::RocAuc),
            Some(0.5)
        );
        assert_eq!(baseline(&[], 2, Metric::RocAuc), None);
    }
}
