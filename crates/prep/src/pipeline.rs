//! Fitting a plan on training rows and applying it: [`FittedPipeline`].

use mlpilot_core::advisor::StepSummary;
use mlpilot_core::{
    Column, ColumnKind, CsrBuilder, Error, ErrorKind, EstimatorInfo, FeatureInfo, FeatureKind,
    Features, Frame, InputStyle, Matrix, Result,
};
use serde::{Deserialize, Serialize};

use crate::categorical::{BoolFit, EncodingTarget, OneHotFit, OrdinalFit, TargetEncodeFit};
use crate::date::DateFit;
use crate::derive::{self, Derived};
use crate::numeric::{NumericFit, NumericSpec};
use crate::plan::{ColumnPlan, Dropped, ImputeStrategy, PreprocessPlan, Step};
use crate::read::{read_labels, read_numeric_checked};
use crate::text::TextFit;
use mlpilot_core::facts::FitFact;
use mlpilot_core::narration;

/// How a pipeline encodes for a family of models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Variant {
    /// Ordinal codes and no scaling (trees), or one-hot and scaling (everything else).
    pub style: InputStyle,
    /// Leave missing values as NaN (for estimators that handle them natively).
    pub keep_missing: bool,
    /// Emit a sparse matrix when text makes the features mostly zeros.
    pub sparse: bool,
}

impl Variant {
    /// One-hot, scaled, imputed, dense: linear models, SVMs, kNN, networks.
    pub const SCALED: Variant = Variant {
        style: InputStyle::Scaled,
        keep_missing: false,
        sparse: false,
    };
    /// Ordinal codes, unscaled, imputed: trees without native missing-value support.
    pub const TREES: Variant = Variant {
        style: InputStyle::Ordinal,
        keep_missing: false,
        sparse: false,
    };

    /// The variant an estimator wants, from its declared capabilities.
    pub fn for_estimator(info: &EstimatorInfo) -> Variant {
        let style = info.input_style();
        Variant {
            style,
            keep_missing: style == InputStyle::Ordinal && info.capabilities.missing_values,
            sparse: info.capabilities.sparse,
        }
    }
}

/// A model input column produced by the pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureMeta {
    /// The feature's name (`age`, `age_missing`, `sex=female`, `signup.month`, `review:good`).
    pub name: String,
    /// The input column it comes from (explanations group by it).
    pub source: String,
    /// How it is encoded.
    pub kind: FeatureKind,
}

/// An input column the pipeline reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputColumn {
    /// Its name.
    pub name: String,
    /// Its kind at training time.
    pub kind: ColumnKind,
}

/// One fitted step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FittedStep {
    /// A number.
    Numeric {
        /// Input column.
        column: String,
        /// The fit.
        fit: NumericFit,
        /// Training skewness.
        skew: f64,
    },
    /// Two values → 0/1.
    Bool {
        /// Input column.
        column: String,
        /// The fit.
        fit: BoolFit,
    },
    /// One-hot encoding.
    OneHot {
        /// Input column.
        column: String,
        /// The fit.
        fit: OneHotFit,
    },
    /// Ordinal codes.
    Ordinal {
        /// Input column.
        column: String,
        /// The fit.
        fit: OrdinalFit,
    },
    /// Target encoding, then (for scaled variants) standardisation per output.
    TargetEncode {
        /// Input column.
        column: String,
        /// The fit.
        fit: TargetEncodeFit,
        /// (centre, scale) per output.
        scale: Vec<(f64, f64)>,
    },
    /// Date parts.
    Date {
        /// Input column.
        column: String,
        /// The fit.
        fit: DateFit,
    },
    /// TF-IDF.
    Text {
        /// Input column.
        column: String,
        /// The fit.
        fit: TextFit,
    },
}

