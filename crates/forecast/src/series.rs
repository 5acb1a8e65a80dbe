//! Series on a regular grid, read from a table: one per value of the series-id column (or one),
//! with the covariates aligned to the same grid.

use std::collections::BTreeMap;

use mlpilot_core::datetime::DATE_FORMATS;
pub use mlpilot_core::facts::{DuplicateTimes, MergedTimes};
use mlpilot_core::{Column, Error, Frame, Result};
use serde::{Deserialize, Serialize};

use crate::axis::{Stamp, TimeAxis, detect_format, month_of, parse_stamp};
pub use mlpilot_core::datetime::DateFormat;

/// A covariate: another column of the table, aligned to the series' grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Covariate {
    /// The column's name.
    pub name: String,
    /// Known in the future (holidays, planned prices): forecasting needs its future values.
    /// Otherwise it is only known up to the forecast origin and enters lagged by the horizon.
    pub known: bool,
}

/// One series on a regular grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The value of the series-id column (`None` for a table with one series).
    pub id: Option<String>,
    /// The first point's key (a number, a month count, or milliseconds).
    pub origin: f64,
    /// Values at grid points 0, 1, …
    pub values: Vec<f64>,
    /// Covariate values on the same grid, one vector per [`Panel::covariates`] entry.
    pub covariates: Vec<Vec<f64>>,
    /// Grid points that were missing or absent and were interpolated.
    pub filled: usize,
    /// Rows that shared a time, and how they were combined.
    pub merged: Option<MergedTimes>,
    /// Rows before the first or after the last value of the target (future rows with
    /// covariates filled in, say): left out of the history, with up to three of their times.
    #[serde(default)]
    pub untargeted: Option<(usize, Vec<String>)>,
}

/// What a missing series id is called (in training and when forecasting).
pub const MISSING_ID: &str = "(missing)";

/// The series of a table, sharing one axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Panel {
    /// The axis (its kind and spacing are checked on every series).
    pub axis: TimeAxis,
    /// The format of the time column's dates (`None`: numbers, year-months or ISO dates).
    pub date_format: Option<DateFormat>,
    /// The series, in the order their ids first appear.
    pub series: Vec<Series>,
    /// The covariates every series carries.
    pub covariates: Vec<Covariate>,
}

/// The columns a panel is read from.
#[derive(Debug, Clone, Default)]
pub struct Columns<'a> {
    /// The value to forecast.
    pub target: &'a str,
    /// The times.
    pub time: &'a str,
    /// One series per value of this column.
    pub id: Option<&'a str>,
    /// Other numeric columns used as covariates.
    pub covariates: Vec<Covariate>,
}

struct Row {
    key: f64,
    value: Option<f64>,
    covariates: Vec<Option<f64>>,
    text: String,
}

