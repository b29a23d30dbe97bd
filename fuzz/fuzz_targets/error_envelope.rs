//! Error bodies (Google's and the gateway's envelopes, HTML, anything) under every status,
//! with a `Retry-After` header: never panic, always an error, never a secret-looking token
//! or the key in what it prints once redacted.
#![no_main]

use gemini_image_core::{GenerateResponse, parse_response};
use libfuzzer_sys::fuzz_target;

const KEY: &str = "AIzaFuzzKey0123456789abcdefghijklmnop";

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = 400 + u16::from(data[0]) % 200;
    let retry_after = String::from_utf8_lossy(&data[1..3]).into_owned();
    let body = &data[3..];
    let headers = vec![("retry-after".to_string(), retry_after)];
    let Err(err) = parse_response(status, &headers, body) else {
        panic!("a {status} must be an error");
    };
    let shown = format!("{err} {err:?}");
    let redacted = err.redact(KEY);
    let redacted_shown = format!("{redacted} {redacted:?}");
    assert!(!redacted_shown.contains(KEY), "{shown}");
    let _ = (redacted.kind(), redacted.is_retryable(), redacted.retry_after());
    // The same bytes as an error object met inside a stream.
    let _ = GenerateResponse::from_json(body).map_err(|e| e.redact(KEY));
});
