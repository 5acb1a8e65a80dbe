//! Choosing and fitting forecasters: rolling-origin backtests of every candidate on each series,
//! global models trained across series through the model backends, combinations of the best,
//! and prediction intervals whose coverage the backtests measure.

use std::sync::Arc;
use std::time::Instant;

use mlpilot_core::facts::ForecastNote;
use mlpilot_core::{
    DataShape, Dataset, DynEstimator, DynModel, Error, Features, FitContext, Matrix, Registry,
    Result, Task, metrics,
};
use serde::{Deserialize, Serialize};

use crate::features::{self, Context, FeatureSpec};
use crate::method::{self, Local, Method};
use crate::seasons;
use crate::series::{Panel, Series, series_label};

/// How to fit.
#[derive(Debug, Clone)]
pub struct ForecastConfig {
    /// Steps to forecast (the backtests forecast this many).
    pub horizon: usize,
    /// Backtest windows (rolling origins) per series.
    pub windows: usize,
    /// Nominal coverage of the prediction intervals (0.8: an 80 % interval).
    pub level: f64,
    /// Seed for the backend models.
    pub seed: u64,
    /// Threads for the backend models.
    pub threads: usize,
    /// Stop adding candidates after this instant (the forecaster is still complete).
    pub deadline: Option<Instant>,
    /// Train models from the registry across series (reduction to regression).
    pub backends: bool,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        ForecastConfig {
            horizon: 12,
            windows: 5,
            level: 0.8,
            seed: 0,
            threads: 1,
            deadline: None,
            backends: true,
        }
    }
}

/// The column names a forecaster was fitted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Names {
    /// The value forecast.
    pub target: String,
    /// The times.
    pub time: String,
    /// The series id, when the table holds several series.
    pub id: Option<String>,
}

/// A model from a backend trained across every series (reduction to regression).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalModel {
    /// The registry id of its estimator.
    pub estimator: String,
    /// A name for people.
    pub name: String,
    /// Its features.
    pub spec: FeatureSpec,
    /// The fitted model, as the backend wrote it.
    pub model: Vec<u8>,
    /// The model's own importance of each feature (named), largest first, when it has them.
    #[serde(default)]
    pub importances: Vec<(String, f64)>,
}

/// One candidate's backtest on one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// The method.
    pub method: String,
    /// RMSE over every backtest window.
    pub rmse: f64,
    /// MAE.
    pub mae: f64,
    /// sMAPE (%).
    pub smape: f64,
    /// MASE against the seasonal naive forecast's in-sample error.
    pub mase: Option<f64>,
}

/// The forecaster of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesModel {
    /// The seasons found, in steps.
    pub periods: Vec<f64>,
    /// The chosen method.
    pub method: Method,
    /// Every candidate's backtest, best first.
    pub backtests: Vec<Backtest>,
    /// The chosen method's backtest errors (actual − forecast) by step ahead.
    pub errors_by_step: Vec<Vec<f64>>,
    /// The share of backtest points inside the interval built from the other windows' errors
    /// (leave one window out), when there were two windows or more.
    pub coverage: Option<f64>,
    /// Backtest windows: the forecast origins (grid indices).
    pub origins: Vec<usize>,
}

/// A fitted forecaster: the series, each one's chosen method, and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecaster {
    /// The series (the whole history, needed to forecast).
    pub panel: Panel,
    /// Column names.
    pub names: Names,
    /// The horizon the methods were chosen for.
    pub horizon: usize,
    /// Nominal coverage of the intervals.
    pub level: f64,
    /// One per series, in the panel's order.
    pub models: Vec<SeriesModel>,
    /// Models trained across series.
    pub global: Vec<GlobalModel>,
    /// What the fit left out or changed (covariates a method cannot use, candidates skipped
    /// for time), as facts; [`Forecaster::note_lines`] says them in words.
    pub notes: Vec<ForecastNote>,
}

/// One forecast point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastPoint {
    /// The series id (tables with several series).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The time.
    pub time: String,
    /// The point forecast.
    pub forecast: f64,
    /// The lower bound of the interval.
    pub lower: f64,
    /// The upper bound.
    pub upper: f64,
}

/// A candidate's forecasts of each backtest window.
struct Trial {
    method: Method,
    forecasts: Vec<Vec<f64>>,
}

