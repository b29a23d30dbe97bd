//! Endpoint, key and the plain HTTP request the core hands to any transport.

use std::fmt;

use crate::error::Error;
use crate::request::{DEFAULT_MAX_INLINE_BYTES, GenerateRequest};
use crate::wire;

/// The AI Thực Chiến gateway's Gemini passthrough (the default).
pub const GATEWAY_BASE_URL: &str = "https://api.thucchien.ai/gemini";
/// Google's Gemini API.
pub const GOOGLE_BASE_URL: &str = "https://generativelanguage.googleapis.com";
/// The API version path segment.
pub const DEFAULT_API_VERSION: &str = "v1beta";
/// The header that carries the key (never a Bearer token: the gateway's `/gemini` route
/// ignores `Authorization`).
pub const API_KEY_HEADER: &str = "x-goog-api-key";
/// The default `user-agent`.
pub const USER_AGENT: &str = concat!("gemini-image/", env!("CARGO_PKG_VERSION"));

/// An API key. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key; surrounding whitespace (a pasted newline) is trimmed.
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key = key.into().trim().to_string();
        if key.is_empty() {
            return Err(Error::invalid(
                "api_key",
                "is empty; set THUCCHIEN_API_KEY (or GEMINI_API_KEY) or pass an API key",
            ));
        }
        if key.chars().any(|c| c.is_control() || c == ' ') {
            return Err(Error::invalid(
                "api_key",
                "contains spaces or control characters; check the value you pasted",
            ));
        }
        Ok(ApiKey(key))
    }

    /// The secret itself, for the header and for redaction.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where requests go: a base URL (the gateway by default), the API version, and the
/// endpoint's inline-payload limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    base_url: String,
    api_version: String,
    max_inline_bytes: u64,
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint::gateway()
    }
}

impl Endpoint {
    /// `https://api.thucchien.ai/gemini`.
    pub fn gateway() -> Self {
        Endpoint {
            base_url: GATEWAY_BASE_URL.to_string(),
            api_version: DEFAULT_API_VERSION.to_string(),
            max_inline_bytes: DEFAULT_MAX_INLINE_BYTES,
        }
    }

    /// `https://generativelanguage.googleapis.com`.
    pub fn google() -> Self {
        Endpoint::new(GOOGLE_BASE_URL).unwrap_or_else(|_| Endpoint::gateway())
    }

    /// Any base URL (a proxy, the emulator, a loopback test server). The API version and
    /// route are appended: pass `https://host/gemini`, not the full route.
    pub fn new(base_url: impl Into<String>) -> Result<Self, Error> {
        let base_url = base_url.into().trim().trim_end_matches('/').to_string();
        // Checked first, so that no later message echoes the credentials.
        let after_scheme = base_url
            .split_once("://")
            .map_or(&*base_url, |(_, rest)| rest);
        if after_scheme.split('/').next().unwrap_or("").contains('@') {
            return Err(Error::invalid(
                "base_url",
                "must not carry credentials (user:pass@host): the API key is the only credential, sent in the x-goog-api-key header; for a proxy's credentials use the proxy setting",
            ));
        }
        let scheme_ok = base_url.starts_with("http://") || base_url.starts_with("https://");
        let host = base_url.split("://").nth(1).unwrap_or("");
        if !scheme_ok || host.is_empty() || base_url.contains(char::is_whitespace) {
            return Err(Error::invalid(
                "base_url",
                format!("{base_url:?} is not an http(s) URL; use e.g. {GATEWAY_BASE_URL}"),
            ));
        }
        if base_url.contains('?') || base_url.contains('#') {
            return Err(Error::invalid(
                "base_url",
                "must not contain a query or fragment (the key goes in a header, not ?key=)",
            ));
        }
        let base_url = base_url
            .strip_suffix("/v1beta")
            .or_else(|| base_url.strip_suffix("/v1"))
            .unwrap_or(&base_url)
            .to_string();
        Ok(Endpoint {
            base_url,
            api_version: DEFAULT_API_VERSION.to_string(),
            max_inline_bytes: DEFAULT_MAX_INLINE_BYTES,
        })
    }

