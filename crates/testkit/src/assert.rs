//! Approximate assertions for floating-point results.
//!
//! These helpers are for tests: they panic with a message that shows both values and the
//! tolerance.
#![allow(clippy::panic)]

/// Whether `a` and `b` differ by at most `tol` (absolute) or `tol` relative to the larger.
pub fn approx_eq(a: f64, b: f64, tol: f64) -> bool {
    if a == b {
        return true;
    }
    let diff = (a - b).abs();
    diff <= tol || diff <= tol * a.abs().max(b.abs())
}

/// Panics unless `a` and `b` are within `tol` (see [`approx_eq`]).
#[track_caller]
pub fn assert_close(a: f64, b: f64, tol: f64) {
    if !approx_eq(a, b, tol) {
        panic!("{a} and {b} differ by {} (tolerance {tol})", (a - b).abs());
    }
}

/// Panics unless the slices have equal length and are element-wise within `tol`.
#[track_caller]
pub fn assert_all_close(a: &[f64], b: &[f64], tol: f64) {
    if a.len() != b.len() {
        panic!("lengths differ: {} vs {}", a.len(), b.len());
    }
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if !approx_eq(*x, *y, tol) {
            panic!(
                "element {i}: {x} and {y} differ by {} (tolerance {tol})",
                (x - y).abs()
            );
        }
    }
}

/// Asserts two floats are within a tolerance: `assert_close!(a, b)` (1e-9) or
/// `assert_close!(a, b, tol)`.
#[macro_export]
macro_rules! assert_close {
    ($a:expr, $b:expr) => {
        $crate::assert::assert_close($a, $b, 1e-9)
    };
    ($a:expr, $b:expr, $tol:expr) => {
        $crate::assert::assert_close($a, $b, $tol)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_is_absolute_or_relative() {
        assert!(approx_eq(1.0, 1.0 + 1e-10, 1e-9));
        assert!(approx_eq(1e6, 1e6 + 0.5, 1e-6));
        assert!(!approx_eq(1.0, 1.1, 1e-3));
        assert!(std::panic::catch_unwind(|| assert_all_close(&[1.0], &[2.0], 1e-3)).is_err());
    }
}
