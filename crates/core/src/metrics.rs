//! Metric kernels: plain functions over slices, used by [`crate::Metric::score`], the report
//! and the monitor.
//!
//! Classification inputs are class indices stored as `f64` (`0.0, 1.0, ...`); values outside
//! `0..n_classes` are counted as wrong and never index out of bounds.

use crate::matrix::Matrix;

/// Mean squared error.
pub fn mse(y: &[f64], p: &[f64]) -> f64 {
    let n = y.len().max(1) as f64;
    y.iter().zip(p).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / n
}

/// Mean absolute error.
pub fn mae(y: &[f64], p: &[f64]) -> f64 {
    let n = y.len().max(1) as f64;
    y.iter().zip(p).map(|(a, b)| (a - b).abs()).sum::<f64>() / n
}

/// Coefficient of determination: 1 − SSE/SST (0 when the target is constant and the
/// predictions are exact, −∞-free: a constant target gives 0 for inexact predictions too).
pub fn r2(y: &[f64], p: &[f64]) -> f64 {
    let n = y.len().max(1) as f64;
    let mean = y.iter().sum::<f64>() / n;
    let sst: f64 = y.iter().map(|a| (a - mean) * (a - mean)).sum();
    let sse: f64 = y.iter().zip(p).map(|(a, b)| (a - b) * (a - b)).sum();
    if sst <= f64::EPSILON * n {
        return if sse <= f64::EPSILON * n { 1.0 } else { 0.0 };
    }
    1.0 - sse / sst
}

/// Mean absolute percentage error, as a fraction; the denominator is at least machine epsilon
/// (as in scikit-learn), so zero targets give very large errors rather than infinity.
pub fn mape(y: &[f64], p: &[f64]) -> f64 {
    let n = y.len().max(1) as f64;
    y.iter()
        .zip(p)
        .map(|(a, b)| (a - b).abs() / a.abs().max(f64::EPSILON))
        .sum::<f64>()
        / n
}

/// Symmetric MAPE, as a fraction in `[0, 2]`; pairs where both are zero count as 0.
pub fn smape(y: &[f64], p: &[f64]) -> f64 {
    let n = y.len().max(1) as f64;
    y.iter()
        .zip(p)
        .map(|(a, b)| {
            let d = a.abs() + b.abs();
            if d == 0.0 {
                0.0
            } else {
                2.0 * (a - b).abs() / d
            }
        })
        .sum::<f64>()
        / n
}

/// Mean absolute scaled error: MAE of the forecast divided by the in-sample MAE of the
/// seasonal naive forecast with period `season` on `train` (`None` when `train` is shorter
/// than `season + 1` or that MAE is zero).
pub fn mase(y: &[f64], p: &[f64], train: &[f64], season: usize) -> Option<f64> {
    let m = season.max(1);
    if train.len() <= m {
        return None;
    }
    let scale = train
        .iter()
        .skip(m)
        .zip(train)
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / (train.len() - m) as f64;
    if scale <= 0.0 {
        return None;
    }
    Some(mae(y, p) / scale)
}

/// Fraction of equal labels.
pub fn accuracy(y: &[f64], p: &[f64]) -> f64 {
    let n = y.len().max(1) as f64;
    y.iter().zip(p).filter(|(a, b)| a == b).count() as f64 / n
}

/// Cross-entropy of class probabilities (clipped to `[1e-15, 1 − 1e-15]`).
pub fn log_loss(y: &[f64], proba: &Matrix) -> f64 {
    let n = y.len().max(1) as f64;
    let mut total = 0.0;
    for (row, &label) in proba.rows().zip(y) {
        let p = row
            .get(label as usize)
            .copied()
            .unwrap_or(0.0)
            .clamp(1e-15, 1.0 - 1e-15);
        total -= p.ln();
    }
    total / n
}

