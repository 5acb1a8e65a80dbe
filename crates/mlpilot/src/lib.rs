#![doc = include_str!("../README.md")]

pub mod automl;
pub mod explain;
#[cfg(feature = "onnx")]
pub mod export;
pub mod forecasting;
pub mod monitoring;
pub mod session;
pub mod summary;

pub use mlpilot_artifact::artifact;
/// The vocabulary every signature is written in (`mlpilot-core`): tables (`Frame`, `Column`),
/// tasks and metrics, errors, the estimator contract and registry, the advisor's types. It is
/// re-exported whole because it *is* the set of types people use; the modules below list the
/// rest of the workspace item by item.
pub use mlpilot_core as core;
pub use mlpilot_prep::derive;

/// Reading tables and profiling them (`mlpilot-data`).
pub mod data {
    pub use mlpilot_data::{
        Format, LargeFileOptions, LoadOptions, ProfileOptions, Source, Table, dataframe_to_frame,
        frame_to_dataframe, load, load_and_profile, load_and_profile_with, load_frame,
        load_frame_with, load_with, profile_dataframe, profile_frame, profile_source,
        render_profile, sqlite,
    };
}

/// Explanations in the terms of the table (`mlpilot-explain`), for a model of one's own.
pub mod explainers {
    pub use mlpilot_explain::{
        Contribution, ExplainOptions, Importance, ImportanceOptions, PartialDependence, PdpOptions,
        ReportData, RowExplanation, TableModel, explain_rows, partial_dependence,
        permutation_importance, render_html, report,
    };
}

/// Forecasting (`mlpilot-forecast`): what a forecaster is configured with and answers.
pub mod forecast {
    pub use mlpilot_forecast::{
        Backtest, Columns, Covariate, DuplicateTimes, ForecastConfig, ForecastPoint, Forecaster,
        GlobalModel, Method, Names, Panel, SeriesFacts, SeriesModel, candidate_forecasts,
    };
}

/// The assistant (`mlpilot-llm`): choosing a language model, the rule-based advisor, and the
/// pieces a provider of one's own plugs into.
pub mod llm {
    pub use mlpilot_llm::{
        Cached, LlmAdvisor, LlmSpec, OfflineAdvisor, OllamaModel, OpenAiCompatible, Retrying,
        Secret, advisor_for, describe_adjustment,
    };
    /// Sentences the rules write, for pages that show them.
    pub mod offline {
        pub use mlpilot_llm::offline::plain_meaning;
    }
    /// A task from a goal by the rules alone (when a language model does not answer in time).
    pub mod goal {
        pub use mlpilot_llm::goal::define_task;
    }
    /// What a request in a person's words can ask for.
    pub mod requests {
        pub use mlpilot_llm::requests::CAN_DO;
    }
}

/// Monitoring state and checks (`mlpilot-monitor`).
pub mod monitor {
    pub use mlpilot_monitor::{
        Alert, ColumnDrift, Labelled, MIN_ROWS, MonitorReport, MonitorStore, Performance,
        PredictionDrift, raise_alerts,
    };
    /// When alerts and checks are stamped.
    pub mod store {
        pub use mlpilot_monitor::store::now;
    }
}

/// ONNX export (`mlpilot-onnx`): the graph and a check in tract.
#[cfg(feature = "onnx")]
pub mod onnx {
    pub use mlpilot_onnx::{InputType, ML_OPSET, OPSET, OnnxModel, OnnxOutputs, run_tract};
}

/// Preprocessing (`mlpilot-prep`): what the planner would do with a table.
pub mod prep {
    pub use mlpilot_prep::{
        ColumnPlan, Dropped, FeatureMeta, FittedPipeline, FittedStep, InputColumn, PlanOptions,
        PlannedStep, PreprocessPlan, Step, TargetEncoding, Transformed, suggestions_for,
    };
}

/// The search's results (`mlpilot-search`): the predictor, its predictions and the leaderboard.
pub mod search {
    pub use mlpilot_search::threshold::DecisionThreshold;
    pub use mlpilot_search::{
        LeaderboardRow, Member, Predictor, SamplerKind, SearchResult, StoredPredictor,
        TablePredictions, Timings, TrialStatus, Validation, leaderboard,
    };
}

pub use artifact::{Artifact, ArtifactBody};
pub use automl::{AutoMl, RunConfig, Trained};
pub use mlpilot_artifact::config::FixedByHand;
pub use mlpilot_core::{ColumnKind, DatasetProfile, Error, ErrorKind, Frame, Metric, Result, Task};
pub use session::{Outcome, Session, Trial, Turn, describe_trial};
pub use summary::{AssistantNote, Summary, ThresholdSummary};

