//! The estimators: histogram gradient boosting, random forest, extra trees.

use mlpilot_core::{
    CostModel, DataShape, Dataset, DefaultUse, Estimator, EstimatorInfo, FitContext, ModelFamily,
    ParamSet, Params, Result, SearchSpace, Task,
};

use crate::model::{ForestModel, GbdtModel};
use crate::params::{ForestParams, HistGbmParams, boost_space, forest_space};

const TASKS: [Task; 3] = [Task::Binary, Task::Multiclass, Task::Regression];

fn tree_caps(c: &mut mlpilot_core::Capabilities) {
    c.probabilities = true;
    c.missing_values = true;
    c.sample_weights = true;
    c.deterministic = true;
    c.exportable = true;
}

/// Histogram gradient-boosted trees (`gbdt.hist_gbm`): leaf-wise growth with a leaf budget, L1/L2
/// penalties, row and column subsampling, native missing values (learned direction per split),
/// and early stopping on a stratified validation split.
#[derive(Debug, Clone, Copy, Default)]
pub struct HistGbm;

impl Estimator for HistGbm {
    type Model = GbdtModel;
    type Params = HistGbmParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new(
            "gbdt.hist_gbm",
            "histogram gradient boosting",
            ModelFamily::Boosting,
        )
        .tasks(&TASKS)
        .capabilities(|c| {
            tree_caps(c);
            // Splits on sets of category codes (`TreeNode::CategoricalSplit`).
            c.categorical = true;
        })
        .cost(
            CostModel::new(0.03)
                .per_class()
                .driver("n_estimators", 100.0)
                .predict(0.002, false)
                .memory(1.5, false)
                .anytime(),
        )
        .default_use(DefaultUse {
            lead: true,
            ..DefaultUse::default()
        })
    }

    fn search_space(&self, _task: Task, shape: DataShape) -> SearchSpace {
        boost_space(shape)
    }

    fn starting_points(&self, _task: Task, shape: DataShape) -> Vec<ParamSet> {
        crate::params::boost_starting_points(shape, &boost_space(shape))
    }

    fn low_cost_point(&self, _task: Task, _shape: DataShape) -> Option<ParamSet> {
        Some(
            ParamSet::new()
                .with("n_estimators", 20i64)
                .with("max_leaves", 8i64)
                .with("learning_rate", 0.3)
                .with("max_bins", 63i64)
                .with("early_stopping", "on"),
        )
    }

    fn fit(&self, data: &Dataset, params: &HistGbmParams, ctx: &FitContext) -> Result<GbdtModel> {
        params
            .validate()
            .map_err(|e| e.prefixed(&Estimator::info(self).id))?;
        let p = params.config(data.n_rows());
        let booster = crate::boost::train(data, &p, ctx, "gbdt.hist_gbm")?;
        Ok(GbdtModel {
            booster,
            task: data.task(),
            n_classes: data.n_classes(),
        })
    }
}

/// A random forest on histogram trees (`gbdt.random_forest`): bootstrap samples, a random share
/// of features at each split, Gini (classification) or variance (regression) reduction.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomForest;

impl Estimator for RandomForest {
    type Model = ForestModel;
    type Params = ForestParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new("gbdt.random_forest", "random forest", ModelFamily::Forest)
            .tasks(&TASKS)
            .capabilities(tree_caps)
            .cost(forest_cost(0.08))
    }

    fn search_space(&self, task: Task, shape: DataShape) -> SearchSpace {
        forest_space(task, shape)
    }

    fn starting_points(&self, task: Task, _shape: DataShape) -> Vec<ParamSet> {
        crate::params::forest_starting_points(task)
    }

    fn low_cost_point(&self, _task: Task, _shape: DataShape) -> Option<ParamSet> {
        Some(forest_low_cost())
    }

    fn fit(&self, data: &Dataset, params: &ForestParams, ctx: &FitContext) -> Result<ForestModel> {
        params
            .validate()
            .map_err(|e| e.prefixed(&Estimator::info(self).id))?;
        let p = params.config(data.task(), data.shape(), true, false);
        let forest = crate::forest::train(data, &p, ctx, "gbdt.random_forest")?;
        Ok(ForestModel {
            forest,
            task: data.task(),
            n_classes: data.n_classes(),
        })
    }
}

/// Extremely randomised trees on histograms (`gbdt.extra_trees`): every tree sees all rows and
/// each split takes one random threshold per candidate feature.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExtraTrees;

impl Estimator for ExtraTrees {
    type Model = ForestModel;
    type Params = ForestParams;

    fn info(&self) -> EstimatorInfo {
        EstimatorInfo::new("gbdt.extra_trees", "extra trees", ModelFamily::Forest)
            .tasks(&TASKS)
            .capabilities(tree_caps)
            .cost(forest_cost(0.1))
    }

    fn search_space(&self, task: Task, shape: DataShape) -> SearchSpace {
        forest_space(task, shape)
    }

    fn starting_points(&self, task: Task, _shape: DataShape) -> Vec<ParamSet> {
        crate::params::forest_starting_points(task)
    }

    fn low_cost_point(&self, _task: Task, _shape: DataShape) -> Option<ParamSet> {
        Some(forest_low_cost())
    }

    fn fit(&self, data: &Dataset, params: &ForestParams, ctx: &FitContext) -> Result<ForestModel> {
        params
            .validate()
            .map_err(|e| e.prefixed(&Estimator::info(self).id))?;
        let p = params.config(data.task(), data.shape(), false, true);
        let forest = crate::forest::train(data, &p, ctx, "gbdt.extra_trees")?;
        Ok(ForestModel {
            forest,
            task: data.task(),
            n_classes: data.n_classes(),
        })
    }
}

/// How a forest's cost grows: linear in rows, columns (a share of them per split) and trees;
/// prediction walks every tree; the fit holds binned copies of the data.
fn forest_cost(base_secs: f64) -> CostModel {
    CostModel::new(base_secs)
        .driver("n_estimators", 100.0)
        .predict(0.005, false)
        .memory(1.5, false)
        .anytime()
}

/// A forest small enough for any budget: a few shallow trees.
fn forest_low_cost() -> ParamSet {
    ParamSet::new()
        .with("n_estimators", 16i64)
        .with("max_leaves", 64i64)
}
