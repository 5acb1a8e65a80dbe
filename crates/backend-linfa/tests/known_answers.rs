#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Known answers and edge cases of the linfa estimators.

use mlpilot_backend_linfa::{
    AdaBoost, DecisionTree, ElasticNet, ElasticNetParams, ForestParams, GaussianNb,
    LinearRegression, LogisticCoefficients, LogisticParams, LogisticRegression, RandomForest,
    SVM_MAX_ROWS, Svm, SvmKernel, SvmParams,
};
use mlpilot_core::{
    CancelFlag, Dataset, DynEstimator, ErrorKind, Estimator, Features, FitContext, Matrix, Metric,
    Model, ParamSet, Predictions,
};
use mlpilot_testkit::assert::{assert_all_close, assert_close};
use mlpilot_testkit::synthetic::{ClassificationSpec, make_classification, make_regression};

fn ctx() -> FitContext {
    FitContext::new(3)
}

fn rows(rows: &[Vec<f64>]) -> Matrix {
    Matrix::from_rows(rows).unwrap()
}

fn classification(x: Matrix, y: Vec<f64>, k: usize) -> Dataset {
    Dataset::classification(x.into(), y, k).unwrap()
}

fn blobs(n_classes: usize, seed: u64) -> Dataset {
    let spec = ClassificationSpec {
        n_rows: 200,
        n_features: 4,
        n_informative: 3,
        n_classes,
        class_sep: 2.0,
        flip: 0.0,
        seed,
    };
    let (x, y) = make_classification(spec);
    classification(x, y, n_classes)
}

fn accuracy(model: &dyn Model, data: &Dataset) -> f64 {
    let p = model.predict(data.x()).unwrap();
    Metric::Accuracy
        .score(data.y(), &Predictions::values(p), data.n_classes())
        .unwrap()
}

#[test]
fn ols_recovers_exact_coefficients() {
    let (x, y, w) = make_regression(50, 3, 3, 0.0, 11);
    let y: Vec<f64> = y.iter().map(|v| v + 4.0).collect();
    let d = Dataset::regression(x.into(), y).unwrap();
    let m = LinearRegression
        .fit(&d, &Default::default(), &ctx())
        .unwrap();
    assert_all_close(&m.coef, &w, 1e-9);
    assert_close(m.intercept, 4.0, 1e-9);
}

#[test]
fn weighted_ols_equals_repeated_rows() {
    let x = rows(&[vec![0.0], vec![1.0], vec![2.0], vec![3.0]]);
    let y = vec![1.0, 2.0, 2.0, 5.0];
    let weighted = Dataset::regression(x.clone().into(), y.clone())
        .unwrap()
        .with_weights(vec![1.0, 3.0, 1.0, 2.0])
        .unwrap();
    let repeated = Dataset::regression(
        rows(&[
            vec![0.0],
            vec![1.0],
            vec![1.0],
            vec![1.0],
            vec![2.0],
            vec![3.0],
            vec![3.0],
        ])
        .into(),
        vec![1.0, 2.0, 2.0, 2.0, 2.0, 5.0, 5.0],
    )
    .unwrap();
    let a = LinearRegression
        .fit(&weighted, &Default::default(), &ctx())
        .unwrap();
    let b = LinearRegression
        .fit(&repeated, &Default::default(), &ctx())
        .unwrap();
    assert_all_close(&a.coef, &b.coef, 1e-9);
    assert_close(a.intercept, b.intercept, 1e-9);
}

#[test]
fn ols_leaves_constant_columns_out_and_refuses_collinear_ones() {
    let x = rows(&[
        vec![0.0, 7.0],
        vec![1.0, 7.0],
        vec![2.0, 7.0],
        vec![3.0, 7.0],
    ]);
    let d = Dataset::regression(x.into(), vec![1.0, 3.0, 5.0, 7.0]).unwrap();
    let m = LinearRegression
        .fit(&d, &Default::default(), &ctx())
        .unwrap();
    assert_all_close(&m.coef, &[2.0, 0.0], 1e-9);
    assert_close(m.intercept, 1.0, 1e-9);

    let x = rows(&[
        vec![0.0, 0.0],
        vec![1.0, 2.0],
        vec![2.0, 4.0],
        vec![3.0, 6.0],
        vec![4.0, 8.0],
    ]);
    let d = Dataset::regression(x.into(), vec![1.0, 3.0, 5.0, 7.0, 10.0]).unwrap();
    let err = LinearRegression
        .fit(&d, &Default::default(), &ctx())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");

    let few = Dataset::regression(
        rows(&[vec![1.0, 2.0], vec![2.0, 1.0]]).into(),
        vec![1.0, 2.0],
    )
    .unwrap();
    let err = LinearRegression
        .fit(&few, &Default::default(), &ctx())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
}

