//! A 20 MB image arrives and is written whole.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Env, dims, mime};

#[test]
fn a_20_mb_image_is_written_whole() {
    let env = Env::new();
    for (model, ext) in [
        ("gemini-3-pro-image-preview", "jpg"),
        ("gemini-2.5-flash-image", "png"),
    ] {
        let out = env
            .cmd()
            .args([
                "generate",
                "a huge mural [[bytes:20m]]",
                "--model",
                model,
                "-o",
                "big",
                "--json",
            ])
            .run();
        assert_eq!(out.code, 0, "{model}: {}", out.stderr);
        let json = out.json();
        let path = env.path(&format!("big.{ext}"));
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            bytes.len() >= 20 * 1024 * 1024 - 64 * 1024,
            "{model}: only {} bytes",
            bytes.len()
        );
        assert_eq!(
            json["images"][0]["bytes"].as_u64(),
            Some(bytes.len() as u64)
        );
        // Still a valid image of the model's size, and complete to its last byte.
        assert_eq!(
            mime(&path),
            if ext == "jpg" {
                "image/jpeg"
            } else {
                "image/png"
            }
        );
        assert_eq!(dims(&path), (1024, 1024), "{model}");
        if ext == "jpg" {
            assert_eq!(
                &bytes[bytes.len() - 2..],
                &[0xFF, 0xD9],
                "JPEG must end with EOI"
            );
        } else {
            assert_eq!(
                &bytes[bytes.len() - 8..bytes.len() - 4],
                b"IEND",
                "PNG must end with IEND"
            );
        }
    }
}
