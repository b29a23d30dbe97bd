//! Google's request checks, applied to the raw JSON before the core reads it, so the
//! emulator is never more lenient than the real API: unknown field names, wrong JSON
//! types, bad enum values and bad base64 get Google's 400 `Invalid JSON payload received.`
//! / `Invalid value at '…'` errors, with proto (snake_case) paths.
//!
//! Values are walked as borrowed [`RawValue`]s, so a 100 MB inline image is scanned once
//! and never copied.

use serde_json::value::RawValue;

/// One rejected field: Google's `BadRequest.fieldViolations` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Violation {
    /// The proto path (`generation_config.image_config`), `None` at the top level.
    pub(crate) field: Option<String>,
    pub(crate) description: String,
}

/// What the walk noticed that later, semantic checks need verbatim.
#[derive(Clone, Debug, Default)]
pub(crate) struct Seen {
    /// `generationConfig.imageConfig.imageSize` exactly as sent.
    pub(crate) image_size: Option<String>,
    /// `generationConfig.imageConfig.aspectRatio` exactly as sent.
    pub(crate) aspect_ratio: Option<String>,
    /// `mimeType` of every inline image in user turns, with its proto path.
    pub(crate) inline_mimes: Vec<(String, String)>,
    /// Whether `contents` was present.
    pub(crate) has_contents: bool,
    /// Whether some content had an empty (or missing) `parts`.
    pub(crate) empty_parts: bool,
    /// A `role` of a turn in `contents` other than `user` or `model`.
    pub(crate) bad_role: Option<String>,
}

