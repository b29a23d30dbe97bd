//! `NativeClient`, `NativeChat` and `NativeStream`: the Rust client driven from
//! JavaScript. Every call runs on its own OS thread (not libuv's 4-thread pool, so twenty
//! calls really overlap) and settles a promise through a napi deferred.

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use gemini_image::core::{RequestOptions, millis_to_duration};
use gemini_image::{
    CallOptions, CancelToken, Chat, Client, ClientBuilder, Error, GenerateRequest, ImageStream,
    StreamEvent,
};
use napi::bindgen_prelude::{Buffer, Env, Object, ToNapiValue};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{JsDeferred, Status};
use napi_derive::napi;
use serde_json::Value;

use crate::convert::{ImageInput, NativeImage, NativeResult, to_native, user_parts};
use crate::error::{internal, napi_result, to_napi};

/// How a deferred is settled: a closure run on the JS thread.
type Resolver<T> = Box<dyn FnOnce(Env) -> napi::Result<T> + Send>;
type Deferred<T> = JsDeferred<T, Resolver<T>>;

/// Runs `work` on a new OS thread and returns a promise settled with its outcome.
fn spawn_promise<'e, T, F>(env: &'e Env, name: &str, work: F) -> napi::Result<Object<'e>>
where
    T: ToNapiValue + Send + 'static,
    F: FnOnce() -> Result<T, Error> + Send + 'static,
{
    let (deferred, promise) = env.create_deferred::<T, Resolver<T>>()?;
    spawn_named(name, move || match work() {
        Ok(value) => deferred.resolve(Box::new(move |_| Ok(value))),
        Err(err) => deferred.reject(to_napi(&err)),
    })?;
    Ok(promise)
}

fn spawn_named(name: &str, work: impl FnOnce() + Send + 'static) -> napi::Result<()> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(work)
        .map(drop)
        .map_err(|err| internal(format!("cannot start a worker thread: {err}")))
}

/// A positive time in milliseconds (0 would silently disable a timeout: refused).
fn positive_millis(field: &str, ms: f64) -> Result<Duration, Error> {
    let duration = millis_to_duration(field, ms)?;
    if duration.is_zero() {
        return Err(Error::invalid(
            field,
            "must be more than 0 milliseconds (image calls take 8-35 s; the default is 180000)",
        ));
    }
    Ok(duration)
}

fn count(field: &str, value: f64) -> Result<u64, Error> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value < 9.0e15 {
        Ok(value as u64)
    } else {
        Err(Error::invalid(
            field,
            format!("must be a whole number >= 0, got {value}"),
        ))
    }
}

/// `new Client({...})` options; unset ones come from the environment and defaults, like
/// Rust's `ClientBuilder::from_env()`.
#[napi(object)]
pub struct ClientOptions {
    pub api_key: Option<String>,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub timeout_ms: Option<f64>,
    pub connect_timeout_ms: Option<f64>,
    pub max_retries: Option<f64>,
    pub max_response_bytes: Option<f64>,
    pub max_inline_bytes: Option<f64>,
    pub user_agent: Option<String>,
    pub proxy: Option<String>,
    /// Allow a plain-HTTP base URL to a host other than this machine.
    pub allow_insecure_http: Option<bool>,
    /// Test hook: retry jitter 0 and a sleeper that records instead of sleeping.
    pub record_retry_waits: Option<bool>,
}

/// One call from JavaScript: prompt, images and the options object (camelCase keys).
#[napi(object)]
pub struct NativeCall {
    pub prompt: Option<String>,
    pub images: Option<Vec<ImageInput>>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub options: Option<Value>,
}

type Waits = Arc<Mutex<Vec<Duration>>>;

/// A retry about to start, as `onRetry` receives it.
#[napi(object)]
pub struct RetryInfo {
    /// The attempt about to be made (2 for the first retry).
    pub attempt: u32,
    /// The most attempts a call makes.
    pub max_attempts: u32,
    /// How long the client waits first.
    pub delay_ms: f64,
    /// The kind of the failure being retried (`rate_limited`, `server`, ...).
    pub kind: String,
    /// Its HTTP status, when it came from a response.
    pub status_code: Option<u32>,
    /// Its message (the key masked).
    pub message: String,
    /// One line: `rate limited (429), retrying in 7 s (attempt 2 of 3)`.
    pub summary: String,
}