/// The forecast origins of a series of `n` points: the last at `n − h`, the others `spacing`
/// apart, never leaving less than half the series (or two seasons) to train on.
fn origins(n: usize, h: usize, windows: usize, min_train: usize) -> Vec<usize> {
    let last = n.saturating_sub(h);
    let first = min_train.min(last);
    let room = last - first;
    let w = windows.max(1);
    let spacing = if w > 1 {
        (room / (w - 1)).min(h).max(1)
    } else {
        h
    };
    let mut out: Vec<usize> = (0..w)
        .filter_map(|j| last.checked_sub(j * spacing))
        .filter(|e| *e >= first && *e > 0)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn local<'a>(panel: &'a Panel, s: &'a Series, covariates: &'a [Vec<f64>]) -> Local<'a> {
    Local {
        axis: &panel.axis,
        origin: s.origin,
        covariates,
    }
}

/// The features global and linear models start from.
fn base_spec(panel: &Panel, periods: &[f64], h: usize, positive: bool) -> FeatureSpec {
    let ints: Vec<usize> = periods
        .iter()
        .map(|p| p.round() as usize)
        .filter(|p| *p >= 2)
        .collect();
    let mut seasonal_lags = Vec::new();
    for &m in &ints {
        if m > 3 {
            seasonal_lags.push(m);
        }
    }
    let fourier = periods
        .iter()
        .filter(|p| **p >= 3.0)
        .map(|p| {
            (
                *p,
                ((*p / 2.0).floor() as usize).clamp(1, if *p > 100.0 { 6 } else { 3 }),
            )
        })
        .collect();
    let known: Vec<usize> = panel
        .covariates
        .iter()
        .enumerate()
        .filter(|c| c.1.known)
        .map(|c| c.0)
        .collect();
    let past: Vec<usize> = panel
        .covariates
        .iter()
        .enumerate()
        .filter(|c| !c.1.known)
        .map(|c| c.0)
        .collect();
    FeatureSpec {
        lags: vec![1, 2, 3],
        seasonal_lags,
        fourier,
        calendar: false,
        trend: false,
        window: ints.first().copied().unwrap_or(4).clamp(1, 28),
        log: positive,
        known,
        past,
        horizon: h,
    }
}

/// The series with its covariates' linear effect taken out (least squares on the covariates),
/// so that a season is not hidden by promotions or prices that move the values.
fn without_covariates(s: &Series) -> Vec<f64> {
    if s.covariates.is_empty() {
        return s.values.clone();
    }
    let rows: Vec<Vec<f64>> = (0..s.values.len())
        .map(|t| {
            s.covariates
                .iter()
                .map(|c| c.get(t).copied().unwrap_or(0.0))
                .collect()
        })
        .collect();
    match features::ridge(&rows, &s.values, 1e-6) {
        Some(coef) => s
            .values
            .iter()
            .zip(&rows)
            .map(|(y, r)| y - features::dot(&coef, r) + coef.last().copied().unwrap_or(0.0))
            .collect(),
        None => s.values.clone(),
    }
}

fn rmse(a: &[f64], p: &[f64]) -> f64 {
    metrics::mse(a, p).sqrt()
}

/// Fits a forecaster on `panel`: per series, seasons are found on the whole series and the
/// form of every candidate (ETS forms, scale) on the points before the first of five rolling
/// origins; every candidate is refitted at each origin and forecasts the next `horizon` points from the data
/// before it; models from `registry` are trained across series at each origin the same way (an
/// origin is the same count of points back from each series' end, which is the same time when
/// the series end together); the means of the best method of the best two, three and four
/// families are judged on the same windows, and the candidate with the lowest mean rank over
/// the windows wins (each window ranks every candidate, so one turbulent window cannot decide
/// alone; ties go to the lower RMSE over all windows).
/// Intervals come from the chosen method's backtest errors. Gaps are interpolated before all
/// this, from the values on both sides.
///
/// # Errors
/// A series shorter than the horizon plus 10 points (naming it); no method could be fitted.
pub fn fit(
    panel: Panel,
    names: Names,
    cfg: &ForecastConfig,
    registry: &Registry,
) -> Result<Forecaster> {
    let h = cfg.horizon.max(1);
    check_lengths(&panel, h)?;
    let mut notes = untargeted_notes(&panel, &names);
    let calendar_axis = !panel.axis.calendar_periods().is_empty();
    let periods = series_periods(&panel, h);
    let ends = backtest_origins(&panel, &periods, h, cfg.windows);
    notes.extend(single_window_note(&panel, &ends));
    notes.extend(covariates_note(&panel));
    let mut trials = local_trials(&panel, &periods, &ends, h, cfg, calendar_axis, &mut notes);
    let global = if cfg.backends {
        global_trials(
            &panel,
            &periods,
            &ends,
            h,
            cfg,
            registry,
            &mut trials,
            &mut notes,
        )
    } else {
        Vec::new()
    };
    let models = panel
        .series
        .iter()
        .zip(&periods)
        .zip(&ends)
        .zip(trials)
        .map(|(((s, p), e), tr)| choose_for_series(&panel, s, p, e, tr, h, cfg))
        .collect::<Result<Vec<_>>>()?;
    Ok(Forecaster {
        panel,
        names,
        horizon: h,
        level: cfg.level,
        models,
        global,
        notes,
    })
}

