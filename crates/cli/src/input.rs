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
