//! Fitted encoders for labels: booleans, one-hot, ordinal codes, target encoding.
//!
//! All of them map each *distinct* input label to a fitted level once per call (input columns
//! are dictionary-encoded), so the per-row work is an array lookup.

use std::collections::HashMap;

use mlpilot_core::Rng;
use mlpilot_core::frame::{parse_number, stray_words_in};
use serde::{Deserialize, Serialize};

/// The level missing values become when they are treated as a category.
pub const MISSING_LEVEL: &str = "(missing)";
/// Code marking "no fitted level" in a lookup table.
const NONE: u32 = u32::MAX;

/// Counts of each label in training, most frequent first (ties by label).
fn level_counts(dict: &[String], codes: &[u32]) -> (Vec<(String, usize)>, usize) {
    let mut counts = vec![0usize; dict.len()];
    let mut missing = 0;
    for &c in codes {
        match counts.get_mut(c as usize) {
            Some(n) => *n += 1,
            None => missing += 1,
        }
    }
    let mut levels: Vec<(String, usize)> = dict
        .iter()
        .cloned()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .collect();
    levels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    (levels, missing)
}

/// For each input dictionary entry, the index of the fitted level it maps to (or `NONE`).
fn lookup(dict: &[String], levels: &HashMap<String, u32>) -> Vec<u32> {
    dict.iter()
        .map(|d| levels.get(d).copied().unwrap_or(NONE))
        .collect()
}

fn index_of(levels: &[String]) -> HashMap<String, u32> {
    levels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), i as u32))
        .collect()
}

const TRUE_WORDS: [&str; 7] = ["true", "yes", "y", "t", "1", "on", "1.0"];

/// Two values → 0/1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoolFit {
    /// The label mapped to 1.
    pub positive: String,
    /// The other training label (mapped to 0).
    pub negative: String,
    /// The value for missing input (`None` keeps NaN).
    pub fill: Option<f64>,
    /// Missing values seen in training.
    pub n_missing: usize,
    /// Whether the labels are numbers (`0`/`1`): then any other value — a stray word such as
    /// `?`, or a number not seen in training — reads as missing.
    pub numbers: bool,
}

impl BoolFit {
    pub(crate) fn fit(dict: &[String], codes: &[u32], impute: bool) -> BoolFit {
        let (mut levels, mut missing) = level_counts(dict, codes);
        // Two numbers with a few stray words (`0`, `1`, `?`): the words are missing values,
        // not a label (see `mlpilot_core::frame::stray_words`).
        let stray = stray_words_in(levels.iter().map(|(l, c)| (l.as_str(), *c)));
        if let Some(words) = &stray {
            levels.retain(|(l, _)| parse_number(l).is_some());
            missing += words.count;
        }
        let mut labels: Vec<&String> = levels.iter().map(|(l, _)| l).collect();
        labels.sort();
        let numbers = !labels.is_empty()
            && (stray.is_some() || labels.iter().all(|l| parse_number(l).is_some()));
        let positive = labels
            .iter()
            .find(|l| TRUE_WORDS.contains(&l.trim().to_ascii_lowercase().as_str()))
            // A lone number that is not true-like (`0` in a fold without `1`) is the negative.
            .or_else(|| labels.last().filter(|_| !(numbers && labels.len() == 1)))
            .map_or_else(String::new, |s| (*s).clone());
        let negative = labels
            .iter()
            .find(|l| **l != &positive)
            .map_or_else(String::new, |s| (*s).clone());
        let most = levels.first().map(|(l, _)| l.clone()).unwrap_or_default();
        let fill = impute.then(|| if most == positive { 1.0 } else { 0.0 });
        BoolFit {
            positive,
            negative,
            fill,
            n_missing: missing,
            numbers,
        }
    }

    pub(crate) fn transform(
        &self,
        dict: &[String],
        codes: &[u32],
        out: &mut dyn FnMut(usize, f64),
    ) -> usize {
        // Between two numbers, anything else is missing (a stray word as in training, or an
        // unseen number, which is counted); between two words, anything else is the negative.
        let map: Vec<(Option<f64>, bool)> = dict
            .iter()
            .map(|d| {
                if *d == self.positive {
                    (Some(1.0), false)
                } else if *d == self.negative {
                    (Some(0.0), false)
                } else if self.numbers {
                    (None, parse_number(d).is_some())
                } else {
                    (Some(0.0), true)
                }
            })
            .collect();
        let mut unseen = 0;
        for (i, &c) in codes.iter().enumerate() {
            let v = match map.get(c as usize) {
                Some((v, new)) => {
                    unseen += usize::from(*new);
                    v.unwrap_or(self.fill.unwrap_or(f64::NAN))
                }
                None => self.fill.unwrap_or(f64::NAN),
            };
            out(i, v);
        }
        unseen
    }
}