impl FittedStep {
    fn column(&self) -> &str {
        match self {
            FittedStep::Numeric { column, .. }
            | FittedStep::Bool { column, .. }
            | FittedStep::OneHot { column, .. }
            | FittedStep::Ordinal { column, .. }
            | FittedStep::TargetEncode { column, .. }
            | FittedStep::Date { column, .. }
            | FittedStep::Text { column, .. } => column,
        }
    }

    fn is_text(&self) -> bool {
        matches!(self, FittedStep::Text { .. })
    }

    fn features(&self) -> Vec<FeatureMeta> {
        let src = self.column().to_string();
        let num = |name: String| FeatureMeta {
            name,
            source: src.clone(),
            kind: FeatureKind::Numeric,
        };
        match self {
            FittedStep::Numeric { column, fit, .. } => {
                let mut v = vec![num(column.clone())];
                if fit.indicator {
                    v.push(num(format!("{column}_missing")));
                }
                v
            }
            FittedStep::Bool { column, fit } => vec![num(format!("{column}={}", fit.positive))],
            FittedStep::OneHot { column, fit } => {
                let mut v: Vec<FeatureMeta> = fit
                    .levels
                    .iter()
                    .map(|l| num(format!("{column}={l}")))
                    .collect();
                if fit.other {
                    v.push(num(format!("{column}=other")));
                }
                v
            }
            FittedStep::Ordinal { column, fit } => vec![FeatureMeta {
                name: column.clone(),
                source: src.clone(),
                kind: FeatureKind::Categorical {
                    cardinality: fit.cardinality(),
                },
            }],
            FittedStep::TargetEncode { column, fit, .. } => {
                if fit.outputs == 1 {
                    vec![num(format!("{column}:target_mean"))]
                } else {
                    (0..fit.outputs)
                        .map(|k| num(format!("{column}:target_rate_{k}")))
                        .collect()
                }
            }
            FittedStep::Date { column, fit } => fit
                .parts
                .iter()
                .map(|(p, _)| num(format!("{column}.{}", p.suffix())))
                .collect(),
            FittedStep::Text { column, fit } => fit
                .terms
                .iter()
                .map(|t| num(format!("{column}:{t}")))
                .collect(),
        }
    }
}

/// The target values a pipeline is fitted with (needed by target encoding).
#[derive(Debug, Clone, Copy)]
pub struct FitTarget<'a> {
    /// Class indices (classification) or values (regression), one per row.
    pub y: &'a [f64],
    /// Classes (0 for regression).
    pub n_classes: usize,
}

/// The output of [`FittedPipeline::transform`].
#[derive(Debug, Clone, PartialEq)]
pub struct Transformed {
    /// The model input.
    pub features: Features,
    /// What had to be coerced or was unseen (for logs and API responses).
    pub warnings: Vec<String>,
}

/// A plan fitted on training rows: apply it to any rows with [`FittedPipeline::transform`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedPipeline {
    /// The variant it was fitted for.
    pub variant: Variant,
    /// The target column (not read by `transform`).
    pub target: String,
    derived: Vec<Derived>,
    steps: Vec<FittedStep>,
    features: Vec<FeatureMeta>,
    inputs: Vec<InputColumn>,
    sparse_output: bool,
    dropped: Vec<Dropped>,
    n_rows_fitted: usize,
}

fn numeric_spec(plan: &ColumnPlan, variant: Variant, _kind: ColumnKind) -> NumericSpec {
    let mut spec = NumericSpec::default();
    let scaled = variant.style == InputStyle::Scaled;
    let mut planned_impute = None;
    for s in &plan.steps {
        match &s.step {
            Step::Impute {
                strategy,
                indicator,
            } => {
                planned_impute = Some(strategy.clone());
                spec.indicator = *indicator;
            }
            Step::Log1p if scaled => spec.log1p = true,
            Step::Winsorize { lower, upper } if scaled => spec.clip = Some((*lower, *upper)),
            Step::Scale(m) if scaled => spec.scale = Some(*m),
            _ => {}
        }
    }
    if variant.keep_missing && !scaled {
        spec.indicator = false;
    } else {
        // Always able to fill: prediction rows may be missing where training rows were not.
        spec.impute = Some(planned_impute.unwrap_or(ImputeStrategy::Median));
    }
    spec
}

