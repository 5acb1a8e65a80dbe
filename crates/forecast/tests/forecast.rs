//! Known answers on synthetic series, reading tables (dates, repeated and irregular times, gaps,
//! several series, covariates), and the backend models across series.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::f64::consts::TAU;

use mlpilot_core::{Column, Frame, Registry};
use mlpilot_forecast::{
    Columns, Covariate, DuplicateTimes, ForecastConfig, Forecaster, Panel, TimeAxis, fit_frame,
};

fn day(i: i64) -> String {
    let (y, m, d) = mlpilot_core::frame::civil_from_days(19_358 + i); // 2023-01-01
    format!("{y:04}-{m:02}-{d:02}")
}

fn frame(times: &[String], values: &[f64]) -> Frame {
    Frame::new(vec![
        Column::from_strs("t", times),
        Column::from_f64("y", values.iter().copied()),
    ])
    .unwrap()
}

fn cols() -> Columns<'static> {
    Columns {
        target: "y",
        time: "t",
        ..Columns::default()
    }
}

fn fit_on(times: &[String], values: &[f64], h: usize) -> Forecaster {
    let cfg = ForecastConfig {
        horizon: h,
        ..ForecastConfig::default()
    };
    fit_frame(
        &frame(times, values),
        &cols(),
        DuplicateTimes::Mean,
        &cfg,
        &Registry::new(),
    )
    .unwrap()
}

/// Fits `frame` with `known` as a covariate known in the future.
fn fit_with_known(frame: &Frame, known: &'static str, h: usize) -> Forecaster {
    let columns = Columns {
        covariates: vec![Covariate {
            name: known.into(),
            known: true,
        }],
        ..cols()
    };
    let cfg = ForecastConfig {
        horizon: h,
        ..ForecastConfig::default()
    };
    fit_frame(
        frame,
        &columns,
        DuplicateTimes::Mean,
        &cfg,
        &Registry::new(),
    )
    .unwrap()
}

fn rmse(f: &Forecaster, truth: impl Fn(usize) -> f64, n: usize, h: usize) -> f64 {
    let pts = f.forecast(h, &Registry::new()).unwrap();
    assert_eq!(pts.len(), h);
    (pts.iter()
        .enumerate()
        .map(|(k, p)| (p.forecast - truth(n + k)).powi(2))
        .sum::<f64>()
        / h as f64)
        .sqrt()
}

#[test]
fn a_trend_is_continued() {
    let truth = |t: usize| 20.0 + 1.5 * t as f64;
    let n = 80;
    let times: Vec<String> = (0..n).map(|i| (2000 + i).to_string()).collect();
    let y: Vec<f64> = (0..n).map(truth).collect();
    let f = fit_on(&times, &y, 10);
    assert!(f.models[0].periods.is_empty());
    assert!(
        rmse(&f, truth, n, 10) < 0.5,
        "{}",
        f.models[0].method.name()
    );
    assert_eq!(f.forecast(1, &Registry::new()).unwrap()[0].time, "2080");
}

#[test]
fn one_monthly_season_on_a_trend() {
    let truth = |t: usize| 100.0 + 0.8 * t as f64 + 12.0 * (TAU * t as f64 / 12.0).sin();
    let n = 120;
    let times: Vec<String> = (0..n)
        .map(|i| format!("{}-{:02}", 2010 + i / 12, i % 12 + 1))
        .collect();
    let y: Vec<f64> = (0..n).map(truth).collect();
    let f = fit_on(&times, &y, 12);
    assert_eq!(
        f.panel.axis,
        TimeAxis::Months {
            step: 1,
            first_day: false
        }
    );
    assert_eq!(f.models[0].periods, vec![12.0]);
    assert!(
        rmse(&f, truth, n, 12) < 1.0,
        "{}",
        f.models[0].method.name()
    );
    // Far better than the seasonal naive forecast, which misses a year of trend (9.6).
    let sn = f.models[0]
        .backtests
        .iter()
        .find(|b| b.method.starts_with("seasonal naive"))
        .unwrap();
    assert!(sn.rmse > 5.0);
}