#[derive(Clone, Copy)]
enum Kind {
    Str,
    Bool,
    Int,
    Float,
    Bytes,
    /// An enum: proto type name (after the API version) and its value names.
    Enum(&'static str, &'static [&'static str]),
    /// A message: proto type name (after the API version) and its fields.
    Msg(&'static str, &'static [Field]),
    /// Anything (google.protobuf.Struct / Value, or messages the emulator does not model).
    Any,
}

#[derive(Clone, Copy)]
struct Field {
    /// lowerCamelCase json_name.
    json: &'static str,
    /// The proto field name (snake_case), used in paths.
    proto: &'static str,
    kind: Kind,
    repeated: bool,
}

const fn f(json: &'static str, proto: &'static str, kind: Kind) -> Field {
    Field {
        json,
        proto,
        kind,
        repeated: false,
    }
}

const fn rep(json: &'static str, proto: &'static str, kind: Kind) -> Field {
    Field {
        json,
        proto,
        kind,
        repeated: true,
    }
}

const MODALITY: Kind = Kind::Enum(
    "GenerationConfig.Modality",
    &["MODALITY_UNSPECIFIED", "TEXT", "IMAGE", "AUDIO"],
);
const HARM_CATEGORY: Kind = Kind::Enum(
    "HarmCategory",
    &[
        "HARM_CATEGORY_UNSPECIFIED",
        "HARM_CATEGORY_DEROGATORY",
        "HARM_CATEGORY_TOXICITY",
        "HARM_CATEGORY_VIOLENCE",
        "HARM_CATEGORY_SEXUAL",
        "HARM_CATEGORY_MEDICAL",
        "HARM_CATEGORY_DANGEROUS",
        "HARM_CATEGORY_HARASSMENT",
        "HARM_CATEGORY_HATE_SPEECH",
        "HARM_CATEGORY_SEXUALLY_EXPLICIT",
        "HARM_CATEGORY_DANGEROUS_CONTENT",
        "HARM_CATEGORY_CIVIC_INTEGRITY",
    ],
);
const HARM_THRESHOLD: Kind = Kind::Enum(
    "SafetySetting.HarmBlockThreshold",
    &[
        "HARM_BLOCK_THRESHOLD_UNSPECIFIED",
        "BLOCK_LOW_AND_ABOVE",
        "BLOCK_MEDIUM_AND_ABOVE",
        "BLOCK_ONLY_HIGH",
        "BLOCK_NONE",
        "OFF",
    ],
);
const THINKING_LEVEL: Kind = Kind::Enum(
    "ThinkingConfig.ThinkingLevel",
    &[
        "THINKING_LEVEL_UNSPECIFIED",
        "MINIMAL",
        "LOW",
        "MEDIUM",
        "HIGH",
    ],
);
const MEDIA_RESOLUTION: Kind = Kind::Enum(
    "GenerationConfig.MediaResolution",
    &[
        "MEDIA_RESOLUTION_UNSPECIFIED",
        "MEDIA_RESOLUTION_LOW",
        "MEDIA_RESOLUTION_MEDIUM",
        "MEDIA_RESOLUTION_HIGH",
    ],
);

const BLOB: Kind = Kind::Msg(
    "Blob",
    &[
        f("mimeType", "mime_type", Kind::Str),
        f("data", "data", Kind::Bytes),
    ],
);
const FILE_DATA: Kind = Kind::Msg(
    "FileData",
    &[
        f("mimeType", "mime_type", Kind::Str),
        f("fileUri", "file_uri", Kind::Str),
    ],
);
const PART: Kind = Kind::Msg(
    "Part",
    &[
        f("text", "text", Kind::Str),
        f("inlineData", "inline_data", BLOB),
        f("fileData", "file_data", FILE_DATA),
        f("thought", "thought", Kind::Bool),
        f("thoughtSignature", "thought_signature", Kind::Bytes),
        f("functionCall", "function_call", Kind::Any),
        f("functionResponse", "function_response", Kind::Any),
        f("executableCode", "executable_code", Kind::Any),
        f("codeExecutionResult", "code_execution_result", Kind::Any),
        f("videoMetadata", "video_metadata", Kind::Any),
        f("mediaResolution", "media_resolution", Kind::Any),
        f("partMetadata", "part_metadata", Kind::Any),
    ],
);
const CONTENT: Kind = Kind::Msg(
    "Content",
    &[f("role", "role", Kind::Str), rep("parts", "parts", PART)],
);
const SAFETY_SETTING: Kind = Kind::Msg(
    "SafetySetting",
    &[
        f("category", "category", HARM_CATEGORY),
        f("threshold", "threshold", HARM_THRESHOLD),
    ],
);
const THINKING_CONFIG: Kind = Kind::Msg(
    "ThinkingConfig",
    &[
        f("includeThoughts", "include_thoughts", Kind::Bool),
        f("thinkingBudget", "thinking_budget", Kind::Int),
        f("thinkingLevel", "thinking_level", THINKING_LEVEL),
    ],
);
const IMAGE_CONFIG: Kind = Kind::Msg(
    "ImageConfig",
    &[
        f("aspectRatio", "aspect_ratio", Kind::Str),
        f("imageSize", "image_size", Kind::Str),
    ],
);
const GENERATION_CONFIG: Kind = Kind::Msg(
    "GenerationConfig",
    &[
        rep("stopSequences", "stop_sequences", Kind::Str),
        f("responseMimeType", "response_mime_type", Kind::Str),
        f("responseSchema", "response_schema", Kind::Any),
        f("responseJsonSchema", "response_json_schema", Kind::Any),
        f("_responseJsonSchema", "_response_json_schema", Kind::Any),
        rep("responseModalities", "response_modalities", MODALITY),
        f("candidateCount", "candidate_count", Kind::Int),
        f("maxOutputTokens", "max_output_tokens", Kind::Int),
        f("temperature", "temperature", Kind::Float),
        f("topP", "top_p", Kind::Float),
        f("topK", "top_k", Kind::Int),
        f("seed", "seed", Kind::Int),
        f("presencePenalty", "presence_penalty", Kind::Float),
        f("frequencyPenalty", "frequency_penalty", Kind::Float),
        f("responseLogprobs", "response_logprobs", Kind::Bool),
        f("logprobs", "logprobs", Kind::Int),
        f(
            "enableEnhancedCivicAnswers",
            "enable_enhanced_civic_answers",
            Kind::Bool,
        ),
        f("speechConfig", "speech_config", Kind::Any),
        f("thinkingConfig", "thinking_config", THINKING_CONFIG),
        f("imageConfig", "image_config", IMAGE_CONFIG),
        f("mediaResolution", "media_resolution", MEDIA_RESOLUTION),
    ],
);

/// `GenerateContentRequest`'s fields.
const GENERATE_FIELDS: &[Field] = &[
    f("model", "model", Kind::Str),
    rep("contents", "contents", CONTENT),
    rep("tools", "tools", Kind::Any),
    f("toolConfig", "tool_config", Kind::Any),
    rep("safetySettings", "safety_settings", SAFETY_SETTING),
    f("systemInstruction", "system_instruction", CONTENT),
    f("generationConfig", "generation_config", GENERATION_CONFIG),
    f("cachedContent", "cached_content", Kind::Str),
    f("serviceTier", "service_tier", Kind::Any),
    f("store", "store", Kind::Bool),
];

const GENERATE_REQUEST: Kind = Kind::Msg("GenerateContentRequest", GENERATE_FIELDS);

/// `CountTokensRequest`'s fields.
const COUNT_FIELDS: &[Field] = &[
    rep("contents", "contents", CONTENT),
    f(
        "generateContentRequest",
        "generate_content_request",
        GENERATE_REQUEST,
    ),
];

/// Checks a `generateContent` / `streamGenerateContent` body.
pub(crate) fn check_generate(body: &[u8], version: &str) -> Result<Seen, Vec<Violation>> {
    check(body, version, GENERATE_FIELDS)
}

/// Checks a `countTokens` body.
pub(crate) fn check_count_tokens(body: &[u8], version: &str) -> Result<Seen, Vec<Violation>> {
    check(body, version, COUNT_FIELDS)
}

fn check(body: &[u8], version: &str, fields: &[Field]) -> Result<Seen, Vec<Violation>> {
    let root: &RawValue = serde_json::from_slice(body).map_err(|e| {
        vec![Violation {
            field: None,
            description: format!("Invalid JSON payload received. {}", json_error(&e)),
        }]
    })?;
    let mut walker = Walker {
        version,
        seen: Seen::default(),
        violations: Vec::new(),
    };
    match object(root) {
        Some(map) => walker.message(&map, "", fields),
        None => walker.violations.push(Violation {
            field: None,
            description: format!(
                "Invalid JSON payload received. Expected an object, got {}.",
                short(root.get())
            ),
        }),
    }
    if walker.violations.is_empty() {
        Ok(walker.seen)
    } else {
        Err(walker.violations)
    }
}

fn json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "Unexpected end of string. Expected an object key or }.".into(),
        _ => format!(
            "Unexpected token.\n(line {}, column {})",
            e.line(),
            e.column()
        ),
    }
}

