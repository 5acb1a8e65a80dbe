//! Preprocessing end to end: plans from real profiles, fitted values against hand-computed
//! answers, no leakage from held-out rows, serde round trips, unseen and missing inputs, and a
//! property test that imputing pipelines never emit NaN or infinity.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    // A test tells one scenario from start to end.
    clippy::too_many_lines
)]

use mlpilot_core::{Column, ColumnData, Features, Frame, StrColumn, Task};
use mlpilot_data::{ProfileOptions, profile_frame};
use mlpilot_prep::{FitTarget, PlanOptions, PreprocessPlan, TargetEncoding, Variant};
use mlpilot_testkit::synthetic::{customer_frame, train_test_split};

fn titanic() -> Frame {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/titanic.csv");
    mlpilot_data::load_frame(path).unwrap().0
}

fn plan_for(frame: &Frame, target: &str, task: Task) -> PreprocessPlan {
    let profile = profile_frame(frame, "test", &ProfileOptions::with_target(Some(target))).unwrap();
    PreprocessPlan::from_profile(&profile, target, task, PlanOptions::default()).unwrap()
}

fn y_of(frame: &Frame, target: &str, task: Task) -> (Vec<f64>, usize) {
    let col = frame.column(target).unwrap();
    let enc = TargetEncoding::fit(col, task).unwrap();
    let e = enc.encode(col).unwrap();
    assert_eq!(e.rows.len(), frame.n_rows());
    (e.y, enc.n_classes())
}

fn dense(f: &Features) -> mlpilot_core::Matrix {
    f.to_dense().into_owned()
}

#[test]
fn titanic_plan_and_fitted_sentences() {
    let frame = titanic();
    let plan = plan_for(&frame, "target", Task::Binary);
    assert!(plan.dropped.is_empty());
    let table = plan.render_table();
    assert!(
        table.contains("age") && table.contains("impute median + missing indicator"),
        "{table}"
    );
    let (y, k) = y_of(&frame, "target", Task::Binary);
    let (pipe, x) = plan
        .fit(
            &frame,
            FitTarget {
                y: &y,
                n_classes: k,
            },
            Variant::SCALED,
            0,
        )
        .unwrap();
    let sentences: Vec<String> = pipe.describe().into_iter().map(|s| s.reason).collect();
    assert!(
        sentences.iter().any(|s| s == "Filled 263 missing `age` values with the median, 28, because `age` is numeric and roughly symmetric (skew 0.41)."),
        "{sentences:#?}"
    );
    // pclass (3 levels) + sex (2) one-hot, age + indicator, sibsp, parch.
    assert_eq!(x.n_cols(), 3 + 2 + 2 + 1 + 1);
    let names: Vec<&str> = pipe.features().iter().map(|f| f.name.as_str()).collect();
    assert!(
        names.contains(&"sex=female") && names.contains(&"age_missing"),
        "{names:?}"
    );
    assert!(
        pipe.features()
            .iter()
            .filter(|f| f.source == "pclass")
            .count()
            == 3
    );
    // Trees: ordinal codes, no scaling, three columns fewer.
    let (tree_pipe, xt) = plan
        .fit(
            &frame,
            FitTarget {
                y: &y,
                n_classes: k,
            },
            Variant::TREES,
            0,
        )
        .unwrap();
    assert_eq!(xt.n_cols(), 1 + 1 + 2 + 1 + 1);
    let age = tree_pipe
        .features()
        .iter()
        .position(|f| f.name == "age")
        .unwrap();
    assert_eq!(dense(&xt).get(0, age), Some(29.0), "trees see raw ages");
}

