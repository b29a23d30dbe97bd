//! An offline, Gemini-compatible image generation server for tests, demos and CI.
//!
//! The emulator speaks the same HTTP routes as Google's Gemini API and the AI Thực Chiến
//! gateway, answers with real PNG/JPEG images at each model's real pixel sizes, and fails
//! on demand (rate limits, overload, timeouts, dropped connections, safety blocks…), so an
//! application can be tested end to end without a key, a network or a bill.
//!
//! ```
//! use gemini_image_emulator::{Emulator, EmulatorConfig};
//!
//! let emu = Emulator::start(EmulatorConfig::default())?;
//! // Point any Gemini client at it: base URL `emu.gateway_url()` (or `emu.url()`).
//! let url = format!(
//!     "{}/v1beta/models/gemini-2.5-flash-image:generateContent",
//!     emu.gateway_url()
//! );
//! let response = ureq::post(&url)
//!     .header("x-goog-api-key", "any-key")
//!     .send(r#"{"contents":[{"parts":[{"text":"a lighthouse at dusk"}]}]}"#)?;
//! assert_eq!(response.status(), 200);
//! assert_eq!(emu.request_count(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # In scope
//!
//! - Routes `POST /{v1,v1beta,v1alpha}/models/{model}:generateContent`,
//!   `:streamGenerateContent` (`?alt=sse` gives server-sent events; without it, a JSON
//!   array like Google's) and `:countTokens`, `GET …/models` (the image models with their
//!   token limits, in Google's `Model` shape) and `GET …/models/{model}`; all also under
//!   `/gemini/…` (the gateway's passthrough). Anything else gets Google's 404 `Method not
//!   found.` body. Google's official SDKs work with only their base URL changed (see the
//!   README section "Use it with google-genai / @google/genai").
//! - The API key in `x-goog-api-key` or `?key=`; `Authorization: Bearer` alone does not
//!   count, as on the real gateway. By default any non-empty key is accepted
//!   ([`EmulatorConfig::api_key`] demands one). A missing key gets, under `/gemini`, the
//!   gateway's LiteLLM 401 (`{"error":{"message":"Authentication Error, No api key passed
//!   in.","type":"auth_error","param":"None","code":"401"}}`) and, on the bare route,
//!   Google's 403 `PERMISSION_DENIED`. A wrong key: LiteLLM 401 `token_not_found_in_db`
//!   under `/gemini`, Google's 400 `API_KEY_INVALID` otherwise.
//! - Never more lenient than Google: the raw JSON is first checked as Google's proto
//!   parser checks it (unknown field names → 400 `Invalid JSON payload received. Unknown
//!   name "bogusTop": Cannot find field.`; wrong types, enum values, base64), then with
//!   Google's own rules and wording (exact `imageSize` spelling, so a lowercase `"2k"` is
//!   rejected; ratios and sizes per model; input MIME types; input image counts), then
//!   with `gemini-image-core`'s validator (400 `INVALID_ARGUMENT` with a `BadRequest`
//!   field violation naming the field). Models without an `imageSize` option (2.5) ignore
//!   `imageSize` silently, whatever its value, as Google does.
//! - Known models (those `gemini_image_core::model::capabilities` knows); the gateway
//!   aliases (`nano-banana`, `nano-banana-pro`, …) only under `/gemini`, reporting the
//!   model they stand for as `modelVersion`. Others get Google's 404 "models/X is not
//!   found for API version v1beta…".
//! - Images: PNG for gemini-2.5 models, JPEG for gemini-3.x, at the model's pixel size for
//!   the requested `aspectRatio` and `imageSize` (defaults 1:1 and 1K; for an edit without a
//!   ratio, the accepted ratio closest to the input image's). Text-to-image pictures are
//!   deterministic per prompt (a gradient, shapes and the prompt's words as coloured blocks)
//!   and cached by prompt, model, ratio and size. Pictures are drawn in 8×8-pixel blocks,
//!   which keeps a 4K JPEG to a few milliseconds.
//! - Edits: when the last user turn carries an inline image (or, failing that, the history
//!   does, e.g. the previous result in a conversation), the answer is that image with its
//!   colours inverted, resized to the output size, inside a frame in a colour derived from
//!   the instruction. PNG and JPEG inputs are decoded; other formats edit into a picture
//!   derived from their bytes.
//! - Gemini 3 models answer with a thought text part and an interim thought image
//!   (`"thought": true`), then the final text and image carrying `thoughtSignature`s. Model
//!   turns sent back must carry a signature on their first non-thought part and on every
//!   non-thought image, else Google's 400 "Image part is missing a thought_signature in
//!   content position N, part position M." (1-based). Any non-empty signature passes,
//!   including the documented dummy `context_engineering_is_the_way_to_go`.
//! - 2.5 models answer `[{"text":"Here is your image: "},{"inlineData":…}]` without
//!   signatures. `responseModalities: ["IMAGE"]` drops the non-thought text part.
//! - `usageMetadata` (prompt/candidate/thought token counts after the reference tables;
//!   `candidatesTokenCount` is always the sum of `candidatesTokensDetails`), `modelVersion`,
//!   `responseId`, `finishReason: STOP`, `index: 0`, four `NEGLIGIBLE` `safetyRatings`.
//! - Streams: 3.x sends a thought-text chunk, a thought-image chunk, the final image chunk
//!   (signed) and a closing chunk `{"text":"", "thoughtSignature":…}` with `finishReason`
//!   and full usage; 2.5 sends the text chunk and an image chunk with `finishReason` and
//!   usage. Events are `data: <json>\r\n\r\n`. Google's routes carry no SSE comments;
//!   under `/gemini` one `: keep-alive` comment sits between the interim and the final
//!   chunks by default, as the gateway's keep-alive pings do
//!   ([`EmulatorConfig::gateway_keepalive`], header `x-emulator-keepalive: on|off`).
//! - Counters ([`Emulator::request_count`], [`Emulator::prompt_count`]) and the last
//!   requests as received ([`Emulator::recorded_requests`]), so tests can count retries and
//!   inspect what a client sent.
//!
//! # Faults on demand
//!
//! Put `[[fault:NAME]]` in the prompt (or send header `x-emulator-fault: NAME`) to fail
//! every time; `[[fault:NAME:N]]` (`x-emulator-fault: NAME:N`) fails only the first N
//! requests with that exact prompt text (the last user turn's text, tokens included) and
//! then succeeds, for retry tests. The header takes a comma-separated list. Tokens are
//! removed from the prompt before drawing. Disabled by [`EmulatorConfig::faults_enabled`].
//!
//! | name | what the client gets |
//! |---|---|
//! | `rate_limit` | 429 `RESOURCE_EXHAUSTED`, `QuotaFailure` + `RetryInfo {retryDelay: "1s"}`, "…Please retry in 1s." |
//! | `credits` | 429 `RESOURCE_EXHAUSTED` "Your prepayment credits are depleted…" (no details) |
//! | `budget` | gateway 429 `{"error":{"message":"Budget has been exceeded! Current cost: 50.01, Max budget: 50.0","type":"budget_exceeded","param":null,"code":"429"}}` |
//! | `overloaded` | 503 `UNAVAILABLE` "The model is overloaded. Please try again later." |
//! | `deadline` | 504 `DEADLINE_EXCEEDED` |
//! | `internal` | 500 `INTERNAL` |
//! | `html_502` | 502 with an HTML page, `content-type: text/html` |
//! | `slow` | nothing for the delay, then the normal answer (combines with the others) |
//! | `slow_body` | status and headers at once; the body stalls for the delay half-way (streams: after the first event, with `: keep-alive` comments every 250 ms where comments are on, i.e. under `/gemini` by default) |
//! | `drop` | status, headers and part of the body (streams: the first event), then the connection is cut |
//! | `image_safety` | 200, `finishReason: IMAGE_SAFETY` with its `finishMessage`, content `{}` |
//! | `prohibited` | 200, `finishReason: IMAGE_PROHIBITED_CONTENT` with a `finishMessage` |
//! | `no_image` | 200, `finishReason: NO_IMAGE`, content `{}` |
//! | `blocked` | 200, no candidates, `promptFeedback.blockReason: PROHIBITED_CONTENT` |
//! | `refusal` | 200, `finishReason: STOP` with only the text "I can't create images of that." |
//! | `stream_error` | streams: 200, one event, then `data: {"error":{"code":503,…}}` and a blank line (both official SDKs raise a 503); non-stream: as `overloaded` |
//! | `stream_error_raw` | streams: 200, one event, then a raw `{"error":{"code":503,…}}` line without `data:`; non-stream: as `overloaded` |
//! | `keepalive` | streams: a `: keep-alive` comment between the interim and final chunks (combines with the others) |
//!
//! The delay of `slow`/`slow_body` is `[[delay:MS]]` or header `x-emulator-delay-ms`
//! (default 3000 ms). Large images: `[[bytes:N]]` or header `x-emulator-image-bytes: N`
//! (`N` in bytes, or with a `k`/`m` suffix) makes the final image about N bytes — JPEG
//! padded with COM segments, PNG with a private ancillary chunk — still a valid image of
//! the same pixel size (never smaller than the unpadded image). Results are cached, so
//! repeated large requests are cheap.
//!
//! Request bodies up to [`EmulatorConfig::max_body_bytes`] (200 MiB) are accepted; larger
//! ones get a plain 413 (often seen by the client as a broken pipe, since the server
//! answers before reading the body).
//!
//! # Out of scope
//!
//! - Real image generation or understanding: pictures only depend on the prompt text
//!   (and, for edits, the input picture).
//! - Other endpoints (Files API, batches, caches, embeddings, OpenAI-style routes),
//!   grounding, function calling, multiple candidates.
//! - Checking signatures cryptographically or binding them to a model or content.
//! - TLS and HTTP/2: plain HTTP/1.1 on loopback (or any address you bind).
//! - Rate limiting of its own: 429s come only from faults.

