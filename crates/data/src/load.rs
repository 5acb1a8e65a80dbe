//! The one entry point for loading data: [`load`].

use std::fs::File;
use std::io::Read;
use std::path::Path;

use mlpilot_core::{Error, ErrorKind, Frame, Result};
use polars::prelude as pl;
use polars::prelude::SerReader;

use crate::convert::{dataframe_to_frame, frame_to_dataframe};
use crate::csv::{polars_error, read_csv_with};
use crate::source::{Format, Source};

/// A loaded table, still in the form its reader produced.
#[derive(Debug, Clone)]
pub struct Table {
    data: TableData,
    /// The source as given.
    pub source: String,
    /// The format it was read as.
    pub format: Format,
    /// What the reader had to work around (encoding fallback, renamed columns, ...).
    pub notes: Vec<String>,
    /// Columns the reader converted, with the reason (numbers written with decimal commas, …),
    /// which profiling puts before its own.
    pub conversions: Vec<(String, mlpilot_core::facts::NumberReading)>,
}

#[derive(Debug, Clone)]
enum TableData {
    Polars(pl::DataFrame),
    Frame(Frame),
}

impl Table {
    /// Rows.
    pub fn n_rows(&self) -> usize {
        match &self.data {
            TableData::Polars(df) => df.height(),
            TableData::Frame(f) => f.n_rows(),
        }
    }

    /// Columns.
    pub fn n_cols(&self) -> usize {
        match &self.data {
            TableData::Polars(df) => df.width(),
            TableData::Frame(f) => f.n_cols(),
        }
    }

    /// Whether the reader produced a polars DataFrame (CSV, Parquet, JSON) rather than a frame
    /// (SQLite, text folders).
    pub fn is_polars(&self) -> bool {
        matches!(self.data, TableData::Polars(_))
    }

    /// The table as a polars DataFrame.
    ///
    /// # Errors
    /// When a frame read from SQLite or a text folder cannot be converted (see
    /// [`frame_to_dataframe`]); never for a table polars read.
    pub fn into_dataframe(self) -> Result<pl::DataFrame> {
        match self.data {
            TableData::Polars(df) => Ok(df),
            TableData::Frame(f) => frame_to_dataframe(&f),
        }
    }

    /// The table as an mlpilot [`Frame`].
    ///
    /// # Errors
    /// An invalid-input error naming the column (and the file) when a polars column cannot be
    /// converted (see [`dataframe_to_frame`]); never for a table read as a frame.
    pub fn into_frame(self) -> Result<Frame> {
        let source = self.source;
        match self.data {
            TableData::Polars(df) => {
                dataframe_to_frame(df).map_err(|e| e.with_context("file", &source))
            }
            TableData::Frame(f) => Ok(f),
        }
    }

    /// Approximate bytes the table occupies in memory.
    pub fn estimated_size(&self) -> usize {
        match &self.data {
            TableData::Polars(df) => df.estimated_size(),
            TableData::Frame(f) => f.columns().iter().map(column_bytes).sum(),
        }
    }
}

fn column_bytes(c: &mlpilot_core::Column) -> usize {
    use mlpilot_core::ColumnData as D;
    match c.data() {
        D::Bool(v) => v.len() * 2,
        D::Int(v) | D::Datetime(v) => v.len() * 16,
        D::Float(v) => v.len() * 16,
        D::Str(v) => v.len() * 4 + v.dict().iter().map(|s| 24 + s.len()).sum::<usize>(),
    }
}

/// How to read a source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Columns read exactly as written, without type inference: the target, so that labels
    /// come back as the file spells them (`True`, `01`, `2.50`).
    pub keep_text: Vec<String>,
    /// The decimal mark of numbers written as text: `Some(true)` decimal commas (`12,5`),
    /// `Some(false)` decimal points; `None` decides from the values (and, when they read
    /// either way, from the separator: `;` means decimal commas).
    pub decimal_comma: Option<bool>,
}

impl LoadOptions {
    /// Options that keep `column` (when given) as written.
    pub fn keeping(column: Option<&str>) -> LoadOptions {
        LoadOptions {
            keep_text: column.into_iter().map(str::to_string).collect(),
            decimal_comma: None,
        }
    }
}

/// Loads a path (or a `sqlite://` URL; no other URL schemes): CSV/TSV, Parquet, JSON (an array of records), NDJSON, a folder of text
/// documents, or `sqlite://PATH?table=T` / `sqlite://PATH?query=SELECT …`.
///
/// Every failure names the file (and the row, column, table or query when known) and says what
/// to do.
///
/// # Errors
/// A not-found error when the path does not exist, an unsupported error for URLs other than
/// `sqlite://`, a format or invalid-input error when the file is empty, binary or malformed (or a
/// SQLite file named without a table or query), a not-found or invalid-input error for a missing
/// table or a query SQLite rejects, and an invalid-input error when the source holds no rows or
/// no columns.
pub fn load(spec: &str) -> Result<Table> {
    load_with(spec, &LoadOptions::default())
}

