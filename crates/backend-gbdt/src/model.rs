//! Fitted models: boosting and forests, with predictions, importances and a tree view.

use mlpilot_core::tree::{Aggregation, Link, TreeEnsemble, TreeNode, TreeView};
use mlpilot_core::{Features, Matrix, Model, Result, Task, check_n_features};
use serde::{Deserialize, Serialize};

use crate::boost::{Booster, Objective, sigmoid, softmax_into};
use crate::forest::Forest;
use crate::tree::{LEAF, NO_SET, Tree, set_contains};

fn normalised(gains: &[f64]) -> Vec<f64> {
    let s: f64 = gains.iter().sum();
    if s > 0.0 {
        gains.iter().map(|g| g / s).collect()
    } else {
        gains.to_vec()
    }
}

/// Converts a fitted tree to the core's view; `place` maps the tree's leaf values to the
/// ensemble's outputs.
fn view(tree: &Tree, n_outputs: usize, place: &dyn Fn(&[f64]) -> Vec<f64>) -> TreeView {
    let nodes = tree
        .nodes
        .iter()
        .map(|n| {
            if n.feature == LEAF {
                let s = n.left as usize;
                let vals = tree.values.get(s..s + tree.dims).unwrap_or(&[]);
                let mut values = place(vals);
                values.resize(n_outputs, 0.0);
                TreeNode::Leaf {
                    values,
                    cover: n.count,
                }
            } else if n.cat != NO_SET {
                let set = tree.cat_sets.get(n.cat as usize).copied().unwrap_or([0; 4]);
                TreeNode::CategoricalSplit {
                    feature: n.feature as usize,
                    categories: (0..256u32)
                        .filter(|c| set_contains(&set, *c as usize))
                        .collect(),
                    left: n.left as usize,
                    right: n.right as usize,
                    missing_left: n.missing_left,
                    cover: n.count,
                }
            } else {
                TreeNode::Split {
                    feature: n.feature as usize,
                    threshold: n.threshold,
                    left: n.left as usize,
                    right: n.right as usize,
                    missing_left: n.missing_left,
                    cover: n.count,
                }
            }
        })
        .collect();
    TreeView { nodes }
}

/// A fitted gradient-boosting model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtModel {
    /// The booster.
    pub booster: Booster,
    /// The task.
    pub task: Task,
    /// Classes (0 for regression).
    pub n_classes: usize,
}

impl Model for GbdtModel {
    fn task(&self) -> Task {
        self.task
    }

    fn n_features(&self) -> usize {
        self.booster.n_features
    }

    fn n_classes(&self) -> usize {
        self.n_classes
    }

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        check_n_features(x, self.booster.n_features)?;
        if self.task.is_classification() {
            let p = self.predict_proba(x)?;
            return Ok(p.argmax_rows());
        }
        Ok(self.booster.raw(&x.to_dense()))
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        check_n_features(x, self.booster.n_features)?;
        if !self.task.is_classification() {
            return Err(mlpilot_core::Error::unsupported(
                "a regression model has no class probabilities",
            ));
        }
        let raw = self.booster.raw(&x.to_dense());
        let n = x.n_rows();
        let out = match self.booster.objective {
            Objective::Logistic => raw
                .iter()
                .flat_map(|r| {
                    let p = sigmoid(*r);
                    [1.0 - p, p]
                })
                .collect(),
            Objective::Softmax { n_classes } => {
                let mut out = vec![0.0; n * n_classes];
                for (r, o) in raw.chunks(n_classes).zip(out.chunks_mut(n_classes)) {
                    softmax_into(r, o);
                }
                out
            }
            Objective::SquaredError => {
                return Err(mlpilot_core::Error::internal(
                    "regression objective in a classifier",
                ));
            }
        };
        Matrix::new(n, self.n_classes, out)
    }

    fn feature_importances(&self) -> Option<Vec<f64>> {
        Some(normalised(&self.booster.gains))
    }

    fn tree_ensemble(&self) -> Option<TreeEnsemble> {
        let k = self.booster.objective.outputs();
        let trees = self
            .booster
            .trees
            .iter()
            .enumerate()
            .map(|(t, tree)| {
                let class = t % k;
                view(tree, k, &|v: &[f64]| {
                    let mut out = vec![0.0; k];
                    if let (Some(o), Some(x)) = (out.get_mut(class), v.first()) {
                        *o = *x;
                    }
                    out
                })
            })
            .collect();
        let link = match self.booster.objective {
            Objective::SquaredError => Link::Identity,
            Objective::Logistic => Link::Logistic,
            Objective::Softmax { .. } => Link::Softmax,
        };
        Some(TreeEnsemble {
            trees,
            n_outputs: k,
            base: self.booster.base.clone(),
            aggregation: Aggregation::Sum,
            link,
        })
    }
}

/// A fitted forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestModel {
    /// The forest.
    pub forest: Forest,
    /// The task.
    pub task: Task,
    /// Classes (0 for regression).
    pub n_classes: usize,
}

impl Model for ForestModel {
    fn task(&self) -> Task {
        self.task
    }

    fn n_features(&self) -> usize {
        self.forest.n_features
    }

    fn n_classes(&self) -> usize {
        self.n_classes
    }

    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        check_n_features(x, self.forest.n_features)?;
        let out = self.forest.predict(&x.to_dense());
        if self.task.is_classification() {
            Ok(out
                .chunks(self.forest.dims)
                .map(|r| mlpilot_core::argmax(r) as f64)
                .collect())
        } else {
            Ok(out)
        }
    }

    fn predict_proba(&self, x: &Features) -> Result<Matrix> {
        check_n_features(x, self.forest.n_features)?;
        if !self.task.is_classification() {
            return Err(mlpilot_core::Error::unsupported(
                "a regression model has no class probabilities",
            ));
        }
        Matrix::new(
            x.n_rows(),
            self.forest.dims,
            self.forest.predict(&x.to_dense()),
        )
    }

    fn feature_importances(&self) -> Option<Vec<f64>> {
        Some(normalised(&self.forest.gains))
    }

    fn tree_ensemble(&self) -> Option<TreeEnsemble> {
        let d = self.forest.dims;
        let trees = self
            .forest
            .trees
            .iter()
            .map(|t| view(t, d, &|v: &[f64]| v.to_vec()))
            .collect();
        Some(TreeEnsemble {
            trees,
            n_outputs: d,
            base: vec![0.0; d],
            aggregation: Aggregation::Mean,
            link: Link::Identity,
        })
    }
}
