//! Export of a fitted [`Predictor`] — every ensemble member's preprocessing and model — to one
//! ONNX graph, and a check of such a graph in tract, a pure-Rust ONNX runtime.
//!
//! The graph follows the conventions users of skl2onnx know:
//! - one input per training column, named as the column, shape `[N, 1]`: `float` for numbers
//!   (NaN is missing), `string` for categories (the empty string is missing; numbers used as
//!   categories are written as mlpilot reads them, `3` not `3.0`);
//! - classifiers output `label` (`string`, `[N]`, the class as written in the training data,
//!   after the decision threshold if the model has one) and `probabilities` (`float`,
//!   `[N, classes]`, classes in the artifact's order); regressors output `variable` (`float`,
//!   `[N, 1]`).
//!
//! Opset 17 of the default domain and opset 3 of `ai.onnx.ml` (`CategoryMapper`,
//! `TreeEnsembleClassifier`). Computation is in 32-bit floats, so probabilities and values
//! agree with mlpilot's own (64-bit) predictions to about 1e-6; tree thresholds are rounded
//! down to the nearest `f32`, so that `x <= threshold` decides alike for every `f32` input.
//!
//! What cannot be exported — date parts and TF-IDF (ONNX has no date parser or tokenizer),
//! nearest-neighbour search, kernel machines, models without an
//! [`mlpilot_core::ExportForm`] — is an `Unsupported` error naming the column or the model.
//! `mlpilot run --exportable onnx` keeps such parts out of the search.

mod graph;
mod model;
mod pipeline;
mod run;

use mlpilot_core::{Error, ErrorKind, Result, Task};
use mlpilot_prep::TargetEncoding;
use mlpilot_search::Predictor;
use prost::Message;
use tract_onnx::pb::{
    ModelProto, OperatorSetIdProto, StringStringEntryProto, tensor_proto::DataType,
};

pub use pipeline::InputType;
pub use run::{OnnxOutputs, run_tract};

use graph::{Attr, Graph, ML_DOMAIN, value_info};

/// The default-domain opset the graphs declare.
pub const OPSET: i64 = 17;
/// The `ai.onnx.ml` opset the graphs declare.
pub const ML_OPSET: i64 = 3;

/// An exported graph and what it reads and writes.
#[derive(Debug, Clone)]
pub struct OnnxModel {
    /// The serialised `ModelProto`.
    pub bytes: Vec<u8>,
    /// The graph inputs, one per training column, in training order.
    pub inputs: Vec<(String, InputType)>,
    /// The classes in output order (empty for regression).
    pub classes: Vec<String>,
    /// The task.
    pub task: Task,
}

fn unsupported_member(estimator: &str, e: &Error) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!(
            "cannot export the `{estimator}` model to ONNX: {}",
            e.message()
        ),
    )
}

/// Exports `predictor` (all members, their preprocessing and the ensemble weights) to ONNX.
///
/// # Errors
/// `Unsupported`, naming the part, for a step or model ONNX cannot express (see the crate
/// documentation); `Format` if the predictor is inconsistent (a member's output width differs
/// from the number of classes).
pub fn export(predictor: &Predictor, producer_version: &str) -> Result<OnnxModel> {
    let mut g = Graph::default();
    let mut inputs = pipeline::Inputs::default();
    let classes = match &predictor.encoding {
        TargetEncoding::Classes { classes } => classes.clone(),
        TargetEncoding::Values => Vec::new(),
    };
    let width = if predictor.task.is_classification() {
        classes.len()
    } else {
        1
    };
    let total: f64 = predictor.members.iter().map(|m| m.weight).sum();
    if predictor.members.is_empty() || total.is_nan() || total <= 0.0 {
        return Err(Error::new(
            ErrorKind::Format,
            "the predictor has no weighted models",
        ));
    }
    let mut combined: Option<String> = None;
    for m in &predictor.members {
        if let Some(d) = m.pipeline.derived().first() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "cannot export to ONNX: the model reads the derived column `{}`, which mlpilot \
                     computes before the model and the graph cannot; retrain without that change",
                    d.name()
                ),
            ));
        }
        let features = pipeline::emit(&mut g, &mut inputs, &m.pipeline)
            .map_err(|e| unsupported_member(&m.estimator, &e))?;
        let form = m.model.export_form().ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                format!(
                    "cannot export the `{}` model to ONNX: the model gives no exportable form \
                     (train with `--exportable onnx` to search only exportable families)",
                    m.estimator
                ),
            )
        })?;
        let out = model::emit(&mut g, &form, &features, m.pipeline.features().len())
            .map_err(|e| unsupported_member(&m.estimator, &e))?;
        check_width(&form, &m.pipeline, m.model.as_model(), width, &m.estimator)?;
        let w = g.scalar(m.weight / total);
        let weighted = g.op("Mul", &[&out, &w]);
        combined = Some(match combined {
            None => weighted,
            Some(c) => g.op("Add", &[&c, &weighted]),
        });
    }
    let combined = combined.unwrap_or_default();

    let outputs = emit_outputs(&mut g, &combined, predictor, &classes);

    let model = model_proto(
        g,
        &inputs.columns,
        outputs,
        predictor,
        &classes,
        producer_version,
    );
    Ok(OnnxModel {
        bytes: model.encode_to_vec(),
        inputs: inputs.columns,
        classes,
        task: predictor.task,
    })
}

