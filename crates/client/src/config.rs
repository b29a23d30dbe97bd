//! [`ClientBuilder`]: every setting of a [`Client`], from code or the environment.

use std::fmt;
use std::time::Duration;

use gemini_image_core::{
    ApiKey, Endpoint, Error, GATEWAY_BASE_URL, GOOGLE_BASE_URL, RetryPolicy, USER_AGENT,
};

use crate::client::{Client, Inner};
use crate::jitter::Jitter;
use crate::transport::{self, AgentSettings};
use crate::{DEFAULT_MODEL, JitterSource, RetryObserver, Sleeper};

/// Environment variable holding an AI Thực Chiến gateway key (checked first).
pub const ENV_THUCCHIEN_API_KEY: &str = "THUCCHIEN_API_KEY";
/// Environment variable holding a Gemini API key (checked when `THUCCHIEN_API_KEY` is unset).
pub const ENV_GEMINI_API_KEY: &str = "GEMINI_API_KEY";
/// Environment variable holding a Google API key, the name Google's own SDKs read (checked
/// when `THUCCHIEN_API_KEY` and `GEMINI_API_KEY` are unset).
pub const ENV_GOOGLE_API_KEY: &str = "GOOGLE_API_KEY";
/// The key variables, in the order they are read.
pub const ENV_API_KEYS: [&str; 3] = [
    ENV_THUCCHIEN_API_KEY,
    ENV_GEMINI_API_KEY,
    ENV_GOOGLE_API_KEY,
];
/// Environment variable overriding the base URL (default: the gateway).
pub const ENV_BASE_URL: &str = "GEMINI_IMAGE_BASE_URL";
/// Environment variable overriding the default model.
pub const ENV_MODEL: &str = "GEMINI_IMAGE_MODEL";
/// Set to `1`/`true` to allow a plain-HTTP base URL to a host that is not this machine
/// (see [`ClientBuilder::allow_insecure_http`]).
pub const ENV_ALLOW_INSECURE_HTTP: &str = "GEMINI_IMAGE_ALLOW_INSECURE_HTTP";

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
    /// The key came from `GEMINI_API_KEY`/`GOOGLE_API_KEY`: without a base URL, use Google's.
    google_key: bool,
    base_url: Option<String>,
    default_model: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry_policy: RetryPolicy,
    proxy: Option<String>,
    user_agent: Option<String>,
    max_response_bytes: u64,
    max_inline_bytes: Option<u64>,
    allow_insecure_http: bool,
    sleeper: Option<Sleeper>,
    jitter: Option<JitterSource>,
    on_retry: Option<RetryObserver>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_key: None,
            google_key: false,
            base_url: None,
            default_model: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry_policy: RetryPolicy::default(),
            proxy: None,
            user_agent: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_inline_bytes: None,
            allow_insecure_http: false,
            sleeper: None,
            jitter: None,
            on_retry: None,
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
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("sleeper", &self.sleeper.as_ref().map(|_| "<custom>"))
            .field("on_retry", &self.on_retry.as_ref().map(|_| "<observer>"))
            .field("jitter", &self.jitter.as_ref().map(|_| "<custom>"))
            .finish()
    }
}

impl ClientBuilder {
    /// A builder with nothing set (no key: [`ClientBuilder::build`] fails until
    /// [`ClientBuilder::api_key`] is called).
    pub fn new() -> Self {
        ClientBuilder::default()
    }

    /// A builder preset from the environment by [`EnvConfig::load`]: the key from
    /// `THUCCHIEN_API_KEY`, else `GEMINI_API_KEY`, else `GOOGLE_API_KEY`; the base URL from
    /// `GEMINI_IMAGE_BASE_URL`, else — a key is only sent where it belongs — Google's API
    /// for a key from `GEMINI_API_KEY`/`GOOGLE_API_KEY` and the gateway
    /// (`https://api.thucchien.ai/gemini`) otherwise; the default model from
    /// `GEMINI_IMAGE_MODEL` (default [`DEFAULT_MODEL`]). Blank values count as unset.
    /// Methods called afterwards override these (a key set with [`ClientBuilder::api_key`]
    /// goes to the gateway unless a base URL is set).
    pub fn from_env() -> Self {
        EnvConfig::load().builder()
    }

