//! The time axis: how the values of a time column map to integer steps on a regular grid, and
//! back to text; calendar facts (the seasons a calendar suggests) with `chrono`.
//!
//! Times are read with the project's one date parser ([`mlpilot_core::datetime`]); numbers
//! (years, indices) and year-months (`1949-01`) are read first.

use chrono::{DateTime, Datelike, Timelike};
use mlpilot_core::datetime::{DateFormat, detect_date_format, parse_datetime};
use mlpilot_core::facts::Spacing;
use serde::{Deserialize, Serialize};

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// How the times of a series map to steps of a regular grid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeAxis {
    /// Plain numbers (years, indices), `step` apart.
    Numeric {
        /// The spacing.
        step: f64,
    },
    /// Calendar months, `step` apart (1: monthly, 3: quarterly, 12: yearly).
    Months {
        /// Months between points.
        step: u32,
        /// Written as the first day (`1949-01-01`) rather than the month (`1949-01`).
        #[serde(default)]
        first_day: bool,
    },
    /// Dates or timestamps `step_ms` milliseconds apart (days, hours, weeks …).
    Fixed {
        /// Milliseconds between points.
        step_ms: i64,
    },
}

/// A parsed time value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Stamp {
    Number(f64),
    /// Months since year 0 (`year * 12 + month - 1`).
    Month(i64),
    /// Milliseconds since 1970-01-01 UTC.
    Millis(i64),
}

/// Reads one time value: a number, a year-month, or a date/timestamp in `format`.
pub(crate) fn parse_stamp(text: &str, format: Option<DateFormat>) -> Option<Stamp> {
    let t = text.trim();
    if let Some(x) = mlpilot_core::frame::parse_number(t) {
        return Some(Stamp::Number(x));
    }
    let parts: Vec<&str> = t.split(['-', '/']).collect();
    if let [y, m] = parts.as_slice()
        && let (Ok(y), Ok(m)) = (y.parse::<i64>(), m.parse::<i64>())
        && (1..=12).contains(&m)
    {
        return Some(Stamp::Month(y * 12 + m - 1));
    }
    parse_datetime(t, format.unwrap_or(DateFormat::Iso)).map(Stamp::Millis)
}

/// The date format most of `values` use (day- or month-first decided from the values), or
/// `None` when they are numbers or year-months.
pub(crate) fn detect_format<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<DateFormat> {
    let dates: Vec<&str> = values
        .into_iter()
        .filter(|t| parse_stamp(t, None).is_none_or(|s| matches!(s, Stamp::Millis(_))))
        .collect();
    detect_date_format(dates, 0.9).map(|(f, _)| f)
}

fn datetime(ms: i64) -> Option<chrono::NaiveDateTime> {
    DateTime::from_timestamp_millis(ms).map(|d| d.naive_utc())
}

/// The month count of a timestamp at midnight on the first of a month.
pub(crate) fn month_of(ms: i64) -> Option<i64> {
    let d = datetime(ms)?;
    (d.day() == 1 && d.num_seconds_from_midnight() == 0 && d.nanosecond() == 0)
        .then(|| i64::from(d.year()) * 12 + i64::from(d.month0()))
}

impl TimeAxis {
    /// The grid spacing in the axis' own unit (a number, months, or milliseconds).
    pub fn step(&self) -> f64 {
        match *self {
            TimeAxis::Numeric { step } => step,
            TimeAxis::Months { step, .. } => f64::from(step),
            TimeAxis::Fixed { step_ms } => step_ms as f64,
        }
    }