impl Panel {
    /// Reads the series of `frame`: rows grouped by the id column, sorted by time, rows that
    /// share a time combined as `duplicates` says, placed on a grid with the median spacing, and
    /// gaps and missing values filled by linear interpolation.
    ///
    /// # Errors
    /// A time that does not parse (naming the row, the value and the formats tried), mixed
    /// numbers and dates, a series whose spacing differs from the others' (naming it), a series
    /// with fewer than 8 points or no numbers, repeated times with [`DuplicateTimes::Refuse`], a
    /// covariate that is not numeric.
    pub fn from_frame(
        frame: &Frame,
        cols: &Columns<'_>,
        duplicates: DuplicateTimes,
    ) -> Result<Panel> {
        let time = frame.require(cols.time)?;
        let value = frame.require(cols.target)?;
        let id = cols.id.map(|c| frame.require(c)).transpose()?;
        let covs: Vec<&Column> = cols
            .covariates
            .iter()
            .map(|c| frame.require(&c.name))
            .collect::<Result<_>>()?;
        check_covariates(&covs)?;
        let texts: Vec<Option<String>> = (0..time.len()).map(|i| time.str_at(i)).collect();
        let date_format = detect_format(texts.iter().flatten().map(String::as_str));
        let mut stamps: Vec<(usize, Stamp)> = Vec::with_capacity(texts.len());
        for (i, t) in texts.iter().enumerate() {
            let Some(t) = t else { continue };
            let stamp =
                parse_stamp(t, date_format).ok_or_else(|| unreadable(time, i, t, date_format))?;
            stamps.push((i, stamp));
        }
        let (kind, first_day) = axis_kind(&stamps, time.name())?;
        // Rows grouped by id, in order of first appearance.
        let mut groups: BTreeMap<String, usize> = BTreeMap::new();
        let mut order: Vec<(Option<String>, Vec<Row>)> = Vec::new();
        for (i, stamp) in stamps {
            let key = match (kind, stamp) {
                (0, Stamp::Number(x)) => x,
                (1, Stamp::Month(m)) => m as f64,
                (1, Stamp::Millis(ms)) => month_of(ms).unwrap_or(0) as f64,
                (_, Stamp::Millis(ms)) => ms as f64,
                _ => continue,
            };
            let name = id.map(|c| c.str_at(i).unwrap_or_else(|| MISSING_ID.into()));
            let slot = *groups
                .entry(name.clone().unwrap_or_default())
                .or_insert_with(|| {
                    order.push((name, Vec::new()));
                    order.len() - 1
                });
            if let Some((_, rows)) = order.get_mut(slot) {
                rows.push(Row {
                    key,
                    value: value.f64_at(i).filter(|v| v.is_finite()),
                    covariates: covs
                        .iter()
                        .map(|c| c.f64_at(i).filter(|v| v.is_finite()))
                        .collect(),
                    text: texts.get(i).cloned().flatten().unwrap_or_default(),
                });
            }
        }
        if order.is_empty() {
            return Err(Error::invalid_input(format!(
                "time column '{}' has no values",
                time.name()
            )));
        }
        let mut merged_rows = Vec::with_capacity(order.len());
        for (name, rows) in order {
            let (rows, merged) = merge_times(rows, duplicates, time.name(), name.as_deref())?;
            merged_rows.push((name, rows, merged));
        }
        // The spacing: the median gap of each series, which must agree.
        let step = common_step(&merged_rows, kind, time.name())?;
        let axis = match kind {
            0 => TimeAxis::Numeric { step },
            1 => TimeAxis::Months {
                step: u32::try_from(step.round().max(1.0) as i64).unwrap_or(1),
                first_day,
            },
            _ => TimeAxis::Fixed {
                step_ms: step.round().max(1.0) as i64,
            },
        };
        let step = axis.step();
        let mut series = Vec::with_capacity(merged_rows.len());
        for (name, rows, merged) in merged_rows {
            series.push(place_on_grid(
                name,
                &rows,
                merged,
                step,
                covs.len(),
                cols,
                time.name(),
            )?);
        }
        Ok(Panel {
            axis,
            date_format,
            series,
            covariates: cols.covariates.clone(),
        })
    }

    /// The grid index of a time value in series `s` (`None` when it does not parse or falls
    /// between grid points).
    ///
    /// Times are read in the training column's date format, or as ISO dates (the form
    /// forecasts are written in).
    pub fn index_of(&self, s: &Series, text: &str) -> Option<i64> {
        let stamp = parse_stamp(text, self.date_format).or_else(|| parse_stamp(text, None))?;
        let key = self.axis.key(stamp)?;
        let pos = (key - s.origin) / self.axis.step();
        ((pos - pos.round()).abs() < 1e-6).then_some(pos.round() as i64)
    }

    /// Whether `text` reads as a time at all (in the training format or ISO).
    pub fn reads_as_time(&self, text: &str) -> bool {
        parse_stamp(text, self.date_format)
            .or_else(|| parse_stamp(text, None))
            .and_then(|st| self.axis.key(st))
            .is_some()
    }

    /// The time of grid index `i` of series `s`, as text.
    pub fn time_text(&self, s: &Series, i: i64) -> String {
        self.axis.text(s.origin, i)
    }

    /// The series with id `id` (`None` matches the only series of a table without ids).
    pub fn find(&self, id: Option<&str>) -> Option<usize> {
        self.series.iter().position(|s| s.id.as_deref() == id)
    }
}

/// "series `A`" or "the series".
pub(crate) use mlpilot_core::narration::series_label;

fn spacing_text(kind: u8, step: f64) -> String {
    match kind {
        0 => format!("{step}"),
        1 => format!("{step} months"),
        _ => format!("{} hours", step / 3_600_000.0),
    }
}

fn unreadable(time: &Column, row: usize, text: &str, format: Option<DateFormat>) -> Error {
    let tried = match format {
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
        "time column '{}', row {row}: could not read '{text}' as a time; tried {tried}",
        time.name()
    ))
    .with_context("column", time.name())
    .with_context("row", row)
    .with_context("value", text)
}

/// 0: numbers, 1: months (year-months, or dates all on the first of a month), 2: timestamps;
/// with whether months were written as first days.
fn axis_kind(stamps: &[(usize, Stamp)], column: &str) -> Result<(u8, bool)> {
    if stamps.iter().all(|p| matches!(p.1, Stamp::Number(_))) {
        return Ok((0, false));
    }
    let months = stamps.iter().all(|p| match p.1 {
        Stamp::Month(_) => true,
        Stamp::Millis(ms) => month_of(ms).is_some(),
        Stamp::Number(_) => false,
    });
    if months {
        let first_day = stamps.iter().any(|p| matches!(p.1, Stamp::Millis(_)));
        // Dates on the first of each month are months, unless they are daily dates that happen
        // to be (a series of eight firsts is monthly).
        return Ok((1, first_day));
    }
    if stamps.iter().all(|p| matches!(p.1, Stamp::Millis(_))) {
        return Ok((2, false));
    }
    Err(
        Error::invalid_input(format!("time column '{column}' mixes numbers and dates"))
            .with_context("column", column),
    )
}

