//! Text end to end: a folder of labelled documents → TF-IDF → sparse models → artifact round
//! trip, and the column kinds the text pipeline must keep out (the file name).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mlpilot::core::Rng;
use mlpilot::{AutoMl, Task};

const GOOD: [&str; 8] = [
    "delicious",
    "fresh",
    "great",
    "love",
    "tasty",
    "perfect",
    "excellent",
    "recommend",
];
const BAD: [&str; 8] = [
    "stale",
    "awful",
    "bland",
    "broken",
    "terrible",
    "refund",
    "disappointed",
    "worst",
];
const FILLER: [&str; 12] = [
    "the", "coffee", "box", "arrived", "tea", "bag", "price", "taste", "my", "kids", "order",
    "this",
];

fn review(rng: &mut Rng, good: bool) -> String {
    let mut words = Vec::new();
    for _ in 0..12 {
        words.push(FILLER[rng.below(FILLER.len())]);
    }
    // Mostly words of its own side, some of the other (noise).
    for _ in 0..3 {
        let own = rng.bernoulli(0.8) == good;
        words.push(if own {
            GOOD[rng.below(8)]
        } else {
            BAD[rng.below(8)]
        });
    }
    rng.shuffle(&mut words);
    words.join(" ")
}

#[test]
fn a_folder_of_documents_trains_a_text_model_that_survives_the_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(7);
    for (label, good) in [("pos", true), ("neg", false)] {
        let sub = dir.path().join(label);
        std::fs::create_dir_all(&sub).unwrap();
        for i in 0..150 {
            std::fs::write(sub.join(format!("{i:03}.txt")), review(&mut rng, good)).unwrap();
        }
    }
    let (frame, _) = mlpilot::data::load_frame(&dir.path().display().to_string()).unwrap();
    assert_eq!(frame.n_rows(), 300);
    let trained = AutoMl::new()
        .target("label")
        .max_trials(6)
        .estimators(&["gbdt.sparse_logistic", "gbdt.multinomial_nb"])
        .fit_frame(&frame)
        .unwrap();
    assert_eq!(trained.task(), Task::Binary);
    assert!(
        trained.result.score > 0.9,
        "ROC AUC {}",
        trained.result.score
    );
    // The text column is used; the file name (an identifier) is not.
    let plan = &trained.result.plan;
    assert!(plan.columns.iter().any(|c| c.column == "text"));
    assert!(!plan.columns.iter().any(|c| c.column == "file"));
    // Artifact round trip: the same probabilities, bit for bit.
    let path = dir.path().join("model.mlpilot");
    trained.save(&path).unwrap();
    let art = mlpilot::artifact::read(&path, &mlpilot::default_registry()).unwrap();
    let a = trained.predict_frame(&frame).unwrap().predictions;
    let b = art.predict(&frame).unwrap().predictions;
    assert_eq!(a, b);
    // The words that push each class are the ones the data were made of.
    let terms = mlpilot::explain::text_terms(&art.predictor, &["text".to_string()], 5);
    let of = |class: &str| {
        terms
            .iter()
            .find(|t| t.class == class)
            .map(|t| t.terms.iter().map(|(w, _)| w.clone()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert!(
        of("pos").iter().any(|w| GOOD.contains(&w.as_str())),
        "{:?}",
        of("pos")
    );
    assert!(
        of("neg").iter().any(|w| BAD.contains(&w.as_str())),
        "{:?}",
        of("neg")
    );
    // A new review full of good words is predicted positive.
    let new = mlpilot::Frame::new(vec![
        mlpilot::core::Column::from_strs("file", ["new.txt"]),
        mlpilot::core::Column::from_strs("text", ["great tea, fresh and delicious, I love it"]),
    ])
    .unwrap();
    let p = art.predict(&new).unwrap().predictions;
    let classes = art.predictor.encoding.classes();
    assert_eq!(classes[p.values[0] as usize], "pos");
}
