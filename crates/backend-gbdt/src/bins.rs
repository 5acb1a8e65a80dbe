//! Feature binning: every column is cut into at most 255 value bins plus one bin for missing
//! values, so that trees are grown on `u8` codes and histograms.

use mlpilot_core::{Matrix, Rng};
use serde::{Deserialize, Serialize};

/// How one feature's values map to bins.
///
/// Bin `b` holds values in `(edges[b-1], edges[b]]`; the last value bin holds everything above
/// the last edge; NaN goes to the missing bin, `n_value_bins`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureBins {
    /// Upper edges of all value bins but the last.
    pub edges: Vec<f64>,
    /// For a categorical feature, the integer code each value bin holds (one code per bin);
    /// empty for numeric features.
    pub codes: Vec<u32>,
}

impl FeatureBins {
    /// Value bins (the missing bin comes after them).
    pub fn n_value_bins(&self) -> usize {
        self.edges.len() + 1
    }

    /// The missing-value bin.
    pub fn missing_bin(&self) -> u8 {
        self.edges.len().min(254) as u8 + 1
    }

    /// All bins, the missing one included.
    pub fn n_bins(&self) -> usize {
        self.n_value_bins() + 1
    }

    /// The bin of a value.
    #[inline]
    pub fn bin(&self, x: f64) -> u8 {
        if x.is_nan() {
            self.missing_bin()
        } else {
            self.edges.partition_point(|&e| e < x) as u8
        }
    }

    /// Whether the feature is split by category sets rather than thresholds.
    pub fn is_categorical(&self) -> bool {
        !self.codes.is_empty()
    }

    /// The raw threshold equivalent to "bin ≤ b": `x <= threshold(b)`.
    pub fn threshold(&self, b: u8) -> f64 {
        self.edges.get(b as usize).copied().unwrap_or(f64::INFINITY)
    }

    /// Fits the edges of one column from (a sample of) its values.
    pub fn fit(values: &mut [f64], max_bins: usize) -> FeatureBins {
        let max_bins = max_bins.clamp(2, 255);
        let mut finite: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        finite.sort_by(f64::total_cmp);
        if finite.is_empty() {
            return FeatureBins {
                edges: Vec::new(),
                codes: Vec::new(),
            };
        }
        // Distinct values with counts.
        let mut distinct: Vec<(f64, usize)> = Vec::new();
        for v in finite.iter().copied() {
            match distinct.last_mut() {
                Some((d, c)) if *d == v => *c += 1,
                _ => distinct.push((v, 1)),
            }
        }
        let mid = |a: f64, b: f64| {
            let m = a + (b - a) / 2.0;
            if m.is_finite() && m >= a && m < b {
                m
            } else {
                a
            }
        };
        if distinct.len() <= max_bins {
            let edges = distinct.windows(2).filter_map(|w| match w {
                [(a, _), (b, _)] => Some(mid(*a, *b)),
                _ => None,
            });
            return FeatureBins {
                edges: edges.collect(),
                codes: Vec::new(),
            };
        }
        // Quantile edges over the sorted values, snapped to midpoints between distinct values.
        let n = finite.len();
        let mut edges: Vec<f64> = Vec::with_capacity(max_bins);
        let mut cum = 0usize;
        let mut target_k = 1usize;
        for w in distinct.windows(2) {
            if let [(a, ca), (b, _)] = w {
                cum += ca;
                if cum * max_bins >= target_k * n {
                    edges.push(mid(*a, *b));
                    while target_k * n <= cum * max_bins {
                        target_k += 1;
                    }
                    if edges.len() + 1 >= max_bins {
                        break;
                    }
                }
            }
        }
        edges.dedup();
        FeatureBins {
            edges,
            codes: Vec::new(),
        }
    }

    /// Fits a categorical feature: one bin per integer code. Falls back to numeric bins when
    /// the values are not small non-negative integers or there are too many of them.
    pub fn fit_categorical(values: &mut [f64], max_bins: usize) -> FeatureBins {
        let mut codes: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        codes.sort_by(f64::total_cmp);
        codes.dedup();
        let ok = codes.len() >= 2
            && codes.len() < 255
            && codes
                .iter()
                .all(|c| c.fract() == 0.0 && (0.0..256.0).contains(c));
        let mut fb = FeatureBins::fit(values, max_bins.max(255));
        if ok && fb.n_value_bins() == codes.len() {
            fb.codes = codes.iter().map(|c| *c as u32).collect();
        }
        fb
    }
}

