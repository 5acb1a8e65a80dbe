//! Numeric feature matrices: the input of every model.
//!
//! Preprocessing turns a [`crate::Frame`] into [`Features`]: a dense row-major [`Matrix`] for
//! most tables, or a [`CsrMatrix`] when text vectorisation makes the matrix mostly zeros.
//! Backends whose library needs dense input call [`Features::to_dense`]; backends that declare
//! `sparse` in their capabilities read the sparse form directly.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A dense row-major matrix of `f64`.
///
/// ```
/// use mlpilot_core::Matrix;
/// let m = Matrix::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]]).unwrap();
/// assert_eq!(m.row(1), Some(&[3.0, 4.0][..]));
/// assert_eq!(m.get(0, 1), Some(2.0));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Matrix {
    data: Vec<f64>,
    n_rows: usize,
    n_cols: usize,
}

impl Matrix {
    /// A matrix from row-major data; fails when the length is not `n_rows * n_cols`.
    ///
    /// # Errors
    /// An internal error when `data.len()` is not `n_rows * n_cols`.
    pub fn new(n_rows: usize, n_cols: usize, data: Vec<f64>) -> Result<Self> {
        if n_rows.checked_mul(n_cols) != Some(data.len()) {
            return Err(Error::internal(format!(
                "matrix data has {} values, expected {n_rows} × {n_cols}",
                data.len()
            )));
        }
        Ok(Matrix {
            data,
            n_rows,
            n_cols,
        })
    }

    /// A matrix of zeros.
    pub fn zeros(n_rows: usize, n_cols: usize) -> Self {
        Matrix {
            data: vec![0.0; n_rows * n_cols],
            n_rows,
            n_cols,
        }
    }

