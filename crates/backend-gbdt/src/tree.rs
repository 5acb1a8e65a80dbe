//! Histogram tree learner shared by boosting and forests, and the fitted tree.
//!
//! A tree is grown on binned features from per-row gradients `g` (one or more dimensions) and
//! hessians `h`: for boosting, the loss derivatives; for forests, `g = −y·w` and `h = w`
//! (variance reduction, which for one-hot class targets is Gini impurity). Histograms hold, per
//! feature and bin, the sums `[g₁ … g_D, h, count]`; the smaller child of a split is built from
//! its rows and the larger one by subtraction from the parent. Growth is best-first with a leaf
//! budget, or depth-first for unlimited trees (keeping few histograms alive).
//!
//! Indexing in this module uses positions produced by the learner itself: bin codes below each
//! feature's bin count (from [`crate::bins`]), row ids below the row count, histogram offsets
//! computed from the same bin counts. User data never produces an index here.
#![allow(clippy::indexing_slicing)]

use mlpilot_core::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::bins::{Binned, FeatureBins};

/// Marks a leaf in [`Node::feature`].
pub const LEAF: u32 = u32::MAX;
/// Marks a threshold split in [`Node::cat`].
pub const NO_SET: u32 = u32::MAX;

/// A set of codes below 256.
pub type CodeSet = [u64; 4];

/// Whether `code` is in the set.
#[inline]
pub fn set_contains(set: &CodeSet, code: usize) -> bool {
    code < 256 && (set[code >> 6] >> (code & 63)) & 1 == 1
}

fn set_insert(set: &mut CodeSet, code: usize) {
    if code < 256 {
        set[code >> 6] |= 1 << (code & 63);
    }
}

/// One node of a fitted tree.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Split feature, or [`LEAF`].
    pub feature: u32,
    /// Rows with `x <= threshold` go left.
    pub threshold: f64,
    /// The same threshold as a bin: codes `<= bin` go left.
    pub bin: u8,
    /// Where missing values go.
    pub missing_left: bool,
    /// For a categorical split, the index of its code set in [`Tree::cat_sets`]
    /// ([`NO_SET`] for threshold splits).
    pub cat: u32,
    /// Left child (internal nodes) or the first leaf value's index (leaves).
    pub left: u32,
    /// Right child (internal nodes).
    pub right: u32,
    /// Training rows that reached the node.
    pub count: f64,
    /// Split gain (internal nodes).
    pub gain: f64,
}

/// A fitted tree with `dims` values per leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// Nodes; node 0 is the root.
    pub nodes: Vec<Node>,
    /// Leaf values, `dims` per leaf.
    pub values: Vec<f64>,
    /// Values per leaf.
    pub dims: usize,
    /// Code sets of categorical splits (codes that go left).
    pub cat_sets: Vec<CodeSet>,
}

impl Tree {
    /// The leaf values a raw row reaches.
    #[inline]
    pub fn predict_row(&self, row: &[f64]) -> &[f64] {
        let mut i = 0usize;
        loop {
            let n = &self.nodes[i];
            if n.feature == LEAF {
                let s = n.left as usize;
                return &self.values[s..s + self.dims];
            }
            let x = row.get(n.feature as usize).copied().unwrap_or(f64::NAN);
            let left = if x.is_nan() {
                n.missing_left
            } else if n.cat != NO_SET {
                x >= 0.0
                    && x.fract() == 0.0
                    && set_contains(&self.cat_sets[n.cat as usize], x as usize)
            } else {
                x <= n.threshold
            };
            i = if left { n.left } else { n.right } as usize;
        }
    }

    /// The leaf values binned row `r` reaches.
    #[inline]
    pub fn predict_binned(&self, binned: &Binned, bins: &[FeatureBins], r: usize) -> &[f64] {
        let mut i = 0usize;
        loop {
            let n = &self.nodes[i];
            if n.feature == LEAF {
                let s = n.left as usize;
                return &self.values[s..s + self.dims];
            }
            let f = n.feature as usize;
            let b = binned.codes[f * binned.n_rows + r];
            let left = if b == bins[f].missing_bin() {
                n.missing_left
            } else if n.cat != NO_SET {
                let code = bins[f]
                    .codes
                    .get(b as usize)
                    .map_or(usize::MAX, |c| *c as usize);
                set_contains(&self.cat_sets[n.cat as usize], code)
            } else {
                b <= n.bin
            };
            i = if left { n.left } else { n.right } as usize;
        }
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.feature == LEAF).count()
    }

    /// Adds each split's gain to its feature.
    pub fn add_gains(&self, out: &mut [f64]) {
        for n in &self.nodes {
            if n.feature != LEAF
                && let Some(o) = out.get_mut(n.feature as usize)
            {
                *o += n.gain;
            }
        }
    }
}

