//! Exit codes, the CLI's error type, and the advice printed with each failure.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use gemini_image_core::{Error, ErrorKind, Remedy};

use crate::redact::redact;

/// Everything went well.
pub const EXIT_OK: u8 = 0;
/// Anything not covered below (file-system I/O, an unexpected failure).
pub const EXIT_OTHER: u8 = 1;
/// Usage or validation error: bad flags, bad input file, missing key, bad batch line.
pub const EXIT_USAGE: u8 = 2;
/// The API answered with an error (auth, permission, not found, rate limit, quota, server).
pub const EXIT_API: u8 = 3;
/// The API answered without an image (blocked prompt, IMAGE_SAFETY, refusal, NO_IMAGE).
pub const EXIT_NO_IMAGE: u8 = 4;
/// The network failed or the request timed out.
pub const EXIT_NETWORK: u8 = 5;
/// A batch was interrupted with Ctrl-C (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

/// The exit-code table shown in `--help` and the README.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    success
  1    anything else (file-system I/O, unexpected failures)
  2    usage or validation error (bad flag or value, unreadable or unsupported input
       image, missing API key, bad batch line, session for another model)
  3    API error (authentication, permission, not found, rate limit, quota/budget,
       server error, a request the server rejected)
  4    no image in the answer (prompt blocked, IMAGE_SAFETY, prohibited content,
       NO_IMAGE, text-only refusal)
  5    network failure or timeout
  130  batch interrupted with Ctrl-C (finished items are kept; run again to resume)";

/// A failure with its exit code, a stable kind, a message and advice.
#[derive(Debug, Clone, PartialEq)]
pub struct CliError {
    /// The process exit code.
    pub code: u8,
    /// A stable snake_case kind: the core's error kinds plus `usage`, `io`, `interrupted`.
    pub kind: String,
    /// What happened.
    pub message: String,
    /// What to do next.
    pub hint: Option<String>,
    /// The option or input at fault (`aspect_ratio`, `images[1]`, …), for `invalid_request`.
    pub field: Option<String>,
}

impl CliError {
    /// A usage/validation error (exit 2).
    pub fn usage(message: impl Into<String>, hint: impl Into<Option<String>>) -> Self {
        CliError {
            code: EXIT_USAGE,
            kind: "usage".to_string(),
            message: message.into(),
            hint: hint.into(),
            field: None,
        }
    }

    /// A file-system error (exit 1).
    pub fn io(what: impl fmt::Display, path: &Path, error: &std::io::Error) -> Self {
        CliError {
            code: EXIT_OTHER,
            kind: "io".to_string(),
            message: format!("{what} {}: {error}", path.display()),
            hint: Some(io_hint(error)),
            field: None,
        }
    }

