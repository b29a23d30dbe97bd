//! Images in: reading an input image from a file, with errors that name the field and the
//! path and say what to do.

use std::path::Path;

use gemini_image_core::{Blob, Error};

/// Reads the image at `path` for the request field `field` (e.g. `images[1]`), its MIME
/// type sniffed from the bytes (the file name's extension does not matter).
///
/// A file that cannot be read is kind `io` naming `field` (the message names the path and
/// why: no such file, permission denied, a directory); bytes that are not an image Gemini
/// accepts (PNG, JPEG, WEBP, HEIC, HEIF) are `invalid_request` naming `field`, as from
/// [`Blob::from_bytes`], with the path in the message.
///
/// ```
/// use gemini_image::ErrorKind;
/// # let dir = std::env::temp_dir().join(format!("gi-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let path = dir.join("in.png");
/// # std::fs::write(&path, b"\x89PNG\r\n\x1a\n0000")?;
/// let image = gemini_image::load_image(&path, "images[0]")?;
/// assert_eq!(image.mime_type, "image/png");
///
/// let err = gemini_image::load_image(dir.join("missing.png"), "images[1]").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Io);
/// assert_eq!(err.field(), Some("images[1]"));
/// assert!(err.to_string().contains("missing.png"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_image(path: impl AsRef<Path>, field: &str) -> Result<Blob, Error> {
    let path = path.as_ref();
    let data = std::fs::read(path).map_err(|err| {
        let why = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ if path.is_dir() => "it is a directory".to_string(),
            _ => err.to_string(),
        };
        Error::io(
            field,
            format!(
                "cannot read the image {}: {why}; check the path",
                path.display()
            ),
        )
    })?;
    Blob::from_bytes(data, field).map_err(|err| match err {
        Error::InvalidRequest { field, message } => {
            Error::invalid(field, format!("{} {message}", path.display()))
        }
        other => other,
    })
}
