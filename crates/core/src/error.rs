//! The one error type of the SDK, its stable kinds, and secret scrubbing.

use std::fmt;
use std::time::Duration;

use crate::redact::Redactor;
use crate::response::GenerateResponse;

/// The stable category of an [`Error`]; its snake_case name ([`ErrorKind::as_str`]) is the
/// same in every language binding and in the shared test vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request is invalid: caught by validation before sending, or a 400 from the server.
    InvalidRequest,
    /// The key is missing or wrong (401, or Google's `API_KEY_INVALID`).
    Authentication,
    /// The key may not do this (403).
    PermissionDenied,
    /// Unknown or retired model, or wrong URL (404).
    NotFound,
    /// Too many requests right now (429 rate/quota windows); retryable.
    RateLimited,
    /// Budget exceeded or credits depleted: waiting will not help.
    QuotaExhausted,
    /// A server-side failure (500, 502, 503 and other 5xx).
    Server,
    /// The request took too long (client timeout, 408, 504).
    Timeout,
    /// The connection failed or broke.
    Network,
    /// The response could not be decoded (bad JSON, bad base64).
    Decode,
    /// An HTTP 200 that carries no final image (blocked, filtered, refused).
    NoImage,
    /// The response body is larger than the client's configured cap.
    ResponseTooLarge,
    /// The caller cancelled the call (or its deadline passed between attempts).
    Cancelled,
    /// Reading an input file or writing a result failed.
    Io,
    /// Something that should never happen (a bug in this SDK); please report it.
    Internal,
}

impl ErrorKind {
    /// Every kind, in declaration order: bindings build their error-class tables from it.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::InvalidRequest,
        ErrorKind::Authentication,
        ErrorKind::PermissionDenied,
        ErrorKind::NotFound,
        ErrorKind::RateLimited,
        ErrorKind::QuotaExhausted,
        ErrorKind::Server,
        ErrorKind::Timeout,
        ErrorKind::Network,
        ErrorKind::Decode,
        ErrorKind::NoImage,
        ErrorKind::ResponseTooLarge,
        ErrorKind::Cancelled,
        ErrorKind::Io,
        ErrorKind::Internal,
    ];

    /// The stable upper-case code used by the Node package's `err.code`, e.g.
    /// `"GEMINI_IMAGE_RATE_LIMITED"`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "GEMINI_IMAGE_INVALID_REQUEST",
            ErrorKind::Authentication => "GEMINI_IMAGE_AUTHENTICATION",
            ErrorKind::PermissionDenied => "GEMINI_IMAGE_PERMISSION_DENIED",
            ErrorKind::NotFound => "GEMINI_IMAGE_NOT_FOUND",
            ErrorKind::RateLimited => "GEMINI_IMAGE_RATE_LIMITED",
            ErrorKind::QuotaExhausted => "GEMINI_IMAGE_QUOTA_EXHAUSTED",
            ErrorKind::Server => "GEMINI_IMAGE_SERVER",
            ErrorKind::Timeout => "GEMINI_IMAGE_TIMEOUT",
            ErrorKind::Network => "GEMINI_IMAGE_NETWORK",
            ErrorKind::Decode => "GEMINI_IMAGE_DECODE",
            ErrorKind::NoImage => "GEMINI_IMAGE_NO_IMAGE",
            ErrorKind::ResponseTooLarge => "GEMINI_IMAGE_RESPONSE_TOO_LARGE",
            ErrorKind::Cancelled => "GEMINI_IMAGE_CANCELLED",
            ErrorKind::Io => "GEMINI_IMAGE_IO",
            ErrorKind::Internal => "GEMINI_IMAGE_INTERNAL",
        }
    }

    /// The stable snake_case name, e.g. `"rate_limited"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::Authentication => "authentication",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::NotFound => "not_found",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::QuotaExhausted => "quota_exhausted",
            ErrorKind::Server => "server",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Network => "network",
            ErrorKind::Decode => "decode",
            ErrorKind::NoImage => "no_image",
            ErrorKind::ResponseTooLarge => "response_too_large",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Io => "io",
            ErrorKind::Internal => "internal",
        }
    }
}

impl std::str::FromStr for ErrorKind {
    type Err = Error;

