//! The ETS family (exponential smoothing: error, trend, season) with additive or damped trend and
//! additive or multiplicative season, fitted by minimising the one-step errors with argmin's
//! Nelder–Mead, and chosen within the family by the corrected Akaike information criterion.
//!
//! Non-seasonal and multi-season forecasts use augurs' AutoETS (see [`crate::method`]); this
//! module covers one season, which augurs does not implement yet.

use argmin::core::{CostFunction, Executor};
use argmin::solver::neldermead::NelderMead;
use serde::{Deserialize, Serialize};

/// The trend component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// No trend.
    None,
    /// A straight-line trend.
    Additive,
    /// A trend that flattens out (damped by `phi` per step).
    Damped,
}

/// The season component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Season {
    /// No season.
    None,
    /// Added to the level.
    Additive,
    /// Multiplies the level (the swing grows with it).
    Multiplicative,
}

/// A fitted ETS model's specification and smoothing parameters (the states are re-run from the
/// series, so the model carries on from whatever history it is given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ets {
    /// Trend.
    pub trend: Trend,
    /// Season.
    pub season: Season,
    /// Season length (0 without a season).
    pub period: usize,
    /// Fitted on ln(y): additive components there are multiplicative on the series.
    pub log: bool,
    /// Level smoothing.
    pub alpha: f64,
    /// Trend smoothing.
    pub beta: f64,
    /// Season smoothing.
    pub gamma: f64,
    /// Trend damping (1 without damping).
    pub phi: f64,
}

impl Ets {
    /// The model in the ETS notation, e.g. "ETS(A,Ad,M), period 12".
    pub fn name(&self) -> String {
        let t = match self.trend {
            Trend::None => "N",
            Trend::Additive => "A",
            Trend::Damped => "Ad",
        };
        let s = match self.season {
            Season::None => "N",
            Season::Additive => "A",
            Season::Multiplicative => "M",
        };
        let mut out = format!("ETS(A,{t},{s})");
        if self.period > 0 && self.season != Season::None {
            out.push_str(&format!(", period {}", self.period));
        }
        if self.log {
            out.push_str(", log scale");
        }
        out
    }

    fn n_params(&self) -> usize {
        1 + usize::from(self.trend != Trend::None)
            + usize::from(self.season != Season::None)
            + usize::from(self.trend == Trend::Damped)
    }

    /// Forecasts `h` steps after `y`.
    pub fn forecast(&self, y: &[f64], h: usize) -> Option<Vec<f64>> {
        let z = self.scale(y)?;
        let (_, state) = run(&z, self, &self.params())?;
        let out: Vec<f64> = (1..=h).map(|k| state.forecast(k, self)).collect();
        Some(if self.log {
            out.iter().map(|v| v.exp()).collect()
        } else {
            out
        })
    }

    fn scale(&self, y: &[f64]) -> Option<Vec<f64>> {
        crate::features::log_scale(y, self.log)
    }

    fn params(&self) -> [f64; 4] {
        [self.alpha, self.beta, self.gamma, self.phi]
    }

    /// Refits the smoothing parameters on `y`, keeping the specification.
    pub fn refit(&self, y: &[f64]) -> Option<(Ets, f64)> {
        fit(y, self.trend, self.season, self.period, self.log)
    }
}

#[derive(Debug, Clone)]
struct State {
    level: f64,
    trend: f64,
    season: Vec<f64>,
    n: usize,
}

impl State {
    fn forecast(&self, k: usize, m: &Ets) -> f64 {
        let damp: f64 = match m.trend {
            Trend::None => 0.0,
            Trend::Additive => k as f64,
            Trend::Damped => (1..=k).map(|j| m.phi.powi(j as i32)).sum(),
        };
        let base = self.level + damp * self.trend;
        let p = self.season.len();
        if p == 0 {
            return base;
        }
        let s = self
            .season
            .get((self.n + k - 1) % p)
            .copied()
            .unwrap_or(0.0);
        match m.season {
            Season::Multiplicative => base * s,
            Season::Additive => base + s,
            Season::None => base,
        }
    }
}

