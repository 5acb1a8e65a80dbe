//! Greedy ensemble selection (Caruana et al. 2004) on out-of-fold predictions.

use mlpilot_core::{Matrix, Metric, Predictions, Result};

/// Out-of-fold predictions of one candidate: `rows × outputs` (class probabilities, or one
/// value), NaN for rows it did not predict.
#[derive(Debug, Clone)]
pub struct Oof {
    /// Values, row-major.
    pub values: Vec<f64>,
    /// Outputs per row.
    pub outputs: usize,
}

/// The outcome of selection.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// (candidate index, weight), weights summing to one.
    pub weights: Vec<(usize, f64)>,
    /// Out-of-fold score of the ensemble.
    pub score: f64,
    /// Out-of-fold score of the best single candidate.
    pub best_single: f64,
}

/// The mean over folds of the metric on each fold's rows: the same measure the search reports
/// for single models, so that an ensemble and a model compare fairly.
///
/// # Errors
/// As [`score_outputs`], for the first non-empty fold that fails.
pub fn score_folds(
    values: &[f64],
    outputs: usize,
    y: &[f64],
    folds: &[Vec<usize>],
    metric: Metric,
    n_classes: usize,
) -> Result<f64> {
    let mut total = 0.0;
    let mut n = 0usize;
    for rows in folds.iter().filter(|r| !r.is_empty()) {
        total += score_outputs(values, outputs, y, rows, metric, n_classes)?;
        n += 1;
    }
    Ok(if n == 0 { f64::NAN } else { total / n as f64 })
}

/// Scores blended out-of-fold outputs on the given rows.
///
/// # Errors
/// When the metric cannot score them (see [`Metric::score`]: e.g. a metric that needs
/// probabilities on a regression), or an internal error when a row is out of range of `values`.
pub fn score_outputs(
    values: &[f64],
    outputs: usize,
    y: &[f64],
    rows: &[usize],
    metric: Metric,
    n_classes: usize,
) -> Result<f64> {
    let yy: Vec<f64> = rows.iter().filter_map(|&r| y.get(r).copied()).collect();
    let mut v = Vec::with_capacity(rows.len() * outputs);
    for &r in rows {
        v.extend_from_slice(values.get(r * outputs..(r + 1) * outputs).unwrap_or(&[]));
    }
    let pred = if n_classes > 0 {
        Predictions::from_proba(Matrix::new(rows.len(), outputs, v)?)
    } else {
        Predictions::values(v)
    };
    metric.score(&yy, &pred, n_classes)
}

/// Greedy forward selection with replacement: start empty, repeatedly add the candidate that
/// most improves the blended score (mean over `folds` of each validation fold's score), for
/// `rounds` rounds; the weights are the multiplicities. Only rows predicted by every candidate
/// count.
///
/// # Errors
/// When scoring a blend fails (see [`score_outputs`]); a candidate whose own score fails is not an
/// error (it counts as NaN), and unusable inputs give `None`.
pub fn caruana(
    cands: &[Oof],
    y: &[f64],
    folds: &[Vec<usize>],
    metric: Metric,
    n_classes: usize,
    rounds: usize,
) -> Result<Option<Selection>> {
    let Some(first) = cands.first() else {
        return Ok(None);
    };
    let outputs = first.outputs;
    if cands.iter().any(|c| c.outputs != outputs) {
        return Ok(None);
    }
    let n = y.len();
    let covered = |r: &usize| {
        cands
            .iter()
            .all(|c| c.values.get(r * outputs).is_some_and(|v| v.is_finite()))
    };
    let folds: Vec<Vec<usize>> = folds
        .iter()
        .map(|f| f.iter().copied().filter(|r| *r < n && covered(r)).collect())
        .collect();
    if folds.iter().all(Vec::is_empty) {
        return Ok(None);
    }
    let singles: Vec<f64> = cands
        .iter()
        .map(|c| score_folds(&c.values, outputs, y, &folds, metric, n_classes).unwrap_or(f64::NAN))
        .collect();
    let best_single = singles
        .iter()
        .copied()
        .filter(|s| s.is_finite())
        .fold(f64::NAN, |a, b| {
            if a.is_nan() || metric.better(b, a) {
                b
            } else {
                a
            }
        });
    let mut sum = vec![0.0; n * outputs];
    let mut counts = vec![0usize; cands.len()];
    let mut best_score = f64::NAN;
    let mut best_counts = counts.clone();
    for chosen in 0..rounds {
        let mut round_best: Option<(usize, f64)> = None;
        for (i, c) in cands.iter().enumerate() {
            let blended: Vec<f64> = sum
                .iter()
                .zip(&c.values)
                .map(|(s, v)| (s + v) / (chosen + 1) as f64)
                .collect();
            let s = score_folds(&blended, outputs, y, &folds, metric, n_classes)?;
            if s.is_finite() && round_best.is_none_or(|(_, b)| metric.better(s, b)) {
                round_best = Some((i, s));
            }
        }
        let Some((i, s)) = round_best else { break };
        if let (Some(c), Some(cnt)) = (cands.get(i), counts.get_mut(i)) {
            for (acc, v) in sum.iter_mut().zip(&c.values) {
                *acc += v;
            }
            *cnt += 1;
        }
        if best_score.is_nan() || metric.better(s, best_score) {
            best_score = s;
            best_counts = counts.clone();
        }
    }
    let total: usize = best_counts.iter().sum();
    if total == 0 {
        return Ok(None);
    }
    let weights = best_counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(i, c)| (i, *c as f64 / total as f64))
        .collect();
    Ok(Some(Selection {
        weights,
        score: best_score,
        best_single,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blending_two_complementary_regressors_wins() {
        // Truth = a + b; candidate 1 predicts 2a, candidate 2 predicts 2b: their mean is exact.
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [4.0, 1.0, 3.0, 2.0];
        let y: Vec<f64> = a.iter().zip(&b).map(|(x, z)| x + z).collect();
        let c1 = Oof {
            values: a.iter().map(|v| 2.0 * v).collect(),
            outputs: 1,
        };
        let c2 = Oof {
            values: b.iter().map(|v| 2.0 * v).collect(),
            outputs: 1,
        };
        let s = caruana(&[c1, c2], &y, &[vec![0, 1, 2, 3]], Metric::R2, 0, 10)
            .unwrap()
            .unwrap();
        assert!((s.score - 1.0).abs() < 1e-12, "{s:?}");
        assert!(s.best_single < 1.0);
        assert_eq!(s.weights, vec![(0, 0.5), (1, 0.5)]);
    }

    #[test]
    fn a_single_dominant_model_keeps_all_the_weight() {
        let y = [0.0, 1.0, 0.0, 1.0];
        let good = Oof {
            values: vec![0.9, 0.1, 0.2, 0.8, 0.7, 0.3, 0.1, 0.9],
            outputs: 2,
        };
        let bad = Oof {
            values: vec![0.1, 0.9, 0.8, 0.2, 0.3, 0.7, 0.9, 0.1],
            outputs: 2,
        };
        let s = caruana(
            &[good, bad],
            &y,
            &[vec![0, 1], vec![2, 3]],
            Metric::RocAuc,
            2,
            5,
        )
        .unwrap()
        .unwrap();
        assert_eq!(s.weights, vec![(0, 1.0)]);
        assert_eq!(s.score, 1.0);
    }
}
