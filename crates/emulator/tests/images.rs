//! Generated images: pixel sizes per model/ratio/size, formats, determinism, edits,
//! response shapes, large images, concurrency.

mod common;

use common::*;
use serde_json::json;
use std::time::Instant;

#[test]
fn pixel_sizes_and_formats_per_model() {
    let emu = start();
    type Case = (
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        (u32, u32),
        &'static str,
    );
    let cases: &[Case] = &[
        (
            "gemini-2.5-flash-image",
            None,
            None,
            (1024, 1024),
            "image/png",
        ),
        (
            "gemini-2.5-flash-image",
            Some("21:9"),
            None,
            (1536, 672),
            "image/png",
        ),
        // 2.5 ignores imageSize, like Google.
        (
            "gemini-2.5-flash-image-preview",
            Some("9:16"),
            Some("4K"),
            (768, 1344),
            "image/png",
        ),
        ("nano-banana", Some("3:2"), None, (1248, 832), "image/png"),
        (
            "gemini-3-pro-image-preview",
            None,
            None,
            (1024, 1024),
            "image/jpeg",
        ),
        (
            "gemini-3-pro-image-preview",
            Some("2:3"),
            Some("2K"),
            (1696, 2528),
            "image/jpeg",
        ),
        (
            "nano-banana-pro",
            Some("21:9"),
            Some("1K"),
            (1584, 672),
            "image/jpeg",
        ),
        (
            "gemini-3-pro-image",
            Some("16:9"),
            Some("4K"),
            (5504, 3072),
            "image/jpeg",
        ),
        (
            "gemini-3.1-flash-image-preview",
            Some("16:9"),
            Some("512"),
            (704, 384),
            "image/jpeg",
        ),
        (
            "gemini-3.1-flash-image",
            Some("8:1"),
            Some("1K"),
            (2928, 352),
            "image/jpeg",
        ),
        (
            "nano-banana-2",
            Some("1:4"),
            Some("2K"),
            (1024, 4128),
            "image/jpeg",
        ),
        (
            "gemini-3.1-flash-lite-image",
            Some("4:5"),
            None,
            (928, 1152),
            "image/jpeg",
        ),
    ];
    for (model, ratio, size, (w, h), mime) in cases {
        let r = generate(&emu, model, &body("a red lighthouse", *ratio, *size));
        assert_eq!(r.status, 200, "{model} {ratio:?} {size:?}: {}", r.text());
        let v = r.json();
        // Gateway aliases report the model they stand for, as the gateway's upstream does.
        let version = gemini_image_core::model::capabilities(model)
            .filter(|_| model.starts_with("nano-banana"))
            .map_or(*model, |c| c.family);
        assert_eq!(v["modelVersion"], version);
        assert_eq!(v["candidates"][0]["finishReason"], "STOP");
        assert_eq!(v["candidates"][0]["index"], 0);
        assert!(v["responseId"].as_str().is_some_and(|s| !s.is_empty()));
        let (got_mime, bytes) = final_image(&v);
        assert_eq!(&got_mime, mime, "{model}");
        // Headers for every case; full decodes for the smaller ones (debug builds decode
        // slowly; four_k_jpeg_is_fast_and_cached decodes a 4K one).
        let dims = gemini_image_core::image_dimensions(&bytes);
        assert_eq!(dims, Some((*w, *h)), "{model} {ratio:?} {size:?}");
        if w * h <= 1_500_000 {
            let (gw, gh, _) = decode(&bytes);
            assert_eq!((gw, gh), (*w, *h), "{model} {ratio:?} {size:?}");
        }
    }
}

#[test]
fn four_k_jpeg_is_fast_and_cached() {
    let emu = start();
    let b = body("timing a 4K render", Some("16:9"), Some("4K"));
    let t = Instant::now();
    let r = generate(&emu, "gemini-3-pro-image-preview", &b);
    let first = t.elapsed();
    assert_eq!(r.status, 200);
    let t = Instant::now();
    let r2 = generate(&emu, "gemini-3-pro-image-preview", &b);
    let second = t.elapsed();
    let (_, bytes) = final_image(&r.json());
    assert_eq!(bytes, final_image(&r2.json()).1);
    assert_eq!(decode(&bytes).0, 5504);
    eprintln!("4K JPEG: first {first:?}, cached {second:?}");
    assert!(first.as_secs_f64() < 5.0, "first 4K render took {first:?}");
}

