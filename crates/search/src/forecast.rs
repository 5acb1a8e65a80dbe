//! Time-series forecasting: a regular time axis from the time column (gaps filled), season
//! detection, four model families — seasonal naive, Holt-Winters (additive or multiplicative
//! season, fitted by Nelder–Mead), and reduction to regression (an autoregression on lags,
//! seasonal lags and a trend, on the log scale when the series is positive) — chosen by
//! expanding-window backtests, with prediction intervals from the backtest errors.

// The numeric loops index vectors whose lengths this module sets (the series, its grid, the
// model states); every index is checked against them or derived from them.
#![allow(clippy::indexing_slicing)]

use mlpilot_core::datetime::{DATE_FORMATS, DateFormat, detect_date_format, parse_datetime};
use mlpilot_core::{Column, Error, Frame, Result, metrics};
use serde::{Deserialize, Serialize};

/// How times map to integer steps on a regular grid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum TimeAxis {
    /// Plain numbers (years, indices): `step` apart.
    Numeric {
        /// The spacing.
        step: f64,
    },
    /// Calendar months (`1949-01`, `1949-01-01`): `step` months apart.
    Monthly {
        /// Months between points.
        step: i64,
    },
    /// Dates or timestamps `step_ms` apart.
    Timestamp {
        /// Milliseconds between points.
        step_ms: i64,
    },
}

/// A parsed time value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stamp {
    Number(f64),
    Month(i64),
    Millis(i64),
}

fn parse_stamp(s: &str, format: Option<DateFormat>) -> Option<Stamp> {
    let t = s.trim();
    if let Some(x) = mlpilot_core::frame::parse_number(t) {
        return Some(Stamp::Number(x));
    }
    // YYYY-MM
    let parts: Vec<&str> = t.split(['-', '/']).collect();
    if let [y, m] = parts.as_slice()
        && let (Ok(y), Ok(m)) = (y.parse::<i64>(), m.parse::<i64>())
        && (1..=12).contains(&m)
    {
        return Some(Stamp::Month(y * 12 + m - 1));
    }
    parse_datetime(t, format.unwrap_or(DateFormat::Iso)).map(Stamp::Millis)
}

/// What to do with rows that share a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateTimes {
    /// Average the values of a time.
    #[default]
    Mean,
    /// Add them up (counts, sales per transaction).
    Sum,
    /// Keep the first row of each time, in file order.
    First,
    /// Keep the last row of each time, in file order.
    Last,
    /// Refuse the table, naming the times.
    Refuse,
}

impl DuplicateTimes {
    /// The word used in messages and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            DuplicateTimes::Mean => "mean",
            DuplicateTimes::Sum => "sum",
            DuplicateTimes::First => "first",
            DuplicateTimes::Last => "last",
            DuplicateTimes::Refuse => "refuse",
        }
    }
}

impl std::str::FromStr for DuplicateTimes {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "mean" | "average" => DuplicateTimes::Mean,
            "sum" => DuplicateTimes::Sum,
            "first" => DuplicateTimes::First,
            "last" => DuplicateTimes::Last,
            "refuse" | "error" => DuplicateTimes::Refuse,
            other => {
                return Err(Error::invalid_input(format!(
                    "`{other}` is not a way to combine rows that share a time; use mean, sum, \
                     first, last or refuse"
                )));
            }
        })
    }
}

/// Rows that shared a time and how they were combined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedTimes {
    /// How.
    pub how: DuplicateTimes,
    /// Times that had more than one row.
    pub times: usize,
    /// Rows folded into another row of the same time.
    pub rows: usize,
    /// Up to three such times, as written.
    pub examples: Vec<String>,
}

impl MergedTimes {
    /// The merge in words: "2 times had more than one row (`2023-01-06`, `2023-01-10`); their
    /// 4 rows were averaged into 2 points (--duplicate-times mean)".
    pub fn describe(&self) -> String {
        let verb = match self.how {
            DuplicateTimes::Mean => "averaged into one point per time",
            DuplicateTimes::Sum => "added up into one point per time",
            DuplicateTimes::First => "reduced to the first row of each time",
            DuplicateTimes::Last => "reduced to the last row of each time",
            DuplicateTimes::Refuse => "refused",
        };
        format!(
            "{} time{} had more than one row ({}); {} extra row{} {} {verb} \
             (--duplicate-times mean, sum, first, last or refuse)",
            self.times,
            if self.times == 1 { "" } else { "s" },
            self.examples
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", "),
            self.rows,
            if self.rows == 1 { "" } else { "s" },
            if self.rows == 1 { "was" } else { "were" },
        )
    }
}

/// The date format of a time column's text values, decided from the data (day-first when a
/// first field is above 12, month-first when a second one is), or `None` when the values are
/// numbers or year-months.
fn time_format(time: &Column) -> Option<DateFormat> {
    let mut distinct: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for i in 0..time.len() {
        if let Some(t) = time.str_at(i)
            && seen.insert(t.clone())
        {
            distinct.push(t);
        }
    }
    let dates: Vec<&str> = distinct
        .iter()
        .map(String::as_str)
        .filter(|t| parse_stamp(t, None).is_none_or(|s| matches!(s, Stamp::Millis(_))))
        .collect();
    detect_date_format(dates, 0.9).map(|(f, _)| f)
}

fn month_of(ms: i64) -> Option<i64> {
    let days = ms.div_euclid(86_400_000);
    let (y, m, d) = mlpilot_core::frame::civil_from_days(days);
    (d == 1 && ms.rem_euclid(86_400_000) == 0).then_some(y * 12 + i64::from(m) - 1)
}

fn stamp_text(axis: TimeAxis, origin: f64, index: i64) -> String {
    match axis {
        TimeAxis::Numeric { step } => {
            let v = origin + step * index as f64;
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v}")
            }
        }
        TimeAxis::Monthly { step } => {
            let m = origin as i64 + step * index;
            format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
        }
        TimeAxis::Timestamp { step_ms } => {
            mlpilot_core::frame::format_datetime_ms(origin as i64 + step_ms * index)
        }
    }
}

/// A series on a regular grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The axis.
    pub axis: TimeAxis,
    /// The first point's time (a number, a month count, or milliseconds).
    pub origin: f64,
    /// Values at grid points 0, 1, …
    pub values: Vec<f64>,
    /// Grid points that were missing or absent and were interpolated.
    pub filled: usize,
    /// The format of the time column's dates (`None`: numbers, year-months or ISO dates).
    #[serde(default)]
    pub date_format: Option<DateFormat>,
    /// Rows that shared a time, and how they were combined.
    #[serde(default)]
    pub merged: Option<MergedTimes>,
}

impl Series {
    /// Builds the series from a time column and a value column: sorts by time, infers the
    /// spacing (the median gap), places points on the grid and fills gaps and missing values
    /// by linear interpolation.
    pub fn from_columns(time: &Column, value: &Column) -> Result<Series> {
        Series::from_columns_with(time, value, DuplicateTimes::default())
    }

