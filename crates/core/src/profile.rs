//! The dataset profile: what `mlpilot-data` learns about a table, in plain data.
//!
//! The profile is computed by `mlpilot-data`, consumed by preprocessing (which plans its steps
//! from it), by the advisors (which describe it in words) and by monitoring (the training
//! profile is the reference for drift). It lives here so those layers need not depend on the
//! ingestion crate.

use serde::{Deserialize, Serialize};

use crate::facts::{KindFact, LeakageFact, NumberReading, TargetChoiceFact, TargetWarning};
use crate::schema::{ColumnKind, ColumnSchema, Schema};
use crate::task::Task;

/// Everything known about a table.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DatasetProfile {
    /// Where the data came from (a path or URL, as given).
    pub source: String,
    /// Rows in the table.
    pub n_rows: usize,
    /// Columns in the table.
    pub n_cols: usize,
    /// Rows the statistics were computed on, when fewer than `n_rows` (a sample of a large file).
    pub sampled_rows: Option<usize>,
    /// Rows that repeat an earlier row exactly.
    pub duplicate_rows: usize,
    /// Per-column profiles, in table order.
    pub columns: Vec<ColumnProfile>,
    /// Pairwise relations between feature columns, strongest first.
    pub relations: Vec<Relation>,
    /// The target's profile when a target is known.
    pub target: Option<TargetProfile>,
    /// Suggested target, task and preprocessing.
    pub suggestions: Suggestions,
    /// How the profile was computed where that matters (sampling, reader work-arounds).
    pub notes: Vec<String>,
}

impl DatasetProfile {
    /// The profile of the column called `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The schema implied by the profile.
    pub fn schema(&self) -> Schema {
        Schema {
            columns: self
                .columns
                .iter()
                .map(|c| ColumnSchema {
                    name: c.name.clone(),
                    kind: c.kind,
                    dtype: c.dtype.clone(),
                    nullable: c.missing > 0,
                })
                .collect(),
        }
    }
}

/// One value and how often it occurs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueCount {
    /// The value as text.
    pub value: String,
    /// Rows holding it.
    pub count: usize,
}

/// What is known about one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    /// The column's name.
    pub name: String,
    /// The inferred kind.
    pub kind: ColumnKind,
    /// Why that kind was inferred: the rule and the numbers it saw ([`ColumnProfile::reason`]
    /// says it in words).
    pub why: KindFact,
    /// How the reader turned text into numbers, when it did (`12,5` in a `;`-separated file).
    /// (Always written: the artifact's binary encoding cannot skip a field.)
    #[serde(default)]
    pub read_as: Option<NumberReading>,
    /// The physical type it was read as.
    pub dtype: String,
    /// Missing values.
    pub missing: usize,
    /// Missing values as a fraction of rows.
    pub missing_fraction: f64,
    /// Distinct non-missing values.
    pub distinct: usize,
    /// The most frequent values (at most 10), most frequent first.
    pub top_values: Vec<ValueCount>,
    /// Summary statistics for numeric columns.
    pub numeric: Option<NumericStats>,
    /// Statistics of free text.
    pub text: Option<TextStats>,
    /// Range of dates.
    pub datetime: Option<DatetimeStats>,
}

impl ColumnProfile {
    /// Why the column has its kind, in one line ("whole numbers, 88 distinct → integer").
    pub fn reason(&self) -> String {
        crate::narration::column_kind(&self.why, self.read_as.as_ref())
    }
}

/// Quantiles of a numeric column.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Quantiles {
    /// 1st percentile.
    pub p01: f64,
    /// 5th percentile.
    pub p05: f64,
    /// Lower quartile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// Upper quartile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// Outlier counts by two stated rules.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Outliers {
    /// The IQR multiplier `k`: values below `p25 − k·IQR` or above `p75 + k·IQR` are outliers.
    pub iqr_k: f64,
    /// The lower IQR fence.
    pub iqr_low: f64,
    /// The upper IQR fence.
    pub iqr_high: f64,
    /// Values outside the IQR fences.
    pub iqr_count: usize,
    /// The robust z-score threshold: |0.6745·(x − median)/MAD| above it is an outlier.
    pub robust_z_threshold: f64,
    /// Values beyond the robust z-score threshold (0 when the MAD is 0).
    pub robust_z_count: usize,
}

