//! The backend contract: [`Estimator`] fits a [`Model`] on a [`Dataset`].
//!
//! Backend authors implement the typed [`Estimator`] (its model type is a concrete,
//! serde-serialisable struct). The registry and the search engine hold estimators as
//! `Arc<dyn DynEstimator>`, an object-safe twin implemented for every `Estimator` by a blanket
//! impl, so a backend never writes the dynamic plumbing itself.
//!
//! ```
//! use mlpilot_core::*;
//! use serde::{Deserialize, Serialize};
//!
//! /// Predicts the training mean: the smallest possible regressor.
//! struct MeanRegressor;
//!
//! #[derive(Debug, Serialize, Deserialize)]
//! struct MeanModel { mean: f64, n_features: usize }
//!
//! impl Model for MeanModel {
//!     fn task(&self) -> Task { Task::Regression }
//!     fn n_features(&self) -> usize { self.n_features }
//!     fn predict(&self, x: &Features) -> Result<Vec<f64>> {
//!         check_n_features(x, self.n_features)?;
//!         Ok(vec![self.mean; x.n_rows()])
//!     }
//! }
//!
//! impl Estimator for MeanRegressor {
//!     type Model = MeanModel;
//!     type Params = NoParams;
//!     fn info(&self) -> EstimatorInfo {
//!         EstimatorInfo::new("example.mean", "mean regressor", ModelFamily::Baseline)
//!             .tasks(&[Task::Regression])
//!     }
//!     fn search_space(&self, _task: Task, _shape: DataShape) -> SearchSpace { SearchSpace::new() }
//!     fn fit(&self, data: &Dataset, _p: &NoParams, ctx: &FitContext) -> Result<MeanModel> {
//!         ctx.check()?;
//!         let mean = data.y().iter().sum::<f64>() / data.n_rows() as f64;
//!         Ok(MeanModel { mean, n_features: data.n_features() })
//!     }
//! }
//!
//! let x = Matrix::from_rows(&[vec![1.0], vec![2.0]]).unwrap();
//! let data = Dataset::regression(x.into(), vec![3.0, 5.0]).unwrap();
//! let est: std::sync::Arc<dyn DynEstimator> = std::sync::Arc::new(MeanRegressor);
//! let model = est.fit_dyn(&data, &ParamSet::new(), &FitContext::new(0)).unwrap();
//! assert_eq!(model.predict(data.x()).unwrap(), vec![4.0, 4.0]);
//! // Models write themselves to bytes and come back through their estimator.
//! let bytes = model.to_bytes().unwrap();
//! let back = est.load_model(&bytes).unwrap();
//! assert_eq!(back.predict(data.x()).unwrap(), vec![4.0, 4.0]);
//! ```

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::cost::{CostModel, DefaultUse};
use crate::error::{Error, ErrorKind, Result};
use crate::matrix::{Features, Matrix};
use crate::space::{ParamSet, Params, SearchSpace};
use crate::task::Task;
use crate::tree::TreeEnsemble;

/// How a model input column was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeatureKind {
    /// A real number.
    Numeric,
    /// Integer codes `0..cardinality` of a categorical column (missing stays NaN).
    Categorical {
        /// The number of codes.
        cardinality: usize,
    },
}

/// A model input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureInfo {
    /// The feature's name (`age`, `sex=female`, `text:tfidf:good`).
    pub name: String,
    /// How it is encoded.
    pub kind: FeatureKind,
}

/// Training data for an estimator: features, target, optional weights.
///
/// For classification the target holds class indices `0..n_classes` as `f64` (class 1 is the
/// positive class of a binary task); for regression, finite values.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    x: Features,
    y: Vec<f64>,
    task: Task,
    n_classes: usize,
    weights: Option<Vec<f64>>,
    features: Vec<FeatureInfo>,
}