fn skewness(values: &[f64]) -> f64 {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let n = v.len() as f64;
    if n < 3.0 {
        return 0.0;
    }
    let m = v.iter().sum::<f64>() / n;
    let m2 = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    let m3 = v.iter().map(|x| (x - m).powi(3)).sum::<f64>() / n;
    if m2 <= 0.0 {
        0.0
    } else {
        m3 / m2.powf(1.5) * (n * (n - 1.0)).sqrt() / (n - 2.0)
    }
}

impl PreprocessPlan {
    /// Fits the plan on training rows for `variant` and returns the fitted pipeline with the
    /// transformed training rows. Target encodings of the training rows are out of fold
    /// (`seed` chooses the folds), so no row is encoded with its own target.
    ///
    /// # Errors
    /// An internal error when `target` does not have one value per row; an invalid-input error when
    /// `frame` has no rows, lacks a planned column (naming it), or a numeric column mostly holds
    /// text.
    pub fn fit(
        &self,
        frame: &Frame,
        target: FitTarget<'_>,
        variant: Variant,
        seed: u64,
    ) -> Result<(FittedPipeline, Features)> {
        if target.y.len() != frame.n_rows() {
            return Err(Error::internal(format!(
                "{} target values for {} rows",
                target.y.len(),
                frame.n_rows()
            )));
        }
        if frame.n_rows() == 0 {
            return Err(Error::invalid_input(
                "cannot fit preprocessing on zero rows",
            ));
        }
        let scaled = variant.style == InputStyle::Scaled;
        let derived: Vec<Derived> = self
            .options
            .derived
            .iter()
            .filter(|d| self.columns.iter().any(|c| c.column == d.name()))
            .cloned()
            .collect();
        let completed;
        let frame = if derived.is_empty() {
            frame
        } else {
            completed = derive::complete(frame, &derived)?;
            &completed
        };
        let mut steps = Vec::new();
        let mut oof: Vec<(usize, Vec<f64>)> = Vec::new();
        for cp in &self.columns {
            let col = require(frame, &cp.column, cp.kind)?;
            let step = match cp.kind {
                ColumnKind::Integer | ColumnKind::Float => {
                    let mut w = Vec::new();
                    let values = read_numeric_checked(col, &mut w)?;
                    let spec = numeric_spec(cp, variant, cp.kind);
                    FittedStep::Numeric {
                        column: cp.column.clone(),
                        fit: NumericFit::fit(&values, &spec),
                        skew: skewness(&values),
                    }
                }
                ColumnKind::Boolean => {
                    let (dict, codes) = read_labels(col);
                    FittedStep::Bool {
                        column: cp.column.clone(),
                        fit: BoolFit::fit(&dict, &codes, !variant.keep_missing || scaled),
                    }
                }
                ColumnKind::Categorical => {
                    let (step, oof_values) = self.fit_categorical(cp, col, target, variant, seed);
                    if let Some(values) = oof_values {
                        oof.push((steps.len(), values));
                    }
                    step
                }
                ColumnKind::Datetime => FittedStep::Date {
                    column: cp.column.clone(),
                    fit: DateFit::fit(col, scaled, !variant.keep_missing || scaled, scaled),
                },
                ColumnKind::Text => self.fit_text(cp, col, variant),
                ColumnKind::Identifier | ColumnKind::Constant => continue,
            };
            steps.push(step);
        }
        // Text features go last so that sparse rows can be assembled in column order.
        let (sorted_steps, oof_sorted) = text_last(steps, oof);
        let features: Vec<FeatureMeta> =
            sorted_steps.iter().flat_map(FittedStep::features).collect();
        let sparse_output =
            scaled && variant.sparse && sorted_steps.iter().any(FittedStep::is_text);
        let inputs = self
            .columns
            .iter()
            .map(|c| InputColumn {
                name: c.column.clone(),
                kind: c.kind,
            })
            .collect();
        let pipeline = FittedPipeline {
            variant,
            target: self.target.clone(),
            derived,
            steps: sorted_steps,
            features,
            inputs,
            sparse_output,
            dropped: self.dropped.clone(),
            n_rows_fitted: frame.n_rows(),
        };
        let mut warnings = Vec::new();
        let x = pipeline.transform_inner(frame, &oof_sorted, &mut warnings)?;
        Ok((pipeline, x))
    }

