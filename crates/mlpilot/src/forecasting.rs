//! Forecasting through the facade: [`crate::AutoMl::forecast_frame`] fits a forecaster
//! ([`mlpilot_forecast`]) with the builder's registry, seed, threads and time budget, and wraps
//! it in a [`ForecastArtifact`] that `mlpilot run --task forecast` writes, `mlpilot predict`
//! and `mlpilot serve` read.

use std::time::{Duration, Instant};

use mlpilot_core::{Error, Frame, Result};
use mlpilot_forecast::{Columns, Covariate, DuplicateTimes, ForecastConfig};
use serde::{Deserialize, Serialize};

pub use mlpilot_artifact::forecast::{
    FORECAST_MAGIC, ForecastArtifact, decode, is_forecast, read, save,
};

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
                not_numeric.push(name.to_string());
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
            forecaster
                .notes
                .push(mlpilot_core::facts::ForecastNote::NotNumericCovariates {
                    columns: not_numeric,
                });
        }
        let facts = forecaster.facts();
        let narrative = crate::summary::forecast_narrative(&forecaster, &facts);
        Ok(ForecastArtifact::new(forecaster, narrative))
    }
}
