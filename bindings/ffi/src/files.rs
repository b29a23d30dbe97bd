//! Files: reading an input image and saving a result, with the client's rules (the same as
//! the CLI's and every other front door's).

use gemini_image::Blob;

use crate::error::GeminiImageError;
use crate::types::{Image, InputImage};

/// Where [`save_image`] wrote an image.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SavedImage {
    /// The file written.
    pub path: String,
    /// The path asked for, with the extension the bytes call for (differs from `path` when
    /// `renamed`).
    pub requested: String,
    /// Whether a file already existed at `requested`, so the next free name (`x-2.png`)
    /// was used.
    pub renamed: bool,
    /// Notes about the name (extension changed, file renamed), to show to a user.
    pub warnings: Vec<String>,
}

/// Reads an image file for an edit or a conversation turn; its type is detected from the
/// bytes. A missing or unreadable file is kind `io`, a file that is not a supported image
/// `invalid_request`; both name `field` and the path.
#[uniffi::export(default(field = "image"))]
pub fn load_image(path: String, field: String) -> Result<InputImage, GeminiImageError> {
    let blob = gemini_image::load_image(&path, &field)
        .map_err(|e| GeminiImageError::from_core(e, None))?;
    Ok(InputImage {
        data: blob.data.into(),
        mime_type: Some(blob.mime_type),
    })
}

/// Saves `image` at `path` atomically: the MIME type's extension is added when `path` has
/// none (a disagreeing image extension is replaced, with a warning); an existing file is
/// never replaced unless `overwrite` (the next free name is used and reported). Missing
/// folders are created. Fails with kind `io` naming the path.
#[uniffi::export(default(overwrite = false))]
pub fn save_image(
    image: Image,
    path: String,
    overwrite: bool,
) -> Result<SavedImage, GeminiImageError> {
    let blob = Blob::new(image.data, image.mime_type);
    let saved = gemini_image::save_image(&blob, &path, overwrite)
        .map_err(|e| GeminiImageError::from_core(e, None))?;
    Ok(SavedImage {
        path: saved.path.to_string_lossy().into_owned(),
        requested: saved.requested.to_string_lossy().into_owned(),
        renamed: saved.renamed,
        warnings: saved.warnings,
    })
}
