//! Core errors -> Python exceptions. The classes live in `gemini_image/errors.py`; this
//! side only hands over the kind string, the message and the structured details.

use gemini_image::{Error, core::Remedy};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use serde_json::{Map, Value, json};

use crate::convert;

/// The Python exception for a core error (an instance of the `GeminiImageError` subclass
/// for its kind). The message and details are already scrubbed of the key by the client.
pub(crate) fn to_py_err(py: Python<'_>, err: Error) -> PyErr {
    match build(py, err) {
        Ok(value) => PyErr::from_value(value),
        Err(failure) => failure,
    }
}

fn build(py: Python<'_>, err: Error) -> PyResult<Bound<'_, PyAny>> {
    let kind = err.kind().as_str();
    let message = err.to_string();
    let mut details = Map::new();
    details.insert("status_code".into(), json!(err.http_status()));
    details.insert("retryable".into(), json!(err.is_retryable()));
    details.insert("field".into(), json!(err.field()));
    details.insert(
        "retry_after".into(),
        json!(err.retry_after().map(|d| d.as_secs_f64())),
    );
    if let Some(remedy) = err.remedy() {
        details.insert("remedy".into(), json!(remedy.as_str()));
        match remedy {
            Remedy::FixField { field } => {
                details.insert("remedy_field".into(), json!(field));
            }
            Remedy::RetryLater { after: Some(after) } => {
                details.insert("remedy_after".into(), json!(after.as_secs_f64()));
            }
            _ => {}
        }
    }
    details.insert("code".into(), json!(err.kind().code()));
    if let Some(api) = err.api() {
        details.insert("api_status".into(), json!(api.status));
        details.insert("reason".into(), json!(api.reason));
        details.insert("error_type".into(), json!(api.error_type));
        details.insert("param".into(), json!(api.param));
        details.insert("detail".into(), json!(api.message));
    }
    let mut response = None;
    if let Error::NoImage(no_image) = err {
        details.insert("finish_reason".into(), json!(no_image.finish_reason));
        details.insert("finish_message".into(), json!(no_image.finish_message));
        details.insert("block_reason".into(), json!(no_image.block_reason));
        details.insert(
            "block_reason_message".into(),
            json!(no_image.block_reason_message),
        );
        details.insert("text".into(), json!(no_image.text));
        // Its thought images (if any) are copied: a no-image error is rare and small.
        let none = crate::image_bytes::PyBytesAllocator::default();
        response = Some(convert::response_to_py(py, &no_image.response, &none)?);
    }
    let details = Value::Object(details).to_string();
    let module = py.import("gemini_image.errors").map_err(|import| {
        PyRuntimeError::new_err(format!(
            "{message} (and gemini_image.errors could not be imported: {import})"
        ))
    })?;
    module
        .getattr("_from_native")?
        .call1((kind, message, details, response))
}

/// Runs `f`, turning a core error into its Python exception.
pub(crate) fn check<T>(py: Python<'_>, result: Result<T, Error>) -> PyResult<T> {
    result.map_err(|err| to_py_err(py, err))
}
