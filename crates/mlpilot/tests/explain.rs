//! Explanations of trained models in the terms of the input table, and the report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mlpilot::explain::{PredictorModel, explain, report};
use mlpilot::explainers::TableModel;
use mlpilot::{AutoMl, Trained};

fn titanic() -> mlpilot::Frame {
    mlpilot::data::load_frame(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/titanic.csv"
    ))
    .unwrap()
    .0
}

fn train(estimators: &[&str], ensemble: bool) -> (mlpilot::Frame, Trained) {
    let frame = titanic();
    let mut automl = AutoMl::new()
        .target("target")
        .max_trials(4)
        .estimators(estimators);
    let mut config = automl.run_config().clone();
    config.ensemble = ensemble;
    automl = automl.config(config);
    let trained = automl.fit_frame(&frame).unwrap();
    (frame, trained)
}

fn schema(t: &Trained) -> Vec<String> {
    t.schema.columns.iter().map(|c| c.name.clone()).collect()
}

fn check(trained: &Trained, frame: &mlpilot::Frame, method: &str) {
    let cols = schema(trained);
    let model = PredictorModel::new(&trained.result.predictor, &cols);
    let rows: Vec<usize> = (0..12).collect();
    let e = explain(
        &model,
        "target",
        trained.result.metric,
        frame,
        &rows,
        &trained.reference,
        0,
    )
    .unwrap();
    let proba = trained
        .predict_frame(frame)
        .unwrap()
        .predictions
        .proba
        .unwrap();
    let inputs = model.input_columns();
    for r in &e.rows {
        assert_eq!(r.method, method);
        // Additivity against what the model actually predicts: P(class 1).
        assert!(
            r.additivity_gap().abs() < 1e-6,
            "gap {}",
            r.additivity_gap()
        );
        assert!((r.output - proba.get(r.row, 1).unwrap()).abs() < 1e-6);
        // One contribution per original input column: one-hot parts are summed back.
        let mut names: Vec<&str> = r.contributions.iter().map(|c| c.feature.as_str()).collect();
        names.sort_unstable();
        let mut want: Vec<&str> = inputs.iter().map(String::as_str).collect();
        want.sort_unstable();
        assert_eq!(names, want);
        assert!(names.iter().all(|n| !n.contains('=')));
        let sentence = r.sentence(trained.task());
        assert!(sentence.starts_with("Predicted "), "{sentence}");
    }
    // Sex is the strongest signal in the Titanic data.
    assert_eq!(e.global[0].feature, "sex", "{:?}", e.global);
    assert!(e.global[0].importance > 0.0);
    assert_eq!(e.global.len(), inputs.len());
}

#[test]
fn tree_models_are_explained_exactly_per_input_column() {
    let (frame, trained) = train(&["gbdt.hist_gbm"], false);
    check(&trained, &frame, "tree_shap");
}

#[test]
fn other_models_and_ensembles_are_explained_by_shapley_values() {
    let (frame, trained) = train(&["smartcore.logistic_regression"], false);
    check(&trained, &frame, "exact_shapley");
}

fn train_with(
    derived: Vec<mlpilot::derive::Derived>,
    exclude: &[&str],
) -> (mlpilot::Frame, Trained) {
    let frame = titanic();
    let automl = AutoMl::new()
        .target("target")
        .max_trials(4)
        .estimators(&["gbdt.hist_gbm"]);
    let mut config = automl.run_config().clone();
    config.ensemble = false;
    config.derived = derived;
    config.exclude = exclude.iter().map(|c| c.to_string()).collect();
    let trained = automl.config(config).fit_frame(&frame).unwrap();
    (frame, trained)
}

