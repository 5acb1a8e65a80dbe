//! `mlpilot profile DATA [--target COL] [--json]`

use clap::Args;
use mlpilot::Result;

/// Arguments of `mlpilot profile`.
#[derive(Debug, Args)]
pub(crate) struct ProfileArgs {
    /// A CSV/TSV, Parquet, JSON or NDJSON file, a folder of text files, or
    /// sqlite://PATH?table=T / sqlite://PATH?query=SELECT …
    data: String,
    /// The column to predict (its class balance and relations are profiled).
    #[arg(long)]
    target: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// The decimal mark of numbers written as text (decided from the values when absent).
    #[arg(long, value_enum)]
    decimal: Option<crate::input::Decimal>,
}

pub(crate) fn run(args: &ProfileArgs) -> Result<()> {
    let load = mlpilot::data::LoadOptions {
        decimal_comma: crate::input::decimal_comma(args.decimal),
        ..mlpilot::data::LoadOptions::keeping(args.target.as_deref())
    };
    let mut profile = mlpilot::data::profile_source(
        &args.data,
        args.target.as_deref(),
        &mlpilot::data::LargeFileOptions::default(),
        &load,
    )?;
    // What the planner will do for the target given or suggested, in its own words; a table
    // the planner cannot use still gets its profile, with the reason.
    match mlpilot::prep::suggestions_for(&profile) {
        Ok(s) => profile.suggestions.preprocessing = s,
        Err(e) => profile
            .notes
            .push(format!("no preprocessing plan could be made: {e}")),
    }
    if args.json {
        let text = serde_json::to_string_pretty(&profile_json(&profile)?)
            .map_err(|e| mlpilot::Error::internal(format!("could not write JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", mlpilot::data::render_profile(&profile));
    }
    Ok(())
}

/// The profile as JSON: its facts as they are, and next to each the sentence people read (a
/// column's `reason`, a leakage suspect's `reason`, the suggested target's `reason`, the
/// target's `warning_lines`).
fn profile_json(profile: &mlpilot::DatasetProfile) -> mlpilot::Result<serde_json::Value> {
    let mut v = serde_json::to_value(profile)
        .map_err(|e| mlpilot::Error::internal(format!("could not write JSON: {e}")))?;
    // Adds `key` to the object at `pointer`, when there is one.
    let mut set = |pointer: String, key: &str, value: serde_json::Value| {
        if let Some(o) = v.pointer_mut(&pointer).and_then(|o| o.as_object_mut()) {
            o.insert(key.to_string(), value);
        }
    };
    for (i, c) in profile.columns.iter().enumerate() {
        set(format!("/columns/{i}"), "reason", c.reason().into());
    }
    if let Some(t) = &profile.target {
        for (i, l) in t.leakage_suspects.iter().enumerate() {
            set(
                format!("/target/leakage_suspects/{i}"),
                "reason",
                l.reason().into(),
            );
        }
        let lines: Vec<String> = t.warning_lines().collect();
        set("/target".into(), "warning_lines", lines.into());
    }
    if let Some(s) = &profile.suggestions.target {
        set("/suggestions/target".into(), "reason", s.reason().into());
    }
    Ok(v)
}
