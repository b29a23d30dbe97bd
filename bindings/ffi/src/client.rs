//! [`GeminiImageClient`] and the objects it hands out ([`ImageStream`], [`Conversation`]).
//! Every method here BLOCKS the calling thread (HTTP with retries): call them from a
//! worker thread. The hand-written Kotlin and Swift layers do (`suspend` / `async`).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use gemini_image::{CallOptions, Client, ClientBuilder, GenerateRequest};

use crate::error::GeminiImageError;
use crate::types::{
    GenerationResult, ImageOptions, ImageRequest, InputImage, StreamEvent, Turn, user_parts,
};

/// How to build a client. Only `api_key` is required.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct ClientConfig {
    /// The API key (AI Thực Chiến gateway or Google AI Studio).
    pub api_key: String,
    /// The base URL (default the gateway, `https://api.thucchien.ai/gemini`; Google's is
    /// `https://generativelanguage.googleapis.com`; the emulator's for tests).
    #[uniffi(default)]
    pub base_url: Option<String>,
    /// The default model (default `gemini-3.1-flash-image`).
    #[uniffi(default)]
    pub model: Option<String>,
    /// The time limit of one attempt, in seconds (default 180).
    #[uniffi(default)]
    pub timeout_seconds: Option<f64>,
    /// Retries after the first attempt (default 2; 0 never retries).
    #[uniffi(default)]
    pub max_retries: Option<i32>,
    /// The cap on the images (and other inline data) one request carries, in bytes,
    /// checked before sending (default 100 MB).
    #[uniffi(default)]
    pub max_inline_bytes: Option<i64>,
    /// The largest response body accepted, in bytes (default 256 MiB; more is a
    /// `response_too_large` error).
    #[uniffi(default)]
    pub max_response_bytes: Option<i64>,
    /// Allow a plain `http://` base URL to a host other than this machine (default false:
    /// the key would cross the network unencrypted). Loopback never needs it.
    #[uniffi(default = false)]
    pub allow_insecure_http: bool,
    /// For tests only: retry at once (no waiting, no jitter). The delays the policy chose
    /// are still reported in `GenerationResult.retryDelaysMs`.
    #[uniffi(default = false)]
    pub test_skip_retry_waits: bool,
}

impl std::fmt::Display for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("api_key", &"***")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("timeout_seconds", &self.timeout_seconds)
            .field("max_retries", &self.max_retries)
            .field("max_inline_bytes", &self.max_inline_bytes)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("test_skip_retry_waits", &self.test_skip_retry_waits)
            .finish()
    }
}

/// A byte limit: 0 or more.
fn byte_count(field: &str, limit: i64) -> Result<u64, GeminiImageError> {
    u64::try_from(limit).map_err(|_| {
        GeminiImageError::simple(
            "invalid_request",
            Some(field),
            format!("must be 0 or more, got {limit}"),
        )
    })
}

/// Seconds as a timeout: finite, positive and at most a year.
fn timeout_from_seconds(seconds: f64) -> Result<Duration, GeminiImageError> {
    let duration = gemini_image::seconds_to_duration("timeout_seconds", seconds)
        .map_err(|err| GeminiImageError::from_core(err, None))?;
    if duration.is_zero() {
        return Err(GeminiImageError::simple(
            "invalid_request",
            Some("timeout_seconds"),
            "must be more than 0 seconds (image calls take 8-35 s; the default is 180)",
        ));
    }
    Ok(duration)
}

/// Cancels calls from another thread: pass it to a `*Blocking` call, then `cancel()`. The
/// call stops before its next attempt or during a retry wait (kind `cancelled`); a stream
/// stops between two reads. The Kotlin and Swift layers use one per call, cancelled when
/// the coroutine or task is.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancelToken {
    token: gemini_image::CancelToken,
}

