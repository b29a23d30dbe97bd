//! The fault matrix: every way a server (or what stands in front of it) can misbehave ends
//! in a typed error, retryable where a retry can help, within the configured timeout, with
//! the key nowhere in what the caller sees. Loopback only.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers, not library code

mod support;

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gemini_image::{Client, Error, ErrorKind, GenerateRequest, StreamEvent};
use support::raw::raw_server;

/// A key no message may contain.
const KEY: &str = "sk-FAULT-MATRIX-KEY-0123456789";
/// The client's timeout in this matrix.
const TIMEOUT: Duration = Duration::from_secs(1);
/// Far above the timeout: only a hang gets here (this is a hang guard, not a speed test).
const HANG_GUARD: Duration = Duration::from_secs(20);

const PNG_B64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4IScHAAK2AQU0pnWqAAAAAElFTkSuQmCC";

/// How a scripted connection is answered.
#[derive(Clone, Copy, Debug)]
enum Script {
    /// Part of the status line and headers, then close.
    CloseMidHeaders,
    /// Headers promising 1000 bytes, 100 sent, then close.
    CloseMidBody,
    /// A `Content-Length` shorter than the body: the JSON is cut where the length ends.
    BodyLongerThanLength,
    /// A complete small JSON body under a `Content-Length` of 100000, then close.
    BodyShorterThanLengthThenClose,
    /// Same, but the connection stays open and silent.
    BodyShorterThanLengthThenStall,
    /// A 200 event stream whose second event is an error object.
    SseErrorObject,
    /// Headers, then nothing, forever.
    StallAfterHeaders,
    /// Nothing at all, forever (not even a status line).
    StallBeforeHeaders,
    /// A 502 with a 20 MB HTML page.
    HugeHtml502,
    /// A 200 with a 20 MB HTML page (a captive portal, a misrouted proxy).
    HugeHtml200,
}

fn serve(script: Script, mut conn: TcpStream) {
    let head = |len: usize, ct: &str| {
        format!("HTTP/1.1 200 OK\r\ncontent-type: {ct}\r\ncontent-length: {len}\r\n\r\n")
    };
    let stall = || std::thread::sleep(Duration::from_secs(30));
    let good_json = format!(
        r#"{{"candidates":[{{"content":{{"parts":[{{"inlineData":{{"mimeType":"image/png","data":"{PNG_B64}"}}}}]}},"finishReason":"STOP"}}]}}"#
    );
    let _ = match script {
        Script::CloseMidHeaders => conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-ty"),
        Script::CloseMidBody => conn
            .write_all(head(1000, "application/json").as_bytes())
            .and_then(|()| conn.write_all(&good_json.as_bytes()[..100])),
        Script::BodyLongerThanLength => conn
            .write_all(head(good_json.len() / 2, "application/json").as_bytes())
            .and_then(|()| conn.write_all(good_json.as_bytes())),
        Script::BodyShorterThanLengthThenClose => conn
            .write_all(head(100_000, "application/json").as_bytes())
            .and_then(|()| conn.write_all(good_json.as_bytes())),
        Script::BodyShorterThanLengthThenStall => {
            let sent = conn
                .write_all(head(100_000, "application/json").as_bytes())
                .and_then(|()| conn.write_all(good_json.as_bytes()));
            stall();
            sent
        }
        Script::SseErrorObject => {
            let first = r#"data: {"candidates":[{"content":{"parts":[{"text":"drawing","thought":true}]}}]}"#
                .to_string()
                + "\r\n\r\n";
            let error = "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n";
            let body = format!("{first}{error}");
            conn.write_all(head(body.len(), "text/event-stream").as_bytes())
                .and_then(|()| conn.write_all(body.as_bytes()))
        }
        Script::StallAfterHeaders => {
            let sent = conn.write_all(head(5000, "application/json").as_bytes());
            stall();
            sent
        }
        Script::StallBeforeHeaders => {
            stall();
            Ok(())
        }
        Script::HugeHtml502 | Script::HugeHtml200 => {
            let status = if matches!(script, Script::HugeHtml502) {
                "502 Bad Gateway"
            } else {
                "200 OK"
            };
            let page = huge_html();
            conn.write_all(
                format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n",
                    page.len()
                )
                .as_bytes(),
            )
            // The client stops reading early: a failed write is expected.
            .and_then(|()| conn.write_all(&page))
        }
    };
    let _ = conn.flush();
}

fn huge_html() -> Vec<u8> {
    let mut page =
        b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>".to_vec();
    page.resize(20 * 1024 * 1024, b' ');
    page.extend_from_slice(b"</body></html>");
    page
}

fn client(url: &str) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(url)
        .timeout(TIMEOUT)
        .max_retries(0)
        .build()
        .expect("client")
}

fn request() -> GenerateRequest {
    GenerateRequest::text_to_image("gemini-3-pro-image-preview", "a cabin")
}

/// Runs one generate (or stream) call against `script`, returns its error and duration.
fn fail(script: Script, stream: bool) -> (Error, Duration) {
    let (url, _) = raw_server(1, move |_, conn| serve(script, conn));
    let client = client(&url);
    let started = Instant::now();
    let result = if stream {
        client.stream(&request()).and_then(|events| {
            for event in events {
                if let StreamEvent::Done(_) = event? {
                    return Ok(());
                }
            }
            Ok(())
        })
    } else {
        client.generate(&request()).map(|_| ())
    };
    let elapsed = started.elapsed();
    let err = result.expect_err(&format!("{script:?} (stream: {stream}) must fail"));
    (err, elapsed)
}