/// Runs the filter over `y` with parameters `[alpha, beta, gamma, phi]`: the sum of squared
/// one-step errors and the final state.
// The loop indexes the season vector modulo its own length.
#[allow(clippy::indexing_slicing)]
fn run(y: &[f64], m: &Ets, p: &[f64; 4]) -> Option<(f64, State)> {
    let [a, b, g, phi] = *p;
    let period = if m.season == Season::None {
        0
    } else {
        m.period
    };
    let n = y.len();
    if (period > 0 && n < 2 * period + 2) || n < 4 {
        return None;
    }
    let mul = m.season == Season::Multiplicative;
    if mul && y.iter().any(|v| *v <= 0.0) {
        return None;
    }
    let has_trend = m.trend != Trend::None;
    let phi = if m.trend == Trend::Damped { phi } else { 1.0 };
    let (mut level, mut trend, mut season) = if period > 0 {
        let mean1 = y[..period].iter().sum::<f64>() / period as f64;
        let mean2 = y[period..2 * period].iter().sum::<f64>() / period as f64;
        let season: Vec<f64> = (0..period)
            .map(|i| if mul { y[i] / mean1 } else { y[i] - mean1 })
            .collect();
        (mean1, (mean2 - mean1) / period as f64, season)
    } else {
        (y[0], y[1] - y[0], Vec::new())
    };
    if !has_trend {
        trend = 0.0;
    }
    let start = period.max(1);
    let mut sse = 0.0;
    for (t, &yt) in y.iter().enumerate().skip(start) {
        let s = if period > 0 {
            season[t % period]
        } else if mul {
            1.0
        } else {
            0.0
        };
        let base = level + phi * trend;
        let fc = if mul { base * s } else { base + s };
        sse += (yt - fc).powi(2);
        let prev = level;
        level = if mul {
            a * yt / s + (1.0 - a) * base
        } else {
            a * (yt - s) + (1.0 - a) * base
        };
        if has_trend {
            trend = b * (level - prev) + (1.0 - b) * phi * trend;
        }
        if period > 0 {
            season[t % period] = if mul {
                g * yt / level + (1.0 - g) * s
            } else {
                g * (yt - level) + (1.0 - g) * s
            };
        }
    }
    sse.is_finite().then_some((
        sse,
        State {
            level,
            trend,
            season,
            n,
        },
    ))
}

struct Objective<'a> {
    y: &'a [f64],
    spec: &'a Ets,
}

impl Objective<'_> {
    /// The free parameters (alpha, then beta, gamma, phi as the model has them) into all four,
    /// clamped to their ranges.
    fn expand(&self, x: &[f64]) -> [f64; 4] {
        let mut it = x.iter().copied();
        let mut next =
            |lo: f64, hi: f64, default: f64| it.next().map_or(default, |v| v.clamp(lo, hi));
        let alpha = next(1e-4, 0.9999, 0.3);
        let beta = if self.spec.trend == Trend::None {
            0.0
        } else {
            next(1e-4, 0.9999, 0.05)
        };
        let gamma = if self.spec.season == Season::None {
            0.0
        } else {
            next(1e-4, 0.9999, 0.1)
        };
        let phi = if self.spec.trend == Trend::Damped {
            next(0.8, 0.98, 0.95)
        } else {
            1.0
        };
        [alpha, beta, gamma, phi]
    }
}

impl CostFunction for Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(run(self.y, self.spec, &self.expand(x)).map_or(f64::MAX, |r| r.0))
    }
}

/// Fits the smoothing parameters of one specification on `y` (from three starting points,
/// Nelder–Mead from each), with its AICc (on the scale the model is fitted on).
pub fn fit(
    y: &[f64],
    trend: Trend,
    season: Season,
    period: usize,
    log: bool,
) -> Option<(Ets, f64)> {
    let mut spec = Ets {
        trend,
        season,
        period: if season == Season::None { 0 } else { period },
        log,
        alpha: 0.3,
        beta: 0.05,
        gamma: 0.1,
        phi: if trend == Trend::Damped { 0.95 } else { 1.0 },
    };
    let z = spec.scale(y)?;
    run(&z, &spec, &spec.params())?;
    let dims = spec.n_params();
    let mut best: Option<([f64; 4], f64)> = None;
    for start in [
        [0.3, 0.05, 0.1, 0.95],
        [0.7, 0.1, 0.3, 0.9],
        [0.1, 0.01, 0.05, 0.98],
    ] {
        let objective = Objective { y: &z, spec: &spec };
        let mut x0: Vec<f64> = vec![start[0]];
        if trend != Trend::None {
            x0.push(start[1]);
        }
        if season != Season::None {
            x0.push(start[2]);
        }
        if trend == Trend::Damped {
            x0.push(start[3]);
        }
        let mut simplex = vec![x0.clone()];
        for i in 0..dims {
            let mut p = x0.clone();
            if let Some(v) = p.get_mut(i) {
                *v = if *v < 0.5 { *v + 0.2 } else { *v - 0.2 };
            }
            simplex.push(p);
        }
        let Ok(solver) = NelderMead::new(simplex).with_sd_tolerance(1e-10) else {
            continue;
        };
        let Ok(result) = Executor::new(objective, solver)
            .configure(|s| s.max_iters(250))
            .run()
        else {
            continue;
        };
        let state = result.state();
        let (Some(x), cost) = (state.best_param.as_ref(), state.best_cost) else {
            continue;
        };
        let objective = Objective { y: &z, spec: &spec };
        let params = objective.expand(x);
        if cost.is_finite() && best.is_none_or(|b| cost < b.1) {
            best = Some((params, cost));
        }
    }
    let (p, sse) = best?;
    [spec.alpha, spec.beta, spec.gamma, spec.phi] = p;
    let n = z.len().saturating_sub(spec.period.max(1)) as f64;
    // Parameters plus initial states (level, trend, the season's).
    let k = (dims + 1 + usize::from(trend != Trend::None) + spec.period) as f64;
    let aicc = if n > k + 1.0 {
        n * (sse / n).max(1e-300).ln() + 2.0 * k + 2.0 * k * (k + 1.0) / (n - k - 1.0)
    } else {
        f64::INFINITY
    };
    Some((spec, aicc))
}

