//! TreeSHAP speed: explaining 1,000 rows of a 500-tree GBDT trained on `flights_delay.csv`
//! (one core), and permutation SHAP of one row through the same model for comparison.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mlpilot_core::{Dataset, DynEstimator, ExplainOutput, Explainer, FitContext, ParamSet, Task};
use mlpilot_explain::{PermutationShap, TreeShap};
use mlpilot_prep::{FitTarget, PlanOptions, PreprocessPlan, TargetEncoding, Variant};

fn bench(c: &mut Criterion) {
    let path = mlpilot_benches::datasets_dir().join("flights_delay.csv");
    let (frame, profile) =
        mlpilot_data::load_and_profile(&path.display().to_string(), Some("target")).unwrap();
    let plan =
        PreprocessPlan::from_profile(&profile, "target", Task::Binary, PlanOptions::default())
            .unwrap();
    let enc = TargetEncoding::fit(frame.column("target").unwrap(), Task::Binary).unwrap();
    let y = enc.encode(frame.column("target").unwrap()).unwrap().y;
    let (pipe, _) = plan
        .fit(
            &frame,
            FitTarget {
                y: &y,
                n_classes: 2,
            },
            Variant::TREES,
            0,
        )
        .unwrap();
    let x = pipe.transform(&frame).unwrap().features;
    let data = Dataset::classification(x.clone(), y, 2).unwrap();
    let params = ParamSet::new()
        .with("n_estimators", 500i64)
        .with("early_stopping", "off");
    let model = mlpilot_backend_gbdt::HistGbm
        .fit_dyn(&data, &params, &FitContext::new(0))
        .unwrap();
    let trees = model.tree_ensemble().map_or(0, |e| e.trees.len());
    eprintln!("explaining a GBDT with {trees} trees");
    let dense = x.to_dense().into_owned();
    let rows = dense.select_rows(&(0..1000).collect::<Vec<_>>()).unwrap();
    let mut g = c.benchmark_group("explain_flights_delay_gbdt500");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1000));
    g.bench_function("tree_shap_1000_rows", |b| {
        b.iter(|| {
            TreeShap
                .explain(model.as_model(), &rows, ExplainOutput::Probability(1))
                .unwrap()
        })
    });
    let shap = PermutationShap {
        background: dense
            .select_rows(&(1000..1100).collect::<Vec<_>>())
            .unwrap(),
        permutations: 16,
        seed: 0,
    };
    let one = dense.select_rows(&[0]).unwrap();
    g.throughput(Throughput::Elements(1));
    g.bench_function("permutation_shap_1_row", |b| {
        b.iter(|| {
            shap.explain(model.as_model(), &one, ExplainOutput::Probability(1))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
