//! The forecasting methods of one series and how each is fitted and forecasts.

use augurs_core::{Fit, Predict};
use augurs_ets::AutoETS;
use augurs_mstl::MSTLModel;
use serde::{Deserialize, Serialize};

use crate::axis::TimeAxis;
use crate::ets::{self, Ets};
use crate::features::{self, Context, FeatureSpec};

/// A forecasting method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The last value.
    Naive,
    /// The value one season ago.
    SeasonalNaive {
        /// Season length.
        period: usize,
    },
    /// Exponential smoothing with one season (our ETS, see [`crate::ets`]).
    Ets(Ets),
    /// augurs' AutoETS without a season (statsforecast's automatic ETS), chosen by AICc on
    /// each history it is given.
    AutoEts {
        /// Fitted on ln(y).
        log: bool,
    },
    /// MSTL: the seasons (several) removed by repeated STL decomposition, the rest forecast
    /// by augurs' AutoETS and the seasons added back (augurs' MSTL model).
    Mstl {
        /// Season lengths.
        periods: Vec<usize>,
        /// Fitted on ln(y).
        log: bool,
    },
    /// An autoregression on the seasonal differences `z_t − z_{t−period}` with a mean,
    /// integrated back (a seasonal ARIMA-like model), least squares.
    SeasonalDiffAr {
        /// Lags 1..=p of the differences.
        p: usize,
        /// Season length.
        period: usize,
        /// Fit on ln(y).
        log: bool,
        /// Lag coefficients, then the intercept.
        coef: Vec<f64>,
    },
    /// A linear model on lags, seasonal lags, a rolling level, Fourier terms and covariates, least
    /// squares on this series, forecast recursively.
    Linear {
        /// The features.
        spec: FeatureSpec,
        /// Coefficients, the intercept last.
        coef: Vec<f64>,
    },
    /// A model from a backend trained across every series of the table (see
    /// [`crate::GlobalModel`]), forecast recursively.
    Global {
        /// Index into [`crate::Forecaster::global`].
        index: usize,
        /// Its name.
        name: String,
    },
    /// The mean of several methods' forecasts.
    Combination {
        /// The members.
        members: Vec<Method>,
    },
}

/// What local methods may read besides the values: the axis, the series' origin and its
/// covariates (with future values of known ones when forecasting).
pub(crate) struct Local<'a> {
    pub axis: &'a TimeAxis,
    pub origin: f64,
    pub covariates: &'a [Vec<f64>],
}

impl Method {
    /// A short name for people.
    pub fn name(&self) -> String {
        let scale = |log: bool| if log { ", log scale" } else { "" };
        match self {
            Method::Naive => "naive (last value)".into(),
            Method::SeasonalNaive { period } => format!("seasonal naive (period {period})"),
            Method::Ets(e) => e.name(),
            Method::AutoEts { log } => format!("AutoETS (no season{})", scale(*log)),
            Method::Mstl { periods, log } => format!(
                "MSTL (seasons {}) + AutoETS{}",
                periods
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                scale(*log)
            ),
            Method::SeasonalDiffAr { p, period, log, .. } => format!(
                "seasonal-difference autoregression ({p} lag{}, period {period}{})",
                if *p == 1 { "" } else { "s" },
                scale(*log)
            ),
            Method::Linear { spec, .. } => format!(
                "linear regression on {} lag{}{}{}{}",
                spec.lags.len(),
                if spec.lags.len() == 1 { "" } else { "s" },
                if spec.fourier.is_empty() {
                    ""
                } else {
                    ", Fourier terms"
                },
                if spec.known.is_empty() && spec.past.is_empty() {
                    ""
                } else {
                    ", covariates"
                },
                scale(spec.log)
            ),
            Method::Global { name, .. } => name.clone(),
            Method::Combination { members } => format!(
                "mean of {}",
                members
                    .iter()
                    .map(Method::name)
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        }
    }

    /// The family the method belongs to, so that combinations mix different kinds of model.
    pub fn family(&self) -> &'static str {
        match self {
            Method::Naive | Method::SeasonalNaive { .. } => "naive",
            Method::Ets(_) => "ets",
            Method::AutoEts { .. } | Method::Mstl { .. } => "decomposition",
            Method::SeasonalDiffAr { .. } => "autoregression",
            Method::Linear { .. } => "linear",
            Method::Global { .. } => "global",
            Method::Combination { .. } => "combination",
        }
    }

