#![doc = include_str!("../README.md")]

pub mod assert;
pub mod conformance;
pub mod reference;
pub mod synthetic;

pub use conformance::{
    ConformanceOptions, ConformanceReport, run_conformance, run_conformance_typed,
};
