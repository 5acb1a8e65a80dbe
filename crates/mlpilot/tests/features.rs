//! Features the assistant proposes and the engine proves: on a table whose outcome depends on
//! a ratio of two amounts, the proposed ratio is kept; a feature that does not improve
//! validation beyond its noise is not.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::Duration;

use mlpilot::core::advisor::Transform;
use mlpilot::core::{Adjustment, Rng};
use mlpilot::{Outcome, Session};

fn loans() -> mlpilot::Frame {
    let mut rng = Rng::new(11);
    let mut text = String::from("loan_amount,region,income_amount,noise,defaulted\n");
    for _ in 0..600 {
        // Amounts over three orders of magnitude: a ratio's diagonal boundary is a staircase
        // of many splits for trees, one split on the ratio.
        let income: f64 = 10f64.powf(rng.uniform_range(1.0, 4.0));
        let loan: f64 = income * 10f64.powf(rng.uniform_range(-1.0, 0.5));
        let region = ["north", "south", "east", "west"][rng.below(4)];
        let risky = loan / income > 0.5;
        let flip = rng.bernoulli(0.02);
        let default = if risky != flip { "yes" } else { "no" };
        text.push_str(&format!(
            "{loan:.1},{region},{income:.1},{:.3},{default}\n",
            rng.uniform()
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loans.csv");
    std::fs::write(&path, text).unwrap();
    mlpilot::data::load_frame(path.to_str().unwrap()).unwrap().0
}

async fn session() -> Session {
    let mut s = Session::new(
        loans(),
        "loans.csv",
        Arc::new(mlpilot::llm::OfflineAdvisor),
        Duration::from_secs(30),
    )
    .unwrap();
    s.config.max_trials = Some(3);
    s.config.estimators = Some(vec!["gbdt.hist_gbm".into()]);
    s.config.ensemble = false;
    s.set_goal("who will default on their loan").await.unwrap();
    s.run().await.unwrap();
    s
}

#[tokio::test]
async fn a_proposed_ratio_that_carries_the_signal_is_kept() {
    let mut s = session().await;
    let trials = match s.request("try new features").await.unwrap() {
        Some(Outcome::Features { trials }) => trials,
        other => panic!("{other:?}"),
    };
    let ratio = trials
        .iter()
        .find(|t| {
            t.proposal.adjustment
                == Adjustment::AddTransform {
                    column: "loan_amount".into(),
                    transform: Transform::Ratio {
                        denominator: "income_amount".into(),
                    },
                }
        })
        .unwrap_or_else(|| panic!("no ratio among {trials:?}"));
    assert!(ratio.kept, "{ratio:?}");
    // Every verdict follows the rule: kept exactly when the score beat the noise.
    for t in &trials {
        if let (Some(after), Some(noise)) = (t.after, t.noise) {
            assert_eq!(
                t.kept,
                after > t.before && after - t.before > noise,
                "{t:?}"
            );
        }
    }
    assert_eq!(s.features.len(), trials.len());
    assert!(
        s.config
            .derived
            .iter()
            .any(|d| d.name() == "loan_amount/income_amount")
    );
}

#[tokio::test]
async fn a_feature_that_does_not_improve_validation_is_not_kept() {
    let mut s = session().await;
    // First the ratio that solves the table; then pure noise cannot add beyond the spread.
    s.request("add loan_amount divided by income_amount")
        .await
        .unwrap();
    let t = match s.request("add noise times noise").await.unwrap() {
        Some(Outcome::Trial { trial }) => trial,
        other => panic!("{other:?}"),
    };
    assert!(!t.kept, "{t:?}");
    assert!(!s.config.derived.iter().any(|d| d.name() == "noise*noise"));
}