/// How a tree is grown.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeParams {
    /// Leaf budget (best-first growth); `usize::MAX` grows depth-first without a budget.
    pub max_leaves: usize,
    /// Depth limit (0: none).
    pub max_depth: usize,
    /// Fewest rows in a leaf.
    pub min_samples_leaf: f64,
    /// Smallest hessian sum in a leaf.
    pub min_hessian_leaf: f64,
    /// L2 penalty on leaf values.
    pub lambda_l2: f64,
    /// L1 penalty on leaf values.
    pub lambda_l1: f64,
    /// Smallest gain worth a split.
    pub min_gain: f64,
    /// Share of the tree's features considered at each node (forests).
    pub feature_fraction_node: f64,
    /// One random threshold per feature instead of the best (extremely randomised trees).
    pub extra_trees: bool,
    /// Multiplies leaf values (the learning rate).
    pub shrinkage: f64,
}

/// What a tree is grown from.
pub struct GrowData<'a> {
    /// Binned training features.
    pub binned: &'a Binned,
    /// Their bins.
    pub bins: &'a [FeatureBins],
    /// Per-row gradients, `dims` per row.
    pub grad: &'a [f64],
    /// Per-row hessians.
    pub hess: &'a [f64],
    /// Gradient dimensions.
    pub dims: usize,
    /// Features this tree may split on.
    pub features: &'a [usize],
    /// Thread pool for feature-parallel histograms (None: this thread).
    pub pool: Option<&'a rayon::ThreadPool>,
}

/// Histogram layout: per feature, `n_bins × stride` sums.
struct Layout {
    offsets: Vec<usize>,
    stride: usize,
    total: usize,
}

impl Layout {
    fn new(bins: &[FeatureBins], dims: usize) -> Layout {
        let stride = dims + 2;
        let mut offsets = Vec::with_capacity(bins.len() + 1);
        let mut acc = 0;
        for b in bins {
            offsets.push(acc);
            acc += b.n_bins() * stride;
        }
        offsets.push(acc);
        Layout {
            offsets,
            stride,
            total: acc,
        }
    }

    fn range(&self, f: usize) -> std::ops::Range<usize> {
        self.offsets[f]..self.offsets[f + 1]
    }
}

#[derive(Debug, Clone)]
struct Stats {
    g: Vec<f64>,
    h: f64,
    c: f64,
}

#[derive(Debug, Clone)]
struct Split {
    feature: usize,
    bin: u8,
    /// Value bins going left, for categorical splits.
    left_bins: Option<CodeSet>,
    missing_left: bool,
    gain: f64,
    left: Stats,
    right: Stats,
}

struct Pending {
    start: usize,
    len: usize,
    depth: usize,
    node: usize,
    hist: Vec<f64>,
    totals: Stats,
    split: Option<Split>,
}

fn threshold_l1(g: f64, alpha: f64) -> f64 {
    if g > alpha {
        g - alpha
    } else if g < -alpha {
        g + alpha
    } else {
        0.0
    }
}

/// The fitted leaves of a tree over the row index buffer: (first value index, start, len).
pub type LeafRanges = Vec<(usize, usize, usize)>;