#[test]
fn a_multiplicative_season_grows_with_the_level() {
    let truth = |t: usize| (50.0 + 2.0 * t as f64) * (1.0 + 0.25 * (TAU * t as f64 / 4.0).cos());
    let n = 96;
    let times: Vec<String> = (0..n)
        .map(|i| format!("{}-{:02}-01", 2000 + i / 4, 3 * (i % 4) + 1))
        .collect();
    let y: Vec<f64> = (0..n).map(truth).collect();
    let f = fit_on(&times, &y, 8);
    assert_eq!(
        f.panel.axis,
        TimeAxis::Months {
            step: 3,
            first_day: true
        }
    );
    assert_eq!(f.models[0].periods, vec![4.0]);
    // The swing at the end is ±62; an additive season fitted on the whole series misses by ~20.
    let e = rmse(&f, truth, n, 8);
    assert!(e < 3.0, "{e}: {}", f.models[0].method.name());
    assert_eq!(
        f.forecast(1, &Registry::new()).unwrap()[0].time,
        "2024-01-01"
    );
}

#[test]
fn two_daily_seasons_week_and_year() {
    let truth = |t: usize| {
        let t = t as f64;
        300.0 + 0.02 * t + 20.0 * (TAU * t / 7.0).sin() + 40.0 * (TAU * t / 365.25).cos()
    };
    let n = 3 * 365;
    let times: Vec<String> = (0..n as i64).map(day).collect();
    let y: Vec<f64> = (0..n).map(truth).collect();
    let f = fit_on(&times, &y, 60);
    assert_eq!(f.models[0].periods, vec![7.0, 365.25]);
    let e = rmse(&f, truth, n, 60);
    // The weekly swing alone is ±20, the yearly ±40.
    assert!(e < 4.0, "{e}: {}", f.models[0].method.name());
}

#[test]
fn repeated_times_are_combined_and_a_refusal_names_them() {
    let mut times: Vec<String> = (0..40).map(day).collect();
    let mut y: Vec<f64> = (0..40).map(f64::from).collect();
    times.push(day(5));
    y.push(105.0);
    let p = Panel::from_frame(&frame(&times, &y), &cols(), DuplicateTimes::Mean).unwrap();
    let s = &p.series[0];
    assert_eq!(s.values.len(), 40);
    assert_eq!(s.values[5], 55.0);
    assert_eq!(s.merged.as_ref().unwrap().examples, vec!["2023-01-06"]);
    let sum = Panel::from_frame(&frame(&times, &y), &cols(), DuplicateTimes::Sum).unwrap();
    assert_eq!(sum.series[0].values[5], 110.0);
    let err = Panel::from_frame(&frame(&times, &y), &cols(), DuplicateTimes::Refuse)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`2023-01-06`"), "{err}");
}

#[test]
fn gaps_are_filled_and_irregular_times_refused() {
    // Days with a gap of three: interpolated, counted.
    let times: Vec<String> = (0..40).filter(|i| !(10..13).contains(i)).map(day).collect();
    let y: Vec<f64> = (0..40)
        .filter(|i| !(10..13).contains(i))
        .map(|i| f64::from(i) * 2.0)
        .collect();
    let p = Panel::from_frame(&frame(&times, &y), &cols(), DuplicateTimes::Mean).unwrap();
    assert_eq!(p.series[0].filled, 3);
    assert_eq!(p.series[0].values[11], 22.0);
    // Times at random hours do not sit on any regular grid.
    let irregular: Vec<String> = (0..40)
        .map(|i| format!("{} {:02}:{:02}:00", day(i), (i * 7) % 24, (i * 13) % 60))
        .collect();
    let err = Panel::from_frame(
        &frame(
            &irregular,
            &y[..40.min(y.len())]
                .iter()
                .chain(&[0.0; 3])
                .copied()
                .collect::<Vec<_>>(),
        ),
        &cols(),
        DuplicateTimes::Mean,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("regular") && err.contains("resample"), "{err}");
    // Day-first dates are read as such; a time that does not parse is named.
    let dm: Vec<String> = (0..20)
        .map(|i| {
            let (y, m, d) = mlpilot_core::frame::civil_from_days(19_358 + i);
            format!("{d:02}/{m:02}/{y}")
        })
        .collect();
    let v: Vec<f64> = (0..20).map(f64::from).collect();
    let p = Panel::from_frame(&frame(&dm, &v), &cols(), DuplicateTimes::Mean).unwrap();
    assert_eq!(
        p.axis,
        TimeAxis::Fixed {
            step_ms: 86_400_000
        }
    );
    assert_eq!(p.index_of(&p.series[0], "21/01/2023"), Some(20));
    // Forecasts are written as ISO dates; those read back too.
    assert_eq!(p.time_text(&p.series[0], 20), "2023-01-21");
    assert_eq!(p.index_of(&p.series[0], "2023-01-21"), Some(20));
    assert!(!p.reads_as_time("abc"));
    let mut bad = dm.clone();
    bad[7] = "07/13/2023".into();
    let err = Panel::from_frame(&frame(&bad, &v), &cols(), DuplicateTimes::Mean)
        .unwrap_err()
        .to_string();
    assert!(err.contains("row 7") && err.contains("07/13/2023"), "{err}");
}

