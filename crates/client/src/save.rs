//! Images out: one rule for naming and saving result files, used by [`SaveImage`],
//! [`save_image`], the CLI, batch output directories and every language binding.
//!
//! The rule:
//! * **Name.** Without a name, the stem comes from the prompt: a file-name-safe slug plus a
//!   short hash of the prompt and options ([`default_stem`], e.g.
//!   `a-red-fox-in-the-snow-8f7f3bc1`).
//! * **Extension.** A file's extension always matches its bytes: the MIME type's extension
//!   is appended when the name has none (or a non-image one, `v1.final` → `v1.final.png`),
//!   and an image extension that disagrees is replaced, with a warning (`out.png` for a JPEG
//!   answer → `out.jpg`). A matching one is kept as written (`x.JPEG`).
//! * **Nothing is lost.** An existing file is never replaced unless `overwrite` is asked:
//!   the next free name is used instead (`x.jpg` → `x-2.jpg`, `x-3.jpg`, …) and reported
//!   ([`SavedImage::renamed`]). The check and the creation are one atomic step, so two
//!   processes saving the same name at once both keep their picture.
//! * **Atomic.** Bytes go to a temporary file in the same directory, then are renamed into
//!   place: readers never see half an image and a killed process never leaves one. Missing
//!   parent directories are created. (Files are not fsync'ed: the guarantee covers a killed
//!   process, not a power cut.)

use std::io::Write;
use std::path::{Path, PathBuf};

use gemini_image_core::{Blob, Error, extension_for_mime};

/// Extensions recognised as image extensions in a requested name (others are kept and the
/// right extension appended).
const IMAGE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "jpe", "webp", "heic", "heif", "gif", "avif", "bmp",
];

/// How many numbered names [`save_image`] tries before giving up.
const MAX_FREE_NAME_TRIES: u32 = 10_000;

/// Where an image was saved.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SavedImage {
    /// The file written.
    pub path: PathBuf,
    /// The path asked for, with the extension the bytes call for (differs from `path`
    /// when `renamed`).
    pub requested: PathBuf,
    /// Whether a file already existed at `requested`, so the next free name was used.
    pub renamed: bool,
    /// A human note about the name (the extension was changed, or the file renamed), for
    /// front doors to show; empty when the name is exactly the one asked for.
    pub warnings: Vec<String>,
}

/// Saves `blob` at `path` following the naming rule of this module: the MIME type's
/// extension when `path` has none (an image extension that disagrees is replaced, with a
/// warning), never replacing an existing file unless `overwrite` (the next free name
/// `x-2.jpg` is used and reported in [`SavedImage::renamed`]), atomically.
///
/// Fails with kind `io` (field `output`) when the directory cannot be created or the file
/// cannot be written (the message names the path and the reason).
///
/// ```
/// use gemini_image::{Blob, save_image};
/// # let dir = std::env::temp_dir().join(format!("gi-save-doc-{}", std::process::id()));
/// let image = Blob::new(b"\x89PNG\r\n\x1a\n0000".to_vec(), "image/png");
/// let first = save_image(&image, dir.join("fox"), false)?;
/// assert_eq!(first.path, dir.join("fox.png"));
/// let second = save_image(&image, dir.join("fox"), false)?;
/// assert!(second.renamed);
/// assert_eq!(second.path, dir.join("fox-2.png"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save_image(
    blob: &Blob,
    path: impl AsRef<Path>,
    overwrite: bool,
) -> Result<SavedImage, Error> {
    let path = path.as_ref();
    let (requested, warning) = image_path(path, &blob.mime_type);
    let mut saved = write_file(&requested, &blob.data, overwrite)?;
    if let Some(warning) = warning {
        saved.warnings.insert(0, warning);
    }
    Ok(saved)
}

/// Writes `bytes` at `path` atomically (temporary file + rename), creating missing parent
/// directories. Unless `overwrite`, an existing file is kept and the next free name
/// (`name-2.ext`, …) is used instead; the result says which. No extension rule applies:
/// the name is used as given (session files, manifests).
pub fn write_file(path: &Path, bytes: &[u8], overwrite: bool) -> Result<SavedImage, Error> {
    let mut file = temp_file_for(path)?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|e| io_error("cannot write", path, &e))?;
    persist(file, path, overwrite)
}

