//! Reduction to regression: the features of one time point (lags, seasonal lags, a rolling
//! mean, Fourier terms of each season, calendar parts, a trend, covariates), all relative to a
//! local level so that a model trained on one stretch of a series (or on other series) applies
//! to another; and recursive forecasting with any one-row predictor.

use serde::{Deserialize, Serialize};

use crate::axis::TimeAxis;

/// Which features a reduction model sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Lags 1, 2, … (in steps).
    pub lags: Vec<usize>,
    /// Seasonal lags (each season's length, when above 3 steps).
    pub seasonal_lags: Vec<usize>,
    /// Seasons (possibly fractional) with their number of Fourier harmonics.
    pub fourier: Vec<(f64, usize)>,
    /// Day-of-week and month-of-year parts (for tree models; calendar axes only).
    pub calendar: bool,
    /// A linear trend term (linear models only: trees cannot extrapolate one).
    pub trend: bool,
    /// The level the target and lags are taken relative to: the mean of the last `window`
    /// points before the one predicted.
    pub window: usize,
    /// Work on ln(y) (positive series).
    pub log: bool,
    /// Covariates known in the future (indices into the panel's covariates): their value at
    /// the predicted time.
    pub known: Vec<usize>,
    /// Covariates only known up to the forecast origin: their value `horizon` steps back.
    pub past: Vec<usize>,
    /// The horizon past covariates are lagged by.
    pub horizon: usize,
}

/// What a feature row is built from: one series' (transformed) history and its covariates,
/// its place on the axis.
pub(crate) struct Context<'a> {
    pub axis: &'a TimeAxis,
    pub origin: f64,
    pub covariates: &'a [Vec<f64>],
    /// The series' scale (mean absolute first difference), so that several series share a model.
    pub scale: f64,
}

impl FeatureSpec {
    /// The first index that has every lag.
    pub fn start(&self) -> usize {
        let lags = self
            .lags
            .iter()
            .chain(&self.seasonal_lags)
            .copied()
            .max()
            .unwrap_or(0);
        let past = if self.past.is_empty() {
            0
        } else {
            self.horizon
        };
        lags.max(self.window).max(past).max(1)
    }

    /// The number of features.
    pub fn width(&self) -> usize {
        self.lags.len()
            + self.seasonal_lags.len()
            + 1
            + self.fourier.iter().map(|f| 2 * f.1).sum::<usize>()
            + if self.calendar { 2 } else { 0 }
            + usize::from(self.trend)
            + self.known.len()
            + self.past.len()
    }

    /// Feature names, for explanations.
    pub fn names(&self, covariates: &[String]) -> Vec<String> {
        let mut out = Vec::with_capacity(self.width());
        out.extend(
            self.lags
                .iter()
                .map(|l| format!("value {l} step(s) before")),
        );
        out.extend(
            self.seasonal_lags
                .iter()
                .map(|l| format!("value {l} steps before (a season)")),
        );
        out.push(format!("mean of the last {} values", self.window));
        for (p, k) in &self.fourier {
            for j in 1..=*k {
                out.push(format!("position in the {p}-step season (sine {j})"));
                out.push(format!("position in the {p}-step season (cosine {j})"));
            }
        }
        if self.calendar {
            out.push("day of week".into());
            out.push("month".into());
        }
        if self.trend {
            out.push("trend".into());
        }
        let cov = |i: &usize| covariates.get(*i).cloned().unwrap_or_default();
        out.extend(self.known.iter().map(cov));
        out.extend(
            self.past
                .iter()
                .map(|i| format!("{} {} steps before", cov(i), self.horizon)),
        );
        out
    }

    /// The transformed series (ln when `log`).
    pub fn transform(&self, y: &[f64]) -> Option<Vec<f64>> {
        log_scale(y, self.log)
    }

    /// The inverse of [`FeatureSpec::transform`].
    pub fn untransform(&self, z: f64) -> f64 {
        if self.log { z.exp() } else { z }
    }

