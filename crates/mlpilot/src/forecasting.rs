//! Forecasting through the facade: [`crate::AutoMl::forecast_frame`] fits a forecaster
//! ([`mlpilot_forecast`]) with the builder's registry, seed, threads and time budget, and wraps
//! it in a [`ForecastArtifact`] that `mlpilot run --task forecast` writes, `mlpilot predict`
//! and `mlpilot serve` read.

use std::path::Path;
use std::time::{Duration, Instant};

use mlpilot_core::{Error, ErrorKind, Frame, Result};
use mlpilot_forecast::{
    Columns, Covariate, DuplicateTimes, ForecastConfig, ForecastPoint, Forecaster, SeriesFacts,
};
use serde::{Deserialize, Serialize};

/// The first bytes of a forecasting artifact (tabular models start with `MLPILOT\0`).
pub const FORECAST_MAGIC: &[u8; 8] = b"MLPILOTS";

/// What to forecast: the columns and the horizon (the target, seed, threads, budget and
/// excluded columns come from the [`crate::RunConfig`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastSettings {
    /// The column of times.
    pub time_column: String,
    /// Steps to forecast.
    pub horizon: usize,
    /// The series-id column of a table with several series.
    pub id_column: Option<String>,
    /// Covariates known in the future (their values are needed at the times forecast).
    pub known_covariates: Vec<String>,
    /// Use the other numeric columns as covariates known only up to the forecast origin.
    pub past_covariates: bool,
    /// How to combine rows that share a time.
    pub duplicates: DuplicateTimes,
}

impl ForecastSettings {
    /// Settings with no id column, no covariates and the mean of repeated times.
    pub fn new(time_column: &str, horizon: usize) -> Self {
        ForecastSettings {
            time_column: time_column.to_string(),
            horizon,
            id_column: None,
            known_covariates: Vec::new(),
            past_covariates: true,
            duplicates: DuplicateTimes::Mean,
        }
    }
}

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
    /// Wraps a fitted forecaster.
    pub fn new(forecaster: Forecaster) -> Self {
        let facts = forecaster.facts();
        let narrative = crate::summary::forecast_narrative(&forecaster, &facts);
        ForecastArtifact {
            mlpilot_version: env!("CARGO_PKG_VERSION").to_string(),
            created: crate::automl::now_iso(),
            forecaster,
            facts,
            narrative,
        }
    }

    /// The next `h` points of every series.
    ///
    /// # Errors
    /// As [`Forecaster::forecast`] (covariates known in the future need
    /// [`ForecastArtifact::forecast_frame`]).
    pub fn forecast(&self, h: usize) -> Result<Vec<ForecastPoint>> {
        self.forecaster.forecast(h, &crate::default_registry())
    }

    /// Forecasts for the rows of `frame` (times, ids, future values of known covariates).
    ///
    /// # Errors
    /// As [`Forecaster::forecast_frame`].
    pub fn forecast_frame(&self, frame: &Frame) -> Result<Vec<ForecastPoint>> {
        self.forecast_frame_with(frame, &crate::default_registry())
    }

    /// As [`ForecastArtifact::forecast_frame`], reading models across series with `registry`
    /// (the one it was fitted with, when it holds backends of your own).
    ///
    /// # Errors
    /// As [`Forecaster::forecast_frame`].
    pub fn forecast_frame_with(
        &self,
        frame: &Frame,
        registry: &mlpilot_core::Registry,
    ) -> Result<Vec<ForecastPoint>> {
        self.forecaster.forecast_frame(frame, registry)
    }
}

impl crate::AutoMl {
    /// Fits a forecaster on `frame`: the target is the run's target; numeric columns other
    /// than the time, id and excluded ones are covariates (known in the future when listed in
    /// `settings.known_covariates`, otherwise past-only when `settings.past_covariates`).
    /// Methods are chosen per series by rolling-origin backtests, never by shuffled
    /// cross-validation.
    ///
    /// # Errors
    /// No target; a column that does not exist; as [`mlpilot_forecast::fit_frame`].
    pub fn forecast_frame(
        &self,
        frame: &Frame,
        settings: &ForecastSettings,
    ) -> Result<ForecastArtifact> {
        let c = self.run_config();
        let target = c.target.as_deref().ok_or_else(|| {
            Error::invalid_input("a forecast needs a target (the column to forecast)")
        })?;
        frame.require(target)?;
        frame.require(&settings.time_column)?;
        if let Some(id) = &settings.id_column {
            frame.require(id)?;
        }
        for k in &settings.known_covariates {
            frame.require(k)?;
        }
        let skip: Vec<&str> = [target, settings.time_column.as_str()]
            .into_iter()
            .chain(settings.id_column.as_deref())
            .chain(c.exclude.iter().map(String::as_str))
            .collect();
        let mut covariates = Vec::new();
        let mut not_numeric = Vec::new();
        for col in frame.columns() {
            let name = col.name();
            if skip.contains(&name) {
                continue;
            }
            let known = settings.known_covariates.iter().any(|k| k == name);
            if known || (settings.past_covariates && col.data().is_numeric()) {
                covariates.push(Covariate {
                    name: name.to_string(),
                    known,
                });
            } else if settings.past_covariates {
                not_numeric.push(format!("`{name}`"));
            }
        }
        let cfg = ForecastConfig {
            horizon: settings.horizon,
            seed: c.seed,
            threads: c.threads.max(1),
            // Candidates are tried until four fifths of the budget are spent; the rest is for
            // what follows the last of them (refitting the chosen methods, the final model
            // across series, the narrative).
            deadline: c
                .time_budget_secs
                .map(|s| Instant::now() + Duration::from_secs_f64(0.8 * s.max(0.0))),
            ..ForecastConfig::default()
        };
        let columns = Columns {
            target,
            time: &settings.time_column,
            id: settings.id_column.as_deref(),
            covariates,
        };
        let mut forecaster = mlpilot_forecast::fit_frame(
            frame,
            &columns,
            settings.duplicates,
            &cfg,
            &self.registry,
        )?;
        if !not_numeric.is_empty() {
            forecaster.notes.push(format!(
                "columns {} are not numeric and were not used as covariates (encode them as \
                 numbers, e.g. 0/1, to use them)",
                not_numeric.join(", ")
            ));
        }
        Ok(ForecastArtifact::new(forecaster))
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

/// Reads a forecasting artifact from bytes (`path` only names it in errors).
pub fn decode(bytes: &[u8], path: &Path) -> Result<ForecastArtifact> {
    crate::artifact::decode_with(FORECAST_MAGIC, bytes, path)
}
