//! Records crossing the boundary, and their conversions to and from the core's types.
//! Integers are signed at the boundary (Kotlin has no comfortable unsigned types).

use gemini_image::{
    Blob, Content, GenerateRequest, GenerateResponse, Part, PartData, RequestOptions, UsageMetadata,
};
use serde_json::{Map, Value};

use crate::error::GeminiImageError;

/// An image to send (an input of an edit or a conversation turn).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct InputImage {
    /// The encoded image (PNG, JPEG, WebP, HEIC or HEIF).
    pub data: Vec<u8>,
    /// Its MIME type; `null` or empty to detect it from the bytes (a wrong label of a
    /// supported type is corrected from the bytes too).
    #[uniffi(default)]
    pub mime_type: Option<String>,
}

/// An image the model returned.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Image {
    /// The encoded bytes, as sent by the server.
    pub data: Vec<u8>,
    /// `image/png`, `image/jpeg`, …
    pub mime_type: String,
    /// Width in pixels, read from the image header (`null` when unreadable).
    pub width: Option<i32>,
    /// Height in pixels, read from the image header (`null` when unreadable).
    pub height: Option<i32>,
}

/// One safety setting (`category`, `threshold`), sent as given.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SafetySetting {
    /// e.g. `HARM_CATEGORY_HARASSMENT`.
    pub category: String,
    /// e.g. `BLOCK_ONLY_HIGH`.
    pub threshold: String,
}

/// Thinking options (Gemini 3 models).
#[derive(Clone, Debug, Default, PartialEq, uniffi::Record)]
pub struct ThinkingOptions {
    /// Return thought summaries and interim thought images.
    #[uniffi(default)]
    pub include_thoughts: Option<bool>,
    /// The thinking token budget.
    #[uniffi(default)]
    pub thinking_budget: Option<i32>,
    /// The thinking level, sent as given (`low`, `high`, …).
    #[uniffi(default)]
    pub thinking_level: Option<String>,
}

/// Every option of a call except the prompt and the images. `null` means "not set" (the
/// server's default, or the client's default model).
#[derive(Clone, Debug, Default, PartialEq, uniffi::Record)]
pub struct ImageOptions {
    /// The model id (default: the client's model).
    #[uniffi(default)]
    pub model: Option<String>,
    /// `1:1`, `16:9`, `9:16`, `4:3`, `3:4`, `3:2`, `2:3`, `5:4`, `4:5`, `21:9` (and the
    /// extreme ratios of the models that accept them).
    #[uniffi(default)]
    pub aspect_ratio: Option<String>,
    /// `512`, `1K`, `2K` or `4K` (models that support sizes).
    #[uniffi(default)]
    pub image_size: Option<String>,
    /// `TEXT` and/or `IMAGE` (default both).
    #[uniffi(default)]
    pub response_modalities: Option<Vec<String>>,
    /// A system instruction.
    #[uniffi(default)]
    pub system_instruction: Option<String>,
    /// Safety settings, sent in order.
    #[uniffi(default)]
    pub safety_settings: Vec<SafetySetting>,
    /// Sampling temperature (0 to 2).
    #[uniffi(default)]
    pub temperature: Option<f64>,
    /// Nucleus sampling (0 to 1).
    #[uniffi(default)]
    pub top_p: Option<f64>,
    /// Top-k sampling.
    #[uniffi(default)]
    pub top_k: Option<i32>,
    /// A seed for more repeatable output.
    #[uniffi(default)]
    pub seed: Option<i64>,
    /// The output token limit.
    #[uniffi(default)]
    pub max_output_tokens: Option<i32>,
    /// Stop sequences (at most 5).
    #[uniffi(default)]
    pub stop_sequences: Option<Vec<String>>,
    /// Candidates per call (only 1 is supported by image models).
    #[uniffi(default)]
    pub candidate_count: Option<i32>,
    /// Thinking options.
    #[uniffi(default)]
    pub thinking: Option<ThinkingOptions>,
    /// A JSON object deep-merged into the top level of the request body, for fields this
    /// SDK does not model yet.
    #[uniffi(default)]
    pub extra_json: Option<String>,
}

/// One call: a prompt, optional input images, and options.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ImageRequest {
    /// What to draw, or how to change the input images.
    pub prompt: String,
    /// Input images, sent after the prompt in order.
    #[uniffi(default)]
    pub images: Vec<InputImage>,
    /// Everything else.
    #[uniffi(default)]
    pub options: ImageOptions,
}

