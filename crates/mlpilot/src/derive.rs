//! Derived input columns that refinements add (`log1p(income)`, `debt / income`), applied the same
//! way when training and when predicting.

use mlpilot_core::{Column, Error, Frame, Result};
use serde::{Deserialize, Serialize};

/// A column computed from others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Derived {
    /// `log1p(column)`, for a non-negative numeric column (negative values become missing).
    Log1p {
        /// The source column.
        column: String,
    },
    /// `numerator / denominator` (division by zero gives a missing value).
    Ratio {
        /// The numerator column.
        numerator: String,
        /// The denominator column.
        denominator: String,
    },
}

impl Derived {
    /// The new column's name.
    pub fn name(&self) -> String {
        match self {
            Derived::Log1p { column } => format!("log1p({column})"),
            Derived::Ratio {
                numerator,
                denominator,
            } => format!("{numerator}/{denominator}"),
        }
    }
}

fn numeric(frame: &Frame, name: &str) -> Result<Vec<Option<f64>>> {
    let c = frame.require(name)?;
    let v = c.to_f64();
    let present = c.len() - c.null_count();
    let numbers = v.iter().filter(|x| x.is_some()).count();
    if present > 0 && numbers * 2 < present {
        return Err(Error::invalid_input(format!(
            "`{name}` is not numeric; a derived column needs numbers"
        ))
        .with_context("column", name));
    }
    Ok(v)
}

/// Adds the derived columns to a frame (a frame without them is returned unchanged).
pub fn apply(frame: &Frame, derived: &[Derived]) -> Result<Frame> {
    if derived.is_empty() {
        return Ok(frame.clone());
    }
    let mut out = frame.clone();
    for d in derived {
        let values: Vec<f64> = match d {
            Derived::Log1p { column } => numeric(frame, column)?
                .into_iter()
                .map(|v| {
                    v.filter(|x| *x >= 0.0 && x.is_finite())
                        .map_or(f64::NAN, f64::ln_1p)
                })
                .collect(),
            Derived::Ratio {
                numerator,
                denominator,
            } => {
                let a = numeric(frame, numerator)?;
                let b = numeric(frame, denominator)?;
                a.into_iter()
                    .zip(b)
                    .map(|(x, y)| match (x, y) {
                        (Some(x), Some(y)) if y != 0.0 && (x / y).is_finite() => x / y,
                        _ => f64::NAN,
                    })
                    .collect()
            }
        };
        out.remove_column(&d.name());
        out.push_column(Column::from_f64(d.name(), values))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_and_ratio() {
        let f = Frame::new(vec![
            Column::from_f64("a", [0.0, 3.0, -1.0]),
            Column::from_f64("b", [2.0, 0.0, 1.0]),
        ])
        .unwrap();
        let d = apply(
            &f,
            &[
                Derived::Log1p { column: "a".into() },
                Derived::Ratio {
                    numerator: "a".into(),
                    denominator: "b".into(),
                },
            ],
        )
        .unwrap();
        let l = d.column("log1p(a)").unwrap().to_f64();
        assert_eq!(l[0], Some(0.0));
        assert!((l[1].unwrap() - 4f64.ln()).abs() < 1e-12);
        assert_eq!(l[2], None);
        assert_eq!(
            d.column("a/b").unwrap().to_f64(),
            vec![Some(0.0), None, Some(-1.0)]
        );
        let words = Frame::new(vec![Column::from_strs("w", ["x", "y"])]).unwrap();
        assert!(apply(&words, &[Derived::Log1p { column: "w".into() }]).is_err());
    }
}