/// Area under the ROC curve for scores of the positive class, with ties handled by average
/// ranks (the Mann–Whitney U statistic). Returns 0.5 when only one class is present.
pub fn roc_auc(is_positive: &[bool], scores: &[f64]) -> f64 {
    let n = is_positive.len().min(scores.len());
    let n_pos = is_positive.iter().take(n).filter(|&&b| b).count();
    let n_neg = n - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return 0.5;
    }
    let ranks = average_ranks(scores.get(..n).unwrap_or(&[]));
    let pos_rank_sum: f64 = ranks
        .iter()
        .zip(is_positive)
        .filter(|(_, p)| **p)
        .map(|(r, _)| r)
        .sum();
    let u = pos_rank_sum - (n_pos as f64) * (n_pos as f64 + 1.0) / 2.0;
    u / (n_pos as f64 * n_neg as f64)
}

/// ROC AUC for class indices and a probability matrix: class 1's column for two classes, the
/// unweighted one-vs-rest mean otherwise (classes absent from `y` are skipped).
pub fn roc_auc_ovr(y: &[f64], proba: &Matrix) -> f64 {
    let k = proba.n_cols();
    if k == 2 {
        let pos: Vec<bool> = y.iter().map(|&v| v == 1.0).collect();
        return roc_auc(&pos, &proba.column(1));
    }
    let mut total = 0.0;
    let mut used = 0usize;
    for c in 0..k {
        let pos: Vec<bool> = y.iter().map(|&v| v == c as f64).collect();
        let n_pos = pos.iter().filter(|&&b| b).count();
        if n_pos == 0 || n_pos == pos.len() {
            continue;
        }
        total += roc_auc(&pos, &proba.column(c));
        used += 1;
    }
    if used == 0 { 0.5 } else { total / used as f64 }
}

/// 1-based average ranks (ties share the mean of their ranks). NaN sorts first.
pub fn average_ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| {
        let (va, vb) = (
            xs.get(a).copied().unwrap_or(0.0),
            xs.get(b).copied().unwrap_or(0.0),
        );
        va.total_cmp(&vb)
    });
    let mut ranks = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let vi = order
            .get(i)
            .and_then(|&o| xs.get(o))
            .copied()
            .unwrap_or(0.0);
        let mut j = i + 1;
        while j < order.len() && order.get(j).and_then(|&o| xs.get(o)).copied() == Some(vi) {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0; // mean of ranks i+1..=j
        for &o in order.get(i..j).unwrap_or(&[]) {
            if let Some(r) = ranks.get_mut(o) {
                *r = avg;
            }
        }
        i = j;
    }
    ranks
}

/// Points of the ROC curve (false positive rate, true positive rate), from (0,0) to (1,1).
pub fn roc_curve(is_positive: &[bool], scores: &[f64]) -> Vec<(f64, f64)> {
    let (pts, _) = threshold_sweep(is_positive, scores);
    let n_pos = is_positive.iter().filter(|&&b| b).count().max(1) as f64;
    let n_neg = is_positive.iter().filter(|&&b| !b).count().max(1) as f64;
    let mut out = vec![(0.0, 0.0)];
    out.extend(pts.iter().map(|&(tp, fp)| (fp / n_neg, tp / n_pos)));
    out
}

/// Points of the precision–recall curve (recall, precision), by decreasing threshold.
pub fn pr_curve(is_positive: &[bool], scores: &[f64]) -> Vec<(f64, f64)> {
    let (pts, _) = threshold_sweep(is_positive, scores);
    let n_pos = is_positive.iter().filter(|&&b| b).count().max(1) as f64;
    let mut out = vec![(0.0, 1.0)];
    out.extend(
        pts.iter()
            .map(|&(tp, fp)| (tp / n_pos, if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 })),
    );
    out
}

