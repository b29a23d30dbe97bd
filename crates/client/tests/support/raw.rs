//! Scripted servers that write raw bytes: for what a well-behaved HTTP server never sends
//! (cut headers, lying `Content-Length`, stalls).

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Reads one request (head and content-length body) off a connection.
pub fn read_request(conn: &TcpStream) {
    let mut reader = BufReader::new(conn);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length];
    let _ = reader.read_exact(&mut body);
}

/// A server whose connection number `n` (0-based) is handled by `handler(n, conn)`; it
/// stops accepting after `max` connections.
pub fn raw_server(
    max: usize,
    handler: impl Fn(usize, TcpStream) + Send + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for n in 0..max {
            let Ok((conn, _)) = listener.accept() else {
                return;
            };
            let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
            seen.fetch_add(1, Ordering::SeqCst);
            read_request(&conn);
            handler(n, conn);
        }
    });
    (url, count)
}