#[test]
fn fitted_statistics_come_from_training_rows_only() {
    let frame = customer_frame(400, 3);
    let plan = plan_for(&frame, "churn", Task::Binary);
    let (train, test) = train_test_split(frame.n_rows(), 0.3, 1);
    let tr = frame.take(&train).unwrap();
    // Make the held-out rows absurd: if any of them reached the fit, the statistics would move.
    let mut poisoned = frame.clone();
    let mut ages: Vec<Option<f64>> = frame.column("age").unwrap().to_f64();
    for &r in &test {
        ages[r] = Some(1e9);
    }
    poisoned.remove_column("age");
    poisoned
        .push_column(Column::new("age", ColumnData::Float(ages)))
        .unwrap();
    let (y_tr, k) = y_of(&tr, "churn", Task::Binary);
    let (p1, x1) = plan
        .fit(
            &tr,
            FitTarget {
                y: &y_tr,
                n_classes: k,
            },
            Variant::SCALED,
            0,
        )
        .unwrap();
    let tr_poisoned = poisoned.take(&train).unwrap();
    let (p2, x2) = plan
        .fit(
            &tr_poisoned,
            FitTarget {
                y: &y_tr,
                n_classes: k,
            },
            Variant::SCALED,
            0,
        )
        .unwrap();
    assert_eq!(p1, p2);
    assert_eq!(x1, x2);
    // The fitted median is the training rows' median, by hand.
    let mut a: Vec<f64> = tr
        .column("age")
        .unwrap()
        .to_f64()
        .into_iter()
        .flatten()
        .collect();
    a.sort_by(f64::total_cmp);
    let n = a.len();
    let median = if n % 2 == 1 {
        a[n / 2]
    } else {
        (a[n / 2 - 1] + a[n / 2]) / 2.0
    };
    let fill = p1.steps().iter().find_map(|s| match s {
        mlpilot_prep::FittedStep::Numeric { column, fit, .. } if column == "age" => fit.fill,
        _ => None,
    });
    assert_eq!(fill, Some(median));
}

#[test]
fn serde_round_trip_gives_identical_output() {
    let frame = customer_frame(300, 5);
    let plan = plan_for(&frame, "churn", Task::Binary);
    let (y, k) = y_of(&frame, "churn", Task::Binary);
    for variant in [Variant::SCALED, Variant::TREES] {
        let (pipe, _) = plan
            .fit(
                &frame,
                FitTarget {
                    y: &y,
                    n_classes: k,
                },
                variant,
                7,
            )
            .unwrap();
        let a = pipe.transform(&frame).unwrap().features;
        let bytes = postcard::to_allocvec(&pipe).unwrap();
        let back: mlpilot_prep::FittedPipeline = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back.transform(&frame).unwrap().features, a);
        let json = serde_json::to_string(&pipe).unwrap();
        let back: mlpilot_prep::FittedPipeline = serde_json::from_str(&json).unwrap();
        assert_eq!(back.transform(&frame).unwrap().features, a);
        let plan_json = serde_json::to_string(&plan).unwrap();
        assert_eq!(
            serde_json::from_str::<PreprocessPlan>(&plan_json).unwrap(),
            plan
        );
    }
}

#[test]
fn unseen_missing_extra_and_retyped_columns() {
    let frame = customer_frame(300, 9);
    let plan = plan_for(&frame, "churn", Task::Binary);
    let (y, k) = y_of(&frame, "churn", Task::Binary);
    let (pipe, _) = plan
        .fit(
            &frame,
            FitTarget {
                y: &y,
                n_classes: k,
            },
            Variant::SCALED,
            0,
        )
        .unwrap();
    // A new plan level, an extra column, and income sent as text.
    let new = Frame::new(vec![
        Column::new(
            "age",
            ColumnData::Str(StrColumn::from_iter([Some("41"), Some("n/a")])),
        ),
        Column::new(
            "income",
            ColumnData::Str(StrColumn::from_iter([Some("52000"), Some("61000")])),
        ),
        Column::from_strs("plan", ["enterprise", "basic"]),
        Column::from_strs("signup", ["2022-05-01", "2021-01-09"]),
        Column::new("support_calls", ColumnData::Int(vec![Some(2), None])),
        Column::from_strs("unrelated", ["x", "y"]),
    ])
    .unwrap();
    let t = pipe.transform(&new).unwrap();
    let x = dense(&t.features);
    assert!(x.as_slice().iter().all(|v| v.is_finite()));
    assert!(
        t.warnings
            .iter()
            .any(|w| w.contains("`plan`") && w.contains("\"other\"")),
        "{:?}",
        t.warnings
    );
    assert!(
        t.warnings
            .iter()
            .any(|w| w.contains("`age`") && w.contains("`n/a`")),
        "{:?}",
        t.warnings
    );
    // No level of `plan` is set for the unseen one (training had no rare levels to pool, so
    // there is no "other" column); `basic` is set for the second row.
    let plan_cols: Vec<(usize, &str)> = pipe
        .features()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.source == "plan")
        .map(|(i, f)| (i, f.name.as_str()))
        .collect();
    assert!(
        plan_cols.iter().all(|(i, _)| x.get(0, *i) == Some(0.0)),
        "{plan_cols:?}"
    );
    let basic = plan_cols
        .iter()
        .find(|(_, n)| *n == "plan=basic")
        .unwrap()
        .0;
    assert_eq!(x.get(1, basic), Some(1.0));
    // A missing input column is an error naming it.
    let err = pipe.transform(&new.without(&["income"])).unwrap_err();
    assert!(err.to_string().contains("`income`"), "{err}");
    // Text where a number was expected is refused.
    let words = Frame::new(
        new.columns()
            .iter()
            .map(|c| {
                if c.name() == "income" {
                    Column::from_strs("income", ["lots", "little"])
                } else {
                    c.clone()
                }
            })
            .collect(),
    )
    .unwrap();
    let err = pipe.transform(&words).unwrap_err();
    assert!(err.to_string().contains("was numeric in training"), "{err}");
}

