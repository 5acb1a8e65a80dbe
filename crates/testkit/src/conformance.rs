//! The backend conformance suite: one set of behaviour checks every estimator must pass.
//!
//! Checks are gated on the estimator's declared [`Capabilities`](mlpilot_core::Capabilities):
//! probabilities are checked only for estimators that give them, NaN inputs must be accepted by
//! estimators that declare `missing_values` and refused with a clear error by the others.
//!
//! ```
//! use mlpilot_testkit::conformance::{run_conformance, ConformanceOptions};
//! use mlpilot_testkit::reference::NearestCentroid;
//! let report = run_conformance(&NearestCentroid, &ConformanceOptions::default());
//! report.assert_ok();
//! ```
#![allow(clippy::panic)]

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use mlpilot_core::{
    Dataset, DynEstimator, DynModel, ErrorKind, Estimator, Features, FitContext, Matrix, Metric,
    Model, ParamSet, Predictions, Task,
};

mod capabilities;

use crate::synthetic::{
    ClassificationSpec, make_classification, make_regression, train_test_split,
};

/// Options of a conformance run.
#[derive(Debug, Clone)]
pub struct ConformanceOptions {
    /// Parameter overrides (for example fewer trees to keep the suite fast); names the
    /// estimator's space does not have for a task are ignored for that task.
    pub params: ParamSet,
    /// Rows of the synthetic training data (before a 25 % test split).
    pub n_rows: usize,
    /// Seed for data and fits.
    pub seed: u64,
}

impl Default for ConformanceOptions {
    fn default() -> Self {
        ConformanceOptions {
            params: ParamSet::new(),
            n_rows: 400,
            seed: 7,
        }
    }
}

/// How a check ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The behaviour is as required.
    Passed,
    /// Not applicable to this estimator (with the reason).
    Skipped(String),
    /// The behaviour is wrong (with what happened).
    Failed(String),
}

/// One check's result.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    /// The check's name.
    pub name: &'static str,
    /// The task it ran on.
    pub task: Option<Task>,
    /// The outcome.
    pub outcome: Outcome,
}

/// All results for one estimator.
#[derive(Debug, Clone, PartialEq)]
pub struct ConformanceReport {
    /// The estimator id.
    pub estimator: String,
    /// The checks in the order they ran.
    pub checks: Vec<CheckResult>,
}

impl ConformanceReport {
    /// The failed checks.
    pub fn failures(&self) -> Vec<&CheckResult> {
        self.checks
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed(_)))
            .collect()
    }

    /// How many checks passed.
    pub fn passed(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Passed)
            .count()
    }

    /// Panics with every failure unless all checks passed or were skipped.
    #[track_caller]
    pub fn assert_ok(&self) {
        let failures = self.failures();
        if !failures.is_empty() {
            panic!("{self}");
        }
    }
}

impl fmt::Display for ConformanceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "conformance of {}: {} passed, {} failed",
            self.estimator,
            self.passed(),
            self.failures().len()
        )?;
        for c in &self.checks {
            let task = c.task.map_or_else(String::new, |t| format!(" [{t}]"));
            match &c.outcome {
                Outcome::Passed => writeln!(f, "  ok      {}{task}", c.name)?,
                Outcome::Skipped(why) => writeln!(f, "  skipped {}{task}: {why}", c.name)?,
                Outcome::Failed(why) => writeln!(f, "  FAILED  {}{task}: {why}", c.name)?,
            }
        }
        Ok(())
    }
}

struct Runner<'a> {
    est: &'a dyn DynEstimator,
    opts: &'a ConformanceOptions,
    checks: Vec<CheckResult>,
}

impl Runner<'_> {
    fn record(
        &mut self,
        name: &'static str,
        task: Option<Task>,
        f: impl FnOnce() -> Outcome,
    ) -> bool {
        let outcome = match catch_unwind(AssertUnwindSafe(f)) {
            Ok(o) => o,
            Err(e) => Outcome::Failed(format!(
                "panicked: {}",
                mlpilot_core::panic_message(e.as_ref())
            )),
        };
        let ok = !matches!(outcome, Outcome::Failed(_));
        self.checks.push(CheckResult {
            name,
            task,
            outcome,
        });
        ok
    }

    fn params_for(&self, task: Task, data: &Dataset) -> ParamSet {
        let shape = data.shape();
        let space = self.est.search_space(task, shape);
        let mut p = space.defaults();
        for (name, v) in self.opts.params.iter() {
            if space.param(name).is_some() {
                p.insert(name, v.clone());
            }
        }
        p
    }

    fn ctx(&self) -> FitContext {
        FitContext::new(self.opts.seed)
    }

    fn fit(&self, data: &Dataset, task: Task) -> mlpilot_core::Result<Box<dyn DynModel>> {
        self.est
            .fit_dyn(data, &self.params_for(task, data), &self.ctx())
    }
}

