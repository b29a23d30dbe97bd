//! A tiny HTTP/1.1 server on 127.0.0.1:0 made from `std::net::TcpListener`: it serves
//! canned responses in order (one per request, keep-alive supported) and records every
//! request it receives.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A canned response: status, headers, body bytes.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A request as received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as on the request line.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    queue: VecDeque<Canned>,
    recorded: Vec<Recorded>,
    /// Requests that arrived when no canned response was left.
    overflow: usize,
    /// Connections accepted.
    connections: usize,
    /// Requests being answered right now, and the most at once.
    in_flight: usize,
    max_in_flight: usize,
    /// Served instead of the queue, for every request, when set.
    fixed: Option<Canned>,
    /// Wait before answering.
    delay: Duration,
}

pub struct Loopback {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Loopback {
    pub fn start(responses: Vec<Canned>) -> Loopback {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State {
            queue: responses.into(),
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    state.lock().unwrap().connections += 1;
                    let state = Arc::clone(&state);
                    std::thread::spawn(move || serve_connection(conn, &state));
                }
            })
        };
        Loopback {
            addr,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Adds responses to the queue.
    pub fn push(&self, responses: Vec<Canned>) {
        self.state.lock().unwrap().queue.extend(responses);
    }

    /// Takes the requests recorded so far.
    pub fn take_requests(&self) -> Vec<Recorded> {
        std::mem::take(&mut self.state.lock().unwrap().recorded)
    }

    /// Requests that found no canned response.
    pub fn overflow(&self) -> usize {
        self.state.lock().unwrap().overflow
    }

    /// Canned responses not served.
    pub fn unserved(&self) -> usize {
        self.state.lock().unwrap().queue.len()
    }

    /// Answers every request with `response` after `delay` (instead of the queue).
    pub fn serve_always(&self, response: Canned, delay: Duration) {
        let mut state = self.state.lock().unwrap();
        state.fixed = Some(response);
        state.delay = delay;
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    /// The most requests answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().unwrap().max_in_flight
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve_connection(conn: TcpStream, state: &Mutex<State>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut writer = match conn.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(conn);
    loop {
        let Some(request) = read_request(&mut reader) else {
            return;
        };
        let (canned, delay) = {
            let mut state = state.lock().unwrap();
            state.recorded.push(request);
            state.in_flight += 1;
            state.max_in_flight = state.max_in_flight.max(state.in_flight);
            let delay = state.delay;
            let canned = match state.fixed.clone().or_else(|| state.queue.pop_front()) {
                Some(canned) => canned,
                None => {
                    state.overflow += 1;
                    Canned {
                        status: 599,
                        headers: vec![("content-type".into(), "text/plain".into())],
                        body: b"loopback: no canned response left".to_vec(),
                    }
                }
            };
            (canned, delay)
        };
        std::thread::sleep(delay);
        let written = write_response(&mut writer, &canned);
        state.lock().unwrap().in_flight -= 1;
        if written.is_err() {
            return;
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Recorded> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn write_response(writer: &mut TcpStream, canned: &Canned) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", canned.status, reason(canned.status));
    for (name, value) in &canned.headers {
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", canned.body.len()));
    writer.write_all(head.as_bytes())?;
    writer.write_all(&canned.body)?;
    writer.flush()
}
