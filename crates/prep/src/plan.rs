//! The preprocessing plan: ordered per-column steps, each with a reason in plain words.

use mlpilot_core::facts::{DropFact, PlanFact};
use mlpilot_core::narration;
use std::fmt::Write as _;

use mlpilot_core::datetime::DateFormat;
use mlpilot_core::profile::ColumnProfile;
use mlpilot_core::{ColumnKind, DatasetProfile, Error, ErrorKind, Result, Task};
use serde::{Deserialize, Serialize};

/// How missing values are filled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImputeStrategy {
    /// The training mean.
    Mean,
    /// The training median.
    Median,
    /// The most frequent training value.
    MostFrequent,
    /// A fixed value.
    Constant(f64),
}

impl ImputeStrategy {
    /// A short name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ImputeStrategy::Mean => "mean",
            ImputeStrategy::Median => "median",
            ImputeStrategy::MostFrequent => "most frequent value",
            ImputeStrategy::Constant(_) => "constant",
        }
    }
}

/// How numbers are rescaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleMethod {
    /// Subtract the mean, divide by the standard deviation.
    Standard,
    /// Subtract the median, divide by the interquartile range.
    Robust,
    /// Map the training range to 0..1.
    MinMax,
}

/// What to do with text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfidfOptions {
    /// Word n-gram range (inclusive), e.g. (1, 2) for words and word pairs.
    pub word_ngrams: (usize, usize),
    /// Character n-gram range within word boundaries, if any, e.g. (2, 4).
    pub char_ngrams: Option<(usize, usize)>,
    /// Most terms kept (by document frequency) for models that take sparse input.
    pub max_features: usize,
    /// Most terms kept for models that need dense input (trees).
    pub max_dense_features: usize,
    /// Terms in fewer documents are ignored.
    pub min_df: usize,
    /// Use `1 + ln(tf)` instead of raw counts.
    pub sublinear_tf: bool,
}

impl Default for TfidfOptions {
    fn default() -> Self {
        TfidfOptions {
            word_ngrams: (1, 2),
            // Character n-grams are off by default: on review text they multiply the
            // non-zeros by ten and cost accuracy (fine_food_reviews, sparse logistic
            // regression: 0.874 ROC AUC with word 1–2-grams, 0.858 with characters added).
            char_ngrams: None,
            max_features: 30_000,
            max_dense_features: 300,
            min_df: 2,
            sublinear_tf: true,
        }
    }
}

/// One preprocessing step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Fill missing values, optionally adding a 0/1 column that says the value was missing.
    Impute {
        /// How.
        strategy: ImputeStrategy,
        /// Add a missing-value indicator column.
        indicator: bool,
    },
    /// Apply `ln(1 + x)` to a non-negative, right-skewed column (not for trees).
    Log1p,
    /// Clip to training quantiles (not for trees).
    Winsorize {
        /// Lower quantile.
        lower: f64,
        /// Upper quantile.
        upper: f64,
    },
    /// Rescale (not for trees).
    Scale(ScaleMethod),
    /// Two values → 0/1.
    Boolean,
    /// One column per frequent level plus an "other" column (for trees: ordinal codes).
    OneHot {
        /// Most levels kept; rarer ones go to "other".
        max_levels: usize,
        /// Levels with fewer training rows go to "other".
        min_count: usize,
    },
    /// Integer codes by level frequency.
    Ordinal {
        /// Most levels kept; rarer ones share one code.
        max_levels: usize,
    },
    /// The mean target per level, fitted out of fold on training rows, smoothed towards the
    /// overall mean.
    TargetEncode {
        /// Pseudo-count pulling rare levels towards the prior.
        smoothing: f64,
    },
    /// Year, month, day of week, day of month, hour, cyclic sin/cos (not for trees) and
    /// elapsed days since the earliest training date.
    DateParts {
        /// How text dates are written (`None` for stored timestamps).
        format: Option<DateFormat>,
    },
    /// TF-IDF over words (and character n-grams).
    Tfidf(TfidfOptions),
}

