//! A small columnar table: what every layer above ingestion works on.
//!
//! `mlpilot-data` reads files with polars and hands a [`Frame`] to everything else, so that
//! preprocessing, search, explanations, monitoring and serving do not depend on polars. A frame
//! holds named, equally long columns of one physical type each; a missing cell is `None`.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::facts::NotNumbers;

/// One cell's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// Missing.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float (never NaN: a NaN cell is [`Value::Null`]).
    Float(f64),
    /// A string.
    Str(String),
    /// A timestamp in milliseconds since the Unix epoch (UTC).
    Datetime(i64),
}

impl Value {
    /// Whether the value is missing.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as a float when it is numeric (booleans count as 0/1) or a string that parses
    /// as a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Null => None,
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Str(s) => parse_number(s),
            Value::Datetime(ms) => Some(*ms as f64),
        }
    }
}

/// Parses a number the way a CSV reader would (surrounding spaces allowed, `inf`/`-inf`
/// accepted, `nan` treated as missing).
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_nan() => None,
        Ok(v) => Some(v),
        Err(_) => None,
    }
}

/// The spellings of a missing value that the table readers take in every column: what polars'
/// CSV reader is given as null values, and what the server reads in a CSV body the same way.
pub const NULL_SPELLINGS: [&str; 6] = ["NA", "N/A", "NaN", "nan", "null", "NULL"];

/// Marks for "no value" that can never be a label, compared without case.
const PLACEHOLDERS: [&str; 10] = [
    "?", "n/a", "na", "n.a.", "#n/a", "-", "--", ".", "null", "nan",
];

/// Words for "no value" that could also be a class of a target of labels.
const NO_VALUE_WORDS: [&str; 4] = ["none", "nil", "missing", "unknown"];

/// Whether `s` is a word people write for "no value" (`n/a`, `?`, `-`, `.`, `none`, `missing`,
/// `unknown`, `null` …; any case, surrounding spaces ignored, and blank text): a
/// [placeholder](is_placeholder), or `none`, `nil`, `missing`, `unknown`. Where a column of
/// numbers holds one at prediction time it is a missing value whatever the batch's size;
/// [`stray_words`] judges other words by their share, which needs a column with many values.
pub fn is_missing_word(s: &str) -> bool {
    is_placeholder(s)
        || NO_VALUE_WORDS
            .iter()
            .any(|w| s.trim().eq_ignore_ascii_case(w))
}

/// Whether `s` is a mark that stands for no value and can never be a label: blank, `?`, `n/a`,
/// `na`, `n.a.`, `#n/a`, `-`, `--`, `.`, `null`, `nan` (any case, surrounding spaces ignored).
/// The part of [`is_missing_word`] without `none`, `nil`, `missing` or `unknown`, which can be
/// real classes of a target of labels.
pub fn is_placeholder(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || PLACEHOLDERS.iter().any(|w| t.eq_ignore_ascii_case(w))
}

/// The share of a text column's present values, words for "no value" ([`is_missing_word`])
/// left aside, that must read as numbers for the column to be a column of numbers. Its other
/// values are stray words (`n/a`, `?`, `-`, `none`, and a few others) and are read as missing
/// everywhere: in the profile's counts, as a feature and as a target.
pub const NUMBER_SHARE: f64 = 0.95;

/// The stray words of a text column of numbers: its values that do not read as numbers
/// ([`parse_number`]), when at least one value does and at least [`NUMBER_SHARE`] of its present
/// values that are not words for "no value" do. Words for "no value" are stray words in any
/// number (a column where a third of the values are `?` is a column of numbers with a third
/// missing) when the column holds two numbers or more; beside a single number (a flag written
/// `1` / `-`) they count like other words, which are stray words only up to 5 %. `None` for a
/// column of another type, a column with no stray word, or one with too many other words to be
/// numbers.
pub fn stray_words(col: &Column) -> Option<NotNumbers> {
    let ColumnData::Str(s) = col.data() else {
        return None;
    };
    stray_words_in(s.dict().iter().map(String::as_str).zip(s.counts()))
}

