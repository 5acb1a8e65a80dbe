//! Numbers written the way people write them: thousands separators (`2,773.85`,
//! `1.234.567`, `12 500`) and decimal commas (`12,5`).
//!
//! [`detect_number_style`] decides, for a whole column, which separators its values use;
//! [`parse_styled`] reads one value in that style. A value is read only when its groups are
//! well formed (one to three digits, then groups of exactly three), so that codes such as
//! `1,2,3` or `12.5.2024` are never taken for numbers.

use serde::{Deserialize, Serialize};

use crate::frame::parse_number;

/// The separators of a column's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberStyle {
    /// The decimal mark: `.` or `,`.
    pub decimal: char,
    /// The thousands separator, when the values use one: `,`, `.`, a space, a no-break space
    /// or `'`.
    pub group: Option<char>,
}

/// The styles detection tries, most common first.
const STYLES: [NumberStyle; 7] = [
    NumberStyle {
        decimal: '.',
        group: Some(','),
    },
    NumberStyle {
        decimal: ',',
        group: Some('.'),
    },
    NumberStyle {
        decimal: ',',
        group: Some(' '),
    },
    NumberStyle {
        decimal: ',',
        group: Some('\u{a0}'),
    },
    NumberStyle {
        decimal: ',',
        group: Some('\u{202f}'),
    },
    NumberStyle {
        decimal: '.',
        group: Some(' '),
    },
    NumberStyle {
        decimal: '.',
        group: Some('\''),
    },
];

impl NumberStyle {
    /// The style in words, for notes: "thousands separators `,` and a decimal point".
    pub fn describe(&self) -> String {
        let group = match self.group {
            None => None,
            Some(' ') => Some("spaces as thousands separators".to_string()),
            Some('\u{a0}' | '\u{202f}') => {
                Some("no-break spaces as thousands separators".to_string())
            }
            Some(g) => Some(format!("`{g}` as thousands separator")),
        };
        let decimal = if self.decimal == ',' {
            "decimal commas"
        } else {
            "a decimal point"
        };
        match group {
            Some(g) => format!("{decimal} and {g}"),
            None => decimal.to_string(),
        }
    }
}

