//! The request model, its builders and validation.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::content::{Blob, Content, Part, PartData, ROLE_MODEL, ROLE_USER};
use crate::error::Error;
use crate::model::{self, ModelCapabilities};
use crate::options::{AspectRatio, ImageSize, Modality};
use crate::sniff;

/// The harm categories the Gemini API takes in `safetySettings` (Vertex-only ones are not
/// accepted there).
pub const HARM_CATEGORIES: &[&str] = &[
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
    "HARM_CATEGORY_CIVIC_INTEGRITY",
];

/// The block thresholds of a safety setting.
pub const HARM_BLOCK_THRESHOLDS: &[&str] = &[
    "BLOCK_LOW_AND_ABOVE",
    "BLOCK_MEDIUM_AND_ABOVE",
    "BLOCK_ONLY_HIGH",
    "BLOCK_NONE",
    "OFF",
];

/// The values of `thinkingConfig.thinkingLevel`.
pub const THINKING_LEVELS: &[&str] = &["MINIMAL", "LOW", "MEDIUM", "HIGH"];

/// The Gemini API's inline payload limit (100 MB since January 2026).
pub const DEFAULT_MAX_INLINE_BYTES: u64 = 100 * 1024 * 1024;

/// One safety setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetySetting {
    /// e.g. `HARM_CATEGORY_DANGEROUS_CONTENT`.
    pub category: String,
    /// e.g. `BLOCK_ONLY_HIGH`.
    pub threshold: String,
}

/// `generationConfig.thinkingConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThinkingConfig {
    /// Return thought summaries (`thought: true` parts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_thoughts: Option<bool>,
    /// Token budget (0 = off, -1 = automatic) where the model supports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_budget: Option<i32>,
    /// `MINIMAL`, `LOW`, `MEDIUM` or `HIGH` where the model supports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_level: Option<String>,
}

/// Everything that goes into `generationConfig`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GenerationConfig {
    /// Response modalities; empty means `["TEXT", "IMAGE"]`.
    pub response_modalities: Vec<Modality>,
    /// `imageConfig.aspectRatio`.
    pub aspect_ratio: Option<AspectRatio>,
    /// `imageConfig.imageSize`.
    pub image_size: Option<ImageSize>,
    /// 0.0 ..= 2.0.
    pub temperature: Option<f64>,
    /// 0.0 ..= 1.0.
    pub top_p: Option<f64>,
    /// Top-k sampling.
    pub top_k: Option<i32>,
    /// Sampling seed (accepted, not reproducible for images).
    pub seed: Option<i64>,
    /// Output token cap; below the image's token cost the model stops without an image.
    pub max_output_tokens: Option<i32>,
    /// At most 5.
    pub stop_sequences: Vec<String>,
    /// Only 1 is accepted by image models.
    pub candidate_count: Option<i32>,
    /// Thinking options.
    pub thinking: Option<ThinkingConfig>,
}

impl GenerationConfig {
    /// The modalities that will be sent.
    pub fn effective_modalities(&self) -> Vec<Modality> {
        if self.response_modalities.is_empty() {
            vec![Modality::Text, Modality::Image]
        } else {
            self.response_modalities.clone()
        }
    }
}

/// A `generateContent` request: the model, the turns, and every option.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerateRequest {
    /// Model id or alias (sent in the URL; a leading `models/` is dropped).
    pub model: String,
    /// The turns; the last one is the user's.
    pub contents: Vec<Content>,
    /// `systemInstruction` text.
    pub system_instruction: Option<String>,
    /// `safetySettings`.
    pub safety_settings: Vec<SafetySetting>,
    /// `generationConfig`.
    pub config: GenerationConfig,
    /// Raw JSON deep-merged into the top level of the body, for fields this SDK does not
    /// model yet (e.g. `{"tools":[{"googleSearch":{}}]}`).
    pub extra: Map<String, Value>,
}

impl GenerateRequest {
    /// An empty request for `model`; add turns with [`GenerateRequest::with_user_turn`].
    pub fn new(model: impl Into<String>) -> Self {
        GenerateRequest {
            model: model.into(),
            contents: Vec::new(),
            system_instruction: None,
            safety_settings: Vec::new(),
            config: GenerationConfig::default(),
            extra: Map::new(),
        }
    }

    /// Text-to-image: one user turn with the prompt.
    pub fn text_to_image(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        GenerateRequest::new(model).with_user_turn(vec![Part::text(prompt)])
    }

