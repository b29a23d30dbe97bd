//! [`RequestOptions`]: every option of a request except its prompt and images, as the loose
//! key/value set each front door receives (Python keyword arguments, a Node options object,
//! a batch line, a fixture's `input`), turned into typed values once, here.

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::options::{AspectRatio, ImageSize, Modality};
use crate::request::{GenerateRequest, SafetySetting, ThinkingConfig};

/// The options of a request other than its prompt and images. Every field is optional: a
/// set field overrides the request's (or the defaults') value, an unset one leaves it.
///
/// Built from loose JSON with [`RequestOptions::from_value`], which takes snake_case and
/// camelCase keys alike; a bad value is an error naming the option in snake_case, an
/// unknown key one naming the key as written:
///
/// ```
/// use gemini_image_core::{GenerateRequest, RequestOptions};
/// let options = RequestOptions::from_value(&serde_json::json!({
///     "aspectRatio": "16:9", "image_size": "2k", "temperature": 0.4,
///     "thinking": {"includeThoughts": true}
/// }))?;
/// let request = GenerateRequest::text_to_image("gemini-3-pro-image-preview", "a red fox")
///     .with_options(&options);
/// assert_eq!(request.config.image_size.as_ref().map(|s| s.as_str()), Some("2K"));
///
/// let err = RequestOptions::from_value(&serde_json::json!({"aspect": "16:9"})).unwrap_err();
/// assert_eq!(err.field(), Some("aspect"));
/// # Ok::<(), gemini_image_core::Error>(())
/// ```
///
/// Serialised (for a saved conversation) it writes snake_case keys, set fields only.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Model id or alias.
    pub model: Option<String>,
    /// `imageConfig.aspectRatio`.
    pub aspect_ratio: Option<AspectRatio>,
    /// `imageConfig.imageSize` (a lowercase `k` is normalised).
    pub image_size: Option<ImageSize>,
    /// `generationConfig.responseModalities`.
    pub response_modalities: Option<Vec<Modality>>,
    /// `systemInstruction` text.
    pub system_instruction: Option<String>,
    /// `safetySettings` (replaces the request's list).
    pub safety_settings: Option<Vec<SafetySetting>>,
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    pub top_p: Option<f64>,
    /// Top-k sampling.
    pub top_k: Option<i32>,
    /// Sampling seed.
    pub seed: Option<i64>,
    /// Output token cap.
    pub max_output_tokens: Option<i32>,
    /// Stop sequences (replaces the request's list).
    pub stop_sequences: Option<Vec<String>>,
    /// Candidate count (image models accept only 1).
    pub candidate_count: Option<i32>,
    /// `generationConfig.thinkingConfig`.
    pub thinking: Option<ThinkingConfig>,
    /// Raw JSON deep-merged into the top level of the body (keys merge with the request's).
    pub extra: Option<Map<String, Value>>,
}

/// The accepted keys, snake_case, in the order they are documented.
pub const REQUEST_OPTION_KEYS: &[&str] = &[
    "model",
    "aspect_ratio",
    "image_size",
    "response_modalities",
    "system_instruction",
    "safety_settings",
    "temperature",
    "top_p",
    "top_k",
    "seed",
    "max_output_tokens",
    "stop_sequences",
    "candidate_count",
    "thinking",
    "extra",
];

/// A value's JSON type, for messages.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(field: &str, expected: &str, value: &Value) -> Error {
    Error::invalid(
        field,
        format!("must be {expected}, not {}", type_name(value)),
    )
}

fn string(field: &str, value: &Value) -> Result<String, Error> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| wrong_type(field, "a string", value))
}

/// Options from other languages may spell API enum names in any case (`"block_none"`);
/// the wire takes them upper-case.
fn enum_spelling(text: &str) -> String {
    text.trim().to_ascii_uppercase()
}

fn number(field: &str, value: &Value) -> Result<f64, Error> {
    match value.as_f64() {
        Some(n) if n.is_finite() => Ok(n),
        _ => Err(wrong_type(field, "a number", value)),
    }
}

fn integer<T: TryFrom<i64>>(field: &str, value: &Value) -> Result<T, Error> {
    // 3.0 from a language without an integer type counts as 3.
    let whole = value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
            .map(|n| n as i64)
    });
    let Some(whole) = whole else {
        return Err(wrong_type(field, "a whole number", value));
    };
    T::try_from(whole).map_err(|_| Error::invalid(field, format!("{whole} is out of range")))
}

fn boolean(field: &str, value: &Value) -> Result<bool, Error> {
    value
        .as_bool()
        .ok_or_else(|| wrong_type(field, "true or false", value))
}

fn list<'v>(field: &str, value: &'v Value) -> Result<&'v Vec<Value>, Error> {
    value
        .as_array()
        .ok_or_else(|| wrong_type(field, "a list", value))
}

