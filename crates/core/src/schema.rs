//! Column kinds and the schema of a table.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a column means for modelling, inferred from its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Whole numbers with many distinct values.
    Integer,
    /// Real numbers.
    Float,
    /// Two values (true/false, yes/no, 0/1).
    Boolean,
    /// A small set of labels.
    Categorical,
    /// Free text.
    Text,
    /// Dates or timestamps.
    Datetime,
    /// A per-row identifier (unique per row, or monotone) that carries no signal.
    Identifier,
    /// One value (or none) in every row.
    Constant,
}

impl ColumnKind {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Integer => "integer",
            ColumnKind::Float => "float",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Categorical => "categorical",
            ColumnKind::Text => "text",
            ColumnKind::Datetime => "datetime",
            ColumnKind::Identifier => "identifier",
            ColumnKind::Constant => "constant",
        }
    }

    /// Whether the kind is numeric (integer or float).
    pub fn is_numeric(self) -> bool {
        matches!(self, ColumnKind::Integer | ColumnKind::Float)
    }
}

impl fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One column of a [`Schema`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSchema {
    /// The column's name.
    pub name: String,
    /// What the column means.
    pub kind: ColumnKind,
    /// The physical type it was read as (`int`, `float`, `str`, `bool`, `datetime`).
    pub dtype: String,
    /// Whether missing values were seen.
    pub nullable: bool,
}

/// The columns of a table, in order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Schema {
    /// The columns.
    pub columns: Vec<ColumnSchema>,
}

impl Schema {
    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnSchema> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The column names in order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }
}