/// The expected outcome of each fault: (script, stream?, kind, retryable).
const MATRIX: &[(Script, bool, ErrorKind, bool)] = &[
    (Script::CloseMidHeaders, false, ErrorKind::Network, true),
    (Script::CloseMidHeaders, true, ErrorKind::Network, true),
    (Script::CloseMidBody, false, ErrorKind::Network, true),
    (
        Script::BodyLongerThanLength,
        false,
        ErrorKind::Decode,
        false,
    ),
    (
        Script::BodyShorterThanLengthThenClose,
        false,
        ErrorKind::Network,
        true,
    ),
    (
        Script::BodyShorterThanLengthThenStall,
        false,
        ErrorKind::Timeout,
        true,
    ),
    (Script::SseErrorObject, true, ErrorKind::Server, true),
    (Script::StallAfterHeaders, false, ErrorKind::Timeout, true),
    (Script::StallAfterHeaders, true, ErrorKind::Timeout, true),
    (Script::StallBeforeHeaders, false, ErrorKind::Timeout, true),
    (Script::StallBeforeHeaders, true, ErrorKind::Timeout, true),
    (Script::HugeHtml502, false, ErrorKind::Server, true),
    (Script::HugeHtml502, true, ErrorKind::Server, true),
    (Script::HugeHtml200, false, ErrorKind::Decode, false),
];

#[test]
fn every_fault_ends_in_a_typed_error_in_time_without_the_key() {
    let mut problems = Vec::new();
    let mut report = Vec::new();
    let cases: Vec<_> = MATRIX
        .iter()
        .map(|&(script, stream, kind, retryable)| {
            std::thread::spawn(move || (script, stream, kind, retryable, fail(script, stream)))
        })
        .collect();
    for case in cases {
        let (script, stream, kind, retryable, (err, elapsed)) = case.join().expect("no panic");
        let shown = format!("{err} | {err:?}");
        report.push(format!(
            "{script:?} stream={stream}: {} retryable={} in {elapsed:?}: {err}",
            err.kind(),
            err.is_retryable()
        ));
        if err.kind() != kind || err.is_retryable() != retryable {
            problems.push(format!(
                "{script:?} stream={stream}: want {kind} retryable={retryable}, got {} retryable={}: {err}",
                err.kind(),
                err.is_retryable()
            ));
        }
        if elapsed > HANG_GUARD {
            problems.push(format!("{script:?} stream={stream}: took {elapsed:?}"));
        }
        if shown.contains(KEY) {
            problems.push(format!(
                "{script:?} stream={stream}: the key leaked: {shown}"
            ));
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn retryable_faults_are_retried_then_succeed() {
    // Attempt 1 is cut mid-body, attempt 2 stalls after its headers, attempt 3 succeeds.
    let (url, connections) = raw_server(3, |n, mut conn| match n {
        0 => serve(Script::CloseMidBody, conn),
        // Stalls on its own thread: the server accepts the next connection meanwhile.
        1 => drop(std::thread::spawn(move || {
            serve(Script::StallAfterHeaders, conn);
        })),
        _ => {
            let body = format!(
                r#"{{"candidates":[{{"content":{{"parts":[{{"inlineData":{{"mimeType":"image/png","data":"{PNG_B64}"}}}}]}},"finishReason":"STOP"}}]}}"#
            );
            let _ = conn.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    let client = Client::builder()
        .api_key(KEY)
        .base_url(&url)
        .timeout(TIMEOUT)
        .max_retries(2)
        .sleeper(Arc::new(|_| {}))
        .build()
        .expect("client");
    let (result, info) = client.generate_with_info(&request());
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(info.attempts, 3);
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[test]
fn unsafe_client_settings_are_refused_with_the_field() {
    let refused = |builder: gemini_image::ClientBuilder, field: &str| {
        let err = builder.api_key(KEY).build().unwrap_err();
        assert_eq!(err.field(), Some(field), "{err}");
        assert!(!format!("{err} {err:?}").contains(KEY));
        assert!(!format!("{err}").contains("s3cr3t"), "{err}");
        err
    };
    refused(Client::builder().timeout(Duration::ZERO), "timeout");
    refused(
        Client::builder().connect_timeout(Duration::ZERO),
        "connect_timeout",
    );
    refused(
        Client::builder().base_url("https://bob:s3cr3t@api.example.com/gemini"),
        "base_url",
    );
    let err = refused(
        Client::builder().base_url("http://api.example.com/gemini"),
        "base_url",
    );
    assert!(err.to_string().contains("allow_insecure_http"), "{err}");
    // Allowed when asked, and loopback never needs it.
    for builder in [
        Client::builder()
            .base_url("http://api.example.com/gemini")
            .allow_insecure_http(true),
        Client::builder().base_url("http://127.0.0.1:9/gemini"),
        Client::builder().base_url("http://localhost:9"),
    ] {
        builder.api_key(KEY).build().expect("accepted");
    }
}

#[test]
fn proxy_credentials_never_appear_in_errors() {
    // A proxy that refuses every connection: the error must not quote its credentials.
    let (proxy, _) = raw_server(2, |_, mut conn| {
        let _ = conn
            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n");
    });
    let proxy = proxy.replace("http://", "http://bob:s3cr3t@");
    let client = Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9/gemini")
        .proxy(&proxy)
        .timeout(TIMEOUT)
        .max_retries(0)
        .build()
        .expect("client");
    let err = client.generate(&request()).unwrap_err();
    let shown = format!("{err} | {err:?} | {client:?}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    assert!(!shown.contains(KEY), "{shown}");
}
