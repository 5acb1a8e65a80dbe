//! Mapping linfa's errors onto [`mlpilot_core::Error`].
//!
//! Every linfa crate has its own error enum. A failure inside a library fit is an
//! [`ErrorKind::Backend`](mlpilot_core::ErrorKind::Backend) error that names the estimator and
//! keeps linfa's message; data this crate can tell is unusable before calling linfa is refused
//! earlier, as invalid input, by the estimators themselves.

use std::fmt::Display;

use mlpilot_core::Error;

/// A library failure during `what` (for example "linfa.svm fit").
pub(crate) fn backend(what: &str, err: impl Display) -> Error {
    Error::backend(format!("{what} failed in linfa: {err}"))
}

/// A library refusing parameters that passed the search-space check (a bug in this crate's
/// ranges, so it is an internal error).
pub(crate) fn params(what: &str, err: impl Display) -> Error {
    Error::internal(format!("{what}: linfa refused the parameters: {err}"))
}
