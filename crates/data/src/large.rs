//! Profiling CSV files too large to load whole, in bounded memory.
//!
//! Above a size threshold the file is never materialised: polars' streaming engine scans it
//! once for the exact row count and per-column missing counts, and once more to keep an
//! evenly spaced sample of rows (every k-th). The profile reports the exact counts and marks
//! the rest as computed on the sample (`sampled_rows`, and a note).

use std::path::Path;

use mlpilot_core::facts::TargetWarning;
use mlpilot_core::frame::{NULL_SPELLINGS, NUMBER_SHARE};
use mlpilot_core::{DatasetProfile, Error, Frame, Result};
use polars::prelude::*;
use polars_core::query_result::QueryResult;

use crate::convert::dataframe_to_frame;
use crate::csv::{latin1_to_utf8, polars_error, sniff};
use crate::infer::fmt_count;
use crate::profile::{ProfileOptions, profile_frame};

/// When a CSV file counts as large, and how much of it to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LargeFileOptions {
    /// Files of at least this many bytes are profiled from a sample.
    pub threshold_bytes: u64,
    /// Rows to keep in the sample.
    pub sample_rows: usize,
}

impl Default for LargeFileOptions {
    fn default() -> Self {
        LargeFileOptions {
            threshold_bytes: 512 * 1024 * 1024,
            sample_rows: 200_000,
        }
    }
}

const ROW: &str = "__mlpilot_row";
/// The prefix of the count of a text column's values that are not numbers.
const STRAY: &str = "__mlpilot_not_numbers_";

fn collect_streaming(lf: LazyFrame, shown: &str) -> Result<DataFrame> {
    match lf
        .collect_with_engine(Engine::Streaming)
        .map_err(|e| polars_error(shown, &e))?
    {
        QueryResult::Single(df) => Ok(df),
        QueryResult::Multiple(_) => {
            Err(Error::internal("a streaming scan returned several results"))
        }
    }
}

/// Profiles a large CSV file from an evenly spaced sample, with exact row and missing counts.
/// Returns the sample as a frame and the profile.
///
/// # Errors
/// When the file cannot be opened or polars cannot scan it, it has no data rows (an invalid-input
/// error), or the sample cannot be converted or profiled (see [`profile_frame`]).
pub fn profile_large_csv(
    path: &Path,
    source: &str,
    opts: &ProfileOptions,
    large: &LargeFileOptions,
) -> Result<(Frame, DatasetProfile)> {
    let shown = path.display().to_string();
    let head = {
        use std::io::Read;
        let mut buf = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(64 * 1024).read_to_end(&mut buf))
            .map_err(|e| Error::from(e).with_context("file", &shown))?;
        buf
    };
    let head_text = String::from_utf8(head.clone()).unwrap_or_else(|_| latin1_to_utf8(&head));
    let dialect = sniff(&head_text, None);
    let scan = |full_schema: bool| -> Result<LazyFrame> {
        LazyCsvReader::new(PlRefPath::from(shown.as_str()))
            .with_has_header(dialect.has_header)
            .with_separator(dialect.delimiter)
            .with_infer_schema_length(if full_schema { None } else { Some(10_000) })
            .with_null_values(Some(NullValues::AllColumns(
                NULL_SPELLINGS
                    .iter()
                    .map(|s| PlSmallStr::from(*s))
                    .collect(),
            )))
            .finish()
            .map_err(|e| polars_error(&shown, &e))
    };
    let counted = |lf: LazyFrame| -> Result<(DataFrame, Vec<String>)> {
        let mut lf2 = lf.clone();
        let schema = lf2.collect_schema().map_err(|e| polars_error(&shown, &e))?;
        let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
        let mut exprs = vec![len().alias(ROW)];
        exprs.extend(
            names
                .iter()
                .map(|n| col(n.as_str()).null_count().alias(n.as_str())),
        );
        // Text values that are not numbers, for the columns of numbers with stray words.
        exprs.extend(
            schema
                .iter()
                .filter(|(_, dtype)| **dtype == DataType::String)
                .map(|(n, _)| {
                    let c = col(n.as_str());
                    let v = c.clone().cast(DataType::Float64);
                    c.is_not_null()
                        .and(v.clone().is_null().or(v.is_nan()))
                        .sum()
                        .alias(format!("{STRAY}{n}"))
                }),
        );
        Ok((collect_streaming(lf.select(exprs), &shown)?, names))
    };
    let (lf, counts, names) =
        match scan(false).and_then(|lf| counted(lf.clone()).map(|(c, n)| (lf, c, n))) {
            Ok(x) => x,
            // A column whose later values do not fit the type inferred from the first rows.
            Err(_) => {
                let lf = scan(true)?;
                let (c, n) = counted(lf.clone())?;
                (lf, c, n)
            }
        };
    let get_count = |name: &str| -> usize {
        counts
            .column(name)
            .ok()
            .and_then(|c| c.get(0).ok())
            .and_then(|v| v.extract::<u64>())
            .unwrap_or(0) as usize
    };
    let n_rows = get_count(ROW);
    if n_rows == 0 {
        return Err(
            Error::invalid_input(format!("file `{shown}` has no data rows"))
                .with_context("file", &shown),
        );
    }
    let step = n_rows.div_ceil(large.sample_rows.max(1)).max(1);
    let sample = lf
        .with_row_index(ROW, None)
        .filter((col(ROW) % lit(step as u64)).eq(lit(0u64)))
        .select(names.iter().map(|n| col(n.as_str())).collect::<Vec<_>>());
    let df = collect_streaming(sample, &shown)?;
    let frame = dataframe_to_frame(df)?;
    let mut profile = profile_frame(&frame, source, opts)?;
    let sampled = frame.n_rows();
    profile.n_rows = n_rows;
    profile.sampled_rows = Some(sampled);
    exact_missing(&mut profile, n_rows, get_count);
    profile.notes.push(format!(
        "`{shown}` is large: rows and missing values are exact; other statistics come from every {}th row ({} rows); duplicate rows are counted within that sample",
        fmt_count(step),
        fmt_count(sampled)
    ));
    Ok((frame, profile))
}

