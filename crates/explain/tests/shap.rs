//! SHAP known answers: additivity against the model's own outputs, TreeSHAP against a
//! brute-force Shapley computation of the same game, linear models, and the dummy property.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mlpilot_backend_gbdt::{ExtraTrees, HistGbm, RandomForest};
use mlpilot_core::{
    Dataset, DynEstimator, ExplainOutput, Explainer, Features, FitContext, Matrix, Model, ParamSet,
    Result, Task, TreeNode, TreeView,
};
use mlpilot_explain::permutation::model_outputs;
use mlpilot_explain::{Coalitions, PermutationShap, PreparedEnsemble, TreeShap, shapley};
use mlpilot_testkit::synthetic::{ClassificationSpec, friedman1, make_classification};
use serde::{Deserialize, Serialize};

fn fit(est: &dyn DynEstimator, d: &Dataset, trees: i64) -> Box<dyn mlpilot_core::DynModel> {
    est.fit_dyn(
        d,
        &ParamSet::new().with("n_estimators", trees),
        &FitContext::new(0),
    )
    .unwrap()
}

fn classification(k: usize, seed: u64) -> (Matrix, Dataset) {
    let (x, y) = make_classification(ClassificationSpec {
        n_rows: 400,
        n_features: 5,
        n_informative: 3,
        n_classes: k,
        seed,
        ..Default::default()
    });
    (x.clone(), Dataset::classification(x.into(), y, k).unwrap())
}

fn check_additivity(model: &dyn Model, x: &Matrix, output: ExplainOutput, class: usize) {
    let rows = x.select_rows(&(0..25).collect::<Vec<_>>()).unwrap();
    let attrs = TreeShap.explain(model, &rows, output).unwrap();
    let out = model_outputs(model, rows.clone()).unwrap();
    for (i, a) in attrs.iter().enumerate() {
        assert!(
            a.additivity_gap().abs() < 1e-6,
            "gap {}",
            a.additivity_gap()
        );
        let c = match output {
            ExplainOutput::Value => 0,
            ExplainOutput::Probability(c) => c,
            ExplainOutput::PredictedClass => a.class.unwrap(),
        };
        let _ = class;
        assert!(
            (a.output - out.get(i, c).unwrap()).abs() < 1e-6,
            "row {i}: explained {} but the model says {}",
            a.output,
            out.get(i, c).unwrap()
        );
    }
}

#[test]
fn tree_shap_adds_up_to_the_models_outputs() {
    let (x, d) = classification(2, 1);
    for est in [&HistGbm as &dyn DynEstimator, &RandomForest, &ExtraTrees] {
        let m = fit(est, &d, 40);
        check_additivity(m.as_model(), &x, ExplainOutput::Probability(1), 1);
        check_additivity(m.as_model(), &x, ExplainOutput::Probability(0), 0);
        check_additivity(m.as_model(), &x, ExplainOutput::PredictedClass, 0);
    }
    let (x, d) = classification(3, 2);
    for est in [&HistGbm as &dyn DynEstimator, &RandomForest] {
        let m = fit(est, &d, 30);
        check_additivity(m.as_model(), &x, ExplainOutput::PredictedClass, 0);
        check_additivity(m.as_model(), &x, ExplainOutput::Probability(2), 2);
    }
    let (x, y) = friedman1(400, 6, 0.3, 4);
    let d = Dataset::regression(x.clone().into(), y).unwrap();
    for est in [&HistGbm as &dyn DynEstimator, &RandomForest] {
        let m = fit(est, &d, 40);
        check_additivity(m.as_model(), &x, ExplainOutput::Value, 0);
    }
}

/// The path-dependent game TreeSHAP solves, evaluated by brute force: a present feature
/// follows the row, an absent one follows both children weighted by their training cover.
struct CoverGame<'a> {
    trees: &'a [TreeView],
    row: &'a [f64],
}

fn cover_value(t: &TreeView, node: usize, row: &[f64], mask: &[bool]) -> f64 {
    match &t.nodes[node] {
        TreeNode::Leaf { values, .. } => values[0],
        TreeNode::Split {
            feature,
            left,
            right,
            ..
        }
        | TreeNode::CategoricalSplit {
            feature,
            left,
            right,
            ..
        } => {
            if mask[*feature] {
                cover_value(t, t.next(node, row).unwrap(), row, mask)
            } else {
                let c = t.nodes[node].cover();
                let (cl, cr) = (t.nodes[*left].cover(), t.nodes[*right].cover());
                (cl * cover_value(t, *left, row, mask) + cr * cover_value(t, *right, row, mask)) / c
            }
        }
    }
}

impl Coalitions for CoverGame<'_> {
    fn n_players(&self) -> usize {
        self.row.len()
    }
    fn evaluate(&self, masks: &[Vec<bool>]) -> Result<Vec<Vec<f64>>> {
        Ok(masks
            .iter()
            .map(|m| {
                vec![
                    self.trees
                        .iter()
                        .map(|t| cover_value(t, 0, self.row, m))
                        .sum(),
                ]
            })
            .collect())
    }
}

