#![doc = include_str!("../README.md")]

pub mod convert;
pub mod csv;
pub mod infer;
pub mod large;
pub mod load;
pub mod locale;
pub mod profile;
pub mod render;
pub mod source;
pub mod sqlite;
pub mod stats;
pub mod textdir;

pub use convert::{dataframe_to_frame, frame_to_dataframe};
pub use large::LargeFileOptions;
pub use load::{LoadOptions, Table, load, load_frame, load_frame_with, load_with};
pub use profile::{ProfileOptions, profile_dataframe, profile_frame};
pub use render::render_profile;
pub use source::{Format, Source};

use mlpilot_core::{DatasetProfile, Frame, Result};

/// Loads a source and profiles it, keeping the reader's notes in the profile.
///
/// # Errors
/// As [`load_and_profile_with`].
///
/// ```no_run
/// let (frame, profile) = mlpilot_data::load_and_profile("titanic.csv", Some("survived")).unwrap();
/// println!("{}", mlpilot_data::render_profile(&profile));
/// # let _ = frame;
/// ```
pub fn load_and_profile(source: &str, target: Option<&str>) -> Result<(Frame, DatasetProfile)> {
    load_and_profile_with(source, target, &LargeFileOptions::default())
}

/// Profiles a source without keeping its rows: the cheapest way to see what a file holds
/// (`mlpilot profile`). Large CSV files are profiled from a sample (see
/// [`load_and_profile_with`]).
///
/// # Errors
/// When the source cannot be loaded (see [`load()`]), a large CSV file cannot be scanned or has no
/// data rows, or it cannot be profiled (see [`profile_frame`]: no rows, or a target that is
/// missing or cannot be a target).
pub fn profile_source(
    source: &str,
    target: Option<&str>,
    large: &LargeFileOptions,
    load_opts: &LoadOptions,
) -> Result<DatasetProfile> {
    let opts = ProfileOptions::with_target(target);
    if let Ok(Source::File {
        path,
        format: Format::Csv,
    }) = Source::parse(source)
        && std::fs::metadata(&path).is_ok_and(|m| m.len() >= large.threshold_bytes)
    {
        return Ok(large::profile_large_csv(&path, source, &opts, large)?.1);
    }
    let table = load_with(source, load_opts)?;
    let mut notes = table.notes.clone();
    let conversions = table.conversions.clone();
    let mut profile = match table.is_polars() {
        true => profile_dataframe(table.into_dataframe()?, source, &opts)?,
        false => profile_frame(&table.into_frame()?, source, &opts)?,
    };
    notes.append(&mut profile.notes);
    profile.notes = notes;
    explain_conversions(&mut profile, conversions);
    Ok(profile)
}

/// Records on each converted column how the reader turned its text into numbers ("decimal
/// commas (`12,5`) in a `;`-separated file"), which its reason says before its kind's.
fn explain_conversions(
    profile: &mut DatasetProfile,
    conversions: Vec<(String, mlpilot_core::facts::NumberReading)>,
) {
    for (column, read_as) in conversions {
        if let Some(c) = profile.columns.iter_mut().find(|c| c.name == column) {
            c.read_as = Some(read_as);
        }
    }
}

/// As [`load_and_profile`], with explicit limits for large files: a CSV file of at least
/// `large.threshold_bytes` is never loaded whole; it is profiled from an evenly spaced sample
/// with exact row and missing-value counts (see [`large`]), and the returned frame is that
/// sample.
///
/// # Errors
/// When the source cannot be loaded (see [`load()`]), a large CSV file cannot be scanned or has no
/// data rows, or it cannot be profiled (see [`profile_frame`]: no rows, or a target that is
/// missing or cannot be a target).
pub fn load_and_profile_with(
    source: &str,
    target: Option<&str>,
    large: &LargeFileOptions,
) -> Result<(Frame, DatasetProfile)> {
    if let Ok(Source::File {
        path,
        format: Format::Csv,
    }) = Source::parse(source)
        && std::fs::metadata(&path).is_ok_and(|m| m.len() >= large.threshold_bytes)
    {
        return large::profile_large_csv(
            &path,
            source,
            &ProfileOptions::with_target(target),
            large,
        );
    }
    let table = load_with(source, &LoadOptions::keeping(target))?;
    let mut all = table.notes.clone();
    let conversions = table.conversions.clone();
    let frame = table.into_frame()?;
    let mut profile = profile_frame(&frame, source, &ProfileOptions::with_target(target))?;
    all.append(&mut profile.notes);
    profile.notes = all;
    explain_conversions(&mut profile, conversions);
    Ok((frame, profile))
}
