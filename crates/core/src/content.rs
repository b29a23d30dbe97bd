//! Turns and parts, shared by requests and responses: text, inline image bytes, file URIs,
//! the `thought` flag and `thoughtSignature`s that multi-turn editing must echo back.

use std::fmt;

use bytes::Bytes;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::b64;
use crate::redact::Redactor;
use crate::sniff;

/// The role of the user's turns.
pub const ROLE_USER: &str = "user";
/// The role of the model's turns.
pub const ROLE_MODEL: &str = "model";

/// One turn of a conversation: a role and its parts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    /// `"user"` or `"model"`; absent means user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The parts, in order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub parts: Vec<Part>,
}

impl Content {
    /// Masks a secret in every string of the turn (texts, file URIs, signatures, parts
    /// kept verbatim), for [`Error::redact`](crate::Error::redact).
    pub(crate) fn redact_with(&mut self, r: &Redactor<'_>) {
        for part in &mut self.parts {
            match &mut part.data {
                PartData::Text(text) => r.text(text),
                PartData::InlineData(_) => {}
                PartData::FileData(file) => r.text(&mut file.file_uri),
                PartData::Other(fields) => fields.values_mut().for_each(|value| r.json(value)),
            }
            r.opt(&mut part.thought_signature);
        }
    }

    /// A user turn.
    pub fn user(parts: Vec<Part>) -> Self {
        Content {
            role: Some(ROLE_USER.to_string()),
            parts,
        }
    }

    /// A model turn.
    pub fn model(parts: Vec<Part>) -> Self {
        Content {
            role: Some(ROLE_MODEL.to_string()),
            parts,
        }
    }

    /// Whether this is a model turn.
    pub fn is_model(&self) -> bool {
        self.role.as_deref() == Some(ROLE_MODEL)
    }
}

/// Raw image (or other media) bytes with their MIME type.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Blob {
    /// e.g. `image/png`.
    #[serde(default, alias = "mime_type")]
    pub mime_type: String,
    /// The decoded bytes (base64 only on the wire). Shared, not copied, when a blob is
    /// cloned: a stream's image event and its merged response hold one buffer.
    #[serde(with = "b64::bytes", default)]
    pub data: Bytes,
}

impl Blob {
    /// Bytes with a declared MIME type (checked and corrected by sniffing when sent).
    pub fn new(data: impl Into<Bytes>, mime_type: impl Into<String>) -> Self {
        Blob {
            mime_type: mime_type.into(),
            data: data.into(),
        }
    }

    /// Bytes whose MIME type is taken from their magic number (`None` if unknown).
    pub fn sniffed(data: impl Into<Bytes>) -> Option<Self> {
        let data = data.into();
        let mime = sniff::sniff_mime(&data)?;
        Some(Blob::new(data, mime))
    }

    /// Image bytes from a caller, their MIME type taken from their magic number. Bytes that
    /// are not a supported image (PNG, JPEG, WebP, HEIC, HEIF) are an `invalid_request`
    /// naming `field` (e.g. `images[1]`).
    pub fn from_bytes(data: impl Into<Bytes>, field: &str) -> Result<Self, crate::Error> {
        let data = data.into();
        if data.is_empty() {
            return Err(crate::Error::invalid(
                field,
                "is empty; pass the bytes of a PNG, JPEG, WebP, HEIC or HEIF image",
            ));
        }
        match sniff::sniff_mime(&data) {
            Some(mime) if crate::ACCEPTED_INPUT_MIME_TYPES.contains(&mime) => {
                Ok(Blob::new(data, mime))
            }
            Some(mime) => Err(crate::Error::invalid(
                field,
                format!(
                    "is {mime}, which image models do not accept; convert it to PNG, JPEG or WebP"
                ),
            )),
            None => Err(crate::Error::invalid(
                field,
                format!(
                    "is not a recognised image ({} bytes starting {}); pass a PNG, JPEG, WebP, HEIC or HEIF image",
                    data.len(),
                    data.iter()
                        .take(4)
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>()
                ),
            )),
        }
    }

    /// The file extension the MIME type calls for (`png`, `jpg`, …).
    pub fn extension(&self) -> &'static str {
        sniff::extension_for_mime(&self.mime_type)
    }

    /// Pixel width and height read from the image header, if recognised.
    pub fn dimensions(&self) -> Option<(u32, u32)> {
        sniff::image_dimensions(&self.data)
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never dump megabytes of pixels into logs.
        f.debug_struct("Blob")
            .field("mime_type", &self.mime_type)
            .field("data", &format_args!("<{} bytes>", self.data.len()))
            .finish()
    }
}

/// A reference to an uploaded or external file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileData {
    /// Optional MIME type.
    #[serde(default, alias = "mime_type", skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// The file URI (Files API or an HTTPS URL).
    #[serde(alias = "file_uri")]
    pub file_uri: String,
}

/// What a part carries.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PartData {
    /// Text: a prompt, an instruction, the model's commentary or its thoughts.
    Text(String),
    /// Inline bytes: an input or output image.
    InlineData(Blob),
    /// A file reference.
    FileData(FileData),
    /// A part kind this SDK does not model (function calls, code execution…), kept
    /// verbatim as its JSON fields so it can be replayed.
    Other(Map<String, Value>),
}

/// One part of a turn.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    /// The payload.
    pub data: PartData,
    /// `true` on thought summaries and interim thought images.
    pub thought: bool,
    /// The opaque signature Gemini 3 models attach; must be sent back verbatim.
    pub thought_signature: Option<String>,
}