/// Sorts rows by time (stably: rows of one time stay in file order) and combines the rows of
/// each repeated time.
fn merge_times(
    mut rows: Vec<Row>,
    how: DuplicateTimes,
    column: &str,
    id: Option<&str>,
) -> Result<(Vec<Row>, Option<MergedTimes>)> {
    rows.sort_by(|a, b| a.key.total_cmp(&b.key));
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    let (mut times, mut extra, mut examples) = (0usize, 0usize, Vec::new());
    let mut group: Vec<Row> = Vec::new();
    let flush = |group: &mut Vec<Row>,
                 out: &mut Vec<Row>,
                 times: &mut usize,
                 extra: &mut usize,
                 examples: &mut Vec<String>| {
        if group.is_empty() {
            return;
        }
        if group.len() > 1 {
            *times += 1;
            *extra += group.len() - 1;
            if examples.len() < 3 {
                examples.push(group.first().map(|r| r.text.clone()).unwrap_or_default());
            }
        }
        let combine = |pick: &dyn Fn(&Row) -> Option<f64>| -> Option<f64> {
            let present: Vec<f64> = group.iter().filter_map(pick).collect();
            match how {
                DuplicateTimes::Mean | DuplicateTimes::Refuse => (!present.is_empty())
                    .then(|| present.iter().sum::<f64>() / present.len() as f64),
                DuplicateTimes::Sum => (!present.is_empty()).then(|| present.iter().sum()),
                DuplicateTimes::First => present.first().copied(),
                DuplicateTimes::Last => present.last().copied(),
            }
        };
        let n_cov = group.first().map_or(0, |r| r.covariates.len());
        let row = Row {
            key: group.first().map_or(0.0, |r| r.key),
            value: combine(&|r: &Row| r.value),
            // Covariates describe the time, not the rows: their mean, whatever the target's rule.
            covariates: (0..n_cov)
                .map(|k| {
                    let v: Vec<f64> = group
                        .iter()
                        .filter_map(|r| r.covariates.get(k).copied().flatten())
                        .collect();
                    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
                })
                .collect(),
            text: group.first().map(|r| r.text.clone()).unwrap_or_default(),
        };
        out.push(row);
        group.clear();
    };
    for row in rows {
        if group.last().is_some_and(|g| g.key != row.key) {
            flush(&mut group, &mut out, &mut times, &mut extra, &mut examples);
        }
        group.push(row);
    }
    flush(&mut group, &mut out, &mut times, &mut extra, &mut examples);
    if times == 0 {
        return Ok((out, None));
    }
    let merged = MergedTimes {
        how,
        times,
        rows: extra,
        examples,
    };
    if how == DuplicateTimes::Refuse {
        return Err(Error::invalid_input(format!(
            "time column '{column}'{}: {}",
            id.map(|i| format!(" (series `{i}`)")).unwrap_or_default(),
            mlpilot_core::narration::merged_times(&merged)
        ))
        .with_context("column", column));
    }
    Ok((out, Some(merged)))
}

