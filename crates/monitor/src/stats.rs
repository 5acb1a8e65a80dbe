//! Drift tests: population stability index, two-sample Kolmogorov–Smirnov and Pearson's
//! chi-squared, with the distribution functions their p-values need.

use std::collections::BTreeMap;

use mlpilot_core::{DriftDetector, DriftTest, Error, ErrorKind, Result, Sample};

/// PSI at or above this is drift (the usual rule: < 0.1 stable, 0.1–0.2 moderate, ≥ 0.2
/// significant).
pub const PSI_THRESHOLD: f64 = 0.2;
/// KS and chi-squared decide drift at this p-value ...
pub const P_THRESHOLD: f64 = 0.001;
/// ... and only when the effect is large enough to matter: a KS distance of at least this.
pub const KS_MIN_DISTANCE: f64 = 0.1;
/// ... or a Cramér's V of at least this for chi-squared.
pub const CRAMER_V_MIN: f64 = 0.1;

const EPS: f64 = 1e-4;

fn empty(which: &str) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!("the {which} sample has no values to compare"),
    )
}

/// Population stability index between two numeric samples over `bins` quantile bins of the
/// reference: `Σ (c − r) · ln(c / r)` over bin shares (floored at 1e-4).
///
/// # Errors
/// An invalid-input error when either sample is empty.
pub fn psi_numeric(reference: &[f64], current: &[f64], bins: usize) -> Result<f64> {
    if reference.is_empty() {
        return Err(empty("reference"));
    }
    if current.is_empty() {
        return Err(empty("current"));
    }
    let mut sorted = reference.to_vec();
    sorted.sort_by(f64::total_cmp);
    let bins = bins.max(2);
    let mut edges: Vec<f64> = (1..bins)
        .filter_map(|i| sorted.get(i * sorted.len() / bins).copied())
        .collect();
    edges.dedup();
    let share = |xs: &[f64]| {
        let mut counts = vec![0usize; edges.len() + 1];
        for x in xs {
            let b = edges.partition_point(|e| e < x);
            if let Some(c) = counts.get_mut(b) {
                *c += 1;
            }
        }
        counts
            .into_iter()
            .map(|c| (c as f64 / xs.len() as f64).max(EPS))
            .collect::<Vec<_>>()
    };
    let r = share(reference);
    let c = share(current);
    Ok(r.iter().zip(&c).map(|(r, c)| (c - r) * (c / r).ln()).sum())
}

/// Category shares, with every category of either sample.
fn shares(reference: &[String], current: &[String]) -> Vec<(f64, f64, usize, usize)> {
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for v in reference {
        counts.entry(v).or_default().0 += 1;
    }
    for v in current {
        counts.entry(v).or_default().1 += 1;
    }
    let (nr, nc) = (reference.len().max(1) as f64, current.len().max(1) as f64);
    counts
        .values()
        .map(|&(r, c)| (r as f64 / nr, c as f64 / nc, r, c))
        .collect()
}

/// PSI between two categorical samples over their categories.
///
/// # Errors
/// An invalid-input error when either sample is empty.
pub fn psi_categorical(reference: &[String], current: &[String]) -> Result<f64> {
    if reference.is_empty() {
        return Err(empty("reference"));
    }
    if current.is_empty() {
        return Err(empty("current"));
    }
    Ok(shares(reference, current)
        .into_iter()
        .map(|(r, c, _, _)| {
            let (r, c) = (r.max(EPS), c.max(EPS));
            (c - r) * (c / r).ln()
        })
        .sum())
}