fn dataset_for(task: Task, n_rows: usize, seed: u64) -> (Dataset, Dataset) {
    let (x, y, n_classes) = match task {
        Task::Binary | Task::Multiclass => {
            let k = if task == Task::Binary { 2 } else { 3 };
            let spec = ClassificationSpec {
                n_rows,
                n_features: 5,
                n_informative: 3,
                n_classes: k,
                seed,
                ..Default::default()
            };
            let (x, y) = make_classification(spec);
            (x, y, k)
        }
        _ => {
            let (x, y, _) = make_regression(n_rows, 5, 3, 0.5, seed);
            (x, y, 0)
        }
    };
    let (train, test) = train_test_split(n_rows, 0.25, seed);
    let full = if n_classes > 0 {
        Dataset::classification(x.into(), y, n_classes)
    } else {
        Dataset::regression(x.into(), y)
    };
    let Ok(full) = full else {
        panic!("synthetic data must be valid");
    };
    let (Ok(tr), Ok(te)) = (full.subset(&train), full.subset(&test)) else {
        panic!("split indices must be in range");
    };
    (tr, te)
}

fn score(task: Task, y: &[f64], pred: &[f64], n_classes: usize) -> f64 {
    let metric = if task.is_classification() {
        Metric::Accuracy
    } else {
        Metric::R2
    };
    metric
        .score(y, &Predictions::values(pred.to_vec()), n_classes)
        .unwrap_or(f64::NAN)
}

/// Whether `predictions` on `test` score clearly above always predicting the training majority
/// (classification: accuracy + 0.15) or the mean (regression: R² ≥ 0.3).
fn beats_dummy(task: Task, train: &Dataset, test: &Dataset, predictions: &[f64]) -> Outcome {
    let k = train.n_classes();
    let s = score(task, test.y(), predictions, k);
    let (dummy, margin) = if task.is_classification() {
        let counts = train.class_counts();
        let majority = counts
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| **c)
            .map_or(0, |(i, _)| i);
        let d = score(task, test.y(), &vec![majority as f64; test.n_rows()], k);
        (d, 0.15)
    } else {
        (0.0, 0.3)
    };
    if s >= dummy + margin {
        Outcome::Passed
    } else {
        Outcome::Failed(format!(
            "score {s:.3} is not clearly above the dummy's {dummy:.3}"
        ))
    }
}

fn with_value(data: &Dataset, row: usize, col: usize, v: f64) -> Dataset {
    let mut m: Matrix = data.x().to_dense().into_owned();
    m.set(row, col, v);
    let rebuilt = if data.task().is_classification() {
        Dataset::classification(m.into(), data.y().to_vec(), data.n_classes())
    } else {
        Dataset::regression(m.into(), data.y().to_vec())
    };
    match rebuilt {
        Ok(d) => d,
        Err(e) => panic!("rebuilding test data failed: {e}"),
    }
}

fn expect_input_error(what: &str, r: mlpilot_core::Result<Box<dyn DynModel>>) -> Outcome {
    match r {
        Err(e) if e.kind() == ErrorKind::InvalidInput || e.kind() == ErrorKind::Unsupported => {
            Outcome::Passed
        }
        Err(e) => Outcome::Failed(format!(
            "{what}: expected an invalid-input error, got {:?}: {e}",
            e.kind()
        )),
        Ok(_) => Outcome::Failed(format!("{what}: fit succeeded but should have failed")),
    }
}

