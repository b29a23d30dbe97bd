//! [`Client`]: the blocking, thread-safe entry point.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gemini_image_core::{
    AllocatorSink, ApiKey, Blob, BodyReader, Call, Endpoint, Error, GenerateRequest,
    GenerateResponse, HttpRequest, ImageAllocator, ImageSink, MemorySink, RetryDecision,
    RetryPolicy, build_http_request, parse_response,
};

use crate::call::{CallOptions, RetryEvent, RetryObserver};
use crate::config::ClientBuilder;
use crate::jitter::Jitter;
use crate::{Sleeper, transport};

/// What one call cost: how many HTTP attempts it made and how long it took.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallInfo {
    /// HTTP attempts made (0 when the request failed validation before sending).
    pub attempts: u32,
    /// Wall time from the call to its outcome, retries and waits included (for a stream:
    /// until its first body bytes arrived).
    pub elapsed: Duration,
    /// The waits between attempts, in order (`attempts - 1` of them after retries).
    pub retry_delays: Vec<Duration>,
}

pub(crate) struct Inner {
    pub(crate) agent: ureq::Agent,
    pub(crate) endpoint: Endpoint,
    pub(crate) key: ApiKey,
    pub(crate) default_model: String,
    pub(crate) retry_policy: RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) proxy_set: bool,
    pub(crate) user_agent: String,
    pub(crate) max_response_bytes: u64,
    pub(crate) sleeper: Option<Sleeper>,
    pub(crate) jitter: Jitter,
    pub(crate) on_retry: Option<RetryObserver>,
}

/// A Gemini image client: one keep-alive connection pool, the key, the endpoint, timeouts
/// and the retry policy. `Clone` is cheap (an `Arc`); a client is `Send + Sync`, so one
/// instance can serve every thread. Every call blocks the calling thread.
///
/// `Debug` never shows the key, and every error a client returns has the key scrubbed from
/// its messages.
///
/// ```no_run
/// let client = gemini_image::Client::from_env()?;
/// let response = client.text_to_image("a lighthouse at dusk, watercolor")?;
/// let image = response.image().expect("generate() guarantees an image");
/// std::fs::write(format!("lighthouse.{}", image.extension()), &image.data)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("base_url", &inner.endpoint.base_url())
            .field("api_key", &inner.key)
            .field("default_model", &inner.default_model)
            .field("timeout", &inner.timeout)
            .field("connect_timeout", &inner.connect_timeout)
            .field("retry_policy", &inner.retry_policy)
            .field("proxy", &inner.proxy_set.then_some("<set>"))
            .field("user_agent", &inner.user_agent)
            .field("max_response_bytes", &inner.max_response_bytes)
            .field("max_inline_bytes", &inner.endpoint.max_inline_bytes())
            .finish()
    }
}

