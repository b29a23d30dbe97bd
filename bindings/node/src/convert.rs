//! Conversions between JavaScript values and the core's types: images in, results out.
//! Result images become `Buffer`s that own the Rust allocation (no copy).

use gemini_image::core::sniff_mime;
use gemini_image::{Blob, Error, GenerateResponse, Part, PartData};
use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;
use serde_json::Value;

/// One input image as JavaScript passes it: a file path, or bytes (the JS layer turns a
/// `Uint8Array` or `ArrayBuffer` into a `Buffer` view without copying).
pub type ImageInput = Either<String, Buffer>;

/// Reads an image argument into a blob (the MIME type sniffed from the bytes). Runs on a
/// worker thread: file reads never block the event loop.
// TODO(frontdoor): use `gemini_image::load_image` / `Blob::from_bytes` when they land.
pub fn load_image(input: ImageInput, field: &str) -> Result<Blob, Error> {
    let data = match input {
        Either::A(path) => std::fs::read(&path).map_err(|err| {
            Error::invalid(
                field,
                format!("cannot read the image file {path:?}: {err}; pass an existing image path or the bytes"),
            )
        })?,
        Either::B(buffer) => buffer.to_vec(),
    };
    let mime = sniff_mime(&data).unwrap_or("");
    Ok(Blob::new(data, mime))
}

/// The user parts of a call: the prompt first, then the images in order.
pub fn user_parts(prompt: Option<String>, images: Vec<ImageInput>) -> Result<Vec<Part>, Error> {
    let mut parts = Vec::with_capacity(images.len() + 1);
    if let Some(prompt) = prompt {
        parts.push(Part::text(prompt));
    }
    for (i, image) in images.into_iter().enumerate() {
        let blob = load_image(image, &format!("images[{i}]"))?;
        parts.push(Part::from_data(PartData::InlineData(blob)));
    }
    Ok(parts)
}

/// An image crossing into JavaScript.
#[napi(object)]
pub struct NativeImage {
    pub data: Buffer,
    pub mime_type: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl From<Blob> for NativeImage {
    fn from(blob: Blob) -> Self {
        let (width, height) = blob.dimensions().unzip();
        NativeImage {
            mime_type: blob.mime_type,
            data: Buffer::from(blob.data),
            width,
            height,
        }
    }
}

/// One safety rating.
#[napi(object)]
pub struct NativeSafetyRating {
    pub category: String,
    pub probability: String,
    pub blocked: Option<bool>,
}

/// A response as JavaScript sees it (the JS layer wraps it in `GenerateResult`).
#[napi(object)]
pub struct NativeResult {
    pub images: Vec<NativeImage>,
    pub thought_images: Vec<NativeImage>,
    pub text: String,
    pub thoughts: String,
    pub finish_reason: Option<String>,
    pub finish_message: Option<String>,
    pub block_reason: Option<String>,
    pub safety_ratings: Vec<NativeSafetyRating>,
    #[napi(
        ts_type = "Record<string, number | string | Array<{ modality: string; tokenCount: number }>> | null"
    )]
    pub usage: Option<Value>,
    pub model_version: Option<String>,
    pub response_id: Option<String>,
    pub thought_signatures: Vec<String>,
}

/// Splits a response into owned parts: images are moved, never copied (except the rare
/// fallback where the only image is a thought image, listed in both).
// TODO(frontdoor): use `GenerateResponse::into_output` when the core lands it.
pub fn to_native(response: GenerateResponse) -> NativeResult {
    let final_count = response.images().len();
    let text = response.text();
    let thoughts = response.thought_text();
    let finish_reason = response.finish_reason().map(|r| r.as_str().to_string());
    let finish_message = response.finish_message().map(str::to_string);
    let block_reason = response.prompt_blocked().map(|r| r.as_str().to_string());
    let thought_signatures = response
        .thought_signatures()
        .into_iter()
        .map(str::to_string)
        .collect();
    let usage = response
        .usage_metadata
        .as_ref()
        .and_then(|u| serde_json::to_value(u).ok());
    let GenerateResponse {
        candidates,
        model_version,
        response_id,
        ..
    } = response;
    let candidate = candidates.into_iter().next();
    let safety_ratings = candidate
        .as_ref()
        .map(|c| {
            c.safety_ratings
                .iter()
                .map(|r| NativeSafetyRating {
                    category: r.category.clone(),
                    probability: r.probability.clone(),
                    blocked: r.blocked,
                })
                .collect()
        })
        .unwrap_or_default();
    let parts = candidate
        .and_then(|c| c.content)
        .map(|c| c.parts)
        .unwrap_or_default();
    let mut images = Vec::new();
    let mut thought_images: Vec<Blob> = Vec::new();
    for part in parts {
        if let PartData::InlineData(blob) = part.data {
            if part.thought {
                thought_images.push(blob);
            } else {
                images.push(blob);
            }
        }
    }
    if images.is_empty() && final_count == 1 {
        if let Some(last) = thought_images.last() {
            images.push(last.clone());
        }
    }
    NativeResult {
        images: images.into_iter().map(NativeImage::from).collect(),
        thought_images: thought_images.into_iter().map(NativeImage::from).collect(),
        text,
        thoughts,
        finish_reason,
        finish_message,
        block_reason,
        safety_ratings,
        usage,
        model_version,
        response_id,
        thought_signatures,
    }
}