/// Grows one tree on `rows` (ascending row ids). Returns the tree, the row buffer reordered so
/// that each leaf's rows are contiguous, and each leaf's range in it.
///
/// Leaf-wise (best-first, the leaf whose split gains most) when `max_leaves` is set, else
/// depth-first; the larger child's histogram is the parent's minus the smaller child's.
pub fn grow(
    data: &GrowData<'_>,
    mut rows: Vec<u32>,
    p: &TreeParams,
    rng: &mut Rng,
) -> (Tree, Vec<u32>, LeafRanges) {
    let layout = Layout::new(data.bins, data.dims);
    let mut tree = Tree {
        nodes: Vec::new(),
        values: Vec::new(),
        dims: data.dims,
        cat_sets: Vec::new(),
    };
    let mut leaves: LeafRanges = Vec::new();
    let mut buffers = GrowBuffers {
        scratch: Vec::with_capacity(rows.len()),
        og: Vec::new(),
        oh: Vec::new(),
    };

    let mut root_hist = vec![0.0; layout.total];
    build_hist(
        data,
        &layout,
        &rows,
        &mut root_hist,
        &mut buffers.og,
        &mut buffers.oh,
    );
    let totals = totals_from_hist(&root_hist, &layout, data);
    tree.nodes.push(blank_node(totals.c));
    let mut root = Pending {
        start: 0,
        len: rows.len(),
        depth: 0,
        node: 0,
        hist: root_hist,
        totals,
        split: None,
    };
    root.split = find_split(data, &layout, &root, p, rng);

    let mut open: Vec<Pending> = vec![root];
    let mut n_leaves = 1usize;
    while let Some(i) = next_leaf(&mut open, n_leaves, &mut tree, &mut leaves, p) {
        let leaf = open.swap_remove(i);
        let Some(split) = leaf.split.clone() else {
            continue;
        };
        let n_left = partition(data, &mut rows, &mut buffers.scratch, &leaf, &split);
        let left_node = tree.nodes.len();
        record_split(&mut tree, data, leaf.node, &split, left_node);
        let (ls, ll) = (leaf.start, n_left);
        let (rs, rl) = (leaf.start + n_left, leaf.len - n_left);
        let (lh, rh) = child_histograms(
            data,
            &layout,
            &rows,
            leaf.hist,
            (ls, ll),
            (rs, rl),
            &mut buffers,
        );
        let depth = leaf.depth + 1;
        let mut children = [
            Pending {
                start: ls,
                len: ll,
                depth,
                node: left_node,
                hist: lh,
                totals: split.left,
                split: None,
            },
            Pending {
                start: rs,
                len: rl,
                depth,
                node: left_node + 1,
                hist: rh,
                totals: split.right,
                split: None,
            },
        ];
        for c in &mut children {
            c.split = find_split(data, &layout, c, p, rng);
        }
        n_leaves += 1;
        let [a, b] = children;
        open.push(a);
        open.push(b);
    }
    for l in open {
        finalize(&mut tree, &mut leaves, &l, p);
    }
    (tree, rows, leaves)
}

/// Buffers one tree's growth reuses: the rows going right while a leaf is partitioned, and the
/// gradients and hessians gathered for a histogram.
struct GrowBuffers {
    scratch: Vec<u32>,
    og: Vec<f64>,
    oh: Vec<f64>,
}

/// The open leaf to split next: best-first, the one whose split gains most (the earliest on a
/// tie) while fewer than `max_leaves` leaves exist; depth-first otherwise, finalising the
/// unsplittable leaves it meets. `None` when growth is over.
fn next_leaf(
    open: &mut Vec<Pending>,
    n_leaves: usize,
    tree: &mut Tree,
    leaves: &mut LeafRanges,
    p: &TreeParams,
) -> Option<usize> {
    if p.max_leaves != usize::MAX {
        if n_leaves >= p.max_leaves {
            return None;
        }
        return open
            .iter()
            .enumerate()
            .filter(|(_, l)| l.split.is_some())
            .max_by(|a, b| {
                let ga = a.1.split.as_ref().map_or(0.0, |s| s.gain);
                let gb = b.1.split.as_ref().map_or(0.0, |s| s.gain);
                ga.total_cmp(&gb).then(b.0.cmp(&a.0))
            })
            .map(|(i, _)| i);
    }
    loop {
        match open.last() {
            None => return None,
            Some(l) if l.split.is_none() => {
                if let Some(l) = open.pop() {
                    finalize(tree, leaves, &l, p);
                }
            }
            Some(_) => return Some(open.len() - 1),
        }
    }
}

/// Partitions a leaf's rows stably by its split, left rows first; returns how many go left.
fn partition(
    data: &GrowData<'_>,
    rows: &mut [u32],
    scratch: &mut Vec<u32>,
    leaf: &Pending,
    split: &Split,
) -> usize {
    let col = data.binned.column(split.feature);
    let miss = data.bins[split.feature].missing_bin();
    scratch.clear();
    let mut w = leaf.start;
    for k in leaf.start..leaf.start + leaf.len {
        let r = rows[k];
        let b = col[r as usize];
        let left = if b == miss {
            split.missing_left
        } else if let Some(set) = &split.left_bins {
            set_contains(set, b as usize)
        } else {
            b <= split.bin
        };
        if left {
            rows[w] = r;
            w += 1;
        } else {
            scratch.push(r);
        }
    }
    rows[w..leaf.start + leaf.len].copy_from_slice(scratch);
    w - leaf.start
}

