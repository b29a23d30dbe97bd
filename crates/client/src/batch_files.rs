//! Batch output directories: images saved as `DIR/<id>.<ext>` as items finish, one JSON line
//! per finished item appended to `DIR/manifest.jsonl`, and resuming — a re-run skips the
//! items whose last record is `ok` and whose files are still there. Used by the CLI's
//! `batch` command and offered to every language binding.
//!
//! ```
//! use gemini_image::{BatchDir, Blob, Record};
//! # let dir = std::env::temp_dir().join(format!("gi-batch-doc-{}", std::process::id()));
//! let out = BatchDir::open(&dir)?;
//! if !out.is_done("fox") {
//!     let image = Blob::new(b"\x89PNG\r\n\x1a\n0000".to_vec(), "image/png");
//!     let saved = out.save_images("fox", std::slice::from_ref(&image), false)?;
//!     let mut record = Record::new("fox", 1, "a red fox", "gemini-2.5-flash-image");
//!     record.set_images(&saved, std::slice::from_ref(&image));
//!     out.append(&record)?;
//! }
//! assert!(BatchDir::open(&dir)?.is_done("fox"));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use gemini_image_core::{Blob, Error, GenerateResponse};
use serde::{Deserialize, Serialize};

use crate::save::{SavedImage, io_error, plan_output, save_image};

/// The manifest's file name inside the output directory.
pub const MANIFEST_NAME: &str = "manifest.jsonl";

/// One finished item: a line of the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Record {
    /// The item's id.
    pub id: String,
    /// Its line (or position) in the input, 1-based.
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
#[non_exhaustive]
pub struct RecordError {
    /// Stable kind (`rate_limited`, `no_image`, `invalid_request`, …).
    pub kind: String,
    /// What happened.
    pub message: String,
    /// What to do about it, in the front door's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The exit code this failure maps to (the CLI's; other front doors leave it unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
}

impl RecordError {
    /// A failure of kind `kind` (e.g. `error.kind().as_str()`).
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> RecordError {
        RecordError {
            kind: kind.into(),
            message: message.into(),
            hint: None,
            exit_code: None,
        }
    }
}

impl From<&Error> for RecordError {
    /// The error's kind and message (no hint: front doors add theirs).
    fn from(error: &Error) -> RecordError {
        RecordError::new(error.kind().as_str(), error.message())
    }
}

impl Record {
    /// A record of status `error` with nothing else known yet; fill it in, then call
    /// [`Record::set_images`] (which makes it `ok`) or set [`Record::error`].
    pub fn new(
        id: impl Into<String>,
        line: usize,
        prompt: impl Into<String>,
        model: impl Into<String>,
    ) -> Record {
        Record {
            id: id.into(),
            line,
            prompt: prompt.into(),
            status: "error".to_string(),
            paths: Vec::new(),
            files: Vec::new(),
            mime_type: None,
            width: None,
            height: None,
            bytes: None,
            model: model.into(),
            model_version: None,
            finish_reason: None,
            text: None,
            total_token_count: None,
            error: None,
            attempts: 0,
            elapsed_ms: 0,
        }
    }

    /// Records the saved images (`saved[i]` holds `images[i]`) and marks the item `ok`.
    pub fn set_images(&mut self, saved: &[SavedImage], images: &[Blob]) {
        let mut total = 0usize;
        for (saved, blob) in saved.iter().zip(images) {
            let dims = blob.dimensions();
            self.mime_type = Some(blob.mime_type.clone());
            self.width = dims.map(|d| d.0);
            self.height = dims.map(|d| d.1);
            total += blob.data.len();
            self.files.push(
                saved
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            );
            self.paths.push(saved.path.clone());
        }
        self.bytes = Some(total);
        self.error = None;
        self.status = "ok".to_string();
    }

    /// Marks the item failed.
    pub fn set_error(&mut self, error: RecordError) {
        self.error = Some(error);
        self.status = "error".to_string();
    }
}

/// What an existing manifest says.
#[derive(Debug, Default, Clone, PartialEq)]
#[non_exhaustive]
pub struct Previous {
    /// Ids whose last record is `ok`, with their file names.
    pub done: HashMap<String, Vec<String>>,
    /// Lines that could not be read (e.g. cut short by a killed run).
    pub bad_lines: Vec<usize>,
    /// Records read.
    pub records: usize,
}

/// Reads `DIR/manifest.jsonl` if it exists (an empty [`Previous`] if not).
pub fn read_manifest(dir: &Path) -> Result<Previous, Error> {
    let path = dir.join(MANIFEST_NAME);
    let text = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Previous::default()),
        Err(err) => return Err(io_error("cannot read the manifest", &path, &err)),
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
#[derive(Debug)]
pub struct Manifest {
    file: File,
    path: PathBuf,
}