#[test]
fn tree_shap_equals_brute_force_shapley_values() {
    let (x, y) = friedman1(300, 5, 0.3, 9);
    let d = Dataset::regression(x.clone().into(), y).unwrap();
    let m = fit(&HistGbm, &d, 15);
    let ens = m.tree_ensemble().unwrap();
    let prepared = PreparedEnsemble::new(ens.clone(), 5).unwrap();
    for i in 0..10 {
        let row = x.row(i).unwrap();
        let fast = prepared.shap_row(row).unwrap();
        let brute = shapley(
            &CoverGame {
                trees: &ens.trees,
                row,
            },
            0,
            0,
        )
        .unwrap();
        assert!(brute.exact);
        for f in 0..5 {
            assert!(
                (fast.phi[f] - brute.phi[f][0]).abs() < 1e-9,
                "row {i} feature {f}: {} vs {}",
                fast.phi[f],
                brute.phi[f][0]
            );
        }
    }
}

/// `y = 3·x0 − 2·x2 + 1`; x1 and x3 are ignored.
#[derive(Debug, Serialize, Deserialize)]
struct Linear;

impl Model for Linear {
    fn task(&self) -> Task {
        Task::Regression
    }
    fn n_features(&self) -> usize {
        4
    }
    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        let x = x.to_dense();
        Ok(x.rows().map(|r| 3.0 * r[0] - 2.0 * r[2] + 1.0).collect())
    }
}

#[test]
fn linear_contributions_are_coefficient_times_distance_from_the_mean() {
    let (x, _) = friedman1(200, 4, 0.0, 5);
    let background = x.select_rows(&(0..40).collect::<Vec<_>>()).unwrap();
    let means: Vec<f64> = (0..4)
        .map(|j| background.column(j).iter().sum::<f64>() / 40.0)
        .collect();
    let rows = x.select_rows(&(100..110).collect::<Vec<_>>()).unwrap();
    // Four players are enumerated exactly; also force sampling with a wider model below.
    let shap = PermutationShap {
        background,
        permutations: 8,
        seed: 1,
    };
    let attrs = shap.explain(&Linear, &rows, ExplainOutput::Value).unwrap();
    for (a, r) in attrs.iter().zip(rows.rows()) {
        assert!((a.contributions[0] - 3.0 * (r[0] - means[0])).abs() < 1e-9);
        assert!((a.contributions[2] + 2.0 * (r[2] - means[2])).abs() < 1e-9);
        // The dummy property: ignored features get exactly zero.
        assert_eq!(a.contributions[1], 0.0);
        assert_eq!(a.contributions[3], 0.0);
        assert!(a.additivity_gap().abs() < 1e-9);
    }
}

/// A linear model over twelve features (sampling applies): linear games are exact under any
/// permutation, so sampling must reproduce the known answer too.
#[derive(Debug, Serialize, Deserialize)]
struct Wide;

impl Model for Wide {
    fn task(&self) -> Task {
        Task::Regression
    }
    fn n_features(&self) -> usize {
        12
    }
    fn predict(&self, x: &Features) -> Result<Vec<f64>> {
        let x = x.to_dense();
        Ok(x.rows()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .map(|(j, v)| if j % 3 == 0 { 0.0 } else { (j as f64) * v })
                    .sum()
            })
            .collect())
    }
}

#[test]
fn sampled_shap_is_exact_on_linear_models_and_zero_on_dummies() {
    let (x, _) = friedman1(100, 12, 0.0, 6);
    let background = x.select_rows(&(0..20).collect::<Vec<_>>()).unwrap();
    let means: Vec<f64> = (0..12)
        .map(|j| background.column(j).iter().sum::<f64>() / 20.0)
        .collect();
    let rows = x.select_rows(&[50, 51, 52]).unwrap();
    let shap = PermutationShap {
        background,
        permutations: 6,
        seed: 3,
    };
    for (a, r) in shap
        .explain(&Wide, &rows, ExplainOutput::Value)
        .unwrap()
        .iter()
        .zip(rows.rows())
    {
        for j in 0..12 {
            let want = if j % 3 == 0 {
                0.0
            } else {
                j as f64 * (r[j] - means[j])
            };
            assert!((a.contributions[j] - want).abs() < 1e-9, "feature {j}");
        }
        assert!(a.additivity_gap().abs() < 1e-9);
    }
}

#[test]
fn tree_shap_gives_unused_features_nothing() {
    // Only the first three features carry signal and the trees split on nothing else when
    // the others are constant.
    let (mut x, y) = friedman1(300, 5, 0.0, 8);
    for i in 0..x.n_rows() {
        x.set(i, 3, 1.0);
        x.set(i, 4, -2.0);
    }
    let d = Dataset::regression(x.clone().into(), y).unwrap();
    let m = fit(&HistGbm, &d, 30);
    let rows = x.select_rows(&[0, 1, 2]).unwrap();
    for a in TreeShap
        .explain(m.as_model(), &rows, ExplainOutput::Value)
        .unwrap()
    {
        assert_eq!(a.contributions[3], 0.0);
        assert_eq!(a.contributions[4], 0.0);
    }
}

#[test]
fn malformed_trees_are_rejected() {
    let ens = mlpilot_core::TreeEnsemble {
        trees: vec![TreeView {
            nodes: vec![TreeNode::Split {
                feature: 0,
                threshold: 0.0,
                left: 0,
                right: 5,
                missing_left: true,
                cover: 1.0,
            }],
        }],
        n_outputs: 1,
        base: vec![0.0],
        aggregation: mlpilot_core::tree::Aggregation::Sum,
        link: mlpilot_core::tree::Link::Identity,
    };
    let e = PreparedEnsemble::new(ens, 1).unwrap_err();
    assert!(e.to_string().contains("malformed"), "{e}");
}