impl Step {
    /// A short name for tables.
    pub fn name(&self) -> String {
        match self {
            Step::Impute {
                strategy,
                indicator,
            } => {
                let base = format!("impute {}", strategy.as_str());
                if *indicator {
                    format!("{base} + missing indicator")
                } else {
                    base
                }
            }
            Step::Log1p => "log1p".into(),
            Step::Winsorize { lower, upper } => {
                format!("clip to p{:.0}–p{:.0}", lower * 100.0, upper * 100.0)
            }
            Step::Scale(ScaleMethod::Standard) => "standardise".into(),
            Step::Scale(ScaleMethod::Robust) => "robust scale".into(),
            Step::Scale(ScaleMethod::MinMax) => "min-max scale".into(),
            Step::Boolean => "map to 0/1".into(),
            Step::OneHot { max_levels, .. } => format!("one-hot (≤ {max_levels} levels + other)"),
            Step::Ordinal { max_levels } => format!("ordinal codes (≤ {max_levels})"),
            Step::TargetEncode { .. } => "target encode (out of fold)".into(),
            Step::DateParts { .. } => "date parts".into(),
            Step::Tfidf(o) => {
                let mut s = format!("TF-IDF words {}–{}", o.word_ngrams.0, o.word_ngrams.1);
                if let Some((a, b)) = o.char_ngrams {
                    let _ = write!(s, " + chars {a}–{b}");
                }
                s
            }
        }
    }
}

/// A step and why it is there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedStep {
    /// The step.
    pub step: Step,
    /// Why, as the profile's facts ([`PlannedStep::reason`] says it in words).
    pub fact: PlanFact,
}

impl PlannedStep {
    /// Why, in one sentence about `column` ([`mlpilot_core::narration::planned_step`]).
    pub fn reason(&self, column: &str) -> String {
        narration::planned_step(column, &self.fact)
    }
}

/// The steps for one input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnPlan {
    /// The input column.
    pub column: String,
    /// Its kind.
    pub kind: ColumnKind,
    /// The steps in order.
    pub steps: Vec<PlannedStep>,
}

/// A column left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dropped {
    /// The column.
    pub column: String,
    /// Why, as facts ([`Dropped::reason`] says it in words).
    pub fact: DropFact,
}

impl Dropped {
    /// Why, as a clause about the column ([`mlpilot_core::narration::dropped`]).
    pub fn reason(&self) -> String {
        narration::dropped(&self.column, &self.fact)
    }
}

/// Knobs of plan building.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanOptions {
    /// Categorical columns with more levels are target-encoded instead of one-hot encoded.
    pub max_onehot_levels: usize,
    /// Levels with fewer training rows go to "other" when one-hot encoding.
    pub min_level_count: usize,
    /// Most ordinal codes for trees.
    pub max_ordinal_levels: usize,
    /// Add a missing indicator when at least this share of a column is missing.
    pub indicator_min_missing: f64,
    /// Skewness above which a non-negative column gets `log1p` (linear models).
    pub log_skew: f64,
    /// Clip numeric columns to their 1st–99th percentiles (linear models).
    pub winsorize: bool,
    /// Columns to leave out (besides those the rules drop).
    pub exclude: Vec<String>,
    /// Text vectorisation options.
    pub tfidf: TfidfOptions,
    /// Columns computed from others before the steps (refinements' `log1p(income)`,
    /// `debt/income`): the profile the plan is built from describes them, and the fitted
    /// pipeline computes them from the raw columns whenever it transforms a table.
    #[serde(default)]
    pub derived: Vec<crate::Derived>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            max_onehot_levels: 30,
            min_level_count: 5,
            max_ordinal_levels: 254,
            indicator_min_missing: 0.05,
            log_skew: 2.0,
            winsorize: false,
            exclude: Vec::new(),
            tfidf: TfidfOptions::default(),
            derived: Vec::new(),
        }
    }
}

/// The plan for a dataset: which columns are used, and the steps for each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreprocessPlan {
    /// The target column.
    pub target: String,
    /// The task.
    pub task: Task,
    /// Columns used, in input order.
    pub columns: Vec<ColumnPlan>,
    /// Columns left out.
    pub dropped: Vec<Dropped>,
    /// The options it was built with.
    pub options: PlanOptions,
}