/// One 0/1 column per kept level, plus "other" when rare levels were pooled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneHotFit {
    /// Kept levels (the missing level included when training had missing values).
    pub levels: Vec<String>,
    /// Whether an "other" column exists (rare training levels were pooled into it).
    pub other: bool,
    /// Levels pooled into "other".
    pub n_pooled: usize,
    /// The pooled levels (up to 10,000), so that they are not reported as unseen.
    pub rare: Vec<String>,
    /// Missing values seen in training.
    pub n_missing: usize,
}

impl OneHotFit {
    pub(crate) fn fit(
        dict: &[String],
        codes: &[u32],
        max_levels: usize,
        min_count: usize,
    ) -> OneHotFit {
        let (levels, missing) = level_counts(dict, codes);
        let mut kept: Vec<String> = Vec::new();
        let mut rare = Vec::new();
        let mut pooled = 0;
        for (l, n) in &levels {
            if kept.len() < max_levels && *n >= min_count {
                kept.push(l.clone());
            } else {
                pooled += 1;
                if rare.len() < 10_000 {
                    rare.push(l.clone());
                }
            }
        }
        if missing > 0 {
            kept.push(MISSING_LEVEL.to_string());
        }
        OneHotFit {
            levels: kept,
            other: pooled > 0,
            n_pooled: pooled,
            rare,
            n_missing: missing,
        }
    }

    /// Output columns.
    pub fn width(&self) -> usize {
        self.levels.len() + usize::from(self.other)
    }

    /// Calls `set(row, column)` for the one hot column of each row; returns the count of rows
    /// whose label was not seen in training.
    pub(crate) fn transform(
        &self,
        dict: &[String],
        codes: &[u32],
        set: &mut dyn FnMut(usize, usize),
    ) -> usize {
        let idx = index_of(&self.levels);
        let map = lookup(dict, &idx);
        let missing_col = idx.get(MISSING_LEVEL).map(|&c| c as usize);
        let other_col = self.other.then_some(self.levels.len());
        let rare: std::collections::HashSet<&str> = self.rare.iter().map(String::as_str).collect();
        let known_rare: Vec<bool> = dict.iter().map(|d| rare.contains(d.as_str())).collect();
        let mut unseen = 0;
        for (i, &c) in codes.iter().enumerate() {
            let col = match map.get(c as usize) {
                Some(&k) if k != NONE => Some(k as usize),
                Some(_) => {
                    unseen += usize::from(!known_rare.get(c as usize).copied().unwrap_or(false));
                    other_col
                }
                None => missing_col,
            };
            if let Some(j) = col {
                set(i, j);
            }
        }
        unseen
    }
}

/// Integer codes by training frequency (0 = most frequent); rare and unseen levels share the
/// last code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdinalFit {
    /// Coded levels.
    pub levels: Vec<String>,
    /// The code for missing values (`None` keeps NaN).
    pub missing_code: Option<f64>,
    /// Missing values seen in training.
    pub n_missing: usize,
}

impl OrdinalFit {
    pub(crate) fn fit(
        dict: &[String],
        codes: &[u32],
        max_levels: usize,
        keep_missing: bool,
    ) -> OrdinalFit {
        let (levels, missing) = level_counts(dict, codes);
        let kept: Vec<String> = levels
            .into_iter()
            .take(max_levels)
            .map(|(l, _)| l)
            .collect();
        let missing_code = (!keep_missing).then_some(kept.len() as f64 + 1.0);
        OrdinalFit {
            levels: kept,
            missing_code,
            n_missing: missing,
        }
    }

    /// The number of distinct codes (levels, "other", and the missing code if any).
    pub fn cardinality(&self) -> usize {
        self.levels.len() + 1 + usize::from(self.missing_code.is_some())
    }

