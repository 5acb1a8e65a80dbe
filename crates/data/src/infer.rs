//! Column kind inference: what a column means, with the rule that decided it.

use mlpilot_core::datetime::DateFormat;
use mlpilot_core::facts::{KindFact, NotNumbers};

/// What profiling measured about a column, as the inference rules need it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnFacts {
    /// The column name.
    pub name: String,
    /// Physical type (`int`, `float`, `bool`, `str`, `datetime`).
    pub dtype: String,
    /// Rows in the table.
    pub n_rows: usize,
    /// Missing values.
    pub missing: usize,
    /// Distinct present values.
    pub distinct: usize,
    /// The most frequent values (text form), most frequent first.
    pub top: Vec<String>,
    /// Share of present values that are numbers (1 for numeric types).
    pub numeric_share: f64,
    /// Stray words in a column of numbers: values that did not parse, read as missing (they
    /// are counted in `missing`, not in `distinct` or `top`).
    pub not_numbers: Option<NotNumbers>,
    /// Whether every numeric value is a whole number.
    pub all_integer: bool,
    /// Whether the numeric values strictly increase (or decrease) down the rows.
    pub monotone: bool,
    /// The date format most present values parse in, with the share that parse.
    pub date_format: Option<(DateFormat, f64)>,
    /// Median length of the text values, in characters.
    pub median_len: f64,
    /// Median number of words per text value.
    pub median_words: f64,
}

const BOOL_WORDS: [[&str; 2]; 7] = [
    ["true", "false"],
    ["yes", "no"],
    ["y", "n"],
    ["t", "f"],
    ["1", "0"],
    ["on", "off"],
    ["1.0", "0.0"],
];

/// Whether two values form a true/false pair (`yes`/`no`, `1`/`0`, …, any case).
pub fn is_boolean_pair(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim().to_ascii_lowercase(), b.trim().to_ascii_lowercase());
    BOOL_WORDS
        .iter()
        .any(|[t, f]| (a == *t && b == *f) || (a == *f && b == *t))
}

fn id_like_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "id"
        || n.ends_with("_id")
        || (name.len() > 2 && (name.ends_with("Id") || name.ends_with("ID")))
        || n.ends_with("_key")
        || n == "key"
        || n == "uuid"
        || n == "guid"
        || n == "index"
        || n == "row"
        || n == "rownum"
        || n.starts_with("unnamed")
}

/// Formats a count with thousands separators (`1,309`).
pub use mlpilot_core::task::thousands as fmt_count;

/// Infers a column's kind from its facts: the rule that decided, with the numbers it saw
/// ([`KindFact::kind`] is the kind; [`mlpilot_core::narration::column_kind`] says it in
/// words: "1,309 distinct values in 1,309 rows, median length 38 → text").
pub fn infer_kind(f: &ColumnFacts) -> KindFact {
    let present = f.n_rows.saturating_sub(f.missing);
    if present == 0 {
        return KindFact::AllMissing { rows: f.n_rows };
    }
    if f.distinct == 1 {
        return KindFact::OneValue {
            value: f.top.first().cloned().unwrap_or_default(),
            present,
            missing: f.missing,
        };
    }
    if f.dtype == "bool" {
        return KindFact::StoredBoolean;
    }
    if f.distinct == 2
        && let [a, b] = f.top.as_slice()
        && is_boolean_pair(a, b)
    {
        return KindFact::TwoValues {
            a: a.clone(),
            b: b.clone(),
            not_numbers: f.not_numbers.clone(),
        };
    }
    if f.dtype == "datetime" {
        return KindFact::StoredTimestamps;
    }
    let numeric = f.numeric_share >= mlpilot_core::frame::NUMBER_SHARE;
    if f.dtype == "str"
        && !numeric
        && let Some((fmt, share)) = f.date_format
        && share >= 0.95
    {
        return KindFact::Dates {
            share,
            example: fmt.example().to_string(),
        };
    }
    if numeric {
        return numeric_kind(f, present);
    }
    string_kind(f, present)
}

/// The kind of a column of numbers: two values read as a boolean, distinct whole numbers that
/// run in order (or are named like an id) as an identifier, else integer or float.
fn numeric_kind(f: &ColumnFacts, present: usize) -> KindFact {
    let not_numbers = f.not_numbers.clone();
    if f.distinct == 2
        && let [a, b] = f.top.as_slice()
    {
        return KindFact::TwoValues {
            a: a.clone(),
            b: b.clone(),
            not_numbers,
        };
    }
    if f.all_integer
        && f.distinct == present
        && present >= 20
        && (f.monotone || id_like_name(&f.name))
    {
        return KindFact::NumberedRows {
            distinct: f.distinct,
            present,
            monotone: f.monotone,
        };
    }
    if f.all_integer {
        return KindFact::WholeNumbers {
            distinct: f.distinct,
            not_numbers,
        };
    }
    KindFact::DecimalNumbers {
        distinct: f.distinct,
        not_numbers,
    }
}

/// The kind of a column of strings: long varied values are text, short nearly unique ones an
/// identifier, the rest categories.
fn string_kind(f: &ColumnFacts, present: usize) -> KindFact {
    let ratio = f.distinct as f64 / present as f64;
    if (f.median_words >= 3.0 || f.median_len >= 30.0) && ratio > 0.3 {
        return KindFact::LongText {
            distinct: f.distinct,
            present,
            median_length: f.median_len,
        };
    }
    if ratio >= 0.9 && present >= 20 && f.distinct > 50 {
        return KindFact::UniqueLabels {
            distinct: f.distinct,
            present,
            median_length: f.median_len,
        };
    }
    KindFact::Labels {
        distinct: f.distinct,
        examples: f.top.iter().take(3).cloned().collect(),
    }
}