/// Two shops whose sales follow the same weekly pattern at different sizes, with a promotion
/// flag known in the future.
/// The shops' columns, with the promotion known in the future or not.
fn shop_columns(known: bool) -> Columns<'static> {
    Columns {
        target: "y",
        time: "t",
        id: Some("shop"),
        covariates: vec![Covariate {
            name: "promo".into(),
            known,
        }],
    }
}

fn shops() -> Frame {
    let mut ids = Vec::new();
    let mut times = Vec::new();
    let mut promo = Vec::new();
    let mut sales = Vec::new();
    for (shop, size) in [("a", 1.0), ("b", 3.0)] {
        for i in 0..150i64 {
            let p = if i % 10 == 3 { 1.0 } else { 0.0 };
            ids.push(shop.to_string());
            times.push(day(i));
            promo.push(p);
            sales.push(
                size * (50.0 + [0.0, 2.0, 4.0, 3.0, 5.0, 12.0, 9.0][(i % 7) as usize] + 20.0 * p),
            );
        }
    }
    Frame::new(vec![
        Column::from_strs("shop", &ids),
        Column::from_strs("t", &times),
        Column::from_f64("promo", promo),
        Column::from_f64("y", sales),
    ])
    .unwrap()
}

#[test]
fn several_series_share_a_model_across_series_and_use_a_known_covariate() {
    let mut registry = Registry::new();
    mlpilot_backend_gbdt::register(&mut registry);
    let columns = shop_columns(true);
    let cfg = ForecastConfig {
        horizon: 10,
        ..ForecastConfig::default()
    };
    let all = shops();
    let train_rows: Vec<usize> = (0..300).filter(|r| r % 150 < 140).collect();
    let test_rows: Vec<usize> = (0..300).filter(|r| r % 150 >= 140).collect();
    let train = all.take(&train_rows).unwrap();
    let future = all.take(&test_rows).unwrap();
    let f = fit_frame(&train, &columns, DuplicateTimes::Mean, &cfg, &registry).unwrap();
    assert_eq!(f.panel.series.len(), 2);
    assert_eq!(f.global.len(), 1, "one lead estimator in the gbdt backend");
    assert!(f.note_lines().any(|n| n.contains("cannot use covariates")));
    // The promotion days in the future (days 143) are forecast as promotion days.
    let pts = f.forecast_frame(&future, &registry).unwrap();
    assert_eq!(pts.len(), 20);
    let y = future.require("y").unwrap();
    let e: f64 = pts
        .iter()
        .enumerate()
        .map(|(i, p)| (p.forecast - y.f64_at(i).unwrap()).powi(2))
        .sum::<f64>()
        / 20.0;
    // A forecast blind to the promotion misses its 20 (a) or 60 (b) on one day in ten.
    assert!(
        e.sqrt() < 6.0,
        "rmse {} with {:?} {:?}",
        e.sqrt(),
        f.models.iter().map(|m| m.method.name()).collect::<Vec<_>>(),
        f.models
            .iter()
            .map(|m| (
                m.periods.clone(),
                m.backtests
                    .iter()
                    .take(6)
                    .map(|b| (b.method.clone(), b.rmse))
                    .collect::<Vec<_>>()
            ))
            .collect::<Vec<_>>()
    );
    // Forecasting without the future promotions is refused, naming the column.
    let err = f.forecast(5, &registry).unwrap_err().to_string();
    assert!(err.contains("'promo'"), "{err}");
    // Different spacings across series are refused, naming both.
    let mut t2: Vec<String> = (0..150).map(day).collect();
    t2.extend((0..150).map(|i| day(2 * i)));
    let odd = Frame::new(vec![
        Column::from_strs("shop", (0..300).map(|r| if r < 150 { "a" } else { "b" })),
        Column::from_strs("t", &t2),
        Column::from_f64("promo", vec![0.0; 300]),
        Column::from_f64("y", (0..300).map(f64::from)),
    ])
    .unwrap();
    let err = Panel::from_frame(&odd, &columns, DuplicateTimes::Mean)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("series `b`") && err.contains("series `a`"),
        "{err}"
    );
}