impl PreprocessPlan {
    /// Builds the plan from a profile for predicting `target` as `task`.
    ///
    /// Rules: identifiers, constants, columns more than 95 % missing and leakage suspects are
    /// dropped; numbers are imputed with the median (the reason says how skewed the column is;
    /// with an indicator when at least 5 % is missing), log-transformed when heavily right-skewed, and standardised;
    /// booleans become 0/1; categories with up to 30 levels are one-hot encoded (rare levels
    /// pooled), larger ones target-encoded out of fold; dates become parts; text becomes
    /// TF-IDF. Models that split on thresholds get ordinal codes and no scaling instead (see
    /// [`crate::Variant`]).
    ///
    /// # Errors
    /// A not-found error, listing the columns, when `target` is not in the profile; an
    /// invalid-input error, with every column's reason, when no usable feature column remains.
    pub fn from_profile(
        profile: &DatasetProfile,
        target: &str,
        task: Task,
        options: PlanOptions,
    ) -> Result<Self> {
        if profile.column(target).is_none() {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "no column named `{target}`; the columns are: {}",
                    profile
                        .columns
                        .iter()
                        .map(|c| format!("`{}`", c.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_context("column", target));
        }
        let leaks: Vec<&str> = profile
            .target
            .as_ref()
            .filter(|t| t.name == target)
            .map(|t| {
                t.leakage_suspects
                    .iter()
                    .map(|l| l.feature.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let mut columns = Vec::new();
        let mut dropped = Vec::new();
        for c in &profile.columns {
            if c.name == target {
                continue;
            }
            let drop = |fact: DropFact| Dropped {
                column: c.name.clone(),
                fact,
            };
            if options.exclude.iter().any(|e| e == &c.name) {
                dropped.push(drop(DropFact::Excluded));
                continue;
            }
            if leaks.contains(&c.name.as_str()) {
                dropped.push(drop(DropFact::Leakage {
                    target: target.to_string(),
                }));
                continue;
            }
            match c.kind {
                ColumnKind::Identifier => {
                    dropped.push(drop(DropFact::Identifier {
                        evidence: c.why.clone(),
                    }));
                    continue;
                }
                ColumnKind::Constant => {
                    dropped.push(drop(DropFact::Constant {
                        evidence: c.why.clone(),
                    }));
                    continue;
                }
                _ => {}
            }
            if c.missing_fraction > 0.95 {
                dropped.push(drop(DropFact::MostlyMissing {
                    share: c.missing_fraction,
                }));
                continue;
            }
            columns.push(ColumnPlan {
                column: c.name.clone(),
                kind: c.kind,
                steps: plan_column(c, &options),
            });
        }
        if columns.is_empty() {
            return Err(Error::invalid_input(format!(
                "no usable feature columns remain to predict `{target}`: {}",
                dropped
                    .iter()
                    .map(Dropped::reason)
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        Ok(PreprocessPlan {
            target: target.to_string(),
            task,
            columns,
            dropped,
            options,
        })
    }

    /// The plan as an aligned table: column, kind, steps, reasons.
    pub fn render_table(&self) -> String {
        let mut rows: Vec<[String; 3]> = Vec::new();
        for c in &self.columns {
            for (i, s) in c.steps.iter().enumerate() {
                let (col, kind) = if i == 0 {
                    (c.column.clone(), c.kind.to_string())
                } else {
                    (String::new(), String::new())
                };
                rows.push([format!("{col}  {kind}"), s.step.name(), s.reason(&c.column)]);
            }
        }
        for d in &self.dropped {
            rows.push([d.column.clone(), "drop".into(), d.reason()]);
        }
        let w0 = rows
            .iter()
            .map(|r| r[0].chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        let w1 = rows
            .iter()
            .map(|r| r[1].chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        let mut out = format!("{:w0$}  {:w1$}  why\n", "column", "step");
        for r in rows {
            let pad0 = w0.saturating_sub(r[0].chars().count());
            let pad1 = w1.saturating_sub(r[1].chars().count());
            let _ = writeln!(
                out,
                "{}{}  {}{}  {}",
                r[0],
                " ".repeat(pad0),
                r[1],
                " ".repeat(pad1),
                r[2]
            );
        }
        out
    }

    /// Each planned step with its reason in words, column by column (for the assistant and the
    /// report); [`PreprocessPlan::drop_summaries`] gives the columns left out.
    pub fn step_summaries(&self) -> Vec<mlpilot_core::StepSummary> {
        self.columns
            .iter()
            .flat_map(|c| {
                c.steps.iter().map(move |s| mlpilot_core::StepSummary {
                    column: c.column.clone(),
                    step: s.step.name(),
                    reason: s.reason(&c.column),
                })
            })
            .collect()
    }

    /// Each column left out, as a `drop` step with its reason in words.
    pub fn drop_summaries(&self) -> Vec<mlpilot_core::StepSummary> {
        self.dropped
            .iter()
            .map(|d| mlpilot_core::StepSummary {
                column: d.column.clone(),
                step: "drop".into(),
                reason: d.reason(),
            })
            .collect()
    }

    /// The plan as sentences, one per step.
    pub fn sentences(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .columns
            .iter()
            .flat_map(|c| c.steps.iter().map(|s| s.reason(&c.column)))
            .collect();
        out.extend(
            self.dropped
                .iter()
                .map(|d| format!("Dropped `{}`: {}.", d.column, d.reason())),
        );
        out
    }
}

fn plan_column(c: &ColumnProfile, o: &PlanOptions) -> Vec<PlannedStep> {
    let mut steps = Vec::new();
    let mut push = |step: Step, fact: PlanFact| steps.push(PlannedStep { step, fact });
    match c.kind {
        ColumnKind::Integer | ColumnKind::Float => numeric_steps(c, o, &mut push),
        ColumnKind::Boolean => boolean_steps(c, &mut push),
        ColumnKind::Categorical => categorical_steps(c, o, &mut push),
        ColumnKind::Datetime => date_steps(c, &mut push),
        ColumnKind::Text => text_steps(c, o, &mut push),
        ColumnKind::Identifier | ColumnKind::Constant => {}
    }
    steps
}

/// A number: the median for missing values, log1p for a long right tail, clipping when asked, standardisation.
fn numeric_steps(c: &ColumnProfile, o: &PlanOptions, push: &mut impl FnMut(Step, PlanFact)) {
    let missing = c.missing;
    let indicator = c.missing_fraction >= o.indicator_min_missing;
    let indicator_share = indicator.then_some(c.missing_fraction);
    let stats = c.numeric.unwrap_or_default();
    if missing > 0 {
        push(
            Step::Impute {
                strategy: ImputeStrategy::Median,
                indicator,
            },
            PlanFact::FillMedian {
                missing,
                median: stats.quantiles.p50,
                skew: stats.skew,
                indicator_share,
            },
        );
    }
    if stats.skew > o.log_skew && stats.min >= 0.0 {
        push(Step::Log1p, PlanFact::Log1p { skew: stats.skew });
    }
    if o.winsorize {
        push(
            Step::Winsorize {
                lower: 0.01,
                upper: 0.99,
            },
            PlanFact::Clip {
                p01: stats.quantiles.p01,
                p99: stats.quantiles.p99,
                outliers: stats.outliers.iqr_count,
            },
        );
    }
    push(
        Step::Scale(ScaleMethod::Standard),
        PlanFact::Standardise {
            mean: stats.mean,
            std: stats.std,
        },
    );
}

/// Two values: the most frequent for missing ones, then 0 and 1. The boolean step has one
/// output, so no missing-indicator column is planned (tree variants keep missing values as
/// missing, which the trees split on).
fn boolean_steps(c: &ColumnProfile, push: &mut impl FnMut(Step, PlanFact)) {
    let missing = c.missing;
    if missing > 0 {
        push(
            Step::Impute {
                strategy: ImputeStrategy::MostFrequent,
                indicator: false,
            },
            PlanFact::FillMostFrequent {
                missing,
                value: c
                    .top_values
                    .first()
                    .map_or_else(String::new, |v| v.value.clone()),
                indicator_share: None,
            },
        );
    }
    push(
        Step::Boolean,
        PlanFact::MapBoolean {
            values: c.top_values.iter().map(|v| v.value.clone()).collect(),
        },
    );
}

/// Categories: missing as a level of their own, then one-hot or (many levels) target encoding.
fn categorical_steps(c: &ColumnProfile, o: &PlanOptions, push: &mut impl FnMut(Step, PlanFact)) {
    let missing = c.missing;
    if missing > 0 {
        push(
            Step::Impute {
                strategy: ImputeStrategy::MostFrequent,
                indicator: false,
            },
            PlanFact::MissingLevel { missing },
        );
    }
    if c.distinct <= o.max_onehot_levels {
        push(
            Step::OneHot {
                max_levels: o.max_onehot_levels,
                min_count: o.min_level_count,
            },
            PlanFact::OneHot {
                levels: c.distinct,
                min_count: o.min_level_count,
            },
        );
    } else {
        push(
            Step::TargetEncode { smoothing: 10.0 },
            PlanFact::TargetEncode { levels: c.distinct },
        );
    }
}

/// A date: its parts, medians for missing ones, standardised. The date step makes no
/// missing-indicator column, so none is planned.
fn date_steps(c: &ColumnProfile, push: &mut impl FnMut(Step, PlanFact)) {
    let missing = c.missing;
    push(
        Step::DateParts { format: None },
        PlanFact::DateParts {
            range: c.datetime.as_ref().map(|d| (d.min.clone(), d.max.clone())),
        },
    );
    if missing > 0 {
        push(
            Step::Impute {
                strategy: ImputeStrategy::Median,
                indicator: false,
            },
            PlanFact::FillDateParts {
                missing,
                indicator_share: None,
            },
        );
    }
    push(
        Step::Scale(ScaleMethod::Standard),
        PlanFact::StandardiseDateParts,
    );
}

/// Free text: TF-IDF weights.
fn text_steps(c: &ColumnProfile, o: &PlanOptions, push: &mut impl FnMut(Step, PlanFact)) {
    let t = o.tfidf.clone();
    let fact = PlanFact::Tfidf {
        vocabulary: c.text.map(|t| t.vocabulary).unwrap_or(0),
        char_ngrams: t.char_ngrams.is_some(),
        max_features: t.max_features,
        min_df: t.min_df,
        max_dense_features: t.max_dense_features,
    };
    push(Step::Tfidf(t), fact);
}

/// The plan as the profile's preprocessing suggestions (`mlpilot profile`): one per step and
/// per dropped column, with the plan's own reasons, so what is suggested is what training does.
pub fn suggestions(plan: &PreprocessPlan) -> Vec<mlpilot_core::profile::PrepSuggestion> {
    use mlpilot_core::profile::{PrepSuggestion, SuggestedAction as A};
    let mut out: Vec<PrepSuggestion> = plan
        .dropped
        .iter()
        .map(|d| PrepSuggestion {
            column: d.column.clone(),
            action: A::Drop,
            reason: d.reason(),
        })
        .collect();
    for c in &plan.columns {
        for s in &c.steps {
            let actions: Vec<A> = match &s.step {
                Step::Impute {
                    strategy,
                    indicator,
                } => {
                    let fill = match strategy {
                        ImputeStrategy::Mean => A::ImputeMean,
                        ImputeStrategy::Median => A::ImputeMedian,
                        ImputeStrategy::MostFrequent => A::ImputeMostFrequent,
                        ImputeStrategy::Constant(_) => A::ImputeConstant,
                    };
                    if *indicator {
                        vec![fill, A::AddMissingIndicator]
                    } else {
                        vec![fill]
                    }
                }
                Step::Log1p => vec![A::Log1p],
                Step::Winsorize { .. } => vec![A::Winsorize],
                Step::Scale(_) => vec![A::Scale],
                Step::Boolean => vec![A::Boolean],
                Step::OneHot { .. } => vec![A::OneHot],
                Step::Ordinal { .. } => vec![A::Ordinal],
                Step::TargetEncode { .. } => vec![A::TargetEncode],
                Step::DateParts { .. } => vec![A::DateParts],
                Step::Tfidf(_) => vec![A::TextVectorize],
            };
            out.extend(actions.into_iter().map(|action| PrepSuggestion {
                column: c.column.clone(),
                action,
                reason: s.reason(&c.column),
            }));
        }
    }
    out
}

/// The preprocessing suggestions for a profile: the plan for its target (the one given, else
/// the one the profile suggests); none when no target is known, since the plan depends on it.
///
/// # Errors
/// When the plan cannot be made (a target the profile does not have).
pub fn suggestions_for(
    profile: &DatasetProfile,
) -> Result<Vec<mlpilot_core::profile::PrepSuggestion>> {
    let target = match (&profile.target, &profile.suggestions.target) {
        (Some(t), _) => Some((t.name.clone(), t.task)),
        (None, Some(s)) => Some((s.column.clone(), s.task)),
        (None, None) => None,
    };
    let Some((target, task)) = target else {
        return Ok(Vec::new());
    };
    let plan = PreprocessPlan::from_profile(profile, &target, task, PlanOptions::default())?;
    Ok(suggestions(&plan))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_names() {
        assert_eq!(
            Step::Impute {
                strategy: ImputeStrategy::Median,
                indicator: true
            }
            .name(),
            "impute median + missing indicator"
        );
        assert_eq!(
            Step::Tfidf(TfidfOptions::default()).name(),
            "TF-IDF words 1–2"
        );
        assert_eq!(
            Step::Tfidf(TfidfOptions {
                char_ngrams: Some((2, 4)),
                ..TfidfOptions::default()
            })
            .name(),
            "TF-IDF words 1–2 + chars 2–4"
        );
    }
}
