//! Validation splits: stratified k-fold, holdout, grouped and time-ordered folds.

use mlpilot_core::facts::ValidationFact;
use mlpilot_core::{Error, Result, Rng};
use serde::{Deserialize, Serialize};

/// How candidates are validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validation {
    /// Choose from the rows and the budget: k-fold for small data, holdout for large.
    Auto,
    /// K folds (stratified for classification).
    KFold {
        /// Folds.
        k: usize,
    },
    /// One split (stratified for classification).
    Holdout {
        /// Share of rows held out.
        fraction: f64,
    },
    /// K folds that never split a group (rows with the same value of the group column).
    Grouped {
        /// Folds.
        k: usize,
    },
    /// Expanding-window folds in row order: each fold validates on the rows after its
    /// training rows (no look-ahead).
    TimeOrdered {
        /// Folds.
        k: usize,
    },
}

/// One split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fold {
    /// Training rows, ascending.
    pub train: Vec<usize>,
    /// Validation rows, ascending.
    pub valid: Vec<usize>,
}

/// A chosen validation with its folds and why it was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Splits {
    /// The folds.
    pub folds: Vec<Fold>,
    /// The scheme used.
    pub scheme: Validation,
    /// Why it was chosen ([`mlpilot_core::narration::validation`] says it in words).
    pub fact: ValidationFact,
}

/// Chooses the scheme for `Auto`: 5-fold up to 20,000 rows (or when each fold's training takes
/// little of the budget), holdout of 10 % (at least 2,000 and at most 50,000 rows) above.
pub fn choose(
    validation: &Validation,
    n_rows: usize,
    budget_secs: Option<f64>,
) -> (Validation, ValidationFact) {
    match validation {
        Validation::Auto => {
            let large = n_rows > 20_000 || (n_rows > 5_000 && budget_secs.is_some_and(|b| b < 5.0));
            if large {
                let valid = ((n_rows as f64) * 0.1)
                    .clamp(2_000.0, 50_000.0)
                    .min(n_rows as f64 * 0.5);
                let fraction = valid / n_rows as f64;
                (
                    Validation::Holdout { fraction },
                    ValidationFact::Holdout {
                        rows: valid.round() as usize,
                        fraction,
                        n_rows,
                    },
                )
            } else if n_rows < 500 {
                (
                    Validation::KFold { k: 10 },
                    ValidationFact::TenFold { n_rows },
                )
            } else {
                (
                    Validation::KFold { k: 5 },
                    ValidationFact::FiveFold { n_rows },
                )
            }
        }
        other => (other.clone(), ValidationFact::Requested),
    }
}

/// Builds the folds. `classes` (class index per row) stratifies; `groups` (a group id per row)
/// is required for grouped folds.
///
/// # Errors
/// An invalid-input error when grouped validation is asked for without `groups`, or the folds
/// cannot be made (see [`kfold`], [`holdout`], [`grouped`], [`time_ordered`]).
pub fn make_splits(
    validation: &Validation,
    n_rows: usize,
    classes: Option<&[usize]>,
    groups: Option<&[u64]>,
    budget_secs: Option<f64>,
    seed: u64,
) -> Result<Splits> {
    let (scheme, fact) = choose(validation, n_rows, budget_secs);
    let mut rng = Rng::new(seed ^ 0xf01d);
    let folds = match &scheme {
        Validation::KFold { k } => kfold(n_rows, *k, classes, &mut rng)?,
        Validation::Holdout { fraction } => vec![holdout(n_rows, *fraction, classes, &mut rng)?],
        Validation::Grouped { k } => {
            let g = groups
                .ok_or_else(|| Error::invalid_input("grouped validation needs a group column"))?;
            grouped(g, *k, &mut rng)?
        }
        Validation::TimeOrdered { k } => time_ordered(n_rows, *k)?,
        Validation::Auto => return Err(Error::internal("auto validation was not resolved")),
    };
    Ok(Splits {
        folds,
        scheme,
        fact,
    })
}

fn check(n: usize, k: usize) -> Result<()> {
    if k < 2 {
        return Err(Error::invalid_input(format!(
            "cross-validation needs at least 2 folds, got {k}"
        )));
    }
    if n < k {
        return Err(Error::invalid_input(format!(
            "{n} rows are too few for {k} folds"
        )));
    }
    Ok(())
}

