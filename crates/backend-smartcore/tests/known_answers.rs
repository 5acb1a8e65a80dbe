#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr
)]
//! Known answers, agreement with smartcore's own predictions, and edge cases.

use std::time::Duration;

use mlpilot_backend_smartcore::{
    DecisionTree, DecisionTreeParams, ElasticNet, ExtraTrees, ForestParams, GaussianNb, Knn,
    KnnParams, KnnWeights, Lasso, LassoParams, LinearRegression, LogisticParams,
    LogisticRegression, RandomForest, Ridge, RidgeParams, Svm, SvmKernel, SvmParams,
};
use mlpilot_core::{
    CancelFlag, Dataset, DynEstimator, ErrorKind, Estimator, Features, FitContext, Matrix, Model,
    ParamSet, Rng,
};
use mlpilot_testkit::reference;
use mlpilot_testkit::synthetic::{ClassificationSpec, make_classification, make_regression};
use smartcore::linalg::basic::matrix::DenseMatrix;

fn dense(m: &Matrix) -> DenseMatrix<f64> {
    DenseMatrix::new(m.n_rows(), m.n_cols(), m.as_slice().to_vec(), false).unwrap()
}

fn regression(n: usize, p: usize, informative: usize, noise: f64, seed: u64) -> Dataset {
    let (x, y, _) = make_regression(n, p, informative, noise, seed);
    Dataset::regression(x.into(), y).unwrap()
}

fn classification(n: usize, k: usize, seed: u64) -> Dataset {
    let (x, y) = make_classification(ClassificationSpec {
        n_rows: n,
        n_features: 5,
        n_informative: 3,
        n_classes: k,
        seed,
        ..Default::default()
    });
    Dataset::classification(x.into(), y, k).unwrap()
}

fn ctx() -> FitContext {
    FitContext::new(11)
}

fn labels_u32(d: &Dataset) -> Vec<u32> {
    d.y().iter().map(|v| *v as u32).collect()
}

/// `overrides` restricted to the parameters `est` has for `d`'s task.
fn params_for(est: &dyn DynEstimator, d: &Dataset, overrides: &ParamSet) -> ParamSet {
    let space = est.search_space(d.task(), Default::default());
    let mut p = ParamSet::new();
    for (name, v) in overrides.iter() {
        if space.param(name).is_some() {
            p.insert(name, v.clone());
        }
    }
    p
}

/// The seed `grow_forest` gives its first batch of trees.
fn first_batch_seed(seed: u64) -> u64 {
    Rng::stream(seed, 0).next_u64()
}

// ---------------------------------------------------------------------------------------------
// Linear models

#[test]
fn linear_regression_recovers_exact_coefficients() {
    let (x, y, w) = make_regression(200, 4, 4, 0.0, 3);
    let y: Vec<f64> = y.iter().map(|v| v + 2.5).collect();
    let d = Dataset::regression(x.into(), y).unwrap();
    let m = LinearRegression
        .fit(&d, &Default::default(), &ctx())
        .unwrap();
    for (a, b) in m.coefficients().iter().zip(&w) {
        assert!((a - b).abs() < 1e-9, "{:?} vs {w:?}", m.coefficients());
    }
    assert!((m.intercept() - 2.5).abs() < 1e-9);
    let pred = m.predict(d.x()).unwrap();
    for (p, t) in pred.iter().zip(d.y()) {
        assert!((p - t).abs() < 1e-8);
    }
}

#[test]
fn linear_regression_needs_more_rows_than_features() {
    let d = regression(5, 5, 5, 0.1, 1);
    let e = LinearRegression
        .fit(&d, &Default::default(), &ctx())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("smartcore.ridge"), "{e}");
}

#[test]
fn ridge_matches_the_closed_form_with_more_rows_or_more_features() {
    // n > p (smartcore's ridge directly) and n ≤ p (the augmented system).
    for (n, p) in [(120, 6), (8, 20)] {
        let d = regression(n, p, 3.min(p), 0.3, 5);
        for alpha in [1e-3, 1.0, 50.0] {
            let ours = Ridge.fit(&d, &RidgeParams { alpha }, &ctx()).unwrap();
            let reference = reference::Ridge
                .fit(&d, &reference::RidgeParams { alpha }, &ctx())
                .unwrap();
            for (a, b) in ours.coefficients().iter().zip(&reference.coef) {
                assert!(
                    (a - b).abs() < 1e-6,
                    "n={n} p={p} alpha={alpha}: {a} vs {b}"
                );
            }
            assert!((ours.intercept() - reference.intercept).abs() < 1e-6);
        }
    }
}