    /// A categorical column's step as planned: target encoding (fitted out of fold; its
    /// out-of-fold values come back for the training rows), one-hot for scaled inputs, else
    /// ordinal codes.
    /// A text column's TF-IDF step (its planned options; all the terms for sparse scaled
    /// inputs, the most common ones otherwise).
    fn fit_text(&self, cp: &ColumnPlan, col: &Column, variant: Variant) -> FittedStep {
        let scaled = variant.style == InputStyle::Scaled;
        let opts = cp.steps.iter().find_map(|s| match &s.step {
            Step::Tfidf(o) => Some(o.clone()),
            _ => None,
        });
        let opts = opts.unwrap_or_else(|| self.options.tfidf.clone());
        let max_terms = if scaled && variant.sparse {
            opts.max_features
        } else {
            opts.max_dense_features
        };
        FittedStep::Text {
            column: cp.column.clone(),
            fit: TextFit::fit(col, &opts, max_terms),
        }
    }

    fn fit_categorical(
        &self,
        cp: &ColumnPlan,
        col: &Column,
        target: FitTarget<'_>,
        variant: Variant,
        seed: u64,
    ) -> (FittedStep, Option<Vec<f64>>) {
        let scaled = variant.style == InputStyle::Scaled;
        let (dict, codes) = read_labels(col);
        let encode = cp.steps.iter().find_map(|s| match &s.step {
            Step::OneHot {
                max_levels,
                min_count,
            } => Some((Some((*max_levels, *min_count)), None)),
            Step::TargetEncode { smoothing } => Some((None, Some(*smoothing))),
            Step::Ordinal { .. } => Some((None, None)),
            _ => None,
        });
        match encode {
            Some((_, Some(smoothing))) => {
                let et = EncodingTarget {
                    y: target.y,
                    n_classes: target.n_classes,
                };
                let (fit, values) =
                    TargetEncodeFit::fit_oof(&dict, &codes, &et, smoothing, 5, seed);
                let k = fit.outputs;
                let scale = (0..k)
                    .map(|j| {
                        if !scaled {
                            return (0.0, 1.0);
                        }
                        let col_vals: Vec<f64> =
                            values.iter().skip(j).step_by(k).copied().collect();
                        let n = col_vals.len().max(1) as f64;
                        let mean = col_vals.iter().sum::<f64>() / n;
                        let sd =
                            (col_vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
                        (mean, if sd > 1e-12 { sd } else { 1.0 })
                    })
                    .collect();
                (
                    FittedStep::TargetEncode {
                        column: cp.column.clone(),
                        fit,
                        scale,
                    },
                    Some(values),
                )
            }
            Some((Some((max_levels, min_count)), None)) if scaled => (
                FittedStep::OneHot {
                    column: cp.column.clone(),
                    fit: OneHotFit::fit(&dict, &codes, max_levels, min_count),
                },
                None,
            ),
            _ => (
                FittedStep::Ordinal {
                    column: cp.column.clone(),
                    fit: OrdinalFit::fit(
                        &dict,
                        &codes,
                        self.options.max_ordinal_levels,
                        variant.keep_missing && !scaled,
                    ),
                },
                None,
            ),
        }
    }
}

/// Labels written by a boolean, one-hot or ordinal step; the warning about values not seen in
/// training (for ordinal codes only when `warn_unseen`: not on the training rows).
fn write_labels(
    step: &FittedStep,
    col: &Column,
    warn_unseen: bool,
    put: &mut impl FnMut(usize, usize, f64),
) -> Option<String> {
    match step {
        FittedStep::Bool { column, fit } => {
            let (dict, codes) = read_labels(col);
            let unseen = fit.transform(&dict, &codes, &mut |i, v| put(i, 0, v));
            if unseen > 0 {
                return Some(format!(
                    "{unseen} value(s) of `{column}` are neither `{}` nor `{}`; they were read as `{}`",
                    fit.positive, fit.negative, fit.negative
                ));
            }
        }
        FittedStep::OneHot { column, fit } => {
            let (dict, codes) = read_labels(col);
            let unseen = fit.transform(&dict, &codes, &mut |i, j| put(i, j, 1.0));
            if unseen > 0 {
                return Some(format!(
                    "{unseen} value(s) of `{column}` were not seen in training and count as \"other\""
                ));
            }
        }
        FittedStep::Ordinal { column, fit } => {
            let (dict, codes) = read_labels(col);
            let unseen = fit.transform(&dict, &codes, &mut |i, v| put(i, 0, v));
            if unseen > 0 && warn_unseen {
                return Some(format!(
                    "{unseen} value(s) of `{column}` were not seen in training and count as \"other\""
                ));
            }
        }
        _ => {}
    }
    None
}

/// Target-encoded values, standardised by `scale`: the out-of-fold values on the training rows
/// (`training`), the fitted means otherwise; returns how many values were not seen in training.
fn write_target_encoding(
    fit: &TargetEncodeFit,
    scale: &[(f64, f64)],
    col: &Column,
    training: Option<&[f64]>,
    n: usize,
    put: &mut impl FnMut(usize, usize, f64),
) -> usize {
    let k = fit.outputs;
    let sc = |j: usize, v: f64| {
        let (c, s) = scale.get(j).copied().unwrap_or((0.0, 1.0));
        (v - c) / s
    };
    if let Some(values) = training {
        for i in 0..n {
            for j in 0..k {
                put(i, j, sc(j, values.get(i * k + j).copied().unwrap_or(0.0)));
            }
        }
        return 0;
    }
    let (dict, codes) = read_labels(col);
    fit.transform(&dict, &codes, &mut |i, j, v| put(i, j, sc(j, v)))
}

/// Sparse rows: each row's dense values (`dense_width` per row) followed by its text entries.
fn sparse_rows(
    n_features: usize,
    dense: &[f64],
    dense_width: usize,
    text_rows: Vec<Vec<(u32, f64)>>,
) -> mlpilot_core::CsrMatrix {
    let mut b = CsrBuilder::new(n_features);
    for (i, text) in text_rows.into_iter().enumerate() {
        let row = dense
            .get(i * dense_width..(i + 1) * dense_width)
            .unwrap_or(&[]);
        b.push_row(
            row.iter()
                .enumerate()
                .map(|(j, v)| (j as u32, *v))
                .chain(text),
        );
    }
    b.finish()
}

/// The steps with the text ones last, so that sparse rows can be assembled in column order;
/// the out-of-fold values follow their steps' new positions.
fn text_last(
    steps: Vec<FittedStep>,
    mut oof: Vec<(usize, Vec<f64>)>,
) -> (Vec<FittedStep>, Vec<(usize, Vec<f64>)>) {
    let mut order: Vec<usize> = (0..steps.len()).collect();
    order.sort_by_key(|&i| steps.get(i).is_some_and(FittedStep::is_text));
    let mut sorted_steps = Vec::with_capacity(steps.len());
    let mut oof_sorted = Vec::new();
    let mut slots: Vec<Option<FittedStep>> = steps.into_iter().map(Some).collect();
    for (new_i, &old_i) in order.iter().enumerate() {
        if let Some(s) = slots.get_mut(old_i).and_then(Option::take) {
            sorted_steps.push(s);
        }
        if let Some(pos) = oof.iter().position(|(i, _)| *i == old_i) {
            let (_, v) = oof.swap_remove(pos);
            oof_sorted.push((new_i, v));
        }
    }
    (sorted_steps, oof_sorted)
}

fn require<'f>(frame: &'f Frame, name: &str, kind: ColumnKind) -> Result<&'f Column> {
    frame.column(name).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("the model needs column `{name}` ({kind}), which is not in the data; add it (missing values are allowed)"),
        )
        .with_context("column", name)
    })
}

