//! A provider of one's own behind `LlmAdvisor`: a good answer is used, a bad one is refused and
//! the rules decide, with the reason said.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use mlpilot::core::{AdviceSource, Advisor};
use mlpilot::llm::LlmAdvisor;
use mlpilot_examples::provider::ScriptedModel;

fn profile() -> mlpilot::DatasetProfile {
    let frame = mlpilot_testkit::synthetic::customer_frame(300, 2);
    mlpilot::data::profile_frame(
        &frame,
        "customers",
        &mlpilot::data::ProfileOptions::default(),
    )
    .unwrap()
}

const GOAL: &str = "which customers will churn";

#[tokio::test]
async fn a_valid_answer_is_used() {
    let model = Arc::new(ScriptedModel::new(&[r#"{"column": "churn"}"#]));
    let advisor = LlmAdvisor::new(model.clone());
    let advice = advisor.define_task(GOAL, &profile()).await.unwrap();
    assert!(model.answered() >= 2, "asked {} times", model.answered());
    assert_eq!(advice.value.target, "churn");
    assert_eq!(
        advice.source,
        AdviceSource::Llm {
            model: "scripted".into()
        }
    );
    assert!(advice.fallback_reason.is_none());
    assert!(
        advice
            .value
            .notes
            .iter()
            .any(|n| n.contains("the assistant picked `churn`")),
        "{:?}",
        advice.value.notes
    );
}

#[tokio::test]
async fn an_answer_that_is_not_json_falls_back_to_the_rules() {
    let advisor = LlmAdvisor::new(Arc::new(ScriptedModel::new(&["I would say churn."])));
    let advice = advisor.define_task(GOAL, &profile()).await.unwrap();
    assert_eq!(advice.value.target, "churn");
    let reason = advice.fallback_reason.unwrap();
    assert!(reason.contains("not valid JSON"), "{reason}");
}

#[tokio::test]
async fn a_column_the_model_was_not_shown_is_refused() {
    let advisor = LlmAdvisor::new(Arc::new(ScriptedModel::new(&[
        r#"{"column": "favourite_colour"}"#,
    ])));
    let advice = advisor.define_task(GOAL, &profile()).await.unwrap();
    assert_eq!(advice.value.target, "churn");
    assert!(advice.fallback_reason.is_some());
}
