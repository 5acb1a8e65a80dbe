//! `mlpilot export MODEL --format onnx --out FILE [--check DATA]`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use mlpilot::onnx::InputType;
use mlpilot::{Error, ErrorKind, Result};

/// Formats a model can be exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
    /// One ONNX graph (opset 17 with `ai.onnx.ml`): preprocessing and model.
    Onnx,
}

/// Arguments of `mlpilot export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// A model written by `mlpilot run`.
    pub(crate) model: PathBuf,
    /// The format.
    #[arg(long, value_enum, default_value = "onnx")]
    pub(crate) format: ExportFormat,
    /// Where to write the graph.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Rows to run through the exported graph (in tract) and through the model, to compare.
    #[arg(long)]
    pub(crate) check: Option<String>,
}

pub(crate) fn run(args: &ExportArgs) -> Result<()> {
    if mlpilot::forecasting::is_forecast(&args.model) {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "{}: forecasters cannot be exported to ONNX (their methods refit on the series \
                 and have no fixed graph); serve them with `mlpilot serve`",
                args.model.display()
            ),
        ));
    }
    let artifact = mlpilot::artifact::read(&args.model, &mlpilot::default_registry())?;
    let onnx = mlpilot::export::artifact_to_onnx(&artifact)
        .map_err(|e| e.with_context("model", args.model.display()))?;
    crate::run::write_file(&args.out, &onnx.bytes)?;
    println!(
        "wrote {} ({} KB): ONNX opset {} with ai.onnx.ml {}, {}",
        args.out.display(),
        onnx.bytes.len().div_ceil(1024),
        mlpilot::onnx::OPSET,
        mlpilot::onnx::ML_OPSET,
        artifact.predictor.describe()
    );
    println!("inputs (one per column, shape [N, 1]):");
    for (name, ty) in &onnx.inputs {
        let ty = match ty {
            InputType::Float => "float (NaN = missing)",
            InputType::String => "string (empty = missing)",
        };
        println!("  {name}: {ty}");
    }
    if onnx.task.is_classification() {
        println!(
            "outputs: label (string, [N]); probabilities (float, [N, {}]: {})",
            onnx.classes.len(),
            onnx.classes.join(", ")
        );
    } else {
        println!("outputs: variable (float, [N, 1])");
    }
    if let Some(data) = &args.check {
        check(&artifact, &onnx, data)?;
    }
    Ok(())
}

/// Runs the rows through the graph in tract and through the model; fails when labels differ or
/// numbers differ by more than 1e-4.
fn check(artifact: &mlpilot::Artifact, onnx: &mlpilot::onnx::OnnxModel, data: &str) -> Result<()> {
    let frame = crate::input::load(
        data,
        Some(&artifact.body.target),
        artifact.body.config.decimal_comma,
    )?;
    let ours = artifact.predict(&frame)?.predictions;
    let theirs = mlpilot::onnx::run_tract(&onnx.bytes, &onnx.inputs, &frame)?;
    let n = frame.n_rows();
    let (want, label_mismatch): (Vec<f64>, usize) = match &ours.proba {
        Some(p) if onnx.task.is_classification() => {
            let mismatches = ours
                .values
                .iter()
                .zip(&theirs.labels)
                .filter(|(c, l)| onnx.classes.get(**c as usize) != Some(l))
                .count();
            (p.as_slice().to_vec(), mismatches)
        }
        _ => (ours.values.clone(), 0),
    };
    let max_diff = want
        .iter()
        .zip(theirs.values.as_slice())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!(
        "check on {n} rows in tract: {} labels differ, largest difference {max_diff:.2e}",
        label_mismatch
    );
    if label_mismatch > 0 || max_diff > 1e-4 || want.len() != theirs.values.as_slice().len() {
        return Err(Error::new(
            ErrorKind::Internal,
            format!(
                "the exported graph does not reproduce the model on {data} ({label_mismatch} \
                 labels differ, largest difference {max_diff:.2e}); please report it"
            ),
        ));
    }
    Ok(())
}
