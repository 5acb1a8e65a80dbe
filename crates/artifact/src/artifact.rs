//! The model artifact `model.mlpilot`: one file with a versioned header and a checksum.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `MLPILOT\0` |
//! | 4 | format version (u32) |
//! | 8 | body length in bytes (u64) |
//! | 32 | SHA-256 of the body |
//! | … | body: [`ArtifactBody`] encoded with postcard |
//!
//! Files are written atomically (a temporary file in the same folder, flushed, then renamed),
//! so a crash never leaves a half-written artifact in place of a good one. Reading checks, in
//! order: the magic (not an mlpilot model), the version (written by a newer or an older mlpilot), the length
//! (truncated), the checksum (corrupted), then decodes.

use std::io::Write;
use std::path::Path;

use mlpilot_core::{
    DatasetProfile, Error, ErrorKind, Frame, Metric, Registry, Result, Schema, Task,
};
use mlpilot_prep::PreprocessPlan;
use mlpilot_search::{LeaderboardRow, Predictor, StoredPredictor};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::RunConfig;

/// The first bytes of every artifact.
pub const MAGIC: &[u8; 8] = b"MLPILOT\0";
/// The format version this build writes (and the only one it reads: the body is a compact
/// binary encoding without field names, so a body of another version cannot be read).
///
/// Version 2 added the decision threshold, the reader's decimal mark and merged labels; version 3
/// made derived columns the first step of each member's fitted pipeline (and the schema and
/// reference hold raw columns only); version 4 stores the plan's reasons as facts
/// ([`mlpilot_core::facts::PlanFact`], [`mlpilot_core::facts::DropFact`]) instead of sentences;
/// version 5 stores the profile as facts (each column's [`mlpilot_core::facts::KindFact`], the
/// target's leakage suspects and warnings); version 6 adds the warning for stray words in a
/// target of numbers ([`mlpilot_core::facts::TargetWarning::NotNumbers`]). Forecasting
/// artifacts have their own version, [`crate::forecast::FORECAST_FORMAT_VERSION`].
pub const FORMAT_VERSION: u32 = 6;

/// The version this build writes and reads for files that start with `magic`.
fn version_for(magic: &[u8; 8]) -> u32 {
    if magic == crate::forecast::FORECAST_MAGIC {
        crate::forecast::FORECAST_FORMAT_VERSION
    } else {
        FORMAT_VERSION
    }
}
const HEADER: usize = 8 + 4 + 8 + 32;

/// Validation figures stored with a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMetrics {
    /// The metric optimised.
    pub metric: Metric,
    /// Validation score of the chosen model.
    pub score: f64,
    /// Its standard deviation over folds.
    pub std: f64,
    /// The score of a constant prediction.
    pub baseline: Option<f64>,
    /// How it was validated.
    pub validation: String,
    /// Rows trained on.
    pub n_rows: usize,
}

/// Everything an artifact holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactBody {
    /// Format version.
    pub format_version: u32,
    /// The mlpilot version that wrote it.
    pub mlpilot_version: String,
    /// When it was written (ISO 8601, UTC).
    pub created: String,
    /// The task.
    pub task: Task,
    /// The target column.
    pub target: String,
    /// The input columns the model was trained with (the target excluded).
    pub schema: Schema,
    /// The fitted model(s) and preprocessing.
    pub predictor: StoredPredictor,
    /// Validation figures.
    pub metrics: StoredMetrics,
    /// The top of the leaderboard.
    pub leaderboard: Vec<LeaderboardRow>,
    /// The preprocessing plan with its reasons.
    pub plan: PreprocessPlan,
    /// The profile of the training data (the reference for monitoring).
    pub profile: DatasetProfile,
    /// A sample of training rows (at most 2,000, inputs and target), the reference for drift
    /// tests and the background for explanations.
    pub reference: Frame,
    /// How the model was trained (for retraining).
    pub config: RunConfig,
    /// The narrative written at training time.
    pub narrative: String,
}

/// A loaded artifact: its body and the predictor read back through a registry.
#[derive(Debug)]
pub struct Artifact {
    /// The stored body.
    pub body: ArtifactBody,
    /// The predictor.
    pub predictor: Predictor,
}

