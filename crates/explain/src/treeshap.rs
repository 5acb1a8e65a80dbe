//! Exact path-dependent TreeSHAP (Lundberg, Erion and Lee, 2018, algorithm 2) over the
//! library-independent [`TreeEnsemble`] view.
//!
//! For each row it computes, in polynomial time, the exact Shapley values of the ensemble's raw
//! output where "a feature is missing" means following both children weighted by the training
//! cover that reached them. `expected_raw + Σ φ = raw(row)` holds to rounding error.
//!
//! Probabilities: for identity-link ensembles (regression, forests averaging class
//! probabilities) the raw output *is* the explained output. For boosted classifiers the raw
//! output is a log-odds (or per-class score); [`TreeShap`] then explains the probability by
//! rescaling the exact log-odds attributions so that they add up exactly to
//! `p(row) − p(expected raw)` — the attribution order and signs are TreeSHAP's, the additivity is
//! exact, and the base value is the probability at the expected log-odds.

// Indexing here walks buffers sized from the validated tree (see `validate`): every child index
// is checked to be in range and the recursion depth is bounded by the measured tree depth.
#![allow(clippy::indexing_slicing)]

use mlpilot_core::{
    Attribution, Error, ErrorKind, ExplainOutput, Explainer, Matrix, Model, Result, TreeEnsemble,
    TreeNode, TreeView,
    task::argmax,
    tree::{Aggregation, Link},
};

#[derive(Debug, Clone, Copy, Default)]
struct PathElem {
    /// Feature index; `usize::MAX` for the root's placeholder.
    feature: usize,
    zero: f64,
    one: f64,
    weight: f64,
}

/// The raw-output attributions for one row: `phi[feature * n_outputs + output]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawShap {
    /// Attributions, features × outputs, row-major.
    pub phi: Vec<f64>,
    /// The expected raw output (cover-weighted), one per output.
    pub expected: Vec<f64>,
    /// The raw output for the row, one per output.
    pub raw: Vec<f64>,
}

/// A tree ensemble prepared for TreeSHAP: validated, with per-tree depth and expectations.
#[derive(Debug, Clone)]
pub struct PreparedEnsemble {
    ensemble: TreeEnsemble,
    n_features: usize,
    max_depth: usize,
    expected: Vec<f64>,
}

impl PreparedEnsemble {
    /// Validates the trees (child indices in range, no cycles, features below `n_features`)
    /// and computes the expected output.
    ///
    /// # Errors
    /// A format error naming the tree when a tree fails that validation.
    pub fn new(ensemble: TreeEnsemble, n_features: usize) -> Result<Self> {
        let mut max_depth = 0;
        for (t, tree) in ensemble.trees.iter().enumerate() {
            let d = validate(tree, n_features, ensemble.n_outputs).map_err(|m| {
                Error::new(ErrorKind::Format, format!("tree {t} is malformed: {m}"))
            })?;
            max_depth = max_depth.max(d);
        }
        let k = ensemble.n_outputs;
        let mut expected = vec![0.0; k];
        for tree in &ensemble.trees {
            let e = tree_expectation(tree, k);
            for (a, b) in expected.iter_mut().zip(e) {
                *a += b;
            }
        }
        if ensemble.aggregation == Aggregation::Mean && !ensemble.trees.is_empty() {
            let t = ensemble.trees.len() as f64;
            expected.iter_mut().for_each(|v| *v /= t);
        }
        for (e, b) in expected.iter_mut().zip(&ensemble.base) {
            *e += b;
        }
        Ok(PreparedEnsemble {
            ensemble,
            n_features,
            max_depth,
            expected,
        })
    }

    /// The ensemble.
    pub fn ensemble(&self) -> &TreeEnsemble {
        &self.ensemble
    }

    /// The expected raw output per output.
    pub fn expected(&self) -> &[f64] {
        &self.expected
    }

