//! CSV/TSV reading: delimiter and header sniffing, then polars' reader.
//!
//! The fast path is polars' multi-threaded reader on the file as it is. Only when that fails
//! does the loader look closer: invalid UTF-8 is decoded as Latin-1 (with a note), a column
//! whose later rows do not parse as the type inferred from the first rows is re-read with a
//! full-file schema scan, and ragged rows are read with the extra fields dropped (with a note).

use std::io::{Cursor, Read};
use std::path::Path;

use mlpilot_core::frame::NULL_SPELLINGS;
use mlpilot_core::{Error, ErrorKind, Result};
use polars::prelude::*;

/// What sniffing found in the first part of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    /// The field separator.
    pub delimiter: u8,
    /// Whether the first row names the columns.
    pub has_header: bool,
    /// The header's field names (when there is a header).
    pub header: Vec<String>,
}

const SNIFF_BYTES: usize = 64 * 1024;

/// Reads a CSV file into a polars DataFrame; `notes` receives what the reader had to work
/// around.
///
/// # Errors
/// As [`read_csv_with`].
pub fn read_csv(path: &Path, notes: &mut Vec<String>) -> Result<DataFrame> {
    Ok(read_csv_with(path, &[], notes)?.0)
}

/// As [`read_csv`], keeping the columns named in `keep_text` exactly as written (no type
/// inference: `True` stays `True`, `01` stays `01`), and returning the dialect found.
///
/// Column names come from the header as the CSV rules write them: quotes removed and doubled
/// quotes undone once (`"say ""hi"""` is the column `say "hi"`), the same as every other
/// reader (JSON, the CSV bodies of `mlpilot serve`).
///
/// # Errors
/// An empty, binary or malformed file, naming the file.
pub fn read_csv_with(
    path: &Path,
    keep_text: &[String],
    notes: &mut Vec<String>,
) -> Result<(DataFrame, Dialect)> {
    let shown = path.display().to_string();
    let head = read_head(path)?;
    if head.is_empty() {
        return Err(Error::invalid_input(format!(
            "file `{shown}` is empty; a table needs a header row and at least one data row"
        ))
        .with_context("file", &shown));
    }
    if head.contains(&0) {
        return Err(Error::new(
            ErrorKind::Format,
            format!(
                "file `{shown}` looks binary (it contains NUL bytes), not delimited text; pass a \
                 CSV, Parquet, JSON or SQLite file"
            ),
        )
        .with_context("file", &shown));
    }
    let head_text = match std::str::from_utf8(&head) {
        Ok(t) => t.to_string(),
        // A multi-byte character may be cut at the end of the sniffed block.
        Err(e) if e.error_len().is_none() => {
            String::from_utf8_lossy(head.get(..e.valid_up_to()).unwrap_or(&[])).into_owned()
        }
        Err(_) => latin1_to_utf8(&head),
    };
    let default_delim = match path.extension().and_then(|e| e.to_str()) {
        Some("tsv" | "tab") => Some(b'\t'),
        _ => None,
    };
    let dialect = sniff(&head_text, default_delim);
    let names = dedup_names(&dialect.header, notes);
    let text_schema = text_overrides(path, &dialect, names.as_deref(), keep_text);
    // Missing-value markers other than the empty field, honoured only when the start of the
    // file uses them: checking every field against them costs polars a third of its speed.
    // Markers that appear only later leave their column as text, where profiling counts them
    // as non-numeric values treated as missing.
    let null_tokens = used_null_tokens(&head_text, dialect.delimiter);

    let attempt =
        |data: Option<&[u8]>, full_schema: bool, truncate: bool| -> PolarsResult<DataFrame> {
            let opts = CsvReadOptions::default()
                .with_has_header(dialect.has_header)
                .with_schema_overwrite(text_schema.clone())
                .with_infer_schema_length(if full_schema { None } else { Some(1000) })
                .map_parse_options(|p| {
                    let p = p
                        .with_separator(dialect.delimiter)
                        .with_truncate_ragged_lines(truncate);
                    if null_tokens.is_empty() {
                        p
                    } else {
                        p.with_null_values(Some(NullValues::AllColumns(
                            null_tokens.iter().map(|s| PlSmallStr::from(*s)).collect(),
                        )))
                    }
                });
            match data {
                None => opts
                    .try_into_reader_with_file_path(Some(path.to_path_buf()))?
                    .finish(),
                Some(bytes) => opts
                    .into_reader_with_file_handle(Cursor::new(bytes.to_vec()))
                    .finish(),
            }
        };

    let finish = |df: DataFrame| {
        finish(rename(df, names.as_deref()), &shown).map(|df| (df, dialect.clone()))
    };
    let first = attempt(None, false, false);
    let err = match first {
        Ok(df) => return finish(df),
        Err(e) => e,
    };
    let msg = err.to_string();
    // Decide what went wrong and retry once with the matching remedy.
    let mut owned: Option<Vec<u8>> = None;
    if is_utf8_error(&msg) {
        let bytes = std::fs::read(path).map_err(|e| Error::from(e).with_context("file", &shown))?;
        if std::str::from_utf8(&bytes).is_err() {
            notes.push(format!(
                "`{shown}` is not valid UTF-8; it was decoded as Latin-1 (ISO-8859-1)"
            ));
            owned = Some(latin1_to_utf8(&bytes).into_bytes());
        }
    }
    let data = owned.as_deref();
    let retry = attempt(data, true, false);
    let err2 = match retry {
        Ok(df) => {
            if owned.is_none() {
                notes.push("some columns mix numbers and words further down the file; they were read as text".into());
            }
            return finish(df);
        }
        Err(e) => e,
    };
    if (is_ragged_error(&err2.to_string()) || is_ragged_error(&msg))
        && let Ok(df) = attempt(data, true, true)
    {
        notes.push(
            "some rows have more fields than the header; the extra fields were ignored".into(),
        );
        return finish(df);
    }
    Err(polars_error(&shown, &err2))
}

