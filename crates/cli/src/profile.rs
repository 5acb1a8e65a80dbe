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
        let text = serde_json::to_string_pretty(&profile)
            .map_err(|e| mlpilot::Error::internal(format!("could not write JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", mlpilot::data::render_profile(&profile));
    }
    Ok(())
}