    /// Exact SHAP values of the raw output for one row.
    ///
    /// # Errors
    /// An invalid-input error when the row's length is not the number of features the trees expect.
    pub fn shap_row(&self, row: &[f64]) -> Result<RawShap> {
        if row.len() != self.n_features {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "the row has {} features; the trees expect {}",
                    row.len(),
                    self.n_features
                ),
            ));
        }
        let k = self.ensemble.n_outputs;
        let mut phi = vec![0.0; self.n_features * k];
        // Path buffers: a segment per recursion level, each at most depth + 2 long.
        let levels = self.max_depth + 2;
        let mut buf = vec![PathElem::default(); levels * (levels + 1)];
        let scale =
            if self.ensemble.aggregation == Aggregation::Mean && !self.ensemble.trees.is_empty() {
                1.0 / self.ensemble.trees.len() as f64
            } else {
                1.0
            };
        let mut tree_phi = vec![0.0; self.n_features * k];
        for tree in &self.ensemble.trees {
            tree_phi.iter_mut().for_each(|v| *v = 0.0);
            let mut walker = Walker {
                tree,
                row,
                k,
                phi: &mut tree_phi,
                buf: &mut buf,
                stride: levels,
            };
            walker.recurse(0, 0, 0, 1.0, 1.0, usize::MAX);
            for (a, b) in phi.iter_mut().zip(&tree_phi) {
                *a += scale * b;
            }
        }
        Ok(RawShap {
            phi,
            expected: self.expected.clone(),
            raw: self.ensemble.raw(row),
        })
    }

    /// The attribution of one explained output (see the module docs for the link).
    ///
    /// # Errors
    /// An invalid-input error when the row's length is wrong (see [`PreparedEnsemble::shap_row`]),
    /// `output` asks a classifier for a value, or names a class the ensemble does not have.
    pub fn attribution(&self, row: &[f64], output: ExplainOutput) -> Result<Attribution> {
        let s = self.shap_row(row)?;
        let k = self.ensemble.n_outputs;
        let column = |o: usize| -> Vec<f64> {
            (0..self.n_features)
                .map(|f| s.phi.get(f * k + o).copied().unwrap_or(0.0))
                .collect()
        };
        let at = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(0.0);
        match self.ensemble.link {
            Link::Identity => {
                let o = match output {
                    ExplainOutput::Value => 0,
                    ExplainOutput::Probability(c) => c,
                    ExplainOutput::PredictedClass => argmax(&s.raw),
                };
                if o >= k {
                    return Err(bad_class(o, k));
                }
                Ok(Attribution {
                    output: at(&s.raw, o),
                    base_value: at(&s.expected, o),
                    contributions: column(o),
                    class: (output != ExplainOutput::Value).then_some(o),
                })
            }
            Link::Logistic => {
                let f = at(&s.raw, 0);
                let e = at(&s.expected, 0);
                let p1 = sigmoid(f);
                let class = match output {
                    ExplainOutput::Value => {
                        return Err(Error::new(
                            ErrorKind::InvalidInput,
                            "a classifier explains probabilities, not values",
                        ));
                    }
                    ExplainOutput::Probability(c) => c,
                    ExplainOutput::PredictedClass => usize::from(p1 >= 0.5),
                };
                if class > 1 {
                    return Err(bad_class(class, 2));
                }
                let sign = if class == 1 { 1.0 } else { -1.0 };
                let (p, base) = if class == 1 {
                    (p1, sigmoid(e))
                } else {
                    (1.0 - p1, 1.0 - sigmoid(e))
                };
                let scale = rescale(f - e, p - base, sign * dsigmoid(f));
                let contributions = column(0).into_iter().map(|v| v * scale).collect();
                let mut attr = Attribution {
                    output: p,
                    base_value: base,
                    contributions,
                    class: Some(class),
                };
                fix_additivity(&mut attr);
                Ok(attr)
            }
            Link::Softmax => {
                let p = softmax(&s.raw);
                let pe = softmax(&s.expected);
                let class = match output {
                    ExplainOutput::Value => {
                        return Err(Error::new(
                            ErrorKind::InvalidInput,
                            "a classifier explains probabilities, not values",
                        ));
                    }
                    ExplainOutput::Probability(c) => c,
                    ExplainOutput::PredictedClass => argmax(&p),
                };
                if class >= k {
                    return Err(bad_class(class, k));
                }
                let (pc, bc) = (at(&p, class), at(&pe, class));
                let d = at(&s.raw, class) - at(&s.expected, class);
                let scale = rescale(d, pc - bc, pc * (1.0 - pc));
                let contributions = column(class).into_iter().map(|v| v * scale).collect();
                let mut attr = Attribution {
                    output: pc,
                    base_value: bc,
                    contributions,
                    class: Some(class),
                };
                // At a vanishing score difference the slope stands in for the ratio; spread
                // what that misses so the sum stays exact.
                fix_additivity(&mut attr);
                Ok(attr)
            }
        }
    }
}

fn bad_class(c: usize, k: usize) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!("class {c} does not exist; the model has {k} outputs"),
    )
}

/// The factor that maps raw-space attributions summing to `raw_delta` onto `prob_delta`;
/// at a vanishing raw difference it is the link's local slope.
fn rescale(raw_delta: f64, prob_delta: f64, slope: f64) -> f64 {
    if raw_delta.abs() > 1e-12 {
        prob_delta / raw_delta
    } else {
        slope
    }
}

