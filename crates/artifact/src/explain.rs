//! A saved predictor seen by the explainers (`mlpilot_explain::TableModel`): the players are
//! the raw input columns, a derived column's sources standing for it.

use std::collections::BTreeSet;

use mlpilot_core::{Column, Frame, Matrix, Model, Result, Task};
use mlpilot_explain::TableModel;
use mlpilot_prep::FittedPipeline;
use mlpilot_search::Predictor;

use crate::derive::Derived;

/// A predictor seen by the explainers: the players are the raw input columns (a derived
/// column's sources stand for it).
pub struct PredictorModel<'a> {
    predictor: &'a Predictor,
    derived: &'a [Derived],
    columns: Vec<String>,
}

impl<'a> PredictorModel<'a> {
    /// Wraps a predictor and the derived columns it expects; `schema_columns` lists the raw
    /// input columns in table order.
    pub fn new(
        predictor: &'a Predictor,
        derived: &'a [Derived],
        schema_columns: &[String],
    ) -> Self {
        let mut used: BTreeSet<String> = BTreeSet::new();
        for m in &predictor.members {
            for i in m.pipeline.inputs() {
                used.insert(i.name.clone());
            }
        }
        for d in derived {
            used.extend(d.sources().into_iter().map(str::to_string));
        }
        let columns = schema_columns
            .iter()
            .filter(|c| used.contains(*c))
            .cloned()
            .collect();
        PredictorModel {
            predictor,
            derived,
            columns,
        }
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
        let frame = crate::derive::apply(frame, self.derived)?;
        let p = self.predictor.predict(&frame)?.predictions;
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
            [m] if self.derived.is_empty() && m.model.tree_ensemble().is_some() => {
                Some((&m.pipeline, m.model.as_model()))
            }
            _ => None,
        }
    }
}