impl Dataset {
    /// A classification dataset with `n_classes` classes (binary when 2).
    ///
    /// # Errors
    /// An invalid-input error when `n_classes` is below 2, a target value is not a class index in
    /// `0..n_classes` (naming the row), or `y` and `x` have different numbers of rows.
    pub fn classification(x: Features, y: Vec<f64>, n_classes: usize) -> Result<Self> {
        if n_classes < 2 {
            return Err(Error::invalid_input(format!(
                "a classification target needs at least two classes, got {n_classes}"
            )));
        }
        if let Some((i, v)) = y.iter().enumerate().find(|(_, v)| {
            !(v.is_finite() && v.fract() == 0.0 && **v >= 0.0 && (**v as usize) < n_classes)
        }) {
            return Err(Error::invalid_input(format!(
                "row {i}: class index {v} is not in 0..{n_classes}"
            ))
            .with_context("row", i));
        }
        let task = if n_classes == 2 {
            Task::Binary
        } else {
            Task::Multiclass
        };
        Self::build(x, y, task, n_classes)
    }

    /// A regression dataset.
    ///
    /// # Errors
    /// An invalid-input error when a target value is not finite (naming the row), or `y` and `x`
    /// have different numbers of rows.
    pub fn regression(x: Features, y: Vec<f64>) -> Result<Self> {
        if let Some((i, v)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(
                Error::invalid_input(format!("row {i}: target value {v} is not finite"))
                    .with_context("row", i),
            );
        }
        Self::build(x, y, Task::Regression, 0)
    }

    fn build(x: Features, y: Vec<f64>, task: Task, n_classes: usize) -> Result<Self> {
        if x.n_rows() != y.len() {
            return Err(Error::invalid_input(format!(
                "{} feature rows but {} target values",
                x.n_rows(),
                y.len()
            )));
        }
        let features = (0..x.n_cols())
            .map(|j| FeatureInfo {
                name: format!("x{j}"),
                kind: FeatureKind::Numeric,
            })
            .collect();
        Ok(Dataset {
            x,
            y,
            task,
            n_classes,
            weights: None,
            features,
        })
    }

    /// Adds per-row weights (non-negative, finite, one per row).
    ///
    /// # Errors
    /// An invalid-input error when there is not one weight per row, or a weight is negative or not
    /// finite.
    pub fn with_weights(mut self, weights: Vec<f64>) -> Result<Self> {
        if weights.len() != self.y.len() {
            return Err(Error::invalid_input(format!(
                "{} weights for {} rows",
                weights.len(),
                self.y.len()
            )));
        }
        if let Some((i, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(Error::invalid_input(format!(
                "row {i}: weight {w} must be finite and ≥ 0"
            )));
        }
        self.weights = Some(weights);
        Ok(self)
    }

    /// Names and encodings of the feature columns (one per column).
    ///
    /// # Errors
    /// An internal error when there is not one description per feature column.
    pub fn with_features(mut self, features: Vec<FeatureInfo>) -> Result<Self> {
        if features.len() != self.x.n_cols() {
            return Err(Error::internal(format!(
                "{} feature descriptions for {} columns",
                features.len(),
                self.x.n_cols()
            )));
        }
        self.features = features;
        Ok(self)
    }

    /// The features.
    pub fn x(&self) -> &Features {
        &self.x
    }

    /// The target.
    pub fn y(&self) -> &[f64] {
        &self.y
    }

    /// The task.
    pub fn task(&self) -> Task {
        self.task
    }

    /// The number of classes (0 for regression).
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Per-row weights, if any.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    /// Feature descriptions.
    pub fn features(&self) -> &[FeatureInfo] {
        &self.features
    }

    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        self.y.len()
    }

    /// The number of feature columns.
    pub fn n_features(&self) -> usize {
        self.x.n_cols()
    }

    /// Rows, feature columns and classes: what search spaces are sized by.
    pub fn shape(&self) -> DataShape {
        DataShape {
            n_rows: self.n_rows(),
            n_features: self.n_features(),
            n_classes: self.n_classes,
        }
    }