fn finish(assign: &[usize], k: usize) -> Vec<Fold> {
    (0..k)
        .map(|f| Fold {
            train: (0..assign.len())
                .filter(|&i| assign.get(i) != Some(&f))
                .collect(),
            valid: (0..assign.len())
                .filter(|&i| assign.get(i) == Some(&f))
                .collect(),
        })
        .collect()
}

/// Stratified k-fold: each class's rows are shuffled and dealt round-robin to the folds.
///
/// # Errors
/// An invalid-input error when `k` is below 2 or there are fewer than `k` rows.
pub fn kfold(n: usize, k: usize, classes: Option<&[usize]>, rng: &mut Rng) -> Result<Vec<Fold>> {
    check(n, k)?;
    let mut assign = vec![0usize; n];
    match classes {
        Some(c) => {
            let mut offset = 0;
            for mut rows in rows_by_class(n, c) {
                rng.shuffle(&mut rows);
                for (j, r) in rows.iter().enumerate() {
                    if let Some(a) = assign.get_mut(*r) {
                        *a = (j + offset) % k;
                    }
                }
                offset += rows.len();
            }
        }
        None => {
            let mut rows: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut rows);
            for (j, r) in rows.iter().enumerate() {
                if let Some(a) = assign.get_mut(*r) {
                    *a = j % k;
                }
            }
        }
    }
    Ok(finish(&assign, k))
}

/// One (stratified) split holding out `fraction` of the rows.
///
/// # Errors
/// An invalid-input error when `fraction` is not strictly between 0 and 1, or the split would
/// leave no rows to validate on or none to train on.
pub fn holdout(n: usize, fraction: f64, classes: Option<&[usize]>, rng: &mut Rng) -> Result<Fold> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(Error::invalid_input(format!(
            "cannot hold out {fraction} of the rows: give a share strictly between 0 and 1 \
             (e.g. 0.2)"
        )));
    }
    let mut groups: Vec<Vec<usize>> = match classes {
        Some(c) => rows_by_class(n, c),
        None => vec![(0..n).collect()],
    };
    for rows in &mut groups {
        rng.shuffle(rows);
    }
    let takes = class_quotas(
        &groups,
        ((n as f64) * fraction).round() as usize,
        fraction,
        rng,
    );
    let mut valid: Vec<usize> = groups
        .into_iter()
        .zip(takes)
        .flat_map(|(rows, take)| rows.into_iter().take(take))
        .collect();
    valid.sort_unstable();
    if valid.is_empty() || valid.len() == n {
        return Err(Error::invalid_input(format!(
            "holding out {fraction} of {n} rows leaves {} to validate on and {} to train on; \
             both need rows (hold out a larger share, or use k-fold validation)",
            valid.len(),
            n - valid.len()
        )));
    }
    let mut is_valid = vec![false; n];
    for &v in &valid {
        if let Some(x) = is_valid.get_mut(v) {
            *x = true;
        }
    }
    Ok(Fold {
        train: (0..n)
            .filter(|&i| !is_valid.get(i).copied().unwrap_or(true))
            .collect(),
        valid,
    })
}

/// Each class's rows, ascending, one list per class index up to the largest present (one
/// pass, whatever the number of classes).
fn rows_by_class(n: usize, classes: &[usize]) -> Vec<Vec<usize>> {
    let n_classes = classes.iter().take(n).copied().max().map_or(0, |m| m + 1);
    let mut out = vec![Vec::new(); n_classes];
    for (i, &c) in classes.iter().enumerate().take(n) {
        if let Some(rows) = out.get_mut(c) {
            rows.push(i);
        }
    }
    out
}

