#![doc = include_str!("../README.md")]

pub mod advisor;
pub mod cost;
pub mod datetime;
pub mod drift;
pub mod error;
pub mod estimator;
pub mod explain;
pub mod export;
pub mod facts;
pub mod frame;
pub mod llm;
pub mod matrix;
pub mod metrics;
pub mod narration;
pub mod numbers;
pub mod profile;
pub mod registry;
pub mod rng;
pub mod sampler;
pub mod schema;
pub mod space;
pub mod task;
pub mod tree;

pub use advisor::{
    Adjustment, Advice, AdviceSource, Advisor, ModelScore, PlanContext, PredictionContext,
    Proposal, Request, RunContext, StepSummary, TargetAlternative, TaskSpec,
};
pub use cost::{CostModel, DefaultUse, TextUse};
pub use drift::{DriftDetector, DriftTest, Sample};
pub use error::{Error, ErrorKind, Result, panic_message};
pub use estimator::{
    CancelFlag, Capabilities, DataShape, Dataset, DynEstimator, DynModel, Estimator, EstimatorInfo,
    FeatureInfo, FeatureKind, FitContext, InputStyle, Model, ModelFamily, ProgressEvent,
    ProgressSink, check_n_features,
};
pub use explain::{Attribution, ExplainOutput, Explainer};
pub use export::{ArrayStep, ExportForm};
pub use frame::{Column, ColumnData, Frame, StrColumn, Value};
pub use llm::{
    ChatMessage, ChatOptions, ChatRequest, ChatResponse, LanguageModel, LlmCapabilities, Role,
};
pub use matrix::{CsrBuilder, CsrMatrix, Features, Matrix};
pub use profile::DatasetProfile;
pub use registry::Registry;
pub use rng::Rng;
pub use sampler::{Sampler, TrialOutcome};
pub use schema::{ColumnKind, ColumnSchema, Schema};
pub use space::{Domain, NoParams, Param, ParamSet, ParamValue, Params, SearchSpace, check_range};
pub use task::{Direction, Metric, Predictions, Task, argmax, sigmoid, softmax, softmax_in_place};
pub use tree::{TreeEnsemble, TreeNode, TreeView};
