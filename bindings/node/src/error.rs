//! Errors cross into JavaScript as a plain `Error` whose message is a marker followed by a
//! JSON payload (kind, code, status, fields). napi drops custom properties on errors that
//! reject a promise from another thread, so the JS layer (`lib/errors.js`) parses the
//! payload and throws the right `GeminiImageError` subclass. One table, driven by the
//! core's kinds, lives there.

use gemini_image::{Error, ErrorKind};
use serde_json::{Map, Value, json};

/// Prefix of every error message the addon throws (parsed by `lib/errors.js`).
pub const MARKER: &str = "gemini-image-error:";

/// `GEMINI_IMAGE_RATE_LIMITED` for `rate_limited`.
pub fn code_of(kind: ErrorKind) -> String {
    format!("GEMINI_IMAGE_{}", kind.as_str().to_ascii_uppercase())
}

/// The structured description of an error, as the JS layer reads it.
pub fn payload(err: &Error) -> Value {
    let kind = err.kind();
    let mut out = Map::new();
    out.insert("kind".into(), kind.as_str().into());
    out.insert("code".into(), code_of(kind).into());
    out.insert("message".into(), err.to_string().into());
    out.insert("retryable".into(), err.is_retryable().into());
    if let Some(status) = err.http_status() {
        out.insert("statusCode".into(), status.into());
    }
    if let Some(field) = err.field() {
        out.insert("field".into(), field.into());
    }
    if let Some(after) = err.retry_after() {
        out.insert(
            "retryAfterMs".into(),
            u64::try_from(after.as_millis()).unwrap_or(u64::MAX).into(),
        );
    }
    if let Some(api) = err.api() {
        let mut put = |name: &str, value: &Option<String>| {
            if let Some(value) = value {
                out.insert(name.into(), value.clone().into());
            }
        };
        put("status", &api.status);
        put("errorType", &api.error_type);
        put("reason", &api.reason);
        put("param", &api.param);
    }
    if let Some(no_image) = err.no_image() {
        let fields = [
            ("finishReason", &no_image.finish_reason),
            ("finishMessage", &no_image.finish_message),
            ("blockReason", &no_image.block_reason),
            ("blockReasonMessage", &no_image.block_reason_message),
            ("text", &no_image.text),
        ];
        for (name, value) in fields {
            out.insert(name.into(), value.clone().map_or(Value::Null, Value::from));
        }
    }
    Value::Object(out)
}

/// The napi error carrying [`payload`].
pub fn to_napi(err: &Error) -> napi::Error {
    napi::Error::from_reason(format!("{MARKER}{}", payload(err)))
}

/// A failure that is not one of the core's (a thread could not start, a lock was
/// poisoned): reported with kind `internal` so the JS layer still throws a typed error.
pub fn internal(message: impl Into<String>) -> napi::Error {
    let body = json!({
        "kind": "internal",
        "code": "GEMINI_IMAGE_INTERNAL",
        "message": format!("internal: {}", message.into()),
        "retryable": false,
    });
    napi::Error::from_reason(format!("{MARKER}{body}"))
}

/// Maps a core result into a napi result.
pub fn napi_result<T>(result: Result<T, Error>) -> napi::Result<T> {
    result.map_err(|e| to_napi(&e))
}
