//! Google's request checks, applied to the raw JSON before the core reads it, so the
//! emulator is never more lenient than the real API: unknown field names, wrong JSON
//! types, bad enum values and bad base64 get Google's 400 `Invalid JSON payload received.`
//! / `Invalid value at '…'` errors, with proto (snake_case) paths.
//!
//! The body is walked in one streaming pass against the schema (no JSON tree is built),
//! so a 100 MB inline image is scanned once and never copied.

use serde::de::DeserializeSeed;

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

fn check(body: &[u8], version: &str, fields: &'static [Field]) -> Result<Seen, Vec<Violation>> {
    let mut walker = Walker {
        version,
        seen: Seen::default(),
        violations: Vec::new(),
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed = At {
        w: &mut walker,
        kind: Kind::Msg("", fields),
        path: String::new(),
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    if let Err(e) = parsed {
        return Err(vec![Violation {
            field: None,
            description: format!("Invalid JSON payload received. {}", json_error(&e)),
        }]);
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

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
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

struct Walker<'v> {
    version: &'v str,
    seen: Seen,
    violations: Vec<Violation>,
}

impl Walker<'_> {
    fn type_name(&self, kind: Kind) -> String {
        match kind {
            Kind::Str | Kind::Any => "TYPE_STRING".into(),
            Kind::Bool => "TYPE_BOOL".into(),
            Kind::Int => "TYPE_INT32".into(),
            Kind::Float => "TYPE_FLOAT".into(),
            Kind::Bytes => "TYPE_BYTES".into(),
            Kind::Enum(name, _) | Kind::Msg(name, _) => format!(
                "type.googleapis.com/google.ai.generativelanguage.{}.{name}",
                self.version
            ),
        }
    }

    /// `Invalid value at 'path' (TYPE), value`.
    fn invalid(&mut self, path: &str, kind: Kind, shown: &str) {
        if path.is_empty() {
            self.violations.push(Violation {
                field: None,
                description: format!(
                    "Invalid JSON payload received. Expected an object, got {}.",
                    short(shown)
                ),
            });
            return;
        }
        let type_name = self.type_name(kind);
        self.violations.push(Violation {
            field: Some(path.to_string()),
            description: format!("Invalid value at '{path}' ({type_name}), {}", short(shown)),
        });
    }

    /// Remembers the strings the semantic checks need.
    fn note(&mut self, path: &str, text: &str) {
        if path == "generation_config.image_config.image_size" {
            self.seen.image_size = Some(text.to_string());
        } else if path == "generation_config.image_config.aspect_ratio" {
            self.seen.aspect_ratio = Some(text.to_string());
        } else if path.starts_with("contents[") {
            if path.ends_with(".inline_data.mime_type") {
                self.seen
                    .inline_mimes
                    .push((path.to_string(), text.to_string()));
            } else if path.ends_with("].role")
                && !text.is_empty()
                && text != "user"
                && text != "model"
            {
                self.seen.bad_role.get_or_insert_with(|| text.to_string());
            }
        }
    }

    fn string(&mut self, kind: Kind, path: &str, text: &str) {
        let ok = match kind {
            Kind::Any | Kind::Str => true,
            Kind::Bytes => valid_base64(text),
            Kind::Int => text.trim().parse::<i64>().is_ok(),
            Kind::Float => {
                matches!(text, "NaN" | "Infinity" | "-Infinity")
                    || text.trim().parse::<f64>().is_ok()
            }
            Kind::Enum(_, names) => names.contains(&text),
            Kind::Bool | Kind::Msg(..) => false,
        };
        if !ok && matches!(kind, Kind::Bytes) {
            self.violations.push(Violation {
                field: Some(path.to_string()),
                description: format!(
                    "Invalid value at '{path}' (TYPE_BYTES), Base64 decoding failed for \"{}\"",
                    short(text)
                ),
            });
        } else if !ok {
            self.invalid(path, kind, &format!("\"{text}\""));
        } else if matches!(kind, Kind::Str) {
            self.note(path, text);
        }
    }

    fn number(&mut self, kind: Kind, path: &str, integral: Option<u64>, shown: &str) {
        let ok = match kind {
            Kind::Any | Kind::Float => true,
            Kind::Int => integral.is_some() || shown.parse::<f64>().is_ok_and(|f| f.fract() == 0.0),
            Kind::Enum(_, names) => integral.is_some_and(|i| (i as usize) < names.len()),
            _ => false,
        };
        if !ok {
            self.invalid(path, kind, shown);
        }
    }
}

/// One value of `kind` at `path`.
struct At<'a, 'v> {
    w: &'a mut Walker<'v>,
    kind: Kind,
    path: String,
}

/// A repeated field: a list of `kind` at `path`.
struct Rep<'a, 'v> {
    w: &'a mut Walker<'v>,
    kind: Kind,
    path: String,
}

impl<'de> serde::de::DeserializeSeed<'de> for At<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Rep<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// Skips a value the schema does not describe (or that is already wrong).
fn skip_map<'de, M: serde::de::MapAccess<'de>>(mut m: M) -> Result<(), M::Error> {
    while m
        .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
        .is_some()
    {}
    Ok(())
}

fn skip_seq<'de, S: serde::de::SeqAccess<'de>>(mut q: S) -> Result<(), S::Error> {
    while q.next_element::<serde::de::IgnoredAny>()?.is_some() {}
    Ok(())
}

impl<'de> serde::de::Visitor<'de> for At<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        if !matches!(self.kind, Kind::Bool | Kind::Any) {
            self.w.invalid(&self.path, self.kind, &v.to_string());
        }
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.w
            .number(self.kind, &self.path, Some(v), &v.to_string());
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        let integral = u64::try_from(v).ok().or(Some(u64::MAX));
        self.w
            .number(self.kind, &self.path, integral, &v.to_string());
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.w.number(self.kind, &self.path, None, &v.to_string());
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.w.string(self.kind, &self.path, v);
        Ok(())
    }

    fn visit_seq<S: serde::de::SeqAccess<'de>>(self, q: S) -> Result<(), S::Error> {
        if !matches!(self.kind, Kind::Any) {
            self.w.invalid(&self.path, self.kind, "[...]");
        }
        skip_seq(q)
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut m: M) -> Result<(), M::Error> {
        let Kind::Msg(type_name, fields) = self.kind else {
            if !matches!(self.kind, Kind::Any) {
                self.w.invalid(&self.path, self.kind, "{...}");
            }
            return skip_map(m);
        };
        let path = self.path;
        let mut keys: Vec<String> = Vec::new();
        while let Some(key) = m.next_key::<String>()? {
            let wanted = gemini_image_core::casing::camel_case(&key);
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
                self.w.violations.push(Violation {
                    field: (!path.is_empty()).then(|| path.clone()),
                    description,
                });
                m.next_value::<serde::de::IgnoredAny>()?;
                continue;
            };
            let here = join(&path, field.proto);
            if field.repeated {
                m.next_value_seed(Rep {
                    w: &mut *self.w,
                    kind: field.kind,
                    path: here,
                })?;
            } else {
                m.next_value_seed(At {
                    w: &mut *self.w,
                    kind: field.kind,
                    path: here,
                })?;
            }
            keys.push(wanted);
        }
        let has = |name: &str| keys.iter().any(|k| k == name);
        if type_name == "Part" {
            let data: Vec<&String> = keys
                .iter()
                .filter(|k| PART_DATA.contains(&k.as_str()))
                .collect();
            if let [_, second, ..] = data.as_slice() {
                self.w.violations.push(Violation {
                    field: Some(path.clone()),
                    description: format!(
                        "Invalid JSON payload received. Oneof field 'data' is already set. Cannot set '{second}'"
                    ),
                });
            }
        }
        if path.starts_with("contents[") {
            if type_name == "Content" && !has("parts") {
                self.w.seen.empty_parts = true;
            }
            if type_name == "Blob" && !has("mimeType") {
                self.w
                    .seen
                    .inline_mimes
                    .push((join(&path, "mime_type"), String::new()));
            }
        }
        Ok(())
    }
}