/// Turns `node` into a split node with children `left_node` and `left_node + 1` (pushed here),
/// storing a categorical split's set of category codes.
fn record_split(
    tree: &mut Tree,
    data: &GrowData<'_>,
    node: usize,
    split: &Split,
    left_node: usize,
) {
    tree.nodes.push(blank_node(split.left.c));
    tree.nodes.push(blank_node(split.right.c));
    let cat_index = split.left_bins.as_ref().map(|bin_set| {
        let mut codes: CodeSet = [0; 4];
        for (b, c) in data.bins[split.feature].codes.iter().enumerate() {
            if set_contains(bin_set, b) {
                set_insert(&mut codes, *c as usize);
            }
        }
        tree.cat_sets.push(codes);
        (tree.cat_sets.len() - 1) as u32
    });
    let n = &mut tree.nodes[node];
    n.feature = split.feature as u32;
    n.bin = split.bin;
    n.threshold = data.bins[split.feature].threshold(split.bin);
    n.missing_left = split.missing_left;
    n.cat = cat_index.unwrap_or(NO_SET);
    n.left = left_node as u32;
    n.right = left_node as u32 + 1;
    n.gain = split.gain;
}

/// The two children's histograms: the smaller child's built from its rows, the larger's the
/// parent's minus it. `left` and `right` are (start, len) in `rows`.
fn child_histograms(
    data: &GrowData<'_>,
    layout: &Layout,
    rows: &[u32],
    mut parent_hist: Vec<f64>,
    left: (usize, usize),
    right: (usize, usize),
    buffers: &mut GrowBuffers,
) -> (Vec<f64>, Vec<f64>) {
    let mut small_hist = vec![0.0; layout.total];
    let left_smaller = left.1 <= right.1;
    let (start, len) = if left_smaller { left } else { right };
    build_hist(
        data,
        layout,
        &rows[start..start + len],
        &mut small_hist,
        &mut buffers.og,
        &mut buffers.oh,
    );
    for (pv, sv) in parent_hist.iter_mut().zip(&small_hist) {
        *pv -= sv;
    }
    if left_smaller {
        (small_hist, parent_hist)
    } else {
        (parent_hist, small_hist)
    }
}

fn blank_node(count: f64) -> Node {
    Node {
        feature: LEAF,
        threshold: 0.0,
        bin: 0,
        missing_left: false,
        cat: NO_SET,
        left: 0,
        right: 0,
        count,
        gain: 0.0,
    }
}

fn finalize(tree: &mut Tree, leaves: &mut LeafRanges, l: &Pending, p: &TreeParams) {
    let start = tree.values.len();
    for g in &l.totals.g {
        let v = -threshold_l1(*g, p.lambda_l1) / (l.totals.h + p.lambda_l2);
        tree.values
            .push(if v.is_finite() { v * p.shrinkage } else { 0.0 });
    }
    let n = &mut tree.nodes[l.node];
    n.feature = LEAF;
    n.left = start as u32;
    leaves.push((start, l.start, l.len));
}

fn totals_from_hist(hist: &[f64], layout: &Layout, data: &GrowData<'_>) -> Stats {
    let d = data.dims;
    let mut t = Stats {
        g: vec![0.0; d],
        h: 0.0,
        c: 0.0,
    };
    let Some(&f) = data.features.first() else {
        return t;
    };
    for e in hist[layout.range(f)].chunks_exact(layout.stride) {
        for (tg, ek) in t.g.iter_mut().zip(e) {
            *tg += ek;
        }
        t.h += e[d];
        t.c += e[d + 1];
    }
    t
}

fn build_hist(
    data: &GrowData<'_>,
    layout: &Layout,
    rows: &[u32],
    out: &mut [f64],
    og: &mut Vec<f64>,
    oh: &mut Vec<f64>,
) {
    let d = data.dims;
    let stride = layout.stride;
    let full = rows.len() == data.binned.n_rows
        && rows.first() == Some(&0)
        && rows.last() == Some(&((rows.len() - 1) as u32));
    // Gradients in row order, contiguous.
    let (g, h): (&[f64], &[f64]) = if full {
        (data.grad, data.hess)
    } else {
        og.clear();
        oh.clear();
        for &r in rows {
            let r = r as usize;
            og.extend_from_slice(&data.grad[r * d..r * d + d]);
            oh.push(data.hess[r]);
        }
        (og, oh)
    };
    let fill = |f: usize, hist: &mut [f64]| {
        hist.iter_mut().for_each(|v| *v = 0.0);
        let col = data.binned.column(f);
        if d == 1 {
            if full {
                for (k, &b) in col.iter().enumerate() {
                    let e = &mut hist[b as usize * 3..b as usize * 3 + 3];
                    e[0] += g[k];
                    e[1] += h[k];
                    e[2] += 1.0;
                }
            } else {
                for (k, &r) in rows.iter().enumerate() {
                    let b = col[r as usize] as usize;
                    let e = &mut hist[b * 3..b * 3 + 3];
                    e[0] += g[k];
                    e[1] += h[k];
                    e[2] += 1.0;
                }
            }
        } else {
            for (k, &r) in rows.iter().enumerate() {
                let b = col[r as usize] as usize;
                let e = &mut hist[b * stride..(b + 1) * stride];
                for j in 0..d {
                    e[j] += g[k * d + j];
                }
                e[d] += h[k];
                e[d + 1] += 1.0;
            }
        }
    };
    // Split the histogram buffer into one slice per feature.
    let mut slices: Vec<(usize, &mut [f64])> = Vec::with_capacity(data.features.len());
    let mut rest: &mut [f64] = out;
    let mut pos = 0;
    let mut feats: Vec<usize> = data.features.to_vec();
    feats.sort_unstable();
    for f in feats {
        let r = layout.range(f);
        let (_, tail) = rest.split_at_mut(r.start - pos);
        let (mine, tail) = tail.split_at_mut(r.end - r.start);
        slices.push((f, mine));
        rest = tail;
        pos = r.end;
    }
    match data.pool {
        Some(pool) if slices.len() > 1 && rows.len() > 4096 => {
            pool.install(|| slices.par_iter_mut().for_each(|(f, s)| fill(*f, s)));
        }
        _ => slices.iter_mut().for_each(|(f, s)| fill(*f, s)),
    }
}

