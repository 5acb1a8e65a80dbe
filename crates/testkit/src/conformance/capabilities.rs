//! Checks of what an estimator claims in its [`Capabilities`] and of the [`FitContext`] it must
//! honour: per-row weights, sparse input, categorical codes, cancellation before and during a
//! fit, an expired deadline, and predictions that do not depend on the thread count.
//!
//! None of them times anything: cancellation during a fit is observed through the fit's own
//! progress events (a sink cancels on the first iteration and counts the iterations after it).
//! A cancel or an expired deadline *before* the fit is refused by the blanket `fit_dyn` for
//! every `Estimator`: those two checks guard that contract (and a `DynEstimator` written by
//! hand); the cancel during the fit is the one that tests the estimator itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use mlpilot_core::{
    CancelFlag, Capabilities, CsrBuilder, Dataset, DynModel, ErrorKind, FeatureInfo, FeatureKind,
    Features, FitContext, Matrix, ParamSet, ProgressEvent, ProgressSink, Rng, Task,
};

use super::{Outcome, Runner, beats_dummy};

/// What the capability checks need from the main checks of one task.
pub(super) struct Fitted<'a> {
    pub(super) task: Task,
    pub(super) train: &'a Dataset,
    pub(super) test: &'a Dataset,
    pub(super) params: ParamSet,
    pub(super) model: &'a dyn DynModel,
}

/// Runs the capability and fit-context checks for one task.
pub(super) fn run(r: &mut Runner<'_>, caps: Capabilities, f: &Fitted<'_>) {
    data_checks(r, caps, f);
    context_checks(r, caps, f);
}

/// What the estimator claims to read: per-row weights, sparse input, categorical codes.
fn data_checks(r: &mut Runner<'_>, caps: Capabilities, f: &Fitted<'_>) {
    let est = r.est;
    let seed = r.opts.seed;
    let task = Some(f.task);
    // Data of another shape gets the parameters sized for it (a space's ranges can depend on
    // the rows and columns).
    let with_params = |data: mlpilot_core::Result<Dataset>| {
        data.map(|d| {
            let p = r.params_for(f.task, &d);
            (d, p)
        })
    };
    let weighted = with_params(contradicted(f.train));
    let zeroed = with_params(with_zeros(f.train));
    let categorical = with_params(categorical_data(f.task, seed, 0..360));

    r.record("sample_weights_are_honoured", task, || {
        if !caps.sample_weights {
            return Outcome::Skipped("estimator does not declare sample weights".into());
        }
        let (weighted, params) = match &weighted {
            Ok(d) => d,
            Err(e) => return Outcome::Failed(format!("building weighted data: {e}")),
        };
        let fitted = est.fit_dyn(weighted, params, &FitContext::new(seed));
        match fitted.and_then(|m| m.predict(f.test.x())) {
            Ok(p) => match beats_dummy(f.task, f.train, f.test, &p) {
                Outcome::Failed(why) => Outcome::Failed(format!(
                    "trained on the data plus relabelled copies weighing 0, {why}: the weights \
                     were not honoured"
                )),
                other => other,
            },
            Err(e) => Outcome::Failed(format!("fit with zero weights on some rows: {e}")),
        }
    });

    r.record("sparse_input_matches_dense", task, || {
        if !caps.sparse {
            return Outcome::Skipped("estimator does not declare sparse input".into());
        }
        let (dense, params) = match &zeroed {
            Ok(d) => d,
            Err(e) => return Outcome::Failed(format!("building data with zeros: {e}")),
        };
        let sparse = match sparse_dataset(dense) {
            Ok(d) => d,
            Err(e) => return Outcome::Failed(format!("building sparse data: {e}")),
        };
        let test = with_zeros(f.test).map(|t| t.x().clone());
        let ctx = FitContext::new(seed);
        match (
            est.fit_dyn(dense, params, &ctx),
            est.fit_dyn(&sparse, params, &ctx),
            test,
        ) {
            (Ok(d), Ok(s), Ok(x)) => {
                same_outputs(f.task, d.as_ref(), &x, s.as_ref(), &to_sparse(&x)).map_or(
                    Outcome::Passed,
                    |why| {
                        Outcome::Failed(format!(
                            "on data half of whose entries are 0, the model fitted on the CSR \
                             copy differs from the dense one: {why}"
                        ))
                    },
                )
            }
            (_, Err(e), _) => Outcome::Failed(format!("declares sparse input but refused it: {e}")),
            (Err(e), _, _) | (_, _, Err(e)) => Outcome::Failed(e.to_string()),
        }
    });

    r.record("categorical_codes_are_used", task, || {
        if !caps.categorical {
            return Outcome::Skipped("estimator does not declare categorical inputs".into());
        }
        let (train, params) = match &categorical {
            Ok(d) => d,
            Err(e) => return Outcome::Failed(format!("building categorical data: {e}")),
        };
        let test = match categorical_data(f.task, seed, 360..480) {
            Ok(t) => t,
            Err(e) => return Outcome::Failed(format!("building categorical data: {e}")),
        };
        categorical_check(f.task, caps.missing_values, train, &test, |d| {
            est.fit_dyn(d, params, &FitContext::new(seed))
        })
    });
}