fn object<'v>(field: &str, value: &'v Value) -> Result<&'v Map<String, Value>, Error> {
    value
        .as_object()
        .ok_or_else(|| wrong_type(field, "an object", value))
}

/// The entries of an object whose value is not null, keys in snake_case, each checked
/// against `allowed` (an unknown key is an error naming `prefix` + the key as given).
fn entries<'v>(
    prefix: &str,
    map: &'v Map<String, Value>,
    allowed: &[&str],
) -> Result<Vec<(String, &'v Value)>, Error> {
    let mut out = Vec::with_capacity(map.len());
    for (key, value) in map {
        let name = crate::casing::snake_case(key);
        if !allowed.contains(&name.as_str()) {
            return Err(Error::invalid(
                format!("{prefix}{key}"),
                format!("is not a known option; use one of {}", allowed.join(", ")),
            ));
        }
        if !value.is_null() {
            out.push((name, value));
        }
    }
    Ok(out)
}

fn parse_enum<T: std::str::FromStr<Err = Error>>(field: &str, value: &Value) -> Result<T, Error> {
    let text = string(field, value)?;
    text.parse::<T>().map_err(|err| match err {
        // Keep the enum's own explanation, but name the key as the caller wrote it.
        Error::InvalidRequest { message, .. } => Error::invalid(field, message),
        other => other,
    })
}

fn thinking(value: &Value) -> Result<ThinkingConfig, Error> {
    let mut config = ThinkingConfig::default();
    let allowed = ["include_thoughts", "thinking_budget", "thinking_level"];
    for (key, value) in entries("thinking.", object("thinking", value)?, &allowed)? {
        let field = format!("thinking.{key}");
        match key.as_str() {
            "include_thoughts" => config.include_thoughts = Some(boolean(&field, value)?),
            "thinking_budget" => config.thinking_budget = Some(integer(&field, value)?),
            _ => config.thinking_level = Some(enum_spelling(&string(&field, value)?)),
        }
    }
    Ok(config)
}

fn safety_settings(value: &Value) -> Result<Vec<SafetySetting>, Error> {
    let mut settings = Vec::new();
    for (index, item) in list("safety_settings", value)?.iter().enumerate() {
        let prefix = format!("safety_settings[{index}]");
        let fields = entries(
            &format!("{prefix}."),
            object(&prefix, item)?,
            &["category", "threshold"],
        )?;
        let mut category = None;
        let mut threshold = None;
        for (key, value) in fields {
            let text = enum_spelling(&string(&format!("{prefix}.{key}"), value)?);
            if key == "category" {
                category = Some(text);
            } else {
                threshold = Some(text);
            }
        }
        match (category, threshold) {
            (Some(category), Some(threshold)) => settings.push(SafetySetting {
                category,
                threshold,
            }),
            _ => {
                return Err(Error::invalid(
                    prefix,
                    "needs both category (e.g. HARM_CATEGORY_DANGEROUS_CONTENT) and threshold (e.g. BLOCK_ONLY_HIGH)",
                ));
            }
        }
    }
    Ok(settings)
}

impl RequestOptions {
    /// Reads options from a JSON object with snake_case or camelCase keys (`null` means
    /// unset; `thinking_config` is accepted for `thinking`). An unknown key, or a value of
    /// the wrong type or out of range, is an `invalid_request` naming the key.
    pub fn from_value(value: &Value) -> Result<RequestOptions, Error> {
        let map = match value {
            Value::Null => return Ok(RequestOptions::default()),
            Value::Object(map) => map,
            other => return Err(wrong_type("options", "an object", other)),
        };
        let mut options = RequestOptions::default();
        let mut allowed = REQUEST_OPTION_KEYS.to_vec();
        allowed.push("thinking_config");
        for (key, value) in entries("", map, &allowed)? {
            let field = key.as_str();
            match field {
                "model" => options.model = Some(string(field, value)?),
                "aspect_ratio" => options.aspect_ratio = Some(parse_enum(field, value)?),
                "image_size" => options.image_size = Some(parse_enum(field, value)?),
                "response_modalities" => {
                    let items = list(field, value)?;
                    let mut modalities = Vec::with_capacity(items.len());
                    for item in items {
                        modalities.push(parse_enum(field, item)?);
                    }
                    options.response_modalities = Some(modalities);
                }
                "system_instruction" => options.system_instruction = Some(string(field, value)?),
                "safety_settings" => options.safety_settings = Some(safety_settings(value)?),
                "temperature" => options.temperature = Some(number(field, value)?),
                "top_p" => options.top_p = Some(number(field, value)?),
                "top_k" => options.top_k = Some(integer(field, value)?),
                "seed" => options.seed = Some(integer(field, value)?),
                "max_output_tokens" => options.max_output_tokens = Some(integer(field, value)?),
                "stop_sequences" => {
                    let items = list(field, value)?;
                    let mut sequences = Vec::with_capacity(items.len());
                    for (index, item) in items.iter().enumerate() {
                        sequences.push(string(&format!("{field}[{index}]"), item)?);
                    }
                    options.stop_sequences = Some(sequences);
                }
                "candidate_count" => options.candidate_count = Some(integer(field, value)?),
                "thinking" | "thinking_config" => options.thinking = Some(thinking(value)?),
                _ => options.extra = Some(object(field, value)?.clone()),
            }
        }
        Ok(options)
    }

