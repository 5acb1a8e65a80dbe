//! Fitted date expansion: calendar parts, cyclic encodings and elapsed time.

use mlpilot_core::datetime::{DateFormat, detect_date_format, parse_datetime};
use mlpilot_core::frame::civil_from_days;
use mlpilot_core::{Column, ColumnData};
use serde::{Deserialize, Serialize};

use crate::numeric::{NumericFit, NumericSpec};

const DAY_MS: f64 = 86_400_000.0;

/// One derived date feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePart {
    /// Calendar year.
    Year,
    /// Month 1–12.
    Month,
    /// Day of the week, Monday = 0.
    Weekday,
    /// Day of the month.
    Day,
    /// Hour of the day (with fractions).
    Hour,
    /// sin(2π·month/12).
    MonthSin,
    /// cos(2π·month/12).
    MonthCos,
    /// sin(2π·weekday/7).
    WeekdaySin,
    /// cos(2π·weekday/7).
    WeekdayCos,
    /// sin(2π·hour/24).
    HourSin,
    /// cos(2π·hour/24).
    HourCos,
    /// Days since the earliest training date.
    Elapsed,
}

impl DatePart {
    /// The suffix of the feature name (`signup.month`).
    pub fn suffix(self) -> &'static str {
        match self {
            DatePart::Year => "year",
            DatePart::Month => "month",
            DatePart::Weekday => "weekday",
            DatePart::Day => "day",
            DatePart::Hour => "hour",
            DatePart::MonthSin => "month_sin",
            DatePart::MonthCos => "month_cos",
            DatePart::WeekdaySin => "weekday_sin",
            DatePart::WeekdayCos => "weekday_cos",
            DatePart::HourSin => "hour_sin",
            DatePart::HourCos => "hour_cos",
            DatePart::Elapsed => "elapsed_days",
        }
    }

    fn value(self, ms: f64, origin_days: f64) -> f64 {
        if !ms.is_finite() {
            return f64::NAN;
        }
        let days = (ms / DAY_MS).floor();
        let (y, m, d) = civil_from_days(days as i64);
        let weekday = (days + 3.0).rem_euclid(7.0);
        let hour = (ms - days * DAY_MS) / 3_600_000.0;
        let tau = std::f64::consts::TAU;
        match self {
            DatePart::Year => y as f64,
            DatePart::Month => f64::from(m),
            DatePart::Weekday => weekday,
            DatePart::Day => f64::from(d),
            DatePart::Hour => hour,
            DatePart::MonthSin => (tau * f64::from(m) / 12.0).sin(),
            DatePart::MonthCos => (tau * f64::from(m) / 12.0).cos(),
            DatePart::WeekdaySin => (tau * weekday / 7.0).sin(),
            DatePart::WeekdayCos => (tau * weekday / 7.0).cos(),
            DatePart::HourSin => (tau * hour / 24.0).sin(),
            DatePart::HourCos => (tau * hour / 24.0).cos(),
            DatePart::Elapsed => ms / DAY_MS - origin_days,
        }
    }
}

/// A fitted date column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateFit {
    /// How text dates are written (`None`: stored timestamps).
    pub format: Option<DateFormat>,
    /// The earliest training date, in days since the epoch.
    pub origin_days: f64,
    /// The parts, each with its fitted numeric transform.
    pub parts: Vec<(DatePart, NumericFit)>,
    /// Missing (or unparseable) training values.
    pub n_missing: usize,
}

/// Milliseconds since the epoch for each row (NaN when missing or unparseable), and how many
/// present values could not be parsed.
pub(crate) fn read_ms(col: &Column, format: Option<DateFormat>) -> (Vec<f64>, usize) {
    match col.data() {
        ColumnData::Str(s) => {
            let fmt = format.unwrap_or(DateFormat::Iso);
            let parsed: Vec<f64> = s
                .dict()
                .iter()
                .map(|t| parse_datetime(t, fmt).map_or(f64::NAN, |x| x as f64))
                .collect();
            let mut bad = 0;
            let out = s
                .codes()
                .iter()
                .map(|&c| match parsed.get(c as usize) {
                    Some(v) => {
                        bad += usize::from(v.is_nan());
                        *v
                    }
                    None => f64::NAN,
                })
                .collect();
            (out, bad)
        }
        _ => (crate::read::read_numeric(col).0, 0),
    }
}

