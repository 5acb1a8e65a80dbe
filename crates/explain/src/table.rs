//! Explanations in the terms of the input table: every number is per original input column
//! (one-hot parts, date parts and text terms are summed back into the column they came from).

use mlpilot_core::{
    Column, Error, ErrorKind, ExplainOutput, Frame, Matrix, Metric, Model, Predictions, Result,
    Rng, Task,
};
use mlpilot_prep::FittedPipeline;
use serde::{Deserialize, Serialize};

use crate::permutation::{Coalitions, output_index, shapley};
use crate::treeshap::PreparedEnsemble;

/// A fitted model seen from the table: what the explainers need and nothing else.
pub trait TableModel: Send + Sync {
    /// The task.
    fn task(&self) -> Task;
    /// Class labels in class-index order (empty for regression).
    fn classes(&self) -> Vec<String>;
    /// The input columns the model reads, in a stable order (the explanation's players).
    fn input_columns(&self) -> Vec<String>;
    /// Outputs for every row: class probabilities (rows × classes) or values (rows × 1).
    ///
    /// # Errors
    /// When the rows cannot be predicted (for a saved predictor: a missing input column, text in a
    /// numeric column, or a failing model).
    fn outputs(&self, frame: &Frame) -> Result<Matrix>;
    /// The target column encoded as class indices or values.
    ///
    /// # Errors
    /// When the column does not fit the target encoding (for a saved predictor: a label not seen in
    /// training, or a target of numbers of which more than 5 % are words; a few words are missing
    /// values, NaN here; see [`mlpilot_prep::TargetEncoding::encode`]).
    fn encode_target(&self, column: &Column) -> Result<Vec<f64>>;
    /// The single tree model and its pipeline, when the model is exactly that (TreeSHAP then
    /// applies); `None` for ensembles of several models and non-tree models.
    fn single_tree(&self) -> Option<(&FittedPipeline, &dyn Model)> {
        None
    }
}

/// One column's share of a prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// The input column.
    pub feature: String,
    /// Its additive contribution to the explained output.
    pub value: f64,
    /// The row's value of the column, as text.
    pub input: String,
}

/// One row explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowExplanation {
    /// The row's index in the data given.
    pub row: usize,
    /// The prediction (a class label or a number as text).
    pub prediction: String,
    /// The explained output: the value (regression), the positive class's probability
    /// (binary) or the predicted class's probability (multiclass).
    pub output: f64,
    /// The expected output over the background rows (or the training cover, for TreeSHAP).
    pub base_value: f64,
    /// Contributions per input column, largest magnitude first.
    pub contributions: Vec<Contribution>,
    /// The class whose probability is explained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// `tree_shap` or `permutation_shap`.
    pub method: String,
}

impl RowExplanation {
    /// `output − base_value − Σ contributions`.
    pub fn additivity_gap(&self) -> f64 {
        self.output - self.base_value - self.contributions.iter().map(|c| c.value).sum::<f64>()
    }

    /// The explanation as the assistant's input.
    pub fn context(&self, task: Task) -> mlpilot_core::PredictionContext {
        mlpilot_core::PredictionContext {
            task,
            prediction: self.prediction.clone(),
            output: self.output,
            base_value: self.base_value,
            class: self.class.clone(),
            contributions: self
                .contributions
                .iter()
                .map(|c| (c.feature.clone(), c.input.clone(), c.value))
                .collect(),
        }
    }

    /// One sentence: "Predicted survived (0.82), mainly because sex = female (+0.310) and
    /// pclass = 1st (+0.120) against a base rate of 0.38."
    pub fn sentence(&self, task: Task) -> String {
        self.context(task).sentence()
    }
}

pub use mlpilot_core::narration::number as fmt_num;

/// Options for per-row explanations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExplainOptions {
    /// Background rows for permutation SHAP.
    pub background: usize,
    /// Permutations per row for permutation SHAP (above the exact-enumeration limit).
    pub permutations: usize,
    /// Use TreeSHAP when the model is a single tree model.
    pub prefer_tree: bool,
    /// The seed.
    pub seed: u64,
}

impl Default for ExplainOptions {
    fn default() -> Self {
        ExplainOptions {
            background: 48,
            permutations: 24,
            prefer_tree: true,
            seed: 0,
        }
    }
}

/// Which output a task explains by default: the value, the positive class's probability, or
/// the predicted class's probability.
pub fn default_output(task: Task, n_classes: usize) -> ExplainOutput {
    match task {
        Task::Binary if n_classes == 2 => ExplainOutput::Probability(1),
        t if t.is_classification() => ExplainOutput::PredictedClass,
        _ => ExplainOutput::Value,
    }
}