    /// Edit: one user turn with the instruction first, then the images in order.
    pub fn edit(
        model: impl Into<String>,
        images: impl IntoIterator<Item = Blob>,
        prompt: impl Into<String>,
    ) -> Self {
        let mut parts = vec![Part::text(prompt)];
        parts.extend(
            images
                .into_iter()
                .map(|blob| Part::from_data(PartData::InlineData(blob))),
        );
        GenerateRequest::new(model).with_user_turn(parts)
    }

    /// Sets the model (id or alias; a leading `models/` is dropped when sent).
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Applies every option `options` sets (see [`crate::RequestOptions::apply_to`]).
    pub fn with_options(mut self, options: &crate::RequestOptions) -> Self {
        options.apply_to(&mut self);
        self
    }

    /// Appends a user turn.
    pub fn with_user_turn(mut self, parts: Vec<Part>) -> Self {
        self.contents.push(Content::user(parts));
        self
    }

    /// Sets the aspect ratio.
    pub fn with_aspect_ratio(mut self, ratio: AspectRatio) -> Self {
        self.config.aspect_ratio = Some(ratio);
        self
    }

    /// Sets the image size.
    pub fn with_image_size(mut self, size: ImageSize) -> Self {
        self.config.image_size = Some(size);
        self
    }

    /// Sets the response modalities.
    pub fn with_response_modalities(mut self, modalities: Vec<Modality>) -> Self {
        self.config.response_modalities = modalities;
        self
    }

    /// Sets the system instruction.
    pub fn with_system_instruction(mut self, text: impl Into<String>) -> Self {
        self.system_instruction = Some(text.into());
        self
    }

    /// Adds a safety setting.
    pub fn with_safety_setting(
        mut self,
        category: impl Into<String>,
        threshold: impl Into<String>,
    ) -> Self {
        self.safety_settings.push(SafetySetting {
            category: category.into(),
            threshold: threshold.into(),
        });
        self
    }

    /// Sets an extra top-level JSON field (deep-merged into the body).
    pub fn with_extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The model id as it goes into the URL.
    pub fn model_id(&self) -> &str {
        self.model.strip_prefix("models/").unwrap_or(&self.model)
    }

