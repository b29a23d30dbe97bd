//! The example of crates/client/README.md (kept identical to it by tests/readme.rs):
//! generate, save without overwriting, edit, and handle an error — against the offline
//! emulator (no key, no network).
//!
//! ```text
//! cargo run -p gemini-image --example quickstart
//! ```

use gemini_image::core::Remedy;
use gemini_image::{Client, ErrorKind, load_image, save_image};
use gemini_image_emulator::{Emulator, EmulatorConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default())?;
    let client = Client::builder()
        .api_key("any-key")
        .base_url(emulator.gateway_url())
        .build()?;
    let out = std::env::temp_dir().join("gemini-image-quickstart");

    // Text to image; saved with the extension its bytes call for (.jpg for Gemini 3).
    // An existing file is never replaced: a second run writes fox-2.jpg and says so.
    let response = client.text_to_image("a red fox in the snow")?;
    let image = response.image().ok_or("no image")?;
    let saved = save_image(image, out.join("fox"), false)?;
    println!("saved {}", saved.path.display());

    // Edit: read the image back (MIME type sniffed from the bytes), send an instruction.
    let input = load_image(&saved.path, "images[0]")?;
    let edited = client.edit([input], "make it night, with a full moon")?;
    if let Some(image) = edited.image() {
        save_image(image, out.join("fox-night"), false)?;
    }

    // Errors have a stable kind, a code and a remedy.
    if let Err(err) = client.text_to_image("a fox [[fault:image_safety]]") {
        assert_eq!(err.kind(), ErrorKind::NoImage);
        assert_eq!(err.kind().code(), "GEMINI_IMAGE_NO_IMAGE");
        assert_eq!(err.remedy(), Some(Remedy::Rephrase));
    }
    Ok(())
}
