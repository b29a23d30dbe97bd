//! Conversions between JavaScript values and the core's types: images in, results out.
//! Result images become `Buffer`s that own the Rust allocation (no copy).

use gemini_image::{Blob, Error, GenerateResponse, Part, PartData};
use napi::bindgen_prelude::{Buffer, Either3};
use napi_derive::napi;
use serde_json::Value;

/// Image bytes with a declared MIME type (checked, and corrected by sniffing, when sent).
#[napi(object)]
pub struct LabelledImage {
    pub data: Buffer,
    pub mime_type: String,
}

/// One input image as JavaScript passes it: a file path, bytes (the JS layer turns a
/// `Uint8Array` or `ArrayBuffer` into a `Buffer` view without copying), or labelled bytes.
pub type ImageInput = Either3<String, Buffer, LabelledImage>;

/// Reads an image argument into a blob (the MIME type sniffed from the bytes). Runs on a
/// worker thread: file reads never block the event loop.
pub fn load_image(input: ImageInput, field: &str) -> Result<Blob, Error> {
    let data = match input {
        Either3::A(path) => return gemini_image::load_image(path, field),
        Either3::B(buffer) => buffer.to_vec(),
        Either3::C(labelled) => {
            return Ok(Blob::new(labelled.data.to_vec(), labelled.mime_type));
        }
    };
    Blob::from_bytes(data, field)
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
            // Moves the Rust buffer into the Buffer when nothing else holds it (a
            // generate); copies only an image a stream's merged response shares.
            data: Buffer::from(Vec::<u8>::from(blob.data)),
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

/// Splits a response into owned parts: images are moved into `Buffer`s, never copied.
pub fn to_native(response: GenerateResponse) -> NativeResult {
    let thought_signatures = response
        .thought_signatures()
        .into_iter()
        .map(str::to_string)
        .collect();
    let out = response.into_output();
    NativeResult {
        images: out.images.into_iter().map(NativeImage::from).collect(),
        thought_images: out
            .thought_images
            .into_iter()
            .map(NativeImage::from)
            .collect(),
        text: out.text,
        thoughts: out.thoughts,
        finish_reason: out.finish_reason,
        finish_message: out.finish_message,
        block_reason: out.block_reason,
        safety_ratings: out
            .safety_ratings
            .into_iter()
            .map(|r| NativeSafetyRating {
                category: r.category,
                probability: r.probability,
                blocked: r.blocked,
            })
            .collect(),
        usage: out.usage.and_then(|u| serde_json::to_value(u).ok()),
        model_version: out.model_version,
        response_id: out.response_id,
        thought_signatures,
    }
}