    /// Rows per class (classification; empty for regression).
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0usize; self.n_classes];
        for &v in &self.y {
            if let Some(c) = counts.get_mut(v as usize) {
                *c += 1;
            }
        }
        counts
    }

    /// The rows at `rows`, in that order.
    ///
    /// # Errors
    /// An internal error when an index is out of range.
    pub fn subset(&self, rows: &[usize]) -> Result<Dataset> {
        let x = self.x.select_rows(rows)?;
        let y = rows
            .iter()
            .map(|&r| {
                self.y
                    .get(r)
                    .copied()
                    .ok_or_else(|| Error::internal("row out of range"))
            })
            .collect::<Result<Vec<_>>>()?;
        let weights = self.weights.as_ref().map(|w| {
            rows.iter()
                .map(|&r| w.get(r).copied().unwrap_or(0.0))
                .collect()
        });
        Ok(Dataset {
            x,
            y,
            task: self.task,
            n_classes: self.n_classes,
            weights,
            features: self.features.clone(),
        })
    }

    /// Checks what every estimator needs: at least one row, at least two classes present for
    /// classification, and (unless `allow_missing`) no NaN; never infinite values.
    ///
    /// # Errors
    /// An invalid-input error when there are no rows, a classification target has fewer than two
    /// classes present, or a feature holds an infinite value (or, unless `allow_missing`, a NaN),
    /// naming the row and feature.
    pub fn check_trainable(&self, allow_missing: bool) -> Result<()> {
        if self.n_rows() == 0 {
            return Err(Error::invalid_input("cannot train on zero rows"));
        }
        if self.task.is_classification() {
            let present = self.class_counts().iter().filter(|&&c| c > 0).count();
            if present < 2 {
                return Err(Error::invalid_input(format!(
                    "the training rows hold only {present} class; a classifier needs at least two"
                )));
            }
        }
        let bad = if allow_missing {
            self.x.first_infinite()
        } else {
            self.x.first_non_finite()
        };
        if let Some((r, c)) = bad {
            let name = self
                .features
                .get(c)
                .map_or_else(|| format!("x{c}"), |f| f.name.clone());
            return Err(Error::invalid_input(format!(
                "feature `{name}` has a missing or infinite value at row {r}; this estimator \
                 needs finite inputs (impute or drop the column)"
            ))
            .with_context("row", r)
            .with_context("column", name));
        }
        Ok(())
    }
}

/// Fails unless `x` has `expected` columns.
///
/// # Errors
/// An invalid-input error when `x` does not have `expected` columns.
pub fn check_n_features(x: &Features, expected: usize) -> Result<()> {
    if x.n_cols() != expected {
        return Err(Error::invalid_input(format!(
            "the model was trained on {expected} features but got {}",
            x.n_cols()
        )));
    }
    Ok(())
}

/// Broad model families; the search balances its time across them and preprocessing chooses
/// encodings by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelFamily {
    /// Always predicts a constant.
    Baseline,
    /// Linear and generalised linear models.
    Linear,
    /// Naive Bayes.
    NaiveBayes,
    /// Nearest neighbours.
    Neighbors,
    /// Support vector machines.
    Svm,
    /// A single decision tree.
    Tree,
    /// Bagged trees (random forests, extra trees).
    Forest,
    /// Gradient-boosted trees.
    Boosting,
    /// Neural networks.
    NeuralNet,
}

impl ModelFamily {
    /// A name for people.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelFamily::Baseline => "baseline",
            ModelFamily::Linear => "linear model",
            ModelFamily::NaiveBayes => "naive Bayes",
            ModelFamily::Neighbors => "nearest neighbours",
            ModelFamily::Svm => "support vector machine",
            ModelFamily::Tree => "decision tree",
            ModelFamily::Forest => "tree ensemble (bagging)",
            ModelFamily::Boosting => "gradient boosting",
            ModelFamily::NeuralNet => "neural network",
        }
    }

    /// Whether the family splits on thresholds (and so needs no scaling and takes ordinal
    /// codes for categories).
    pub fn is_tree_based(self) -> bool {
        matches!(
            self,
            ModelFamily::Tree | ModelFamily::Forest | ModelFamily::Boosting
        )
    }
}

