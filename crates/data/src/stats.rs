//! Statistics kernels for profiling: moments, quantiles, correlations, association measures.
//!
//! Numeric inputs use NaN for missing; categorical inputs are codes `0..k` with `u32::MAX`
//! for missing. Pairwise measures use only rows where both values are present.

/// Missing code for categorical inputs.
pub const MISSING: u32 = u32::MAX;

/// The `q`-quantile (0..1) of sorted values by linear interpolation (NumPy's default).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (
        sorted.get(lo).copied().unwrap_or(f64::NAN),
        sorted.get(hi).copied().unwrap_or(f64::NAN),
    );
    a + (b - a) * (pos - lo as f64)
}

/// Mean, sample standard deviation and adjusted Fisher–Pearson skewness of finite values.
pub fn moments(values: &[f64]) -> (f64, f64, f64) {
    let n = values.len() as f64;
    if n == 0.0 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n;
    let (mut m2, mut m3) = (0.0, 0.0);
    for v in values {
        let d = v - mean;
        m2 += d * d;
        m3 += d * d * d;
    }
    let std = if n > 1.0 {
        (m2 / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    let (pm2, pm3) = (m2 / n, m3 / n);
    let skew = if n > 2.0 && pm2 > 0.0 {
        let g1 = pm3 / pm2.powf(1.5);
        g1 * (n * (n - 1.0)).sqrt() / (n - 2.0)
    } else {
        0.0
    };
    (mean, std, skew)
}

/// Pearson correlation over rows where both are finite (NaN when undefined).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let (mut n, mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        if a.is_finite() && b.is_finite() {
            n += 1.0;
            sx += a;
            sy += b;
        }
    }
    if n < 3.0 {
        return f64::NAN;
    }
    let (mx, my) = (sx / n, sy / n);
    for (&a, &b) in x.iter().zip(y) {
        if a.is_finite() && b.is_finite() {
            let (da, db) = (a - mx, b - my);
            sxx += da * da;
            syy += db * db;
            sxy += da * db;
        }
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return f64::NAN;
    }
    (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
}

/// Average ranks of values with NaN kept as NaN (ranks over the finite values only).
pub fn ranks_with_missing(x: &[f64]) -> Vec<f64> {
    let idx: Vec<usize> = (0..x.len())
        .filter(|&i| x.get(i).is_some_and(|v| v.is_finite()))
        .collect();
    let vals: Vec<f64> = idx.iter().filter_map(|&i| x.get(i).copied()).collect();
    let r = mlpilot_core::metrics::average_ranks(&vals);
    let mut out = vec![f64::NAN; x.len()];
    for (&i, rv) in idx.iter().zip(r) {
        if let Some(o) = out.get_mut(i) {
            *o = rv;
        }
    }
    out
}

/// Spearman correlation from precomputed ranks (see [`ranks_with_missing`]). Ranks are
/// computed over each column's own present values; rows missing in either are skipped.
pub fn spearman_from_ranks(rx: &[f64], ry: &[f64]) -> f64 {
    pearson(rx, ry)
}

/// A contingency table of two code vectors (rows where both are present).
pub fn contingency(a: &[u32], ka: usize, b: &[u32], kb: usize) -> (Vec<f64>, f64) {
    let mut t = vec![0.0; ka * kb];
    let mut n = 0.0;
    for (&x, &y) in a.iter().zip(b) {
        if x == MISSING || y == MISSING {
            continue;
        }
        if let Some(c) = t.get_mut(x as usize * kb + y as usize) {
            *c += 1.0;
            n += 1.0;
        }
    }
    (t, n)
}