/// Reads `text` as a number written in `style`; `None` when it is not one (malformed groups,
/// other characters). Plain numbers (`12`, `-3.5`, `1e3`) parse in every style whose decimal
/// mark is a point.
///
/// ```
/// use mlpilot_core::numbers::{parse_styled, NumberStyle};
/// let us = NumberStyle { decimal: '.', group: Some(',') };
/// assert_eq!(parse_styled("2,773.85", us), Some(2773.85));
/// assert_eq!(parse_styled("1,2,3", us), None);
/// let eu = NumberStyle { decimal: ',', group: Some('.') };
/// assert_eq!(parse_styled("1.234,5", eu), Some(1234.5));
/// assert_eq!(parse_styled("-12,5", eu), Some(-12.5));
/// ```
pub fn parse_styled(text: &str, style: NumberStyle) -> Option<f64> {
    let t = text.trim();
    let (sign, body) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    if body.is_empty() {
        return None;
    }
    let (int_part, frac_part) = match body.split_once(style.decimal) {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if frac_part.is_none() && style.decimal == '.' && style.group.is_none_or(|g| !body.contains(g))
    {
        // No separators at all: a plain number (exponents and all).
        return parse_number(body).map(|v| if sign == "-" { -v } else { v });
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut plain = String::with_capacity(body.len() + 1);
    plain.push_str(sign);
    match style.group.filter(|g| int_part.contains(*g)) {
        Some(g) => {
            let mut groups = int_part.split(g);
            // `0,870` or `012,345` are never written with a thousands separator.
            let first = groups.next()?;
            if !digits(first) || first.len() > 3 || first.starts_with('0') {
                return None;
            }
            plain.push_str(first);
            for grp in groups {
                if grp.len() != 3 || !digits(grp) {
                    return None;
                }
                plain.push_str(grp);
            }
        }
        None => {
            if !digits(int_part) {
                return None;
            }
            plain.push_str(int_part);
        }
    }
    if let Some(f) = frac_part {
        if !digits(f) {
            return None;
        }
        plain.push('.');
        plain.push_str(f);
    }
    plain.parse::<f64>().ok()
}

/// What [`detect_number_style`] found in a column.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectedStyle {
    /// The style the values are read in.
    pub style: NumberStyle,
    /// Share of the present values that parse in it.
    pub share: f64,
    /// A value that needed the style (for messages), e.g. `2,773.85`.
    pub example: String,
    /// Whether another style reads every value too, with other numbers (`1,234` is 1234 or
    /// 1.234); the choice then came from `decimal_comma_hint`.
    pub ambiguous: bool,
}

/// Decides how a text column writes its numbers, from its distinct values with their counts.
///
/// Returns `None` when plain numbers already cover at least `min_share` of the values (nothing
/// to convert), or when no style reads at least `min_share` of them. When two styles read every
/// value with different results (every separator could be either), `decimal_comma_hint`
/// decides: `Some(true)` (the user said so, or the file is `;`-separated) picks the decimal
/// comma, otherwise the thousands separator; the result is marked ambiguous unless the user
/// forced it (`forced`).
pub fn detect_number_style<'a>(
    values: impl IntoIterator<Item = (&'a str, usize)>,
    min_share: f64,
    decimal_comma_hint: Option<bool>,
    forced: bool,
) -> Option<DetectedStyle> {
    let vals: Vec<(&str, usize)> = values
        .into_iter()
        .map(|(v, c)| (v.trim(), c))
        .filter(|(v, _)| !v.is_empty())
        .collect();
    // Words for "no value" (`?`, `n/a`) are missing values, not evidence against a style —
    // unless one value stands beside them (a flag written `0,5` / `-`), as `stray_words_in`
    // decides for plain numbers.
    let others = vals
        .iter()
        .filter(|(v, _)| !crate::frame::is_missing_word(v))
        .count();
    let vals: Vec<(&str, usize)> = if others >= 2 {
        vals.into_iter()
            .filter(|(v, _)| !crate::frame::is_missing_word(v))
            .collect()
    } else {
        vals
    };
    let total: usize = vals.iter().map(|(_, c)| c).sum();
    if total == 0 {
        return None;
    }
    let plain: usize = vals
        .iter()
        .filter(|(v, _)| parse_number(v).is_some())
        .map(|(_, c)| c)
        .sum();
    if plain as f64 / total as f64 >= min_share {
        return None;
    }
    // Every style that reads enough of the values, with the values only it changes.
    let mut fits: Vec<(NumberStyle, f64, String)> = Vec::new();
    let candidates = STYLES.iter().copied().chain([NumberStyle {
        decimal: ',',
        group: None,
    }]);
    for style in candidates {
        if forced && decimal_comma_hint.is_some_and(|c| c != (style.decimal == ',')) {
            continue;
        }
        let mut ok = 0usize;
        let mut example = None;
        for (v, c) in &vals {
            if parse_styled(v, style).is_some() {
                ok += c;
                if example.is_none() && parse_number(v).is_none() {
                    example = Some((*v).to_string());
                }
            }
        }
        let share = ok as f64 / total as f64;
        if share >= min_share
            && let Some(example) = example
        {
            fits.push((style, share, example));
        }
    }
    let best_share = fits.iter().map(|f| f.1).fold(0.0, f64::max);
    fits.retain(|f| f.1 >= best_share - 1e-12);
    let decimal_comma = fits.iter().any(|f| f.0.decimal == ',');
    let decimal_point = fits.iter().any(|f| f.0.decimal == '.');
    let ambiguous = decimal_comma && decimal_point && !forced;
    let pick = if decimal_comma && decimal_point {
        let want_comma = decimal_comma_hint.unwrap_or(false);
        fits.iter().find(|f| (f.0.decimal == ',') == want_comma)
    } else {
        fits.first()
    }?;
    // Name the thousands separator only when some value uses it.
    let mut style = pick.0;
    if let Some(g) = style.group {
        let used = vals.iter().any(|(v, _)| {
            v.split_once(style.decimal)
                .map_or(*v, |(int, _)| int)
                .contains(g)
        });
        if !used {
            style.group = None;
        }
    }
    Some(DetectedStyle {
        style,
        share: pick.1,
        example: pick.2.clone(),
        ambiguous,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(values: &[&str], hint: Option<bool>) -> Option<DetectedStyle> {
        detect_number_style(values.iter().map(|v| (*v, 1)), 0.95, hint, false)
    }

    #[test]
    fn thousands_separators_with_a_decimal_point() {
        let d = detect(&["2,773.85", "512.00", "1,204,337.5", "-3,000"], None).unwrap();
        assert_eq!(d.style.decimal, '.');
        assert_eq!(d.style.group, Some(','));
        assert!(!d.ambiguous);
        assert_eq!(d.example, "2,773.85");
        let us = d.style;
        assert_eq!(parse_styled("1,204,337.5", us), Some(1_204_337.5));
        assert_eq!(parse_styled("512.00", us), Some(512.0));
        assert_eq!(parse_styled("12,34", us), None);
        assert_eq!(parse_styled("1,2345", us), None);
    }

    #[test]
    fn decimal_commas() {
        let d = detect(&["12,5", "3,75", "40", "-0,5"], None).unwrap();
        assert_eq!(d.style.decimal, ',');
        assert_eq!(d.style.group, None);
        assert_eq!(d.style.describe(), "decimal commas");
        assert!(!d.ambiguous);
        assert_eq!(parse_styled("3,75", d.style), Some(3.75));
        let d = detect(&["1.234,5", "12,25", "7"], None).unwrap();
        assert_eq!(d.style.group, Some('.'));
        assert_eq!(parse_styled("1.234,5", d.style), Some(1234.5));
        let d = detect(&["12 500,5", "300,25"], None).unwrap();
        assert_eq!(parse_styled("12 500,5", d.style), Some(12500.5));
        // Words for "no value" in any number leave the style to the numbers (UCI's `?` in a
        // `;` file of decimal commas).
        let d = detect_number_style(
            [("12,5", 30), ("3,25", 30), ("?", 30), ("n/a", 10)],
            0.95,
            None,
            false,
        );
        assert_eq!(d.map(|d| d.style.decimal), Some(','));
        // One value beside them is a flag, not numbers with gaps.
        let flag = detect_number_style([("0,5", 60), ("-", 40)], 0.95, None, false);
        assert!(flag.is_none());
    }

    #[test]
    fn ambiguous_separators_follow_the_hint_and_say_so() {
        let d = detect(&["1,234", "5,678", "12"], None).unwrap();
        assert!(d.ambiguous);
        assert_eq!(parse_styled("1,234", d.style), Some(1234.0));
        // A leading zero rules out a thousands separator: `-0,870` is -0.87.
        let d = detect(&["-0,870", "1,250", "0,125"], None).unwrap();
        assert!(!d.ambiguous);
        assert_eq!(parse_styled("-0,870", d.style), Some(-0.87));
        let d = detect(&["1,234", "5,678", "12"], Some(true)).unwrap();
        assert!(d.ambiguous);
        assert_eq!(parse_styled("1,234", d.style), Some(1.234));
        let d = detect_number_style([("1,234", 1), ("5,678", 1)], 0.95, Some(true), true).unwrap();
        assert!(!d.ambiguous);
        assert_eq!(parse_styled("5,678", d.style), Some(5.678));
    }

    #[test]
    fn plain_numbers_words_and_codes_are_left_alone() {
        assert!(detect(&["1", "2.5", "-3"], None).is_none());
        assert!(detect(&["north", "south", "12,5"], None).is_none());
        assert!(detect(&["1,2,3", "4,5,6"], None).is_none());
        assert!(detect(&["12.05.2024", "13.05.2024"], None).is_none());
        assert!(detect(&[], None).is_none());
    }
}
