//! The fitted result of a run: one model, or a weighted ensemble, each with its preprocessing.

use mlpilot_core::{
    DynModel, Error, ErrorKind, Frame, Matrix, ParamSet, Predictions, Registry, Result, Task,
};
use mlpilot_prep::{FittedPipeline, TargetEncoding};
use serde::{Deserialize, Serialize};

/// One fitted model with the pipeline that prepares its input.
#[derive(Debug)]
pub struct Member {
    /// Weight in the ensemble (1 for a single model).
    pub weight: f64,
    /// The estimator that fitted it.
    pub estimator: String,
    /// Its hyperparameters.
    pub params: ParamSet,
    /// Its preprocessing.
    pub pipeline: FittedPipeline,
    /// The model.
    pub model: Box<dyn DynModel>,
}

/// Predictions for a table, in the target's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct TablePredictions {
    /// Class indices or values, one per row.
    pub predictions: Predictions,
    /// What preprocessing had to coerce or found unseen.
    pub warnings: Vec<String>,
}

/// A fitted predictor: what `mlpilot predict` runs.
#[derive(Debug)]
pub struct Predictor {
    /// The task.
    pub task: Task,
    /// The target column's name.
    pub target: String,
    /// How target values map to class indices.
    pub encoding: TargetEncoding,
    /// The members (one, or an ensemble).
    pub members: Vec<Member>,
    /// Binary tasks: the probability of the positive class at or above which a row is
    /// predicted positive (`None`: the most probable class, i.e. 0.5). See
    /// [`crate::threshold`].
    pub threshold: Option<f64>,
}

impl Predictor {
    /// Whether it is an ensemble of several models.
    pub fn is_ensemble(&self) -> bool {
        self.members.len() > 1
    }

    /// A short description (`gbdt.hist_gbm`, `ensemble of 3: gbdt.hist_gbm ×0.60, …`). The
    /// fold models of one configuration, bagged when there was no time to refit it, count as
    /// one model (`gbdt.hist_gbm ×0.60 (5 fold models)`).
    pub fn describe(&self) -> String {
        // (estimator, params, weight, models) per configuration, in member order.
        let mut groups: Vec<(&str, &ParamSet, f64, usize)> = Vec::new();
        for m in &self.members {
            match groups.last_mut() {
                Some(g) if g.0 == m.estimator && *g.1 == m.params => {
                    g.2 += m.weight;
                    g.3 += 1;
                }
                _ => groups.push((&m.estimator, &m.params, m.weight, 1)),
            }
        }
        let name = |g: &(&str, &ParamSet, f64, usize)| {
            if g.3 > 1 {
                format!("{} ({} fold models)", g.0, g.3)
            } else {
                g.0.to_string()
            }
        };
        match groups.as_slice() {
            [one] => name(one),
            many => format!(
                "ensemble of {}: {}",
                many.len(),
                many.iter()
                    .map(|g| format!("{} ×{:.2}", name(g), g.2))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Predicts a table. Classification predictions carry probabilities (averaged over the
    /// ensemble); models without probabilities vote with one-hot rows.
    ///
    /// # Errors
    /// An invalid-input error naming the column when `frame` lacks a column a member's
    /// preprocessing reads or a numeric column mostly holds text (see
    /// [`FittedPipeline::transform`]); otherwise when a model fails to predict.
    pub fn predict(&self, frame: &Frame) -> Result<TablePredictions> {
        let n = frame.n_rows();
        let k = self.encoding.n_classes();
        let mut warnings = Vec::new();
        if self.task.is_classification() {
            let mut acc = vec![0.0; n * k];
            let mut total_w = 0.0;
            for m in &self.members {
                let t = m.pipeline.transform(frame)?;
                for w in t.warnings {
                    if !warnings.contains(&w) {
                        warnings.push(w);
                    }
                }
                let proba = match m.model.predict_proba(&t.features) {
                    Ok(p) => p,
                    Err(e) if e.kind() == ErrorKind::Unsupported => {
                        Matrix::one_hot(&m.model.predict(&t.features)?, k)?
                    }
                    Err(e) => return Err(e),
                };
                for (a, p) in acc.iter_mut().zip(proba.as_slice()) {
                    *a += m.weight * p;
                }
                total_w += m.weight;
            }
            if total_w > 0.0 {
                acc.iter_mut().for_each(|a| *a /= total_w);
            }
            let proba = Matrix::new(n, k, acc)?;
            let mut predictions = Predictions::from_proba(proba);
            if let Some(t) = self.threshold {
                crate::threshold::apply_threshold(&mut predictions, t);
            }
            Ok(TablePredictions {
                predictions,
                warnings,
            })
        } else {
            let mut acc = vec![0.0; n];
            let mut total_w = 0.0;
            for m in &self.members {
                let t = m.pipeline.transform(frame)?;
                warnings.extend(t.warnings);
                let p = m.model.predict(&t.features)?;
                for (a, v) in acc.iter_mut().zip(&p) {
                    *a += m.weight * v;
                }
                total_w += m.weight;
            }
            if total_w > 0.0 {
                acc.iter_mut().for_each(|a| *a /= total_w);
            }
            warnings.dedup();
            Ok(TablePredictions {
                predictions: Predictions::values(acc),
                warnings,
            })
        }
    }

    /// The predictor in a storable form (models as bytes, named by estimator id).
    ///
    /// # Errors
    /// A format error when a model cannot be serialised (see [`DynModel::to_bytes`]).
    pub fn to_stored(&self) -> Result<StoredPredictor> {
        let members = self
            .members
            .iter()
            .map(|m| {
                Ok(StoredMember {
                    weight: m.weight,
                    estimator: m.estimator.clone(),
                    params: m.params.clone(),
                    pipeline: m.pipeline.clone(),
                    model: m.model.to_bytes()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(StoredPredictor {
            task: self.task,
            target: self.target.clone(),
            encoding: self.encoding.clone(),
            members,
            threshold: self.threshold,
        })
    }
}

/// A member as stored in an artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMember {
    /// Ensemble weight.
    pub weight: f64,
    /// Estimator id (to find the code that reads `model`).
    pub estimator: String,
    /// Hyperparameters.
    pub params: ParamSet,
    /// Preprocessing.
    pub pipeline: FittedPipeline,
    /// The model's bytes.
    pub model: Vec<u8>,
}

/// A predictor as stored in an artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPredictor {
    /// The task.
    pub task: Task,
    /// The target column.
    pub target: String,
    /// Target encoding.
    pub encoding: TargetEncoding,
    /// Members.
    pub members: Vec<StoredMember>,
    /// The decision threshold of a binary classifier (`None`: 0.5).
    #[serde(default)]
    pub threshold: Option<f64>,
}

impl StoredPredictor {
    /// Reads the models back through the registry.
    ///
    /// # Errors
    /// A format error when there are no members or a model's bytes cannot be read; a not-found
    /// error when a member's estimator is not in `registry`.
    pub fn load(self, registry: &Registry) -> Result<Predictor> {
        if self.members.is_empty() {
            return Err(Error::new(
                ErrorKind::Format,
                "the stored predictor has no models",
            ));
        }
        let members = self
            .members
            .into_iter()
            .map(|m| {
                let model = registry.load_model(&m.estimator, &m.model)?;
                Ok(Member {
                    weight: m.weight,
                    estimator: m.estimator,
                    params: m.params,
                    pipeline: m.pipeline,
                    model,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Predictor {
            task: self.task,
            target: self.target,
            encoding: self.encoding,
            members,
            threshold: self.threshold,
        })
    }
}