mod catalog;
mod faults;
mod imaging;
mod server;
mod strict;
mod wire;

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

pub use faults::Fault;
pub use server::RecordedRequest;

use server::Shared;

/// The dummy thought signature Google documents for hand-made history; always accepted.
pub const DUMMY_THOUGHT_SIGNATURE: &str = server::DUMMY_SIGNATURE;

/// How an [`Emulator`] behaves.
#[derive(Clone)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// Address to bind; default `127.0.0.1:0` (a free port).
    pub addr: SocketAddr,
    /// The only key accepted; `None` (default) accepts any non-empty key.
    pub api_key: Option<String>,
    /// Added before every answer to a generate request; default zero.
    pub latency: Duration,
    /// Whether `[[fault:…]]`, `[[delay:…]]` and the `x-emulator-fault` /
    /// `x-emulator-delay-ms` headers are honoured; default `true`. When off, tokens are
    /// plain prompt text.
    pub faults_enabled: bool,
    /// Largest request body accepted; default 200 MiB.
    pub max_body_bytes: usize,
    /// Memory for cached images (base64), default 512 MiB; the oldest go first.
    pub cache_bytes: usize,
    /// Tokio worker threads; default 2.
    pub worker_threads: usize,
    /// Whether streams under `/gemini` carry a `: keep-alive` SSE comment, as the
    /// gateway's keep-alive pings do; default `true`. Google's own routes never do
    /// (unless `[[fault:keepalive]]` or `x-emulator-keepalive: on` asks).
    pub gateway_keepalive: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            api_key: None,
            latency: Duration::ZERO,
            faults_enabled: true,
            max_body_bytes: 200 * 1024 * 1024,
            cache_bytes: 512 * 1024 * 1024,
            worker_threads: 2,
            gateway_keepalive: true,
        }
    }
}

