#![doc = include_str!("../README.md")]

pub mod axis;
pub mod ets;
pub mod features;
mod forecaster;
pub mod method;
pub mod seasons;
pub mod series;

use std::collections::BTreeMap;

use mlpilot_core::{Column, DynModel, Error, Frame, Registry, Result};

pub use axis::TimeAxis;
pub use forecaster::{
    Backtest, ForecastConfig, ForecastPoint, Forecaster, GlobalModel, Names, SeriesModel,
    candidate_forecasts, fit,
};
pub use method::Method;
pub use mlpilot_core::facts::{DuplicateTimes, MergedTimes, SeriesFacts, Spacing};
pub use series::{Columns, Covariate, MISSING_ID, Panel, Series};

use crate::method::Local;
use crate::series::series_label;

/// Reads the series of `frame` and fits a forecaster ([`Panel::from_frame`], then [`fit`]).
///
/// # Errors
/// As [`Panel::from_frame`] and [`fit`].
pub fn fit_frame(
    frame: &Frame,
    columns: &Columns<'_>,
    duplicates: DuplicateTimes,
    cfg: &ForecastConfig,
    registry: &Registry,
) -> Result<Forecaster> {
    let panel = Panel::from_frame(frame, columns, duplicates)?;
    let names = Names {
        target: columns.target.to_string(),
        time: columns.time.to_string(),
        id: columns.id.map(str::to_string),
    };
    fit(panel, names, cfg, registry)
}