/// The JS `onRetry` callback: called without blocking the worker (events queue on the JS
/// thread), and weak, so it never keeps the process alive.
type RetryCallback = ThreadsafeFunction<RetryInfo, (), RetryInfo, Status, false, true>;

fn retry_observer(callback: RetryCallback) -> gemini_image::RetryObserver {
    Arc::new(move |event: &gemini_image::RetryEvent| {
        let info = RetryInfo {
            attempt: event.attempt,
            max_attempts: event.max_attempts,
            delay_ms: event.delay.as_secs_f64() * 1000.0,
            kind: event.error_kind.as_str().to_string(),
            status_code: event.http_status.map(u32::from),
            message: event.message.clone(),
            summary: event.to_string(),
        };
        // A full queue or a closing environment only loses the notice, never the call.
        let _ = callback.call(info, ThreadsafeFunctionCallMode::NonBlocking);
    })
}

#[napi]
pub struct NativeClient {
    client: Client,
    waits: Option<Waits>,
}

fn builder_from(options: ClientOptions) -> Result<(ClientBuilder, Option<Waits>), Error> {
    let mut builder = ClientBuilder::from_env();
    if let Some(key) = options.api_key {
        builder = builder.api_key(key);
    }
    if let Some(url) = options.base_url {
        builder = builder.base_url(url);
    }
    if let Some(model) = options.model {
        builder = builder.default_model(model);
    }
    if let Some(ms) = options.timeout_ms {
        builder = builder.timeout(positive_millis("timeoutMs", ms)?);
    }
    if let Some(ms) = options.connect_timeout_ms {
        builder = builder.connect_timeout(positive_millis("connectTimeoutMs", ms)?);
    }
    if let Some(n) = options.max_retries {
        let n = u32::try_from(count("maxRetries", n)?)
            .map_err(|_| Error::invalid("maxRetries", "is too large"))?;
        builder = builder.max_retries(n);
    }
    if let Some(n) = options.max_response_bytes {
        builder = builder.max_response_bytes(count("maxResponseBytes", n)?);
    }
    if let Some(n) = options.max_inline_bytes {
        builder = builder.max_inline_bytes(count("maxInlineBytes", n)?);
    }
    if let Some(agent) = options.user_agent {
        builder = builder.user_agent(agent);
    }
    if let Some(proxy) = options.proxy {
        builder = builder.proxy(proxy);
    }
    if let Some(allow) = options.allow_insecure_http {
        builder = builder.allow_insecure_http(allow);
    }
    let mut waits = None;
    if options.record_retry_waits == Some(true) {
        let recorded: Waits = Arc::default();
        let sink = Arc::clone(&recorded);
        builder = builder
            .sleeper(Arc::new(move |d| {
                if let Ok(mut list) = sink.lock() {
                    list.push(d);
                }
            }))
            .jitter(Arc::new(|| 0.0));
        waits = Some(recorded);
    }
    Ok((builder, waits))
}

/// The request of a call: the options' model (or the client's default), the user turn,
/// every option.
fn request_of(client: &Client, call: NativeCall) -> Result<GenerateRequest, Error> {
    let parts = user_parts(call.prompt, call.images.unwrap_or_default())?;
    let mut request = GenerateRequest::new(client.default_model()).with_user_turn(parts);
    if let Some(opts) = &call.options {
        RequestOptions::from_value(opts)?.apply_to(&mut request);
    }
    Ok(request)
}

#[napi]
impl NativeClient {
    #[napi(constructor)]
    pub fn new(
        options: ClientOptions,
        #[napi(ts_arg_type = "((event: RetryInfo) => void) | null | undefined")] on_retry: Option<
            RetryCallback,
        >,
    ) -> napi::Result<Self> {
        let (mut builder, waits) = napi_result(builder_from(options))?;
        if let Some(callback) = on_retry {
            builder = builder.on_retry(retry_observer(callback));
        }
        let client = napi_result(builder.build())?;
        Ok(NativeClient { client, waits })
    }

