#![doc = include_str!("../README.md")]

pub mod artifact;
pub mod config;
pub mod explain;
pub mod forecast;
pub mod monitoring;

pub use artifact::{Artifact, ArtifactBody, read};
pub use config::RunConfig;
pub use explain::PredictorModel;
pub use forecast::ForecastArtifact;