    /// As [`Series::from_columns`], combining rows that share a time as `duplicates` says.
    ///
    /// Dates are read in the one format most values parse in (`2023-02-01`, `2023/02/01`,
    /// `01/02/2023` day- or month-first, decided from the values), the same parser profiling
    /// and preprocessing use.
    ///
    /// # Errors
    /// A time that does not parse (naming the row, the value and the formats tried), fewer
    /// than 8 points, mixed numbers and dates, repeated times with `DuplicateTimes::Refuse`.
    pub fn from_columns_with(
        time: &Column,
        value: &Column,
        duplicates: DuplicateTimes,
    ) -> Result<Series> {
        let date_format = time_format(time);
        let mut pts: Vec<(Stamp, Option<f64>)> = Vec::with_capacity(time.len());
        let mut texts: Vec<String> = Vec::with_capacity(time.len());
        for i in 0..time.len() {
            let Some(t) = time.str_at(i) else {
                continue;
            };
            let stamp = parse_stamp(&t, date_format).ok_or_else(|| {
                let tried = match date_format {
                    Some(f) => format!("dates like `{}` (the format most values use)", f.example()),
                    None => format!(
                        "numbers, year-months (`2024-03`) and dates like {}",
                        DATE_FORMATS
                            .iter()
                            .map(|f| format!("`{}`", f.example()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                Error::invalid_input(format!(
                    "time column '{}', row {i}: could not read '{t}' as a time; tried {tried}",
                    time.name()
                ))
                .with_context("column", time.name())
                .with_context("row", i)
                .with_context("value", &t)
            })?;
            pts.push((stamp, value.f64_at(i).filter(|v| v.is_finite())));
            texts.push(t);
        }
        if pts.len() < 8 {
            return Err(Error::invalid_input(format!(
                "a forecast needs at least 8 time points; '{}' has {}",
                time.name(),
                pts.len()
            )));
        }
        // One kind of stamp; dates on the first of the month count as months.
        let keys: Vec<(f64, Option<f64>)>;
        let axis_kind;
        if pts.iter().all(|p| matches!(p.0, Stamp::Number(_))) {
            keys = pts
                .iter()
                .map(|(s, v)| (if let Stamp::Number(x) = s { *x } else { 0.0 }, *v))
                .collect();
            axis_kind = 0;
        } else if pts.iter().all(|p| match p.0 {
            Stamp::Month(_) => true,
            Stamp::Millis(ms) => month_of(ms).is_some(),
            Stamp::Number(_) => false,
        }) {
            keys = pts
                .iter()
                .map(|(s, v)| {
                    let m = match s {
                        Stamp::Month(m) => *m,
                        Stamp::Millis(ms) => month_of(*ms).unwrap_or(0),
                        Stamp::Number(_) => 0,
                    };
                    (m as f64, *v)
                })
                .collect();
            axis_kind = 1;
        } else if pts.iter().all(|p| matches!(p.0, Stamp::Millis(_))) {
            keys = pts
                .iter()
                .map(|(s, v)| {
                    (
                        if let Stamp::Millis(x) = s {
                            *x as f64
                        } else {
                            0.0
                        },
                        *v,
                    )
                })
                .collect();
            axis_kind = 2;
        } else {
            return Err(Error::invalid_input(format!(
                "time column '{}' mixes numbers and dates",
                time.name()
            )));
        }
        let (keys, merged) = merge_times(keys, &texts, duplicates, time.name())?;
        let mut gaps: Vec<f64> = keys
            .windows(2)
            .map(|w| w[1].0 - w[0].0)
            .filter(|g| *g > 0.0)
            .collect();
        gaps.sort_by(f64::total_cmp);
        let step = gaps.get(gaps.len() / 2).copied().unwrap_or(1.0).max(1e-9);
        let origin = keys[0].0;
        let axis = match axis_kind {
            0 => TimeAxis::Numeric { step },
            1 => TimeAxis::Monthly {
                step: step.round().max(1.0) as i64,
            },
            _ => TimeAxis::Timestamp {
                step_ms: step.round().max(1.0) as i64,
            },
        };
        let last = ((keys[keys.len() - 1].0 - origin) / step).round() as usize;
        if last > 1_000_000 {
            return Err(Error::invalid_input(format!(
                "time column '{}': the points span {last} steps of the usual spacing; is it really one series?",
                time.name()
            )));
        }
        let mut grid: Vec<Option<f64>> = vec![None; last + 1];
        for (k, v) in &keys {
            let i = ((k - origin) / step).round() as usize;
            if i < grid.len() && v.is_some() {
                grid[i] = *v;
            }
        }
        let filled = grid.iter().filter(|v| v.is_none()).count();
        let values = interpolate(&grid).ok_or_else(|| {
            Error::invalid_input(format!("the target '{}' has no numbers", value.name()))
        })?;
        Ok(Series {
            axis,
            origin,
            values,
            filled,
            date_format,
            merged,
        })
    }

    /// The grid index of a time value (`None` when it does not parse or is not on the grid).
    pub fn index_of(&self, text: &str) -> Option<i64> {
        let s = parse_stamp(text, self.date_format)?;
        let key = match (self.axis, s) {
            (TimeAxis::Numeric { .. }, Stamp::Number(x)) => x,
            (TimeAxis::Monthly { .. }, Stamp::Month(m)) => m as f64,
            (TimeAxis::Monthly { .. }, Stamp::Millis(ms)) => month_of(ms)? as f64,
            (TimeAxis::Timestamp { .. }, Stamp::Millis(ms)) => ms as f64,
            _ => return None,
        };
        let step = match self.axis {
            TimeAxis::Numeric { step } => step,
            TimeAxis::Monthly { step } => step as f64,
            TimeAxis::Timestamp { step_ms } => step_ms as f64,
        };
        let pos = (key - self.origin) / step;
        ((pos - pos.round()).abs() < 1e-6).then_some(pos.round() as i64)
    }

    /// The time of grid index `i`, as text.
    pub fn time_text(&self, i: i64) -> String {
        stamp_text(self.axis, self.origin, i)
    }

    /// The natural season length of the axis (12 for months, 7 for days, 24 for hours).
    pub fn calendar_period(&self) -> Option<usize> {
        match self.axis {
            TimeAxis::Monthly { step: 1 } => Some(12),
            TimeAxis::Monthly { step: 3 } => Some(4),
            TimeAxis::Timestamp {
                step_ms: 86_400_000,
            } => Some(7),
            TimeAxis::Timestamp { step_ms: 3_600_000 } => Some(24),
            _ => None,
        }
    }
}

/// Points as (time key, value when present).
type Points = Vec<(f64, Option<f64>)>;

/// Sorts points by time (stably: rows of one time stay in file order) and combines the rows of
/// each repeated time.
fn merge_times(
    keys: Points,
    texts: &[String],
    how: DuplicateTimes,
    column: &str,
) -> Result<(Points, Option<MergedTimes>)> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[a].0.total_cmp(&keys[b].0));
    let mut out: Vec<(f64, Option<f64>)> = Vec::with_capacity(keys.len());
    let mut times = 0;
    let mut rows = 0;
    let mut examples = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && keys[order[j]].0 == keys[order[i]].0 {
            j += 1;
        }
        let group = &order[i..j];
        if group.len() > 1 {
            times += 1;
            rows += group.len() - 1;
            if examples.len() < 3 {
                examples.push(texts.get(group[0]).cloned().unwrap_or_default());
            }
        }
        let present: Vec<f64> = group.iter().filter_map(|&k| keys[k].1).collect();
        let value = match how {
            _ if group.len() == 1 => keys[group[0]].1,
            DuplicateTimes::Mean | DuplicateTimes::Refuse => {
                (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
            }
            DuplicateTimes::Sum => (!present.is_empty()).then(|| present.iter().sum::<f64>()),
            DuplicateTimes::First => present.first().copied(),
            DuplicateTimes::Last => present.last().copied(),
        };
        out.push((keys[group[0]].0, value));
        i = j;
    }
    if times == 0 {
        return Ok((out, None));
    }
    let merged = MergedTimes {
        how,
        times,
        rows,
        examples,
    };
    if how == DuplicateTimes::Refuse {
        return Err(
            Error::invalid_input(format!("time column '{column}': {}", merged.describe()))
                .with_context("column", column),
        );
    }
    Ok((out, Some(merged)))
}

fn interpolate(grid: &[Option<f64>]) -> Option<Vec<f64>> {
    let known: Vec<(usize, f64)> = grid
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    let first = *known.first()?;
    let last = *known.last()?;
    let mut out = Vec::with_capacity(grid.len());
    let mut k = 0;
    for i in 0..grid.len() {
        if i <= first.0 {
            out.push(first.1);
        } else if i >= last.0 {
            out.push(last.1);
        } else {
            while k + 1 < known.len() && known[k + 1].0 <= i {
                k += 1;
            }
            let (a, b) = (known[k], known[(k + 1).min(known.len() - 1)]);
            if b.0 == a.0 {
                out.push(a.1);
            } else {
                let t = (i - a.0) as f64 / (b.0 - a.0) as f64;
                out.push(a.1 + t * (b.1 - a.1));
            }
        }
    }
    Some(out)
}

/// The season length: the calendar's when the data show it, otherwise the lag (2 … n/3) with
/// the highest autocorrelation of the detrended series when it exceeds 0.3.
pub fn detect_period(values: &[f64], calendar: Option<usize>) -> Option<usize> {
    let n = values.len();
    // Detrend by first differences smoothed out: subtract a centred moving average of 5.
    let d: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    let acf = |lag: usize, x: &[f64]| -> f64 {
        let m = x.iter().sum::<f64>() / x.len().max(1) as f64;
        let var: f64 = x.iter().map(|v| (v - m).powi(2)).sum();
        if var <= 0.0 || lag >= x.len() {
            return 0.0;
        }
        x.iter()
            .zip(&x[lag..])
            .map(|(a, b)| (a - m) * (b - m))
            .sum::<f64>()
            / var
    };
    if let Some(p) = calendar
        && 2 * p < n
        && (acf(p, &d) > 0.2 || acf(p, values) > 0.3)
    {
        return Some(p);
    }
    let mut best: Option<(usize, f64)> = None;
    for lag in 2..=(n / 3).min(400) {
        let r = acf(lag, values);
        // A local maximum of the raw series' autocorrelation.
        if r > 0.3
            && r >= acf(lag - 1, values)
            && r >= acf(lag + 1, values)
            && best.is_none_or(|b| r > b.1)
        {
            best = Some((lag, r));
        }
    }
    best.map(|b| b.0)
}

/// A forecasting method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The last value (no season).
    Naive,
    /// The value one season ago.
    SeasonalNaive {
        /// Season length.
        period: usize,
    },
    /// Holt-Winters exponential smoothing with additive trend.
    HoltWinters {
        /// Season length (0: no season).
        period: usize,
        /// Multiplicative season (additive otherwise).
        multiplicative: bool,
        /// Level smoothing.
        alpha: f64,
        /// Trend smoothing.
        beta: f64,
        /// Season smoothing.
        gamma: f64,
        /// Fitted on ln(y) (an additive model there is multiplicative in trend and season).
        #[serde(default)]
        log: bool,
    },
    /// An autoregression on the seasonal differences `z_t − z_{t−period}` (with a mean, so a
    /// steady year-on-year growth carries on), integrated back; on the log scale when `log`.
    SeasonalDiffAr {
        /// Lags 1..=p of the differences.
        p: usize,
        /// Season length.
        period: usize,
        /// Fit on ln(y).
        log: bool,
        /// Intercept then lag coefficients.
        coef: Vec<f64>,
    },
    /// The mean of several methods' forecasts.
    Combination {
        /// The members.
        members: Vec<Method>,
    },
    /// An autoregression on lags, seasonal lags and a trend (ridge least squares), forecast
    /// recursively; on the log scale when `log`.
    Autoregression {
        /// Lags 1..=p.
        p: usize,
        /// Season length for seasonal lags (0: none).
        period: usize,
        /// Fit on ln(y).
        log: bool,
        /// Fitted coefficients: intercept, trend, lags, seasonal lags.
        coef: Vec<f64>,
    },
}

impl Method {
    /// A short name.
    pub fn name(&self) -> String {
        match self {
            Method::Naive => "naive".into(),
            Method::SeasonalNaive { period } => format!("seasonal naive (period {period})"),
            Method::HoltWinters {
                period,
                multiplicative,
                log,
                ..
            } => {
                let scale = if *log { ", log scale" } else { "" };
                if *period == 0 {
                    format!("Holt (trend, no season{scale})")
                } else {
                    format!(
                        "Holt-Winters ({} season, period {period}{scale})",
                        if *multiplicative {
                            "multiplicative"
                        } else {
                            "additive"
                        }
                    )
                }
            }
            Method::SeasonalDiffAr { p, period, log, .. } => format!(
                "seasonal-difference autoregression ({p} lags, period {period}{})",
                if *log { ", log scale" } else { "" }
            ),
            Method::Combination { members } => format!(
                "mean of {}",
                members
                    .iter()
                    .map(Method::name)
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            Method::Autoregression { p, period, log, .. } => format!(
                "autoregression ({p} lags{}{})",
                if *period > 0 {
                    format!(", seasonal lag {period}")
                } else {
                    String::new()
                },
                if *log { ", log scale" } else { "" }
            ),
        }
    }
}

// ---------- Holt-Winters ----------

/// One-step-ahead errors and the final state of Holt-Winters on `y`.
fn hw_run(y: &[f64], period: usize, mul: bool, a: f64, b: f64, g: f64) -> Option<(f64, HwState)> {
    let m = period;
    let n = y.len();
    if m > 0 && n < 2 * m + 2 {
        return None;
    }
    if mul && y.iter().any(|v| *v <= 0.0) {
        return None;
    }
    let (mut level, mut trend, mut season) = if m > 0 {
        let mean1 = y[..m].iter().sum::<f64>() / m as f64;
        let mean2 = y[m..2 * m].iter().sum::<f64>() / m as f64;
        let season: Vec<f64> = (0..m)
            .map(|i| if mul { y[i] / mean1 } else { y[i] - mean1 })
            .collect();
        (mean1, (mean2 - mean1) / m as f64, season)
    } else {
        (y[0], y[1] - y[0], Vec::new())
    };
    let start = if m > 0 { m } else { 1 };
    let mut sse = 0.0;
    for (t, &yt) in y.iter().enumerate().skip(start) {
        let s = if m > 0 {
            season[t % m]
        } else if mul {
            1.0
        } else {
            0.0
        };
        let fc = if mul {
            (level + trend) * s
        } else {
            level + trend + s
        };
        sse += (yt - fc).powi(2);
        let prev = level;
        level = if mul {
            a * yt / s + (1.0 - a) * (level + trend)
        } else {
            a * (yt - s) + (1.0 - a) * (level + trend)
        };
        trend = b * (level - prev) + (1.0 - b) * trend;
        if m > 0 {
            season[t % m] = if mul {
                g * yt / level + (1.0 - g) * s
            } else {
                g * (yt - level) + (1.0 - g) * s
            };
        }
    }
    if !sse.is_finite() {
        return None;
    }
    Some((
        sse,
        HwState {
            level,
            trend,
            season,
            n,
        },
    ))
}

#[derive(Debug, Clone)]
struct HwState {
    level: f64,
    trend: f64,
    season: Vec<f64>,
    n: usize,
}

impl HwState {
    fn forecast(&self, h: usize, mul: bool) -> f64 {
        let m = self.season.len();
        let base = self.level + h as f64 * self.trend;
        if m == 0 {
            return base;
        }
        let s = self.season[(self.n + h - 1) % m];
        if mul { base * s } else { base + s }
    }
}

/// Nelder–Mead over the unit cube (parameters clamped to [0.001, 0.999]).
fn nelder_mead(f: &dyn Fn(&[f64]) -> f64, x0: &[f64], iters: usize) -> Vec<f64> {
    let clamp = |x: &mut Vec<f64>| x.iter_mut().for_each(|v| *v = v.clamp(0.001, 0.999));
    let d = x0.len();
    let mut pts: Vec<(Vec<f64>, f64)> = Vec::with_capacity(d + 1);
    let mut p0 = x0.to_vec();
    clamp(&mut p0);
    pts.push((p0.clone(), f(&p0)));
    for i in 0..d {
        let mut p = p0.clone();
        p[i] = if p[i] < 0.5 { p[i] + 0.25 } else { p[i] - 0.25 };
        clamp(&mut p);
        let v = f(&p);
        pts.push((p, v));
    }
    for _ in 0..iters {
        pts.sort_by(|a, b| a.1.total_cmp(&b.1));
        let worst = pts[d].clone();
        let centroid: Vec<f64> = (0..d)
            .map(|j| pts[..d].iter().map(|p| p.0[j]).sum::<f64>() / d as f64)
            .collect();
        let along = |t: f64| {
            let mut p: Vec<f64> = centroid
                .iter()
                .zip(&worst.0)
                .map(|(c, w)| c + t * (c - w))
                .collect();
            clamp(&mut p);
            p
        };
        let r = along(1.0);
        let fr = f(&r);
        if fr < pts[0].1 {
            let e = along(2.0);
            let fe = f(&e);
            pts[d] = if fe < fr { (e, fe) } else { (r, fr) };
        } else if fr < pts[d - 1].1 {
            pts[d] = (r, fr);
        } else {
            let c = along(-0.5);
            let fc = f(&c);
            if fc < worst.1 {
                pts[d] = (c, fc);
            } else {
                let best = pts[0].0.clone();
                for p in pts.iter_mut().skip(1) {
                    let mut q: Vec<f64> =
                        p.0.iter()
                            .zip(&best)
                            .map(|(x, b)| b + 0.5 * (x - b))
                            .collect();
                    clamp(&mut q);
                    let v = f(&q);
                    *p = (q, v);
                }
            }
        }
        if (pts[d].1 - pts[0].1).abs() <= 1e-10 * pts[0].1.abs().max(1e-12) {
            break;
        }
    }
    pts.sort_by(|a, b| a.1.total_cmp(&b.1));
    pts.swap_remove(0).0
}

fn fit_hw(y: &[f64], period: usize, mul: bool, log: bool) -> Option<Method> {
    if log && y.iter().any(|v| *v <= 0.0) {
        return None;
    }
    let logged: Vec<f64>;
    let y = if log {
        logged = y.iter().map(|v| v.ln()).collect();
        &logged
    } else {
        y
    };
    let objective = |p: &[f64]| {
        hw_run(y, period, mul, p[0], p[1], p.get(2).copied().unwrap_or(0.0))
            .map_or(f64::INFINITY, |r| r.0)
    };
    hw_run(y, period, mul, 0.3, 0.05, 0.1)?;
    let mut best: Option<(Vec<f64>, f64)> = None;
    // A few starts, then Nelder–Mead from each.
    for start in [[0.3, 0.05, 0.1], [0.7, 0.1, 0.3], [0.1, 0.01, 0.05]] {
        let x0: Vec<f64> = if period > 0 {
            start.to_vec()
        } else {
            start[..2].to_vec()
        };
        let x = nelder_mead(&objective, &x0, 300);
        let v = objective(&x);
        if best.as_ref().is_none_or(|b| v < b.1) {
            best = Some((x, v));
        }
    }
    let (x, _) = best?;
    Some(Method::HoltWinters {
        period,
        multiplicative: mul,
        alpha: x[0],
        beta: x[1],
        gamma: x.get(2).copied().unwrap_or(0.0),
        log,
    })
}

// ---------- Autoregression ----------

fn ar_row(hist: &[f64], t: usize, p: usize, period: usize) -> Option<Vec<f64>> {
    if t < p.max(period) || t > hist.len() {
        return None;
    }
    let mut row = vec![1.0, t as f64 / 100.0];
    for l in 1..=p {
        row.push(hist[t - l]);
    }
    if period > 0 && period > p {
        row.push(hist[t - period]);
    }
    Some(row)
}

/// Solves `(XᵀX + λI) β = Xᵀy` (intercept unpenalised) by Gaussian elimination.
fn ridge(rows: &[Vec<f64>], y: &[f64], lambda: f64) -> Option<Vec<f64>> {
    let k = rows.first()?.len();
    let mut a = vec![vec![0.0; k + 1]; k];
    for (r, yt) in rows.iter().zip(y) {
        for i in 0..k {
            for j in 0..k {
                a[i][j] += r[i] * r[j];
            }
            a[i][k] += r[i] * yt;
        }
    }
    for (i, row) in a.iter_mut().enumerate().skip(1) {
        row[i] += lambda;
    }
    for col in 0..k {
        let piv = (col..k).max_by(|&x, &z| a[x][col].abs().total_cmp(&a[z][col].abs()))?;
        if a[piv][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, piv);
        let pivot_row = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                for (x, p) in row.iter_mut().zip(&pivot_row).skip(col) {
                    *x -= f * p;
                }
            }
        }
    }
    Some((0..k).map(|i| a[i][k] / a[i][i]).collect())
}

