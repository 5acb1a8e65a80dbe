//! A model's [`ExportForm`] as ONNX nodes: features `[N, F]` → probabilities `[N, classes]` or
//! values `[N, 1]`.
//!
//! Trees use `TreeEnsembleClassifier` (`ai.onnx.ml`) for every task: its raw `scores` output
//! (no post-transform) is the sum of leaf values per output, which is what boosting, forests and
//! regression trees all need; at least three class slots are declared so that no runtime applies
//! its special two-class layout, and the extra slots are sliced off. The link (logistic,
//! softmax) follows as standard operators. (The regressor operator would do for regression, but
//! tract does not implement it; one operator keeps both runtimes exact.) Categorical splits
//! ("code in {2, 5, 7}") become a 0/1 column per distinct set, split at 0.5.

use mlpilot_core::tree::{Aggregation, Link, TreeEnsemble, TreeNode};
use mlpilot_core::{ArrayStep, Error, ErrorKind, ExportForm, Result};

use crate::graph::{Attr, Graph, ML_DOMAIN, f32_of};

/// Emits the nodes computing `form` on `x` (`[N, n_features]`) and returns the name of the
/// `[N, outputs]` result (after the link).
///
/// # Errors
/// `Unsupported` for forms the exporter cannot write (nearest neighbours).
pub(crate) fn emit(g: &mut Graph, form: &ExportForm, x: &str, n_features: usize) -> Result<String> {
    let (raw, link) = match form {
        ExportForm::Trees(t) => (emit_trees(g, t, x, n_features)?, t.link),
        ExportForm::Steps { steps, link } => {
            let mut a = x.to_string();
            for s in steps {
                a = emit_step(g, s, &a)?;
            }
            (a, *link)
        }
    };
    Ok(emit_link(g, &raw, link))
}

fn emit_link(g: &mut Graph, raw: &str, link: Link) -> String {
    match link {
        Link::Identity => raw.to_string(),
        Link::Logistic => {
            let p = g.op("Sigmoid", &[raw]);
            let one = g.scalar(1.0);
            let q = g.op("Sub", &[&one, &p]);
            g.op_with("Concat", &[&q, &p], vec![("axis", Attr::Int(1))])
        }
        Link::Softmax => g.op_with("Softmax", &[raw], vec![("axis", Attr::Int(-1))]),
    }
}

fn emit_step(g: &mut Graph, step: &ArrayStep, x: &str) -> Result<String> {
    Ok(match step {
        ArrayStep::Dense { weights, bias } => {
            let w = g.floats(&[weights.n_rows(), weights.n_cols()], weights.as_slice());
            let b = g.floats(&[bias.len()], bias);
            let m = g.op("MatMul", &[x, &w]);
            g.op("Add", &[&m, &b])
        }
        ArrayStep::Relu => g.op("Relu", &[x]),
        ArrayStep::AppendSquares => {
            let sq = g.op("Mul", &[x, x]);
            g.op_with("Concat", &[x, &sq], vec![("axis", Attr::Int(1))])
        }
        ArrayStep::Neighbors { .. } => {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "nearest-neighbour search is not exported",
            ));
        }
    })
}

/// The flattened attributes of `TreeEnsembleClassifier`.
#[derive(Default)]
struct TreeAttrs {
    tree_ids: Vec<i64>,
    node_ids: Vec<i64>,
    feature_ids: Vec<i64>,
    modes: Vec<String>,
    values: Vec<f32>,
    true_ids: Vec<i64>,
    false_ids: Vec<i64>,
    missing_true: Vec<i64>,
    // Leaf weights.
    w_tree: Vec<i64>,
    w_node: Vec<i64>,
    w_class: Vec<i64>,
    w_value: Vec<f32>,
}

/// The largest `f32` not above `t`: with it, `x <= t` decides the same for every `f32` input.
fn threshold_down(t: f64) -> f32 {
    let f = f32_of(t);
    if f64::from(f) > t { f.next_down() } else { f }
}

/// The trees' input: `x`, then one 0/1 column per distinct (feature, category set) that a
/// categorical split tests (0 when the code is in the set, NaN when it is missing); the sets in
/// column order.
fn category_set_columns(
    g: &mut Graph,
    t: &TreeEnsemble,
    x: &str,
) -> (Vec<(usize, Vec<u32>)>, String) {
    let mut sets: Vec<(usize, Vec<u32>)> = Vec::new();
    for tree in &t.trees {
        for node in &tree.nodes {
            if let TreeNode::CategoricalSplit {
                feature,
                categories,
                ..
            } = node
                && !sets.iter().any(|(f, c)| f == feature && c == categories)
            {
                sets.push((*feature, categories.clone()));
            }
        }
    }
    let input = if sets.is_empty() {
        x.to_string()
    } else {
        let mut cols = vec![x.to_string()];
        for (feature, cats) in &sets {
            let col = g.columns(x, *feature, feature + 1);
            let values: Vec<f64> = cats.iter().map(|c| f64::from(*c)).collect();
            let set = g.floats(&[1, values.len()], &values);
            let eq = g.op("Equal", &[&col, &set]);
            let eq = g.cast_float(&eq);
            let hit = g.op_with(
                "ReduceMax",
                &[&eq],
                vec![("axes", Attr::Ints(vec![1])), ("keepdims", Attr::Int(1))],
            );
            let one = g.scalar(1.0);
            let out = g.op("Sub", &[&one, &hit]);
            let nan_mask = g.op("IsNaN", &[&col]);
            let nan = g.scalar(f64::NAN);
            cols.push(g.select(&nan_mask, &nan, &out));
        }
        let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
        g.op_with("Concat", &refs, vec![("axis", Attr::Int(1))])
    };
    (sets, input)
}