/// The fit context: a cancel or an expired deadline before the fit, a cancel during it, and
/// predictions that do not depend on the thread count.
fn context_checks(r: &mut Runner<'_>, caps: Capabilities, f: &Fitted<'_>) {
    let est = r.est;
    let seed = r.opts.seed;
    let task = Some(f.task);
    let fit = |data: &Dataset, ctx: &FitContext| est.fit_dyn(data, &f.params, ctx);
    r.record("cancelled_before_the_fit_is_refused", task, || {
        let cancel = CancelFlag::new();
        cancel.cancel();
        match fit(f.train, &FitContext::new(seed).with_cancel(cancel)) {
            Err(e) if e.kind() == ErrorKind::Cancelled => Outcome::Passed,
            Err(e) => Outcome::Failed(format!("expected Cancelled, got {:?}: {e}", e.kind())),
            Ok(_) => Outcome::Failed("a cancelled fit returned a model".into()),
        }
    });

    r.record("expired_deadline_stops_the_fit", task, || {
        let ctx = FitContext::new(seed).with_deadline(Some(Instant::now()));
        match fit(f.train, &ctx) {
            Err(e) if e.kind() == ErrorKind::Timeout => Outcome::Passed,
            Err(e) => Outcome::Failed(format!("expected Timeout, got {:?}: {e}", e.kind())),
            Ok(m) => match m.predict(f.test.x()) {
                Ok(p) if p.len() == f.test.n_rows() && p.iter().all(|v| v.is_finite()) => {
                    Outcome::Passed
                }
                Ok(_) => Outcome::Failed("the model returned at the deadline is unusable".into()),
                Err(e) => Outcome::Failed(format!("the model returned at the deadline: {e}")),
            },
        }
    });

    r.record("cancel_during_the_fit_stops_it", task, || {
        let sink = Arc::new(CancelOnFirstIteration::default());
        let ctx = FitContext {
            progress: Some(sink.clone()),
            ..FitContext::new(seed)
        };
        let sink_cancel = sink.cancel.clone();
        let result = fit(f.train, &ctx.with_cancel(sink_cancel));
        let (seen, after) = (sink.seen(), sink.after());
        if seen == 0 {
            return Outcome::Skipped(
                "the fit reports no iterations, so a cancel during it cannot be observed".into(),
            );
        }
        // The iteration under way when the flag was set may still finish and report.
        if after > 1 {
            return Outcome::Failed(format!(
                "cancelled at the first iteration, the fit went on for {after} more"
            ));
        }
        match result {
            Err(e) if e.kind() == ErrorKind::Cancelled => Outcome::Passed,
            Err(e) => Outcome::Failed(format!("expected Cancelled, got {:?}: {e}", e.kind())),
            Ok(_) => Outcome::Failed(
                "cancelled during the fit, it returned a model instead of Cancelled".into(),
            ),
        }
    });

    r.record("thread_count_does_not_change_predictions", task, || {
        if !caps.deterministic {
            return Outcome::Skipped("estimator does not declare determinism".into());
        }
        match fit(f.train, &FitContext::new(seed).with_threads(4)) {
            Ok(m) => same_outputs(f.task, f.model, f.test.x(), m.as_ref(), f.test.x())
                .map_or(Outcome::Passed, |why| {
                    Outcome::Failed(format!("fitted with 4 threads instead of 1, {why}"))
                }),
            Err(e) => Outcome::Failed(format!("fit with 4 threads: {e}")),
        }
    });
}