/// Applies the de-duplicated header names (polars' own renaming differs) when they fit.
fn rename(mut df: DataFrame, names: Option<&[String]>) -> DataFrame {
    if let Some(n) = names
        && n.len() == df.width()
    {
        let _ = df.set_column_names(n);
    }
    df
}

/// A schema that reads the `keep_text` columns as text, under the names polars gives them
/// (its header parsing differs from ours for quoted names, so they are looked up by position).
fn text_overrides(
    path: &Path,
    dialect: &Dialect,
    names: Option<&[String]>,
    keep_text: &[String],
) -> Option<SchemaRef> {
    let names = names?;
    let positions: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| keep_text.contains(n))
        .map(|(i, _)| i)
        .collect();
    if positions.is_empty() {
        return None;
    }
    // Every column as text (no inference), so that no value of the first row can fail.
    let head = CsvReadOptions::default()
        .with_has_header(true)
        .with_n_rows(Some(1))
        .with_infer_schema_length(Some(0))
        .map_parse_options(|p| p.with_separator(dialect.delimiter))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .ok()?
        .finish()
        .ok()?;
    let polars_names = head.get_column_names_owned();
    let mut schema = Schema::default();
    for i in positions {
        if let Some(n) = polars_names.get(i) {
            schema.with_column(n.clone(), DataType::String);
        }
    }
    Some(Arc::new(schema))
}

/// The missing-value markers that occur as whole fields in `head`.
fn used_null_tokens(head: &str, delimiter: u8) -> Vec<&'static str> {
    let records = split_records(head, delimiter as char, 2000);
    NULL_SPELLINGS
        .iter()
        .copied()
        .filter(|t| records.iter().skip(1).any(|r| r.iter().any(|f| f == t)))
        .collect()
}

fn finish(df: DataFrame, shown: &str) -> Result<DataFrame> {
    if df.height() == 0 {
        return Err(Error::invalid_input(format!(
            "file `{shown}` has a header but no data rows; add rows to train on"
        ))
        .with_context("file", shown));
    }
    Ok(df)
}

