//! The request body on the wire: writing it (camelCase, base64 encoded into the buffer,
//! `extra` deep-merged) and reading it back (for the emulator and bring-your-own-server
//! users; camelCase and snake_case both accepted, as the server does).

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use crate::content::{Content, Part, PartData};
use crate::error::Error;
use crate::options::{AspectRatio, ImageSize, Modality};
use crate::request::{
    GenerateRequest, GenerationConfig, SafetySetting, ThinkingConfig, effective_input_mime,
    replayable, wire_role,
};

/// Serializes the body of `request` into JSON bytes (no validation here).
pub(crate) fn write_body(request: &GenerateRequest) -> Result<Vec<u8>, Error> {
    let inline_bytes: usize = request
        .contents
        .iter()
        .flat_map(|c| c.parts.iter())
        .filter_map(Part::as_blob)
        .map(|b| b.data.len())
        .sum();
    let mut out = Vec::with_capacity(inline_bytes / 3 * 4 + 4096);
    out.extend_from_slice(b"{\"contents\":");
    write_contents(&mut out, &request.contents)
        .map_err(|e| Error::invalid("contents", format!("cannot be serialized: {e}")))?;
    for (key, value) in settings_json(request) {
        out.push(b',');
        serde_json::to_writer(&mut out, &key)
            .and_then(|()| {
                out.push(b':');
                serde_json::to_writer(&mut out, &value)
            })
            .map_err(|e| Error::invalid("extra", format!("cannot be serialized: {e}")))?;
    }
    out.push(b'}');
    Ok(out)
}

/// Everything but `contents`, as a small JSON map with `extra` deep-merged in.
fn settings_json(request: &GenerateRequest) -> Map<String, Value> {
    let mut body = Map::new();
    if let Some(text) = &request.system_instruction {
        body.insert(
            "systemInstruction".into(),
            json!({ "parts": [{ "text": text }] }),
        );
    }
    if !request.safety_settings.is_empty() {
        body.insert(
            "safetySettings".into(),
            serde_json::to_value(&request.safety_settings).unwrap_or(Value::Null),
        );
    }
    body.insert(
        "generationConfig".into(),
        Value::Object(generation_config_json(&request.config)),
    );
    for (key, value) in &request.extra {
        merge(&mut body, key, value);
    }
    body
}

fn generation_config_json(config: &GenerationConfig) -> Map<String, Value> {
    let mut out = Map::new();
    let effective = config.effective_modalities();
    let modalities: Vec<&str> = effective.iter().map(|m| m.as_str()).collect();
    out.insert("responseModalities".into(), json!(modalities));
    let mut image = Map::new();
    if let Some(ratio) = config.aspect_ratio {
        image.insert("aspectRatio".into(), json!(ratio.as_str()));
    }
    if let Some(size) = config.image_size {
        image.insert("imageSize".into(), json!(size.as_str()));
    }
    if !image.is_empty() {
        out.insert("imageConfig".into(), Value::Object(image));
    }
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            out.insert(key.into(), value);
        }
    };
    put("temperature", config.temperature.map(|v| json!(v)));
    put("topP", config.top_p.map(|v| json!(v)));
    put("topK", config.top_k.map(|v| json!(v)));
    put("seed", config.seed.map(|v| json!(v)));
    put(
        "maxOutputTokens",
        config.max_output_tokens.map(|v| json!(v)),
    );
    put("candidateCount", config.candidate_count.map(|v| json!(v)));
    if !config.stop_sequences.is_empty() {
        put("stopSequences", Some(json!(config.stop_sequences)));
    }
    if let Some(thinking) = &config.thinking {
        put("thinkingConfig", serde_json::to_value(thinking).ok());
    }
    out
}

/// Deep merge: objects merge key by key, anything else replaces.
fn merge(into: &mut Map<String, Value>, key: &str, value: &Value) {
    match (into.get_mut(key), value) {
        (Some(Value::Object(existing)), Value::Object(incoming)) => {
            for (k, v) in incoming {
                merge(existing, k, v);
            }
        }
        _ => {
            into.insert(key.to_string(), value.clone());
        }
    }
}

