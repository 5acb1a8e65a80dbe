#![doc = include_str!("../README.md")]

pub mod categorical;
pub mod date;
pub mod derive;
pub mod labels;
pub mod numeric;
pub mod pipeline;
pub mod plan;
pub mod read;
pub mod text;

pub use derive::Derived;
pub use labels::{EncodedTarget, TargetEncoding, merge_label_spellings};
pub use pipeline::{
    FeatureMeta, FitTarget, FittedPipeline, FittedStep, InputColumn, Transformed, Variant,
};
pub use plan::{
    ColumnPlan, Dropped, ImputeStrategy, PlanOptions, PlannedStep, PreprocessPlan, ScaleMethod,
    Step, TfidfOptions, suggestions, suggestions_for,
};