#[test]
fn elastic_net_intercept_is_right_on_uncentred_features() {
    let (x, y, w) = make_regression(200, 2, 2, 0.0, 5);
    // Shift the features far from zero: y = 3 + x·w with x in the original units.
    let shifted: Vec<f64> = x.as_slice().iter().map(|v| v + 10.0).collect();
    let y: Vec<f64> = y
        .iter()
        .map(|v| v + 3.0 + 10.0 * w.iter().sum::<f64>())
        .collect();
    let d = Dataset::regression(Matrix::new(200, 2, shifted).unwrap().into(), y).unwrap();
    let p = ElasticNetParams {
        penalty: 1e-5,
        ..Default::default()
    };
    let m = ElasticNet.fit(&d, &p, &ctx()).unwrap();
    assert_all_close(&m.coef, &w, 1e-3);
    assert_close(m.intercept, 3.0, 1e-2);

    // A strong lasso zeroes every coefficient and predicts the mean.
    let lasso = ElasticNetParams {
        penalty: 10.0,
        l1_ratio: 1.0,
        ..Default::default()
    };
    let m = ElasticNet.fit(&d, &lasso, &ctx()).unwrap();
    assert!(m.coef.iter().all(|c| *c == 0.0), "{:?}", m.coef);
    let mean = d.y().iter().sum::<f64>() / 200.0;
    assert_close(m.intercept, mean, 1e-9);
}

#[test]
fn logistic_orientation_does_not_depend_on_class_frequency() {
    // Class 1 on the right; once as the majority and once as the minority.
    for y in [
        vec![0.0, 0.0, 1.0, 1.0, 1.0, 1.0],
        vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0],
    ] {
        let x = rows(&[
            vec![-3.0],
            vec![-2.0],
            vec![-1.0],
            vec![1.0],
            vec![2.0],
            vec![3.0],
        ]);
        let d = classification(x, y.clone(), 2);
        let m = LogisticRegression
            .fit(
                &d,
                &LogisticParams {
                    alpha: 0.1,
                    ..Default::default()
                },
                &ctx(),
            )
            .unwrap();
        match m.coefficients() {
            LogisticCoefficients::Binomial { coef, .. } => assert!(coef[0] > 0.0, "{coef:?}"),
            other => panic!("expected binomial coefficients, got {other:?}"),
        }
        let p = m
            .predict_proba(&rows(&[vec![-10.0], vec![10.0]]).into())
            .unwrap();
        assert!(
            p.get(0, 0).unwrap() > 0.9 && p.get(1, 1).unwrap() > 0.9,
            "{p:?}"
        );
    }
}

#[test]
fn multinomial_gives_absent_classes_zero_probability() {
    let x = rows(&[vec![-2.0], vec![-1.0], vec![1.0], vec![2.0]]);
    let d = classification(x.clone(), vec![0.0, 0.0, 2.0, 2.0], 3);
    let m = LogisticRegression
        .fit(&d, &Default::default(), &ctx())
        .unwrap();
    let p = m.predict_proba(&x.clone().into()).unwrap();
    assert!(p.column(1).iter().all(|v| *v == 0.0), "{p:?}");
    assert_eq!(m.predict(&x.into()).unwrap(), vec![0.0, 0.0, 2.0, 2.0]);
    let d = blobs(3, 1);
    let m = LogisticRegression
        .fit(&d, &Default::default(), &ctx())
        .unwrap();
    assert!(accuracy(&m, &d) > 0.9);
}

#[test]
fn tree_probabilities_match_its_tree_ensemble() {
    for est in [&DecisionTree as &dyn DynEstimator, &RandomForest, &AdaBoost] {
        let d = blobs(3, 2);
        let p = ParamSet::new();
        let p = if est.info().id == "linfa.decision_tree" {
            p
        } else {
            p.with("n_estimators", 10i64)
        };
        let m = est.fit_dyn(&d, &p, &ctx()).unwrap();
        let proba = m.predict_proba(d.x()).unwrap();
        let ens = m.tree_ensemble().unwrap();
        let dense = d.x().to_dense();
        for (row, probs) in dense.rows().zip(proba.rows()) {
            let raw = ens.raw(row);
            let from_ensemble = match ens.link {
                mlpilot_core::tree::Link::Softmax => {
                    let max = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let e: Vec<f64> = raw.iter().map(|v| (v - max).exp()).collect();
                    let s: f64 = e.iter().sum();
                    e.iter().map(|v| v / s).collect()
                }
                _ => raw,
            };
            assert_all_close(&from_ensemble, probs, 1e-12);
        }
        let imp = m.feature_importances().unwrap();
        assert_close(imp.iter().sum::<f64>(), 1.0, 1e-9);
        assert!(accuracy(m.as_model(), &d) > 0.8, "{}", est.info().id);
    }
}

#[test]
fn tree_honours_sample_weights() {
    // One constant feature: the tree is a single leaf holding the weighted class shares.
    let x = rows(&[vec![1.0], vec![1.0], vec![1.0], vec![1.0]]);
    let d = classification(x.clone(), vec![0.0, 0.0, 1.0, 0.0], 2)
        .with_weights(vec![1.0, 1.0, 5.0, 0.0])
        .unwrap();
    let m = DecisionTree.fit(&d, &Default::default(), &ctx()).unwrap();
    let p = m.predict_proba(&x.clone().into()).unwrap();
    assert_all_close(p.row(0).unwrap(), &[2.0 / 7.0, 5.0 / 7.0], 1e-12);
    assert_eq!(m.predict(&x.into()).unwrap(), vec![1.0; 4]);
}

