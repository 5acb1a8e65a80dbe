#![doc = include_str!("../README.md")]

mod convert;
mod error;
mod estimator;
mod model;
mod params;

use mlpilot_core::Registry;

pub use estimator::{
    DecisionTree, ElasticNet, ExtraTrees, GaussianNb, Knn, Lasso, LinearRegression,
    LogisticRegression, RandomForest, Ridge, Svm,
};
pub use model::{GaussianNbModel, KnnModel, LinearModel, LogisticModel, SvmModel, TreeModel};
pub use params::{
    Criterion, DecisionTreeParams, ElasticNetParams, ForestParams, GaussianNbParams, KnnParams,
    KnnWeights, LassoParams, LogisticParams, RidgeParams, SvmKernel, SvmParams,
};

/// Adds every smartcore estimator to `registry`.
pub fn register(registry: &mut Registry) {
    registry
        .register(LogisticRegression)
        .register(LinearRegression)
        .register(Ridge)
        .register(Lasso)
        .register(ElasticNet)
        .register(DecisionTree)
        .register(RandomForest)
        .register(ExtraTrees)
        .register(Knn)
        .register(Svm)
        .register(GaussianNb);
}