impl Artifact {
    /// Predicts a table with the stored preprocessing (derived columns included) and model(s).
    ///
    /// # Errors
    /// When the predictor cannot predict the table (a missing input column or source of a derived
    /// column, text in a numeric column, a failing model; see [`Predictor::predict`]).
    pub fn predict(&self, frame: &Frame) -> Result<mlpilot_search::TablePredictions> {
        self.predictor.predict(frame)
    }

    /// The first identifier column of the training data (not the target) that `frame` has:
    /// what predictions echo so each row can be matched to its input.
    pub fn id_column<'a>(&self, frame: &'a Frame) -> Option<&'a mlpilot_core::Column> {
        self.body
            .profile
            .columns
            .iter()
            .filter(|c| {
                c.kind == mlpilot_core::ColumnKind::Identifier && c.name != self.body.target
            })
            .find_map(|c| frame.column(&c.name))
    }
}

fn format_err(path: &Path, msg: String) -> Error {
    Error::new(ErrorKind::Format, msg).with_context("file", path.display())
}

/// Encodes a body into artifact bytes (header + body).
///
/// # Errors
/// As [`encode_with`].
pub fn encode(body: &ArtifactBody) -> Result<Vec<u8>> {
    encode_with(MAGIC, body)
}

/// Encodes any body behind the header (`magic` tells the kinds of model apart).
///
/// # Errors
/// An internal error when postcard cannot encode the body.
pub fn encode_with<T: Serialize>(magic: &[u8; 8], body: &T) -> Result<Vec<u8>> {
    let payload = postcard::to_allocvec(body)
        .map_err(|e| Error::internal(format!("could not encode the artifact: {e}")))?;
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(magic);
    out.extend_from_slice(&version_for(magic).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&Sha256::digest(&payload));
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Decodes artifact bytes (`path` only names the file in errors).
///
/// # Errors
/// A format error, naming the file, when the bytes are a forecasting model, or as
/// [`decode_with`]: not an mlpilot model, written by a newer or older mlpilot, truncated,
/// corrupted, or not decodable.
pub fn decode(bytes: &[u8], path: &Path) -> Result<ArtifactBody> {
    if bytes.get(..8) == Some(crate::forecast::FORECAST_MAGIC.as_slice()) {
        return Err(format_err(
            path,
            format!(
                "`{}` is a forecasting model: `mlpilot predict` forecasts the times of a table \
                 with it and `mlpilot serve` serves it on /v1/forecast; explanations, drift \
                 monitoring, ONNX export and retraining are for tabular models (fit a forecaster \
                 again with `mlpilot run --task forecast`)",
                path.display()
            ),
        ));
    }
    decode_with(MAGIC, bytes, path)
}

/// Decodes a body written by [`encode_with`] with the same `magic`.
///
/// # Errors
/// A format error naming the file when the bytes do not start with `magic`, the header is
/// incomplete, the format version is not this build's for `magic` ([`FORMAT_VERSION`], or
/// [`crate::forecast::FORECAST_FORMAT_VERSION`]) (newer, older or 0), the body is
/// truncated or fails its checksum, or it cannot be decoded.
pub fn decode_with<T: serde::de::DeserializeOwned>(
    magic: &[u8; 8],
    bytes: &[u8],
    path: &Path,
) -> Result<T> {
    let shown = path.display();
    if bytes.len() < 8 || bytes.get(..8) != Some(magic.as_slice()) {
        return Err(format_err(
            path,
            format!(
                "`{shown}` is not an mlpilot model (it does not start with the MLPILOT marker)"
            ),
        ));
    }
    let field = |r: std::ops::Range<usize>| -> Result<&[u8]> {
        bytes.get(r).ok_or_else(|| {
            format_err(
                path,
                format!("`{shown}` is truncated: its header is incomplete"),
            )
        })
    };
    let version = u32::from_le_bytes(
        field(8..12)?
            .try_into()
            .map_err(|_| Error::internal("header slice"))?,
    );
    let expected = version_for(magic);
    if version > expected {
        return Err(format_err(
            path,
            format!(
                "`{shown}` was written by a newer mlpilot (artifact format {version}; this build reads up to {expected}); upgrade mlpilot to read it"
            ),
        ));
    }
    if version < expected && version > 0 {
        return Err(format_err(
            path,
            format!(
                "`{shown}` was written by an older mlpilot (artifact format {version}; this build reads format {expected}); train it again with `mlpilot run` (or `mlpilot retrain` on a build that reads it)"
            ),
        ));
    }
    if version == 0 {
        return Err(format_err(
            path,
            format!("`{shown}` has an invalid format version 0"),
        ));
    }
    let len = u64::from_le_bytes(
        field(12..20)?
            .try_into()
            .map_err(|_| Error::internal("header slice"))?,
    ) as usize;
    let sum = field(20..52)?;
    let payload = bytes.get(HEADER..).unwrap_or(&[]);
    if payload.len() < len {
        return Err(format_err(
            path,
            format!(
                "`{shown}` is truncated: it holds {} of {len} body bytes; copy the file again",
                payload.len()
            ),
        ));
    }
    let payload = payload.get(..len).unwrap_or(&[]);
    if Sha256::digest(payload).as_slice() != sum {
        return Err(format_err(
            path,
            format!(
                "`{shown}` is corrupted: its checksum does not match; copy the file again or retrain"
            ),
        ));
    }
    postcard::from_bytes(payload)
        .map_err(|e| format_err(path, format!("`{shown}` could not be decoded: {e}")))
}

/// Writes an artifact atomically.
///
/// # Errors
/// When the body cannot be encoded (see [`encode_with`]), or as [`write_bytes`].
pub fn write(path: &Path, body: &ArtifactBody) -> Result<()> {
    write_bytes(path, &encode(body)?)
}

/// Writes bytes atomically (a temporary file in the same folder, fsync, rename).
///
/// # Errors
/// An i/o error naming the file or folder when the folder cannot be created, or the temporary
/// file cannot be created, written, synced, made readable or renamed into place.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::from(e).with_context("file", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::from(e).with_context("file", dir.display()))?;
    tmp.write_all(bytes)
        .map_err(|e| Error::from(e).with_context("file", path.display()))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::from(e).with_context("file", path.display()))?;
    // Temporary files are private (0600); a written model is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::from(e).with_context("file", path.display()))?;
    }
    tmp.persist(path)
        .map_err(|e| Error::from(e.error).with_context("file", path.display()))?;
    Ok(())
}