/// Runs every applicable check on `estimator`.
pub fn run_conformance(
    estimator: &dyn DynEstimator,
    opts: &ConformanceOptions,
) -> ConformanceReport {
    let info = estimator.info();
    let caps = info.capabilities;
    let mut r = Runner {
        est: estimator,
        opts,
        checks: Vec::new(),
    };

    r.record("id_is_library_dot_algorithm", None, || {
        let ok = info.id.split('.').count() == 2 && info.id.split('.').all(|p| !p.is_empty());
        if ok {
            Outcome::Passed
        } else {
            Outcome::Failed(format!("id `{}` is not `library.algorithm`", info.id))
        }
    });
    r.record("declares_a_task", None, || {
        if caps.binary || caps.multiclass || caps.regression {
            Outcome::Passed
        } else {
            Outcome::Failed("no task declared".into())
        }
    });

    for task in [Task::Binary, Task::Multiclass, Task::Regression] {
        if caps.supports(task) {
            task_checks(&mut r, caps, task);
        } else {
            refuse_unsupported(&mut r, task);
        }
    }
    ConformanceReport {
        estimator: info.id,
        checks: r.checks,
    }
}

/// A task the estimator does not declare must be refused as unsupported.
fn refuse_unsupported(r: &mut Runner<'_>, task: Task) {
    let (estimator, opts) = (r.est, r.opts);
    let (train, _) = dataset_for(task, 60, opts.seed);
    r.record(
        "unsupported_task_is_refused",
        Some(task),
        || match r_fit_plain(estimator, &train) {
            Err(e) if e.kind() == ErrorKind::Unsupported => Outcome::Passed,
            Err(e) => Outcome::Failed(format!("expected Unsupported, got {:?}: {e}", e.kind())),
            Ok(_) => {
                Outcome::Failed("fit succeeded on a task the estimator does not declare".into())
            }
        },
    );
}

/// Every check on a declared task: fitting, predictions, export form, determinism, the round
/// trip, refusals, then the claimed capabilities.
fn task_checks(r: &mut Runner<'_>, caps: mlpilot_core::Capabilities, task: Task) {
    let (estimator, opts) = (r.est, r.opts);
    let (train, test) = dataset_for(task, opts.n_rows, opts.seed);
    r.record("default_params_are_valid", Some(task), || {
        let shape = train.shape();
        let space = estimator.search_space(task, shape);
        match space.validate(&space.defaults()) {
            Ok(_) => Outcome::Passed,
            Err(e) => Outcome::Failed(e.to_string()),
        }
    });

    let mut fitted: Option<Box<dyn DynModel>> = None;
    let fit_ok = r.record("fits", Some(task), || {
        match r_fit(estimator, opts, &train, task) {
            Ok(m) => {
                fitted = Some(m);
                Outcome::Passed
            }
            Err(e) => Outcome::Failed(e.to_string()),
        }
    });
    let Some(model) = fitted.filter(|_| fit_ok) else {
        return;
    };
    let predictions = prediction_checks(r, caps, task, model.as_ref(), &train, &test);
    export_check(r, caps, task, model.as_ref(), &test);
    r.record("better_than_dummy", Some(task), || {
        if predictions.is_empty() {
            return Outcome::Skipped("no predictions".into());
        }
        beats_dummy(task, &train, &test, &predictions)
    });

    if caps.deterministic {
        r.record("same_seed_same_predictions", Some(task), || {
            match r_fit(estimator, opts, &train, task) {
                Ok(m2) => match m2.predict(test.x()) {
                    Ok(p2) if p2 == predictions => Outcome::Passed,
                    Ok(_) => Outcome::Failed(
                        "a second fit with the same seed predicts differently".into(),
                    ),
                    Err(e) => Outcome::Failed(e.to_string()),
                },
                Err(e) => Outcome::Failed(e.to_string()),
            }
        });
    }

    round_trip_check(r, caps, task, model.as_ref(), &test);
    refusal_checks(r, caps, task, model.as_ref(), &train, &test);
    let params = r.params_for(task, &train);
    let fitted = capabilities::Fitted {
        task,
        train: &train,
        test: &test,
        params,
        model: model.as_ref(),
    };
    capabilities::run(r, caps, &fitted);
}

