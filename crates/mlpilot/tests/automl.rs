//! The facade end to end: training, the artifact format, predictions on frames and DataFrames.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mlpilot::{AutoMl, ErrorKind, Task};

fn titanic() -> mlpilot::Frame {
    mlpilot::data::load_frame(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/titanic.csv"
    ))
    .unwrap()
    .0
}

fn quick() -> AutoMl {
    AutoMl::new()
        .target("target")
        .max_trials(6)
        .estimators(&["gbdt.hist_gbm", "linfa.logistic_regression"])
}

#[test]
fn artifact_round_trip_predicts_identically() {
    let frame = titanic();
    let trained = quick().fit_frame(&frame).unwrap();
    assert_eq!(trained.task(), Task::Binary);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.mlpilot");
    trained.save(&path).unwrap();
    let art = mlpilot::artifact::read(&path, &mlpilot::default_registry()).unwrap();
    assert_eq!(art.body.target, "target");
    assert_eq!(art.body.schema.columns.len(), 5);
    assert!(art.body.reference.n_rows() <= 2000);
    let a = trained.predict_frame(&frame).unwrap().predictions;
    let b = art.predictor.predict(&frame).unwrap().predictions;
    assert_eq!(a, b);
    // No temporary files are left beside the artifact, and it is an ordinary readable file.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}

#[test]
fn damaged_artifacts_are_refused_clearly() {
    let trained = quick().fit_frame(&titanic()).unwrap();
    let bytes = mlpilot::artifact::encode(&trained.to_artifact().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let reg = mlpilot::default_registry();
    let check = |name: &str, data: &[u8], needle: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, data).unwrap();
        let err = mlpilot::artifact::read(&p, &reg).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Format, "{err}");
        assert!(err.to_string().contains(needle), "{needle}: {err}");
    };
    check("truncated.mlpilot", &bytes[..bytes.len() / 2], "truncated");
    let mut flipped = bytes.clone();
    let last = flipped.len() - 10;
    flipped[last] ^= 0xff;
    check("corrupted.mlpilot", &flipped, "corrupted");
    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&99u32.to_le_bytes());
    check("newer.mlpilot", &newer, "newer mlpilot");
    check(
        "text.mlpilot",
        b"pclass,sex\n1st,male\n",
        "not an mlpilot model",
    );
    let missing = mlpilot::artifact::read(&dir.path().join("absent.mlpilot"), &reg).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

#[test]
fn dataframes_in_and_out() {
    let df = mlpilot::data::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/iris.csv"
    ))
    .unwrap()
    .into_dataframe()
    .unwrap();
    let trained = AutoMl::new()
        .target("target")
        .max_trials(4)
        .estimators(&["gbdt"])
        .fit(&df)
        .unwrap();
    assert_eq!(trained.task(), Task::Multiclass);
    let out = trained.predict(&df).unwrap();
    assert_eq!(out.height(), 150);
    let names: Vec<String> = out
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names[0], "prediction");
    assert_eq!(names.len(), 4, "{names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fit_async_runs_on_the_blocking_pool() {
    let df = mlpilot::data::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/iris.csv"
    ))
    .unwrap()
    .into_dataframe()
    .unwrap();
    let trained = AutoMl::new()
        .target("target")
        .max_trials(3)
        .estimators(&["gbdt.hist_gbm"])
        .fit_async(df)
        .await
        .unwrap();
    assert!(trained.result.score > 0.8);
}

#[test]
fn bad_requests_name_the_problem() {
    let frame = titanic();
    let err = AutoMl::new()
        .target("nope")
        .max_trials(2)
        .fit_frame(&frame)
        .unwrap_err();
    assert!(err.to_string().contains("`nope`"), "{err}");
    let err = AutoMl::new()
        .target("target")
        .fit_frame(&frame)
        .unwrap_err();
    assert!(err.to_string().contains("budget"), "{err}");
    let err = quick().exclude(&["target"]).fit_frame(&frame).unwrap_err();
    assert!(err.to_string().contains("cannot be excluded"), "{err}");
    // A constant target.
    let constant = mlpilot::Frame::new(vec![
        mlpilot::core::Column::from_f64("x", (0..50).map(f64::from)),
        mlpilot::core::Column::from_f64("y", std::iter::repeat_n(1.0, 50)),
    ])
    .unwrap();
    let err = AutoMl::new()
        .target("y")
        .max_trials(2)
        .fit_frame(&constant)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
}

