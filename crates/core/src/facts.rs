//! What the lower crates decided and did, as data: why a column has its kind and which task a
//! target implies, preprocessing steps planned and fitted, columns left out, columns derived,
//! what a forecaster's fit left out. [`crate::narration`] turns each into the sentence people
//! read, so the words live in one place and programs can read the numbers.

use serde::{Deserialize, Serialize};

use crate::task::Metric;

mod forecast;
mod monitor;
mod profile;
pub use forecast::{DuplicateTimes, MergedTimes, SeriesFacts, Spacing};
pub use monitor::{
    ColumnDrift, MIN_LABELLED, MIN_ROWS, MonitorReport, NotTested, Performance, PredictionDrift,
};
pub use profile::{
    KindFact, LeakageFact, NotNumbers, NumberReading, TargetChoiceFact, TargetName, TargetWarning,
    TaskFact,
};

/// Why a preprocessing step is planned for a column, with the profile's numbers behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PlanFact {
    /// Missing numbers are filled with the median.
    FillMedian {
        /// Missing values.
        missing: usize,
        /// The column's median.
        median: f64,
        /// The column's skewness.
        skew: f64,
        /// The share of rows missing, when a 0/1 indicator column is added.
        indicator_share: Option<f64>,
    },
    /// Missing values are filled with the most frequent one.
    FillMostFrequent {
        /// Missing values.
        missing: usize,
        /// The most frequent value.
        value: String,
        /// The share of rows missing, when a 0/1 indicator column is added.
        indicator_share: Option<f64>,
    },
    /// `log(1 + x)` for linear models.
    Log1p {
        /// The column's skewness.
        skew: f64,
    },
    /// Values clipped to the 1st–99th percentiles.
    Clip {
        /// The 1st percentile.
        p01: f64,
        /// The 99th percentile.
        p99: f64,
        /// Outliers by the 1.5 × IQR rule.
        outliers: usize,
    },
    /// Standardised for scale-sensitive models.
    Standardise {
        /// The column's mean.
        mean: f64,
        /// Its standard deviation.
        std: f64,
    },
    /// Two values mapped to 0 and 1.
    MapBoolean {
        /// The values, most frequent first.
        values: Vec<String>,
    },
    /// Missing categories become a level of their own.
    MissingLevel {
        /// Missing values.
        missing: usize,
    },
    /// One-hot encoded for linear models.
    OneHot {
        /// Distinct levels.
        levels: usize,
        /// Levels with fewer rows go to "other".
        min_count: usize,
    },
    /// Too many levels to one-hot: target encoded.
    TargetEncode {
        /// Distinct levels.
        levels: usize,
    },
    /// A date split into parts.
    DateParts {
        /// The earliest and latest dates seen, as written.
        range: Option<(String, String)>,
    },
    /// Missing dates' parts filled with their medians.
    FillDateParts {
        /// Missing values.
        missing: usize,
        /// The share of rows missing, when a 0/1 indicator column is added.
        indicator_share: Option<f64>,
    },
    /// A date's parts standardised.
    StandardiseDateParts,
    /// Free text as TF-IDF weights.
    Tfidf {
        /// Distinct words seen.
        vocabulary: usize,
        /// Character n-grams too.
        char_ngrams: bool,
        /// Most terms kept.
        max_features: usize,
        /// Fewest documents a term appears in.
        min_df: usize,
        /// Most common terms given to trees.
        max_dense_features: usize,
    },
}

/// Why a column is left out of the model's inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DropFact {
    /// The user asked for it.
    Excluded,
    /// It looks like a copy of the target.
    Leakage {
        /// The target column.
        target: String,
    },
    /// It identifies rows.
    Identifier {
        /// What the profile saw (its reason for the kind).
        evidence: KindFact,
    },
    /// It never varies.
    Constant {
        /// What the profile saw.
        evidence: KindFact,
    },
    /// Almost every value is missing.
    MostlyMissing {
        /// The share missing, 0–1.
        share: f64,
    },
}

