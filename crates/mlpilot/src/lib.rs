#![doc = include_str!("../README.md")]

pub use mlpilot_core as core;
