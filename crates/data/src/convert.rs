//! Conversion between polars DataFrames and mlpilot Frames.

use mlpilot_core::{Column, ColumnData, Error, Frame, Result};
use polars::prelude as pl;
use polars::prelude::{DataType, NamedFrom, TimeUnit};

fn col_err(name: &str, e: &pl::PolarsError) -> Error {
    Error::invalid_input(format!("column `{name}` could not be converted: {e}"))
        .with_context("column", name)
}

/// Converts a DataFrame into a Frame, column by column, releasing each polars column after
/// conversion so that peak memory stays near one copy of the table.
///
/// Integers become `Int` (unsigned values above `i64::MAX` become floats), floats become
/// `Float` (NaN is missing), dates and timestamps become `Datetime` in milliseconds, strings
/// and categoricals become `Str`, and nested JSON values are written as JSON text.
///
/// # Errors
/// An invalid-input error naming the column when polars cannot cast a column to the type it
/// becomes.
pub fn dataframe_to_frame(df: pl::DataFrame) -> Result<Frame> {
    let mut columns = Vec::with_capacity(df.width());
    for c in df.into_columns() {
        let name = c.name().to_string();
        let s = c.take_materialized_series();
        columns.push(Column::new(name.clone(), series_to_data(&name, &s)?));
    }
    Frame::new(columns)
}

fn series_to_data(name: &str, s: &pl::Series) -> Result<ColumnData> {
    let err = |e: pl::PolarsError| col_err(name, &e);
    let dt = s.dtype().clone();
    Ok(match dt {
        DataType::Boolean => ColumnData::Bool(s.bool().map_err(err)?.iter().collect()),
        DataType::UInt64 => {
            let ca = s.u64().map_err(err)?;
            if ca.iter().flatten().any(|v| v > i64::MAX as u64) {
                ColumnData::Float(ca.iter().map(|v| v.map(|x| x as f64)).collect())
            } else {
                ColumnData::Int(ca.iter().map(|v| v.map(|x| x as i64)).collect())
            }
        }
        ref t if t.is_integer() => {
            let c = s.cast(&DataType::Int64).map_err(err)?;
            ColumnData::Int(c.i64().map_err(err)?.iter().collect())
        }
        ref t if t.is_float() => {
            let c = s.cast(&DataType::Float64).map_err(err)?;
            ColumnData::Float(
                c.f64()
                    .map_err(err)?
                    .iter()
                    .map(|v| v.filter(|x| !x.is_nan()))
                    .collect(),
            )
        }
        DataType::String => ColumnData::Str(s.str().map_err(err)?.iter().collect()),
        DataType::Date => {
            let c = s.cast(&DataType::Int32).map_err(err)?;
            ColumnData::Datetime(
                c.i32()
                    .map_err(err)?
                    .iter()
                    .map(|v| v.map(|d| i64::from(d) * 86_400_000))
                    .collect(),
            )
        }
        DataType::Datetime(unit, _) => {
            let c = s.cast(&DataType::Int64).map_err(err)?;
            let div = match unit {
                TimeUnit::Milliseconds => 1,
                TimeUnit::Microseconds => 1_000,
                TimeUnit::Nanoseconds => 1_000_000,
            };
            ColumnData::Datetime(
                c.i64()
                    .map_err(err)?
                    .iter()
                    .map(|v| v.map(|x| x.div_euclid(div)))
                    .collect(),
            )
        }
        _ => {
            // Categoricals, lists and structs: their text form.
            match s.cast(&DataType::String) {
                Ok(c) => ColumnData::Str(c.str().map_err(err)?.iter().collect()),
                Err(_) => ColumnData::Str(
                    (0..s.len())
                        .map(|i| {
                            s.get(i)
                                .ok()
                                .filter(|v| !v.is_null())
                                .map(|v| v.to_string())
                        })
                        .collect(),
                ),
            }
        }
    })
}

/// Converts a Frame into a DataFrame (timestamps become millisecond datetimes).
///
/// # Errors
/// An invalid-input error when polars cannot cast a timestamp column, or an internal error when
/// it refuses to build the DataFrame; neither is expected for a valid [`Frame`].
pub fn frame_to_dataframe(frame: &Frame) -> Result<pl::DataFrame> {
    let mut cols: Vec<pl::Column> = Vec::with_capacity(frame.n_cols());
    for c in frame.columns() {
        let name = pl::PlSmallStr::from(c.name());
        let series = match c.data() {
            ColumnData::Bool(v) => pl::Series::new(name, v.as_slice()),
            ColumnData::Int(v) => pl::Series::new(name, v.as_slice()),
            ColumnData::Float(v) => pl::Series::new(name, v.as_slice()),
            ColumnData::Str(v) => {
                let refs: Vec<Option<&str>> = v.iter().collect();
                pl::Series::new(name, refs.as_slice())
            }
            ColumnData::Datetime(v) => pl::Series::new(name, v.as_slice())
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                .map_err(|e| col_err(c.name(), &e))?,
        };
        cols.push(series.into());
    }
    pl::DataFrame::new(frame.n_rows(), cols)
        .map_err(|e| Error::internal(format!("building a DataFrame failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_type() {
        let frame = Frame::new(vec![
            Column::new("b", ColumnData::Bool(vec![Some(true), None])),
            Column::new("i", ColumnData::Int(vec![Some(-3), None])),
            Column::new("f", ColumnData::Float(vec![None, Some(2.5)])),
            Column::new(
                "s",
                ColumnData::Str(vec![Some("x".to_string()), None].into()),
            ),
            Column::new("d", ColumnData::Datetime(vec![Some(86_400_000), None])),
        ])
        .unwrap();
        let df = frame_to_dataframe(&frame).unwrap();
        assert_eq!(df.height(), 2);
        let back = dataframe_to_frame(df).unwrap();
        assert_eq!(back, frame);
    }
}
