//! Export of a trained model to ONNX: one graph with every ensemble member's preprocessing and
//! model (see [`mlpilot_onnx`] for the graph's inputs, outputs and operators).

use mlpilot_core::Result;
use mlpilot_onnx::OnnxModel;
use mlpilot_search::Predictor;

use crate::{Artifact, Trained};

fn export(predictor: &Predictor) -> Result<OnnxModel> {
    mlpilot_onnx::export(predictor, env!("CARGO_PKG_VERSION"))
}

/// Exports a saved model to ONNX.
///
/// # Errors
/// `Unsupported` naming the part that cannot be exported (a date or text column, a model
/// family such as k-nearest neighbours, a derived column).
pub fn artifact_to_onnx(artifact: &Artifact) -> Result<OnnxModel> {
    export(&artifact.predictor)
}

impl Trained {
    /// Exports the trained model to ONNX (see [`artifact_to_onnx`]).
    ///
    /// # Errors
    /// As [`artifact_to_onnx`].
    pub fn to_onnx(&self) -> Result<OnnxModel> {
        export(&self.result.predictor)
    }
}