#[test]
fn deterministic_per_prompt_and_different_between_prompts() {
    let emu = start();
    let a1 =
        final_image(&generate(&emu, "gemini-2.5-flash-image", &body("a cat", None, None)).json()).1;
    let a2 =
        final_image(&generate(&emu, "gemini-2.5-flash-image", &body("a cat", None, None)).json()).1;
    let b =
        final_image(&generate(&emu, "gemini-2.5-flash-image", &body("a dog", None, None)).json()).1;
    assert_eq!(a1, a2);
    assert_ne!(a1, b);
    // Visibly different: many pixels differ a lot.
    let (w, h, pa) = decode(&a1);
    let (_, _, pb) = decode(&b);
    let mut differ = 0;
    for y in (0..h).step_by(16) {
        for x in (0..w).step_by(16) {
            let (p, q) = (pixel(w, &pa, x, y), pixel(w, &pb, x, y));
            let d: i32 = (0..3)
                .map(|i| (i32::from(p[i]) - i32::from(q[i])).abs())
                .sum();
            if d > 60 {
                differ += 1;
            }
        }
    }
    assert!(differ > 500, "only {differ} of 4096 samples differ");
}

fn edit_body(prompt: &str, image: &[u8], mime: &str) -> String {
    json!({
        "contents": [{"parts": [
            {"text": prompt},
            {"inline_data": {"mime_type": mime, "data": b64(image)}}
        ]}]
    })
    .to_string()
}

