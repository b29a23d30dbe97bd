//! Reading input images, with errors that name the file and say what to do.

use std::path::Path;

use gemini_image_core::{ACCEPTED_INPUT_MIME_TYPES, Blob, sniff_mime};

use crate::errors::CliError;

/// Reads an input image; `flag` names where it came from (`-i/--image`, `images[0] on line 3`).
pub fn read_image(path: &Path, flag: &str) -> Result<Blob, CliError> {
    let data = std::fs::read(path).map_err(|err| {
        let what = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ if path.is_dir() => "is a directory".to_string(),
            _ => err.to_string(),
        };
        CliError::usage(
            format!("{flag} {}: cannot read the image: {what}", path.display()),
            Some("check the path of the input image".to_string()),
        )
    })?;
    match sniff_mime(&data) {
        Some(mime) if ACCEPTED_INPUT_MIME_TYPES.contains(&mime) => Ok(Blob::new(data, mime)),
        Some(mime) => Err(CliError::usage(
            format!(
                "{flag} {}: unsupported image type {mime}; Gemini accepts PNG, JPEG, WEBP, HEIC and HEIF",
                path.display()
            ),
            Some(format!(
                "convert it first, e.g. `convert {} out.png`",
                path.display()
            )),
        )),
        None => Err(CliError::usage(
            format!(
                "{flag} {}: not an image (unsupported type; {} bytes, not PNG, JPEG, WEBP, HEIC or HEIF)",
                path.display(),
                data.len()
            ),
            Some("pass a PNG, JPEG, WEBP, HEIC or HEIF file".to_string()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_rejects() {
        let dir = tempfile::tempdir().unwrap();
        let missing = read_image(&dir.path().join("nope.png"), "-i/--image").unwrap_err();
        assert_eq!(missing.code, 2);
        assert!(missing.message.contains("-i/--image") && missing.message.contains("no such file"));
        let gif = dir.path().join("a.gif");
        std::fs::write(&gif, b"GIF89a\x01\x00\x01\x00").unwrap();
        let err = read_image(&gif, "-i/--image").unwrap_err();
        assert!(
            err.message.contains("unsupported image type image/gif"),
            "{}",
            err.message
        );
        let txt = dir.path().join("a.txt");
        std::fs::write(&txt, b"hello").unwrap();
        assert!(
            read_image(&txt, "-i/--image")
                .unwrap_err()
                .message
                .contains("not an image")
        );
        let png = dir.path().join("a.png");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\n0000").unwrap();
        assert_eq!(read_image(&png, "-i").unwrap().mime_type, "image/png");
    }
}
