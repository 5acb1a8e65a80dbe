//! A fitted preprocessing pipeline as ONNX nodes: raw column inputs → the model's feature
//! tensor `[N, features]` (float), value for value what [`FittedPipeline::transform`] computes.
//!
//! Numbers: missing (NaN) and infinite values are filled, clipped, `ln(1 + max(x, 0))`,
//! centred and scaled with standard operators (`Where`, `Clip`, `Log`, `Sub`, `Div`). Labels
//! (booleans, one-hot, ordinal codes, target encodings) all become one lookup: `CategoryMapper`
//! (`ai.onnx.ml`) maps each string to a row of a fitted table, `Gather` reads the row.

use std::collections::BTreeMap;

use mlpilot_core::{Error, ErrorKind, Result};
use mlpilot_prep::categorical::MISSING_LEVEL;
use mlpilot_prep::{FittedPipeline, FittedStep};

use crate::graph::{Attr, Graph, ML_DOMAIN};

/// How a graph input is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// `float` `[N, 1]`; NaN is missing.
    Float,
    /// `string` `[N, 1]`; the empty string is missing.
    String,
}

/// The graph inputs the pipelines read, in the order first seen.
#[derive(Debug, Default)]
pub(crate) struct Inputs {
    pub columns: Vec<(String, InputType)>,
}

impl Inputs {
    /// Registers that `column` is read as `ty`.
    ///
    /// # Errors
    /// When another member reads the same column with another type.
    pub(crate) fn need(&mut self, column: &str, ty: InputType) -> Result<()> {
        match self.columns.iter().find(|(c, _)| c == column) {
            Some((_, t)) if *t != ty => Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "column `{column}` is read as a number by one model of the ensemble and as \
                     a category by another; one ONNX input cannot be both"
                ),
            )),
            Some(_) => Ok(()),
            None => {
                self.columns.push((column.to_string(), ty));
                Ok(())
            }
        }
    }
}

/// A lookup from strings to rows of a float table: `mapping` gives each known string its row,
/// `default_row` serves every other string.
struct Lookup {
    mapping: BTreeMap<String, i64>,
    default_row: i64,
    /// Rows of `width` values.
    table: Vec<Vec<f64>>,
}

impl Lookup {
    fn emit(self, g: &mut Graph, input: &str, width: usize) -> String {
        let (keys, codes): (Vec<String>, Vec<i64>) = self.mapping.into_iter().unzip();
        let code = g
            .node_n(
                "CategoryMapper",
                ML_DOMAIN,
                &[input],
                1,
                vec![
                    ("cats_strings", Attr::Strs(keys)),
                    ("cats_int64s", Attr::Ints(codes)),
                    ("default_int64", Attr::Int(self.default_row)),
                ],
            )
            .remove(0);
        let n_rows = self.table.len();
        let flat: Vec<f64> = self.table.into_iter().flatten().collect();
        let table = g.floats(&[n_rows, width], &flat);
        let rows = g.op_with("Gather", &[&table, &code], vec![("axis", Attr::Int(0))]);
        g.reshape(&rows, &[-1, width as i64])
    }
}

/// Maps `key` to `row` unless already mapped (the first mapping wins, as in the pipeline,
/// where a level's own column comes before "missing" or "other").
fn map_once(m: &mut BTreeMap<String, i64>, key: &str, row: usize) {
    m.entry(key.to_string()).or_insert(row as i64);
}

/// Emits the nodes of `pipeline` and returns the name of its `[N, features]` output.
///
/// # Errors
/// `Unsupported` for steps no ONNX operator computes (date parts, TF-IDF), naming the column.
pub(crate) fn emit(
    g: &mut Graph,
    inputs: &mut Inputs,
    pipeline: &FittedPipeline,
) -> Result<String> {
    if pipeline.is_sparse() {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "this model reads text as sparse TF-IDF features, which ONNX cannot compute from \
             strings; train with `--exportable onnx` to leave text columns out",
        ));
    }
    let mut parts = Vec::new();
    for step in pipeline.steps() {
        parts.push(emit_step(g, inputs, step)?);
    }
    if parts.is_empty() {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "the model reads no input column",
        ));
    }
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    Ok(if refs.len() == 1 {
        parts.remove(0)
    } else {
        g.op_with("Concat", &refs, vec![("axis", Attr::Int(1))])
    })
}