/// Refuses a series shorter than the horizon plus 10 points, naming it.
fn check_lengths(panel: &Panel, h: usize) -> Result<()> {
    for s in &panel.series {
        if s.values.len() < h + 10 {
            return Err(Error::invalid_input(format!(
                "a horizon of {h} needs at least {} points per series; {} has {}: shorten \
                 --horizon, or leave that series out",
                h + 10,
                series_label(s.id.as_deref()),
                s.values.len()
            )));
        }
    }
    Ok(())
}

/// A note for each series with rows outside the target's values.
fn untargeted_notes(panel: &Panel, names: &Names) -> Vec<ForecastNote> {
    let mut notes = Vec::new();
    for s in &panel.series {
        if let Some((count, times)) = &s.untargeted {
            notes.push(ForecastNote::Untargeted {
                series: s.id.clone(),
                rows: *count,
                target: names.target.clone(),
                times: times.clone(),
            });
        }
    }
    notes
}

/// The seasons of each series, found on the whole series (which of the calendar's seasons it
/// has is a property of the series, and a yearly one needs every year there is), as it is and
/// with its covariates' effect taken out: a promotion can hide a week, and a covariate such as
/// "working day" can carry one.
fn series_periods(panel: &Panel, h: usize) -> Vec<Vec<f64>> {
    panel
        .series
        .iter()
        .map(|s| {
            let mut p = seasons::detect(&s.values, &panel.axis, h);
            if !s.covariates.is_empty() {
                p.extend(seasons::detect(&without_covariates(s), &panel.axis, h));
                p.sort_by(f64::total_cmp);
                p.dedup();
                p.truncate(3);
            }
            p
        })
        .collect()
}

/// The backtest origins of each series. The form of every candidate (which ETS forms, the log
/// scale, which models fit at all) is chosen on the points before the first origin, so that
/// no such choice has seen a window it is judged on; parameters are refitted at each origin.
fn backtest_origins(
    panel: &Panel,
    periods: &[Vec<f64>],
    h: usize,
    windows: usize,
) -> Vec<Vec<usize>> {
    let prefix_len =
        |n: usize, longest: usize| origins(n, h, windows, (n / 2).max(2 * longest + 2).max(10));
    panel
        .series
        .iter()
        .zip(periods)
        .map(|(s, p)| {
            let longest = p.iter().copied().fold(0.0, f64::max).ceil() as usize;
            prefix_len(s.values.len(), longest)
        })
        .collect()
}

/// A note when some series have room for one backtest window only.
fn single_window_note(panel: &Panel, ends: &[Vec<usize>]) -> Option<ForecastNote> {
    let series: Vec<Option<String>> = panel
        .series
        .iter()
        .zip(ends)
        .filter(|(_, e)| e.len() < 2)
        .map(|(s, _)| s.id.clone())
        .collect();
    (!series.is_empty()).then_some(ForecastNote::SingleWindow { series })
}

/// A note on which methods use the covariates, when there are any.
fn covariates_note(panel: &Panel) -> Option<ForecastNote> {
    (!panel.covariates.is_empty()).then(|| ForecastNote::Covariates {
        columns: panel.covariates.iter().map(|c| c.name.clone()).collect(),
    })
}

/// Local candidates, backtested per series (with a note when the time budget ran out).
fn local_trials(
    panel: &Panel,
    periods: &[Vec<f64>],
    ends: &[Vec<usize>],
    h: usize,
    cfg: &ForecastConfig,
    calendar_axis: bool,
    notes: &mut Vec<ForecastNote>,
) -> Vec<Vec<Trial>> {
    let mut trials: Vec<Vec<Trial>> = Vec::with_capacity(panel.series.len());
    let mut short_of_time = 0usize;
    for ((s, p), e) in panel.series.iter().zip(periods).zip(ends) {
        let covs = &s.covariates;
        let loc = local(panel, s, covs);
        let before = s
            .values
            .get(..e.first().copied().unwrap_or(0))
            .unwrap_or_default();
        let positive = before.iter().all(|v| *v > 0.0);
        let base = base_spec(panel, p, h, positive);
        let calendar = calendar_axis
            && !p.is_empty()
            && panel.axis.calendar_periods().iter().any(|c| p.contains(c));
        let late = cfg.deadline.is_some_and(|d| Instant::now() > d);
        let cands = if late {
            method::baselines(p)
        } else {
            method::candidates(before, p, &base, &loc, calendar, cfg.deadline)
        };
        let (out, complete) = backtest_local(&s.values, &cands, e, h, &loc, cfg.deadline);
        if late || !complete {
            short_of_time += 1;
        }
        trials.push(out);
    }
    if short_of_time > 0 {
        notes.push(ForecastNote::BudgetSeries {
            short: short_of_time,
            total: panel.series.len(),
        });
    }
    trials
}