#[test]
fn dates_and_target_encoding_in_a_pipeline() {
    let frame = customer_frame(300, 2);
    let profile = profile_frame(&frame, "t", &ProfileOptions::with_target(Some("churn"))).unwrap();
    let opts = PlanOptions {
        max_onehot_levels: 2,
        ..PlanOptions::default()
    };
    let plan = PreprocessPlan::from_profile(&profile, "churn", Task::Binary, opts).unwrap();
    assert!(plan.columns.iter().any(|c| {
        c.column == "plan"
            && c.steps
                .iter()
                .any(|s| matches!(s.step, mlpilot_prep::Step::TargetEncode { .. }))
    }));
    let dropped: Vec<&str> = plan.dropped.iter().map(|d| d.column.as_str()).collect();
    assert_eq!(dropped, vec!["customer_id", "region"]);
    let (y, k) = y_of(&frame, "churn", Task::Binary);
    let (pipe, x) = plan
        .fit(
            &frame,
            FitTarget {
                y: &y,
                n_classes: k,
            },
            Variant::SCALED,
            3,
        )
        .unwrap();
    let names: Vec<&str> = pipe.features().iter().map(|f| f.name.as_str()).collect();
    assert!(
        names.contains(&"signup.month_sin") && names.contains(&"plan:target_mean"),
        "{names:?}"
    );
    // Training rows get out-of-fold encodings, new rows the full-data ones: they differ.
    let again = pipe.transform(&frame).unwrap().features;
    assert_ne!(x, again);
}

#[test]
fn text_becomes_sparse_tfidf_for_sparse_models() {
    let docs = [
        "great tasty food",
        "awful stale food",
        "great value",
        "stale and awful",
        "tasty great",
        "awful",
    ];
    let frame = Frame::new(vec![
        Column::from_strs(
            "review",
            docs.iter()
                .cycle()
                .take(60)
                .enumerate()
                .map(|(i, s)| format!("{s} review number {i}"))
                .collect::<Vec<_>>(),
        ),
        Column::from_strs(
            "label",
            docs.iter()
                .cycle()
                .take(60)
                .map(|s| {
                    if s.contains("great") || s.contains("tasty") {
                        "good"
                    } else {
                        "bad"
                    }
                })
                .collect::<Vec<_>>(),
        ),
    ])
    .unwrap();
    let plan = plan_for(&frame, "label", Task::Binary);
    assert_eq!(
        plan.columns[0].kind,
        mlpilot_core::ColumnKind::Text,
        "{:?}",
        plan.columns
    );
    let (y, k) = y_of(&frame, "label", Task::Binary);
    let sparse = Variant {
        sparse: true,
        ..Variant::SCALED
    };
    let (pipe, x) = plan
        .fit(
            &frame,
            FitTarget {
                y: &y,
                n_classes: k,
            },
            sparse,
            0,
        )
        .unwrap();
    assert!(x.is_sparse());
    assert!(pipe.features().iter().any(|f| f.name == "review:great"));
    let (_, xd) = plan
        .fit(
            &frame,
            FitTarget {
                y: &y,
                n_classes: k,
            },
            Variant::TREES,
            0,
        )
        .unwrap();
    assert!(!xd.is_sparse());
    assert!(xd.n_cols() <= 300);
}

