//! Explanations of a trained model or a saved artifact, per original input column, and the
//! `report.html` of a run.

use std::collections::BTreeSet;

use mlpilot_core::{Error, Frame, Result};
use mlpilot_explain::{
    BoardEntry, ExplainOptions, Importance, ImportanceOptions, PartialDependence, PdpOptions,
    ReportData, RowExplanation, TableModel, explain_rows, partial_dependence,
    permutation_importance,
};
use mlpilot_search::Predictor;
use serde::{Deserialize, Serialize};

pub use mlpilot_artifact::explain::PredictorModel;

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
///
/// # Errors
/// An invalid-input error when a row index is out of range; otherwise as
/// [`permutation_importance`] and [`explain_rows`] (e.g. a not-found error when `data` lacks an
/// input column, or an invalid-input error for a target label not seen in training).
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

/// The `report.html` of a run, with explanations as complete as they come (no time limit).
///
/// # Errors
///
/// Whatever explaining or rendering returns.
pub fn report(trained: &crate::Trained, title: &str) -> Result<String> {
    report_within(trained, title, None)
}

/// The `report.html` of a run whose explanations (permutation importance, per-row Shapley
/// values, partial dependence) take about `seconds` at most: the rows, repeats and explained
/// rows are sized from a measured prediction cost, and the report says what was sampled.
/// `None`: no limit.
///
/// # Errors
///
/// Whatever explaining or rendering returns.
pub fn report_within(
    trained: &crate::Trained,
    title: &str,
    seconds: Option<f64>,
) -> Result<String> {
    let r = &trained.result;
    let schema_cols: Vec<String> = trained
        .schema
        .columns
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let model = PredictorModel::new(&r.predictor, &schema_cols);
    let target = trained.target();
    let seed = trained.config.seed;
    let reference = &trained.reference;
    let sizing = ExplainSizing::measure(&model, reference, seconds)?;
    let mut sampling = sizing.notes.clone();
    let importances = importances_sized(trained, &model, sizing.importance)?;
    let (n_explain, background, permutations) = sizing.rows;
    let explain_idx: Vec<usize> = (0..n_explain.min(reference.n_rows())).collect();
    let explanations = explain_rows(
        &model,
        reference,
        &explain_idx,
        &reference.without(&[target]),
        &ExplainOptions {
            background,
            permutations,
            seed,
            prefer_tree: true,
        },
    )?;
    let (n_pdp, pdp_rows) = sizing.pdp;
    let pdps = importances
        .iter()
        .take(n_pdp)
        .map(|imp| {
            partial_dependence(
                &model,
                reference,
                &imp.feature,
                &PdpOptions {
                    seed,
                    max_rows: pdp_rows,
                    ..Default::default()
                },
            )
        })
        .collect::<Result<Vec<PartialDependence>>>()?;
    if importances.is_empty() && n_explain == 0 {
        sampling.push("no explanations: the time budget left none for them".into());
    }
    let leaderboard = best_per_model(&r.leaderboard);
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
        validation: mlpilot_core::narration::validation(&r.validation),
        narrative: trained.narrative().to_string(),
        profile: trained.profile.clone(),
        plan: r.plan.step_summaries(),
        leaderboard,
        metrics,
        classes,
        y_true: y.clone(),
        y_pred: preds.values.clone(),
        positive_scores,
        importances,
        explanations,
        partial_dependence: pdps,
        sampling,
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

/// How much explaining fits in a time limit, from the measured cost of predicting one row.
struct ExplainSizing {
    /// Permutation importance: `(rows, repeats)`, or `None` to fall back to the model's own
    /// importances.
    importance: Option<(usize, usize)>,
    /// Per-row explanations: `(rows, background rows, permutations)`.
    rows: (usize, usize, usize),
    /// Partial dependence: `(columns, rows averaged)`.
    pdp: (usize, usize),
    /// What was reduced, in words.
    notes: Vec<String>,
}

impl ExplainSizing {
    /// The full report's sizes when there is no limit; otherwise sizes that fit `seconds`
    /// (half for importances, three tenths for row explanations, a fifth for partial
    /// dependence).
    fn measure(
        model: &PredictorModel<'_>,
        reference: &Frame,
        seconds: Option<f64>,
    ) -> Result<Self> {
        let full = ExplainSizing {
            importance: Some((IMPORTANCE_ROWS, REPEATS)),
            rows: (EXPLAINED, BACKGROUND, PERMUTATIONS),
            pdp: (PDP_COLUMNS, PDP_ROWS),
            notes: Vec::new(),
        };
        let Some(seconds) = seconds else {
            return Ok(full);
        };
        let probe_rows = reference.n_rows().min(200);
        if probe_rows == 0 {
            return Ok(full);
        }
        let probe: Vec<usize> = (0..probe_rows).collect();
        let sample = reference.take(&probe)?;
        let t0 = std::time::Instant::now();
        model.outputs(&sample)?;
        let per_row = (t0.elapsed().as_secs_f64() / probe_rows as f64).max(1e-7);
        let seconds = (seconds - t0.elapsed().as_secs_f64()).max(0.0);
        let p = model.input_columns().len().max(1) as f64;
        let n_ref = reference.n_rows();
        let mut notes = Vec::new();
        let importance = size_importance(seconds, per_row, p, n_ref, &mut notes);
        let rows = size_rows(
            seconds,
            per_row,
            p,
            n_ref,
            model.single_tree().is_some(),
            &mut notes,
        );
        let pdp = size_pdp(seconds, per_row, n_ref, &mut notes);
        Ok(ExplainSizing {
            importance,
            rows,
            pdp,
            notes,
        })
    }
}

/// Permutation importance on the rows and repeats the sizing allows, else the models' own
/// importances.
fn importances_sized(
    trained: &crate::Trained,
    model: &PredictorModel<'_>,
    sized: Option<(usize, usize)>,
) -> Result<Vec<Importance>> {
    Ok(match sized {
        Some((rows, repeats)) => permutation_importance(
            model,
            &trained.reference,
            trained.target(),
            trained.result.metric,
            &ImportanceOptions {
                repeats,
                max_rows: rows,
                seed: trained.config.seed,
            },
        )?,
        None => trained
            .native_importances()
            .into_iter()
            .map(|(feature, importance)| Importance {
                feature,
                importance,
                std: 0.0,
            })
            .collect(),
    })
}

/// Each model's best scored trial, best first (the leaderboard's order).
fn best_per_model(rows: &[mlpilot_search::LeaderboardRow]) -> Vec<BoardEntry> {
    let mut seen = BTreeSet::new();
    rows.iter()
        .filter(|l| l.score.is_some() && seen.insert(l.model.clone()))
        .filter_map(|l| {
            l.score.map(|s| BoardEntry {
                model: l.model.clone(),
                score: s,
                std: l.std,
                fit_secs: l.fit_secs,
            })
        })
        .collect()
}

const IMPORTANCE_ROWS: usize = 1000;
const REPEATS: usize = 3;
const EXPLAINED: usize = 20;
const BACKGROUND: usize = 24;
const PERMUTATIONS: usize = 8;
const PDP_COLUMNS: usize = 4;
const PDP_ROWS: usize = 300;
const PDP_GRID: f64 = 16.0;

/// Permutation importance within half the time: (1 + repeats · columns) predictions of every
/// sampled row; `None` when not even 30 rows fit (the models' own importances then).
fn size_importance(
    seconds: f64,
    per_row: f64,
    p: f64,
    n_ref: usize,
    notes: &mut Vec<String>,
) -> Option<(usize, usize)> {
    let t_imp = 0.5 * seconds;
    let fit_rows = |repeats: usize| (t_imp / ((1.0 + repeats as f64 * p) * per_row)) as usize;
    let importance = [REPEATS, 2, 1]
        .into_iter()
        .map(|r| (fit_rows(r).min(IMPORTANCE_ROWS).min(n_ref), r))
        .find(|(rows, _)| *rows >= 200.min(n_ref))
        .or_else(|| Some((fit_rows(1).min(n_ref), 1)).filter(|(rows, _)| *rows >= 30));
    match importance {
        Some((rows, repeats)) if rows < IMPORTANCE_ROWS.min(n_ref) || repeats < REPEATS => {
            notes.push(format!(
                "permutation importance: {rows} sampled rows, {repeats} shuffle(s) per column (sized to the time budget)"
            ));
        }
        Some(_) => {}
        None => notes.push(
            "importance: the models' own importances (no time to shuffle each of the columns)"
                .into(),
        ),
    }
    importance
}

/// Row explanations within 30 % of the time: background rows × coalitions per row (one pass
/// over the trees per row for exact TreeSHAP).
fn size_rows(
    seconds: f64,
    per_row: f64,
    p: f64,
    n_ref: usize,
    single_tree: bool,
    notes: &mut Vec<String>,
) -> (usize, usize, usize) {
    let t_rows = 0.3 * seconds;
    let coalitions = |perms: usize| {
        if p <= 6.0 {
            2f64.powf(p)
        } else {
            2.0 * perms as f64 * (p + 1.0)
        }
    };
    let rows = if single_tree {
        // Exact TreeSHAP: about one pass over the trees per row.
        let n = ((t_rows / (50.0 * per_row)) as usize).min(EXPLAINED);
        (n, BACKGROUND, PERMUTATIONS)
    } else {
        [(BACKGROUND, PERMUTATIONS), (16, 4), (8, 2)]
            .into_iter()
            .map(|(bg, perms)| {
                let one = bg as f64 * coalitions(perms) * per_row;
                (((t_rows / one) as usize).min(EXPLAINED), bg, perms)
            })
            .find(|(n, _, _)| *n >= 5)
            .unwrap_or_else(|| {
                let one = 8.0 * coalitions(2) * per_row;
                (((t_rows / one) as usize).min(EXPLAINED), 8, 2)
            })
    };
    if rows.0 < EXPLAINED.min(n_ref) || rows.1 < BACKGROUND {
        notes.push(if rows.0 == 0 {
            "per-row explanations: none (no time left for them)".to_string()
        } else {
            format!(
                "per-row explanations: {} rows, {} background rows, {} permutations (sized to the time budget)",
                rows.0, rows.1, rows.2
            )
        });
    }
    rows
}

/// Partial dependence within 20 % of the time: grid points × rows per column.
fn size_pdp(seconds: f64, per_row: f64, n_ref: usize, notes: &mut Vec<String>) -> (usize, usize) {
    let t_pdp = 0.2 * seconds;
    let pdp_rows = ((t_pdp / (PDP_COLUMNS as f64 * PDP_GRID * per_row)) as usize).min(PDP_ROWS);
    let pdp = if pdp_rows >= 30 {
        (PDP_COLUMNS, pdp_rows)
    } else {
        let cols = (t_pdp / (PDP_GRID * 30.0 * per_row)) as usize;
        (cols.min(PDP_COLUMNS), 30)
    };
    if pdp.0 < PDP_COLUMNS || pdp.1 < PDP_ROWS.min(n_ref) {
        notes.push(format!(
            "partial dependence: {} column(s), {} rows averaged (sized to the time budget)",
            pdp.0, pdp.1
        ));
    }
    pdp
}
