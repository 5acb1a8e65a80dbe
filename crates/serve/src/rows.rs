//! Request bodies to frames: JSON `{"rows": [{column: value, …}]}` or CSV with a header, checked
//! against the model's input schema so that a bad body gets a message naming the row, column
//! or value.

use std::collections::BTreeSet;

use mlpilot_core::Frame;
use mlpilot_core::frame::{NULL_SPELLINGS, is_missing_word, parse_number};
use mlpilot_core::{ColumnKind, Schema, Value};
use serde_json::Value as J;

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum RowsError {
    /// More rows than allowed (413).
    TooMany(usize),
    /// The body is not what the endpoint reads (400).
    Bad(String),
    /// Well-formed but wrong for this model: unknown or missing columns, wrong types (422).
    Invalid(String),
}

fn numeric_kind(k: ColumnKind) -> bool {
    matches!(k, ColumnKind::Integer | ColumnKind::Float)
}

fn known_list(schema: &Schema) -> String {
    schema
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks the columns a body names: none unknown (the target is allowed and ignored), none of
/// the model's missing.
fn check_columns(
    present: &BTreeSet<String>,
    schema: &Schema,
    target: &str,
) -> Result<(), RowsError> {
    let unknown: Vec<&String> = present
        .iter()
        .filter(|p| p.as_str() != target && !schema.columns.iter().any(|c| &c.name == *p))
        .collect();
    if let Some(u) = unknown.first() {
        return Err(RowsError::Invalid(format!(
            "unknown column '{u}'{}; the model reads: {}",
            if unknown.len() > 1 {
                format!(" (and {} more)", unknown.len() - 1)
            } else {
                String::new()
            },
            known_list(schema)
        )));
    }
    let missing: Vec<&str> = schema
        .columns
        .iter()
        .filter(|c| !present.contains(&c.name))
        .map(|c| c.name.as_str())
        .collect();
    if let Some(m) = missing.first() {
        return Err(RowsError::Invalid(format!(
            "missing column '{m}'{}; send null for an unknown value",
            if missing.len() > 1 {
                format!(
                    " (and {}: {})",
                    missing.len() - 1,
                    missing.get(1..).unwrap_or(&[]).join(", ")
                )
            } else {
                String::new()
            }
        )));
    }
    Ok(())
}

fn id_column(schema: &Schema) -> Option<String> {
    schema
        .columns
        .iter()
        .find(|c| c.kind == ColumnKind::Identifier)
        .map(|c| c.name.clone())
}

/// A cell for a column of `kind`: numbers in numeric columns must be numbers, text that reads
/// as one, or a word for "no value" (`n/a`, `?` …), which stays text so that the pipeline reads
/// it as missing and says so in the response's warnings, as it does for a file.
fn cell(kind: ColumnKind, v: Value, row: usize, column: &str) -> Result<Value, RowsError> {
    if !numeric_kind(kind) {
        return Ok(v);
    }
    match v {
        Value::Str(s) if s.trim().is_empty() => Ok(Value::Null),
        Value::Str(s) => match parse_number(&s) {
            Some(x) => Ok(Value::Float(x)),
            None if is_missing_word(&s) => Ok(Value::Str(s)),
            None => Err(RowsError::Invalid(format!(
                "row {row}, column '{column}': '{s}' is not a number; send a number, or null \
                 for an unknown value"
            ))),
        },
        Value::Bool(b) => Err(RowsError::Invalid(format!(
            "row {row}, column '{column}': {b} is not a number"
        ))),
        other => Ok(other),
    }
}

/// Reads `{"rows": [...]}` (or a bare array of row objects).
///
/// # Errors
/// [`RowsError::Bad`] when the body is neither `{"rows": [...]}` nor an array, or a row is not an
/// object; [`RowsError::TooMany`] above `max_rows` rows; [`RowsError::Invalid`] for no rows, an
/// unknown or missing column (the target is allowed), a nested value, or a value in a numeric
/// column that is not a number (naming the row and column).
pub fn json_rows(
    body: &J,
    schema: &Schema,
    target: &str,
    max_rows: usize,
) -> Result<(Frame, Option<String>), RowsError> {
    let rows = match body {
        J::Object(o) => o.get("rows").and_then(J::as_array).ok_or_else(|| {
            RowsError::Bad("expected {\"rows\": [{\"column\": value, ...}, ...]}".into())
        })?,
        J::Array(a) => a,
        _ => {
            return Err(RowsError::Bad(
                "expected {\"rows\": [{\"column\": value, ...}, ...]}".into(),
            ));
        }
    };
    if rows.len() > max_rows {
        return Err(RowsError::TooMany(rows.len()));
    }
    if rows.is_empty() {
        return Err(RowsError::Invalid("no rows to predict".into()));
    }
    let mut present = BTreeSet::new();
    for (i, r) in rows.iter().enumerate() {
        let o = r
            .as_object()
            .ok_or_else(|| RowsError::Bad(format!("row {i} is not an object of column: value")))?;
        present.extend(o.keys().cloned());
    }
    check_columns(&present, schema, target)?;
    let names: Vec<String> = schema.columns.iter().map(|c| c.name.clone()).collect();
    let mut records = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let o = r
            .as_object()
            .ok_or_else(|| RowsError::Bad(format!("row {i} is not an object")))?;
        let mut rec = Vec::with_capacity(names.len());
        for c in &schema.columns {
            let v = match o.get(&c.name) {
                None | Some(J::Null) => Value::Null,
                Some(J::Bool(b)) => Value::Bool(*b),
                Some(J::Number(n)) => match n.as_i64() {
                    Some(x) => Value::Int(x),
                    None => n.as_f64().map_or(Value::Null, Value::Float),
                },
                Some(J::String(s)) => Value::Str(s.clone()),
                Some(_) => {
                    return Err(RowsError::Invalid(format!(
                        "row {i}, column '{}': nested values are not accepted",
                        c.name
                    )));
                }
            };
            rec.push(cell(c.kind, v, i, &c.name)?);
        }
        records.push(rec);
    }
    let frame =
        Frame::from_records(&names, &records).map_err(|e| RowsError::Invalid(e.to_string()))?;
    Ok((frame, id_column(schema)))
}

