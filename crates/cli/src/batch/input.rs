//! The batch input file: one JSON object (or prompt) per line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gemini_image::{default_stem, sanitize_id, slug};
use gemini_image_core::model::capabilities;
use gemini_image_core::{
    AspectRatio, Error, GenerateRequest, ImageSize, REQUEST_OPTION_KEYS, RequestOptions,
};
use serde_json::{Map, Value};

use crate::errors::CliError;

/// At most this many bad lines are listed (the count says how many more there are).
const MAX_LISTED_ERRORS: usize = 20;

/// A parsed input: the items and warnings about them (defaults not applied, sizes dropped).
#[derive(Debug, Default)]
pub struct Parsed {
    /// The items, in input order.
    pub items: Vec<Item>,
    /// Human warnings to print before the run.
    pub warnings: Vec<String>,
}

/// What is wrong with one line, and what to do.
#[derive(Debug, Clone, PartialEq)]
struct LineError {
    message: String,
    hint: Option<String>,
}

impl LineError {
    fn new(message: impl Into<String>) -> LineError {
        LineError {
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> LineError {
        self.hint = Some(hint.into());
        self
    }
}

impl From<String> for LineError {
    fn from(message: String) -> LineError {
        LineError::new(message)
    }
}

const JSON_HINT: &str = "each line must be a JSON object like {\"prompt\": \"a red fox\", \"id\": \"fox\"} (or a plain prompt)";

/// One unit of work.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// 1-based line number in the input.
    pub line: usize,
    /// The id (given, or derived from the prompt and options).
    pub id: String,
    /// The file-name stem for this item's images.
    pub stem: String,
    /// The prompt.
    pub prompt: String,
    /// Input images (resolved paths).
    pub images: Vec<PathBuf>,
    /// The request options (the line's, with the model resolved and the command's
    /// `--aspect-ratio`/`--image-size` where the line has none and the model accepts them).
    pub options: RequestOptions,
    /// The model (line, else the command's).
    pub model: String,
    /// Whether the id was given on the line (else derived).
    pub explicit_id: bool,
}

/// Defaults a line can override.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// The command's model.
    pub model: String,
    /// `--aspect-ratio`.
    pub aspect_ratio: Option<AspectRatio>,
    /// `--image-size`.
    pub image_size: Option<ImageSize>,
    /// Relative image paths are resolved against this directory (the input file's).
    pub base_dir: PathBuf,
}

/// Parses and checks the whole input before any work starts: every bad line is reported
/// (up to [`MAX_LISTED_ERRORS`] listed), each with its line number and a specific hint.
pub fn parse(text: &str, defaults: &Defaults) -> Result<Parsed, CliError> {
    let mut parsed = Parsed::default();
    let mut errors: Vec<(usize, LineError)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match parse_line(trimmed, line, defaults, &mut parsed.warnings) {
            Ok(item) => parsed.items.push(item),
            Err(error) => errors.push((line, error)),
        }
    }
    if errors.is_empty() {
        if let Err((line, error)) = assign_ids(&mut parsed.items) {
            errors.push((line, error));
        }
    }
    if errors.is_empty() {
        return Ok(parsed);
    }
    Err(report(&errors))
}

/// One usage error listing the bad lines.
fn report(errors: &[(usize, LineError)]) -> CliError {
    if let [(line, error)] = errors {
        return CliError::usage(
            format!("line {line}: {}", error.message),
            Some(
                error
                    .hint
                    .clone()
                    .unwrap_or_else(|| format!("{JSON_HINT}; fix the line and run again")),
            ),
        );
    }
    let mut message = format!("{} bad lines (nothing was sent):", errors.len());
    for (line, error) in errors.iter().take(MAX_LISTED_ERRORS) {
        message.push_str(&format!("\n  line {line}: {}", error.message));
        if let Some(hint) = &error.hint {
            message.push_str(&format!(" ({hint})"));
        }
    }
    if errors.len() > MAX_LISTED_ERRORS {
        message.push_str(&format!(
            "\n  ... and {} more",
            errors.len() - MAX_LISTED_ERRORS
        ));
    }
    let hint = if errors.iter().all(|(_, e)| e.hint.is_none()) {
        format!("{JSON_HINT}; fix the lines and run again")
    } else {
        "fix the lines listed and run again".to_string()
    };
    CliError::usage(message, Some(hint))
}

/// The keys a line may have besides the request options (which
/// [`RequestOptions::from_value`] reads: `model`, `aspect_ratio`, `image_size`,
/// `system_instruction`, `temperature`, `thinking`, … in snake_case or camelCase).
const LINE_KEYS: &[&str] = &["prompt", "id", "images", "image"];

