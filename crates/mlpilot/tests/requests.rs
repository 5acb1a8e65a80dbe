//! Requests in a person's words through the library `Session`, one test per typed action, on
//! the bundled Titanic table with the offline assistant: each change that alters the model
//! re-runs the search and is kept only when validation improves beyond its fold spread.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    // A test tells one scenario from start to end.
    clippy::too_many_lines
)]

use std::sync::Arc;
use std::time::Duration;

use mlpilot::core::Adjustment;
use mlpilot::{Outcome, Session};

async fn session() -> Session {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/titanic.csv");
    let frame = mlpilot::data::load_frame(path).unwrap().0;
    let mut s = Session::new(
        frame,
        path,
        Arc::new(mlpilot::llm::OfflineAdvisor),
        Duration::from_secs(20),
    )
    .unwrap();
    s.config.max_trials = Some(4);
    s.config.estimators = Some(vec![
        "gbdt.hist_gbm".into(),
        "linfa.logistic_regression".into(),
    ]);
    s.set_goal("who survived").await.unwrap();
    s.run().await.unwrap();
    s
}

async fn trial(s: &mut Session, text: &str) -> mlpilot::Trial {
    match s.request(text).await.unwrap() {
        Some(Outcome::Trial { trial }) => trial,
        other => panic!("{text}: {other:?}"),
    }
}

async fn said(s: &mut Session, text: &str) -> String {
    match s.request(text).await.unwrap() {
        Some(Outcome::Said { text }) => text,
        other => panic!("{text}: {other:?}"),
    }
}

#[tokio::test]
async fn each_typed_action_reruns_and_keeps_only_what_beats_the_noise() {
    let mut s = session().await;
    let before = s.trained.as_ref().unwrap().result.score;
    // Leave out a column: tried on the same folds; kept only beyond the spread.
    let t = trial(&mut s, "please leave out the column sibsp").await;
    assert_eq!(
        t.proposal.adjustment,
        Adjustment::ExcludeColumns {
            columns: vec!["sibsp".into()]
        }
    );
    assert_eq!(t.before, before);
    let after = t.after.expect("re-run");
    let noise = t.noise.expect("the spread");
    assert_eq!(t.kept, after > before && after - before > noise, "{t:?}");
    assert_eq!(s.config.exclude.contains(&"sibsp".to_string()), t.kept);
    // A value is not a column: an honest answer, nothing re-run.
    let why = said(&mut s, "leave out female").await;
    assert!(why.contains("`female` is a value of `sex`"), "{why}");
    // Bring a column back.
    let t = trial(&mut s, "bring back sibsp").await;
    assert!(matches!(
        t.proposal.adjustment,
        Adjustment::IncludeColumns { .. }
    ));
    // Another metric: compared under that metric on the current model's validation rows.
    let t = trial(&mut s, "optimise recall").await;
    assert_eq!(
        t.proposal.adjustment,
        Adjustment::ChangeMetric {
            metric: mlpilot::core::Metric::Recall
        }
    );
    assert!(t.after.is_some());
    // Model families.
    let t = trial(&mut s, "only linear models").await;
    assert_eq!(
        t.proposal.adjustment,
        Adjustment::RestrictModels {
            models: vec!["linear".into()]
        }
    );
    // The budget.
    let t = trial(&mut s, "spend five seconds").await;
    assert_eq!(
        t.proposal.adjustment,
        Adjustment::RaiseBudget { seconds: 5.0 }
    );
    // Rebalance.
    let t = trial(&mut s, "rebalance the classes").await;
    assert_eq!(t.proposal.adjustment, Adjustment::RebalanceClasses);
    // A threshold: no re-run; what it does on the validation rows, and predictions follow it.
    let text = said(&mut s, "set the threshold to 0.3").await;
    assert!(
        text.contains("at least 0.3") && text.contains("recall"),
        "{text}"
    );
    assert_eq!(
        s.trained
            .as_ref()
            .unwrap()
            .result
            .threshold
            .as_ref()
            .unwrap()
            .threshold,
        0.3
    );
    // The predictor predicts with it: every row at or above 0.3 is the positive class.
    let t = s.trained.as_ref().unwrap();
    assert_eq!(t.result.predictor.threshold, Some(0.3));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/titanic.csv");
    let frame = mlpilot::data::load_frame(path).unwrap().0;
    let p = t.predict_frame(&frame).unwrap().predictions;
    let proba = p.proba.as_ref().unwrap();
    for (i, v) in p.values.iter().enumerate() {
        assert_eq!(*v == 1.0, proba.get(i, 1).unwrap() >= 0.3, "row {i}");
    }
    // What if.
    let text = said(&mut s, "what if age were 80?").await;
    assert!(
        text.starts_with("For row ") && text.contains("with age = 80"),
        "{text}"
    );
    let text = said(&mut s, "what if sex was Female").await;
    assert!(text.contains("with sex = female"), "{text}");
    // A value the table never holds is refused with the ones it does.
    let text = said(&mut s, "what if sex were woman").await;
    assert!(
        text.contains("never holds `woman`") && text.contains("`male`"),
        "{text}"
    );
    // Reading a column another way: a new input in place of the old one, tried the same way.
    let t = trial(&mut s, "treat sibsp as categories").await;
    assert_eq!(
        t.proposal.adjustment,
        Adjustment::AddTransform {
            column: "sibsp".into(),
            transform: mlpilot::core::advisor::Transform::AsCategories
        }
    );
    assert!(t.after.is_some(), "{t:?}");
    // What it cannot do says what it can.
    let text = said(&mut s, "treat age as a date").await;
    assert!(text.contains("I can leave out"), "{text}");
    // A question is not a request.
    assert!(
        s.request("why is the model not better?")
            .await
            .unwrap()
            .is_none()
    );
    // The transcript holds every request and what the engine did.
    assert!(
        s.transcript
            .iter()
            .any(|t| t.role == "engine" && t.text.contains("leave out `sibsp`"))
    );
}
