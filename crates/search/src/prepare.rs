//! Preparing a search: the encoded target (rows without one left out), the preprocessing plan,
//! the validation folds and, when asked, class weights.

use std::collections::HashMap;

use mlpilot_core::{DatasetProfile, Error, Frame, Result};
use mlpilot_prep::{PreprocessPlan, TargetEncoding};

use crate::engine::SearchConfig;
use crate::validation::{Fold, Splits, Validation, make_splits};

/// Everything the search needs that does not change between trials.
pub(crate) struct Prepared {
    /// The rows that have a target.
    pub(crate) frame: Frame,
    /// The encoded target: class indices or values.
    pub(crate) y: Vec<f64>,
    /// Classes (0 for regression).
    pub(crate) n_classes: usize,
    /// How labels map to class indices.
    pub(crate) encoding: TargetEncoding,
    /// Rows left out because their target was missing.
    pub(crate) dropped_rows: usize,
    /// The preprocessing plan.
    pub(crate) plan: PreprocessPlan,
    /// The validation folds.
    pub(crate) folds: Vec<Fold>,
    /// Why this validation.
    pub(crate) validation: mlpilot_core::facts::ValidationFact,
    /// Per-row weights (inverse class frequency) when rebalancing.
    pub(crate) weights: Option<Vec<f64>>,
}

impl Prepared {
    /// Rows with a target.
    pub(crate) fn n_rows(&self) -> usize {
        self.y.len()
    }

    /// Outputs per row of a prediction: class probabilities or one value.
    pub(crate) fn outputs_per_row(&self) -> usize {
        if self.n_classes > 0 {
            self.n_classes
        } else {
            1
        }
    }

    /// Training rows of the first fold (every fold has about as many).
    pub(crate) fn train_rows_per_fold(&self) -> usize {
        self.folds.first().map_or(self.n_rows(), |f| f.train.len())
    }
}

/// Encodes the target, checks there is enough to validate, builds the plan and the folds.
///
/// # Errors
///
/// `InvalidInput` when the target column is missing, a class has fewer than two rows, fewer
/// than ten rows have a target, or the group column is missing.
pub(crate) fn prepare(
    frame: &Frame,
    profile: &DatasetProfile,
    target: &str,
    config: &SearchConfig,
) -> Result<Prepared> {
    let task = config.task;
    let target_col = frame.require(target)?;
    let encoding = TargetEncoding::fit(target_col, task)?;
    let encoded = encoding.encode(target_col)?;
    let dropped_rows = encoded.n_missing;
    let frame = if dropped_rows > 0 {
        frame.take(&encoded.rows)?
    } else {
        frame.clone()
    };
    let y = encoded.y;
    let n = y.len();
    let n_classes = encoding.n_classes();
    let counts = class_counts(&y, n_classes);
    if let Some((i, c)) = counts.iter().enumerate().find(|(_, c)| **c < 2) {
        return Err(Error::invalid_input(format!(
            "class `{}` of `{target}` has only {c} row(s); every class needs at least two to be validated",
            encoding.label(i).unwrap_or("?")
        ))
        .with_context("column", target));
    }
    if n < 10 {
        return Err(Error::invalid_input(format!(
            "{n} rows with a target are too few to train and validate on"
        )));
    }
    let plan = PreprocessPlan::from_profile(profile, target, task, config.plan_options.clone())?;
    let classes: Option<Vec<usize>> = task
        .is_classification()
        .then(|| y.iter().map(|v| *v as usize).collect());
    let groups = match &config.group_column {
        Some(g) => {
            let col = frame.require(g)?;
            Some(group_ids((0..n).map(|i| col.str_at(i))))
        }
        None => None,
    };
    // Stratified folds need each class in each fold: fewer folds for rare classes.
    let min_class = counts.iter().copied().min().unwrap_or(0);
    let validation = match (&config.validation, classes.is_some()) {
        (Validation::KFold { k }, true) => Validation::KFold {
            k: (*k).min(min_class.max(2)),
        },
        (Validation::Grouped { k }, true) => Validation::Grouped {
            k: (*k).min(min_class.max(2)),
        },
        (v, _) => v.clone(),
    };
    let budget_secs = config.time_budget.map(|b| b.as_secs_f64());
    let Splits { folds, fact, .. } = make_splits(
        &validation,
        n,
        classes.as_deref(),
        groups.as_deref(),
        budget_secs,
        config.seed,
    )?;
    let weights = (config.rebalance && task.is_classification()).then(|| {
        y.iter()
            .map(|v| {
                let c = counts.get(*v as usize).copied().unwrap_or(1).max(1);
                n as f64 / (n_classes as f64 * c as f64)
            })
            .collect()
    });
    Ok(Prepared {
        frame,
        y,
        n_classes,
        encoding,
        dropped_rows,
        plan,
        folds,
        validation: fact,
        weights,
    })
}

/// Rows per class (empty for regression).
pub(crate) fn class_counts(y: &[f64], n_classes: usize) -> Vec<usize> {
    let mut counts = vec![0usize; n_classes];
    for v in y {
        if let Some(c) = counts.get_mut(*v as usize) {
            *c += 1;
        }
    }
    counts
}

/// A group id per row: the order in which each distinct value first appears, so the ids (and
/// the folds built from them) do not depend on a hasher's seed or the platform.
pub(crate) fn group_ids(values: impl Iterator<Item = Option<String>>) -> Vec<u64> {
    let mut ids: HashMap<Option<String>, u64> = HashMap::new();
    values
        .map(|v| {
            let next = ids.len() as u64;
            *ids.entry(v).or_insert(next)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ids_follow_first_appearance() {
        let values = [Some("b"), Some("a"), Some("b"), None, Some("c"), None];
        assert_eq!(
            group_ids(values.iter().map(|v| v.map(str::to_string))),
            vec![0, 1, 0, 2, 3, 2]
        );
    }

    #[test]
    fn class_counts_count() {
        assert_eq!(class_counts(&[0.0, 1.0, 1.0, 2.0], 3), vec![1, 2, 1]);
        assert!(class_counts(&[1.5, 2.0], 0).is_empty());
    }
}