/// What most programs use, in one import: `use mlpilot::prelude::*;` — train ([`AutoMl`],
/// [`Trained`], [`RunConfig`]), talk ([`Session`]), reload and predict ([`load`],
/// [`predict_dataframe`], [`Artifact`]), and the core types of their signatures.
pub mod prelude {
    pub use crate::{
        Artifact, AutoMl, RunConfig, Session, Summary, Trained, default_registry, load,
        predict_dataframe,
    };
    pub use mlpilot_core::{Error, ErrorKind, Frame, Metric, Registry, Result, Task};
}

use mlpilot_core::{Column, ColumnData, Predictions, Registry};
use mlpilot_prep::TargetEncoding;

/// The registry with every backend this build was compiled with (features `gbdt`, `smartcore`,
/// `linfa`, `burn`; all on by default).
pub fn default_registry() -> Registry {
    #[allow(unused_mut)]
    let mut r = Registry::new();
    #[cfg(feature = "gbdt")]
    mlpilot_backend_gbdt::register(&mut r);
    #[cfg(feature = "smartcore")]
    mlpilot_backend_smartcore::register(&mut r);
    #[cfg(feature = "linfa")]
    mlpilot_backend_linfa::register(&mut r);
    #[cfg(feature = "burn")]
    mlpilot_backend_burn::register(&mut r);
    r
}

/// Predictions as a table: the `id` column when given, `prediction` (class labels, or values),
/// and with `proba` one `proba_<class>` column per class.
///
/// # Errors
/// An invalid-input error when `id` does not have one value per prediction, or its name is
/// `prediction` or that of a `proba_<class>` column.
pub fn predictions_frame(
    encoding: &TargetEncoding,
    p: &Predictions,
    proba: bool,
    id: Option<&Column>,
) -> Result<Frame> {
    let mut cols = Vec::new();
    if let Some(c) = id {
        cols.push(c.clone());
    }
    match encoding {
        TargetEncoding::Classes { classes } => {
            let labels: Vec<Option<String>> = p
                .values
                .iter()
                .map(|v| classes.get(*v as usize).cloned())
                .collect();
            cols.push(Column::new("prediction", ColumnData::Str(labels.into())));
            if proba && let Some(m) = &p.proba {
                for (k, class) in classes.iter().enumerate() {
                    cols.push(Column::from_f64(format!("proba_{class}"), m.column(k)));
                }
            }
        }
        TargetEncoding::Values => {
            cols.push(Column::from_f64("prediction", p.values.iter().copied()))
        }
    }
    Frame::new(cols)
}

/// A table as CSV text (RFC 4180 quoting, a header row, missing values as empty fields), the
/// form `mlpilot predict` and the web app write predictions in.
///
/// # Errors
/// When the CSV writer fails (it writes to memory, so only on text it cannot encode).
pub fn csv_text(frame: &Frame) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::internal(format!("could not write CSV: {e}"));
    w.write_record(frame.names()).map_err(fail)?;
    for i in 0..frame.n_rows() {
        w.write_record(
            frame
                .columns()
                .iter()
                .map(|c| c.str_at(i).unwrap_or_default()),
        )
        .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::internal(format!("could not write CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::internal(format!("CSV is not UTF-8: {e}")))
}

/// Reads a saved model with every backend this build has ([`default_registry`]); a model
/// trained with an estimator of your own needs [`artifact::read`] with a registry holding it.
///
/// # Errors
/// When the file cannot be opened, is not an mlpilot model, was written by a newer or an older
/// mlpilot, is truncated or corrupted, or names an estimator this build lacks.
pub fn load(path: &std::path::Path) -> Result<Artifact> {
    artifact::read(path, &default_registry())
}

/// Predicts a polars DataFrame with a saved model: the identifier column when the training
/// data had one, `prediction` (class labels, or values) and, with `proba`, one `proba_<class>`
/// column per class — [`Trained::predict`]'s table, with the identifier column added.
///
/// # Errors
/// When a column the model needs is missing or of a type it cannot read (the error names it).
pub fn predict_dataframe(
    artifact: &Artifact,
    df: &polars::prelude::DataFrame,
    proba: bool,
) -> Result<polars::prelude::DataFrame> {
    let frame = mlpilot_data::dataframe_to_frame(df.clone())?;
    let p = artifact.predict(&frame)?;
    let out = predictions_frame(
        &artifact.predictor.encoding,
        &p.predictions,
        proba,
        artifact.id_column(&frame),
    )?;
    mlpilot_data::frame_to_dataframe(&out)
}
