//! Mapping smartcore's failures (and panics) onto [`mlpilot_core::Error`].
//!
//! smartcore reports most problems as [`Failed`], which becomes an error of kind
//! [`ErrorKind::Backend`](mlpilot_core::ErrorKind::Backend) naming what was being done. A few of
//! its code paths still index or `unwrap` on degenerate input; the estimators check their data
//! before calling smartcore, and [`guarded`] turns any panic that slips past those checks into an
//! error as well, so a fit never takes the process down.

use std::panic::{AssertUnwindSafe, catch_unwind};

use mlpilot_core::{Error, Result, panic_message};
use smartcore::error::Failed;

/// Runs a smartcore call, mapping `Err(Failed)` and panics to a backend error about `what`
/// (a phrase such as "fit the random forest").
pub(crate) fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, Failed>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(failed(what, e)),
        Err(payload) => Err(Error::backend(format!(
            "smartcore panicked while trying to {what}: {}",
            panic_message(payload.as_ref())
        ))),
    }
}

/// Runs our own code that calls into smartcore and may already return [`Error`]s, mapping a
/// panic to a backend error about `what`.
pub(crate) fn guarded_result<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => Err(Error::backend(format!(
            "smartcore panicked while trying to {what}: {}",
            panic_message(payload.as_ref())
        ))),
    }
}

/// A backend error for a smartcore failure.
pub(crate) fn failed(what: &str, e: Failed) -> Error {
    Error::backend(format!("smartcore could not {what}")).with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlpilot_core::ErrorKind;

    #[test]
    fn failures_and_panics_become_backend_errors() {
        let e = guarded::<()>("fit the model", || Err(Failed::fit("bad shape"))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Backend);
        assert!(e.to_string().contains("could not fit the model"), "{e}");
        assert!(e.to_string().contains("bad shape"), "{e}");
        let e = guarded::<()>("fit the model", || panic!("index out of bounds")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Backend);
        assert!(e.to_string().contains("index out of bounds"), "{e}");
        assert_eq!(guarded("x", || Ok(3)).unwrap(), 3);
    }
}
