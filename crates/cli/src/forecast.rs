//! `mlpilot run --task forecast` and predicting with a forecasting model.

use mlpilot::forecasting::{ForecastArtifact, ForecastSettings, read, save};
use mlpilot::{Error, Frame, Result};

use crate::run::{RunArgs, write_file};

/// Fits a forecaster for `args` and writes `model.mlpilot` and `summary.json`.
pub(crate) fn run(args: &RunArgs, frame: &Frame, started: std::time::Instant) -> Result<()> {
    let target = args.target.as_deref().ok_or_else(|| {
        Error::invalid_input("a forecast needs --target (the column to forecast)")
    })?;
    let time = args.time_column.as_deref().ok_or_else(|| {
        Error::invalid_input("a forecast needs --time-column (the column that holds the times)")
    })?;
    if args.no_covariates && !args.known_covariates.is_empty() {
        return Err(Error::invalid_input(format!(
            "--no-covariates and --known-covariates {} contradict each other; keep one",
            args.known_covariates.join(",")
        )));
    }
    let horizon = args.horizon.unwrap_or(12);
    if horizon == 0 {
        return Err(Error::invalid_input("--horizon must be at least 1"));
    }
    let t0 = std::time::Instant::now();
    let settings = ForecastSettings {
        id_column: args.series_id.clone(),
        known_covariates: args.known_covariates.clone(),
        past_covariates: !args.no_covariates,
        duplicates: args.duplicate_times.parse()?,
        ..ForecastSettings::new(time, horizon)
    };
    let mut auto = crate::run::build(args)?;
    // The budget covers the whole command: what loading took is spent, and 2 % is kept for
    // writing the files.
    if let Some(total) = args.time_budget {
        let left = total - started.elapsed().as_secs_f64() - 0.02 * total;
        let mut cfg = auto.run_config().clone();
        cfg.time_budget_secs = Some(left.max(0.05 * total).max(0.01));
        auto = auto.config(cfg);
    }
    let artifact = auto.forecast_frame(frame, &settings)?;
    let f = &artifact.forecaster;
    // Without future values of known covariates, the forecast for the report stops here.
    let points = if f.panel.covariates.iter().any(|c| c.known) {
        Vec::new()
    } else {
        artifact.forecast(horizon, &mlpilot::default_registry())?
    };
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Error::from(e).with_context("file", args.out.display()))?;
    let model_path = args.out.join("model.mlpilot");
    save(&model_path, &artifact)?;
    let summary = serde_json::json!({
        "task": "forecast",
        "target": target,
        "time_column": time,
        "series_id": settings.id_column,
        "horizon": horizon,
        "axis": f.panel.axis,
        "date_format": f.panel.date_format,
        "covariates": f.panel.covariates,
        "series": f.panel.series.iter().zip(&f.models).map(|(s, m)| serde_json::json!({
            "id": s.id,
            "points": s.values.len(),
            "interpolated": s.filled,
            "duplicate_times": s.merged,
            "seasons": m.periods,
            "method": m.method.name(),
            "backtest_origins": m.origins,
            "interval_coverage": m.coverage,
            "backtests": m.backtests,
        })).collect::<Vec<_>>(),
        "global_models": f.global.iter().map(|g| &g.name).collect::<Vec<_>>(),
        "facts": artifact.facts,
        "notes": f.note_lines().collect::<Vec<_>>(),
        "forecast": points,
        "narrative": artifact.narrative,
        "fit_secs": t0.elapsed().as_secs_f64(),
    });
    let json = serde_json::to_string_pretty(&summary)
        .map_err(|e| Error::internal(format!("summary JSON: {e}")))?;
    write_file(&args.out.join("summary.json"), json.as_bytes())?;
    for s in &f.panel.series {
        if let Some(m) = &s.merged {
            eprintln!(
                "note: time column `{time}`: {}",
                mlpilot::core::narration::merged_times(m)
            );
        }
    }
    if args.json {
        println!("{json}");
        return Ok(());
    }
    print_forecast(&artifact, &points, horizon);
    println!(
        "wrote {}, summary.json in {}",
        model_path.display(),
        args.out.display()
    );
    Ok(())
}

fn print_forecast(
    artifact: &ForecastArtifact,
    points: &[mlpilot::forecast::ForecastPoint],
    horizon: usize,
) {
    let f = &artifact.forecaster;
    println!("{}", artifact.narrative);
    println!();
    if points.is_empty() {
        println!(
            "(the forecast needs future values of the known covariates: `mlpilot predict MODEL FUTURE.csv` with the times to forecast and those columns)"
        );
    } else {
        let level = format!("{:.0}%", f.level * 100.0);
        let many = f.names.id.is_some();
        println!(
            "{}{:<20} {:>12} {:>12} {:>12}",
            if many {
                format!("{:<14}", "series")
            } else {
                String::new()
            },
            "time",
            "forecast",
            format!("lower {level}"),
            format!("upper {level}")
        );
        for p in points.iter().take(60) {
            println!(
                "{}{:<20} {:>12.3} {:>12.3} {:>12.3}",
                if many {
                    format!("{:<14}", p.id.clone().unwrap_or_default())
                } else {
                    String::new()
                },
                p.time,
                p.forecast,
                p.lower,
                p.upper
            );
        }
        if points.len() > 60 {
            println!("… {} more in summary.json", points.len() - 60);
        }
    }
    println!();
    if let Some(m) = f.models.first() {
        println!(
            "backtests of {} ({horizon} steps ahead from {} rolling origins):",
            mlpilot::core::narration::series_label(
                f.panel.series.first().and_then(|s| s.id.as_deref())
            ),
            m.origins.len()
        );
        for b in m.backtests.iter().take(8) {
            println!(
                "  {:<70} RMSE {:>10.3}  MAE {:>10.3}",
                b.method, b.rmse, b.mae
            );
        }
        if f.models.len() > 1 {
            println!(
                "  (the backtests of all {} series are in summary.json)",
                f.models.len()
            );
        }
    }
    println!();
}

/// Forecasts the rows of `data` (times, series ids, future values of known covariates) with the
/// forecasting model at `model`: CSV with the id (several series), the time, `prediction`,
/// `lower` and `upper`.
pub(crate) fn predict(model: &std::path::Path, data: &str) -> Result<String> {
    let artifact = read(model)?;
    let (frame, _) = mlpilot::data::load_frame(data)?;
    let points = artifact.forecast_frame(&frame, &mlpilot::default_registry())?;
    let f = &artifact.forecaster;
    let id = f.names.id.as_deref();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = id.into_iter().collect();
    header.extend([f.names.time.as_str(), "prediction", "lower", "upper"]);
    w.write_record(&header)
        .map_err(|e| Error::internal(format!("CSV: {e}")))?;
    for p in points {
        let mut rec: Vec<String> = Vec::new();
        if id.is_some() {
            rec.push(p.id.unwrap_or_default());
        }
        rec.extend([
            p.time,
            p.forecast.to_string(),
            p.lower.to_string(),
            p.upper.to_string(),
        ]);
        w.write_record(&rec)
            .map_err(|e| Error::internal(format!("CSV: {e}")))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::internal(format!("CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::internal(format!("CSV: {e}")))
}
