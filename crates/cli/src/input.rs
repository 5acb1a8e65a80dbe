//! Reading the user's data the same way in every command.

use mlpilot::data::LoadOptions;
use mlpilot::{Frame, Result};

/// The decimal mark of numbers written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Decimal {
    /// `12.5`, `2,773.85`.
    Point,
    /// `12,5`, `2.773,85`.
    Comma,
}

/// `Some(true)` for decimal commas.
pub(crate) fn decimal_comma(d: Option<Decimal>) -> Option<bool> {
    d.map(|d| d == Decimal::Comma)
}

/// Loads `data`, keeping `target` as written (labels keep their spelling), and prints the
/// reader's notes on standard error.
pub(crate) fn load(data: &str, target: Option<&str>, decimal: Option<bool>) -> Result<Frame> {
    let (frame, notes) = load_quiet(data, target, decimal)?;
    for n in &notes {
        eprintln!("note: {n}");
    }
    Ok(frame)
}

/// The table read again with `target` kept as written, when a target chosen after loading (by
/// the assistant or the profile's guess) is a class label that the CSV reader typed (`True`
/// read as a boolean, `01` as a number); `None` when the first read already kept its spelling.
/// Other formats store typed values, so reading them again would change nothing.
pub(crate) fn reread_target(
    data: &str,
    frame: &Frame,
    target: &str,
    task: mlpilot::Task,
    decimal: Option<bool>,
) -> Result<Option<Frame>> {
    let csv = matches!(
        mlpilot::data::Source::parse(data),
        Ok(mlpilot::data::Source::File {
            format: mlpilot::data::Format::Csv,
            ..
        })
    );
    let typed = frame
        .column(target)
        .is_some_and(|c| !matches!(c.data(), mlpilot::core::ColumnData::Str(_)));
    if !(csv && typed && task.is_classification()) {
        return Ok(None);
    }
    Ok(Some(load_quiet(data, Some(target), decimal)?.0))
}

/// As [`load`], returning the notes instead of printing them.
pub(crate) fn load_quiet(
    data: &str,
    target: Option<&str>,
    decimal: Option<bool>,
) -> Result<(Frame, Vec<String>)> {
    let opts = LoadOptions {
        decimal_comma: decimal,
        ..LoadOptions::keeping(target)
    };
    mlpilot::data::load_frame_with(data, &opts)
}
