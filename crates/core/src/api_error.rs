//! Error bodies: Google's envelope (`code` int, `status`, typed `details`) and the gateway's
//! LiteLLM one (`code` string, `type`, `param`), plus non-JSON bodies such as an HTML 502.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, Error, ErrorKind, FieldViolation, excerpt, scrub_secrets};
use crate::response::trim_ascii;

#[derive(Deserialize)]
struct Envelope {
    error: Body,
}

#[derive(Deserialize, Default)]
struct Body {
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default, rename = "type")]
    error_type: Option<Value>,
    #[serde(default)]
    param: Option<Value>,
    #[serde(default)]
    details: Option<Value>,
}

/// Builds the error for a non-2xx response (or an error object inside a 2xx body/stream).
pub(crate) fn from_http(status: u16, headers: &[(String, String)], body: &[u8]) -> Error {
    let header_delay = header(headers, "retry-after").and_then(parse_retry_after);
    match serde_json::from_slice::<Envelope>(trim_ascii(body)) {
        Ok(envelope) => from_body(status, envelope.error, header_delay),
        Err(_) => from_non_json(status, headers, body, header_delay),
    }
}

/// Builds the error for an `{"error": …}` object met inside a stream; its own `code` gives
/// the status (500 when absent).
pub(crate) fn from_stream_object(body: &[u8]) -> Error {
    match serde_json::from_slice::<Envelope>(trim_ascii(body)) {
        Ok(envelope) => {
            let status = code_as_status(envelope.error.code.as_ref()).unwrap_or(500);
            from_body(status, envelope.error, None)
        }
        Err(e) => Error::decode(
            format!("undecodable error object in stream: {e}"),
            Some(200),
        ),
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn code_as_status(code: Option<&Value>) -> Option<u16> {
    match code? {
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn value_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(s) if s == "None" || s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn from_body(http_status: u16, body: Body, header_delay: Option<Duration>) -> Error {
    let message = scrub_secrets(
        &value_text(body.message.as_ref()).unwrap_or_else(|| "(no message)".to_string()),
    );
    let error_type = value_text(body.error_type.as_ref());
    let param = value_text(body.param.as_ref()).map(|p| scrub_secrets(&p));
    let details = body.details.filter(|d| !d.is_null());
    let mut reason = None;
    let mut retry_info_delay = None;
    let mut field_violations = Vec::new();
    let mut quota_violations = Vec::new();
    if let Some(Value::Array(items)) = &details {
        for item in items {
            let kind = item.get("@type").and_then(Value::as_str).unwrap_or("");
            if kind.ends_with("google.rpc.ErrorInfo") {
                reason = item.get("reason").and_then(Value::as_str).map(String::from);
            } else if kind.ends_with("google.rpc.RetryInfo") {
                retry_info_delay = item
                    .get("retryDelay")
                    .and_then(Value::as_str)
                    .and_then(parse_proto_duration);
            } else if kind.ends_with("google.rpc.BadRequest") {
                for violation in item
                    .get("fieldViolations")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    field_violations.push(FieldViolation {
                        field: str_field(violation, "field"),
                        description: str_field(violation, "description"),
                    });
                }
            } else if kind.ends_with("google.rpc.QuotaFailure") {
                for violation in item
                    .get("violations")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let id = violation
                        .get("quotaId")
                        .or_else(|| violation.get("quotaMetric"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    quota_violations.push(id.to_string());
                }
            }
        }
    }
    let kind = classify(
        http_status,
        &message,
        error_type.as_deref(),
        reason.as_deref(),
    );
    let retry_after = retry_info_delay
        .or(header_delay)
        .or_else(|| retry_in_message(&message));
    Error::Api(Box::new(ApiError {
        kind,
        http_status,
        message,
        status: body.status,
        error_type,
        param,
        reason,
        retry_after,
        field_violations,
        quota_violations,
        details,
    }))
}

fn str_field(value: &Value, name: &str) -> String {
    value
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn from_non_json(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    header_delay: Option<Duration>,
) -> Error {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let is_html = header(headers, "content-type").is_some_and(|ct| ct.contains("html"))
        || text.trim_start().starts_with('<');
    let readable = if is_html {
        strip_tags(&text)
    } else {
        text.to_string()
    };
    let readable = readable.split_whitespace().collect::<Vec<_>>().join(" ");
    let message = if readable.is_empty() {
        format!("HTTP {status} with an empty body")
    } else {
        format!(
            "HTTP {status} with a non-JSON body: {}",
            scrub_secrets(&excerpt(&readable, 200))
        )
    };
    Error::Api(Box::new(ApiError {
        kind: classify(status, "", None, None),
        http_status: status,
        message,
        status: None,
        error_type: None,
        param: None,
        reason: None,
        retry_after: header_delay,
        field_violations: Vec::new(),
        quota_violations: Vec::new(),
        details: None,
    }))
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Status + body facts -> kind.
fn classify(
    status: u16,
    message: &str,
    error_type: Option<&str>,
    reason: Option<&str>,
) -> ErrorKind {
    let lower = message.to_ascii_lowercase();
    let budget = error_type.is_some_and(|t| t.contains("budget"))
        || lower.contains("budget has been exceeded")
        || lower.contains("credits are depleted")
        || lower.contains("prepayment credits");
    if budget && matches!(status, 400 | 402 | 429) {
        return ErrorKind::QuotaExhausted;
    }
    if reason == Some("API_KEY_INVALID") || lower.contains("api key not valid") {
        return ErrorKind::Authentication;
    }
    match status {
        401 => ErrorKind::Authentication,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        408 | 504 => ErrorKind::Timeout,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::InvalidRequest,
    }
}

/// `"34s"`, `"1.5s"`, `"0.250s"` (protobuf Duration JSON).
fn parse_proto_duration(text: &str) -> Option<Duration> {
    let seconds: f64 = text.trim().strip_suffix('s')?.parse().ok()?;
    duration_from_secs(seconds)
}

/// `Retry-After` in delta-seconds (the HTTP-date form needs a clock: ignored here).
fn parse_retry_after(text: &str) -> Option<Duration> {
    duration_from_secs(text.trim().parse::<f64>().ok()?)
}

/// "Please retry in 34.28s." / "retry in 500ms" inside a message.
fn retry_in_message(message: &str) -> Option<Duration> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find("retry in ")? + "retry in ".len();
    let rest = &lower[at..];
    let number_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let value: f64 = rest[..number_len].trim_end_matches('.').parse().ok()?;
    let unit = rest[number_len..].trim_start();
    if unit.starts_with("ms") {
        duration_from_secs(value / 1000.0)
    } else if unit.starts_with('s') {
        duration_from_secs(value)
    } else {
        None
    }
}

fn duration_from_secs(seconds: f64) -> Option<Duration> {
    (seconds.is_finite() && (0.0..=86_400.0).contains(&seconds))
        .then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, headers: &[(String, String)], body: &str) -> ApiError {
        match from_http(status, headers, body.as_bytes()) {
            Error::Api(api) => *api,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn google_quota_with_retry_info() {
        let e = api(
            429,
            &[],
            r#"{"error":{"code":429,"message":"quota. Please retry in 34.28s.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"PerMinute"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"34s"}]}}"#,
        );
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.retry_after, Some(Duration::from_secs(34)));
        assert_eq!(e.quota_violations, vec!["PerMinute"]);
        assert_eq!(e.status.as_deref(), Some("RESOURCE_EXHAUSTED"));
    }

    #[test]
    fn gateway_envelopes() {
        let e = api(
            429,
            &[],
            r#"{"error":{"message":"Budget has been exceeded! Current cost: 50.01","type":"budget_exceeded","param":null,"code":"429"}}"#,
        );
        assert_eq!(e.kind, ErrorKind::QuotaExhausted);
        assert!(!Error::Api(Box::new(e)).is_retryable());
        let e = api(
            401,
            &[],
            r#"{"error":{"message":"Authentication Error, Invalid proxy server token passed. Received API Key = sk-abcdefgh12345","type":"token_not_found_in_db","param":"key","code":"401"}}"#,
        );
        assert_eq!(e.kind, ErrorKind::Authentication);
        assert!(!e.message.contains("abcdefgh12345"));
        let e = api(
            400,
            &[],
            r#"{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}"#,
        );
        assert_eq!(e.kind, ErrorKind::Authentication);
    }

    #[test]
    fn non_json_bodies() {
        let e = api(
            502,
            &[
                ("Content-Type".into(), "text/html".into()),
                ("Retry-After".into(), "7".into()),
            ],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        );
        assert_eq!(e.kind, ErrorKind::Server);
        assert!(e.message.contains("502 Bad Gateway"), "{}", e.message);
        assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
        assert!(api(500, &[], "").message.contains("empty body"));
        assert_eq!(api(504, &[], "oops").kind, ErrorKind::Timeout);
    }

    #[test]
    fn retry_phrases() {
        assert_eq!(
            retry_in_message("Please retry in 12.5s."),
            Some(Duration::from_millis(12500))
        );
        assert_eq!(
            retry_in_message("retry in 250ms"),
            Some(Duration::from_millis(250))
        );
        assert_eq!(retry_in_message("retry in a while"), None);
        assert_eq!(
            parse_proto_duration("1.5s"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_retry_after("-3"), None);
    }
}