/// As [`stray_words`], from a column's distinct values and their counts (in order of first
/// appearance, which the examples keep).
pub fn stray_words_in<'a>(
    values: impl IntoIterator<Item = (&'a str, usize)>,
) -> Option<NotNumbers> {
    let mut numbers = 0usize;
    let mut distinct_numbers = 0usize;
    let mut other_words = 0usize;
    let mut words = NotNumbers::default();
    for (value, count) in values.into_iter().filter(|(_, c)| *c > 0) {
        if parse_number(value).is_some() {
            numbers += count;
            distinct_numbers += 1;
        } else {
            words.add(value, count);
            if !is_missing_word(value) {
                other_words += count;
            }
        }
    }
    // One number and words is a flag (`1` / `-`): its words are values unless they are few.
    let judged = if distinct_numbers >= 2 {
        numbers + other_words
    } else {
        numbers + words.count
    };
    (words.count > 0 && numbers > 0 && numbers as f64 >= NUMBER_SHARE * judged as f64)
        .then_some(words)
}

/// How many of a column's values are words for "no value" ([`is_missing_word`]) that do not
/// read as numbers; 0 for a column that is not text.
pub fn missing_word_count(col: &Column) -> usize {
    match col.data() {
        ColumnData::Str(s) => s
            .dict()
            .iter()
            .zip(s.counts())
            .filter(|(t, _)| parse_number(t).is_none() && is_missing_word(t))
            .map(|(_, n)| n)
            .sum(),
        _ => 0,
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => f.write_str(s),
            Value::Datetime(ms) => write!(f, "{}", format_datetime_ms(*ms)),
        }
    }
}

/// Formats milliseconds since the epoch as an ISO-8601 UTC timestamp (`1970-01-01T00:00:00`),
/// with `chrono`; a value beyond chrono's range (±262,000 years) is written as the number.
pub fn format_datetime_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.format("%Y-%m-%dT%H:%M:%S").to_string(),
    )
}

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const EPOCH_FROM_CE: i64 = 719_163;

/// Converts days since 1970-01-01 to a (year, month, day) calendar date (proleptic
/// Gregorian, with `chrono`); days beyond chrono's range give its first or last date.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    use chrono::Datelike;
    let date = i32::try_from(days + EPOCH_FROM_CE)
        .ok()
        .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or(if days < 0 {
            chrono::NaiveDate::MIN
        } else {
            chrono::NaiveDate::MAX
        });
    (i64::from(date.year()), date.month(), date.day())
}

/// Days since 1970-01-01 of a calendar date; `None` for a date that does not exist (31 April,
/// 29 February of a common year) or lies beyond chrono's range.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    use chrono::Datelike;
    let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?;
    Some(i64::from(date.num_days_from_ce()) - EPOCH_FROM_CE)
}

/// A dictionary-encoded string column: each distinct string is stored once and rows hold a
/// code into the dictionary (`StrColumn::MISSING` for a missing value). Categorical columns —
/// the common case — then cost four bytes per row, and encoders work on codes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StrColumn {
    dict: Vec<String>,
    codes: Vec<u32>,
}

impl StrColumn {
    /// The code of a missing value.
    pub const MISSING: u32 = u32::MAX;

    /// An empty column.
    pub fn new() -> Self {
        StrColumn::default()
    }

    /// Appends a value.
    pub fn push(
        &mut self,
        value: Option<&str>,
        index: &mut std::collections::HashMap<String, u32>,
    ) {
        let code = match value {
            None => Self::MISSING,
            Some(v) => match index.get(v) {
                Some(c) => *c,
                None => {
                    let c = self.dict.len() as u32;
                    self.dict.push(v.to_string());
                    index.insert(v.to_string(), c);
                    c
                }
            },
        };
        self.codes.push(code);
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The value at `row`.
    pub fn get(&self, row: usize) -> Option<&str> {
        let c = *self.codes.get(row)?;
        self.dict.get(c as usize).map(String::as_str)
    }

    /// The values in row order.
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        self.codes
            .iter()
            .map(|&c| self.dict.get(c as usize).map(String::as_str))
    }

    /// The distinct strings, in order of first appearance.
    pub fn dict(&self) -> &[String] {
        &self.dict
    }

