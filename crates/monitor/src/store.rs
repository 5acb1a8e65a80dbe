//! Monitoring state in an embedded SQLite database: predictions served, feedback labels, check
//! results and alerts (with a cool-down). It survives restarts; several processes may share it
//! (SQLite's locking, WAL journal).

use std::path::Path;

use mlpilot_core::narration::{drift_alert, prediction_drift_alert};
use mlpilot_core::{Error, ErrorKind, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// A SQLite error as mlpilot's, by what went wrong. While opening (`opening`), a file that is
/// not a SQLite database (or is damaged), or whose tables are not the ones mlpilot writes, is a
/// format error that says to give another path. A file that cannot be opened, read, written or
/// locked is an i/o error (busy or locked: temporary, retry). The rest — a damaged file while
/// in use, a fault in mlpilot's own SQL — are internal, with SQLite's whole message.
fn db_err(path: &str, e: rusqlite::Error, opening: bool) -> Error {
    use rusqlite::ErrorCode as Code;
    const NOT_OURS: &str =
        "; its tables are not the ones mlpilot writes: give another --state path";
    let code = match &e {
        rusqlite::Error::SqliteFailure(f, _) | rusqlite::Error::SqlInputError { error: f, .. } => {
            Some(f.code)
        }
        _ => None,
    };
    let conversion = matches!(
        e,
        rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::InvalidColumnName(_)
            | rusqlite::Error::InvalidColumnIndex(_)
    );
    let (kind, hint, temporary) = match code {
        Some(Code::NotADatabase | Code::DatabaseCorrupt) if opening => (
            ErrorKind::Format,
            "; it is not a SQLite database, or it is damaged: give another --state path",
            false,
        ),
        // SQLITE_ERROR while setting up the tables: a table mlpilot expects has other columns.
        Some(Code::Unknown | Code::TypeMismatch) if opening => (ErrorKind::Format, NOT_OURS, false),
        _ if conversion && opening => (ErrorKind::Format, NOT_OURS, false),
        Some(Code::DatabaseBusy) => (
            ErrorKind::Io,
            "; another process held it past the 5 s busy timeout: retry",
            true,
        ),
        Some(Code::DatabaseLocked) => (ErrorKind::Io, "; it is locked: retry", true),
        Some(
            Code::CannotOpen
            | Code::PermissionDenied
            | Code::ReadOnly
            | Code::DiskFull
            | Code::SystemIoFailure
            | Code::FileLockingProtocolFailed
            | Code::NoLargeFileSupport,
        ) => (ErrorKind::Io, "", false),
        _ => (ErrorKind::Internal, "", false),
    };
    // Where the file is not ours, SQLite's message without the SQL it was reading.
    let text = match &e {
        rusqlite::Error::SqlInputError { msg, .. } if kind == ErrorKind::Format => msg.clone(),
        other => other.to_string(),
    };
    Error::new(kind, format!("monitoring state {path}: {text}{hint}")).set_temporary(temporary)
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// `drift`, `prediction_drift` or `decay`.
    pub kind: String,
    /// What it is about (a column, `predictions`, the metric).
    pub subject: String,
    /// When, in seconds since the epoch.
    pub ts: f64,
    /// The message.
    pub message: String,
}

/// A labelled prediction: what was predicted and what turned out true.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    /// The predicted class label or value (as text).
    pub prediction: String,
    /// The positive-class probability or the value, when known.
    pub output: Option<f64>,
    /// The true label or value (as text).
    pub label: String,
}

/// The monitoring database.
pub struct MonitorStore {
    conn: Connection,
    path: String,
}

impl std::fmt::Debug for MonitorStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitorStore")
            .field("path", &self.path)
            .finish()
    }
}