/// The directory a file at `path` goes in (`.` for a bare name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A new temporary file next to where `path` will be (same file system, so the final
/// rename is atomic), creating missing directories; deleted if dropped before
/// [`persist`].
pub(crate) fn temp_file_for(path: &Path) -> Result<tempfile::NamedTempFile, Error> {
    let dir = parent_dir(path);
    std::fs::create_dir_all(&dir).map_err(|e| io_error("cannot create the directory", &dir, &e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".gemini-image-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // 0666 minus the umask, like any newly created file (tempfile's default is 0600).
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
        .tempfile_in(&dir)
        .map_err(|e| io_error("cannot create a temporary file in", &dir, &e))
}

/// Renames a written temporary file to `path` (or, unless `overwrite`, the next free
/// name when `path` exists), never leaving a half-written file under the final name.
pub(crate) fn persist(
    mut file: tempfile::NamedTempFile,
    path: &Path,
    overwrite: bool,
) -> Result<SavedImage, Error> {
    if overwrite {
        file.persist(path)
            .map_err(|e| io_error("cannot write", path, &e.error))?;
        return Ok(SavedImage {
            path: path.to_path_buf(),
            requested: path.to_path_buf(),
            renamed: false,
            warnings: Vec::new(),
        });
    }
    let mut candidate = path.to_path_buf();
    let mut number = 1u32;
    loop {
        match file.persist_noclobber(&candidate) {
            Ok(_) => break,
            Err(err) if err.error.kind() == std::io::ErrorKind::AlreadyExists => {
                file = err.file;
                number += 1;
                if number > MAX_FREE_NAME_TRIES {
                    return Err(io_error(
                        "cannot find a free file name next to",
                        path,
                        &std::io::Error::from(std::io::ErrorKind::AlreadyExists),
                    ));
                }
                candidate = numbered(path, number);
            }
            Err(err) => return Err(io_error("cannot write", &candidate, &err.error)),
        }
    }
    let renamed = candidate != path;
    let warnings = if renamed {
        vec![format!(
            "{} already exists: wrote {} instead (pass overwrite to replace it)",
            path.display(),
            candidate.display()
        )]
    } else {
        Vec::new()
    };
    Ok(SavedImage {
        path: candidate,
        requested: path.to_path_buf(),
        renamed,
        warnings,
    })
}

/// `dir/name-N.ext` for `dir/name.ext` (`dir/name-N` without an extension).
pub fn numbered(path: &Path, number: u32) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{number}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{number}"),
    };
    path.with_file_name(name)
}

/// The path an image of type `mime` is saved at when `path` is asked for, and a warning
/// when the requested extension was replaced: a matching image extension is kept, a
/// disagreeing one replaced, and the MIME type's extension appended to a name without an
/// image extension.
pub fn image_path(path: &Path, mime: &str) -> (PathBuf, Option<String>) {
    let wanted = extension_for_mime(mime);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "image".to_string());
    match split_image_extension(&name) {
        Some((_, ext)) if extension_matches(ext, wanted) => (path.to_path_buf(), None),
        Some((stem, ext)) => (
            path.with_file_name(format!("{stem}.{wanted}")),
            Some(format!(
                "the model returned {mime}, not what .{ext} means: writing .{wanted} instead of {}",
                path.display()
            )),
        ),
        None => (path.with_file_name(format!("{name}.{wanted}")), None),
    }
}

fn split_image_extension(name: &str) -> Option<(&str, &str)> {
    name.rsplit_once('.').filter(|(stem, ext)| {
        !stem.is_empty() && IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
    })
}

fn extension_matches(requested: &str, wanted: &str) -> bool {
    let requested = requested.to_ascii_lowercase();
    match wanted {
        "jpg" => matches!(requested.as_str(), "jpg" | "jpeg" | "jpe"),
        "heif" | "heic" => matches!(requested.as_str(), "heic" | "heif"),
        other => requested == other,
    }
}

/// Where the images of one answer go, and warnings to show about the names.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutputPlan {
    /// One path per image, in order, each with the extension its MIME type calls for
    /// (before the free-name rule of [`save_image`], which applies when writing).
    pub paths: Vec<PathBuf>,
    /// Human warnings (e.g. the extension was changed).
    pub warnings: Vec<String>,
}

/// Plans the file names for the images of one answer, with MIME types `mimes`:
///
/// - `output = None`: `<default_stem>.<ext>` in the current directory.
/// - `output` is a directory (exists, or ends with `/`): `<dir>/<default_stem>.<ext>`.
/// - otherwise `output` is a file name, with the extension rule of [`image_path`].
///
/// Several images get `-1`, `-2`, … before the extension. Save each with [`save_image`]
/// (which adds the free-name rule).
pub fn plan_output(output: Option<&Path>, default_stem: &str, mimes: &[&str]) -> OutputPlan {
    let several = mimes.len() > 1;
    let base: PathBuf = match output {
        None => PathBuf::from(default_stem),
        Some(out) if is_dir_like(out) => out.join(default_stem),
        Some(out) => out.to_path_buf(),
    };
    let mut warnings = Vec::new();
    let mut paths = Vec::with_capacity(mimes.len());
    for (index, mime) in mimes.iter().enumerate() {
        let (path, warning) = image_path(&base, mime);
        if let Some(warning) = warning {
            warnings.push(warning);
        }
        paths.push(if several {
            numbered(&path, u32::try_from(index + 1).unwrap_or(u32::MAX))
        } else {
            path
        });
    }
    warnings.dedup();
    OutputPlan { paths, warnings }
}