fn fit_ar(y: &[f64], p: usize, period: usize, log: bool) -> Option<Method> {
    if log && y.iter().any(|v| *v <= 0.0) {
        return None;
    }
    let z: Vec<f64> = if log {
        y.iter().map(|v| v.ln()).collect()
    } else {
        y.to_vec()
    };
    let start = p.max(period);
    if z.len() < start + 10 {
        return None;
    }
    let mut rows = Vec::new();
    let mut target = Vec::new();
    for t in start..z.len() {
        rows.push(ar_row(&z, t, p, period)?);
        target.push(z[t]);
    }
    // A light ridge, scaled to the data, keeps near-collinear lags stable.
    let scale = z.iter().map(|v| v * v).sum::<f64>() / z.len() as f64;
    let coef = ridge(&rows, &target, 1e-4 * scale.max(1e-12) * rows.len() as f64)?;
    Some(Method::Autoregression {
        p,
        period,
        log,
        coef,
    })
}

fn fit_sdar(y: &[f64], p: usize, period: usize, log: bool) -> Option<Method> {
    if period == 0 || (log && y.iter().any(|v| *v <= 0.0)) {
        return None;
    }
    let z: Vec<f64> = if log {
        y.iter().map(|v| v.ln()).collect()
    } else {
        y.to_vec()
    };
    if z.len() < period + p + 10 {
        return None;
    }
    let w: Vec<f64> = (period..z.len()).map(|t| z[t] - z[t - period]).collect();
    let mut rows = Vec::new();
    let mut target = Vec::new();
    for t in p..w.len() {
        let mut r = vec![1.0];
        for l in 1..=p {
            r.push(w[t - l]);
        }
        rows.push(r);
        target.push(w[t]);
    }
    let scale = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
    let coef = ridge(&rows, &target, 1e-4 * scale.max(1e-12) * rows.len() as f64)?;
    Some(Method::SeasonalDiffAr {
        p,
        period,
        log,
        coef,
    })
}