/// Spreads any remaining additivity gap over the contributions in proportion to their size
/// (or evenly when they are all zero).
fn fix_additivity(a: &mut Attribution) {
    let gap = a.additivity_gap();
    if gap.abs() < 1e-15 || a.contributions.is_empty() {
        return;
    }
    let total: f64 = a.contributions.iter().map(|v| v.abs()).sum();
    if total > 0.0 {
        for v in &mut a.contributions {
            *v += gap * v.abs() / total;
        }
    } else {
        let n = a.contributions.len() as f64;
        a.contributions.iter_mut().for_each(|v| *v += gap / n);
    }
}

use mlpilot_core::{sigmoid, softmax};

fn dsigmoid(x: f64) -> f64 {
    let s = sigmoid(x);
    s * (1.0 - s)
}

/// Checks the tree and returns its depth (edges on the longest root-to-leaf path).
fn validate(tree: &TreeView, n_features: usize, k: usize) -> std::result::Result<usize, String> {
    let n = tree.nodes.len();
    if n == 0 {
        return Err("it has no nodes".into());
    }
    let mut depth = vec![usize::MAX; n];
    depth[0] = 0;
    let mut stack = vec![0usize];
    let mut max_depth = 0;
    let mut visited = 0usize;
    while let Some(i) = stack.pop() {
        visited += 1;
        if visited > n {
            return Err("a node is reached twice".into());
        }
        let d = depth[i];
        max_depth = max_depth.max(d);
        match &tree.nodes[i] {
            TreeNode::Leaf { values, .. } => {
                if values.len() != k {
                    return Err(format!(
                        "leaf {i} has {} values, expected {k}",
                        values.len()
                    ));
                }
            }
            TreeNode::Split {
                feature,
                left,
                right,
                ..
            }
            | TreeNode::CategoricalSplit {
                feature,
                left,
                right,
                ..
            } => {
                if *feature >= n_features {
                    return Err(format!(
                        "node {i} splits on feature {feature} of {n_features}"
                    ));
                }
                for &c in [left, right] {
                    if c >= n || c == i || depth[c] != usize::MAX {
                        return Err(format!("node {i} has a bad child {c}"));
                    }
                    depth[c] = d + 1;
                    stack.push(c);
                }
            }
        }
    }
    Ok(max_depth)
}

/// The cover-weighted mean leaf value of one tree.
fn tree_expectation(tree: &TreeView, k: usize) -> Vec<f64> {
    let root = tree.nodes.first().map_or(0.0, TreeNode::cover);
    let mut out = vec![0.0; k];
    if root <= 0.0 {
        return out;
    }
    for node in &tree.nodes {
        if let TreeNode::Leaf { values, cover } = node {
            for (o, v) in out.iter_mut().zip(values) {
                *o += v * cover / root;
            }
        }
    }
    out
}

struct Walker<'a> {
    tree: &'a TreeView,
    row: &'a [f64],
    k: usize,
    phi: &'a mut [f64],
    buf: &'a mut [PathElem],
    stride: usize,
}

impl Walker<'_> {
    /// `level`: recursion level (selects the buffer segment); `len`: the parent path's length.
    fn recurse(
        &mut self,
        node: usize,
        level: usize,
        len: usize,
        zero: f64,
        one: f64,
        feature: usize,
    ) {
        let start = level * self.stride;
        if level > 0 {
            let parent = (level - 1) * self.stride;
            self.buf.copy_within(parent..parent + len, start);
        }
        extend(&mut self.buf[start..start + len + 1], zero, one, feature);
        let len = len + 1;
        let path_start = start;
        let tree = self.tree;
        match &tree.nodes[node] {
            TreeNode::Leaf { values, .. } => {
                let path = &self.buf[path_start..path_start + len];
                for i in 1..len {
                    let w = unwound_sum(path, i);
                    let e = path[i];
                    let f = w * (e.one - e.zero);
                    for (o, v) in values.iter().enumerate().take(self.k) {
                        self.phi[e.feature * self.k + o] += f * v;
                    }
                }
            }
            TreeNode::Split {
                feature: split,
                left,
                right,
                ..
            }
            | TreeNode::CategoricalSplit {
                feature: split,
                left,
                right,
                ..
            } => {
                let hot = tree.next(node, self.row).unwrap_or(*left);
                let cold = if hot == *left { *right } else { *left };
                let cover = tree.nodes[node].cover();
                let frac = |c: usize| {
                    if cover > 0.0 {
                        tree.nodes[c].cover() / cover
                    } else {
                        0.5
                    }
                };
                let (hot_frac, cold_frac) = (frac(hot), frac(cold));
                let mut iz = 1.0;
                let mut io = 1.0;
                let mut len = len;
                let path = &mut self.buf[path_start..path_start + len];
                if let Some(kk) = (1..len).find(|&i| path[i].feature == *split) {
                    iz = path[kk].zero;
                    io = path[kk].one;
                    unwind(path, kk);
                    len -= 1;
                }
                let split = *split;
                self.recurse(hot, level + 1, len, iz * hot_frac, io, split);
                self.recurse(cold, level + 1, len, iz * cold_frac, 0.0, split);
            }
        }
    }
}