/// How many rows each class gives to a holdout of `total` rows: `fraction` of its rows rounded
/// down, and the rows still missing from `total` one each to the classes with the largest
/// remainders (ties in a random order), never a class's last training row when it has two or
/// more. A table of many classes with one or two rows each thus still holds out `total` rows,
/// where rounding each class alone would hold out none.
fn class_quotas(groups: &[Vec<usize>], total: usize, fraction: f64, rng: &mut Rng) -> Vec<usize> {
    let exact: Vec<f64> = groups.iter().map(|g| g.len() as f64 * fraction).collect();
    let mut takes: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..groups.len()).collect();
    rng.shuffle(&mut order);
    let remainder = |g: &usize| exact.get(*g).map_or(0.0, |e| e - e.floor());
    order.sort_by(|a, b| remainder(b).total_cmp(&remainder(a)));
    let mut left = total.saturating_sub(takes.iter().sum());
    for g in order {
        if left == 0 {
            break;
        }
        // A class of two rows or more keeps one for training.
        let size = groups.get(g).map_or(0, Vec::len);
        let cap = if size >= 2 { size - 1 } else { size };
        if let Some(t) = takes.get_mut(g).filter(|t| **t < cap) {
            *t += 1;
            left -= 1;
        }
    }
    takes
}

/// Group k-fold: groups are shuffled and dealt to the fold with the fewest rows so far.
///
/// # Errors
/// An invalid-input error when `k` is below 2 or there are fewer than `k` distinct groups.
pub fn grouped(groups: &[u64], k: usize, rng: &mut Rng) -> Result<Vec<Fold>> {
    let mut ids: Vec<u64> = groups.to_vec();
    ids.sort_unstable();
    ids.dedup();
    check(ids.len(), k).map_err(|_| {
        Error::invalid_input(format!("{} groups are too few for {k} folds", ids.len()))
    })?;
    rng.shuffle(&mut ids);
    let mut sizes: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for g in groups {
        *sizes.entry(*g).or_insert(0) += 1;
    }
    // Largest groups first, then fill the emptiest fold.
    ids.sort_by_key(|g| std::cmp::Reverse(sizes.get(g).copied().unwrap_or(0)));
    let mut fold_of: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let mut load = vec![0usize; k];
    for g in ids {
        let f = (0..k)
            .min_by_key(|&f| (load.get(f).copied().unwrap_or(0), f))
            .unwrap_or(0);
        if let Some(l) = load.get_mut(f) {
            *l += sizes.get(&g).copied().unwrap_or(0);
        }
        fold_of.insert(g, f);
    }
    let assign: Vec<usize> = groups
        .iter()
        .map(|g| fold_of.get(g).copied().unwrap_or(0))
        .collect();
    Ok(finish(&assign, k))
}