fn score(g: &[f64], h: f64, p: &TreeParams) -> f64 {
    let denom = h + p.lambda_l2;
    if denom <= 0.0 {
        return 0.0;
    }
    g.iter()
        .map(|&x| {
            let t = threshold_l1(x, p.lambda_l1);
            t * t
        })
        .sum::<f64>()
        / denom
}

/// The best split of a leaf over its candidate features, from its histograms; `None` when the
/// leaf may not split (depth, size) or no split gains more than `min_gain`.
fn find_split(
    data: &GrowData<'_>,
    layout: &Layout,
    leaf: &Pending,
    p: &TreeParams,
    rng: &mut Rng,
) -> Option<Split> {
    if p.max_depth > 0 && leaf.depth >= p.max_depth {
        return None;
    }
    if leaf.totals.c < 2.0 * p.min_samples_leaf || leaf.totals.c < 2.0 {
        return None;
    }
    let d = data.dims;
    let stride = layout.stride;
    let parent = score(&leaf.totals.g, leaf.totals.h, p);
    let mut best: Option<Split> = None;
    let mut scratch = Scratch {
        lg: vec![0.0; d],
        left: vec![0.0; d],
        right: vec![0.0; d],
    };
    for f in split_candidates(data.features, p, rng) {
        let fb = &data.bins[f];
        let hist = &leaf.hist[layout.range(f)];
        let mb = fb.missing_bin() as usize;
        let feature = FeatureHist {
            f,
            hist,
            stride,
            dims: d,
            nv: fb.n_value_bins(),
            miss: &hist[mb * stride..(mb + 1) * stride],
        };
        let found = if fb.is_categorical() && d == 1 {
            categorical_split(&feature, &leaf.totals, p, rng)
        } else {
            // Extremely randomised trees: one random threshold between the smallest and
            // largest occupied bins (a feature with one occupied bin cannot split).
            let only = if p.extra_trees {
                match random_threshold(&feature, rng) {
                    Some(b) => Some(b),
                    None => continue,
                }
            } else {
                None
            };
            let floor = best.as_ref().map_or(p.min_gain, |b| b.gain.max(p.min_gain));
            numeric_split(&feature, &leaf.totals, parent, only, p, floor, &mut scratch)
        };
        if let Some(s) = found
            && best.as_ref().is_none_or(|b| s.gain > b.gain)
        {
            best = Some(s);
        }
    }
    best
}

/// The features a split may use: all, or a seeded sample of `feature_fraction_node` of them,
/// in increasing order.
fn split_candidates(features: &[usize], p: &TreeParams, rng: &mut Rng) -> Vec<usize> {
    if p.feature_fraction_node >= 1.0 {
        return features.to_vec();
    }
    let k = ((features.len() as f64 * p.feature_fraction_node).ceil() as usize)
        .clamp(1, features.len());
    let mut v: Vec<usize> = rng
        .sample_indices(features.len(), k)
        .into_iter()
        .map(|i| features[i])
        .collect();
    v.sort_unstable();
    v
}

/// One feature's histogram in a leaf: per bin the gradient sums (`dims` of them), the hessian
/// sum and the count, `stride` values per bin; `nv` value bins, then the missing bin (`miss`).
struct FeatureHist<'a> {
    f: usize,
    hist: &'a [f64],
    stride: usize,
    dims: usize,
    nv: usize,
    miss: &'a [f64],
}

/// Buffers the numeric scan reuses across features: the running left gradient sums and the two
/// sides' sums at a candidate threshold.
struct Scratch {
    lg: Vec<f64>,
    left: Vec<f64>,
    right: Vec<f64>,
}