/// Global models through the backends, backtested across series; their window forecasts join
/// each series' trials.
#[allow(clippy::too_many_arguments)]
fn global_trials(
    panel: &Panel,
    periods: &[Vec<f64>],
    ends: &[Vec<usize>],
    h: usize,
    cfg: &ForecastConfig,
    registry: &Registry,
    trials: &mut [Vec<Trial>],
    notes: &mut Vec<ForecastNote>,
) -> Vec<GlobalModel> {
    let calendar_axis = !panel.axis.calendar_periods().is_empty();
    let all_positive = panel.series.iter().zip(ends).all(|(s, e)| {
        let first = e.first().copied().unwrap_or(0);
        s.values.iter().take(first).all(|v| *v > 0.0)
    });
    let mut global = Vec::new();
    let mut union: Vec<f64> = periods.iter().flatten().copied().collect();
    union.sort_by(f64::total_cmp);
    union.dedup();
    union.truncate(3);
    let mut spec = base_spec(panel, &union, h, all_positive);
    spec.calendar = calendar_axis;
    let estimators = lead_estimators(registry);
    for est in estimators {
        if cfg.deadline.is_some_and(|d| Instant::now() > d) {
            notes.push(ForecastNote::BudgetGlobal {
                model: est.info().name.to_string(),
            });
            break;
        }
        match backtest_global(panel, ends, &spec, &est, cfg, h) {
            Ok((model, importances, per_series)) => {
                let index = global.len();
                let name = format!(
                    "{} on lags{}{}",
                    est.info().name,
                    if spec.calendar {
                        " and calendar terms"
                    } else {
                        ""
                    },
                    if panel.series.len() > 1 {
                        ", across series"
                    } else {
                        ""
                    }
                );
                global.push(GlobalModel {
                    estimator: est.info().id,
                    name: name.clone(),
                    spec: spec.clone(),
                    model,
                    importances,
                });
                for (t, forecasts) in trials.iter_mut().zip(per_series) {
                    if let Some(f) = forecasts {
                        t.push(Trial {
                            method: Method::Global {
                                index,
                                name: name.clone(),
                            },
                            forecasts: f,
                        });
                    }
                }
            }
            Err(e) => notes.push(ForecastNote::GlobalFailed {
                model: est.info().name.to_string(),
                error: e.to_string(),
            }),
        }
    }

    global
}

/// Chooses the method for one series by its backtests (and combinations of the best of each
/// family), and refits it on the whole series.
fn choose_for_series(
    panel: &Panel,
    s: &Series,
    p: &[f64],
    e: &[usize],
    mut tr: Vec<Trial>,
    h: usize,
    cfg: &ForecastConfig,
) -> Result<SeriesModel> {
    let actual: Vec<f64> = e
        .iter()
        .flat_map(|&end| {
            s.values
                .get(end..end + h)
                .unwrap_or_default()
                .iter()
                .copied()
        })
        .collect();
    let score = |t: &Trial| rmse(&actual, &t.forecasts.concat());
    tr.sort_by(|a, b| score(a).total_cmp(&score(b)));
    let combos = family_combinations(&tr, e.len(), h);
    let windows: Vec<&[f64]> = e
        .iter()
        .map(|&end| s.values.get(end..end + h).unwrap_or_default())
        .collect();
    tr.extend(combos);
    rank_first(&mut tr, &windows, &score);
    let chosen = tr.first().ok_or_else(|| {
        Error::internal(format!(
            "no forecasting method could be fitted on {}",
            series_label(s.id.as_deref())
        ))
    })?;
    let period = p.first().map_or(1, |m| m.round().max(1.0) as usize);
    let last_train = s
        .values
        .get(..e.last().copied().unwrap_or(0))
        .unwrap_or_default();
    let backtests = tr
        .iter()
        .map(|t| {
            let f = t.forecasts.concat();
            Backtest {
                method: t.method.name(),
                rmse: rmse(&actual, &f),
                mae: metrics::mae(&actual, &f),
                smape: metrics::smape(&actual, &f),
                mase: metrics::mase(&actual, &f, last_train, period),
            }
        })
        .collect();
    let errors: Vec<Vec<f64>> = e
        .iter()
        .zip(&chosen.forecasts)
        .map(|(&end, f)| {
            s.values
                .get(end..end + h)
                .unwrap_or_default()
                .iter()
                .zip(f)
                .map(|(a, b)| a - b)
                .collect()
        })
        .collect();
    let errors_by_step: Vec<Vec<f64>> = (0..h)
        .map(|k| errors.iter().filter_map(|w| w.get(k).copied()).collect())
        .collect();
    let coverage = loo_coverage(&errors, cfg.level);
    // The chosen method refitted on the whole series.
    let loc = local(panel, s, &s.covariates);
    let method = refit_all(&chosen.method, &s.values, &loc);
    Ok(SeriesModel {
        periods: p.to_vec(),
        method,
        backtests,
        errors_by_step,
        coverage,
        origins: e.to_vec(),
    })
}