impl Client {
    /// A builder with nothing set; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from the environment (see [`ClientBuilder::from_env`]); fails
    /// with `invalid_request` on field `api_key` when neither `THUCCHIEN_API_KEY` nor
    /// `GEMINI_API_KEY` is set.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env().build()
    }

    pub(crate) fn from_inner(inner: Inner) -> Client {
        Client {
            inner: Arc::new(inner),
        }
    }

    /// The model used when a call does not name one.
    pub fn default_model(&self) -> &str {
        &self.inner.default_model
    }

    /// The endpoint (base URL and inline limit) requests go to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry_policy
    }

    /// A text-to-image request for the default model, to adjust before sending:
    ///
    /// ```no_run
    /// # let client = gemini_image::Client::from_env()?;
    /// use gemini_image::{AspectRatio, ImageSize};
    /// let request = client
    ///     .request("a red fox in snow")
    ///     .with_aspect_ratio(AspectRatio::Landscape16x9)
    ///     .with_image_size(ImageSize::Size2K);
    /// let response = client.generate(&request)?;
    /// # Ok::<(), gemini_image::Error>(())
    /// ```
    pub fn request(&self, prompt: impl Into<String>) -> GenerateRequest {
        GenerateRequest::text_to_image(self.inner.default_model.clone(), prompt)
    }

    /// Generates an image: validates, sends (retrying per the policy) and requires a final
    /// image — an HTTP 200 without one (blocked, filtered, refused) is
    /// [`Error::NoImage`] (kind `no_image`), with the whole response inside.
    pub fn generate(&self, request: &GenerateRequest) -> Result<GenerateResponse, Error> {
        self.generate_info_with(request, &CallOptions::default()).0
    }

    /// [`Client::generate`] under per-call controls: a [`CancelToken`](crate::CancelToken),
    /// an overall deadline, a retry observer ([`CallOptions`]).
    pub fn generate_with(
        &self,
        request: &GenerateRequest,
        options: &CallOptions,
    ) -> Result<GenerateResponse, Error> {
        self.generate_info_with(request, options).0
    }

    /// [`Client::generate`] plus what the call cost ([`CallInfo`]: attempts, time, waits),
    /// for the outcome whether it succeeded or not.
    pub fn generate_with_info(
        &self,
        request: &GenerateRequest,
    ) -> (Result<GenerateResponse, Error>, CallInfo) {
        self.generate_info_with(request, &CallOptions::default())
    }

    /// [`Client::generate_with`] plus [`CallInfo`].
    pub fn generate_info_with(
        &self,
        request: &GenerateRequest,
        options: &CallOptions,
    ) -> (Result<GenerateResponse, Error>, CallInfo) {
        let (result, info) = self.generate_raw_info_with(request, options);
        let key = self.inner.key.expose();
        (
            result.and_then(|response| response.require_image().map_err(|e| e.redact(key))),
            info,
        )
    }

    /// Like [`Client::generate`], but an HTTP 200 without an image is returned as it came
    /// (`Ok`), for callers that want the refusal text or finish reason as data.
    pub fn generate_raw(&self, request: &GenerateRequest) -> Result<GenerateResponse, Error> {
        self.generate_raw_info_with(request, &CallOptions::default())
            .0
    }

    /// [`Client::generate_raw`] under per-call controls.
    pub fn generate_raw_with(
        &self,
        request: &GenerateRequest,
        options: &CallOptions,
    ) -> Result<GenerateResponse, Error> {
        self.generate_raw_info_with(request, options).0
    }

    /// [`Client::generate_raw`] plus [`CallInfo`].
    pub fn generate_raw_with_info(
        &self,
        request: &GenerateRequest,
    ) -> (Result<GenerateResponse, Error>, CallInfo) {
        self.generate_raw_info_with(request, &CallOptions::default())
    }

    /// [`Client::generate_raw_with`] plus [`CallInfo`].
    pub fn generate_raw_info_with(
        &self,
        request: &GenerateRequest,
        options: &CallOptions,
    ) -> (Result<GenerateResponse, Error>, CallInfo) {
        self.build_and_retry(request, Call::Generate, options, |http, timeout| {
            self.attempt_generate(http, timeout, options.image_allocator.as_ref())
        })
    }

    /// Generates an image from a prompt with the default model.
    pub fn text_to_image(&self, prompt: impl Into<String>) -> Result<GenerateResponse, Error> {
        self.generate(&self.request(prompt))
    }

    /// Edits images with an instruction, with the default model: the prompt goes first,
    /// then the images in order (MIME types are checked and corrected by sniffing).
    ///
    /// ```no_run
    /// # let client = gemini_image::Client::from_env()?;
    /// use gemini_image::Blob;
    /// let photo = Blob::sniffed(std::fs::read("photo.jpg")?).ok_or("not an image")?;
    /// let edited = client.edit([photo], "make the sky purple")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn edit(
        &self,
        images: impl IntoIterator<Item = Blob>,
        prompt: impl Into<String>,
    ) -> Result<GenerateResponse, Error> {
        self.generate(&GenerateRequest::edit(
            self.inner.default_model.clone(),
            images,
            prompt,
        ))
    }

    /// Validates and builds the HTTP request (errors redacted).
    pub(crate) fn build(
        &self,
        request: &GenerateRequest,
        call: Call,
    ) -> Result<HttpRequest, Error> {
        let inner = &self.inner;
        build_http_request(&inner.endpoint, &inner.key, request, call)
            .map_err(|err| err.redact(inner.key.expose()))
    }

    /// One non-streaming attempt: send, then read the body piece by piece into a
    /// [`BodyReader`] (capped; the body never held whole; images decoded as they arrive,
    /// or each at its end straight into a buffer from `allocator`).
    fn attempt_generate(
        &self,
        http: &HttpRequest,
        timeout: Option<Duration>,
        allocator: Option<&Arc<dyn ImageAllocator>>,
    ) -> Result<GenerateResponse, Error> {
        let inner = &self.inner;
        let response = transport::send(
            &inner.agent,
            http,
            &inner.user_agent,
            transport::Limit::Whole(timeout),
        )?;
        let (status, headers) = transport::head(&response);
        if !(200..300).contains(&status) {
            let body = transport::read_error_body(response.into_body())?;
            return parse_response(status, &headers, &body);
        }
        let (body, limit) = (response.into_body(), inner.max_response_bytes);
        match allocator {
            Some(allocator) => read_success(
                body,
                limit,
                AllocatorSink::new(Arc::clone(allocator)),
                status,
            ),
            None => read_success(body, limit, MemorySink::default(), status),
        }
    }

    /// Validates and builds the request, then runs `attempt` on it under the retry policy.
    /// A request that fails validation costs 0 attempts. `attempt` gets the timeout this
    /// attempt must keep to (`None`: the client's own), cut short by a call deadline.
    pub(crate) fn build_and_retry<T>(
        &self,
        request: &GenerateRequest,
        call: Call,
        options: &CallOptions,
        mut attempt: impl FnMut(&HttpRequest, Option<Duration>) -> Result<T, Error>,
    ) -> (Result<T, Error>, CallInfo) {
        let started = Instant::now();
        match self.build(request, call) {
            Ok(http) => self.with_retries(started, options, |_, timeout| attempt(&http, timeout)),
            Err(err) => {
                let info = CallInfo {
                    elapsed: started.elapsed(),
                    ..CallInfo::default()
                };
                (Err(err), info)
            }
        }
    }

    /// The timeout of the next attempt when a call deadline cuts the client's own (which
    /// is never zero: the builder refuses it); `None` keeps the client's.
    fn attempt_timeout(&self, remaining: Option<Duration>) -> Option<Duration> {
        remaining.filter(|left| *left < self.inner.timeout)
    }

    /// Runs `attempt` (given the 1-based attempt number and its timeout) until it succeeds,
    /// the policy gives up, the call is cancelled or its deadline passes, waiting in
    /// between (a cancel wakes the wait). The error returned is redacted.
    pub(crate) fn with_retries<T>(
        &self,
        started: Instant,
        options: &CallOptions,
        mut attempt: impl FnMut(u32, Option<Duration>) -> Result<T, Error>,
    ) -> (Result<T, Error>, CallInfo) {
        let inner = &self.inner;
        let mut info = CallInfo::default();
        let finish = |result: Result<T, Error>, mut info: CallInfo| {
            info.elapsed = started.elapsed();
            (result.map_err(|e| e.redact(inner.key.expose())), info)
        };
        loop {
            if options.is_cancelled() {
                return finish(Err(options.cancelled_error()), info);
            }
            let remaining = options.remaining(started);
            if remaining.is_some_and(|left| left.is_zero()) {
                return finish(Err(deadline_passed(options, &info)), info);
            }
            info.attempts += 1;
            let error = match attempt(info.attempts, self.attempt_timeout(remaining)) {
                Ok(value) => return finish(Ok(value), info),
                Err(error) => error,
            };
            let after = match inner
                .retry_policy
                .decide(info.attempts, &error, inner.jitter.next())
            {
                RetryDecision::Retry { after } => after,
                RetryDecision::GiveUp => return finish(Err(error), info),
            };
            // Waiting past the deadline would only end in a timeout: report the real error.
            if options.remaining(started).is_some_and(|left| left <= after) {
                return finish(Err(error), info);
            }
            if let Some(observer) = options.on_retry.as_ref().or(inner.on_retry.as_ref()) {
                let error = error.clone().redact(inner.key.expose());
                observer(&RetryEvent {
                    attempt: info.attempts + 1,
                    max_attempts: inner.retry_policy.max_attempts,
                    delay: after,
                    error_kind: error.kind(),
                    http_status: error.http_status(),
                    message: error.message(),
                });
            }
            info.retry_delays.push(after);
            let cancelled = match (&inner.sleeper, &options.cancel) {
                (Some(sleeper), _) => {
                    sleeper(after);
                    options.is_cancelled()
                }
                (None, Some(token)) => token.wait(after),
                (None, None) => {
                    std::thread::sleep(after);
                    false
                }
            };
            if cancelled {
                return finish(Err(options.cancelled_error()), info);
            }
        }
    }
}

/// Reads a 2xx body into a [`BodyReader`] over `sink` (at most `limit` bytes) and parses it.
fn read_success<S: ImageSink>(
    body: ureq::Body,
    limit: u64,
    sink: S,
    status: u16,
) -> Result<GenerateResponse, Error> {
    let mut reader = BodyReader::with_sink(sink);
    transport::read_body_into(body, limit, &mut reader)?;
    reader.finish(status)
}

/// The error of a call whose deadline passed between attempts.
fn deadline_passed(options: &CallOptions, info: &CallInfo) -> Error {
    let deadline = options.deadline.unwrap_or_default().as_secs_f64();
    Error::transport(
        gemini_image_core::TransportFailure::Timeout,
        format!(
            "the call's deadline of {deadline:.1} s passed after {} attempt(s)",
            info.attempts
        ),
    )
}
