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
    let e = mlpilot::monitoring::evaluate(&artifact, &frame)?;
    if args.json {
        // `Evaluation` is the document: rows, missing_target, metrics (by name), warnings.
        println!(
            "{}",
            serde_json::to_string_pretty(&e).map_err(|e| Error::internal(e.to_string()))?
        );
    } else {
        println!(
            "{} labelled rows ({} without a target left out)",
            e.rows, e.missing_target
        );
        for (m, v) in &e.metrics {
            println!("  {:<18} {v:.4}", m.display_name());
        }
        for w in &e.warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(())
}