/// Forecasts `h` steps after `y` with a fitted method.
pub fn forecast(method: &Method, y: &[f64], h: usize) -> Vec<f64> {
    let n = y.len();
    match method {
        Method::Naive => vec![y.last().copied().unwrap_or(f64::NAN); h],
        Method::SeasonalNaive { period } => (1..=h)
            .map(|k| {
                let back = period * k.div_ceil(*period);
                n.checked_sub(back)
                    .and_then(|i| y.get(i + k - 1).or(y.get(i)))
                    .copied()
                    .unwrap_or(f64::NAN)
            })
            .collect(),
        Method::HoltWinters {
            period,
            multiplicative,
            alpha,
            beta,
            gamma,
            log,
        } => {
            let z: Vec<f64> = if *log {
                y.iter().map(|v| v.ln()).collect()
            } else {
                y.to_vec()
            };
            match hw_run(&z, *period, *multiplicative, *alpha, *beta, *gamma) {
                Some((_, st)) => (1..=h)
                    .map(|k| {
                        let v = st.forecast(k, *multiplicative);
                        if *log { v.exp() } else { v }
                    })
                    .collect(),
                None => vec![f64::NAN; h],
            }
        }
        Method::SeasonalDiffAr {
            p,
            period,
            log,
            coef,
        } => {
            let mut z: Vec<f64> = if *log {
                y.iter().map(|v| v.ln()).collect()
            } else {
                y.to_vec()
            };
            let m = *period;
            let mut w: Vec<f64> = (m..z.len()).map(|t| z[t] - z[t - m]).collect();
            for _ in 0..h {
                let t = w.len();
                let mut v = coef.first().copied().unwrap_or(0.0);
                for l in 1..=*p {
                    v += coef.get(l).copied().unwrap_or(0.0)
                        * t.checked_sub(l)
                            .and_then(|i| w.get(i))
                            .copied()
                            .unwrap_or(0.0);
                }
                w.push(v);
                let zt = v + z.get(z.len().wrapping_sub(m)).copied().unwrap_or(f64::NAN);
                z.push(zt);
            }
            z[n..]
                .iter()
                .map(|v| if *log { v.exp() } else { *v })
                .collect()
        }
        Method::Combination { members } => {
            let mut acc = vec![0.0; h];
            for m in members {
                for (a, v) in acc.iter_mut().zip(forecast(m, y, h)) {
                    *a += v / members.len().max(1) as f64;
                }
            }
            acc
        }
        Method::Autoregression {
            p,
            period,
            log,
            coef,
        } => {
            let mut z: Vec<f64> = if *log {
                y.iter().map(|v| v.ln()).collect()
            } else {
                y.to_vec()
            };
            for _ in 0..h {
                let t = z.len();
                let v = ar_row(&z, t, *p, *period)
                    .map_or(f64::NAN, |r| r.iter().zip(coef).map(|(a, b)| a * b).sum());
                z.push(v);
            }
            z[n..]
                .iter()
                .map(|v| if *log { v.exp() } else { *v })
                .collect()
        }
    }
}