#[test]
fn ridge_tolerates_constant_columns() {
    let (x, y, _) = make_regression(60, 3, 3, 0.1, 2);
    let cols: Vec<Vec<f64>> = (0..3).map(|j| x.column(j)).chain([vec![4.0; 60]]).collect();
    let d = Dataset::regression(Matrix::from_columns(&cols).unwrap().into(), y).unwrap();
    let m = Ridge.fit(&d, &Default::default(), &ctx()).unwrap();
    assert!(m.coefficients()[3].abs() < 1e-9, "{:?}", m.coefficients());
}

#[test]
fn lasso_selects_the_informative_features() {
    let (x, y, w) = make_regression(300, 8, 3, 0.1, 9);
    let d = Dataset::regression(x.into(), y).unwrap();
    let m = Lasso.fit(&d, &LassoParams { alpha: 1e-3 }, &ctx()).unwrap();
    for (j, (a, b)) in m.coefficients().iter().zip(&w).enumerate() {
        if *b == 0.0 {
            assert!(a.abs() < 0.05, "feature {j}: {a}");
        } else {
            assert!((a - b).abs() < 0.1, "feature {j}: {a} vs {b}");
        }
    }
    let strong = Lasso.fit(&d, &LassoParams { alpha: 1.0 }, &ctx()).unwrap();
    let l1 = |m: &mlpilot_backend_smartcore::LinearModel| {
        m.coefficients().iter().map(|c| c.abs()).sum::<f64>()
    };
    assert!(l1(&strong) < 0.5 * l1(&m), "{:?}", strong.coefficients());
}