    pub(crate) fn transform(
        &self,
        dict: &[String],
        codes: &[u32],
        out: &mut dyn FnMut(usize, f64),
    ) -> usize {
        let idx = index_of(&self.levels);
        let map = lookup(dict, &idx);
        let other = self.levels.len() as f64;
        let mut unseen = 0;
        for (i, &c) in codes.iter().enumerate() {
            let v = match map.get(c as usize) {
                Some(&k) if k != NONE => f64::from(k),
                Some(_) => {
                    unseen += 1;
                    other
                }
                None => self.missing_code.unwrap_or(f64::NAN),
            };
            out(i, v);
        }
        unseen
    }
}

/// Target encoding: each level becomes the smoothed mean of the target over its training rows
/// (one column per class for multiclass targets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetEncodeFit {
    /// Encoded levels (the missing level included when training had missing values).
    pub levels: Vec<String>,
    /// `values[level * outputs + k]`.
    pub values: Vec<f64>,
    /// The overall mean per output, used for unseen levels.
    pub prior: Vec<f64>,
    /// Outputs per level (1 for binary and regression, classes for multiclass).
    pub outputs: usize,
    /// Pseudo-count of the smoothing.
    pub smoothing: f64,
    /// Missing values seen in training.
    pub n_missing: usize,
}

/// What a target encoder averages: for each row, the values of its outputs.
pub(crate) struct EncodingTarget<'a> {
    pub y: &'a [f64],
    /// Classes for multiclass (one output per class); 0 otherwise (one output: y itself).
    pub n_classes: usize,
}

impl EncodingTarget<'_> {
    fn outputs(&self) -> usize {
        if self.n_classes > 2 {
            self.n_classes
        } else {
            1
        }
    }

    fn add(&self, row: usize, acc: &mut [f64]) {
        let y = self.y.get(row).copied().unwrap_or(0.0);
        if self.n_classes > 2 {
            if let Some(a) = acc.get_mut(y as usize) {
                *a += 1.0;
            }
        } else if let Some(a) = acc.first_mut() {
            *a += y;
        }
    }
}

/// Level index per row (missing → the missing level, if `with_missing`).
fn level_rows(dict: &[String], codes: &[u32], levels: &HashMap<String, u32>) -> Vec<u32> {
    let map = lookup(dict, levels);
    let missing = levels.get(MISSING_LEVEL).copied().unwrap_or(NONE);
    codes
        .iter()
        .map(|&c| map.get(c as usize).copied().unwrap_or(missing))
        .collect()
}

impl TargetEncodeFit {
    fn from_rows(
        levels: Vec<String>,
        rows: &[u32],
        subset: impl Iterator<Item = usize> + Clone,
        target: &EncodingTarget<'_>,
        smoothing: f64,
        n_missing: usize,
    ) -> TargetEncodeFit {
        let k = target.outputs();
        let mut sums = vec![0.0; levels.len() * k];
        let mut counts = vec![0.0; levels.len()];
        let mut prior = vec![0.0; k];
        let mut n: f64 = 0.0;
        for r in subset {
            target.add(r, &mut prior);
            n += 1.0;
            let Some(&l) = rows.get(r) else { continue };
            if l == NONE {
                continue;
            }
            if let Some(slot) = sums.get_mut(l as usize * k..(l as usize + 1) * k) {
                target.add(r, slot);
            }
            if let Some(c) = counts.get_mut(l as usize) {
                *c += 1.0;
            }
        }
        prior.iter_mut().for_each(|p| *p /= n.max(1.0));
        let mut values = vec![0.0; levels.len() * k];
        for (l, c) in counts.iter().enumerate() {
            for j in 0..k {
                let s = sums.get(l * k + j).copied().unwrap_or(0.0);
                let p = prior.get(j).copied().unwrap_or(0.0);
                if let Some(v) = values.get_mut(l * k + j) {
                    *v = (s + smoothing * p) / (c + smoothing);
                }
            }
        }
        TargetEncodeFit {
            levels,
            values,
            prior,
            outputs: k,
            smoothing,
            n_missing,
        }
    }

