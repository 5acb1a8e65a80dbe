//! The monitoring check: per-column drift against the training reference, prediction drift,
//! and accuracy decay from labelled rows.

use mlpilot_core::facts::NotTested;
pub use mlpilot_core::facts::{
    ColumnDrift, MIN_LABELLED, MIN_ROWS, MonitorReport, Performance, PredictionDrift,
};
use mlpilot_core::narration::{not_tested, performance_note};
use mlpilot_core::{
    Column, ColumnKind, DriftDetector, Error, Frame, Metric, Predictions, Result, Sample,
};

use crate::stats::{ChiSquared, KolmogorovSmirnov, Psi};

fn numeric(col: &Column) -> Vec<f64> {
    (0..col.len())
        .filter_map(|i| col.f64_at(i))
        .filter(|v| v.is_finite())
        .collect()
}

fn labels(col: &Column) -> Vec<String> {
    (0..col.len())
        .map(|i| col.str_at(i).unwrap_or_else(|| "(missing)".to_string()))
        .collect()
}

fn run_tests(name: &str, reference: &Sample<'_>, current: &Sample<'_>) -> Result<Vec<ColumnDrift>> {
    let detectors: [&dyn DriftDetector; 3] = [
        &Psi::default(),
        &KolmogorovSmirnov::default(),
        &ChiSquared::default(),
    ];
    let mut out = Vec::new();
    for d in detectors {
        if !d.applies_to(reference) {
            continue;
        }
        let t = d.test(reference, current)?;
        out.push(ColumnDrift {
            name: name.to_string(),
            test: t.test,
            statistic: t.statistic,
            p_value: t.p_value,
            threshold: t.threshold,
            drift: t.drift,
        });
    }
    Ok(out)
}

/// Whether the share of missing values of a column of numbers rose: the `missing` test. Its
/// statistic is the change in the share (current − reference, −1..1), its p-value Fisher's exact
/// one-sided test on the 2 × 2 table of missing / present rows (statrs), and it finds drift when
/// the share rose by at least [`MISSING_RISE`] with p below [`MISSING_ALPHA`] — exact, so that
/// one missing value in 30 rows against a complete reference is no alarm, and one-sided, so that
/// rows more complete than in training are none either. `(rows, numbers)` count each side's
/// rows and its finite numbers (the rest are missing). `None` when the current rows are fewer
/// than [`MIN_ROWS`] or neither side has a missing value.
///
/// # Errors
/// An internal error when statrs refuses the table (it does not for counts of rows).
fn missing_share(
    name: &str,
    (rn, r_numbers): (usize, usize),
    (cn, c_numbers): (usize, usize),
) -> Result<Option<ColumnDrift>> {
    use statrs::stats_tests::{Alternative, fishers_exact};
    let (rm, cm) = (rn - r_numbers.min(rn), cn - c_numbers.min(cn));
    if rn == 0 || cn < MIN_ROWS || rm + cm == 0 {
        return Ok(None);
    }
    let table = [rm as u64, (rn - rm) as u64, cm as u64, (cn - cm) as u64];
    // `Less`: fewer missing in the reference row than the margins give, i.e. more now.
    let p = fishers_exact(&table, Alternative::Less)
        .map_err(|e| Error::internal(format!("Fisher's exact test on `{name}`: {e}")))?;
    let rise = cm as f64 / cn as f64 - rm as f64 / rn as f64;
    Ok(Some(ColumnDrift {
        name: name.to_string(),
        test: "missing".into(),
        statistic: rise,
        p_value: Some(p),
        threshold: MISSING_ALPHA,
        drift: p < MISSING_ALPHA && rise >= MISSING_RISE,
    }))
}

/// The p-value below which a rise in missing values counts (as the other tests' 0.001).
pub const MISSING_ALPHA: f64 = 0.001;
/// The least rise in the share of missing values that counts as drift (5 points).
pub const MISSING_RISE: f64 = 0.05;

/// The tests run, and the columns skipped with the reason.
pub type ColumnChecks = (Vec<ColumnDrift>, Vec<(String, String)>);

/// Tests every monitored column of `current` against `reference`. `columns` gives each input
/// column's kind at training time; identifiers, free text, dates and constants are skipped
/// (they change by nature).
///
/// # Errors
/// Never in practice: the drift tests fail only on empty samples, and columns with too few values
/// are skipped instead.
pub fn column_drift(
    reference: &Frame,
    current: &Frame,
    columns: &[(String, ColumnKind)],
) -> Result<ColumnChecks> {
    let mut tests = Vec::new();
    let mut skipped = Vec::new();
    for (name, kind) in columns {
        let (Some(r), Some(c)) = (reference.column(name), current.column(name)) else {
            skipped.push((name.clone(), not_tested(NotTested::Absent)));
            continue;
        };
        match kind {
            ColumnKind::Integer | ColumnKind::Float => {
                // The share of missing values first: a field going blank (or `?`) upstream is
                // drift too, even when too few numbers are left to compare.
                let (rv, cv) = (numeric(r), numeric(c));
                let share = missing_share(name, (r.len(), rv.len()), (c.len(), cv.len()))?;
                let share_tested = share.is_some();
                tests.extend(share);
                if rv.is_empty() || cv.len() < MIN_ROWS {
                    let why = if share_tested {
                        NotTested::OnlyMissingShare
                    } else {
                        NotTested::FewNumbers
                    };
                    skipped.push((name.clone(), not_tested(why)));
                    continue;
                }
                tests.extend(run_tests(
                    name,
                    &Sample::Numeric(&rv),
                    &Sample::Numeric(&cv),
                )?);
            }
            ColumnKind::Boolean | ColumnKind::Categorical => {
                let (rv, cv) = (labels(r), labels(c));
                if rv.is_empty() || cv.len() < MIN_ROWS {
                    skipped.push((name.clone(), not_tested(NotTested::FewValues)));
                    continue;
                }
                tests.extend(run_tests(
                    name,
                    &Sample::Categorical(&rv),
                    &Sample::Categorical(&cv),
                )?);
            }
            other => skipped.push((name.clone(), not_tested(NotTested::Kind(*other)))),
        }
    }
    Ok((tests, skipped))
}