/// Summary statistics of a numeric column (over finite values).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct NumericStats {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation.
    pub std: f64,
    /// Quantiles.
    pub quantiles: Quantiles,
    /// Sample skewness (adjusted Fisher–Pearson).
    pub skew: f64,
    /// Values equal to zero.
    pub zeros: usize,
    /// Infinite values (`inf`, `-inf`), which are excluded from the other statistics.
    pub infinite: usize,
    /// Outlier counts.
    pub outliers: Outliers,
}

/// Statistics of a free-text column.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct TextStats {
    /// Median length in characters.
    pub median_length: f64,
    /// Mean number of words.
    pub mean_words: f64,
    /// Distinct words seen.
    pub vocabulary: usize,
}

/// The range of a date column.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DatetimeStats {
    /// Earliest value (ISO 8601).
    pub min: String,
    /// Latest value (ISO 8601).
    pub max: String,
    /// The most common gap between consecutive sorted values, in seconds.
    pub typical_step_secs: Option<f64>,
}

/// How two columns' relation was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationMeasure {
    /// Pearson correlation (numeric pairs), −1..1.
    Pearson,
    /// Spearman rank correlation (numeric pairs), −1..1.
    Spearman,
    /// Cramér's V (categorical pairs), 0..1.
    CramersV,
    /// Correlation ratio η (a categorical and a numeric column), 0..1.
    CorrelationRatio,
    /// Mutual information in nats (any pair, after binning numeric values).
    MutualInformation,
}

impl RelationMeasure {
    /// A name for people.
    pub fn display_name(self) -> &'static str {
        match self {
            RelationMeasure::Pearson => "Pearson r",
            RelationMeasure::Spearman => "Spearman ρ",
            RelationMeasure::CramersV => "Cramér's V",
            RelationMeasure::CorrelationRatio => "correlation ratio η",
            RelationMeasure::MutualInformation => "mutual information",
        }
    }
}

/// A measured relation between two columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// First column.
    pub a: String,
    /// Second column.
    pub b: String,
    /// How it was measured.
    pub measure: RelationMeasure,
    /// The value.
    pub value: f64,
}

/// What is known about the target column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetProfile {
    /// The target column.
    pub name: String,
    /// The task the target implies.
    pub task: Task,
    /// Rows with a missing target (they are dropped before training).
    pub missing: usize,
    /// Class counts, most frequent first (classification).
    pub classes: Vec<ValueCount>,
    /// Largest class count over smallest (classification).
    pub imbalance_ratio: Option<f64>,
    /// Each feature's relation to the target, strongest first.
    pub feature_relations: Vec<FeatureRelation>,
    /// Features that look like a copy of the target.
    pub leakage_suspects: Vec<LeakageSuspect>,
    /// What to check about the target before trusting a model of it: labels that differ only
    /// in case or spaces, extremely rare classes (with the counts).
    #[serde(default)]
    pub warnings: Vec<TargetWarning>,
}

impl TargetProfile {
    /// The warnings in words, one sentence each.
    pub fn warning_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.warnings.iter().map(crate::narration::target_warning)
    }
}

/// The spelling of a label that case and spaces do not change: trimmed, inner runs of
/// whitespace made one space, lower case.
pub fn label_key(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Groups of labels that differ only in case or spaces (`Yes`, `yes`, `YES`, `no `), each with
/// its counts, most frequent spelling first; groups in order of their largest count. Labels
/// with one spelling are not listed.
pub fn label_spelling_groups(classes: &[ValueCount]) -> Vec<Vec<ValueCount>> {
    let mut groups: Vec<(String, Vec<ValueCount>)> = Vec::new();
    for c in classes {
        let key = label_key(&c.value);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(c.clone()),
            None => groups.push((key, vec![c.clone()])),
        }
    }
    let mut out: Vec<Vec<ValueCount>> = groups
        .into_iter()
        .map(|(_, mut g)| {
            g.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            g
        })
        .filter(|g| g.len() > 1)
        .collect();
    out.sort_by_key(|g| std::cmp::Reverse(g.first().map_or(0, |c| c.count)));
    out
}