impl<'de> serde::de::Visitor<'de> for Rep<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<S: serde::de::SeqAccess<'de>>(self, mut q: S) -> Result<(), S::Error> {
        let mut n = 0usize;
        loop {
            let seed = At {
                w: &mut *self.w,
                kind: self.kind,
                path: format!("{}[{n}]", self.path),
            };
            if q.next_element_seed(seed)?.is_none() {
                break;
            }
            n += 1;
        }
        if self.path == "contents" && n > 0 {
            self.w.seen.has_contents = true;
        }
        if n == 0 && self.path.starts_with("contents[") && self.path.ends_with(".parts") {
            self.w.seen.empty_parts = true;
        }
        Ok(())
    }

    // Anything but a list: one value where a list belongs.
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.w.invalid(&self.path, self.kind, &v.to_string());
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.w.invalid(&self.path, self.kind, &v.to_string());
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.w.invalid(&self.path, self.kind, &v.to_string());
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.w.invalid(&self.path, self.kind, &v.to_string());
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.w.invalid(&self.path, self.kind, &format!("\"{v}\""));
        Ok(())
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, m: M) -> Result<(), M::Error> {
        self.w.invalid(&self.path, self.kind, "{...}");
        skip_map(m)
    }
}

/// Bytes of the standard and URL-safe base64 alphabets.
const BASE64_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
        i += 1;
    }
    t
};

/// Standard or URL-safe alphabet, padded or not (proto3 JSON accepts all four). It runs on
/// every inline image, so it is a SIMD check first and a plain table loop only after.
fn valid_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    if s.len() - body.len() > 2 || body.len() % 4 == 1 {
        return false;
    }
    let bytes = body.as_bytes();
    // Fast path (SIMD in release builds): one alphabet throughout, canonical trailing bits.
    if base64_simd::STANDARD_NO_PAD.check(bytes).is_ok()
        || base64_simd::URL_SAFE_NO_PAD.check(bytes).is_ok()
    {
        return true;
    }
    let mut i = 0;
    let n = bytes.len();
    let mut ok = true;
    while i < n {
        ok &= BASE64_BYTE[bytes[i] as usize];
        i += 1;
    }
    ok
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
