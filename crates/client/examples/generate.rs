//! Generates an image, edits it, and streams a third — against the offline emulator by
//! default, or the real API with `--live` (needs THUCCHIEN_API_KEY or GEMINI_API_KEY).
//!
//! ```text
//! cargo run -p gemini-image --example generate            # offline
//! cargo run -p gemini-image --example generate -- --live  # real API, costs credits
//! ```

use gemini_image::{AspectRatio, Client, GenerateRequest, SaveImage, StreamEvent};
use gemini_image_emulator::{Emulator, EmulatorConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let live = std::env::args().any(|a| a == "--live");
    let _emulator;
    let client = if live {
        Client::from_env()?
    } else {
        let emulator = Emulator::start(EmulatorConfig::default())?;
        let client = Client::builder()
            .api_key("offline")
            .base_url(emulator.gateway_url())
            .build()?;
        _emulator = emulator;
        client
    };
    let out = std::env::temp_dir();

    let request = client
        .request("a lighthouse at dusk, watercolor")
        .with_aspect_ratio(AspectRatio::Landscape16x9);
    let (response, info) = client.generate_with_info(&request);
    let response = response?;
    let image = response.image().ok_or("no image")?;
    let path = image.save_with_extension(out.join("lighthouse"))?;
    println!(
        "generated {} ({:?} px, {} attempt(s), {:?})",
        path.display(),
        image.dimensions(),
        info.attempts,
        info.elapsed
    );

    let edited = client.edit([image.clone()], "add a full moon")?;
    if let Some(image) = edited.image() {
        println!(
            "edited {}",
            image
                .save_with_extension(out.join("lighthouse-moon"))?
                .display()
        );
    }

    let request = GenerateRequest::text_to_image("gemini-3-pro-image-preview", "a cabin in snow");
    let mut stream = client.stream(&request)?;
    for event in &mut stream {
        match event? {
            StreamEvent::ThoughtText(text) => {
                println!("thought: {}", text.lines().next().unwrap_or(""))
            }
            StreamEvent::ThoughtImage(draft) => println!("draft image: {} bytes", draft.data.len()),
            StreamEvent::Text(text) => println!("text: {text}"),
            StreamEvent::Image(image) => println!("final image: {} bytes", image.data.len()),
            _ => {}
        }
    }
    let merged = stream.finish()?;
    println!(
        "stream finished: {:?}",
        merged.finish_reason().map(|r| r.as_str())
    );
    Ok(())
}