    /// [`RequestOptions::from_value`] from JSON text.
    pub fn from_json(json: &[u8]) -> Result<RequestOptions, Error> {
        let value: Value = serde_json::from_slice(json)
            .map_err(|err| Error::invalid("options", format!("is not valid JSON: {err}")))?;
        RequestOptions::from_value(&value)
    }

    /// The options as a JSON object with snake_case keys, set fields only (the form
    /// [`RequestOptions::from_value`] reads back).
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                map.insert(key.to_string(), value);
            }
        };
        let text = |s: &str| Value::String(s.to_string());
        put("model", self.model.as_deref().map(text));
        put("aspect_ratio", self.aspect_ratio.map(|r| text(r.as_str())));
        put("image_size", self.image_size.map(|s| text(s.as_str())));
        put(
            "response_modalities",
            self.response_modalities
                .as_ref()
                .map(|list| list.iter().map(|m| text(m.as_str())).collect()),
        );
        put(
            "system_instruction",
            self.system_instruction.as_deref().map(text),
        );
        put(
            "safety_settings",
            self.safety_settings.as_ref().map(|list| {
                list.iter()
                    .map(|s| serde_json::json!({"category": s.category, "threshold": s.threshold}))
                    .collect()
            }),
        );
        put("temperature", self.temperature.map(Value::from));
        put("top_p", self.top_p.map(Value::from));
        put("top_k", self.top_k.map(Value::from));
        put("seed", self.seed.map(Value::from));
        put("max_output_tokens", self.max_output_tokens.map(Value::from));
        put(
            "stop_sequences",
            self.stop_sequences
                .as_ref()
                .map(|list| list.iter().map(|s| text(s)).collect()),
        );
        put("candidate_count", self.candidate_count.map(Value::from));
        put(
            "thinking",
            self.thinking.as_ref().map(|t| {
                let mut thinking = Map::new();
                if let Some(v) = t.include_thoughts {
                    thinking.insert("include_thoughts".into(), Value::from(v));
                }
                if let Some(v) = t.thinking_budget {
                    thinking.insert("thinking_budget".into(), Value::from(v));
                }
                if let Some(v) = &t.thinking_level {
                    thinking.insert("thinking_level".into(), text(v));
                }
                Value::Object(thinking)
            }),
        );
        put("extra", self.extra.clone().map(Value::Object));
        Value::Object(map)
    }

    /// Whether no option is set.
    pub fn is_empty(&self) -> bool {
        *self == RequestOptions::default()
    }

    /// These options with every field that `overrides` sets replaced by its value (`extra`
    /// objects merge key by key, the override's keys winning): per-call options over a
    /// chat's or a batch's defaults.
    #[must_use]
    pub fn merged_with(&self, overrides: &RequestOptions) -> RequestOptions {
        fn pick<T: Clone>(base: &Option<T>, over: &Option<T>) -> Option<T> {
            over.clone().or_else(|| base.clone())
        }
        let extra = match (&self.extra, &overrides.extra) {
            (Some(base), Some(over)) => {
                let mut merged = base.clone();
                merged.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
                Some(merged)
            }
            (base, over) => pick(base, over),
        };
        RequestOptions {
            model: pick(&self.model, &overrides.model),
            aspect_ratio: pick(&self.aspect_ratio, &overrides.aspect_ratio),
            image_size: pick(&self.image_size, &overrides.image_size),
            response_modalities: pick(&self.response_modalities, &overrides.response_modalities),
            system_instruction: pick(&self.system_instruction, &overrides.system_instruction),
            safety_settings: pick(&self.safety_settings, &overrides.safety_settings),
            temperature: pick(&self.temperature, &overrides.temperature),
            top_p: pick(&self.top_p, &overrides.top_p),
            top_k: pick(&self.top_k, &overrides.top_k),
            seed: pick(&self.seed, &overrides.seed),
            max_output_tokens: pick(&self.max_output_tokens, &overrides.max_output_tokens),
            stop_sequences: pick(&self.stop_sequences, &overrides.stop_sequences),
            candidate_count: pick(&self.candidate_count, &overrides.candidate_count),
            thinking: pick(&self.thinking, &overrides.thinking),
            extra,
        }
    }

    /// Sets every field these options set on `request` (the model included); `extra` keys
    /// are added to the request's.
    pub fn apply_to(&self, request: &mut GenerateRequest) {
        let config = &mut request.config;
        if let Some(model) = &self.model {
            request.model.clone_from(model);
        }
        if let Some(ratio) = self.aspect_ratio {
            config.aspect_ratio = Some(ratio);
        }
        if let Some(size) = self.image_size {
            config.image_size = Some(size);
        }
        if let Some(modalities) = &self.response_modalities {
            config.response_modalities.clone_from(modalities);
        }
        if let Some(text) = &self.system_instruction {
            request.system_instruction = Some(text.clone());
        }
        if let Some(settings) = &self.safety_settings {
            request.safety_settings.clone_from(settings);
        }
        config.temperature = self.temperature.or(config.temperature);
        config.top_p = self.top_p.or(config.top_p);
        config.top_k = self.top_k.or(config.top_k);
        config.seed = self.seed.or(config.seed);
        config.max_output_tokens = self.max_output_tokens.or(config.max_output_tokens);
        config.candidate_count = self.candidate_count.or(config.candidate_count);
        if let Some(sequences) = &self.stop_sequences {
            config.stop_sequences.clone_from(sequences);
        }
        if let Some(thinking) = &self.thinking {
            config.thinking = Some(thinking.clone());
        }
        if let Some(extra) = &self.extra {
            request
                .extra
                .extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
}

impl Serialize for RequestOptions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for RequestOptions {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        RequestOptions::from_value(&value).map_err(|err| serde::de::Error::custom(err.message()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn both_casings_and_nulls() {
        let snake = RequestOptions::from_value(&json!({
            "aspect_ratio": "16:9", "image_size": "2k", "top_p": 0.5, "max_output_tokens": 100,
            "response_modalities": ["image"], "thinking": {"include_thoughts": true},
            "safety_settings": [{"category": "harm_category_harassment", "threshold": "off"}],
            "seed": null
        }))
        .unwrap();
        let camel = RequestOptions::from_value(&json!({
            "aspectRatio": "16:9", "imageSize": "2K", "topP": 0.5, "maxOutputTokens": 100.0,
            "responseModalities": ["IMAGE"], "thinkingConfig": {"includeThoughts": true},
            "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "OFF"}]
        }))
        .unwrap();
        assert_eq!(snake, camel);
        assert_eq!(snake.seed, None);
        assert_eq!(
            RequestOptions::from_value(&snake.to_value()).unwrap(),
            snake
        );
    }

    #[test]
    fn errors_name_the_key() {
        let field = |v: Value| {
            RequestOptions::from_value(&v)
                .unwrap_err()
                .field()
                .map(String::from)
        };
        assert_eq!(
            field(json!({"aspectRatio": "7:3"})).as_deref(),
            Some("aspect_ratio")
        );
        assert_eq!(field(json!({"bogus": 1})).as_deref(), Some("bogus"));
        assert_eq!(field(json!({"top_k": 1.5})).as_deref(), Some("top_k"));
        assert_eq!(field(json!({"top_k": 1e12})).as_deref(), Some("top_k"));
        assert_eq!(
            field(json!({"thinking": {"budget": 1}})).as_deref(),
            Some("thinking.budget")
        );
        assert_eq!(
            field(json!({"safety_settings": [{"category": "C"}]})).as_deref(),
            Some("safety_settings[0]")
        );
        assert_eq!(
            field(json!({"stop_sequences": ["a", 2]})).as_deref(),
            Some("stop_sequences[1]")
        );
        assert_eq!(field(json!([1])).as_deref(), Some("options"));
        assert!(RequestOptions::from_json(b"{not json").is_err());
    }

    #[test]
    fn merge_and_apply() {
        let base = RequestOptions::from_value(&json!({
            "model": "a", "aspect_ratio": "1:1", "extra": {"x": 1, "y": 1}
        }))
        .unwrap();
        let over = RequestOptions::from_value(&json!({
            "aspect_ratio": "16:9", "extra": {"y": 2}
        }))
        .unwrap();
        let merged = base.merged_with(&over);
        assert_eq!(merged.model.as_deref(), Some("a"));
        assert_eq!(merged.aspect_ratio, Some(AspectRatio::Landscape16x9));
        assert_eq!(merged.extra, json!({"x": 1, "y": 2}).as_object().cloned());
        let request = GenerateRequest::text_to_image("m", "p").with_options(&merged);
        assert_eq!(request.model, "a");
        assert_eq!(request.extra.get("y"), Some(&json!(2)));
        assert!(RequestOptions::default().is_empty());
    }
}
