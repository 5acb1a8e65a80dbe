//! End to end against a real language model (Qwen2.5-Coder-0.5B-Instruct served locally by
//! `scripts/local-llm.sh`), through the OpenAI-compatible API and the Ollama API.
//!
//! The server must be running (CI starts it). Set `MLPILOT_SKIP_LLM_TESTS=1` to skip these tests
//! explicitly on a machine without it; they fail otherwise, so that a missing model is noticed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    // A test tells one scenario from start to end.
    clippy::too_many_lines
)]

use std::sync::Arc;
use std::time::Duration;

use mlpilot_core::{
    Advisor, Column, ColumnData, Frame, LanguageModel, Metric, ModelScore, Rng, RunContext, Task,
};
use mlpilot_data::{ProfileOptions, profile_frame};
use mlpilot_llm::grounding::{Facts, ungrounded};
use mlpilot_llm::{LlmAdvisor, OllamaModel, OpenAiCompatible};

const OPENAI: &str = "http://127.0.0.1:8091/v1";
const OLLAMA: &str = "http://127.0.0.1:11434";
const MODEL: &str = "qwen2.5-coder-0.5b";

fn available() -> bool {
    if std::env::var("MLPILOT_SKIP_LLM_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("MLPILOT_SKIP_LLM_TESTS=1: skipping the live language-model tests");
        return false;
    }
    let ok = std::net::TcpStream::connect_timeout(
        &"127.0.0.1:8091".parse().unwrap(),
        Duration::from_secs(1),
    )
    .is_ok()
        && std::net::TcpStream::connect_timeout(
            &"127.0.0.1:11434".parse().unwrap(),
            Duration::from_secs(1),
        )
        .is_ok();
    assert!(
        ok,
        "the local LLM is not running: start it with `scripts/local-llm.sh start` (or set MLPILOT_SKIP_LLM_TESTS=1)"
    );
    true
}

fn advisors() -> Vec<LlmAdvisor> {
    let openai: Arc<dyn LanguageModel> =
        Arc::new(OpenAiCompatible::new(OPENAI, MODEL, None).unwrap());
    let ollama: Arc<dyn LanguageModel> = Arc::new(OllamaModel::new(OLLAMA, MODEL).unwrap());
    vec![
        LlmAdvisor::new(openai).with_timeout(Duration::from_secs(180)),
        LlmAdvisor::new(ollama).with_timeout(Duration::from_secs(180)),
    ]
}

fn table(columns: Vec<Column>) -> Frame {
    Frame::new(columns).unwrap()
}

