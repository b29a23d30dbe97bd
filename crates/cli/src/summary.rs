//! The `--json` summary and the human lines printed after a call.

use std::path::PathBuf;

use gemini_image_core::{Blob, GenerateResponse, UsageMetadata};
use serde::Serialize;
use serde_json::Value;

use crate::errors::CliError;
use crate::redact::redact;

/// One written image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageInfo {
    /// Where it was written.
    pub path: PathBuf,
    /// Its MIME type as returned.
    pub mime_type: String,
    /// Its size in bytes.
    pub bytes: usize,
    /// Pixel width from the image header.
    pub width: Option<u32>,
    /// Pixel height from the image header.
    pub height: Option<u32>,
}

impl ImageInfo {
    /// Describes `blob` written at `path`.
    pub fn new(path: PathBuf, blob: &Blob) -> Self {
        let dims = blob.dimensions();
        ImageInfo {
            path,
            mime_type: blob.mime_type.clone(),
            bytes: blob.data.len(),
            width: dims.map(|d| d.0),
            height: dims.map(|d| d.1),
        }
    }

    /// `out.png (image/png, 1024x1024, 1.2 MB)`.
    pub fn describe(&self) -> String {
        let dims = match (self.width, self.height) {
            (Some(w), Some(h)) => format!("{w}x{h}, "),
            _ => String::new(),
        };
        format!(
            "{} ({}, {dims}{})",
            self.path.display(),
            self.mime_type,
            human_bytes(self.bytes)
        )
    }
}

/// What a successful `generate`/`edit` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Always `true` here.
    pub ok: bool,
    /// `generate` or `edit`.
    pub command: &'static str,
    /// The model requested.
    pub model: String,
    /// The model version that answered.
    pub model_version: Option<String>,
    /// The response id.
    pub response_id: Option<String>,
    /// The written paths, in order (same as `images[].path`).
    pub paths: Vec<PathBuf>,
    /// Every written image.
    pub images: Vec<ImageInfo>,
    /// The model's non-thought text.
    pub text: Option<String>,
    /// The finish reason.
    pub finish_reason: Option<String>,
    /// Every usage counter the API reported.
    pub usage: Option<UsageMetadata>,
    /// HTTP attempts made (retries included).
    pub attempts: u32,
    /// Wall time of the call in milliseconds (retries included).
    pub elapsed_ms: u64,
    /// The session file updated, if any.
    pub session: Option<PathBuf>,
    /// The number of turns now stored in the session.
    pub session_turns: Option<usize>,
    /// Warnings that were printed on stderr.
    pub warnings: Vec<String>,
}

/// The metadata of a response, taken before its images are moved out.
#[derive(Debug, Clone, Default)]
pub struct ResponseMeta {
    /// Model version.
    pub model_version: Option<String>,
    /// Response id.
    pub response_id: Option<String>,
    /// Non-thought text, if not blank.
    pub text: Option<String>,
    /// Finish reason.
    pub finish_reason: Option<String>,
    /// Usage.
    pub usage: Option<UsageMetadata>,
}

impl ResponseMeta {
    /// Copies the small fields out of `response`.
    pub fn of(response: &GenerateResponse) -> Self {
        let text = response.text();
        ResponseMeta {
            model_version: response.model_version().map(str::to_string),
            response_id: response.response_id().map(str::to_string),
            text: (!text.trim().is_empty()).then(|| text.trim().to_string()),
            finish_reason: response.finish_reason().map(|r| r.as_str().to_string()),
            usage: response.usage().cloned(),
        }
    }
}

/// `1.2 MB`, `930 KB`, `512 B`.
pub fn human_bytes(bytes: usize) -> String {
    let b = bytes as f64;
    if b >= 1_000_000.0 {
        format!("{:.1} MB", b / 1_000_000.0)
    } else if b >= 1_000.0 {
        format!("{:.0} KB", b / 1_000.0)
    } else {
        format!("{bytes} B")
    }
}

/// The JSON printed with `--json` when a command fails.
pub fn error_json(command: &str, error: &CliError, attempts: Option<u32>) -> Value {
    serde_json::json!({
        "ok": false,
        "command": command,
        "exit_code": error.code,
        "error": {
            "kind": error.kind,
            "message": redact(&error.message),
            "hint": error.hint.as_deref().map(redact),
            "field": error.field,
        },
        "attempts": attempts,
    })
}

/// Prints `value` as one line of JSON on stdout, secrets redacted.
pub fn print_json(value: &impl Serialize) {
    match serde_json::to_string(value) {
        Ok(text) => stdout_line(&text),
        Err(err) => eprintln!("error: cannot encode the JSON summary: {err}"),
    }
}

/// Prints one line on stdout, secrets redacted. A closed pipe (`| head -0`) is not an error
/// worth a panic: the files are written already.
pub fn stdout_line(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", redact(text)).and_then(|()| out.flush());
}
