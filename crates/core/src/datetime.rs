//! Parsing dates and timestamps written as text, in the common formats.
//!
//! Profiling decides a column is a date when its values parse in one [`DateFormat`];
//! preprocessing parses them the same way at training and prediction time. The parser is
//! small and strict (a value either matches the format or is missing) so that both layers agree.

use serde::{Deserialize, Serialize};

use crate::frame::days_from_civil;

/// A text date format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// `2024-03-15`, `2024-03-15T08:30`, `2024-03-15 08:30:00.250Z`, `…+02:00`.
    Iso,
    /// `2024/03/15`, optionally with a time.
    YearSlash,
    /// `2024-03` or `2024/03` (the first of the month).
    YearMonth,
    /// `15/03/2024`, `15.03.2024`, `15-03-2024`, optionally with a time.
    DayMonthYear,
    /// `03/15/2024`, optionally with a time.
    MonthDayYear,
}

impl DateFormat {
    /// An example of the format, for messages.
    pub fn example(self) -> &'static str {
        match self {
            DateFormat::Iso => "2024-03-15",
            DateFormat::YearSlash => "2024/03/15",
            DateFormat::YearMonth => "2024-03",
            DateFormat::DayMonthYear => "15/03/2024",
            DateFormat::MonthDayYear => "03/15/2024",
        }
    }
}

/// All formats, in the order detection tries them.
pub const DATE_FORMATS: [DateFormat; 5] = [
    DateFormat::Iso,
    DateFormat::YearSlash,
    DateFormat::YearMonth,
    DateFormat::MonthDayYear,
    DateFormat::DayMonthYear,
];

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let start = self.i;
        while self.i - start < max && self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        std::str::from_utf8(self.s.get(start..self.i)?)
            .ok()?
            .parse()
            .ok()
    }

    fn eat(&mut self, options: &[u8]) -> Option<u8> {
        let c = *self.s.get(self.i)?;
        if options.contains(&c) {
            self.i += 1;
            Some(c)
        } else {
            None
        }
    }

    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
}

/// Parses an optional time part (`T08:30`, ` 08:30:15.5`, with `Z` or a `±HH:MM` offset) and
/// returns milliseconds since midnight UTC; `Some(0)` when there is no time part.
fn time_part(c: &mut Cursor<'_>) -> Option<i64> {
    if c.done() {
        return Some(0);
    }
    c.eat(b"T ")?;
    let h = c.digits(1, 2)?;
    c.eat(b":")?;
    let m = c.digits(2, 2)?;
    let mut s = 0;
    let mut ms = 0;
    if c.eat(b":").is_some() {
        s = c.digits(2, 2)?;
        if c.eat(b".,").is_some() {
            let start = c.i;
            let frac = c.digits(1, 9)?;
            let len = (c.i - start) as u32;
            ms = if len >= 3 {
                frac / 10i64.pow(len - 3)
            } else {
                frac * 10i64.pow(3 - len)
            };
        }
    }
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut offset_min = 0;
    if c.eat(b"Z").is_none()
        && let Some(sign) = c.eat(b"+-")
    {
        let oh = c.digits(2, 2)?;
        c.eat(b":");
        let om = c.digits(2, 2)?;
        offset_min = (oh * 60 + om) * if sign == b'-' { -1 } else { 1 };
    }
    if !c.done() {
        return None;
    }
    Some(((h * 60 + m - offset_min) * 60 + s) * 1000 + ms)
}

fn ymd(y: i64, m: i64, d: i64) -> Option<i64> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1000..=9999).contains(&y) {
        return None;
    }
    // `None` for 31 April and the like.
    let days = days_from_civil(y, m as u32, d as u32)?;
    Some(days * 86_400_000)
}

