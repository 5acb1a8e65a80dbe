//! Peak memory of loading and profiling a file, against the size of the loaded table.
//!
//! `cargo run --release -p mlpilot-benches --bin profile-memory -- FILE [TARGET]`
//! prints the in-memory table size (polars' estimate), the peak resident memory of the whole
//! process, their ratio, and the profiling time.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(file) = args.next() else {
        eprintln!("usage: profile-memory FILE [TARGET]");
        return ExitCode::from(2);
    };
    let target = args.next();
    let baseline = mlpilot_benches::peak_rss_bytes().unwrap_or(0);
    let t0 = Instant::now();
    let table = match mlpilot_data::load(&file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let table_bytes = table.estimated_size();
    let loaded = t0.elapsed();
    let peak_after_load = mlpilot_benches::peak_rss_bytes().unwrap_or(0);
    let t1 = Instant::now();
    let opts = mlpilot_data::ProfileOptions::with_target(target.as_deref());
    let result = table
        .into_dataframe()
        .and_then(|df| mlpilot_data::profile_dataframe(df, &file, &opts));
    let profiled = t1.elapsed();
    if let Err(e) = result {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let peak = mlpilot_benches::peak_rss_bytes().unwrap_or(0);
    println!(
        "table (polars estimate): {:.1} MB",
        table_bytes as f64 / 1e6
    );
    println!(
        "peak RSS after loading:  {:.1} MB",
        peak_after_load as f64 / 1e6
    );
    println!("RSS before loading:      {:.1} MB", baseline as f64 / 1e6);
    println!("peak RSS:                {:.1} MB", peak as f64 / 1e6);
    println!(
        "ratio above baseline:    {:.2}",
        peak.saturating_sub(baseline) as f64 / table_bytes.max(1) as f64
    );
    println!(
        "ratio:                   {:.2}",
        peak as f64 / table_bytes.max(1) as f64
    );
    println!("load:                    {:.3} s", loaded.as_secs_f64());
    println!("profile:                 {:.3} s", profiled.as_secs_f64());
    ExitCode::SUCCESS
}
