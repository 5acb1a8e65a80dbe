#![doc = include_str!("../README.md")]

pub mod advisor;
mod answers;
pub mod features;
pub mod goal;
pub mod grounding;
pub mod offline;
pub mod providers;
pub mod requests;

pub use advisor::{LlmAdvisor, OfflineAdvisor, advisor_for, describe_adjustment};
pub use providers::{Cached, LlmSpec, OllamaModel, OpenAiCompatible, Retrying, Secret};