    /// The time `index` steps after `origin`, as text in the column's style.
    pub fn text(&self, origin: f64, index: i64) -> String {
        match *self {
            TimeAxis::Numeric { step } => {
                let v = origin + step * index as f64;
                if v.fract() == 0.0 && v.abs() < 1e15 {
                    format!("{v:.0}")
                } else {
                    format!("{v}")
                }
            }
            TimeAxis::Months { step, first_day } => {
                let m = origin as i64 + i64::from(step) * index;
                let (y, mo) = (m.div_euclid(12), m.rem_euclid(12) + 1);
                if first_day {
                    format!("{y:04}-{mo:02}-01")
                } else {
                    format!("{y:04}-{mo:02}")
                }
            }
            TimeAxis::Fixed { step_ms } => {
                let ms = origin as i64 + step_ms * index;
                match datetime(ms) {
                    Some(d) if ms.rem_euclid(DAY_MS) == 0 => d.format("%Y-%m-%d").to_string(),
                    Some(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
                    None => format!("{ms} ms"),
                }
            }
        }
    }

    /// The key (a number, a month count, milliseconds) of a parsed time on this axis.
    pub(crate) fn key(&self, stamp: Stamp) -> Option<f64> {
        match (self, stamp) {
            (TimeAxis::Numeric { .. }, Stamp::Number(x)) => Some(x),
            (TimeAxis::Months { .. }, Stamp::Month(m)) => Some(m as f64),
            (TimeAxis::Months { .. }, Stamp::Millis(ms)) => month_of(ms).map(|m| m as f64),
            (TimeAxis::Fixed { .. }, Stamp::Millis(ms)) => Some(ms as f64),
            _ => None,
        }
    }

    /// The seasons the calendar suggests for this spacing, in steps (possibly fractional:
    /// 365.25 days, 52.18 weeks): 12 for months, 4 for quarters, 7 and 365.25 for days, 52.18
    /// for weeks, 24 and 168 for hours, 48 and 336 for half-hours. Plain numbers have none.
    pub fn calendar_periods(&self) -> Vec<f64> {
        let per = |span_ms: f64, step_ms: i64| span_ms / step_ms as f64;
        match *self {
            TimeAxis::Numeric { .. } => Vec::new(),
            TimeAxis::Months { step, .. } if 12 % step == 0 && step < 12 => {
                vec![f64::from(12 / step)]
            }
            TimeAxis::Months { .. } => Vec::new(),
            TimeAxis::Fixed { step_ms } if step_ms <= 0 => Vec::new(),
            TimeAxis::Fixed { step_ms } => {
                let year = 365.25 * DAY_MS as f64;
                let mut out = Vec::new();
                // An hour is a season only when it has a few points (15 minutes or finer).
                if step_ms < HOUR_MS && HOUR_MS % step_ms == 0 && HOUR_MS / step_ms > 3 {
                    out.push(per(HOUR_MS as f64, step_ms));
                }
                if step_ms < DAY_MS && DAY_MS % step_ms == 0 {
                    out.push(per(DAY_MS as f64, step_ms));
                }
                if step_ms < 7 * DAY_MS && (7 * DAY_MS) % step_ms == 0 {
                    out.push(per(7.0 * DAY_MS as f64, step_ms));
                }
                if (HOUR_MS..=31 * DAY_MS).contains(&step_ms) {
                    out.push(per(year, step_ms));
                }
                // An hourly or finer series rarely has enough history for a yearly season to
                // matter within a horizon; it is kept and the data decide.
                out
            }
        }
    }

    /// A phase index of grid point `index` after `origin` that is aligned with the calendar
    /// (counted from the epoch, not from the series' start), so that Fourier terms line up
    /// across series that start on different dates.
    pub fn phase_index(&self, origin: f64, index: i64) -> f64 {
        let key = origin + self.step() * index as f64;
        match *self {
            TimeAxis::Numeric { step } => key / step,
            TimeAxis::Months { step, .. } => key / f64::from(step),
            TimeAxis::Fixed { step_ms } => {
                // Weeks start on Monday: 1970-01-05 was one.
                (key - 4.0 * DAY_MS as f64) / step_ms as f64
            }
        }
    }

    /// The day of the week (Monday 0) and month (January 0) of a grid point, when the axis is
    /// a calendar one.
    pub fn calendar_parts(&self, origin: f64, index: i64) -> Option<(u32, u32)> {
        match *self {
            TimeAxis::Numeric { .. } => None,
            TimeAxis::Months { step, .. } => {
                let m = origin as i64 + i64::from(step) * index;
                Some((0, u32::try_from(m.rem_euclid(12)).unwrap_or(0)))
            }
            TimeAxis::Fixed { step_ms } => {
                let d = datetime(origin as i64 + step_ms * index)?;
                Some((d.weekday().num_days_from_monday(), d.month0()))
            }
        }
    }

    /// How far apart its points are ([`mlpilot_core::narration::spacing`] says it in words:
    /// "monthly", "every 7 days", "hourly").
    pub fn spacing(&self) -> Spacing {
        match *self {
            TimeAxis::Numeric { step } => Spacing::Numeric { step },
            TimeAxis::Months { step, .. } => Spacing::Months { step },
            TimeAxis::Fixed { step_ms } => Spacing::Fixed { step_ms },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_round_trip_through_keys() {
        let m = TimeAxis::Months {
            step: 1,
            first_day: false,
        };
        let origin = (1949 * 12) as f64;
        assert_eq!(m.text(origin, 13), "1950-02");
        let key = m.key(parse_stamp("1950-02", None).unwrap()).unwrap();
        assert_eq!(key, origin + 13.0);
        let d = TimeAxis::Fixed { step_ms: DAY_MS };
        let o = parse_datetime("2024-02-27", DateFormat::Iso).unwrap() as f64;
        assert_eq!(d.text(o, 3), "2024-03-01");
        let h = TimeAxis::Fixed { step_ms: HOUR_MS };
        assert_eq!(h.text(o, 25), "2024-02-28 01:00:00");
    }

    #[test]
    fn calendars_suggest_their_seasons() {
        let daily = TimeAxis::Fixed { step_ms: DAY_MS }.calendar_periods();
        assert_eq!(daily, vec![7.0, 365.25]);
        let hourly = TimeAxis::Fixed { step_ms: HOUR_MS }.calendar_periods();
        assert_eq!(&hourly[..2], &[24.0, 168.0]);
        let half = TimeAxis::Fixed {
            step_ms: HOUR_MS / 2,
        }
        .calendar_periods();
        assert_eq!(&half[..2], &[48.0, 336.0]);
        let weekly = TimeAxis::Fixed {
            step_ms: 7 * DAY_MS,
        }
        .calendar_periods();
        assert!((weekly[0] - 52.18).abs() < 0.01);
        let quarterly = TimeAxis::Months {
            step: 3,
            first_day: true,
        };
        assert_eq!(quarterly.calendar_periods(), vec![4.0]);
        assert!(
            TimeAxis::Numeric { step: 1.0 }
                .calendar_periods()
                .is_empty()
        );
    }

    #[test]
    fn calendar_parts_use_the_real_calendar() {
        let d = TimeAxis::Fixed { step_ms: DAY_MS };
        // 2024-01-01 was a Monday.
        let o = parse_datetime("2024-01-01", DateFormat::Iso).unwrap() as f64;
        assert_eq!(d.calendar_parts(o, 0), Some((0, 0)));
        assert_eq!(d.calendar_parts(o, 6), Some((6, 0)));
        assert_eq!(d.calendar_parts(o, 31), Some((3, 1)));
        assert_eq!(d.phase_index(o, 0).rem_euclid(7.0), 0.0);
    }
}