    /// The API key, sent in the `x-goog-api-key` header (never in the URL).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self.google_key = false;
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
    /// Must be more than zero ([`ClientBuilder::build`] rejects `Duration::ZERO`, field
    /// `timeout`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time limit for establishing a connection, TLS included (default 15 s, and never
    /// more than the overall [`ClientBuilder::timeout`]: a shorter overall timeout lowers
    /// it). Must be more than zero ([`ClientBuilder::build`] rejects `Duration::ZERO`,
    /// field `connect_timeout`: no call may wait forever).
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

    /// Allows a plain-HTTP (`http://`) base URL to a host other than this machine (default
    /// `false`: such a URL would send the API key unencrypted across the network, so
    /// [`ClientBuilder::build`] refuses it, field `base_url`). Loopback URLs (the emulator,
    /// test servers) never need it. TLS certificates are always verified for `https://`;
    /// there is no switch to turn that off.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Tells `observer` about every retry of every call, as it starts (a call's own
    /// [`CallOptions::on_retry`](crate::CallOptions) takes precedence): where a front door
    /// hooks its logging or callback.
    pub fn on_retry(mut self, observer: RetryObserver) -> Self {
        self.on_retry = Some(observer);
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
                    "no API key; set {ENV_THUCCHIEN_API_KEY} (AI Thực Chiến gateway key) or {ENV_GEMINI_API_KEY}/{ENV_GOOGLE_API_KEY} (Google AI Studio key) in the environment, or pass a key"
                ),
            ));
        };
        let key = ApiKey::new(raw_key)?;
        if self.timeout.is_zero() {
            return Err(Error::invalid(
                "timeout",
                "must be more than zero (zero would mean no limit, and a call could hang); image calls take 8-35 s (4K longer), the default is 180 s",
            ));
        }
        if self.connect_timeout.is_zero() {
            return Err(Error::invalid(
                "connect_timeout",
                "must be more than zero (zero would mean no limit, and a call could hang); the default is 15 s",
            ));
        }
        // The connect timeout must not outlast the overall one.
        let connect_timeout = self.connect_timeout.min(self.timeout);
        let default_base = if self.google_key {
            GOOGLE_BASE_URL
        } else {
            GATEWAY_BASE_URL
        };
        let mut endpoint = Endpoint::new(self.base_url.as_deref().unwrap_or(default_base))
            .map_err(|err| err.redact(key.expose()))?;
        if endpoint.is_plain_http_to_remote() && !self.allow_insecure_http {
            return Err(Error::invalid(
                "base_url",
                format!(
                    "is plain http:// to a host that is not this machine, which would send the API key unencrypted; use https://, or allow it explicitly (allow_insecure_http, or {ENV_ALLOW_INSECURE_HTTP}=1) for a trusted network"
                ),
            ));
        }
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
        let agent = transport::agent(&AgentSettings {
            timeout: self.timeout,
            connect_timeout,
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
            connect_timeout,
            proxy_set: self.proxy.is_some(),
            user_agent,
            max_response_bytes: self.max_response_bytes,
            sleeper: self.sleeper,
            jitter: Jitter::new(self.jitter),
            on_retry: self.on_retry,
        }))
    }
}

/// Where a configuration value came from (never the value itself, for the key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// This environment variable.
    Env(&'static str),
    /// The built-in default.
    Default,
    /// Google's API, the default base URL for a key from this variable
    /// (`GEMINI_API_KEY` or `GOOGLE_API_KEY`).
    DefaultForKey(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Env(name) => f.write_str(name),
            Source::Default => f.write_str("default"),
            Source::DefaultForKey(name) => write!(f, "default for a key from {name}"),
        }
    }
}