    /// Parses the snake_case name (`"rate_limited"`) or the code
    /// (`"GEMINI_IMAGE_RATE_LIMITED"`).
    fn from_str(text: &str) -> Result<Self, Error> {
        ErrorKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.as_str() == text || kind.code() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
                Error::invalid(
                    "kind",
                    format!(
                        "{text:?} is not an error kind; use one of {}",
                        names.join(", ")
                    ),
                )
            })
    }
}

/// What the caller can change to make the call succeed. The error message says what went
/// wrong in neutral words; each front door renders the remedy in its own terms (a CLI flag,
/// a Python keyword argument, a Node option).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Remedy {
    /// No key was given: set one (argument or environment variable).
    SetApiKey,
    /// The key was refused or may not do this: check it, or that it belongs to this base URL.
    CheckApiKey,
    /// The host could not be reached or answered unexpectedly: check the base URL, proxy
    /// and network.
    CheckBaseUrl,
    /// The call ran out of time: raise the timeout (image calls take 8–35 s, 4K longer).
    RaiseTimeout,
    /// The response was bigger than the client accepts: raise the response size limit.
    RaiseResponseLimit,
    /// A passing condition (rate limit, overload): retry later, after `after` if known.
    RetryLater {
        /// The delay the server asked for.
        after: Option<Duration>,
    },
    /// The budget or prepaid credits are used up: top up or raise the budget.
    TopUp,
    /// Change this option (or input) and try again.
    FixField {
        /// The option or input to change, as in [`Error::field`].
        field: String,
    },
    /// The model does not exist here (or is retired): check the model id.
    CheckModel,
    /// The model produced no image for this prompt: rephrase it.
    Rephrase,
}

impl fmt::Display for Remedy {
    /// Neutral English advice, for front doors without words of their own.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Remedy::SetApiKey => f.write_str("set an API key"),
            Remedy::CheckApiKey => {
                f.write_str("check the API key and that it belongs to this base URL")
            }
            Remedy::CheckBaseUrl => f.write_str("check the base URL, the proxy and the network"),
            Remedy::RaiseTimeout => {
                f.write_str("raise the timeout (image calls take 8-35 s, 4K longer)")
            }
            Remedy::RaiseResponseLimit => f.write_str("raise the response size limit"),
            Remedy::RetryLater { after: Some(after) } => {
                write!(f, "retry in {:.0} s", after.as_secs_f64().ceil())
            }
            Remedy::RetryLater { after: None } => f.write_str("retry later"),
            Remedy::TopUp => f.write_str("top up the credits or raise the budget"),
            Remedy::FixField { field } => write!(f, "change {field}"),
            Remedy::CheckModel => f.write_str("check the model id"),
            Remedy::Rephrase => f.write_str("rephrase the prompt"),
        }
    }
}

impl Remedy {
    /// The stable snake_case name, e.g. `"raise_timeout"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Remedy::SetApiKey => "set_api_key",
            Remedy::CheckApiKey => "check_api_key",
            Remedy::CheckBaseUrl => "check_base_url",
            Remedy::RaiseTimeout => "raise_timeout",
            Remedy::RaiseResponseLimit => "raise_response_limit",
            Remedy::RetryLater { .. } => "retry_later",
            Remedy::TopUp => "top_up",
            Remedy::FixField { .. } => "fix_field",
            Remedy::CheckModel => "check_model",
            Remedy::Rephrase => "rephrase",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error returned by the server (any non-2xx status, or an error object in a stream).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The category derived from the status and the body.
    pub kind: ErrorKind,
    /// The HTTP status (for an error inside a 200 stream: the error's own `code`).
    pub http_status: u16,
    /// The server's message (secrets scrubbed).
    pub message: String,
    /// Google's `error.status`, e.g. `RESOURCE_EXHAUSTED`.
    pub status: Option<String>,
    /// The gateway's (LiteLLM) `error.type`, e.g. `budget_exceeded`.
    pub error_type: Option<String>,
    /// The gateway's (LiteLLM) `error.param`.
    pub param: Option<String>,
    /// `google.rpc.ErrorInfo.reason`, e.g. `API_KEY_INVALID`.
    pub reason: Option<String>,
    /// How long the server asked us to wait: `RetryInfo.retryDelay`, the `Retry-After`
    /// header, or "Please retry in Ns." in the message.
    pub retry_after: Option<Duration>,
    /// `google.rpc.BadRequest.fieldViolations`.
    pub field_violations: Vec<FieldViolation>,
    /// `google.rpc.QuotaFailure.violations` (quota ids).
    pub quota_violations: Vec<String>,
    /// The raw `error.details` array, when present.
    pub details: Option<serde_json::Value>,
}