impl Manifest {
    /// Opens (creating) `DIR/manifest.jsonl` for appending. A last line cut short by a
    /// killed run is terminated first so the next record starts on its own line.
    pub fn open(dir: &Path) -> Result<Manifest, Error> {
        let path = dir.join(MANIFEST_NAME);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| io_error("cannot open the manifest", &path, &e))?;
        let len = file
            .metadata()
            .map_err(|e| io_error("cannot read the manifest", &path, &e))?
            .len();
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))
                .and_then(|_| file.read_exact(&mut last))
                .map_err(|e| io_error("cannot read the manifest", &path, &e))?;
            if last[0] != b'\n' {
                file.write_all(b"\n")
                    .map_err(|e| io_error("cannot write the manifest", &path, &e))?;
            }
        }
        Ok(Manifest { file, path })
    }

    /// The manifest's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record as one line (a single write).
    pub fn append(&mut self, record: &Record) -> Result<(), Error> {
        let mut line = serde_json::to_vec(record)
            .map_err(|e| Error::internal(format!("cannot encode a manifest record: {e}")))?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.flush())
            .map_err(|e| io_error("cannot write the manifest", &self.path, &e))
    }
}

/// Whether an item was finished by an earlier run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resume {
    /// Not finished before: run it.
    Todo,
    /// Finished, its files are there: skip it.
    Done,
    /// Marked `ok` but a file is missing: run it again.
    FilesMissing,
}

/// A batch output directory: the manifest of earlier runs, the open manifest, and the
/// naming rule for items' images. `Send + Sync`: workers save and append concurrently.
#[derive(Debug)]
pub struct BatchDir {
    dir: PathBuf,
    previous: Previous,
    manifest: Mutex<Manifest>,
}

impl BatchDir {
    /// Creates `dir` if missing, reads its manifest (for resuming) and opens it for
    /// appending.
    pub fn open(dir: impl AsRef<Path>) -> Result<BatchDir, Error> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir)
            .map_err(|e| io_error("cannot create the output directory", &dir, &e))?;
        let previous = read_manifest(&dir)?;
        let manifest = Manifest::open(&dir)?;
        Ok(BatchDir {
            dir,
            previous,
            manifest: Mutex::new(manifest),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The manifest's path.
    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join(MANIFEST_NAME)
    }

    /// What the manifest said when the directory was opened.
    pub fn previous(&self) -> &Previous {
        &self.previous
    }

    /// Whether the item `id` was finished by an earlier run (and its files are there).
    pub fn resume(&self, id: &str) -> Resume {
        match self.previous.done.get(id) {
            Some(files) if files.iter().all(|f| self.dir.join(f).is_file()) => Resume::Done,
            Some(_) => Resume::FilesMissing,
            None => Resume::Todo,
        }
    }

    /// `resume(id) == Resume::Done`.
    pub fn is_done(&self, id: &str) -> bool {
        self.resume(id) == Resume::Done
    }

    /// Saves an item's images as `DIR/<stem>.<ext>` (`<stem>-1.<ext>`, … for several) with
    /// [`save_image`]'s rule: an existing file is kept and the next free name used, unless
    /// `overwrite`.
    pub fn save_images(
        &self,
        stem: &str,
        images: &[Blob],
        overwrite: bool,
    ) -> Result<Vec<SavedImage>, Error> {
        let mimes: Vec<&str> = images.iter().map(|b| b.mime_type.as_str()).collect();
        let plan = plan_output(Some(&self.dir), stem, &mimes);
        images
            .iter()
            .zip(plan.paths)
            .map(|(blob, path)| save_image(blob, path, overwrite))
            .collect()
    }

    /// Saves a successful item's images (as [`BatchDir::save_images`]) and fills `record`
    /// from the response: model version, finish reason, text, total tokens, then the files
    /// ([`Record::set_images`], which makes it `ok`). Returns what was saved (a renamed file
    /// is worth a warning); on a write failure `record` is left as it was, for the caller to
    /// mark failed.
    pub fn save_response(
        &self,
        record: &mut Record,
        stem: &str,
        response: GenerateResponse,
        overwrite: bool,
    ) -> Result<Vec<SavedImage>, Error> {
        let model_version = response.model_version().map(str::to_string);
        let finish_reason = response.finish_reason().map(|r| r.as_str().to_string());
        let text = response.text();
        let text = (!text.trim().is_empty()).then(|| text.trim().to_string());
        let total_token_count = response.usage().and_then(|u| u.total_token_count);
        let images = response.into_images();
        let saved = self.save_images(stem, &images, overwrite)?;
        record.model_version = model_version;
        record.finish_reason = finish_reason;
        record.text = text;
        record.total_token_count = total_token_count;
        record.set_images(&saved, &images);
        Ok(saved)
    }

    /// Appends a finished item's record to the manifest (after its images are on disk).
    pub fn append(&self, record: &Record) -> Result<(), Error> {
        self.manifest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .append(record)
    }
}