/// An object's members in the order they were sent (Google reports in that order).
type Members<'a> = Vec<(String, &'a RawValue)>;

struct Ordered<'a>(Members<'a>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Ordered<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Ordered<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut m: M,
            ) -> Result<Self::Value, M::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

fn object(raw: &RawValue) -> Option<Members<'_>> {
    serde_json::from_str::<Ordered<'_>>(raw.get())
        .ok()
        .map(|o| o.0)
}

fn array(raw: &RawValue) -> Option<Vec<&RawValue>> {
    serde_json::from_str(raw.get()).ok()
}

fn short(text: &str) -> String {
    let text = text.trim();
    if text.len() <= 80 {
        text.to_string()
    } else {
        let mut end = 77;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &text[..end])
    }
}

/// lowerCamelCase of a snake_case key (proto JSON accepts both spellings).
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for (i, c) in key.chars().enumerate() {
        if c == '_' && i > 0 {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

struct Walker<'v> {
    version: &'v str,
    seen: Seen,
    violations: Vec<Violation>,
}

impl Walker<'_> {
    fn invalid(&mut self, path: &str, type_name: String, raw: &RawValue) {
        let description = format!(
            "Invalid value at '{path}' ({type_name}), {}",
            short(raw.get())
        );
        self.violations.push(Violation {
            field: Some(path.to_string()),
            description,
        });
    }

    fn message(&mut self, map: &[(String, &RawValue)], path: &str, fields: &[Field]) {
        for (key, raw) in map {
            let wanted = camel(key);
            let Some(field) = fields.iter().find(|f| f.json == wanted) else {
                let description = if path.is_empty() {
                    format!(
                        "Invalid JSON payload received. Unknown name \"{key}\": Cannot find field."
                    )
                } else {
                    format!(
                        "Invalid JSON payload received. Unknown name \"{key}\" at '{path}': Cannot find field."
                    )
                };
                self.violations.push(Violation {
                    field: (!path.is_empty()).then(|| path.to_string()),
                    description,
                });
                continue;
            };
            let here = join(path, field.proto);
            if raw.get() == "null" {
                continue;
            }
            if field.repeated {
                let Some(items) = array(raw) else {
                    self.value(field, &here, raw);
                    continue;
                };
                if field.proto == "parts" && items.is_empty() {
                    self.seen.empty_parts = true;
                }
                for (i, item) in items.iter().enumerate() {
                    self.value(field, &format!("{here}[{i}]"), item);
                }
            } else {
                self.value(field, &here, raw);
            }
            self.note(path, field, raw);
        }
        if fields.iter().any(|f| f.proto == "parts")
            && !map.iter().any(|(k, _)| camel(k) == "parts")
        {
            self.seen.empty_parts = true;
        }
    }

    /// Remembers the values the semantic checks need.
    fn note(&mut self, path: &str, field: &Field, raw: &RawValue) {
        let text = || serde_json::from_str::<String>(raw.get()).ok();
        match (path, field.proto) {
            ("", "contents") => self.seen.has_contents = true,
            ("generation_config.image_config", "image_size") => self.seen.image_size = text(),
            ("generation_config.image_config", "aspect_ratio") => self.seen.aspect_ratio = text(),
            (p, "role") if p.starts_with("contents[") => {
                if let Some(role) = text().filter(|r| !r.is_empty() && r != "user" && r != "model")
                {
                    self.seen.bad_role.get_or_insert(role);
                }
            }
            _ => {}
        }
        if field.proto == "inline_data" && path.starts_with("contents[") {
            if let Some(map) = object(raw) {
                let mime = map
                    .iter()
                    .find(|(k, _)| camel(k) == "mimeType")
                    .and_then(|(_, v)| serde_json::from_str::<String>(v.get()).ok())
                    .unwrap_or_default();
                self.seen
                    .inline_mimes
                    .push((join(path, "inline_data.mime_type"), mime));
            }
        }
    }

    fn value(&mut self, field: &Field, path: &str, raw: &RawValue) {
        let text = raw.get().trim_start();
        let first = text.as_bytes().first().copied().unwrap_or(b' ');
        match field.kind {
            Kind::Any => {}
            Kind::Str => {
                if first != b'"' {
                    self.invalid(path, "TYPE_STRING".into(), raw);
                }
            }
            Kind::Bool => {
                if text != "true" && text != "false" {
                    self.invalid(path, "TYPE_BOOL".into(), raw);
                }
            }
            Kind::Int => {
                let ok = match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(serde_json::Value::Number(n)) => {
                        n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
                    }
                    Ok(serde_json::Value::String(s)) => s.trim().parse::<i64>().is_ok(),
                    _ => false,
                };
                if !ok {
                    self.invalid(path, "TYPE_INT32".into(), raw);
                }
            }
            Kind::Float => {
                let ok = match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(serde_json::Value::Number(_)) => true,
                    Ok(serde_json::Value::String(s)) => {
                        matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity")
                            || s.trim().parse::<f64>().is_ok()
                    }
                    _ => false,
                };
                if !ok {
                    self.invalid(path, "TYPE_FLOAT".into(), raw);
                }
            }
            Kind::Bytes => match serde_json::from_str::<&str>(text) {
                Ok(s) if valid_base64(s) => {}
                Ok(s) => self.violations.push(Violation {
                    field: Some(path.to_string()),
                    description: format!(
                        "Invalid value at '{path}' (TYPE_BYTES), Base64 decoding failed for \"{}\"",
                        short(s)
                    ),
                }),
                // Escaped strings cannot borrow: decode them (they are never large).
                Err(_) => match serde_json::from_str::<String>(text) {
                    Ok(s) if valid_base64(&s) => {}
                    _ => self.invalid(path, "TYPE_BYTES".into(), raw),
                },
            },
            Kind::Enum(type_name, names) => {
                let ok = match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(serde_json::Value::String(s)) => names.contains(&s.as_str()),
                    Ok(serde_json::Value::Number(n)) => {
                        n.as_u64().is_some_and(|i| (i as usize) < names.len())
                    }
                    _ => false,
                };
                if !ok {
                    let t = format!(
                        "type.googleapis.com/google.ai.generativelanguage.{}.{type_name}",
                        self.version
                    );
                    self.invalid(path, t, raw);
                }
            }
            Kind::Msg(type_name, fields) => match object(raw) {
                Some(map) => {
                    self.message(&map, path, fields);
                    if type_name == "Part" {
                        self.one_data_field(&map, path);
                    }
                }
                None => {
                    let t = format!(
                        "type.googleapis.com/google.ai.generativelanguage.{}.{type_name}",
                        self.version
                    );
                    self.invalid(path, t, raw);
                }
            },
        }
    }
}