fn parse_line(
    text: &str,
    line: usize,
    defaults: &Defaults,
    warnings: &mut Vec<String>,
) -> Result<Item, LineError> {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(err) if text.starts_with(['{', '[', '"']) => {
            return Err(LineError::new(format!("invalid JSON: {err}")).hint(JSON_HINT));
        }
        // Plain text: the whole line is the prompt.
        Err(_) => Value::String(text.to_string()),
    };
    let mut object = match value {
        Value::Object(object) => object,
        Value::String(prompt) => {
            let mut object = Map::new();
            object.insert("prompt".into(), Value::String(prompt));
            object
        }
        other => {
            return Err(LineError::new(format!(
                "expected a JSON object or a prompt string, got {}",
                json_type(&other)
            ))
            .hint(JSON_HINT));
        }
    };
    // The line's own keys; everything else is a request option.
    let prompt_value = object.remove("prompt");
    let id = match object.remove("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if !id.trim().is_empty() => Some(id.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(LineError::new(format!(
                "field \"id\" must be a non-empty string or a number, got {}",
                json_type(&other)
            )));
        }
    };
    let images_value = match (object.remove("images"), object.remove("image")) {
        (Some(images), _) => Some(images),
        (None, image) => image,
    };
    let images = match images_value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(path)) => vec![path],
        Some(Value::Array(paths)) => paths
            .into_iter()
            .map(|p| match p {
                Value::String(path) if !path.trim().is_empty() => Ok(path),
                other => Err(format!(
                    "field \"images\" must list file paths (strings), got {}",
                    json_type(&other)
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(LineError::new(format!(
                "field \"images\" must be an array of file paths, got {}",
                json_type(&other)
            )));
        }
    };
    let images: Vec<PathBuf> = images
        .iter()
        .map(|p| resolve(&defaults.base_dir, Path::new(p)))
        .collect();
    for (index, path) in images.iter().enumerate() {
        if !path.is_file() {
            let why = if path.is_dir() {
                "is a directory"
            } else {
                "no such file"
            };
            return Err(
                LineError::new(format!("images[{index}] {}: {why}", path.display())).hint(
                    format!(
                        "check the path on line {line}; relative paths are resolved against the prompts file's directory{}",
                        if defaults.base_dir.as_os_str().is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", defaults.base_dir.display())
                        }
                    ),
                ),
            );
        }
    }
    let mut options = RequestOptions::from_value(&Value::Object(object)).map_err(|err| {
        let field = err.field().unwrap_or("options").to_string();
        let message = match &err {
            Error::InvalidRequest { message, .. } => message.clone(),
            other => other.to_string(),
        };
        LineError::new(format!("{field}: {message}")).hint(format!(
            "a line's keys are {} and the request options ({}); fix {field} on line {line}",
            LINE_KEYS.join(", "),
            REQUEST_OPTION_KEYS.join(", ")
        ))
    })?;
    // Checked after the options, so that a misspelt key ("promt") is named as such.
    let prompt =
        match prompt_value {
            Some(Value::String(p)) if !p.trim().is_empty() => p,
            Some(Value::String(_)) => {
                return Err(LineError::new("field \"prompt\" is empty")
                    .hint("describe the image to generate"));
            }
            Some(other) => {
                return Err(LineError::new(format!(
                    "field \"prompt\" must be a string, got {}",
                    json_type(&other)
                )));
            }
            None => {
                return Err(LineError::new("missing field \"prompt\"")
                    .hint("add \"prompt\": \"what to draw\""));
            }
        };
    let model = match options.model.as_deref().map(str::trim) {
        Some(model) if !model.is_empty() => model.to_string(),
        Some(_) => return Err(LineError::new("field \"model\" is empty")),
        None => defaults.model.clone(),
    };
    options.model = Some(model.clone());
    let caps = capabilities(&model);
    // A default from the command line applies only where the line's model accepts it.
    if options.aspect_ratio.is_none() {
        options.aspect_ratio = defaults
            .aspect_ratio
            .filter(|r| caps.is_none_or(|c| c.accepts_aspect_ratio(*r)));
    }
    match (options.image_size, caps) {
        // A size on a model without sizes (gemini-2.5, which ignores it) is dropped.
        (Some(size), Some(caps)) if caps.image_sizes.is_empty() => {
            warnings.push(format!(
                "line {line}: {model} has no image size (it always returns about 1024 px): ignoring image_size {size}"
            ));
            options.image_size = None;
        }
        (Some(_), _) => {}
        (None, _) => {
            options.image_size = defaults
                .image_size
                .filter(|s| caps.is_none_or(|c| c.accepts_image_size(*s)));
        }
    }
    // Model-dependent checks (ratio and size per model, model id, option ranges), before
    // any request.
    let probe =
        GenerateRequest::text_to_image(model.clone(), prompt.clone()).with_options(&options);
    if let Err(err) = probe.validate() {
        let field = err.field().unwrap_or("request").to_string();
        let message = match &err {
            Error::InvalidRequest { message, .. } => message.clone(),
            other => other.to_string(),
        };
        return Err(LineError::new(format!("{field}: {message}")).hint(format!(
            "fix {field} on line {line}, or drop it to use the default"
        )));
    }
    let id_missing = id.is_none();
    let (id, stem) = match id {
        Some(id) => {
            let stem = sanitize_id(&id);
            (id, stem)
        }
        None => (String::new(), String::new()),
    };
    let mut item = Item {
        line,
        id,
        stem,
        prompt,
        images,
        options,
        model,
        explicit_id: !id_missing,
    };
    if item.id.is_empty() {
        item.id = default_id(&item);
        item.stem = item.id.clone();
    }
    Ok(item)
}

