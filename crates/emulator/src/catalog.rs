//! The model catalog: `GET …/models` and `GET …/models/{model}` in Google's `Model`
//! shape, for the image models the emulator serves.

use serde_json::{Value, json};

/// One model as `models.get` describes it.
struct Entry {
    id: &'static str,
    display_name: &'static str,
    description: &'static str,
    version: &'static str,
    input_token_limit: u32,
    output_token_limit: u32,
    thinking: bool,
}

/// Google's ids (no gateway aliases), in listing order. Token limits per the model pages.
const ENTRIES: &[Entry] = &[
    Entry {
        id: "gemini-2.5-flash-image",
        display_name: "Nano Banana",
        description: "Gemini 2.5 Flash Image",
        version: "2.0",
        input_token_limit: 32_768,
        output_token_limit: 32_768,
        thinking: false,
    },
    Entry {
        id: "gemini-2.5-flash-image-preview",
        display_name: "Nano Banana (preview)",
        description: "Gemini 2.5 Flash Image Preview",
        version: "2.0",
        input_token_limit: 32_768,
        output_token_limit: 32_768,
        thinking: false,
    },
    Entry {
        id: "gemini-3-pro-image",
        display_name: "Nano Banana Pro",
        description: "Gemini 3 Pro Image",
        version: "3.0",
        input_token_limit: 65_536,
        output_token_limit: 32_768,
        thinking: true,
    },
    Entry {
        id: "gemini-3-pro-image-preview",
        display_name: "Nano Banana Pro (preview)",
        description: "Gemini 3 Pro Image Preview",
        version: "3.0",
        input_token_limit: 65_536,
        output_token_limit: 32_768,
        thinking: true,
    },
    Entry {
        id: "gemini-3.1-flash-image",
        display_name: "Nano Banana 2",
        description: "Gemini 3.1 Flash Image",
        version: "3.1",
        input_token_limit: 131_072,
        output_token_limit: 32_768,
        thinking: true,
    },
    Entry {
        id: "gemini-3.1-flash-image-preview",
        display_name: "Nano Banana 2 (preview)",
        description: "Gemini 3.1 Flash Image Preview",
        version: "3.1",
        input_token_limit: 131_072,
        output_token_limit: 32_768,
        thinking: true,
    },
    Entry {
        id: "gemini-3.1-flash-lite-image",
        display_name: "Nano Banana 2 Lite",
        description: "Gemini 3.1 Flash Lite Image",
        version: "3.1",
        input_token_limit: 65_536,
        output_token_limit: 4_096,
        thinking: true,
    },
    Entry {
        id: "gemini-3.1-flash-lite-image-preview",
        display_name: "Nano Banana 2 Lite (preview)",
        description: "Gemini 3.1 Flash Lite Image Preview",
        version: "3.1",
        input_token_limit: 65_536,
        output_token_limit: 4_096,
        thinking: true,
    },
];

/// Whether `id` is one of the gateway's model aliases (`nano-banana`, `nano-banana-pro`,
/// …), which only the gateway resolves.
pub(crate) fn is_alias(id: &str) -> bool {
    id.starts_with("nano-banana")
}

fn entry_json(e: &Entry) -> Value {
    let mut v = json!({
        "name": format!("models/{}", e.id),
        "version": e.version,
        "displayName": e.display_name,
        "description": e.description,
        "inputTokenLimit": e.input_token_limit,
        "outputTokenLimit": e.output_token_limit,
        "supportedGenerationMethods": ["generateContent", "countTokens", "batchGenerateContent"],
        "temperature": 1,
        "topP": 0.95,
        "topK": 64,
        "maxTemperature": 2,
    });
    if let (true, Some(obj)) = (e.thinking, v.as_object_mut()) {
        obj.insert("thinking".into(), Value::Bool(true));
    }
    v
}

/// The `Model` resource of a Google model id; `None` for ids not in the catalog.
pub(crate) fn model_json(id: &str) -> Option<String> {
    ENTRIES
        .iter()
        .find(|e| e.id == id)
        .map(|e| entry_json(e).to_string())
}

/// One page of `models.list`: `{"models":[…],"nextPageToken"?}`.
pub(crate) fn list_json(start: usize, page_size: usize) -> String {
    let end = start.saturating_add(page_size).min(ENTRIES.len());
    let models: Vec<Value> = ENTRIES
        .get(start.min(ENTRIES.len())..end)
        .unwrap_or_default()
        .iter()
        .map(entry_json)
        .collect();
    let mut body = json!({ "models": models });
    if let (true, Some(obj)) = (end < ENTRIES.len(), body.as_object_mut()) {
        obj.insert("nextPageToken".into(), Value::String(page_token(end)));
    }
    body.to_string()
}

fn page_token(offset: usize) -> String {
    base64_simd::URL_SAFE_NO_PAD.encode_to_string(format!("emu-models:{offset}"))
}

/// The offset a `nextPageToken` stands for.
pub(crate) fn decode_page_token(token: &str) -> Option<usize> {
    let bytes = base64_simd::URL_SAFE_NO_PAD
        .decode_to_vec(token.trim())
        .ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix("emu-models:")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_a_known_model_and_pages_chain() {
        for e in ENTRIES {
            let caps = gemini_image_core::model::capabilities(e.id).unwrap();
            assert_eq!(caps.thinks, e.thinking, "{}", e.id);
        }
        let first: Value = serde_json::from_str(&list_json(0, 3)).unwrap();
        assert_eq!(first["models"].as_array().unwrap().len(), 3);
        let token = first["nextPageToken"].as_str().unwrap();
        assert_eq!(decode_page_token(token), Some(3));
        let all: Value = serde_json::from_str(&list_json(0, 50)).unwrap();
        assert_eq!(all["models"].as_array().unwrap().len(), ENTRIES.len());
        assert!(all.get("nextPageToken").is_none());
        assert!(decode_page_token("nope").is_none());
        assert!(model_json("nano-banana").is_none());
        assert!(is_alias("nano-banana-pro"));
    }
}