    /// A matrix from rows of equal length.
    ///
    /// # Errors
    /// An invalid-input error naming the row when a row's length differs from the first row's.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self> {
        let n_cols = rows.first().map_or(0, Vec::len);
        let mut data = Vec::with_capacity(rows.len() * n_cols);
        for (i, r) in rows.iter().enumerate() {
            if r.len() != n_cols {
                return Err(Error::invalid_input(format!(
                    "row {i} has {} values, expected {n_cols}",
                    r.len()
                ))
                .with_context("row", i));
            }
            data.extend_from_slice(r);
        }
        Ok(Matrix {
            data,
            n_rows: rows.len(),
            n_cols,
        })
    }

    /// A matrix from columns of equal length.
    ///
    /// # Errors
    /// An internal error when a column's length differs from the first column's.
    pub fn from_columns(columns: &[Vec<f64>]) -> Result<Self> {
        let n_cols = columns.len();
        let n_rows = columns.first().map_or(0, Vec::len);
        if let Some((j, c)) = columns.iter().enumerate().find(|(_, c)| c.len() != n_rows) {
            return Err(Error::internal(format!(
                "column {j} has {} values, expected {n_rows}",
                c.len()
            )));
        }
        let mut data = vec![0.0; n_rows * n_cols];
        for (j, c) in columns.iter().enumerate() {
            for (i, v) in c.iter().enumerate() {
                if let Some(slot) = data.get_mut(i * n_cols + j) {
                    *slot = *v;
                }
            }
        }
        Ok(Matrix {
            data,
            n_rows,
            n_cols,
        })
    }

    /// Class probabilities from predicted class indices: a 1 in each row's class column (for
    /// models that only predict classes). Indices outside `0..k` give a row of zeros.
    ///
    /// # Errors
    /// Never in practice; the `Result` is [`Matrix::new`]'s, whose length check always holds here.
    pub fn one_hot(classes: &[f64], k: usize) -> Result<Self> {
        let mut out = vec![0.0; classes.len() * k];
        for (i, c) in classes.iter().enumerate() {
            if *c >= 0.0
                && (*c as usize) < k
                && let Some(slot) = out.get_mut(i * k + *c as usize)
            {
                *slot = 1.0;
            }
        }
        Matrix::new(classes.len(), k, out)
    }

    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// The number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// The row-major values.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The row-major values, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// Consumes the matrix, returning its row-major values.
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> Option<&[f64]> {
        if i >= self.n_rows {
            return None;
        }
        self.data.get(i * self.n_cols..(i + 1) * self.n_cols)
    }

    /// Row `i`, mutably.
    pub fn row_mut(&mut self, i: usize) -> Option<&mut [f64]> {
        if i >= self.n_rows {
            return None;
        }
        self.data.get_mut(i * self.n_cols..(i + 1) * self.n_cols)
    }

    /// An iterator over the rows.
    pub fn rows(&self) -> impl Iterator<Item = &[f64]> {
        // `max(1)` keeps chunks_exact valid for zero-column matrices (which then have no rows
        // of data to yield).
        self.data
            .chunks_exact(self.n_cols.max(1))
            .take(if self.n_cols == 0 { 0 } else { self.n_rows })
    }

    /// The column of each row's largest value (the first on ties), as `f64`: class predictions
    /// from a matrix of class probabilities or scores, one row per example.
    pub fn argmax_rows(&self) -> Vec<f64> {
        self.rows().map(|r| crate::argmax(r) as f64).collect()
    }

    /// The value at row `i`, column `j`.
    pub fn get(&self, i: usize, j: usize) -> Option<f64> {
        if i >= self.n_rows || j >= self.n_cols {
            return None;
        }
        self.data.get(i * self.n_cols + j).copied()
    }

    /// Sets the value at row `i`, column `j` (ignored out of range).
    pub fn set(&mut self, i: usize, j: usize, v: f64) {
        if i < self.n_rows
            && j < self.n_cols
            && let Some(slot) = self.data.get_mut(i * self.n_cols + j)
        {
            *slot = v;
        }
    }

    /// Column `j` as a vector.
    pub fn column(&self, j: usize) -> Vec<f64> {
        if j >= self.n_cols {
            return Vec::new();
        }
        self.data
            .iter()
            .skip(j)
            .step_by(self.n_cols)
            .copied()
            .collect()
    }

    /// The rows at `rows`, in that order; fails on an index out of range.
    ///
    /// # Errors
    /// An internal error when an index is out of range.
    pub fn select_rows(&self, rows: &[usize]) -> Result<Matrix> {
        let mut data = Vec::with_capacity(rows.len() * self.n_cols);
        for &r in rows {
            let row = self.row(r).ok_or_else(|| {
                Error::internal(format!("row {r} out of range for {} rows", self.n_rows))
            })?;
            data.extend_from_slice(row);
        }
        Ok(Matrix {
            data,
            n_rows: rows.len(),
            n_cols: self.n_cols,
        })
    }

    /// The columns at `cols`, in that order; fails on an index out of range.
    ///
    /// # Errors
    /// An internal error when an index is out of range.
    pub fn select_columns(&self, cols: &[usize]) -> Result<Matrix> {
        if let Some(&bad) = cols.iter().find(|&&c| c >= self.n_cols) {
            return Err(Error::internal(format!(
                "column {bad} out of range for {} columns",
                self.n_cols
            )));
        }
        let mut data = Vec::with_capacity(self.n_rows * cols.len());
        for row in self.rows() {
            data.extend(cols.iter().filter_map(|&c| row.get(c)));
        }
        Ok(Matrix {
            data,
            n_rows: self.n_rows,
            n_cols: cols.len(),
        })
    }

    /// The position of the first value that is NaN or infinite, as (row, column).
    pub fn first_non_finite(&self) -> Option<(usize, usize)> {
        let pos = self.data.iter().position(|v| !v.is_finite())?;
        Some((pos / self.n_cols.max(1), pos % self.n_cols.max(1)))
    }

    /// The position of the first infinite value, as (row, column).
    pub fn first_infinite(&self) -> Option<(usize, usize)> {
        let pos = self.data.iter().position(|v| v.is_infinite())?;
        Some((pos / self.n_cols.max(1), pos % self.n_cols.max(1)))
    }

    /// The transpose as a column-major copy: element `j * n_rows + i` is `self[i][j]`.
    pub fn to_column_major(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.data.len()];
        for (i, row) in self.rows().enumerate() {
            for (j, v) in row.iter().enumerate() {
                if let Some(slot) = out.get_mut(j * self.n_rows + i) {
                    *slot = *v;
                }
            }
        }
        out
    }
}

/// A compressed sparse row matrix of `f64`.
///
/// ```
/// use mlpilot_core::CsrMatrix;
/// let m = CsrMatrix::from_triplets(2, 3, &[(0, 2, 1.5), (1, 0, -1.0)]).unwrap();
/// assert_eq!(m.to_dense().get(0, 2), Some(1.5));
/// assert_eq!(m.nnz(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CsrMatrix {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f64>,
    n_rows: usize,
    n_cols: usize,
}

