#![doc = include_str!("../README.md")]

pub mod permutation;
pub mod report;
pub mod table;
pub mod treeshap;

pub use permutation::{Coalitions, PermutationShap, ShapleyValues, shapley};
pub use report::{BoardEntry, ReportData, render_html};
pub use table::{
    Contribution, ExplainOptions, Importance, ImportanceOptions, PartialDependence, PdpOptions,
    RowExplanation, TableModel, default_output, explain_rows, partial_dependence,
    permutation_importance,
};
pub use treeshap::{PreparedEnsemble, TreeShap};