/// Three tables whose targets carry ordinary names and sit in the middle of the columns.
fn cases() -> Vec<(&'static str, Frame, &'static str, Task)> {
    let n = 120;
    let mut r = Rng::new(4);
    let churn = table(vec![
        Column::new(
            "customer_id",
            ColumnData::Int((0..n).map(|i| Some(5000 + i as i64)).collect()),
        ),
        Column::from_f64("tenure", (0..n).map(|_| (r.uniform() * 70.0).round())),
        Column::from_f64(
            "MonthlyCharges",
            (0..n).map(|_| 20.0 + (r.uniform() * 9000.0).round() / 100.0),
        ),
        Column::from_strs(
            "Churn",
            (0..n).map(|i| if i % 3 == 0 { "Yes" } else { "No" }),
        ),
        Column::from_strs(
            "Contract",
            (0..n).map(|i| ["Month-to-month", "One year", "Two year"][i % 3]),
        ),
        Column::from_strs(
            "PaymentMethod",
            (0..n).map(|i| ["Electronic check", "Mailed check", "Bank transfer"][(i / 2) % 3]),
        ),
    ]);
    let houses = table(vec![
        Column::from_f64(
            "Lot_Area",
            (0..n).map(|_| (5000.0 + r.uniform() * 10000.0).round()),
        ),
        Column::from_strs(
            "Neighborhood",
            (0..n).map(|i| ["North_Ames", "College_Creek", "Old_Town", "Edwards"][i % 4]),
        ),
        Column::from_f64(
            "Sale_Price",
            (0..n).map(|_| (100_000.0 + r.uniform() * 200_000.0).round()),
        ),
        Column::from_f64(
            "Year_Built",
            (0..n).map(|_| 1900.0 + (r.uniform() * 110.0).round()),
        ),
        Column::from_f64(
            "Gr_Liv_Area",
            (0..n).map(|_| (800.0 + r.uniform() * 2000.0).round()),
        ),
    ]);
    let flowers = table(vec![
        Column::from_f64(
            "sepal_length",
            (0..n).map(|_| 4.3 + (r.uniform() * 36.0).round() / 10.0),
        ),
        Column::from_f64(
            "sepal_width",
            (0..n).map(|_| 2.0 + (r.uniform() * 24.0).round() / 10.0),
        ),
        Column::from_strs(
            "species",
            (0..n).map(|i| ["setosa", "versicolor", "virginica"][i % 3]),
        ),
        Column::from_f64(
            "petal_length",
            (0..n).map(|_| 1.0 + (r.uniform() * 59.0).round() / 10.0),
        ),
        Column::from_f64(
            "petal_width",
            (0..n).map(|_| 0.1 + (r.uniform() * 24.0).round() / 10.0),
        ),
    ]);
    vec![
        (
            "predict which customers are going to churn",
            churn.clone(),
            "Churn",
            Task::Binary,
        ),
        // The words of the goal echo another column (`Contract`, the house's `Neighborhood`
        // is not named, but "house" and "sell" are not the target's words either).
        (
            "find out which customers are going to cancel their contract",
            churn,
            "Churn",
            Task::Binary,
        ),
        (
            "estimate what a house will sell for",
            houses.clone(),
            "Sale_Price",
            Task::Regression,
        ),
        (
            "estimate the sale price of a house",
            houses,
            "Sale_Price",
            Task::Regression,
        ),
        (
            "tell which species a flower belongs to",
            flowers,
            "species",
            Task::Multiclass,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goals_find_the_target_and_task_through_both_apis() {
    if !available() {
        return;
    }
    for adv in advisors() {
        for (goal, frame, target, task) in cases() {
            let profile = profile_frame(&frame, "t", &ProfileOptions::default()).unwrap();
            let a = adv.define_task(goal, &profile).await.unwrap();
            eprintln!(
                "{} | {goal} → {} {} ({:?}, fallback {:?}, notes {:?})",
                adv.name(),
                a.value.target,
                a.value.task,
                a.source,
                a.fallback_reason,
                a.value.notes
            );
            assert_eq!(a.value.target, target, "{}: {goal}", adv.name());
            assert_eq!(a.value.task, task, "{}: {goal}", adv.name());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_number_in_the_narrative_is_grounded() {
    if !available() {
        return;
    }
    let run = RunContext {
        task: Task::Binary,
        target: "Churn".into(),
        metric: Metric::RocAuc,
        n_rows: 7043,
        n_columns: 19,
        best_model: "gbdt.hist_gbm".into(),
        best_score: 0.8467,
        baseline_score: Some(0.5),
        leaderboard: vec![
            ModelScore {
                model: "gbdt.hist_gbm".into(),
                score: 0.8467,
                std: 0.011,
                fit_secs: 0.9,
            },
            ModelScore {
                model: "linfa.logistic_regression".into(),
                score: 0.8412,
                std: 0.012,
                fit_secs: 0.05,
            },
        ],
        importances: vec![
            ("tenure".into(), 0.31),
            ("Contract".into(), 0.24),
            ("MonthlyCharges".into(), 0.12),
        ],
        trials: 41,
        elapsed_secs: 29.6,
        class_counts: vec![("No".into(), 5174), ("Yes".into(), 1869)],
        dropped_columns: vec![("customerID".into(), "identifies rows".into())],
        input_columns: vec![
            "tenure".into(),
            "Contract".into(),
            "MonthlyCharges".into(),
            "PaymentMethod".into(),
        ],
    };
    let facts = Facts::from_run(&run);
    for adv in advisors() {
        let a = adv.explain_results(&run).await.unwrap();
        eprintln!(
            "{}: [{:?}, fallback {:?}] {}",
            adv.name(),
            a.source,
            a.fallback_reason,
            a.value
        );
        assert!(!a.value.is_empty());
        assert!(
            ungrounded(&a.value, &facts).is_empty(),
            "ungrounded numbers in: {}",
            a.value
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn predictions_are_explained_in_grounded_words() {
    if !available() {
        return;
    }
    let p = mlpilot_core::PredictionContext {
        task: Task::Binary,
        prediction: "survived".into(),
        output: 0.93,
        base_value: 0.38,
        class: Some("survived".into()),
        contributions: vec![
            ("sex".into(), "female".into(), 0.31),
            ("pclass".into(), "1st".into(), 0.19),
            ("age".into(), "29".into(), 0.05),
        ],
    };
    let facts = {
        let mut f = Facts::new();
        f.add(0.93)
            .add(0.38)
            .add(0.31)
            .add(0.19)
            .add(0.05)
            .add(29.0);
        f
    };
    for advisor in advisors() {
        let a = advisor.explain_prediction(&p).await.unwrap();
        // Either the model's text, grounded, or the template with the reason shown.
        assert!(ungrounded(&a.value, &facts).is_empty(), "{}", a.value);
        if a.fallback_reason.is_none() {
            assert!(matches!(a.source, mlpilot_core::AdviceSource::Llm { .. }));
        } else {
            assert_eq!(a.value, p.sentence());
        }
        assert!(!a.value.is_empty());
    }
}