/// One `google.rpc.BadRequest` field violation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldViolation {
    /// The offending field path, as the server names it.
    pub field: String,
    /// Why it was rejected.
    pub description: String,
}

/// An HTTP 200 that carries no final image: a blocked prompt, a filtered image, a text-only
/// refusal or `NO_IMAGE`. The whole parsed response stays available.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct NoImage {
    /// The candidate's `finishReason`, verbatim.
    pub finish_reason: Option<String>,
    /// The candidate's `finishMessage` (dropped by the official SDKs; kept here).
    pub finish_message: Option<String>,
    /// `promptFeedback.blockReason`, verbatim.
    pub block_reason: Option<String>,
    /// `promptFeedback.blockReasonMessage`.
    pub block_reason_message: Option<String>,
    /// Any non-thought text the model wrote instead (often the refusal).
    pub text: Option<String>,
    /// The response as parsed.
    pub response: GenerateResponse,
}

/// How a transport failed (reported by the client crate; the core never does IO).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// Connect, read or overall timeout.
    Timeout,
    /// DNS, connect, TLS or a connection broken mid-body.
    Network,
    /// The body exceeded the configured size cap.
    ResponseTooLarge,
    /// No connection could be made within the connect timeout (kind `timeout`).
    ConnectTimeout,
}

/// Every failure the SDK reports. [`Error::kind`] gives the stable category.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Rejected before anything was sent; `field` names the option to fix.
    InvalidRequest {
        /// The offending option, e.g. `aspect_ratio` or `images[1].mime_type`.
        field: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The server answered with an error.
    Api(Box<ApiError>),
    /// HTTP 200 without a final image.
    NoImage(Box<NoImage>),
    /// The body could not be decoded.
    Decode {
        /// What could not be decoded.
        message: String,
        /// The HTTP status of the undecodable response, if any.
        http_status: Option<u16>,
    },
    /// The transport failed (reported by the client crate).
    Transport {
        /// How it failed.
        failure: TransportFailure,
        /// Details (secrets scrubbed).
        message: String,
    },
    /// The caller cancelled the call, or its deadline passed.
    Cancelled {
        /// What was cancelled and when.
        message: String,
    },
    /// Reading an input file or writing a result failed.
    Io {
        /// The input or output concerned, e.g. `images[1]` or `output`.
        field: String,
        /// What failed, with the path.
        message: String,
    },
    /// A failure that should never happen (a bug in this SDK).
    Internal {
        /// What happened.
        message: String,
    },
}

impl Error {
    /// A validation error naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A decode error.
    pub fn decode(message: impl Into<String>, http_status: Option<u16>) -> Self {
        Error::Decode {
            message: message.into(),
            http_status,
        }
    }

    /// A transport error; the message is scrubbed of anything that looks like a key.
    pub fn transport(failure: TransportFailure, message: impl Into<String>) -> Self {
        Error::Transport {
            failure,
            message: scrub_secrets(&message.into()),
        }
    }

    /// A cancellation.
    pub fn cancelled(message: impl Into<String>) -> Self {
        Error::Cancelled {
            message: message.into(),
        }
    }