/// Reads and checks an artifact, and reads its models through `registry`.
///
/// # Errors
/// A not-found error when the file does not exist (an i/o error when it cannot be read
/// otherwise); a format error when it is not a model this build can read (see [`decode`]); an
/// error when a model cannot be read back through `registry` (an estimator this build lacks, or
/// unreadable model bytes; see [`StoredPredictor::load`]).
pub fn read(path: &Path, registry: &Registry) -> Result<Artifact> {
    let body = decode(&read_bytes(path)?, path)?;
    let predictor = body
        .predictor
        .clone()
        .load(registry)
        .map_err(|e| e.prefixed(format!("model `{}`", path.display())))?;
    Ok(Artifact { body, predictor })
}

/// The bytes of a model file; a missing file is a not-found error, any other failure an i/o
/// error, both naming the file.
///
/// # Errors
/// As described.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            ErrorKind::NotFound
        } else {
            ErrorKind::Io
        };
        Error::new(kind, format!("cannot open model `{}`: {e}", path.display()))
            .with_context("file", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_errors_are_specific() {
        let p = Path::new("m.mlpilot");
        assert!(
            decode(b"hello", p)
                .unwrap_err()
                .to_string()
                .contains("not an mlpilot model")
        );
        let mut b = Vec::from(&MAGIC[..]);
        b.extend_from_slice(&99u32.to_le_bytes());
        b.extend_from_slice(&[0; 40]);
        assert!(
            decode(&b, p)
                .unwrap_err()
                .to_string()
                .contains("newer mlpilot")
        );
        let mut b = Vec::from(&MAGIC[..]);
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&[0; 40]);
        assert!(
            decode(&b, p)
                .unwrap_err()
                .to_string()
                .contains("older mlpilot (artifact format 1")
        );
        let mut b = Vec::from(&MAGIC[..]);
        b.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        b.extend_from_slice(&100u64.to_le_bytes());
        b.extend_from_slice(&[0; 32]);
        b.extend_from_slice(&[1, 2, 3]);
        assert!(decode(&b, p).unwrap_err().to_string().contains("truncated"));
        let mut b = Vec::from(&MAGIC[..]);
        b.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        b.extend_from_slice(&3u64.to_le_bytes());
        b.extend_from_slice(&[0; 32]);
        b.extend_from_slice(&[1, 2, 3]);
        assert!(decode(&b, p).unwrap_err().to_string().contains("corrupted"));
    }
}