/// The text of a cell.
fn cell(frame: &Frame, column: &str, row: usize) -> String {
    frame
        .column(column)
        .and_then(|c| c.str_at(row))
        .unwrap_or_else(|| "missing".to_string())
}

/// Explains `rows` of `frame` per input column. `background` supplies the values of "absent"
/// columns (usually a sample of the training rows).
///
/// # Errors
/// An invalid-input error when a row index is out of range, or when permutation SHAP is needed
/// and `background` is empty; a not-found error when `frame` or `background` lacks an input
/// column; otherwise when the model's outputs fail (see [`TableModel::outputs`]).
pub fn explain_rows(
    model: &dyn TableModel,
    frame: &Frame,
    rows: &[usize],
    background: &Frame,
    options: &ExplainOptions,
) -> Result<Vec<RowExplanation>> {
    for &r in rows {
        if r >= frame.n_rows() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "row {r} does not exist; the data has {} rows (rows count from 0)",
                    frame.n_rows()
                ),
            ));
        }
    }
    let columns = model.input_columns();
    for c in &columns {
        frame.require(c)?;
    }
    let classes = model.classes();
    let task = model.task();
    let output = default_output(task, classes.len());
    if options.prefer_tree
        && let Some((pipeline, tree_model)) = model.single_tree()
        && let Some(ensemble) = tree_model.tree_ensemble()
    {
        let prepared = PreparedEnsemble::new(ensemble, tree_model.n_features())?;
        return tree_shap_rows(
            &prepared, pipeline, frame, rows, &columns, output, &classes, task,
        );
    }
    if background.n_rows() == 0 {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "explanations need background rows; the model carries none",
        ));
    }
    let mut rng = Rng::new(options.seed);
    let bg_rows = if background.n_rows() > options.background {
        let mut idx = rng.sample_indices(background.n_rows(), options.background.max(1));
        idx.sort_unstable();
        idx
    } else {
        (0..background.n_rows()).collect()
    };
    let bg = background.take(&bg_rows)?;
    let mut out = Vec::with_capacity(rows.len());
    for &r in rows {
        let game = FrameGame::new(model, frame, r, &bg, &columns)?;
        let s = shapley(
            &game,
            options.permutations,
            options.seed.wrapping_add(r as u64),
        )?;
        let o = output_index(output, &s.full, task.is_classification())?;
        let a = s.attribution(o, task.is_classification().then_some(o));
        let prediction = if task.is_classification() {
            let c = mlpilot_core::task::argmax(&s.full);
            classes.get(c).cloned().unwrap_or_else(|| c.to_string())
        } else {
            mlpilot_core::narration::value(a.output)
        };
        out.push(finish(
            r,
            frame,
            &columns,
            a.contributions,
            a.output,
            a.base_value,
            a.class,
            &classes,
            task,
            if s.exact {
                "exact_shapley"
            } else {
                "permutation_shap"
            },
            prediction,
        ));
    }
    Ok(out)
}

fn prepared_prediction(
    task: Task,
    classes: &[String],
    class: Option<usize>,
    output: f64,
) -> String {
    if !task.is_classification() {
        return mlpilot_core::narration::value(output);
    }
    // For the positive-class probability the prediction is the class on the right side of 0.5.
    let c = match (classes.len(), class) {
        (2, Some(1)) => usize::from(output >= 0.5),
        (2, Some(0)) => usize::from(output < 0.5),
        (_, Some(c)) => c,
        _ => 0,
    };
    classes.get(c).cloned().unwrap_or_else(|| c.to_string())
}

#[allow(clippy::too_many_arguments)]
fn finish(
    row: usize,
    frame: &Frame,
    columns: &[String],
    values: Vec<f64>,
    output: f64,
    base_value: f64,
    class: Option<usize>,
    classes: &[String],
    task: Task,
    method: &str,
    prediction: String,
) -> RowExplanation {
    let mut contributions: Vec<Contribution> = columns
        .iter()
        .zip(values)
        .map(|(c, v)| Contribution {
            feature: c.clone(),
            value: v,
            input: cell(frame, c, row),
        })
        .collect();
    contributions.sort_by(|a, b| b.value.abs().total_cmp(&a.value.abs()));
    RowExplanation {
        row,
        prediction,
        output,
        base_value,
        contributions,
        class: if task.is_classification() {
            class.map(|c| classes.get(c).cloned().unwrap_or_else(|| c.to_string()))
        } else {
            None
        },
        method: method.to_string(),
    }
}