    /// Overrides the API version (default `v1beta`).
    pub fn with_api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Overrides the inline-payload limit checked before sending (default 100 MB).
    pub fn with_max_inline_bytes(mut self, limit: u64) -> Self {
        self.max_inline_bytes = limit;
        self
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether requests would go in plain HTTP to a host that is not this machine (the key
    /// would cross the network unencrypted): clients refuse such a base URL unless told
    /// otherwise. Loopback is `localhost` (and `*.localhost`), `127.0.0.0/8` and `[::1]`.
    pub fn is_plain_http_to_remote(&self) -> bool {
        let Some(rest) = self.base_url.strip_prefix("http://") else {
            return false;
        };
        let authority = rest.split('/').next().unwrap_or("");
        let host = if let Some(bracketed) = authority.strip_prefix('[') {
            bracketed.split(']').next().unwrap_or("")
        } else {
            authority
                .rsplit_once(':')
                .map_or(authority, |(host, _port)| host)
        };
        let host = host.to_ascii_lowercase();
        let loopback = host == "localhost"
            || host.ends_with(".localhost")
            || host
                .parse::<core::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        !loopback
    }

    /// The inline-payload limit.
    pub fn max_inline_bytes(&self) -> u64 {
        self.max_inline_bytes
    }

    /// The URL of a call for `model`.
    pub fn url(&self, model: &str, call: Call) -> String {
        let model = model.strip_prefix("models/").unwrap_or(model);
        let method = match call {
            Call::Generate => ":generateContent",
            Call::Stream => ":streamGenerateContent?alt=sse",
        };
        format!(
            "{}/{}/models/{model}{method}",
            self.base_url, self.api_version
        )
    }
}

/// Which RPC to call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// `:generateContent`: one JSON response.
    Generate,
    /// `:streamGenerateContent?alt=sse`: server-sent events.
    Stream,
}

/// A plain HTTP request: what any transport must send. `Debug` hides the key.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Always `POST`.
    pub method: &'static str,
    /// The full URL.
    pub url: String,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A header's value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let shown = if k.eq_ignore_ascii_case(API_KEY_HEADER) {
                    "***"
                } else {
                    v
                };
                (k.as_str(), shown)
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

/// Validates `request` and builds the HTTP request for it. Images are base64-encoded
/// straight into the body buffer.
pub fn build_http_request(
    endpoint: &Endpoint,
    api_key: &ApiKey,
    request: &GenerateRequest,
    call: Call,
) -> Result<HttpRequest, Error> {
    request.validate_with_limit(endpoint.max_inline_bytes)?;
    let body = wire::write_body(request)?;
    let mut headers = vec![
        (API_KEY_HEADER.to_string(), api_key.expose().to_string()),
        ("content-type".to_string(), "application/json".to_string()),
        ("user-agent".to_string(), USER_AGENT.to_string()),
    ];
    if call == Call::Stream {
        headers.push(("accept".to_string(), "text/event-stream".to_string()));
    }
    Ok(HttpRequest {
        method: "POST",
        url: endpoint.url(request.model_id(), call),
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_gateway_request() {
        let key = ApiKey::new("secret-key-123").unwrap();
        let req = GenerateRequest::text_to_image("models/gemini-2.5-flash-image", "a cat");
        let http = build_http_request(&Endpoint::gateway(), &key, &req, Call::Stream).unwrap();
        assert_eq!(
            http.url,
            "https://api.thucchien.ai/gemini/v1beta/models/gemini-2.5-flash-image:streamGenerateContent?alt=sse"
        );
        assert_eq!(http.header("X-Goog-Api-Key"), Some("secret-key-123"));
        assert_eq!(http.header("authorization"), None);
        let shown = format!("{http:?} {key:?} {key}");
        assert!(!shown.contains("secret-key-123"), "{shown}");
    }

    #[test]
    fn endpoint_normalisation() {
        assert_eq!(
            Endpoint::new("http://127.0.0.1:9/gemini/v1beta/")
                .unwrap()
                .base_url(),
            "http://127.0.0.1:9/gemini"
        );
        assert_eq!(
            Endpoint::new("ftp://x").unwrap_err().field(),
            Some("base_url")
        );
        assert_eq!(
            Endpoint::new("https://x/?key=1").unwrap_err().field(),
            Some("base_url")
        );
        assert_eq!(ApiKey::new(" \n").unwrap_err().field(), Some("api_key"));
    }

    #[test]
    fn credentials_in_the_base_url_are_refused() {
        for url in [
            "https://user:s3cr3t@api.example.com/gemini",
            "http://u@127.0.0.1:9",
        ] {
            let err = Endpoint::new(url).unwrap_err();
            assert_eq!(err.field(), Some("base_url"), "{url}");
            assert!(!err.to_string().contains("s3cr3t"), "{err}");
        }
        // An @ in the path is not userinfo.
        assert!(Endpoint::new("https://api.example.com/gemini/@x").is_ok());
    }

    #[test]
    fn plain_http_to_remote_hosts_is_recognised() {
        let remote = |url: &str| Endpoint::new(url).map(|e| e.is_plain_http_to_remote());
        for local in [
            "http://127.0.0.1:8080/gemini",
            "http://127.9.9.9",
            "http://localhost:3000",
            "http://LOCALHOST",
            "http://emu.localhost:1",
            "http://[::1]:9/gemini",
            "https://api.thucchien.ai/gemini",
            "https://10.0.0.1",
        ] {
            assert_eq!(remote(local), Ok(false), "{local}");
        }
        for far in [
            "http://api.thucchien.ai/gemini",
            "http://10.0.0.1:8080",
            "http://localhost.evil.com",
            "http://[2001:db8::1]:80",
            "http://127.0.0.1.nip.io",
        ] {
            assert_eq!(remote(far), Ok(true), "{far}");
        }
    }
}
