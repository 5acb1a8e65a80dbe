//! Forecasting artifacts (magic `MLPILOTS`): a fitted forecaster with its facts and narrative,
//! written by `mlpilot run --task forecast`, read by `mlpilot predict` and `mlpilot serve`.

use std::path::Path;

use mlpilot_core::{Frame, Registry, Result};
use mlpilot_forecast::{ForecastPoint, Forecaster, SeriesFacts};
use serde::{Deserialize, Serialize};

/// The first bytes of a forecasting artifact (tabular models start with `MLPILOT\0`).
pub const FORECAST_MAGIC: &[u8; 8] = b"MLPILOTS";

/// The format version of forecasting artifacts this build writes and reads (version 2 added
/// the series' date format and merged times; unchanged since).
pub const FORECAST_FORMAT_VERSION: u32 = 3;

/// What a forecasting artifact holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastArtifact {
    /// The mlpilot version that wrote it.
    pub mlpilot_version: String,
    /// When it was written (ISO 8601, UTC).
    pub created: String,
    /// The fitted forecaster, with the whole history.
    pub forecaster: Forecaster,
    /// The facts the narrative is written from.
    pub facts: Vec<SeriesFacts>,
    /// The series and the forecast in words.
    pub narrative: String,
}

impl ForecastArtifact {
    /// Wraps a fitted forecaster with the narrative written from its facts.
    pub fn new(forecaster: Forecaster, narrative: String) -> Self {
        let facts = forecaster.facts();
        ForecastArtifact {
            mlpilot_version: env!("CARGO_PKG_VERSION").to_string(),
            created: mlpilot_core::datetime::now_iso(),
            forecaster,
            facts,
            narrative,
        }
    }

    /// The next `h` points of every series; models across series are read with `registry`
    /// (the one the forecaster was fitted with).
    ///
    /// # Errors
    /// As [`Forecaster::forecast`] (covariates known in the future need
    /// [`ForecastArtifact::forecast_frame`]).
    pub fn forecast(&self, h: usize, registry: &Registry) -> Result<Vec<ForecastPoint>> {
        self.forecaster.forecast(h, registry)
    }

    /// Forecasts for the rows of `frame` (times, ids, future values of known covariates);
    /// models across series are read with `registry`.
    ///
    /// # Errors
    /// As [`Forecaster::forecast_frame`].
    pub fn forecast_frame(&self, frame: &Frame, registry: &Registry) -> Result<Vec<ForecastPoint>> {
        self.forecaster.forecast_frame(frame, registry)
    }
}

/// Whether the file at `path` is a forecasting artifact.
pub fn is_forecast(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == FORECAST_MAGIC
}

/// Writes the artifact atomically.
///
/// # Errors
/// An internal error when the artifact cannot be encoded, or an i/o error when it cannot be
/// written (see [`crate::artifact::write_bytes`]).
pub fn save(path: &Path, artifact: &ForecastArtifact) -> Result<()> {
    crate::artifact::write_bytes(
        path,
        &crate::artifact::encode_with(FORECAST_MAGIC, artifact)?,
    )
}

/// Reads a forecasting artifact.
///
/// # Errors
/// A not-found error when the file does not exist, an i/o error when it cannot be read; a format
/// error when it is not a forecasting artifact this build can read (see [`decode`]).
pub fn read(path: &Path) -> Result<ForecastArtifact> {
    let bytes = crate::artifact::read_bytes(path)?;
    crate::artifact::decode_with(FORECAST_MAGIC, &bytes, path)
}

/// Reads a forecasting artifact from bytes (`path` only names it in errors).
///
/// # Errors
/// A format error naming `path` when the bytes are not a forecasting artifact this build can read
/// (see [`crate::artifact::decode_with`]).
pub fn decode(bytes: &[u8], path: &Path) -> Result<ForecastArtifact> {
    crate::artifact::decode_with(FORECAST_MAGIC, bytes, path)
}