/// Cancels its flag at the first `Iteration` event and counts the iterations reported after.
#[derive(Default)]
struct CancelOnFirstIteration {
    cancel: CancelFlag,
    seen: AtomicUsize,
}

impl CancelOnFirstIteration {
    fn seen(&self) -> usize {
        self.seen.load(Ordering::SeqCst)
    }

    fn after(&self) -> usize {
        self.seen().saturating_sub(1)
    }
}

impl ProgressSink for CancelOnFirstIteration {
    fn event(&self, event: &ProgressEvent) {
        if matches!(event, ProgressEvent::Iteration { .. }) {
            self.seen.fetch_add(1, Ordering::SeqCst);
            self.cancel.cancel();
        }
    }
}

/// `None` when the two models give the same outputs (probabilities for classifiers that have
/// them, within 1e-6 relative), otherwise what differs.
fn same_outputs(
    task: Task,
    a: &dyn DynModel,
    xa: &Features,
    b: &dyn DynModel,
    xb: &Features,
) -> Option<String> {
    let close = |u: f64, v: f64| (u - v).abs() <= 1e-6 * (1.0 + u.abs().max(v.abs()));
    if task.is_classification()
        && let (Ok(pa), Ok(pb)) = (a.predict_proba(xa), b.predict_proba(xb))
    {
        let (va, vb) = (pa.into_vec(), pb.into_vec());
        if va.len() != vb.len() {
            return Some(format!(
                "{} probabilities instead of {}",
                vb.len(),
                va.len()
            ));
        }
        return va
            .iter()
            .zip(&vb)
            .position(|(u, v)| !close(*u, *v))
            .map(|i| {
                format!(
                    "probability {i} differs: {:?} vs {:?}",
                    va.get(i),
                    vb.get(i)
                )
            });
    }
    match (a.predict(xa), b.predict(xb)) {
        (Ok(pa), Ok(pb)) if pa.len() == pb.len() => pa
            .iter()
            .zip(&pb)
            .position(|(u, v)| !close(*u, *v))
            .map(|i| format!("prediction {i} differs: {:?} vs {:?}", pa.get(i), pb.get(i))),
        (Ok(pa), Ok(pb)) => Some(format!("{} predictions instead of {}", pb.len(), pa.len())),
        (Err(e), _) | (_, Err(e)) => Some(format!("predict failed: {e}")),
    }
}

/// The training rows plus copies of them with every other label (regression: the target
/// mirrored about its mean), the copies weighing 0. A model that ignores the weights sees
/// contradictory labels and cannot beat the dummy. Stricter than "weights scale the loss": the
/// zero-weight rows must not sway anything else either (bootstrap draws, early-stopping loss).
fn contradicted(train: &Dataset) -> mlpilot_core::Result<Dataset> {
    let x = train.x().to_dense();
    let copies = if train.task().is_classification() {
        train.n_classes()
    } else {
        2
    };
    let n = train.n_rows();
    let mean = train.y().iter().sum::<f64>() / n.max(1) as f64;
    let mut rows = Vec::with_capacity(n * copies);
    let (mut y, mut w) = (Vec::new(), Vec::new());
    for c in 0..copies {
        for (i, &t) in train.y().iter().enumerate() {
            rows.push(x.row(i).map(<[f64]>::to_vec).unwrap_or_default());
            y.push(match train.task() {
                Task::Binary | Task::Multiclass => ((t as usize + c) % copies) as f64,
                _ if c == 0 => t,
                _ => 2.0 * mean - t,
            });
            w.push(if c == 0 { 1.0 } else { 0.0 });
        }
    }
    let x = Features::Dense(Matrix::from_rows(&rows)?);
    let d = if train.task().is_classification() {
        Dataset::classification(x, y, train.n_classes())?
    } else {
        Dataset::regression(x, y)?
    };
    d.with_weights(w)
}

fn to_sparse(x: &Features) -> Features {
    let dense = x.to_dense();
    let mut b = CsrBuilder::new(dense.n_cols());
    for row in dense.rows() {
        b.push_row(row.iter().enumerate().map(|(j, v)| (j as u32, *v)));
    }
    Features::Sparse(b.finish())
}

