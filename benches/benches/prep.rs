//! Preprocessing `flights_delay.csv` (327k rows, 10 input columns) on one core: fit + transform
//! of all rows, and transform alone (cells per second = rows × input columns / time).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mlpilot_core::Task;
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
    let target = FitTarget {
        y: &y,
        n_classes: 2,
    };
    let cells = (frame.n_rows() * (frame.n_cols() - 1)) as u64;
    for (name, variant) in [("scaled", Variant::SCALED), ("trees", Variant::TREES)] {
        let mut g = c.benchmark_group(format!("prep_flights_delay_{name}"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(cells));
        g.bench_function("fit_transform", |b| {
            b.iter(|| plan.fit(&frame, target, variant, 0).unwrap())
        });
        let (pipe, _) = plan.fit(&frame, target, variant, 0).unwrap();
        g.bench_function("transform", |b| b.iter(|| pipe.transform(&frame).unwrap()));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
