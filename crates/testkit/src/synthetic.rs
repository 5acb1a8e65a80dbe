//! Seeded synthetic datasets with known signal.
//!
//! Every generator takes a seed and gives the same data for the same seed on every machine
//! (it draws from [`mlpilot_core::Rng`]).

use mlpilot_core::frame::days_from_civil;
use mlpilot_core::{Column, ColumnData, Dataset, Frame, Matrix, Result, Rng};

/// Parameters of [`make_classification`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassificationSpec {
    /// Rows.
    pub n_rows: usize,
    /// Feature columns.
    pub n_features: usize,
    /// Columns that carry signal (the first ones); the rest are noise.
    pub n_informative: usize,
    /// Classes.
    pub n_classes: usize,
    /// Distance between class centres (larger is easier).
    pub class_sep: f64,
    /// Fraction of labels flipped at random.
    pub flip: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for ClassificationSpec {
    fn default() -> Self {
        ClassificationSpec {
            n_rows: 300,
            n_features: 6,
            n_informative: 3,
            n_classes: 2,
            class_sep: 1.5,
            flip: 0.02,
            seed: 0,
        }
    }
}

/// Gaussian classes around centres on the vertices of a hypercube in the informative columns,
/// plus pure-noise columns (as scikit-learn's `make_classification`, without redundant
/// columns). Returns rows × features and class indices.
pub fn make_classification(spec: ClassificationSpec) -> (Matrix, Vec<f64>) {
    let mut rng = Rng::new(spec.seed);
    let k = spec.n_classes.max(2);
    let inf = spec.n_informative.clamp(1, spec.n_features.max(1));
    // Class centres: distinct hypercube vertices (bit patterns), scaled by class_sep.
    let centres: Vec<Vec<f64>> = (0..k)
        .map(|c| {
            (0..inf)
                .map(|d| {
                    let bit = (c >> (d % 16)) & 1 == 1;
                    let jitter = 0.25 * rng.normal();
                    (if bit { spec.class_sep } else { -spec.class_sep })
                        + jitter
                        + if d >= 16 {
                            spec.class_sep * c as f64
                        } else {
                            0.0
                        }
                })
                .collect()
        })
        .collect();
    let mut data = Vec::with_capacity(spec.n_rows * spec.n_features);
    let mut y = Vec::with_capacity(spec.n_rows);
    for i in 0..spec.n_rows {
        // Balanced classes, then shuffled by the draw below.
        let c = i % k;
        let centre = centres.get(c).cloned().unwrap_or_default();
        for j in 0..spec.n_features {
            let base = centre.get(j).copied().unwrap_or(0.0);
            data.push(base + rng.normal());
        }
        let label = if rng.bernoulli(spec.flip) {
            rng.below(k)
        } else {
            c
        };
        y.push(label as f64);
    }
    // Shuffle rows so that classes are interleaved.
    let mut order: Vec<usize> = (0..spec.n_rows).collect();
    rng.shuffle(&mut order);
    let m = Matrix::new(spec.n_rows, spec.n_features, data).unwrap_or_default();
    let m = m.select_rows(&order).unwrap_or_default();
    let y = order
        .iter()
        .map(|&i| y.get(i).copied().unwrap_or(0.0))
        .collect();
    (m, y)
}

/// A classification [`Dataset`] from a spec.
///
/// # Errors
/// Never in practice: the generated labels are valid class indices, one per row (the `Result` is
/// [`Dataset::classification`]'s).
pub fn classification_dataset(spec: ClassificationSpec) -> Result<Dataset> {
    let (x, y) = make_classification(spec);
    Dataset::classification(x.into(), y, spec.n_classes.max(2))
}

/// A linear regression problem: `y = X·w + noise`, with `w` drawn uniformly in ±(1..3) on the
/// first `n_informative` columns and zero elsewhere. Returns the data and the true weights.
pub fn make_regression(
    n_rows: usize,
    n_features: usize,
    n_informative: usize,
    noise: f64,
    seed: u64,
) -> (Matrix, Vec<f64>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let w: Vec<f64> = (0..n_features)
        .map(|j| {
            if j < n_informative {
                let s = if rng.bernoulli(0.5) { 1.0 } else { -1.0 };
                s * rng.uniform_range(1.0, 3.0)
            } else {
                0.0
            }
        })
        .collect();
    let mut data = Vec::with_capacity(n_rows * n_features);
    let mut y = Vec::with_capacity(n_rows);
    for _ in 0..n_rows {
        let mut t = 0.0;
        for wj in &w {
            let v = rng.normal();
            t += wj * v;
            data.push(v);
        }
        y.push(t + noise * rng.normal());
    }
    (
        Matrix::new(n_rows, n_features, data).unwrap_or_default(),
        y,
        w,
    )
}

/// Friedman's regression problem #1: `y = 10 sin(π x₀ x₁) + 20 (x₂ − 0.5)² + 10 x₃ + 5 x₄ +
/// noise` with `x ~ U(0, 1)`; columns past the fifth are noise. Non-linear, so trees and
/// boosting should beat linear models on it.
pub fn friedman1(n_rows: usize, n_features: usize, noise: f64, seed: u64) -> (Matrix, Vec<f64>) {
    let p = n_features.max(5);
    let mut rng = Rng::new(seed);
    let mut data = Vec::with_capacity(n_rows * p);
    let mut y = Vec::with_capacity(n_rows);
    for _ in 0..n_rows {
        let row: Vec<f64> = (0..p).map(|_| rng.uniform()).collect();
        let g = |j: usize| row.get(j).copied().unwrap_or(0.0);
        let t = 10.0 * (std::f64::consts::PI * g(0) * g(1)).sin()
            + 20.0 * (g(2) - 0.5).powi(2)
            + 10.0 * g(3)
            + 5.0 * g(4);
        y.push(t + noise * rng.normal());
        data.extend(row);
    }
    (Matrix::new(n_rows, p, data).unwrap_or_default(), y)
}