    /// The per-row codes into [`StrColumn::dict`].
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// Rows per dictionary entry.
    pub fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0usize; self.dict.len()];
        for &c in &self.codes {
            if let Some(n) = counts.get_mut(c as usize) {
                *n += 1;
            }
        }
        counts
    }

    /// The number of missing values.
    pub fn null_count(&self) -> usize {
        self.codes.iter().filter(|&&c| c == Self::MISSING).count()
    }

    /// The rows at `rows` (keeping the dictionary); `None` when an index is out of range.
    pub fn take(&self, rows: &[usize]) -> Option<StrColumn> {
        let codes = rows
            .iter()
            .map(|&r| self.codes.get(r).copied())
            .collect::<Option<Vec<_>>>()?;
        Some(StrColumn {
            dict: self.dict.clone(),
            codes,
        })
    }
}

impl PartialEq for StrColumn {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<S: AsRef<str>> FromIterator<Option<S>> for StrColumn {
    fn from_iter<I: IntoIterator<Item = Option<S>>>(iter: I) -> Self {
        let mut col = StrColumn::new();
        let mut index = std::collections::HashMap::new();
        for v in iter {
            col.push(v.as_ref().map(AsRef::as_ref), &mut index);
        }
        col
    }
}

impl From<Vec<Option<String>>> for StrColumn {
    fn from(v: Vec<Option<String>>) -> Self {
        v.into_iter().collect()
    }
}

/// The values of one column, stored by physical type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ColumnData {
    /// Booleans.
    Bool(Vec<Option<bool>>),
    /// 64-bit integers.
    Int(Vec<Option<i64>>),
    /// 64-bit floats; a missing value is `None`, never NaN.
    Float(Vec<Option<f64>>),
    /// Strings, dictionary-encoded.
    Str(StrColumn),
    /// Timestamps in milliseconds since the epoch (UTC).
    Datetime(Vec<Option<i64>>),
}

impl ColumnData {
    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Bool(v) => v.len(),
            ColumnData::Int(v) => v.len(),
            ColumnData::Float(v) => v.len(),
            ColumnData::Str(v) => v.len(),
            ColumnData::Datetime(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The physical type's name (`bool`, `int`, `float`, `str`, `datetime`).
    pub fn type_name(&self) -> &'static str {
        match self {
            ColumnData::Bool(_) => "bool",
            ColumnData::Int(_) => "int",
            ColumnData::Float(_) => "float",
            ColumnData::Str(_) => "str",
            ColumnData::Datetime(_) => "datetime",
        }
    }

    /// Whether the values are numbers (integers or floats).
    pub fn is_numeric(&self) -> bool {
        matches!(self, ColumnData::Int(_) | ColumnData::Float(_))
    }

    fn take(&self, rows: &[usize]) -> Option<ColumnData> {
        fn pick<T: Clone>(v: &[T], rows: &[usize]) -> Option<Vec<T>> {
            rows.iter().map(|&r| v.get(r).cloned()).collect()
        }
        Some(match self {
            ColumnData::Bool(v) => ColumnData::Bool(pick(v, rows)?),
            ColumnData::Int(v) => ColumnData::Int(pick(v, rows)?),
            ColumnData::Float(v) => ColumnData::Float(pick(v, rows)?),
            ColumnData::Str(v) => ColumnData::Str(v.take(rows)?),
            ColumnData::Datetime(v) => ColumnData::Datetime(pick(v, rows)?),
        })
    }
}

/// A named column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    name: String,
    data: ColumnData,
}

impl Column {
    /// A column from a name and its values.
    pub fn new(name: impl Into<String>, data: ColumnData) -> Self {
        Column {
            name: name.into(),
            data,
        }
    }

    /// A float column; NaN values become missing.
    pub fn from_f64(name: impl Into<String>, values: impl IntoIterator<Item = f64>) -> Self {
        let v = values
            .into_iter()
            .map(|x| if x.is_nan() { None } else { Some(x) })
            .collect();
        Column::new(name, ColumnData::Float(v))
    }

    /// A string column with no missing values.
    pub fn from_strs<S: AsRef<str>>(
        name: impl Into<String>,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        Column::new(
            name,
            ColumnData::Str(values.into_iter().map(Some).collect()),
        )
    }