    /// The base URL requests go to.
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.client.endpoint().base_url().to_string()
    }

    /// The model used when a call names none.
    #[napi(getter)]
    pub fn model(&self) -> String {
        self.client.default_model().to_string()
    }

    /// Total attempts allowed per call (1 + retries).
    #[napi(getter)]
    pub fn max_attempts(&self) -> u32 {
        self.client.retry_policy().max_attempts
    }

    /// Test hook: the retry waits recorded so far (milliseconds), cleared on read.
    #[napi]
    pub fn take_retry_waits(&self) -> Vec<f64> {
        self.waits
            .as_ref()
            .and_then(|w| w.lock().ok().map(|mut list| std::mem::take(&mut *list)))
            .unwrap_or_default()
            .into_iter()
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect()
    }

    /// Generates (or edits, with images): resolves with the result, rejects with a typed
    /// error payload. `raw` keeps an HTTP 200 without an image as a result. `cancel`
    /// stops the call (before the next attempt, during a retry wait, or between reads).
    #[napi(ts_return_type = "Promise<NativeResult>")]
    pub fn generate<'e>(
        &self,
        env: &'e Env,
        call: NativeCall,
        raw: Option<bool>,
        cancel: Option<&NativeCancelToken>,
    ) -> napi::Result<Object<'e>> {
        let client = self.client.clone();
        let options = call_options(cancel);
        spawn_promise(env, "gemini-image-call", move || {
            let request = request_of(&client, call)?;
            let response = if raw == Some(true) {
                client.generate_raw_with(&request, &options)?
            } else {
                client.generate_with(&request, &options)?
            };
            Ok(to_native(response))
        })
    }

    /// Opens a stream; events are pulled with `NativeStream.next()`.
    #[napi]
    pub fn stream(&self, call: NativeCall) -> napi::Result<NativeStream> {
        NativeStream::start(self.client.clone(), call)
    }

    /// A new conversation. `options` apply to every turn; `keepLastImages` bounds how many
    /// model images are sent back.
    #[napi]
    pub fn chat(
        &self,
        #[napi(ts_arg_type = "Record<string, unknown> | null | undefined")] options: Option<Value>,
        keep_last_images: Option<u32>,
    ) -> napi::Result<NativeChat> {
        let options = napi_result(RequestOptions::from_value(&options.unwrap_or(Value::Null)))?;
        let mut chat = self.client.chat(options);
        if let Some(n) = keep_last_images {
            chat = chat.keep_last_images(n as usize);
        }
        Ok(NativeChat::new(chat))
    }

    /// Continues a conversation saved with `NativeChat.toJson()`.
    #[napi]
    pub fn restore_chat(&self, json: String) -> napi::Result<NativeChat> {
        let chat = napi_result(self.client.restore_chat(json.as_bytes(), None))?;
        Ok(NativeChat::new(chat))
    }
}

/// A cancel switch for one call (the JS layer fires it when the call's `AbortSignal`
/// aborts).
#[napi]
pub struct NativeCancelToken {
    token: CancelToken,
}

#[napi]
impl NativeCancelToken {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        NativeCancelToken {
            token: CancelToken::new(),
        }
    }

    /// Cancels the call: it stops before its next attempt, during a retry wait or between
    /// two reads, and fails with kind `cancelled`.
    #[napi]
    pub fn cancel(&self) {
        self.token.cancel();
    }
}

fn call_options(cancel: Option<&NativeCancelToken>) -> CallOptions {
    match cancel {
        Some(handle) => CallOptions::new().with_cancel(handle.token.clone()),
        None => CallOptions::new(),
    }
}

/// What JavaScript reads from a chat while a turn may be in flight.
struct ChatView {
    model: String,
    history: Value,
    json: String,
}

impl ChatView {
    fn of(chat: &Chat) -> ChatView {
        ChatView {
            model: chat.model().to_string(),
            history: serde_json::to_value(chat.history()).unwrap_or(Value::Array(Vec::new())),
            json: chat.to_json(),
        }
    }
}

#[napi]
pub struct NativeChat {
    chat: Arc<Mutex<Chat>>,
    /// The last committed state, readable while a turn is in flight.
    view: Arc<Mutex<ChatView>>,
}