/// Cumulative (true positives, false positives) at each distinct threshold, highest first.
fn threshold_sweep(is_positive: &[bool], scores: &[f64]) -> (Vec<(f64, f64)>, Vec<f64>) {
    let mut order: Vec<usize> = (0..is_positive.len().min(scores.len())).collect();
    order.sort_by(|&a, &b| {
        let (va, vb) = (
            scores.get(a).copied().unwrap_or(0.0),
            scores.get(b).copied().unwrap_or(0.0),
        );
        vb.total_cmp(&va)
    });
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut pts = Vec::new();
    let mut thresholds = Vec::new();
    let mut k = 0;
    while k < order.len() {
        let t = order
            .get(k)
            .and_then(|&o| scores.get(o))
            .copied()
            .unwrap_or(0.0);
        while k < order.len() && order.get(k).and_then(|&o| scores.get(o)).copied() == Some(t) {
            if order
                .get(k)
                .and_then(|&o| is_positive.get(o))
                .copied()
                .unwrap_or(false)
            {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
            k += 1;
        }
        pts.push((tp, fp));
        thresholds.push(t);
    }
    (pts, thresholds)
}

/// A confusion matrix: `counts[true][predicted]`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConfusionMatrix {
    /// `counts[t][p]` = rows of true class `t` predicted as `p`.
    pub counts: Vec<Vec<u64>>,
}

impl ConfusionMatrix {
    /// Counts predictions; labels outside `0..n_classes` are ignored for the matrix but still
    /// count as rows (so they lower recall of nothing and accuracy through [`accuracy`]).
    pub fn new(y: &[f64], p: &[f64], n_classes: usize) -> Self {
        let mut counts = vec![vec![0u64; n_classes]; n_classes];
        for (&t, &q) in y.iter().zip(p) {
            if t < 0.0 || q < 0.0 {
                continue;
            }
            if let Some(cell) = counts
                .get_mut(t as usize)
                .and_then(|r| r.get_mut(q as usize))
            {
                *cell += 1;
            }
        }
        ConfusionMatrix { counts }
    }

    fn n(&self) -> usize {
        self.counts.len()
    }

    fn tp(&self, c: usize) -> f64 {
        self.counts
            .get(c)
            .and_then(|r| r.get(c))
            .copied()
            .unwrap_or(0) as f64
    }

    fn support(&self, c: usize) -> f64 {
        self.counts.get(c).map_or(0, |r| r.iter().sum::<u64>()) as f64
    }

    fn predicted(&self, c: usize) -> f64 {
        self.counts
            .iter()
            .map(|r| r.get(c).copied().unwrap_or(0))
            .sum::<u64>() as f64
    }

    /// Precision of class `c` (0 when nothing was predicted as `c`).
    pub fn precision(&self, c: usize) -> f64 {
        let d = self.predicted(c);
        if d == 0.0 { 0.0 } else { self.tp(c) / d }
    }

    /// Recall of class `c` (0 when `c` has no rows).
    pub fn recall(&self, c: usize) -> f64 {
        let d = self.support(c);
        if d == 0.0 { 0.0 } else { self.tp(c) / d }
    }