#[test]
fn intervals_widen_with_the_step_and_report_their_coverage() {
    let truth =
        |t: usize| 100.0 + 10.0 * (TAU * t as f64 / 12.0).sin() + ((t * 7919) % 17) as f64 - 8.0;
    let n = 144;
    let times: Vec<String> = (0..n)
        .map(|i| format!("{}-{:02}", 2000 + i / 12, i % 12 + 1))
        .collect();
    let y: Vec<f64> = (0..n).map(truth).collect();
    let f = fit_on(&times, &y, 12);
    let pts = f.forecast(24, &Registry::new()).unwrap();
    for p in &pts {
        assert!(p.lower <= p.forecast && p.forecast <= p.upper);
    }
    let width = |k: usize| pts[k].upper - pts[k].lower;
    assert!(width(23) >= width(0));
    let c = f.models[0].coverage.unwrap();
    assert!((0.5..=1.0).contains(&c), "{c}");
}

#[test]
fn a_spent_budget_still_gives_every_series_a_forecast_and_says_so() {
    let mut registry = Registry::new();
    mlpilot_backend_gbdt::register(&mut registry);
    let columns = Columns {
        target: "y",
        time: "t",
        id: Some("shop"),
        covariates: Vec::new(),
    };
    let cfg = ForecastConfig {
        horizon: 7,
        deadline: Some(std::time::Instant::now()),
        ..ForecastConfig::default()
    };
    let f = fit_frame(&shops(), &columns, DuplicateTimes::Mean, &cfg, &registry).unwrap();
    assert!(f.global.is_empty());
    for m in &f.models {
        assert!(
            m.backtests.iter().all(|b| b.method.contains("naive")),
            "{:?}",
            m.backtests
        );
    }
    assert!(
        f.note_lines().any(|n| n.contains("2 of 2 series")),
        "{:?}",
        f.notes
    );
    assert_eq!(f.forecast(7, &registry).unwrap().len(), 14);
}

#[test]
fn future_rows_without_a_target_are_not_history() {
    // 60 days with sales, then 7 future days with only the price filled in.
    let times: Vec<String> = (0..67).map(day).collect();
    let sales: Vec<f64> = (0..67)
        .map(|i| {
            if i < 60 {
                100.0 + f64::from(i % 7)
            } else {
                f64::NAN
            }
        })
        .collect();
    let frame = Frame::new(vec![
        Column::from_strs("t", &times),
        Column::from_f64("price", (0..67).map(|i| f64::from(i % 3))),
        Column::from_f64("y", sales),
    ])
    .unwrap();
    let f = fit_with_known(&frame, "price", 7);
    let s = &f.panel.series[0];
    assert_eq!(s.values.len(), 60);
    assert_eq!(s.filled, 0);
    assert_eq!(s.untargeted.as_ref().unwrap().0, 7);
    assert!(
        f.note_lines()
            .any(|n| n.contains("7 row(s)") && n.contains("2023-03-02")),
        "{:?}",
        f.notes
    );
    // Those very rows are what predict takes.
    let future = frame.take(&(60..67).collect::<Vec<_>>()).unwrap();
    assert_eq!(
        f.forecast_frame(&future, &Registry::new()).unwrap().len(),
        7
    );
}