#[uniffi::export]
impl CancelToken {
    /// A token not cancelled yet.
    #[uniffi::constructor]
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Cancels every call this token was given (idempotent, any thread).
    pub fn cancel(&self) {
        self.token.cancel();
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// A retry about to happen (before the wait), as told to a [`RetryListener`].
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct RetryNotice {
    /// The attempt that will be made after the wait (2 for the first retry).
    pub attempt: i32,
    /// The most attempts allowed.
    pub max_attempts: i32,
    /// How long the client waits first, in milliseconds.
    pub delay_ms: i64,
    /// The kind of the failure being retried (`rate_limited`, `server`, …).
    pub kind: String,
    /// Its HTTP status, if it came from a response.
    pub http_status: Option<i32>,
    /// One line for a status bar: `rate limited (429), retrying in 7 s (attempt 2 of 3)`.
    pub summary: String,
}

/// Told about every retry of a client's calls (for a "retrying in 7 s" message). Called on
/// the thread running the call, before the wait; it must return quickly and not throw.
#[uniffi::export(with_foreign)]
pub trait RetryListener: Send + Sync {
    /// A retry is about to happen.
    fn on_retry(&self, notice: RetryNotice);
}

impl From<&gemini_image::RetryEvent> for RetryNotice {
    fn from(event: &gemini_image::RetryEvent) -> Self {
        RetryNotice {
            attempt: i32::try_from(event.attempt).unwrap_or(i32::MAX),
            max_attempts: i32::try_from(event.max_attempts).unwrap_or(i32::MAX),
            delay_ms: i64::try_from(event.delay.as_millis()).unwrap_or(i64::MAX),
            kind: event.error_kind.as_str().to_string(),
            http_status: event.http_status.map(i32::from),
            summary: event.to_string(),
        }
    }
}

impl ClientConfig {
    /// The builder for this config, on top of `base` (empty, or preset from the environment).
    fn builder(&self, base: ClientBuilder) -> Result<ClientBuilder, GeminiImageError> {
        let mut builder = base.api_key(self.api_key.clone());
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url.clone());
        }
        if let Some(model) = &self.model {
            builder = builder.default_model(model.clone());
        }
        if let Some(seconds) = self.timeout_seconds {
            builder = builder.timeout(timeout_from_seconds(seconds)?);
        }
        if let Some(retries) = self.max_retries {
            let retries = u32::try_from(retries).map_err(|_| {
                GeminiImageError::simple(
                    "invalid_request",
                    Some("max_retries"),
                    format!("must be 0 or more, got {retries}"),
                )
            })?;
            builder = builder.max_retries(retries);
        }
        if let Some(limit) = self.max_inline_bytes {
            builder = builder.max_inline_bytes(byte_count("max_inline_bytes", limit)?);
        }
        if let Some(limit) = self.max_response_bytes {
            builder = builder.max_response_bytes(byte_count("max_response_bytes", limit)?);
        }
        builder = builder.allow_insecure_http(self.allow_insecure_http);
        if self.test_skip_retry_waits {
            builder = builder.sleeper(Arc::new(|_| {})).jitter(Arc::new(|| 0.0));
        }
        Ok(builder)
    }
}

/// A Gemini image client: one connection pool, the key, the endpoint, timeouts and
/// retries. Thread-safe: share one instance. The key never appears in an error or in
/// `toString`.
///
/// Every `*Blocking` method blocks the calling thread until the call is done (image calls
/// take 8–35 s, retries included); call them off the main thread. The Kotlin and Swift
/// layers add `suspend` / `async` versions.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct GeminiImageClient {
    client: Client,
    on_retry: Option<gemini_image::RetryObserver>,
}

impl std::fmt::Debug for GeminiImageClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeminiImageClient")
            .field("base_url", &self.client.endpoint().base_url())
            .field("model", &self.client.default_model())
            .finish_non_exhaustive()
    }
}

/// Locks a mutex, recovering the data if a previous holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl GeminiImageClient {
    /// The per-call controls: the client's retry listener and an optional token.
    fn call_options(&self, cancel: Option<Arc<CancelToken>>) -> CallOptions {
        let mut options = CallOptions::new();
        if let Some(observer) = &self.on_retry {
            options = options.with_on_retry(Arc::clone(observer));
        }
        match cancel {
            Some(token) => options.with_cancel(token.token.clone()),
            None => options,
        }
    }

    fn map_err(&self, err: gemini_image::Error) -> GeminiImageError {
        // The client already scrubs its key from every error it returns.
        GeminiImageError::from_core(err, None)
    }

    fn request(&self, request: ImageRequest) -> Result<GenerateRequest, GeminiImageError> {
        request.into_core(self.client.default_model())
    }

    fn run(
        &self,
        request: &GenerateRequest,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<GenerationResult, GeminiImageError> {
        let (result, info) = self
            .client
            .generate_info_with(request, &self.call_options(cancel));
        result
            .map(|response| GenerationResult::from_response(response, Some(&info)))
            .map_err(|err| self.map_err(err))
    }
}