/// Predictions have one value per row (class indices for classification, finite values), and
/// probabilities, when declared, are rows that sum to one; returns the predictions (empty when
/// they failed).
fn prediction_checks(
    r: &mut Runner<'_>,
    caps: mlpilot_core::Capabilities,
    task: Task,
    model: &dyn DynModel,
    train: &Dataset,
    test: &Dataset,
) -> Vec<f64> {
    let k = train.n_classes();
    let x_test = test.x();
    let mut predictions = Vec::new();
    r.record("predict_shape", Some(task), || {
        match model.predict(x_test) {
            Ok(p) if p.len() == test.n_rows() => {
                if task.is_classification()
                    && p.iter()
                        .any(|v| v.fract() != 0.0 || *v < 0.0 || *v >= k as f64)
                {
                    return Outcome::Failed(
                        "class predictions must be indices in 0..n_classes".into(),
                    );
                }
                if p.iter().any(|v| !v.is_finite()) {
                    return Outcome::Failed("predictions must be finite".into());
                }
                predictions = p;
                Outcome::Passed
            }
            Ok(p) => Outcome::Failed(format!(
                "{} predictions for {} rows",
                p.len(),
                test.n_rows()
            )),
            Err(e) => Outcome::Failed(e.to_string()),
        }
    });

    if task.is_classification() && caps.probabilities {
        r.record("proba_rows_sum_to_one", Some(task), || {
            match model.predict_proba(x_test) {
                Ok(p) if p.n_rows() == test.n_rows() && p.n_cols() == k => {
                    for (i, row) in p.rows().enumerate() {
                        let s: f64 = row.iter().sum();
                        if (s - 1.0).abs() > 1e-6 || row.iter().any(|v| !(0.0..=1.0).contains(v)) {
                            return Outcome::Failed(format!(
                                "row {i}: probabilities {row:?} sum to {s}"
                            ));
                        }
                    }
                    Outcome::Passed
                }
                Ok(p) => Outcome::Failed(format!(
                    "shape {} × {}, expected {} × {k}",
                    p.n_rows(),
                    p.n_cols(),
                    test.n_rows()
                )),
                Err(e) => Outcome::Failed(e.to_string()),
            }
        });
    } else {
        r.record("proba_rows_sum_to_one", Some(task), || {
            Outcome::Skipped("estimator does not declare probabilities".into())
        });
    }

    predictions
}

/// The model's export form, when it has one, predicts what the model does.
fn export_check(
    r: &mut Runner<'_>,
    caps: mlpilot_core::Capabilities,
    task: Task,
    model: &dyn DynModel,
    test: &Dataset,
) {
    let x_test = test.x();
    r.record("export_form_matches_predictions", Some(task), || {
        let Some(form) = model.export_form() else {
            if caps.exportable {
                return Outcome::Failed(
                    "the estimator declares `exportable` but its model gives no export form".into(),
                );
            }
            return Outcome::Skipped("the model gives no export form".into());
        };
        let got = match form.predict_proba(x_test) {
            Ok(g) => g,
            Err(e) => {
                return Outcome::Failed(format!("the export form does not evaluate: {e}"));
            }
        };
        let want = if task.is_classification() {
            match model.predict_proba(x_test) {
                Ok(p) => p,
                Err(e) if e.kind() == ErrorKind::Unsupported => {
                    return Outcome::Skipped("no probabilities to compare with".into());
                }
                Err(e) => return Outcome::Failed(e.to_string()),
            }
        } else {
            match model.predict(x_test) {
                Ok(p) => match mlpilot_core::Matrix::new(p.len(), 1, p) {
                    Ok(m) => m,
                    Err(e) => return Outcome::Failed(e.to_string()),
                },
                Err(e) => return Outcome::Failed(e.to_string()),
            }
        };
        if (got.n_rows(), got.n_cols()) != (want.n_rows(), want.n_cols()) {
            return Outcome::Failed(format!(
                "the export form gives {}×{}, the model {}×{}",
                got.n_rows(),
                got.n_cols(),
                want.n_rows(),
                want.n_cols()
            ));
        }
        for (i, (g, w)) in got.rows().zip(want.rows()).enumerate() {
            if g.iter()
                .zip(w)
                .any(|(a, b)| (a - b).abs() > 1e-6 * (1.0 + b.abs()))
            {
                return Outcome::Failed(format!(
                    "row {i}: the export form gives {g:?}, the model {w:?}"
                ));
            }
        }
        Outcome::Passed
    });
}