fn place_on_grid(
    id: Option<String>,
    rows: &[Row],
    merged: Option<MergedTimes>,
    step: f64,
    n_cov: usize,
    cols: &Columns<'_>,
    time_column: &str,
) -> Result<Series> {
    let label = series_label(id.as_deref());
    // The history runs from the first to the last row with a target value; rows outside it
    // (future rows with covariates filled in) are not history.
    let with_value: Vec<&Row> = rows.iter().filter(|r| r.value.is_some()).collect();
    let (Some(first), Some(end)) = (with_value.first(), with_value.last()) else {
        return Err(Error::invalid_input(format!(
            "the target '{}' has no numbers in {label}",
            cols.target
        )));
    };
    let (origin, last) = (first.key, end.key);
    let outside: Vec<&Row> = rows
        .iter()
        .filter(|r| r.key < origin || r.key > last)
        .collect();
    let untargeted = (!outside.is_empty()).then(|| {
        (
            outside.len(),
            outside.iter().take(3).map(|r| r.text.clone()).collect(),
        )
    });
    let rows: Vec<&Row> = rows
        .iter()
        .filter(|r| r.key >= origin && r.key <= last)
        .collect();
    let span = ((last - origin) / step).round();
    if !(0.0..=1_000_000.0).contains(&span) {
        return Err(Error::invalid_input(format!(
            "time column '{time_column}': {label} spans {span} steps of its usual spacing; is it \
             really one series?"
        )));
    }
    let len = span as usize + 1;
    let mut grid: Vec<Option<f64>> = vec![None; len];
    let mut cov_grid: Vec<Vec<Option<f64>>> = vec![vec![None; len]; n_cov];
    let mut off_grid = 0usize;
    for r in &rows {
        let pos = (r.key - origin) / step;
        if (pos - pos.round()).abs() > 0.25 {
            off_grid += 1;
        }
        let i = pos.round() as usize;
        if let Some(slot) = grid.get_mut(i)
            && slot.is_none()
        {
            *slot = r.value;
        }
        for (k, g) in cov_grid.iter_mut().enumerate() {
            if let Some(slot) = g.get_mut(i)
                && slot.is_none()
            {
                *slot = r.covariates.get(k).copied().flatten();
            }
        }
    }
    if off_grid * 10 > rows.len() {
        return Err(Error::invalid_input(format!(
            "time column '{time_column}': {off_grid} of {} times of {label} fall between the \
             points of a regular grid (the usual spacing does not fit them); resample the series \
             to a regular frequency first",
            rows.len()
        ))
        .with_context("column", time_column));
    }
    let filled = grid.iter().filter(|v| v.is_none()).count();
    let values = interpolate(&grid).ok_or_else(|| {
        Error::invalid_input(format!(
            "the target '{}' has no numbers in {label}",
            cols.target
        ))
    })?;
    let mut covariates = Vec::with_capacity(n_cov);
    for (k, g) in cov_grid.iter().enumerate() {
        let name = cols.covariates.get(k).map_or("?", |c| c.name.as_str());
        covariates.push(interpolate(g).ok_or_else(|| {
            Error::invalid_input(format!("covariate '{name}' has no numbers in {label}"))
                .with_context("column", name)
        })?);
    }
    Ok(Series {
        id,
        origin,
        values,
        covariates,
        filled,
        merged,
        untargeted,
    })
}

/// Linear interpolation of the gaps; the ends carry the nearest known value.
pub(crate) fn interpolate(grid: &[Option<f64>]) -> Option<Vec<f64>> {
    let known: Vec<(usize, f64)> = grid
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    let (first, last) = (*known.first()?, *known.last()?);
    let mut out = Vec::with_capacity(grid.len());
    let mut k = 0;
    for i in 0..grid.len() {
        if i <= first.0 {
            out.push(first.1);
        } else if i >= last.0 {
            out.push(last.1);
        } else {
            while known.get(k + 1).is_some_and(|n| n.0 <= i) {
                k += 1;
            }
            let a = known.get(k).copied().unwrap_or(first);
            let b = known.get(k + 1).copied().unwrap_or(last);
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

/// Refuses a covariate that is not numeric.
fn check_covariates(covs: &[&Column]) -> Result<()> {
    for c in covs {
        let numbers = (0..c.len()).filter(|&i| c.f64_at(i).is_some()).count();
        let present = (0..c.len()).filter(|&i| c.str_at(i).is_some()).count();
        if numbers < present {
            return Err(Error::invalid_input(format!(
                "covariate '{}' is not numeric ({} of {present} values are numbers); \
                 encode it as numbers or leave it out",
                c.name(),
                numbers
            ))
            .with_context("column", c.name()));
        }
    }
    Ok(())
}

/// The spacing of the series: the median gap of each, which must agree (each series needs at
/// least 8 points).
fn common_step<T>(
    merged_rows: &[(Option<String>, Vec<Row>, T)],
    kind: u8,
    time_name: &str,
) -> Result<f64> {
    let mut step: Option<(f64, String)> = None;
    for (name, rows, _) in merged_rows {
        let label = series_label(name.as_deref());
        if rows.len() < 8 {
            return Err(Error::invalid_input(format!(
                "a forecast needs at least 8 time points per series; {label} has {}",
                rows.len()
            )));
        }
        let mut gaps: Vec<f64> = rows
            .windows(2)
            .filter_map(|w| match w {
                [a, b] => Some(b.key - a.key),
                _ => None,
            })
            .filter(|g| *g > 0.0)
            .collect();
        gaps.sort_by(f64::total_cmp);
        let g = gaps.get(gaps.len() / 2).copied().unwrap_or(1.0).max(1e-9);
        match &step {
            None => step = Some((g, label)),
            Some((s, other)) if (g - s).abs() > 1e-6 * s.abs().max(1.0) => {
                return Err(Error::invalid_input(format!(
                    "{label} has points {} apart but {other} has them {} apart; every series \
                     of one table needs the same spacing (resample them, or forecast them \
                     separately)",
                    spacing_text(kind, g),
                    spacing_text(kind, *s)
                ))
                .with_context("column", time_name));
            }
            Some(_) => {}
        }
    }
    Ok(step.map_or(1.0, |s| s.0))
}