/// Token counts for one modality.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ModalityTokens {
    /// `TEXT`, `IMAGE`, …
    pub modality: String,
    /// The count.
    pub token_count: i64,
}

/// `usageMetadata`: every counter the server reported.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Usage {
    /// Prompt tokens.
    pub prompt_token_count: Option<i64>,
    /// Cached prompt tokens.
    pub cached_content_token_count: Option<i64>,
    /// Output tokens.
    pub candidates_token_count: Option<i64>,
    /// Tool-use prompt tokens.
    pub tool_use_prompt_token_count: Option<i64>,
    /// Thinking tokens.
    pub thoughts_token_count: Option<i64>,
    /// Total tokens.
    pub total_token_count: Option<i64>,
    /// Prompt tokens per modality.
    pub prompt_tokens_details: Vec<ModalityTokens>,
    /// Cached tokens per modality.
    pub cache_tokens_details: Vec<ModalityTokens>,
    /// Output tokens per modality.
    pub candidates_tokens_details: Vec<ModalityTokens>,
    /// Tool-use prompt tokens per modality.
    pub tool_use_prompt_tokens_details: Vec<ModalityTokens>,
    /// The service tier, as sent.
    pub service_tier: Option<String>,
    /// The traffic type, as sent.
    pub traffic_type: Option<String>,
}

/// A safety rating of the first candidate.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SafetyRating {
    /// e.g. `HARM_CATEGORY_HATE_SPEECH`.
    pub category: String,
    /// e.g. `NEGLIGIBLE`.
    pub probability: String,
    /// Whether this rating caused a block.
    pub blocked: Option<bool>,
}

/// What a call returned.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct GenerationResult {
    /// The final images, in order (`images[0]` is the one to show).
    pub images: Vec<Image>,
    /// Interim thought images (Gemini 3 with thoughts on).
    pub thought_images: Vec<Image>,
    /// The model's non-thought text, concatenated (`""` when none).
    pub text: String,
    /// The thought summaries, concatenated.
    pub thought_text: String,
    /// `finishReason`, verbatim (`STOP`, `IMAGE_SAFETY`, …).
    pub finish_reason: Option<String>,
    /// `finishMessage`, when the server explains the finish reason.
    pub finish_message: Option<String>,
    /// `promptFeedback.blockReason`, when the prompt was blocked.
    pub block_reason: Option<String>,
    /// The first candidate's safety ratings.
    pub safety_ratings: Vec<SafetyRating>,
    /// Token usage.
    pub usage: Option<Usage>,
    /// The model version that answered.
    pub model_version: Option<String>,
    /// The response id.
    pub response_id: Option<String>,
    /// Every `thoughtSignature` of the first candidate, in part order.
    pub thought_signatures: Vec<String>,
    /// HTTP attempts the call made (0 for results parsed without a call).
    pub attempts: i32,
    /// The waits between attempts, in milliseconds.
    pub retry_delays_ms: Vec<i64>,
}

/// One part of a conversation turn.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct TurnPart {
    /// The text, for a text part.
    pub text: Option<String>,
    /// The image, for an inline image part.
    pub image: Option<Image>,
    /// A file URI, for a file reference.
    pub file_uri: Option<String>,
    /// Whether this is a thought.
    pub thought: bool,
    /// The opaque `thoughtSignature` the model attached (sent back verbatim).
    pub thought_signature: Option<String>,
}

/// One committed turn of a conversation.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Turn {
    /// `user` or `model`.
    pub role: String,
    /// The parts, in order.
    pub parts: Vec<TurnPart>,
}

/// An HTTP header.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Header {
    /// The name (lower case as sent).
    pub name: String,
    /// The value.
    pub value: String,
}

/// A request ready to send with any HTTP client. Its `toString` masks the key header.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct HttpRequest {
    /// `POST`.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// The headers, the API key's included (do not log them).
    pub headers: Vec<Header>,
    /// The JSON body.
    pub body: Vec<u8>,
}

impl std::fmt::Display for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|h| {
                let secret = h
                    .name
                    .eq_ignore_ascii_case(gemini_image::core::API_KEY_HEADER);
                (
                    h.name.as_str(),
                    if secret { "***" } else { h.value.as_str() },
                )
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// Which RPC a sans-IO request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum CallKind {
    /// `generateContent`.
    Generate,
    /// `streamGenerateContent?alt=sse`.
    Stream,
}

