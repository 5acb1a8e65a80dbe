#![doc = include_str!("../README.md")]

mod convert;
mod error;
mod estimator;
mod model;
mod params;
mod tree;

use mlpilot_core::Registry;

pub use estimator::{
    AdaBoost, DecisionTree, ElasticNet, GaussianNb, LinearRegression, LogisticRegression,
    RandomForest, SVM_MAX_ROWS, Svm,
};
pub use model::{
    AdaBoostModel, LinearModel, LogisticCoefficients, LogisticModel, NaiveBayesModel, PlattSvm,
    SvmKind, SvmModel, TreeModel,
};
pub use params::{
    AdaBoostParams, Criterion, DecisionTreeParams, ElasticNetParams, ForestParams,
    GaussianNbParams, LogisticParams, SvmKernel, SvmParams,
};

/// Adds every linfa estimator to `registry`.
pub fn register(registry: &mut Registry) {
    registry
        .register(LogisticRegression)
        .register(LinearRegression)
        .register(ElasticNet)
        .register(DecisionTree)
        .register(RandomForest)
        .register(AdaBoost)
        .register(Svm)
        .register(GaussianNb);
}