/// A column computed from others before the steps, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Derivation {
    /// `log(1 + column)`, missing where it is negative.
    Log1p {
        /// The source column.
        column: String,
    },
    /// `numerator / denominator`, missing where the denominator is 0.
    Ratio {
        /// The numerator column.
        numerator: String,
        /// The denominator column.
        denominator: String,
    },
    /// `a × b`.
    Product {
        /// One column.
        a: String,
        /// The other.
        b: String,
    },
    /// `a − b`.
    Difference {
        /// The column subtracted from.
        a: String,
        /// The column subtracted.
        b: String,
    },
    /// A column cut into bins at its training quantiles.
    Bins {
        /// The source column.
        column: String,
        /// How many bins.
        bins: usize,
    },
    /// The training mean of a column within each level of another.
    GroupMean {
        /// The grouping column.
        group: String,
        /// The averaged column.
        column: String,
        /// Levels seen in training.
        levels: usize,
    },
    /// A text's length in characters.
    TextLength {
        /// The text column.
        column: String,
    },
    /// A text's number of words.
    WordCount {
        /// The text column.
        column: String,
    },
    /// A numeric column read as categories.
    AsCategories {
        /// The column.
        column: String,
    },
    /// A categorical column read as numbers.
    AsNumber {
        /// The column.
        column: String,
    },
}

/// What a fitted preprocessing step does, with the values it learned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FitFact {
    /// Missing numbers filled.
    Filled {
        /// Missing values in the training rows.
        missing: usize,
        /// The statistic (`median`, `mean`, `most frequent`, `constant`).
        strategy: String,
        /// The value filled in.
        value: f64,
        /// The column's skewness.
        skew: f64,
    },
    /// Missing numbers left for a model that handles them.
    KeptMissing {
        /// Missing values in the training rows.
        missing: usize,
    },
    /// A 0/1 column marking missing values added.
    MissingIndicator,
    /// `log(1 + x)` taken.
    Log1p {
        /// The column's skewness.
        skew: f64,
    },
    /// Values clipped.
    Clipped {
        /// The lower bound.
        low: f64,
        /// The upper bound.
        high: f64,
    },
    /// Values standardised.
    Standardised {
        /// The centre subtracted.
        center: f64,
        /// The scale divided by.
        scale: f64,
    },
    /// Two values mapped to 1 and 0.
    MappedBoolean {
        /// The value read as 1.
        positive: String,
        /// The value read as 0.
        negative: String,
    },
    /// One-hot encoded.
    OneHot {
        /// Output columns.
        width: usize,
        /// Rare levels pooled into "other", when there is an "other".
        pooled: Option<usize>,
    },
    /// Levels coded as integers by frequency.
    Ordinal {
        /// Levels.
        levels: usize,
    },
    /// Levels replaced by their smoothed out-of-fold mean target.
    TargetEncoded {
        /// Levels.
        levels: usize,
    },
    /// A date expanded into parts.
    DateParts {
        /// The parts' names (`year`, `month_sin`, …).
        parts: Vec<String>,
        /// Whether they were standardised.
        scaled: bool,
    },
    /// Text turned into TF-IDF weights.
    Tfidf {
        /// Term weights kept.
        width: usize,
        /// Training documents.
        documents: usize,
    },
    /// A column computed from others.
    Derived {
        /// Its name.
        name: String,
        /// How.
        how: Derivation,
    },
    /// A column left out.
    Dropped(DropFact),
}

/// Why a validation scheme was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ValidationFact {
    /// One held-out split, for a large table (or a small budget).
    Holdout {
        /// Rows held out.
        rows: usize,
        /// Their share of the table, 0–1.
        fraction: f64,
        /// Rows in the table.
        n_rows: usize,
    },
    /// Ten folds, for a small table.
    TenFold {
        /// Rows in the table.
        n_rows: usize,
    },
    /// Five folds, otherwise.
    FiveFold {
        /// Rows in the table.
        n_rows: usize,
    },
    /// The scheme the person asked for.
    Requested,
}

