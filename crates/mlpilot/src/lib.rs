#![doc = include_str!("../README.md")]

pub use mlpilot_core as core;
pub use mlpilot_data as data;
pub use mlpilot_prep as prep;
pub use mlpilot_search as search;

pub use mlpilot_core::{ColumnKind, DatasetProfile, Error, ErrorKind, Frame, Metric, Result, Task};