/// What an estimator can do. Conformance tests and the search gate on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Capabilities {
    /// Fits two-class problems.
    pub binary: bool,
    /// Fits problems with three or more classes.
    pub multiclass: bool,
    /// Fits real-valued targets.
    pub regression: bool,
    /// Gives class probabilities.
    pub probabilities: bool,
    /// Accepts NaN inputs natively.
    pub missing_values: bool,
    /// Honours per-row weights.
    pub sample_weights: bool,
    /// Needs standardised inputs (linear models, SVMs, neighbours, networks).
    pub needs_scaling: bool,
    /// Uses categorical feature descriptions natively.
    pub categorical: bool,
    /// Reads sparse matrices without densifying.
    pub sparse: bool,
    /// The same seed gives the same model.
    pub deterministic: bool,
    /// Its fitted models describe what they compute ([`crate::Model::export_form`]), so they
    /// can be exported to ONNX.
    #[serde(default)]
    pub exportable: bool,
}

impl Capabilities {
    /// Whether the estimator fits `task`.
    pub fn supports(&self, task: Task) -> bool {
        match task {
            Task::Binary => self.binary,
            Task::Multiclass => self.multiclass,
            Task::Regression => self.regression,
            Task::Forecast => self.regression,
        }
    }
}

/// How preprocessing should encode inputs for an estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputStyle {
    /// Ordinal codes for categories, no scaling (trees).
    Ordinal,
    /// One-hot categories and standardised numbers (linear models, SVMs, kNN, networks).
    Scaled,
}

/// What an estimator is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimatorInfo {
    /// Stable id, `library.algorithm` (`smartcore.random_forest`). Stored in artifacts.
    pub id: String,
    /// A name for people.
    pub name: String,
    /// Its family.
    pub family: ModelFamily,
    /// What it can do.
    pub capabilities: Capabilities,
    /// How its fit, prediction and memory grow with the data (the search schedules by it).
    pub cost: CostModel,
    /// When it belongs in the default candidates of a search.
    pub defaults: DefaultUse,
}

impl EstimatorInfo {
    /// Info with deterministic defaults and no tasks; add them with the builder methods.
    pub fn new(id: &str, name: &str, family: ModelFamily) -> Self {
        EstimatorInfo {
            id: id.into(),
            name: name.into(),
            family,
            capabilities: Capabilities {
                deterministic: true,
                ..Capabilities::default()
            },
            cost: CostModel::default(),
            defaults: DefaultUse::default(),
        }
    }

    /// Declares the tasks it fits.
    pub fn tasks(mut self, tasks: &[Task]) -> Self {
        for t in tasks {
            match t {
                Task::Binary => self.capabilities.binary = true,
                Task::Multiclass => self.capabilities.multiclass = true,
                Task::Regression | Task::Forecast => self.capabilities.regression = true,
            }
        }
        self
    }

    /// Replaces the capabilities.
    pub fn capabilities(mut self, f: impl FnOnce(&mut Capabilities)) -> Self {
        f(&mut self.capabilities);
        self
    }

    /// Sets the cost model.
    pub fn cost(mut self, cost: CostModel) -> Self {
        self.cost = cost;
        self
    }

    /// Sets when it belongs in the default candidates.
    pub fn default_use(mut self, defaults: DefaultUse) -> Self {
        self.defaults = defaults;
        self
    }

    /// How preprocessing should encode inputs for it.
    pub fn input_style(&self) -> InputStyle {
        if self.capabilities.needs_scaling || !self.family.is_tree_based() {
            InputStyle::Scaled
        } else {
            InputStyle::Ordinal
        }
    }
}

/// The size of the data a search space is built for (ranges can depend on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DataShape {
    /// Training rows.
    pub n_rows: usize,
    /// Feature columns.
    pub n_features: usize,
    /// Classes (0 for regression).
    pub n_classes: usize,
}