impl FittedPipeline {
    /// The output features, in matrix column order.
    pub fn features(&self) -> &[FeatureMeta] {
        &self.features
    }

    /// The output features as the core's feature descriptions (for [`mlpilot_core::Dataset`]).
    pub fn feature_infos(&self) -> Vec<FeatureInfo> {
        self.features
            .iter()
            .map(|f| FeatureInfo {
                name: f.name.clone(),
                kind: f.kind,
            })
            .collect()
    }

    /// The columns its encoding steps read, derived columns included (see
    /// [`FittedPipeline::raw_inputs`] for the columns a table must have).
    pub fn inputs(&self) -> &[InputColumn] {
        &self.inputs
    }

    /// The derived columns it computes before its encoding steps.
    pub fn derived(&self) -> &[Derived] {
        &self.derived
    }

    /// The columns a table must have for [`FittedPipeline::transform`]: the inputs, with each
    /// derived column replaced by the raw columns it is computed from.
    pub fn raw_inputs(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for i in &self.inputs {
            let reads = match self.derived.iter().find(|d| d.name() == i.name) {
                Some(d) => d.reads(),
                None => vec![i.name.as_str()],
            };
            for r in reads {
                if !out.iter().any(|o| o == r) {
                    out.push(r.to_string());
                }
            }
        }
        out
    }