/// A customer table with every column kind and a known rule for its target, for
/// preprocessing, search and end-to-end tests:
///
/// | column | kind | notes |
/// |---|---|---|
/// | `customer_id` | identifier | unique integers |
/// | `age` | float | 10 % missing |
/// | `income` | float | log-normal, heavily right-skewed |
/// | `plan` | categorical | `basic`, `plus`, `pro`, and a rare `legacy` |
/// | `signup` | datetime | ISO dates in 2020–2023 |
/// | `region` | constant | always `eu` |
/// | `support_calls` | integer | Poisson-like counts |
/// | `churn` | target | `yes`/`no`: more likely with many calls, `basic` plan, low income |
pub fn customer_frame(n_rows: usize, seed: u64) -> Frame {
    let mut rng = Rng::new(seed);
    let mut id = Vec::with_capacity(n_rows);
    let mut age = Vec::with_capacity(n_rows);
    let mut income = Vec::with_capacity(n_rows);
    let mut plan = Vec::with_capacity(n_rows);
    let mut signup = Vec::with_capacity(n_rows);
    let mut region = Vec::with_capacity(n_rows);
    let mut calls = Vec::with_capacity(n_rows);
    let mut churn = Vec::with_capacity(n_rows);
    // 2020-01-01 (a date that exists: the fallback is never taken).
    let start = days_from_civil(2020, 1, 1).unwrap_or(18_262);
    for i in 0..n_rows {
        id.push(Some(1000 + i as i64));
        let a = rng.uniform_range(18.0, 80.0).round();
        age.push(if rng.bernoulli(0.1) { None } else { Some(a) });
        let inc = (10.0 + 0.6 * rng.normal()).exp().round();
        income.push(Some(inc));
        let p = match rng.below(100) {
            0..=39 => "basic",
            40..=74 => "plus",
            75..=97 => "pro",
            _ => "legacy",
        };
        plan.push(Some(p.to_string()));
        let day = start + rng.below(4 * 365) as i64;
        let (y, m, d) = mlpilot_core::frame::civil_from_days(day);
        signup.push(Some(format!("{y:04}-{m:02}-{d:02}")));
        region.push(Some("eu".to_string()));
        let c = (rng.uniform() * 3.0 + rng.uniform() * 3.0).floor() as i64;
        calls.push(Some(c));
        let score = 0.9 * c as f64 - 0.8 * (inc.ln() - 10.0) + if p == "basic" { 1.2 } else { 0.0 }
            - 0.02 * (a - 45.0)
            - 2.2
            + 0.5 * rng.normal();
        churn.push(Some(if score > 0.0 { "yes" } else { "no" }.to_string()));
    }
    let frame = Frame::new(vec![
        Column::new("customer_id", ColumnData::Int(id)),
        Column::new("age", ColumnData::Float(age)),
        Column::new("income", ColumnData::Float(income)),
        Column::new("plan", ColumnData::Str(plan.into())),
        Column::new("signup", ColumnData::Str(signup.into())),
        Column::new("region", ColumnData::Str(region.into())),
        Column::new("support_calls", ColumnData::Int(calls)),
        Column::new("churn", ColumnData::Str(churn.into())),
    ]);
    frame.unwrap_or_default()
}

/// A random train/test split of `n` rows: (train rows, test rows), each sorted.
pub fn train_test_split(n: usize, test_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = Rng::new(seed);
    let mut idx: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut idx);
    let n_test = ((n as f64) * test_fraction).round() as usize;
    let mut test: Vec<usize> = idx.iter().take(n_test).copied().collect();
    let mut train: Vec<usize> = idx.iter().skip(n_test).copied().collect();
    test.sort_unstable();
    train.sort_unstable();
    (train, test)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_is_seeded_and_balanced() {
        let spec = ClassificationSpec {
            n_classes: 3,
            ..Default::default()
        };
        let (a, ya) = make_classification(spec);
        let (b, yb) = make_classification(spec);
        assert_eq!(a, b);
        assert_eq!(ya, yb);
        let counts: Vec<usize> = (0..3)
            .map(|c| ya.iter().filter(|&&v| v == c as f64).count())
            .collect();
        assert!(counts.iter().all(|&c| c > 80), "{counts:?}");
        let (c, _) = make_classification(ClassificationSpec { seed: 1, ..spec });
        assert_ne!(a, c);
    }

    #[test]
    fn regression_weights_match_signal() {
        let (x, y, w) = make_regression(500, 4, 2, 0.0, 3);
        assert_eq!(w.iter().filter(|v| **v == 0.0).count(), 2);
        let row = x.row(0).unwrap();
        let t: f64 = row.iter().zip(&w).map(|(a, b)| a * b).sum();
        assert!((t - y[0]).abs() < 1e-12);
    }

    #[test]
    fn customer_frame_has_every_kind() {
        let f = customer_frame(200, 1);
        assert_eq!(f.n_rows(), 200);
        assert!(f.column("age").unwrap().null_count() > 5);
        let churn = f.column("churn").unwrap();
        let yes = (0..200)
            .filter(|&i| churn.str_at(i).as_deref() == Some("yes"))
            .count();
        assert!((30..170).contains(&yes), "{yes}");
    }

    #[test]
    fn split_partitions_rows() {
        let (tr, te) = train_test_split(10, 0.3, 0);
        assert_eq!(tr.len() + te.len(), 10);
        assert_eq!(te.len(), 3);
        let mut all: Vec<usize> = tr.iter().chain(&te).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }
}
