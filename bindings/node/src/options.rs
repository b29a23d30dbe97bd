//! Request options from JavaScript (a JSON object, camelCase or snake_case keys) applied to
//! a core `GenerateRequest`. Every bad value is `invalid_request` naming its key.
// TODO(frontdoor): replace with `RequestOptions::from_value` when the core lands it.

use gemini_image::{Error, GenerateRequest, Modality, SafetySetting, ThinkingConfig};
use serde_json::{Map, Value};

/// Keys that are not request options (handled by the caller).
const CALL_KEYS: &[&str] = &["prompt", "images", "signal"];

fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn want_str<'a>(field: &str, value: &'a Value) -> Result<&'a str, Error> {
    value
        .as_str()
        .ok_or_else(|| Error::invalid(field, format!("must be a string, got {value}")))
}

fn want_f64(field: &str, value: &Value) -> Result<f64, Error> {
    value
        .as_f64()
        .filter(|v| v.is_finite())
        .ok_or_else(|| Error::invalid(field, format!("must be a finite number, got {value}")))
}

fn want_i64(field: &str, value: &Value) -> Result<i64, Error> {
    value
        .as_i64()
        .or_else(|| {
            value
                .as_f64()
                .filter(|v| v.fract() == 0.0 && v.abs() < 9.0e15)
                .map(|v| v as i64)
        })
        .ok_or_else(|| Error::invalid(field, format!("must be an integer, got {value}")))
}

fn want_i32(field: &str, value: &Value) -> Result<i32, Error> {
    let v = want_i64(field, value)?;
    i32::try_from(v).map_err(|_| Error::invalid(field, format!("is out of range: {v}")))
}

fn want_array<'a>(field: &str, value: &'a Value) -> Result<&'a Vec<Value>, Error> {
    value
        .as_array()
        .ok_or_else(|| Error::invalid(field, format!("must be an array, got {value}")))
}

fn want_object<'a>(field: &str, value: &'a Value) -> Result<&'a Map<String, Value>, Error> {
    value
        .as_object()
        .ok_or_else(|| Error::invalid(field, format!("must be an object, got {value}")))
}

/// Applies every option in `options` (`null` and absent mean unset) to `request`. `model`
/// replaces the request's model.
pub fn apply(request: &mut GenerateRequest, options: &Value) -> Result<(), Error> {
    let Some(map) = options.as_object() else {
        return match options {
            Value::Null => Ok(()),
            other => Err(Error::invalid(
                "options",
                format!("must be an object, got {other}"),
            )),
        };
    };
    for (raw_key, value) in map {
        if value.is_null() || CALL_KEYS.contains(&raw_key.as_str()) {
            continue;
        }
        let key = snake(raw_key);
        let field = key.as_str();
        let config = &mut request.config;
        match field {
            "model" => {
                let model = want_str(field, value)?.trim();
                if model.is_empty() {
                    return Err(Error::invalid(
                        "model",
                        "is blank; pass a model id such as gemini-3.1-flash-image",
                    ));
                }
                request.model = model.to_string();
            }
            "aspect_ratio" => config.aspect_ratio = Some(want_str(field, value)?.parse()?),
            "image_size" => config.image_size = Some(want_str(field, value)?.parse()?),
            "response_modalities" => {
                config.response_modalities = want_array(field, value)?
                    .iter()
                    .map(|m| want_str(field, m)?.parse::<Modality>())
                    .collect::<Result<_, _>>()?;
            }
            "system_instruction" => {
                request.system_instruction = Some(want_str(field, value)?.to_string());
            }
            "safety_settings" => {
                request.safety_settings = want_array(field, value)?
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let name = format!("safety_settings[{i}]");
                        let obj = want_object(&name, s)?;
                        let get = |k: &str| -> Result<String, Error> {
                            let v = obj.get(k).unwrap_or(&Value::Null);
                            Ok(want_str(&format!("{name}.{k}"), v)?.to_string())
                        };
                        Ok(SafetySetting {
                            category: get("category")?,
                            threshold: get("threshold")?,
                        })
                    })
                    .collect::<Result<_, Error>>()?;
            }
            "temperature" => config.temperature = Some(want_f64(field, value)?),
            "top_p" => config.top_p = Some(want_f64(field, value)?),
            "top_k" => config.top_k = Some(want_i32(field, value)?),
            "seed" => config.seed = Some(want_i64(field, value)?),
            "max_output_tokens" => config.max_output_tokens = Some(want_i32(field, value)?),
            "candidate_count" => config.candidate_count = Some(want_i32(field, value)?),
            "stop_sequences" => {
                config.stop_sequences = want_array(field, value)?
                    .iter()
                    .map(|s| want_str(field, s).map(str::to_string))
                    .collect::<Result<_, _>>()?;
            }
            "thinking" => {
                let obj = want_object(field, value)?;
                let mut thinking = ThinkingConfig::default();
                for (k, v) in obj {
                    if v.is_null() {
                        continue;
                    }
                    let name = format!("thinking.{}", snake(k));
                    match snake(k).as_str() {
                        "include_thoughts" => {
                            thinking.include_thoughts = Some(v.as_bool().ok_or_else(|| {
                                Error::invalid(&name, format!("must be a boolean, got {v}"))
                            })?);
                        }
                        "thinking_budget" => thinking.thinking_budget = Some(want_i32(&name, v)?),
                        "thinking_level" => {
                            thinking.thinking_level = Some(want_str(&name, v)?.to_string());
                        }
                        _ => {
                            return Err(Error::invalid(
                                name,
                                "is not a thinking option; use includeThoughts, thinkingBudget or thinkingLevel",
                            ));
                        }
                    }
                }
                config.thinking = Some(thinking);
            }
            "extra" => request.extra = want_object(field, value)?.clone(),
            _ => {
                return Err(Error::invalid(
                    raw_key.as_str(),
                    "is not a known option; see the GenerateOptions type for the accepted names",
                ));
            }
        }
    }
    Ok(())
}