/// A fitted model.
///
/// `predict` returns class indices (as `f64`) for classifiers and values for regressors;
/// `predict_proba` returns rows × classes probabilities that sum to one.
pub trait Model: Send + Sync + fmt::Debug + 'static {
    /// The task it was fitted for.
    fn task(&self) -> Task;

    /// The number of input columns it expects.
    fn n_features(&self) -> usize;

    /// The number of classes (0 for regression).
    fn n_classes(&self) -> usize {
        0
    }

    /// Predicted class indices or values, one per row.
    ///
    /// # Errors
    /// When `x` cannot be used (the wrong number of columns, see [`check_n_features`]) or the model
    /// library fails.
    fn predict(&self, x: &Features) -> Result<Vec<f64>>;

    /// Class probabilities, rows × classes.
    ///
    /// # Errors
    /// By default an unsupported error (the model gives no probabilities; callers then fall back to
    /// [`Model::predict`]); implementations fail as [`Model::predict`] does.
    fn predict_proba(&self, _x: &Features) -> Result<Matrix> {
        Err(Error::new(
            ErrorKind::Unsupported,
            "this model does not give probabilities",
        ))
    }

    /// Model-native importance of each input column, when the model has one.
    fn feature_importances(&self) -> Option<Vec<f64>> {
        None
    }

    /// Per-class weights of a linear model on its input features (classes × features; for a
    /// binary model the first row is the negative of the second), for naming the inputs that
    /// push each class. `None` for other models.
    fn linear_coefficients(&self) -> Option<Matrix> {
        None
    }

    /// The model's trees in a library-independent form, for exact TreeSHAP.
    fn tree_ensemble(&self) -> Option<TreeEnsemble> {
        None
    }

    /// What the model computes in a library-independent form, for exporting it to other
    /// runtimes (ONNX). The default is the model's trees when it has them; `None` when the
    /// model cannot be described (the exporter then names the model as the part it cannot
    /// export). The conformance suite checks that the form predicts what the model does.
    fn export_form(&self) -> Option<crate::ExportForm> {
        self.tree_ensemble().map(crate::ExportForm::Trees)
    }
}

/// The three [`Model`] methods that report a model's shape — [`Model::task`],
/// [`Model::n_features`] and [`Model::n_classes`] — read from fields of the same names
/// (`task: Task`, `n_features: usize`, `n_classes: usize`). Write it inside `impl Model for …`
/// instead of the three one-line methods:
///
/// ```
/// use mlpilot_core::{Features, Model, Result, Task};
///
/// #[derive(Debug)]
/// struct Constant {
///     task: Task,
///     n_features: usize,
///     n_classes: usize,
/// }
///
/// impl Model for Constant {
///     mlpilot_core::shape_from_fields!();
///
///     fn predict(&self, x: &Features) -> Result<Vec<f64>> {
///         Ok(vec![0.0; x.n_rows()])
///     }
/// }
///
/// let m = Constant { task: Task::Binary, n_features: 3, n_classes: 2 };
/// assert_eq!((m.task(), m.n_features(), m.n_classes()), (Task::Binary, 3, 2));
/// ```
#[macro_export]
macro_rules! shape_from_fields {
    () => {
        fn task(&self) -> $crate::Task {
            self.task
        }

        fn n_features(&self) -> usize {
            self.n_features
        }

        fn n_classes(&self) -> usize {
            self.n_classes
        }
    };
}

/// A model that can also write itself to bytes: what the registry and artifacts hold.
/// Implemented for every `Model + Serialize`.
pub trait DynModel: Model {
    /// The model serialised with postcard.
    ///
    /// # Errors
    /// A format error when the model cannot be serialised.
    fn to_bytes(&self) -> Result<Vec<u8>>;

    /// The model as a plain [`Model`].
    fn as_model(&self) -> &dyn Model;
}

impl<T: Model + Serialize> DynModel for T {
    fn to_bytes(&self) -> Result<Vec<u8>> {
        postcard::to_allocvec(self)
            .map_err(|e| Error::new(ErrorKind::Format, format!("could not serialise model: {e}")))
    }

    fn as_model(&self) -> &dyn Model {
        self
    }
}