#[test]
fn forest_uses_the_seed() {
    let d = blobs(2, 4);
    let p = ForestParams {
        n_estimators: 8,
        ..Default::default()
    };
    let a = RandomForest.fit(&d, &p, &FitContext::new(1)).unwrap();
    let c = RandomForest.fit(&d, &p, &FitContext::new(2)).unwrap();
    assert_eq!(a.trees().len(), 8);
    assert_ne!(a.trees(), c.trees());
    // Trees grow in parallel with more threads; the model is as good.
    let t = RandomForest
        .fit(&d, &p, &FitContext::new(1).with_threads(2))
        .unwrap();
    assert_eq!(t.trees().len(), 8);
    assert!(accuracy(&t, &d) > 0.9);
}

#[test]
fn cancelled_fit_stops() {
    let cancel = CancelFlag::new();
    cancel.cancel();
    let ctx = FitContext::new(0).with_cancel(cancel);
    let err = RandomForest
        .fit(&blobs(2, 1), &Default::default(), &ctx)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
}

#[test]
fn svm_separates_and_calibrates() {
    let x = rows(&[
        vec![-2.0, 0.0],
        vec![-1.5, 1.0],
        vec![-1.0, -1.0],
        vec![1.0, 1.0],
        vec![1.5, -1.0],
        vec![2.0, 0.0],
    ]);
    let d = classification(x.clone(), vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0], 2);
    for kernel in [SvmKernel::Linear, SvmKernel::Gaussian] {
        let m = Svm
            .fit(
                &d,
                &SvmParams {
                    kernel,
                    ..Default::default()
                },
                &ctx(),
            )
            .unwrap();
        assert_eq!(m.predict(&x.clone().into()).unwrap(), d.y(), "{kernel:?}");
        let p = m
            .predict_proba(&rows(&[vec![-3.0, 0.0], vec![3.0, 0.0]]).into())
            .unwrap();
        assert!(
            p.get(0, 0).unwrap() > 0.5 && p.get(1, 1).unwrap() > 0.5,
            "{p:?}"
        );
    }
}

#[test]
fn svr_works_on_any_target_scale() {
    let x: Vec<Vec<f64>> = (0..40).map(|i| vec![i as f64 / 10.0 - 2.0]).collect();
    let y: Vec<f64> = x.iter().map(|r| 5000.0 * r[0] + 20000.0).collect();
    let d = Dataset::regression(rows(&x).into(), y.clone()).unwrap();
    let p = SvmParams {
        kernel: SvmKernel::Linear,
        c: 100.0,
        epsilon: 0.01,
        ..Default::default()
    };
    let m = Svm.fit(&d, &p, &ctx()).unwrap();
    let pred = m.predict(d.x()).unwrap();
    let r2 = Metric::R2.score(&y, &Predictions::values(pred), 0).unwrap();
    assert!(r2 > 0.999, "R² {r2}");
}

#[test]
fn svm_refuses_more_rows_than_its_kernel_matrix_allows() {
    let n = SVM_MAX_ROWS + 1;
    let x = Matrix::new(n, 1, (0..n).map(|i| i as f64).collect()).unwrap();
    let y: Vec<f64> = (0..n).map(|i| (i % 2) as f64).collect();
    let err = Svm
        .fit(&classification(x, y, 2), &Default::default(), &ctx())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Budget, "{err}");
}

#[test]
fn naive_bayes_is_stable_far_from_the_data() {
    let d = blobs(3, 5);
    let m = GaussianNb.fit(&d, &Default::default(), &ctx()).unwrap();
    assert!(accuracy(&m, &d) > 0.9);
    let far = rows(&[vec![1e6, -1e6, 1e6, 1e6]]);
    let p = m.predict_proba(&far.into()).unwrap();
    assert!(p.as_slice().iter().all(|v| v.is_finite()), "{p:?}");
    assert_close(p.as_slice().iter().sum::<f64>(), 1.0, 1e-12);

    let constant = classification(rows(&[vec![1.0], vec![1.0]]), vec![0.0, 1.0], 2);
    let err = GaussianNb
        .fit(&constant, &Default::default(), &ctx())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn predict_refuses_missing_values_and_handles_zero_rows() {
    let d = blobs(2, 6);
    let m = LogisticRegression
        .fit(&d, &Default::default(), &ctx())
        .unwrap();
    let nan = Features::Dense(rows(&[vec![f64::NAN, 0.0, 0.0, 0.0]]));
    assert_eq!(m.predict(&nan).unwrap_err().kind(), ErrorKind::InvalidInput);
    let empty = Features::Dense(Matrix::zeros(0, 4));
    assert!(m.predict(&empty).unwrap().is_empty());
    assert_eq!(m.predict_proba(&empty).unwrap().n_rows(), 0);
}