/// Seconds since the epoch.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl MonitorStore {
    /// Opens (creating when needed) the database at `path`.
    ///
    /// # Errors
    /// A format error naming the path when the file is not a SQLite database (or is damaged) or
    /// holds tables of the same names with other columns; an i/o error when SQLite cannot open or
    /// create a database there.
    pub fn open(path: &Path) -> Result<Self> {
        let p = path.display().to_string();
        let conn = Connection::open(path).map_err(|e| db_err(&p, e, true))?;
        Self::init(conn, p)
    }

    /// An in-memory database (tests, a server without `--state`).
    ///
    /// # Errors
    /// An i/o error when SQLite cannot open an in-memory database or set up its tables (not
    /// expected in practice).
    pub fn in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(|e| db_err(":memory:", e, true))?;
        Self::init(conn, ":memory:".into())
    }

    fn init(conn: Connection, path: String) -> Result<Self> {
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS predictions (
                 request_id TEXT NOT NULL, row_key TEXT NOT NULL, ts REAL NOT NULL,
                 prediction TEXT NOT NULL, output REAL,
                 PRIMARY KEY (request_id, row_key));
             CREATE INDEX IF NOT EXISTS predictions_row ON predictions(row_key);
             CREATE TABLE IF NOT EXISTS feedback (
                 request_id TEXT, row_key TEXT NOT NULL, label TEXT NOT NULL, ts REAL NOT NULL);
             CREATE TABLE IF NOT EXISTS checks (ts REAL NOT NULL, drift INTEGER NOT NULL, report TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS alerts (kind TEXT NOT NULL, subject TEXT NOT NULL, ts REAL NOT NULL, message TEXT NOT NULL);",
        )
        .map_err(|e| db_err(&path, e, true))?;
        Ok(MonitorStore { conn, path })
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        db_err(&self.path, e, false)
    }

    /// Records predictions of one request: `(row_key, prediction, output)` per row.
    ///
    /// # Errors
    /// An i/o error naming the database when a write fails (temporary when it stays locked past
    /// the 5 s busy timeout), an internal one for a damaged file; none of the rows is kept then.
    pub fn record_predictions(
        &mut self,
        request_id: &str,
        rows: &[(String, String, Option<f64>)],
    ) -> Result<()> {
        let ts = now();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| db_err(&self.path, e, false))?;
        {
            let mut st = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO predictions (request_id, row_key, ts, prediction, output) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(|e| db_err(&self.path, e, false))?;
            for (key, pred, out) in rows {
                st.execute(params![request_id, key, ts, pred, out])
                    .map_err(|e| db_err(&self.path, e, false))?;
            }
        }
        tx.commit().map_err(|e| db_err(&self.path, e, false))
    }

    /// Records true labels: `(row_key, label)`, for a request id or (when `None`) for the
    /// latest prediction of each row key.
    ///
    /// # Errors
    /// An i/o (or, for a damaged file, internal) error naming the database when a lookup or a
    /// write fails; none of the labels is kept then.
    pub fn record_feedback(
        &mut self,
        request_id: Option<&str>,
        labels: &[(String, String)],
    ) -> Result<usize> {
        let ts = now();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| db_err(&self.path, e, false))?;
        let mut matched = 0;
        {
            let mut st = tx
                .prepare_cached(
                    "INSERT INTO feedback (request_id, row_key, label, ts) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| db_err(&self.path, e, false))?;
            let mut known = tx
                .prepare_cached(
                    "SELECT COUNT(*) FROM predictions WHERE row_key = ?1 AND (?2 IS NULL OR request_id = ?2)",
                )
                .map_err(|e| db_err(&self.path, e, false))?;
            for (key, label) in labels {
                let n: i64 = known
                    .query_row(params![key, request_id], |r| r.get(0))
                    .map_err(|e| db_err(&self.path, e, false))?;
                if n > 0 {
                    matched += 1;
                }
                st.execute(params![request_id, key, label, ts])
                    .map_err(|e| db_err(&self.path, e, false))?;
            }
        }
        tx.commit().map_err(|e| db_err(&self.path, e, false))?;
        Ok(matched)
    }

    /// The latest `window` labelled predictions, newest first.
    ///
    /// # Errors
    /// An i/o (or, for a damaged file, internal) error naming the database when the query fails.
    pub fn labelled(&self, window: usize) -> Result<Vec<Labelled>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT p.prediction, p.output, f.label FROM feedback f
                 JOIN predictions p ON p.row_key = f.row_key
                   AND (f.request_id IS NULL OR f.request_id = p.request_id)
                 WHERE p.ts = (SELECT MAX(ts) FROM predictions q WHERE q.row_key = f.row_key
                               AND (f.request_id IS NULL OR f.request_id = q.request_id))
                 ORDER BY f.ts DESC, f.rowid DESC LIMIT ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map(params![window as i64], |r| {
                Ok(Labelled {
                    prediction: r.get(0)?,
                    output: r.get(1)?,
                    label: r.get(2)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))
    }

    /// Predictions stored.
    ///
    /// # Errors
    /// An i/o (or, for a damaged file, internal) error naming the database when the query fails.
    pub fn n_predictions(&self) -> Result<usize> {
        self.conn
            .query_row("SELECT COUNT(*) FROM predictions", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }

    /// Stores a check's result (as JSON).
    ///
    /// # Errors
    /// An i/o (or, for a damaged file, internal) error naming the database when the write fails.
    pub fn record_check(&mut self, drift: bool, report_json: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO checks (ts, drift, report) VALUES (?1, ?2, ?3)",
                params![now(), drift, report_json],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Checks stored so far, and how many found drift.
    ///
    /// # Errors
    /// An i/o (or, for a damaged file, internal) error naming the database when the query fails.
    pub fn check_counts(&self) -> Result<(usize, usize)> {
        self.conn
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(drift), 0) FROM checks",
                [],
                |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)),
            )
            .map_err(|e| self.err(e))
    }

    /// Raises an alert unless one of the same kind and subject was raised within `cooldown`
    /// seconds of `at`. Returns whether it was raised.
    ///
    /// # Errors
    /// An i/o (or, for a damaged file, internal) error naming the database when the lookup or
    /// the write fails.
    pub fn alert(
        &mut self,
        kind: &str,
        subject: &str,
        message: &str,
        at: f64,
        cooldown: f64,
    ) -> Result<bool> {
        let last: Option<f64> = self
            .conn
            .query_row(
                "SELECT MAX(ts) FROM alerts WHERE kind = ?1 AND subject = ?2",
                params![kind, subject],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .flatten();
        if last.is_some_and(|t| at - t < cooldown) {
            return Ok(false);
        }
        self.conn
            .execute(
                "INSERT INTO alerts (kind, subject, ts, message) VALUES (?1, ?2, ?3, ?4)",
                params![kind, subject, at, message],
            )
            .map_err(|e| self.err(e))?;
        Ok(true)
    }

    /// Every alert, oldest first.
    ///
    /// # Errors
    /// An i/o (or, for a damaged file, internal) error naming the database when the query fails.
    pub fn alerts(&self) -> Result<Vec<Alert>> {
        let mut st = self
            .conn
            .prepare("SELECT kind, subject, ts, message FROM alerts ORDER BY ts, rowid")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok(Alert {
                    kind: r.get(0)?,
                    subject: r.get(1)?,
                    ts: r.get(2)?,
                    message: r.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))
    }
}