/// Combinations of the best method of each family (the best few families by backtest, `tr`
/// sorted by it), judged on the same windows: mixing kinds of model is what makes a
/// combination robust.
fn family_combinations(tr: &[Trial], n_windows: usize, h: usize) -> Vec<Trial> {
    // Combinations of the best method of each family (the best few families by backtest),
    // judged on the same windows: mixing kinds of model is what makes a combination robust.
    let mut seen = Vec::new();
    let family_best: Vec<&Trial> = tr
        .iter()
        .filter(|t| {
            let f = t.method.family();
            let new = !seen.contains(&f);
            seen.push(f);
            new
        })
        .collect();
    let mut combos = Vec::new();
    for k in [2usize, 3, 4] {
        if family_best.len() >= k {
            let members: Vec<&Trial> = family_best.iter().take(k).copied().collect();
            let forecasts = (0..n_windows)
                .map(|w| {
                    (0..h)
                        .map(|i| {
                            members
                                .iter()
                                .map(|m| {
                                    m.forecasts
                                        .get(w)
                                        .and_then(|f| f.get(i))
                                        .copied()
                                        .unwrap_or(f64::NAN)
                                })
                                .sum::<f64>()
                                / k as f64
                        })
                        .collect()
                })
                .collect();
            combos.push(Trial {
                method: Method::Combination {
                    members: members.iter().map(|m| m.method.clone()).collect(),
                },
                forecasts,
            });
        }
    }
    combos
}

/// Puts the winner first: each window ranks every candidate; the lowest mean rank wins (one
/// turbulent window cannot decide alone), ties broken by `score` (the RMSE over all windows);
/// the others follow by `score`, for the report.
fn rank_first(tr: &mut Vec<Trial>, windows: &[&[f64]], score: &impl Fn(&Trial) -> f64) {
    // Each window ranks every candidate; the lowest mean rank wins (one turbulent window
    // cannot decide alone), ties broken by the RMSE over all windows.
    let per_window: Vec<Vec<f64>> = tr
        .iter()
        .map(|t| {
            windows
                .iter()
                .zip(&t.forecasts)
                .map(|(a, f)| rmse(a, f))
                .collect()
        })
        .collect();
    let at = |row: &Vec<f64>, w: usize| row.get(w).copied().unwrap_or(f64::INFINITY);
    let mean_rank: Vec<f64> = per_window
        .iter()
        .map(|mine| {
            (0..windows.len())
                .map(|w| per_window.iter().filter(|o| at(o, w) < at(mine, w)).count() as f64)
                .sum::<f64>()
                / windows.len().max(1) as f64
        })
        .collect();
    let key = |i: usize| {
        (
            mean_rank.get(i).copied().unwrap_or(f64::INFINITY),
            tr.get(i).map_or(f64::INFINITY, &score),
        )
    };
    let best = (0..tr.len()).min_by(|&a, &b| {
        let (ra, sa) = key(a);
        let (rb, sb) = key(b);
        ra.total_cmp(&rb).then(sa.total_cmp(&sb))
    });
    if let Some(i) = best {
        let c = tr.remove(i);
        // The others by their RMSE over all windows, for the report.
        tr.sort_by(|a, b| score(a).total_cmp(&score(b)));
        tr.insert(0, c);
    }
}

/// Each candidate refitted on the points before each origin and forecasting the `h` after
/// it: the window forecasts (a candidate that fails in any window is dropped), and whether
/// every candidate was tried before `deadline`.
fn backtest_local(
    y: &[f64],
    cands: &[Method],
    origins: &[usize],
    h: usize,
    loc: &Local<'_>,
    deadline: Option<Instant>,
) -> (Vec<Trial>, bool) {
    let mut out = Vec::with_capacity(cands.len());
    let mut complete = true;
    for c in cands {
        // Past the deadline only the baselines (no fitting) are still tried, so every series
        // keeps a forecast.
        let baseline = matches!(c, Method::Naive | Method::SeasonalNaive { .. });
        if !baseline && deadline.is_some_and(|d| Instant::now() > d) {
            complete = false;
            continue;
        }
        let mut forecasts = Vec::with_capacity(origins.len());
        for &end in origins {
            // Only the points before the origin: the refit and the forecast cannot see the
            // window they are judged on.
            let train = y.get(..end).unwrap_or_default();
            match c.refit(train, loc).and_then(|m| m.forecast(train, h, loc)) {
                Some(f) => forecasts.push(f),
                None => break,
            }
        }
        if forecasts.len() == origins.len() {
            out.push(Trial {
                method: c.clone(),
                forecasts,
            });
        }
    }
    (out, complete)
}