/// A model library's algorithm, for backend authors.
pub trait Estimator: Send + Sync + 'static {
    /// The fitted model type.
    type Model: Model + Serialize + DeserializeOwned;

    /// The typed parameters [`Estimator::fit`] takes; their serde names are the search space's
    /// parameter names and their `Default` the space's defaults ([`Params`]).
    type Params: Params;

    /// What the estimator is and can do.
    fn info(&self) -> EstimatorInfo;

    /// What can be tuned, with good ranges and defaults for data of this shape. The defaults
    /// are read from `Self::Params::default()` (clamped into a range the shape narrows); a
    /// default chosen from the data follows the same rule the fit applies to `None`.
    fn search_space(&self, task: Task, shape: DataShape) -> SearchSpace;

    /// Fits a model. Validates `params` first ([`Params::validate`]: typed callers reach `fit`
    /// directly), must honour `ctx` (seed, threads, deadline, cancel flag) and return an error —
    /// never panic — on data it cannot use.
    ///
    /// # Errors
    /// When the data or parameters cannot be used, the model library fails, or, as the estimator
    /// documents, `ctx` says to stop (a timeout or cancelled error; see [`FitContext::check`]).
    fn fit(&self, data: &Dataset, params: &Self::Params, ctx: &FitContext) -> Result<Self::Model>;

    /// Reads a parameter set into the typed parameters for `data`: checked against the search
    /// space (names, ranges, conditions; absent names take the space's defaults), then converted
    /// ([`ParamSet::to_params`]). What [`DynEstimator::fit_dyn`] does once before fitting.
    ///
    /// # Errors
    /// An invalid-input error, prefixed with the estimator's id, when `set` is not in the space
    /// or does not convert.
    fn read_params(&self, data: &Dataset, set: &ParamSet) -> Result<Self::Params> {
        self.search_space(data.task(), data.shape())
            .validate(set)
            .and_then(|valid| valid.to_params())
            .map_err(|e| e.prefixed(&self.info().id))
    }

    /// Configurations known to be strong on many tables of this shape, best first, tried by
    /// the search after the space's defaults. Names outside the space are dropped. None by
    /// default.
    fn starting_points(&self, _task: Task, _shape: DataShape) -> Vec<ParamSet> {
        Vec::new()
    }

    /// The cheapest sensible configuration (FLAML's `low_cost_init_value`): what the search
    /// falls back to when the defaults would not fit in a trial's time cap. `None` when the
    /// defaults are already cheap.
    fn low_cost_point(&self, _task: Task, _shape: DataShape) -> Option<ParamSet> {
        None
    }
}

/// The object-safe twin of [`Estimator`], implemented for every estimator.
pub trait DynEstimator: Send + Sync {
    /// What the estimator is and can do.
    fn info(&self) -> EstimatorInfo;

    /// What can be tuned.
    fn search_space(&self, task: Task, shape: DataShape) -> SearchSpace;

    /// Checks the task, reads `params` into the estimator's typed parameters once
    /// ([`Estimator::read_params`]), then fits, catching a panic in the model library.
    ///
    /// # Errors
    /// An unsupported error when the estimator does not fit the data's task; an invalid-input
    /// error, prefixed with the estimator's id, when `params` are not in its search space; a
    /// timeout or cancelled error when `ctx` already says to stop; an internal error when the fit
    /// panics; otherwise what [`Estimator::fit`] returns.
    fn fit_dyn(
        &self,
        data: &Dataset,
        params: &ParamSet,
        ctx: &FitContext,
    ) -> Result<Box<dyn DynModel>>;

    /// Reads a model written by [`DynModel::to_bytes`].
    ///
    /// # Errors
    /// A format error when the bytes are not a model of this estimator.
    fn load_model(&self, bytes: &[u8]) -> Result<Box<dyn DynModel>>;

    /// Strong configurations for this shape, best first ([`Estimator::starting_points`]).
    fn starting_points(&self, task: Task, shape: DataShape) -> Vec<ParamSet>;

    /// The cheapest sensible configuration ([`Estimator::low_cost_point`]).
    fn low_cost_point(&self, task: Task, shape: DataShape) -> Option<ParamSet>;
}

impl<E: Estimator> DynEstimator for E {
    fn info(&self) -> EstimatorInfo {
        Estimator::info(self)
    }

    fn search_space(&self, task: Task, shape: DataShape) -> SearchSpace {
        Estimator::search_space(self, task, shape)
    }

