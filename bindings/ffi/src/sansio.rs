//! Bring your own HTTP: build the request, send it with any client, parse the answer.
//! Pure functions (no IO); the same core code the client runs.

use std::sync::Mutex;

use gemini_image::core::StreamParser as CoreStreamParser;
use gemini_image::{ApiKey, Call, Endpoint, GenerateRequest, RetryPolicy};

use crate::error::GeminiImageError;
use crate::types::{
    CallKind, GenerationResult, Header, HttpRequest, ImageOptions, ImageRequest, InputImage,
    StreamEvent, Turn, user_parts,
};

/// The endpoint and key of a sans-IO call.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct EndpointConfig {
    /// The API key (sent in the `x-goog-api-key` header).
    pub api_key: String,
    /// The base URL (default the gateway, `https://api.thucchien.ai/gemini`).
    #[uniffi(default)]
    pub base_url: Option<String>,
    /// The model used when the request names none (default `gemini-3.1-flash-image`).
    #[uniffi(default)]
    pub model: Option<String>,
    /// The inline-payload limit in bytes checked before building (default 100 MB).
    #[uniffi(default)]
    pub max_inline_bytes: Option<i64>,
}

impl std::fmt::Display for EndpointConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::fmt::Debug for EndpointConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointConfig")
            .field("api_key", &"***")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("max_inline_bytes", &self.max_inline_bytes)
            .finish()
    }
}

fn headers_of(headers: Vec<Header>) -> Vec<(String, String)> {
    headers.into_iter().map(|h| (h.name, h.value)).collect()
}

fn status_of(status: i32) -> Result<u16, GeminiImageError> {
    u16::try_from(status)
        .ok()
        .filter(|s| (100..1000).contains(s))
        .ok_or_else(|| {
            GeminiImageError::simple(
                "invalid_request",
                Some("status"),
                format!("must be an HTTP status (100-999), got {status}"),
            )
        })
}

/// The core endpoint, key and default model of a sans-IO config.
fn endpoint_parts(
    endpoint: &EndpointConfig,
) -> Result<(Endpoint, ApiKey, String), GeminiImageError> {
    let core = |err| GeminiImageError::from_core(err, Some(&endpoint.api_key));
    let mut target = Endpoint::new(
        endpoint
            .base_url
            .as_deref()
            .unwrap_or(gemini_image::GATEWAY_BASE_URL),
    )
    .map_err(core)?;
    if let Some(limit) = endpoint.max_inline_bytes {
        let limit = u64::try_from(limit).map_err(|_| {
            GeminiImageError::simple(
                "invalid_request",
                Some("max_inline_bytes"),
                format!("must be 0 or more, got {limit}"),
            )
        })?;
        target = target.with_max_inline_bytes(limit);
    }
    let key = ApiKey::new(endpoint.api_key.as_str()).map_err(core)?;
    let model = endpoint
        .model
        .clone()
        .unwrap_or_else(|| gemini_image::DEFAULT_MODEL.to_string());
    Ok((target, key, model))
}

fn build(
    endpoint: &Endpoint,
    key: &ApiKey,
    request: &GenerateRequest,
    call: Call,
) -> Result<HttpRequest, GeminiImageError> {
    let http = gemini_image::build_http_request(endpoint, key, request, call)
        .map_err(|err| GeminiImageError::from_core(err, Some(key.expose())))?;
    Ok(HttpRequest {
        method: http.method.to_string(),
        url: http.url,
        headers: http
            .headers
            .into_iter()
            .map(|(name, value)| Header { name, value })
            .collect(),
        body: http.body,
    })
}

/// Validates `request` and builds the HTTP request for it (URL, headers with the key,
/// JSON body), without sending anything. Fails with `invalid_request` naming the field.
#[uniffi::export]
pub fn build_request(
    endpoint: EndpointConfig,
    request: ImageRequest,
    call: CallKind,
) -> Result<HttpRequest, GeminiImageError> {
    let (target, key, model) = endpoint_parts(&endpoint)?;
    let request = request.into_core(&model)?;
    let call = match call {
        CallKind::Generate => Call::Generate,
        CallKind::Stream => Call::Stream,
    };
    build(&target, &key, &request, call)
}

/// Parses a `generateContent` response: an error status or error body is the typed error
/// (kind, status, retry-after); a 200 is returned faithfully. With `require_image`, a 200
/// without a final image is the `no_image` error (as `generateBlocking` reports it).
#[uniffi::export]
pub fn parse_response(
    status: i32,
    headers: Vec<Header>,
    body: Vec<u8>,
    require_image: bool,
) -> Result<GenerationResult, GeminiImageError> {
    let status = status_of(status)?;
    let parsed = gemini_image::parse_response(status, &headers_of(headers), &body);
    let parsed = if require_image {
        parsed.and_then(gemini_image::GenerateResponse::require_image)
    } else {
        parsed
    };
    parsed
        .map(|response| GenerationResult::from_response(response, None))
        .map_err(|err| GeminiImageError::from_core(err, None))
}

/// After attempt number `attempt` (1-based) got this response: how long to wait before the
/// next attempt, in milliseconds, or `null` to stop (success, an error not worth retrying,
/// or no attempts left of `1 + max_retries`, default 3 in total). `jitter` is a random
/// value in 0..=1 (0 gives half the backoff); a delay the server asked for wins.
#[uniffi::export(default(max_retries = None))]
pub fn retry_delay_ms(
    attempt: i32,
    status: i32,
    headers: Vec<Header>,
    body: Vec<u8>,
    jitter: f64,
    max_retries: Option<i32>,
) -> Result<Option<i64>, GeminiImageError> {
    let status = status_of(status)?;
    let attempt = u32::try_from(attempt).unwrap_or(0).max(1);
    let policy = match max_retries {
        Some(retries) => {
            RetryPolicy::with_max_attempts(u32::try_from(retries).unwrap_or(0).saturating_add(1))
        }
        None => RetryPolicy::default(),
    };
    let Err(err) = gemini_image::parse_response(status, &headers_of(headers), &body) else {
        return Ok(None);
    };
    Ok(match policy.decide(attempt, &err, jitter) {
        gemini_image::RetryDecision::Retry { after } => {
            Some(i64::try_from(after.as_millis()).unwrap_or(i64::MAX))
        }
        gemini_image::RetryDecision::GiveUp => None,
    })
}