fn refit_all(m: &Method, y: &[f64], loc: &Local<'_>) -> Method {
    match m {
        Method::Global { .. } => m.clone(),
        Method::Combination { members } => Method::Combination {
            members: members.iter().map(|x| refit_all(x, y, loc)).collect(),
        },
        other => other.refit(y, loc).unwrap_or_else(|| other.clone()),
    }
}

/// The registry's estimators whose defaults are strong on most tables (boosted trees, by the
/// `lead` flag) and deterministic, for regression: at most two, in the order of their ids.
fn lead_estimators(registry: &Registry) -> Vec<Arc<dyn DynEstimator>> {
    let mut out: Vec<Arc<dyn DynEstimator>> = registry
        .for_task(Task::Regression)
        .into_iter()
        .filter(|e| {
            let i = e.info();
            i.defaults.lead && i.defaults.enabled && i.capabilities.deterministic
        })
        .collect();
    out.sort_by(|a, b| a.info().id.cmp(&b.info().id));
    out.truncate(2);
    out
}

type GlobalBacktest = (Vec<u8>, Vec<(String, f64)>, Vec<Option<Vec<Vec<f64>>>>);

/// Trains `est` across series at each rolling origin and forecasts every series from it; then
/// once more on everything. Returns the final model's bytes and each series' window forecasts.
fn backtest_global(
    panel: &Panel,
    ends: &[Vec<usize>],
    spec: &FeatureSpec,
    est: &Arc<dyn DynEstimator>,
    cfg: &ForecastConfig,
    h: usize,
) -> Result<GlobalBacktest> {
    let windows = ends.iter().map(Vec::len).max().unwrap_or(0);
    let mut per_series: Vec<Option<Vec<Vec<f64>>>> = vec![Some(Vec::new()); panel.series.len()];
    for w in 0..windows {
        let cut: Vec<Option<usize>> = ends.iter().map(|e| e.get(w).copied()).collect();
        let model = train_global(panel, &cut, spec, est, cfg)?;
        for (i, s) in panel.series.iter().enumerate() {
            let Some(end) = cut.get(i).copied().flatten() else {
                continue;
            };
            let fc = forecast_global(
                model.as_ref(),
                spec,
                panel,
                s,
                s.values.get(..end).unwrap_or_default(),
                &s.covariates,
                h,
            );
            if let Some(slot) = per_series.get_mut(i) {
                match (slot.as_mut(), fc) {
                    (Some(v), Some(f)) => v.push(f),
                    _ => *slot = None,
                }
            }
        }
    }
    let full: Vec<Option<usize>> = panel.series.iter().map(|s| Some(s.values.len())).collect();
    let model = train_global(panel, &full, spec, est, cfg)?;
    let names: Vec<String> = panel.covariates.iter().map(|c| c.name.clone()).collect();
    let mut importances: Vec<(String, f64)> = model
        .feature_importances()
        .map(|v| spec.names(&names).into_iter().zip(v).collect())
        .unwrap_or_default();
    importances.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok((model.to_bytes()?, importances, per_series))
}

fn train_global(
    panel: &Panel,
    cut: &[Option<usize>],
    spec: &FeatureSpec,
    est: &Arc<dyn DynEstimator>,
    cfg: &ForecastConfig,
) -> Result<Box<dyn DynModel>> {
    let mut x: Vec<Vec<f64>> = Vec::new();
    let mut y: Vec<f64> = Vec::new();
    for (s, end) in panel.series.iter().zip(cut) {
        let Some(end) = *end else { continue };
        let Some(z) = spec.transform(s.values.get(..end).unwrap_or_default()) else {
            continue;
        };
        let ctx = Context {
            axis: &panel.axis,
            origin: s.origin,
            covariates: &s.covariates,
            scale: features::scale_of(&z),
        };
        let (rx, ry) = spec.rows(&z, &ctx);
        x.extend(rx);
        y.extend(ry);
    }
    // The most recent 50,000 rows are plenty for a model of this kind.
    if x.len() > 50_000 {
        let drop = x.len() - 50_000;
        x.drain(..drop);
        y.drain(..drop);
    }
    if x.len() < 20 {
        return Err(Error::invalid_input(format!(
            "{} rows of lags is too few to train a model across series (20 or more are needed: \
             longer series, or shorter seasons and horizon)",
            x.len()
        )));
    }
    let data = Dataset::regression(Features::Dense(Matrix::from_rows(&x)?), y)?;
    let shape = DataShape {
        n_rows: data.n_rows(),
        n_features: data.n_features(),
        n_classes: 0,
    };
    let params = est.search_space(Task::Regression, shape).defaults();
    // Boosted trees stop at the deadline with the trees grown so far.
    let ctx = FitContext::new(cfg.seed)
        .with_threads(cfg.threads)
        .with_deadline(cfg.deadline);
    est.fit_dyn(&data, &params, &ctx)
}