/// Refits a method's parameters on `y` (the structure — period, lags, scale — stays).
pub fn refit(method: &Method, y: &[f64]) -> Option<Method> {
    match method {
        Method::Naive | Method::SeasonalNaive { .. } => Some(method.clone()),
        Method::HoltWinters {
            period,
            multiplicative,
            log,
            ..
        } => fit_hw(y, *period, *multiplicative, *log),
        Method::Autoregression { p, period, log, .. } => fit_ar(y, *p, *period, *log),
        Method::SeasonalDiffAr { p, period, log, .. } => fit_sdar(y, *p, *period, *log),
        Method::Combination { members } => Some(Method::Combination {
            members: members
                .iter()
                .map(|m| refit(m, y))
                .collect::<Option<Vec<_>>>()?,
        }),
    }
}

/// One candidate's backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// The method (fitted on all data).
    pub method: String,
    /// RMSE over the backtest windows.
    pub rmse: f64,
    /// MAE.
    pub mae: f64,
    /// sMAPE (%).
    pub smape: f64,
    /// MAPE (%), when no actual value is zero.
    pub mape: Option<f64>,
    /// MASE: MAE over the in-sample MAE of the seasonal naive forecast (of the last fold's
    /// training window).
    pub mase: Option<f64>,
}

/// A fitted forecaster: the chosen method, the series and the backtest evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecaster {
    /// The series (the whole history, needed to forecast).
    pub series: Series,
    /// The chosen method, fitted on the whole series.
    pub method: Method,
    /// The horizon it was chosen for.
    pub horizon: usize,
    /// The season length found (0: none).
    pub period: usize,
    /// Every candidate's backtest, best first.
    pub backtests: Vec<Backtest>,
    /// Backtest errors (actual − forecast) by step ahead, for intervals.
    pub errors_by_step: Vec<Vec<f64>>,
    /// The target's name.
    pub target: String,
    /// The time column's name.
    pub time_column: String,
}

