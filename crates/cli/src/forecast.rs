//! `mlpilot run --task forecast` and predicting with a forecasting model.

use mlpilot::forecasting::{ForecastArtifact, read, save};
use mlpilot::{Error, Frame, Result};

use crate::run::{RunArgs, write_file};

/// Fits a forecaster for `args` and writes `model.mlpilot` and `summary.json`.
pub(crate) fn run(args: &RunArgs, frame: &Frame) -> Result<()> {
    let target = args.target.as_deref().ok_or_else(|| {
        Error::invalid_input("a forecast needs --target (the column to forecast)")
    })?;
    let time = args.time_column.as_deref().ok_or_else(|| {
        Error::invalid_input("a forecast needs --time-column (the column that holds the times)")
    })?;
    let horizon = args.horizon.unwrap_or(12);
    if horizon == 0 {
        return Err(Error::invalid_input("--horizon must be at least 1"));
    }
    let t0 = std::time::Instant::now();
    let duplicates = args
        .duplicate_times
        .parse::<mlpilot::search::forecast::DuplicateTimes>()?;
    let forecaster =
        mlpilot::search::forecast::fit_frame_with(frame, target, time, horizon, duplicates)?;
    let artifact = ForecastArtifact::new(forecaster);
    let points = artifact.forecaster.forecast(horizon);
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Error::from(e).with_context("file", args.out.display()))?;
    let model_path = args.out.join("model.mlpilot");
    save(&model_path, &artifact)?;
    let f = &artifact.forecaster;
    let summary = serde_json::json!({
        "task": "forecast",
        "target": target,
        "time_column": time,
        "horizon": horizon,
        "method": f.method.name(),
        "period": f.period,
        "points": f.series.values.len(),
        "interpolated": f.series.filled,
        "date_format": f.series.date_format,
        "duplicate_times": f.series.merged,
        "backtests": f.backtests,
        "forecast": points,
        "narrative": artifact.narrative,
        "fit_secs": t0.elapsed().as_secs_f64(),
    });
    let json = serde_json::to_string_pretty(&summary)
        .map_err(|e| Error::internal(format!("summary JSON: {e}")))?;
    write_file(&args.out.join("summary.json"), json.as_bytes())?;
    if let Some(m) = &f.series.merged {
        eprintln!("note: time column `{time}`: {}", m.describe());
    }
    if args.json {
        println!("{json}");
        return Ok(());
    }
    println!("{}", artifact.narrative);
    println!();
    println!(
        "{:<12} {:>12} {:>12} {:>12}",
        "time", "forecast", "lower 80%", "upper 80%"
    );
    for p in &points {
        println!(
            "{:<12} {:>12.3} {:>12.3} {:>12.3}",
            p.time, p.forecast, p.lower, p.upper
        );
    }
    println!();
    println!("backtests ({} steps ahead, expanding windows):", horizon);
    for b in f.backtests.iter().take(8) {
        println!(
            "  {:<55} RMSE {:>10.3}  MAE {:>10.3}",
            b.method, b.rmse, b.mae
        );
    }
    println!();
    println!(
        "wrote {}, summary.json in {}",
        model_path.display(),
        args.out.display()
    );
    Ok(())
}

/// Forecasts the times in `data` with the forecasting model at `model`: CSV with the time,
/// `prediction`, `lower` and `upper`.
pub(crate) fn predict(model: &std::path::Path, data: &str) -> Result<String> {
    let artifact = read(model)?;
    let (frame, _) = mlpilot::data::load_frame(data)?;
    let points = artifact.forecast_frame(&frame)?;
    let mut out = format!(
        "{},prediction,lower,upper\n",
        artifact.forecaster.time_column
    );
    for p in points {
        out.push_str(&format!(
            "{},{},{},{}\n",
            p.time, p.forecast, p.lower, p.upper
        ));
    }
    Ok(out)
}