/// The narrative says what the score means in everyday words first, and every number it states
/// is one of the `facts` that `summary.json` holds.
#[test]
fn narratives_lead_with_plain_words_and_every_number_is_in_the_summary() {
    use mlpilot_llm::grounding::{Facts, ungrounded};
    let diabetes = mlpilot::data::load_frame(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/diabetes.csv"
    ))
    .unwrap()
    .0;
    for (frame, lead) in [
        (titanic(), "Shown a row where `target` is"),
        (diabetes, "The model explains"),
    ] {
        let trained = quick().fit_frame(&frame).unwrap();
        let summary = mlpilot::Summary::of(&trained);
        let json = serde_json::to_string(&summary).unwrap();
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        let facts: Vec<f64> = back["facts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let narrative = back["narrative"].as_str().unwrap();
        assert!(narrative.starts_with(lead), "{narrative}");
        assert!(
            ungrounded(narrative, &Facts::from_values(&facts)).is_empty(),
            "{narrative}: {:?}",
            ungrounded(narrative, &Facts::from_values(&facts))
        );
    }
}

#[test]
fn derived_columns_that_read_the_target_or_cannot_be_exported_are_refused_before_training() {
    use mlpilot::derive::Derived;
    let frame = titanic();
    let with = |derived: Vec<Derived>, exportable: bool| {
        let automl = quick();
        let mut config = automl.run_config().clone();
        config.derived = derived;
        config.exportable_onnx = exportable;
        automl.config(config).fit_frame(&frame).unwrap_err()
    };
    // Computed from the target: it would leak the answer and be missing when predicting.
    let e = with(
        vec![Derived::AsCategories {
            column: "target".into(),
        }],
        false,
    );
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.to_string()
            .contains("`target (categories)` is computed from the target `target`"),
        "{e}"
    );
    // A graph cannot compute a derived column: refused up front, not after the search.
    let e = with(
        vec![Derived::Log1p {
            column: "age".into(),
        }],
        true,
    );
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.to_string().contains("`log1p(age)`"), "{e}");
}

#[test]
fn a_saved_model_is_evaluated_on_the_rows_that_carry_a_target() {
    let frame = titanic();
    let trained = quick().fit_frame(&frame).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.mlpilot");
    trained.save(&path).unwrap();
    let artifact = mlpilot::load(&path).unwrap();
    // Ten rows lose their target: they are left out and counted.
    let head = frame.head(100);
    let mut target: Vec<Option<String>> = (0..100)
        .map(|i| head.column("target").unwrap().str_at(i))
        .collect();
    for t in target.iter_mut().take(10) {
        *t = None;
    }
    let labelled = head
        .clone()
        .with_column(mlpilot::core::Column::new(
            "target",
            mlpilot::core::ColumnData::Str(target.into()),
        ))
        .unwrap();
    let e = mlpilot::monitoring::evaluate(&artifact, &labelled).unwrap();
    assert_eq!((e.rows, e.missing_target), (90, 10));
    let auc = e
        .metrics
        .iter()
        .find(|(m, _)| *m == mlpilot::Metric::RocAuc)
        .unwrap()
        .1;
    assert!(auc > 0.7 && auc <= 1.0, "{auc}");
    // Without the target there is nothing to score against, and the message says what to use.
    let err = mlpilot::monitoring::evaluate(&artifact, &head.without(&["target"])).unwrap_err();
    assert!(err.to_string().contains("can only be predicted"), "{err}");
    // Written as JSON, the metrics are a map from their names.
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["metrics"]["roc_auc"], serde_json::json!(auc));
}

/// Every type that appears in a public signature or field of the facade's types can be named
/// through `mlpilot::…` (this test does not compile otherwise).
#[test]
fn the_types_in_public_signatures_are_named_by_the_facade() {
    use std::any::type_name;
    let names = [
        type_name::<mlpilot::forecast::DuplicateTimes>(),
        type_name::<mlpilot::forecast::SeriesFacts>(),
        type_name::<mlpilot::forecast::Panel>(),
        type_name::<mlpilot::forecast::SeriesModel>(),
        type_name::<mlpilot::forecast::Backtest>(),
        type_name::<mlpilot::search::Timings>(),
        type_name::<mlpilot::search::DecisionThreshold>(),
        type_name::<mlpilot::search::Member>(),
        type_name::<mlpilot::search::StoredPredictor>(),
        type_name::<mlpilot::search::Validation>(),
        type_name::<mlpilot::search::SamplerKind>(),
        type_name::<mlpilot::prep::PlanOptions>(),
        type_name::<mlpilot::prep::FeatureMeta>(),
        type_name::<mlpilot::prep::Transformed>(),
        type_name::<mlpilot::monitor::Labelled>(),
        type_name::<mlpilot::monitoring::Evaluation>(),
        type_name::<mlpilot::derive::Derived>(),
    ];
    assert!(names.iter().all(|n| n.starts_with("mlpilot")), "{names:?}");
}