    /// Fits on all training rows and returns the out-of-fold encodings of those rows
    /// (`folds` folds, seeded), so that no training row is encoded with its own target.
    pub(crate) fn fit_oof(
        dict: &[String],
        codes: &[u32],
        target: &EncodingTarget<'_>,
        smoothing: f64,
        folds: usize,
        seed: u64,
    ) -> (TargetEncodeFit, Vec<f64>) {
        let (counted, missing) = level_counts(dict, codes);
        let mut levels: Vec<String> = counted.into_iter().map(|(l, _)| l).collect();
        if missing > 0 {
            levels.push(MISSING_LEVEL.to_string());
        }
        let idx = index_of(&levels);
        let rows = level_rows(dict, codes, &idx);
        let n = codes.len();
        let full = Self::from_rows(levels.clone(), &rows, 0..n, target, smoothing, missing);
        let k = full.outputs;
        // Out-of-fold encodings of the training rows.
        let mut order: Vec<usize> = (0..n).collect();
        Rng::new(seed ^ 0x7e4c_0de5).shuffle(&mut order);
        let mut fold_of = vec![0usize; n];
        for (pos, &r) in order.iter().enumerate() {
            if let Some(f) = fold_of.get_mut(r) {
                *f = pos % folds.max(2);
            }
        }
        let mut oof = vec![0.0; n * k];
        for f in 0..folds.max(2) {
            let train = (0..n).filter(|&r| fold_of.get(r) != Some(&f));
            let part = Self::from_rows(levels.clone(), &rows, train, target, smoothing, 0);
            for r in (0..n).filter(|&r| fold_of.get(r) == Some(&f)) {
                let enc = part.encode_level(rows.get(r).copied().unwrap_or(NONE));
                if let Some(slot) = oof.get_mut(r * k..(r + 1) * k) {
                    slot.copy_from_slice(enc);
                }
            }
        }
        (full, oof)
    }

    fn encode_level(&self, level: u32) -> &[f64] {
        let k = self.outputs;
        if level == NONE {
            return &self.prior;
        }
        self.values
            .get(level as usize * k..(level as usize + 1) * k)
            .unwrap_or(&self.prior)
    }

