//! Explanations of a trained model or a saved artifact, per original input column, and the
//! `report.html` of a run.

use std::collections::BTreeSet;

use mlpilot_core::{Column, Error, Frame, Matrix, Model, Result, Task};
use mlpilot_explain::{
    BoardEntry, ExplainOptions, Importance, ImportanceOptions, PartialDependence, PdpOptions,
    ReportData, RowExplanation, TableModel, explain_rows, partial_dependence,
    permutation_importance,
};
use mlpilot_prep::FittedPipeline;
use mlpilot_search::Predictor;
use serde::{Deserialize, Serialize};

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
            match d {
                Derived::Log1p { column } => {
                    used.insert(column.clone());
                }
                Derived::Ratio {
                    numerator,
                    denominator,
                } => {
                    used.insert(numerator.clone());
                    used.insert(denominator.clone());
                }
            }
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

/// What `mlpilot explain` prints with `--json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Permutation importance per input column, largest first.
    pub global: Vec<Importance>,
    /// Which rows the importances were measured on.
    pub global_source: String,
    /// The explained rows.
    pub rows: Vec<RowExplanation>,
}

/// Explains `rows` of `data` (all rows up to a handful when empty is given by the caller) and
/// the model as a whole. Importances are measured on `data` when it carries the target,
/// otherwise on the stored training sample.
pub fn explain(
    model: &PredictorModel<'_>,
    target: &str,
    metric: mlpilot_core::Metric,
    data: &Frame,
    rows: &[usize],
    reference: &Frame,
    seed: u64,
) -> Result<Explanation> {
    // Check the rows before the (slower) importances.
    if let Some(r) = rows.iter().find(|r| **r >= data.n_rows()) {
        return Err(Error::invalid_input(format!(
            "row {r} does not exist; the data has {} rows (rows count from 0)",
            data.n_rows()
        )));
    }
    let (frame, source) = match data.column(target) {
        Some(c) if c.len() > c.null_count() + 1 => (data, "the rows given"),
        _ => (reference, "the training sample stored with the model"),
    };
    let global = permutation_importance(
        model,
        frame,
        target,
        metric,
        &ImportanceOptions {
            seed,
            ..Default::default()
        },
    )?;
    let rows = explain_rows(
        model,
        data,
        rows,
        &reference.without(&[target]),
        &ExplainOptions {
            seed,
            ..Default::default()
        },
    )?;
    Ok(Explanation {
        global,
        global_source: source.to_string(),
        rows,
    })
}

/// Renders the run's `report.html`.
pub fn report(trained: &crate::Trained, title: &str) -> Result<String> {
    let r = &trained.result;
    let schema_cols: Vec<String> = trained
        .schema
        .columns
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let model = PredictorModel::new(&r.predictor, &trained.config.derived, &schema_cols);
    let target = trained.target();
    let seed = trained.config.seed;
    let reference = &trained.reference;
    let importances = permutation_importance(
        &model,
        reference,
        target,
        r.metric,
        &ImportanceOptions {
            repeats: 3,
            max_rows: 1000,
            seed,
        },
    )?;
    let n_explain = reference.n_rows().min(20);
    let explain_idx: Vec<usize> = (0..n_explain).collect();
    let explanations = explain_rows(
        &model,
        reference,
        &explain_idx,
        &reference.without(&[target]),
        &ExplainOptions {
            background: 24,
            permutations: 8,
            seed,
            prefer_tree: true,
        },
    )?;
    let mut pdps: Vec<PartialDependence> = Vec::new();
    for imp in importances.iter().take(4) {
        pdps.push(partial_dependence(
            &model,
            reference,
            &imp.feature,
            &PdpOptions {
                seed,
                ..Default::default()
            },
        )?);
    }
    let mut seen = BTreeSet::new();
    let leaderboard = r
        .leaderboard
        .iter()
        .filter(|l| l.score.is_some() && seen.insert(l.model.clone()))
        .filter_map(|l| {
            l.score.map(|s| BoardEntry {
                model: l.model.clone(),
                score: s,
                std: l.std,
                fit_secs: l.fit_secs,
            })
        })
        .collect();
    let task = trained.task();
    let classes = r.predictor.encoding.classes().to_vec();
    let k = classes.len();
    let preds = &r.validation_predictions;
    let y = &r.validation_targets;
    let metrics: Vec<(String, f64)> = mlpilot_core::task::evaluate(task, y, preds, k)
        .into_iter()
        .map(|(m, s)| (m.display_name().to_string(), s))
        .collect();
    let positive_scores = match (&preds.proba, k) {
        (Some(p), 2) => Some(p.column(1)),
        _ => None,
    };
    let data = ReportData {
        title: title.to_string(),
        task,
        target: target.to_string(),
        metric: r.metric.display_name().to_string(),
        model: r.predictor.describe(),
        score: r.score,
        score_std: r.score_std,
        baseline: r.baseline_score,
        validation: r.validation.clone(),
        narrative: trained.narrative().to_string(),
        profile: trained.profile.clone(),
        plan: r
            .plan
            .columns
            .iter()
            .flat_map(|c| {
                c.steps.iter().map(move |s| mlpilot_core::StepSummary {
                    column: c.column.clone(),
                    step: s.step.name(),
                    reason: s.reason.clone(),
                })
            })
            .collect(),
        leaderboard,
        metrics,
        classes,
        y_true: y.clone(),
        y_pred: preds.values.clone(),
        positive_scores,
        importances,
        explanations,
        partial_dependence: pdps,
    };
    mlpilot_explain::render_html(&data)
}

/// The words of a text column that push towards one class the most.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassTerms {
    /// The text column.
    pub column: String,
    /// The class.
    pub class: String,
    /// Terms and their weights towards the class, strongest first.
    pub terms: Vec<(String, f64)>,
}

/// For each text column and class, the `top` terms with the largest positive weight in the
/// predictor's linear model (the ensemble member with the largest weight that has one).
/// Empty when no member is linear or no input is text.
pub fn text_terms(predictor: &Predictor, text_columns: &[String], top: usize) -> Vec<ClassTerms> {
    let Some(member) = predictor
        .members
        .iter()
        .filter(|m| m.model.linear_coefficients().is_some())
        .max_by(|a, b| a.weight.total_cmp(&b.weight))
    else {
        return Vec::new();
    };
    let Some(coef) = member.model.linear_coefficients() else {
        return Vec::new();
    };
    let classes = predictor.encoding.classes();
    let features = member.pipeline.features();
    let mut out = Vec::new();
    for column in text_columns {
        let prefix = format!("{column}:");
        for (c, class) in classes.iter().enumerate() {
            let mut terms: Vec<(String, f64)> = features
                .iter()
                .enumerate()
                .filter(|(_, f)| f.source == *column)
                .filter_map(|(j, f)| {
                    let w = coef.get(c, j)?;
                    let term = f.name.strip_prefix(&prefix).unwrap_or(&f.name).to_string();
                    (w > 0.0).then_some((term, w))
                })
                .collect();
            terms.sort_by(|a, b| b.1.total_cmp(&a.1));
            terms.truncate(top);
            if !terms.is_empty() {
                out.push(ClassTerms {
                    column: column.clone(),
                    class: class.clone(),
                    terms,
                });
            }
        }
    }
    out
}