/// Something that arrived on a stream.
#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum StreamEvent {
    /// A thought summary (Gemini 3).
    ThoughtText {
        /// The text.
        text: String,
    },
    /// An interim thought image (Gemini 3).
    ThoughtImage {
        /// The image.
        image: Image,
    },
    /// Model commentary.
    Text {
        /// The text.
        text: String,
    },
    /// A final image.
    Image {
        /// The image.
        image: Image,
    },
    /// The stream ended: the merged response. Always the last event.
    Done {
        /// The merged response.
        result: GenerationResult,
    },
}

impl StreamEvent {
    pub(crate) fn from_core(event: gemini_image::StreamEvent) -> Option<StreamEvent> {
        Some(match event {
            gemini_image::StreamEvent::ThoughtText(text) => StreamEvent::ThoughtText { text },
            gemini_image::StreamEvent::ThoughtImage(blob) => StreamEvent::ThoughtImage {
                image: Image::from_blob(blob),
            },
            gemini_image::StreamEvent::Text(text) => StreamEvent::Text { text },
            gemini_image::StreamEvent::Image(blob) => StreamEvent::Image {
                image: Image::from_blob(blob),
            },
            // The core's summary (no images): the binding's own `Done`, with the merged
            // result and its images, is built from `finish()` right after.
            gemini_image::StreamEvent::Done(_) => return None,
            // A kind added to the core later: not delivered until this binding maps it.
            _ => return None,
        })
    }
}

fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The file extension for a MIME type (`png`, `jpg`, `webp`, `heic`, …), without the dot.
#[uniffi::export]
pub fn image_extension(mime_type: String) -> String {
    gemini_image::core::extension_for_mime(&mime_type).to_string()
}

impl Image {
    pub(crate) fn from_blob(blob: Blob) -> Image {
        let (width, height) = match blob.dimensions() {
            Some((w, h)) => (Some(to_i32(w)), Some(to_i32(h))),
            None => (None, None),
        };
        Image {
            data: blob.data.into(),
            mime_type: blob.mime_type,
            width,
            height,
        }
    }
}

impl From<&gemini_image::ModalityTokenCount> for ModalityTokens {
    fn from(count: &gemini_image::ModalityTokenCount) -> Self {
        ModalityTokens {
            modality: count.modality.clone(),
            token_count: count.token_count,
        }
    }
}

impl From<UsageMetadata> for Usage {
    fn from(u: UsageMetadata) -> Self {
        let list = |v: &[gemini_image::ModalityTokenCount]| v.iter().map(Into::into).collect();
        Usage {
            prompt_token_count: u.prompt_token_count,
            cached_content_token_count: u.cached_content_token_count,
            candidates_token_count: u.candidates_token_count,
            tool_use_prompt_token_count: u.tool_use_prompt_token_count,
            thoughts_token_count: u.thoughts_token_count,
            total_token_count: u.total_token_count,
            prompt_tokens_details: list(&u.prompt_tokens_details),
            cache_tokens_details: list(&u.cache_tokens_details),
            candidates_tokens_details: list(&u.candidates_tokens_details),
            tool_use_prompt_tokens_details: list(&u.tool_use_prompt_tokens_details),
            service_tier: u.service_tier,
            traffic_type: u.traffic_type,
        }
    }
}

impl GenerationResult {
    /// Converts a response; `info` is what the call cost, when there was a call.
    pub(crate) fn from_response(
        response: GenerateResponse,
        info: Option<&gemini_image::CallInfo>,
    ) -> GenerationResult {
        let thought_signatures = response
            .thought_signatures()
            .into_iter()
            .map(str::to_string)
            .collect();
        let thought_count = response.thought_images().len();
        // The images move out of the response: no copies.
        let mut output = response.into_output();
        // When the only image is a thought used as the final one, `into_output` moves it
        // to `images`; the shared cases (and `thought_images()`) list it in both.
        if output.thought_images.len() < thought_count {
            if let Some(image) = output.images.last() {
                output.thought_images.push(image.clone());
            }
        }
        let images = |blobs: Vec<Blob>| blobs.into_iter().map(Image::from_blob).collect();
        GenerationResult {
            images: images(output.images),
            thought_images: images(output.thought_images),
            text: output.text,
            thought_text: output.thoughts,
            finish_reason: output.finish_reason,
            finish_message: output.finish_message,
            block_reason: output.block_reason,
            safety_ratings: output
                .safety_ratings
                .into_iter()
                .map(|r| SafetyRating {
                    category: r.category,
                    probability: r.probability,
                    blocked: r.blocked,
                })
                .collect(),
            usage: output.usage.map(Usage::from),
            model_version: output.model_version,
            response_id: output.response_id,
            thought_signatures,
            attempts: info.map_or(0, |i| to_i32(i.attempts)),
            retry_delays_ms: info.map_or_else(Vec::new, |i| {
                i.retry_delays.iter().copied().map(millis).collect()
            }),
        }
    }
}