mod property {
    use super::*;
    use proptest::prelude::*;

    fn cell() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            Just(None),
            any::<f64>().prop_map(|v| Some(v.to_string())),
            Just(Some("inf".to_string())),
            Just(Some("-inf".to_string())),
            Just(Some("NaN".to_string())),
            "[a-z]{0,6}".prop_map(Some),
            (-1000i64..1000).prop_map(|v| Some(v.to_string())),
            Just(Some("2021-02-30".to_string())),
            Just(Some("2021-06-15".to_string())),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]
        #[test]
        fn imputing_pipelines_never_emit_nan_or_infinity(rows in proptest::collection::vec((cell(), cell(), cell(), cell()), 1..40)) {
            let frame = customer_frame(200, 11);
            let plan = plan_for(&frame, "churn", Task::Binary);
            let (y, k) = y_of(&frame, "churn", Task::Binary);
            for variant in [Variant::SCALED, Variant::TREES] {
                let (pipe, _) = plan.fit(&frame, FitTarget { y: &y, n_classes: k }, variant, 0).unwrap();
                let col = |i: usize, name: &str| {
                    Column::new(name, ColumnData::Str(rows.iter().map(|r| match i { 0 => r.0.clone(), 1 => r.1.clone(), 2 => r.2.clone(), _ => r.3.clone() }).collect::<Vec<_>>().into()))
                };
                let input = Frame::new(vec![
                    col(0, "age"), col(1, "income"), col(2, "plan"), col(3, "signup"),
                    Column::new("support_calls", ColumnData::Float(rows.iter().map(|r| r.0.as_deref().and_then(|s| s.parse().ok())).collect())),
                ]).unwrap();
                // The plan may refuse an input (text where numbers belong); when it accepts
                // one, every output is finite.
                if let Ok(t) = pipe.transform(&input) {
                    let x = t.features.to_dense();
                    prop_assert!(x.as_slice().iter().all(|v| v.is_finite()), "{:?}", x.first_non_finite());
                }
            }
        }
    }
}