/// A model written to bytes and read back predicts the same; truncated bytes are an error.
fn round_trip_check(
    r: &mut Runner<'_>,
    caps: mlpilot_core::Capabilities,
    task: Task,
    model: &dyn DynModel,
    test: &Dataset,
) {
    let estimator = r.est;
    let x_test = test.x();
    r.record("serde_round_trip", Some(task), || {
        let bytes = match model.to_bytes() {
            Ok(b) => b,
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        let back = match estimator.load_model(&bytes) {
            Ok(m) => m,
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        let (Ok(a), Ok(b)) = (model.predict(x_test), back.predict(x_test)) else {
            return Outcome::Failed("prediction failed after the round trip".into());
        };
        if a != b {
            return Outcome::Failed("predictions differ after the round trip".into());
        }
        if task.is_classification() && caps.probabilities {
            let (Ok(pa), Ok(pb)) = (model.predict_proba(x_test), back.predict_proba(x_test)) else {
                return Outcome::Failed("probabilities failed after the round trip".into());
            };
            if pa != pb {
                return Outcome::Failed("probabilities differ after the round trip".into());
            }
        }
        let half = bytes.get(..bytes.len() / 2).unwrap_or(&[]);
        if bytes.len() > 8 && estimator.load_model(half).is_ok() {
            return Outcome::Failed("a truncated model was read without an error".into());
        }
        Outcome::Passed
    });
}

/// Unusable input is refused: a wrong column count, zero rows, infinities, NaN (unless
/// declared) and a single class.
fn refusal_checks(
    r: &mut Runner<'_>,
    caps: mlpilot_core::Capabilities,
    task: Task,
    model: &dyn DynModel,
    train: &Dataset,
    test: &Dataset,
) {
    let (estimator, opts) = (r.est, r.opts);
    r.record("wrong_feature_count_is_an_error", Some(task), || {
        let wide = Features::Dense(Matrix::zeros(3, test.n_features() + 1));
        match model.predict(&wide) {
            Err(_) => Outcome::Passed,
            Ok(_) => Outcome::Failed("predict accepted a matrix with an extra column".into()),
        }
    });

    r.record("zero_rows_is_an_error", Some(task), || {
        let Ok(empty) = train.subset(&[]) else {
            return Outcome::Failed("subset failed".into());
        };
        expect_input_error("zero rows", r_fit(estimator, opts, &empty, task))
    });

    r.record("infinite_input_is_an_error", Some(task), || {
        let bad = with_value(train, 3, 1, f64::INFINITY);
        expect_input_error("an infinite feature", r_fit(estimator, opts, &bad, task))
    });

    r.record("missing_values", Some(task), || {
        let nan = with_value(train, 2, 0, f64::NAN);
        if caps.missing_values {
            match r_fit(estimator, opts, &nan, task) {
                Ok(m) => {
                    let probe = with_value(test, 0, 0, f64::NAN);
                    match m.predict(probe.x()) {
                        Ok(p) if p.iter().all(|v| v.is_finite()) => Outcome::Passed,
                        Ok(_) => Outcome::Failed("non-finite prediction for a row with NaN".into()),
                        Err(e) => Outcome::Failed(format!("predict with NaN: {e}")),
                    }
                }
                Err(e) => Outcome::Failed(format!("declares missing_values but refused NaN: {e}")),
            }
        } else {
            expect_input_error("a NaN feature", r_fit(estimator, opts, &nan, task))
        }
    });

    if task.is_classification() {
        r.record("single_class_is_an_error", Some(task), || {
            let rows: Vec<usize> = (0..train.n_rows())
                .filter(|&i| train.y().get(i) == Some(&0.0))
                .collect();
            let Ok(one) = train.subset(&rows) else {
                return Outcome::Failed("subset failed".into());
            };
            expect_input_error(
                "single-class training data",
                r_fit(estimator, opts, &one, task),
            )
        });
    }
}

/// [`run_conformance`] and, through the typed [`Estimator`] API, two more checks per task: every
/// set the search space can propose (its defaults and the ends of its ranges) reads into
/// `E::Params`, and a direct `Estimator::fit` with `E::Params::default()` trains the same model
/// as `fit_dyn` with no parameters (which fills in the search space's defaults), so the defaults
/// live in one place.
pub fn run_conformance_typed<E: Estimator>(
    estimator: &E,
    opts: &ConformanceOptions,
) -> ConformanceReport {
    let mut report = run_conformance(estimator, opts);
    let caps = DynEstimator::info(estimator).capabilities;
    let mut r = Runner {
        est: estimator,
        opts,
        checks: Vec::new(),
    };
    for task in [Task::Binary, Task::Multiclass, Task::Regression] {
        if !caps.supports(task) {
            continue;
        }
        let (train, test) = dataset_for(task, opts.n_rows, opts.seed);
        r.record(
            "space_parameters_convert_to_the_typed_ones",
            Some(task),
            || {
                // Every parameter the space can propose (its defaults, and each range's ends) must
                // read into `E::Params`: a name the struct lacks or a type it cannot hold is refused.
                let space = Estimator::search_space(estimator, task, train.shape());
                let mut sets = vec![space.defaults()];
                sets.push(space.from_unit(&vec![0.0; space.len()]));
                sets.push(space.from_unit(&vec![1.0; space.len()]));
                // …and pass its own validation: `validate` must not refuse what the space offers.
                for set in sets {
                    if let Err(e) = Estimator::read_params(estimator, &train, &set)
                        .and_then(|p| mlpilot_core::Params::validate(&p).map(|()| p))
                    {
                        return Outcome::Failed(format!("{set}: {e}"));
                    }
                }
                Outcome::Passed
            },
        );
        r.record("typed_defaults_are_the_space_defaults", Some(task), || {
            if !caps.deterministic {
                return Outcome::Skipped(
                    "estimator does not declare determinism: two fits may differ anyway".into(),
                );
            }
            // On the suite's table and on a tiny one, where defaults that depend on the rows
            // (neighbours, leaves, batch sizes) are narrowed by the space.
            let tiny = dataset_for(task, 12, opts.seed);
            for (train, test) in [(&train, &test), (&tiny.0, &tiny.1)] {
                let outcome = same_default_models(estimator, train, test, opts.seed);
                if outcome != Outcome::Passed {
                    return outcome;
                }
            }
            Outcome::Passed
        });
    }
    report.checks.append(&mut r.checks);
    report
}

/// Whether a typed fit with `E::Params::default()` and `fit_dyn` with no parameters train the
/// same model on `train` (both failing alike counts as the same).
fn same_default_models<E: Estimator>(
    estimator: &E,
    train: &Dataset,
    test: &Dataset,
    seed: u64,
) -> Outcome {
    let ctx = FitContext::new(seed);
    let typed = Estimator::fit(estimator, train, &E::Params::default(), &ctx);
    let dynamic = estimator.fit_dyn(train, &ParamSet::new(), &ctx);
    let (typed, dynamic) = match (typed, dynamic) {
        (Ok(t), Ok(d)) => (t, d),
        (Err(_), Err(_)) => return Outcome::Passed,
        (Err(e), Ok(_)) => {
            return Outcome::Failed(format!(
                "typed fit with the defaults failed on {} rows where fit_dyn did not: {e}",
                train.n_rows()
            ));
        }
        (Ok(_), Err(e)) => {
            return Outcome::Failed(format!(
                "fit_dyn without parameters failed on {} rows where the typed fit did not: {e}",
                train.n_rows()
            ));
        }
    };
    let same = match (typed.predict(test.x()), dynamic.predict(test.x())) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let same_proba = match (
        typed.predict_proba(test.x()),
        dynamic.predict_proba(test.x()),
    ) {
        (Ok(a), Ok(b)) => a == b,
        (Err(_), Err(_)) => true,
        _ => false,
    };
    if same && same_proba {
        Outcome::Passed
    } else {
        Outcome::Failed(format!(
            "on {} rows, Estimator::fit with Params::default() predicts differently from \
             fit_dyn with no parameters: the typed defaults disagree with the search space's",
            train.n_rows()
        ))
    }
}

fn r_fit(
    est: &dyn DynEstimator,
    opts: &ConformanceOptions,
    data: &Dataset,
    task: Task,
) -> mlpilot_core::Result<Box<dyn DynModel>> {
    let runner = Runner {
        est,
        opts,
        checks: Vec::new(),
    };
    runner.fit(data, task)
}

fn r_fit_plain(est: &dyn DynEstimator, data: &Dataset) -> mlpilot_core::Result<Box<dyn DynModel>> {
    est.fit_dyn(data, &ParamSet::new(), &FitContext::new(0))
}
