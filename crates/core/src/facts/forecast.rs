//! What a forecaster found and did, as data: each series' facts, the spacing of its points and
//! the rows that shared a time. [`crate::narration`] writes them in words.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The facts of one series' forecaster, for narratives (every number in the text comes from
/// here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesFacts {
    /// The series id.
    pub id: Option<String>,
    /// Points on the grid.
    pub points: usize,
    /// Points that were interpolated.
    pub filled: usize,
    /// Mean of the first half.
    pub first_half_mean: f64,
    /// Mean of the second half.
    pub second_half_mean: f64,
    /// Seasons found, in steps.
    pub seasons: Vec<f64>,
    /// The chosen method.
    pub method: String,
    /// Its backtest RMSE.
    pub backtest_rmse: f64,
    /// The seasonal naive (or naive) backtest RMSE, the baseline.
    pub baseline: Option<(String, f64)>,
    /// The backtest coverage of the interval.
    pub coverage: Option<f64>,
    /// Backtest windows.
    pub windows: usize,
    /// The nominal coverage of the intervals (0.8).
    pub level: f64,
    /// What moves the forecast most, when the chosen method includes a model across series
    /// with feature importances: its three largest (feature, share of the importance).
    #[serde(default)]
    pub drivers: Vec<(String, f64)>,
}

/// What to do with rows that share a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateTimes {
    /// Average the values of a time.
    #[default]
    Mean,
    /// Add them up (counts, sales per transaction).
    Sum,
    /// Keep the first row of each time, in file order.
    First,
    /// Keep the last row of each time, in file order.
    Last,
    /// Refuse the table, naming the times.
    Refuse,
}

impl DuplicateTimes {
    /// The word used in messages and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            DuplicateTimes::Mean => "mean",
            DuplicateTimes::Sum => "sum",
            DuplicateTimes::First => "first",
            DuplicateTimes::Last => "last",
            DuplicateTimes::Refuse => "refuse",
        }
    }
}

impl std::str::FromStr for DuplicateTimes {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "mean" | "average" => DuplicateTimes::Mean,
            "sum" => DuplicateTimes::Sum,
            "first" => DuplicateTimes::First,
            "last" => DuplicateTimes::Last,
            "refuse" | "error" => DuplicateTimes::Refuse,
            other => {
                return Err(Error::invalid_input(format!(
                    "`{other}` is not a way to combine rows that share a time; use mean, sum, \
                     first, last or refuse"
                )));
            }
        })
    }
}
/// Rows that shared a time and how they were combined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedTimes {
    /// How.
    pub how: DuplicateTimes,
    /// Times that had more than one row.
    pub times: usize,
    /// Rows folded into another row of the same time.
    pub rows: usize,
    /// Up to three such times, as written.
    pub examples: Vec<String>,
}

/// How far apart the points of a series are: the step of its time axis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Spacing {
    /// Plain numbers (years, indices), `step` apart.
    Numeric {
        /// The spacing.
        step: f64,
    },
    /// Calendar months, `step` apart (1: monthly, 3: quarterly, 12: yearly).
    Months {
        /// Months between points.
        step: u32,
    },
    /// Dates or timestamps `step_ms` milliseconds apart.
    Fixed {
        /// Milliseconds between points.
        step_ms: i64,
    },
}
