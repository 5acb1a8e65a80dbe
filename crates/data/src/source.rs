//! What a DATA argument names: a file of some format, a folder of texts, or a SQLite query.

use std::fmt;
use std::path::{Path, PathBuf};

use mlpilot_core::{Error, ErrorKind, Result};

/// The format of a data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-, tab-, semicolon- or pipe-separated text.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// A JSON array of records.
    Json,
    /// One JSON record per line.
    Ndjson,
    /// A folder of text documents.
    TextFolder,
    /// A SQLite table or query.
    Sqlite,
}

impl Format {
    /// The format's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::TextFolder => "text folder",
            Format::Sqlite => "sqlite",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to read from a SQLite database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteSelect {
    /// A whole table (or view).
    Table(String),
    /// The rows of a query.
    Query(String),
}

/// A parsed DATA argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file in a known format.
    File {
        /// The path.
        path: PathBuf,
        /// The format.
        format: Format,
    },
    /// A folder of text documents.
    TextFolder(PathBuf),
    /// A SQLite database URL.
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What to read.
        select: SqliteSelect,
    },
}

impl Source {
    /// Parses a path or `sqlite://PATH?table=T` / `sqlite://PATH?query=SELECT …` URL.
    ///
    /// The format of a file comes from its extension (`.csv`, `.tsv`, `.txt`, `.parquet`,
    /// `.pq`, `.json`, `.ndjson`, `.jsonl`); other files are sniffed by their first bytes.
    ///
    /// # Errors
    /// An unsupported error for URLs other than `sqlite://`; an invalid-input error for a
    /// `sqlite://` URL without a path, with an unknown parameter, or without `table` or `query`; a
    /// not-found (or i/o) error when a path cannot be opened, naming it.
    ///
    /// ```
    /// use mlpilot_data::source::{Source, SqliteSelect};
    /// let s = Source::parse("sqlite://shop.db?query=SELECT%20*%20FROM%20orders").unwrap();
    /// assert!(matches!(s, Source::Sqlite { select: SqliteSelect::Query(q), .. } if q == "SELECT * FROM orders"));
    /// ```
    pub fn parse(spec: &str) -> Result<Source> {
        if let Some(rest) = spec.strip_prefix("sqlite://") {
            return parse_sqlite(spec, rest);
        }
        if spec.contains("://") {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "`{spec}`: only local paths and sqlite:// URLs are supported; download the file \
                     first and pass its path"
                ),
            ));
        }
        let path = PathBuf::from(spec);
        let meta = std::fs::metadata(&path).map_err(|e| {
            let kind = if e.kind() == std::io::ErrorKind::NotFound {
                ErrorKind::NotFound
            } else {
                ErrorKind::Io
            };
            Error::new(kind, format!("cannot open `{spec}`: {}", describe_io(&e)))
                .with_context("file", spec)
        })?;
        if meta.is_dir() {
            return Ok(Source::TextFolder(path));
        }
        let format = format_from_extension(&path).map_or_else(|| sniff_format(&path), Ok)?;
        Ok(Source::File { path, format })
    }

    /// The format.
    pub fn format(&self) -> Format {
        match self {
            Source::File { format, .. } => *format,
            Source::TextFolder(_) => Format::TextFolder,
            Source::Sqlite { .. } => Format::Sqlite,
        }
    }
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder; check the path".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

fn format_from_extension(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "csv" | "tsv" | "tab" | "txt" | "dat" => Format::Csv,
        "parquet" | "pq" => Format::Parquet,
        "json" => Format::Json,
        "ndjson" | "jsonl" => Format::Ndjson,
        "db" | "sqlite" | "sqlite3" => Format::Sqlite,
        _ => return None,
    })
}

fn sniff_format(path: &Path) -> Result<Format> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| Error::from(e).with_context("file", path.display()))?;
    let head = head.get(..n).unwrap_or(&[]);
    if head.starts_with(b"PAR1") {
        return Ok(Format::Parquet);
    }
    if head.starts_with(b"SQLite format 3") {
        return Ok(Format::Sqlite);
    }
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    Ok(match first {
        Some(b'[') => Format::Json,
        Some(b'{') => Format::Ndjson,
        _ => Format::Csv,
    })
}

fn parse_sqlite(spec: &str, rest: &str) -> Result<Source> {
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() {
        return Err(Error::invalid_input(format!(
            "`{spec}` names no database file; use sqlite://PATH?table=T or sqlite://PATH?query=SELECT …"
        )));
    }
    let mut select = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v);
        match k {
            "table" => select = Some(SqliteSelect::Table(v)),
            "query" => select = Some(SqliteSelect::Query(v)),
            other => {
                return Err(Error::invalid_input(format!(
                    "`{spec}`: unknown parameter `{other}`; use table=T or query=SELECT …"
                )));
            }
        }
    }
    let select = select.ok_or_else(|| {
        Error::invalid_input(format!(
            "`{spec}` says neither which table nor which query; add ?table=T or ?query=SELECT …"
        ))
    })?;
    Ok(Source::Sqlite {
        path: PathBuf::from(path),
        select,
    })
}

/// Decodes `%XX` escapes and `+` (as a space) in a URL query value; invalid escapes stay as
/// they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b),
                }
            }
            b'+' => out.push(b' '),
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls() {
        let s = Source::parse("sqlite://a.db?table=people").unwrap();
        assert_eq!(
            s,
            Source::Sqlite {
                path: "a.db".into(),
                select: SqliteSelect::Table("people".into())
            }
        );
        assert!(
            Source::parse("sqlite://a.db")
                .unwrap_err()
                .to_string()
                .contains("?table=T")
        );
        assert!(Source::parse("sqlite://?table=x").is_err());
        assert!(
            Source::parse("sqlite://a.db?tbl=x")
                .unwrap_err()
                .to_string()
                .contains("unknown parameter")
        );
        assert_eq!(percent_decode("a%20b+c%zz"), "a b c%zz");
    }

    #[test]
    fn missing_path_is_not_found() {
        let err = Source::parse("/definitely/not/here.csv").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(
            err.to_string().contains("/definitely/not/here.csv"),
            "{err}"
        );
        assert_eq!(
            Source::parse("https://x.org/a.csv").unwrap_err().kind(),
            ErrorKind::Unsupported
        );
    }
}