    /// F1 of class `c`.
    pub fn f1(&self, c: usize) -> f64 {
        let (p, r) = (self.precision(c), self.recall(c));
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// Classes that occur in the true labels or the predictions.
    fn present(&self) -> Vec<usize> {
        (0..self.n())
            .filter(|&c| self.support(c) > 0.0 || self.predicted(c) > 0.0)
            .collect()
    }

    /// Unweighted mean of F1 over the classes present (as scikit-learn's `f1_score` with
    /// `average="macro"` over the labels seen).
    pub fn f1_macro(&self) -> f64 {
        let cs = self.present();
        if cs.is_empty() {
            return 0.0;
        }
        cs.iter().map(|&c| self.f1(c)).sum::<f64>() / cs.len() as f64
    }

    /// Support-weighted mean of F1.
    pub fn f1_weighted(&self) -> f64 {
        let total: f64 = (0..self.n()).map(|c| self.support(c)).sum();
        if total == 0.0 {
            return 0.0;
        }
        (0..self.n())
            .map(|c| self.f1(c) * self.support(c))
            .sum::<f64>()
            / total
    }

    /// Unweighted mean of precision over the classes present.
    pub fn macro_precision(&self) -> f64 {
        let cs = self.present();
        if cs.is_empty() {
            return 0.0;
        }
        cs.iter().map(|&c| self.precision(c)).sum::<f64>() / cs.len() as f64
    }

    /// Unweighted mean of recall over the classes present.
    pub fn macro_recall(&self) -> f64 {
        let cs = self.present();
        if cs.is_empty() {
            return 0.0;
        }
        cs.iter().map(|&c| self.recall(c)).sum::<f64>() / cs.len() as f64
    }

    /// Mean recall over the classes with rows.
    pub fn balanced_accuracy(&self) -> f64 {
        let cs: Vec<usize> = (0..self.n()).filter(|&c| self.support(c) > 0.0).collect();
        if cs.is_empty() {
            return 0.0;
        }
        cs.iter().map(|&c| self.recall(c)).sum::<f64>() / cs.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn regression_known_answers() {
        let y = [3.0, -0.5, 2.0, 7.0];
        let p = [2.5, 0.0, 2.0, 8.0];
        // scikit-learn: mean_squared_error = 0.375, mean_absolute_error = 0.5, r2 = 0.9486081370449679
        assert!(close(mse(&y, &p), 0.375));
        assert!(close(mae(&y, &p), 0.5));
        assert!(close(r2(&y, &p), 0.948_608_137_044_967_9));
        assert!(close(smape(&[0.0], &[0.0]), 0.0));
        assert!(close(smape(&[1.0], &[3.0]), 1.0));
        assert!(close(mape(&[2.0, 4.0], &[1.0, 5.0]), 0.375));
    }

    #[test]
    fn mase_against_naive() {
        let train = [1.0, 2.0, 3.0, 4.0];
        // naive (season 1) in-sample MAE = 1
        assert_eq!(mase(&[5.0], &[7.0], &train, 1), Some(2.0));
        assert_eq!(mase(&[5.0], &[7.0], &[1.0], 1), None);
    }

    #[test]
    fn auc_with_ties_matches_sklearn() {
        // sklearn.metrics.roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) = 0.75
        let pos = [false, false, true, true];
        assert!(close(roc_auc(&pos, &[0.1, 0.4, 0.35, 0.8]), 0.75));
        // all tied → 0.5
        assert!(close(roc_auc(&pos, &[0.5; 4]), 0.5));
        assert!(close(roc_auc(&[true, true], &[0.1, 0.2]), 0.5));
    }

    #[test]
    fn confusion_known_answers() {
        // sklearn f1_score(y, p, average='macro') with y=[0,1,2,0,1,2], p=[0,2,1,0,0,1] = 0.26666...
        let y = [0.0, 1.0, 2.0, 0.0, 1.0, 2.0];
        let p = [0.0, 2.0, 1.0, 0.0, 0.0, 1.0];
        let cm = ConfusionMatrix::new(&y, &p, 3);
        assert!(close(cm.f1_macro(), 0.266_666_666_666_666_6));
        assert!(close(cm.f1_weighted(), 0.266_666_666_666_666_6));
        assert!(close(accuracy(&y, &p), 1.0 / 3.0));
        assert!(close(cm.balanced_accuracy(), 1.0 / 3.0));
    }

    #[test]
    fn log_loss_known_answer() {
        // sklearn log_loss([0,1],[[0.9,0.1],[0.2,0.8]]) = 0.164252033486018
        let proba = Matrix::from_rows(&[vec![0.9, 0.1], vec![0.2, 0.8]]).unwrap();
        assert!((log_loss(&[0.0, 1.0], &proba) - 0.164_252_033_486_018).abs() < 1e-12);
    }

    #[test]
    fn curves_end_at_corners() {
        let pos = [true, false, true, false];
        let roc = roc_curve(&pos, &[0.9, 0.8, 0.7, 0.1]);
        assert_eq!(roc.first(), Some(&(0.0, 0.0)));
        assert_eq!(roc.last(), Some(&(1.0, 1.0)));
        let pr = pr_curve(&pos, &[0.9, 0.8, 0.7, 0.1]);
        assert_eq!(pr.last().map(|p| p.0), Some(1.0));
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(average_ranks(&[10.0, 20.0, 10.0]), vec![1.5, 3.0, 1.5]);
    }
}
