//! Output file names and atomic writes.

use std::io::Write;
use std::path::{Path, PathBuf};

use gemini_image_core::extension_for_mime;

use crate::errors::CliError;

/// Extensions we recognise as image extensions on `-o` (others are kept and the right
/// extension appended).
const IMAGE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "jpe", "webp", "heic", "heif", "gif", "avif", "bmp",
];

/// Where the images of one answer go, and warnings to print about the names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// One path per image, in order.
    pub paths: Vec<PathBuf>,
    /// Human warnings (e.g. the extension was changed).
    pub warnings: Vec<String>,
}

/// Plans the file names for images with `mimes`.
///
/// - `output = None`: `<default_stem>.<ext>` in the current directory.
/// - `output` is a directory (exists, or ends with `/`): `<dir>/<default_stem>.<ext>`.
/// - otherwise `output` is a file name; its image extension is replaced by the one the MIME
///   type calls for when they disagree (with a warning), and appended when it has none.
///
/// Several images get `-1`, `-2`, … before the extension.
pub fn plan(output: Option<&Path>, default_stem: &str, mimes: &[&str]) -> Plan {
    let mut warnings = Vec::new();
    let (dir, stem, requested_ext) = match output {
        None => (PathBuf::new(), default_stem.to_string(), None),
        Some(out) if is_dir_like(out) => (out.to_path_buf(), default_stem.to_string(), None),
        Some(out) => {
            let dir = out.parent().map(Path::to_path_buf).unwrap_or_default();
            let name = out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| default_stem.to_string());
            match name.rsplit_once('.') {
                Some((stem, ext))
                    if !stem.is_empty()
                        && IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) =>
                {
                    (dir, stem.to_string(), Some(ext.to_string()))
                }
                _ => (dir, name, None),
            }
        }
    };
    let several = mimes.len() > 1;
    let mut paths = Vec::with_capacity(mimes.len());
    for (index, mime) in mimes.iter().enumerate() {
        let wanted = extension_for_mime(mime);
        let ext = match &requested_ext {
            Some(requested) if extension_matches(requested, wanted) => requested.clone(),
            Some(requested) => {
                let shown = output.map(|o| o.display().to_string()).unwrap_or_default();
                warnings.push(format!(
                    "the model returned {mime}, not what .{requested} means: writing .{wanted} instead of {shown}"
                ));
                wanted.to_string()
            }
            None => wanted.to_string(),
        };
        let file = if several {
            format!("{stem}-{}.{ext}", index + 1)
        } else {
            format!("{stem}.{ext}")
        };
        paths.push(dir.join(file));
    }
    warnings.dedup();
    Plan { paths, warnings }
}

fn is_dir_like(path: &Path) -> bool {
    let text = path.as_os_str().to_string_lossy();
    text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) || path.is_dir()
}

fn extension_matches(requested: &str, wanted: &str) -> bool {
    let requested = requested.to_ascii_lowercase();
    match wanted {
        "jpg" => matches!(requested.as_str(), "jpg" | "jpeg" | "jpe"),
        "heif" | "heic" => matches!(requested.as_str(), "heic" | "heif"),
        other => requested == other,
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, then a
/// rename over the target. Readers never see a partial file, and an interrupted write
/// leaves the old file (if any) intact. Missing parent directories are created.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| CliError::io("cannot create directory", &dir, &e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".gemini-image-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // 0666 minus the umask, like any newly created file (tempfile's default is 0600).
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder
        .tempfile_in(&dir)
        .map_err(|e| CliError::io("cannot create a temporary file in", &dir, &e))?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|e| CliError::io("cannot write", file.path(), &e))?;
    file.persist(path)
        .map_err(|e| CliError::io("cannot write", path, &e.error))?;
    Ok(())
}

/// A file-name-safe slug of a prompt: ASCII letters and digits (Vietnamese and other Latin
/// diacritics folded), words joined by `-`, at most `max` characters; `image` if empty.
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

/// The default file stem for a prompt: `<slug>-<hash>`.
pub fn default_stem(prompt: &str, extra: &[&[u8]]) -> String {
    let mut pieces: Vec<&[u8]> = vec![prompt.as_bytes()];
    pieces.extend_from_slice(extra);
    format!("{}-{}", slug(prompt, 48), short_hash(&pieces))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
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
        let p = plan(None, "cat-1234", &["image/png"]);
        assert_eq!(p.paths, vec![PathBuf::from("cat-1234.png")]);
        assert!(p.warnings.is_empty());

        let p = plan(Some(Path::new("out/x.png")), "s", &["image/jpeg"]);
        assert_eq!(p.paths, vec![PathBuf::from("out/x.jpg")]);
        assert_eq!(p.warnings.len(), 1);

        let p = plan(Some(Path::new("x.JPEG")), "s", &["image/jpeg"]);
        assert_eq!(p.paths, vec![PathBuf::from("x.JPEG")]);

        let p = plan(Some(Path::new("/tmp/x")), "s", &["image/png"]);
        assert_eq!(p.paths, vec![PathBuf::from("/tmp/x.png")]);

        let p = plan(Some(Path::new("v1.final")), "s", &["image/png"]);
        assert_eq!(p.paths, vec![PathBuf::from("v1.final.png")]);

        let p = plan(
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
    fn writes_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/a.png");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
