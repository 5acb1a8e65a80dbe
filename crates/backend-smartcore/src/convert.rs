//! Conversions between mlpilot's data and smartcore's, and from smartcore's fitted models to
//! the plain structs of [`crate::model`].
//!
//! smartcore keeps the internals this crate needs (tree nodes, support vectors) private, but it
//! serialises them. So a fitted smartcore model is serialised to JSON (with
//! `float_roundtrip`, so numbers come back exactly) and read back into the small mirror structs below,
//! which name only the fields used. The mirrors are tied to smartcore 0.7's field names; the
//! tests compare every converted model's predictions with smartcore's own, so a change in a
//! later smartcore shows up as a failing test, not as wrong predictions.

use std::borrow::Cow;

use mlpilot_core::tree::{TreeNode, TreeView};
use mlpilot_core::{Dataset, Error, Matrix, Result};
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use smartcore::linalg::basic::matrix::DenseMatrix;

use crate::model::{Kernel, KernelMachine};

/// A smartcore matrix holding a copy of `m`.
pub(crate) fn to_dense(m: &Matrix) -> Result<DenseMatrix<f64>> {
    DenseMatrix::new(m.n_rows(), m.n_cols(), m.as_slice().to_vec(), false)
        .map_err(|e| Error::internal("could not build a smartcore matrix").with_source(e))
}

/// The training features after the checks every estimator of this crate needs: at least one
/// row, two classes for classification, finite values (smartcore cannot take NaN), and at least
/// one column.
pub(crate) fn training_matrix(data: &Dataset) -> Result<Cow<'_, Matrix>> {
    data.check_trainable(false)?;
    if data.n_features() == 0 {
        return Err(Error::invalid_input(
            "the training data has no feature columns; smartcore models need at least one",
        ));
    }
    Ok(data.x().to_dense())
}

/// Class indices as smartcore labels.
pub(crate) fn labels(data: &Dataset) -> Vec<u32> {
    data.y().iter().map(|v| *v as u32).collect()
}

/// Our class index of each label smartcore reports (in smartcore's order).
pub(crate) fn our_classes(labels: &[u32], n_classes: usize) -> Result<Vec<usize>> {
    labels
        .iter()
        .map(|&c| {
            let c = c as usize;
            if c < n_classes {
                Ok(c)
            } else {
                Err(Error::backend(format!(
                    "smartcore reported class {c} for a problem with {n_classes} classes"
                )))
            }
        })
        .collect()
}

