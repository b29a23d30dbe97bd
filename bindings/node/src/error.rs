//! Errors cross into JavaScript as a plain `Error` whose message is a marker followed by a
//! JSON payload (kind, code, status, fields). napi drops custom properties on errors that
//! reject a promise from another thread, so the JS layer (`lib/errors.js`) parses the
//! payload and throws the right `GeminiImageError` subclass. One table, driven by the
//! core's kinds, lives there.

use gemini_image::Error;
use gemini_image::core::Remedy;
use serde_json::{Map, Value, json};

/// Prefix of every error message the addon throws (parsed by `lib/errors.js`).
pub const MARKER: &str = "gemini-image-error:";

/// A core field name as a Node user writes it: `aspect_ratio` -> `aspectRatio`,
/// `thinking.thinking_budget` -> `thinking.thinkingBudget`, `images[1]` unchanged.
pub fn camel_field(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The remedy in Node terms (option names as `new Client({...})` and calls take them).
pub fn remedy_text(remedy: &Remedy) -> String {
    match remedy {
        Remedy::SetApiKey => {
            "pass apiKey to new Client({ apiKey }) or set THUCCHIEN_API_KEY (or GEMINI_API_KEY)"
                .into()
        }
        Remedy::CheckApiKey => "check the apiKey, and that it belongs to this baseUrl".into(),
        Remedy::CheckBaseUrl => "check baseUrl, the proxy and the network".into(),
        Remedy::RaiseTimeout => {
            "pass a larger timeoutMs to new Client() (image calls take 8-35 s, 4K longer)".into()
        }
        Remedy::RaiseResponseLimit => "pass a larger maxResponseBytes to new Client()".into(),
        Remedy::RetryLater { after: Some(after) } => {
            format!("retry after {} ms", after.as_millis())
        }
        Remedy::RetryLater { after: None } => "retry later".into(),
        Remedy::TopUp => "top up the credits or raise the budget; waiting will not help".into(),
        Remedy::FixField { field } => format!("fix {} and try again", camel_field(field)),
        Remedy::CheckModel => format!(
            "check the model id (for example {})",
            gemini_image::DEFAULT_MODEL
        ),
        Remedy::Rephrase => "rephrase the prompt".into(),
        _ => format!("see the remedy {:?}", remedy.as_str()),
    }
}

/// The structured description of an error, as the JS layer reads it.
pub fn payload(err: &Error) -> Value {
    let kind = err.kind();
    let mut out = Map::new();
    out.insert("kind".into(), kind.as_str().into());
    out.insert("code".into(), kind.code().into());
    let mut message = err.to_string();
    if let Some(remedy) = err.remedy() {
        out.insert("remedy".into(), remedy.as_str().into());
        message = format!(
            "{}; {}",
            message.trim_end_matches('.'),
            remedy_text(&remedy)
        );
    }
    out.insert("message".into(), message.into());
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