impl NativeChat {
    fn new(chat: Chat) -> Self {
        let view = ChatView::of(&chat);
        NativeChat {
            chat: Arc::new(Mutex::new(chat)),
            view: Arc::new(Mutex::new(view)),
        }
    }

    fn read<T>(&self, f: impl FnOnce(&ChatView) -> T) -> napi::Result<T> {
        self.view
            .lock()
            .map(|view| f(&view))
            .map_err(|_| internal("the chat state is poisoned"))
    }
}

fn send_turn(
    chat: &Mutex<Chat>,
    view: &Mutex<ChatView>,
    call: NativeCall,
    options: &CallOptions,
) -> Result<NativeResult, Error> {
    let parts = user_parts(call.prompt, call.images.unwrap_or_default())?;
    let overrides = match &call.options {
        Some(value) => RequestOptions::from_value(value)?,
        None => RequestOptions::default(),
    };
    let mut chat = chat
        .lock()
        .map_err(|_| Error::internal("a previous turn panicked; start a new chat"))?;
    let result = chat.send_with(parts, &overrides, options);
    if let Ok(mut shared) = view.lock() {
        *shared = ChatView::of(&chat);
    }
    result.map(to_native)
}

#[napi]
impl NativeChat {
    /// Sends a turn; turns are sent one at a time (a second `send` waits for the first).
    #[napi(ts_return_type = "Promise<NativeResult>")]
    pub fn send<'e>(
        &self,
        env: &'e Env,
        call: NativeCall,
        cancel: Option<&NativeCancelToken>,
    ) -> napi::Result<Object<'e>> {
        let chat = Arc::clone(&self.chat);
        let view = Arc::clone(&self.view);
        let options = call_options(cancel);
        spawn_promise(env, "gemini-image-chat", move || {
            send_turn(&chat, &view, call, &options)
        })
    }

    /// The committed turns as wire `Content` objects (`role`, `parts` with `text` or
    /// `inlineData` in base64, `thoughtSignature`s kept).
    #[napi(ts_return_type = "Array<{ role: string; parts: Array<Record<string, unknown>> }>")]
    pub fn history(&self) -> napi::Result<Value> {
        self.read(|view| view.history.clone())
    }

    /// The model every turn goes to.
    #[napi(getter)]
    pub fn model(&self) -> napi::Result<String> {
        self.read(|view| view.model.clone())
    }

    /// The saved-conversation document (version 1, camelCase): model, options, trimming,
    /// history with thought signatures.
    #[napi]
    pub fn to_json(&self) -> napi::Result<String> {
        self.read(|view| view.json.clone())
    }
}

/// A stream event as JavaScript sees it; `done` carries the merged result.
#[napi(object)]
pub struct NativeEvent {
    #[napi(js_name = "type")]
    pub kind: String,
    pub text: Option<String>,
    pub image: Option<NativeImage>,
    pub result: Option<NativeResult>,
}

pub(crate) fn event_of(event: StreamEvent) -> NativeEvent {
    let kind = event.kind().to_string();
    let (text, image) = match event {
        StreamEvent::ThoughtText(text) | StreamEvent::Text(text) => (Some(text), None),
        StreamEvent::ThoughtImage(blob) | StreamEvent::Image(blob) => {
            (None, Some(NativeImage::from(blob)))
        }
        _ => (None, None),
    };
    NativeEvent {
        kind,
        text,
        image,
        result: None,
    }
}

type EventDeferred = Deferred<Option<NativeEvent>>;

/// A stream driven by one worker thread: each `next()` hands it a deferred; it reads
/// until the next event and settles it. `close()` cancels the call (the worker stops
/// between two reads and drops the connection) and ends the channel.
#[napi]
pub struct NativeStream {
    requests: Mutex<Option<mpsc::Sender<EventDeferred>>>,
    cancel: CancelToken,
}

enum StreamState {
    Pending(Box<dyn FnOnce() -> Result<ImageStream, Error> + Send>),
    Open(Box<ImageStream>),
    Ended,
}

