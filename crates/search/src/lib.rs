#![doc = include_str!("../README.md")]

pub mod engine;
pub mod ensemble;
pub mod forecast;
pub mod leaderboard;
pub mod portfolio;
pub mod predictor;
pub mod samplers;
pub mod validation;

pub use engine::{SamplerKind, SearchConfig, SearchResult, Timings, run};
pub use leaderboard::{LeaderboardRow, TrialStatus};
pub use predictor::{Member, Predictor, StoredMember, StoredPredictor, TablePredictions};
pub use samplers::{GridSampler, LocalSearch, RandomSampler, TpeSampler};
pub use validation::{Fold, Splits, Validation};
