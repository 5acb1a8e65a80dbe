//! The advisor against a local HTTP server replaying recorded answers, including broken ones:
//! each broken answer must end in the rules' answer, with the reason recorded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use mlpilot_core::{
    Advice, AdviceSource, Advisor, DatasetProfile, LanguageModel, Metric, ModelScore, RunContext,
    Task, TaskSpec,
};
use mlpilot_data::{ProfileOptions, profile_frame};
use mlpilot_llm::grounding::{Facts, ungrounded};
use mlpilot_llm::{LlmAdvisor, OllamaModel, OpenAiCompatible, Retrying};

/// One scripted reply: a status and a body (or a delay before answering).
#[derive(Clone)]
enum Reply {
    Content(String),
    Status(u16),
    Slow(Duration),
}

struct Script {
    replies: Mutex<Vec<Reply>>,
    calls: AtomicUsize,
}

fn openai_body(content: &str) -> String {
    serde_json::json!({ "model": "replay", "choices": [{ "message": { "role": "assistant", "content": content } }] }).to_string()
}

async fn serve(script: Arc<Script>) -> String {
    let s1 = script.clone();
    let handler = move |ollama: bool| {
        let s = s1.clone();
        async move {
            s.calls.fetch_add(1, Ordering::SeqCst);
            let reply = {
                let mut r = s.replies.lock().unwrap();
                if r.len() > 1 {
                    r.remove(0)
                } else {
                    r[0].clone()
                }
            };
            match reply {
                Reply::Content(c) => {
                    let body = if ollama {
                        serde_json::json!({"model": "replay", "created_at": "2026-01-01T00:00:00Z", "message": {"role": "assistant", "content": c}, "done": true}).to_string()
                    } else {
                        openai_body(&c)
                    };
                    (StatusCode::OK, body).into_response()
                }
                Reply::Status(code) => {
                    (StatusCode::from_u16(code).unwrap(), "upstream trouble").into_response()
                }
                Reply::Slow(d) => {
                    tokio::time::sleep(d).await;
                    (StatusCode::OK, openai_body("late")).into_response()
                }
            }
        }
    };
    let h1 = handler.clone();
    let app = Router::new()
        .route("/v1/chat/completions", post(move || h1(false)))
        .route("/api/chat", post(move || handler(true)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn script(replies: Vec<Reply>) -> Arc<Script> {
    Arc::new(Script {
        replies: Mutex::new(replies),
        calls: AtomicUsize::new(0),
    })
}

fn customers() -> DatasetProfile {
    let frame = mlpilot_testkit::synthetic::customer_frame(200, 1);
    profile_frame(&frame, "customers", &ProfileOptions::default()).unwrap()
}

fn run_context() -> RunContext {
    RunContext {
        task: Task::Binary,
        target: "churn".into(),
        metric: Metric::RocAuc,
        n_rows: 200,
        n_columns: 5,
        best_model: "gbdt.hist_gbm".into(),
        best_score: 0.8634,
        baseline_score: Some(0.5),
        leaderboard: vec![
            ModelScore {
                model: "gbdt.hist_gbm".into(),
                score: 0.8634,
                std: 0.021,
                fit_secs: 0.12,
            },
            ModelScore {
                model: "linfa.logistic_regression".into(),
                score: 0.8312,
                std: 0.03,
                fit_secs: 0.01,
            },
        ],
        importances: vec![("support_calls".into(), 0.41), ("plan".into(), 0.22)],
        trials: 24,
        elapsed_secs: 9.7,
        class_counts: vec![("no".into(), 130), ("yes".into(), 70)],
        dropped_columns: vec![],
        input_columns: vec!["support_calls".into(), "plan".into(), "age".into()],
    }
}

/// "predict who churns" on the customers' profile, answered by the scripted replies.
async fn churn_task(replies: Vec<Reply>) -> (Advice<TaskSpec>, Arc<Script>) {
    let s = script(replies);
    let base = serve(s.clone()).await;
    let a = advisor(&base, Duration::from_secs(5))
        .await
        .define_task("predict who churns", &customers())
        .await
        .unwrap();
    (a, s)
}

/// The rules answered, and the reason names `needle`.
fn fell_back<T: std::fmt::Debug>(a: &Advice<T>, needle: &str) {
    assert_eq!(a.source, AdviceSource::Rules, "{a:?}");
    assert!(
        a.fallback_reason.as_deref().unwrap_or("").contains(needle),
        "{a:?}"
    );
}

async fn advisor(base: &str, timeout: Duration) -> LlmAdvisor {
    let llm: Arc<dyn LanguageModel> = Arc::new(Retrying::new(
        Arc::new(OpenAiCompatible::new(&format!("{base}/v1"), "replay", None).unwrap()),
        3,
        Duration::from_millis(10),
    ));
    LlmAdvisor::new(llm).with_timeout(timeout)
}

#[tokio::test]
async fn a_valid_answer_is_used() {
    let (a, s) = churn_task(vec![Reply::Content(r#"{"column": "churn"}"#.into())]).await;
    assert!(matches!(a.source, AdviceSource::Llm { .. }), "{a:?}");
    assert_eq!(a.value.target, "churn");
    assert_eq!(a.value.task, Task::Binary);
    assert!(a.fallback_reason.is_none());
    assert!(!a.value.undecided);
    // Two picks (the list in both orders) and the duel of the rules' two best (both orders).
    assert_eq!(s.calls.load(Ordering::SeqCst), 4);
    assert!(
        a.value.notes.iter().any(|n| n.contains("picked `churn`")),
        "{:?}",
        a.value.notes
    );
}

fn two_diseases() -> DatasetProfile {
    let mut text = String::from("age,heart_disease,lung_disease,bmi\n");
    let mut rng = mlpilot_core::Rng::new(3);
    for _ in 0..200 {
        let yn = |b: bool| if b { "yes" } else { "no" };
        text.push_str(&format!(
            "{},{},{},{:.1}\n",
            20 + rng.below(60),
            yn(rng.bernoulli(0.3)),
            yn(rng.bernoulli(0.2)),
            rng.uniform_range(15.0, 45.0)
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("patients.csv");
    std::fs::write(&path, text).unwrap();
    mlpilot_data::load_and_profile(path.to_str().unwrap(), None)
        .unwrap()
        .1
}

#[tokio::test]
async fn an_answer_that_follows_the_order_leaves_the_choice_to_the_person() {
    // The goal names both columns equally; the model picks whatever it reads first.
    let p = two_diseases();
    let s = script(vec![
        Reply::Content(r#"{"column": "heart_disease"}"#.into()),
        Reply::Content(r#"{"column": "lung_disease"}"#.into()),
        Reply::Content(r#"{"column": "heart_disease"}"#.into()),
        Reply::Content(r#"{"column": "lung_disease"}"#.into()),
    ]);
    let base = serve(s).await;
    let a = advisor(&base, Duration::from_secs(5))
        .await
        .define_task("predict the disease", &p)
        .await
        .unwrap();
    assert!(matches!(a.source, AdviceSource::Llm { .. }), "{a:?}");
    assert!(a.value.undecided, "{:?}", a.value);
    let other = a.value.runner_up.clone().expect("a runner-up").target;
    let mut both = [a.value.target.clone(), other];
    both.sort();
    assert_eq!(both, ["heart_disease", "lung_disease"]);
    assert!(
        a.value.notes.iter().any(|n| n.contains("not counted")),
        "{:?}",
        a.value.notes
    );
}

#[tokio::test]
async fn an_answer_that_holds_in_both_orders_decides() {
    let p = two_diseases();
    let s = script(vec![Reply::Content(r#"{"column": "lung_disease"}"#.into())]);
    let base = serve(s).await;
    let a = advisor(&base, Duration::from_secs(5))
        .await
        .define_task("predict the disease", &p)
        .await
        .unwrap();
    assert_eq!(a.value.target, "lung_disease", "{:?}", a.value);
    assert!(!a.value.undecided, "{:?}", a.value);
    assert_eq!(a.value.runner_up.unwrap().target, "heart_disease");
}

#[tokio::test]
async fn a_pick_against_strong_evidence_does_not_win() {
    // The model insists on `plan`; the goal's words, the column's two outcomes and the
    // profile all point to `churn`.
    let (a, _) = churn_task(vec![Reply::Content(r#"{"column": "plan"}"#.into())]).await;
    assert_eq!(a.value.target, "churn", "{:?}", a.value);
    assert!(
        a.value.notes.iter().any(|n| n.contains("picked `plan`")),
        "{:?}",
        a.value.notes
    );
}

#[tokio::test]
async fn http_500_is_retried_then_falls_back() {
    let (a, s) = churn_task(vec![Reply::Status(500)]).await;
    fell_back(&a, "HTTP 500");
    assert_eq!(
        s.calls.load(Ordering::SeqCst),
        3,
        "three attempts for a transient error"
    );
    assert_eq!(a.value.target, "churn", "the rules still find the target");
}

#[tokio::test]
async fn a_timeout_falls_back() {
    let s = script(vec![Reply::Slow(Duration::from_secs(3))]);
    let base = serve(s).await;
    let llm: Arc<dyn LanguageModel> =
        Arc::new(OpenAiCompatible::new(&format!("{base}/v1"), "replay", None).unwrap());
    let adv = LlmAdvisor::new(llm).with_timeout(Duration::from_millis(300));
    let a = adv
        .define_task("predict who churns", &customers())
        .await
        .unwrap();
    fell_back(&a, "timed out");
}

#[tokio::test]
async fn invalid_json_falls_back() {
    let (a, _) = churn_task(vec![Reply::Content(
        "the target is churn, obviously".into(),
    )])
    .await;
    fell_back(&a, "not valid JSON");
}

#[tokio::test]
async fn a_column_that_does_not_exist_falls_back() {
    let (a, _) = churn_task(vec![Reply::Content(r#"{"column": "cancelled"}"#.into())]).await;
    fell_back(&a, "`cancelled` is not a column");
}

#[tokio::test]
async fn ungrounded_numbers_are_regenerated_then_refused() {
    // First answer invents 0.91; the second is grounded.
    let s = script(vec![
        Reply::Content("Gradient boosting reaches ROC AUC 0.91.".into()),
        Reply::Content(
            "Gradient boosting reaches ROC AUC 0.8634 against 0.5 for the baseline.".into(),
        ),
    ]);
    let base = serve(s.clone()).await;
    let a = advisor(&base, Duration::from_secs(5))
        .await
        .explain_results(&run_context())
        .await
        .unwrap();
    assert!(matches!(a.source, AdviceSource::Llm { .. }), "{a:?}");
    assert!(a.value.contains("0.8634"));
    assert_eq!(s.calls.load(Ordering::SeqCst), 2);
    // Invented twice: the template text, every number grounded.
    let s = script(vec![Reply::Content("It scores 0.97 on 5,000 rows.".into())]);
    let base = serve(s).await;
    let run = run_context();
    let a = advisor(&base, Duration::from_secs(5))
        .await
        .explain_results(&run)
        .await
        .unwrap();
    fell_back(&a, "0.97");
    assert!(
        ungrounded(&a.value, &Facts::from_run(&run)).is_empty(),
        "{}",
        a.value
    );
}

#[tokio::test]
async fn proposals_are_validated() {
    let s = script(vec![Reply::Content(
        r#"{"proposals": [
            {"kind": "exclude_columns", "columns": ["nonexistent"], "reason": "x"},
            {"kind": "change_metric", "metric": "r2", "reason": "y"},
            {"kind": "rebalance_classes", "reason": "the classes are uneven"},
            {"kind": "raise_budget", "seconds": 60, "reason": "more time"}
        ]}"#
        .into(),
    )]);
    let base = serve(s).await;
    let a = advisor(&base, Duration::from_secs(5))
        .await
        .propose_adjustments("how can it improve?", &run_context())
        .await
        .unwrap();
    assert!(matches!(a.source, AdviceSource::Llm { .. }));
    assert_eq!(a.value.len(), 2, "{:?}", a.value);
}

#[tokio::test]
async fn the_ollama_provider_speaks_api_chat() {
    let s = script(vec![Reply::Content(r#"{"column": "churn"}"#.into())]);
    let base = serve(s).await;
    let llm: Arc<dyn LanguageModel> = Arc::new(OllamaModel::new(&base, "replay").unwrap());
    let a = LlmAdvisor::new(llm)
        .define_task("predict who churns", &customers())
        .await
        .unwrap();
    assert!(matches!(a.source, AdviceSource::Llm { .. }), "{a:?}");
    assert_eq!(a.value.target, "churn");
}

#[tokio::test]
async fn prediction_explanations_are_grounded_or_the_template() {
    let p = mlpilot_core::PredictionContext {
        task: mlpilot_core::Task::Binary,
        prediction: "yes".into(),
        output: 0.82,
        base_value: 0.3,
        class: Some("yes".into()),
        contributions: vec![
            ("plan".into(), "basic".into(), 0.31),
            ("support_calls".into(), "5".into(), 0.21),
        ],
    };
    // A grounded answer is used as written.
    let s = script(vec![Reply::Content(
        "Churn is likely (0.82) mostly because of the `basic` plan (+0.31) and 5 support calls (+0.21).".into(),
    )]);
    let base = serve(s).await;
    let a = advisor(&base, Duration::from_secs(5))
        .await
        .explain_prediction(&p)
        .await
        .unwrap();
    assert!(matches!(a.source, AdviceSource::Llm { .. }), "{a:?}");
    assert!(a.value.contains("0.31"));
    // An invented number, twice: the template, with the reason.
    let s = script(vec![Reply::Content(
        "The plan adds 0.45 to the risk.".into(),
    )]);
    let base = serve(s).await;
    let a = advisor(&base, Duration::from_secs(5))
        .await
        .explain_prediction(&p)
        .await
        .unwrap();
    fell_back(&a, "0.45");
    assert_eq!(a.value, p.sentence());
    assert!(
        a.value
            .starts_with("Predicted yes (0.82), mainly because plan = basic (+0.310)")
    );
}

#[tokio::test]
async fn a_grounded_but_false_comparison_is_regenerated_then_refused() {
    // Every number is the run's; the comparison is the wrong way round (0.8634 is above 0.5).
    let false_claim = "The model scores lower than the baseline: ROC AUC 0.8634 against 0.5.";
    let s = script(vec![
        Reply::Content(false_claim.into()),
        Reply::Content("The model scores ROC AUC 0.8634, above the baseline of 0.5.".into()),
    ]);
    let base = serve(s.clone()).await;
    let a = advisor(&base, Duration::from_secs(5))
        .await
        .explain_results(&run_context())
        .await
        .unwrap();
    assert!(matches!(a.source, AdviceSource::Llm { .. }), "{a:?}");
    assert!(a.value.contains("above the baseline"), "{}", a.value);
    assert_eq!(s.calls.load(Ordering::SeqCst), 2, "regenerated once");
    // Wrong twice: the template, with the reason.
    let s = script(vec![Reply::Content(false_claim.into())]);
    let base = serve(s).await;
    let a = advisor(&base, Duration::from_secs(5))
        .await
        .answer("why is the model not better?", &run_context())
        .await
        .unwrap();
    fell_back(&a, "wrong way round");
    // A name that is not in the run (a value taken for a column) is refused the same way.
    let s = script(vec![Reply::Content(
        "Leave out `female` to improve it.".into(),
    )]);
    let base = serve(s).await;
    let a = advisor(&base, Duration::from_secs(5))
        .await
        .answer("what should I change?", &run_context())
        .await
        .unwrap();
    fell_back(&a, "`female`");
}

#[test]
fn a_request_the_rules_do_not_read_is_read_by_the_model_and_checked() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/titanic.csv");
    let frame = mlpilot::data::load_frame(path).unwrap().0;
    let session = |reply: &str| {
        let s = script(vec![Reply::Content(reply.into())]);
        let base = rt.block_on(serve(s));
        let adv = rt.block_on(advisor(&base, Duration::from_secs(5)));
        let mut session =
            mlpilot::Session::new(frame.clone(), path, Arc::new(adv), Duration::from_secs(20))
                .unwrap();
        session.config.target = Some("target".into());
        session.config.task = Some(Task::Binary);
        session.config.metric = Some(Metric::RocAuc);
        session.config.max_trials = Some(3);
        session.config.estimators = Some(vec!["gbdt.hist_gbm".into()]);
        session.spec = Some(mlpilot_core::TaskSpec {
            task: Task::Binary,
            target: "target".into(),
            metric: Metric::RocAuc,
            excluded: vec![],
            time_column: None,
            horizon: None,
            notes: vec![],
            runner_up: None,
            undecided: false,
        });
        rt.block_on(session.run()).unwrap();
        session
    };
    // The rules read "get rid of" but find no column called "ticket class"; the model's
    // reading names `pclass`, which the request names ("class"), so it is tried.
    let mut s = session(r#"{"action": "leave_out", "columns": ["pclass"]}"#);
    match rt
        .block_on(s.request("get rid of the ticket class column"))
        .unwrap()
    {
        Some(mlpilot::Outcome::Trial { trial }) => assert_eq!(
            trial.proposal.adjustment,
            mlpilot_core::Adjustment::ExcludeColumns {
                columns: vec!["pclass".into()]
            }
        ),
        other => panic!("{other:?}"),
    }
    // A reading that names a column the request does not: refused; the rules' answer stands.
    let mut s = session(r#"{"action": "leave_out", "columns": ["age"]}"#);
    match rt
        .block_on(s.request("get rid of the ticket class column"))
        .unwrap()
    {
        Some(mlpilot::Outcome::Said { text }) => {
            assert!(text.contains("no column is called `ticket`"), "{text}")
        }
        other => panic!("{other:?}"),
    }
    // A request no rule reads, which the model cannot read as a change either: said so, with
    // what can be done.
    let mut s = session(r#"{"action": "leave_out", "columns": ["age"]}"#);
    match rt
        .block_on(s.request("make the ticket class matter less"))
        .unwrap()
    {
        Some(mlpilot::Outcome::Said { text }) => assert!(
            text.contains("I could not read that") && text.contains("I can leave out"),
            "{text}"
        ),
        other => panic!("{other:?}"),
    }
}