impl From<&Content> for Turn {
    fn from(content: &Content) -> Self {
        Turn {
            role: content.role.clone().unwrap_or_default(),
            parts: content
                .parts
                .iter()
                .map(|part| {
                    let mut out = TurnPart {
                        text: None,
                        image: None,
                        file_uri: None,
                        thought: part.thought,
                        thought_signature: part.thought_signature.clone(),
                    };
                    match &part.data {
                        PartData::Text(text) => out.text = Some(text.clone()),
                        PartData::InlineData(blob) => {
                            out.image = Some(Image::from_blob(blob.clone()))
                        }
                        PartData::FileData(file) => out.file_uri = Some(file.file_uri.clone()),
                        _ => {}
                    }
                    out
                })
                .collect(),
        }
    }
}

/// The user parts of a turn: the prompt first, then the images in order.
pub(crate) fn user_parts(prompt: String, images: Vec<InputImage>) -> Vec<Part> {
    let mut parts = Vec::with_capacity(images.len() + 1);
    parts.push(Part::text(prompt));
    parts.extend(images.into_iter().map(|image| {
        Part::from_data(PartData::InlineData(Blob::new(
            image.data,
            image.mime_type.unwrap_or_default(),
        )))
    }));
    parts
}

fn invalid(field: &str, reason: String) -> GeminiImageError {
    GeminiImageError::simple("invalid_request", Some(field), reason)
}

impl ImageOptions {
    /// The core's options: the set fields as a snake_case JSON object read by
    /// `RequestOptions::from_value`, so every front door validates options alike (a bad
    /// value is `invalid_request` naming the option).
    pub(crate) fn to_request_options(&self) -> Result<RequestOptions, GeminiImageError> {
        let mut map = Map::new();
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                map.insert(key.to_string(), value);
            }
        };
        let text = |v: &Option<String>| v.clone().map(Value::String);
        let texts = |v: &Option<Vec<String>>| {
            v.as_ref()
                .map(|list| Value::Array(list.iter().cloned().map(Value::String).collect()))
        };
        put("model", text(&self.model));
        put("aspect_ratio", text(&self.aspect_ratio));
        put("image_size", text(&self.image_size));
        put("response_modalities", texts(&self.response_modalities));
        put("system_instruction", text(&self.system_instruction));
        if !self.safety_settings.is_empty() {
            let list = self
                .safety_settings
                .iter()
                .map(|s| {
                    let mut o = Map::new();
                    o.insert("category".into(), Value::String(s.category.clone()));
                    o.insert("threshold".into(), Value::String(s.threshold.clone()));
                    Value::Object(o)
                })
                .collect();
            put("safety_settings", Some(Value::Array(list)));
        }
        put("temperature", self.temperature.map(Value::from));
        put("top_p", self.top_p.map(Value::from));
        put("top_k", self.top_k.map(Value::from));
        put("seed", self.seed.map(Value::from));
        put("max_output_tokens", self.max_output_tokens.map(Value::from));
        put("stop_sequences", texts(&self.stop_sequences));
        put("candidate_count", self.candidate_count.map(Value::from));
        if let Some(thinking) = &self.thinking {
            let mut o = Map::new();
            if let Some(v) = thinking.include_thoughts {
                o.insert("include_thoughts".into(), Value::Bool(v));
            }
            if let Some(v) = thinking.thinking_budget {
                o.insert("thinking_budget".into(), Value::from(v));
            }
            if let Some(v) = &thinking.thinking_level {
                o.insert("thinking_level".into(), Value::String(v.clone()));
            }
            put("thinking", Some(Value::Object(o)));
        }
        if let Some(extra) = &self.extra_json {
            let value: Value = serde_json::from_str(extra).map_err(|e| {
                invalid(
                    "extra",
                    format!("is not valid JSON ({e}); pass a JSON object"),
                )
            })?;
            put("extra", Some(value));
        }
        RequestOptions::from_value(&Value::Object(map))
            .map_err(|err| GeminiImageError::from_core(err, None))
    }
}

impl ImageRequest {
    /// The core request: `default_model` unless the options name one.
    pub(crate) fn into_core(
        self,
        default_model: &str,
    ) -> Result<GenerateRequest, GeminiImageError> {
        let options = self.options.to_request_options()?;
        Ok(GenerateRequest::new(default_model)
            .with_user_turn(user_parts(self.prompt, self.images))
            .with_options(&options))
    }
}