/// A binned matrix: column-major `u8` codes.
#[derive(Debug, Clone)]
pub struct Binned {
    /// `codes[j * n_rows + i]` is the bin of row `i` in feature `j`.
    pub codes: Vec<u8>,
    /// Rows.
    pub n_rows: usize,
    /// Features.
    pub n_features: usize,
}

impl Binned {
    /// Column `j`.
    #[inline]
    pub fn column(&self, j: usize) -> &[u8] {
        self.codes
            .get(j * self.n_rows..(j + 1) * self.n_rows)
            .unwrap_or(&[])
    }
}

/// Fits bin edges for every column of `x` on at most `sample` rows (seeded); columns whose
/// `categorical` flag is set get one bin per code.
pub fn fit_bins(
    x: &Matrix,
    max_bins: usize,
    sample: usize,
    seed: u64,
    categorical: &[bool],
) -> Vec<FeatureBins> {
    let n = x.n_rows();
    let rows: Vec<usize> = if n > sample {
        let mut r = Rng::new(seed ^ 0xb1b5);
        let mut s = r.sample_indices(n, sample);
        s.sort_unstable();
        s
    } else {
        (0..n).collect()
    };
    let p = x.n_cols();
    let data = x.as_slice();
    (0..p)
        .map(|j| {
            let mut col: Vec<f64> = rows
                .iter()
                .map(|&i| data.get(i * p + j).copied().unwrap_or(f64::NAN))
                .collect();
            if categorical.get(j).copied().unwrap_or(false) {
                FeatureBins::fit_categorical(&mut col, max_bins)
            } else {
                FeatureBins::fit(&mut col, max_bins)
            }
        })
        .collect()
}

/// Bins every row of `x` with fitted edges.
pub fn bin_matrix(x: &Matrix, bins: &[FeatureBins]) -> Binned {
    let (n, p) = (x.n_rows(), x.n_cols());
    let mut codes = vec![0u8; n * p];
    let data = x.as_slice();
    for (j, (fb, out)) in bins.iter().zip(codes.chunks_mut(n.max(1))).enumerate() {
        for (i, o) in out.iter_mut().enumerate() {
            *o = fb.bin(data.get(i * p + j).copied().unwrap_or(f64::NAN));
        }
    }
    Binned {
        codes,
        n_rows: n,
        n_features: p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_one_bin_each() {
        let mut v = vec![1.0, 2.0, 2.0, 5.0, f64::NAN];
        let b = FeatureBins::fit(&mut v, 255);
        assert_eq!(b.edges, vec![1.5, 3.5]);
        assert_eq!(b.bin(1.0), 0);
        assert_eq!(b.bin(2.0), 1);
        assert_eq!(b.bin(5.0), 2);
        assert_eq!(b.bin(100.0), 2);
        assert_eq!(b.bin(-100.0), 0);
        assert_eq!(b.bin(f64::NAN), b.missing_bin());
        assert_eq!(b.missing_bin(), 3);
        assert_eq!(b.n_bins(), 4);
        // "bin <= 1" is "x <= 3.5".
        assert_eq!(b.threshold(1), 3.5);
    }

    #[test]
    fn many_values_get_quantile_bins() {
        let mut v: Vec<f64> = (0..10_000).map(f64::from).collect();
        let b = FeatureBins::fit(&mut v, 64);
        assert!(
            b.n_value_bins() <= 64 && b.n_value_bins() >= 60,
            "{}",
            b.n_value_bins()
        );
        let counts = (0..10_000).fold(vec![0usize; 64], |mut c, x| {
            c[b.bin(f64::from(x)) as usize] += 1;
            c
        });
        assert!(
            counts
                .iter()
                .take(b.n_value_bins())
                .all(|&c| (100..=250).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn categorical_codes_get_their_own_bins() {
        let mut v = vec![0.0, 3.0, 3.0, 7.0, f64::NAN];
        let b = FeatureBins::fit_categorical(&mut v, 16);
        assert_eq!(b.codes, vec![0, 3, 7]);
        assert_eq!(b.bin(7.0), 2);
        let mut v = vec![0.5, 1.0];
        assert!(!FeatureBins::fit_categorical(&mut v, 16).is_categorical());
    }

    #[test]
    fn matrix_binning_is_column_major() {
        let x = Matrix::from_rows(&[vec![1.0, 10.0], vec![2.0, f64::NAN]]).unwrap();
        let bins = fit_bins(&x, 255, 1000, 0, &[]);
        let b = bin_matrix(&x, &bins);
        assert_eq!(b.column(0), &[0, 1]);
        assert_eq!(b.column(1), &[0, bins[1].missing_bin()]);
    }
}
