//! Conversions between mlpilot's data types and ndarray 0.16, the array crate linfa uses.
//!
//! Every linfa call goes through [`view`]: a zero-copy [`ArrayView2`] over the row-major data
//! of a [`Matrix`]. Models check their input once, here, before any library code sees it.

use std::borrow::Cow;

use mlpilot_core::{Error, Features, Matrix, Result, check_n_features};
use ndarray016::{Array1, ArrayView2};

/// A zero-copy ndarray view of a row-major matrix.
pub(crate) fn view(m: &Matrix) -> Result<ArrayView2<'_, f64>> {
    ArrayView2::from_shape((m.n_rows(), m.n_cols()), m.as_slice())
        .map_err(|e| Error::internal(format!("matrix shape does not match its data: {e}")))
}

/// The dense input of a prediction, checked: the column count the model was fitted on and
/// finite values (none of these models accepts missing values).
pub(crate) fn predict_input(x: &Features, n_features: usize) -> Result<Cow<'_, Matrix>> {
    check_n_features(x, n_features)?;
    if let Some((r, c)) = x.first_non_finite() {
        return Err(Error::invalid_input(format!(
            "feature x{c} has a missing or infinite value at row {r}; this model needs finite \
             inputs (impute the column first)"
        ))
        .with_context("row", r)
        .with_context("column", format!("x{c}")));
    }
    Ok(x.to_dense())
}

/// Class indices (`0..n_classes` stored as `f64`) as linfa labels.
pub(crate) fn class_labels(y: &[f64]) -> Array1<usize> {
    y.iter().map(|&v| v as usize).collect()
}

/// Sample weights as linfa's `f32` weights, rescaled to mean 1 so that linfa's minimum-weight
/// thresholds keep meaning "rows". Returns `None` when every row weighs the same.
pub(crate) fn tree_weights(weights: Option<&[f64]>) -> Option<Array1<f32>> {
    let w = weights?;
    let first = *w.first()?;
    if w.iter().all(|&v| v == first) {
        return None;
    }
    let mean = w.iter().sum::<f64>() / w.len() as f64;
    if mean <= 0.0 {
        return None;
    }
    Some(w.iter().map(|&v| (v / mean) as f32).collect())
}

/// Row-major matrix of the rows at `rows` and columns at `cols` (in those orders).
pub(crate) fn select(m: &Matrix, rows: &[usize], cols: &[usize]) -> Result<Matrix> {
    let mut data = Vec::with_capacity(rows.len() * cols.len());
    for &r in rows {
        let row = m
            .row(r)
            .ok_or_else(|| Error::internal(format!("row {r} out of range")))?;
        for &c in cols {
            data.push(
                *row.get(c)
                    .ok_or_else(|| Error::internal(format!("column {c} out of range")))?,
            );
        }
    }
    Matrix::new(rows.len(), cols.len(), data)
}

pub(crate) use mlpilot_core::{sigmoid, softmax};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_is_row_major() {
        let m = Matrix::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]]).unwrap();
        let v = view(&m).unwrap();
        assert_eq!(v[[0, 1]], 2.0);
        assert_eq!(v[[1, 0]], 3.0);
    }

    #[test]
    fn softmax_is_stable() {
        let p = softmax(&[1000.0, 1000.0, f64::NEG_INFINITY]);
        assert_eq!(p, vec![0.5, 0.5, 0.0]);
        let u = softmax(&[f64::NEG_INFINITY, f64::NEG_INFINITY]);
        assert_eq!(u, vec![0.5, 0.5]);
    }

    #[test]
    fn predict_input_refuses_nan() {
        let m = Matrix::from_rows(&[vec![1.0, f64::NAN]]).unwrap();
        let x = Features::Dense(m);
        assert!(predict_input(&x, 2).is_err());
        assert!(predict_input(&x, 3).is_err());
    }
}
