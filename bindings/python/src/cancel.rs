//! `CancelToken`: cancels calls from another thread or an asyncio task; and the per-call
//! options every call gets (its token, and retries reported to Python's `logging`).

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;

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

/// Per-call options for a call watching `cancel` (if given), with retries logged.
pub(crate) fn call_options(cancel: Option<&CancelToken>) -> gemini_image::CallOptions {
    let mut options = gemini_image::CallOptions::new().with_on_retry(retry_logger());
    if let Some(cancel) = cancel {
        options = options.with_cancel(cancel.token.clone());
    }
    options
}

/// Reports each retry, as it starts, to the `gemini_image` logger at INFO level ("rate
/// limited (429), retrying in 7 s (attempt 2 of 3)"), with the details in the record's
/// `gemini_image_retry` attribute. Runs on the calling worker thread, taking the GIL just
/// for the log call; a failing handler is reported as unraisable, never breaking the call.
pub(crate) fn retry_logger() -> gemini_image::RetryObserver {
    Arc::new(|event: &gemini_image::RetryEvent| {
        Python::attach(|py| {
            if let Err(err) = log_retry(py, event) {
                err.write_unraisable(py, None);
            }
        });
    })
}

fn log_retry(py: Python<'_>, event: &gemini_image::RetryEvent) -> PyResult<()> {
    let details = PyDict::new(py);
    details.set_item("attempt", event.attempt)?;
    details.set_item("max_attempts", event.max_attempts)?;
    details.set_item("delay", event.delay.as_secs_f64())?;
    details.set_item("kind", event.error_kind.as_str())?;
    details.set_item("status_code", event.http_status)?;
    details.set_item("message", &event.message)?;
    let extra = PyDict::new(py);
    extra.set_item("gemini_image_retry", details)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("extra", extra)?;
    py.import("logging")?
        .call_method1("getLogger", ("gemini_image",))?
        .call_method("info", (event.to_string(),), Some(&kwargs))?;
    Ok(())
}
