//! Bring your own HTTP: build the exact request, parse any response, decide retries. No
//! network here; these run synchronously on the calling thread.

use gemini_image::core::{Conversation, RequestOptions, StreamParser};
use gemini_image::{
    ApiKey, Call, Endpoint, Error, GATEWAY_BASE_URL, GenerateRequest, RetryDecision, RetryPolicy,
    parse_response,
};
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;
use std::collections::HashMap;
use std::sync::Mutex;

use crate::client::{NativeCall, NativeEvent};
use crate::convert::{NativeResult, to_native, user_parts};
use crate::error::{internal, napi_result};

/// Where a built request goes and with which key.
#[napi(object)]
pub struct SansIoConfig {
    pub api_key: String,
    pub base_url: Option<String>,
    pub model: String,
    pub max_inline_bytes: Option<f64>,
    pub stream: Option<bool>,
}

/// An HTTP request to send yourself.
#[napi(object)]
pub struct NativeHttpRequest {
    pub method: String,
    pub url: String,
    pub headers: HashMap<String, String>,
    pub body: Buffer,
}

fn build(config: SansIoConfig, call: NativeCall) -> Result<NativeHttpRequest, Error> {
    let (endpoint, key) = endpoint_of(
        config.api_key,
        config.base_url.as_deref(),
        config.max_inline_bytes,
    )?;
    let parts = user_parts(call.prompt, call.images.unwrap_or_default())?;
    let mut request = GenerateRequest::new(config.model).with_user_turn(parts);
    if let Some(opts) = &call.options {
        RequestOptions::from_value(opts)?.apply_to(&mut request);
    }
    let kind = if config.stream == Some(true) {
        Call::Stream
    } else {
        Call::Generate
    };
    let http = gemini_image::build_http_request(&endpoint, &key, &request, kind)
        .map_err(|e| e.redact(key.expose()))?;
    Ok(to_http(http))
}

#[napi]
pub fn build_request(config: SansIoConfig, call: NativeCall) -> napi::Result<NativeHttpRequest> {
    napi_result(build(config, call))
}

fn header_list(headers: HashMap<String, String>) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

/// Parses a whole (non-stream) response. Unless `raw`, an HTTP 200 without an image is a
/// `no_image` error, as from `generate`.
#[napi]
pub fn parse_response_native(
    status: u32,
    headers: HashMap<String, String>,
    body: Buffer,
    raw: Option<bool>,
) -> napi::Result<NativeResult> {
    let status = u16::try_from(status).unwrap_or(0);
    let parsed = parse_response(status, &header_list(headers), &body);
    let parsed = if raw == Some(true) {
        parsed
    } else {
        parsed.and_then(gemini_image::GenerateResponse::require_image)
    };
    napi_result(parsed.map(to_native))
}

/// The wait (ms) a client with the default policy (or `maxAttempts`) makes after attempt
/// `attempt` got this response, or `null` when it gives up or the response succeeded.
/// `jitter` in 0..=1 (default 0: half the backoff).
#[napi]
pub fn retry_delay_ms(
    attempt: u32,
    status: u32,
    headers: HashMap<String, String>,
    body: Buffer,
    max_attempts: Option<u32>,
    jitter: Option<f64>,
) -> Option<f64> {
    let status = u16::try_from(status).unwrap_or(0);
    let error = parse_response(status, &header_list(headers), &body).err()?;
    let policy = max_attempts.map_or_else(RetryPolicy::default, RetryPolicy::with_max_attempts);
    match policy.decide(attempt, &error, jitter.unwrap_or(0.0)) {
        RetryDecision::Retry { after } => Some(after.as_secs_f64() * 1000.0),
        RetryDecision::GiveUp => None,
    }
}

/// An incremental parser for a `streamGenerateContent?alt=sse` body.
#[napi]
pub struct NativeStreamParser {
    parser: Mutex<Option<StreamParser>>,
}

#[napi]
impl NativeStreamParser {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        NativeStreamParser {
            parser: Mutex::new(Some(StreamParser::new())),
        }
    }

    /// Feeds body bytes; returns the events they completed.
    #[napi]
    pub fn feed(&self, bytes: Buffer) -> napi::Result<Vec<NativeEvent>> {
        let mut guard = self
            .parser
            .lock()
            .map_err(|_| internal("stream parser poisoned"))?;
        let Some(parser) = guard.as_mut() else {
            return napi_result(Err(Error::invalid(
                "stream",
                "the parser is finished; create a new one",
            )));
        };
        let events = parser.feed(&bytes);
        if events.is_err() {
            guard.take();
        }
        napi_result(events).map(|list| list.into_iter().map(crate::client::event_of).collect())
    }

    /// Ends the body: the last events, then a `done` event carrying the merged result
    /// (unless `raw`, a stream without a final image is a `no_image` error).
    #[napi]
    pub fn finish(&self, raw: Option<bool>) -> napi::Result<Vec<NativeEvent>> {
        let parser = self
            .parser
            .lock()
            .map_err(|_| internal("stream parser poisoned"))?
            .take();
        let Some(parser) = parser else {
            return napi_result(Err(Error::invalid(
                "stream",
                "the parser is finished; create a new one",
            )));
        };
        let (events, merged) = napi_result(parser.finish())?;
        let merged = if raw == Some(true) {
            merged
        } else {
            napi_result(merged.require_image())?
        };
        let mut out: Vec<NativeEvent> = events.into_iter().map(crate::client::event_of).collect();
        out.push(NativeEvent {
            kind: "done".into(),
            text: None,
            image: None,
            result: Some(to_native(merged)),
        });
        Ok(out)
    }
}

