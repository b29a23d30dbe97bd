//! `--session FILE`: a conversation stored as JSON between invocations.
//!
//! The file holds a [`ConversationSnapshot`] (model, committed turns with their thought
//! signatures, images base64-encoded). It is replaced atomically after a successful turn
//! only, so a failed turn leaves it as it was.

use std::path::Path;

use gemini_image_core::ConversationSnapshot;

use crate::errors::CliError;
use crate::output::write_atomic;

/// Loads the session at `path`; `Ok(None)` when the file does not exist yet.
pub fn load(path: &Path) -> Result<Option<ConversationSnapshot>, CliError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(CliError::io("cannot read session file", path, &err)),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        // An empty file (e.g. made with `touch`) starts a new conversation.
        return Ok(None);
    }
    serde_json::from_slice::<ConversationSnapshot>(&bytes)
        .map(Some)
        .map_err(|err| {
            CliError::usage(
                format!(
                    "--session {}: not a gemini-image session file ({err})",
                    path.display()
                ),
                Some("pass a new file name to start a new conversation".to_string()),
            )
        })
}

/// Stores `snapshot` at `path` atomically.
pub fn save(path: &Path, snapshot: &ConversationSnapshot) -> Result<(), CliError> {
    let json = serde_json::to_vec(snapshot)
        .map_err(|err| CliError::other(format!("cannot encode the session: {err}")))?;
    write_atomic(path, &json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_missing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        assert!(load(&path).unwrap().is_none());
        std::fs::write(&path, "").unwrap();
        assert!(load(&path).unwrap().is_none());
        let snapshot = ConversationSnapshot {
            model: "gemini-3-pro-image-preview".into(),
            history: Vec::new(),
            keep_last_images: None,
        };
        save(&path, &snapshot).unwrap();
        assert_eq!(load(&path).unwrap(), Some(snapshot));
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(load(&path).unwrap_err().code, 2);
    }
}
