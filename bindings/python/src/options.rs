//! Request options from the Python keyword arguments (sent over as one JSON object with
//! snake_case keys).
//!
//! TEMPORARY: this is the binding-side conversion until the core's
//! `RequestOptions::from_value` lands (FRONTDOOR.md, "Request options"); then this file
//! shrinks to a call to it.

use gemini_image::{
    AspectRatio, Error, GenerateRequest, ImageSize, Modality, SafetySetting, ThinkingConfig,
};
use serde_json::Value;

fn string(field: &str, value: &Value) -> Result<String, Error> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| Error::invalid(field, "must be a string"))
}

fn float(field: &str, value: &Value) -> Result<f64, Error> {
    value
        .as_f64()
        .ok_or_else(|| Error::invalid(field, "must be a number"))
}

fn int32(field: &str, value: &Value) -> Result<i32, Error> {
    value
        .as_i64()
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| Error::invalid(field, "must be an integer"))
}

fn strings(field: &str, value: &Value) -> Result<Vec<String>, Error> {
    let list = value
        .as_array()
        .ok_or_else(|| Error::invalid(field, "must be a list of strings"))?;
    list.iter()
        .enumerate()
        .map(|(i, v)| string(&format!("{field}[{i}]"), v))
        .collect()
}

/// Applies the options in `json` (an object; `null` values are unset) to `request`.
pub(crate) fn apply_json(request: &mut GenerateRequest, json: &str) -> Result<(), Error> {
    let value: Value = serde_json::from_str(json)
        .map_err(|err| Error::invalid("options", format!("not valid JSON: {err}")))?;
    apply(request, &value)
}

/// Applies the options object `value` to `request`.
pub(crate) fn apply(request: &mut GenerateRequest, value: &Value) -> Result<(), Error> {
    let Some(object) = value.as_object() else {
        return Err(Error::invalid(
            "options",
            "must be a mapping of option names",
        ));
    };
    for (key, value) in object {
        if value.is_null() {
            continue;
        }
        let key = key.as_str();
        let config = &mut request.config;
        match key {
            "aspect_ratio" => {
                config.aspect_ratio = Some(string(key, value)?.parse::<AspectRatio>()?)
            }
            "image_size" => config.image_size = Some(string(key, value)?.parse::<ImageSize>()?),
            "response_modalities" => {
                config.response_modalities = strings(key, value)?
                    .iter()
                    .map(|m| m.parse::<Modality>())
                    .collect::<Result<_, _>>()?;
            }
            "system_instruction" => request.system_instruction = Some(string(key, value)?),
            "safety_settings" => {
                let list = value.as_array().ok_or_else(|| {
                    Error::invalid(key, "must be a list of {category, threshold}")
                })?;
                request.safety_settings = list
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let get = |name: &str| {
                            let field = format!("safety_settings[{i}].{name}");
                            string(&field, s.get(name).unwrap_or(&Value::Null))
                        };
                        Ok(SafetySetting {
                            category: get("category")?,
                            threshold: get("threshold")?,
                        })
                    })
                    .collect::<Result<_, Error>>()?;
            }
            "temperature" => config.temperature = Some(float(key, value)?),
            "top_p" => config.top_p = Some(float(key, value)?),
            "top_k" => config.top_k = Some(int32(key, value)?),
            "seed" => {
                config.seed = Some(
                    value
                        .as_i64()
                        .ok_or_else(|| Error::invalid(key, "must be an integer"))?,
                );
            }
            "max_output_tokens" => config.max_output_tokens = Some(int32(key, value)?),
            "candidate_count" => config.candidate_count = Some(int32(key, value)?),
            "stop_sequences" => config.stop_sequences = strings(key, value)?,
            "thinking" => {
                let object = value.as_object().ok_or_else(|| {
                    Error::invalid(
                        key,
                        "must be a mapping with include_thoughts, thinking_budget, thinking_level",
                    )
                })?;
                let mut thinking = ThinkingConfig::default();
                for (name, v) in object {
                    if v.is_null() {
                        continue;
                    }
                    let field = format!("thinking.{name}");
                    match name.as_str() {
                        "include_thoughts" => {
                            thinking.include_thoughts =
                                Some(v.as_bool().ok_or_else(|| {
                                    Error::invalid(&field, "must be True or False")
                                })?);
                        }
                        "thinking_budget" => thinking.thinking_budget = Some(int32(&field, v)?),
                        "thinking_level" => thinking.thinking_level = Some(string(&field, v)?),
                        _ => {
                            return Err(Error::invalid(
                                field,
                                "is not a thinking option; use include_thoughts, thinking_budget or thinking_level",
                            ));
                        }
                    }
                }
                config.thinking = Some(thinking);
            }
            "extra" => {
                let object = value.as_object().ok_or_else(|| {
                    Error::invalid(key, "must be a mapping of raw JSON request fields")
                })?;
                for (name, v) in object {
                    request.extra.insert(name.clone(), v.clone());
                }
            }
            _ => {
                return Err(Error::invalid(
                    key,
                    "is not a known option; see help(gemini_image.Client.generate) (raw request fields go in extra={...})",
                ));
            }
        }
    }
    Ok(())
}
