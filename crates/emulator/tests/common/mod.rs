//! Helpers shared by the emulator's integration tests: a plain ureq client and image
//! decoding.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;
use std::time::Duration;

use gemini_image_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;

pub const KEY: &str = "test-key";

pub fn start() -> Emulator {
    Emulator::start(EmulatorConfig::default()).expect("emulator starts")
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(500)])
            )
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// POSTs `body` to `base + path` with the given headers.
pub fn post_raw(url: &str, body: &str, headers: &[(&str, &str)]) -> Result<Reply, ureq::Error> {
    let mut req = agent().post(url).header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    read_reply(req.send(body)?)
}

/// Status, content type and the whole body (up to 512 MiB) of a response.
pub fn read_reply(mut resp: ureq::http::Response<ureq::Body>) -> Result<Reply, ureq::Error> {
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = resp
        .body_mut()
        .with_config()
        .limit(512 * 1024 * 1024)
        .read_to_vec()?;
    Ok(Reply {
        status,
        content_type,
        body,
    })
}

pub fn generate_url(emu: &Emulator, model: &str) -> String {
    format!(
        "{}/v1beta/models/{model}:generateContent",
        emu.gateway_url()
    )
}

pub fn stream_url(emu: &Emulator, model: &str) -> String {
    format!(
        "{}/v1beta/models/{model}:streamGenerateContent?alt=sse",
        emu.gateway_url()
    )
}

/// A text-to-image body with optional ratio and size.
pub fn body(prompt: &str, ratio: Option<&str>, size: Option<&str>) -> String {
    let mut image_config = serde_json::Map::new();
    if let Some(r) = ratio {
        image_config.insert("aspectRatio".into(), r.into());
    }
    if let Some(s) = size {
        image_config.insert("imageSize".into(), s.into());
    }
    serde_json::json!({
        "contents": [{"role": "user", "parts": [{"text": prompt}]}],
        "generationConfig": {"responseModalities": ["TEXT", "IMAGE"], "imageConfig": image_config}
    })
    .to_string()
}

pub fn generate(emu: &Emulator, model: &str, body: &str) -> Reply {
    post_raw(&generate_url(emu, model), body, &[("x-goog-api-key", KEY)]).expect("request")
}

/// The final (last non-thought) image of a response: MIME type and bytes.
pub fn final_image(v: &Value) -> (String, Vec<u8>) {
    let parts = v["candidates"][0]["content"]["parts"]
        .as_array()
        .expect("parts");
    let p = parts
        .iter()
        .rev()
        .find(|p| p.get("inlineData").is_some() && p["thought"] != true)
        .expect("a final image");
    let mime = p["inlineData"]["mimeType"].as_str().unwrap().to_string();
    let data = base64_simd::STANDARD
        .decode_to_vec(p["inlineData"]["data"].as_str().unwrap())
        .unwrap();
    (mime, data)
}

/// Decodes a PNG or JPEG into (width, height, rgb).
pub fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    if bytes.starts_with(b"\x89PNG") {
        let mut dec = png::Decoder::new(Cursor::new(bytes));
        dec.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = dec.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb);
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    } else {
        assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "not a JPEG");
        use zune_jpeg::zune_core::colorspace::ColorSpace;
        use zune_jpeg::zune_core::options::DecoderOptions;
        let opts = DecoderOptions::default()
            .jpeg_set_out_colorspace(ColorSpace::RGB)
            .set_max_width(20_000)
            .set_max_height(20_000);
        let mut dec = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), opts);
        let px = dec.decode().unwrap();
        let info = dec.info().unwrap();
        (u32::from(info.width), u32::from(info.height), px)
    }
}

pub fn pixel(w: u32, rgb: &[u8], x: u32, y: u32) -> [u8; 3] {
    let i = ((y * w + x) * 3) as usize;
    [rgb[i], rgb[i + 1], rgb[i + 2]]
}

/// A solid-colour PNG.
pub fn solid_png(w: u32, h: u32, c: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().unwrap();
        let data: Vec<u8> = (0..w * h).flat_map(|_| c).collect();
        wr.write_image_data(&data).unwrap();
        wr.finish().unwrap();
    }
    out
}

pub fn b64(bytes: &[u8]) -> String {
    base64_simd::STANDARD.encode_to_string(bytes)
}

/// Splits an SSE body into its events' JSON payloads; returns (events, comment lines).
pub fn sse_events(text: &str) -> (Vec<Value>, usize) {
    let mut events = Vec::new();
    let mut comments = 0;
    for block in text.split("\r\n\r\n") {
        for line in block.lines() {
            if let Some(data) = line.strip_prefix("data: ") {
                events.push(serde_json::from_str(data).expect("event JSON"));
            } else if line.starts_with(':') {
                comments += 1;
            }
        }
    }
    (events, comments)
}