    /// The raw columns a feature is computed from: its source, or the raw columns a derived
    /// source reads (two for a ratio or a product).
    pub fn raw_sources<'p>(&'p self, feature: &'p FeatureMeta) -> Vec<&'p str> {
        match self.derived.iter().find(|d| d.name() == feature.source) {
            Some(d) => d.reads(),
            None => vec![feature.source.as_str()],
        }
    }

    /// The one raw column a feature is computed from (its source, or a derived source's one raw
    /// column); `None` when it is computed from a derived column that reads several (a ratio, a
    /// product), whose share cannot be split between them.
    pub fn raw_source<'p>(&'p self, feature: &'p FeatureMeta) -> Option<&'p str> {
        match self.raw_sources(feature).as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// The fitted steps.
    pub fn steps(&self) -> &[FittedStep] {
        &self.steps
    }

    /// Columns the plan left out.
    pub fn dropped(&self) -> &[Dropped] {
        &self.dropped
    }

    /// Whether `transform` returns a sparse matrix.
    pub fn is_sparse(&self) -> bool {
        self.sparse_output
    }

    /// Applies the pipeline. Extra columns are ignored; a missing input column is an error
    /// naming it; values of another type are coerced with a warning (or refused when mostly
    /// unreadable); unseen categories go to "other". For variants that impute, the output has
    /// no NaN and no infinity.
    ///
    /// # Errors
    /// An invalid-input error naming the column when an input column is missing, or a numeric
    /// column mostly holds text (more than half its present values are not numbers).
    pub fn transform(&self, frame: &Frame) -> Result<Transformed> {
        let completed;
        let frame = if self.derived.is_empty() {
            frame
        } else {
            completed = derive::complete(frame, &self.derived)?;
            &completed
        };
        let mut warnings = Vec::new();
        let features = self.transform_inner(frame, &[], &mut warnings)?;
        Ok(Transformed { features, warnings })
    }

    /// The encoding steps on a frame that holds the derived columns already (`transform` and
    /// `fit` add them once).
    fn transform_inner(
        &self,
        frame: &Frame,
        oof: &[(usize, Vec<f64>)],
        warnings: &mut Vec<String>,
    ) -> Result<Features> {
        let n = frame.n_rows();
        let dense_width: usize = self
            .steps
            .iter()
            .filter(|s| !(self.sparse_output && s.is_text()))
            .map(|s| self.step_width(s))
            .sum();
        let mut dense = vec![0.0; n * dense_width];
        let mut text_rows: Vec<Vec<(u32, f64)>> = if self.sparse_output {
            vec![Vec::new(); n]
        } else {
            Vec::new()
        };
        let mut offset = 0usize;
        let mut text_offset = dense_width;
        for (si, step) in self.steps.iter().enumerate() {
            let name = step.column();
            let kind = self
                .inputs
                .iter()
                .find(|c| c.name == name)
                .map_or(ColumnKind::Float, |c| c.kind);
            let col = require(frame, name, kind)?;
            let width = self.step_width(step);
            let stride = dense_width;
            let mut put = |i: usize, j: usize, v: f64| {
                if let Some(slot) = dense.get_mut(i * stride + offset + j) {
                    *slot = v;
                }
            };
            match step {
                FittedStep::Numeric { fit, .. } => {
                    let values = read_numeric_checked(col, warnings)?;
                    let mut buf = [0.0; 2];
                    for (i, v) in values.iter().enumerate() {
                        fit.write(*v, &mut buf);
                        for (j, b) in buf.iter().take(fit.width()).enumerate() {
                            put(i, j, *b);
                        }
                    }
                }
                FittedStep::Bool { .. }
                | FittedStep::OneHot { .. }
                | FittedStep::Ordinal { .. } => {
                    warnings.extend(write_labels(step, col, oof.is_empty(), &mut put));
                }
                FittedStep::TargetEncode { column, fit, scale } => {
                    let training = oof
                        .iter()
                        .find(|(i, _)| *i == si)
                        .map(|(_, v)| v.as_slice());
                    let unseen = write_target_encoding(fit, scale, col, training, n, &mut put);
                    if unseen > 0 {
                        warnings.push(format!("{unseen} value(s) of `{column}` were not seen in training and get the overall mean"));
                    }
                }
                FittedStep::Date { column, fit } => {
                    let bad = fit.transform(col, &mut |i, j, v| put(i, j, v));
                    if bad > 0 {
                        warnings.push(format!(
                            "{bad} value(s) of `{column}` are not dates and were treated as missing"
                        ));
                    }
                }
                FittedStep::Text { fit, .. } => {
                    if self.sparse_output {
                        let base = text_offset as u32;
                        fit.transform(col, &mut |i, entries| {
                            if let Some(row) = text_rows.get_mut(i) {
                                row.extend(entries.iter().map(|(c, v)| (c + base, *v)));
                            }
                        });
                        text_offset += width;
                        continue;
                    }
                    fit.transform(col, &mut |i, entries| {
                        for (c, v) in entries {
                            put(i, *c as usize, *v);
                        }
                    });
                }
            }
            offset += width;
        }
        if !self.sparse_output {
            return Ok(Features::Dense(Matrix::new(n, dense_width, dense)?));
        }
        Ok(Features::Sparse(sparse_rows(
            self.features.len(),
            &dense,
            dense_width,
            text_rows,
        )))
    }

    fn step_width(&self, s: &FittedStep) -> usize {
        match s {
            FittedStep::Numeric { fit, .. } => fit.width(),
            FittedStep::Bool { .. } | FittedStep::Ordinal { .. } => 1,
            FittedStep::OneHot { fit, .. } => fit.width(),
            FittedStep::TargetEncode { fit, .. } => fit.outputs,
            FittedStep::Date { fit, .. } => fit.width(),
            FittedStep::Text { fit, .. } => fit.width(),
        }
    }

    /// What the fitted steps do, as facts with the fitted values, one per step and column:
    /// derived columns first, then each column's steps in order, then the columns left out.
    pub fn facts(&self) -> Vec<(String, FitFact)> {
        let scaled = self.variant.style == InputStyle::Scaled;
        let mut out: Vec<(String, FitFact)> = self
            .derived
            .iter()
            .map(|d| {
                let name = d.name();
                let how = d.derivation();
                (name.clone(), FitFact::Derived { name, how })
            })
            .collect();
        for step in &self.steps {
            let column = step.column().to_string();
            let mut push = |fact: FitFact| out.push((column.clone(), fact));
            match step {
                FittedStep::Numeric { fit, skew, .. } => {
                    if let (Some(fill), Some(strategy)) = (fit.fill, &fit.fill_strategy)
                        && fit.n_missing > 0
                    {
                        push(FitFact::Filled {
                            missing: fit.n_missing,
                            strategy: strategy.as_str().to_string(),
                            value: fill,
                            skew: *skew,
                        });
                    } else if fit.fill.is_none() && fit.n_missing > 0 {
                        push(FitFact::KeptMissing {
                            missing: fit.n_missing,
                        });
                    }
                    if fit.indicator {
                        push(FitFact::MissingIndicator);
                    }
                    if fit.log1p {
                        push(FitFact::Log1p { skew: *skew });
                    }
                    if let Some((low, high)) = fit.clip {
                        push(FitFact::Clipped { low, high });
                    }
                    if fit.scale != 1.0 || fit.center != 0.0 {
                        push(FitFact::Standardised {
                            center: fit.center,
                            scale: fit.scale,
                        });
                    }
                }
                FittedStep::Bool { fit, .. } => push(FitFact::MappedBoolean {
                    positive: fit.positive.clone(),
                    negative: fit.negative.clone(),
                }),
                FittedStep::OneHot { fit, .. } => push(FitFact::OneHot {
                    width: fit.width(),
                    pooled: fit.other.then_some(fit.n_pooled),
                }),
                FittedStep::Ordinal { fit, .. } => push(FitFact::Ordinal {
                    levels: fit.levels.len(),
                }),
                FittedStep::TargetEncode { fit, .. } => push(FitFact::TargetEncoded {
                    levels: fit.levels.len(),
                }),
                FittedStep::Date { fit, .. } => push(FitFact::DateParts {
                    parts: fit
                        .parts
                        .iter()
                        .map(|(p, _)| p.suffix().to_string())
                        .collect(),
                    scaled,
                }),
                FittedStep::Text { fit, .. } => push(FitFact::Tfidf {
                    width: fit.width(),
                    documents: fit.n_docs,
                }),
            }
        }
        out.extend(
            self.dropped
                .iter()
                .map(|d| (d.column.clone(), FitFact::Dropped(d.fact.clone()))),
        );
        out
    }

    /// What the fitted steps do, in sentences with the fitted values ("Filled 263 missing `age`
    /// values with the median, 28, because `age` is numeric and mildly skewed (skew 0.41)."):
    /// [`FittedPipeline::facts`] in words ([`mlpilot_core::narration::fitted_step`]).
    pub fn describe(&self) -> Vec<StepSummary> {
        self.facts()
            .into_iter()
            .map(|(column, fact)| StepSummary {
                step: narration::fitted_label(&fact),
                reason: narration::fitted_step(&column, &fact),
                column,
            })
            .collect()
    }

    /// Rows the pipeline was fitted on.
    pub fn n_rows_fitted(&self) -> usize {
        self.n_rows_fitted
    }
}