fn is_utf8_error(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("utf-8") || m.contains("utf8")
}

fn is_ragged_error(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("more fields") || m.contains("ragged") || m.contains("field count")
}

/// Maps a polars error on `file` to an mlpilot error that names it.
pub fn polars_error(file: &str, err: &PolarsError) -> Error {
    let msg = err.to_string();
    let first_line = msg.lines().next().unwrap_or("").trim();
    let kind = match err {
        PolarsError::IO { .. } => ErrorKind::Io,
        PolarsError::NoData(_) => ErrorKind::InvalidInput,
        _ => ErrorKind::Format,
    };
    let hint = if msg.to_ascii_lowercase().contains("empty") {
        "; the file holds no data"
    } else {
        "; check that the file is well-formed"
    };
    Error::new(kind, format!("could not read `{file}`: {first_line}{hint}"))
        .with_context("file", file)
}

fn read_head(path: &Path) -> Result<Vec<u8>> {
    let shown = path.display().to_string();
    let mut f =
        std::fs::File::open(path).map_err(|e| Error::from(e).with_context("file", &shown))?;
    let mut buf = Vec::with_capacity(SNIFF_BYTES);
    f.by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut buf)
        .map_err(|e| Error::from(e).with_context("file", &shown))?;
    Ok(buf)
}