    /// The column's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Renames the column.
    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    /// The values.
    pub fn data(&self) -> &ColumnData {
        &self.data
    }

    /// The values, mutably.
    pub fn data_mut(&mut self) -> &mut ColumnData {
        &mut self.data
    }

    /// Takes the values out.
    pub fn into_data(self) -> ColumnData {
        self.data
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the column has no values.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Whether the value at `row` is missing (rows past the end count as missing).
    pub fn is_null(&self, row: usize) -> bool {
        match &self.data {
            ColumnData::Bool(v) => v.get(row).is_none_or(|x| x.is_none()),
            ColumnData::Int(v) => v.get(row).is_none_or(|x| x.is_none()),
            ColumnData::Float(v) => v.get(row).is_none_or(|x| x.is_none()),
            ColumnData::Str(v) => v.get(row).is_none(),
            ColumnData::Datetime(v) => v.get(row).is_none_or(|x| x.is_none()),
        }
    }

    /// The number of missing values.
    pub fn null_count(&self) -> usize {
        match &self.data {
            ColumnData::Bool(v) => v.iter().filter(|x| x.is_none()).count(),
            ColumnData::Int(v) => v.iter().filter(|x| x.is_none()).count(),
            ColumnData::Float(v) => v.iter().filter(|x| x.is_none()).count(),
            ColumnData::Str(v) => v.null_count(),
            ColumnData::Datetime(v) => v.iter().filter(|x| x.is_none()).count(),
        }
    }

    /// The value at `row` ([`Value::Null`] past the end).
    pub fn value(&self, row: usize) -> Value {
        match &self.data {
            ColumnData::Bool(v) => v
                .get(row)
                .copied()
                .flatten()
                .map_or(Value::Null, Value::Bool),
            ColumnData::Int(v) => v
                .get(row)
                .copied()
                .flatten()
                .map_or(Value::Null, Value::Int),
            ColumnData::Float(v) => v
                .get(row)
                .copied()
                .flatten()
                .map_or(Value::Null, Value::Float),
            ColumnData::Str(v) => v
                .get(row)
                .map_or(Value::Null, |s| Value::Str(s.to_string())),
            ColumnData::Datetime(v) => v
                .get(row)
                .copied()
                .flatten()
                .map_or(Value::Null, Value::Datetime),
        }
    }

    /// The value at `row` as a float, when it is or parses as a number.
    pub fn f64_at(&self, row: usize) -> Option<f64> {
        match &self.data {
            ColumnData::Bool(v) => v
                .get(row)
                .copied()
                .flatten()
                .map(|b| f64::from(u8::from(b))),
            ColumnData::Int(v) => v.get(row).copied().flatten().map(|i| i as f64),
            ColumnData::Float(v) => v.get(row).copied().flatten(),
            ColumnData::Str(v) => v.get(row).and_then(parse_number),
            ColumnData::Datetime(v) => v.get(row).copied().flatten().map(|i| i as f64),
        }
    }

    /// All values as floats (missing or non-numeric → `None`).
    pub fn to_f64(&self) -> Vec<Option<f64>> {
        match &self.data {
            ColumnData::Float(v) => v.clone(),
            ColumnData::Int(v) => v.iter().map(|x| x.map(|i| i as f64)).collect(),
            ColumnData::Bool(v) => v
                .iter()
                .map(|x| x.map(|b| f64::from(u8::from(b))))
                .collect(),
            ColumnData::Str(v) => v.iter().map(|s| s.and_then(parse_number)).collect(),
            ColumnData::Datetime(v) => v.iter().map(|x| x.map(|i| i as f64)).collect(),
        }
    }

    /// The value at `row` rendered as text (`None` when missing). Floats that are whole numbers
    /// render without a fraction so that `1.0` and `1` name the same category.
    pub fn str_at(&self, row: usize) -> Option<String> {
        match &self.data {
            ColumnData::Str(v) => v.get(row).map(str::to_string),
            ColumnData::Float(v) => v.get(row).copied().flatten().map(format_category_f64),
            _ => match self.value(row) {
                Value::Null => None,
                other => Some(other.to_string()),
            },
        }
    }

    /// The rows at `rows`, in that order; `None` when an index is out of range.
    pub fn take(&self, rows: &[usize]) -> Option<Column> {
        Some(Column {
            name: self.name.clone(),
            data: self.data.take(rows)?,
        })
    }
}

/// Renders a float as a category label: whole numbers without a fraction.
pub fn format_category_f64(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A table of equally long, uniquely named columns.
///
/// ```
/// use mlpilot_core::frame::{Column, Frame};
/// let frame = Frame::new(vec![
///     Column::from_f64("age", [22.0, 38.0, f64::NAN]),
///     Column::from_strs("sex", ["male", "female", "female"]),
/// ]).unwrap();
/// assert_eq!(frame.n_rows(), 3);
/// assert_eq!(frame.column("age").unwrap().null_count(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Frame {
    columns: Vec<Column>,
    n_rows: usize,
}

impl Frame {
    /// A frame from columns.
    ///
    /// # Errors
    /// An invalid-input error naming the column when the columns' lengths differ or a name
    /// repeats.
    pub fn new(columns: Vec<Column>) -> Result<Self> {
        let n_rows = columns.first().map_or(0, Column::len);
        let mut seen = HashSet::new();
        for c in &columns {
            if c.len() != n_rows {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "column `{}` has {} values but the table has {} rows",
                        c.name(),
                        c.len(),
                        n_rows
                    ),
                )
                .with_context("column", c.name()));
            }
            if !seen.insert(c.name().to_string()) {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "column name `{}` appears more than once; rename one of them",
                        c.name()
                    ),
                )
                .with_context("column", c.name()));
            }
        }
        Ok(Frame { columns, n_rows })
    }

    /// The frame with `column` in place of the column of the same name (appended when there is
    /// none).
    ///
    /// # Errors
    /// When its length differs from the frame's rows.
    pub fn with_column(mut self, column: Column) -> Result<Frame> {
        match self.index_of(column.name()) {
            Some(i) if column.len() == self.n_rows => {
                if let Some(slot) = self.columns.get_mut(i) {
                    *slot = column;
                }
                Ok(self)
            }
            Some(_) => Err(Error::invalid_input(format!(
                "column `{}` has {} values but the table has {} rows",
                column.name(),
                column.len(),
                self.n_rows
            ))
            .with_context("column", column.name())),
            None => {
                self.push_column(column)?;
                Ok(self)
            }
        }
    }

    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// The number of columns.
    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    /// The columns in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column names in order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(Column::name).collect()
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name() == name)
    }

    /// The column called `name`.
    ///
    /// # Errors
    /// A not-found error that names it and lists the columns there are.
    pub fn require(&self, name: &str) -> Result<&Column> {
        self.column(name).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "no column named `{name}`; the columns are: {}",
                    self.names()
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_context("column", name)
        })
    }

    /// The position of the column called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name() == name)
    }

    /// Adds a column at the end.
    ///
    /// # Errors
    /// An invalid-input error when its length is not the table's or its name is taken.
    pub fn push_column(&mut self, column: Column) -> Result<()> {
        if !self.columns.is_empty() && column.len() != self.n_rows {
            return Err(Error::invalid_input(format!(
                "column `{}` has {} values but the table has {} rows",
                column.name(),
                column.len(),
                self.n_rows
            )));
        }
        if self.column(column.name()).is_some() {
            return Err(Error::invalid_input(format!(
                "a column named `{}` already exists",
                column.name()
            )));
        }
        if self.columns.is_empty() {
            self.n_rows = column.len();
        }
        self.columns.push(column);
        Ok(())
    }

    /// Removes and returns the column called `name`.
    pub fn remove_column(&mut self, name: &str) -> Option<Column> {
        let i = self.index_of(name)?;
        Some(self.columns.remove(i))
    }

    /// A frame without the named columns (names that do not exist are ignored).
    pub fn without(&self, names: &[&str]) -> Frame {
        let columns = self
            .columns
            .iter()
            .filter(|c| !names.contains(&c.name()))
            .cloned()
            .collect();
        Frame {
            columns,
            n_rows: self.n_rows,
        }
    }

    /// A frame of the named columns, in the given order.
    ///
    /// # Errors
    /// As [`Frame::require`], for the first name the frame lacks.
    pub fn select(&self, names: &[&str]) -> Result<Frame> {
        let columns = names
            .iter()
            .map(|n| self.require(n).cloned())
            .collect::<Result<Vec<_>>>()?;
        Ok(Frame {
            columns,
            n_rows: self.n_rows,
        })
    }

    /// The rows at `rows`, in that order.
    ///
    /// # Errors
    /// An internal error when an index is out of range (callers pass indices of this frame).
    pub fn take(&self, rows: &[usize]) -> Result<Frame> {
        let columns = self
            .columns
            .iter()
            .map(|c| {
                c.take(rows).ok_or_else(|| {
                    Error::internal(format!(
                        "row index out of range for a table of {} rows",
                        self.n_rows
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Frame {
            columns,
            n_rows: rows.len(),
        })
    }

    /// The first `n` rows.
    pub fn head(&self, n: usize) -> Frame {
        let rows: Vec<usize> = (0..n.min(self.n_rows)).collect();
        // Indices are in range by construction.
        self.take(&rows).unwrap_or_default()
    }

    /// Stacks frames row-wise, with the first frame's columns (a column a later frame lacks is
    /// missing there); each column's type is chosen from all its values as in
    /// [`Frame::from_records`].
    ///
    /// # Errors
    /// As [`Frame::from_records`].
    pub fn concat(frames: &[&Frame]) -> Result<Frame> {
        let Some(first) = frames.first() else {
            return Frame::new(Vec::new());
        };
        let names: Vec<String> = first.names().iter().map(|s| s.to_string()).collect();
        let mut records = Vec::with_capacity(frames.iter().map(|f| f.n_rows).sum());
        for f in frames {
            let cols: Vec<Option<&Column>> = names.iter().map(|n| f.column(n)).collect();
            for i in 0..f.n_rows {
                records.push(
                    cols.iter()
                        .map(|c| c.map_or(Value::Null, |c| c.value(i)))
                        .collect(),
                );
            }
        }
        Frame::from_records(&names, &records)
    }

    /// Consumes the frame, returning its columns.
    pub fn into_columns(self) -> Vec<Column> {
        self.columns
    }

    /// Builds a frame from records (one `Vec<Value>` per row, in `names` order), choosing each
    /// column's type from its values: booleans, integers, floats (integers and floats mixed),
    /// timestamps, or strings (anything else; numbers are then written as text).
    ///
    /// # Errors
    /// An invalid-input error naming the row when a record is shorter than `names`.
    pub fn from_records(names: &[String], records: &[Vec<Value>]) -> Result<Frame> {
        let mut columns = Vec::with_capacity(names.len());
        for (j, name) in names.iter().enumerate() {
            let cells: Vec<&Value> = records
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    r.get(j).ok_or_else(|| {
                        Error::invalid_input(format!(
                            "row {i} has {} values but there are {} columns",
                            r.len(),
                            names.len()
                        ))
                        .with_context("row", i)
                    })
                })
                .collect::<Result<_>>()?;
            columns.push(Column::new(name.clone(), infer_column_data(&cells)));
        }
        Frame::new(columns)
    }
}

fn infer_column_data(cells: &[&Value]) -> ColumnData {
    let (mut b, mut i, mut f, mut s, mut d) = (false, false, false, false, false);
    for c in cells {
        match c {
            Value::Null => {}
            Value::Bool(_) => b = true,
            Value::Int(_) => i = true,
            Value::Float(_) => f = true,
            Value::Str(_) => s = true,
            Value::Datetime(_) => d = true,
        }
    }
    let kinds = [b, i || f, s, d].iter().filter(|x| **x).count();
    if kinds > 1 || s {
        return ColumnData::Str(
            cells
                .iter()
                .map(|c| {
                    if c.is_null() {
                        None
                    } else {
                        Some(c.to_string())
                    }
                })
                .collect(),
        );
    }
    if b {
        return ColumnData::Bool(
            cells
                .iter()
                .map(|c| {
                    if let Value::Bool(x) = c {
                        Some(*x)
                    } else {
                        None
                    }
                })
                .collect(),
        );
    }
    if d {
        return ColumnData::Datetime(
            cells
                .iter()
                .map(|c| {
                    if let Value::Datetime(x) = c {
                        Some(*x)
                    } else {
                        None
                    }
                })
                .collect(),
        );
    }
    if i && !f {
        return ColumnData::Int(
            cells
                .iter()
                .map(|c| {
                    if let Value::Int(x) = c {
                        Some(*x)
                    } else {
                        None
                    }
                })
                .collect(),
        );
    }
    ColumnData::Float(
        cells
            .iter()
            .map(|c| c.as_f64().filter(|x| !x.is_nan()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_words_are_the_few_values_of_a_number_column_that_are_not_numbers() {
        // Every spelling of "no value" people write among numbers, and a column of decimals.
        for word in ["n/a", "?", "-", "NA", "none", "missing", "."] {
            let mut values: Vec<&str> = ["0", "1", "1", "0", "2.5"].repeat(8);
            values.push(word);
            values.push(word);
            let col = Column::from_strs("x", values);
            let found = stray_words(&col).unwrap_or_else(|| panic!("`{word}` not found"));
            assert_eq!(found.count, 2, "`{word}`");
            assert_eq!(found.examples, vec![word.to_string()]);
        }
        // Examples in order of first appearance, three at most; the count is every one.
        let mut values = vec!["7"; 200];
        values.extend(["?", "-", "n/a", "none", "?"]);
        let found = stray_words(&Column::from_strs("x", values)).unwrap();
        assert_eq!(found.count, 5);
        assert_eq!(found.examples, vec!["?", "-", "n/a"]);
        // Too many words for a column of numbers (6 in 40 is 15 %), none at all, not text.
        let mut values = vec!["1"; 34];
        values.extend(["a"; 6]);
        assert!(stray_words(&Column::from_strs("x", values)).is_none());
        // Words for "no value" count in any number: a third `?` (UCI style), or half `n/a` and
        // `-`, is a column of numbers with that many missing; other words still only up to 5 %.
        for (word, n) in [("?", 20), ("n/a", 40), ("-", 40), ("NA", 40)] {
            let mut values = ["2.5", "3", "4.25", "7"].repeat(10);
            values.extend(vec![word; n]);
            let found = stray_words(&Column::from_strs("x", values));
            assert_eq!(found.map(|f| f.count), Some(n), "`{word}` × {n}");
        }
        let mut values = ["2.5", "3", "4.25", "7"].repeat(10);
        values.extend(["?"; 40]);
        values.extend(["a"; 3]);
        assert!(
            stray_words(&Column::from_strs("x", values)).is_none(),
            "3 of 43 is 7 %"
        );
        // Only words for "no value", no number: not a column of numbers. A flag of one number
        // and words for "no value" (`1` / `-`) keeps its words as values unless they are few.
        assert!(stray_words(&Column::from_strs("x", ["?", "n/a", "-"])).is_none());
        let mut flag = vec!["1"; 40];
        flag.extend(["-"; 30]);
        assert!(stray_words(&Column::from_strs("x", flag.clone())).is_none());
        flag.truncate(41);
        assert_eq!(
            stray_words(&Column::from_strs("x", flag)).map(|w| w.count),
            Some(1)
        );
        assert!(stray_words(&Column::from_strs("x", ["1", "2", "3"])).is_none());
        assert!(stray_words(&Column::from_f64("x", [1.0, f64::NAN])).is_none());
        // Exactly at the share: 19 numbers and one word are a column of numbers.
        let mut values = vec!["3"; 19];
        values.push("unknown");
        assert_eq!(
            stray_words(&Column::from_strs("x", values)).map(|n| n.count),
            Some(1)
        );
    }

    #[test]
    fn missing_words_are_known_spellings_of_no_value_in_any_case() {
        for word in [
            "n/a", "N/A", " NA ", "nan", "NULL", "None", "nil", "MISSING", "Unknown", "?", "-",
            "--", ".", "#N/A", "", "   ", "n.a.",
        ] {
            assert!(is_missing_word(word), "`{word}`");
        }
        for word in [
            "0",
            "-1",
            "abc",
            "old",
            "nothing here",
            "n",
            "a",
            "?!",
            "1.5",
            "none yet",
        ] {
            assert!(!is_missing_word(word), "`{word}`");
        }
        // Every reader null spelling is also a missing word.
        assert!(NULL_SPELLINGS.iter().all(|s| is_missing_word(s)));
        // Placeholders are the missing words that can never be a label.
        for word in ["?", "N/A", " na ", "#N/A", "-", ".", "NULL", "NaN", ""] {
            assert!(is_placeholder(word) && is_missing_word(word), "`{word}`");
        }
        for word in ["none", "unknown", "missing", "nil", "yes", "0"] {
            assert!(!is_placeholder(word), "`{word}`");
        }
    }

    #[test]
    fn concat_stacks_rows_and_fills_absent_columns() {
        let a = Frame::new(vec![
            Column::from_f64("x", [1.0, 2.0]),
            Column::from_strs("c", ["a", "b"]),
        ])
        .unwrap();
        let b = Frame::new(vec![Column::from_f64("x", [3.0])]).unwrap();
        let f = Frame::concat(&[&a, &b]).unwrap();
        assert_eq!(f.n_rows(), 3);
        assert_eq!(f.names(), vec!["x", "c"]);
        assert_eq!(f.column("x").unwrap().f64_at(2), Some(3.0));
        assert_eq!(f.column("c").unwrap().str_at(1).as_deref(), Some("b"));
        assert!(f.column("c").unwrap().is_null(2));
        assert_eq!(Frame::concat(&[]).unwrap().n_rows(), 0);
    }

    #[test]
    fn new_rejects_ragged_and_duplicate_columns() {
        let err = Frame::new(vec![
            Column::from_f64("a", [1.0]),
            Column::from_f64("b", [1.0, 2.0]),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("`b` has 2 values"), "{err}");
        let err = Frame::new(vec![
            Column::from_f64("a", [1.0]),
            Column::from_f64("a", [2.0]),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("appears more than once"), "{err}");
    }

    #[test]
    fn take_and_select() {
        let f = Frame::new(vec![
            Column::from_f64("x", [1.0, 2.0, 3.0]),
            Column::from_strs("s", ["a", "b", "c"]),
        ])
        .unwrap();
        let t = f.take(&[2, 0]).unwrap();
        assert_eq!(t.n_rows(), 2);
        assert_eq!(t.column("s").unwrap().str_at(0).as_deref(), Some("c"));
        assert!(f.take(&[5]).is_err());
        let err = f.select(&["nope"]).unwrap_err();
        assert!(err.to_string().contains("`x`, `s`"), "{err}");
    }

    #[test]
    fn records_infer_types() {
        let names = vec!["n".to_string(), "m".to_string(), "b".to_string()];
        let rows = vec![
            vec![Value::Int(1), Value::Int(1), Value::Bool(true)],
            vec![Value::Float(2.5), Value::Str("x".into()), Value::Null],
        ];
        let f = Frame::from_records(&names, &rows).unwrap();
        assert!(matches!(
            f.column("n").unwrap().data(),
            ColumnData::Float(_)
        ));
        assert!(matches!(f.column("m").unwrap().data(), ColumnData::Str(_)));
        assert!(matches!(f.column("b").unwrap().data(), ColumnData::Bool(_)));
        assert_eq!(f.column("m").unwrap().str_at(0).as_deref(), Some("1"));
    }

    #[test]
    fn civil_date_round_trip() {
        for days in [-1_000_000, -1, 0, 1, 59, 60, 365, 10_957, 19_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), Some(days));
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(days_from_civil(2023, 4, 31), None);
        assert_eq!(days_from_civil(2023, 2, 29), None);
        assert_eq!(format_datetime_ms(0), "1970-01-01T00:00:00");
        assert_eq!(format_datetime_ms(951_782_400_000), "2000-02-29T00:00:00");
    }

    #[test]
    fn category_rendering_of_floats() {
        assert_eq!(format_category_f64(3.0), "3");
        assert_eq!(format_category_f64(2.5), "2.5");
    }
}