/// Drift of predictions: predicted classes (labels) or predicted values.
///
/// # Errors
/// Never in practice: the drift tests fail only on empty samples, and too few predictions give
/// `None` instead.
pub fn prediction_drift(
    reference: &Predictions,
    current: &Predictions,
    classes: &[String],
) -> Result<Option<PredictionDrift>> {
    if current.values.len() < MIN_ROWS || reference.values.is_empty() {
        return Ok(None);
    }
    if classes.is_empty() {
        // Predicted values, finite ones only (as a column's numbers are).
        let finite = |v: &[f64]| {
            v.iter()
                .copied()
                .filter(|x| x.is_finite())
                .collect::<Vec<_>>()
        };
        let (r, c) = (finite(&reference.values), finite(&current.values));
        if c.len() < MIN_ROWS || r.is_empty() {
            return Ok(None);
        }
        let tests = run_tests("prediction", &Sample::Numeric(&r), &Sample::Numeric(&c))?;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        return Ok(Some(PredictionDrift {
            drift: tests.iter().any(|t| t.drift),
            tests,
            reference_summary: vec![("mean".into(), mean(&r))],
            current_summary: vec![("mean".into(), mean(&c))],
        }));
    }
    let label = |v: &f64| {
        classes
            .get(*v as usize)
            .cloned()
            .unwrap_or_else(|| v.to_string())
    };
    let r: Vec<String> = reference.values.iter().map(label).collect();
    let c: Vec<String> = current.values.iter().map(label).collect();
    let tests = run_tests(
        "prediction",
        &Sample::Categorical(&r),
        &Sample::Categorical(&c),
    )?;
    let share = |v: &[String]| {
        classes
            .iter()
            .map(|k| {
                (
                    k.clone(),
                    v.iter().filter(|x| *x == k).count() as f64 / v.len().max(1) as f64,
                )
            })
            .collect()
    };
    Ok(Some(PredictionDrift {
        drift: tests.iter().any(|t| t.drift),
        tests,
        reference_summary: share(&r),
        current_summary: share(&c),
    }))
}

/// Compares the score on labelled rows with the validation score.
///
/// # Errors
/// An invalid-input error when the labelled rows cannot be scored (see [`Metric::score`]: e.g. a
/// metric that needs probabilities the predictions lack).
pub fn performance(
    metric: Metric,
    validation_score: f64,
    y_true: &[f64],
    predictions: &Predictions,
    n_classes: usize,
) -> Result<Performance> {
    let bounded = matches!(
        metric,
        Metric::Accuracy
            | Metric::BalancedAccuracy
            | Metric::Precision
            | Metric::Recall
            | Metric::F1
            | Metric::F1Macro
            | Metric::F1Weighted
            | Metric::RocAuc
            | Metric::R2
    );
    let tolerance = if bounded { 0.05 } else { 0.10 };
    let n = y_true.len();
    let (current_score, decayed) = if n < MIN_LABELLED {
        (None, false)
    } else {
        let s = metric
            .score(y_true, predictions, n_classes)
            .map_err(|e| Error::invalid_input(format!("could not score the labelled rows: {e}")))?;
        let decayed = if bounded {
            metric.oriented(s) < metric.oriented(validation_score) - tolerance
        } else {
            s > validation_score * (1.0 + tolerance)
        };
        (Some(s), decayed)
    };
    let mut p = Performance {
        metric,
        validation_score,
        current_score,
        n_labelled: n,
        tolerance,
        decayed,
        note: String::new(),
    };
    p.note = performance_note(&p);
    Ok(p)
}

/// Puts a report together.
pub fn report(
    reference_rows: usize,
    current_rows: usize,
    columns: Vec<ColumnDrift>,
    skipped: Vec<(String, String)>,
    prediction_drift: Option<PredictionDrift>,
    performance: Option<Performance>,
) -> MonitorReport {
    let mut drifted: Vec<String> = Vec::new();
    for c in &columns {
        if c.drift && !drifted.contains(&c.name) {
            drifted.push(c.name.clone());
        }
    }
    MonitorReport {
        drift: !drifted.is_empty() || prediction_drift.as_ref().is_some_and(|p| p.drift),
        n_reference: reference_rows,
        n_current: current_rows,
        columns,
        drifted_columns: drifted,
        skipped,
        prediction_drift,
        performance,
    }
}
