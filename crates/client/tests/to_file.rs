//! `Client::generate_to_files`: images decoded straight into their files; a retried or
//! failed call leaves no file twice, half or at all.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use gemini_image::{CallOptions, Client, ErrorKind};
use gemini_image_emulator::{Emulator, EmulatorConfig};

fn client(emu: &Emulator) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(emu.gateway_url())
        .default_model("gemini-3-pro-image-preview")
        .timeout(Duration::from_secs(60))
        .sleeper(Arc::new(|_| {}))
        .build()
        .expect("client")
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn images_land_in_their_files_and_equal_the_in_memory_result() {
    let emu = Emulator::start(EmulatorConfig::default()).expect("emulator");
    let client = client(&emu);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shots/");
    let request = client.request("a harbour at dawn [[bytes:2m]]");
    let (result, info) = client.generate_to_files(
        &request,
        Some(&out),
        "harbour",
        false,
        &CallOptions::default(),
    );
    let files = result.expect("generated");
    assert_eq!(info.attempts, 1);
    assert_eq!(files.images.len(), 1);
    let written = &files.images[0];
    // Gemini 3 Pro answers in JPEG: the extension follows the MIME type.
    assert_eq!(written.mime_type, "image/jpeg");
    assert_eq!(written.saved.path, out.join("harbour.jpg"));
    let on_disk = std::fs::read(&written.saved.path).unwrap();
    assert_eq!(on_disk.len() as u64, written.bytes);
    // The same prompt in memory gives the same bytes (the emulator is deterministic).
    let in_memory = client.generate(&request).expect("generated");
    let image = in_memory.image().expect("image");
    assert_eq!(on_disk, image.data);
    assert_eq!(written.dimensions, image.dimensions());
    // The response keeps everything but the final image's bytes; thought images come back.
    assert!(
        files
            .response
            .image()
            .expect("final image part")
            .data
            .is_empty()
    );
    assert_eq!(files.response.text(), in_memory.text());
    for (a, b) in files
        .response
        .thought_images()
        .iter()
        .zip(in_memory.thought_images())
    {
        assert_eq!(a.data, b.data);
        assert!(!a.data.is_empty());
    }
    assert!(!files.response.thought_images().is_empty());
    assert_eq!(names(&out), ["harbour.jpg"]);
    // A second run keeps the first file and says so.
    let (again, _) = client.generate_to_files(
        &request,
        Some(&out),
        "harbour",
        false,
        &CallOptions::default(),
    );
    let again = again.expect("generated");
    assert!(again.images[0].saved.renamed);
    assert_eq!(names(&out), ["harbour-2.jpg", "harbour.jpg"]);
}

#[test]
fn a_retried_or_failed_call_leaves_no_stray_file() {
    let emu = Emulator::start(EmulatorConfig::default()).expect("emulator");
    let client = client(&emu);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jpg");

    // The first attempt is cut mid-body (its temporary file is dropped), the second works.
    let request = client.request("a kite [[fault:drop:1]] [[bytes:1m]]");
    let (result, info) =
        client.generate_to_files(&request, Some(&out), "kite", false, &CallOptions::default());
    result.expect("the retry succeeds");
    assert_eq!(info.attempts, 2);
    assert_eq!(names(dir.path()), ["out.jpg"]);

    // A 200 without an image, and a non-retryable error: no file at all.
    for (prompt, kind) in [
        ("a kite [[fault:image_safety]]", ErrorKind::NoImage),
        ("a kite [[fault:budget]]", ErrorKind::QuotaExhausted),
    ] {
        let target = dir.path().join("never.jpg");
        let (result, _) = client.generate_to_files(
            &client.request(prompt),
            Some(&target),
            "never",
            false,
            &CallOptions::default(),
        );
        assert_eq!(result.unwrap_err().kind(), kind, "{prompt}");
        assert_eq!(names(dir.path()), ["out.jpg"], "{prompt}");
    }
}