#[test]
fn lasso_and_elastic_net_fit_more_features_than_rows() {
    let d = regression(10, 30, 2, 0.1, 4);
    for est in [&Lasso as &dyn DynEstimator, &ElasticNet] {
        let m = est.fit_dyn(&d, &ParamSet::new(), &ctx()).unwrap();
        let p = m.predict(d.x()).unwrap();
        assert!(p.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn sparse_models_predict_a_constant_target() {
    let (x, _, _) = make_regression(30, 3, 3, 0.0, 1);
    let d = Dataset::regression(x.into(), vec![7.0; 30]).unwrap();
    for est in [&Lasso as &dyn DynEstimator, &ElasticNet, &Ridge, &Svm] {
        let m = est.fit_dyn(&d, &ParamSet::new(), &ctx()).unwrap();
        for v in m.predict(d.x()).unwrap() {
            assert!((v - 7.0).abs() < 1e-9, "{v}");
        }
    }
}

#[test]
fn logistic_regression_agrees_with_smartcore() {
    use smartcore::linear::logistic_regression::{
        LogisticRegression as Lr, LogisticRegressionParameters,
    };
    for k in [2, 3] {
        let d = classification(240, k, 21);
        let ours = LogisticRegression
            .fit(&d, &LogisticParams { alpha: 0.5 }, &ctx())
            .unwrap();
        let x = dense(&d.x().to_dense());
        let y = labels_u32(&d);
        let theirs = Lr::<f64, u32, DenseMatrix<f64>, Vec<u32>>::fit(
            &x,
            &y,
            LogisticRegressionParameters::default().with_alpha(0.5),
        )
        .unwrap();
        let expected: Vec<f64> = theirs
            .predict(&x)
            .unwrap()
            .iter()
            .map(|&v| v as f64)
            .collect();
        assert_eq!(ours.predict(d.x()).unwrap(), expected, "{k} classes");
        let proba = ours.predict_proba(d.x()).unwrap();
        assert_eq!(proba.n_cols(), k);
        for row in proba.rows() {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }
}

#[test]
fn classifiers_handle_a_class_missing_from_training() {
    // Three classes declared, class 1 absent from the training rows.
    let full = classification(300, 3, 8);
    let rows: Vec<usize> = (0..full.n_rows()).filter(|&i| full.y()[i] != 1.0).collect();
    let d = full.subset(&rows).unwrap();
    let params = ParamSet::new().with("n_estimators", 8i64);
    for est in [
        &LogisticRegression as &dyn DynEstimator,
        &DecisionTree,
        &RandomForest,
        &Knn,
        &GaussianNb,
    ] {
        let m = est
            .fit_dyn(&d, &params_for(est, &d, &params), &ctx())
            .unwrap();
        let proba = m.predict_proba(full.x()).unwrap();
        assert_eq!(proba.n_cols(), 3);
        assert!(proba.rows().all(|r| r[1] == 0.0), "{}", est.info().id);
        assert!(m.predict(full.x()).unwrap().iter().all(|&c| c != 1.0));
    }
    let m = Svm.fit_dyn(&d, &ParamSet::new(), &ctx()).unwrap();
    assert!(m.predict(full.x()).unwrap().iter().all(|&c| c != 1.0));
}

// ---------------------------------------------------------------------------------------------
// Trees

#[test]
fn decision_tree_agrees_with_smartcore() {
    use smartcore::tree::decision_tree_classifier::{
        DecisionTreeClassifier, DecisionTreeClassifierParameters, SplitCriterion,
    };
    use smartcore::tree::decision_tree_regressor::{
        DecisionTreeRegressor, DecisionTreeRegressorParameters,
    };
    let params = DecisionTreeParams {
        max_depth: 5,
        min_samples_leaf: 3,
        ..Default::default()
    };
    let d = classification(300, 3, 4);
    let ours = DecisionTree.fit(&d, &params, &ctx()).unwrap();
    let x = dense(&d.x().to_dense());
    let theirs = DecisionTreeClassifier::<f64, u32, DenseMatrix<f64>, Vec<u32>>::fit(
        &x,
        &labels_u32(&d),
        DecisionTreeClassifierParameters {
            criterion: SplitCriterion::Gini,
            max_depth: Some(6),
            min_samples_leaf: 3,
            min_samples_split: 2,
            seed: Some(11),
        },
    )
    .unwrap();
    let expected: Vec<f64> = theirs
        .predict(&x)
        .unwrap()
        .iter()
        .map(|&v| v as f64)
        .collect();
    assert_eq!(ours.predict(d.x()).unwrap(), expected);
    // Leaves hold class frequencies: not all probabilities are 0 or 1 with min_samples_leaf 3.
    let proba = ours.predict_proba(d.x()).unwrap();
    assert!(proba.as_slice().iter().any(|p| *p > 0.0 && *p < 1.0));
    // The tree view gives the same answer as the model.
    let ens = ours.tree_ensemble().unwrap();
    for (i, row) in d.x().to_dense().rows().enumerate().take(20) {
        assert_eq!(ens.raw(row), proba.row(i).unwrap().to_vec());
    }

    let r = regression(200, 4, 3, 0.5, 6);
    let ours = DecisionTree.fit(&r, &params, &ctx()).unwrap();
    let x = dense(&r.x().to_dense());
    let theirs = DecisionTreeRegressor::<f64, f64, DenseMatrix<f64>, Vec<f64>>::fit(
        &x,
        &r.y().to_vec(),
        DecisionTreeRegressorParameters {
            max_depth: Some(6),
            min_samples_leaf: 3,
            min_samples_split: 2,
            seed: Some(11),
        },
    )
    .unwrap();
    assert_eq!(ours.predict(r.x()).unwrap(), theirs.predict(&x).unwrap());
    let imp = ours.feature_importances().unwrap();
    assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(imp[0] + imp[1] + imp[2] > imp[3], "{imp:?}");
}

#[test]
fn decision_tree_stump_leaf_frequencies() {
    let x = Matrix::from_rows(&[
        vec![0.0],
        vec![1.0],
        vec![2.0],
        vec![10.0],
        vec![11.0],
        vec![12.0],
    ])
    .unwrap();
    let d = Dataset::classification(x.into(), vec![0.0, 0.0, 1.0, 1.0, 1.0, 0.0], 2).unwrap();
    let m = DecisionTree
        .fit(
            &d,
            &DecisionTreeParams {
                max_depth: 1,
                ..Default::default()
            },
            &ctx(),
        )
        .unwrap();
    let probe = Features::Dense(Matrix::from_rows(&[vec![-5.0], vec![20.0]]).unwrap());
    let p = m.predict_proba(&probe).unwrap();
    // max_depth 1 is a stump; Gini splits at 1.5: {0, 0} | {1, 1, 1, 0}.
    assert_eq!(p.row(0).unwrap(), &[1.0, 0.0]);
    assert_eq!(p.row(1).unwrap(), &[0.25, 0.75]);
    assert_eq!(m.predict(&probe).unwrap(), vec![0.0, 1.0]);
    assert_eq!(m.n_trees(), 1);
}

#[test]
fn random_forest_agrees_with_smartcore() {
    use smartcore::ensemble::random_forest_classifier::{
        RandomForestClassifier, RandomForestClassifierParameters,
    };
    use smartcore::ensemble::random_forest_regressor::{
        RandomForestRegressor, RandomForestRegressorParameters,
    };
    use smartcore::tree::decision_tree_classifier::SplitCriterion;
    // 16 trees: one smartcore call, seeded as the first batch.
    let params = ForestParams {
        n_estimators: 16,
        max_depth: 8,
        max_features: Some(0.4),
        ..Default::default()
    };
    let seed = first_batch_seed(11);
    let d = classification(300, 3, 12);
    let ours = RandomForest.fit(&d, &params, &ctx()).unwrap();
    let x = dense(&d.x().to_dense());
    let theirs = RandomForestClassifier::<f64, u32, DenseMatrix<f64>, Vec<u32>>::fit(
        &x,
        &labels_u32(&d),
        RandomForestClassifierParameters {
            criterion: SplitCriterion::Gini,
            max_depth: Some(9),
            min_samples_leaf: 1,
            min_samples_split: 2,
            n_trees: 16,
            m: Some(2),
            keep_samples: false,
            seed,
        },
    )
    .unwrap();
    let expected: Vec<f64> = theirs
        .predict(&x)
        .unwrap()
        .iter()
        .map(|&v| v as f64)
        .collect();
    assert_eq!(ours.predict(d.x()).unwrap(), expected);
    assert_eq!(ours.n_trees(), 16);

    let r = regression(200, 5, 3, 0.5, 6);
    let ours = RandomForest.fit(&r, &params, &ctx()).unwrap();
    let x = dense(&r.x().to_dense());
    let theirs = RandomForestRegressor::<f64, f64, DenseMatrix<f64>, Vec<f64>>::fit(
        &x,
        &r.y().to_vec(),
        RandomForestRegressorParameters {
            max_depth: Some(9),
            min_samples_leaf: 1,
            min_samples_split: 2,
            n_trees: 16,
            m: Some(2),
            keep_samples: false,
            seed,
        },
    )
    .unwrap();
    for (a, b) in ours
        .predict(r.x())
        .unwrap()
        .iter()
        .zip(theirs.predict(&x).unwrap())
    {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
}

#[test]
fn extra_trees_agree_with_smartcore_and_honour_weights() {
    use smartcore::ensemble::extra_trees_regressor::{
        ExtraTreesRegressor, ExtraTreesRegressorParameters,
    };
    let params = ForestParams {
        n_estimators: 10,
        ..Default::default()
    };
    let r = regression(150, 4, 3, 0.5, 2);
    let ours = ExtraTrees.fit(&r, &params, &ctx()).unwrap();
    let x = dense(&r.x().to_dense());
    let theirs = ExtraTreesRegressor::<f64, f64, DenseMatrix<f64>, Vec<f64>>::fit(
        &x,
        &r.y().to_vec(),
        ExtraTreesRegressorParameters {
            max_depth: Some(65),
            min_samples_leaf: 1,
            min_samples_split: 2,
            n_trees: 10,
            m: Some(4),
            keep_samples: false,
            seed: first_batch_seed(11),
        },
    )
    .unwrap();
    for (a, b) in ours
        .predict(r.x())
        .unwrap()
        .iter()
        .zip(theirs.predict(&x).unwrap())
    {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
    // Zero weight on the first half: those rows no longer shape the leaves.
    let weights: Vec<f64> = (0..150).map(|i| if i < 75 { 0.0 } else { 1.0 }).collect();
    let weighted = r.clone().with_weights(weights).unwrap();
    let w = ExtraTrees.fit(&weighted, &params, &ctx()).unwrap();
    assert_ne!(w.predict(r.x()).unwrap(), ours.predict(r.x()).unwrap());
    let zero = r.clone().with_weights(vec![0.0; 150]).unwrap();
    let e = ExtraTrees.fit(&zero, &params, &ctx()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[test]
fn forest_results_do_not_depend_on_threads() {
    let d = classification(200, 2, 3);
    let params = ForestParams {
        n_estimators: 40,
        ..Default::default()
    };
    let one = RandomForest.fit(&d, &params, &ctx()).unwrap();
    let four = RandomForest
        .fit(&d, &params, &ctx().with_threads(4))
        .unwrap();
    assert_eq!(one.n_trees(), 40);
    assert_eq!(one, four);
    let other_seed = RandomForest.fit(&d, &params, &FitContext::new(12)).unwrap();
    assert_ne!(one, other_seed);
}

// ---------------------------------------------------------------------------------------------
// Neighbours, SVMs, naive Bayes

#[test]
fn knn_clamps_k_and_weights_by_distance() {
    let x = Matrix::from_rows(&[vec![0.0], vec![1.0], vec![10.0]]).unwrap();
    let d = Dataset::regression(x.into(), vec![0.0, 1.0, 10.0]).unwrap();
    // k = 50 > 3 rows: every prediction is the mean.
    let m = Knn
        .fit(
            &d,
            &KnnParams {
                n_neighbors: Some(50),
                ..Default::default()
            },
            &ctx(),
        )
        .unwrap();
    let probe = Features::Dense(Matrix::from_rows(&[vec![0.5]]).unwrap());
    assert!((m.predict(&probe).unwrap()[0] - 11.0 / 3.0).abs() < 1e-12);
    let m = Knn
        .fit(
            &d,
            &KnnParams {
                n_neighbors: Some(2),
                weights: KnnWeights::Distance,
            },
            &ctx(),
        )
        .unwrap();
    let probe = Features::Dense(Matrix::from_rows(&[vec![0.25]]).unwrap());
    // Neighbours 0 (d=0.25) and 1 (d=0.75): weights 4 and 4/3.
    let expected = (4.0 * 0.0 + (4.0 / 3.0) * 1.0) / (4.0 + 4.0 / 3.0);
    assert!((m.predict(&probe).unwrap()[0] - expected).abs() < 1e-12);
}

#[test]
fn svm_agrees_with_smartcore() {
    use smartcore::svm::Kernels;
    use smartcore::svm::svc::{SVC, SVCParameters};
    use smartcore::svm::svr::{SVR, SVRParameters};
    let d = classification(160, 2, 5);
    for kernel in ["rbf", "linear"] {
        let params = SvmParams {
            kernel: if kernel == "rbf" {
                SvmKernel::Rbf
            } else {
                SvmKernel::Linear
            },
            c: 2.0,
            gamma: Some(0.3),
            ..Default::default()
        };
        let ours = Svm.fit(&d, &params, &ctx()).unwrap();
        let x = dense(&d.x().to_dense());
        let y: Vec<i32> = d.y().iter().map(|v| *v as i32).collect();
        let k = if kernel == "rbf" {
            Kernels::rbf().with_gamma(0.3)
        } else {
            Kernels::linear()
        };
        let p = SVCParameters::default()
            .with_c(2.0)
            .with_kernel(k)
            .with_seed(Some(11));
        let theirs = SVC::<f64, i32, DenseMatrix<f64>, Vec<i32>>::fit(&x, &y, &p).unwrap();
        assert_eq!(
            ours.predict(d.x()).unwrap(),
            theirs.predict(&x).unwrap(),
            "{kernel}"
        );
    }

    let r = regression(120, 3, 3, 0.2, 8);
    let ours = Svm
        .fit(
            &r,
            &SvmParams {
                gamma: Some(0.5),
                ..Default::default()
            },
            &ctx(),
        )
        .unwrap();
    let (mean, std) = {
        let n = r.n_rows() as f64;
        let m = r.y().iter().sum::<f64>() / n;
        let v = r.y().iter().map(|y| (y - m) * (y - m)).sum::<f64>() / n;
        (m, v.sqrt())
    };
    let x = dense(&r.x().to_dense());
    let ys: Vec<f64> = r.y().iter().map(|v| (v - mean) / std).collect();
    let p = SVRParameters::default()
        .with_eps(0.1)
        .with_c(1.0)
        .with_kernel(Kernels::rbf().with_gamma(0.5));
    let theirs = SVR::<f64, DenseMatrix<f64>, Vec<f64>>::fit(&x, &ys, &p).unwrap();
    for (a, b) in ours
        .predict(r.x())
        .unwrap()
        .iter()
        .zip(theirs.predict(&x).unwrap())
    {
        assert!((a - (mean + std * b)).abs() < 1e-9);
    }
    assert!(ours.n_support_vectors() > 0);
}

#[test]
fn svm_one_vs_rest_for_multiclass() {
    let d = classification(300, 4, 6);
    let m = Svm.fit(&d, &Default::default(), &ctx()).unwrap();
    let pred = m.predict(d.x()).unwrap();
    let acc = pred.iter().zip(d.y()).filter(|(a, b)| a == b).count() as f64 / 300.0;
    assert!(acc > 0.6, "{acc}");
    let mut seen: Vec<f64> = pred.clone();
    seen.sort_by(f64::total_cmp);
    seen.dedup();
    assert!(seen.len() >= 3, "{seen:?}");
}

#[test]
fn gaussian_nb_copes_with_a_feature_constant_within_a_class() {
    // Feature 1 is constant in class 0: smartcore alone would divide by a zero variance.
    let x = Matrix::from_rows(&[
        vec![0.0, 1.0],
        vec![0.2, 1.0],
        vec![0.1, 1.0],
        vec![3.0, 2.0],
        vec![3.2, 5.0],
        vec![2.9, 3.0],
    ])
    .unwrap();
    let d = Dataset::classification(x.into(), vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0], 2).unwrap();
    let m = GaussianNb.fit(&d, &Default::default(), &ctx()).unwrap();
    assert_eq!(m.predict(d.x()).unwrap(), d.y());
    let p = m.predict_proba(d.x()).unwrap();
    assert!(p.as_slice().iter().all(|v| v.is_finite()));
}

#[test]
fn gaussian_nb_agrees_with_smartcore() {
    use smartcore::naive_bayes::gaussian::GaussianNB;
    // 1500 rows are fitted in three chunks and pooled; smartcore fits them in one go.
    for n in [200, 1500] {
        let d = classification(n, 3, 2);
        let ours = GaussianNb.fit(&d, &Default::default(), &ctx()).unwrap();
        let x = dense(&d.x().to_dense());
        let theirs = GaussianNB::<f64, u32, DenseMatrix<f64>, Vec<u32>>::fit(
            &x,
            &labels_u32(&d),
            Default::default(),
        )
        .unwrap();
        let expected: Vec<f64> = theirs
            .predict(&x)
            .unwrap()
            .iter()
            .map(|&v| v as f64)
            .collect();
        assert_eq!(ours.predict(d.x()).unwrap(), expected, "{n} rows");
    }
}

// ---------------------------------------------------------------------------------------------
// Contract

#[test]
fn fits_honour_cancel_and_deadline() {
    let d = classification(100, 2, 1);
    let cancel = CancelFlag::new();
    cancel.cancel();
    for threads in [1, 4] {
        let c = ctx().with_cancel(cancel.clone()).with_threads(threads);
        let e = RandomForest.fit(&d, &Default::default(), &c).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Cancelled);
    }
    let late = ctx().with_budget(Duration::ZERO);
    std::thread::sleep(Duration::from_millis(2));
    let e = Svm.fit(&d, &Default::default(), &late).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
}

#[test]
fn direct_fits_refuse_other_tasks_and_bad_params() {
    let d = classification(60, 2, 1);
    let e = Ridge.fit(&d, &Default::default(), &ctx()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let r = regression(60, 3, 3, 0.1, 1);
    let e = GaussianNb.fit(&r, &Default::default(), &ctx()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let e = Ridge
        .fit(&r, &RidgeParams { alpha: -1.0 }, &ctx())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("smartcore.ridge"), "{e}");
}

#[test]
fn zero_feature_columns_are_refused() {
    let d = Dataset::regression(Matrix::zeros(10, 0).into(), vec![1.0; 10]).unwrap();
    for est in [&Ridge as &dyn DynEstimator, &RandomForest, &Knn, &Svm] {
        let e = est.fit_dyn(&d, &ParamSet::new(), &ctx()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{}", est.info().id);
    }
}

#[test]
fn round_trip_keeps_predictions_for_every_model() {
    let c = classification(120, 3, 9);
    let r = regression(120, 4, 3, 0.3, 9);
    let mut registry = mlpilot_core::Registry::new();
    mlpilot_backend_smartcore::register(&mut registry);
    for est in registry.infos() {
        let est = registry.get(&est.id).unwrap();
        let small = ParamSet::new().with("n_estimators", 5i64);
        for d in [&c, &r] {
            if !est.info().capabilities.supports(d.task()) {
                continue;
            }
            let m = est
                .fit_dyn(d, &params_for(&*est, d, &small), &ctx())
                .unwrap();
            let back = est.load_model(&m.to_bytes().unwrap()).unwrap();
            assert_eq!(
                m.predict(d.x()).unwrap(),
                back.predict(d.x()).unwrap(),
                "{}",
                est.info().id
            );
            assert_eq!(back.n_features(), d.n_features());
        }
    }
}

#[test]
fn degenerate_data_gives_models_or_clear_errors() {
    let constant = Matrix::from_rows(&vec![vec![1.0, 2.0]; 12]).unwrap();
    let (x, _, _) = make_regression(12, 2, 2, 0.0, 1);
    let duplicated = Matrix::from_columns(&[x.column(0), x.column(0), x.column(1)]).unwrap();
    let tiny = Matrix::from_rows(&[vec![0.0], vec![1.0], vec![2.0]]).unwrap();
    let y12: Vec<f64> = (0..12).map(|i| (i % 2) as f64).collect();
    let cases = vec![
        ("constant", constant.clone(), y12.clone()),
        ("duplicated", duplicated, y12.clone()),
        ("tiny", tiny, vec![0.0, 1.0, 1.0]),
    ];
    let mut registry = mlpilot_core::Registry::new();
    mlpilot_backend_smartcore::register(&mut registry);
    for (name, x, y) in cases {
        let c = Dataset::classification(x.clone().into(), y.clone(), 2).unwrap();
        let r = Dataset::regression(x.clone().into(), y.iter().map(|v| v * 3.0).collect()).unwrap();
        for info in registry.infos() {
            let est = registry.get(&info.id).unwrap();
            for d in [&c, &r] {
                if !info.capabilities.supports(d.task()) {
                    continue;
                }
                let small = ParamSet::new().with("n_estimators", 4i64);
                match est.fit_dyn(d, &params_for(&*est, d, &small), &ctx()) {
                    Ok(m) => {
                        let p = m.predict(d.x()).unwrap();
                        assert_eq!(p.len(), d.n_rows());
                        assert!(p.iter().all(|v| v.is_finite()), "{name} {}", info.id);
                    }
                    Err(e) => {
                        // Only a clear refusal is acceptable, never a caught panic.
                        assert!(
                            !e.to_string().contains("panicked"),
                            "{name} {} {}: {e}",
                            info.id,
                            d.task()
                        );
                        println!("{name} {} {}: {e}", info.id, d.task());
                    }
                }
            }
        }
    }
}

#[test]
fn every_corner_of_the_search_spaces_fits() {
    let c2 = classification(150, 2, 31);
    let c3 = classification(150, 3, 32);
    let r = regression(150, 5, 3, 0.5, 33);
    let mut registry = mlpilot_core::Registry::new();
    mlpilot_backend_smartcore::register(&mut registry);
    let mut rng = Rng::new(5);
    for info in registry.infos() {
        let est = registry.get(&info.id).unwrap();
        for d in [&c2, &c3, &r] {
            if !info.capabilities.supports(d.task()) {
                continue;
            }
            let shape = mlpilot_core::DataShape {
                n_rows: d.n_rows(),
                n_features: d.n_features(),
                n_classes: d.n_classes(),
            };
            let space = est.search_space(d.task(), shape);
            let dim = space.len();
            let mut points = vec![vec![0.0; dim], vec![1.0; dim], vec![0.5; dim]];
            points.extend((0..3).map(|_| (0..dim).map(|_| rng.uniform()).collect()));
            for u in points {
                let params = space.from_unit(&u);
                let m = est
                    .fit_dyn(d, &params, &ctx())
                    .unwrap_or_else(|e| panic!("{} {} {params}: {e}", info.id, d.task()));
                let p = m.predict(d.x()).unwrap();
                assert!(p.iter().all(|v| v.is_finite()), "{} {params}", info.id);
                if d.task().is_classification() && info.capabilities.probabilities {
                    let proba = m.predict_proba(d.x()).unwrap();
                    for row in proba.rows() {
                        assert!(
                            (row.iter().sum::<f64>() - 1.0).abs() < 1e-9,
                            "{} {params}",
                            info.id
                        );
                    }
                }
            }
        }
    }
}