    /// A file error on `field` (an input image, an output path).
    pub fn io(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Io {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A should-never-happen failure.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal {
            message: message.into(),
        }
    }

    /// What the caller can change to succeed, when there is something; see [`Remedy`].
    pub fn remedy(&self) -> Option<Remedy> {
        let fix = |field: &str| Remedy::FixField {
            field: field.to_string(),
        };
        match self {
            Error::InvalidRequest { field, .. } => Some(match field.as_str() {
                "api_key" => Remedy::SetApiKey,
                "base_url" => Remedy::CheckBaseUrl,
                "model" => Remedy::CheckModel,
                other => fix(other),
            }),
            Error::Api(api) => match api.kind {
                ErrorKind::Authentication | ErrorKind::PermissionDenied => {
                    Some(Remedy::CheckApiKey)
                }
                ErrorKind::NotFound => Some(Remedy::CheckModel),
                ErrorKind::QuotaExhausted => Some(Remedy::TopUp),
                ErrorKind::RateLimited | ErrorKind::Server | ErrorKind::Timeout => {
                    self.is_retryable().then_some(Remedy::RetryLater {
                        after: api.retry_after,
                    })
                }
                ErrorKind::InvalidRequest => api
                    .field_violations
                    .first()
                    .map(|violation| violation.field.as_str())
                    .or(api.param.as_deref())
                    .map(fix),
                _ => None,
            },
            Error::NoImage(no_image) => Some(match no_image.finish_reason.as_deref() {
                Some("MAX_TOKENS") => fix("max_output_tokens"),
                Some("NO_IMAGE" | "IMAGE_OTHER" | "OTHER") => Remedy::RetryLater { after: None },
                _ => Remedy::Rephrase,
            }),
            Error::Transport { failure, .. } => Some(match failure {
                TransportFailure::Timeout => Remedy::RaiseTimeout,
                TransportFailure::ConnectTimeout | TransportFailure::Network => {
                    Remedy::CheckBaseUrl
                }
                TransportFailure::ResponseTooLarge => Remedy::RaiseResponseLimit,
            }),
            Error::Io { field, .. } => Some(fix(field)),
            Error::Decode { .. } | Error::Cancelled { .. } | Error::Internal { .. } => None,
        }
    }

    /// The stable category.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidRequest { .. } => ErrorKind::InvalidRequest,
            Error::Api(api) => api.kind,
            Error::NoImage(_) => ErrorKind::NoImage,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Transport { failure, .. } => match failure {
                TransportFailure::Timeout | TransportFailure::ConnectTimeout => ErrorKind::Timeout,
                TransportFailure::Network => ErrorKind::Network,
                TransportFailure::ResponseTooLarge => ErrorKind::ResponseTooLarge,
            },
            Error::Cancelled { .. } => ErrorKind::Cancelled,
            Error::Io { .. } => ErrorKind::Io,
            Error::Internal { .. } => ErrorKind::Internal,
        }
    }

    /// Whether sending the same request again may succeed (408, 429 rate limits, 500, 502,
    /// 503, 504, timeouts and network failures). Never for validation, auth, budget or
    /// credits errors.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(api) => match api.kind {
                ErrorKind::RateLimited | ErrorKind::Timeout => true,
                ErrorKind::Server => matches!(api.http_status, 500 | 502 | 503 | 504),
                _ => false,
            },
            Error::Transport { failure, .. } => {
                matches!(
                    failure,
                    TransportFailure::Timeout
                        | TransportFailure::ConnectTimeout
                        | TransportFailure::Network
                )
            }
            _ => false,
        }
    }

    /// The offending option or input, for [`Error::InvalidRequest`] and [`Error::Io`].
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidRequest { field, .. } | Error::Io { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The HTTP status, when the error came from a response.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.http_status),
            Error::Decode { http_status, .. } => *http_status,
            Error::NoImage(_) => Some(200),
            _ => None,
        }
    }

    /// The delay the server asked for before a retry, if it named one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(api) => api.retry_after,
            _ => None,
        }
    }

    /// The human-readable message (without the kind prefix).
    pub fn message(&self) -> String {
        match self {
            Error::InvalidRequest { field, message } => format!("{field}: {message}"),
            Error::Api(api) => api.message.clone(),
            Error::NoImage(no_image) => no_image.describe(),
            Error::Io { field, message } => format!("{field}: {message}"),
            Error::Decode { message, .. }
            | Error::Transport { message, .. }
            | Error::Cancelled { message }
            | Error::Internal { message } => message.clone(),
        }
    }

    /// The API error details, for [`Error::Api`].
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The no-image details, for [`Error::NoImage`].
    pub fn no_image(&self) -> Option<&NoImage> {
        match self {
            Error::NoImage(no_image) => Some(no_image),
            _ => None,
        }
    }

    /// Replaces `secret` with `***` in every string the error carries: messages, the
    /// server's status, reason, field and quota violations, the raw `details`, and a
    /// [`NoImage`]'s texts and embedded response, so that neither `Display` nor `Debug`
    /// can show it. A secret shorter than 8 characters (never a real key) is masked only
    /// where it stands alone, not inside words. Clients call this with their API key on
    /// every error they return, as a last line of defence.
    pub fn redact(mut self, secret: &str) -> Self {
        let Some(r) = Redactor::new(secret) else {
            return self;
        };
        match &mut self {
            Error::InvalidRequest { field, message } => {
                r.text(field);
                r.text(message);
            }
            Error::Decode { message, .. }
            | Error::Transport { message, .. }
            | Error::Cancelled { message }
            | Error::Io { message, .. }
            | Error::Internal { message } => r.text(message),
            Error::Api(api) => {
                r.text(&mut api.message);
                r.opt(&mut api.status);
                r.opt(&mut api.error_type);
                r.opt(&mut api.param);
                r.opt(&mut api.reason);
                for violation in &mut api.field_violations {
                    r.text(&mut violation.field);
                    r.text(&mut violation.description);
                }
                api.quota_violations.iter_mut().for_each(|id| r.text(id));
                if let Some(details) = &mut api.details {
                    r.json(details);
                }
            }
            Error::NoImage(no_image) => {
                r.opt(&mut no_image.finish_reason);
                r.opt(&mut no_image.finish_message);
                r.opt(&mut no_image.block_reason);
                r.opt(&mut no_image.block_reason_message);
                r.opt(&mut no_image.text);
                no_image.response.redact_with(&r);
            }
        }
        self
    }
}

