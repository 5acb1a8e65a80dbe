//! Forecasting models as artifacts: `mlpilot run --task forecast` writes one, `mlpilot predict`
//! forecasts the times of a table with it.

use std::path::Path;

use mlpilot_core::{Error, ErrorKind, Frame, Result};
use mlpilot_search::forecast::{ForecastPoint, Forecaster};
use serde::{Deserialize, Serialize};

/// The first bytes of a forecasting artifact (tabular models start with `MLPILOT\0`).
pub const FORECAST_MAGIC: &[u8; 8] = b"MLPILOTS";

/// What a forecasting artifact holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastArtifact {
    /// The mlpilot version that wrote it.
    pub mlpilot_version: String,
    /// When it was written (ISO 8601, UTC).
    pub created: String,
    /// The fitted forecaster, with the whole history.
    pub forecaster: Forecaster,
    /// The series and the forecast in words.
    pub narrative: String,
}

impl ForecastArtifact {
    /// Wraps a fitted forecaster.
    pub fn new(forecaster: Forecaster) -> Self {
        let narrative = forecaster.describe();
        ForecastArtifact {
            mlpilot_version: env!("CARGO_PKG_VERSION").to_string(),
            created: crate::automl::now_iso(),
            forecaster,
            narrative,
        }
    }

    /// Forecasts for the times in `frame`'s time column.
    pub fn forecast_frame(&self, frame: &Frame) -> Result<Vec<ForecastPoint>> {
        let col = frame.require(&self.forecaster.time_column)?;
        let times: Vec<String> = (0..col.len())
            .map(|i| col.str_at(i).unwrap_or_default())
            .collect();
        self.forecaster.forecast_times(&times)
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
pub fn save(path: &Path, artifact: &ForecastArtifact) -> Result<()> {
    crate::artifact::write_bytes(
        path,
        &crate::artifact::encode_with(FORECAST_MAGIC, artifact)?,
    )
}

/// Reads a forecasting artifact.
pub fn read(path: &Path) -> Result<ForecastArtifact> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("cannot open model `{}`: {e}", path.display()),
        )
        .with_context("file", path.display())
    })?;
    crate::artifact::decode_with(FORECAST_MAGIC, &bytes, path)
}
