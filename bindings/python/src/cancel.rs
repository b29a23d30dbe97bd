//! `CancelToken`: cancels calls from another thread or an asyncio task.

use pyo3::prelude::*;

/// A cancellation flag shared with calls (`cancel=`). Cancelling stops a call before its
/// next attempt, during a retry wait, or a stream between two reads; the call then raises
/// `CancelledError`.
#[pyclass(frozen, module = "gemini_image._native")]
#[derive(Clone)]
pub struct CancelToken {
    pub(crate) token: gemini_image::CancelToken,
}

#[pymethods]
impl CancelToken {
    #[new]
    fn new() -> Self {
        CancelToken {
            token: gemini_image::CancelToken::new(),
        }
    }

    /// Cancels every call watching this token (idempotent).
    fn cancel(&self) {
        self.token.cancel();
    }

    /// Whether `cancel()` was called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.token.is_cancelled()
    }

    fn __repr__(&self) -> String {
        format!("CancelToken(cancelled={})", self.cancelled())
    }
}

/// Per-call options for a call watching `cancel` (if given).
pub(crate) fn call_options(cancel: Option<&CancelToken>) -> gemini_image::CallOptions {
    let mut options = gemini_image::CallOptions::new();
    if let Some(cancel) = cancel {
        options = options.with_cancel(cancel.token.clone());
    }
    options
}