#[test]
fn derived_columns_are_the_pipelines_first_step() {
    use mlpilot_core::advisor::Transform;
    use mlpilot_prep::derive;
    let raw = titanic();
    let fit = |c: &str, t: Transform| mlpilot_prep::Derived::fit(&raw, c, &t).unwrap();
    let derived = vec![
        fit("age", Transform::Log),
        fit(
            "sibsp",
            Transform::Difference {
                other: "parch".into(),
            },
        ),
        fit(
            "age",
            Transform::GroupMean {
                group: "pclass".into(),
            },
        ),
        fit("sibsp", Transform::AsCategories),
    ];
    // Training as the engine does it: the derived columns computed, the replaced source left out.
    let train = derive::apply(&raw, &derived).unwrap().without(&["sibsp"]);
    let profile_options = ProfileOptions {
        categorical: vec!["sibsp (categories)".into()],
        ..ProfileOptions::with_target(Some("target"))
    };
    let profile = profile_frame(&train, "test", &profile_options).unwrap();
    let options = PlanOptions {
        derived: derived.clone(),
        ..PlanOptions::default()
    };
    let plan = PreprocessPlan::from_profile(&profile, "target", Task::Binary, options).unwrap();
    let (y, k) = y_of(&train, "target", Task::Binary);
    for variant in [Variant::SCALED, Variant::TREES] {
        let (pipe, x) = plan
            .fit(
                &train,
                FitTarget {
                    y: &y,
                    n_classes: k,
                },
                variant,
                3,
            )
            .unwrap();
        assert_eq!(pipe.derived(), derived.as_slice());
        // A raw table (no derived column in it) gives exactly the training features.
        let from_raw = pipe.transform(&raw).unwrap().features;
        assert_eq!(from_raw, pipe.transform(&train).unwrap().features);
        if variant == Variant::TREES {
            // No target encoding here, so the fit's own output is the plain transform.
            assert_eq!(dense(&from_raw), dense(&x));
        }
        let mut reads = pipe.raw_inputs();
        reads.sort();
        assert_eq!(reads, ["age", "parch", "pclass", "sex", "sibsp"]);
        let source_of = |name: &str| {
            let f = pipe
                .features()
                .iter()
                .find(|f| f.name == name)
                .unwrap_or_else(|| panic!("no feature {name} in {:?}", pipe.features()));
            pipe.raw_source(f).map(str::to_string)
        };
        assert_eq!(source_of("log1p(age)").as_deref(), Some("age"));
        assert_eq!(source_of("mean(age|pclass)").as_deref(), Some("pclass"));
        assert_eq!(source_of("sibsp-parch"), None);
        assert_eq!(source_of("age").as_deref(), Some("age"));
        // Read as categories: one-hot levels for scaled models, codes for trees.
        let codes: Vec<&mlpilot_prep::FeatureMeta> = pipe
            .features()
            .iter()
            .filter(|f| f.source == "sibsp (categories)")
            .collect();
        if variant == Variant::TREES {
            assert!(
                matches!(
                    codes.as_slice(),
                    [f] if matches!(f.kind, mlpilot_core::FeatureKind::Categorical { .. })
                ),
                "{codes:?}"
            );
        } else {
            assert!(codes.len() > 2 && codes.iter().all(|f| f.name.contains('=')));
        }
        for f in codes {
            assert_eq!(pipe.raw_source(f), Some("sibsp"));
        }
        let steps = pipe.describe();
        let derive_steps: Vec<&str> = steps
            .iter()
            .filter(|s| s.step == "derive")
            .map(|s| s.column.as_str())
            .collect();
        assert_eq!(
            derive_steps,
            [
                "log1p(age)",
                "sibsp-parch",
                "mean(age|pclass)",
                "sibsp (categories)"
            ]
        );
        assert!(
            steps[0]
                .reason
                .starts_with("Computed `log1p(age)` = log(1 + `age`)"),
            "{:?}",
            steps[0]
        );
        // Saved and read back, it still computes them.
        let back: mlpilot_prep::FittedPipeline =
            postcard::from_bytes(&postcard::to_allocvec(&pipe).unwrap()).unwrap();
        assert_eq!(back.transform(&raw).unwrap().features, from_raw);
        // A table without a source names it.
        let err = pipe
            .transform(&raw.without(&["parch"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("parch"), "{err}");
    }
}

/// A 0/1 column and a date column with a fifth of their values missing: the plan fills them
/// and says nothing of a missing-indicator column, since neither step makes one.
#[test]
fn a_boolean_with_missing_values_promises_no_indicator() {
    let flag: Vec<Option<&str>> = (0..200)
        .map(|i| match i % 5 {
            0 => None,
            1 | 2 => Some("yes"),
            _ => Some("no"),
        })
        .collect();
    let x: Vec<f64> = (0..200).map(f64::from).collect();
    let y: Vec<&str> = (0..200)
        .map(|i| if i % 3 == 0 { "a" } else { "b" })
        .collect();
    let dates: Vec<Option<String>> = (0..200)
        .map(|i| (i % 5 != 0).then(|| format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28)))
        .collect();
    let frame = Frame::new(vec![
        Column::new("flag", ColumnData::Str(StrColumn::from_iter(flag))),
        Column::new(
            "when",
            ColumnData::Str(StrColumn::from_iter(dates.iter().map(Option::as_deref))),
        ),
        Column::from_f64("x", x),
        Column::from_strs("y", y),
    ])
    .unwrap();
    let plan = plan_for(&frame, "y", Task::Binary);
    let flag = plan.columns.iter().find(|c| c.column == "flag").unwrap();
    assert_eq!(flag.kind, mlpilot_core::ColumnKind::Boolean);
    let said = plan.sentences().join(" ");
    assert!(said.contains("Fill 40 missing `flag`"), "{said}");
    let when = plan.columns.iter().find(|c| c.column == "when").unwrap();
    assert_eq!(when.kind, mlpilot_core::ColumnKind::Datetime);
    assert!(said.contains("40 missing `when`"), "{said}");
    assert!(!said.contains("marks the"), "{said}");
}
