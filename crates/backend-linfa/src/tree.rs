//! Growing one linfa decision tree and reading it into mlpilot's library-independent
//! [`TreeView`].
//!
//! linfa-trees grows CART classification trees but its fitted tree only knows each leaf's
//! majority class. This module walks the fitted tree (through linfa's public node accessors),
//! routes the training rows down it again to learn each leaf's (weighted) class distribution
//! and each node's cover, and keeps the result as a [`TreeView`]: plain data that serialises
//! with postcard, predicts class probabilities, feeds exact TreeSHAP and gives impurity-based
//! importances. Rows go left when `x[feature] <= threshold`, as in linfa's own fit.

use std::collections::VecDeque;

use linfa::DatasetBase;
use linfa::prelude::{Fit, ParamGuard};
use linfa_trees::{DecisionTree, SplitQuality};
use mlpilot_core::{Error, Matrix, Result, TreeNode, TreeView};
use ndarray016::Array1;

use crate::convert::{tree_weights, view};
use crate::error::{backend, params};
use crate::params::{Criterion, TreeConfig};

/// A tree grown by [`grow`].
#[derive(Debug, Clone)]
pub(crate) struct GrownTree {
    /// The tree; leaves hold class probabilities (one value per class, summing to 1) and
    /// features are indices into the caller's full feature list.
    pub(crate) view: TreeView,
    /// Impurity decrease times cover (scikit-learn's mean decrease in impurity, unnormalised),
    /// summed per feature of the full list.
    pub(crate) importances: Vec<f64>,
}

/// A node before its cover and leaf distribution are known.
enum Proto {
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
    Leaf {
        prediction: usize,
    },
}

/// Routes the training rows through the fitted nodes: each node's cover (summed weights) and
/// weight per class.
fn route(
    x: &Matrix,
    y: &[usize],
    weights: Option<&[f64]>,
    n_classes: usize,
    protos: &[Proto],
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut cover = vec![0.0; protos.len()];
    let mut counts = vec![vec![0.0; n_classes]; protos.len()];
    for (i, (row, &label)) in x.rows().zip(y).enumerate() {
        let w = weights.and_then(|w| w.get(i)).copied().unwrap_or(1.0);
        let mut at = 0;
        for _ in 0..=protos.len() {
            if let Some(c) = cover.get_mut(at) {
                *c += w;
            }
            if let Some(c) = counts.get_mut(at).and_then(|c| c.get_mut(label)) {
                *c += w;
            }
            match protos.get(at) {
                Some(Proto::Split {
                    feature,
                    threshold,
                    left,
                    right,
                    ..
                }) => {
                    let v = row.get(*feature).copied().unwrap_or(0.0);
                    at = if v <= *threshold { *left } else { *right };
                }
                _ => break,
            }
        }
    }
    (cover, counts)
}

/// Grows a tree on `x` (rows × local columns) with class indices `y` and optional positive
/// weights. `features[j]` is the index in the full feature list of local column `j`;
/// `n_features` is the length of that list.
pub(crate) fn grow(
    x: &Matrix,
    y: &[usize],
    weights: Option<&[f64]>,
    n_classes: usize,
    n_features: usize,
    features: &[usize],
    p: &TreeConfig,
) -> Result<GrownTree> {
    if x.n_rows() == 0 || x.n_rows() != y.len() {
        return Err(Error::internal(format!(
            "a tree needs rows and one label per row, got {} rows and {} labels",
            x.n_rows(),
            y.len()
        )));
    }
    if x.n_cols() != features.len() {
        return Err(Error::internal(
            "tree feature map does not match the columns",
        ));
    }
    let quality = match p.criterion {
        Criterion::Gini => SplitQuality::Gini,
        Criterion::Entropy => SplitQuality::Entropy,
    };
    let checked = DecisionTree::<f64, usize>::params()
        .split_quality(quality)
        .max_depth(Some(p.max_depth))
        .min_weight_split(p.min_samples_split as f32)
        .min_weight_leaf(p.min_samples_leaf as f32)
        .min_impurity_decrease(p.min_impurity_decrease)
        .check()
        .map_err(|e| params("decision tree", e))?;
    let labels: Array1<usize> = y.iter().copied().collect();
    let mut dataset = DatasetBase::new(view(x)?, labels);
    if let Some(w) = tree_weights(weights) {
        dataset = dataset.with_weights(w);
    }
    let fitted = checked
        .fit(&dataset)
        .map_err(|e| backend("decision tree fit", e))?;
    let protos = read_nodes(&fitted);

    // Route the training rows again: cover and class weights per node.
    let (cover, counts) = route(x, y, weights, n_classes, &protos);

    // Importances: cover-weighted impurity decrease, recomputed here in f64 (linfa's own
    // decrease is an f32 sum taken in hash-map order, which varies from run to run).
    let impurity_of = |at: usize| {
        let c = counts.get(at).map_or(&[][..], Vec::as_slice);
        cover.get(at).copied().unwrap_or(0.0) * impurity(p.criterion, c)
    };
    let mut importances = vec![0.0; n_features];
    let mut nodes = Vec::with_capacity(protos.len());
    for (at, (proto, counts)) in protos.iter().zip(&counts).enumerate() {
        let node_cover = cover.get(at).copied().unwrap_or(0.0);
        match *proto {
            Proto::Split {
                feature,
                threshold,
                left,
                right,
            } => {
                let global = *features.get(feature).ok_or_else(|| {
                    Error::internal(format!("linfa split on unknown column {feature}"))
                })?;
                let decrease = impurity_of(at) - impurity_of(left) - impurity_of(right);
                if let Some(imp) = importances.get_mut(global) {
                    *imp += decrease.max(0.0);
                }
                nodes.push(TreeNode::Split {
                    feature: global,
                    threshold,
                    left,
                    right,
                    missing_left: false,
                    cover: node_cover,
                });
            }
            Proto::Leaf { prediction } => {
                let total: f64 = counts.iter().sum();
                let values = if total > 0.0 {
                    counts.iter().map(|c| c / total).collect()
                } else {
                    // No training row reached the leaf (cannot happen with linfa's own
                    // partition); fall back to linfa's prediction.
                    (0..n_classes)
                        .map(|k| if k == prediction { 1.0 } else { 0.0 })
                        .collect()
                };
                nodes.push(TreeNode::Leaf {
                    values,
                    cover: node_cover,
                });
            }
        }
    }
    Ok(GrownTree {
        view: TreeView { nodes },
        importances,
    })
}