#[uniffi::export]
impl GeminiImageClient {
    /// A client from a config record. Fails with `invalid_request` naming the field
    /// (`api_key`, `base_url`, `timeout_seconds`, `max_retries`, …).
    #[uniffi::constructor]
    pub fn new(config: ClientConfig) -> Result<Arc<Self>, GeminiImageError> {
        let secret = config.api_key.clone();
        let client = config
            .builder(ClientBuilder::new())?
            .build()
            .map_err(|err| GeminiImageError::from_core(err, Some(&secret)))?;
        Ok(Arc::new(GeminiImageClient {
            client,
            on_retry: None,
        }))
    }

    /// A client from the environment: the key from `THUCCHIEN_API_KEY` (else
    /// `GEMINI_API_KEY`), the base URL from `GEMINI_IMAGE_BASE_URL`, the model from
    /// `GEMINI_IMAGE_MODEL`. Fails with `invalid_request` on field `api_key` when no key
    /// is set.
    #[uniffi::constructor]
    pub fn from_env() -> Result<Arc<Self>, GeminiImageError> {
        let client = Client::from_env().map_err(|err| GeminiImageError::from_core(err, None))?;
        Ok(Arc::new(GeminiImageClient {
            client,
            on_retry: None,
        }))
    }

    /// This client (same connections and settings) telling `listener` about every retry
    /// of its calls, conversations included.
    pub fn with_retry_listener(&self, listener: Arc<dyn RetryListener>) -> Arc<Self> {
        let observer: gemini_image::RetryObserver =
            Arc::new(move |event: &gemini_image::RetryEvent| listener.on_retry(event.into()));
        Arc::new(GeminiImageClient {
            client: self.client.clone(),
            on_retry: Some(observer),
        })
    }