/// The members of `Part`'s `data` oneof.
const PART_DATA: &[&str] = &[
    "text",
    "inlineData",
    "fileData",
    "functionCall",
    "functionResponse",
    "executableCode",
    "codeExecutionResult",
];

impl Walker<'_> {
    /// A part carries one kind of data: a second one is Google's oneof error.
    fn one_data_field(&mut self, map: &[(String, &RawValue)], path: &str) {
        let set: Vec<&String> = map
            .iter()
            .filter(|(k, v)| PART_DATA.contains(&camel(k).as_str()) && v.get() != "null")
            .map(|(k, _)| k)
            .collect();
        if let [_, second, ..] = set.as_slice() {
            self.violations.push(Violation {
                field: Some(path.to_string()),
                description: format!(
                    "Invalid JSON payload received. Oneof field 'data' is already set. Cannot set '{second}'"
                ),
            });
        }
    }
}

/// Standard or URL-safe alphabet, padded or not (proto3 JSON accepts all four).
fn valid_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    if s.len() - body.len() > 2 {
        return false;
    }
    body.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'))
        && body.len() % 4 != 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str) -> Vec<Violation> {
        check_generate(body.as_bytes(), "v1beta").unwrap_err()
    }

    #[test]
    fn unknown_names_like_google() {
        let v = err(r#"{"contents":[{"parts":[{"text":"x"}]}],"bogusTop":1}"#);
        assert_eq!(
            v,
            vec![Violation {
                field: None,
                description:
                    "Invalid JSON payload received. Unknown name \"bogusTop\": Cannot find field."
                        .into()
            }]
        );
        let v = err(
            r#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"imageConfig":{"negativePrompt":"x"}}}"#,
        );
        assert_eq!(
            v[0].field.as_deref(),
            Some("generation_config.image_config")
        );
        assert_eq!(
            v[0].description,
            "Invalid JSON payload received. Unknown name \"negativePrompt\" at 'generation_config.image_config': Cannot find field."
        );
        let v = err(r#"{"contents":[{"parts":[{"text":"x","colour":1}]}]}"#);
        assert_eq!(v[0].field.as_deref(), Some("contents[0].parts[0]"));
    }

    #[test]
    fn snake_case_and_types() {
        let seen = check_generate(
            br#"{"contents":[{"role":"user","parts":[{"text":"x"},{"inline_data":{"mime_type":"image/png","data":"AAEC"}}]}],
                "generation_config":{"image_config":{"aspect_ratio":"4:3","image_size":"2k"},"temperature":"0.5","seed":"3"},
                "safety_settings":[{"category":"HARM_CATEGORY_HATE_SPEECH","threshold":"BLOCK_NONE"}]}"#,
            "v1beta",
        )
        .unwrap();
        assert_eq!(seen.image_size.as_deref(), Some("2k"));
        assert_eq!(seen.aspect_ratio.as_deref(), Some("4:3"));
        assert_eq!(
            seen.inline_mimes,
            vec![(
                "contents[0].parts[1].inline_data.mime_type".to_string(),
                "image/png".to_string()
            )]
        );
        let v = err(
            r#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseModalities":["PICTURE"]}}"#,
        );
        assert_eq!(
            v[0].description,
            "Invalid value at 'generation_config.response_modalities[0]' (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), \"PICTURE\""
        );
        let v = err(r#"{"contents":[{"parts":[{"text":3}]}]}"#);
        assert_eq!(
            v[0].description,
            "Invalid value at 'contents[0].parts[0].text' (TYPE_STRING), 3"
        );
        let v = err(
            r#"{"contents":[{"parts":[{"inlineData":{"mimeType":"image/png","data":"@@@"}}]}]}"#,
        );
        assert!(v[0].description.contains("Base64 decoding failed"), "{v:?}");
        assert!(err("{not json").len() == 1);
        let v = err(
            r#"{"contents":[{"parts":[{"text":"x","inlineData":{"mimeType":"image/png","data":"AA=="}}]}]}"#,
        );
        assert_eq!(
            v[0].description,
            "Invalid JSON payload received. Oneof field 'data' is already set. Cannot set 'inlineData'"
        );
        let seen = check_generate(
            br#"{"contents":[{"role":"assistant","parts":[{"text":"x"}]}]}"#,
            "v1beta",
        )
        .unwrap();
        assert_eq!(seen.bad_role.as_deref(), Some("assistant"));
        assert!(err("[1]")[0].description.contains("Expected an object"));
    }

    #[test]
    fn base64_alphabets() {
        assert!(valid_base64("AAEC"));
        assert!(valid_base64("AAE"));
        assert!(valid_base64("-_8="));
        assert!(valid_base64("context_engineering_is_the_way_to_go"));
        assert!(!valid_base64("A"));
        assert!(!valid_base64("AA==="));
        assert!(!valid_base64("a b"));
    }
}