pub(crate) fn forecast_global(
    model: &dyn DynModel,
    spec: &FeatureSpec,
    panel: &Panel,
    s: &Series,
    history: &[f64],
    covariates: &[Vec<f64>],
    h: usize,
) -> Option<Vec<f64>> {
    let z = spec.transform(history)?;
    let ctx = Context {
        axis: &panel.axis,
        origin: s.origin,
        covariates,
        scale: features::scale_of(&z),
    };
    let width = spec.width();
    spec.recursive(&z, h, &ctx, &mut |row| {
        let m = Matrix::new(1, width, row.to_vec()).ok()?;
        model.predict(&Features::Dense(m)).ok()?.first().copied()
    })
}

/// Prediction intervals from backtest errors (actual − forecast) by step ahead: the errors are
/// standardised by their step's spread (taken with the neighbouring steps' errors — a few
/// windows give a few errors per step — and made non-decreasing with the step), pooled, and
/// their `(1 − level)/2` and `(1 + level)/2` quantiles scaled back at each step. Computed once,
/// read per step.
pub(crate) struct Band {
    rms: Vec<f64>,
    lo: f64,
    hi: f64,
}

impl Band {
    pub(crate) fn new(errors_by_step: &[Vec<f64>], level: f64) -> Band {
        let n = errors_by_step.len();
        let reach = (n / 8).max(1);
        // Prefix sums of squares and counts, so each step's neighbourhood costs O(1).
        let mut sq = vec![0.0; n + 1];
        let mut cnt = vec![0usize; n + 1];
        for (i, e) in errors_by_step.iter().enumerate() {
            let (s, c) = (
                sq.get(i).copied().unwrap_or(0.0),
                cnt.get(i).copied().unwrap_or(0),
            );
            if let (Some(ns), Some(nc)) = (sq.get_mut(i + 1), cnt.get_mut(i + 1)) {
                *ns = s + e.iter().map(|v| v * v).sum::<f64>();
                *nc = c + e.len();
            }
        }
        let rms: Vec<f64> = (0..n)
            .map(|i| {
                let (a, b) = (i.saturating_sub(reach), (i + reach + 1).min(n));
                let s = sq.get(b).copied().unwrap_or(0.0) - sq.get(a).copied().unwrap_or(0.0);
                let c = cnt.get(b).copied().unwrap_or(0) - cnt.get(a).copied().unwrap_or(0);
                (s.max(0.0) / c.max(1) as f64).sqrt()
            })
            .scan(0.0f64, |m, r| {
                *m = m.max(r);
                Some(*m)
            })
            .collect();
        let mut pooled: Vec<f64> = errors_by_step
            .iter()
            .zip(&rms)
            .flat_map(|(e, r)| e.iter().map(move |v| if *r > 0.0 { v / r } else { 0.0 }))
            .collect();
        pooled.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let i = (pooled.len().saturating_sub(1) as f64 * p).round() as usize;
            pooled.get(i).copied().unwrap_or(0.0)
        };
        let tail = (1.0 - level) / 2.0;
        Band {
            lo: q(tail).min(0.0),
            hi: q(1.0 - tail).max(0.0),
            rms,
        }
    }

    /// The offsets from the forecast of the interval's bounds at step `k` (0-based).
    pub(crate) fn at(&self, k: usize) -> (f64, f64) {
        let last = self.rms.len().saturating_sub(1);
        let base = self.rms.get(k.min(last)).copied().unwrap_or(0.0);
        // Beyond the backtested horizon the spread grows like a random walk's.
        let grow = if k > last {
            ((k + 1) as f64 / (last + 1) as f64).sqrt()
        } else {
            1.0
        };
        (self.lo * base * grow, self.hi * base * grow)
    }
}

