//! Checks of what an estimator claims in its [`Capabilities`] and of the [`FitContext`] it must
//! honour: per-row weights, sparse input, categorical codes, cancellation before and during a
//! fit, an expired deadline, and predictions that do not depend on the thread count.
//!
//! None of them times anything: cancellation during a fit is observed through the fit's own
//! progress events (a sink cancels on the first iteration and counts the iterations after it).

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
    let est = r.est;
    let seed = r.opts.seed;
    let task = Some(f.task);
    let fit = |data: &Dataset, ctx: &FitContext| est.fit_dyn(data, &f.params, ctx);

    r.record("sample_weights_are_honoured", task, || {
        if !caps.sample_weights {
            return Outcome::Skipped("estimator does not declare sample weights".into());
        }
        let weighted = match contradicted(f.train) {
            Ok(d) => d,
            Err(e) => return Outcome::Failed(format!("building weighted data: {e}")),
        };
        match fit(&weighted, &FitContext::new(seed)).and_then(|m| m.predict(f.test.x())) {
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
        let train = match sparse_dataset(f.train) {
            Ok(d) => d,
            Err(e) => return Outcome::Failed(format!("building sparse data: {e}")),
        };
        let test_x = to_sparse(f.test.x());
        match fit(&train, &FitContext::new(seed)) {
            Ok(m) => same_outputs(f.task, f.model, f.test.x(), m.as_ref(), &test_x)
                .map_or(Outcome::Passed, |why| {
                    Outcome::Failed(format!("fitted on the sparse copy of the data, {why}"))
                }),
            Err(e) => Outcome::Failed(format!("declares sparse input but refused it: {e}")),
        }
    });

    r.record("categorical_codes_are_used", task, || {
        if !caps.categorical {
            return Outcome::Skipped("estimator does not declare categorical inputs".into());
        }
        categorical_check(f.task, seed, caps.missing_values, |d| {
            fit(d, &FitContext::new(seed))
        })
    });

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
/// contradictory labels and cannot beat the dummy.
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

fn sparse_dataset(d: &Dataset) -> mlpilot_core::Result<Dataset> {
    let x = to_sparse(d.x());
    if d.task().is_classification() {
        Dataset::classification(x, d.y().to_vec(), d.n_classes())
    } else {
        Dataset::regression(x, d.y().to_vec())
    }
}

/// Codes `0..8` of a categorical column (declared with 10 codes, so 8 and 9 are never seen in
/// training) decide the target by set membership, which no ordering of the codes makes
/// monotone; a second column is noise. The fitted model must beat the dummy and give finite
/// predictions for unseen codes (and missing ones when it declares missing values).
fn categorical_check(
    task: Task,
    seed: u64,
    missing: bool,
    fit: impl Fn(&Dataset) -> mlpilot_core::Result<Box<dyn DynModel>>,
) -> Outcome {
    let mut rng = Rng::new(seed);
    let effect: [f64; 8] = [0.0, 3.0, 0.0, 3.0, 3.0, 0.0, 1.5, 3.0];
    let (mut rows, mut y) = (Vec::new(), Vec::new());
    for _ in 0..480 {
        let code = rng.below(effect.len());
        rows.push(vec![code as f64, rng.normal()]);
        let e = effect.get(code).copied().unwrap_or(0.0);
        y.push(match task {
            Task::Binary => f64::from(u8::from(e > 1.0)),
            Task::Multiclass => (e / 1.5).round(),
            _ => e + 0.1 * rng.normal(),
        });
    }
    let kinds = vec![
        FeatureInfo {
            name: "code".into(),
            kind: FeatureKind::Categorical { cardinality: 10 },
        },
        FeatureInfo {
            name: "noise".into(),
            kind: FeatureKind::Numeric,
        },
    ];
    let build = |rows: &[Vec<f64>], y: &[f64]| -> mlpilot_core::Result<Dataset> {
        let x = Features::Dense(Matrix::from_rows(rows)?);
        let d = match task {
            Task::Binary => Dataset::classification(x, y.to_vec(), 2)?,
            Task::Multiclass => Dataset::classification(x, y.to_vec(), 3)?,
            _ => Dataset::regression(x, y.to_vec())?,
        };
        d.with_features(kinds.clone())
    };
    let (train_rows, test_rows) = rows.split_at(360);
    let (train_y, test_y) = y.split_at(360);
    let (Ok(train), Ok(test)) = (build(train_rows, train_y), build(test_rows, test_y)) else {
        return Outcome::Failed("building categorical data failed".into());
    };
    let model = match fit(&train) {
        Ok(m) => m,
        Err(e) => return Outcome::Failed(format!("declares categorical inputs but: {e}")),
    };
    let verdict = match model.predict(test.x()) {
        Ok(p) => beats_dummy(task, &train, &test, &p),
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    if let Outcome::Failed(why) = verdict {
        return Outcome::Failed(format!("on a target set by category membership, {why}"));
    }
    let mut odd = vec![vec![8.0, 0.0], vec![9.0, 0.0]];
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