    /// The capabilities of the model, if it is a known one.
    pub fn capabilities(&self) -> Option<&'static ModelCapabilities> {
        model::capabilities(self.model_id())
    }

    /// Every inline image of the user turns, in order (the ones validation counts).
    pub fn input_images(&self) -> impl Iterator<Item = &Blob> {
        self.contents
            .iter()
            .filter(|content| !content.is_model())
            .flat_map(|content| content.parts.iter())
            .filter_map(Part::as_blob)
    }

    /// Checks everything the server would reject, with the Gemini API's inline limit.
    pub fn validate(&self) -> Result<(), Error> {
        self.validate_with_limit(DEFAULT_MAX_INLINE_BYTES)
    }

    /// Checks everything the server would reject, before a byte is sent. The error names
    /// the option to fix. Unknown models get only the model-independent checks.
    pub fn validate_with_limit(&self, max_inline_bytes: u64) -> Result<(), Error> {
        self.validate_model_id()?;
        self.validate_prompt()?;
        self.validate_images(max_inline_bytes)?;
        self.validate_config()?;
        self.validate_extra()
    }

    fn validate_model_id(&self) -> Result<(), Error> {
        let id = self.model_id();
        if id.trim().is_empty() {
            return Err(Error::invalid(
                "model",
                "is empty; pass a model id such as gemini-3.1-flash-image, gemini-3-pro-image or gemini-2.5-flash-image",
            ));
        }
        if let Some(bad) = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@')))
        {
            return Err(Error::invalid(
                "model",
                format!(
                    "{id:?} contains {bad:?}; a model id has only letters, digits, '-', '_', '.' and '@'"
                ),
            ));
        }
        Ok(())
    }

    fn validate_prompt(&self) -> Result<(), Error> {
        let Some(last) = self.contents.last() else {
            return Err(Error::invalid(
                "prompt",
                "the request has no turns; give a prompt",
            ));
        };
        if last.role.as_deref().is_some_and(|role| role != ROLE_USER) {
            return Err(Error::invalid(
                "prompt",
                "the last turn must be the user's; add a prompt for the model to answer",
            ));
        }
        let has_text = last
            .parts
            .iter()
            .any(|part| part.as_text().is_some_and(|text| !text.trim().is_empty()));
        if !has_text {
            return Err(Error::invalid(
                "prompt",
                "is empty; describe the image to generate or the edit to make",
            ));
        }
        Ok(())
    }

    fn validate_images(&self, max_inline_bytes: u64) -> Result<(), Error> {
        let mut total: u64 = 0;
        let mut count = 0usize;
        for (index, blob) in self.input_images().enumerate() {
            count += 1;
            total += blob.data.len() as u64;
            effective_input_mime(blob, index)?;
        }
        // Model images replayed in a conversation count towards the payload too.
        total += self
            .contents
            .iter()
            .filter(|content| content.is_model())
            .flat_map(|content| content.parts.iter())
            .filter_map(Part::as_blob)
            .map(|blob| blob.data.len() as u64)
            .sum::<u64>();
        if let Some(caps) = self.capabilities() {
            if count > caps.max_input_images {
                return Err(Error::invalid(
                    "images",
                    format!(
                        "{} accepts at most {} input images; got {count}. Send fewer images",
                        self.model_id(),
                        caps.max_input_images
                    ),
                ));
            }
        }
        if total > max_inline_bytes {
            return Err(Error::invalid(
                "images",
                format!(
                    "the inline images total {total} bytes, over the endpoint's limit of {max_inline_bytes} bytes; send smaller or fewer images (or upload them and pass file URIs)"
                ),
            ));
        }
        Ok(())
    }

    fn validate_config(&self) -> Result<(), Error> {
        let config = &self.config;
        let caps = self.capabilities();
        if let (Some(ratio), Some(caps)) = (config.aspect_ratio, caps) {
            if !caps.accepts_aspect_ratio(ratio) {
                let accepted: Vec<&str> = caps.aspect_ratios.iter().map(|r| r.as_str()).collect();
                return Err(Error::invalid(
                    "aspect_ratio",
                    format!(
                        "{} does not support {ratio}; use one of {} (1:4, 4:1, 1:8 and 8:1 need gemini-3.1-flash-image)",
                        self.model_id(),
                        accepted.join(", ")
                    ),
                ));
            }
        }
        if let (Some(size), Some(caps)) = (config.image_size, caps) {
            if caps.image_sizes.is_empty() {
                return Err(Error::invalid(
                    "image_size",
                    format!(
                        "{} has no image_size option (it ignores it and always returns about 1024 px); remove image_size or use gemini-3-pro-image or gemini-3.1-flash-image",
                        self.model_id()
                    ),
                ));
            }
            if !caps.accepts_image_size(size) {
                let accepted: Vec<&str> = caps.image_sizes.iter().map(|s| s.as_str()).collect();
                return Err(Error::invalid(
                    "image_size",
                    format!(
                        "{} does not support {size}; use one of {}",
                        self.model_id(),
                        accepted.join(", ")
                    ),
                ));
            }
        }
        if let (Some(other), Some(_)) = (
            config
                .response_modalities
                .iter()
                .find(|m| matches!(m, Modality::Other(_))),
            caps,
        ) {
            return Err(Error::invalid(
                "response_modalities",
                format!(
                    "{} does not return {other}; image models return TEXT and IMAGE",
                    self.model_id()
                ),
            ));
        }
        if !config.response_modalities.is_empty()
            && !config.response_modalities.contains(&Modality::Image)
        {
            return Err(Error::invalid(
                "response_modalities",
                "must include IMAGE (use [\"IMAGE\"] or [\"TEXT\", \"IMAGE\"])",
            ));
        }
        if let Some(count) = config.candidate_count {
            if count != 1 {
                return Err(Error::invalid(
                    "candidate_count",
                    format!(
                        "image models return exactly 1 candidate; got {count}. Remove it or send several requests (see batch)"
                    ),
                ));
            }
        }
        if let Some(t) = config.temperature {
            if !(0.0..=2.0).contains(&t) {
                return Err(Error::invalid(
                    "temperature",
                    format!("{t} is outside 0.0..=2.0 (Google recommends 1.0 for Gemini 3)"),
                ));
            }
        }
        if let Some(p) = config.top_p {
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::invalid("top_p", format!("{p} is outside 0.0..=1.0")));
            }
        }
        if let Some(k) = config.top_k {
            if k < 1 {
                return Err(Error::invalid("top_k", format!("{k} must be at least 1")));
            }
        }
        if let Some(max) = config.max_output_tokens {
            if max < 1 {
                return Err(Error::invalid(
                    "max_output_tokens",
                    format!("{max} must be at least 1 (an image costs 747-2520 tokens)"),
                ));
            }
        }
        if let Some(level) = config
            .thinking
            .as_ref()
            .and_then(|t| t.thinking_level.as_deref())
        {
            check_enum("thinking.thinking_level", level, THINKING_LEVELS)?;
        }
        for (index, setting) in self.safety_settings.iter().enumerate() {
            check_enum(
                &format!("safety_settings[{index}].category"),
                &setting.category,
                HARM_CATEGORIES,
            )?;
            check_enum(
                &format!("safety_settings[{index}].threshold"),
                &setting.threshold,
                HARM_BLOCK_THRESHOLDS,
            )?;
        }
        if config.stop_sequences.len() > 5 {
            return Err(Error::invalid(
                "stop_sequences",
                format!("at most 5 are allowed; got {}", config.stop_sequences.len()),
            ));
        }
        Ok(())
    }

    fn validate_extra(&self) -> Result<(), Error> {
        if self.extra.contains_key("contents") {
            return Err(Error::invalid(
                "extra",
                "must not set \"contents\"; pass the prompt and images as parts instead",
            ));
        }
        if let Some(config) = self.extra.get("generationConfig") {
            if !config.is_object() {
                return Err(Error::invalid(
                    "extra",
                    "\"generationConfig\" must be a JSON object to merge into the request",
                ));
            }
        }
        Ok(())
    }
}