/// Leave-one-window-out coverage: each window's actual values against the interval built from
/// the other windows' errors.
fn loo_coverage(errors: &[Vec<f64>], level: f64) -> Option<f64> {
    if errors.len() < 2 {
        return None;
    }
    let (mut inside, mut total) = (0usize, 0usize);
    for (w, held) in errors.iter().enumerate() {
        let others: Vec<&Vec<f64>> = errors
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != w)
            .map(|x| x.1)
            .collect();
        let h = held.len();
        let by_step: Vec<Vec<f64>> = (0..h)
            .map(|k| others.iter().filter_map(|o| o.get(k).copied()).collect())
            .collect();
        let band = Band::new(&by_step, level);
        for (k, e) in held.iter().enumerate() {
            let (lo, hi) = band.at(k);
            total += 1;
            // actual = forecast + e, inside when lo ≤ e ≤ hi.
            if *e >= lo && *e <= hi {
                inside += 1;
            }
        }
    }
    (total > 0).then(|| inside as f64 / total as f64)
}

/// What every candidate forecasts for the next `h` points of series `i`, fitted on its whole
/// history (local candidates, then the global models trained on every series): for
/// benchmarks and diagnostics (a leaderboard on held-out data), not used by [`fit`].
/// Covariates known in the future must already extend `h` points past the history.
pub fn candidate_forecasts(
    panel: &Panel,
    i: usize,
    h: usize,
    covariates: &[Vec<f64>],
    registry: &Registry,
    cfg: &ForecastConfig,
) -> Vec<(String, Vec<f64>)> {
    let Some(s) = panel.series.get(i) else {
        return Vec::new();
    };
    let p = seasons::detect(&without_covariates(s), &panel.axis, h);
    let positive = s.values.iter().all(|v| *v > 0.0);
    let loc = local(panel, s, covariates);
    let base = base_spec(panel, &p, h, positive);
    let calendar = !panel.axis.calendar_periods().is_empty();
    let mut out: Vec<(String, Vec<f64>)> =
        method::candidates(&s.values, &p, &base, &loc, calendar, None)
            .into_iter()
            .filter_map(|m| Some((m.name(), m.forecast(&s.values, h, &loc)?)))
            .collect();
    let all_positive = panel
        .series
        .iter()
        .all(|s| s.values.iter().all(|v| *v > 0.0));
    let mut spec = base_spec(panel, &p, h, all_positive);
    spec.calendar = calendar;
    let full: Vec<Option<usize>> = panel.series.iter().map(|s| Some(s.values.len())).collect();
    for est in lead_estimators(registry) {
        if let Ok(model) = train_global(panel, &full, &spec, &est, cfg)
            && let Some(f) =
                forecast_global(model.as_ref(), &spec, panel, s, &s.values, covariates, h)
        {
            out.push((format!("{} across series", est.info().name), f));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::axis::TimeAxis;

    #[test]
    fn backtests_never_look_ahead() {
        // Every candidate's window forecasts are the same whatever the series holds from the
        // window's origin on.
        let y: Vec<f64> = (0..120)
            .map(|t| 50.0 + 0.3 * t as f64 + [4.0, -2.0, 1.0, -3.0][t % 4])
            .collect();
        let axis = TimeAxis::Numeric { step: 1.0 };
        let covs: Vec<Vec<f64>> = Vec::new();
        let loc = Local {
            axis: &axis,
            origin: 0.0,
            covariates: &covs,
        };
        let base = FeatureSpec {
            lags: vec![1, 2, 3],
            seasonal_lags: vec![4],
            fourier: vec![(4.0, 1)],
            calendar: false,
            trend: false,
            window: 4,
            log: true,
            known: Vec::new(),
            past: Vec::new(),
            horizon: 8,
        };
        let cands = method::candidates(&y, &[4.0], &base, &loc, true, None);
        assert!(cands.len() > 10);
        let origins = origins(y.len(), 8, 5, 60);
        assert_eq!(origins.len(), 5);
        let (a, _) = backtest_local(&y, &cands, &origins, 8, &loc, None);
        for (w, &o) in origins.iter().enumerate() {
            let mut z = y.clone();
            for v in z.iter_mut().skip(o) {
                *v *= 3.0;
            }
            let (b, _) = backtest_local(&z, &cands, &origins, 8, &loc, None);
            for (ta, tb) in a.iter().zip(&b) {
                assert_eq!(ta.method, tb.method);
                assert_eq!(
                    ta.forecasts[w],
                    tb.forecasts[w],
                    "{} window {w}",
                    ta.method.name()
                );
            }
        }
    }

    #[test]
    fn origins_spread_back_from_the_end() {
        assert_eq!(origins(100, 10, 3, 50), vec![70, 80, 90]);
        // Little room: spacing shrinks, never below the minimum training length.
        assert_eq!(origins(70, 10, 5, 50), vec![52, 54, 56, 58, 60]);
    }
}