/// A random threshold bin between the smallest and largest occupied value bins, or `None` when
/// fewer than two bins are occupied.
fn random_threshold(h: &FeatureHist<'_>, rng: &mut Rng) -> Option<usize> {
    let occupied = |b: usize| h.hist[b * h.stride + h.dims + 1] > 0.0;
    let lo = (0..h.nv).find(|&b| occupied(b))?;
    let hi = (0..h.nv).rev().find(|&b| occupied(b))?;
    (hi > lo).then(|| lo + rng.below(hi - lo))
}

/// The best threshold of a numeric feature (at bin `only` when given), with missing values sent
/// to whichever side gains more: the first split that gains more than `floor`, and then more
/// than each one before it, in scan order.
fn numeric_split(
    h: &FeatureHist<'_>,
    totals: &Stats,
    parent: f64,
    only: Option<usize>,
    p: &TreeParams,
    mut floor: f64,
    scratch: &mut Scratch,
) -> Option<Split> {
    let (d, stride, miss) = (h.dims, h.stride, h.miss);
    let (mh, mc) = (miss[d], miss[d + 1]);
    let Scratch { lg, left, right } = scratch;
    lg.iter_mut().for_each(|v| *v = 0.0);
    let mut best: Option<Split> = None;
    let (mut lh, mut lc) = (0.0, 0.0);
    for b in 0..h.nv.saturating_sub(1) {
        let e = &h.hist[b * stride..(b + 1) * stride];
        for j in 0..d {
            lg[j] += e[j];
        }
        lh += e[d];
        lc += e[d + 1];
        if only.is_some_and(|o| o != b) {
            continue;
        }
        if lc == 0.0 {
            continue;
        }
        let rc_nomiss = totals.c - lc - mc;
        if rc_nomiss <= 0.0 && mc == 0.0 {
            break;
        }
        for missing_left in [false, true] {
            if missing_left && mc == 0.0 {
                continue;
            }
            let (l_h, l_c) = if missing_left {
                (lh + mh, lc + mc)
            } else {
                (lh, lc)
            };
            let (r_h, r_c) = (totals.h - l_h, totals.c - l_c);
            if l_c < p.min_samples_leaf || r_c < p.min_samples_leaf || l_c < 1.0 || r_c < 1.0 {
                continue;
            }
            if l_h < p.min_hessian_leaf || r_h < p.min_hessian_leaf {
                continue;
            }
            for j in 0..d {
                left[j] = lg[j] + if missing_left { miss[j] } else { 0.0 };
                right[j] = totals.g[j] - left[j];
            }
            let gain = score(left, l_h, p) + score(right, r_h, p) - parent;
            if gain > floor {
                floor = gain;
                best = Some(Split {
                    feature: h.f,
                    bin: b as u8,
                    left_bins: None,
                    missing_left,
                    gain,
                    left: Stats {
                        g: left.clone(),
                        h: l_h,
                        c: l_c,
                    },
                    right: Stats {
                        g: right.clone(),
                        h: r_h,
                        c: r_c,
                    },
                });
            }
        }
        if only.is_some() {
            break;
        }
    }
    best
}

/// Smoothing of the gradient/hessian ratio that orders categories (as LightGBM's `cat_smooth`).
const CAT_SMOOTH: f64 = 10.0;
/// Extra L2 penalty for categorical splits (as LightGBM's `cat_l2`).
const CAT_L2: f64 = 10.0;
/// Categories at most on the smaller side of a split (as LightGBM's `max_cat_threshold`).
const MAX_CAT_THRESHOLD: usize = 32;
/// Up to this many categories, splits are one category against the rest.
const MAX_CAT_TO_ONEHOT: usize = 4;

