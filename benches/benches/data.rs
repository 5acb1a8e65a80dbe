//! Loading and profiling `flights_delay.csv` (13.5 MB, 327k rows): mlpilot's loader against
//! polars' own CSV reader in the same run, and profiling on one core.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use polars::prelude::{CsvReadOptions, SerReader};

fn bench(c: &mut Criterion) {
    let path = mlpilot_benches::datasets_dir().join("flights_delay.csv");
    let spec = path.display().to_string();
    let bytes = std::fs::metadata(&path).expect("flights_delay.csv").len();
    let mut g = c.benchmark_group("load_flights_delay");
    g.sample_size(20);
    g.throughput(criterion::Throughput::Bytes(bytes));
    g.bench_function("polars_csv_reader", |b| {
        b.iter(|| {
            CsvReadOptions::default()
                .with_has_header(true)
                .try_into_reader_with_file_path(Some(path.clone()))
                .unwrap()
                .finish()
                .unwrap()
        })
    });
    g.bench_function("mlpilot_load", |b| {
        b.iter(|| mlpilot_data::load(&spec).unwrap())
    });
    g.bench_function("mlpilot_load_frame", |b| {
        b.iter(|| mlpilot_data::load_frame(&spec).unwrap())
    });
    g.finish();

    let (frame, _) = mlpilot_data::load_frame(&spec).unwrap();
    let opts = mlpilot_data::ProfileOptions::with_target(Some("target"));
    let mut g = c.benchmark_group("profile_flights_delay");
    g.sample_size(10);
    g.bench_function("profile_frame", |b| {
        b.iter(|| mlpilot_data::profile_frame(&frame, &spec, &opts).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