#[test]
fn past_covariates_reach_only_the_fitted_horizon() {
    let mut registry = Registry::new();
    mlpilot_backend_gbdt::register(&mut registry);
    let columns = shop_columns(false);
    let cfg = ForecastConfig {
        horizon: 5,
        ..ForecastConfig::default()
    };
    let f = fit_frame(&shops(), &columns, DuplicateTimes::Mean, &cfg, &registry).unwrap();
    let uses = f.models.iter().any(|m| m.method.uses_covariates());
    assert_eq!(f.forecast(5, &registry).unwrap().len(), 10);
    match f.forecast(9, &registry) {
        Ok(p) => assert!(
            !uses,
            "forecast beyond the horizon with past covariates: {p:?}"
        ),
        Err(e) => {
            let e = e.to_string();
            assert!(
                uses && e.contains("promo") && e.contains("--horizon"),
                "{e}"
            );
        }
    }
}

#[test]
fn the_candidates_structure_never_sees_the_backtest_windows() {
    // The same first 84 points (up to the first origin); after them one series keeps its
    // season, the other turns into a steep trend. The candidates' forms must be the same.
    let base = |t: usize| 50.0 + 8.0 * (TAU * t as f64 / 12.0).sin();
    let n = 144;
    let times: Vec<String> = (0..n)
        .map(|i| format!("{}-{:02}", 2000 + i / 12, i % 12 + 1))
        .collect();
    let a: Vec<f64> = (0..n).map(base).collect();
    let b: Vec<f64> = (0..n)
        .map(|t| {
            if t < 84 {
                base(t)
            } else {
                base(t) + 3.0 * (t - 83) as f64
            }
        })
        .collect();
    let fa = fit_on(&times, &a, 12);
    let fb = fit_on(&times, &b, 12);
    assert_eq!(fa.models[0].origins[0], 84);
    assert_eq!(fa.models[0].periods, fb.models[0].periods);
    let names = |f: &Forecaster| {
        let mut v: Vec<String> = f.models[0]
            .backtests
            .iter()
            .map(|b| b.method.clone())
            .filter(|m| !m.starts_with("mean of"))
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&fa), names(&fb));
}

#[test]
fn a_covariate_that_carries_the_week_does_not_hide_it() {
    // Demand is 30 lower on weekends, and a `workday` covariate says which days those are.
    let n = 200i64;
    let times: Vec<String> = (0..n).map(day).collect();
    // 2023-01-01 was a Sunday.
    let workday: Vec<f64> = (0..n)
        .map(|i| if i % 7 == 0 || i % 7 == 6 { 0.0 } else { 1.0 })
        .collect();
    let y: Vec<f64> = (0..n)
        .map(|i| 70.0 + 30.0 * workday[i as usize] + ((i * 37) % 11) as f64)
        .collect();
    let frame = Frame::new(vec![
        Column::from_strs("t", &times),
        Column::from_f64("workday", workday),
        Column::from_f64("y", y),
    ])
    .unwrap();
    let f = fit_with_known(&frame, "workday", 14);
    assert_eq!(f.models[0].periods, vec![7.0]);
    assert!(
        f.models[0]
            .backtests
            .iter()
            .any(|b| b.method == "seasonal naive (period 7)")
    );
}

#[test]
fn counts_are_never_forecast_below_zero_and_a_lone_window_is_named() {
    // A falling count series: a straight extrapolation would cross zero.
    let n = 40;
    let times: Vec<String> = (0..n).map(|i| (1980 + i).to_string()).collect();
    let y: Vec<f64> = (0..n)
        .map(|t| (60.0 - 1.5 * t as f64).max(0.0) + (t % 3) as f64)
        .collect();
    let f = fit_on(&times, &y, 28);
    let pts = f.forecast(28, &Registry::new()).unwrap();
    assert!(
        pts.iter().all(|p| p.lower >= 0.0 && p.forecast >= 0.0),
        "{pts:?}"
    );
    assert_eq!(f.models[0].origins.len(), 1);
    assert!(
        f.note_lines()
            .any(|n| n.contains("only one backtest window")),
        "{:?}",
        f.notes
    );
    assert!(f.models[0].coverage.is_none());
}