/// A closed API enum sent as a string: the server refuses any other spelling, so the core
/// does first, naming the field.
fn check_enum(field: &str, value: &str, allowed: &[&str]) -> Result<(), Error> {
    if allowed.contains(&value) {
        return Ok(());
    }
    let upper = value.trim().to_ascii_uppercase();
    let hint = if allowed.contains(&upper.as_str()) {
        format!("; write it as {upper:?}")
    } else {
        String::new()
    };
    Err(Error::invalid(
        field,
        format!(
            "{value:?} is not a valid value{hint}; use one of {}",
            allowed.join(", ")
        ),
    ))
}

/// The MIME type an input image is sent with: the sniffed one when the bytes say otherwise
/// than the label (a JPEG labelled PNG is sent as JPEG). Errors name `images[index]`.
pub(crate) fn effective_input_mime(blob: &Blob, index: usize) -> Result<&'static str, Error> {
    if blob.data.is_empty() {
        return Err(Error::invalid(
            format!("images[{index}].data"),
            "is empty; pass the image file's bytes",
        ));
    }
    let declared = sniff::normalize_mime(&blob.mime_type);
    if !declared.is_empty()
        && !sniff::ACCEPTED_INPUT_MIME_TYPES.contains(&declared.as_str())
        && declared != "application/octet-stream"
    {
        return Err(Error::invalid(
            format!("images[{index}].mime_type"),
            format!(
                "{:?} is not accepted; convert the image to PNG, JPEG, WEBP, HEIC or HEIF",
                blob.mime_type
            ),
        ));
    }
    match sniff::sniff_mime(&blob.data) {
        Some(found) if sniff::ACCEPTED_INPUT_MIME_TYPES.contains(&found) => Ok(found),
        Some(found) => Err(Error::invalid(
            format!("images[{index}].data"),
            format!(
                "is a {found} image, which Gemini does not accept; convert it to PNG, JPEG, WEBP, HEIC or HEIF"
            ),
        )),
        None => Err(Error::invalid(
            format!("images[{index}].data"),
            format!(
                "is not a PNG, JPEG, WEBP, HEIC or HEIF image ({} bytes, starting {:02x?}); pass the image file's bytes",
                blob.data.len(),
                &blob.data[..blob.data.len().min(4)]
            ),
        )),
    }
}

/// Which parts a model turn keeps when it is replayed: everything but thoughts.
pub(crate) fn replayable(part: &Part) -> bool {
    !part.thought
}