/// The ETS candidates for a series: every trend (none, additive, damped) and season (none,
/// additive, multiplicative on a positive series) on the series' scale, the best two by AICc;
/// and on a positive series the best by AICc on the log scale.
pub fn candidates(y: &[f64], period: Option<usize>) -> Vec<Ets> {
    let positive = y.iter().all(|v| *v > 0.0);
    let trends = [Trend::None, Trend::Additive, Trend::Damped];
    let mut seasons = vec![Season::None];
    if period.is_some() {
        seasons.push(Season::Additive);
        if positive {
            seasons.push(Season::Multiplicative);
        }
    }
    let p = period.unwrap_or(0);
    let mut raw: Vec<(Ets, f64)> = Vec::new();
    for t in trends {
        for s in &seasons {
            raw.extend(fit(y, t, *s, p, false));
        }
    }
    raw.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut out: Vec<Ets> = raw.into_iter().take(2).map(|r| r.0).collect();
    if positive {
        let log_season = if period.is_some() {
            Season::Additive
        } else {
            Season::None
        };
        let mut logged: Vec<(Ets, f64)> = [Trend::Additive, Trend::Damped]
            .into_iter()
            .filter_map(|t| fit(y, t, log_season, p, true))
            .collect();
        logged.sort_by(|a, b| a.1.total_cmp(&b.1));
        out.extend(logged.into_iter().take(1).map(|r| r.0));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_straight_line_is_continued() {
        let y: Vec<f64> = (0..40).map(|t| 10.0 + 2.0 * t as f64).collect();
        let (m, _) = fit(&y, Trend::Additive, Season::None, 0, false).unwrap();
        let f = m.forecast(&y, 3).unwrap();
        for (k, v) in f.iter().enumerate() {
            assert!((v - (10.0 + 2.0 * (40 + k) as f64)).abs() < 0.05, "{f:?}");
        }
    }

    #[test]
    fn a_multiplicative_season_is_recovered_and_preferred() {
        let y: Vec<f64> = (0..96)
            .map(|t| {
                let level = 100.0 + 2.0 * t as f64;
                level * (1.0 + 0.3 * (2.0 * std::f64::consts::PI * t as f64 / 12.0).sin())
            })
            .collect();
        let best = candidates(&y[..84], Some(12));
        let m = best.first().unwrap();
        assert_eq!(m.season, Season::Multiplicative, "{}", m.name());
        let f = m.forecast(&y[..84], 12).unwrap();
        let rmse = (f
            .iter()
            .zip(&y[84..])
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / 12.0)
            .sqrt();
        assert!(rmse < 3.0, "rmse {rmse}");
    }

    #[test]
    fn damping_flattens_the_trend() {
        let y: Vec<f64> = (0..40).map(|t| 10.0 + 2.0 * t as f64).collect();
        let m = Ets {
            trend: Trend::Damped,
            season: Season::None,
            period: 0,
            log: false,
            alpha: 0.5,
            beta: 0.5,
            gamma: 0.0,
            phi: 0.8,
        };
        let f = m.forecast(&y, 30).unwrap();
        let last = f.last().copied().unwrap();
        assert!(last < y[39] + 2.0 * 0.8 / 0.2 + 0.5, "{last}");
    }
}