impl NoImage {
    fn describe(&self) -> String {
        let mut out = String::from("the response contains no image");
        if let Some(block) = &self.block_reason {
            out.push_str(&format!("; the prompt was blocked ({block})"));
            if let Some(message) = &self.block_reason_message {
                out.push_str(&format!(": {message}"));
            }
        }
        if let Some(reason) = &self.finish_reason {
            out.push_str(&format!("; finishReason {reason}"));
        }
        if let Some(message) = &self.finish_message {
            out.push_str(&format!(": {message}"));
        }
        if let Some(text) = &self.text {
            out.push_str(&format!("; the model said: {}", excerpt(text, 300)));
        }
        // What to do is the remedy's job (each front door words it); no advice here.
        while out.ends_with('.') {
            out.pop();
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest { field, message } => {
                write!(f, "invalid request: {field}: {message}")
            }
            Error::Api(api) => {
                write!(f, "{} (HTTP {}", api.kind, api.http_status)?;
                if let Some(status) = &api.status {
                    write!(f, " {status}")?;
                }
                write!(f, "): {}", api.message)?;
                if let Some(delay) = api.retry_after {
                    write!(f, " [retry after {:.1}s]", delay.as_secs_f64())?;
                }
                Ok(())
            }
            Error::NoImage(no_image) => write!(f, "no_image: {}", no_image.describe()),
            Error::Decode {
                message,
                http_status,
            } => match http_status {
                Some(status) => write!(f, "decode (HTTP {status}): {message}"),
                None => write!(f, "decode: {message}"),
            },
            Error::Transport { failure, message } => {
                let kind = Error::Transport {
                    failure: *failure,
                    message: String::new(),
                }
                .kind();
                write!(f, "{kind}: {message}")
            }
            Error::Cancelled { message } => write!(f, "cancelled: {message}"),
            Error::Io { field, message } => write!(f, "io: {field}: {message}"),
            Error::Internal { message } => write!(
                f,
                "internal error (a bug in gemini-image, please report it): {message}"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// At most `max` characters of `text`, on a character boundary, with `…` when cut.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let trimmed = text.trim();
    match trimmed.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_string(),
    }
}

/// Masks what looks like a credential in server- or transport-provided text: URL
/// credentials (`scheme://user:pass@host` becomes `scheme://***@host`), `key=...` query
/// values, Google API keys (`AIza…`) and LiteLLM virtual keys (`sk-…`).
pub fn scrub_secrets(text: &str) -> String {
    let unmasked = mask_url_credentials(text);
    let text = unmasked.as_str();
    if !(text.contains("key=") || text.contains("AIza") || text.contains("sk-")) {
        return unmasked;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let next = ["key=", "AIza", "sk-"]
            .iter()
            .filter_map(|marker| rest.find(marker).map(|at| (at, *marker)))
            .min_by_key(|(at, _)| *at);
        let Some((at, marker)) = next else {
            out.push_str(rest);
            break;
        };
        // `sk-` and `AIza` only count at a word start.
        let at_word_start = at == 0
            || !rest[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        let keep_marker = if marker == "AIza" { "" } else { marker };
        out.push_str(&rest[..at]);
        let after = &rest[at + marker.len()..];
        let secret_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .unwrap_or(after.len());
        if (marker == "key=" || at_word_start) && secret_len >= 4 {
            out.push_str(keep_marker);
            out.push_str("***");
            rest = &after[secret_len..];
        } else {
            out.push_str(marker);
            rest = after;
        }
    }
    out
}

/// `scheme://user:pass@host` → `scheme://***@host`, for every URL in `text`.
fn mask_url_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let start = at + 3;
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let authority_end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        match tail[..authority_end].rfind('@') {
            Some(userinfo_end) => {
                out.push_str("***");
                rest = &tail[userinfo_end..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_keys() {
        assert_eq!(
            scrub_secrets("GET /x?key=abc123def&alt=sse"),
            "GET /x?key=***&alt=sse"
        );
        assert_eq!(
            scrub_secrets("Received API Key = sk-1234567890abc, hash"),
            "Received API Key = sk-***, hash"
        );
        assert_eq!(
            scrub_secrets("key AIzaSyA-1234567890abcdefghijklmnopqrstu bad"),
            "key *** bad"
        );
        assert_eq!(scrub_secrets("task-sk-no"), "task-sk-no");
        assert_eq!(
            scrub_secrets("proxy http://bob:hunter2@proxy:3128 refused; see https://h/a@b"),
            "proxy http://***@proxy:3128 refused; see https://h/a@b"
        );
        assert_eq!(
            scrub_secrets("socks5://u:p@q@host:1 and http://plain/"),
            "socks5://***@host:1 and http://plain/"
        );
        assert_eq!(scrub_secrets("nothing here"), "nothing here");
    }

    #[test]
    fn redact_replaces_the_key_everywhere() {
        let err = Error::decode("bad body mentions my-secret-key twice: my-secret-key", None)
            .redact("my-secret-key");
        assert!(!format!("{err} {err:?}").contains("my-secret-key"));
    }

    #[test]
    fn redact_reaches_details_and_the_embedded_response() {
        let key = "gw-key-0123456789";
        let api = crate::parse_response(
            400,
            &[],
            br#"{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT","details":[
                {"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID",
                 "metadata":{"key":"gw-key-0123456789"}},
                {"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[
                 {"field":"gw-key-0123456789","description":"echo gw-key-0123456789"}]}]}}"#,
        )
        .unwrap_err()
        .redact(key);
        let no_image = crate::parse_response(
            200,
            &[],
            br#"{"candidates":[{"content":{"role":"model","parts":[
                {"text":"your key is gw-key-0123456789","thoughtSignature":"gw-key-0123456789"}]},
                "finishReason":"STOP","finishMessage":"gw-key-0123456789 refused",
                "groundingMetadata":{"q":["gw-key-0123456789"]}}],
              "promptFeedback":{"blockReasonMessage":"gw-key-0123456789"}}"#,
        )
        .unwrap()
        .require_image()
        .unwrap_err()
        .redact(key);
        for err in [api, no_image] {
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(key), "{shown}");
            assert!(shown.contains("***"), "{shown}");
        }
    }

    #[test]
    fn excerpt_cuts_on_char_boundary() {
        assert_eq!(excerpt("ăâđêôơư", 3), "ăâđ…");
        assert_eq!(excerpt("  short ", 10), "short");
    }

    #[test]
    fn no_image_message_has_no_doubled_period_and_no_advice() {
        let response = crate::parse_response(
            200,
            &[],
            br#"{"candidates":[{"finishReason":"IMAGE_SAFETY","finishMessage":"Unable to show the generated image. Try rephrasing and send feedback."}]}"#,
        )
        .unwrap();
        let err = response.require_image().unwrap_err();
        let text = err.to_string();
        assert!(!text.contains(".."), "{text}");
        assert!(text.ends_with("send feedback"), "{text}");
        assert_eq!(err.remedy(), Some(Remedy::Rephrase));
        assert_eq!(Remedy::Rephrase.to_string(), "rephrase the prompt");
    }
}
