//! The response model, `parse_response`, and the typed "did we get an image" outcome.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::api_error;
use crate::content::{Blob, Content, Part, PartData, null_as_default};
use crate::error::{Error, NoImage};
use crate::redact::Redactor;

macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this SDK does not know yet, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The wire spelling (unknown values verbatim).
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(other) => other,
                }
            }

            /// From the wire spelling; never fails.
            pub fn from_wire(text: &str) -> Self {
                match text {
                    $($wire => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::from_wire(&String::deserialize(d)?))
            }
        }
    };
}

open_enum!(
    /// Why a candidate stopped. Open: unknown values are kept, never a parse failure.
    FinishReason {
        /// Unspecified.
        Unspecified = "FINISH_REASON_UNSPECIFIED",
        /// Natural end.
        Stop = "STOP",
        /// Hit max_output_tokens.
        MaxTokens = "MAX_TOKENS",
        /// Text safety filter.
        Safety = "SAFETY",
        /// Recitation.
        Recitation = "RECITATION",
        /// Unsupported language.
        Language = "LANGUAGE",
        /// Other.
        OtherReason = "OTHER",
        /// Blocklisted terms.
        Blocklist = "BLOCKLIST",
        /// Prohibited content.
        ProhibitedContent = "PROHIBITED_CONTENT",
        /// Sensitive personal information.
        Spii = "SPII",
        /// Malformed function call.
        MalformedFunctionCall = "MALFORMED_FUNCTION_CALL",
        /// The generated image was filtered.
        ImageSafety = "IMAGE_SAFETY",
        /// Unexpected tool call.
        UnexpectedToolCall = "UNEXPECTED_TOOL_CALL",
        /// Too many tool calls.
        TooManyToolCalls = "TOO_MANY_TOOL_CALLS",
        /// The image contains prohibited content.
        ImageProhibitedContent = "IMAGE_PROHIBITED_CONTENT",
        /// The model produced no image.
        NoImage = "NO_IMAGE",
        /// Image recitation (copyright).
        ImageRecitation = "IMAGE_RECITATION",
        /// Other image problem.
        ImageOther = "IMAGE_OTHER",
    }
);

open_enum!(
    /// Why a prompt was blocked (`promptFeedback.blockReason`). Open like [`FinishReason`].
    BlockReason {
        /// Unspecified.
        Unspecified = "BLOCKED_REASON_UNSPECIFIED",
        /// Safety.
        Safety = "SAFETY",
        /// Other.
        OtherReason = "OTHER",
        /// Blocklisted terms.
        Blocklist = "BLOCKLIST",
        /// Prohibited content.
        ProhibitedContent = "PROHIBITED_CONTENT",
        /// An input image was judged unsafe.
        ImageSafety = "IMAGE_SAFETY",
    }
);

/// One safety rating.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafetyRating {
    /// e.g. `HARM_CATEGORY_HATE_SPEECH`.
    #[serde(default)]
    pub category: String,
    /// e.g. `NEGLIGIBLE`.
    #[serde(default)]
    pub probability: String,
    /// Whether this rating caused a block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
}

/// `promptFeedback`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptFeedback {
    /// Set when the prompt was blocked (then there are no candidates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_reason: Option<BlockReason>,
    /// A human explanation, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_reason_message: Option<String>,
    /// Ratings of the prompt.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub safety_ratings: Vec<SafetyRating>,
}

/// Tokens per modality.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModalityTokenCount {
    /// `TEXT`, `IMAGE`, …
    #[serde(default)]
    pub modality: String,
    /// Token count.
    #[serde(default)]
    pub token_count: i64,
}

/// `usageMetadata`: every counter the API reports. Details need not sum to the totals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct UsageMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_token_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_content_token_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidates_token_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_prompt_token_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thoughts_token_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_token_count: Option<i64>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub prompt_tokens_details: Vec<ModalityTokenCount>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cache_tokens_details: Vec<ModalityTokenCount>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub candidates_tokens_details: Vec<ModalityTokenCount>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tool_use_prompt_tokens_details: Vec<ModalityTokenCount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_type: Option<String>,
}