fn resolve(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() || base.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `slug-hash` of the prompt and options: stable across re-runs and line moves.
fn default_id(item: &Item) -> String {
    let ratio = item
        .options
        .aspect_ratio
        .as_ref()
        .map(|r| r.as_str())
        .unwrap_or("");
    let size = item
        .options
        .image_size
        .as_ref()
        .map(|s| s.as_str())
        .unwrap_or("");
    let images: Vec<String> = item
        .images
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let images = images.join("\n");
    let stem = default_stem(
        &item.prompt,
        &[
            item.model.as_bytes(),
            ratio.as_bytes(),
            size.as_bytes(),
            images.as_bytes(),
        ],
    );
    // Keep ids short: the slug part of default_stem is up to 48 characters.
    let (slug_part, hash) = stem.rsplit_once('-').unwrap_or((&stem, ""));
    format!("{}-{hash}", slug(slug_part, 40))
}

/// Explicit ids must be unique; repeated derived ids (the same prompt twice) get `-2`, `-3`.
fn assign_ids(items: &mut [Item]) -> Result<(), (usize, LineError)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut stems: HashMap<String, usize> = HashMap::new();
    for item in items.iter_mut() {
        if let Some(first) = seen.get(&item.id) {
            if item.explicit_id {
                return Err((
                    item.line,
                    LineError::new(format!("id {:?} is already used on line {first}", item.id))
                        .hint("give every line a unique \"id\""),
                ));
            }
            let mut n = 2;
            while seen.contains_key(&format!("{}-{n}", item.id)) {
                n += 1;
            }
            item.id = format!("{}-{n}", item.id);
            item.stem = item.id.clone();
        }
        if let Some(first) = stems.get(&item.stem.to_ascii_lowercase()) {
            return Err((
                item.line,
                LineError::new(format!(
                    "id {:?} gives the same file name as the id on line {first}",
                    item.id
                ))
                .hint("use ids that differ in more than punctuation or case"),
            ));
        }
        seen.insert(item.id.clone(), item.line);
        stems.insert(item.stem.to_ascii_lowercase(), item.line);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            model: "gemini-2.5-flash-image".into(),
            aspect_ratio: None,
            image_size: None,
            base_dir: PathBuf::new(),
        }
    }

    #[test]
    fn parses_lines() {
        let text = "\n# comment\n{\"prompt\":\"a cat\",\"id\":\"cat\",\"aspect_ratio\":\"16:9\"}\n\"a dog\"\na plain fox\n{\"prompt\":\"x\",\"model\":\"gemini-3-pro-image-preview\",\"image_size\":\"2K\"}\n";
        let items = parse(text, &defaults()).unwrap().items;
        assert_eq!(items.len(), 4);
        assert_eq!(items[0].id, "cat");
        assert_eq!(items[0].line, 3);
        assert_eq!(
            items[0].options.aspect_ratio,
            Some(AspectRatio::Landscape16x9)
        );
        assert_eq!(items[1].prompt, "a dog");
        assert!(items[1].id.starts_with("a-dog-"));
        assert_eq!(items[2].prompt, "a plain fox");
        assert_eq!(items[3].options.image_size, Some(ImageSize::Size2K));
    }

    #[test]
    fn duplicates() {
        let items = parse("a cat\na cat\n", &defaults()).unwrap().items;
        assert_eq!(items[1].id, format!("{}-2", items[0].id));
        let err = parse(
            "{\"prompt\":\"a\",\"id\":\"x\"}\n{\"prompt\":\"b\",\"id\":\"x\"}",
            &defaults(),
        )
        .unwrap_err();
        assert!(err.message.contains("line 2") && err.message.contains("line 1"));
    }

    #[test]
    fn errors_name_the_line() {
        for (text, needle) in [
            (
                "{\"prompt\": 3}",
                "line 1: field \"prompt\" must be a string",
            ),
            (
                "ok\n{\"promt\": \"x\"}",
                "line 2: promt: is not a known option",
            ),
            ("{\"id\": \"x\"}", "line 1: missing field \"prompt\""),
            (
                "{\"prompt\":\"x\",\"colour\":\"red\"}",
                "line 1: colour: is not a known option",
            ),
            (
                "{\"prompt\":\"x\",\"temperature\":\"hot\"}",
                "line 1: temperature:",
            ),
            ("{\"prompt\": \"x\"", "line 1: invalid JSON"),
            ("42", "line 1: expected a JSON object"),
            (
                "{\"prompt\":\"x\",\"image_size\":\"8K\"}",
                "line 1: image_size",
            ),
            (
                "{\"prompt\":\"x\",\"images\":[\"/nonexistent/a.png\"]}",
                "line 1: images[0]",
            ),
            ("{\"prompt\":\"\"}", "line 1: field \"prompt\" is empty"),
        ] {
            let err = parse(text, &defaults()).unwrap_err();
            assert_eq!(err.code, 2);
            assert!(err.message.contains(needle), "{text}: {}", err.message);
        }
    }

    #[test]
    fn every_bad_line_is_reported_with_its_hint() {
        let mut text = String::from(
            "ok\n{\"prompt\": 3}\n{\"prompt\":\"x\",\"images\":[\"/nonexistent/a.png\"]}\n",
        );
        for _ in 0..30 {
            text.push_str("{bad\n");
        }
        let err = parse(&text, &defaults()).unwrap_err();
        assert_eq!(err.code, 2);
        assert!(err.message.starts_with("32 bad lines"), "{}", err.message);
        assert!(
            err.message.contains("line 2: field \"prompt\""),
            "{}",
            err.message
        );
        assert!(
            err.message.contains(
                "line 3: images[0] /nonexistent/a.png: no such file (check the path on line 3"
            ),
            "{}",
            err.message
        );
        assert!(err.message.contains("... and 12 more"), "{}", err.message);
    }

    #[test]
    fn every_request_option_in_either_casing() {
        let text = "{\"prompt\":\"x\",\"aspectRatio\":\"16:9\",\"system_instruction\":\"be brief\",\"temperature\":0.5,\"thinkingConfig\":{\"includeThoughts\":true}}";
        let items = parse(text, &defaults()).unwrap().items;
        let options = &items[0].options;
        assert_eq!(options.aspect_ratio, Some(AspectRatio::Landscape16x9));
        assert_eq!(options.system_instruction.as_deref(), Some("be brief"));
        assert_eq!(options.temperature, Some(0.5));
        assert_eq!(
            options.thinking.as_ref().and_then(|t| t.include_thoughts),
            Some(true)
        );
        assert_eq!(options.model.as_deref(), Some("gemini-2.5-flash-image"));
    }

    #[test]
    fn sizes_follow_the_line_model() {
        let defaults = Defaults {
            image_size: Some(ImageSize::Size2K),
            aspect_ratio: Some(AspectRatio::Landscape8x1),
            ..defaults()
        };
        let text = "a\n{\"prompt\":\"b\",\"model\":\"gemini-3.1-flash-image\"}\n{\"prompt\":\"c\",\"image_size\":\"1K\"}\n";
        let parsed = parse(text, &defaults).unwrap();
        // gemini-2.5 (the default here) takes neither default; 3.1 takes both.
        assert_eq!(parsed.items[0].options.image_size, None);
        assert_eq!(parsed.items[0].options.aspect_ratio, None);
        assert_eq!(parsed.items[1].options.image_size, Some(ImageSize::Size2K));
        assert_eq!(
            parsed.items[1].options.aspect_ratio,
            Some(AspectRatio::Landscape8x1)
        );
        // A size on a 2.5 line is dropped with a warning.
        assert_eq!(parsed.items[2].options.image_size, None);
        assert_eq!(parsed.warnings.len(), 1);
        assert!(
            parsed.warnings[0].contains("line 3"),
            "{:?}",
            parsed.warnings
        );
    }
}