    fn fit_dyn(
        &self,
        data: &Dataset,
        params: &ParamSet,
        ctx: &FitContext,
    ) -> Result<Box<dyn DynModel>> {
        let info = Estimator::info(self);
        if !info.capabilities.supports(data.task()) {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("{} does not fit {} tasks", info.id, data.task()),
            ));
        }
        let params = Estimator::read_params(self, data, params)?;
        ctx.check()?;
        // A model library that panics on data it cannot use must not take the caller with it.
        let fitted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Estimator::fit(self, data, &params, ctx)
        }))
        .map_err(|payload| {
            Error::internal(format!(
                "{} panicked while fitting: {}",
                info.id,
                crate::panic_message(payload.as_ref())
            ))
        })?;
        Ok(Box::new(fitted?))
    }

    fn starting_points(&self, task: Task, shape: DataShape) -> Vec<ParamSet> {
        Estimator::starting_points(self, task, shape)
    }

    fn low_cost_point(&self, task: Task, shape: DataShape) -> Option<ParamSet> {
        Estimator::low_cost_point(self, task, shape)
    }

    fn load_model(&self, bytes: &[u8]) -> Result<Box<dyn DynModel>> {
        let model: E::Model = postcard::from_bytes(bytes).map_err(|e| {
            Error::new(
                ErrorKind::Format,
                format!("could not read a {} model: {e}", Estimator::info(self).id),
            )
        })?;
        Ok(Box::new(model))
    }
}

/// A flag shared between a run and its fits; setting it asks every fit to stop.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A new, unset flag.
    pub fn new() -> Self {
        CancelFlag::default()
    }

    /// Asks everything holding the flag to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Something that happened during a fit or a run, for progress displays and logs.
#[derive(Debug, Clone, PartialEq)]
pub enum ProgressEvent {
    /// A free-form message.
    Message(String),
    /// An iterative fit advanced (boosting round, epoch).
    Iteration {
        /// The estimator id.
        estimator: String,
        /// The iteration just finished (1-based).
        iteration: usize,
        /// The planned number of iterations.
        total: Option<usize>,
        /// Its validation loss, when measured.
        loss: Option<f64>,
    },
    /// A search trial finished.
    Trial {
        /// Trials finished so far.
        done: usize,
        /// The trial's estimator id.
        estimator: String,
        /// The trial's score (`None` when it failed).
        score: Option<f64>,
        /// The best score so far.
        best: Option<f64>,
        /// Seconds left in the budget.
        seconds_left: Option<f64>,
    },
}

/// Receives [`ProgressEvent`]s.
pub trait ProgressSink: Send + Sync {
    /// Called for each event; must be cheap.
    fn event(&self, event: &ProgressEvent);
}

/// What a fit must honour: seed, deadline, cancel flag, threads, progress.
#[derive(Clone)]
pub struct FitContext {
    /// Seed for every random choice of the fit.
    pub seed: u64,
    /// When the fit must stop (it returns [`ErrorKind::Timeout`] or a model trained so far,
    /// as the estimator documents).
    pub deadline: Option<Instant>,
    /// Cancellation flag.
    pub cancel: CancelFlag,
    /// Threads the fit may use (at least 1).
    pub threads: usize,
    /// Where to report progress.
    pub progress: Option<Arc<dyn ProgressSink>>,
    /// The run's thread pool, offered to fits that work in parallel (see
    /// [`FitContext::thread_pool`]).
    pub pool: Option<Arc<rayon::ThreadPool>>,
}

impl fmt::Debug for FitContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FitContext")
            .field("seed", &self.seed)
            .field("deadline", &self.deadline)
            .field("cancelled", &self.cancel.is_cancelled())
            .field("threads", &self.threads)
            .finish()
    }
}

impl FitContext {
    /// A context with a seed, one thread, no deadline.
    pub fn new(seed: u64) -> Self {
        FitContext {
            seed,
            deadline: None,
            cancel: CancelFlag::new(),
            threads: 1,
            progress: None,
            pool: None,
        }
    }

    /// Offers the run's thread pool to the fit.
    pub fn with_pool(mut self, pool: Option<Arc<rayon::ThreadPool>>) -> Self {
        self.pool = pool;
        self
    }

