//! [`ClientBuilder`]: every setting of a [`Client`], from code or the environment.

use std::fmt;
use std::time::Duration;

use gemini_image_core::{ApiKey, Endpoint, Error, GATEWAY_BASE_URL, RetryPolicy, USER_AGENT};

use crate::client::{Client, Inner};
use crate::jitter::Jitter;
use crate::transport::{self, AgentSettings};
use crate::{DEFAULT_MODEL, JitterSource, Sleeper};

/// Environment variable holding an AI Thực Chiến gateway key (checked first).
pub const ENV_THUCCHIEN_API_KEY: &str = "THUCCHIEN_API_KEY";
/// Environment variable holding a Gemini API key (checked when `THUCCHIEN_API_KEY` is unset).
pub const ENV_GEMINI_API_KEY: &str = "GEMINI_API_KEY";
/// Environment variable overriding the base URL (default: the gateway).
pub const ENV_BASE_URL: &str = "GEMINI_IMAGE_BASE_URL";
/// Environment variable overriding the default model.
pub const ENV_MODEL: &str = "GEMINI_IMAGE_MODEL";

/// The default overall timeout of one attempt (image calls take 8–35 s, 4K longer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);
/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// The default response size cap: 256 MiB, far above a 4K image (ureq's own 10 MB read
/// limit never applies).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;

/// Configures and builds a [`Client`]. Start from [`Client::builder`] (nothing set) or
/// [`ClientBuilder::from_env`] (key, base URL and model from the environment), override
/// anything, then [`ClientBuilder::build`].
///
/// ```
/// use std::time::Duration;
/// use gemini_image::Client;
///
/// let client = Client::builder()
///     .api_key("my-key")
///     .base_url("https://api.thucchien.ai/gemini")
///     .default_model("gemini-3-pro-image-preview")
///     .timeout(Duration::from_secs(300))
///     .max_retries(4)
///     .build()?;
/// assert_eq!(client.default_model(), "gemini-3-pro-image-preview");
/// # Ok::<(), gemini_image::Error>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    default_model: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry_policy: RetryPolicy,
    proxy: Option<String>,
    user_agent: Option<String>,
    max_response_bytes: u64,
    max_inline_bytes: Option<u64>,
    sleeper: Option<Sleeper>,
    jitter: Option<JitterSource>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_key: None,
            base_url: None,
            default_model: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry_policy: RetryPolicy::default(),
            proxy: None,
            user_agent: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_inline_bytes: None,
            sleeper: None,
            jitter: None,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("base_url", &self.base_url)
            .field("default_model", &self.default_model)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry_policy", &self.retry_policy)
            .field("proxy", &self.proxy.as_ref().map(|_| "<set>"))
            .field("user_agent", &self.user_agent)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_inline_bytes", &self.max_inline_bytes)
            .field("sleeper", &self.sleeper.as_ref().map(|_| "<custom>"))
            .field("jitter", &self.jitter.as_ref().map(|_| "<custom>"))
            .finish()
    }
}

/// An environment variable's value, `None` when unset or blank.
fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

impl ClientBuilder {
    /// A builder with nothing set (no key: [`ClientBuilder::build`] fails until
    /// [`ClientBuilder::api_key`] is called).
    pub fn new() -> Self {
        ClientBuilder::default()
    }

    /// A builder preset from the environment: the key from `THUCCHIEN_API_KEY`, else
    /// `GEMINI_API_KEY`; the base URL from `GEMINI_IMAGE_BASE_URL` (default the gateway,
    /// `https://api.thucchien.ai/gemini`); the default model from `GEMINI_IMAGE_MODEL`
    /// (default [`DEFAULT_MODEL`]). Blank values count as unset. Methods called afterwards
    /// override these.
    pub fn from_env() -> Self {
        ClientBuilder {
            api_key: env(ENV_THUCCHIEN_API_KEY).or_else(|| env(ENV_GEMINI_API_KEY)),
            base_url: env(ENV_BASE_URL),
            default_model: env(ENV_MODEL),
            ..ClientBuilder::default()
        }
    }

    /// The API key, sent in the `x-goog-api-key` header (never in the URL).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL: the gateway `https://api.thucchien.ai/gemini` (default), Google's
    /// `https://generativelanguage.googleapis.com`, or any compatible server such as the
    /// emulator. The route (`/v1beta/models/…`) is appended.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The model used by [`Client::text_to_image`], [`Client::edit`], [`Client::request`]
    /// and [`Client::conversation`] (default [`DEFAULT_MODEL`]).
    pub fn default_model(mut self, model: impl Into<String>) -> Self {
        self.default_model = Some(model.into());
        self
    }