/// A feature's relation to the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureRelation {
    /// The feature.
    pub feature: String,
    /// The main association measure for the pair's kinds.
    pub measure: RelationMeasure,
    /// Its value (absolute for correlations).
    pub value: f64,
    /// Mutual information with the target in nats.
    pub mutual_information: f64,
}

/// A feature that is almost identical to the target: what was measured.
pub type LeakageSuspect = LeakageFact;

impl LeakageFact {
    /// Why it is suspected, in one sentence.
    pub fn reason(&self) -> String {
        crate::narration::leakage(self)
    }
}

/// Suggestions drawn from the profile.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Suggestions {
    /// A likely target when none was given.
    pub target: Option<TargetSuggestion>,
    /// Preprocessing suggestions, one or more per column: the plan of `mlpilot_prep` for the
    /// target (`mlpilot_prep::suggestions_for`); empty from `mlpilot-data` alone.
    pub preprocessing: Vec<PrepSuggestion>,
}

/// A suggested target and task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSuggestion {
    /// The column.
    pub column: String,
    /// The task it implies.
    pub task: Task,
    /// Why this column, as data.
    pub why: TargetChoiceFact,
}

impl TargetSuggestion {
    /// Why this column, in one sentence.
    pub fn reason(&self) -> String {
        crate::narration::target_choice(&self.why)
    }
}

/// A preprocessing action suggested for a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestedAction {
    /// Leave the column out.
    Drop,
    /// Fill missing values with the median.
    ImputeMedian,
    /// Fill missing values with the mean.
    ImputeMean,
    /// Fill missing values with the most frequent value.
    ImputeMostFrequent,
    /// Fill missing values with a constant.
    ImputeConstant,
    /// Add a 0/1 column saying the value was missing.
    AddMissingIndicator,
    /// One-hot encode.
    OneHot,
    /// Encode as integer codes.
    Ordinal,
    /// Replace each level by the target mean (fitted out of fold).
    TargetEncode,
    /// Apply `log1p` to tame a long right tail.
    Log1p,
    /// Clip extreme values to the 1st/99th percentiles.
    Winsorize,
    /// Standardise.
    Scale,
    /// Turn text into TF-IDF features.
    TextVectorize,
    /// Expand a date into year, month, weekday, hour and cyclic features.
    DateParts,
    /// Map a yes/no column to 0/1.
    Boolean,
}

impl SuggestedAction {
    /// A short phrase for tables ("impute median").
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestedAction::Drop => "drop",
            SuggestedAction::ImputeMedian => "impute median",
            SuggestedAction::ImputeMean => "impute mean",
            SuggestedAction::ImputeMostFrequent => "impute most frequent",
            SuggestedAction::ImputeConstant => "impute a constant",
            SuggestedAction::Boolean => "map to 0/1",
            SuggestedAction::AddMissingIndicator => "add missing indicator",
            SuggestedAction::OneHot => "one-hot encode",
            SuggestedAction::Ordinal => "ordinal encode",
            SuggestedAction::TargetEncode => "target encode",
            SuggestedAction::Log1p => "log1p",
            SuggestedAction::Winsorize => "winsorise",
            SuggestedAction::Scale => "scale",
            SuggestedAction::TextVectorize => "TF-IDF",
            SuggestedAction::DateParts => "date parts",
        }
    }
}

/// One preprocessing suggestion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrepSuggestion {
    /// The column.
    pub column: String,
    /// What to do.
    pub action: SuggestedAction,
    /// Why.
    pub reason: String,
}