fn emit_step(g: &mut Graph, inputs: &mut Inputs, step: &FittedStep) -> Result<String> {
    match step {
        FittedStep::Numeric { column, fit, .. } => {
            inputs.need(column, InputType::Float)?;
            Ok(emit_numeric(g, column, fit))
        }
        FittedStep::Bool { column, fit } => {
            inputs.need(column, InputType::String)?;
            // Rows: 0 positive, 1 negative (and, between two words, anything else), 2 missing
            // (and, between two numbers, anything else: stray words and unseen numbers).
            let mut mapping = BTreeMap::new();
            map_once(&mut mapping, &fit.positive, 0);
            map_once(&mut mapping, "", 2);
            if fit.numbers {
                map_once(&mut mapping, &fit.negative, 1);
            }
            let lookup = Lookup {
                mapping,
                default_row: if fit.numbers { 2 } else { 1 },
                table: vec![vec![1.0], vec![0.0], vec![fit.fill.unwrap_or(f64::NAN)]],
            };
            Ok(lookup.emit(g, column, 1))
        }
        FittedStep::OneHot { column, fit } => {
            inputs.need(column, InputType::String)?;
            Ok(emit_one_hot(g, column, fit))
        }
        FittedStep::Ordinal { column, fit } => {
            inputs.need(column, InputType::String)?;
            // Rows: one per level (its code), "other", missing.
            let n = fit.levels.len();
            let mut table: Vec<Vec<f64>> = (0..=n).map(|c| vec![c as f64]).collect();
            table.push(vec![fit.missing_code.unwrap_or(f64::NAN)]);
            let mut mapping = BTreeMap::new();
            for (j, l) in fit.levels.iter().enumerate() {
                map_once(&mut mapping, l, j);
            }
            map_once(&mut mapping, "", n + 1);
            let lookup = Lookup {
                mapping,
                default_row: n as i64,
                table,
            };
            Ok(lookup.emit(g, column, 1))
        }
        FittedStep::TargetEncode { column, fit, scale } => {
            inputs.need(column, InputType::String)?;
            let k = fit.outputs;
            let scaled = |row: &[f64]| -> Vec<f64> {
                (0..k)
                    .map(|j| {
                        let (c, s) = scale.get(j).copied().unwrap_or((0.0, 1.0));
                        (row.get(j).copied().unwrap_or(0.0) - c) / s
                    })
                    .collect()
            };
            // Rows: one per level, then the prior (unseen levels, and missing values when
            // training had none).
            let mut table: Vec<Vec<f64>> = fit.values.chunks(k.max(1)).map(scaled).collect();
            table.truncate(fit.levels.len());
            table.push(scaled(&fit.prior));
            let prior_row = table.len() - 1;
            let mut mapping = BTreeMap::new();
            for (j, l) in fit.levels.iter().enumerate() {
                map_once(&mut mapping, l, j);
            }
            let missing_row = fit.levels.iter().position(|l| l == MISSING_LEVEL);
            map_once(&mut mapping, "", missing_row.unwrap_or(prior_row));
            let lookup = Lookup {
                mapping,
                default_row: prior_row as i64,
                table,
            };
            Ok(lookup.emit(g, column, k))
        }
        FittedStep::Date { column, .. } => Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "column `{column}`: date parts (year, month, weekday …) are read from date \
                 strings, which no ONNX operator parses; train with `--exportable onnx` to leave \
                 date columns out, or give the parts as number columns"
            ),
        )),
        FittedStep::Text { column, .. } => Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "column `{column}`: TF-IDF of free text needs a tokenizer that standard ONNX \
                 operators lack; train with `--exportable onnx` to leave text columns out"
            ),
        )),
    }
}

/// A number: missing values filled (and marked, with an indicator), clipped, `log1p`,
/// standardised, as the fitted step does.
fn emit_numeric(g: &mut Graph, column: &str, fit: &mlpilot_prep::numeric::NumericFit) -> String {
    let missing = g.not_finite(column);
    let fill = g.scalar(fit.fill.unwrap_or(f64::NAN));
    let mut v = g.select(&missing, &fill, column);
    if let Some((lo, hi)) = fit.clip {
        let (lo, hi) = (g.scalar(lo), g.scalar(hi));
        v = g.op("Clip", &[&v, &lo, &hi]);
    }
    if fit.log1p {
        let zero = g.scalar(0.0);
        let one = g.scalar(1.0);
        let pos = g.op("Max", &[&v, &zero]);
        let shifted = g.op("Add", &[&pos, &one]);
        v = g.op("Log", &[&shifted]);
    }
    if fit.center != 0.0 || fit.scale != 1.0 {
        let (c, s) = (g.scalar(fit.center), g.scalar(fit.scale));
        let centred = g.op("Sub", &[&v, &c]);
        v = g.op("Div", &[&centred, &s]);
    }
    if fit.indicator {
        let ind = g.cast_float(&missing);
        v = g.op_with("Concat", &[&v, &ind], vec![("axis", Attr::Int(1))]);
    }
    v
}

/// One-hot columns through a lookup table: a row per level, then "other" (when rare or unseen
/// levels pool there), then all zeros.
fn emit_one_hot(g: &mut Graph, column: &str, fit: &mlpilot_prep::categorical::OneHotFit) -> String {
    let width = fit.width();
    let one_hot = |j: Option<usize>| -> Vec<f64> {
        (0..width)
            .map(|c| f64::from(u8::from(Some(c) == j)))
            .collect()
    };
    // Rows: one per level, then "other" (if any), then all zeros.
    let mut table: Vec<Vec<f64>> = (0..fit.levels.len()).map(|j| one_hot(Some(j))).collect();
    let other_row = fit.other.then(|| {
        table.push(one_hot(Some(fit.levels.len())));
        table.len() - 1
    });
    table.push(one_hot(None));
    let zero_row = table.len() - 1;
    let mut mapping = BTreeMap::new();
    for (j, l) in fit.levels.iter().enumerate() {
        map_once(&mut mapping, l, j);
    }
    let missing_row = fit.levels.iter().position(|l| l == MISSING_LEVEL);
    map_once(&mut mapping, "", missing_row.unwrap_or(zero_row));
    if let Some(o) = other_row {
        for r in &fit.rare {
            map_once(&mut mapping, r, o);
        }
    }
    let lookup = Lookup {
        mapping,
        default_row: other_row.unwrap_or(zero_row) as i64,
        table,
    };
    lookup.emit(g, column, width)
}