/// As [`load`], with [`LoadOptions`]. Text columns of CSV, JSON and Parquet files that hold
/// numbers with thousands separators or decimal commas are read as numbers, with a note each
/// (see [`crate::locale`]).
///
/// # Errors
/// As [`load`].
pub fn load_with(spec: &str, opts: &LoadOptions) -> Result<Table> {
    let source = Source::parse(spec)?;
    let mut notes = Vec::new();
    let mut semicolons = false;
    let mut data = match &source {
        Source::File {
            path,
            format: Format::Csv,
        } => {
            let (df, dialect) = read_csv_with(path, &opts.keep_text, &mut notes)?;
            semicolons = dialect.delimiter == b';';
            TableData::Polars(df)
        }
        Source::File {
            path,
            format: Format::Parquet,
        } => TableData::Polars(read_parquet(path)?),
        Source::File {
            path,
            format: Format::Json,
        } => TableData::Polars(read_json(path, false)?),
        Source::File {
            path,
            format: Format::Ndjson,
        } => TableData::Polars(read_json(path, true)?),
        Source::File {
            path,
            format: Format::Sqlite,
        } => {
            return Err(Error::invalid_input(format!(
                "`{}` is a SQLite database; say which table or query to read: \
                 sqlite://{}?table=T or sqlite://{}?query=SELECT …",
                path.display(),
                path.display(),
                path.display()
            )));
        }
        Source::File {
            path,
            format: Format::TextFolder,
        }
        | Source::TextFolder(path) => TableData::Frame(crate::textdir::read_text_folder(path)?),
        Source::Sqlite { path, select } => {
            TableData::Frame(crate::sqlite::read_sqlite(path, select)?)
        }
    };
    let mut conversions = Vec::new();
    if let TableData::Polars(df) = &mut data {
        conversions = crate::locale::convert_locale_numbers(
            df,
            &opts.keep_text,
            opts.decimal_comma,
            semicolons,
            &mut notes,
        )?;
    }
    let table = Table {
        data,
        source: spec.to_string(),
        format: source.format(),
        notes,
        conversions,
    };
    if table.n_rows() == 0 {
        return Err(
            Error::invalid_input(format!("`{spec}` holds no rows")).with_context("file", spec)
        );
    }
    if table.n_cols() == 0 {
        return Err(
            Error::invalid_input(format!("`{spec}` holds no columns")).with_context("file", spec)
        );
    }
    Ok(table)
}

/// Loads a source straight into a [`Frame`], returning the reader's notes too.
///
/// # Errors
/// As [`load`], or when a column cannot be converted into a [`Frame`] (see
/// [`dataframe_to_frame`]).
pub fn load_frame(spec: &str) -> Result<(Frame, Vec<String>)> {
    load_frame_with(spec, &LoadOptions::default())
}

/// As [`load_frame`], with [`LoadOptions`].
///
/// # Errors
/// As [`load`].
pub fn load_frame_with(spec: &str, opts: &LoadOptions) -> Result<(Frame, Vec<String>)> {
    let table = load_with(spec, opts)?;
    let notes = table.notes.clone();
    Ok((table.into_frame()?, notes))
}

fn read_parquet(path: &Path) -> Result<pl::DataFrame> {
    let shown = path.display().to_string();
    let mut magic = [0u8; 4];
    let ok = File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == b"PAR1";
    if !ok {
        return Err(Error::new(
            ErrorKind::Format,
            format!(
                "`{shown}` is not a Parquet file (it does not start with the PAR1 marker); if it \
                 is text, give it a .csv or .json extension"
            ),
        )
        .with_context("file", &shown));
    }
    let file = File::open(path).map_err(|e| Error::from(e).with_context("file", &shown))?;
    pl::ParquetReader::new(file)
        .finish()
        .map_err(|e| polars_error(&shown, &e))
}

fn read_json(path: &Path, lines: bool) -> Result<pl::DataFrame> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::from(e).with_context("file", &shown))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::invalid_input(format!(
            "file `{shown}` is empty; it needs at least one JSON record"
        ))
        .with_context("file", &shown));
    }
    // Validate first with serde_json: its messages give the line and column of a syntax error.
    if lines {
        for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<serde_json::Value>(line) {
                Ok(serde_json::Value::Object(_)) => {}
                Ok(_) => {
                    return Err(Error::new(
                        ErrorKind::Format,
                        format!(
                            "`{shown}` line {}: expected a JSON object (one record per line)",
                            i + 1
                        ),
                    )
                    .with_context("file", &shown)
                    .with_context("row", i + 1));
                }
                Err(e) => {
                    return Err(Error::new(
                        ErrorKind::Format,
                        format!("`{shown}` line {}: malformed JSON: {e}", i + 1),
                    )
                    .with_context("file", &shown)
                    .with_context("row", i + 1));
                }
            }
        }
    } else {
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(serde_json::Value::Array(items)) => {
                if items.is_empty() {
                    return Err(Error::invalid_input(format!(
                        "`{shown}` is an empty JSON array; it needs records"
                    ))
                    .with_context("file", &shown));
                }
                if let Some(i) = items.iter().position(|v| !v.is_object()) {
                    return Err(Error::new(
                        ErrorKind::Format,
                        format!("`{shown}`: item {i} of the array is not a record (a JSON object)"),
                    )
                    .with_context("file", &shown)
                    .with_context("row", i));
                }
            }
            Ok(_) => {
                return Err(Error::new(
                    ErrorKind::Format,
                    format!("`{shown}`: expected a JSON array of records like [{{\"a\": 1}}, …]"),
                )
                .with_context("file", &shown));
            }
            Err(e) => {
                return Err(Error::new(
                    ErrorKind::Format,
                    format!("`{shown}` is malformed JSON: {e}"),
                )
                .with_context("file", &shown));
            }
        }
    }
    let format = if lines {
        pl::JsonFormat::JsonLines
    } else {
        pl::JsonFormat::Json
    };
    pl::JsonReader::new(std::io::Cursor::new(bytes))
        .with_json_format(format)
        .infer_schema_len(None)
        .finish()
        .map_err(|e| polars_error(&shown, &e))
}