fn is_dir_like(path: &Path) -> bool {
    let text = path.as_os_str().to_string_lossy();
    text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) || path.is_dir()
}

/// A file-name-safe slug of a prompt: ASCII letters and digits (Vietnamese and other Latin
/// diacritics folded), words joined by `-`, at most `max` characters; `image` if empty.
///
/// ```
/// assert_eq!(gemini_image::slug("Con mèo đang ngủ!", 48), "con-meo-dang-ngu");
/// ```
pub fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars() {
        let folded = fold(c);
        if folded.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(folded.to_ascii_lowercase());
        } else {
            dash = true;
        }
        if out.len() >= max {
            break;
        }
    }
    out.truncate(max);
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "image".to_string()
    } else {
        out
    }
}

/// Folds common Latin letters with diacritics (Vietnamese included) to ASCII.
fn fold(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    const TABLE: &[(&str, char)] = &[
        ("àáảãạăằắẳẵặâầấẩẫậäåā", 'a'),
        ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÄÅĀ", 'a'),
        ("èéẻẽẹêềếểễệëē", 'e'),
        ("ÈÉẺẼẸÊỀẾỂỄỆËĒ", 'e'),
        ("ìíỉĩịïī", 'i'),
        ("ÌÍỈĨỊÏĪ", 'i'),
        ("òóỏõọôồốổỗộơờớởỡợöøō", 'o'),
        ("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÖØŌ", 'o'),
        ("ùúủũụưừứửữựüū", 'u'),
        ("ÙÚỦŨỤƯỪỨỬỮỰÜŪ", 'u'),
        ("ỳýỷỹỵÿ", 'y'),
        ("ỲÝỶỸỴŸ", 'y'),
        ("đĐ", 'd'),
        ("çÇ", 'c'),
        ("ñÑ", 'n'),
        ("ß", 's'),
    ];
    TABLE
        .iter()
        .find(|(set, _)| set.contains(c))
        .map_or(c, |(_, ascii)| *ascii)
}

/// A short, stable hex hash (FNV-1a 64, first 8 hex digits) of the given pieces.
pub fn short_hash(pieces: &[&[u8]]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for piece in pieces {
        for byte in piece.iter().chain(std::iter::once(&0xFFu8)) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{:08x}", hash >> 32)
}

/// The default file stem for a prompt: `<slug>-<hash>`, the hash over the prompt and
/// `extra` (model, ratio, size, input image names: whatever makes two results differ).
///
/// ```
/// let stem = gemini_image::default_stem("A red fox in the snow", &[b"gemini-3.1-flash-image"]);
/// assert!(stem.starts_with("a-red-fox-in-the-snow-"));
/// ```
pub fn default_stem(prompt: &str, extra: &[&[u8]]) -> String {
    let mut pieces: Vec<&[u8]> = vec![prompt.as_bytes()];
    pieces.extend_from_slice(extra);
    format!("{}-{}", slug(prompt, 48), short_hash(&pieces))
}

/// A file-system error naming the path (kind `invalid_request`, field `path`, until the
/// core has an `io` kind).
pub(crate) fn io_error(what: &str, path: &Path, error: &std::io::Error) -> Error {
    let hint = match error.kind() {
        std::io::ErrorKind::NotFound => "check that the path exists",
        std::io::ErrorKind::PermissionDenied => "check the file and directory permissions",
        _ => "check the path, free disk space and permissions",
    };
    Error::invalid(
        "path",
        format!("{what} {}: {error}; {hint}", path.display()),
    )
}

/// Saving an image's bytes to a file, with the naming rule of this module.
///
/// ```no_run
/// use gemini_image::SaveImage;
/// # let client = gemini_image::Client::from_env()?;
/// let response = client.text_to_image("a paper boat")?;
/// if let Some(image) = response.image() {
///     let path = image.save_with_extension("boat")?; // boat.png or boat.jpg (boat-2.jpg, …)
///     println!("saved {}", path.display());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SaveImage {
    /// Writes the bytes to `path` exactly as named, atomically, replacing an existing file.
    fn save(&self, path: impl AsRef<Path>) -> Result<(), Error>;

    /// Writes the bytes with [`save_image`]'s rule (the extension the MIME type calls for,
    /// the next free name instead of replacing a file) and returns the path written.
    fn save_with_extension(&self, path: impl AsRef<Path>) -> Result<PathBuf, Error>;
}