impl EmulatorConfig {
    /// Binds this address (e.g. `127.0.0.1:8080`).
    pub fn with_addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Binds `127.0.0.1:port`.
    pub fn with_port(mut self, port: u16) -> Self {
        self.addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
        self
    }

    /// Accepts only this key.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Waits this long before every answer.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Turns fault injection on or off.
    pub fn with_faults(mut self, enabled: bool) -> Self {
        self.faults_enabled = enabled;
        self
    }

    /// Sets the request body limit.
    pub fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Whether streams under `/gemini` carry a `: keep-alive` comment (default `true`).
    pub fn with_gateway_keepalive(mut self, enabled: bool) -> Self {
        self.gateway_keepalive = enabled;
        self
    }
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("addr", &self.addr)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("latency", &self.latency)
            .field("faults_enabled", &self.faults_enabled)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("cache_bytes", &self.cache_bytes)
            .field("worker_threads", &self.worker_threads)
            .field("gateway_keepalive", &self.gateway_keepalive)
            .finish()
    }
}

/// A running emulator. It serves from its own Tokio runtime on background threads, so
/// blocking code and tests can use it directly; dropping it (or [`Emulator::shutdown`])
/// stops it and cuts open connections.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("url", &self.url())
            .field("requests", &self.request_count())
            .finish()
    }
}

fn bind(config: &EmulatorConfig) -> io::Result<(std::net::TcpListener, tokio::runtime::Runtime)> {
    let listener = std::net::TcpListener::bind(config.addr)?;
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.worker_threads.max(1))
        .thread_name("gemini-image-emulator")
        .enable_all()
        .build()?;
    Ok((listener, runtime))
}