/// Parses `text` in `format`, returning milliseconds since the epoch (UTC), or `None` when it
/// does not match.
///
/// ```
/// use mlpilot_core::datetime::{parse_datetime, DateFormat};
/// assert_eq!(parse_datetime("1970-01-02", DateFormat::Iso), Some(86_400_000));
/// assert_eq!(parse_datetime("1970-01-01T00:00:01Z", DateFormat::Iso), Some(1_000));
/// assert_eq!(parse_datetime("02/01/1970", DateFormat::DayMonthYear), Some(86_400_000));
/// assert_eq!(parse_datetime("1970-13-01", DateFormat::Iso), None);
/// ```
pub fn parse_datetime(text: &str, format: DateFormat) -> Option<i64> {
    let t = text.trim();
    let mut c = Cursor {
        s: t.as_bytes(),
        i: 0,
    };
    match format {
        DateFormat::Iso | DateFormat::YearSlash => {
            let sep: &[u8] = if format == DateFormat::Iso {
                b"-"
            } else {
                b"/"
            };
            let y = c.digits(4, 4)?;
            c.eat(sep)?;
            let m = c.digits(1, 2)?;
            c.eat(sep)?;
            let d = c.digits(1, 2)?;
            Some(ymd(y, m, d)? + time_part(&mut c)?)
        }
        DateFormat::YearMonth => {
            let y = c.digits(4, 4)?;
            c.eat(b"-/")?;
            let m = c.digits(1, 2)?;
            if !c.done() {
                return None;
            }
            ymd(y, m, 1)
        }
        DateFormat::DayMonthYear | DateFormat::MonthDayYear => {
            let a = c.digits(1, 2)?;
            let sep = c.eat(b"/.-")?;
            let b = c.digits(1, 2)?;
            c.eat(&[sep])?;
            let y = c.digits(4, 4)?;
            let (d, m) = if format == DateFormat::DayMonthYear {
                (a, b)
            } else {
                (b, a)
            };
            Some(ymd(y, m, d)? + time_part(&mut c)?)
        }
    }
}

/// The format that parses the largest share of `values` (at least `min_share` of the
/// non-empty ones), with that share. Day-first and month-first slash dates are told apart by a
/// field above 12; without one, month-first wins.
pub fn detect_date_format<'a>(
    values: impl IntoIterator<Item = &'a str>,
    min_share: f64,
) -> Option<(DateFormat, f64)> {
    let vals: Vec<&str> = values
        .into_iter()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    if vals.is_empty() {
        return None;
    }
    let mut best: Option<(DateFormat, f64)> = None;
    for f in DATE_FORMATS {
        let ok = vals
            .iter()
            .filter(|v| parse_datetime(v, f).is_some())
            .count();
        let share = ok as f64 / vals.len() as f64;
        if share >= min_share && best.is_none_or(|(_, s)| share > s) {
            best = Some((f, share));
        }
    }
    best
}

/// The current time as an ISO-8601 UTC timestamp with a `Z` (`2026-11-30T13:05:00Z`): when an
/// artifact was written, when a server answered.
pub fn now_iso() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    format!("{}Z", crate::frame::format_datetime_ms(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_variants() {
        let base = parse_datetime("2024-03-15", DateFormat::Iso).unwrap();
        assert_eq!(
            parse_datetime("2024-03-15T08:30", DateFormat::Iso),
            Some(base + 8 * 3_600_000 + 30 * 60_000)
        );
        assert_eq!(
            parse_datetime("2024-03-15 08:30:15.25", DateFormat::Iso),
            Some(base + 30_615_250)
        );
        assert_eq!(
            parse_datetime("2024-03-15T08:30:00+02:00", DateFormat::Iso),
            Some(base + 6 * 3_600_000 + 30 * 60_000)
        );
        assert_eq!(parse_datetime("2024-02-30", DateFormat::Iso), None);
        assert_eq!(parse_datetime("2024-03-15x", DateFormat::Iso), None);
        assert_eq!(parse_datetime("12", DateFormat::Iso), None);
    }

    #[test]
    fn detection_prefers_evidence() {
        let (f, s) = detect_date_format(["1949-01", "1949-02", ""], 0.9).unwrap();
        assert_eq!((f, s), (DateFormat::YearMonth, 1.0));
        let (f, _) = detect_date_format(["13/01/2020", "02/01/2020"], 0.9).unwrap();
        assert_eq!(f, DateFormat::DayMonthYear);
        let (f, _) = detect_date_format(["01/13/2020", "01/02/2020"], 0.9).unwrap();
        assert_eq!(f, DateFormat::MonthDayYear);
        assert!(detect_date_format(["abc", "2020-01-01"], 0.9).is_none());
        assert!(detect_date_format(["1", "2"], 0.5).is_none());
    }
}