#[test]
fn derived_columns_of_one_source_keep_tree_shap_and_are_scored_under_it() {
    use mlpilot::core::advisor::Transform;
    let frame = titanic();
    let derived = vec![
        mlpilot::derive::Derived::fit(&frame, "age", &Transform::Log).unwrap(),
        mlpilot::derive::Derived::fit(&frame, "sibsp", &Transform::AsCategories).unwrap(),
    ];
    let (frame, trained) = train_with(derived, &["sibsp"]);
    let pipeline = &trained.result.predictor.members[0].pipeline;
    assert!(
        pipeline.features().iter().any(|f| f.name == "log1p(age)"),
        "{:?}",
        pipeline.features()
    );
    // `frame` is the raw table: the saved pipeline computes the derived columns itself, and the
    // players are raw columns (`sibsp` is read through `sibsp (categories)`).
    check(&trained, &frame, "tree_shap");
    let model = PredictorModel::new(&trained.result.predictor, &schema(&trained));
    let mut inputs = model.input_columns();
    inputs.sort();
    assert_eq!(inputs, ["age", "parch", "pclass", "sex", "sibsp"]);
    // Saved, the model asks for raw columns only: a client sends the table as it is.
    assert_eq!(
        trained.schema.names(),
        ["pclass", "sex", "age", "sibsp", "parch"]
    );
    assert!(trained.reference.column("sibsp").is_some());
    assert!(trained.reference.column("log1p(age)").is_none());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.mlpilot");
    trained.save(&path).unwrap();
    let artifact = mlpilot::load(&path).unwrap();
    assert_eq!(
        artifact.predict(&frame).unwrap().predictions,
        trained.predict_frame(&frame).unwrap().predictions
    );
    let report = mlpilot::monitoring::check(&artifact, &frame).unwrap();
    assert!(
        report.columns.iter().any(|c| c.name == "sibsp"),
        "{report:?}"
    );
}

#[test]
fn a_derived_column_of_two_sources_is_explained_by_shapley_values_over_both() {
    use mlpilot::core::advisor::Transform;
    let frame = titanic();
    let ratio = mlpilot::derive::Derived::fit(
        &frame,
        "sibsp",
        &Transform::Product {
            other: "parch".into(),
        },
    )
    .unwrap();
    let (frame, trained) = train_with(vec![ratio], &[]);
    // TreeSHAP cannot split the product's share between `sibsp` and `parch`: the game over raw
    // columns is played instead, and it still adds up to the prediction.
    check(&trained, &frame, "exact_shapley");
    // The model's own importances are per raw column too (the product's split between its
    // two), so a report with no time for permutation importance still draws them.
    let names = trained.schema.names();
    let importances = trained.native_importances();
    assert!(
        importances.iter().all(|(c, _)| names.contains(&c.as_str())),
        "{importances:?}"
    );
    let html = mlpilot::explain::report_within(&trained, "titanic.csv", Some(0.0)).unwrap();
    assert!(html.contains("<svg"));
}

#[test]
fn rows_out_of_range_are_refused_with_the_row_count() {
    let (frame, trained) = train(&["gbdt.hist_gbm"], false);
    let cols = schema(&trained);
    let model = PredictorModel::new(&trained.result.predictor, &cols);
    let err = explain(
        &model,
        "target",
        trained.result.metric,
        &frame,
        &[frame.n_rows()],
        &trained.reference,
        0,
    )
    .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

fn assert_valid_svgs(html: &str) -> usize {
    let mut n = 0;
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("unclosed svg") + start + 6;
        let svg = &rest[start..end];
        let mut reader = quick_xml::Reader::from_str(svg);
        let mut depth = 0i64;
        loop {
            match reader.read_event().expect("well-formed SVG") {
                quick_xml::events::Event::Start(_) => depth += 1,
                quick_xml::events::Event::End(_) => depth -= 1,
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0);
        n += 1;
        rest = &rest[end..];
    }
    n
}

#[test]
fn the_report_has_every_section_and_valid_svg() {
    let (_, trained) = train(&["gbdt.hist_gbm", "smartcore.logistic_regression"], true);
    let html = report(&trained, "titanic.csv").unwrap();
    for id in mlpilot::explainers::report::COMMON_SECTIONS
        .iter()
        .chain(&["confusion", "roc", "pr"])
    {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "missing {id}"
        );
    }
    // Leaderboard, ROC, PR, importance, SHAP and at least one partial-dependence chart.
    assert!(assert_valid_svgs(&html) >= 6);
    assert!(!html.contains("<script"));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
}