/// Writes `contents` as JSON: strings through serde_json (escaping), image bytes
/// base64-encoded by SIMD straight into the body buffer. User images go out with their
/// sniffed MIME type; model turns drop their thought parts.
fn write_contents(out: &mut Vec<u8>, contents: &[Content]) -> serde_json::Result<()> {
    let mut image_index = 0usize;
    out.push(b'[');
    for (turn, content) in contents.iter().enumerate() {
        if turn > 0 {
            out.push(b',');
        }
        let is_model = content.is_model();
        out.extend_from_slice(b"{\"role\":");
        serde_json::to_writer(&mut *out, wire_role(content))?;
        out.extend_from_slice(b",\"parts\":[");
        let parts = content.parts.iter().filter(|p| !is_model || replayable(p));
        for (index, part) in parts.enumerate() {
            if index > 0 {
                out.push(b',');
            }
            let PartData::InlineData(blob) = &part.data else {
                serde_json::to_writer(&mut *out, part)?;
                continue;
            };
            let mime = if is_model {
                None
            } else {
                image_index += 1;
                effective_input_mime(blob, image_index - 1).ok()
            };
            out.extend_from_slice(b"{\"inlineData\":{\"mimeType\":");
            serde_json::to_writer(&mut *out, mime.unwrap_or(&blob.mime_type))?;
            out.extend_from_slice(b",\"data\":\"");
            base64_simd::STANDARD.encode_append(&blob.data, out);
            out.extend_from_slice(b"\"}");
            if part.thought {
                out.extend_from_slice(b",\"thought\":true");
            }
            if let Some(signature) = &part.thought_signature {
                out.extend_from_slice(b",\"thoughtSignature\":");
                serde_json::to_writer(&mut *out, signature)?;
            }
            out.push(b'}');
        }
        out.extend_from_slice(b"]}");
    }
    out.push(b']');
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reading a request body.

#[derive(Deserialize)]
struct WireRequestKnown {
    #[serde(default)]
    contents: Option<Vec<Content>>,
    #[serde(default, rename = "systemInstruction", alias = "system_instruction")]
    system_instruction: Option<Content>,
    #[serde(default, rename = "safetySettings", alias = "safety_settings")]
    safety_settings: Option<Vec<SafetySetting>>,
    #[serde(default, rename = "generationConfig", alias = "generation_config")]
    generation_config: Option<Map<String, Value>>,
}

const KNOWN_TOP_LEVEL: [&str; 8] = [
    "contents",
    "systemInstruction",
    "system_instruction",
    "safetySettings",
    "safety_settings",
    "generationConfig",
    "generation_config",
    "model",
];

impl GenerateRequest {
    /// Reads a wire request body (as a server receives it) for `model`. Fields this SDK
    /// does not model are kept in [`GenerateRequest::extra`]. Errors name the field.
    pub fn from_wire_json(model: &str, body: &[u8]) -> Result<GenerateRequest, Error> {
        let known: WireRequestKnown = serde_json::from_slice(body)
            .map_err(|e| Error::invalid("contents", format!("invalid JSON payload: {e}")))?;
        let all: HashMap<&str, &RawValue> = serde_json::from_slice(body)
            .map_err(|e| Error::invalid("contents", format!("invalid JSON payload: {e}")))?;
        let mut request = GenerateRequest::new(model);
        request.contents = known
            .contents
            .ok_or_else(|| Error::invalid("contents", "contents is not specified"))?;
        request.system_instruction = known.system_instruction.map(|content| {
            content
                .parts
                .iter()
                .filter_map(Part::as_text)
                .collect::<Vec<_>>()
                .join("")
        });
        request.safety_settings = known.safety_settings.unwrap_or_default();
        if let Some(config) = known.generation_config {
            let unknown = read_generation_config(&mut request.config, config)?;
            if !unknown.is_empty() {
                request
                    .extra
                    .insert("generationConfig".into(), Value::Object(unknown));
            }
        }
        for (key, raw) in all {
            if !KNOWN_TOP_LEVEL.contains(&key) {
                let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
                request.extra.insert(key.to_string(), value);
            }
        }
        Ok(request)
    }
}

fn typed<T: serde::de::DeserializeOwned>(field: &str, value: Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| {
        Error::invalid(
            field,
            format!("Invalid value at 'generation_config.{field}': {e}"),
        )
    })
}