/// Cramér's V of two categorical code vectors (0..1; NaN when a variable has one level).
pub fn cramers_v(a: &[u32], ka: usize, b: &[u32], kb: usize) -> f64 {
    let (t, n) = contingency(a, ka, b, kb);
    if n == 0.0 {
        return f64::NAN;
    }
    let rows: Vec<f64> = (0..ka)
        .map(|i| {
            (0..kb)
                .map(|j| t.get(i * kb + j).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let cols: Vec<f64> = (0..kb)
        .map(|j| {
            (0..ka)
                .map(|i| t.get(i * kb + j).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let r_used = rows.iter().filter(|&&v| v > 0.0).count();
    let c_used = cols.iter().filter(|&&v| v > 0.0).count();
    let m = r_used.min(c_used);
    if m < 2 {
        return f64::NAN;
    }
    let mut chi2 = 0.0;
    for (i, ri) in rows.iter().enumerate() {
        for (j, cj) in cols.iter().enumerate() {
            let e = ri * cj / n;
            if e > 0.0 {
                let o = t.get(i * kb + j).copied().unwrap_or(0.0);
                chi2 += (o - e) * (o - e) / e;
            }
        }
    }
    (chi2 / (n * (m as f64 - 1.0))).sqrt().min(1.0)
}

/// The correlation ratio η of a numeric variable over the groups of a categorical one (0..1;
/// NaN when the numeric variable is constant).
pub fn correlation_ratio(codes: &[u32], k: usize, values: &[f64]) -> f64 {
    let mut sum = vec![0.0; k];
    let mut cnt = vec![0.0; k];
    let (mut total, mut n) = (0.0, 0.0);
    for (&c, &v) in codes.iter().zip(values) {
        if c == MISSING || !v.is_finite() {
            continue;
        }
        if let (Some(s), Some(m)) = (sum.get_mut(c as usize), cnt.get_mut(c as usize)) {
            *s += v;
            *m += 1.0;
            total += v;
            n += 1.0;
        }
    }
    if n < 2.0 {
        return f64::NAN;
    }
    let mean = total / n;
    let mut ss_total = 0.0;
    for (&c, &v) in codes.iter().zip(values) {
        if c != MISSING && v.is_finite() && (c as usize) < k {
            ss_total += (v - mean) * (v - mean);
        }
    }
    if ss_total <= 0.0 {
        return f64::NAN;
    }
    let ss_between: f64 = sum
        .iter()
        .zip(&cnt)
        .filter(|(_, m)| **m > 0.0)
        .map(|(s, m)| m * (s / m - mean).powi(2))
        .sum();
    (ss_between / ss_total).sqrt().min(1.0)
}

/// Mutual information (nats) of two code vectors.
pub fn mutual_information(a: &[u32], ka: usize, b: &[u32], kb: usize) -> f64 {
    let (t, n) = contingency(a, ka, b, kb);
    if n == 0.0 {
        return 0.0;
    }
    let rows: Vec<f64> = (0..ka)
        .map(|i| {
            (0..kb)
                .map(|j| t.get(i * kb + j).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let cols: Vec<f64> = (0..kb)
        .map(|j| {
            (0..ka)
                .map(|i| t.get(i * kb + j).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let mut mi = 0.0;
    for (i, ri) in rows.iter().enumerate() {
        for (j, cj) in cols.iter().enumerate() {
            let o = t.get(i * kb + j).copied().unwrap_or(0.0);
            if o > 0.0 {
                mi += o / n * (o * n / (ri * cj)).ln();
            }
        }
    }
    mi.max(0.0)
}

/// Entropy (nats) of a code vector.
pub fn entropy(a: &[u32], k: usize) -> f64 {
    let mut counts = vec![0.0; k];
    let mut n = 0.0;
    for &c in a {
        if let Some(v) = counts.get_mut(c as usize) {
            *v += 1.0;
            n += 1.0;
        }
    }
    if n == 0.0 {
        return 0.0;
    }
    -counts
        .iter()
        .filter(|&&c| c > 0.0)
        .map(|&c: &f64| c / n * (c / n).ln())
        .sum::<f64>()
}

/// Codes of numeric values binned at up to `bins` quantiles of the sorted present values (NaN
/// becomes [`MISSING`]); returns the codes and the number of bins used.
pub fn quantile_bins(values: &[f64], sorted: &[f64], bins: usize) -> (Vec<u32>, usize) {
    let mut edges: Vec<f64> = (1..bins)
        .map(|i| quantile_sorted(sorted, i as f64 / bins as f64))
        .collect();
    edges.dedup();
    let k = edges.len() + 1;
    let codes = values
        .iter()
        .map(|&v| {
            if v.is_finite() {
                edges.partition_point(|&e| e < v) as u32
            } else {
                MISSING
            }
        })
        .collect();
    (codes, k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    #[test]
    fn quantiles_match_numpy() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert!(close(quantile_sorted(&s, 0.5), 2.5, 1e-12));
        assert!(close(quantile_sorted(&s, 0.25), 1.75, 1e-12));
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }

    #[test]
    fn moments_match_scipy() {
        // scipy.stats.skew([1,2,3,10], bias=False) = 1.7636326148038880; np.std(ddof=1) = 4.0825
        let (m, s, k) = moments(&[1.0, 2.0, 3.0, 10.0]);
        assert!(close(m, 4.0, 1e-12));
        assert!(close(s, 4.082_482_904_638_63, 1e-9));
        assert!(close(k, 1.763_632_614_803_888, 1e-9), "{k}");
    }

    #[test]
    fn correlations() {
        let x = [1.0, 2.0, 3.0, 4.0, f64::NAN];
        let y = [2.0, 4.0, 6.0, 8.0, 1.0];
        assert!(close(pearson(&x, &y), 1.0, 1e-12));
        let y2 = [1.0, 8.0, 27.0, 64.0, 0.0];
        assert!(close(
            spearman_from_ranks(&ranks_with_missing(&x), &ranks_with_missing(&y2)),
            1.0,
            1e-12
        ));
        assert!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_nan());
    }

    #[test]
    fn associations() {
        let a = [0, 0, 1, 1, 2, 2];
        assert!(close(cramers_v(&a, 3, &a, 3), 1.0, 1e-12));
        let b = [0, 1, 0, 1, 0, 1];
        assert!(close(cramers_v(&a, 3, &b, 2), 0.0, 1e-12));
        assert!(close(
            correlation_ratio(&[0, 0, 1, 1], 2, &[1.0, 1.0, 5.0, 5.0]),
            1.0,
            1e-12
        ));
        assert!(close(
            mutual_information(&a, 3, &a, 3),
            entropy(&a, 3),
            1e-12
        ));
        assert!(close(entropy(&[0, 1], 2), std::f64::consts::LN_2, 1e-12));
    }

    #[test]
    fn binning() {
        let v = [1.0, 2.0, 3.0, 4.0, f64::NAN];
        let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        s.sort_by(f64::total_cmp);
        let (codes, k) = quantile_bins(&v, &s, 2);
        assert_eq!(k, 2);
        assert_eq!(codes, vec![0, 0, 1, 1, MISSING]);
    }
}
