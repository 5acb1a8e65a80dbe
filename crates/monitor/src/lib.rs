#![doc = include_str!("../README.md")]

pub mod check;
pub mod stats;
pub mod store;

pub use check::{
    ColumnDrift, MIN_ROWS, MonitorReport, Performance, PredictionDrift, column_drift, performance,
    prediction_drift, report,
};
pub use stats::{ChiSquared, KolmogorovSmirnov, Psi};
pub use store::{Alert, Labelled, MonitorStore, raise_alerts};