/// The two-sample Kolmogorov–Smirnov distance and its two-sided p-value (statrs'
/// `ks_twosample`): exact (Schröer & Trenkler) while the product of the sample sizes is at most
/// 10,000, Kolmogorov's asymptotic distribution above. Both assume continuous values: with ties
/// the p-value is conservative (larger than the true one). NaNs are left out.
///
/// # Errors
/// An invalid-input error when either sample has no values that are not NaN.
pub fn ks_two_sample(reference: &[f64], current: &[f64]) -> Result<(f64, f64)> {
    use statrs::stats_tests::NaNPolicy;
    use statrs::stats_tests::ks_test::{KSTwoSampleAlternativeMethod as Method, ks_twosample};
    let present = |v: &[f64]| {
        v.iter()
            .copied()
            .filter(|x| !x.is_nan())
            .collect::<Vec<f64>>()
    };
    let (reference, current) = (present(reference), present(current));
    if reference.is_empty() {
        return Err(empty("reference"));
    }
    if current.is_empty() {
        return Err(empty("current"));
    }
    let test = |method| {
        ks_twosample(reference.clone(), current.clone(), method, NaNPolicy::Error)
            .map_err(|e| Error::internal(format!("Kolmogorov–Smirnov test: {e}")))
    };
    // statrs sums 1/n steps, so a distance can land a rounding error outside [0, 1].
    let distance = |d: f64| d.clamp(0.0, 1.0);
    let (n, m) = (reference.len() as f64, current.len() as f64);
    if reference.len().saturating_mul(current.len()) <= EXACT_KS_PAIRS {
        let (d, p) = test(Method::TwoSidedExact)?;
        return Ok((distance(d), p.clamp(0.0, 1.0)));
    }
    // statrs' asymptotic series takes about 3.4 / λ terms and never ends at λ = 0 (the same
    // distribution on both sides); below λ = 0.2 the tail is 1 to nine decimals, so the
    // one-sided distances settle that case first.
    let (d_less, _) = test(Method::LessAsymptotic)?;
    let (d_greater, _) = test(Method::GreaterAsymptotic)?;
    let d = distance(d_less.max(d_greater));
    if d * (n * m / (n + m)).sqrt() < 0.2 {
        return Ok((d, 1.0));
    }
    let (d, p) = test(Method::TwoSidedAsymptotic)?;
    Ok((distance(d), p.clamp(0.0, 1.0)))
}

/// Up to this product of sample sizes the exact two-sample p-value is computed (statrs' limit).
const EXACT_KS_PAIRS: usize = 10_000;

/// Pearson's chi-squared test of homogeneity between two categorical samples: the statistic,
/// its p-value and Cramér's V.
///
/// # Errors
/// An invalid-input error when either sample is empty.
pub fn chi_squared(reference: &[String], current: &[String]) -> Result<(f64, f64, f64)> {
    if reference.is_empty() {
        return Err(empty("reference"));
    }
    if current.is_empty() {
        return Err(empty("current"));
    }
    let table = shares(reference, current);
    let (nr, nc) = (reference.len() as f64, current.len() as f64);
    let total = nr + nc;
    let mut stat = 0.0;
    for &(_, _, r, c) in &table {
        let col = (r + c) as f64;
        for (obs, rowsum) in [(r as f64, nr), (c as f64, nc)] {
            let exp = rowsum * col / total;
            if exp > 0.0 {
                stat += (obs - exp).powi(2) / exp;
            }
        }
    }
    let dof = table.len().saturating_sub(1);
    if dof == 0 {
        return Ok((0.0, 1.0, 0.0));
    }
    let p = chi2_sf(stat, dof as f64);
    let v = (stat / total).sqrt();
    Ok((stat, p, v))
}

/// The chi-squared survival function `P(X > x)` with `k` degrees of freedom (statrs).
pub fn chi2_sf(x: f64, k: f64) -> f64 {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    if x <= 0.0 {
        return 1.0;
    }
    ChiSquared::new(k).map_or(f64::NAN, |d| d.sf(x))
}

/// The population stability index ([`PSI_THRESHOLD`]) for numeric and categorical samples.
#[derive(Debug, Clone, Copy)]
pub struct Psi {
    /// Quantile bins for numeric samples.
    pub bins: usize,
    /// Drift at or above this PSI.
    pub threshold: f64,
}

impl Default for Psi {
    fn default() -> Self {
        Psi {
            bins: 10,
            threshold: PSI_THRESHOLD,
        }
    }
}