/// Builds a frame from columns of values (one tensor per column, as the Open Inference
/// Protocol sends them), checked against the schema like the other bodies.
///
/// # Errors
/// [`RowsError::Invalid`] when the columns differ in length, there are no rows, a column is
/// unknown or missing, or a value in a numeric column is not a number (naming the row and
/// column); [`RowsError::TooMany`] above `max_rows` rows.
pub fn column_rows(
    columns: Vec<(String, Vec<Value>)>,
    schema: &Schema,
    target: &str,
    max_rows: usize,
) -> Result<(Frame, Option<String>), RowsError> {
    let n = columns.first().map_or(0, |(_, v)| v.len());
    if let Some((name, v)) = columns.iter().find(|(_, v)| v.len() != n) {
        return Err(RowsError::Invalid(format!(
            "input '{name}' has {} values but '{}' has {n}; send one value per row for every \
             column",
            v.len(),
            columns.first().map_or("", |(c, _)| c.as_str())
        )));
    }
    if n > max_rows {
        return Err(RowsError::TooMany(n));
    }
    if n == 0 {
        return Err(RowsError::Invalid("no rows to predict".into()));
    }
    let present: BTreeSet<String> = columns.iter().map(|(c, _)| c.clone()).collect();
    check_columns(&present, schema, target)?;
    let names: Vec<String> = schema.columns.iter().map(|c| c.name.clone()).collect();
    let mut by_schema: Vec<std::vec::IntoIter<Value>> = Vec::with_capacity(names.len());
    let mut columns = columns;
    for c in &schema.columns {
        let i = columns.iter().position(|(name, _)| *name == c.name);
        let values = i.map(|i| columns.swap_remove(i).1).unwrap_or_default();
        by_schema.push(values.into_iter());
    }
    let mut records = Vec::with_capacity(n);
    for row in 0..n {
        let mut rec = Vec::with_capacity(names.len());
        for (c, it) in schema.columns.iter().zip(by_schema.iter_mut()) {
            rec.push(cell(
                c.kind,
                it.next().unwrap_or(Value::Null),
                row,
                &c.name,
            )?);
        }
        records.push(rec);
    }
    let frame =
        Frame::from_records(&names, &records).map_err(|e| RowsError::Invalid(e.to_string()))?;
    Ok((frame, id_column(schema)))
}