/// The best split of a categorical feature (one gradient dimension): for few categories, one
/// against the rest; otherwise categories sorted by their smoothed gradient/hessian ratio and
/// split into a prefix and the rest (the optimal partition for convex losses, as in LightGBM).
fn categorical_split(
    h: &FeatureHist<'_>,
    totals: &Stats,
    p: &TreeParams,
    rng: &mut Rng,
) -> Option<Split> {
    let (f, hist, stride, nv, miss) = (h.f, h.hist, h.stride, h.nv, h.miss);
    let (mg, mh, mc) = (miss[0], miss[1], miss[2]);
    let mut cats: Vec<(usize, f64, f64, f64)> = (0..nv)
        .filter_map(|b| {
            let e = &hist[b * stride..b * stride + 3];
            (e[2] > 0.0).then_some((b, e[0], e[1], e[2]))
        })
        .collect();
    if cats.len() < 2 {
        return None;
    }
    let cp = TreeParams {
        lambda_l2: p.lambda_l2 + CAT_L2,
        ..p.clone()
    };
    let parent = score(&totals.g, totals.h, &cp);
    let (tg, th, tc) = (totals.g[0], totals.h, totals.c);
    // Candidate left sets, as lists of positions into `cats`.
    let one_hot = cats.len() <= MAX_CAT_TO_ONEHOT;
    if !one_hot {
        cats.sort_by(|a, b| (a.1 / (a.2 + CAT_SMOOTH)).total_cmp(&(b.1 / (b.2 + CAT_SMOOTH))));
    }
    let n = cats.len();
    let prefixes: Vec<usize> = if one_hot {
        Vec::new()
    } else {
        (1..n)
            .filter(|&k| k.min(n - k) <= MAX_CAT_THRESHOLD)
            .collect()
    };
    let mut best: Option<Split> = None;
    let consider = |members: &[usize], best: &mut Option<Split>| {
        let (mut lg, mut lh, mut lc) = (0.0, 0.0, 0.0);
        for &m in members {
            let (_, g, h, c) = cats[m];
            lg += g;
            lh += h;
            lc += c;
        }
        for missing_left in [false, true] {
            if missing_left && mc == 0.0 {
                continue;
            }
            let (l_g, l_h, l_c) = if missing_left {
                (lg + mg, lh + mh, lc + mc)
            } else {
                (lg, lh, lc)
            };
            let (r_g, r_h, r_c) = (tg - l_g, th - l_h, tc - l_c);
            if l_c < p.min_samples_leaf.max(1.0) || r_c < p.min_samples_leaf.max(1.0) {
                continue;
            }
            if l_h < p.min_hessian_leaf || r_h < p.min_hessian_leaf {
                continue;
            }
            let gain = score(&[l_g], l_h, &cp) + score(&[r_g], r_h, &cp) - parent;
            if gain > p.min_gain && best.as_ref().is_none_or(|s| gain > s.gain) {
                let mut set: CodeSet = [0; 4];
                for &m in members {
                    set_insert(&mut set, cats[m].0);
                }
                *best = Some(Split {
                    feature: f,
                    bin: 0,
                    left_bins: Some(set),
                    missing_left,
                    gain,
                    left: Stats {
                        g: vec![l_g],
                        h: l_h,
                        c: l_c,
                    },
                    right: Stats {
                        g: vec![r_g],
                        h: r_h,
                        c: r_c,
                    },
                });
            }
        }
    };
    if p.extra_trees {
        // One random candidate.
        if one_hot {
            consider(&[rng.below(n)], &mut best);
        } else if let Some(&k) = prefixes.get(rng.below(prefixes.len().max(1))) {
            let members: Vec<usize> = (0..k).collect();
            consider(&members, &mut best);
        }
        return best;
    }
    if one_hot {
        for m in 0..n {
            consider(&[m], &mut best);
        }
    } else {
        let all: Vec<usize> = (0..n).collect();
        for k in prefixes {
            consider(&all[..k], &mut best);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bins::{bin_matrix, fit_bins};
    use mlpilot_core::Matrix;

    fn params() -> TreeParams {
        TreeParams {
            max_leaves: 8,
            max_depth: 0,
            min_samples_leaf: 1.0,
            min_hessian_leaf: 0.0,
            lambda_l2: 0.0,
            lambda_l1: 0.0,
            min_gain: 0.0,
            feature_fraction_node: 1.0,
            extra_trees: false,
            shrinkage: 1.0,
        }
    }

    #[test]
    fn a_step_function_is_learned_exactly() {
        // y = 1 when x0 > 5, else 0; x1 is noise. Regression tree with g = -y, h = 1.
        let rows: Vec<Vec<f64>> = (0..40)
            .map(|i| vec![f64::from(i % 10), f64::from((i * 7) % 13)])
            .collect();
        let y: Vec<f64> = rows
            .iter()
            .map(|r| if r[0] > 5.0 { 1.0 } else { 0.0 })
            .collect();
        let x = Matrix::from_rows(&rows).unwrap();
        let bins = fit_bins(&x, 255, 1000, 0, &[]);
        let binned = bin_matrix(&x, &bins);
        let grad: Vec<f64> = y.iter().map(|v| -v).collect();
        let hess = vec![1.0; 40];
        let features = [0usize, 1];
        let data = GrowData {
            binned: &binned,
            bins: &bins,
            grad: &grad,
            hess: &hess,
            dims: 1,
            features: &features,
            pool: None,
        };
        let (tree, _, leaves) = grow(&data, (0..40).collect(), &params(), &mut Rng::new(0));
        assert_eq!(tree.nodes[0].feature, 0);
        assert_eq!(tree.nodes[0].threshold, 5.5);
        assert_eq!(leaves.len(), 2, "pure leaves are not split further");
        for r in &rows {
            let want = if r[0] > 5.0 { 1.0 } else { 0.0 };
            assert_eq!(tree.predict_row(r), &[want]);
        }
    }

    #[test]
    fn missing_values_go_to_the_better_side() {
        // Rows with NaN have y = 1 like large x: missing should go right.
        let mut rows = vec![];
        let mut y = vec![];
        for i in 0..30 {
            let (x, t) = match i % 3 {
                0 => (1.0, 0.0),
                1 => (9.0, 1.0),
                _ => (f64::NAN, 1.0),
            };
            rows.push(vec![x]);
            y.push(t);
        }
        let x = Matrix::from_rows(&rows).unwrap();
        let bins = fit_bins(&x, 255, 1000, 0, &[]);
        let binned = bin_matrix(&x, &bins);
        let grad: Vec<f64> = y.iter().map(|v| -v).collect();
        let hess = vec![1.0; 30];
        let data = GrowData {
            binned: &binned,
            bins: &bins,
            grad: &grad,
            hess: &hess,
            dims: 1,
            features: &[0],
            pool: None,
        };
        let (tree, _, _) = grow(&data, (0..30).collect(), &params(), &mut Rng::new(0));
        assert_eq!(tree.predict_row(&[f64::NAN]), &[1.0]);
        assert_eq!(tree.predict_row(&[1.0]), &[0.0]);
    }

    #[test]
    fn categories_are_split_by_sets() {
        // Codes 0..6; y is high for codes {1, 4, 5}: no single threshold separates them, one
        // categorical split does.
        let rows: Vec<Vec<f64>> = (0..120).map(|i| vec![f64::from(i % 6)]).collect();
        let y: Vec<f64> = rows
            .iter()
            .map(|r| {
                if [1.0, 4.0, 5.0].contains(&r[0]) {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        let x = Matrix::from_rows(&rows).unwrap();
        let bins = fit_bins(&x, 255, 1000, 0, &[true]);
        assert!(bins[0].is_categorical());
        let binned = bin_matrix(&x, &bins);
        let grad: Vec<f64> = y.iter().map(|v| -v).collect();
        let hess = vec![1.0; 120];
        let data = GrowData {
            binned: &binned,
            bins: &bins,
            grad: &grad,
            hess: &hess,
            dims: 1,
            features: &[0],
            pool: None,
        };
        let p = TreeParams {
            max_leaves: 2,
            ..params()
        };
        let (tree, _, _) = grow(&data, (0..120).collect(), &p, &mut Rng::new(0));
        assert_eq!(tree.n_leaves(), 2);
        assert_ne!(tree.nodes[0].cat, NO_SET);
        let hi = tree.predict_row(&[4.0])[0];
        let lo = tree.predict_row(&[2.0])[0];
        assert!(hi > 0.7 && lo < 0.3, "{hi} {lo}");
        assert_eq!(tree.predict_row(&[1.0]), tree.predict_row(&[5.0]));
        // An unseen code goes right, like every code not in the left set.
        let unseen = tree.predict_row(&[9.0]);
        assert!(unseen == tree.predict_row(&[2.0]) || unseen == tree.predict_row(&[4.0]));
    }

    #[test]
    fn multi_dimensional_leaves_hold_class_frequencies() {
        // Two classes one-hot: leaf values are class frequencies (Gini splits).
        let rows: Vec<Vec<f64>> = (0..20).map(|i| vec![f64::from(i)]).collect();
        let x = Matrix::from_rows(&rows).unwrap();
        let bins = fit_bins(&x, 255, 1000, 0, &[]);
        let binned = bin_matrix(&x, &bins);
        let mut grad = vec![];
        for i in 0..20 {
            let c = usize::from(i >= 10);
            grad.extend((0..2).map(|k| if k == c { -1.0 } else { 0.0 }));
        }
        let hess = vec![1.0; 20];
        let data = GrowData {
            binned: &binned,
            bins: &bins,
            grad: &grad,
            hess: &hess,
            dims: 2,
            features: &[0],
            pool: None,
        };
        let p = TreeParams {
            max_leaves: usize::MAX,
            ..params()
        };
        let (tree, _, _) = grow(&data, (0..20).collect(), &p, &mut Rng::new(0));
        assert_eq!(tree.predict_row(&[3.0]), &[1.0, 0.0]);
        assert_eq!(tree.predict_row(&[15.0]), &[0.0, 1.0]);
        assert_eq!(tree.n_leaves(), 2);
    }
}
