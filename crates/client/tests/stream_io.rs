//! Byte-level transport behaviour against hand-written loopback servers: incremental
//! stream reading, the retry-only-before-the-first-byte rule, keep-alive and batch
//! concurrency.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers, not library code

mod support;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use gemini_image::{Client, ErrorKind, GenerateRequest, StreamEvent};
use support::loopback::{Canned, Loopback};
use support::raw::raw_server;

const PNG_B64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4IScHAAK2AQU0pnWqAAAAAElFTkSuQmCC";

fn thought_event() -> String {
    r#"data: {"candidates":[{"content":{"role":"model","parts":[{"text":"planning","thought":true}]},"index":0}]}"#
        .to_string()
        + "\r\n\r\n"
}

fn image_event() -> String {
    format!(
        r#"data: {{"candidates":[{{"content":{{"parts":[{{"inlineData":{{"mimeType":"image/png","data":"{PNG_B64}"}},"thoughtSignature":"c2ln"}}]}},"finishReason":"STOP","index":0}}]}}"#
    ) + "\r\n\r\n"
}

fn chunk(data: &str) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data.as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

const STREAM_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";

fn client(url: &str) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(url)
        .timeout(Duration::from_secs(30))
        .sleeper(Arc::new(|_| {}))
        .build()
        .expect("client")
}

fn request() -> GenerateRequest {
    GenerateRequest::text_to_image("gemini-3-pro-image-preview", "a cabin")
}

#[test]
fn events_arrive_before_the_body_ends() {
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = std::sync::Mutex::new(release_rx);
    let released = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&released);
    let (url, _) = raw_server(1, move |_, mut conn| {
        let _ = conn.write_all(STREAM_HEAD);
        let _ = conn.write_all(&chunk(&thought_event()));
        let _ = conn.flush();
        // Hold the rest back until the client has seen the first event (or 10 s pass, so
        // a buffering client fails the assertion below instead of hanging).
        let _ = release_rx
            .lock()
            .expect("lock")
            .recv_timeout(Duration::from_secs(10));
        flag.store(true, Ordering::SeqCst);
        let _ = conn.write_all(&chunk(&image_event()));
        let _ = conn.write_all(b"0\r\n\r\n");
        let _ = conn.flush();
    });
    let mut stream = client(&url).stream(&request()).expect("opens");
    let first = stream.next().expect("event").expect("ok");
    assert_eq!(first.kind(), "thought_text");
    assert!(
        !released.load(Ordering::SeqCst),
        "the first event must be yielded while the server still holds the rest"
    );
    release_tx.send(()).expect("release");
    let second = stream.next().expect("event").expect("ok");
    assert_eq!(second.kind(), "image");
    match stream.next() {
        Some(Ok(StreamEvent::Done(summary))) => {
            assert_eq!(summary.finish_reason.as_deref(), Some("STOP"));
            assert!(summary.images.is_empty(), "images came as their own events");
        }
        other => panic!("expected the done event, got {other:?}"),
    }
    assert!(stream.next().is_none());
    let merged = stream.finish().expect("merged");
    assert_eq!(merged.thought_signatures(), ["c2ln"]);
}

#[test]
fn a_cut_after_the_first_event_is_not_retried() {
    let (url, connections) = raw_server(3, |_, mut conn| {
        let _ = conn.write_all(STREAM_HEAD);
        let _ = conn.write_all(&chunk(&thought_event()));
        let _ = conn.flush();
        std::thread::sleep(Duration::from_millis(50));
        let _ = conn.shutdown(std::net::Shutdown::Both);
    });
    let mut stream = client(&url).stream(&request()).expect("opens");
    assert_eq!(stream.attempts(), 1);
    assert_eq!(
        stream.next().expect("event").expect("ok").kind(),
        "thought_text"
    );
    let err = stream.next().expect("error").expect_err("cut");
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(stream.next().is_none());
    assert_eq!(
        stream.finish().expect_err("same").kind(),
        ErrorKind::Network
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[test]
fn a_cut_before_the_first_byte_is_retried() {
    let (url, connections) = raw_server(3, |n, mut conn| {
        let _ = conn.write_all(STREAM_HEAD);
        if n == 0 {
            let _ = conn.flush();
            let _ = conn.shutdown(std::net::Shutdown::Both);
            return;
        }
        let _ = conn.write_all(&chunk(&thought_event()));
        let _ = conn.write_all(&chunk(&image_event()));
        let _ = conn.write_all(b"0\r\n\r\n");
        let _ = conn.flush();
    });
    let (result, info) = client(&url).stream_with_info(&request());
    let stream = result.expect("opens on the second attempt");
    assert_eq!(info.attempts, 2);
    assert_eq!(info.retry_delays.len(), 1);
    let kinds: Vec<&str> = stream.map(|e| e.expect("ok").kind()).collect();
    assert_eq!(kinds, ["thought_text", "image", "done"]);
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

fn ok_json() -> Canned {
    let body = format!(
        r#"{{"candidates":[{{"content":{{"role":"model","parts":[{{"inlineData":{{"mimeType":"image/png","data":"{PNG_B64}"}}}}]}},"finishReason":"STOP"}}]}}"#
    );
    Canned {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.into_bytes(),
    }
}

#[test]
fn sequential_calls_reuse_one_connection() {
    let server = Loopback::start(Vec::new());
    server.serve_always(ok_json(), Duration::ZERO);
    let client = client(&format!("{}/gemini", server.url()));
    for _ in 0..3 {
        client.text_to_image("a cup").expect("image");
    }
    // A clone shares the pool.
    client.clone().text_to_image("a cup").expect("image");
    assert_eq!(server.take_requests().len(), 4);
    assert_eq!(server.connections(), 1, "keep-alive");
}

#[test]
fn batch_concurrency_is_bounded() {
    let server = Loopback::start(Vec::new());
    server.serve_always(ok_json(), Duration::from_millis(100));
    let client = client(&server.url());
    let requests: Vec<GenerateRequest> = (0..8)
        .map(|i| client.request(format!("item {i}")))
        .collect();
    let results = client.batch(requests, 3);
    assert!(results.iter().all(Result::is_ok));
    let seen = server.take_requests();
    assert_eq!(seen.len(), 8);
    let max = server.max_in_flight();
    assert!((2..=3).contains(&max), "max in flight {max}");
    // Every prompt was sent exactly once.
    let mut prompts: Vec<String> = seen
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
            body["contents"][0]["parts"][0]["text"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    prompts.sort();
    assert_eq!(
        prompts,
        (0..8).map(|i| format!("item {i}")).collect::<Vec<_>>()
    );
}

#[test]
fn an_error_event_in_the_same_read_as_a_good_one_keeps_both() {
    let (url, connections) = raw_server(1, |_, mut conn| {
        // One write, one chunk: a good event and then an error object.
        let body = thought_event()
            + "{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}\n\n";
        let mut out = STREAM_HEAD.to_vec();
        out.extend(chunk(&body));
        out.extend_from_slice(b"0\r\n\r\n");
        let _ = conn.write_all(&out);
        let _ = conn.flush();
    });
    let mut stream = client(&url).stream(&request()).expect("opens");
    assert_eq!(
        stream.next().expect("event").expect("ok").kind(),
        "thought_text"
    );
    let err = stream.next().expect("error").expect_err("error event");
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.http_status(), Some(503));
    assert!(stream.next().is_none());
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}