/// One candidate answer (image models return one).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    /// The model's turn; may be absent, `{}` or part-less on blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    /// Why generation stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<FinishReason>,
    /// Human explanation of the finish reason (kept; the official SDKs drop it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_message: Option<String>,
    /// Safety ratings (often absent for image models).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub safety_ratings: Vec<SafetyRating>,
    /// Candidate index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<i64>,
    /// Grounding metadata (Google Search grounding), raw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grounding_metadata: Option<serde_json::Value>,
    /// Citation metadata, raw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation_metadata: Option<serde_json::Value>,
}

impl Candidate {
    /// The parts, empty when there is no content.
    pub fn parts(&self) -> &[Part] {
        self.content.as_ref().map_or(&[], |c| c.parts.as_slice())
    }
}

/// A parsed `GenerateContentResponse`, faithful to the wire: nothing is dropped that the
/// SDK models, and unknown fields are tolerated. Everything is read through methods;
/// [`GenerateResponse::into_output`] moves the images out without copying them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateResponse {
    /// Candidates; absent when the prompt was blocked.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub(crate) candidates: Vec<Candidate>,
    /// Prompt feedback (block reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) prompt_feedback: Option<PromptFeedback>,
    /// Token usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) usage_metadata: Option<UsageMetadata>,
    /// The model version that answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) model_version: Option<String>,
    /// The response id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) response_id: Option<String>,
}

/// A response split into owned pieces ([`GenerateResponse::into_output`]): the images move,
/// nothing is copied.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct ImageOutput {
    /// The final images, in order (the first is "the image").
    pub images: Vec<Blob>,
    /// Interim thought images (Gemini 3), in order.
    pub thought_images: Vec<Blob>,
    /// The non-thought text, concatenated (empty when none).
    pub text: String,
    /// The thought text, concatenated (empty when none).
    pub thoughts: String,
    /// The first candidate's `finishReason`, verbatim.
    pub finish_reason: Option<String>,
    /// The first candidate's `finishMessage`.
    pub finish_message: Option<String>,
    /// `promptFeedback.blockReason`, verbatim.
    pub block_reason: Option<String>,
    /// The first candidate's safety ratings.
    pub safety_ratings: Vec<SafetyRating>,
    /// Token usage.
    pub usage: Option<UsageMetadata>,
    /// The model version that answered.
    pub model_version: Option<String>,
    /// The response id.
    pub response_id: Option<String>,
}

/// Used to spot an error object inside a 2xx body or a stream event.
#[derive(Deserialize)]
pub(crate) struct ErrorProbe {
    #[serde(default)]
    pub(crate) error: Option<serde::de::IgnoredAny>,
}

impl GenerateResponse {
    /// The first candidate.
    pub fn candidate(&self) -> Option<&Candidate> {
        self.candidates.first()
    }

    /// Every candidate (image models return one).
    pub fn candidates(&self) -> &[Candidate] {
        &self.candidates
    }

    /// `promptFeedback`, when the server sent it.
    pub fn prompt_feedback(&self) -> Option<&PromptFeedback> {
        self.prompt_feedback.as_ref()
    }

    /// Token usage (`usageMetadata`), every counter the server reported.
    pub fn usage(&self) -> Option<&UsageMetadata> {
        self.usage_metadata.as_ref()
    }

    /// The model version that answered.
    pub fn model_version(&self) -> Option<&str> {
        self.model_version.as_deref()
    }

    /// The response id.
    pub fn response_id(&self) -> Option<&str> {
        self.response_id.as_deref()
    }

    /// The first candidate's safety ratings.
    pub fn safety_ratings(&self) -> &[SafetyRating] {
        self.candidate()
            .map_or(&[], |c| c.safety_ratings.as_slice())
    }

