//! The decision threshold of a binary classifier, chosen on out-of-fold probabilities.
//!
//! A model that ranks rare positives well (high ROC AUC) may still give none of them a
//! probability above 0.5, and then predicts no positive at all. When the metric judges labels
//! (accuracy, F1, balanced accuracy, precision, recall), the threshold is the one that scores
//! best under that metric on the out-of-fold predictions. When it judges probabilities only
//! (ROC AUC, log loss) and one class holds under a fifth of the rows, the threshold maximises
//! F1 of the positive class instead, and says so. The threshold is kept only when it beats
//! 0.5 on those rows.

use mlpilot_core::facts::ThresholdFact;
use mlpilot_core::{Matrix, Metric, Predictions, narration};
use serde::{Deserialize, Serialize};

/// A chosen decision threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionThreshold {
    /// Rows whose probability of the positive class is at least this are predicted positive.
    pub threshold: f64,
    /// The metric it was chosen by.
    pub metric: Metric,
    /// That metric on the out-of-fold predictions at the threshold (optimistic: chosen on
    /// the same rows).
    pub score: f64,
    /// The same at 0.5.
    pub score_at_half: f64,
    /// Why, as facts ([`DecisionThreshold::reason`] says it in words).
    pub fact: ThresholdFact,
}

impl DecisionThreshold {
    /// Why, in words ([`mlpilot_core::narration::threshold`]).
    pub fn reason(&self) -> String {
        narration::threshold(&self.fact)
    }
}

/// Most thresholds tried (quantiles of the out-of-fold probabilities).
const MAX_CANDIDATES: usize = 256;
/// Fewest tried, however many rows.
const MIN_CANDIDATES: usize = 16;
/// Rows × candidates scored at most: each candidate scores every row once, so large tables
/// try fewer, coarser thresholds rather than spend the budget's last seconds here.
const MAX_WORK: usize = 20_000_000;

/// Chooses the threshold for a binary task from out-of-fold probabilities (`proba`: rows × 2)
/// and true classes `y` (0/1), or `None` when 0.5 is as good (or the task is not binary).
pub fn choose_threshold(metric: Metric, y: &[f64], proba: &Matrix) -> Option<DecisionThreshold> {
    if proba.n_cols() != 2 || proba.n_rows() != y.len() || y.is_empty() {
        return None;
    }
    let p: Vec<f64> = proba.column(1);
    let positives = y.iter().filter(|v| **v == 1.0).count();
    let share = positives as f64 / y.len() as f64;
    let minority = share.min(1.0 - share);
    let by = if metric.needs_proba() {
        if minority >= 0.2 {
            return None;
        }
        Metric::F1
    } else {
        metric
    };
    let score_at = |t: f64| -> Option<f64> {
        let labels: Vec<f64> = p.iter().map(|v| f64::from(u8::from(*v >= t))).collect();
        by.score(y, &Predictions::values(labels), 2)
            .ok()
            .filter(|s| s.is_finite())
    };
    let at_half = score_at(0.5)?;
    let mut sorted: Vec<f64> = p.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    if sorted.len() < 2 {
        return None;
    }
    // Thresholds just below a distinct probability (the midpoint with the next lower one): at
    // quantiles of every row's probability, and at the minority class's own probabilities,
    // where the labels of rare rows change. Large tables try fewer of each.
    let candidates = (MAX_WORK / y.len()).clamp(MIN_CANDIDATES, MAX_CANDIDATES);
    let below = |v: f64| -> Option<f64> {
        let i = sorted.partition_point(|x| *x < v);
        let prev = sorted.get(i.checked_sub(1)?)?;
        Some(0.5 * (prev + v))
    };
    let minority_label = if share <= 0.5 { 1.0 } else { 0.0 };
    let mut rare: Vec<f64> = p
        .iter()
        .zip(y)
        .filter(|(v, t)| **t == minority_label && v.is_finite())
        .map(|(v, _)| *v)
        .collect();
    rare.sort_by(f64::total_cmp);
    rare.dedup();
    let mut thresholds: Vec<f64> = sorted
        .iter()
        .skip(1)
        .step_by((sorted.len() / candidates).max(1))
        .chain(rare.iter().step_by((rare.len() / candidates).max(1)))
        .filter_map(|v| below(*v))
        .collect();
    thresholds.sort_by(f64::total_cmp);
    thresholds.dedup();
    let mut best: Option<(f64, f64)> = None;
    for t in thresholds {
        let Some(s) = score_at(t) else { continue };
        let better = match best {
            None => true,
            Some((bt, bs)) => by.better(s, bs) || (s == bs && (t - 0.5).abs() < (bt - 0.5).abs()),
        };
        if better {
            best = Some((t, s));
        }
    }
    let (t, s) = best?;
    if !by.better(s, at_half) || (by.oriented(s) - by.oriented(at_half)).abs() < 1e-9 {
        return None;
    }
    let fact = if by == metric {
        ThresholdFact::LabelMetric {
            metric,
            score: s,
            at_half,
        }
    } else {
        ThresholdFact::Imbalanced {
            minority: positives.min(y.len() - positives),
            rows: y.len(),
            metric,
            score: s,
            at_half,
        }
    };
    Some(DecisionThreshold {
        threshold: t,
        metric: by,
        score: s,
        score_at_half: at_half,
        fact,
    })
}