impl DateFit {
    pub(crate) fn fit(col: &Column, cyclic: bool, impute: bool, scale: bool) -> DateFit {
        let format = match col.data() {
            ColumnData::Str(s) => {
                detect_date_format(s.dict().iter().map(String::as_str), 0.5).map(|(f, _)| f)
            }
            _ => None,
        };
        let (ms, _) = read_ms(col, format);
        let n_missing = ms.iter().filter(|v| !v.is_finite()).count();
        let origin_days = ms
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f64::INFINITY, f64::min)
            / DAY_MS;
        let origin_days = if origin_days.is_finite() {
            origin_days.floor()
        } else {
            0.0
        };
        let has_time = ms
            .iter()
            .any(|v| v.is_finite() && v.rem_euclid(DAY_MS) != 0.0);
        let mut parts = vec![
            DatePart::Year,
            DatePart::Month,
            DatePart::Weekday,
            DatePart::Day,
        ];
        if has_time {
            parts.push(DatePart::Hour);
        }
        if cyclic {
            parts.extend([
                DatePart::MonthSin,
                DatePart::MonthCos,
                DatePart::WeekdaySin,
                DatePart::WeekdayCos,
            ]);
            if has_time {
                parts.extend([DatePart::HourSin, DatePart::HourCos]);
            }
        }
        parts.push(DatePart::Elapsed);
        let spec = NumericSpec {
            impute: impute.then_some(crate::plan::ImputeStrategy::Median),
            scale: scale.then_some(crate::plan::ScaleMethod::Standard),
            ..Default::default()
        };
        let parts = parts
            .into_iter()
            .map(|p| {
                let values: Vec<f64> = ms.iter().map(|&m| p.value(m, origin_days)).collect();
                (p, NumericFit::fit(&values, &spec))
            })
            .collect();
        DateFit {
            format,
            origin_days,
            parts,
            n_missing,
        }
    }

    /// Output columns.
    pub fn width(&self) -> usize {
        self.parts.len()
    }

    /// Writes each row's parts: `out(row, part_index, value)`; returns how many present values
    /// could not be read as dates.
    pub(crate) fn transform(&self, col: &Column, out: &mut dyn FnMut(usize, usize, f64)) -> usize {
        let (ms, bad) = read_ms(col, self.format);
        for (i, m) in ms.iter().enumerate() {
            for (j, (p, fit)) in self.parts.iter().enumerate() {
                out(i, j, fit.apply(p.value(*m, self.origin_days)));
            }
        }
        bad
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_known_answers() {
        // 2024-03-15 was a Friday (weekday 4 with Monday = 0).
        let ms = parse_datetime("2024-03-15T06:00:00", DateFormat::Iso).unwrap() as f64;
        assert_eq!(DatePart::Year.value(ms, 0.0), 2024.0);
        assert_eq!(DatePart::Month.value(ms, 0.0), 3.0);
        assert_eq!(DatePart::Day.value(ms, 0.0), 15.0);
        assert_eq!(DatePart::Weekday.value(ms, 0.0), 4.0);
        assert_eq!(DatePart::Hour.value(ms, 0.0), 6.0);
        assert!((DatePart::HourSin.value(ms, 0.0) - 1.0).abs() < 1e-12);
        assert!(DatePart::Year.value(f64::NAN, 0.0).is_nan());
    }

    #[test]
    fn fit_detects_format_and_fills() {
        let col = Column::from_strs("d", ["2020-01-01", "2020-01-03", "bad"]);
        let f = DateFit::fit(&col, false, true, false);
        assert_eq!(f.format, Some(DateFormat::Iso));
        assert_eq!(f.n_missing, 1);
        let mut out = vec![];
        let bad = f.transform(&col, &mut |i, j, v| out.push((i, j, v)));
        assert_eq!(bad, 1);
        assert!(out.iter().all(|(_, _, v)| v.is_finite()));
        let elapsed = f
            .parts
            .iter()
            .position(|(p, _)| *p == DatePart::Elapsed)
            .unwrap();
        assert_eq!(
            out.iter()
                .find(|(i, j, _)| *i == 1 && *j == elapsed)
                .unwrap()
                .2,
            2.0
        );
    }
}