pub use mlpilot_core::task::task_for_target;

#[cfg(test)]
mod tests {
    use super::*;
    use mlpilot_core::ColumnKind;

    /// The kind and its reason in words.
    fn infer(f: &ColumnFacts) -> (ColumnKind, String) {
        let fact = infer_kind(f);
        (
            fact.kind(),
            mlpilot_core::narration::column_kind(&fact, None),
        )
    }

    fn facts(name: &str, dtype: &str, n: usize, distinct: usize) -> ColumnFacts {
        ColumnFacts {
            name: name.into(),
            dtype: dtype.into(),
            n_rows: n,
            distinct,
            numeric_share: if dtype == "str" { 0.0 } else { 1.0 },
            top: vec!["a".into(), "b".into(), "c".into()],
            ..Default::default()
        }
    }

    #[test]
    fn all_missing_is_constant() {
        let f = ColumnFacts {
            missing: 10,
            ..facts("x", "float", 10, 0)
        };
        let (k, r) = infer(&f);
        assert_eq!(k, ColumnKind::Constant);
        assert!(r.contains("all 10 values are missing"), "{r}");
    }

    #[test]
    fn single_value_is_constant() {
        let f = ColumnFacts {
            top: vec!["eu".into()],
            ..facts("region", "str", 100, 1)
        };
        let (k, r) = infer(&f);
        assert_eq!(k, ColumnKind::Constant);
        assert!(r.contains("`eu`"), "{r}");
    }

    #[test]
    fn boolean_words_and_numbers() {
        let f = ColumnFacts {
            top: vec!["Yes".into(), "no".into()],
            ..facts("smsa", "str", 100, 2)
        };
        assert_eq!(infer(&f).0, ColumnKind::Boolean);
        let f = ColumnFacts {
            top: vec!["0".into(), "1".into()],
            all_integer: true,
            ..facts("flag", "int", 100, 2)
        };
        assert_eq!(infer(&f).0, ColumnKind::Boolean);
        assert_eq!(infer(&facts("b", "bool", 10, 2)).0, ColumnKind::Boolean);
        // Two arbitrary labels are a two-level category.
        let f = ColumnFacts {
            top: vec!["male".into(), "female".into()],
            ..facts("sex", "str", 100, 2)
        };
        assert_eq!(infer(&f).0, ColumnKind::Categorical);
    }

    #[test]
    fn identifiers() {
        let f = ColumnFacts {
            all_integer: true,
            monotone: true,
            ..facts("n", "int", 500, 500)
        };
        let (k, r) = infer(&f);
        assert_eq!(k, ColumnKind::Identifier);
        assert!(r.contains("monotone"), "{r}");
        let f = ColumnFacts {
            all_integer: true,
            ..facts("customer_id", "int", 500, 500)
        };
        assert_eq!(infer(&f).0, ColumnKind::Identifier);
        // Unique, unordered, ordinary name: a number.
        let f = ColumnFacts {
            all_integer: true,
            ..facts("income", "int", 500, 500)
        };
        assert_eq!(infer(&f).0, ColumnKind::Integer);
        let f = ColumnFacts {
            median_len: 12.0,
            median_words: 2.0,
            ..facts("name", "str", 3000, 3000)
        };
        assert_eq!(infer(&f).0, ColumnKind::Identifier);
    }

    #[test]
    fn integers_and_floats() {
        let f = ColumnFacts {
            all_integer: true,
            ..facts("age", "int", 100, 40)
        };
        assert_eq!(infer(&f).0, ColumnKind::Integer);
        assert_eq!(infer(&facts("w", "float", 100, 90)).0, ColumnKind::Float);
    }

    #[test]
    fn mostly_numeric_strings_are_numbers() {
        let f = ColumnFacts {
            numeric_share: 0.97,
            not_numbers: Some(NotNumbers {
                count: 2,
                examples: vec!["n/a".into()],
            }),
            ..facts("price", "str", 100, 80)
        };
        let (k, r) = infer(&f);
        assert_eq!(k, ColumnKind::Float);
        assert!(
            r.contains("`n/a`") && r.contains("treated as missing"),
            "{r}"
        );
        // Half numbers, half words: labels.
        let f = ColumnFacts {
            numeric_share: 0.5,
            ..facts("mixed", "str", 100, 8)
        };
        assert_eq!(infer(&f).0, ColumnKind::Categorical);
    }

    #[test]
    fn dates_from_text() {
        let f = ColumnFacts {
            date_format: Some((DateFormat::Iso, 1.0)),
            ..facts("signup", "str", 100, 90)
        };
        let (k, r) = infer(&f);
        assert_eq!(k, ColumnKind::Datetime);
        assert!(r.contains("2024-03-15"), "{r}");
        assert_eq!(
            infer(&facts("ts", "datetime", 10, 10)).0,
            ColumnKind::Datetime
        );
    }

    #[test]
    fn text_versus_categorical() {
        let f = ColumnFacts {
            median_len: 38.0,
            median_words: 7.0,
            ..facts("review", "str", 1309, 1309)
        };
        let (k, r) = infer(&f);
        assert_eq!(k, ColumnKind::Text);
        assert_eq!(
            r,
            "1,309 distinct values in 1,309 rows, median length 38 → text"
        );
        let f = ColumnFacts {
            median_len: 5.0,
            median_words: 1.0,
            ..facts("city", "str", 1000, 12)
        };
        assert_eq!(infer(&f).0, ColumnKind::Categorical);
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(fmt_count(1_234_567), "1,234,567");
    }
}
