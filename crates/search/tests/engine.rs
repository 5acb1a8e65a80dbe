//! The search end to end on real and synthetic data: budgets, reproducibility, ensembling,
//! the stored predictor.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use mlpilot_core::{CancelFlag, Metric, Registry, Task};
use mlpilot_data::{ProfileOptions, profile_frame};
use mlpilot_search::{SearchConfig, TrialStatus, Validation, run};
use mlpilot_testkit::synthetic::customer_frame;

fn registry() -> Registry {
    let mut r = Registry::new();
    mlpilot_backend_gbdt::register(&mut r);
    r.register(mlpilot_testkit::reference::Ridge);
    r.register(mlpilot_testkit::reference::NearestCentroid);
    r
}

fn titanic() -> mlpilot_core::Frame {
    mlpilot_data::load_frame(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/titanic.csv"
    ))
    .unwrap()
    .0
}

#[test]
fn same_seed_and_trial_budget_give_the_same_leaderboard() {
    let frame = titanic();
    let profile = profile_frame(
        &frame,
        "titanic",
        &ProfileOptions::with_target(Some("target")),
    )
    .unwrap();
    let mut cfg = SearchConfig::new(Task::Binary);
    cfg.max_trials = Some(8);
    cfg.estimators = Some(vec!["all".into()]);
    let a = run(
        &frame,
        &profile,
        "target",
        &registry(),
        &cfg,
        None,
        CancelFlag::new(),
    )
    .unwrap();
    let b = run(
        &frame,
        &profile,
        "target",
        &registry(),
        &cfg,
        None,
        CancelFlag::new(),
    )
    .unwrap();
    let key = |r: &mlpilot_search::SearchResult| {
        r.leaderboard
            .iter()
            .map(|x| {
                (
                    x.trial,
                    x.model.clone(),
                    x.params.clone(),
                    x.score.map(f64::to_bits),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&a), key(&b));
    assert_eq!(a.trials, 8);
    assert!(a.score > 0.8, "titanic AUC {}", a.score);
    // Every estimator family got a first trial.
    for id in [
        "gbdt.hist_gbm",
        "gbdt.random_forest",
        "testkit.nearest_centroid",
    ] {
        assert!(a.leaderboard.iter().any(|r| r.model == id), "{id} missing");
    }
    // The stored predictor predicts the training table.
    let p = a.predictor.predict(&frame).unwrap();
    assert_eq!(p.predictions.values.len(), frame.n_rows());
    assert!(a.baseline_score.unwrap() < a.score);
    // A different seed gives a different search.
    cfg.seed = 1;
    let c = run(
        &frame,
        &profile,
        "target",
        &registry(),
        &cfg,
        None,
        CancelFlag::new(),
    )
    .unwrap();
    assert_ne!(key(&a), key(&c));
}

#[test]
fn the_time_budget_is_kept() {
    let frame = customer_frame(3000, 4);
    let profile = profile_frame(&frame, "c", &ProfileOptions::with_target(Some("churn"))).unwrap();
    let mut cfg = SearchConfig::new(Task::Binary);
    cfg.time_budget = Some(Duration::from_secs(3));
    let t = Instant::now();
    let r = run(
        &frame,
        &profile,
        "churn",
        &registry(),
        &cfg,
        None,
        CancelFlag::new(),
    )
    .unwrap();
    let elapsed = t.elapsed().as_secs_f64();
    assert!(elapsed <= 3.0 + 1.0, "took {elapsed:.2} s for a 3 s budget");
    assert!(r.trials >= 1, "{}", r.trials);
    assert!(r.score > 0.8, "{}", r.score);
}

#[test]
fn regression_with_holdout_and_ensembling() {
    let (x, y) = mlpilot_testkit::synthetic::friedman1(3000, 6, 1.0, 2);
    let mut cols: Vec<mlpilot_core::Column> = (0..x.n_cols())
        .map(|j| mlpilot_core::Column::from_f64(format!("x{j}"), x.column(j)))
        .collect();
    cols.push(mlpilot_core::Column::from_f64("y", y));
    let frame = mlpilot_core::Frame::new(cols).unwrap();
    let profile = profile_frame(&frame, "f", &ProfileOptions::with_target(Some("y"))).unwrap();
    let mut cfg = SearchConfig::new(Task::Regression);
    cfg.max_trials = Some(12);
    cfg.validation = Validation::Holdout { fraction: 0.2 };
    cfg.estimators = Some(vec!["gbdt".into(), "testkit.ridge".into()]);
    let r = run(
        &frame,
        &profile,
        "y",
        &registry(),
        &cfg,
        None,
        CancelFlag::new(),
    )
    .unwrap();
    assert_eq!(r.metric, Metric::R2);
    assert!(r.score > 0.85, "{}", r.score);
    assert_eq!(r.validation_targets.len(), 600);
    assert!(
        r.leaderboard
            .iter()
            .filter(|l| l.status == TrialStatus::Ok)
            .count()
            >= 10
    );
    // The stored form reads back and predicts identically.
    let stored = r.predictor.to_stored().unwrap();
    let back = stored.load(&registry()).unwrap();
    assert_eq!(
        back.predict(&frame).unwrap().predictions,
        r.predictor.predict(&frame).unwrap().predictions
    );
}

#[test]
fn unusable_requests_are_refused_clearly() {
    let frame = titanic();
    let profile = profile_frame(&frame, "t", &ProfileOptions::with_target(Some("target"))).unwrap();
    let cfg = SearchConfig::new(Task::Binary);
    let err = run(
        &frame,
        &profile,
        "target",
        &registry(),
        &cfg,
        None,
        CancelFlag::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("budget"), "{err}");
    let mut cfg = SearchConfig::new(Task::Binary);
    cfg.max_trials = Some(2);
    cfg.estimators = Some(vec!["nonexistent".into()]);
    let err = run(
        &frame,
        &profile,
        "target",
        &registry(),
        &cfg,
        None,
        CancelFlag::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("no estimator"), "{err}");
    cfg.estimators = None;
    cfg.metric = Metric::R2;
    assert!(
        run(
            &frame,
            &profile,
            "target",
            &registry(),
            &cfg,
            None,
            CancelFlag::new()
        )
        .is_err()
    );
}