/// An incremental parser for a `streamGenerateContent?alt=sse` body: feed the bytes as
/// they arrive, get the events as soon as they are complete.
#[derive(uniffi::Object)]
pub struct StreamParser {
    parser: Mutex<Option<CoreStreamParser>>,
}

fn finished() -> GeminiImageError {
    GeminiImageError::simple(
        "invalid_request",
        None,
        "the parser has finished or failed; create a new StreamParser",
    )
}

#[uniffi::export]
impl StreamParser {
    /// A parser for one stream body.
    #[uniffi::constructor]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        StreamParser {
            parser: Mutex::new(Some(CoreStreamParser::new())),
        }
    }

    /// Feeds body bytes; returns the events they completed. An error event in the stream
    /// is thrown (after which the parser is done).
    pub fn feed(&self, bytes: Vec<u8>) -> Result<Vec<StreamEvent>, GeminiImageError> {
        let mut slot = self.parser.lock().unwrap_or_else(|p| p.into_inner());
        let parser = slot.as_mut().ok_or_else(finished)?;
        match parser.feed(&bytes) {
            Ok(events) => Ok(events
                .into_iter()
                .filter_map(StreamEvent::from_core)
                .collect()),
            Err(err) => {
                *slot = None;
                Err(GeminiImageError::from_core(err, None))
            }
        }
    }

    /// The body ended: the last events, then `Done` with the merged response. With
    /// `require_image`, a merged response without a final image is the `no_image` error.
    pub fn finish(&self, require_image: bool) -> Result<Vec<StreamEvent>, GeminiImageError> {
        let parser = self
            .parser
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(finished)?;
        let map = |err| GeminiImageError::from_core(err, None);
        let (events, merged) = parser.finish().map_err(map)?;
        let merged = if require_image {
            merged.require_image().map_err(map)?
        } else {
            merged
        };
        let mut out: Vec<StreamEvent> = events
            .into_iter()
            .filter_map(StreamEvent::from_core)
            .collect();
        out.push(StreamEvent::Done {
            result: GenerationResult::from_response(merged, None),
        });
        Ok(out)
    }
}

/// A conversation without IO: build each turn's request (the whole history), send it with
/// your own HTTP client, and hand the answer back with `completeTurn`.
#[derive(uniffi::Object)]
pub struct SansIoConversation {
    endpoint: Endpoint,
    key: ApiKey,
    conversation: Mutex<gemini_image::Conversation>,
}

impl std::fmt::Debug for SansIoConversation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SansIoConversation")
            .field("base_url", &self.endpoint.base_url())
            .finish_non_exhaustive()
    }
}

#[uniffi::export]
impl SansIoConversation {
    /// A new conversation; `options` apply to every turn (the model included).
    #[uniffi::constructor(default(options = None))]
    pub fn new(
        endpoint: EndpointConfig,
        options: Option<ImageOptions>,
    ) -> Result<std::sync::Arc<Self>, GeminiImageError> {
        let (target, key, model) = endpoint_parts(&endpoint)?;
        let options = options.unwrap_or_default().to_request_options()?;
        let model = options.model.clone().unwrap_or(model);
        Ok(std::sync::Arc::new(SansIoConversation {
            endpoint: target,
            key,
            conversation: Mutex::new(gemini_image::Conversation::new(model, options)),
        }))
    }

    /// Starts a turn (the prompt, then `images`) and returns its HTTP request. A request
    /// that fails validation throws and leaves the history unchanged.
    #[uniffi::method(default(images = []))]
    pub fn begin_turn(
        &self,
        prompt: String,
        images: Vec<InputImage>,
    ) -> Result<HttpRequest, GeminiImageError> {
        let mut conversation = self.conversation.lock().unwrap_or_else(|p| p.into_inner());
        let request = conversation.begin_turn(user_parts(prompt, images)).clone();
        let built = build(&self.endpoint, &self.key, &request, Call::Generate);
        if built.is_err() {
            conversation.abort_turn();
        }
        built
    }

    /// Completes the pending turn with the server's answer: a success with an image is
    /// recorded and returned; an error (HTTP or `no_image`) is thrown and the turn dropped.
    pub fn complete_turn(
        &self,
        status: i32,
        headers: Vec<Header>,
        body: Vec<u8>,
    ) -> Result<GenerationResult, GeminiImageError> {
        let status = status_of(status)?;
        let mut conversation = self.conversation.lock().unwrap_or_else(|p| p.into_inner());
        let result = match gemini_image::parse_response(status, &headers_of(headers), &body) {
            Ok(response) => conversation.complete_turn(response),
            Err(err) => {
                conversation.abort_turn();
                Err(err)
            }
        };
        result
            .map(|response| GenerationResult::from_response(response, None))
            .map_err(|err| GeminiImageError::from_core(err, Some(self.key.expose())))
    }

    /// Drops the pending turn (e.g. when sending it failed).
    pub fn abort_turn(&self) {
        self.conversation
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .abort_turn();
    }

    /// The committed turns.
    pub fn history(&self) -> Vec<Turn> {
        self.conversation
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .history()
            .iter()
            .map(Turn::from)
            .collect()
    }
}