/// One forecast point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastPoint {
    /// The time.
    pub time: String,
    /// The point forecast.
    pub forecast: f64,
    /// The lower bound of the 80 % interval.
    pub lower: f64,
    /// The upper bound.
    pub upper: f64,
}

/// The candidate methods for a series, fitted on it (`calendar`: the period is the calendar's,
/// not a cycle found in the data).
pub fn candidates(y: &[f64], period: Option<usize>, calendar: bool) -> Vec<Method> {
    let mut out = vec![Method::Naive];
    let positive = y.iter().all(|v| *v > 0.0);
    if let Some(m) = period {
        out.push(Method::SeasonalNaive { period: m });
    }
    let seasons: Vec<usize> = period.into_iter().collect();
    for &m in &seasons {
        out.extend(fit_hw(y, m, false, false));
        if positive {
            out.extend(fit_hw(y, m, true, false));
            out.extend(fit_hw(y, m, false, true));
        }
    }
    out.extend(fit_hw(y, 0, false, false));
    let m = period.unwrap_or(0);
    for p in [1usize, 2, 3, 6, 12] {
        if p >= y.len() / 4 {
            continue;
        }
        out.extend(fit_ar(y, p, m, false));
        if positive {
            out.extend(fit_ar(y, p, m, true));
        }
    }
    if m > 0 {
        for p in [1usize, 2, 3] {
            out.extend(fit_sdar(y, p, m, false));
            if positive {
                out.extend(fit_sdar(y, p, m, true));
            }
        }
    }
    // A cycle found in the data (not the calendar's) need not be a whole number of steps: let
    // the backtests weigh its neighbours too.
    if let Some(m) = period
        && !calendar
        && m > 3
    {
        for q in [m - 1, m + 1] {
            if 2 * q + 2 < y.len() {
                out.push(Method::SeasonalNaive { period: q });
                for p in [2usize, 6, 12] {
                    out.extend(fit_ar(y, p, q, false));
                }
            }
        }
    }
    out
}

/// Chooses and fits a forecaster for `horizon` steps: every candidate is refitted on expanding
/// windows (three folds ending between half the series and `n − horizon`, each forecasting the
/// next `horizon` points from data before them — no look-ahead) and the one with the lowest
/// backtest RMSE wins.
pub fn fit(series: Series, horizon: usize, target: &str, time_column: &str) -> Result<Forecaster> {
    let y = &series.values;
    let n = y.len();
    let h = horizon.max(1);
    if n < h + 10 {
        return Err(Error::invalid_input(format!(
            "a horizon of {h} needs at least {} points; the series has {n}",
            h + 10
        )));
    }
    let period = detect_period(y, series.calendar_period()).filter(|p| *p * 2 + h < n);
    let calendar = period.is_some() && period == series.calendar_period();
    let cands = candidates(y, period, calendar);
    // Fold ends: the last at n − h, the others spread back to no earlier than half the series,
    // so that every training window is long enough to fit a season or two.
    let folds = 3usize;
    let last_end = n - h;
    let first_end = (n / 2).max(10).min(last_end);
    let spacing = (last_end - first_end) / folds.max(1);
    let mut ends: Vec<usize> = (0..folds)
        .map(|j| last_end - j * spacing.max(1))
        .filter(|e| *e >= first_end)
        .collect();
    ends.sort_unstable();
    ends.dedup();
    let mut results: Vec<(Method, Backtest, Vec<Vec<f64>>)> = Vec::new();
    let mut cands = cands;
    let mut round = 0;
    while round < 2 {
        for c in &cands {
            let mut actual = Vec::new();
            let mut predicted = Vec::new();
            let mut by_step = vec![Vec::new(); h];
            let mut ok = true;
            for &end in &ends {
                let train = &y[..end];
                let Some(m) = refit(c, train) else {
                    ok = false;
                    break;
                };
                let fc = forecast(&m, train, h);
                for (k, (a, p)) in y[end..end + h].iter().zip(&fc).enumerate() {
                    actual.push(*a);
                    predicted.push(*p);
                    by_step[k].push(a - p);
                }
            }
            if !ok || actual.is_empty() || predicted.iter().any(|p| !p.is_finite()) {
                continue;
            }
            let rmse = metrics::mse(&actual, &predicted).sqrt();
            let last_train = &y[..ends.last().copied().unwrap_or(n - h)];
            results.push((
                c.clone(),
                Backtest {
                    method: c.name(),
                    rmse,
                    mae: metrics::mae(&actual, &predicted),
                    smape: metrics::smape(&actual, &predicted),
                    mape: (!actual.contains(&0.0)).then(|| metrics::mape(&actual, &predicted)),
                    mase: metrics::mase(&actual, &predicted, last_train, period.unwrap_or(1)),
                },
                by_step,
            ));
        }
        results.sort_by(|a, b| a.1.rmse.total_cmp(&b.1.rmse));
        // Second round: the mean of the three best distinct methods, judged by the same backtest.
        round += 1;
        cands = if round == 1 && results.len() >= 3 {
            vec![Method::Combination {
                members: results.iter().take(5).map(|r| r.0.clone()).collect(),
            }]
        } else {
            Vec::new()
        };
    }
    // Combinations of forecasts are more robust than any one method chosen on a short
    // backtest (the lesson of the M competitions): take the combination unless its backtest is
    // more than 5 % worse than the best single method's.
    let best_rmse = results.first().map_or(f64::INFINITY, |r| r.1.rmse);
    if let Some(i) = results
        .iter()
        .position(|r| matches!(r.0, Method::Combination { .. }) && r.1.rmse <= 1.05 * best_rmse)
    {
        let c = results.remove(i);
        results.insert(0, c);
    }
    let (method, _, errors_by_step) = results
        .first()
        .cloned()
        .ok_or_else(|| Error::internal("no forecasting method could be fitted"))?;
    Ok(Forecaster {
        horizon: h,
        period: period.unwrap_or(0),
        backtests: results.iter().map(|r| r.1.clone()).collect(),
        errors_by_step,
        method,
        series,
        target: target.to_string(),
        time_column: time_column.to_string(),
    })
}

impl Forecaster {
    /// Forecasts the next `h` points after the series, with 80 % intervals from the backtest
    /// errors (their 10th and 90th percentiles at each step ahead; beyond the backtested
    /// horizon, the last step's spread grown with √steps).
    pub fn forecast(&self, h: usize) -> Vec<ForecastPoint> {
        let y = &self.series.values;
        let fc = forecast(&self.method, y, h);
        let n = y.len() as i64;
        fc.iter()
            .enumerate()
            .map(|(k, f)| {
                let (lo, hi) = self.band(k);
                ForecastPoint {
                    time: self.series.time_text(n + k as i64),
                    forecast: *f,
                    lower: f + lo,
                    upper: f + hi,
                }
            })
            .collect()
    }