    /// The overall time limit of one attempt, from connecting to the last body byte
    /// (default 180 s; for a stream, the time the caller takes between reads counts too).
    /// `Duration::ZERO` disables it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time limit for establishing a connection, TLS included (default 15 s).
    /// `Duration::ZERO` disables it.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]: 3 attempts in total, capped
    /// exponential backoff with jitter, server-requested delays honoured).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Allows `retries` retries after the first attempt (`0` never retries), keeping the
    /// rest of the current policy.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry_policy.max_attempts = retries.saturating_add(1);
        self
    }

    /// Sends every request through this proxy (`http://`, `https://`, `socks4://`,
    /// `socks5://`; credentials as `user:pass@`). Without it, the standard `HTTPS_PROXY` /
    /// `ALL_PROXY` / `NO_PROXY` environment variables apply.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Replaces the `user-agent` header (default `gemini-image/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The largest response body accepted, in bytes (default 256 MiB). A bigger body fails
    /// with kind `response_too_large`.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The endpoint's inline-payload limit checked before sending (default 100 MB, the
    /// Gemini API's).
    pub fn max_inline_bytes(mut self, limit: u64) -> Self {
        self.max_inline_bytes = Some(limit);
        self
    }

    /// Replaces how the client waits between retries (default [`std::thread::sleep`]).
    /// Tests pass a recording no-op.
    pub fn sleeper(mut self, sleeper: Sleeper) -> Self {
        self.sleeper = Some(sleeper);
        self
    }

    /// Replaces the source of retry jitter (values in `0.0..=1.0`; default an internal
    /// pseudo-random generator). Tests pass `Arc::new(|| 0.0)` for exact delays.
    pub fn jitter(mut self, jitter: JitterSource) -> Self {
        self.jitter = Some(jitter);
        self
    }

    /// Builds the client. Fails with [`Error::InvalidRequest`] naming the field when the
    /// key is missing or malformed (`api_key`), the base URL is not an http(s) URL
    /// (`base_url`), the default model is blank (`default_model`), the proxy URL is unusable
    /// (`proxy`) or the user agent is not a valid header value (`user_agent`).
    pub fn build(self) -> Result<Client, Error> {
        let Some(raw_key) = self.api_key.as_deref().filter(|k| !k.trim().is_empty()) else {
            return Err(Error::invalid(
                "api_key",
                format!(
                    "no API key; set {ENV_THUCCHIEN_API_KEY} (AI Thực Chiến gateway key) or {ENV_GEMINI_API_KEY} (Google AI Studio key) in the environment, or pass a key"
                ),
            ));
        };
        let key = ApiKey::new(raw_key)?;
        let mut endpoint = Endpoint::new(self.base_url.as_deref().unwrap_or(GATEWAY_BASE_URL))
            .map_err(|err| err.redact(key.expose()))?;
        if let Some(limit) = self.max_inline_bytes {
            endpoint = endpoint.with_max_inline_bytes(limit);
        }
        let default_model = self
            .default_model
            .map(|model| model.trim().to_string())
            .unwrap_or_else(|| DEFAULT_MODEL.to_string());
        if default_model.is_empty() {
            return Err(Error::invalid(
                "default_model",
                format!("is blank; pass a model id such as {DEFAULT_MODEL}"),
            ));
        }
        let user_agent = self.user_agent.unwrap_or_else(|| USER_AGENT.to_string());
        if user_agent.trim().is_empty() || user_agent.chars().any(char::is_control) {
            return Err(Error::invalid(
                "user_agent",
                "must be a non-empty header value without control characters",
            ));
        }
        let non_zero = |d: Duration| (!d.is_zero()).then_some(d);
        let agent = transport::agent(&AgentSettings {
            timeout: non_zero(self.timeout),
            connect_timeout: non_zero(self.connect_timeout),
            proxy: self.proxy.as_deref(),
            user_agent: &user_agent,
        })
        .map_err(|err| err.redact(key.expose()))?;
        Ok(Client::from_inner(Inner {
            agent,
            endpoint,
            key,
            default_model,
            retry_policy: self.retry_policy,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            proxy_set: self.proxy.is_some(),
            user_agent,
            max_response_bytes: self.max_response_bytes,
            sleeper: self.sleeper,
            jitter: Jitter::new(self.jitter),
        }))
    }
}
