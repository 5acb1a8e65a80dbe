//! `mlpilot predict MODEL DATA` and `mlpilot evaluate MODEL DATA`.

use std::path::PathBuf;

use clap::Args;
use mlpilot::{Error, Result};

/// Arguments of `mlpilot predict`.
#[derive(Debug, Args)]
pub(crate) struct PredictArgs {
    /// A model written by `mlpilot run`.
    pub(crate) model: PathBuf,
    /// Rows to predict (same columns as the training data; the target may be absent).
    pub(crate) data: String,
    /// Write the CSV here instead of standard output.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Add one `proba_<class>` column per class.
    #[arg(long)]
    pub(crate) proba: bool,
}

/// Arguments of `mlpilot evaluate`.
#[derive(Debug, Args)]
pub(crate) struct EvaluateArgs {
    /// A model written by `mlpilot run`.
    pub(crate) model: PathBuf,
    /// Labelled rows (they must hold the target column).
    pub(crate) data: String,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn predict(args: &PredictArgs) -> Result<()> {
    if mlpilot::forecasting::is_forecast(&args.model) {
        let text = crate::forecast::predict(&args.model, &args.data)?;
        match &args.out {
            Some(path) => crate::run::write_file(path, text.as_bytes())?,
            None => print!("{text}"),
        }
        return Ok(());
    }
    let artifact = mlpilot::artifact::read(&args.model, &mlpilot::default_registry())?;
    let frame = crate::input::load(
        &args.data,
        Some(&artifact.body.target),
        artifact.body.config.decimal_comma,
    )?;
    let p = artifact.predict(&frame)?;
    for w in &p.warnings {
        eprintln!("warning: {w}");
    }
    // Echo the first identifier column of the training data, when the input has it.
    let id = artifact.id_column(&frame);
    let out =
        mlpilot::predictions_frame(&artifact.predictor.encoding, &p.predictions, args.proba, id)?;
    let text = mlpilot::csv_text(&out)?;
    match &args.out {
        Some(path) => crate::run::write_file(path, text.as_bytes())?,
        None => print!("{text}"),
    }
    Ok(())
}

pub(crate) fn evaluate(args: &EvaluateArgs) -> Result<()> {
    let artifact = mlpilot::artifact::read(&args.model, &mlpilot::default_registry())?;
    let target = &artifact.body.target;
    let (frame, _) =
        crate::input::load_quiet(&args.data, Some(target), artifact.body.config.decimal_comma)?;
    let col = frame.column(target).ok_or_else(|| {
        Error::invalid_input(format!("the data has no `{target}` column: evaluation needs the true values; use `mlpilot predict` for unlabelled rows"))
            .with_context("column", target)
    })?;
    let encoded = artifact.predictor.encoding.encode(col)?;
    if encoded.rows.is_empty() {
        return Err(
            Error::invalid_input(format!("every `{target}` value is missing"))
                .with_context("column", target),
        );
    }
    let rows = frame.take(&encoded.rows)?;
    let p = artifact.predict(&rows)?;
    let metrics = mlpilot::core::task::evaluate(
        artifact.body.task,
        &encoded.y,
        &p.predictions,
        artifact.predictor.encoding.n_classes(),
    );
    if args.json {
        let map: serde_json::Map<String, serde_json::Value> = metrics
            .iter()
            .map(|(m, v)| (m.as_str().to_string(), serde_json::json!(v)))
            .collect();
        let doc = serde_json::json!({
            "rows": encoded.rows.len(),
            "missing_target": encoded.n_missing,
            "metrics": map,
            "warnings": p.warnings,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| Error::internal(e.to_string()))?
        );
    } else {
        println!(
            "{} labelled rows ({} without a target left out)",
            encoded.rows.len(),
            encoded.n_missing
        );
        for (m, v) in &metrics {
            println!("  {:<18} {v:.4}", m.display_name());
        }
        for w in &p.warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(())
}