    /// Whether the method reads covariates.
    pub fn uses_covariates(&self) -> bool {
        match self {
            Method::Linear { spec, .. } => !spec.known.is_empty() || !spec.past.is_empty(),
            Method::Global { .. } => true,
            Method::Combination { members } => members.iter().any(Method::uses_covariates),
            _ => false,
        }
    }

    /// Refits the method's parameters on history `y` (the structure stays). `None` when it
    /// cannot be fitted there. Global models are refitted by the forecaster, not here.
    pub(crate) fn refit(&self, y: &[f64], local: &Local<'_>) -> Option<Method> {
        match self {
            Method::Naive
            | Method::SeasonalNaive { .. }
            | Method::AutoEts { .. }
            | Method::Mstl { .. } => Some(self.clone()),
            Method::Ets(e) => e.refit(y).map(|(e, _)| Method::Ets(e)),
            Method::SeasonalDiffAr { p, period, log, .. } => fit_sdar(y, *p, *period, *log),
            Method::Linear { spec, .. } => fit_linear(y, spec.clone(), local),
            Method::Global { .. } => None,
            Method::Combination { members } => Some(Method::Combination {
                members: members
                    .iter()
                    .map(|m| m.refit(y, local))
                    .collect::<Option<Vec<_>>>()?,
            }),
        }
    }

    /// Forecasts `h` steps after `y` (a local method; `None` for global ones and failures).
    pub(crate) fn forecast(&self, y: &[f64], h: usize, local: &Local<'_>) -> Option<Vec<f64>> {
        let n = y.len();
        let out = match self {
            Method::Naive => vec![*y.last()?; h],
            Method::SeasonalNaive { period } => (1..=h)
                .map(|k| {
                    let back = period * k.div_ceil(*period);
                    n.checked_sub(back).and_then(|i| y.get(i + k - 1)).copied()
                })
                .collect::<Option<Vec<f64>>>()?,
            Method::Ets(e) => e.forecast(y, h)?,
            Method::AutoEts { log } => augurs_forecast(y, h, *log, None)?,
            Method::Mstl { periods, log } => augurs_forecast(y, h, *log, Some(periods))?,
            Method::SeasonalDiffAr {
                p,
                period,
                log,
                coef,
            } => sdar_forecast(y, h, *p, *period, *log, coef)?,
            Method::Linear { spec, coef } => {
                let z = spec.transform(y)?;
                let ctx = Context {
                    axis: local.axis,
                    origin: local.origin,
                    covariates: local.covariates,
                    scale: features::scale_of(&z),
                };
                spec.recursive(&z, h, &ctx, &mut |row| Some(features::dot(coef, row)))?
            }
            Method::Global { .. } => return None,
            Method::Combination { members } => {
                let mut acc = vec![0.0; h];
                for m in members {
                    for (a, v) in acc.iter_mut().zip(m.forecast(y, h, local)?) {
                        *a += v / members.len().max(1) as f64;
                    }
                }
                acc
            }
        };
        out.iter().all(|v| v.is_finite()).then_some(out)
    }
}

/// augurs: AutoETS on the series, or MSTL with AutoETS on the seasonally adjusted series.
fn augurs_forecast(y: &[f64], h: usize, log: bool, periods: Option<&[usize]>) -> Option<Vec<f64>> {
    let z = features::log_scale(y, log)?;
    let point = match periods {
        None => {
            let fitted = AutoETS::non_seasonal().fit(&z).ok()?;
            fitted.predict(h, None).ok()?.point
        }
        Some(p) => {
            if p.iter().any(|m| *m < 2 || z.len() < 2 * m + 2) {
                return None;
            }
            let model = MSTLModel::new(p.to_vec(), AutoETS::non_seasonal().into_trend_model());
            let fitted = model.fit(&z).ok()?;
            fitted.predict(h, None).ok()?.point
        }
    };
    (point.len() == h).then(|| {
        if log {
            point.iter().map(|v| v.exp()).collect()
        } else {
            point
        }
    })
}