    /// The parts of the first candidate.
    pub fn parts(&self) -> &[Part] {
        self.candidate().map_or(&[], Candidate::parts)
    }

    /// The final images: non-thought inline images of the first candidate, in order. If the
    /// model finished normally but flagged every image as a thought (seen in the wild), the
    /// last one is taken as the final image.
    pub fn images(&self) -> Vec<&Blob> {
        let finals: Vec<&Blob> = self
            .parts()
            .iter()
            .filter(|p| !p.thought)
            .filter_map(Part::as_blob)
            .collect();
        if !finals.is_empty() {
            return finals;
        }
        let finished_normally = matches!(self.finish_reason(), None | Some(FinishReason::Stop));
        match self.thought_images().last() {
            Some(last) if finished_normally && self.prompt_blocked().is_none() => vec![*last],
            _ => Vec::new(),
        }
    }

    /// The first final image, if any ("the image" in every front door).
    pub fn image(&self) -> Option<&Blob> {
        self.images().first().copied()
    }

    /// Interim thought images (Gemini 3), in order.
    pub fn thought_images(&self) -> Vec<&Blob> {
        self.parts()
            .iter()
            .filter(|p| p.thought)
            .filter_map(Part::as_blob)
            .collect()
    }

    /// The non-thought text, concatenated (empty when none).
    pub fn text(&self) -> String {
        self.collect_text(false)
    }

    /// The thought summaries, concatenated.
    pub fn thought_text(&self) -> String {
        self.collect_text(true)
    }

    fn collect_text(&self, thought: bool) -> String {
        self.parts()
            .iter()
            .filter(|p| p.thought == thought)
            .filter_map(Part::as_text)
            .collect()
    }

    /// The first candidate's finish reason.
    pub fn finish_reason(&self) -> Option<&FinishReason> {
        self.candidate()?.finish_reason.as_ref()
    }

    /// The first candidate's finish message.
    pub fn finish_message(&self) -> Option<&str> {
        self.candidate()?.finish_message.as_deref()
    }

    /// The prompt's block reason, if it was blocked.
    pub fn prompt_blocked(&self) -> Option<&BlockReason> {
        self.prompt_feedback.as_ref()?.block_reason.as_ref()
    }

    /// Every thought signature of the first candidate, in part order.
    pub fn thought_signatures(&self) -> Vec<&str> {
        self.parts()
            .iter()
            .filter_map(|p| p.thought_signature.as_deref())
            .collect()
    }

    /// The model's turn as it must be replayed in a conversation: the first candidate's
    /// parts minus thoughts, signatures intact.
    pub fn model_turn(&self) -> Content {
        Content::model(
            self.parts()
                .iter()
                .filter(|p| !p.thought)
                .cloned()
                .collect(),
        )
    }

    /// `Ok(self)` when there is a final image, else [`Error::NoImage`] carrying the finish
    /// reason and message, the block reason and any refusal text.
    pub fn require_image(self) -> Result<GenerateResponse, Error> {
        if !self.images().is_empty() {
            return Ok(self);
        }
        let text = self.text();
        let feedback = self.prompt_feedback.as_ref();
        Err(Error::NoImage(Box::new(NoImage {
            finish_reason: self.finish_reason().map(|r| r.as_str().to_string()),
            finish_message: self.finish_message().map(str::to_string),
            block_reason: self.prompt_blocked().map(|r| r.as_str().to_string()),
            block_reason_message: feedback.and_then(|f| f.block_reason_message.clone()),
            text: (!text.trim().is_empty()).then_some(text),
            response: self,
        })))
    }

    /// Moves the final images out (no copies).
    pub fn into_images(self) -> Vec<Blob> {
        self.into_output().images
    }