impl CsrMatrix {
    /// A matrix from its CSR arrays; fails when they are inconsistent.
    ///
    /// # Errors
    /// An internal error when the arrays are inconsistent (`indptr` not of length `n_rows + 1`,
    /// not starting at 0, decreasing or not ending at the number of values; `indices` and `values`
    /// of different lengths; a column index not below `n_cols`).
    pub fn new(
        n_rows: usize,
        n_cols: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        values: Vec<f64>,
    ) -> Result<Self> {
        let ok = indptr.len() == n_rows + 1
            && indptr.first() == Some(&0)
            && indptr.last() == Some(&indices.len())
            && indices.len() == values.len()
            && indptr.windows(2).all(|w| matches!(w, [a, b] if a <= b))
            && indices.iter().all(|&c| (c as usize) < n_cols);
        if !ok {
            return Err(Error::internal("inconsistent CSR arrays"));
        }
        Ok(CsrMatrix {
            indptr,
            indices,
            values,
            n_rows,
            n_cols,
        })
    }

    /// A matrix from (row, column, value) triplets; duplicates are summed.
    ///
    /// # Errors
    /// An internal error when a triplet's row or column is out of range.
    pub fn from_triplets(
        n_rows: usize,
        n_cols: usize,
        triplets: &[(usize, usize, f64)],
    ) -> Result<Self> {
        let mut rows: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n_rows];
        for &(r, c, v) in triplets {
            if c >= n_cols {
                return Err(Error::internal(format!("column {c} out of range")));
            }
            let row = rows
                .get_mut(r)
                .ok_or_else(|| Error::internal(format!("row {r} out of range")))?;
            row.push((c as u32, v));
        }
        let mut b = CsrBuilder::new(n_cols);
        for mut row in rows {
            row.sort_by_key(|(c, _)| *c);
            let mut merged: Vec<(u32, f64)> = Vec::with_capacity(row.len());
            for (c, v) in row {
                match merged.last_mut() {
                    Some((lc, lv)) if *lc == c => *lv += v,
                    _ => merged.push((c, v)),
                }
            }
            b.push_row(merged);
        }
        Ok(b.finish())
    }

    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// The number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// The number of stored values.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// Row `i` as (column indices, values).
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (Some(&a), Some(&b)) = (self.indptr.get(i), self.indptr.get(i + 1)) else {
            return (&[], &[]);
        };
        (
            self.indices.get(a..b).unwrap_or(&[]),
            self.values.get(a..b).unwrap_or(&[]),
        )
    }

    /// The dense form.
    pub fn to_dense(&self) -> Matrix {
        let mut m = Matrix::zeros(self.n_rows, self.n_cols);
        for i in 0..self.n_rows {
            let (idx, vals) = self.row(i);
            if let Some(row) = m.row_mut(i) {
                for (c, v) in idx.iter().zip(vals) {
                    if let Some(slot) = row.get_mut(*c as usize) {
                        *slot = *v;
                    }
                }
            }
        }
        m
    }

    fn first_matching(&self, pred: impl Fn(f64) -> bool) -> Option<(usize, usize)> {
        for i in 0..self.n_rows {
            let (idx, vals) = self.row(i);
            if let Some(k) = vals.iter().position(|v| pred(*v)) {
                return Some((i, idx.get(k).map_or(0, |c| *c as usize)));
            }
        }
        None
    }

    /// The rows at `rows`, in that order.
    ///
    /// # Errors
    /// An internal error when an index is out of range.
    pub fn select_rows(&self, rows: &[usize]) -> Result<CsrMatrix> {
        let mut b = CsrBuilder::new(self.n_cols);
        for &r in rows {
            if r >= self.n_rows {
                return Err(Error::internal(format!(
                    "row {r} out of range for {} rows",
                    self.n_rows
                )));
            }
            let (idx, vals) = self.row(r);
            b.push_row(idx.iter().copied().zip(vals.iter().copied()));
        }
        Ok(b.finish())
    }
}

/// Builds a [`CsrMatrix`] row by row.
#[derive(Debug, Clone)]
pub struct CsrBuilder {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f64>,
    n_cols: usize,
}

impl CsrBuilder {
    /// A builder for a matrix of `n_cols` columns.
    pub fn new(n_cols: usize) -> Self {
        CsrBuilder {
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
            n_cols,
        }
    }

    /// Appends a row of (column, value) pairs with increasing columns below `n_cols`.
    pub fn push_row(&mut self, entries: impl IntoIterator<Item = (u32, f64)>) {
        for (c, v) in entries {
            if (c as usize) < self.n_cols && v != 0.0 {
                self.indices.push(c);
                self.values.push(v);
            }
        }
        self.indptr.push(self.indices.len());
    }

    /// The finished matrix.
    pub fn finish(self) -> CsrMatrix {
        let n_rows = self.indptr.len() - 1;
        CsrMatrix {
            indptr: self.indptr,
            indices: self.indices,
            values: self.values,
            n_rows,
            n_cols: self.n_cols,
        }
    }
}

/// A model's input: dense or sparse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Features {
    /// A dense matrix.
    Dense(Matrix),
    /// A sparse matrix.
    Sparse(CsrMatrix),
}