/// The configuration found in the environment, and where each value came from — what
/// [`ClientBuilder::from_env`] uses, and what the CLI and every language binding read.
///
/// The rule (blank values count as unset):
/// * **key**: `THUCCHIEN_API_KEY`, else `GEMINI_API_KEY`, else `GOOGLE_API_KEY`;
/// * **base URL**: `GEMINI_IMAGE_BASE_URL`; when it is unset, a key is sent only where it
///   belongs: Google's API (`https://generativelanguage.googleapis.com`) for a key from
///   `GEMINI_API_KEY`/`GOOGLE_API_KEY` (a Google AI Studio key), the AI Thực Chiến gateway
///   (`https://api.thucchien.ai/gemini`) for `THUCCHIEN_API_KEY` or no key;
/// * **model**: `GEMINI_IMAGE_MODEL`, else [`DEFAULT_MODEL`].
///
/// `Debug` and [`EnvConfig::describe`] never show the key, only its source.
///
/// ```
/// use gemini_image::{EnvConfig, Source};
///
/// let env = |name: &str| match name {
///     "GEMINI_API_KEY" => Some("AIza-example".to_string()),
///     _ => None,
/// };
/// let config = EnvConfig::from_lookup(env);
/// assert_eq!(config.api_key_source, Some("GEMINI_API_KEY"));
/// assert_eq!(config.base_url, "https://generativelanguage.googleapis.com");
/// assert_eq!(config.base_url_source, Source::DefaultForKey("GEMINI_API_KEY"));
/// assert!(!format!("{config:?}").contains("AIza-example"));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnvConfig {
    api_key: Option<String>,
    /// The variable the key came from, `None` when no key is set.
    pub api_key_source: Option<&'static str>,
    /// The base URL to use.
    pub base_url: String,
    /// Where the base URL came from.
    pub base_url_source: Source,
    /// The default model.
    pub model: String,
    /// Where the model came from.
    pub model_source: Source,
    /// `GEMINI_IMAGE_ALLOW_INSECURE_HTTP` is `1`/`true`/`yes`.
    pub allow_insecure_http: bool,
}

impl fmt::Debug for EnvConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvConfig")
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("api_key_source", &self.api_key_source)
            .field("base_url", &self.base_url)
            .field("base_url_source", &self.base_url_source)
            .field("model", &self.model)
            .field("model_source", &self.model_source)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish()
    }
}

impl EnvConfig {
    /// Reads the process environment.
    pub fn load() -> EnvConfig {
        EnvConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup` (tests, or a host language's own environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> EnvConfig {
        let get = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
        };
        let (api_key, api_key_source) = ENV_API_KEYS
            .iter()
            .find_map(|name| get(name).map(|key| (Some(key), Some(*name))))
            .unwrap_or((None, None));
        let (base_url, base_url_source) = match get(ENV_BASE_URL) {
            Some(url) => (url, Source::Env(ENV_BASE_URL)),
            None => match api_key_source {
                Some(name) if name != ENV_THUCCHIEN_API_KEY => {
                    (GOOGLE_BASE_URL.to_string(), Source::DefaultForKey(name))
                }
                _ => (GATEWAY_BASE_URL.to_string(), Source::Default),
            },
        };
        let (model, model_source) = match get(ENV_MODEL) {
            Some(model) => (model, Source::Env(ENV_MODEL)),
            None => (DEFAULT_MODEL.to_string(), Source::Default),
        };
        let allow_insecure_http = get(ENV_ALLOW_INSECURE_HTTP).is_some_and(|value| {
            matches!(value.to_ascii_lowercase().as_str(), "1" | "true" | "yes")
        });
        EnvConfig {
            api_key,
            api_key_source,
            base_url,
            base_url_source,
            model,
            model_source,
            allow_insecure_http,
        }
    }

    /// The key found, if any. Never print it.
    pub fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }

    /// Whether the base URL is the default for a Google key (Google's API), so a key given
    /// some other way (a flag, a keyword argument) should go to the gateway instead.
    pub fn base_url_is_default(&self) -> bool {
        !matches!(self.base_url_source, Source::Env(_))
    }

    /// One line saying where each value came from, without the key:
    /// `key from GEMINI_API_KEY; base URL https://… (default for a key from GEMINI_API_KEY); model gemini-3.1-flash-image (default)`.
    pub fn describe(&self) -> String {
        let key = match self.api_key_source {
            Some(name) => format!("key from {name}"),
            None => format!("no key (none of {})", ENV_API_KEYS.join(", ")),
        };
        format!(
            "{key}; base URL {} ({}); model {} ({})",
            self.base_url, self.base_url_source, self.model, self.model_source
        )
    }

    /// A [`ClientBuilder`] preset with these values (what [`ClientBuilder::from_env`] does).
    pub fn builder(&self) -> ClientBuilder {
        ClientBuilder {
            api_key: self.api_key.clone(),
            google_key: matches!(self.base_url_source, Source::DefaultForKey(_)),
            base_url: match self.base_url_source {
                Source::Env(_) => Some(self.base_url.clone()),
                _ => None,
            },
            default_model: match self.model_source {
                Source::Env(_) => Some(self.model.clone()),
                _ => None,
            },
            allow_insecure_http: self.allow_insecure_http,
            ..ClientBuilder::default()
        }
    }
}