#[test]
fn edit_inverts_the_input_and_keeps_its_ratio() {
    let emu = start();
    let input = solid_png(64, 48, [200, 40, 40]);
    let r = generate(
        &emu,
        "gemini-2.5-flash-image",
        &edit_body("make it blue", &input, "image/png"),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let (mime, bytes) = final_image(&r.json());
    assert_eq!(mime, "image/png");
    let (w, h, px) = decode(&bytes);
    // 4:3 is the accepted ratio closest to 64×48.
    assert_eq!((w, h), (1184, 864));
    let c = pixel(w, &px, w / 2, h / 2);
    assert_eq!(c, [55, 215, 215], "centre is the inverted input");

    // A JPEG input on a 3.x model, with an explicit ratio.
    let jpeg = {
        let first = generate(
            &emu,
            "gemini-3-pro-image-preview",
            &body("source picture", None, None),
        );
        final_image(&first.json()).1
    };
    let (_, _, src) = decode(&jpeg);
    let r = generate(
        &emu,
        "gemini-3-pro-image-preview",
        &json!({
            "contents": [{"parts": [
                {"text": "invert it"},
                {"inlineData": {"mimeType": "image/jpeg", "data": b64(&jpeg)}}
            ]}],
            "generationConfig": {"imageConfig": {"aspectRatio": "1:1", "imageSize": "2K"}}
        })
        .to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let (mime, out) = final_image(&r.json());
    assert_eq!(mime, "image/jpeg");
    let (w, h, px) = decode(&out);
    assert_eq!((w, h), (2048, 2048));
    let s = pixel(1024, &src, 512, 300);
    let o = pixel(w, &px, 1024, 600);
    for i in 0..3 {
        let inv = 255 - i32::from(s[i]);
        assert!((inv - i32::from(o[i])).abs() < 24, "{s:?} vs {o:?}");
    }
    // Two different instructions give different edits (the frame colour).
    let other = generate(
        &emu,
        "gemini-2.5-flash-image",
        &edit_body("make it green", &input, "image/png"),
    );
    assert_ne!(final_image(&other.json()).1, bytes);
}

#[test]
fn gemini_3_answer_has_thoughts_and_signatures() {
    let emu = start();
    let r = generate(
        &emu,
        "gemini-3-pro-image-preview",
        &body("a cabin", None, None),
    );
    let v = r.json();
    let parts = v["candidates"][0]["content"]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 4);
    assert_eq!(parts[0]["thought"], true);
    assert!(parts[0]["text"].as_str().unwrap().len() > 10);
    assert_eq!(parts[1]["thought"], true);
    assert_eq!(parts[1]["inlineData"]["mimeType"], "image/jpeg");
    let thumb = base64_simd::STANDARD
        .decode_to_vec(parts[1]["inlineData"]["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(decode(&thumb).0, 256);
    assert!(parts[2]["text"].is_string());
    assert!(parts[2]["thoughtSignature"].is_string());
    assert!(parts[3]["thoughtSignature"].is_string());
    assert!(parts[3].get("thought").is_none());
    let u = &v["usageMetadata"];
    assert_eq!(u["candidatesTokensDetails"][0]["tokenCount"], 1120);
    assert!(u["thoughtsTokenCount"].as_u64().unwrap() > 0);
    let total = u["promptTokenCount"].as_u64().unwrap()
        + u["candidatesTokenCount"].as_u64().unwrap()
        + u["thoughtsTokenCount"].as_u64().unwrap();
    assert_eq!(u["totalTokenCount"].as_u64().unwrap(), total);

    // 2.5: text preamble + image, no signatures, 1290 image tokens.
    let v = generate(&emu, "gemini-2.5-flash-image", &body("a cabin", None, None)).json();
    let parts = v["candidates"][0]["content"]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0]["text"], "Here is your image: ");
    assert!(parts.iter().all(|p| p.get("thoughtSignature").is_none()));
    assert_eq!(
        v["usageMetadata"]["candidatesTokensDetails"][0]["tokenCount"],
        1290
    );

    // IMAGE-only modality drops the text part.
    let b = json!({"contents":[{"parts":[{"text":"a cabin"}]}],
                   "generationConfig":{"responseModalities":["IMAGE"]}})
    .to_string();
    let v = generate(&emu, "gemini-2.5-flash-image", &b).json();
    assert_eq!(
        v["candidates"][0]["content"]["parts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn large_images_on_demand() {
    let emu = start();
    let want = 20 * 1024 * 1024;
    for (model, how) in [
        ("gemini-3-pro-image-preview", "header"),
        ("gemini-2.5-flash-image", "token"),
    ] {
        let (b, headers): (String, Vec<(&str, &str)>) = if how == "header" {
            (
                body("big one", None, None),
                vec![("x-goog-api-key", KEY), ("x-emulator-image-bytes", "20m")],
            )
        } else {
            (
                body("big one [[bytes:20971520]]", None, None),
                vec![("x-goog-api-key", KEY)],
            )
        };
        let t = Instant::now();
        let r = post_raw(&generate_url(&emu, model), &b, &headers).unwrap();
        let first = t.elapsed();
        assert_eq!(r.status, 200);
        let (_, bytes) = final_image(&r.json());
        assert!(
            bytes.len().abs_diff(want) < 16,
            "{model}: {} bytes",
            bytes.len()
        );
        let (w, h, _) = decode(&bytes);
        assert_eq!((w, h), (1024, 1024));
        let t = Instant::now();
        let r = post_raw(&generate_url(&emu, model), &b, &headers).unwrap();
        assert_eq!(r.status, 200);
        eprintln!(
            "{model}: 20 MiB image, first {first:?}, cached {:?} ({} body bytes)",
            t.elapsed(),
            r.body.len()
        );
    }
}

#[test]
fn many_concurrent_requests() {
    let emu = start();
    let url = generate_url(&emu, "gemini-3.1-flash-image-preview");
    let t = Instant::now();
    let handles: Vec<_> = (0..32)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || {
                let r = post_raw(
                    &url,
                    &body(&format!("concurrent picture {i}"), Some("16:9"), None),
                    &[("x-goog-api-key", KEY)],
                )
                .unwrap();
                assert_eq!(r.status, 200);
                let (_, img) = final_image(&r.json());
                assert_eq!(gemini_image_core::image_dimensions(&img), Some((1408, 768)));
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    eprintln!("32 parallel requests: {:?}", t.elapsed());
    assert_eq!(emu.request_count(), 32);
}

#[test]
fn large_request_bodies_are_accepted_up_to_the_limit() {
    let emu = start();
    // A ~6 MiB image made by the emulator itself, sent back as an edit input (~8 MiB body,
    // far over axum's 2 MiB default).
    let r = post_raw(
        &generate_url(&emu, "gemini-3-pro-image-preview"),
        &body("big input", None, None),
        &[("x-goog-api-key", KEY), ("x-emulator-image-bytes", "6m")],
    )
    .unwrap();
    let (_, big) = final_image(&r.json());
    assert!(big.len() >= 6 << 20);
    let edit = json!({
        "contents": [{"parts": [
            {"text": "edit the big one"},
            {"inlineData": {"mimeType": "image/jpeg", "data": b64(&big)}}
        ]}]
    })
    .to_string();
    let r = generate(&emu, "gemini-3-pro-image-preview", &edit);
    assert_eq!(r.status, 200, "{}", &r.text()[..r.text().len().min(300)]);

    // Over a configured limit: 413.
    let small = gemini_image_emulator::Emulator::start(
        gemini_image_emulator::EmulatorConfig::default().with_max_body_bytes(4096),
    )
    .unwrap();
    // The server answers 413 as soon as it sees the Content-Length and closes the
    // connection, so the client may instead see a broken pipe while still sending.
    match post_raw(
        &generate_url(&small, "gemini-3-pro-image-preview"),
        &edit,
        &[("x-goog-api-key", KEY)],
    ) {
        Ok(r) => assert_eq!(r.status, 413),
        Err(e) => assert!(matches!(e, ureq::Error::Io(_)), "{e}"),
    }
    let r = generate(
        &small,
        "gemini-3-pro-image-preview",
        &body("tiny", None, None),
    );
    assert_eq!(r.status, 200);
}