    fn band(&self, k: usize) -> (f64, f64) {
        let last = self.errors_by_step.len().saturating_sub(1);
        let e = self
            .errors_by_step
            .get(k.min(last))
            .cloned()
            .unwrap_or_default();
        if e.is_empty() {
            return (0.0, 0.0);
        }
        let mut s = e;
        s.sort_by(f64::total_cmp);
        let q = |p: f64| s[((s.len() - 1) as f64 * p).round() as usize];
        let grow = if k > last {
            ((k + 1) as f64 / (last + 1) as f64).sqrt()
        } else {
            1.0
        };
        // With few backtest errors the empirical quantiles are too narrow: never narrower than
        // ±1.28 × their RMS.
        let rms = (s.iter().map(|v| v * v).sum::<f64>() / s.len() as f64).sqrt();
        (
            (q(0.1).min(-1.28 * rms)) * grow,
            (q(0.9).max(1.28 * rms)) * grow,
        )
    }

    /// Forecasts for the given future times (text in the time column's format): each must lie
    /// on the grid after the last observed point.
    pub fn forecast_times(&self, times: &[String]) -> Result<Vec<ForecastPoint>> {
        let n = self.series.values.len() as i64;
        let mut idx = Vec::with_capacity(times.len());
        for (row, t) in times.iter().enumerate() {
            let i = self.series.index_of(t).ok_or_else(|| {
                Error::invalid_input(format!(
                    "row {row}: '{t}' is not a time on the series' grid (last point {})",
                    self.series.time_text(n - 1)
                ))
            })?;
            if i < n {
                return Err(Error::invalid_input(format!(
                    "row {row}: '{t}' is not after the last observed time {}",
                    self.series.time_text(n - 1)
                )));
            }
            idx.push(i);
        }
        let max_h = idx.iter().map(|i| (i - n + 1) as usize).max().unwrap_or(0);
        if max_h > 100_000 {
            return Err(Error::invalid_input(format!(
                "forecasting {max_h} steps ahead is too far"
            )));
        }
        let all = self.forecast(max_h);
        Ok(idx
            .iter()
            .filter_map(|i| all.get((i - n) as usize).cloned())
            .collect())
    }

    /// The forecaster in words: season, trend, method, backtest.
    pub fn describe(&self) -> String {
        let y = &self.series.values;
        let n = y.len();
        let half = n / 2;
        let (a, b) = (
            y[..half].iter().sum::<f64>() / half.max(1) as f64,
            y[half..].iter().sum::<f64>() / (n - half).max(1) as f64,
        );
        let trend = if b > a * 1.05 {
            format!(
                "rising (the second half averages {:.3} against {:.3})",
                b, a
            )
        } else if b < a * 0.95 {
            format!(
                "falling (the second half averages {:.3} against {:.3})",
                b, a
            )
        } else {
            "without a clear trend".to_string()
        };
        let season = if self.period > 0 {
            format!("a season of {} steps", self.period)
        } else {
            "no regular season".to_string()
        };
        let best = self.backtests.first();
        let naive = self
            .backtests
            .iter()
            .find(|b| b.method.starts_with("seasonal naive"))
            .or_else(|| self.backtests.iter().find(|b| b.method == "naive"));
        format!(
            "`{}` over {} points is {trend}, with {season}{}. The chosen method is {}, with a backtest RMSE of {:.3}{} over {} steps ahead.",
            self.target,
            n,
            {
                let mut extra = String::new();
                if let Some(f) = self.series.date_format.filter(|f| *f != DateFormat::Iso) {
                    extra.push_str(&format!(" (dates read as {})", date_order(f)));
                }
                if let Some(m) = &self.series.merged {
                    extra.push_str(&format!(" ({})", m.describe()));
                }
                if self.series.filled > 0 {
                    extra.push_str(&format!(
                        " ({} missing points were interpolated)",
                        self.series.filled
                    ));
                }
                extra
            },
            self.method.name(),
            best.map_or(f64::NAN, |b| b.rmse),
            naive.map_or(String::new(), |nv| format!(
                " (against {:.3} for {})",
                nv.rmse, nv.method
            )),
            self.horizon
        )
    }
}

/// A date format in words, for the narrative.
fn date_order(f: DateFormat) -> &'static str {
    match f {
        DateFormat::Iso => "year-month-day",
        DateFormat::YearSlash => "year/month/day",
        DateFormat::YearMonth => "year-month",
        DateFormat::DayMonthYear => "day/month/year",
        DateFormat::MonthDayYear => "month/day/year",
    }
}

/// Builds a forecaster from a table.
pub fn fit_frame(
    frame: &Frame,
    target: &str,
    time_column: &str,
    horizon: usize,
) -> Result<Forecaster> {
    fit_frame_with(
        frame,
        target,
        time_column,
        horizon,
        DuplicateTimes::default(),
    )
}

