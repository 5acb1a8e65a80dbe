//! Drift known answers: a shifted sample flags exactly the shifted columns, an unshifted one
//! flags none; decay from labels; alert cool-down; state across reopenings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mlpilot_core::{Column, ColumnData, ColumnKind, Frame, Metric, Predictions};
use mlpilot_monitor::{MonitorStore, column_drift, performance, raise_alerts, report};
use mlpilot_testkit::synthetic::customer_frame;

fn columns() -> Vec<(String, ColumnKind)> {
    [
        ("customer_id", ColumnKind::Identifier),
        ("age", ColumnKind::Float),
        ("income", ColumnKind::Float),
        ("plan", ColumnKind::Categorical),
        ("signup", ColumnKind::Datetime),
        ("support_calls", ColumnKind::Integer),
    ]
    .iter()
    .map(|(n, k)| (n.to_string(), *k))
    .collect()
}

/// `frame` with `income` raised by 60 % and half of the `basic` plans turned into `pro`.
fn shifted(frame: &Frame) -> Frame {
    let cols = frame
        .columns()
        .iter()
        .map(|c| match c.name() {
            "income" => Column::new(
                "income",
                ColumnData::Float(c.to_f64().into_iter().map(|v| v.map(|x| x * 1.6)).collect()),
            ),
            "plan" => Column::new(
                "plan",
                ColumnData::Str(
                    (0..c.len())
                        .map(|i| {
                            c.str_at(i).map(|s| {
                                if s == "basic" && i % 2 == 0 {
                                    "pro".into()
                                } else {
                                    s
                                }
                            })
                        })
                        .collect::<Vec<_>>()
                        .into(),
                ),
            ),
            _ => c.clone(),
        })
        .collect();
    Frame::new(cols).unwrap()
}

#[test]
fn shifted_columns_are_flagged_and_only_they() {
    let reference = customer_frame(2000, 1);
    for seed in 2..6 {
        let fresh = customer_frame(800, seed);
        let (tests, skipped) = column_drift(&reference, &fresh, &columns()).unwrap();
        let r = report(2000, 800, tests, skipped, None, None);
        assert!(
            !r.drift,
            "seed {seed}: false alarm on {:?}",
            r.drifted_columns
        );
        // Identifiers and dates are skipped with a reason.
        assert!(
            r.skipped
                .iter()
                .any(|(n, why)| n == "customer_id" && why.contains("identifier"))
        );
        assert!(r.skipped.iter().any(|(n, _)| n == "signup"));
        let (tests, skipped) = column_drift(&reference, &shifted(&fresh), &columns()).unwrap();
        let r = report(2000, 800, tests, skipped, None, None);
        assert!(r.drift);
        assert_eq!(
            r.drifted_columns,
            vec!["income".to_string(), "plan".to_string()]
        );
        // Both tests see the numeric shift.
        for test in ["psi", "ks"] {
            assert!(
                r.columns
                    .iter()
                    .any(|c| c.name == "income" && c.test == test && c.drift)
            );
        }
        assert!(
            r.columns
                .iter()
                .any(|c| c.name == "plan" && c.test == "chi2" && c.drift)
        );
    }
}

/// `frame` with `age` written as text and `?` (a missing value) in every `every`-th row.
fn blanked(frame: &Frame, every: usize) -> Frame {
    let age = frame.column("age").unwrap();
    let text: Vec<Option<String>> = (0..age.len())
        .map(|i| {
            if i % every == 0 {
                Some("?".to_string())
            } else {
                age.str_at(i)
            }
        })
        .collect();
    frame
        .clone()
        .with_column(Column::new("age", ColumnData::Str(text.into())))
        .unwrap()
}

#[test]
fn a_rise_in_missing_numbers_is_drift_even_with_few_numbers_left() {
    // The reference already misses a tenth of `age`; the same share now is no drift, however
    // the values are written, and a jump to most rows is drift, even with fewer than 30
    // numbers left for the distribution tests.
    let reference = blanked(&customer_frame(2000, 1), 10);
    let steady = blanked(&customer_frame(800, 2), 10);
    let (tests, _) = column_drift(&reference, &steady, &columns()).unwrap();
    let missing: Vec<_> = tests.iter().filter(|t| t.test == "missing").collect();
    assert_eq!(missing.len(), 1, "{tests:?}");
    assert!(
        missing.iter().all(|t| t.name == "age" && !t.drift),
        "{missing:?}"
    );
    let gone = blanked(&customer_frame(800, 3), 1);
    let (tests, skipped) = column_drift(&reference, &gone, &columns()).unwrap();
    let r = report(2000, 800, tests, skipped, None, None);
    assert_eq!(
        r.drifted_columns,
        vec!["age".to_string()],
        "{:?}",
        r.columns
    );
    assert!(
        r.skipped
            .iter()
            .any(|(n, why)| n == "age" && why.contains("numbers"))
    );
    // Exact and one-sided: one missing value in 30 rows against a complete reference is no
    // alarm (Pearson's chi-squared would say χ² 67), nor are rows more complete than in
    // training; a rise of 12 points in 500 rows is.
    let complete = Column::from_f64("x", (0..2000).map(f64::from));
    let with_gaps = |n: usize, every: usize| {
        Column::from_f64(
            "x",
            (0..n).map(|i| if i % every == 0 { f64::NAN } else { i as f64 }),
        )
    };
    let share = |r: &Column, c: &Column| {
        let reference = Frame::new(vec![r.clone()]).unwrap();
        let current = Frame::new(vec![c.clone()]).unwrap();
        let cols = [("x".to_string(), ColumnKind::Float)];
        let (tests, _) = column_drift(&reference, &current, &cols).unwrap();
        tests.into_iter().find(|t| t.test == "missing")
    };
    let one_in_30 = share(&complete, &with_gaps(30, 30)).unwrap();
    assert!(!one_in_30.drift, "{one_in_30:?}");
    let fuller = share(
        &with_gaps(2000, 10),
        &Column::from_f64("x", (0..500).map(f64::from)),
    );
    assert!(fuller.is_some_and(|t| !t.drift && t.statistic < 0.0));
    let rise = share(&complete, &with_gaps(500, 8)).unwrap();
    assert!(
        rise.drift && (rise.statistic - 0.126).abs() < 1e-9,
        "{rise:?}"
    );
    // A column without a missing value on either side (`income`) gets no `missing` test; the
    // few missing ages of two fresh samples are no drift.
    let (tests, _) = column_drift(
        &customer_frame(2000, 1),
        &customer_frame(800, 4),
        &columns(),
    )
    .unwrap();
    let missing: Vec<_> = tests.iter().filter(|t| t.test == "missing").collect();
    assert!(
        missing.iter().all(|t| t.name == "age" && !t.drift),
        "{tests:?}"
    );
}