impl Forecaster {
    /// What the fit left out or changed, one sentence each (without a final full stop).
    pub fn note_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.notes
            .iter()
            .map(mlpilot_core::narration::forecast_note)
    }

    /// The facts of each series.
    pub fn facts(&self) -> Vec<SeriesFacts> {
        self.panel
            .series
            .iter()
            .zip(&self.models)
            .map(|(s, m)| {
                let y = &s.values;
                let half = y.len() / 2;
                let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
                let baseline = m
                    .backtests
                    .iter()
                    .find(|b| b.method.starts_with("seasonal naive"))
                    .or_else(|| m.backtests.iter().find(|b| b.method.starts_with("naive")))
                    .map(|b| (b.method.clone(), b.rmse));
                SeriesFacts {
                    id: s.id.clone(),
                    points: y.len(),
                    filled: s.filled,
                    first_half_mean: mean(y.get(..half).unwrap_or_default()),
                    second_half_mean: mean(y.get(half..).unwrap_or_default()),
                    seasons: m.periods.clone(),
                    method: m.method.name(),
                    backtest_rmse: m.backtests.first().map_or(f64::NAN, |b| b.rmse),
                    baseline,
                    coverage: m.coverage,
                    windows: m.origins.len(),
                    level: self.level,
                    drivers: self.drivers(&m.method),
                }
            })
            .collect()
    }

    /// The three largest importances (as shares of their sum) of the first model across series
    /// the method uses.
    fn drivers(&self, m: &Method) -> Vec<(String, f64)> {
        let index = match m {
            Method::Global { index, .. } => Some(*index),
            Method::Combination { members } => members.iter().find_map(|x| match x {
                Method::Global { index, .. } => Some(*index),
                _ => None,
            }),
            _ => None,
        };
        let Some(g) = index.and_then(|i| self.global.get(i)) else {
            return Vec::new();
        };
        let total: f64 = g.importances.iter().map(|x| x.1.max(0.0)).sum();
        if total <= 0.0 {
            return Vec::new();
        }
        g.importances
            .iter()
            .take(3)
            .map(|(n, v)| (n.clone(), v.max(0.0) / total))
            .collect()
    }

    /// Forecasts the next `h` points of every series, with intervals.
    ///
    /// # Errors
    /// When the forecaster uses covariates known in the future: their future values are
    /// needed ([`Forecaster::forecast_frame`]).
    pub fn forecast(&self, h: usize, registry: &Registry) -> Result<Vec<ForecastPoint>> {
        if let Some(c) = self.panel.covariates.iter().find(|c| c.known) {
            return Err(Error::invalid_input(format!(
                "the forecast needs future values of the covariate '{}' (known in the future); \
                 give a table with the times to forecast and that column",
                c.name
            )));
        }
        let loaded = self.load_global(registry)?;
        let mut out = Vec::new();
        for i in 0..self.panel.series.len() {
            out.extend(self.forecast_series(i, h, None, &loaded)?);
        }
        Ok(out)
    }

    /// Forecasts the rows of `frame`: its time column (and id column) name the points, and
    /// columns of covariates known in the future give their values at those times and every
    /// step between the end of the history and them. One point per row, in row order.
    ///
    /// # Errors
    /// A time that is not on the series' grid or not after its last point (naming the row); an
    /// unknown series id; a known covariate missing or without a value at a needed time (naming
    /// the column, the series and the time).
    pub fn forecast_frame(&self, frame: &Frame, registry: &Registry) -> Result<Vec<ForecastPoint>> {
        let time = frame.require(&self.names.time)?;
        let id_col = self
            .names
            .id
            .as_deref()
            .map(|c| frame.require(c))
            .transpose()?;
        // Rows per series: (row, grid index).
        let mut wanted: BTreeMap<usize, Vec<(usize, i64)>> = BTreeMap::new();
        for row in 0..frame.n_rows() {
            let id = id_col.map(|c| c.str_at(row).unwrap_or_else(|| MISSING_ID.into()));
            let si = self.panel.find(id.as_deref()).ok_or_else(|| {
                Error::invalid_input(format!(
                    "row {row}: {} was not in the training data; it cannot be forecast",
                    series_label(id.as_deref())
                ))
                .with_context("row", row)
            })?;
            let s = self.series_at(si)?;
            let n = s.values.len() as i64;
            let t = time.str_at(row).unwrap_or_default();
            let idx = self.panel.index_of(s, &t).ok_or_else(|| {
                let what = if self.panel.reads_as_time(&t) {
                    format!(
                        "is not a time on the grid of {} ({} after {})",
                        series_label(s.id.as_deref()),
                        mlpilot_core::narration::spacing(&self.panel.axis.spacing()),
                        self.panel.time_text(s, n - 1)
                    )
                } else {
                    format!(
                        "cannot be read as a time like the training data's ({}, or ISO dates)",
                        self.panel.time_text(s, n - 1)
                    )
                };
                Error::invalid_input(format!("row {row}: '{t}' {what}")).with_context("row", row)
            })?;
            if idx < n {
                return Err(Error::invalid_input(format!(
                    "row {row}: '{t}' is not after the last observed time {} of {}",
                    self.panel.time_text(s, n - 1),
                    series_label(s.id.as_deref())
                ))
                .with_context("row", row));
            }
            wanted.entry(si).or_default().push((row, idx));
        }
        let loaded = self.load_global(registry)?;
        let mut by_row: BTreeMap<usize, ForecastPoint> = BTreeMap::new();
        for (si, rows) in wanted {
            let s = self.series_at(si)?;
            let n = s.values.len() as i64;
            let max_h = rows.iter().map(|r| r.1 - n + 1).max().unwrap_or(0);
            let max_h = usize::try_from(max_h).unwrap_or(0);
            if max_h > 100_000 {
                return Err(Error::invalid_input(format!(
                    "{}: the furthest time asked for is {max_h} steps after its last point \
                     {}; at most 100,000 steps can be forecast",
                    series_label(s.id.as_deref()),
                    self.panel.time_text(s, n - 1)
                )));
            }
            let future = self.future_covariates(frame, (time, id_col), s, max_h)?;
            let points = self.forecast_series(si, max_h, future, &loaded)?;
            for (row, idx) in rows {
                if let Some(p) = points.get((idx - n) as usize) {
                    by_row.insert(row, p.clone());
                }
            }
        }
        Ok(by_row.into_values().collect())
    }

    /// The covariates of series `s` extended by `h` future values read from `frame` (known
    /// covariates only; past-only ones are not needed in the future).
    fn future_covariates(
        &self,
        frame: &Frame,
        (time, id_col): (&Column, Option<&Column>),
        s: &Series,
        h: usize,
    ) -> Result<Option<Vec<Vec<f64>>>> {
        if !self.panel.covariates.iter().any(|c| c.known) {
            return Ok(None);
        }
        let n = s.values.len() as i64;
        let mut out = s.covariates.clone();
        for (k, cov) in self.panel.covariates.iter().enumerate() {
            if !cov.known {
                continue;
            }
            let col = frame.column(&cov.name).ok_or_else(|| {
                Error::invalid_input(format!(
                    "the table has no column '{}': the forecaster uses it as a covariate known in \
                     the future, so forecasting needs its values at the times forecast",
                    cov.name
                ))
                .with_context("column", &cov.name)
            })?;
            let mut future: Vec<Option<f64>> = vec![None; h];
            for row in 0..frame.n_rows() {
                let id = id_col.map(|c| c.str_at(row).unwrap_or_else(|| MISSING_ID.into()));
                if id.as_deref() != s.id.as_deref() && id_col.is_some() {
                    continue;
                }
                let Some(idx) = time.str_at(row).and_then(|t| self.panel.index_of(s, &t)) else {
                    continue;
                };
                if let Some(slot) = usize::try_from(idx - n)
                    .ok()
                    .and_then(|i| future.get_mut(i))
                {
                    *slot = col.f64_at(row).filter(|v| v.is_finite());
                    if slot.is_none()
                        && let Some(text) = col.str_at(row)
                    {
                        return Err(Error::invalid_input(format!(
                            "row {row}: covariate '{}' is '{text}', not a number",
                            cov.name
                        ))
                        .with_context("column", &cov.name)
                        .with_context("row", row));
                    }
                }
            }
            let missing: Vec<String> = future
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_none())
                .map(|(i, _)| self.panel.time_text(s, n + i as i64))
                .collect();
            if !missing.is_empty() {
                return Err(Error::invalid_input(format!(
                    "covariate '{}' (known in the future) has no value for {} at {} time(s) the \
                     forecast steps through: {}{}; give a row with its value for every time up \
                     to the last one forecast",
                    cov.name,
                    series_label(s.id.as_deref()),
                    missing.len(),
                    missing
                        .iter()
                        .take(5)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    if missing.len() > 5 { ", …" } else { "" }
                ))
                .with_context("column", &cov.name));
            }
            if let Some(v) = out.get_mut(k) {
                v.extend(future.into_iter().flatten());
            }
        }
        Ok(Some(out))
    }

    /// Forecasts `h` steps of series `i` (covariates extended into the future when given).
    fn forecast_series(
        &self,
        i: usize,
        h: usize,
        covariates: Option<Vec<Vec<f64>>>,
        loaded: &[Option<Box<dyn DynModel>>],
    ) -> Result<Vec<ForecastPoint>> {
        let s = self.series_at(i)?;
        let m = self
            .models
            .get(i)
            .ok_or_else(|| Error::internal("series model"))?;
        let past: Vec<&str> = self
            .panel
            .covariates
            .iter()
            .filter(|c| !c.known)
            .map(|c| c.name.as_str())
            .collect();
        if h > self.horizon && !past.is_empty() && m.method.uses_covariates() {
            return Err(Error::invalid_input(format!(
                "{} is forecast with covariates known only up to the forecast origin ({}), \
                 which reach {} steps ahead (the horizon it was fitted for), not {h}; fit again \
                 with a longer --horizon, or list them with --known-covariates, or leave them \
                 out with --no-covariates",
                series_label(s.id.as_deref()),
                past.join(", "),
                self.horizon
            )));
        }
        let covs = covariates.unwrap_or_else(|| s.covariates.clone());
        let values = self.eval(&m.method, s, &covs, h, loaded).ok_or_else(|| {
            Error::invalid_input(format!(
                "{} could not forecast {} {h} steps ahead (a value it needs is missing or not \
                 finite; a forecast that runs through a covariate's missing future values stops)",
                m.method.name(),
                series_label(s.id.as_deref())
            ))
        })?;
        let n = s.values.len() as i64;
        // A series that was never negative (counts, sales) is not forecast below zero.
        let floor = if s.values.iter().all(|v| *v >= 0.0) {
            0.0
        } else {
            f64::NEG_INFINITY
        };
        let band = forecaster::Band::new(&m.errors_by_step, self.level);
        Ok(values
            .iter()
            .enumerate()
            .map(|(k, f)| {
                let (lo, hi) = band.at(k);
                ForecastPoint {
                    id: s.id.clone(),
                    time: self.panel.time_text(s, n + k as i64),
                    forecast: f.max(floor),
                    lower: (f + lo).max(floor),
                    upper: (f + hi).max(floor),
                }
            })
            .collect())
    }

    fn series_at(&self, i: usize) -> Result<&Series> {
        self.panel
            .series
            .get(i)
            .ok_or_else(|| Error::internal(format!("no series {i} in the forecaster")))
    }

    /// The models across series, read once per forecast.
    fn load_global(&self, registry: &Registry) -> Result<Vec<Option<Box<dyn DynModel>>>> {
        self.global
            .iter()
            .map(|g| {
                registry
                    .load_model(&g.estimator, &g.model)
                    .map(Some)
                    .map_err(|e| {
                        e.prefixed(
                            "the forecaster's model across series cannot be loaded (pass the \
                         registry it was fitted with; was this build compiled without its \
                         backend?)",
                        )
                    })
            })
            .collect()
    }

    fn eval(
        &self,
        m: &Method,
        s: &Series,
        covs: &[Vec<f64>],
        h: usize,
        loaded: &[Option<Box<dyn DynModel>>],
    ) -> Option<Vec<f64>> {
        match m {
            Method::Global { index, .. } => {
                let g = self.global.get(*index)?;
                let model = loaded.get(*index)?.as_ref()?;
                forecaster::forecast_global(
                    model.as_ref(),
                    &g.spec,
                    &self.panel,
                    s,
                    &s.values,
                    covs,
                    h,
                )
            }
            Method::Combination { members } => {
                let mut acc = vec![0.0; h];
                for x in members {
                    for (a, v) in acc.iter_mut().zip(self.eval(x, s, covs, h, loaded)?) {
                        *a += v / members.len().max(1) as f64;
                    }
                }
                Some(acc)
            }
            other => other.forecast(
                &s.values,
                h,
                &Local {
                    axis: &self.panel.axis,
                    origin: s.origin,
                    covariates: covs,
                },
            ),
        }
    }
}