    /// Everything but the images, as an [`ImageOutput`] whose `images` and `thought_images`
    /// are empty (what a stream's final `done` event carries: its images came as events).
    pub fn summary(&self) -> ImageOutput {
        ImageOutput {
            images: Vec::new(),
            thought_images: Vec::new(),
            text: self.text(),
            thoughts: self.thought_text(),
            finish_reason: self.finish_reason().map(|r| r.as_str().to_string()),
            finish_message: self.finish_message().map(str::to_string),
            block_reason: self.prompt_blocked().map(|r| r.as_str().to_string()),
            safety_ratings: self.safety_ratings().to_vec(),
            usage: self.usage_metadata.clone(),
            model_version: self.model_version.clone(),
            response_id: self.response_id.clone(),
        }
    }

    /// Splits the response into owned pieces without copying an image: what a language
    /// binding hands over to its runtime. When every image was flagged as a thought but the
    /// model finished normally, the last one is the final image (as in
    /// [`GenerateResponse::images`]) and all of them stay thought images.
    pub fn into_output(self) -> ImageOutput {
        let fallback = self
            .parts()
            .iter()
            .all(|p| p.as_blob().is_none() || p.thought)
            && self.images().len() == 1;
        let mut output = self.summary();
        let parts = self
            .candidates
            .into_iter()
            .next()
            .and_then(|c| c.content)
            .map(|c| c.parts)
            .unwrap_or_default();
        for part in parts {
            if let PartData::InlineData(blob) = part.data {
                if part.thought {
                    output.thought_images.push(blob);
                } else {
                    output.images.push(blob);
                }
            }
        }
        // The fallback image stays listed as a thought image too (as `thought_images()`
        // and the shared vectors have it); this rare case costs one copy.
        if fallback {
            output.images.extend(output.thought_images.last().cloned());
        }
        output
    }

    /// Serializes to wire JSON (standard base64), as a server would send it.
    pub fn to_wire_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec())
    }

    /// Calls `f` on every inline blob (image) of every candidate, in document order: to
    /// move or replace image bytes without copying the response.
    pub fn for_each_blob_mut(&mut self, mut f: impl FnMut(&mut Blob)) {
        self.for_each_part_mut(|data| {
            if let PartData::InlineData(blob) = data {
                f(blob);
            }
        });
    }

    /// Calls `f` on the payload of every part of every candidate, in document order.
    pub(crate) fn for_each_part_mut(&mut self, mut f: impl FnMut(&mut PartData)) {
        for candidate in &mut self.candidates {
            if let Some(content) = &mut candidate.content {
                content.parts.iter_mut().for_each(|part| f(&mut part.data));
            }
        }
    }

    /// Masks a secret in every string of the response (texts, thought signatures, finish
    /// messages, safety and grounding data), for [`Error::redact`].
    pub(crate) fn redact_with(&mut self, r: &Redactor<'_>) {
        for candidate in &mut self.candidates {
            if let Some(content) = &mut candidate.content {
                content.redact_with(r);
            }
            r.opt(&mut candidate.finish_message);
            for rating in &mut candidate.safety_ratings {
                r.text(&mut rating.category);
                r.text(&mut rating.probability);
            }
            for json in [
                &mut candidate.grounding_metadata,
                &mut candidate.citation_metadata,
            ]
            .into_iter()
            .flatten()
            {
                r.json(json);
            }
        }
        if let Some(feedback) = &mut self.prompt_feedback {
            r.opt(&mut feedback.block_reason_message);
        }
        r.opt(&mut self.model_version);
        r.opt(&mut self.response_id);
    }

    /// Parses one JSON body (a whole response or one stream event) without looking at an
    /// HTTP status. An `{"error": …}` object becomes the API error it describes.
    pub fn from_json(body: &[u8]) -> Result<GenerateResponse, Error> {
        parse_success(200, body)
    }
}