/// Expanding-window folds: the rows are cut into `k + 1` consecutive blocks; fold `i` trains on
/// blocks `0..=i` and validates on block `i + 1`.
///
/// # Errors
/// An invalid-input error when `k` is 0 or there are fewer than `k + 1` rows (the message counts
/// `k + 1` folds).
pub fn time_ordered(n: usize, k: usize) -> Result<Vec<Fold>> {
    check(n, k + 1)?;
    let block = n / (k + 1);
    Ok((0..k)
        .map(|i| {
            let end = block * (i + 1);
            let vend = if i + 1 == k { n } else { block * (i + 2) };
            Fold {
                train: (0..end).collect(),
                valid: (end..vend).collect(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_kfold_partitions_and_balances() {
        let classes: Vec<usize> = (0..100).map(|i| usize::from(i % 10 == 0)).collect();
        let folds = kfold(100, 5, Some(&classes), &mut Rng::new(0)).unwrap();
        let mut seen = vec![0; 100];
        for f in &folds {
            assert_eq!(f.train.len() + f.valid.len(), 100);
            for &v in &f.valid {
                seen[v] += 1;
            }
            let minority = f.valid.iter().filter(|&&v| classes[v] == 1).count();
            assert_eq!(minority, 2, "each fold gets its share of the rare class");
        }
        assert!(seen.iter().all(|&s| s == 1));
    }

    #[test]
    fn grouped_folds_never_split_a_group() {
        let groups: Vec<u64> = (0..60).map(|i| i / 4).collect();
        let folds = grouped(&groups, 3, &mut Rng::new(1)).unwrap();
        for f in &folds {
            for &v in &f.valid {
                assert!(f.train.iter().all(|&t| groups[t] != groups[v]));
            }
        }
    }

    #[test]
    fn time_ordered_folds_never_look_ahead() {
        let folds = time_ordered(100, 4).unwrap();
        assert_eq!(folds.len(), 4);
        for f in &folds {
            assert!(f.train.iter().max() < f.valid.iter().min());
        }
        assert_eq!(folds[3].valid.last(), Some(&99));
    }

    #[test]
    fn auto_picks_by_size() {
        assert!(matches!(
            choose(&Validation::Auto, 1000, Some(10.0)).0,
            Validation::KFold { k: 5 }
        ));
        match choose(&Validation::Auto, 262_000, Some(60.0)).0 {
            Validation::Holdout { fraction } => assert!((fraction - 0.1).abs() < 1e-9),
            v => panic!("{v:?}"),
        }
        let h = holdout(1000, 0.2, None, &mut Rng::new(0)).unwrap();
        assert_eq!(h.valid.len(), 200);
        // Nothing to validate on, or nothing to train on, is refused with the numbers.
        for (n, f) in [
            (1000, 0.0),
            (1000, 1.0),
            (1000, f64::NAN),
            (10, 0.01),
            (1, 0.5),
        ] {
            let err = holdout(n, f, None, &mut Rng::new(0))
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("cannot hold out") || err.starts_with("holding out"),
                "{n} {f}: {err}"
            );
        }
        let err = holdout(10, 0.01, None, &mut Rng::new(0))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("leaves 0 to validate on and 10 to train on"),
            "{err}"
        );
        assert!(kfold(3, 5, None, &mut Rng::new(0)).is_err());
    }

    #[test]
    fn stratified_holdout_holds_out_the_share_even_with_many_tiny_classes() {
        // 6,000 classes of 1–4 rows (15,000 rows): rounding each class alone holds out nothing.
        let classes: Vec<usize> = (0..6_000).flat_map(|c| vec![c; 1 + c % 4]).collect();
        let n = classes.len();
        let h = holdout(n, 0.1, Some(&classes), &mut Rng::new(0)).unwrap();
        assert_eq!(h.valid.len(), 1_500);
        assert_eq!(h.valid.len() + h.train.len(), n);
        // No class gives more than one row more than its exact share.
        let mut held = vec![0usize; 6_000];
        for &v in &h.valid {
            held[classes[v]] += 1;
        }
        for (c, &k) in held.iter().enumerate() {
            assert!(k as f64 <= (1 + c % 4) as f64 * 0.1 + 1.0, "class {c}: {k}");
        }
        // Classes with larger remainders get the extra rows first: every 4-row class (0.4)
        // gives one before any 1-row class (0.1) does.
        let fours = (0..6_000).filter(|c| c % 4 == 3);
        assert!(fours.clone().all(|c| held[c] == 1));
        // Large classes keep their proportion exactly; the same seed gives the same split.
        let classes: Vec<usize> = (0..1_000).map(|i| usize::from(i % 4 == 0)).collect();
        let a = holdout(1_000, 0.2, Some(&classes), &mut Rng::new(7)).unwrap();
        let minority = a.valid.iter().filter(|&&v| classes[v] == 1).count();
        assert_eq!((a.valid.len(), minority), (200, 50));
        assert_eq!(
            a,
            holdout(1_000, 0.2, Some(&classes), &mut Rng::new(7)).unwrap()
        );
        // A large share never takes a class's last training row (2-row classes at 0.6 would
        // otherwise give both: one by rounding down, one by remainder).
        let pairs: Vec<usize> = (0..1_000).flat_map(|c| [c, c]).collect();
        let h = holdout(2_000, 0.6, Some(&pairs), &mut Rng::new(3)).unwrap();
        let mut held = vec![0usize; 1_000];
        for &v in &h.valid {
            held[pairs[v]] += 1;
        }
        assert!(held.iter().all(|&k| k == 1), "{:?}", h.valid.len());
        // Stratified k-fold deals tiny classes across folds too.
        let folds = kfold(n, 5, Some(&classes_of(n)), &mut Rng::new(0)).unwrap();
        assert!(folds.iter().all(|f| f.valid.len() == n / 5));
    }

    fn classes_of(n: usize) -> Vec<usize> {
        (0..n).map(|i| i / 2).collect()
    }
}