/// Why a binary model predicts with a decision threshold other than 0.5.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ThresholdFact {
    /// The metric judges labels, and is better at this threshold.
    LabelMetric {
        /// The metric.
        metric: Metric,
        /// It at the threshold, on the out-of-fold predictions.
        score: f64,
        /// It at 0.5.
        at_half: f64,
    },
    /// The classes are imbalanced and the metric judges probabilities: labels use the threshold
    /// that maximises F1.
    Imbalanced {
        /// Rows of the rarer class.
        minority: usize,
        /// All rows.
        rows: usize,
        /// The run's metric (which judges probabilities).
        metric: Metric,
        /// F1 at the threshold.
        score: f64,
        /// F1 at 0.5.
        at_half: f64,
    },
    /// The person set it.
    SetByPerson,
}

/// What a forecaster's fit left out or changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ForecastNote {
    /// Rows of a series without a target value were left out of its history.
    Untargeted {
        /// The series id (`None` for a table with one series).
        series: Option<String>,
        /// Rows left out.
        rows: usize,
        /// The target column.
        target: String,
        /// Up to three of their times, as written.
        times: Vec<String>,
    },
    /// Series with room for one backtest window only.
    SingleWindow {
        /// The series ids (`None` for a table with one series).
        series: Vec<Option<String>>,
    },
    /// The covariates, which only the regression methods use.
    Covariates {
        /// The covariate columns.
        columns: Vec<String>,
    },
    /// Columns that are not numeric and were not used as covariates.
    NotNumericCovariates {
        /// The columns.
        columns: Vec<String>,
    },
    /// The time budget ran out during the per-series candidates.
    BudgetSeries {
        /// Series fitted with the baselines and the candidates tried before it ran out.
        short: usize,
        /// Series in the table.
        total: usize,
    },
    /// The time budget ran out before a model across series.
    BudgetGlobal {
        /// The model's name.
        model: String,
    },
    /// A model across series could not be fitted.
    GlobalFailed {
        /// The model's name.
        model: String,
        /// The error, as the model gave it.
        error: String,
    },
}

/// The outcome of trying one proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// What was tried.
    pub proposal: crate::advisor::Proposal,
    /// Validation score before (under the metric used for the comparison).
    pub before: f64,
    /// Validation score after.
    pub after: Option<f64>,
    /// Whether the change was kept.
    pub kept: bool,
    /// Why not, when it could not be tried.
    pub note: Option<String>,
    /// The noise a change must beat to be kept: the spread of the paired difference over
    /// bootstrap resamples of the shared validation rows (or the fold-to-fold spread).
    #[serde(default)]
    pub noise: Option<f64>,
    /// The metric the two scores are in.
    #[serde(default)]
    pub metric: Option<Metric>,
}

/// Why the rule-based assistant proposes a change, as data ([`crate::narration::proposal_reason`]
/// says it).
#[derive(Debug, Clone, PartialEq)]
pub enum ProposalFact {
    /// Labels that differ only in case or spaces, one group per meaning.
    SpellingGroups {
        /// The spellings of each group.
        groups: Vec<Vec<String>>,
    },
    /// The largest class is `ratio` times the smallest.
    Imbalance {
        /// Largest class count over smallest.
        ratio: f64,
    },
    /// Accuracy, with unbalanced classes, rewards always predicting the largest class.
    AccuracyFavoursLargest,
    /// Inputs that contribute almost nothing to the model's importance.
    WeakInputs {
        /// The columns.
        columns: Vec<String>,
    },
    /// The search was short.
    ShortSearch {
        /// How long it ran, in seconds.
        elapsed_secs: f64,
    },
}