/// Re-labels binary predictions with `threshold` (class 1 when its probability is at least
/// the threshold); other predictions are left as they are.
pub fn apply_threshold(predictions: &mut Predictions, threshold: f64) {
    if let Some(m) = &predictions.proba
        && m.n_cols() == 2
    {
        predictions.values = m
            .column(1)
            .iter()
            .map(|v| f64::from(u8::from(*v >= threshold)))
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proba(p1: &[f64]) -> Matrix {
        let data: Vec<f64> = p1.iter().flat_map(|p| [1.0 - p, *p]).collect();
        Matrix::new(p1.len(), 2, data).unwrap()
    }

    #[test]
    fn rare_positives_under_a_probability_metric_get_an_f1_threshold() {
        // 5 positives in 200 rows, ranked first but never above 0.5.
        let mut y = vec![0.0; 200];
        let mut p = vec![0.02; 200];
        for i in 0..5 {
            y[i * 40] = 1.0;
            p[i * 40] = 0.3 + 0.02 * i as f64;
        }
        p[7] = 0.25;
        let m = proba(&p);
        let d = choose_threshold(Metric::RocAuc, &y, &m).unwrap();
        assert_eq!(d.metric, Metric::F1);
        assert!(d.threshold > 0.25 && d.threshold < 0.3, "{}", d.threshold);
        assert_eq!(d.score, 1.0);
        assert_eq!(d.score_at_half, 0.0);
        assert!(
            d.reason().contains("5 of 200 rows (2.50%)"),
            "{}",
            d.reason()
        );
        let mut preds = Predictions::from_proba(m);
        assert_eq!(preds.values.iter().sum::<f64>(), 0.0);
        apply_threshold(&mut preds, d.threshold);
        assert_eq!(preds.values, y);
    }

    #[test]
    fn a_large_table_still_finds_the_threshold_of_its_rare_rows() {
        // 400,000 rows with distinct probabilities below 0.1 and 12 positives between 0.2 and
        // 0.3: quantiles alone would never look above the negatives.
        let n = 400_000;
        let mut y = vec![0.0; n];
        let mut p: Vec<f64> = (0..n).map(|i| 0.1 * i as f64 / n as f64).collect();
        for k in 0..12 {
            y[k * 30_000 + 5] = 1.0;
            p[k * 30_000 + 5] = 0.2 + 0.005 * k as f64;
        }
        let d = choose_threshold(Metric::RocAuc, &y, &proba(&p)).unwrap();
        assert!(d.threshold > 0.1 && d.threshold <= 0.2, "{}", d.threshold);
        assert_eq!(d.score, 1.0);
    }

    #[test]
    fn label_metrics_choose_their_own_threshold() {
        let y = [0.0, 0.0, 1.0, 1.0, 1.0, 0.0];
        let p = [0.1, 0.35, 0.4, 0.45, 0.9, 0.2];
        let d = choose_threshold(Metric::Accuracy, &y, &proba(&p)).unwrap();
        assert_eq!(d.metric, Metric::Accuracy);
        assert!(d.threshold > 0.35 && d.threshold < 0.4, "{}", d.threshold);
        assert_eq!(d.score, 1.0);
    }

    #[test]
    fn balanced_or_already_right_keeps_one_half() {
        // Balanced classes under ROC AUC: labels stay at 0.5.
        let y = [0.0, 1.0, 0.0, 1.0];
        assert!(choose_threshold(Metric::RocAuc, &y, &proba(&[0.4, 0.45, 0.3, 0.49])).is_none());
        // 0.5 is already perfect for accuracy.
        assert!(choose_threshold(Metric::Accuracy, &y, &proba(&[0.1, 0.9, 0.2, 0.8])).is_none());
        // Three classes: not binary.
        let m = Matrix::new(1, 3, vec![0.2, 0.3, 0.5]).unwrap();
        assert!(choose_threshold(Metric::Accuracy, &[2.0], &m).is_none());
    }
}