/// Puts the exact counts of missing values (nulls, and stray words among numbers where the
/// sample found a column of numbers with stray words) into a profile computed on a sample.
fn exact_missing(profile: &mut DatasetProfile, n_rows: usize, get_count: impl Fn(&str) -> usize) {
    // Stray words among numbers are missing values: counted exactly too, where the sample
    // found the column to be one of numbers with stray words. Polars reads ` 12` (spaces
    // around a number) as no number where mlpilot reads 12; when its count is more than a
    // column of numbers can hold, the sample's share of stray words estimates it instead.
    let sampled = profile.sampled_rows.unwrap_or(n_rows).max(1);
    let stray = |c: &mlpilot_core::profile::ColumnProfile| -> usize {
        let Some(words) = c.why.not_numbers() else {
            return 0;
        };
        let present = n_rows.saturating_sub(get_count(&c.name));
        let exact = get_count(&format!("{STRAY}{}", c.name));
        let sample_present = (sampled + words.count).saturating_sub(c.missing).max(1);
        let estimate = words.count as f64 / sample_present as f64 * present as f64;
        // The exact count stands unless it exceeds the sample's estimate by more than the 5 %
        // other words a column of numbers may hold (then polars counted padded numbers too).
        if exact as f64 <= estimate + (1.0 - NUMBER_SHARE) * present as f64 {
            return exact;
        }
        estimate.round() as usize
    };
    let words: Vec<usize> = profile.columns.iter().map(stray).collect();
    let mut target_words = 0;
    for (c, w) in profile.columns.iter_mut().zip(words) {
        c.missing = get_count(&c.name) + w;
        c.missing_fraction = c.missing as f64 / n_rows as f64;
        if profile.target.as_ref().is_some_and(|t| t.name == c.name) {
            target_words = w;
        }
    }
    if let Some(t) = &mut profile.target {
        t.missing = get_count(&t.name) + target_words;
        for w in &mut t.warnings {
            if let TargetWarning::NotNumbers { not_numbers, .. } = w {
                not_numbers.count = target_words;
            }
        }
    }
}