    /// Any other failure (exit 1).
    pub fn other(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_OTHER,
            kind: "other".to_string(),
            message: message.into(),
            hint: None,
            field: None,
        }
    }

    /// Maps an SDK error to an exit code, a message and advice: the error's structured
    /// [`Remedy`] rendered in command-line words. `ctx` says what the user can change.
    pub fn from_sdk(error: &Error, ctx: &HintContext) -> Self {
        let message = match error {
            // The core's messages are self-contained ("field: what is wrong").
            Error::InvalidRequest { field, message } => {
                format!("invalid {}: {message}", flag_for_field(field))
            }
            Error::Io { field, message } if field.starts_with("images") => {
                format!("{}: {message}", flag_for_field(field))
            }
            Error::Io { message, .. } => message.clone(),
            other => other.to_string(),
        };
        CliError {
            code: exit_code_for(error),
            kind: error.kind().as_str().to_string(),
            message,
            hint: hint_for(error, ctx),
            field: error.field().map(str::to_string),
        }
    }

    /// Prints `error: …` and `hint: …` on stderr, secrets redacted.
    pub fn report(&self) {
        eprintln!("error: {}", redact(&self.message));
        if let Some(hint) = &self.hint {
            eprintln!("hint: {}", redact(hint));
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What the user controls, for the advice in messages.
#[derive(Debug, Clone, Default)]
pub struct HintContext {
    /// The base URL in use.
    pub base_url: String,
    /// Where the key came from (`--api-key`, `THUCCHIEN_API_KEY`, …).
    pub key_source: Option<&'static str>,
    /// The overall timeout in use.
    pub timeout: Option<Duration>,
    /// How many attempts the failed call made.
    pub attempts: Option<u32>,
    /// Whether this is a batch (advice mentions --concurrency).
    pub batch: bool,
}

/// The exit code for an SDK error.
pub fn exit_code_for(error: &Error) -> u8 {
    match error.kind() {
        ErrorKind::InvalidRequest if error.api().is_none() => EXIT_USAGE,
        // An input image that cannot be read is a bad input; an output that cannot be
        // written is a file-system failure.
        ErrorKind::Io if error.field().is_some_and(|f| f.starts_with("images")) => EXIT_USAGE,
        ErrorKind::Io | ErrorKind::Internal => EXIT_OTHER,
        ErrorKind::Cancelled => EXIT_INTERRUPTED,
        ErrorKind::NoImage => EXIT_NO_IMAGE,
        ErrorKind::Timeout | ErrorKind::Network => EXIT_NETWORK,
        ErrorKind::InvalidRequest
        | ErrorKind::Authentication
        | ErrorKind::PermissionDenied
        | ErrorKind::NotFound
        | ErrorKind::RateLimited
        | ErrorKind::QuotaExhausted
        | ErrorKind::Server
        | ErrorKind::Decode
        | ErrorKind::ResponseTooLarge => EXIT_API,
        _ => EXIT_OTHER,
    }
}

/// The command-line spelling of a core validation field (`image_size` -> `--image-size`).
pub fn flag_for_field(field: &str) -> String {
    let flag = match field {
        "aspect_ratio" => "--aspect-ratio",
        "image_size" => "--image-size",
        "model" => "--model",
        "prompt" => "PROMPT",
        "base_url" => "--base-url",
        "api_key" => "--api-key",
        "timeout" => "--timeout",
        _ if field.starts_with("images") => "-i/--image",
        _ => return field.to_string(),
    };
    if flag == field {
        flag.to_string()
    } else {
        format!("{flag} ({field})")
    }
}

fn io_hint(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "check that the path exists".to_string(),
        std::io::ErrorKind::PermissionDenied => {
            "check the file and directory permissions".to_string()
        }
        _ => "check the path, free disk space and permissions".to_string(),
    }
}

/// The error's [`Remedy`] in command-line words (flags and environment variables), with
/// what the CLI knows: where the key came from, the base URL, the timeout, the attempts.
fn hint_for(error: &Error, ctx: &HintContext) -> Option<String> {
    let key_hint = match ctx.key_source {
        Some(source) => format!(
            "the key came from {source}; set THUCCHIEN_API_KEY (or GEMINI_API_KEY, or pass --api-key) to a valid key"
        ),
        None => "set THUCCHIEN_API_KEY (or GEMINI_API_KEY, or pass --api-key)".to_string(),
    };
    let concurrency = if ctx.batch {
        ", or lower --concurrency"
    } else {
        ""
    };
    let retries = match ctx.attempts {
        Some(n) if n > 1 => format!("the request was tried {n} times; "),
        _ => String::new(),
    };
    let kind = error.kind();
    let hint = match error.remedy() {
        Some(Remedy::FixField { field }) => match kind {
            ErrorKind::Io if field.starts_with("images") => {
                "check the path of the input image".to_string()
            }
            ErrorKind::Io => "check the path, free disk space and permissions".to_string(),
            ErrorKind::NoImage => {
                "the answer was cut short: retry, or simplify the prompt".to_string()
            }
            _ => format!("fix {} and run again", flag_for_field(&field)),
        },
        Some(Remedy::SetApiKey) => key_hint,
        Some(Remedy::CheckApiKey) if kind == ErrorKind::PermissionDenied => format!(
            "the key may not use this model or endpoint: check the key, --model and --base-url ({}); {key_hint}",
            ctx.base_url
        ),
        Some(Remedy::CheckApiKey) => format!("the API key was rejected: {key_hint}"),
        Some(Remedy::CheckBaseUrl) => format!(
            "{retries}could not talk to {}: check the network, a proxy, or --base-url / GEMINI_IMAGE_BASE_URL",
            ctx.base_url
        ),
        Some(Remedy::RaiseTimeout) => {
            // The message already says how long image calls take: say only what to change.
            let limit = ctx
                .timeout
                .map(|t| format!(" (the limit was {} per attempt)", format_secs(t)))
                .unwrap_or_default();
            format!("{retries}raise --timeout{limit}, or retry later")
        }
        Some(Remedy::RaiseResponseLimit) => {
            "the answer was larger than the client accepts; ask for a smaller --image-size"
                .to_string()
        }
        Some(Remedy::RetryLater { after }) => match kind {
            ErrorKind::RateLimited => {
                let wait = after
                    .map(|d| format!(" (the server asked to wait {:.0}s)", d.as_secs_f64().ceil()))
                    .unwrap_or_default();
                format!("{retries}retry later{wait}, raise --retries{concurrency}")
            }
            ErrorKind::Timeout => format!(
                "{retries}the server ran out of time (HTTP {}): retry later, raise --retries, or ask for a smaller --image-size",
                error.http_status().unwrap_or(504)
            ),
            ErrorKind::NoImage => {
                "run it again once, or describe the picture more concretely".to_string()
            }
            _ => format!("{retries}the server failed: retry later, or raise --retries"),
        },
        Some(Remedy::TopUp) => {
            "the budget or credits are used up and waiting will not help: top up, or use another key"
                .to_string()
        }
        Some(Remedy::CheckModel) => format!(
            "check --model (e.g. gemini-3.1-flash-image, the default, gemini-3-pro-image or gemini-2.5-flash-image) and --base-url ({})",
            ctx.base_url
        ),
        Some(Remedy::Rephrase) => no_image_hint(error),
        _ => match kind {
            ErrorKind::InvalidRequest => {
                "the server rejected the request: fix what the message names (a session file may belong to another model: start a new one)".to_string()
            }
            ErrorKind::Server => {
                format!("{retries}the server failed: retry later, or raise --retries")
            }
            ErrorKind::Decode => format!(
                "the answer was not a Gemini response: check that --base-url ({}) points at a Gemini endpoint (…/gemini for the gateway)",
                ctx.base_url
            ),
            ErrorKind::Internal => {
                "this is a bug in gemini-image; please report it with the command you ran"
                    .to_string()
            }
            _ => return None,
        },
    };
    Some(hint)
}

fn no_image_hint(error: &Error) -> String {
    let Some(no_image) = error.no_image() else {
        return "rephrase the prompt".to_string();
    };
    if no_image.block_reason.is_some() {
        return "the prompt was blocked: rephrase the prompt (or change the input images)"
            .to_string();
    }
    match no_image.finish_reason.as_deref() {
        Some("NO_IMAGE" | "IMAGE_OTHER" | "OTHER") => {
            "run it again once, or describe the picture more concretely".to_string()
        }
        Some("MAX_TOKENS") => "the answer was cut short: retry, or simplify the prompt".to_string(),
        Some("STOP") | None if no_image.text.is_some() => {
            "the model answered with text instead of an image: rephrase the prompt (say what to draw)"
                .to_string()
        }
        _ => "rephrase the prompt: the image safety filters cannot be turned off".to_string(),
    }
}

/// `180 s`, `1.5 s`.
pub fn format_secs(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs:.0} s")
    } else {
        format!("{secs:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gemini_image_core::{TransportFailure, parse_response};

    #[test]
    fn codes_per_kind() {
        let invalid = Error::invalid("image_size", "bad");
        assert_eq!(exit_code_for(&invalid), EXIT_USAGE);
        let err = CliError::from_sdk(&invalid, &HintContext::default());
        assert!(err.message.contains("--image-size (image_size)"));

        let timeout = Error::transport(TransportFailure::Timeout, "timed out");
        assert_eq!(exit_code_for(&timeout), EXIT_NETWORK);
        let ctx = HintContext {
            timeout: Some(Duration::from_secs(1)),
            ..HintContext::default()
        };
        let hint = CliError::from_sdk(&timeout, &ctx).hint.unwrap();
        assert!(hint.contains("--timeout") && hint.contains("1 s"), "{hint}");

        let no_image = parse_response(
            200,
            &[],
            br#"{"candidates":[{"content":{},"finishReason":"IMAGE_SAFETY"}]}"#,
        )
        .unwrap()
        .require_image()
        .unwrap_err();
        assert_eq!(exit_code_for(&no_image), EXIT_NO_IMAGE);
        assert!(
            CliError::from_sdk(&no_image, &ctx)
                .hint
                .unwrap()
                .contains("rephrase")
        );

        let auth = parse_response(
            401,
            &[],
            br#"{"error":{"message":"Authentication Error, No api key passed in.","type":"auth_error","param":"None","code":"401"}}"#,
        )
        .unwrap_err();
        assert_eq!(exit_code_for(&auth), EXIT_API);
        assert!(
            CliError::from_sdk(&auth, &ctx)
                .hint
                .unwrap()
                .contains("THUCCHIEN_API_KEY")
        );
    }
}
