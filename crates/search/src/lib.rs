#![doc = include_str!("../README.md")]

mod candidates;
pub mod engine;
pub mod ensemble;
mod executor;
mod finish;
mod folds;
pub mod leaderboard;
pub mod predictor;
mod prepare;
mod record;
pub mod samplers;
mod scheduler;
pub mod threshold;
pub mod validation;

pub use engine::{SamplerKind, SearchConfig, SearchResult, Timings, run};
pub use leaderboard::{LeaderboardRow, TrialStatus};
pub use predictor::{Member, Predictor, StoredMember, StoredPredictor, TablePredictions};
pub use samplers::{GridSampler, LocalSearch, RandomSampler, TpeSampler};
pub use validation::{Fold, Splits, Validation};
