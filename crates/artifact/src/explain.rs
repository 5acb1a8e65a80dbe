//! A saved predictor seen by the explainers (`mlpilot_explain::TableModel`): the players are
//! the raw input columns, a derived column's sources standing for it.

use std::collections::BTreeSet;

use mlpilot_core::{Column, Frame, Matrix, Model, Result, Task};
use mlpilot_explain::TableModel;
use mlpilot_prep::FittedPipeline;
use mlpilot_search::Predictor;

/// A predictor seen by the explainers: the players are the raw input columns (a derived
/// column's sources stand for it).
pub struct PredictorModel<'a> {
    predictor: &'a Predictor,
    columns: Vec<String>,
}

impl<'a> PredictorModel<'a> {
    /// Wraps a predictor; `schema_columns` lists the raw input columns in table order.
    pub fn new(predictor: &'a Predictor, schema_columns: &[String]) -> Self {
        let used: BTreeSet<String> = predictor
            .members
            .iter()
            .flat_map(|m| m.pipeline.raw_inputs())
            .collect();
        let columns = schema_columns
            .iter()
            .filter(|c| used.contains(*c))
            .cloned()
            .collect();
        PredictorModel { predictor, columns }
    }
}

impl TableModel for PredictorModel<'_> {
    fn task(&self) -> Task {
        self.predictor.task
    }

    fn classes(&self) -> Vec<String> {
        self.predictor.encoding.classes().to_vec()
    }

    fn input_columns(&self) -> Vec<String> {
        self.columns.clone()
    }

    fn outputs(&self, frame: &Frame) -> Result<Matrix> {
        let p = self.predictor.predict(frame)?.predictions;
        match p.proba {
            Some(m) => Ok(m),
            None => Matrix::new(p.values.len(), 1, p.values),
        }
    }

    fn encode_target(&self, column: &Column) -> Result<Vec<f64>> {
        let e = self.predictor.encoding.encode(column)?;
        let mut y = vec![f64::NAN; column.len()];
        for (r, v) in e.rows.iter().zip(e.y) {
            if let Some(slot) = y.get_mut(*r) {
                *slot = v;
            }
        }
        Ok(y)
    }

    fn single_tree(&self) -> Option<(&FittedPipeline, &dyn Model)> {
        match self.predictor.members.as_slice() {
            // TreeSHAP's feature shares add up per raw column only when every feature comes
            // from one raw column (not a ratio or product of two).
            [m] if m.model.tree_ensemble().is_some()
                && m.pipeline
                    .features()
                    .iter()
                    .all(|f| m.pipeline.raw_source(f).is_some()) =>
            {
                Some((&m.pipeline, m.model.as_model()))
            }
            _ => None,
        }
    }
}