    /// The model used when a request names none.
    pub fn model(&self) -> String {
        self.client.default_model().to_string()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> String {
        self.client.endpoint().base_url().to_string()
    }

    /// Generates an image (BLOCKS). A response without a final image is the `no_image`
    /// error, carrying the response. With `cancel`, another thread can stop the call.
    #[uniffi::method(default(cancel = None))]
    pub fn generate_blocking(
        &self,
        request: ImageRequest,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<GenerationResult, GeminiImageError> {
        let request = self.request(request)?;
        self.run(&request, cancel)
    }

    /// Edits `images` with an instruction (BLOCKS): the prompt goes first, then the images.
    #[uniffi::method(default(options = None, cancel = None))]
    pub fn edit_blocking(
        &self,
        images: Vec<InputImage>,
        prompt: String,
        options: Option<ImageOptions>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<GenerationResult, GeminiImageError> {
        let request = self.request(ImageRequest {
            prompt,
            images,
            options: options.unwrap_or_default(),
        })?;
        self.run(&request, cancel)
    }

    /// Opens a streaming generation (BLOCKS until the first body bytes arrived; attempts
    /// that fail before that are retried). Pull the events with [`ImageStream::next`].
    #[uniffi::method(default(cancel = None))]
    pub fn stream_blocking(
        &self,
        request: ImageRequest,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<Arc<ImageStream>, GeminiImageError> {
        let request = self.request(request)?;
        let (result, info) = self
            .client
            .stream_info_with(&request, &self.call_options(cancel));
        let stream = result.map_err(|err| self.map_err(err))?;
        Ok(Arc::new(ImageStream {
            cancel: stream.cancel_token(),
            attempts: i32::try_from(info.attempts).unwrap_or(i32::MAX),
            state: Mutex::new(StreamState::Open(Box::new(stream), info)),
        }))
    }

    /// A new multi-turn conversation; `options` apply to every turn (its model, else the
    /// client's, is the conversation's for good).
    #[uniffi::method(default(options = None))]
    pub fn conversation(
        &self,
        options: Option<ImageOptions>,
    ) -> Result<Arc<Conversation>, GeminiImageError> {
        let options = options.unwrap_or_default().to_request_options()?;
        Ok(Arc::new(Conversation {
            chat: Mutex::new(self.client.chat(options)),
            on_retry: self.on_retry.clone(),
        }))
    }

    /// Continues a conversation saved with [`Conversation::to_json`] (the document every
    /// gemini-image front door and the CLI's sessions read). A document that is not one
    /// fails with `invalid_request`.
    pub fn restore_conversation(
        &self,
        json: String,
    ) -> Result<Arc<Conversation>, GeminiImageError> {
        let chat = self
            .client
            .restore_chat(json.as_bytes(), None)
            .map_err(|err| self.map_err(err))?;
        Ok(Arc::new(Conversation {
            chat: Mutex::new(chat),
            on_retry: self.on_retry.clone(),
        }))
    }
}

enum StreamState {
    Open(Box<gemini_image::ImageStream>, gemini_image::CallInfo),
    Ended,
}

/// The events of a streaming generation, pulled one at a time with [`ImageStream::next`]
/// (BLOCKS until the next event is in). The last event is `Done` with the merged result;
/// then `next` returns `null`. A stream without a final image fails with `no_image` at its
/// end (only then: every event before it was delivered).
#[derive(uniffi::Object)]
pub struct ImageStream {
    state: Mutex<StreamState>,
    cancel: gemini_image::CancelToken,
    attempts: i32,
}

#[uniffi::export]
impl ImageStream {
    /// The next event (BLOCKS), `Done` last, then `null`. Throws the stream's error (an
    /// error event, a broken connection, or `no_image` at the end), after which it is over.
    pub fn next(&self) -> Result<Option<StreamEvent>, GeminiImageError> {
        let mut state = lock(&self.state);
        loop {
            let StreamState::Open(stream, _) = &mut *state else {
                return Ok(None);
            };
            match stream.next() {
                Some(Ok(event)) => {
                    if let Some(event) = StreamEvent::from_core(event) {
                        return Ok(Some(event));
                    }
                }
                Some(Err(err)) => {
                    *state = StreamState::Ended;
                    return Err(GeminiImageError::from_core(err, None));
                }
                None => break,
            }
        }
        let StreamState::Open(stream, info) = std::mem::replace(&mut *state, StreamState::Ended)
        else {
            return Ok(None);
        };
        stream
            .finish()
            .map(|response| {
                Some(StreamEvent::Done {
                    result: GenerationResult::from_response(response, Some(&info)),
                })
            })
            .map_err(|err| GeminiImageError::from_core(err, None))
    }

    /// Stops the stream: the next call to `next` (or the one in progress, once its read
    /// returns) fails with `cancelled` and the connection is dropped. Safe from any thread.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// HTTP attempts made to open the stream.
    pub fn attempts(&self) -> i32 {
        self.attempts
    }
}

/// A multi-turn image conversation: each turn sends the whole history (thought signatures
/// intact) and records the answer. A failed turn leaves the history unchanged.
#[derive(uniffi::Object)]
pub struct Conversation {
    chat: Mutex<gemini_image::Chat>,
    on_retry: Option<gemini_image::RetryObserver>,
}

#[uniffi::export]
impl Conversation {
    /// Sends a turn (BLOCKS): the prompt, then `images`, with `options` for this turn only
    /// (over the conversation's; the model cannot change). The answer must carry an image
    /// (else `no_image`, and the turn is not recorded).
    #[uniffi::method(default(images = [], options = None, cancel = None))]
    pub fn send_blocking(
        &self,
        prompt: String,
        images: Vec<InputImage>,
        options: Option<ImageOptions>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<GenerationResult, GeminiImageError> {
        let overrides = options.unwrap_or_default().to_request_options()?;
        let mut chat = lock(&self.chat);
        let mut call = CallOptions::new();
        if let Some(observer) = &self.on_retry {
            call = call.with_on_retry(Arc::clone(observer));
        }
        if let Some(token) = cancel {
            call = call.with_cancel(token.token.clone());
        }
        let result = chat.send_with(user_parts(prompt, images), &overrides, &call);
        let info = chat.last_call_info().cloned();
        result
            .map(|response| GenerationResult::from_response(response, info.as_ref()))
            .map_err(|err| GeminiImageError::from_core(err, None))
    }

    /// The committed turns (user and model, alternating).
    pub fn history(&self) -> Vec<Turn> {
        lock(&self.chat).history().iter().map(Turn::from).collect()
    }

    /// The model this conversation talks to.
    pub fn model(&self) -> String {
        lock(&self.chat).model().to_string()
    }

    /// Completed exchanges (a prompt and its answer count as one).
    pub fn turn_count(&self) -> i32 {
        i32::try_from(lock(&self.chat).turn_count()).unwrap_or(i32::MAX)
    }

    /// The conversation as one versioned JSON document (model, options, history with
    /// images as base64 and thought signatures kept), for
    /// `GeminiImageClient.restoreConversation`.
    pub fn to_json(&self) -> String {
        lock(&self.chat).to_json()
    }
}
