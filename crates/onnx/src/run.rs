//! Running an exported graph in tract (pure Rust), on the rows of a [`Frame`].

use mlpilot_core::{Error, ErrorKind, Frame, Matrix, Result};
use mlpilot_prep::read::read_labels;
use tract_onnx::prelude::*;

use crate::InputType;

/// What an exported graph returned for some rows.
#[derive(Debug, Clone, PartialEq)]
pub struct OnnxOutputs {
    /// Class labels (classification), one per row.
    pub labels: Vec<String>,
    /// Probabilities (`rows × classes`) or values (`rows × 1`).
    pub values: Matrix,
}

fn tract_error(e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Backend,
        format!("tract could not run the ONNX graph: {e}"),
    )
}

/// Runs the ONNX graph `bytes` (from [`crate::export`]) in tract on the rows of `frame`, feeding
/// each input from the column of the same name: numbers as `float` (missing as NaN), categories
/// as `string` (missing as the empty string).
///
/// # Errors
/// `InvalidInput` naming a column the frame lacks; `Backend` when tract cannot load or run the
/// graph.
pub fn run_tract(
    bytes: &[u8],
    inputs: &[(String, InputType)],
    frame: &Frame,
) -> Result<OnnxOutputs> {
    let n = frame.n_rows();
    let mut model = tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .map_err(tract_error)?;
    let mut tensors: TVec<TValue> = TVec::new();
    for (i, (name, ty)) in inputs.iter().enumerate() {
        let col = frame.column(name).ok_or_else(|| {
            Error::invalid_input(format!(
                "the rows have no column `{name}`, an input of the graph"
            ))
        })?;
        let tensor = match ty {
            InputType::Float => {
                let v: Vec<f32> = (0..n)
                    .map(|r| col.f64_at(r).map_or(f32::NAN, crate::graph::f32_of))
                    .collect();
                tract_ndarray::Array2::from_shape_vec((n, 1), v)
                    .map_err(tract_error)?
                    .into_tensor()
            }
            InputType::String => {
                let (dict, codes) = read_labels(col);
                let v: Vec<String> = codes
                    .iter()
                    .map(|c| dict.get(*c as usize).cloned().unwrap_or_default())
                    .collect();
                tract_ndarray::Array2::from_shape_vec((n, 1), v)
                    .map_err(tract_error)?
                    .into_tensor()
            }
        };
        model
            .set_input_fact(
                i,
                InferenceFact::dt_shape(tensor.datum_type(), tensor.shape()),
            )
            .map_err(tract_error)?;
        tensors.push(tensor.into_tvalue());
    }
    let plan = model
        .into_optimized()
        .map_err(tract_error)?
        .into_runnable()
        .map_err(tract_error)?;
    let out = plan.run(tensors).map_err(tract_error)?;
    let mut labels = Vec::new();
    let mut values = None;
    for t in out.iter() {
        if t.datum_type() == String::datum_type() {
            labels = t
                .to_plain_array_view::<String>()
                .map_err(tract_error)?
                .iter()
                .cloned()
                .collect();
        } else {
            let t = t.cast_to::<f64>().map_err(tract_error)?;
            let cols = t.shape().get(1).copied().unwrap_or(1);
            let data: Vec<f64> = t
                .to_plain_array_view::<f64>()
                .map_err(tract_error)?
                .iter()
                .copied()
                .collect();
            values = Some(Matrix::new(n, cols, data)?);
        }
    }
    Ok(OnnxOutputs {
        labels,
        values: values.ok_or_else(|| tract_error("the graph returned no numbers"))?,
    })
}