impl DriftDetector for Psi {
    fn name(&self) -> &str {
        "psi"
    }

    fn applies_to(&self, _sample: &Sample<'_>) -> bool {
        true
    }

    fn test(&self, reference: &Sample<'_>, current: &Sample<'_>) -> Result<DriftTest> {
        let statistic = match (reference, current) {
            (Sample::Numeric(r), Sample::Numeric(c)) => psi_numeric(r, c, self.bins)?,
            (Sample::Categorical(r), Sample::Categorical(c)) => psi_categorical(r, c)?,
            _ => return Err(mismatch()),
        };
        Ok(DriftTest {
            test: "psi".into(),
            statistic,
            p_value: None,
            threshold: self.threshold,
            threshold_on: "statistic".into(),
            drift: statistic >= self.threshold,
        })
    }
}

fn mismatch() -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        "the reference and current samples are of different kinds (numeric and categorical)",
    )
}

/// The two-sample Kolmogorov–Smirnov test for numeric samples: drift when the p-value is
/// below [`P_THRESHOLD`] and the distance is at least [`KS_MIN_DISTANCE`].
#[derive(Debug, Clone, Copy)]
pub struct KolmogorovSmirnov {
    /// The p-value threshold.
    pub alpha: f64,
    /// The smallest distance that counts.
    pub min_distance: f64,
}

impl Default for KolmogorovSmirnov {
    fn default() -> Self {
        KolmogorovSmirnov {
            alpha: P_THRESHOLD,
            min_distance: KS_MIN_DISTANCE,
        }
    }
}

impl DriftDetector for KolmogorovSmirnov {
    fn name(&self) -> &str {
        "ks"
    }

    fn applies_to(&self, sample: &Sample<'_>) -> bool {
        matches!(sample, Sample::Numeric(_))
    }

    fn test(&self, reference: &Sample<'_>, current: &Sample<'_>) -> Result<DriftTest> {
        let (Sample::Numeric(r), Sample::Numeric(c)) = (reference, current) else {
            return Err(mismatch());
        };
        let (d, p) = ks_two_sample(r, c)?;
        Ok(DriftTest {
            test: "ks".into(),
            statistic: d,
            p_value: Some(p),
            threshold: self.alpha,
            threshold_on: "p_value".into(),
            drift: p < self.alpha && d >= self.min_distance,
        })
    }
}

/// Pearson's chi-squared test for categorical samples: drift when the p-value is below
/// [`P_THRESHOLD`] and Cramér's V is at least [`CRAMER_V_MIN`].
#[derive(Debug, Clone, Copy)]
pub struct ChiSquared {
    /// The p-value threshold.
    pub alpha: f64,
    /// The smallest effect size that counts.
    pub min_cramer_v: f64,
}

impl Default for ChiSquared {
    fn default() -> Self {
        ChiSquared {
            alpha: P_THRESHOLD,
            min_cramer_v: CRAMER_V_MIN,
        }
    }
}

impl DriftDetector for ChiSquared {
    fn name(&self) -> &str {
        "chi2"
    }

    fn applies_to(&self, sample: &Sample<'_>) -> bool {
        matches!(sample, Sample::Categorical(_))
    }

