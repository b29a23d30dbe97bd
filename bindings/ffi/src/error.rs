//! The one error type of the binding: [`GeminiImageError`] (Kotlin: the sealed class
//! `GeminiImageException`; Swift: the `GeminiImageError` enum).

use std::fmt;

use gemini_image::{Error, ErrorKind};

use crate::types::GenerationResult;

macro_rules! error_enum {
    ($( $(#[doc = $doc:literal])* $variant:ident => $kind:literal ),* $(,)?) => {
        /// Every failure of the SDK. One variant per stable kind (`invalid_request`,
        /// `rate_limited`, …), all with the same typed fields, so callers either match the
        /// variant or read `kind`. No field ever holds the API key.
        #[derive(Clone, Debug, PartialEq, uniffi::Error)]
        #[uniffi::export(Display)]
        #[non_exhaustive]
        pub enum GeminiImageError {
            $(
                $(#[doc = $doc])*
                $variant {
                    /// The stable snake_case kind, e.g. `rate_limited`.
                    kind: String,
                    /// The stable code, e.g. `GEMINI_IMAGE_RATE_LIMITED`.
                    code: String,
                    /// What went wrong and what to do, in words.
                    reason: String,
                    /// Whether sending the same request again may succeed.
                    retryable: bool,
                    /// The HTTP status of the response that failed, if any.
                    http_status: Option<i32>,
                    /// Google's `error.status` (e.g. `RESOURCE_EXHAUSTED`), if given.
                    status: Option<String>,
                    /// The delay the server asked for before a retry, in milliseconds.
                    retry_after_ms: Option<i64>,
                    /// For `invalid_request` raised before sending: the option to fix
                    /// (`aspect_ratio`, `images[1].mime_type`, …).
                    field: Option<String>,
                    /// For `no_image`: the candidate's `finishReason`, verbatim.
                    finish_reason: Option<String>,
                    /// For `no_image`: the candidate's `finishMessage`.
                    finish_message: Option<String>,
                    /// For `no_image`: `promptFeedback.blockReason`, verbatim.
                    block_reason: Option<String>,
                    /// For `no_image`: the text the model wrote instead (often a refusal).
                    text: Option<String>,
                    /// For `no_image`: the whole response as parsed.
                    response: Option<GenerationResult>,
                    /// What the caller can change, as a stable name: `set_api_key`,
                    /// `check_api_key`, `check_base_url`, `raise_timeout`,
                    /// `raise_response_limit`, `retry_later`, `top_up`, `fix_field` (see
                    /// `field`), `check_model`, `rephrase`; `null` when nothing applies.
                    remedy: Option<String>,
                },
            )*
        }

        impl GeminiImageError {
            /// The variant for a kind name (`internal` for a name this binding does not know).
            #[allow(clippy::too_many_arguments)]
            fn with_kind(
                kind: &str,
                reason: String,
                retryable: bool,
                http_status: Option<i32>,
                status: Option<String>,
                retry_after_ms: Option<i64>,
                field: Option<String>,
                remedy: Option<String>,
                no_image: NoImageFields,
            ) -> Self {
                let NoImageFields { finish_reason, finish_message, block_reason, text, response } = no_image;
                match kind {
                    $( $kind => GeminiImageError::$variant {
                        kind: kind.to_string(),
                        code: code_for(kind),
                        reason,
                        retryable,
                        http_status,
                        status,
                        retry_after_ms,
                        field,
                        finish_reason,
                        finish_message,
                        block_reason,
                        text,
                        response,
                        remedy,
                    }, )*
                    _ => GeminiImageError::Internal {
                        kind: "internal".to_string(),
                        code: code_for("internal"),
                        reason: format!("{kind}: {reason}"),
                        retryable,
                        http_status,
                        status,
                        retry_after_ms,
                        field,
                        finish_reason,
                        finish_message,
                        block_reason,
                        text,
                        response,
                        remedy,
                    },
                }
            }

            /// The stable kind name.
            pub fn kind(&self) -> &str {
                match self {
                    $( GeminiImageError::$variant { kind, .. } )|* => kind,
                }
            }

            /// What went wrong, in words.
            pub fn reason(&self) -> &str {
                match self {
                    $( GeminiImageError::$variant { reason, .. } )|* => reason,
                }
            }

            /// Replaces `secret` with `***` in the free-text fields.
            fn scrub(&mut self, secret: &str) {
                let fix = |text: &mut String| {
                    if text.contains(secret) {
                        *text = text.replace(secret, "***");
                    }
                };
                match self {
                    $( GeminiImageError::$variant { reason, text, finish_message, .. } )|* => {
                        fix(reason);
                        if let Some(text) = text {
                            fix(text);
                        }
                        if let Some(message) = finish_message {
                            fix(message);
                        }
                    }
                }
            }
        }
    };
}

error_enum! {
    /// The request is invalid: caught before sending (see `field`), or a 400.
    InvalidRequest => "invalid_request",
    /// The key is missing or wrong (401).
    Authentication => "authentication",
    /// The key may not do this (403).
    PermissionDenied => "permission_denied",
    /// Unknown or retired model, or a wrong URL (404).
    NotFound => "not_found",
    /// Too many requests right now (429); retryable, see `retry_after_ms`.
    RateLimited => "rate_limited",
    /// Budget exceeded or credits depleted: waiting will not help.
    QuotaExhausted => "quota_exhausted",
    /// A server-side failure (5xx).
    Server => "server",
    /// The request took too long (client timeout, 408, 504).
    Timeout => "timeout",
    /// The connection failed or broke.
    Network => "network",
    /// The response could not be decoded.
    Decode => "decode",
    /// An HTTP 200 without a final image (blocked, filtered, refused); see `finish_reason`,
    /// `block_reason`, `text` and `response`.
    NoImage => "no_image",
    /// The response was larger than the client's cap.
    ResponseTooLarge => "response_too_large",
    /// The call was cancelled.
    Cancelled => "cancelled",
    /// A file could not be read or written.
    Io => "io",
    /// A bug or an unexpected state in the SDK.
    Internal => "internal",
}

/// The `no_image` details (empty for other kinds).
#[derive(Default)]
struct NoImageFields {
    finish_reason: Option<String>,
    finish_message: Option<String>,
    block_reason: Option<String>,
    text: Option<String>,
    response: Option<GenerationResult>,
}

/// The stable code of a kind name (`GEMINI_IMAGE_RATE_LIMITED`).
fn code_for(kind: &str) -> String {
    match kind.parse::<ErrorKind>() {
        Ok(kind) => kind.code().to_string(),
        Err(_) => ErrorKind::Internal.code().to_string(),
    }
}

fn saturating_i64(millis: u128) -> i64 {
    i64::try_from(millis).unwrap_or(i64::MAX)
}

impl GeminiImageError {
    /// Converts a core error; `secret` (the API key, when known) is scrubbed from every
    /// text field as a last line of defence.
    pub(crate) fn from_core(err: Error, secret: Option<&str>) -> Self {
        let err = match secret {
            Some(secret) => err.redact(secret),
            None => err,
        };
        let kind = err.kind();
        let retryable = err.is_retryable();
        let http_status = err.http_status().map(i32::from);
        let status = err.api().and_then(|api| api.status.clone());
        let retry_after_ms = err.retry_after().map(|d| saturating_i64(d.as_millis()));
        let field = err.field().map(str::to_string);
        let remedy = err.remedy().map(|r| r.as_str().to_string());
        let reason = match &err {
            // The field is its own attribute; the reason is what is wrong with it.
            Error::InvalidRequest { message, .. } => message.clone(),
            other => other.message(),
        };
        let no_image = match err {
            Error::NoImage(no_image) => {
                let no_image = *no_image;
                NoImageFields {
                    finish_reason: no_image.finish_reason,
                    finish_message: no_image.finish_message,
                    block_reason: no_image.block_reason,
                    text: no_image.text,
                    response: Some(GenerationResult::from_response(no_image.response, None)),
                }
            }
            _ => NoImageFields::default(),
        };
        let mut converted = GeminiImageError::with_kind(
            kind.as_str(),
            reason,
            retryable,
            http_status,
            status,
            retry_after_ms,
            field,
            remedy,
            no_image,
        );
        if let Some(secret) = secret.filter(|s| !s.is_empty()) {
            converted.scrub(secret);
        }
        converted
    }

    /// An error of `kind` with only a reason (and a field for `invalid_request`, whose
    /// remedy is then `fix_field`).
    pub(crate) fn simple(kind: &str, field: Option<&str>, reason: impl Into<String>) -> Self {
        GeminiImageError::with_kind(
            kind,
            reason.into(),
            false,
            None,
            None,
            None,
            field.map(str::to_string),
            field.map(|_| "fix_field".to_string()),
            NoImageFields::default(),
        )
    }
}

impl fmt::Display for GeminiImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind(), self.reason())
    }
}

impl std::error::Error for GeminiImageError {}
