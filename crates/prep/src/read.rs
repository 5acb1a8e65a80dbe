//! Reading input columns as numbers or labels, with the type coercion prediction needs.
//!
//! At prediction time a column may arrive with another physical type than in training: numbers
//! as text (`"12"`), categories as numbers. Readers coerce where the meaning is clear and count
//! what they could not read; a column that is mostly unreadable is refused with an error naming
//! it.

use mlpilot_core::frame::{format_category_f64, missing_word_count, parse_number};
use mlpilot_core::{Column, ColumnData, Error, Result};

/// Reads a column as floats (NaN for missing). Booleans are 0/1 and timestamps milliseconds.
/// Text is parsed; values that are not numbers become NaN and are counted in the second
/// result, together with an example.
pub fn read_numeric(col: &Column) -> (Vec<f64>, usize, Option<String>) {
    match col.data() {
        ColumnData::Float(v) => (v.iter().map(|x| x.unwrap_or(f64::NAN)).collect(), 0, None),
        ColumnData::Int(v) | ColumnData::Datetime(v) => (
            v.iter().map(|x| x.map_or(f64::NAN, |i| i as f64)).collect(),
            0,
            None,
        ),
        ColumnData::Bool(v) => (
            v.iter()
                .map(|x| x.map_or(f64::NAN, |b| f64::from(u8::from(b))))
                .collect(),
            0,
            None,
        ),
        ColumnData::Str(s) => {
            // Parse each distinct string once.
            let parsed: Vec<Option<f64>> = s.dict().iter().map(|t| parse_number(t)).collect();
            let mut bad = 0;
            let mut example = None;
            let mut out = Vec::with_capacity(s.len());
            for &c in s.codes() {
                match parsed.get(c as usize) {
                    Some(Some(x)) => out.push(*x),
                    Some(None) => {
                        bad += 1;
                        if example.is_none() {
                            example = s.dict().get(c as usize).cloned();
                        }
                        out.push(f64::NAN);
                    }
                    None => out.push(f64::NAN),
                }
            }
            (out, bad, example)
        }
    }
}

/// Reads a numeric column for a fitted step, refusing it when most present values are not
/// numbers and warning when some are not. Words for "no value"
/// ([`mlpilot_core::frame::is_missing_word`]: `n/a`, `?`, `-` …) are missing values in a batch
/// of any size, with the warning; other words count towards the refusal.
///
/// # Errors
/// An invalid-input error naming the column and an example value when more than half of its
/// present values that are not words for "no value" are not numbers.
pub fn read_numeric_checked(col: &Column, warnings: &mut Vec<String>) -> Result<Vec<f64>> {
    let (values, bad, example) = read_numeric(col);
    if bad > 0 {
        let missing_words = missing_word_count(col);
        let present = (values.len() - col.null_count()).saturating_sub(missing_words);
        let ex = example.unwrap_or_default();
        if bad.saturating_sub(missing_words) * 2 > present.max(1) {
            return Err(Error::invalid_input(format!(
                "column `{}` was numeric in training but now holds text such as `{ex}`; send numbers",
                col.name()
            ))
            .with_context("column", col.name())
            .with_context("value", ex));
        }
        warnings.push(format!(
            "{bad} value(s) of `{}` are not numbers (e.g. `{ex}`) and were treated as missing",
            col.name()
        ));
    }
    let inf = values.iter().filter(|v| v.is_infinite()).count();
    if inf > 0 {
        warnings.push(format!(
            "{inf} infinite value(s) of `{}` were treated as missing",
            col.name()
        ));
    }
    Ok(values
        .into_iter()
        .map(|v| if v.is_finite() { v } else { f64::NAN })
        .collect())
}

/// A column as labels: a dictionary of distinct texts and a code per row (`u32::MAX` for
/// missing). String columns are read as they are; numbers become text (`1.0` → `1`).
pub fn read_labels(col: &Column) -> (Vec<String>, Vec<u32>) {
    match col.data() {
        ColumnData::Str(s) => (s.dict().to_vec(), s.codes().to_vec()),
        _ => {
            let mut dict: Vec<String> = Vec::new();
            let mut index: std::collections::HashMap<String, u32> =
                std::collections::HashMap::new();
            let mut codes = Vec::with_capacity(col.len());
            for i in 0..col.len() {
                let v = match col.data() {
                    ColumnData::Float(v) => v.get(i).copied().flatten().map(format_category_f64),
                    _ => col.str_at(i),
                };
                codes.push(match v {
                    None => u32::MAX,
                    Some(t) => *index.entry(t.clone()).or_insert_with(|| {
                        dict.push(t);
                        (dict.len() - 1) as u32
                    }),
                });
            }
            (dict, codes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlpilot_core::StrColumn;

    #[test]
    fn numbers_from_text_are_coerced_with_a_warning() {
        let col = Column::new(
            "x",
            ColumnData::Str(StrColumn::from_iter([
                Some("1"),
                Some("2.5"),
                Some("oops"),
                None,
                Some("4"),
            ])),
        );
        let mut w = vec![];
        let v = read_numeric_checked(&col, &mut w).unwrap();
        assert_eq!(v[1], 2.5);
        assert!(v[2].is_nan() && v[3].is_nan());
        assert!(w[0].contains("`oops`"), "{w:?}");
        let words = Column::new(
            "x",
            ColumnData::Str(StrColumn::from_iter([Some("a"), Some("b"), Some("1")])),
        );
        let err = read_numeric_checked(&words, &mut w).unwrap_err();
        assert!(err.to_string().contains("was numeric in training"), "{err}");
    }

    #[test]
    fn words_for_no_value_are_missing_in_a_batch_of_any_size() {
        let strs = |v: &[&str]| Column::from_strs("age", v.iter().copied());
        // One row of `n/a` (or any spelling) is a missing value with a warning, not a refusal.
        for word in ["n/a", "?", "-", "NULL", "unknown"] {
            let mut w = vec![];
            let v = read_numeric_checked(&strs(&[word]), &mut w).unwrap();
            assert!(v[0].is_nan(), "`{word}`");
            assert_eq!(w.len(), 1, "`{word}`: {w:?}");
            assert!(w[0].contains(&format!("`{word}`")), "{w:?}");
        }
        let mut w = vec![];
        let v = read_numeric_checked(&strs(&["n/a", "?", "12", "-"]), &mut w).unwrap();
        assert_eq!(v[2], 12.0);
        assert!(w[0].starts_with("3 value(s) of `age`"), "{w:?}");
        // Other words still count: one row of `old` is refused, as is a batch whose only
        // value that is not a word for "no value" is text.
        for batch in [&["old"][..], &["n/a", "?", "old"], &["old", "young", "3"]] {
            let err = read_numeric_checked(&strs(batch), &mut vec![]).unwrap_err();
            assert!(
                err.to_string().contains("was numeric in training"),
                "{batch:?}"
            );
        }
        // A minority of other words is a warning, as before.
        let mut w = vec![];
        read_numeric_checked(&strs(&["old", "n/a", "3", "4"]), &mut w).unwrap();
        assert!(w[0].starts_with("2 value(s)"), "{w:?}");
    }

    #[test]
    fn labels_from_numbers() {
        let col = Column::from_f64("c", [1.0, 2.0, 1.0, f64::NAN]);
        let (dict, codes) = read_labels(&col);
        assert_eq!(dict, vec!["1", "2"]);
        assert_eq!(codes, vec![0, 1, 0, u32::MAX]);
    }
}