    /// The features of point `t` of history `z` (already transformed; `z[t]` itself is never
    /// read), with the level the target is taken relative to. `None` before
    /// [`FeatureSpec::start`] or when a covariate value is missing.
    pub(crate) fn row(&self, z: &[f64], t: usize, ctx: &Context<'_>) -> Option<(Vec<f64>, f64)> {
        if t < self.start() || t > z.len() {
            return None;
        }
        let back = |l: usize| z.get(t.checked_sub(l)?).copied();
        let level = {
            let w = z.get(t - self.window..t)?;
            w.iter().sum::<f64>() / w.len().max(1) as f64
        };
        let s = ctx.scale.max(1e-12);
        let mut row = Vec::with_capacity(self.width());
        for l in self.lags.iter().chain(&self.seasonal_lags) {
            row.push((back(*l)? - level) / s);
        }
        row.push(level / s);
        let phase = ctx.axis.phase_index(ctx.origin, t as i64);
        for (p, k) in &self.fourier {
            for j in 1..=*k {
                let a = 2.0 * std::f64::consts::PI * j as f64 * phase / p;
                row.push(a.sin());
                row.push(a.cos());
            }
        }
        if self.calendar {
            let (dow, month) = ctx
                .axis
                .calendar_parts(ctx.origin, t as i64)
                .unwrap_or((0, 0));
            row.push(f64::from(dow));
            row.push(f64::from(month));
        }
        if self.trend {
            row.push(t as f64 / 100.0);
        }
        for i in &self.known {
            row.push(*ctx.covariates.get(*i)?.get(t)?);
        }
        for i in &self.past {
            row.push(*ctx.covariates.get(*i)?.get(t.checked_sub(self.horizon)?)?);
        }
        Some((row, level))
    }

    /// Training rows of one series: features and the target relative to the level, scaled.
    pub(crate) fn rows(&self, z: &[f64], ctx: &Context<'_>) -> (Vec<Vec<f64>>, Vec<f64>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (t, zt) in z.iter().enumerate().skip(self.start()) {
            if let Some((row, level)) = self.row(z, t, ctx) {
                x.push(row);
                y.push((zt - level) / ctx.scale.max(1e-12));
            }
        }
        (x, y)
    }

    /// Forecasts `h` steps after `z` (transformed history) recursively: each prediction
    /// becomes the next step's lag. `predict` maps a feature row to the scaled target.
    /// Returns values on the series' scale.
    pub(crate) fn recursive(
        &self,
        z: &[f64],
        h: usize,
        ctx: &Context<'_>,
        predict: &mut dyn FnMut(&[f64]) -> Option<f64>,
    ) -> Option<Vec<f64>> {
        let mut hist = z.to_vec();
        let mut out = Vec::with_capacity(h);
        for _ in 0..h {
            let t = hist.len();
            let (row, level) = self.row(&hist, t, ctx)?;
            let next = level + predict(&row)? * ctx.scale.max(1e-12);
            if !next.is_finite() {
                return None;
            }
            hist.push(next);
            out.push(self.untransform(next));
        }
        Some(out)
    }
}

/// `y` on the log scale when `log` (`None` when a value is not positive), else as it is.
pub(crate) fn log_scale(y: &[f64], log: bool) -> Option<Vec<f64>> {
    if log {
        y.iter()
            .all(|v| *v > 0.0)
            .then(|| y.iter().map(|v| v.ln()).collect())
    } else {
        Some(y.to_vec())
    }
}

/// A series' scale: the mean absolute first difference (1 when flat).
pub(crate) fn scale_of(z: &[f64]) -> f64 {
    let n = z.len().saturating_sub(1).max(1) as f64;
    let s = z
        .windows(2)
        .map(|w| (w.get(1).unwrap_or(&0.0) - w.first().unwrap_or(&0.0)).abs())
        .sum::<f64>()
        / n;
    if s > 0.0 && s.is_finite() { s } else { 1.0 }
}

/// Least squares with a small ridge penalty (`lambda` times each column's sum of squares; none on
/// the intercept, the last coefficient), by
/// nalgebra's Cholesky factorisation of the normal equations, falling back to its SVD.
pub fn ridge(x: &[Vec<f64>], y: &[f64], lambda: f64) -> Option<Vec<f64>> {
    let k = x.first()?.len() + 1;
    let n = x.len();
    if n < k {
        return None;
    }
    let design = nalgebra::DMatrix::from_fn(n, k, |i, j| {
        x.get(i).and_then(|r| r.get(j)).copied().unwrap_or(1.0)
    });
    let target = nalgebra::DVector::from_iterator(n, y.iter().copied());
    let mut gram = design.transpose() * &design;
    let rhs = design.transpose() * target;
    // Relative to each column's own size: the same as standardising the columns first.
    for j in 0..k - 1 {
        if let Some(d) = gram.get_mut((j, j)) {
            *d += lambda * d.abs().max(1e-12);
        }
    }
    let beta = match gram.clone().cholesky() {
        Some(c) => c.solve(&rhs),
        None => gram.svd(true, true).solve(&rhs, 1e-12).ok()?,
    };
    beta.iter()
        .all(|v| v.is_finite())
        .then(|| beta.iter().copied().collect())
}

/// `coef · [row, 1]` (the intercept last).
pub fn dot(coef: &[f64], row: &[f64]) -> f64 {
    row.iter().zip(coef).map(|(a, b)| a * b).sum::<f64>()
        + coef.get(row.len()).copied().unwrap_or(0.0)
}
