//! What a program driving a `Session` (the web app, an embedder) needs beyond the conversation:
//! setting the task by hand (checked), the plan as data, progress events and a stop that keeps
//! the best model found so far.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mlpilot::core::{CancelFlag, Metric, ProgressEvent, ProgressSink, Task};
use mlpilot::{ErrorKind, Session};

fn session(budget: u64) -> Session {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/titanic.csv");
    let frame = mlpilot::data::load_frame(path).unwrap().0;
    Session::new(
        frame,
        path,
        Arc::new(mlpilot::llm::OfflineAdvisor),
        Duration::from_secs(budget),
    )
    .unwrap()
}

#[tokio::test]
async fn setting_the_task_by_hand_is_checked_against_the_column_and_the_metric() {
    let mut s = session(10);
    let e = s.set_task("survival", None, None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.to_string().contains("`pclass`"),
        "the columns are named: {e}"
    );
    let e = s
        .set_task("sex", Some(Task::Regression), None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("labels"), "{e}");
    let e = s
        .set_task("target", None, Some(Metric::R2))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("binary"), "{e}");

    let spec = s.set_task("sex", None, None).await.unwrap();
    assert_eq!(
        (spec.target.as_str(), spec.task, spec.metric),
        ("sex", Task::Binary, Metric::RocAuc)
    );
    assert_eq!(s.config.target.as_deref(), Some("sex"));
    let spec = s.set_task("age", None, Some(Metric::Mae)).await.unwrap();
    assert_eq!((spec.task, spec.metric), (Task::Regression, Metric::Mae));
    assert!(
        spec.notes
            .iter()
            .any(|n| n.contains("the person set the task"))
    );
    assert_eq!(
        s.profile().target.as_ref().map(|t| t.name.as_str()),
        Some("age")
    );
}

#[tokio::test]
async fn the_plan_lists_every_step_with_its_reason() {
    let mut s = session(10);
    assert!(s.plan_steps().is_err(), "no plan before a task");
    s.set_goal("who survived").await.unwrap();
    let steps = s.plan_steps().unwrap();
    assert!(
        steps
            .iter()
            .any(|st| st.column == "age" && st.step.contains("impute")),
        "{steps:?}"
    );
    assert!(steps.iter().all(|st| !st.reason.is_empty()));
    assert!(
        steps.iter().all(|st| st.column != "target"),
        "the target is not an input"
    );
}

/// Counts trials and, after the first, asks the search to stop.
struct StopAfterFirst {
    flag: CancelFlag,
    trials: Mutex<Vec<usize>>,
}

impl ProgressSink for StopAfterFirst {
    fn event(&self, e: &ProgressEvent) {
        if let ProgressEvent::Trial { done, .. } = e {
            self.trials.lock().unwrap().push(*done);
            self.flag.cancel();
        }
    }
}

#[tokio::test]
async fn a_stopped_search_keeps_the_best_model_found_so_far() {
    let mut s = session(600);
    s.set_goal("who survived").await.unwrap();
    let flag = CancelFlag::new();
    let sink = Arc::new(StopAfterFirst {
        flag: flag.clone(),
        trials: Mutex::new(Vec::new()),
    });
    s.set_cancel(flag);
    s.set_progress(Some(Arc::clone(&sink) as Arc<dyn ProgressSink>));
    s.run().await.unwrap();
    let t = s.trained.as_ref().unwrap();
    assert_eq!(t.result.stopped, "cancelled");
    assert!(t.result.score > 0.7, "a real model: {}", t.result.score);
    let seen = sink.trials.lock().unwrap().clone();
    assert!(!seen.is_empty(), "progress was reported");
    assert!(
        t.result.trials <= seen.len() + 8,
        "the search stopped after the trials in flight ({} trials, {} reported)",
        t.result.trials,
        seen.len()
    );
    // The next run starts with a fresh flag, so it searches again.
    s.set_cancel(CancelFlag::new());
    s.set_progress(None);
    s.config.max_trials = Some(3);
    s.run().await.unwrap();
    assert_ne!(s.trained.as_ref().unwrap().result.stopped, "cancelled");
}

/// A session lives in a server's task: its futures are `Send`, it asks the advisor without
/// blocking the executor and trains on the blocking pool (it used to own a runtime and call
/// `block_on`, which panics inside async code).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_runs_inside_a_spawned_task() {
    let mut s = session(10);
    s.config.max_trials = Some(2);
    let task = tokio::spawn(async move {
        s.set_goal("who survived").await?;
        s.run().await?;
        Ok::<_, mlpilot::Error>(s)
    });
    let s = task.await.unwrap().unwrap();
    let t = s.trained.as_ref().unwrap();
    assert_eq!(t.target(), "target");
    assert!(t.result.score > 0.7, "{}", t.result.score);
}