/// The alerts a report calls for: one per drifted column, one for prediction drift, one for
/// decay — each subject to the cool-down.
///
/// # Errors
/// As [`MonitorStore::alert`]; alerts raised before the failing one stay stored but are not
/// returned.
pub fn raise_alerts(
    store: &mut MonitorStore,
    report: &crate::MonitorReport,
    at: f64,
    cooldown: f64,
) -> Result<Vec<Alert>> {
    let mut wanted: Vec<(String, String, String)> = Vec::new();
    for name in &report.drifted_columns {
        let tests: Vec<&crate::ColumnDrift> = report
            .columns
            .iter()
            .filter(|c| &c.name == name && c.drift)
            .collect();
        wanted.push(("drift".into(), name.clone(), drift_alert(name, &tests)));
    }
    if let Some(p) = &report.prediction_drift
        && p.drift
    {
        wanted.push((
            "prediction_drift".into(),
            "predictions".into(),
            prediction_drift_alert(),
        ));
    }
    if let Some(p) = &report.performance
        && p.decayed
    {
        wanted.push(("decay".into(), p.metric.as_str().into(), p.note.clone()));
    }
    let mut raised = Vec::new();
    for (kind, subject, message) in wanted {
        if store.alert(&kind, &subject, &message, at, cooldown)? {
            raised.push(Alert {
                kind,
                subject,
                ts: at,
                message,
            });
        }
    }
    Ok(raised)
}
