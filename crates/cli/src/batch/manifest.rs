//! `DIR/manifest.jsonl`: one JSON line per finished item, appended as each item finishes.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::errors::CliError;

/// The manifest's file name inside the output directory.
pub const MANIFEST_NAME: &str = "manifest.jsonl";

/// One finished item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The item's id.
    pub id: String,
    /// Its line in the input file.
    #[serde(default)]
    pub line: usize,
    /// The prompt.
    #[serde(default)]
    pub prompt: String,
    /// `ok` or `error`.
    pub status: String,
    /// Written images, as paths (output directory included).
    #[serde(default)]
    pub paths: Vec<PathBuf>,
    /// Written images, as file names inside the output directory.
    #[serde(default)]
    pub files: Vec<String>,
    /// MIME type of the (last) image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Pixel width of the (last) image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Pixel height of the (last) image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Total bytes written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<usize>,
    /// The model asked for.
    #[serde(default)]
    pub model: String,
    /// The model version that answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    /// The finish reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// The model's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Total tokens, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_token_count: Option<i64>,
    /// The failure, for `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RecordError>,
    /// HTTP attempts made.
    #[serde(default)]
    pub attempts: u32,
    /// Wall time in milliseconds.
    #[serde(default)]
    pub elapsed_ms: u64,
}

/// The failure of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordError {
    /// Stable kind (`rate_limited`, `no_image`, `usage`, `io`, …).
    pub kind: String,
    /// What happened.
    pub message: String,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The exit code this failure maps to.
    #[serde(default)]
    pub exit_code: u8,
}

/// What an existing manifest says.
#[derive(Debug, Default)]
pub struct Previous {
    /// Ids whose last record is `ok`, with their file names.
    pub done: HashMap<String, Vec<String>>,
    /// Lines that could not be read (e.g. cut short by a killed run).
    pub bad_lines: Vec<usize>,
    /// Records read.
    pub records: usize,
}

/// Reads `DIR/manifest.jsonl` if it exists.
pub fn read_previous(dir: &Path) -> Result<Previous, CliError> {
    let path = dir.join(MANIFEST_NAME);
    let text = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Previous::default()),
        Err(err) => return Err(CliError::io("cannot read manifest", &path, &err)),
    };
    let mut previous = Previous::default();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(record) => {
                previous.records += 1;
                if record.status == "ok" {
                    let files = if record.files.is_empty() {
                        record
                            .paths
                            .iter()
                            .filter_map(|p| p.file_name())
                            .map(|n| n.to_string_lossy().into_owned())
                            .collect()
                    } else {
                        record.files
                    };
                    previous.done.insert(record.id, files);
                } else {
                    previous.done.remove(&record.id);
                }
            }
            Err(_) => previous.bad_lines.push(index + 1),
        }
    }
    Ok(previous)
}

/// An open manifest, appended to one whole line at a time.
pub struct Manifest {
    file: File,
    path: PathBuf,
}

impl Manifest {
    /// Opens (creating) `DIR/manifest.jsonl` for appending. A last line cut short by a
    /// killed run is terminated first so the next record starts on its own line.
    pub fn open(dir: &Path) -> Result<Manifest, CliError> {
        let path = dir.join(MANIFEST_NAME);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| CliError::io("cannot open manifest", &path, &e))?;
        let len = file
            .metadata()
            .map_err(|e| CliError::io("cannot read manifest", &path, &e))?
            .len();
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))
                .and_then(|_| file.read_exact(&mut last))
                .map_err(|e| CliError::io("cannot read manifest", &path, &e))?;
            if last[0] != b'\n' {
                file.write_all(b"\n")
                    .map_err(|e| CliError::io("cannot write manifest", &path, &e))?;
            }
        }
        Ok(Manifest { file, path })
    }

    /// Appends one record as one line (a single write).
    pub fn append(&mut self, record: &Record) -> Result<(), CliError> {
        let mut line = serde_json::to_vec(record)
            .map_err(|e| CliError::other(format!("cannot encode a manifest record: {e}")))?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.flush())
            .map_err(|e| CliError::io("cannot write manifest", &self.path, &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, status: &str) -> Record {
        Record {
            id: id.into(),
            line: 1,
            prompt: "p".into(),
            status: status.into(),
            paths: vec![],
            files: vec![format!("{id}.png")],
            mime_type: None,
            width: None,
            height: None,
            bytes: None,
            model: "m".into(),
            model_version: None,
            finish_reason: None,
            text: None,
            total_token_count: None,
            error: None,
            attempts: 1,
            elapsed_ms: 0,
        }
    }

    #[test]
    fn appends_and_resumes() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_previous(dir.path()).unwrap().done.is_empty());
        let mut m = Manifest::open(dir.path()).unwrap();
        m.append(&record("a", "ok")).unwrap();
        m.append(&record("b", "error")).unwrap();
        m.append(&record("c", "ok")).unwrap();
        m.append(&record("c", "error")).unwrap();
        drop(m);
        // A killed run left half a line.
        let path = dir.path().join(MANIFEST_NAME);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"id\":\"d\",\"sta").unwrap();
        drop(f);
        let mut m = Manifest::open(dir.path()).unwrap();
        m.append(&record("e", "ok")).unwrap();
        let prev = read_previous(dir.path()).unwrap();
        let mut done: Vec<_> = prev.done.keys().cloned().collect();
        done.sort();
        assert_eq!(done, vec!["a", "e"]);
        assert_eq!(prev.bad_lines, vec![5]);
        assert_eq!(prev.done["a"], vec!["a.png".to_string()]);
    }
}
