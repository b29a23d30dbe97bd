//! `--session FILE`: a conversation stored as JSON between invocations.
//!
//! The file holds the conversation document of the core ([`Conversation::to_json`]: model,
//! options, committed turns with their thought signatures, images base64-encoded). It is
//! replaced atomically after a successful turn only, so a failed turn leaves it as it was.

use std::path::Path;

use gemini_image::write_file;
use gemini_image_core::{Conversation, Error};

use crate::errors::{CliError, HintContext};

/// Loads the session at `path`; `Ok(None)` when the file does not exist yet. With `model`,
/// the session must be with that model (a conversation stays with one model).
pub fn load(path: &Path, model: Option<&str>) -> Result<Option<Conversation>, CliError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(CliError::io("cannot read session file", path, &err)),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        // An empty file (e.g. made with `touch`) starts a new conversation.
        return Ok(None);
    }
    Conversation::from_json(&bytes, model)
        .map(Some)
        .map_err(|err| match err {
            Error::InvalidRequest { field, message } if field == "model" => CliError::usage(
                format!("--model {message} (session {})", path.display()),
                Some("drop --model, or pass a new --session file".to_string()),
            ),
            other => CliError::usage(
                format!(
                    "--session {}: not a gemini-image session file ({})",
                    path.display(),
                    other.message()
                ),
                Some("pass a new file name to start a new conversation".to_string()),
            ),
        })
}

/// Stores `conversation` at `path` atomically.
pub fn save(path: &Path, conversation: &Conversation) -> Result<(), CliError> {
    write_file(path, conversation.to_json().as_bytes(), true)
        .map(|_| ())
        .map_err(|err| CliError::from_sdk(&err, &HintContext::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_missing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        assert!(load(&path, None).unwrap().is_none());
        std::fs::write(&path, "").unwrap();
        assert!(load(&path, None).unwrap().is_none());
        let conversation = Conversation::new("gemini-3-pro-image-preview", Default::default());
        save(&path, &conversation).unwrap();
        assert_eq!(load(&path, None).unwrap(), Some(conversation));
        assert_eq!(
            load(&path, Some("gemini-2.5-flash-image"))
                .unwrap_err()
                .code,
            2
        );
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(load(&path, None).unwrap_err().code, 2);
    }
}