impl NativeStream {
    fn start(client: Client, call: NativeCall) -> napi::Result<NativeStream> {
        let (sender, receiver) = mpsc::channel::<EventDeferred>();
        let cancel = CancelToken::new();
        let options = CallOptions::new().with_cancel(cancel.clone());
        let open = move || client.stream_with(&request_of(&client, call)?, &options);
        spawn_named("gemini-image-stream", move || {
            let mut state = StreamState::Pending(Box::new(open));
            for deferred in receiver {
                match next_event(&mut state) {
                    Ok(event) => deferred.resolve(Box::new(move |_| Ok(event))),
                    Err(err) => deferred.reject(to_napi(&err)),
                }
            }
        })?;
        Ok(NativeStream {
            requests: Mutex::new(Some(sender)),
            cancel,
        })
    }
}

fn next_event(state: &mut StreamState) -> Result<Option<NativeEvent>, Error> {
    if let StreamState::Pending(_) = state {
        let StreamState::Pending(open) = std::mem::replace(state, StreamState::Ended) else {
            return Ok(None);
        };
        *state = StreamState::Open(Box::new(open()?));
    }
    let StreamState::Open(stream) = state else {
        return Ok(None);
    };
    match stream.next() {
        // The client's `Done` carries no images; the merged response (images included)
        // becomes the `done` event's result, or the `no_image` error.
        Some(Ok(StreamEvent::Done(_))) | None => {
            let StreamState::Open(stream) = std::mem::replace(state, StreamState::Ended) else {
                return Ok(None);
            };
            let result = stream.finish()?;
            Ok(Some(NativeEvent {
                kind: "done".into(),
                text: None,
                image: None,
                result: Some(to_native(result)),
            }))
        }
        Some(Ok(event)) => Ok(Some(event_of(event))),
        Some(Err(err)) => {
            *state = StreamState::Ended;
            Err(err)
        }
    }
}

#[napi]
impl NativeStream {
    /// The next event, or `null` after `done` (or after an error was delivered).
    #[napi(ts_return_type = "Promise<NativeEvent | null>")]
    pub fn next<'e>(&self, env: &'e Env) -> napi::Result<Object<'e>> {
        let (deferred, promise) =
            env.create_deferred::<Option<NativeEvent>, Resolver<Option<NativeEvent>>>()?;
        let guard = self
            .requests
            .lock()
            .map_err(|_| napi::Error::new(Status::GenericFailure, "stream lock poisoned"))?;
        match guard.as_ref() {
            Some(sender) => {
                if let Err(mpsc::SendError(deferred)) = sender.send(deferred) {
                    deferred.resolve(Box::new(|_| Ok(None)));
                }
            }
            None => deferred.resolve(Box::new(|_| Ok(None))),
        }
        Ok(promise)
    }

    /// Stops the stream: cancels the call (the worker stops between two reads and drops
    /// the connection); later `next()` calls resolve to `null`.
    #[napi]
    pub fn close(&self) {
        self.cancel.cancel();
        if let Ok(mut guard) = self.requests.lock() {
            guard.take();
        }
    }
}

/// Where `GeneratedImage.save()` wrote.
#[napi(object)]
pub struct NativeSaved {
    pub path: String,
    pub renamed: bool,
    pub warnings: Vec<String>,
}

/// Saves image bytes with the client's naming rule (the MIME type's extension when the
/// path has none; an existing file is never replaced unless `overwrite`: the next free
/// name is used). Runs off the JS thread.
#[napi(ts_return_type = "Promise<NativeSaved>")]
pub fn save_image<'e>(
    env: &'e Env,
    data: Buffer,
    mime_type: String,
    path: String,
    overwrite: bool,
) -> napi::Result<Object<'e>> {
    spawn_promise(env, "gemini-image-save", move || {
        let blob = gemini_image::Blob::new(data.to_vec(), mime_type);
        let saved = gemini_image::save_image(&blob, &path, overwrite)?;
        Ok(NativeSaved {
            path: saved.path.to_string_lossy().into_owned(),
            renamed: saved.renamed,
            warnings: saved.warnings,
        })
    })
}

/// Runs the `gemini-image` command (`argv[0]` first) on a worker thread; resolves to its
/// exit code. It writes to this process's stdout and stderr.
#[napi(ts_return_type = "Promise<number>")]
pub fn run_cli<'e>(env: &'e Env, args: Vec<String>) -> napi::Result<Object<'e>> {
    spawn_promise(env, "gemini-image-cli", move || {
        Ok(gemini_image_cli::run(args))
    })
}