/// The ONNX model around the graph: its inputs (one column each), outputs, opsets and the
/// metadata that names the target, the task and the classes.
fn model_proto(
    g: Graph,
    columns: &[(String, InputType)],
    outputs: Vec<tract_onnx::pb::ValueInfoProto>,
    predictor: &Predictor,
    classes: &[String],
    producer_version: &str,
) -> ModelProto {
    let graph_inputs = columns
        .iter()
        .map(|(name, ty)| {
            let dt = match ty {
                InputType::Float => DataType::Float,
                InputType::String => DataType::String,
            };
            value_info(name, dt, &[None, Some(1)])
        })
        .collect();
    let meta = |k: &str, v: String| StringStringEntryProto {
        key: k.to_string(),
        value: v,
    };
    ModelProto {
        ir_version: 8,
        opset_import: vec![
            OperatorSetIdProto {
                domain: String::new(),
                version: OPSET,
            },
            OperatorSetIdProto {
                domain: ML_DOMAIN.to_string(),
                version: ML_OPSET,
            },
        ],
        producer_name: "mlpilot".to_string(),
        producer_version: producer_version.to_string(),
        doc_string: format!(
            "{} for `{}`: {}",
            predictor.task.as_str(),
            predictor.target,
            predictor.describe()
        ),
        metadata_props: vec![
            meta("target", predictor.target.clone()),
            meta("task", predictor.task.as_str().to_string()),
            meta("classes", classes.join("\n")),
        ],
        graph: Some(tract_onnx::pb::GraphProto {
            node: g.nodes,
            name: "mlpilot".to_string(),
            initializer: g.initializers,
            input: graph_inputs,
            output: outputs,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The graph's outputs from the members' combined scores: `label` (with the decision
/// threshold, when one is set) and `probabilities` for classification, `variable` otherwise.
fn emit_outputs(
    g: &mut Graph,
    combined: &str,
    predictor: &Predictor,
    classes: &[String],
) -> Vec<tract_onnx::pb::ValueInfoProto> {
    let mut outputs = Vec::new();
    if predictor.task.is_classification() {
        g.op("Identity", &[combined]);
        g.rename_last_output("probabilities");
        let index = match predictor.threshold {
            Some(t) if classes.len() == 2 => {
                let p1 = g.columns("probabilities", 1, 2);
                let t = g.scalar(t);
                let below = g.op("Less", &[&p1, &t]);
                let above = g.op("Not", &[&below]);
                let idx = g.cast_int64(&above);
                g.reshape(&idx, &[-1])
            }
            _ => g.op_with(
                "ArgMax",
                &["probabilities"],
                vec![("axis", Attr::Int(1)), ("keepdims", Attr::Int(0))],
            ),
        };
        g.node_n(
            "CategoryMapper",
            ML_DOMAIN,
            &[&index],
            1,
            vec![
                (
                    "cats_int64s",
                    Attr::Ints((0..classes.len() as i64).collect()),
                ),
                ("cats_strings", Attr::Strs(classes.to_vec())),
                ("default_string", Attr::Str("")),
            ],
        );
        g.rename_last_output("label");
        outputs.push(value_info("label", DataType::String, &[None]));
        outputs.push(value_info(
            "probabilities",
            DataType::Float,
            &[None, Some(classes.len())],
        ));
    } else {
        g.op("Identity", &[combined]);
        g.rename_last_output("variable");
        outputs.push(value_info("variable", DataType::Float, &[None, Some(1)]));
    }
    outputs
}

/// Checks that a member's form gives one output per class (or one value).
fn check_width(
    form: &mlpilot_core::ExportForm,
    pipeline: &mlpilot_prep::FittedPipeline,
    model: &dyn mlpilot_core::Model,
    width: usize,
    estimator: &str,
) -> Result<()> {
    let zeros = mlpilot_core::Matrix::zeros(1, pipeline.features().len());
    let got = form
        .predict_proba(&mlpilot_core::Features::Dense(zeros))
        .map_err(|e| unsupported_member(estimator, &e))?;
    if got.n_cols() != width || model.n_features() != pipeline.features().len() {
        return Err(Error::new(
            ErrorKind::Format,
            format!(
                "the `{estimator}` model's export form gives {} outputs where {width} are \
                 expected",
                got.n_cols()
            ),
        ));
    }
    Ok(())
}