/// `d` with every entry of magnitude below 0.7 set to exactly 0 (about half of standard-normal
/// features), so that a CSR copy really is sparse.
fn with_zeros(d: &Dataset) -> mlpilot_core::Result<Dataset> {
    let x = d.x().to_dense();
    let rows: Vec<Vec<f64>> = x
        .rows()
        .map(|r| {
            r.iter()
                .map(|v| if v.abs() < 0.7 { 0.0 } else { *v })
                .collect()
        })
        .collect();
    let x = Features::Dense(Matrix::from_rows(&rows)?);
    if d.task().is_classification() {
        Dataset::classification(x, d.y().to_vec(), d.n_classes())
    } else {
        Dataset::regression(x, d.y().to_vec())
    }
}

fn sparse_dataset(d: &Dataset) -> mlpilot_core::Result<Dataset> {
    let x = to_sparse(d.x());
    if d.task().is_classification() {
        Dataset::classification(x, d.y().to_vec(), d.n_classes())
    } else {
        Dataset::regression(x, d.y().to_vec())
    }
}

/// A table whose target is set by membership of a categorical column's code in a random set
/// (40 codes, declared with 42 so that 40 and 41 are never seen), with a second column of noise;
/// rows `rows` of 480 drawn with `seed`.
fn categorical_data(
    task: Task,
    seed: u64,
    rows: std::ops::Range<usize>,
) -> mlpilot_core::Result<Dataset> {
    let mut rng = Rng::new(seed);
    let levels = [0.0, 1.5, 3.0];
    let effect: Vec<f64> = (0..40)
        .map(|_| levels.get(rng.below(3)).copied().unwrap_or(0.0))
        .collect();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..480 {
        let code = rng.below(effect.len());
        let noise = rng.normal();
        let e = effect.get(code).copied().unwrap_or(0.0);
        let target = match task {
            Task::Binary => f64::from(u8::from(e > 1.0)),
            Task::Multiclass => (e / 1.5).round(),
            _ => e + 0.1 * rng.normal(),
        };
        if rows.contains(&i) {
            x.push(vec![code as f64, noise]);
            y.push(target);
        }
    }
    let features = Features::Dense(Matrix::from_rows(&x)?);
    let d = match task {
        Task::Binary => Dataset::classification(features, y, 2)?,
        Task::Multiclass => Dataset::classification(features, y, 3)?,
        _ => Dataset::regression(features, y)?,
    };
    d.with_features(vec![
        FeatureInfo {
            name: "code".into(),
            kind: FeatureKind::Categorical { cardinality: 42 },
        },
        FeatureInfo {
            name: "noise".into(),
            kind: FeatureKind::Numeric,
        },
    ])
}

/// Fitted on codes that decide the target by set membership (which the codes' numeric order
/// does not follow), the model must beat the dummy and give finite predictions for codes it
/// never saw (and missing ones when it declares missing values). A tree that splits on the
/// codes as numbers can pass too, given leaves enough: this checks that categorical
/// descriptions are accepted and used sensibly, not how.
fn categorical_check(
    task: Task,
    missing: bool,
    train: &Dataset,
    test: &Dataset,
    fit: impl Fn(&Dataset) -> mlpilot_core::Result<Box<dyn DynModel>>,
) -> Outcome {
    let model = match fit(train) {
        Ok(m) => m,
        Err(e) => return Outcome::Failed(format!("declares categorical inputs but: {e}")),
    };
    let verdict = match model.predict(test.x()) {
        Ok(p) => beats_dummy(task, train, test, &p),
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    if let Outcome::Failed(why) = verdict {
        return Outcome::Failed(format!("on a target set by category membership, {why}"));
    }
    let mut odd = vec![vec![40.0, 0.0], vec![41.0, 0.0]];
    if missing {
        odd.push(vec![f64::NAN, 0.0]);
    }
    let odd = Matrix::from_rows(&odd);
    match odd.map(Features::Dense).and_then(|x| model.predict(&x)) {
        Ok(p) if p.iter().all(|v| v.is_finite()) => Outcome::Passed,
        Ok(p) => Outcome::Failed(format!("unseen or missing codes predicted as {p:?}")),
        Err(e) => Outcome::Failed(format!("unseen or missing codes: {e}")),
    }
}