/// A file-name-safe version of an item id, on every platform: ASCII letters, digits, `-`,
/// `_`, `.` (others become `_`, so no separator, NUL or control character survives), no
/// leading or trailing dot (no `..`, no hidden file, nothing Windows would strip), no
/// Windows device name (`CON`, `nul.txt`, `COM1`… get a `_` appended to the stem), at most
/// 100 bytes, `item` if empty. The result is always a single, normal path component.
pub fn sanitize_id(id: &str) -> String {
    let mut out: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if out.starts_with('.') {
        out.replace_range(..1, "_");
    }
    if out.ends_with('.') {
        out.pop();
        out.push('_');
    }
    if out.is_empty() {
        return "item".to_string();
    }
    let stem = out.split('.').next().unwrap_or("");
    if is_windows_device_name(stem) {
        out.insert(stem.len(), '_');
        out.truncate(100);
    }
    out
}

/// `CON`, `PRN`, `AUX`, `NUL`, `COM0`-`COM9`, `LPT0`-`LPT9` (any case): names Windows
/// maps to devices whatever their extension.
fn is_windows_device_name(stem: &str) -> bool {
    let upper = stem.to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (upper.len() == 4
            && (upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.as_bytes()[3].is_ascii_digit())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn record(id: &str, status: &str) -> Record {
        let mut r = Record::new(id, 1, "p", "m");
        r.status = status.into();
        r.files = vec![format!("{id}.png")];
        r.attempts = 1;
        r
    }

    #[test]
    fn appends_and_resumes() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_manifest(dir.path()).unwrap().done.is_empty());
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
        let prev = read_manifest(dir.path()).unwrap();
        let mut done: Vec<_> = prev.done.keys().cloned().collect();
        done.sort();
        assert_eq!(done, vec!["a", "e"]);
        assert_eq!(prev.bad_lines, vec![5]);
        assert_eq!(prev.done["a"], vec!["a.png".to_string()]);
        std::fs::write(dir.path().join("a.png"), b"x").unwrap();
        let out = BatchDir::open(dir.path()).unwrap();
        assert_eq!(out.resume("a"), Resume::Done);
        assert_eq!(out.resume("e"), Resume::FilesMissing);
        assert_eq!(out.resume("b"), Resume::Todo);
    }

    #[test]
    fn saves_without_replacing() {
        let dir = tempfile::tempdir().unwrap();
        let out = BatchDir::open(dir.path().join("out")).unwrap();
        let png = Blob::new(b"\x89PNG\r\n\x1a\n0000".to_vec(), "image/png");
        let one = out
            .save_images("x", std::slice::from_ref(&png), false)
            .unwrap();
        assert_eq!(one[0].path, dir.path().join("out/x.png"));
        let two = out
            .save_images("x", &[png.clone(), png.clone()], false)
            .unwrap();
        assert_eq!(two[1].path, dir.path().join("out/x-2.png"));
        let again = out
            .save_images("x", std::slice::from_ref(&png), false)
            .unwrap();
        assert!(again[0].renamed);
        let mut r = Record::new("x", 3, "p", "m");
        r.set_images(&again, std::slice::from_ref(&png));
        assert_eq!(r.status, "ok");
        assert_eq!(r.files, vec!["x-3.png".to_string()]);
        out.append(&r).unwrap();
        assert!(BatchDir::open(dir.path().join("out")).unwrap().is_done("x"));
        let failed = RecordError::from(&Error::invalid("aspect_ratio", "bad"));
        assert_eq!(failed.kind, "invalid_request");
        assert!(failed.message.contains("aspect_ratio"));
        assert_eq!(sanitize_id("../a b"), "_._a_b");
        assert_eq!(sanitize_id(".."), "__");
        assert_eq!(sanitize_id("/etc/passwd"), "_etc_passwd");
        assert_eq!(sanitize_id("C:\\x"), "C__x");
        assert_eq!(sanitize_id("a\0b\n"), "a_b_");
        assert_eq!(sanitize_id("CON"), "CON_");
        assert_eq!(sanitize_id("nul.txt"), "nul_.txt");
        assert_eq!(sanitize_id("com7"), "com7_");
        assert_eq!(sanitize_id("console"), "console");
        assert_eq!(sanitize_id("name."), "name_");
        assert_eq!(sanitize_id(""), "item");
        assert_eq!(sanitize_id(&"é".repeat(300)).len(), 100);
    }

    proptest::proptest! {
        #[test]
        fn any_id_or_prompt_gives_one_normal_path_component(text in proptest::prelude::any::<String>()) {
            for name in [sanitize_id(&text), crate::default_stem(&text, &[])] {
                let path = std::path::Path::new(&name);
                let parts: Vec<_> = path.components().collect();
                proptest::prop_assert_eq!(parts.len(), 1, "{:?}", name);
                proptest::prop_assert!(
                    matches!(parts[0], std::path::Component::Normal(_)),
                    "{:?}",
                    name
                );
                proptest::prop_assert!(name.len() <= 255, "{:?}", name);
                proptest::prop_assert!(!name.contains('\0') && !name.contains('\\'));
                let stem = name.split('.').next().unwrap_or("");
                proptest::prop_assert!(!is_windows_device_name(stem), "{:?}", name);
                proptest::prop_assert!(!name.ends_with('.') && !name.ends_with(' '));
            }
        }
    }
}
