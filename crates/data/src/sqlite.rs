//! Reading a SQLite table or query with rusqlite (bundled SQLite: no server needed).

use std::path::Path;

use mlpilot_core::{Column, ColumnData, Error, ErrorKind, Frame, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::source::SqliteSelect;

/// Reads a table or the rows of a query into a [`Frame`].
///
/// Column types follow the values SQLite returns: integers (with NULLs) become integers,
/// integers mixed with reals become floats, anything with text becomes strings.
///
/// # Errors
/// A not-found error when the database file or the table does not exist; a format error when the
/// file is not a SQLite database; an invalid-input error when the query does not prepare or run,
/// returns no rows, or repeats a column name; an i/o error for other failures reading it.
pub fn read_sqlite(path: &Path, select: &SqliteSelect) -> Result<Frame> {
    let shown = path.display().to_string();
    if !path.exists() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("database `{shown}` does not exist; check the path"),
        )
        .with_context("file", &shown));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| sql_error(&shown, &e, "could not open the database"))?;
    let sql = match select {
        SqliteSelect::Table(t) => {
            let tables =
                list_tables(&conn).map_err(|e| sql_error(&shown, &e, "could not list tables"))?;
            if !tables.iter().any(|x| x == t) {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!(
                        "table `{t}` does not exist in `{shown}`; the tables are: {}",
                        if tables.is_empty() {
                            "(none)".to_string()
                        } else {
                            tables.join(", ")
                        }
                    ),
                )
                .with_context("file", &shown)
                .with_context("table", t));
            }
            format!("SELECT * FROM \"{}\"", t.replace('"', "\"\""))
        }
        SqliteSelect::Query(q) => q.clone(),
    };
    let mut stmt = conn.prepare(&sql).map_err(|e| {
        Error::invalid_input(format!(
            "the SQL query could not be prepared: {e}; check its syntax and names"
        ))
        .with_context("file", &shown)
        .with_context("query", &sql)
    })?;
    let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    let n = names.len();
    let mut cells: Vec<Vec<Cell>> = vec![Vec::new(); n];
    let mut rows = stmt
        .query([])
        .map_err(|e| sql_error(&shown, &e, "the query failed"))?;
    while let Some(row) = rows
        .next()
        .map_err(|e| sql_error(&shown, &e, "reading a row failed"))?
    {
        for (j, col) in cells.iter_mut().enumerate() {
            let v = row
                .get_ref(j)
                .map_err(|e| sql_error(&shown, &e, "reading a value failed"))?;
            col.push(match v {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(i) => Cell::Int(i),
                ValueRef::Real(f) => Cell::Real(f),
                ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Cell::Text(String::from_utf8_lossy(b).into_owned()),
            });
        }
    }
    if cells.first().is_none_or(Vec::is_empty) {
        return Err(
            Error::invalid_input(format!("the {} returned no rows", describe(select)))
                .with_context("file", &shown),
        );
    }
    let columns = names
        .into_iter()
        .zip(cells)
        .map(|(name, c)| Column::new(name, to_column_data(c)))
        .collect();
    Frame::new(columns).map_err(|e| e.with_context("file", &shown))
}

fn describe(select: &SqliteSelect) -> String {
    match select {
        SqliteSelect::Table(t) => format!("table `{t}`"),
        SqliteSelect::Query(_) => "query".to_string(),
    }
}

fn list_tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type IN ('table','view') ORDER BY name")?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names)
}

fn sql_error(file: &str, e: &rusqlite::Error, what: &str) -> Error {
    let kind = match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
            ErrorKind::Format
        }
        rusqlite::Error::SqliteFailure(..) => ErrorKind::InvalidInput,
        _ => ErrorKind::Io,
    };
    let hint = if kind == ErrorKind::Format {
        "; is it a SQLite database?"
    } else {
        ""
    };
    Error::new(kind, format!("{what} in `{file}`: {e}{hint}")).with_context("file", file)
}

#[derive(Debug, Clone)]
enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

fn to_column_data(cells: Vec<Cell>) -> ColumnData {
    let has_text = cells.iter().any(|c| matches!(c, Cell::Text(_)));
    let has_real = cells.iter().any(|c| matches!(c, Cell::Real(_)));
    if has_text {
        return ColumnData::Str(
            cells
                .into_iter()
                .map(|c| match c {
                    Cell::Null => None,
                    Cell::Int(i) => Some(i.to_string()),
                    Cell::Real(f) => Some(f.to_string()),
                    Cell::Text(t) => Some(t),
                })
                .collect(),
        );
    }
    if has_real {
        return ColumnData::Float(
            cells
                .into_iter()
                .map(|c| match c {
                    Cell::Int(i) => Some(i as f64),
                    Cell::Real(f) if !f.is_nan() => Some(f),
                    _ => None,
                })
                .collect(),
        );
    }
    ColumnData::Int(
        cells
            .into_iter()
            .map(|c| if let Cell::Int(i) = c { Some(i) } else { None })
            .collect(),
    )
}

/// The tables and views of a SQLite file, by name.
///
/// # Errors
/// When the file cannot be opened as a SQLite database.
pub fn tables(path: &Path) -> Result<Vec<String>> {
    let file = path.display().to_string();
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| sql_error(&file, &e, "could not open the database"))?;
    list_tables(&conn).map_err(|e| sql_error(&file, &e, "could not list the tables"))
}