/// Moves the known fields into `config`; returns the rest.
fn read_generation_config(
    config: &mut GenerationConfig,
    raw: Map<String, Value>,
) -> Result<Map<String, Value>, Error> {
    let mut unknown = Map::new();
    for (key, value) in raw {
        match crate::casing::camel_case(&key).as_str() {
            "responseModalities" => {
                let names: Vec<String> = typed("response_modalities", value)?;
                config.response_modalities = names
                    .iter()
                    .map(|name| name.parse::<Modality>())
                    .collect::<Result<_, _>>()?;
            }
            "imageConfig" => {
                let Value::Object(image) = value else {
                    return Err(Error::invalid("image_config", "must be an object"));
                };
                for (key, value) in image {
                    match crate::casing::camel_case(&key).as_str() {
                        "aspectRatio" => {
                            let text: String = typed("aspect_ratio", value)?;
                            config.aspect_ratio = Some(text.parse::<AspectRatio>()?);
                        }
                        "imageSize" => {
                            let text: String = typed("image_size", value)?;
                            config.image_size = Some(text.parse::<ImageSize>()?);
                        }
                        other => {
                            return Err(Error::invalid(
                                "image_config",
                                format!(
                                    "Unknown name \"{other}\" at 'generation_config.image_config': Cannot find field."
                                ),
                            ));
                        }
                    }
                }
            }
            "temperature" => config.temperature = typed("temperature", value)?,
            "topP" => config.top_p = typed("top_p", value)?,
            "topK" => config.top_k = typed("top_k", value)?,
            "seed" => config.seed = typed("seed", value)?,
            "maxOutputTokens" => config.max_output_tokens = typed("max_output_tokens", value)?,
            "candidateCount" => config.candidate_count = typed("candidate_count", value)?,
            "stopSequences" => config.stop_sequences = typed("stop_sequences", value)?,
            "thinkingConfig" => {
                config.thinking = Some(typed::<ThinkingConfig>("thinking_config", value)?)
            }
            _ => {
                unknown.insert(key, value);
            }
        }
    }
    Ok(unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Blob;

    #[test]
    fn body_shape_and_merge() {
        let req = GenerateRequest::edit(
            "gemini-3-pro-image-preview",
            [Blob::new(vec![0xFF, 0xD8, 0xFF, 0xE0], "image/png")],
            "make it blue",
        )
        .with_aspect_ratio(AspectRatio::Landscape16x9)
        .with_extra(
            "generationConfig",
            json!({"mediaResolution": "MEDIA_RESOLUTION_HIGH"}),
        )
        .with_extra("tools", json!([{"googleSearch": {}}]));
        let body: Value = serde_json::from_slice(&write_body(&req).unwrap()).unwrap();
        assert_eq!(
            body,
            json!({
                "contents": [{"role": "user", "parts": [
                    {"text": "make it blue"},
                    {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/4A=="}}
                ]}],
                "generationConfig": {
                    "responseModalities": ["TEXT", "IMAGE"],
                    "imageConfig": {"aspectRatio": "16:9"},
                    "mediaResolution": "MEDIA_RESOLUTION_HIGH"
                },
                "tools": [{"googleSearch": {}}]
            })
        );
        let back = GenerateRequest::from_wire_json(
            "gemini-3-pro-image-preview",
            &write_body(&req).unwrap(),
        )
        .unwrap();
        assert_eq!(back.config.aspect_ratio, Some(AspectRatio::Landscape16x9));
        assert_eq!(back.extra["tools"], json!([{"googleSearch": {}}]));
        assert_eq!(
            back.extra["generationConfig"],
            json!({"mediaResolution": "MEDIA_RESOLUTION_HIGH"})
        );
    }

    #[test]
    fn reads_snake_case_seed_form() {
        let body = br#"{"contents":[{"parts":[{"text":"x"},{"inline_data":{"mime_type":"image/png","data":"AAEC"}}]}],
            "generation_config":{"image_config":{"aspect_ratio":"4:3","image_size":"2k"}}}"#;
        let req = GenerateRequest::from_wire_json("m", body).unwrap();
        assert_eq!(req.config.image_size, Some(ImageSize::Size2K));
        assert_eq!(req.input_images().count(), 1);
        let err = GenerateRequest::from_wire_json(
            "m",
            br#"{"contents":[],"generationConfig":{"imageConfig":{"aspectRatio":"7:3"}}}"#,
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("aspect_ratio"));
        assert_eq!(
            GenerateRequest::from_wire_json("m", b"{}")
                .unwrap_err()
                .field(),
            Some("contents")
        );
    }
}