/// The nodes of a fitted linfa tree in breadth-first order (node 0 is the root).
fn read_nodes(tree: &DecisionTree<f64, usize>) -> Vec<Proto> {
    let mut protos = vec![Proto::Leaf { prediction: 0 }];
    let mut queue = VecDeque::from([(tree.root_node(), 0usize)]);
    while let Some((node, at)) = queue.pop_front() {
        let children = node.children();
        let left = children.first().and_then(|c| c.as_deref());
        let right = children.get(1).and_then(|c| c.as_deref());
        let proto = match (node.is_leaf(), left, right) {
            (false, Some(l), Some(r)) => {
                let (feature, threshold, _) = node.split();
                let (li, ri) = (protos.len(), protos.len() + 1);
                protos.push(Proto::Leaf { prediction: 0 });
                protos.push(Proto::Leaf { prediction: 0 });
                queue.push_back((l, li));
                queue.push_back((r, ri));
                Proto::Split {
                    feature,
                    threshold,
                    left: li,
                    right: ri,
                }
            }
            _ => Proto::Leaf {
                prediction: node.prediction().unwrap_or(0),
            },
        };
        if let Some(slot) = protos.get_mut(at) {
            *slot = proto;
        }
    }
    protos
}

/// The impurity of a node with these class weights.
fn impurity(criterion: Criterion, counts: &[f64]) -> f64 {
    let total: f64 = counts.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let shares = counts.iter().map(|c| c / total);
    match criterion {
        Criterion::Gini => 1.0 - shares.map(|p| p * p).sum::<f64>(),
        Criterion::Entropy => -shares
            .filter(|p| *p > 0.0)
            .map(|p| p * p.log2())
            .sum::<f64>(),
    }
}

/// Class probabilities of `row`: the mean of the trees' leaf distributions.
pub(crate) fn mean_leaf_values(trees: &[TreeView], row: &[f64], n_classes: usize) -> Vec<f64> {
    let mut out = vec![0.0; n_classes];
    for t in trees {
        for (o, v) in out.iter_mut().zip(t.leaf_values(row)) {
            *o += v;
        }
    }
    let k = trees.len().max(1) as f64;
    out.iter_mut().for_each(|o| *o /= k);
    out
}

/// Importances normalised to sum to one (all zeros when no split was made).
pub(crate) fn normalise(mut importances: Vec<f64>) -> Vec<f64> {
    let total: f64 = importances.iter().sum();
    if total > 0.0 {
        importances.iter_mut().for_each(|v| *v /= total);
    }
    importances
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> TreeConfig {
        crate::params::DecisionTreeParams::default().tree()
    }

    #[test]
    fn separable_data_gives_pure_leaves() {
        let x = Matrix::from_rows(&[vec![0.0], vec![1.0], vec![2.0], vec![3.0]]).unwrap();
        let y = [0, 0, 1, 1];
        let t = grow(&x, &y, None, 2, 1, &[0], &params()).unwrap();
        assert_eq!(t.view.leaf_values(&[0.5]), &[1.0, 0.0]);
        assert_eq!(t.view.leaf_values(&[2.5]), &[0.0, 1.0]);
        match t.view.nodes.first() {
            Some(TreeNode::Split {
                threshold, cover, ..
            }) => {
                assert_eq!(*threshold, 1.5);
                assert_eq!(*cover, 4.0);
            }
            other => panic!("expected a split at the root, got {other:?}"),
        }
        assert_eq!(normalise(t.importances), vec![1.0]);
    }

    #[test]
    fn features_map_to_the_full_list() {
        let x = Matrix::from_rows(&[vec![0.0], vec![1.0], vec![2.0], vec![3.0]]).unwrap();
        let t = grow(&x, &[0, 0, 1, 1], None, 2, 3, &[2], &params()).unwrap();
        assert_eq!(t.view.leaf_values(&[9.0, 9.0, 0.0]), &[1.0, 0.0]);
        assert_eq!(normalise(t.importances), vec![0.0, 0.0, 1.0]);
    }
}