    /// A pool of `threads` threads for a parallel fit: the run's own pool when it has that many
    /// threads, otherwise a new one; `None` for one thread (work inline).
    pub fn thread_pool(&self) -> Option<Arc<rayon::ThreadPool>> {
        if self.threads <= 1 {
            return None;
        }
        if let Some(p) = &self.pool
            && p.current_num_threads() == self.threads
        {
            return Some(p.clone());
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads)
            .build()
            .ok()
            .map(Arc::new)
    }

    /// Sets the deadline `budget` from now.
    pub fn with_budget(mut self, budget: Duration) -> Self {
        self.deadline = Some(Instant::now() + budget);
        self
    }

    /// Sets the deadline.
    pub fn with_deadline(mut self, deadline: Option<Instant>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets the thread count (at least 1).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the cancel flag.
    pub fn with_cancel(mut self, cancel: CancelFlag) -> Self {
        self.cancel = cancel;
        self
    }

    /// Time left before the deadline (`None` without one).
    pub fn time_left(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Whether the fit should stop now (deadline passed or cancelled).
    pub fn should_stop(&self) -> bool {
        self.cancel.is_cancelled() || self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// `Err(Cancelled)` or `Err(Timeout)` when the fit should stop.
    ///
    /// # Errors
    /// A cancelled error when the cancel flag is set, otherwise a timeout error when the deadline
    /// has passed.
    pub fn check(&self) -> Result<()> {
        if self.cancel.is_cancelled() {
            return Err(Error::new(ErrorKind::Cancelled, "the fit was cancelled"));
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Error::new(
                ErrorKind::Timeout,
                "the fit ran past its deadline",
            ));
        }
        Ok(())
    }

    /// Reports a progress event, if anyone listens.
    pub fn report(&self, event: ProgressEvent) {
        if let Some(p) = &self.progress {
            p.event(&event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_dataset_validates_labels() {
        let x = Matrix::zeros(3, 1);
        let err = Dataset::classification(x.clone().into(), vec![0.0, 1.0, 2.0], 2).unwrap_err();
        assert!(err.to_string().contains("row 2"), "{err}");
        let d = Dataset::classification(x.into(), vec![0.0, 1.0, 1.0], 2).unwrap();
        assert_eq!(d.task(), Task::Binary);
        assert_eq!(d.class_counts(), vec![1, 2]);
    }

    #[test]
    fn check_trainable_names_the_problem() {
        let x = Matrix::from_rows(&[vec![1.0, f64::NAN], vec![2.0, 3.0]]).unwrap();
        let d = Dataset::regression(x.into(), vec![1.0, 2.0]).unwrap();
        let err = d.check_trainable(false).unwrap_err();
        assert!(
            err.to_string().contains("`x1`") && err.to_string().contains("row 0"),
            "{err}"
        );
        assert!(d.check_trainable(true).is_ok());
        let one = Dataset::classification(Matrix::zeros(2, 1).into(), vec![1.0, 1.0], 2).unwrap();
        assert!(
            one.check_trainable(true)
                .unwrap_err()
                .to_string()
                .contains("only 1 class")
        );
        let empty = Dataset::regression(Matrix::zeros(0, 1).into(), vec![]).unwrap();
        assert!(
            empty
                .check_trainable(true)
                .unwrap_err()
                .to_string()
                .contains("zero rows")
        );
    }

    #[test]
    fn context_deadline_and_cancel() {
        let ctx = FitContext::new(1).with_budget(Duration::from_secs(0));
        assert_eq!(ctx.check().unwrap_err().kind(), ErrorKind::Timeout);
        let ctx = FitContext::new(1);
        assert!(ctx.check().is_ok());
        ctx.cancel.cancel();
        assert_eq!(ctx.check().unwrap_err().kind(), ErrorKind::Cancelled);
    }

    #[test]
    fn subset_keeps_weights() {
        let x = Matrix::from_rows(&[vec![1.0], vec![2.0], vec![3.0]]).unwrap();
        let d = Dataset::regression(x.into(), vec![1.0, 2.0, 3.0])
            .unwrap()
            .with_weights(vec![1.0, 2.0, 3.0])
            .unwrap();
        let s = d.subset(&[2, 0]).unwrap();
        assert_eq!(s.y(), &[3.0, 1.0]);
        assert_eq!(s.weights(), Some(&[3.0, 1.0][..]));
    }
}
