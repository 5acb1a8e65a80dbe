//! The fold cache: preprocessing fitted inside each validation fold, once per model-family
//! variant and training-set size, and the seeded row subsamples that successive halving
//! trains on.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use mlpilot_core::{Dataset, Error, Features, Result, Rng};
use mlpilot_prep::{FitTarget, FittedPipeline, Variant};

use crate::prepare::Prepared;

/// One fold, preprocessed for one variant: training data and the validation rows.
pub(crate) struct FoldData {
    /// Training rows as the estimator sees them.
    pub(crate) train: Dataset,
    /// Validation features.
    pub(crate) valid_x: Features,
    /// Validation targets.
    pub(crate) valid_y: Vec<f64>,
    /// The preprocessing fitted on the training rows.
    pub(crate) pipeline: FittedPipeline,
}

/// Preprocessed folds by (fold, variant, training rows).
pub(crate) struct FoldCache<'a> {
    prep: &'a Prepared,
    seed: u64,
    cache: HashMap<(usize, Variant, usize), Arc<FoldData>>,
    /// Seconds spent preprocessing.
    pub(crate) secs: f64,
}

impl<'a> FoldCache<'a> {
    /// An empty cache over `prep`'s folds.
    pub(crate) fn new(prep: &'a Prepared, seed: u64) -> Self {
        FoldCache {
            prep,
            seed,
            cache: HashMap::new(),
            secs: 0.0,
        }
    }

    /// Every fold for `variant`, trained on `rows` training rows each (all of them, or the
    /// first `rows` of a seeded shuffle for a lower fidelity).
    ///
    /// # Errors
    ///
    /// Whatever fitting the preprocessing on a fold returns.
    pub(crate) fn folds(&mut self, variant: Variant, rows: usize) -> Result<Vec<Arc<FoldData>>> {
        (0..self.prep.folds.len())
            .map(|f| self.fold(f, variant, rows))
            .collect()
    }

    /// Feature columns after encoding for `variant`, once any of its folds was built (one-hot
    /// codes and text terms make it wider than the table).
    pub(crate) fn width(&self, variant: Variant) -> Option<usize> {
        self.cache
            .iter()
            .find(|((_, v, _), _)| *v == variant)
            .map(|(_, f)| f.train.n_features())
    }

    fn fold(&mut self, fold: usize, variant: Variant, rows: usize) -> Result<Arc<FoldData>> {
        if let Some(f) = self.cache.get(&(fold, variant, rows)) {
            return Ok(f.clone());
        }
        let t0 = Instant::now();
        let prep = self.prep;
        let f = prep
            .folds
            .get(fold)
            .ok_or_else(|| Error::internal("fold index out of range"))?;
        let train_rows = subsample(&f.train, rows, self.seed);
        let tr = prep.frame.take(&train_rows)?;
        let ytr: Vec<f64> = train_rows
            .iter()
            .filter_map(|&i| prep.y.get(i).copied())
            .collect();
        let (pipeline, xtr) = prep.plan.fit(
            &tr,
            FitTarget {
                y: &ytr,
                n_classes: prep.n_classes,
            },
            variant,
            self.seed,
        )?;
        let valid_x = pipeline.transform(&prep.frame.take(&f.valid)?)?.features;
        let valid_y: Vec<f64> = f
            .valid
            .iter()
            .filter_map(|&i| prep.y.get(i).copied())
            .collect();
        let mut train = if prep.n_classes > 0 {
            Dataset::classification(xtr, ytr, prep.n_classes)?
        } else {
            Dataset::regression(xtr, ytr)?
        }
        .with_features(pipeline.feature_infos())?;
        if let Some(w) = &prep.weights {
            train = train.with_weights(
                train_rows
                    .iter()
                    .map(|&i| w.get(i).copied().unwrap_or(1.0))
                    .collect(),
            )?;
        }
        let data = Arc::new(FoldData {
            train,
            valid_x,
            valid_y,
            pipeline,
        });
        self.cache.insert((fold, variant, rows), data.clone());
        self.secs += t0.elapsed().as_secs_f64();
        Ok(data)
    }
}

/// The first `rows` of a seeded shuffle of `train`, ascending; all of `train` when it has no
/// more rows than that.
pub(crate) fn subsample(train: &[usize], rows: usize, seed: u64) -> Vec<usize> {
    if rows >= train.len() {
        return train.to_vec();
    }
    let mut r = train.to_vec();
    Rng::new(seed ^ 0xa5ba).shuffle(&mut r);
    r.truncate(rows);
    r.sort_unstable();
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsamples_are_seeded_sorted_subsets() {
        let train: Vec<usize> = (0..100).map(|i| i * 2).collect();
        let a = subsample(&train, 30, 7);
        assert_eq!(a, subsample(&train, 30, 7));
        assert_eq!(a.len(), 30);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert!(a.iter().all(|r| train.contains(r)));
        assert_ne!(a, subsample(&train, 30, 8));
        assert_eq!(subsample(&train, 500, 7), train);
    }
}
