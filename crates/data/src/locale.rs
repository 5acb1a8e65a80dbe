//! Numbers written with thousands separators or decimal commas, read as numbers.
//!
//! A text column whose values are numbers in a locale's style (`"2,773.85"`, `12,5` in a
//! `;`-separated file, `1.234,5`) becomes a float column, with a note that says what was read
//! and how; a column whose separators could be read two ways says so and how to force it.

use std::collections::HashMap;

use mlpilot_core::facts::NumberReading;
use mlpilot_core::numbers::{DetectedStyle, detect_number_style, parse_styled};
use mlpilot_core::{Error, Result};
use polars::prelude::*;

/// Converts the text columns of `df` that hold locale-formatted numbers (at least 95 % of their
/// present values, words for "no value" such as `?` left aside and read as missing) into floats;
/// `notes` gets one line per converted column, and the result pairs each converted column with
/// how it was read (for its profile: "decimal commas (`12,5`) in a `;`-separated file"). A
/// `keep_text` column (the target) is converted only when every present value that is not such
/// a word reads as a number, so that labels keep their spelling.
///
/// `decimal_comma`: `Some` when the user said which decimal mark the file uses; otherwise
/// `delimiter_hint` (`true` for a `;`-separated file) decides values that read either way.
///
/// # Errors
/// Only when polars cannot replace a column (an internal fault).
pub fn convert_locale_numbers(
    df: &mut DataFrame,
    keep_text: &[String],
    decimal_comma: Option<bool>,
    delimiter_hint: bool,
    notes: &mut Vec<String>,
) -> Result<Vec<(String, NumberReading)>> {
    let mut reasons = Vec::new();
    let names: Vec<PlSmallStr> = df
        .columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String)
        .map(|c| c.name().clone())
        .collect();
    for name in names {
        let Ok(col) = df.column(&name) else { continue };
        let Ok(ca) = col.str() else { continue };
        if !worth_checking(ca) {
            continue;
        }
        // Distinct values in file order, so that the example quoted is the first one. The style
        // is decided on the first values; values further down that do not read in it are
        // counted in the note below, never dropped silently.
        let counts = first_value_counts(ca);
        let hint = decimal_comma.or(delimiter_hint.then_some(true));
        let kept = keep_text.iter().any(|k| k == name.as_str());
        let Some(found) = detect_number_style(
            counts.iter().copied(),
            if kept {
                1.0
            } else {
                mlpilot_core::frame::NUMBER_SHARE
            },
            hint,
            decimal_comma.is_some(),
        ) else {
            continue;
        };
        let mut bad: Vec<&str> = Vec::new();
        let values: Float64Chunked = ca
            .iter()
            .map(|v| {
                let v = v?;
                let x = parse_styled(v, found.style);
                if x.is_none() && !v.trim().is_empty() && bad.len() < 3 && !bad.contains(&v) {
                    bad.push(v);
                }
                x
            })
            .collect();
        let n_bad = ca.len() - ca.null_count() - values.len() + values.null_count();
        let line = conversion_note(&name, &found, n_bad, &bad, decimal_comma, delimiter_hint);
        notes.push(line);
        reasons.push((
            name.to_string(),
            NumberReading {
                style: found.style,
                example: found.example.clone(),
                semicolon_file: delimiter_hint,
            },
        ));
        let series = values.with_name(name.clone()).into_series().into_column();
        df.replace(&name, series).map_err(|e| {
            Error::internal(format!("replacing column `{name}` with its numbers: {e}"))
        })?;
    }
    Ok(reasons)
}

/// Present values the style is decided on.
const DETECT_VALUES: usize = 50_000;

/// Whether a text column could hold numbers at all: most of its first present values start
/// with a digit or a sign and contain a digit.
fn worth_checking(ca: &StringChunked) -> bool {
    let mut seen = 0usize;
    let mut numeric_looking = 0usize;
    let present = ca
        .iter()
        .flatten()
        .filter(|v| !mlpilot_core::frame::is_missing_word(v));
    for v in present.take(200) {
        seen += 1;
        let t = v.trim();
        if t.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
            && t.chars().any(|c| c.is_ascii_digit())
            && t.chars()
                .all(|c| c.is_ascii_digit() || ",.-+ '\u{a0}\u{202f}".contains(c))
        {
            numeric_looking += 1;
        }
    }
    seen > 0 && numeric_looking * 10 >= seen * 9
}

/// The distinct values among the first ones, in file order, with their counts.
fn first_value_counts(ca: &StringChunked) -> Vec<(&str, usize)> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for v in ca.iter().flatten().take(DETECT_VALUES) {
        match index.get(v) {
            Some(&i) => {
                if let Some(c) = counts.get_mut(i) {
                    c.1 += 1;
                }
            }
            None => {
                index.insert(v, counts.len());
                counts.push((v, 1));
            }
        }
    }
    counts
}

/// The note for a column read as numbers: the style and an example, the values that were not
/// numbers, and how to read it the other way when the guess could go either way.
fn conversion_note(
    name: &str,
    found: &DetectedStyle,
    n_bad: usize,
    bad: &[&str],
    decimal_comma: Option<bool>,
    delimiter_hint: bool,
) -> String {
    let mut line = format!(
        "column `{name}`: numbers written with {} (like `{}`) → read as numbers (float)",
        found.style.describe(),
        found.example
    );
    if n_bad > 0 {
        line.push_str(&format!(
            "; {n_bad} value{} that {} not numbers ({}) left missing",
            if n_bad == 1 { "" } else { "s" },
            if n_bad == 1 { "is" } else { "are" },
            bad.iter()
                .map(|b| format!("`{b}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if found.ambiguous {
        let other = if found.style.decimal == ',' {
            "--decimal point"
        } else {
            "--decimal comma"
        };
        line.push_str(&format!(
            "; its separators could be read either way (`{}` is {}), so this is a guess{}: \
             pass {other} to read them the other way",
            found.example,
            parse_styled(&found.example, found.style).map_or(String::new(), |x| x.to_string()),
            if delimiter_hint && decimal_comma.is_none() {
                " from the `;` separator"
            } else {
                ""
            }
        ));
    }
    line
}