/// Reads CSV text with a header row (comma-separated, quotes as RFC 4180).
///
/// # Errors
/// [`RowsError::Bad`] for malformed CSV (naming the line) or an empty body; [`RowsError::TooMany`]
/// above `max_rows` data rows (the count it carries is at most `max_rows + 1`);
/// [`RowsError::Invalid`] for a header without rows, an unknown or missing column, a row whose
/// field count differs from the header's, or a value in a numeric column that is not a number.
pub fn csv_rows(
    text: &str,
    schema: &Schema,
    target: &str,
    max_rows: usize,
) -> Result<(Frame, Option<String>), RowsError> {
    // RFC 4180 records read by the `csv` crate (quotes, embedded commas and line breaks), as
    // training files are; field counts are checked below, with the row named.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records: Vec<Vec<String>> = Vec::new();
    for (i, rec) in reader
        .records()
        .take(max_rows.saturating_add(2))
        .enumerate()
    {
        let rec = rec.map_err(|e| {
            RowsError::Bad(format!(
                "CSV line {}: {e}",
                e.position().map_or(i as u64 + 1, |p| p.line())
            ))
        })?;
        records.push(rec.iter().map(str::to_string).collect());
    }
    let mut it = records
        .into_iter()
        .filter(|r| !(r.len() == 1 && r.first().is_some_and(String::is_empty)));
    let header = it.next().ok_or_else(|| {
        RowsError::Bad("the CSV body is empty; send a header row and data rows".into())
    })?;
    let body: Vec<Vec<String>> = it.collect();
    if body.len() > max_rows {
        return Err(RowsError::TooMany(body.len()));
    }
    if body.is_empty() {
        return Err(RowsError::Invalid(
            "the CSV body has a header but no rows".into(),
        ));
    }
    let present: BTreeSet<String> = header.iter().map(|h| h.trim().to_string()).collect();
    check_columns(&present, schema, target)?;
    let index: Vec<Option<usize>> = schema
        .columns
        .iter()
        .map(|c| header.iter().position(|h| h.trim() == c.name))
        .collect();
    let names: Vec<String> = schema.columns.iter().map(|c| c.name.clone()).collect();
    let mut records = Vec::with_capacity(body.len());
    for (i, r) in body.iter().enumerate() {
        if r.len() != header.len() {
            return Err(RowsError::Invalid(format!(
                "CSV row {i} has {} fields; the header has {}",
                r.len(),
                header.len()
            )));
        }
        let mut rec = Vec::with_capacity(names.len());
        for (c, idx) in schema.columns.iter().zip(&index) {
            let raw = idx.and_then(|j| r.get(j)).map_or("", String::as_str);
            // Missing as the training reader has it: an empty field or a null spelling.
            let v = if raw.is_empty() || NULL_SPELLINGS.contains(&raw) {
                Value::Null
            } else {
                Value::Str(raw.to_string())
            };
            rec.push(cell(c.kind, v, i, &c.name)?);
        }
        records.push(rec);
    }
    let frame =
        Frame::from_records(&names, &records).map_err(|e| RowsError::Invalid(e.to_string()))?;
    Ok((frame, id_column(schema)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use mlpilot_core::ColumnSchema;

    fn schema() -> Schema {
        let col = |name: &str, kind: ColumnKind, dtype: &str| ColumnSchema {
            name: name.into(),
            kind,
            dtype: dtype.into(),
            nullable: true,
        };
        Schema {
            columns: vec![
                col("name", ColumnKind::Text, "str"),
                col("age", ColumnKind::Float, "float"),
            ],
        }
    }

    #[test]
    fn csv_bodies_are_read_as_rfc_4180() {
        // A quoted comma, a doubled quote, a quoted line break, CRLF line ends, a blank line.
        let text = "name,age\r\n\"Braund, Mr. \"\"Owen\"\"\",22\r\n\r\n\"two\nlines\",\r\n";
        let (frame, _) = csv_rows(text, &schema(), "survived", 10).unwrap();
        let names = frame.require("name").unwrap();
        assert_eq!(frame.n_rows(), 2);
        assert_eq!(names.str_at(0).unwrap(), "Braund, Mr. \"Owen\"");
        assert_eq!(names.str_at(1).unwrap(), "two\nlines");
        assert_eq!(frame.require("age").unwrap().f64_at(1), None);
        // A row with a field too many is named.
        let err = csv_rows("name,age\nA,1,2\n", &schema(), "survived", 10).unwrap_err();
        assert!(matches!(err, RowsError::Invalid(m) if m.contains("CSV row 0 has 3 fields")));
    }

    #[test]
    fn words_for_no_value_reach_the_pipeline_and_other_words_are_refused() {
        // CSV: the training reader's null spellings are missing in every column, as in training.
        let (frame, _) = csv_rows("name,age\nNA,N/A\nnull,3\n", &schema(), "y", 10).unwrap();
        assert_eq!(frame.require("name").unwrap().null_count(), 2);
        assert_eq!(frame.require("age").unwrap().null_count(), 1);
        // Other words for "no value" stay text for the pipeline, which reads them as missing
        // with a warning; in JSON and in CSV, in a one-row batch.
        for word in ["n/a", "?", "-", "none", "unknown"] {
            let body = serde_json::json!({"rows": [{"name": "a", "age": word}]});
            let (frame, _) = json_rows(&body, &schema(), "y", 10).unwrap();
            assert_eq!(
                frame.require("age").unwrap().str_at(0).as_deref(),
                Some(word)
            );
            let (frame, _) =
                csv_rows(&format!("name,age\na,{word}\n"), &schema(), "y", 10).unwrap();
            assert_eq!(
                frame.require("age").unwrap().str_at(0).as_deref(),
                Some(word)
            );
        }
        // Any other text in a numeric column is refused, naming the row, column and value.
        let body =
            serde_json::json!({"rows": [{"name": "a", "age": 3}, {"name": "b", "age": "old"}]});
        let err = json_rows(&body, &schema(), "y", 10).unwrap_err();
        assert!(
            matches!(&err, RowsError::Invalid(m) if m.contains("row 1, column 'age': 'old' is not a number")),
            "{err:?}"
        );
    }
}