/// Decodes Latin-1 (ISO-8859-1) bytes: every byte is the code point of the same value.
pub fn latin1_to_utf8(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Splits CSV text into records of fields, honouring double quotes (a quoted field may hold
/// separators, doubled quotes and newlines). Stops after `max_records`.
pub fn split_records(text: &str, delim: char, max_records: usize) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut field = String::new();
    let mut record = Vec::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => in_quotes = true,
            c if c == delim => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                if records.len() >= max_records {
                    return records;
                }
            }
            c => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Guesses the delimiter and whether there is a header from the first part of a file.
///
/// The delimiter is the candidate (`,` `\t` `;` `|`) that splits the sampled rows into the same
/// number (> 1) of fields most consistently; the first row is a header when, in the columns
/// whose other values are numbers, it holds words — or when every value in it is a distinct
/// word while some other row holds a number.
pub fn sniff(text: &str, default_delimiter: Option<u8>) -> Dialect {
    // Drop a possibly incomplete last line.
    let text = match text.rfind('\n') {
        Some(i) if i + 1 < text.len() => text.get(..=i).unwrap_or(text),
        _ => text,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut best: Option<(u8, f64)> = None;
    for d in [b',', b'\t', b';', b'|'] {
        let recs = split_records(text, d as char, 50);
        let counts: Vec<usize> = recs
            .iter()
            .filter(|r| !(r.len() == 1 && r.first().is_some_and(String::is_empty)))
            .map(Vec::len)
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first < 2 {
            continue;
        }
        let consistent =
            counts.iter().filter(|&&c| c == first).count() as f64 / counts.len() as f64;
        let score = consistent * 10.0 + (first as f64).min(50.0) / 50.0;
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((d, score));
        }
    }
    let delimiter = match (default_delimiter, best) {
        (Some(d), Some((b, s))) if b != d && s < 9.0 => d,
        (Some(d), None) => d,
        (_, Some((b, _))) => b,
        (None, None) => b',',
    };
    let recs = split_records(text, delimiter as char, 50);
    let has_header = detect_header(&recs);
    let header = if has_header {
        recs.first().cloned().unwrap_or_default()
    } else {
        Vec::new()
    };
    Dialect {
        delimiter,
        has_header,
        header,
    }
}

fn looks_numeric(s: &str) -> bool {
    let t = s.trim();
    !t.is_empty() && t.parse::<f64>().is_ok()
}

fn detect_header(recs: &[Vec<String>]) -> bool {
    let Some((first, rest)) = recs.split_first() else {
        return true;
    };
    if rest.is_empty() {
        return true;
    }
    let mut votes = 0i32;
    for (j, h) in first.iter().enumerate() {
        let col: Vec<&str> = rest
            .iter()
            .filter_map(|r| r.get(j))
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
            .collect();
        if col.is_empty() {
            continue;
        }
        let numeric_below = col.iter().all(|v| looks_numeric(v));
        if numeric_below {
            votes += if looks_numeric(h) { -1 } else { 1 };
        } else if h.trim().is_empty() {
            votes -= 1;
        }
    }
    if votes != 0 {
        return votes > 0;
    }
    // No numeric columns to decide by: a header has distinct, non-empty, non-numeric names
    // that do not recur as values below.
    let mut seen = std::collections::HashSet::new();
    let distinct_words = first
        .iter()
        .all(|h| !h.trim().is_empty() && !looks_numeric(h) && seen.insert(h.as_str()));
    let recur = first
        .iter()
        .enumerate()
        .any(|(j, h)| rest.iter().any(|r| r.get(j) == Some(h)));
    distinct_words && !recur
}

/// The header's names with repeats renamed (`a`, `a` → `a`, `a_2`, with a note) and empty
/// names filled in (`column_3`); `None` when there is no header.
fn dedup_names(header: &[String], notes: &mut Vec<String>) -> Option<Vec<String>> {
    if header.is_empty() {
        return None;
    }
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(header.len());
    let mut renamed = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let base = if h.trim().is_empty() {
            format!("column_{}", i + 1)
        } else {
            h.clone()
        };
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            out.push(base);
        } else {
            let mut k = *n;
            let mut name = format!("{base}_{k}");
            while header.contains(&name) || out.contains(&name) {
                k += 1;
                name = format!("{base}_{k}");
            }
            renamed.push(format!("`{base}` → `{name}`"));
            out.push(name);
        }
    }
    if !renamed.is_empty() {
        notes.push(format!(
            "repeated column names were renamed: {}",
            renamed.join(", ")
        ));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff("a,b,c\n1,2,3\n4,5,6\n", None).delimiter, b',');
        assert_eq!(sniff("a;b;c\n1,5;2;3\n4;5;6\n", None).delimiter, b';');
        assert_eq!(sniff("a\tb\n1\t2\n", None).delimiter, b'\t');
        assert_eq!(sniff("a|b\n1|2\n", None).delimiter, b'|');
        // Quoted separators do not count.
        assert_eq!(
            sniff("name;city\n\"Smith, J\";Paris\n\"Doe, A\";Rome\n", None).delimiter,
            b';'
        );
    }

    #[test]
    fn detects_headers() {
        assert!(sniff("age,name\n3,bob\n4,al\n", None).has_header);
        assert!(!sniff("1,2\n3,4\n", None).has_header);
        assert!(!sniff("3,bob\n4,al\n5,cy\n", None).has_header);
        assert!(sniff("city,country\nParis,France\nRome,Italy\n", None).has_header);
        assert!(!sniff("Paris,France\nParis,Italy\n", None).has_header);
    }

    #[test]
    fn splits_quoted_fields() {
        let r = split_records("a,\"b,\"\"c\"\"\nd\",e\n1,2,3", ',', 10);
        assert_eq!(r[0], vec!["a", "b,\"c\"\nd", "e"]);
        assert_eq!(r[1], vec!["1", "2", "3"]);
    }

    #[test]
    fn dedups_names() {
        let mut notes = vec![];
        let out = dedup_names(&["a".into(), "a".into(), "".into()], &mut notes).unwrap();
        assert_eq!(out, vec!["a", "a_2", "column_3"]);
        assert_eq!(notes.len(), 1);
        assert_eq!(
            dedup_names(&["a".into(), "b".into()], &mut notes).unwrap(),
            vec!["a", "b"]
        );
        assert_eq!(notes.len(), 1);
        assert!(dedup_names(&[], &mut notes).is_none());
    }

    #[test]
    fn latin1_decodes_every_byte() {
        assert_eq!(latin1_to_utf8(&[0x63, 0x61, 0x66, 0xe9]), "café");
    }
}