pub(crate) fn fit_sdar(y: &[f64], p: usize, period: usize, log: bool) -> Option<Method> {
    let z = features::log_scale(y, log)?;
    if period == 0 || z.len() < period + p + 10 {
        return None;
    }
    let w: Vec<f64> = z.iter().skip(period).zip(&z).map(|(a, b)| a - b).collect();
    let mut rows = Vec::new();
    let mut target = Vec::new();
    for t in p..w.len() {
        rows.push(
            (1..=p)
                .map(|l| w.get(t - l).copied().unwrap_or(0.0))
                .collect::<Vec<f64>>(),
        );
        target.push(*w.get(t)?);
    }
    let coef = features::ridge(&rows, &target, 1e-4)?;
    Some(Method::SeasonalDiffAr {
        p,
        period,
        log,
        coef,
    })
}

fn sdar_forecast(
    y: &[f64],
    h: usize,
    p: usize,
    period: usize,
    log: bool,
    coef: &[f64],
) -> Option<Vec<f64>> {
    let mut z = features::log_scale(y, log)?;
    let n = z.len();
    let mut w: Vec<f64> = z.iter().skip(period).zip(&z).map(|(a, b)| a - b).collect();
    for _ in 0..h {
        let lags: Vec<f64> = (1..=p)
            .map(|l| {
                w.len()
                    .checked_sub(l)
                    .and_then(|i| w.get(i))
                    .copied()
                    .unwrap_or(0.0)
            })
            .collect();
        let v = features::dot(coef, &lags);
        w.push(v);
        let zt = v + z.get(z.len().checked_sub(period)?).copied()?;
        z.push(zt);
    }
    let out = z.get(n..)?;
    Some(out.iter().map(|v| if log { v.exp() } else { *v }).collect())
}

pub(crate) fn fit_linear(y: &[f64], spec: FeatureSpec, local: &Local<'_>) -> Option<Method> {
    let z = spec.transform(y)?;
    let ctx = Context {
        axis: local.axis,
        origin: local.origin,
        covariates: local.covariates,
        scale: features::scale_of(&z),
    };
    let (x, t) = spec.rows(&z, &ctx);
    if x.len() < spec.width() + 10 {
        return None;
    }
    let coef = features::ridge(&x, &t, 1e-4)?;
    Some(Method::Linear { spec, coef })
}

/// The methods that need no fitting: naive, and seasonal naive for each season.
pub(crate) fn baselines(periods: &[f64]) -> Vec<Method> {
    let mut out = vec![Method::Naive];
    for p in periods {
        let m = p.round() as usize;
        if m >= 2 {
            out.push(Method::SeasonalNaive { period: m });
        }
    }
    out
}