/// The game of one table row against background rows: absent columns take background values.
struct FrameGame<'a> {
    model: &'a dyn TableModel,
    /// Row 0 is the explained row, rows 1..=b the background.
    source: Frame,
    columns: &'a [String],
    b: usize,
}

impl<'a> FrameGame<'a> {
    fn new(
        model: &'a dyn TableModel,
        frame: &Frame,
        row: usize,
        background: &Frame,
        columns: &'a [String],
    ) -> Result<Self> {
        let names: Vec<&str> = columns.iter().map(String::as_str).collect();
        // One frame holding the explained row then the background.
        let source = Frame::concat(&[
            &frame.select(&names)?.take(&[row])?,
            &background.select(&names)?,
        ])?;
        Ok(FrameGame {
            model,
            source,
            columns,
            b: background.n_rows(),
        })
    }
}

impl Coalitions for FrameGame<'_> {
    fn n_players(&self) -> usize {
        self.columns.len()
    }

    fn evaluate(&self, masks: &[Vec<bool>]) -> Result<Vec<Vec<f64>>> {
        let b = self.b.max(1);
        let mut cols = Vec::with_capacity(self.columns.len());
        for (p, col) in self.source.columns().iter().enumerate() {
            let idx: Vec<usize> = masks
                .iter()
                .flat_map(|m| {
                    let present = m.get(p).copied().unwrap_or(false);
                    (0..b).map(move |i| if present { 0 } else { 1 + i })
                })
                .collect();
            cols.push(
                col.take(&idx).ok_or_else(|| {
                    Error::new(ErrorKind::Internal, "background index out of range")
                })?,
            );
        }
        let out = self.model.outputs(&Frame::new(cols)?)?;
        let k = out.n_cols();
        Ok((0..masks.len())
            .map(|c| {
                let mut acc = vec![0.0; k];
                for i in 0..b {
                    if let Some(r) = out.row(c * b + i) {
                        for (a, v) in acc.iter_mut().zip(r) {
                            *a += v / b as f64;
                        }
                    }
                }
                acc
            })
            .collect())
    }
}

/// One column's permutation importance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Importance {
    /// The input column.
    pub feature: String,
    /// The mean loss of score when the column is shuffled (positive = the model relies on it).
    pub importance: f64,
    /// Its standard deviation over repeats.
    pub std: f64,
}

/// Options for permutation importance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImportanceOptions {
    /// Shuffles per column.
    pub repeats: usize,
    /// At most this many rows are used (a seeded sample).
    pub max_rows: usize,
    /// The seed.
    pub seed: u64,
}

impl Default for ImportanceOptions {
    fn default() -> Self {
        ImportanceOptions {
            repeats: 5,
            max_rows: 2000,
            seed: 0,
        }
    }
}

fn score_outputs(task: Task, metric: Metric, y: &[f64], out: Matrix, k: usize) -> Result<f64> {
    let preds = if task.is_classification() {
        Predictions::from_proba(out)
    } else {
        Predictions::values(out.column(0))
    };
    metric.score(y, &preds, k)
}

/// Permutation importance on labelled rows: how much `metric` worsens when each input column
/// is shuffled, as a positive number for a column the model relies on. Largest first.
///
/// # Errors
/// A not-found error when `target` is not a column of `frame`; an invalid-input error when fewer
/// than two rows have a target; otherwise when encoding the target, predicting or scoring fails
/// (see [`TableModel::encode_target`], [`TableModel::outputs`], [`Metric::score`]).
pub fn permutation_importance(
    model: &dyn TableModel,
    frame: &Frame,
    target: &str,
    metric: Metric,
    options: &ImportanceOptions,
) -> Result<Vec<Importance>> {
    let mut rng = Rng::new(options.seed);
    let frame = if frame.n_rows() > options.max_rows {
        let mut idx = rng.sample_indices(frame.n_rows(), options.max_rows);
        idx.sort_unstable();
        frame.take(&idx)?
    } else {
        frame.clone()
    };
    let y = model.encode_target(frame.require(target)?)?;
    let keep: Vec<usize> = y
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, _)| i)
        .collect();
    if keep.len() < 2 {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "permutation importance needs labelled rows; column '{target}' has fewer than 2"
            ),
        ));
    }
    let frame = frame.take(&keep)?;
    let y: Vec<f64> = keep.iter().filter_map(|&i| y.get(i).copied()).collect();
    let task = model.task();
    let k = model.classes().len();
    let base = score_outputs(task, metric, &y, model.outputs(&frame)?, k)?;
    let n = frame.n_rows();
    let columns = model.input_columns();
    let mut result = Vec::with_capacity(columns.len());
    for name in &columns {
        let mut drops = Vec::with_capacity(options.repeats);
        for _ in 0..options.repeats.max(1) {
            let mut perm: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut perm);
            let shuffled = replace_column(&frame, name, &perm)?;
            let s = score_outputs(task, metric, &y, model.outputs(&shuffled)?, k)?;
            drops.push(metric.oriented(base) - metric.oriented(s));
        }
        let mean = drops.iter().sum::<f64>() / drops.len() as f64;
        let var = drops.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / drops.len() as f64;
        result.push(Importance {
            feature: name.clone(),
            importance: mean,
            std: var.sqrt(),
        });
    }
    result.sort_by(|a, b| {
        b.importance
            .total_cmp(&a.importance)
            .then_with(|| a.feature.cmp(&b.feature))
    });
    Ok(result)
}