/// As [`fit_frame`], combining rows that share a time as `duplicates` says.
///
/// # Errors
/// As [`Series::from_columns_with`] and [`fit`].
pub fn fit_frame_with(
    frame: &Frame,
    target: &str,
    time_column: &str,
    horizon: usize,
    duplicates: DuplicateTimes,
) -> Result<Forecaster> {
    let time = frame.require(time_column)?;
    let value = frame.require(target)?;
    let series = Series::from_columns_with(time, value, duplicates)?;
    fit(series, horizon, target, time_column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: Vec<f64>) -> Series {
        Series {
            axis: TimeAxis::Numeric { step: 1.0 },
            origin: 0.0,
            values,
            filled: 0,
            date_format: None,
            merged: None,
        }
    }

    fn day_first(i: i64) -> String {
        let (y, m, d) = mlpilot_core::frame::civil_from_days(19_358 + i);
        format!("{d:02}/{m:02}/{y}")
    }

    #[test]
    fn dates_are_read_day_first_or_month_first_from_the_data() {
        // 2023-01-01 onwards, written dd/mm/yyyy: day 13 and above decide day-first.
        let times: Vec<String> = (0..40).map(day_first).collect();
        let time = Column::from_strs("day", times.iter().map(String::as_str));
        let value = Column::from_f64("sales", (0..40).map(|i| 100.0 + i as f64));
        let s = Series::from_columns(&time, &value).unwrap();
        assert_eq!(s.date_format, Some(DateFormat::DayMonthYear));
        assert_eq!(
            s.axis,
            TimeAxis::Timestamp {
                step_ms: 86_400_000
            }
        );
        assert_eq!(s.values.len(), 40);
        assert_eq!(s.values[1], 101.0);
        // The future is read in the same format: 10/02/2023 is the 41st day.
        assert_eq!(s.index_of("10/02/2023"), Some(40));
        // Month-first, and year/month/day with slashes.
        let us: Vec<String> = (0..40)
            .map(|i| {
                let (y, m, d) = mlpilot_core::frame::civil_from_days(19_358 + i);
                format!("{m:02}/{d:02}/{y}")
            })
            .collect();
        let s = Series::from_columns(
            &Column::from_strs("day", us.iter().map(String::as_str)),
            &value,
        )
        .unwrap();
        assert_eq!(s.date_format, Some(DateFormat::MonthDayYear));
        assert_eq!(s.time_text(31), "2023-02-01T00:00:00");
        let ys: Vec<String> = (0..40)
            .map(|i| {
                let (y, m, d) = mlpilot_core::frame::civil_from_days(19_358 + i);
                format!("{y}/{m:02}/{d:02}")
            })
            .collect();
        let s = Series::from_columns(
            &Column::from_strs("day", ys.iter().map(String::as_str)),
            &value,
        )
        .unwrap();
        assert_eq!(s.date_format, Some(DateFormat::YearSlash));
        assert_eq!(s.values.len(), 40);
    }

    #[test]
    fn an_unreadable_time_names_row_value_and_formats() {
        let mut times: Vec<String> = (0..20).map(day_first).collect();
        times[7] = "07/13/2023".into();
        let time = Column::from_strs("day", times.iter().map(String::as_str));
        let value = Column::from_f64("v", (0..20).map(f64::from));
        let err = Series::from_columns(&time, &value).unwrap_err().to_string();
        assert!(err.contains("row 7") && err.contains("07/13/2023"), "{err}");
        assert!(err.contains("15/03/2024"), "{err}");
    }

    #[test]
    fn rows_that_share_a_time_are_combined_and_counted() {
        // 30 rows, times 5 and 9 twice: 28 points.
        let mut times = Vec::new();
        let mut vals = Vec::new();
        for i in 0..28 {
            times.push(format!("2023-01-{:02}", i + 1));
            vals.push(i as f64);
            if i == 5 || i == 9 {
                times.push(format!("2023-01-{:02}", i + 1));
                vals.push(i as f64 + 100.0);
            }
        }
        let time = Column::from_strs("t", times.iter().map(String::as_str));
        let value = Column::from_f64("v", vals.iter().copied());
        let s = Series::from_columns(&time, &value).unwrap();
        assert_eq!(s.values.len(), 28);
        assert_eq!(s.values[5], 55.0);
        assert_eq!(s.values[9], 59.0);
        let m = s.merged.clone().unwrap();
        assert_eq!((m.times, m.rows, m.how), (2, 2, DuplicateTimes::Mean));
        assert_eq!(m.examples, vec!["2023-01-06", "2023-01-10"]);
        assert!(m.describe().contains("2 extra rows"), "{}", m.describe());
        let sum = Series::from_columns_with(&time, &value, DuplicateTimes::Sum).unwrap();
        assert_eq!(sum.values[5], 110.0);
        let last = Series::from_columns_with(&time, &value, DuplicateTimes::Last).unwrap();
        assert_eq!(last.values[9], 109.0);
        let first = Series::from_columns_with(&time, &value, DuplicateTimes::First).unwrap();
        assert_eq!(first.values[9], 9.0);
        let err = Series::from_columns_with(&time, &value, DuplicateTimes::Refuse)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`2023-01-06`") && err.contains("2 times"),
            "{err}"
        );
        // No repeats: nothing merged.
        let s = Series::from_columns(
            &Column::from_strs("t", times.iter().step_by(2).map(String::as_str)),
            &Column::from_f64("v", vals.iter().step_by(2).copied()),
        )
        .unwrap();
        assert!(s.merged.is_none());
    }

    #[test]
    fn seasonal_naive_repeats_the_last_season() {
        let y: Vec<f64> = (0..24).map(|i| f64::from(i % 4)).collect();
        let f = forecast(&Method::SeasonalNaive { period: 4 }, &y, 6);
        assert_eq!(f, vec![0.0, 1.0, 2.0, 3.0, 0.0, 1.0]);
    }

    #[test]
    fn holt_winters_follows_trend_and_season() {
        let y: Vec<f64> = (0..60)
            .map(|i| 10.0 + 0.5 * f64::from(i) + [3.0, -1.0, -2.0, 0.0][i as usize % 4])
            .collect();
        let m = fit_hw(&y, 4, false, false).unwrap();
        let f = forecast(&m, &y, 8);
        for (k, v) in f.iter().enumerate() {
            let t = 60 + k;
            let want = 10.0 + 0.5 * t as f64 + [3.0, -1.0, -2.0, 0.0][t % 4];
            assert!((v - want).abs() < 0.2, "step {k}: {v} vs {want}");
        }
    }

    #[test]
    fn autoregression_extrapolates_a_trend() {
        let y: Vec<f64> = (0..50).map(|i| 3.0 + 2.0 * f64::from(i)).collect();
        let m = fit_ar(&y, 2, 0, false).unwrap();
        let f = forecast(&m, &y, 5);
        for (k, v) in f.iter().enumerate() {
            assert!((v - (3.0 + 2.0 * (50 + k) as f64)).abs() < 0.05, "{v}");
        }
    }

    #[test]
    fn seasonal_differences_carry_growth_and_season() {
        // ln y = 0.01 t + a season: year-on-year growth is constant on the log scale.
        let season = [0.1, -0.05, 0.2, -0.25];
        let y: Vec<f64> = (0..48)
            .map(|t| (3.0 + 0.01 * f64::from(t) + season[t as usize % 4]).exp())
            .collect();
        let m = fit_sdar(&y, 1, 4, true).unwrap();
        let f = forecast(&m, &y, 8);
        for (k, v) in f.iter().enumerate() {
            let t = 48 + k;
            let want = (3.0 + 0.01 * t as f64 + season[t % 4]).exp();
            assert!((v - want).abs() / want < 1e-3, "step {k}: {v} vs {want}");
        }
    }

    #[test]
    fn periods_are_found_and_gaps_filled() {
        let y: Vec<f64> = (0..120)
            .map(|i| (f64::from(i) * std::f64::consts::TAU / 11.0).sin() * 10.0 + 50.0)
            .collect();
        assert_eq!(detect_period(&y, None), Some(11));
        let time = Column::from_strs(
            "t",
            [
                "2000-01", "2000-02", "2000-04", "2000-05", "2000-06", "2000-07", "2000-08",
                "2000-09",
            ],
        );
        let value = Column::from_f64("y", [1.0, 2.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        let s = Series::from_columns(&time, &value).unwrap();
        assert_eq!(s.values, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        assert_eq!(s.filled, 1);
        assert_eq!(s.time_text(9), "2000-10");
        assert_eq!(s.index_of("2001-01"), Some(12));
    }

    #[test]
    fn backtests_never_look_ahead() {
        // A series that jumps after point 80: a model fitted before the jump cannot know it,
        // so the last fold's backtest error must show it.
        let mut y: Vec<f64> = (0..100).map(|i| f64::from(i % 5)).collect();
        for v in y.iter_mut().skip(90) {
            *v += 100.0;
        }
        let f = fit(series(y), 10, "y", "t").unwrap();
        assert!(
            f.backtests.iter().all(|b| b.rmse > 10.0),
            "{:?}",
            f.backtests
        );
    }
}
