//! Saving images to files (the core does no IO).

use std::io;
use std::path::{Path, PathBuf};

use gemini_image_core::Blob;

/// Writes an image's bytes to a file.
///
/// ```no_run
/// use gemini_image::SaveImage;
/// # let client = gemini_image::Client::from_env()?;
/// let response = client.text_to_image("a paper boat")?;
/// if let Some(image) = response.image() {
///     let path = image.save_with_extension("boat")?; // boat.png or boat.jpg
///     println!("saved {}", path.display());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SaveImage {
    /// Writes the bytes to `path` as given.
    fn save(&self, path: impl AsRef<Path>) -> io::Result<()>;

    /// Writes the bytes to `path` with the extension its MIME type calls for (`.png`,
    /// `.jpg`, …) replacing any extension `path` has; returns the path written.
    fn save_with_extension(&self, path: impl AsRef<Path>) -> io::Result<PathBuf>;
}

impl SaveImage for Blob {
    fn save(&self, path: impl AsRef<Path>) -> io::Result<()> {
        std::fs::write(path, &self.data)
    }

    fn save_with_extension(&self, path: impl AsRef<Path>) -> io::Result<PathBuf> {
        let path = path.as_ref().with_extension(self.extension());
        std::fs::write(&path, &self.data)?;
        Ok(path)
    }
}