#[test]
fn decay_is_judged_against_the_validation_score() {
    let y: Vec<f64> = (0..100).map(|i| f64::from(i % 2)).collect();
    let good = Predictions::values(y.clone());
    let p = performance(Metric::Accuracy, 0.9, &y, &good, 2).unwrap();
    assert!(!p.decayed);
    assert_eq!(p.current_score, Some(1.0));
    let bad = Predictions::values(
        y.iter()
            .enumerate()
            .map(|(i, v)| if i % 3 == 0 { 1.0 - v } else { *v })
            .collect(),
    );
    let p = performance(Metric::Accuracy, 0.9, &y, &bad, 2).unwrap();
    assert!(p.decayed, "{}", p.note);
    // Errors decay relatively: RMSE 10 % above validation is the line.
    let t: Vec<f64> = (0..50).map(f64::from).collect();
    let off: Vec<f64> = t.iter().map(|v| v + 1.2).collect();
    let p = performance(Metric::Rmse, 1.0, &t, &Predictions::values(off), 0).unwrap();
    assert!(p.decayed);
    // Too few labels: no verdict.
    let p = performance(
        Metric::Accuracy,
        0.9,
        &y[..5],
        &Predictions::values(y[..5].to_vec()),
        2,
    )
    .unwrap();
    assert_eq!(p.current_score, None);
    assert!(!p.decayed);
}

#[test]
fn state_that_is_not_mlpilots_is_a_format_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // Not a database at all.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "these are notes, not a database\n".repeat(200)).unwrap();
    let err = MonitorStore::open(&text).unwrap_err();
    assert_eq!(err.kind(), mlpilot_core::ErrorKind::Format, "{err}");
    assert!(err.to_string().contains("notes.txt"), "{err}");
    assert!(err.to_string().contains("not a SQLite database"), "{err}");
    // A database with a table of the same name and other columns.
    let other = dir.path().join("other.sqlite");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.execute_batch("CREATE TABLE predictions (x INTEGER);")
        .unwrap();
    drop(conn);
    let err = MonitorStore::open(&other).unwrap_err();
    assert_eq!(err.kind(), mlpilot_core::ErrorKind::Format, "{err}");
    assert!(
        err.to_string().contains("not the ones mlpilot writes"),
        "{err}"
    );
    // A folder where the file should be cannot be opened: an i/o error.
    let err = MonitorStore::open(dir.path()).unwrap_err();
    assert_eq!(err.kind(), mlpilot_core::ErrorKind::Io, "{err}");
}

#[test]
fn state_and_cooldown_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    let reference = customer_frame(1000, 1);
    let (tests, skipped) =
        column_drift(&reference, &shifted(&customer_frame(500, 9)), &columns()).unwrap();
    let r = report(1000, 500, tests, skipped, None, None);
    {
        let mut s = MonitorStore::open(&path).unwrap();
        let raised = raise_alerts(&mut s, &r, 1000.0, 3600.0).unwrap();
        assert_eq!(raised.len(), 2);
        s.record_check(true, "{}").unwrap();
        s.record_predictions(
            "req-1",
            &[
                ("a".into(), "yes".into(), Some(0.8)),
                ("b".into(), "no".into(), Some(0.1)),
            ],
        )
        .unwrap();
    }
    let mut s = MonitorStore::open(&path).unwrap();
    // Within the cool-down nothing is raised again; after it, everything is.
    assert!(raise_alerts(&mut s, &r, 2000.0, 3600.0).unwrap().is_empty());
    assert_eq!(raise_alerts(&mut s, &r, 5000.0, 3600.0).unwrap().len(), 2);
    assert_eq!(s.alerts().unwrap().len(), 4);
    assert_eq!(s.check_counts().unwrap(), (1, 1));
    // Feedback joins the stored predictions by request and row key.
    assert_eq!(
        s.record_feedback(
            Some("req-1"),
            &[("a".into(), "no".into()), ("zz".into(), "no".into())]
        )
        .unwrap(),
        1
    );
    let l = s.labelled(10).unwrap();
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].prediction, "yes");
    assert_eq!(l[0].label, "no");
}