impl Features {
    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        match self {
            Features::Dense(m) => m.n_rows(),
            Features::Sparse(m) => m.n_rows(),
        }
    }

    /// The number of columns.
    pub fn n_cols(&self) -> usize {
        match self {
            Features::Dense(m) => m.n_cols(),
            Features::Sparse(m) => m.n_cols(),
        }
    }

    /// Whether the matrix is sparse.
    pub fn is_sparse(&self) -> bool {
        matches!(self, Features::Sparse(_))
    }

    /// The dense form (borrowed when already dense).
    pub fn to_dense(&self) -> Cow<'_, Matrix> {
        match self {
            Features::Dense(m) => Cow::Borrowed(m),
            Features::Sparse(m) => Cow::Owned(m.to_dense()),
        }
    }

    /// The rows at `rows`, in that order.
    ///
    /// # Errors
    /// An internal error when an index is out of range.
    pub fn select_rows(&self, rows: &[usize]) -> Result<Features> {
        Ok(match self {
            Features::Dense(m) => Features::Dense(m.select_rows(rows)?),
            Features::Sparse(m) => Features::Sparse(m.select_rows(rows)?),
        })
    }

    /// Calls `f(column, value)` for each stored value of row `i` (all values when dense).
    pub fn for_each_in_row(&self, i: usize, mut f: impl FnMut(usize, f64)) {
        match self {
            Features::Dense(m) => {
                if let Some(row) = m.row(i) {
                    for (j, v) in row.iter().enumerate() {
                        f(j, *v);
                    }
                }
            }
            Features::Sparse(m) => {
                let (idx, vals) = m.row(i);
                for (c, v) in idx.iter().zip(vals) {
                    f(*c as usize, *v);
                }
            }
        }
    }

    /// The position of the first NaN or infinite value, as (row, column).
    pub fn first_non_finite(&self) -> Option<(usize, usize)> {
        match self {
            Features::Dense(m) => m.first_non_finite(),
            Features::Sparse(m) => m.first_matching(|v| !v.is_finite()),
        }
    }

    /// The position of the first infinite value, as (row, column).
    pub fn first_infinite(&self) -> Option<(usize, usize)> {
        match self {
            Features::Dense(m) => m.first_infinite(),
            Features::Sparse(m) => m.first_matching(f64::is_infinite),
        }
    }
}

impl From<Matrix> for Features {
    fn from(m: Matrix) -> Self {
        Features::Dense(m)
    }
}

impl From<CsrMatrix> for Features {
    fn from(m: CsrMatrix) -> Self {
        Features::Sparse(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hot_marks_each_rows_class() {
        let m = Matrix::one_hot(&[2.0, 0.0, 7.0], 3).unwrap();
        assert_eq!(m.as_slice(), &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn dense_basics() {
        let m = Matrix::from_columns(&[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]]).unwrap();
        assert_eq!(m.n_rows(), 3);
        assert_eq!(m.row(2), Some(&[3.0, 6.0][..]));
        assert_eq!(m.column(1), vec![4.0, 5.0, 6.0]);
        assert_eq!(
            m.select_rows(&[2, 0]).unwrap().as_slice(),
            &[3.0, 6.0, 1.0, 4.0]
        );
        assert_eq!(m.select_columns(&[1]).unwrap().as_slice(), &[4.0, 5.0, 6.0]);
        assert!(m.select_rows(&[3]).is_err());
        assert_eq!(m.to_column_major(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(m.rows().count(), 3);
        assert!(Matrix::new(2, 2, vec![1.0]).is_err());
    }

    #[test]
    fn non_finite_position() {
        let m = Matrix::from_rows(&[vec![1.0, 2.0], vec![f64::INFINITY, 0.0]]).unwrap();
        assert_eq!(m.first_non_finite(), Some((1, 0)));
        assert_eq!(m.first_infinite(), Some((1, 0)));
    }

    #[test]
    fn sparse_round_trip() {
        let s = CsrMatrix::from_triplets(3, 4, &[(0, 1, 1.0), (2, 3, 2.0), (0, 1, 0.5)]).unwrap();
        assert_eq!(s.nnz(), 2);
        let d = s.to_dense();
        assert_eq!(d.get(0, 1), Some(1.5));
        assert_eq!(d.get(2, 3), Some(2.0));
        let sel = s.select_rows(&[2]).unwrap();
        assert_eq!(sel.row(0), (&[3u32][..], &[2.0][..]));
        let f = Features::from(s);
        let mut seen = vec![];
        f.for_each_in_row(0, |c, v| seen.push((c, v)));
        assert_eq!(seen, vec![(1, 1.5)]);
    }
}
