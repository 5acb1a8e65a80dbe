//! What profiling found, as data: why a column was read as its kind, why a column is taken
//! for the target and which task it implies, what looks like a copy of the target, and what
//! to check about the target's labels.

use serde::{Deserialize, Serialize};

use crate::numbers::NumberStyle;
use crate::profile::{RelationMeasure, ValueCount};
use crate::schema::ColumnKind;

/// Why a column was read as its kind: the rule that decided, with the numbers it saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum KindFact {
    /// Every value is missing → constant.
    AllMissing {
        /// Rows in the table.
        rows: usize,
    },
    /// One value in every present row → constant.
    OneValue {
        /// The value.
        value: String,
        /// Rows holding a value.
        present: usize,
        /// Rows missing one.
        missing: usize,
    },
    /// Stored as true/false → boolean.
    StoredBoolean,
    /// Exactly two values → boolean.
    TwoValues {
        /// The more frequent value.
        a: String,
        /// The other.
        b: String,
        /// Values that were not numbers in a column of numbers, read as missing.
        not_numbers: Option<NotNumbers>,
    },
    /// Stored as timestamps → datetime.
    StoredTimestamps,
    /// Text that reads as dates → datetime.
    Dates {
        /// The share of present values that parse as dates, 0..1.
        share: f64,
        /// An example of the format (`2024-03-31`).
        example: String,
    },
    /// Distinct whole numbers in order or named like an id → identifier.
    NumberedRows {
        /// Distinct values.
        distinct: usize,
        /// Rows holding a value.
        present: usize,
        /// Whether they rise (or fall) down the rows; otherwise the name looks like an id.
        monotone: bool,
    },
    /// Whole numbers → integer.
    WholeNumbers {
        /// Distinct values.
        distinct: usize,
        /// Values that were not numbers, read as missing.
        not_numbers: Option<NotNumbers>,
    },
    /// Numbers with decimals → float.
    DecimalNumbers {
        /// Distinct values.
        distinct: usize,
        /// Values that were not numbers, read as missing.
        not_numbers: Option<NotNumbers>,
    },
    /// Long, varied strings → text.
    LongText {
        /// Distinct values.
        distinct: usize,
        /// Rows holding a value.
        present: usize,
        /// Median length in characters.
        median_length: f64,
    },
    /// Short strings that nearly never repeat → identifier.
    UniqueLabels {
        /// Distinct values.
        distinct: usize,
        /// Rows holding a value.
        present: usize,
        /// Median length in characters.
        median_length: f64,
    },
    /// Repeating labels → categorical.
    Labels {
        /// Distinct labels.
        distinct: usize,
        /// The most frequent ones (at most three).
        examples: Vec<String>,
    },
    /// Numeric codes the user asked to read as categories → categorical.
    CodesAsAsked {
        /// Distinct codes.
        distinct: usize,
    },
}

impl KindFact {
    /// The kind this fact decides.
    pub fn kind(&self) -> ColumnKind {
        match self {
            KindFact::AllMissing { .. } | KindFact::OneValue { .. } => ColumnKind::Constant,
            KindFact::StoredBoolean | KindFact::TwoValues { .. } => ColumnKind::Boolean,
            KindFact::StoredTimestamps | KindFact::Dates { .. } => ColumnKind::Datetime,
            KindFact::NumberedRows { .. } | KindFact::UniqueLabels { .. } => ColumnKind::Identifier,
            KindFact::WholeNumbers { .. } => ColumnKind::Integer,
            KindFact::DecimalNumbers { .. } => ColumnKind::Float,
            KindFact::LongText { .. } => ColumnKind::Text,
            KindFact::Labels { .. } | KindFact::CodesAsAsked { .. } => ColumnKind::Categorical,
        }
    }

    /// The stray words of a column of numbers, when the rule that decided saw any.
    pub fn not_numbers(&self) -> Option<&NotNumbers> {
        match self {
            KindFact::TwoValues { not_numbers, .. }
            | KindFact::WholeNumbers { not_numbers, .. }
            | KindFact::DecimalNumbers { not_numbers, .. } => not_numbers.as_ref(),
            _ => None,
        }
    }
}

/// Values of a column of numbers that were not numbers (they are read as missing).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NotNumbers {
    /// How many.
    pub count: usize,
    /// Up to three of them.
    pub examples: Vec<String>,
}

impl NotNumbers {
    /// Counts `count` more of `word`, keeping it as an example while fewer than three distinct
    /// ones are kept.
    pub fn add(&mut self, word: &str, count: usize) {
        self.count += count;
        if self.examples.len() < 3 && !self.examples.iter().any(|e| e == word) {
            self.examples.push(word.to_string());
        }
    }
}

/// A text column the reader turned into numbers written in a locale's style.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumberReading {
    /// The style the values were read in.
    pub style: NumberStyle,
    /// The first value, as written.
    pub example: String,
    /// Whether the file was `;`-separated (which decided values that read either way).
    pub semicolon_file: bool,
}

/// Why a target implies its task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskFact {
    /// Two values (a boolean or two numbers) → binary classification.
    TwoValues,
    /// Two labels → binary classification.
    TwoLabels,
    /// More labels → multiclass classification.
    Labels {
        /// Distinct labels.
        count: usize,
    },
    /// A few small whole numbers (a rating, a grade) → multiclass classification.
    SmallWholeNumbers {
        /// Distinct values.
        count: usize,
    },
    /// A number with many values → regression.
    ManyNumbers,
}

/// What a column's name says about it being the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TargetName {
    /// Nothing.
    Plain,
    /// It is one of the usual target names (`target`, `label`, `class`, …).
    Usual,
    /// It contains a common target word (`churn_flag`, `price_usd`).
    Common,
}

/// Why a column is suggested as the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetChoiceFact {
    /// The column.
    pub column: String,
    /// What its name says.
    pub name: TargetName,
    /// Whether it is the table's last column.
    pub last_column: bool,
    /// The task it implies, and why.
    pub task: TaskFact,
}

/// A feature that determines the target almost exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakageFact {
    /// The feature.
    pub feature: String,
    /// The target.
    pub target: String,
    /// The association measure.
    pub measure: RelationMeasure,
    /// Its value (absolute for correlations).
    pub value: f64,
    /// The share of the target's entropy the feature carries (mutual information over the
    /// target's entropy), 0..1.
    pub information_share: f64,
}

/// Something to check about the target before trusting a model of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TargetWarning {
    /// Labels that differ only in case or spaces.
    LabelSpellings {
        /// The target.
        target: String,
        /// The spellings with their counts, most frequent first.
        spellings: Vec<ValueCount>,
    },
    /// Classes too rare to learn or to validate (fewer than 20 rows or under 1 %).
    RareClasses {
        /// The target.
        target: String,
        /// The rare classes with their counts.
        rare: Vec<ValueCount>,
        /// Rows with a target.
        total: usize,
    },
    /// Stray words in a target of numbers (`n/a`, `?`): read as missing, their rows left out.
    NotNumbers {
        /// The target.
        target: String,
        /// How many, with examples.
        not_numbers: NotNumbers,
    },
}