/// The role a content is sent with.
pub(crate) fn wire_role(content: &Content) -> &str {
    match content.role.as_deref() {
        Some(ROLE_MODEL) => ROLE_MODEL,
        Some(other) if !other.is_empty() => other,
        _ => ROLE_USER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::b64;

    const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4IScHAAK2AQU0pnWqAAAAAElFTkSuQmCC";

    fn png() -> Vec<u8> {
        b64::decode(PNG.as_bytes()).unwrap()
    }

    #[test]
    fn safety_settings_and_thinking_level_take_the_api_spellings_only() {
        let base = GenerateRequest::text_to_image("gemini-3-pro-image", "a fox");
        let ok = base
            .clone()
            .with_safety_setting("HARM_CATEGORY_HARASSMENT", "BLOCK_NONE");
        assert!(ok.validate().is_ok());
        let lower = base
            .clone()
            .with_safety_setting("HARM_CATEGORY_HARASSMENT", "block_none");
        let err = lower.validate().unwrap_err();
        assert_eq!(err.field(), Some("safety_settings[0].threshold"));
        assert!(
            err.message().contains("write it as \"BLOCK_NONE\""),
            "{err}"
        );
        let unknown = base.clone().with_safety_setting("HARASSMENT", "OFF");
        let err = unknown.validate().unwrap_err();
        assert_eq!(err.field(), Some("safety_settings[0].category"));
        assert!(
            err.message().contains("HARM_CATEGORY_DANGEROUS_CONTENT"),
            "{err}"
        );
        let mut thinking = base;
        thinking.config.thinking = Some(ThinkingConfig {
            thinking_level: Some("MAX".into()),
            ..ThinkingConfig::default()
        });
        let err = thinking.validate().unwrap_err();
        assert_eq!(err.field(), Some("thinking.thinking_level"));
    }

    #[test]
    fn open_values_pass_for_unknown_models_only() {
        let new_ratio = AspectRatio::other("2:1").unwrap();
        let future = GenerateRequest::text_to_image("gemini-9-image", "x")
            .with_aspect_ratio(new_ratio)
            .with_image_size(ImageSize::other("8K").unwrap())
            .with_response_modalities(vec![Modality::Image, Modality::other("AUDIO").unwrap()]);
        assert_eq!(future.validate(), Ok(()));
        let known = future.clone().with_model("gemini-3-pro-image-preview");
        assert_eq!(known.validate().unwrap_err().field(), Some("aspect_ratio"));
        let known = GenerateRequest::text_to_image("gemini-2.5-flash-image", "x")
            .with_response_modalities(vec![Modality::Image, Modality::other("AUDIO").unwrap()]);
        assert_eq!(
            known.validate().unwrap_err().field(),
            Some("response_modalities")
        );
    }

    #[test]
    fn validation_names_fields() {
        let field = |req: GenerateRequest| req.validate().unwrap_err().field().map(String::from);
        assert_eq!(
            field(GenerateRequest::text_to_image(
                "gemini-2.5-flash-image",
                "  "
            )),
            Some("prompt".into())
        );
        assert_eq!(
            field(GenerateRequest::text_to_image("a/b", "x")),
            Some("model".into())
        );
        assert_eq!(
            field(
                GenerateRequest::text_to_image("gemini-2.5-flash-image", "x")
                    .with_image_size(ImageSize::Size2K)
            ),
            Some("image_size".into())
        );
        assert_eq!(
            field(
                GenerateRequest::text_to_image("gemini-3-pro-image-preview", "x")
                    .with_aspect_ratio(AspectRatio::Portrait1x4)
            ),
            Some("aspect_ratio".into())
        );
        let four = (0..4).map(|_| Blob::new(png(), "image/png"));
        assert_eq!(
            field(GenerateRequest::edit("nano-banana", four, "x")),
            Some("images".into())
        );
        assert_eq!(
            field(GenerateRequest::edit(
                "gemini-9",
                [Blob::new(b"GIF89a......".to_vec(), "image/gif")],
                "x"
            )),
            Some("images[0].mime_type".into())
        );
        assert_eq!(
            field(GenerateRequest::edit(
                "gemini-9",
                [Blob::new(b"hello".to_vec(), "image/png")],
                "x"
            )),
            Some("images[0].data".into())
        );
        // Unknown models pass model-specific checks.
        GenerateRequest::text_to_image("gemini-9-ultra-image", "x")
            .with_aspect_ratio(AspectRatio::Landscape8x1)
            .with_image_size(ImageSize::Size512)
            .validate()
            .unwrap();
        let big = GenerateRequest::edit("gemini-9", [Blob::new(png(), "image/png")], "x");
        assert_eq!(
            big.validate_with_limit(10).unwrap_err().field(),
            Some("images")
        );
    }
}