/// The TreeEnsemble operator's node and leaf arrays: splits on a category set test its 0/1
/// column (after the `n_features` inputs); leaf values are scaled by `per_tree`.
fn tree_attrs(
    t: &TreeEnsemble,
    sets: &[(usize, Vec<u32>)],
    n_features: usize,
    per_tree: f64,
) -> TreeAttrs {
    let mut a = TreeAttrs::default();
    for (ti, tree) in t.trees.iter().enumerate() {
        for (ni, node) in tree.nodes.iter().enumerate() {
            let (feature, mode, value, left, right, missing_left) = match node {
                TreeNode::Split {
                    feature,
                    threshold,
                    left,
                    right,
                    missing_left,
                    ..
                } => (
                    *feature,
                    "BRANCH_LEQ",
                    threshold_down(*threshold),
                    *left,
                    *right,
                    *missing_left,
                ),
                TreeNode::CategoricalSplit {
                    feature,
                    categories,
                    left,
                    right,
                    missing_left,
                    ..
                } => {
                    let s = sets
                        .iter()
                        .position(|(f, c)| f == feature && c == categories)
                        .unwrap_or(0);
                    (
                        n_features + s,
                        "BRANCH_LEQ",
                        0.5,
                        *left,
                        *right,
                        *missing_left,
                    )
                }
                TreeNode::Leaf { values, .. } => {
                    for (c, v) in values.iter().enumerate() {
                        a.w_tree.push(ti as i64);
                        a.w_node.push(ni as i64);
                        a.w_class.push(c as i64);
                        a.w_value.push(f32_of(v * per_tree));
                    }
                    (0, "LEAF", 0.0, 0, 0, false)
                }
            };
            a.tree_ids.push(ti as i64);
            a.node_ids.push(ni as i64);
            a.feature_ids.push(feature as i64);
            a.modes.push(mode.to_string());
            a.values.push(value);
            a.true_ids.push(left as i64);
            a.false_ids.push(right as i64);
            a.missing_true.push(i64::from(missing_left));
        }
    }
    a
}

fn emit_trees(g: &mut Graph, t: &TreeEnsemble, x: &str, n_features: usize) -> Result<String> {
    // One extra 0/1 column per distinct (feature, category set): 0 when the code is in the set.
    let (sets, input) = category_set_columns(g, t, x);

    let k = t.n_outputs;
    if k == 0 {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "a tree ensemble without outputs",
        ));
    }
    let per_tree = match t.aggregation {
        Aggregation::Sum => 1.0,
        Aggregation::Mean => 1.0 / t.trees.len().max(1) as f64,
    };
    let a = tree_attrs(t, &sets, n_features, per_tree);
    // At least three class slots, so that no runtime uses its two-class layout.
    let slots = k.max(3);
    let mut base: Vec<f32> = t.base.iter().map(|b| f32_of(*b)).collect();
    base.resize(slots, 0.0);
    let outs = g.node_n(
        "TreeEnsembleClassifier",
        ML_DOMAIN,
        &[&input],
        2,
        vec![
            (
                "classlabels_int64s",
                Attr::Ints((0..slots as i64).collect()),
            ),
            ("base_values", Attr::Floats(base)),
            ("post_transform", Attr::Str("NONE")),
            ("nodes_treeids", Attr::Ints(a.tree_ids)),
            ("nodes_nodeids", Attr::Ints(a.node_ids)),
            ("nodes_featureids", Attr::Ints(a.feature_ids)),
            ("nodes_modes", Attr::Strs(a.modes)),
            ("nodes_values", Attr::Floats(a.values)),
            ("nodes_truenodeids", Attr::Ints(a.true_ids)),
            ("nodes_falsenodeids", Attr::Ints(a.false_ids)),
            (
                "nodes_missing_value_tracks_true",
                Attr::Ints(a.missing_true),
            ),
            ("class_treeids", Attr::Ints(a.w_tree)),
            ("class_nodeids", Attr::Ints(a.w_node)),
            ("class_ids", Attr::Ints(a.w_class)),
            ("class_weights", Attr::Floats(a.w_value)),
        ],
    );
    let scores = outs.get(1).cloned().unwrap_or_default();
    Ok(if slots == k {
        scores
    } else {
        g.columns(&scores, 0, k)
    })
}