    /// Encodes rows: `out(row, output, value)`; returns the count of unseen labels.
    pub(crate) fn transform(
        &self,
        dict: &[String],
        codes: &[u32],
        out: &mut dyn FnMut(usize, usize, f64),
    ) -> usize {
        let idx = index_of(&self.levels);
        let rows = level_rows(dict, codes, &idx);
        let mut unseen = 0;
        for (i, (&l, &c)) in rows.iter().zip(codes).enumerate() {
            if l == NONE && (c as usize) < dict.len() {
                unseen += 1;
            }
            for (j, v) in self.encode_level(l).iter().enumerate() {
                out(i, j, *v);
            }
        }
        unseen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(v: &[Option<&str>]) -> (Vec<String>, Vec<u32>) {
        let col: mlpilot_core::StrColumn = v.iter().copied().collect();
        (col.dict().to_vec(), col.codes().to_vec())
    }

    #[test]
    fn onehot_pools_rare_and_unseen() {
        let (d, c) = labels(&[Some("a"), Some("a"), Some("b"), Some("b"), Some("c"), None]);
        let f = OneHotFit::fit(&d, &c, 10, 2);
        assert_eq!(f.levels, vec!["a", "b", MISSING_LEVEL]);
        assert!(f.other);
        let (d2, c2) = labels(&[Some("b"), Some("zzz"), None, Some("c")]);
        let mut hits = vec![];
        let unseen = f.transform(&d2, &c2, &mut |i, j| hits.push((i, j)));
        assert_eq!(hits, vec![(0, 1), (1, 3), (2, 2), (3, 3)]);
        assert_eq!(unseen, 1, "c was pooled in training, zzz is unseen");
    }

    #[test]
    fn ordinal_codes_by_frequency() {
        let (d, c) = labels(&[Some("x"), Some("y"), Some("y"), None]);
        let f = OrdinalFit::fit(&d, &c, 10, true);
        assert_eq!(f.levels, vec!["y", "x"]);
        let mut out = vec![];
        let (d2, c2) = labels(&[Some("x"), Some("q"), None]);
        f.transform(&d2, &c2, &mut |_, v| out.push(v));
        assert_eq!(out[..2], [1.0, 2.0]);
        assert!(out[2].is_nan());
        assert_eq!(f.cardinality(), 3);
    }

    #[test]
    fn bool_picks_the_true_word() {
        let (d, c) = labels(&[Some("no"), Some("yes"), Some("no"), None]);
        let f = BoolFit::fit(&d, &c, true);
        assert_eq!(f.positive, "yes");
        assert_eq!(f.fill, Some(0.0));
        let mut out = vec![];
        f.transform(&d, &c, &mut |_, v| out.push(v));
        assert_eq!(out, vec![0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn bool_of_two_numbers_reads_stray_words_as_missing() {
        // `-` and `.` sort before `0`: they must not become the negative label.
        for word in ["?", "-", ".", "n/a", "none"] {
            let mut v: Vec<Option<&str>> = [Some("0"), Some("1"), Some("1")].repeat(20);
            v.push(Some(word));
            v.push(None);
            let (d, c) = labels(&v);
            let f = BoolFit::fit(&d, &c, false);
            assert_eq!(
                (f.positive.as_str(), f.negative.as_str()),
                ("1", "0"),
                "`{word}`"
            );
            assert_eq!(f.n_missing, 2, "`{word}`");
            let mut out = vec![];
            let unseen = f.transform(&d, &c, &mut |_, x| out.push(x));
            assert_eq!(unseen, 0, "`{word}`");
            assert_eq!(&out[..3], [0.0, 1.0, 1.0]);
            assert!(
                out[60].is_nan() && out[61].is_nan(),
                "`{word}`: {:?}",
                &out[60..]
            );
            // Imputed: the most frequent label, for the word as for the missing value.
            let f = BoolFit::fit(&d, &c, true);
            let mut out = vec![];
            f.transform(&d, &c, &mut |_, x| out.push(x));
            assert_eq!(&out[60..], [1.0, 1.0], "`{word}`");
        }
        // A fold with one number and a word: the number is the negative label unless true-like,
        // the word still missing; an unseen number is missing and counted.
        let mut v = vec![Some("0"); 20];
        v.push(Some("?"));
        let (d, c) = labels(&v);
        let f = BoolFit::fit(&d, &c, false);
        assert_eq!(
            (f.positive.as_str(), f.negative.as_str(), f.numbers),
            ("", "0", true)
        );
        let (d2, c2) = labels(&[Some("0"), Some("?"), Some("1")]);
        let mut out = vec![];
        assert_eq!(f.transform(&d2, &c2, &mut |_, x| out.push(x)), 1);
        assert!(
            out[0] == 0.0 && out[1].is_nan() && out[2].is_nan(),
            "{out:?}"
        );
        let mut v = vec![Some("1"); 20];
        v.push(Some("-"));
        let (d, c) = labels(&v);
        let f = BoolFit::fit(&d, &c, false);
        assert_eq!((f.positive.as_str(), f.negative.as_str()), ("1", ""));
        // Between two words, another word is an unseen label read as the negative one.
        let (d, c) = labels(&[Some("yes"), Some("no"), Some("no")]);
        let f = BoolFit::fit(&d, &c, false);
        let (d2, c2) = labels(&[Some("maybe")]);
        let mut out = vec![];
        assert_eq!(f.transform(&d2, &c2, &mut |_, x| out.push(x)), 1);
        assert_eq!(out, [0.0]);
    }

    #[test]
    fn target_encoding_known_answer_and_no_self_leak() {
        // Level a: y = 1, 1, 0; level b: y = 0. Prior = 0.5.
        let (d, c) = labels(&[Some("a"), Some("a"), Some("a"), Some("b")]);
        let y = [1.0, 1.0, 0.0, 0.0];
        let t = EncodingTarget {
            y: &y,
            n_classes: 2,
        };
        let (f, oof) = TargetEncodeFit::fit_oof(&d, &c, &t, 1.0, 2, 0);
        // Smoothed: a = (2 + 0.5) / (3 + 1) = 0.625; b = (0 + 0.5) / (1 + 1) = 0.25.
        assert!((f.values[0] - 0.625).abs() < 1e-12);
        assert!((f.values[1] - 0.25).abs() < 1e-12);
        assert_eq!(oof.len(), 4);
        // Out of fold, a row's own target never enters its encoding: flipping y[r] leaves
        // oof[r] unchanged, for every row.
        for r in 0..4 {
            let mut flipped = y;
            flipped[r] = 1.0 - flipped[r];
            let t2 = EncodingTarget {
                y: &flipped,
                n_classes: 2,
            };
            let (_, oof2) = TargetEncodeFit::fit_oof(&d, &c, &t2, 1.0, 2, 0);
            assert_eq!(oof[r], oof2[r], "row {r} leaked its own target");
        }
        let mut out = vec![];
        let (d2, c2) = labels(&[Some("new")]);
        let unseen = f.transform(&d2, &c2, &mut |_, _, v| out.push(v));
        assert_eq!((unseen, out), (1, vec![0.5]));
    }
}