    fn test(&self, reference: &Sample<'_>, current: &Sample<'_>) -> Result<DriftTest> {
        let (Sample::Categorical(r), Sample::Categorical(c)) = (reference, current) else {
            return Err(mismatch());
        };
        let (stat, p, v) = chi_squared(r, c)?;
        Ok(DriftTest {
            test: "chi2".into(),
            statistic: stat,
            p_value: Some(p),
            threshold: self.alpha,
            threshold_on: "p_value".into(),
            drift: p < self.alpha && v >= self.min_cramer_v,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_survival_matches_tables() {
        // Known quantiles: P(X > 3.841) = 0.05 with 1 dof; P(X > 9.488) = 0.05 with 4 dof.
        assert!((chi2_sf(3.841_458_8, 1.0) - 0.05).abs() < 1e-6);
        assert!((chi2_sf(9.487_729, 4.0) - 0.05).abs() < 1e-6);
        assert!((chi2_sf(23.209_251, 10.0) - 0.01).abs() < 1e-6);
    }

    #[test]
    fn ks_distance_of_disjoint_samples_is_one() {
        let a: Vec<f64> = (0..100).map(f64::from).collect();
        let b: Vec<f64> = (200..300).map(f64::from).collect();
        let (d, p) = ks_two_sample(&a, &b).unwrap();
        assert_eq!(d, 1.0);
        assert!(p < 1e-10);
        // NaNs are left out rather than failing the check.
        let mut with_nan = b.clone();
        with_nan.push(f64::NAN);
        assert_eq!(ks_two_sample(&a, &with_nan).unwrap(), (d, p));
        assert!(ks_two_sample(&a, &[f64::NAN]).is_err());
        // The same sample: distance 0 and p-value 1, exact and asymptotic alike.
        assert_eq!(ks_two_sample(&a, &a).unwrap(), (0.0, 1.0));
        let big: Vec<f64> = (0..500).map(|i| f64::from(i % 97)).collect();
        assert_eq!(ks_two_sample(&big, &big).unwrap(), (0.0, 1.0));
    }

    #[test]
    fn ks_p_values_match_the_kolmogorov_distribution() {
        // Asymptotic (500 × 500 pairs): halves of 0..1000 against a shift of 25 give
        // D = 0.05, n_e = 250, λ = D √n_e = 0.7906; Q(λ) = 2 Σ (−1)^{k−1} e^{−2k²λ²} = 0.5596.
        let a: Vec<f64> = (0..500).map(|i| f64::from(i) * 2.0).collect();
        let b: Vec<f64> = a.iter().map(|v| v + 50.0).collect();
        let (d, p) = ks_two_sample(&a, &b).unwrap();
        assert!((d - 0.05).abs() < 1e-12, "{d}");
        assert!((p - 0.559_6).abs() < 1e-3, "{p}");
        // Exact (50 × 50): 1..=50 against 26..=75 is D = 0.5; counting the lattice paths that
        // stay within D gives P(D ≥ 0.5) = 4.8075e-6 (the asymptotic 7.45e-6 overstates it).
        let a: Vec<f64> = (1..=50).map(f64::from).collect();
        let b: Vec<f64> = (26..=75).map(f64::from).collect();
        let (d, p) = ks_two_sample(&a, &b).unwrap();
        assert!((d - 0.5).abs() < 1e-12, "{d}");
        assert!((p - 4.807_5e-6).abs() < 1e-9, "{p}");
    }

    #[test]
    fn psi_is_zero_for_identical_and_large_for_shifted() {
        let a: Vec<f64> = (0..1000).map(|i| f64::from(i) / 10.0).collect();
        assert!(psi_numeric(&a, &a, 10).unwrap().abs() < 1e-12);
        let b: Vec<f64> = a.iter().map(|v| v + 50.0).collect();
        assert!(psi_numeric(&a, &b, 10).unwrap() > 1.0);
        let c: Vec<String> = (0..100)
            .map(|i| if i % 2 == 0 { "a" } else { "b" }.to_string())
            .collect();
        let d: Vec<String> = (0..100)
            .map(|i| if i % 10 == 0 { "a" } else { "b" }.to_string())
            .collect();
        assert!(psi_categorical(&c, &c).unwrap().abs() < 1e-12);
        assert!(psi_categorical(&c, &d).unwrap() > PSI_THRESHOLD);
        let (_, p, v) = chi_squared(&c, &d).unwrap();
        assert!(p < 1e-6 && v > 0.3);
    }

    #[test]
    fn empty_samples_are_refused() {
        assert!(psi_numeric(&[], &[1.0], 10).is_err());
        assert!(ks_two_sample(&[1.0], &[]).is_err());
    }
}