/// Appends an element to `path` (whose last slot is the new one) and updates the weights.
fn extend(path: &mut [PathElem], zero: f64, one: f64, feature: usize) {
    let l = path.len() - 1;
    path[l] = PathElem {
        feature,
        zero,
        one,
        weight: if l == 0 { 1.0 } else { 0.0 },
    };
    let denom = (l + 1) as f64;
    for i in (0..l).rev() {
        path[i + 1].weight += one * path[i].weight * (i + 1) as f64 / denom;
        path[i].weight = zero * path[i].weight * (l - i) as f64 / denom;
    }
}

/// Removes element `i` from `path` (undoing its extension); the last slot becomes garbage.
fn unwind(path: &mut [PathElem], i: usize) {
    let l = path.len() - 1;
    let one = path[i].one;
    let zero = path[i].zero;
    let mut next = path[l].weight;
    let denom = (l + 1) as f64;
    for j in (0..l).rev() {
        if one != 0.0 {
            let t = path[j].weight;
            path[j].weight = next * denom / ((j + 1) as f64 * one);
            next = t - path[j].weight * zero * (l - j) as f64 / denom;
        } else if zero != 0.0 {
            path[j].weight = path[j].weight * denom / (zero * (l - j) as f64);
        }
    }
    for j in i..l {
        path[j].feature = path[j + 1].feature;
        path[j].zero = path[j + 1].zero;
        path[j].one = path[j + 1].one;
    }
}

/// The total weight `path` would have with element `i` unwound, without changing it.
fn unwound_sum(path: &[PathElem], i: usize) -> f64 {
    let l = path.len() - 1;
    let one = path[i].one;
    let zero = path[i].zero;
    let denom = (l + 1) as f64;
    let mut next = path[l].weight;
    let mut total = 0.0;
    for j in (0..l).rev() {
        if one != 0.0 {
            let t = next * denom / ((j + 1) as f64 * one);
            total += t;
            next = path[j].weight - t * zero * (l - j) as f64 / denom;
        } else if zero != 0.0 {
            total += path[j].weight / zero / ((l - j) as f64 / denom);
        }
    }
    total
}

/// Exact TreeSHAP as an [`Explainer`] for any model that exposes its trees.
#[derive(Debug, Clone, Copy, Default)]
pub struct TreeShap;

impl Explainer for TreeShap {
    fn name(&self) -> &str {
        "tree_shap"
    }

    fn explain(
        &self,
        model: &dyn Model,
        rows: &Matrix,
        output: ExplainOutput,
    ) -> Result<Vec<Attribution>> {
        let ensemble = model.tree_ensemble().ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                "this model has no trees; use permutation SHAP",
            )
        })?;
        let prepared = PreparedEnsemble::new(ensemble, model.n_features())?;
        prepared.attributions(rows, output)
    }
}

impl PreparedEnsemble {
    /// Attributions of every row, spread over the machine's cores (rows are independent).
    ///
    /// # Errors
    /// As [`PreparedEnsemble::attribution`], for the first row that fails; an internal error when a
    /// worker thread panics.
    pub fn attributions(&self, rows: &Matrix, output: ExplainOutput) -> Result<Vec<Attribution>> {
        let n = rows.n_rows();
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(n.div_ceil(64).max(1));
        if threads <= 1 {
            return rows.rows().map(|r| self.attribution(r, output)).collect();
        }
        let chunk = n.div_ceil(threads);
        let all: Vec<&[f64]> = rows.rows().collect();
        let parts: Vec<Result<Vec<Attribution>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = all
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|r| self.attribution(r, output))
                            .collect::<Result<Vec<_>>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Error::new(ErrorKind::Internal, "a TreeSHAP worker failed"))
                    })
                })
                .collect()
        });
        let mut out = Vec::with_capacity(n);
        for p in parts {
            out.extend(p?);
        }
        Ok(out)
    }
}