fn display_addr(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

impl Emulator {
    /// Binds `config.addr` and starts serving in the background.
    pub fn start(config: EmulatorConfig) -> io::Result<Emulator> {
        let (listener, runtime) = bind(&config)?;
        let addr = display_addr(listener.local_addr()?);
        let shared = Arc::new(Shared::new(config));
        let app = server::router(Arc::clone(&shared));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let thread = std::thread::Builder::new()
            .name("gemini-image-emulator-main".into())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::select! {
                        _ = axum::serve(listener, app) => {}
                        _ = stop_rx => {}
                    }
                });
                runtime.shutdown_timeout(Duration::from_millis(500));
            })?;
        Ok(Emulator {
            addr,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: Google's base URL shape (clients append `/v1beta/…`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/gemini`: the gateway's base URL shape.
    pub fn gateway_url(&self) -> String {
        format!("http://{}/gemini", self.addr)
    }

    /// Requests received on the model routes (every status, faults included).
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// How many valid generate requests carried exactly this prompt (the last user turn's
    /// text parts joined with `\n`, fault tokens included).
    pub fn prompt_count(&self, prompt: &str) -> u64 {
        self.shared
            .prompts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(prompt)
            .copied()
            .unwrap_or(0)
    }

    /// The most recent requests (up to 32), oldest first.
    pub fn recorded_requests(&self) -> Vec<RecordedRequest> {
        server_recorded(&self.shared)
    }

    /// The most recent request.
    pub fn last_request(&self) -> Option<RecordedRequest> {
        server_recorded(&self.shared).pop()
    }

    /// Zeroes the counters and forgets recorded requests (so `[[fault:X:N]]` fires again).
    pub fn reset(&self) {
        self.shared.requests.store(0, Ordering::Relaxed);
        lock_clear(&self.shared);
    }

    /// Stops serving and waits for the server thread.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn server_recorded(s: &Shared) -> Vec<RecordedRequest> {
    s.recorded
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .cloned()
        .collect()
}

fn lock_clear(s: &Shared) {
    s.prompts
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clear();
    s.recorded
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clear();
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Serves on `addr` until the process ends, printing the URLs first (for the CLI's
/// `gemini-image emulator --port P`).
pub fn run_forever(addr: SocketAddr) -> io::Result<()> {
    run_forever_with(EmulatorConfig::default().with_addr(addr))
}

/// What `run_forever` prints first: the URLs, then the exact settings for Google's
/// official SDKs. The first line is `gemini-image emulator listening on http://ADDR`.
fn banner(addr: SocketAddr, config: &EmulatorConfig) -> String {
    let key = if config.api_key.is_some() {
        "<the key the emulator was started with>"
    } else {
        "any-non-empty-key"
    };
    let keepalive = if config.gateway_keepalive {
        "; its streams carry ': keep-alive' comments like the gateway's"
    } else {
        ""
    };
    format!(
        "gemini-image emulator listening on http://{addr}
  gateway base URL: http://{addr}/gemini
  Google base URL:  http://{addr}

Use it with google-genai / @google/genai (all other settings at their defaults):
  Python: client = genai.Client(api_key=\"{key}\", http_options={{\"base_url\": \"http://{addr}\"}})
  Node:   const ai = new GoogleGenAI({{ apiKey: \"{key}\", httpOptions: {{ baseUrl: \"http://{addr}\" }} }});
  or env: GOOGLE_GEMINI_BASE_URL=http://{addr} GEMINI_API_KEY={key}
  As the AI Thuc Chien gateway: base URL http://{addr}/gemini (aliases such as nano-banana-pro{keepalive})
"
    )
}

/// [`run_forever`] with a full configuration.
pub fn run_forever_with(config: EmulatorConfig) -> io::Result<()> {
    let (listener, runtime) = bind(&config)?;
    let addr = display_addr(listener.local_addr()?);
    let text = banner(addr, &config);
    let shared = Arc::new(Shared::new(config));
    let app = server::router(shared);
    {
        use std::io::Write;
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
    }
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        axum::serve(listener, app).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_gives_the_sdk_settings_and_never_the_key() {
        let addr = SocketAddr::from(([127, 0, 0, 1], 8080));
        let text = banner(addr, &EmulatorConfig::default());
        assert!(text.starts_with("gemini-image emulator listening on http://127.0.0.1:8080\n"));
        assert!(text.contains(
            r#"genai.Client(api_key="any-non-empty-key", http_options={"base_url": "http://127.0.0.1:8080"})"#
        ));
        assert!(text.contains(r#"httpOptions: { baseUrl: "http://127.0.0.1:8080" }"#));
        let keyed = banner(addr, &EmulatorConfig::default().with_api_key("s3cret-key"));
        assert!(!keyed.contains("s3cret-key"));
    }
}