/// The local candidates of one series: naive and seasonal naive, ETS (by AICc within the
/// family), augurs' AutoETS and MSTL, seasonal-difference autoregressions, and linear models on
/// lags and Fourier terms (with the covariates).
pub(crate) fn candidates(
    y: &[f64],
    periods: &[f64],
    base: &FeatureSpec,
    local: &Local<'_>,
    calendar: bool,
    deadline: Option<std::time::Instant>,
) -> Vec<Method> {
    let positive = y.iter().all(|v| *v > 0.0);
    let mut out = baselines(periods);
    let ints: Vec<usize> = periods
        .iter()
        .map(|p| p.round() as usize)
        .filter(|p| *p >= 2)
        .collect();
    // One-season ETS on the shortest season short enough to smooth state by state.
    // (The ETS forms are the costly part of building candidates: none once the time is up.)
    let ets_period = ints.iter().copied().find(|m| *m <= 60);
    if deadline.is_none_or(|d| std::time::Instant::now() < d) {
        out.extend(ets::candidates(y, ets_period).into_iter().map(Method::Ets));
    }
    for log in [false, true] {
        if log && !positive {
            continue;
        }
        if ints.is_empty() {
            out.push(Method::AutoEts { log });
        } else {
            out.push(Method::Mstl {
                periods: ints.clone(),
                log,
            });
        }
    }
    if let Some(&m) = ints.first() {
        for p in [1usize, 2, 3] {
            out.extend(fit_sdar(y, p, m, false));
            if positive {
                out.extend(fit_sdar(y, p, m, true));
            }
        }
    }
    for log in [false, true] {
        if log && !positive {
            continue;
        }
        for p in [1usize, 3] {
            let spec = FeatureSpec {
                lags: (1..=p).collect(),
                log,
                trend: false,
                calendar: false,
                ..base.clone()
            };
            out.extend(fit_linear(y, spec, local));
        }
    }
    // A cycle found in the data (not the calendar's) need not be a whole number of steps:
    // its neighbours compete too.
    if !calendar
        && let Some(&m) = ints.first()
        && m > 3
    {
        for q in [m - 1, m + 1] {
            if 2 * q + 2 < y.len() {
                out.push(Method::SeasonalNaive { period: q });
                out.extend(fit_sdar(y, 2, q, false));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// Runs `f` with the context of a plain numeric series without covariates.
    fn with_local<R>(f: impl FnOnce(&Local<'_>) -> R) -> R {
        let axis = TimeAxis::Numeric { step: 1.0 };
        let covariates: Vec<Vec<f64>> = Vec::new();
        f(&Local {
            axis: &axis,
            origin: 0.0,
            covariates: &covariates,
        })
    }

    #[test]
    fn seasonal_naive_repeats_the_last_season() {
        let y: Vec<f64> = (0..24).map(|i| f64::from(i % 4)).collect();
        let f = with_local(|loc| Method::SeasonalNaive { period: 4 }.forecast(&y, 6, loc)).unwrap();
        assert_eq!(f, vec![0.0, 1.0, 2.0, 3.0, 0.0, 1.0]);
    }

    #[test]
    fn seasonal_differences_carry_growth_and_season() {
        // ln y = 0.01 t + a season: year-on-year growth is constant on the log scale.
        let season = [0.1, -0.05, 0.2, -0.25];
        let y: Vec<f64> = (0..48)
            .map(|t| (3.0 + 0.01 * f64::from(t) + season[t as usize % 4]).exp())
            .collect();
        let m = fit_sdar(&y, 1, 4, true).unwrap();
        let f = with_local(|loc| m.forecast(&y, 8, loc)).unwrap();
        for (k, v) in f.iter().enumerate() {
            let t = 48 + k;
            let want = (3.0 + 0.01 * t as f64 + season[t % 4]).exp();
            assert!((v - want).abs() / want < 1e-3, "step {k}: {v} vs {want}");
        }
    }

    #[test]
    fn a_linear_model_on_fourier_terms_recovers_two_seasons() {
        // Two seasons (7 and 30.5 steps, the second not a whole number) on a level.
        let truth = |t: usize| {
            let t = t as f64;
            100.0
                + 5.0 * (std::f64::consts::TAU * t / 7.0).sin()
                + 8.0 * (std::f64::consts::TAU * t / 30.5).cos()
        };
        let y: Vec<f64> = (0..300).map(truth).collect();
        let spec = FeatureSpec {
            lags: vec![1],
            seasonal_lags: Vec::new(),
            fourier: vec![(7.0, 2), (30.5, 2)],
            calendar: false,
            trend: false,
            window: 1,
            log: false,
            known: Vec::new(),
            past: Vec::new(),
            horizon: 20,
        };
        let f = with_local(|loc| fit_linear(&y, spec, loc)?.forecast(&y, 20, loc)).unwrap();
        for (k, v) in f.iter().enumerate() {
            assert!(
                (v - truth(300 + k)).abs() < 0.02,
                "step {k}: {v} vs {}",
                truth(300 + k)
            );
        }
    }

    #[test]
    fn mstl_separates_two_seasons() {
        let truth = |t: usize| {
            let t = t as f64;
            50.0 + 0.05 * t
                + 4.0 * (std::f64::consts::TAU * t / 24.0).sin()
                + 6.0 * (std::f64::consts::TAU * t / 168.0).sin()
        };
        let y: Vec<f64> = (0..168 * 6).map(truth).collect();
        let m = Method::Mstl {
            periods: vec![24, 168],
            log: false,
        };
        let f = with_local(|loc| m.forecast(&y, 48, loc)).unwrap();
        let rmse = (f
            .iter()
            .enumerate()
            .map(|(k, v)| (v - truth(y.len() + k)).powi(2))
            .sum::<f64>()
            / 48.0)
            .sqrt();
        // The seasons span ±10; one season alone would be off by several units.
        assert!(rmse < 1.0, "rmse {rmse}");
    }
}
