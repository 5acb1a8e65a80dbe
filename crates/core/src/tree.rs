//! A library-independent view of tree models, for exact TreeSHAP and model-native importances.
//!
//! A tree backend exposes its fitted trees through [`crate::Model::tree_ensemble`]; the
//! explainer walks these nodes without knowing which library grew them.

use serde::{Deserialize, Serialize};

/// One node of a [`TreeView`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TreeNode {
    /// A split: rows with `x[feature] <= threshold` go left, larger values right, missing
    /// values (NaN) to the side `missing_left` says.
    Split {
        /// The input column.
        feature: usize,
        /// The threshold.
        threshold: f64,
        /// Index of the left child.
        left: usize,
        /// Index of the right child.
        right: usize,
        /// Where missing values go.
        missing_left: bool,
        /// Training weight (rows or hessian sum) that reached the node.
        cover: f64,
    },
    /// A split on a categorical code: rows whose value (an integer code) is in `categories` go
    /// left, other values right, missing values to the side `missing_left` says.
    CategoricalSplit {
        /// The input column.
        feature: usize,
        /// Codes that go left, sorted.
        categories: Vec<u32>,
        /// Index of the left child.
        left: usize,
        /// Index of the right child.
        right: usize,
        /// Where missing values go.
        missing_left: bool,
        /// Training weight that reached the node.
        cover: f64,
    },
    /// A leaf with one value per model output.
    Leaf {
        /// The values added to each output.
        values: Vec<f64>,
        /// Training weight that reached the leaf.
        cover: f64,
    },
}

impl TreeNode {
    /// The training weight that reached the node.
    pub fn cover(&self) -> f64 {
        match self {
            TreeNode::Split { cover, .. }
            | TreeNode::CategoricalSplit { cover, .. }
            | TreeNode::Leaf { cover, .. } => *cover,
        }
    }
}

/// One tree; node 0 is the root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeView {
    /// The nodes.
    pub nodes: Vec<TreeNode>,
}

impl TreeView {
    /// The leaf values `row` reaches (empty for a malformed tree).
    pub fn leaf_values(&self, row: &[f64]) -> &[f64] {
        let mut i = 0;
        // A well-formed tree reaches a leaf in at most `nodes.len()` steps.
        for _ in 0..=self.nodes.len() {
            match self.nodes.get(i) {
                Some(TreeNode::Leaf { values, .. }) => return values,
                Some(_) => match self.next(i, row) {
                    Some(j) => i = j,
                    None => return &[],
                },
                None => return &[],
            }
        }
        &[]
    }

    /// The child a row goes to from node `i`, or `None` at a leaf.
    pub fn next(&self, i: usize, row: &[f64]) -> Option<usize> {
        match self.nodes.get(i)? {
            TreeNode::Leaf { .. } => None,
            TreeNode::Split {
                feature,
                threshold,
                left,
                right,
                missing_left,
                ..
            } => {
                let x = row.get(*feature).copied().unwrap_or(f64::NAN);
                Some(if x.is_nan() {
                    if *missing_left { *left } else { *right }
                } else if x <= *threshold {
                    *left
                } else {
                    *right
                })
            }
            TreeNode::CategoricalSplit {
                feature,
                categories,
                left,
                right,
                missing_left,
                ..
            } => {
                let x = row.get(*feature).copied().unwrap_or(f64::NAN);
                Some(if x.is_nan() {
                    if *missing_left { *left } else { *right }
                } else if x >= 0.0
                    && x.fract() == 0.0
                    && categories.binary_search(&(x as u32)).is_ok()
                {
                    *left
                } else {
                    *right
                })
            }
        }
    }
}

/// How tree outputs combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Aggregation {
    /// Outputs are summed (boosting).
    Sum,
    /// Outputs are averaged (forests).
    Mean,
}

/// What the raw ensemble output means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Link {
    /// The raw output is the prediction (regression, forest class probabilities).
    Identity,
    /// The raw output is a log-odds; the probability is its logistic (binary boosting).
    Logistic,
    /// The raw outputs are per-class scores; probabilities are their softmax.
    Softmax,
}

/// A fitted tree ensemble: `raw = base + combine(tree leaf values)`, then the link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeEnsemble {
    /// The trees.
    pub trees: Vec<TreeView>,
    /// Outputs per tree leaf.
    pub n_outputs: usize,
    /// Added to the combined output.
    pub base: Vec<f64>,
    /// How tree outputs combine.
    pub aggregation: Aggregation,
    /// What the raw output means.
    pub link: Link,
}

impl TreeEnsemble {
    /// The raw (pre-link) outputs for one row.
    pub fn raw(&self, row: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.n_outputs];
        for t in &self.trees {
            for (o, v) in out.iter_mut().zip(t.leaf_values(row)) {
                *o += v;
            }
        }
        if self.aggregation == Aggregation::Mean && !self.trees.is_empty() {
            let k = self.trees.len() as f64;
            out.iter_mut().for_each(|o| *o /= k);
        }
        for (o, b) in out.iter_mut().zip(&self.base) {
            *o += b;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_splits_and_missing() {
        let tree = TreeView {
            nodes: vec![
                TreeNode::Split {
                    feature: 0,
                    threshold: 1.0,
                    left: 1,
                    right: 2,
                    missing_left: false,
                    cover: 3.0,
                },
                TreeNode::Leaf {
                    values: vec![-1.0],
                    cover: 1.0,
                },
                TreeNode::Leaf {
                    values: vec![2.0],
                    cover: 2.0,
                },
            ],
        };
        assert_eq!(tree.leaf_values(&[0.5]), &[-1.0]);
        assert_eq!(tree.leaf_values(&[1.0]), &[-1.0]);
        assert_eq!(tree.leaf_values(&[1.5]), &[2.0]);
        assert_eq!(tree.leaf_values(&[f64::NAN]), &[2.0]);
        let cat = TreeView {
            nodes: vec![
                TreeNode::CategoricalSplit {
                    feature: 0,
                    categories: vec![1, 4],
                    left: 1,
                    right: 2,
                    missing_left: true,
                    cover: 3.0,
                },
                TreeNode::Leaf {
                    values: vec![-1.0],
                    cover: 1.0,
                },
                TreeNode::Leaf {
                    values: vec![2.0],
                    cover: 2.0,
                },
            ],
        };
        assert_eq!(cat.leaf_values(&[4.0]), &[-1.0]);
        assert_eq!(cat.leaf_values(&[2.0]), &[2.0]);
        assert_eq!(cat.leaf_values(&[4.5]), &[2.0]);
        assert_eq!(cat.leaf_values(&[f64::NAN]), &[-1.0]);
        let ens = TreeEnsemble {
            trees: vec![tree.clone(), tree],
            n_outputs: 1,
            base: vec![10.0],
            aggregation: Aggregation::Mean,
            link: Link::Identity,
        };
        assert_eq!(ens.raw(&[2.0]), vec![12.0]);
    }

    #[test]
    fn malformed_tree_does_not_loop() {
        let tree = TreeView {
            nodes: vec![TreeNode::Split {
                feature: 0,
                threshold: 0.0,
                left: 0,
                right: 0,
                missing_left: true,
                cover: 1.0,
            }],
        };
        assert!(tree.leaf_values(&[1.0]).is_empty());
    }
}