/// `frame` with column `name` reordered by `rows` (other columns unchanged).
fn replace_column(frame: &Frame, name: &str, rows: &[usize]) -> Result<Frame> {
    let cols = frame
        .columns()
        .iter()
        .map(|c| {
            if c.name() == name {
                c.take(rows).ok_or_else(|| {
                    Error::new(
                        ErrorKind::Internal,
                        format!("shuffling column '{name}' failed"),
                    )
                })
            } else {
                Ok(c.clone())
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Frame::new(cols)
}

/// Partial dependence of the explained output on one column, with ICE curves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialDependence {
    /// The input column.
    pub feature: String,
    /// The grid values as text.
    pub grid: Vec<String>,
    /// The grid values as numbers, for a numeric column.
    pub numeric_grid: Option<Vec<f64>>,
    /// The mean output at each grid value.
    pub average: Vec<f64>,
    /// Individual conditional expectation curves for a few rows.
    pub ice: Vec<Vec<f64>>,
    /// What output is shown (`value`, `P(class)`).
    pub output: String,
}

/// Options for partial dependence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PdpOptions {
    /// Grid points (quantiles of a numeric column, the most frequent values otherwise).
    pub grid: usize,
    /// Rows averaged.
    pub max_rows: usize,
    /// ICE curves kept.
    pub ice_rows: usize,
    /// The seed.
    pub seed: u64,
}

impl Default for PdpOptions {
    fn default() -> Self {
        PdpOptions {
            grid: 16,
            max_rows: 300,
            ice_rows: 12,
            seed: 0,
        }
    }
}

/// Partial dependence (and ICE) of the model on `column` over the rows of `frame`.
///
/// # Errors
/// A not-found error when `column` is not in `frame`; an invalid-input error when it has no
/// values to vary; otherwise when the model's outputs fail (see [`TableModel::outputs`]).
pub fn partial_dependence(
    model: &dyn TableModel,
    frame: &Frame,
    column: &str,
    options: &PdpOptions,
) -> Result<PartialDependence> {
    let col = frame.require(column)?;
    let mut rng = Rng::new(options.seed);
    let rows: Vec<usize> = if frame.n_rows() > options.max_rows {
        let mut idx = rng.sample_indices(frame.n_rows(), options.max_rows);
        idx.sort_unstable();
        idx
    } else {
        (0..frame.n_rows()).collect()
    };
    // Grid: a row index per grid value, so the column keeps its type.
    let numeric = col.data().is_numeric();
    let (grid_rows, numeric_grid) = grid(col, numeric, options.grid.max(2));
    if grid_rows.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("column '{column}' has no values to vary"),
        ));
    }
    let n = rows.len();
    let g = grid_rows.len();
    let mut cols = Vec::with_capacity(frame.n_cols());
    for c in frame.columns() {
        let idx: Vec<usize> = if c.name() == column {
            grid_rows
                .iter()
                .flat_map(|&gr| std::iter::repeat_n(gr, n))
                .collect()
        } else {
            (0..g).flat_map(|_| rows.iter().copied()).collect()
        };
        cols.push(c.take(&idx).ok_or_else(|| {
            Error::new(ErrorKind::Internal, "partial dependence index out of range")
        })?);
    }
    let out = model.outputs(&Frame::new(cols)?)?;
    let classes = model.classes();
    let task = model.task();
    // The output shown: value, P(positive) or P(the most frequently predicted class).
    let o = match default_output(task, classes.len()) {
        mlpilot_core::ExplainOutput::Probability(c) => c,
        mlpilot_core::ExplainOutput::PredictedClass => {
            let mut votes = vec![0usize; out.n_cols()];
            for r in out.rows() {
                if let Some(v) = votes.get_mut(mlpilot_core::task::argmax(r)) {
                    *v += 1;
                }
            }
            mlpilot_core::task::argmax(&votes.iter().map(|v| *v as f64).collect::<Vec<_>>())
        }
        mlpilot_core::ExplainOutput::Value => 0,
    };
    let value = |gi: usize, ri: usize| out.get(gi * n + ri, o).unwrap_or(f64::NAN);
    let average = (0..g)
        .map(|gi| (0..n).map(|ri| value(gi, ri)).sum::<f64>() / n.max(1) as f64)
        .collect();
    let ice = (0..n.min(options.ice_rows))
        .map(|ri| (0..g).map(|gi| value(gi, ri)).collect())
        .collect();
    Ok(PartialDependence {
        feature: column.to_string(),
        grid: grid_rows.iter().map(|&i| cell(frame, column, i)).collect(),
        numeric_grid: numeric.then_some(numeric_grid),
        average,
        ice,
        output: if task.is_classification() {
            format!(
                "P({})",
                classes.get(o).cloned().unwrap_or_else(|| o.to_string())
            )
        } else {
            "value".to_string()
        },
    })
}

