//! The one error type of mlpilot.
//!
//! Every layer returns [`Error`]: a [`ErrorKind`] that says what class of failure it is (and so
//! which exit code and HTTP status it maps to), a message written for the person who has to fix
//! it, key/value context (file, column, row, value), an optional source error, and whether the
//! operation may succeed if retried.

use std::fmt;

/// What class of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The user's data or arguments cannot be used as given (bad file, column, value).
    InvalidInput,
    /// A file, column, table or model that was asked for does not exist.
    NotFound,
    /// A file or payload is not in the format it claims to be (corrupt artifact, bad JSON).
    Format,
    /// The request is valid but this component cannot do it (a task a backend lacks).
    Unsupported,
    /// A model library failed while fitting or predicting.
    Backend,
    /// A language-model provider failed or answered something unusable.
    Llm,
    /// A deadline passed.
    Timeout,
    /// The work was cancelled.
    Cancelled,
    /// An operating-system I/O operation failed.
    Io,
    /// A network request failed.
    Network,
    /// A configured budget (time, memory, trials) cannot accommodate the request.
    Budget,
    /// A bug in mlpilot: an invariant did not hold.
    Internal,
}

impl ErrorKind {
    /// A short lowercase name (`invalid input`, `not found`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::NotFound => "not found",
            ErrorKind::Format => "format error",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Backend => "backend error",
            ErrorKind::Llm => "language model error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Io => "i/o error",
            ErrorKind::Network => "network error",
            ErrorKind::Budget => "budget exceeded",
            ErrorKind::Internal => "internal error",
        }
    }

    /// Whether this kind means the user's input (data, arguments, files) is unusable.
    ///
    /// The CLI exits with code 2 for these and 1 for everything else; the HTTP server answers
    /// 4xx for these and 5xx for the rest.
    pub fn is_user_input(self) -> bool {
        matches!(
            self,
            ErrorKind::InvalidInput
                | ErrorKind::NotFound
                | ErrorKind::Format
                | ErrorKind::Unsupported
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The error type of every mlpilot crate.
///
/// ```
/// use mlpilot_core::{Error, ErrorKind};
/// let err = Error::new(ErrorKind::InvalidInput, "column has no values")
///     .with_context("file", "data.csv")
///     .with_context("column", "age");
/// assert_eq!(err.kind(), ErrorKind::InvalidInput);
/// assert_eq!(err.to_string(), "column has no values (file: data.csv, column: age)");
/// ```
pub struct Error {
    kind: ErrorKind,
    message: String,
    context: Vec<(&'static str, String)>,
    source: Option<Source>,
    temporary: bool,
}

impl Error {
    /// A new error of `kind` with a message for the person who has to act on it.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            context: Vec::new(),
            source: None,
            temporary: matches!(kind, ErrorKind::Timeout | ErrorKind::Network),
        }
    }

    /// Shorthand for [`ErrorKind::InvalidInput`].
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// Shorthand for [`ErrorKind::Unsupported`].
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }

    /// Shorthand for [`ErrorKind::Internal`].
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// Shorthand for [`ErrorKind::Backend`].
    pub fn backend(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Backend, message)
    }

    /// Adds a key/value pair (file, column, row, value) shown after the message.
    pub fn with_context(mut self, key: &'static str, value: impl fmt::Display) -> Self {
        self.context.push((key, value.to_string()));
        self
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// Marks the error as temporary (worth retrying) or permanent.
    pub fn set_temporary(mut self, temporary: bool) -> Self {
        self.temporary = temporary;
        self
    }

    /// What class of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without context.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The key/value context, in the order it was added.
    pub fn context(&self) -> &[(&'static str, String)] {
        &self.context
    }

    /// The value of a context key, if present.
    pub fn context_value(&self, key: &str) -> Option<&str> {
        self.context
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether retrying the same operation may succeed (timeouts, transient network and
    /// provider failures). Invalid input is never retryable.
    pub fn is_retryable(&self) -> bool {
        self.temporary
    }

    /// Prefixes the message with where it happened, keeping kind, context and source.
    pub fn prefixed(mut self, prefix: impl fmt::Display) -> Self {
        self.message = format!("{prefix}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if !self.context.is_empty() {
            f.write_str(" (")?;
            for (i, (k, v)) in self.context.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{k}: {v}")?;
            }
            f.write_str(")")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("context", &self.context)
            .field("source", &self.source)
            .field("temporary", &self.temporary)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        let kind = match err.kind() {
            std::io::ErrorKind::NotFound => ErrorKind::NotFound,
            std::io::ErrorKind::InvalidData => ErrorKind::Format,
            std::io::ErrorKind::TimedOut => ErrorKind::Timeout,
            _ => ErrorKind::Io,
        };
        let message = err.to_string();
        Error::new(kind, message)
    }
}

/// The result type of mlpilot.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The text of a panic's payload (what `panic!` was given), for turning a caught panic into
/// an error message; `"no message"` for payloads that are not text.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "no message".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_messages_are_read() {
        let p = std::panic::catch_unwind(|| panic!("bad {}", 1)).unwrap_err();
        assert_eq!(panic_message(p.as_ref()), "bad 1");
        let p = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
        assert_eq!(panic_message(p.as_ref()), "plain");
        let p = std::panic::catch_unwind(|| std::panic::panic_any(7)).unwrap_err();
        assert_eq!(panic_message(p.as_ref()), "no message");
    }

    #[test]
    fn display_includes_context_and_source() {
        let io = std::io::Error::other("disk full");
        let err = Error::new(ErrorKind::Io, "could not write model")
            .with_context("file", "out/model.mlpilot")
            .with_source(io);
        assert_eq!(
            err.to_string(),
            "could not write model (file: out/model.mlpilot): disk full"
        );
        assert_eq!(err.context_value("file"), Some("out/model.mlpilot"));
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn retryable_defaults_follow_kind() {
        assert!(Error::new(ErrorKind::Timeout, "slow").is_retryable());
        assert!(Error::new(ErrorKind::Network, "reset").is_retryable());
        assert!(!Error::invalid_input("bad").is_retryable());
        assert!(
            Error::new(ErrorKind::Llm, "HTTP 503")
                .set_temporary(true)
                .is_retryable()
        );
    }

    #[test]
    fn io_not_found_maps_to_not_found() {
        let err: Error = std::io::Error::from(std::io::ErrorKind::NotFound).into();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.kind().is_user_input());
    }
}