/// Reads the fields `T` names out of a serialisable smartcore model.
///
/// Goes through JSON text rather than a `serde_json::Value`: a forest's nodes take a few times
/// less memory as text than as a tree of maps, and with `float_roundtrip` every `f64` comes back
/// bit for bit.
fn mirror<T: DeserializeOwned>(model: &impl Serialize, what: &str) -> Result<T> {
    let bytes = serde_json::to_vec(model)
        .map_err(|e| Error::backend(format!("could not read smartcore's {what}: {e}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::backend(format!("could not read smartcore's {what}: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Trees

#[derive(Deserialize)]
struct ClassifierNode {
    output: usize,
    n_node_samples: usize,
    split_feature: usize,
    split_value: Option<f64>,
    true_child: Option<usize>,
    false_child: Option<usize>,
    impurity: Option<f64>,
}

#[derive(Deserialize)]
struct ClassifierTree {
    nodes: Vec<ClassifierNode>,
    classes: Vec<u32>,
}

#[derive(Deserialize)]
struct ForestClassifier {
    trees: Option<Vec<ClassifierTree>>,
}

#[derive(Deserialize)]
struct RegressionNode {
    output: Option<f64>,
    split_feature: usize,
    split_value: Option<f64>,
    true_child: Option<usize>,
    false_child: Option<usize>,
}

#[derive(Deserialize)]
struct RegressionTree {
    nodes: Vec<RegressionNode>,
}

#[derive(Deserialize)]
struct TreeRegressor {
    tree_regressor: Option<RegressionTree>,
}

#[derive(Deserialize)]
struct BaseForest {
    trees: Option<Vec<RegressionTree>>,
}

#[derive(Deserialize)]
struct ForestRegressor {
    forest_regressor: Option<BaseForest>,
}

/// The routing part of a tree node.
struct Skeleton {
    feature: usize,
    threshold: f64,
    children: Option<(usize, usize)>,
}

fn skeleton(
    feature: usize,
    split_value: Option<f64>,
    true_child: Option<usize>,
    false_child: Option<usize>,
) -> Skeleton {
    Skeleton {
        feature,
        // smartcore compares with `split_value.unwrap_or(NaN)`: a missing value sends every
        // row to the false child, as a NaN threshold does here.
        threshold: split_value.unwrap_or(f64::NAN),
        children: true_child.zip(false_child),
    }
}

/// Checks that routing terminates (children come after their parent) and stays in range.
fn check_skeleton(nodes: &[Skeleton], n_features: usize) -> Result<()> {
    if nodes.is_empty() {
        return Err(Error::backend("smartcore returned a tree without nodes"));
    }
    for (i, n) in nodes.iter().enumerate() {
        if let Some((l, r)) = n.children
            && !(l > i && r > i && l < nodes.len() && r < nodes.len() && n.feature < n_features)
        {
            return Err(Error::backend(format!(
                "smartcore returned a tree in an unexpected layout (node {i})"
            )));
        }
    }
    Ok(())
}

/// The leaf `row` reaches, counting every node it passes in `covers`. Rows go to the true
/// (left) child when `x <= threshold`, as in smartcore; NaN goes right.
fn route(nodes: &[Skeleton], row: &[f64], covers: &mut [f64]) -> Option<usize> {
    let mut i = 0;
    for _ in 0..=nodes.len() {
        let node = nodes.get(i)?;
        if let Some(c) = covers.get_mut(i) {
            *c += 1.0;
        }
        match node.children {
            None => return Some(i),
            Some((l, r)) => {
                let v = row.get(node.feature).copied().unwrap_or(f64::NAN);
                i = if v <= node.threshold { l } else { r };
            }
        }
    }
    None
}

fn to_view(
    nodes: &[Skeleton],
    covers: &[f64],
    mut leaf: impl FnMut(usize) -> Vec<f64>,
) -> TreeView {
    let nodes = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let cover = covers.get(i).copied().unwrap_or(0.0);
            match n.children {
                Some((left, right)) => TreeNode::Split {
                    feature: n.feature,
                    threshold: n.threshold,
                    left,
                    right,
                    missing_left: false,
                    cover,
                },
                None => TreeNode::Leaf {
                    values: leaf(i),
                    cover,
                },
            }
        })
        .collect();
    TreeView { nodes }
}

/// Normalises `v` to sum 1 (all zero stays all zero; non-finite values become zero).
pub(crate) fn normalise(mut v: Vec<f64>) -> Vec<f64> {
    v.iter_mut().for_each(|x| {
        if !x.is_finite() || *x < 0.0 {
            *x = 0.0;
        }
    });
    let total: f64 = v.iter().sum();
    if total > 0.0 {
        v.iter_mut().for_each(|x| *x /= total);
    }
    v
}

/// Converts smartcore classification trees. A single tree (`frequencies`) gets the class
/// frequencies of the training rows in each leaf; forest trees get their vote (one-hot of the
/// leaf's class). Returns the trees and the sum of their normalised impurity importances.
fn classifier_views(
    trees: Vec<ClassifierTree>,
    x: &Matrix,
    y: &[f64],
    n_classes: usize,
    frequencies: bool,
) -> Result<(Vec<TreeView>, Vec<f64>)> {
    let p = x.n_cols();
    let mut importances = vec![0.0; p];
    let mut views = Vec::with_capacity(trees.len());
    for tree in trees {
        let classes = our_classes(&tree.classes, n_classes)?;
        let nodes: Vec<Skeleton> = tree
            .nodes
            .iter()
            .map(|n| skeleton(n.split_feature, n.split_value, n.true_child, n.false_child))
            .collect();
        check_skeleton(&nodes, p)?;
        let mut covers = vec![0.0; nodes.len()];
        // Class counts per node, only for a single tree (forest leaves hold votes).
        let mut counts = if frequencies {
            vec![vec![0.0; n_classes]; nodes.len()]
        } else {
            Vec::new()
        };
        for (row, &label) in x.rows().zip(y) {
            let leaf = route(&nodes, row, &mut covers);
            if let Some(leaf) = leaf
                && let Some(c) = counts.get_mut(leaf).and_then(|c| c.get_mut(label as usize))
            {
                *c += 1.0;
            }
        }
        let one_hot = |node: usize| -> Result<Vec<f64>> {
            let out = tree.nodes.get(node).map_or(0, |n| n.output);
            let class = classes.get(out).copied().ok_or_else(|| {
                Error::backend(format!(
                    "smartcore's tree names class {out} it does not have"
                ))
            })?;
            let mut v = vec![0.0; n_classes];
            if let Some(s) = v.get_mut(class) {
                *s = 1.0;
            }
            Ok(v)
        };
        let mut leaves: Vec<Option<Vec<f64>>> = Vec::with_capacity(nodes.len());
        for (i, n) in nodes.iter().enumerate() {
            if n.children.is_some() {
                leaves.push(None);
                continue;
            }
            let freq = counts.get(i).filter(|c| c.iter().sum::<f64>() > 0.0);
            leaves.push(Some(match freq {
                Some(c) if frequencies => normalise(c.clone()),
                _ => one_hot(i)?,
            }));
        }
        views.push(to_view(&nodes, &covers, |i| {
            leaves.get_mut(i).and_then(Option::take).unwrap_or_default()
        }));

        // Mean decrease in impurity, as smartcore computes it for a single tree.
        let mut tree_imp = vec![0.0; p];
        let weighted = |i: usize| {
            tree.nodes
                .get(i)
                .map_or(0.0, |n| n.n_node_samples as f64 * n.impurity.unwrap_or(0.0))
        };
        for (i, n) in tree.nodes.iter().enumerate() {
            if let (Some(l), Some(r)) = (n.true_child, n.false_child)
                && let Some(slot) = tree_imp.get_mut(n.split_feature)
            {
                *slot += weighted(i) - weighted(l) - weighted(r);
            }
        }
        for (a, b) in importances.iter_mut().zip(normalise(tree_imp)) {
            *a += b;
        }
    }
    Ok((views, importances))
}

/// A smartcore `DecisionTreeClassifier` as one tree with class-frequency leaves.
pub(crate) fn decision_tree_classifier(
    model: &impl Serialize,
    x: &Matrix,
    y: &[f64],
    n_classes: usize,
) -> Result<(Vec<TreeView>, Vec<f64>)> {
    let tree: ClassifierTree = mirror(model, "decision tree")?;
    classifier_views(vec![tree], x, y, n_classes, true)
}

/// A smartcore `RandomForestClassifier` as voting trees.
pub(crate) fn random_forest_classifier(
    model: &impl Serialize,
    x: &Matrix,
    y: &[f64],
    n_classes: usize,
) -> Result<(Vec<TreeView>, Vec<f64>)> {
    let forest: ForestClassifier = mirror(model, "random forest")?;
    classifier_views(forest.trees.unwrap_or_default(), x, y, n_classes, false)
}

fn regression_views(trees: Vec<RegressionTree>, x: &Matrix) -> Result<Vec<TreeView>> {
    let mut views = Vec::with_capacity(trees.len());
    for tree in trees {
        let nodes: Vec<Skeleton> = tree
            .nodes
            .iter()
            .map(|n| skeleton(n.split_feature, n.split_value, n.true_child, n.false_child))
            .collect();
        check_skeleton(&nodes, x.n_cols())?;
        let mut covers = vec![0.0; nodes.len()];
        for row in x.rows() {
            route(&nodes, row, &mut covers);
        }
        let mut bad = false;
        let view = to_view(&nodes, &covers, |i| {
            match tree.nodes.get(i).and_then(|n| n.output) {
                Some(v) if v.is_finite() => vec![v],
                _ => {
                    bad = true;
                    vec![0.0]
                }
            }
        });
        if bad {
            return Err(Error::backend(
                "smartcore returned a regression tree with a non-finite leaf",
            ));
        }
        views.push(view);
    }
    Ok(views)
}

/// A smartcore `DecisionTreeRegressor` as one tree.
pub(crate) fn decision_tree_regressor(model: &impl Serialize, x: &Matrix) -> Result<Vec<TreeView>> {
    let tree: TreeRegressor = mirror(model, "regression tree")?;
    regression_views(tree.tree_regressor.into_iter().collect(), x)
}

/// A smartcore `RandomForestRegressor` or `ExtraTreesRegressor` as averaging trees.
pub(crate) fn forest_regressor(model: &impl Serialize, x: &Matrix) -> Result<Vec<TreeView>> {
    let forest: ForestRegressor = mirror(model, "regression forest")?;
    regression_views(
        forest
            .forest_regressor
            .and_then(|f| f.trees)
            .unwrap_or_default(),
        x,
    )
}

// ---------------------------------------------------------------------------------------------
// Support vector machines

#[derive(Deserialize)]
struct MachineState {
    instances: Option<Vec<Vec<f64>>>,
    w: Option<Vec<f64>>,
    b: Option<f64>,
}

/// The support vectors, dual weights and bias of a fitted smartcore `SVC` or `SVR`.
pub(crate) fn kernel_machine(
    model: &impl Serialize,
    kernel: Kernel,
    n_features: usize,
) -> Result<KernelMachine> {
    let state: MachineState = mirror(model, "support vector machine")?;
    let (Some(sv), Some(w), Some(b)) = (state.instances, state.w, state.b) else {
        return Err(Error::backend(
            "smartcore's support vector machine has no support vectors after fitting",
        ));
    };
    KernelMachine::new(kernel, sv, w, b, n_features)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_matches_smartcore_semantics() {
        let nodes = vec![
            skeleton(0, Some(1.0), Some(1), Some(2)),
            skeleton(0, None, None, None),
            skeleton(1, None, Some(3), Some(4)),
            skeleton(0, None, None, None),
            skeleton(0, None, None, None),
        ];
        check_skeleton(&nodes, 2).unwrap();
        let mut covers = vec![0.0; 5];
        assert_eq!(route(&nodes, &[1.0, 0.0], &mut covers), Some(1));
        assert_eq!(route(&nodes, &[f64::NAN, 0.0], &mut covers), Some(4));
        assert_eq!(covers, vec![2.0, 1.0, 1.0, 0.0, 1.0]);
        let looping = vec![skeleton(0, Some(0.0), Some(0), Some(0))];
        assert!(check_skeleton(&looping, 1).is_err());
        let wide = vec![
            skeleton(5, Some(0.0), Some(1), Some(2)),
            skeleton(0, None, None, None),
            skeleton(0, None, None, None),
        ];
        assert!(check_skeleton(&wide, 2).is_err());
    }

    #[test]
    fn normalise_handles_zero_and_nan() {
        assert_eq!(normalise(vec![0.0, 0.0]), vec![0.0, 0.0]);
        assert_eq!(normalise(vec![1.0, f64::NAN, 3.0]), vec![0.25, 0.0, 0.75]);
    }
}