/// Exact TreeSHAP for a single tree model: each feature's share summed into the raw column it
/// comes from.
#[allow(clippy::too_many_arguments)]
fn tree_shap_rows(
    prepared: &PreparedEnsemble,
    pipeline: &FittedPipeline,
    frame: &Frame,
    rows: &[usize],
    columns: &[String],
    output: ExplainOutput,
    classes: &[String],
    task: Task,
) -> Result<Vec<RowExplanation>> {
    let picked = frame.take(rows)?;
    let x = pipeline
        .transform(&picked)?
        .features
        .to_dense()
        .into_owned();
    let features = pipeline.features();
    let attrs = prepared.attributions(&x, output)?;
    let mut out = Vec::with_capacity(rows.len());
    for (&r, a) in rows.iter().zip(attrs) {
        let mut per_column = vec![0.0; columns.len()];
        for (f, v) in features.iter().zip(&a.contributions) {
            if let Some(source) = pipeline.raw_source(f)
                && let Some(j) = columns.iter().position(|c| c == source)
                && let Some(slot) = per_column.get_mut(j)
            {
                *slot += v;
            }
        }
        out.push(finish(
            r,
            frame,
            columns,
            per_column,
            a.output,
            a.base_value,
            a.class,
            classes,
            task,
            "tree_shap",
            prepared_prediction(task, classes, a.class, a.output),
        ));
    }
    Ok(out)
}

/// The grid of a partial dependence: for a numeric column, rows at `size` evenly spaced
/// quantiles (distinct values, with them); otherwise the rows of the `size` most frequent
/// values.
fn grid(col: &mlpilot_core::Column, numeric: bool, size: usize) -> (Vec<usize>, Vec<f64>) {
    let mut grid_rows: Vec<usize> = Vec::new();
    let mut numeric_grid = Vec::new();
    if numeric {
        let mut vals: Vec<(f64, usize)> = (0..col.len())
            .filter_map(|i| col.f64_at(i).filter(|v| v.is_finite()).map(|v| (v, i)))
            .collect();
        vals.sort_by(|a, b| a.0.total_cmp(&b.0));
        let g = size;
        for q in 0..g {
            let pos = if vals.is_empty() {
                break;
            } else {
                (q * (vals.len() - 1)) / (g - 1)
            };
            if let Some(&(v, i)) = vals.get(pos)
                && numeric_grid.last() != Some(&v)
            {
                numeric_grid.push(v);
                grid_rows.push(i);
            }
        }
    } else {
        let mut counts: std::collections::HashMap<String, (usize, usize)> = Default::default();
        for i in 0..col.len() {
            if let Some(s) = col.str_at(i) {
                counts.entry(s).or_insert((0, i)).0 += 1;
            }
        }
        let mut v: Vec<(String, (usize, usize))> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
        grid_rows = v.into_iter().take(size).map(|(_, (_, i))| i).collect();
    }
    (grid_rows, numeric_grid)
}