/// How much of a non-2xx body [`parse_response`] needs: error envelopes are a few KiB, and
/// the message of a non-JSON body keeps its first 4 KiB. A transport reads no further
/// (a proxy's 20 MB HTML page is not read to the end, nor kept).
pub const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// Parses an HTTP response: 2xx bodies into a [`GenerateResponse`] (faithfully: a 200 with
/// no image is still `Ok`; see [`GenerateResponse::require_image`]), anything else into an
/// [`Error`] of the right kind. Never panics, on any bytes.
pub fn parse_response(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<GenerateResponse, Error> {
    if (200..300).contains(&status) {
        parse_success(status, body)
    } else {
        Err(api_error::from_http(status, headers, body))
    }
}

pub(crate) fn parse_success(status: u16, body: &[u8]) -> Result<GenerateResponse, Error> {
    let trimmed = trim_ascii(body);
    if trimmed.first() != Some(&b'{') {
        let what = if trimmed.is_empty() {
            "is empty".to_string()
        } else {
            format!(
                "is not a JSON object (starts with {:?})",
                crate::error::excerpt(
                    &String::from_utf8_lossy(&trimmed[..trimmed.len().min(40)]),
                    40
                )
            )
        };
        return Err(Error::decode(
            format!("the response body {what}; expected a GenerateContentResponse"),
            Some(status),
        ));
    }
    match serde_json::from_slice::<GenerateResponse>(body) {
        Ok(response) => {
            if response.candidates.is_empty() && response.prompt_feedback.is_none() {
                // A proxy (or a stream) may put an error object in a 2xx body: its own
                // `code` says more than the 200 it came with.
                if let Ok(ErrorProbe { error: Some(_) }) = serde_json::from_slice(body) {
                    return Err(api_error::from_stream_object(body));
                }
            }
            Ok(response)
        }
        Err(e) => Err(Error::decode(
            format!(
                "the response body ({} bytes) is not a valid GenerateContentResponse: {e}",
                body.len()
            ),
            Some(status),
        )),
    }
}

pub(crate) fn trim_ascii(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_thought_shape() {
        let body = br#"{"candidates":[{"content":{"role":"model","parts":[
            {"text":"plan","thought":true},
            {"inlineData":{"mimeType":"image/jpeg","data":"AAE"},"thought":true},
            {"text":"Here","thoughtSignature":"A"},
            {"inlineData":{"mimeType":"image/jpeg","data":"AAEC"},"thoughtSignature":"B"}]},
            "finishReason":"SOMETHING_NEW","index":0,"novel":{"x":1}}],
            "usageMetadata":{"promptTokenCount":3,"serviceTier":"standard"},"modelVersion":"m"}"#;
        let r = parse_response(200, &[], body).unwrap();
        assert_eq!(r.images().len(), 1);
        assert_eq!(r.images()[0].data, vec![0, 1, 2]);
        assert_eq!(r.thought_images()[0].data, vec![0, 1]);
        assert_eq!(r.text(), "Here");
        assert_eq!(r.thought_text(), "plan");
        assert_eq!(r.thought_signatures(), vec!["A", "B"]);
        assert_eq!(r.finish_reason().unwrap().as_str(), "SOMETHING_NEW");
        assert_eq!(r.model_turn().parts.len(), 2);
        assert_eq!(r.clone().into_images().len(), 1);
        let back = parse_response(200, &[], &r.to_wire_json()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn no_image_outcomes() {
        let refusal =
            br#"{"candidates":[{"content":{"parts":[{"text":"I can't"}]},"finishReason":"STOP"}]}"#;
        let err = parse_response(200, &[], refusal)
            .unwrap()
            .require_image()
            .unwrap_err();
        assert_eq!(err.kind().as_str(), "no_image");
        assert_eq!(err.no_image().unwrap().text.as_deref(), Some("I can't"));
        let blocked = br#"{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"}}"#;
        let err = parse_response(200, &[], blocked)
            .unwrap()
            .require_image()
            .unwrap_err();
        assert_eq!(
            err.no_image().unwrap().block_reason.as_deref(),
            Some("PROHIBITED_CONTENT")
        );
        for body in [&b""[..], b"[]", b"{\"candidates\":[", b"<html>"] {
            assert_eq!(
                parse_response(200, &[], body).unwrap_err().kind().as_str(),
                "decode"
            );
        }
    }
}