impl Part {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        Part::from_data(PartData::Text(text.into()))
    }

    /// An inline image part with a declared MIME type.
    pub fn image(data: Vec<u8>, mime_type: impl Into<String>) -> Self {
        Part::from_data(PartData::InlineData(Blob::new(data, mime_type)))
    }

    /// A file reference part.
    pub fn file(file_uri: impl Into<String>, mime_type: Option<String>) -> Self {
        Part::from_data(PartData::FileData(FileData {
            mime_type,
            file_uri: file_uri.into(),
        }))
    }

    /// A part with no thought flag and no signature.
    pub fn from_data(data: PartData) -> Self {
        Part {
            data,
            thought: false,
            thought_signature: None,
        }
    }

    /// The text, if this is a text part.
    pub fn as_text(&self) -> Option<&str> {
        match &self.data {
            PartData::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The inline blob, if this is an inline-data part.
    pub fn as_blob(&self) -> Option<&Blob> {
        match &self.data {
            PartData::InlineData(blob) => Some(blob),
            _ => None,
        }
    }
}

/// The wire form of a part, used only for deserialization (a flattened catch-all would
/// force serde to buffer the multi-MB base64 string, so the rarely used kinds are listed).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePart {
    #[serde(default)]
    text: Option<String>,
    #[serde(default, alias = "inline_data")]
    inline_data: Option<Blob>,
    #[serde(default, alias = "file_data")]
    file_data: Option<FileData>,
    #[serde(default)]
    thought: Option<bool>,
    #[serde(default, alias = "thought_signature")]
    thought_signature: Option<String>,
    #[serde(default, alias = "function_call")]
    function_call: Option<Value>,
    #[serde(default, alias = "function_response")]
    function_response: Option<Value>,
    #[serde(default, alias = "executable_code")]
    executable_code: Option<Value>,
    #[serde(default, alias = "code_execution_result")]
    code_execution_result: Option<Value>,
    #[serde(default, alias = "video_metadata")]
    video_metadata: Option<Value>,
    #[serde(default, alias = "media_resolution")]
    media_resolution: Option<Value>,
}

impl<'de> Deserialize<'de> for Part {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = WirePart::deserialize(deserializer)?;
        let data = if let Some(blob) = wire.inline_data {
            PartData::InlineData(blob)
        } else if let Some(file) = wire.file_data {
            PartData::FileData(file)
        } else if let Some(text) = wire.text {
            PartData::Text(text)
        } else {
            let mut other = Map::new();
            let fields = [
                ("functionCall", wire.function_call),
                ("functionResponse", wire.function_response),
                ("executableCode", wire.executable_code),
                ("codeExecutionResult", wire.code_execution_result),
                ("videoMetadata", wire.video_metadata),
                ("mediaResolution", wire.media_resolution),
            ];
            for (name, value) in fields {
                if let Some(value) = value {
                    other.insert(name.to_string(), value);
                }
            }
            PartData::Other(other)
        };
        Ok(Part {
            data,
            thought: wire.thought.unwrap_or(false),
            thought_signature: wire.thought_signature,
        })
    }
}

impl Serialize for Part {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match &self.data {
            PartData::Text(text) => map.serialize_entry("text", text)?,
            PartData::InlineData(blob) => map.serialize_entry("inlineData", blob)?,
            PartData::FileData(file) => map.serialize_entry("fileData", file)?,
            PartData::Other(fields) => {
                for (name, value) in fields {
                    map.serialize_entry(name, value)?;
                }
            }
        }
        if self.thought {
            map.serialize_entry("thought", &true)?;
        }
        if let Some(signature) = &self.thought_signature {
            map.serialize_entry("thoughtSignature", signature)?;
        }
        map.end()
    }
}

/// `null` and a missing field both mean the default (proxies sometimes send `null`).
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_hands_its_buffer_back_without_a_copy() {
        // The Node binding moves a response image into a Buffer this way.
        for data in [vec![7u8; 1 << 20], Vec::with_capacity(3 << 20)] {
            let mut data = data;
            data.resize(1 << 20, 7);
            let pointer = data.as_ptr();
            let blob = Blob::new(data, "image/png");
            let back = Vec::<u8>::from(blob.data);
            assert_eq!(back.as_ptr(), pointer);
        }
    }

    #[test]
    fn part_round_trip_keeps_signature_and_thought() {
        let json = r#"{"inlineData":{"mimeType":"image/png","data":"AAEC"},"thought":true,"thoughtSignature":"c2ln"}"#;
        let part: Part = serde_json::from_str(json).unwrap();
        assert_eq!(part.as_blob().unwrap().data, vec![0, 1, 2]);
        assert!(part.thought);
        assert_eq!(serde_json::to_string(&part).unwrap(), json);
    }

    #[test]
    fn snake_case_and_unknown_kinds() {
        let part: Part =
            serde_json::from_str(r#"{"inline_data":{"mime_type":"image/png","data":"AAEC"}}"#)
                .unwrap();
        assert_eq!(part.as_blob().unwrap().mime_type, "image/png");
        let part: Part =
            serde_json::from_str(r#"{"functionCall":{"name":"f"},"newThing":1}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&part).unwrap(),
            r#"{"functionCall":{"name":"f"}}"#
        );
    }

    #[test]
    fn blob_debug_hides_bytes() {
        let blob = Blob::new(vec![7; 1000], "image/png");
        assert_eq!(
            format!("{blob:?}"),
            r#"Blob { mime_type: "image/png", data: <1000 bytes> }"#
        );
    }
}