/// Where a conversation's turns go and with which key.
#[napi(object)]
pub struct EndpointConfig {
    pub api_key: String,
    pub base_url: Option<String>,
    pub max_inline_bytes: Option<f64>,
}

fn endpoint_of(
    api_key: String,
    base_url: Option<&str>,
    max_inline_bytes: Option<f64>,
) -> Result<(Endpoint, ApiKey), Error> {
    let key = ApiKey::new(api_key)?;
    let mut endpoint =
        Endpoint::new(base_url.unwrap_or(GATEWAY_BASE_URL)).map_err(|e| e.redact(key.expose()))?;
    if let Some(limit) = max_inline_bytes {
        if !(limit.is_finite() && limit >= 0.0) {
            return Err(Error::invalid(
                "maxInlineBytes",
                "must be a number of bytes >= 0",
            ));
        }
        endpoint = endpoint.with_max_inline_bytes(limit as u64);
    }
    Ok((endpoint, key))
}

fn to_http(http: gemini_image::HttpRequest) -> NativeHttpRequest {
    NativeHttpRequest {
        method: http.method.to_string(),
        url: http.url,
        headers: http.headers.into_iter().collect(),
        body: Buffer::from(http.body),
    }
}

/// A multi-turn conversation without IO: build each turn's request, send it yourself,
/// hand the response back.
#[napi]
pub struct NativeConversation {
    inner: Mutex<Conversation>,
}

impl NativeConversation {
    fn with<T>(&self, f: impl FnOnce(&mut Conversation) -> Result<T, Error>) -> napi::Result<T> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| internal("the conversation state is poisoned"))?;
        napi_result(f(&mut guard))
    }
}

#[napi]
impl NativeConversation {
    /// A new conversation with `model` and per-turn `options`.
    #[napi(factory)]
    pub fn create(
        model: String,
        #[napi(ts_arg_type = "Record<string, unknown> | null | undefined")] options: Option<
            serde_json::Value,
        >,
        keep_last_images: Option<u32>,
    ) -> napi::Result<Self> {
        let options = napi_result(RequestOptions::from_value(
            &options.unwrap_or(serde_json::Value::Null),
        ))?;
        let conversation = Conversation::new(model, options)
            .with_keep_last_images(keep_last_images.map(|n| n as usize));
        Ok(NativeConversation {
            inner: Mutex::new(conversation),
        })
    }

    /// A conversation saved with `toJson()`.
    #[napi(factory)]
    pub fn from_json(json: String) -> napi::Result<Self> {
        let conversation = napi_result(Conversation::from_json(json.as_bytes(), None))?;
        Ok(NativeConversation {
            inner: Mutex::new(conversation),
        })
    }

    /// Begins a turn and returns its HTTP request (the whole history included).
    #[napi]
    pub fn begin_turn(
        &self,
        endpoint: EndpointConfig,
        call: NativeCall,
    ) -> napi::Result<NativeHttpRequest> {
        self.with(|conversation| {
            let (endpoint, key) = endpoint_of(
                endpoint.api_key,
                endpoint.base_url.as_deref(),
                endpoint.max_inline_bytes,
            )?;
            let parts = user_parts(call.prompt, call.images.unwrap_or_default())?;
            let overrides = match &call.options {
                Some(value) => RequestOptions::from_value(value)?,
                None => RequestOptions::default(),
            };
            let request = conversation.begin_turn_with(parts, &overrides)?;
            match gemini_image::build_http_request(&endpoint, &key, request, Call::Generate) {
                Ok(http) => Ok(to_http(http)),
                Err(err) => {
                    conversation.abort_turn();
                    Err(err.redact(key.expose()))
                }
            }
        })
    }

    /// Completes the pending turn with the response received: an answer with an image
    /// joins the history; an HTTP error or an answer without an image drops the turn and
    /// throws.
    #[napi]
    pub fn complete_turn(
        &self,
        status: u32,
        headers: HashMap<String, String>,
        body: Buffer,
    ) -> napi::Result<NativeResult> {
        let status = u16::try_from(status).unwrap_or(0);
        self.with(
            |conversation| match parse_response(status, &header_list(headers), &body) {
                Ok(response) => conversation.complete_turn(response).map(to_native),
                Err(err) => {
                    conversation.abort_turn();
                    Err(err)
                }
            },
        )
    }

    /// Drops the pending turn (e.g. before retrying it with other words).
    #[napi]
    pub fn abort_turn(&self) -> napi::Result<()> {
        self.with(|conversation| {
            conversation.abort_turn();
            Ok(())
        })
    }

    /// The committed turns (wire `Content` objects).
    #[napi(ts_return_type = "Array<{ role: string; parts: Array<Record<string, unknown>> }>")]
    pub fn history(&self) -> napi::Result<serde_json::Value> {
        self.with(|conversation| {
            serde_json::to_value(conversation.history())
                .map_err(|err| Error::internal(err.to_string()))
        })
    }

    /// The saved-conversation document (the same as a client chat's).
    #[napi]
    pub fn to_json(&self) -> napi::Result<String> {
        self.with(|conversation| Ok(conversation.to_json()))
    }
}