impl SaveImage for Blob {
    fn save(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        write_file(path.as_ref(), &self.data, true).map(|_| ())
    }

    fn save_with_extension(&self, path: impl AsRef<Path>) -> Result<PathBuf, Error> {
        save_image(self, path, false).map(|saved| saved.path)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_hashes() {
        assert_eq!(slug("A lighthouse at dusk!", 48), "a-lighthouse-at-dusk");
        assert_eq!(
            slug("Con mèo đang ngủ trên ghế", 48),
            "con-meo-dang-ngu-tren-ghe"
        );
        assert_eq!(slug("   ", 48), "image");
        assert_eq!(slug("漢字", 48), "image");
        assert_eq!(slug("abc def ghi", 6), "abc-de");
        assert_eq!(slug("abc def", 4), "abc");
        assert_eq!(short_hash(&[b"x"]), short_hash(&[b"x"]));
        assert_ne!(short_hash(&[b"x"]), short_hash(&[b"y"]));
        assert_eq!(short_hash(&[b"x"]).len(), 8);
    }

    #[test]
    fn plans_names() {
        let p = plan_output(None, "cat-1234", &["image/png"]);
        assert_eq!(p.paths, vec![PathBuf::from("cat-1234.png")]);
        assert!(p.warnings.is_empty());

        let p = plan_output(Some(Path::new("out/x.png")), "s", &["image/jpeg"]);
        assert_eq!(p.paths, vec![PathBuf::from("out/x.jpg")]);
        assert_eq!(p.warnings.len(), 1);

        let p = plan_output(Some(Path::new("x.JPEG")), "s", &["image/jpeg"]);
        assert_eq!(p.paths, vec![PathBuf::from("x.JPEG")]);

        let p = plan_output(Some(Path::new("/tmp/x")), "s", &["image/png"]);
        assert_eq!(p.paths, vec![PathBuf::from("/tmp/x.png")]);

        let p = plan_output(Some(Path::new("v1.final")), "s", &["image/png"]);
        assert_eq!(p.paths, vec![PathBuf::from("v1.final.png")]);

        let p = plan_output(
            Some(Path::new("dir/")),
            "stem",
            &["image/jpeg", "image/jpeg"],
        );
        assert_eq!(
            p.paths,
            vec![
                PathBuf::from("dir/stem-1.jpg"),
                PathBuf::from("dir/stem-2.jpg")
            ]
        );
    }

    #[test]
    fn never_replaces_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let png = Blob::new(b"\x89PNG\r\n\x1a\n0000".to_vec(), "image/png");
        let first = save_image(&png, dir.path().join("sub/a"), false).unwrap();
        assert_eq!(first.path, dir.path().join("sub/a.png"));
        assert!(!first.renamed && first.warnings.is_empty());
        let second = save_image(&png, dir.path().join("sub/a.png"), false).unwrap();
        assert!(second.renamed);
        assert_eq!(second.path, dir.path().join("sub/a-2.png"));
        assert!(second.warnings[0].contains("already exists"));
        let third = save_image(&png, dir.path().join("sub/a.png"), false).unwrap();
        assert_eq!(third.path, dir.path().join("sub/a-3.png"));
        // A JPEG extension for PNG bytes is corrected, with a warning.
        let fixed = save_image(&png, dir.path().join("b.jpg"), false).unwrap();
        assert_eq!(fixed.path, dir.path().join("b.png"));
        assert!(fixed.warnings[0].contains("image/png"));
        // overwrite replaces in place.
        let jpeg_bytes = Blob::new(b"\xFF\xD8\xFFnew".to_vec(), "image/png");
        let over = save_image(&jpeg_bytes, dir.path().join("sub/a.png"), true).unwrap();
        assert_eq!(over.path, dir.path().join("sub/a.png"));
        assert_eq!(
            std::fs::read(dir.path().join("sub/a.png")).unwrap(),
            b"\xFF\xD8\xFFnew"
        );
        // The trait follows the same rule; no temporary files are left behind.
        assert_eq!(
            png.save_with_extension(dir.path().join("sub/a")).unwrap(),
            dir.path().join("sub/a-4.png")
        );
        let leftovers = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .count();
        assert_eq!(leftovers, 0);
        // A file where a directory should be: an error naming the path.
        std::fs::write(dir.path().join("file"), b"x").unwrap();
        let err = save_image(&png, dir.path().join("file/x.png"), false).unwrap_err();
        assert!(err.to_string().contains("file"), "{err}");
    }
}
