//! The batch input file: one JSON object (or prompt) per line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gemini_image_core::{AspectRatio, GenerateRequest, ImageSize};
use serde_json::{Map, Value};

use crate::errors::{CliError, flag_for_field};
use crate::output::{default_stem, slug};

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
    /// Aspect ratio, if any (line, else `--aspect-ratio`).
    pub aspect_ratio: Option<AspectRatio>,
    /// Image size, if any (line, else `--image-size`).
    pub image_size: Option<ImageSize>,
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

const KNOWN_KEYS: &[&str] = &[
    "prompt",
    "id",
    "images",
    "image",
    "aspect_ratio",
    "aspectRatio",
    "image_size",
    "imageSize",
    "model",
];

/// Parses and checks the whole input before any work starts. Errors name the line.
pub fn parse(text: &str, defaults: &Defaults) -> Result<Vec<Item>, CliError> {
    let mut items = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let item = parse_line(trimmed, line, defaults).map_err(|message| {
            CliError::usage(
                format!("line {line}: {message}"),
                Some(
                    "each line must be a JSON object like {\"prompt\": \"a red fox\", \"id\": \"fox\"} (or a plain prompt); fix the line and run again"
                        .to_string(),
                ),
            )
        })?;
        items.push(item);
    }
    assign_ids(&mut items)?;
    Ok(items)
}

fn parse_line(text: &str, line: usize, defaults: &Defaults) -> Result<Item, String> {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(err) if text.starts_with(['{', '[', '"']) => {
            return Err(format!("invalid JSON: {err}"));
        }
        // Plain text: the whole line is the prompt.
        Err(_) => Value::String(text.to_string()),
    };
    let object = match value {
        Value::Object(object) => object,
        Value::String(prompt) => {
            let mut object = Map::new();
            object.insert("prompt".into(), Value::String(prompt));
            object
        }
        other => {
            return Err(format!(
                "expected a JSON object or a prompt string, got {}",
                json_type(&other)
            ));
        }
    };
    if let Some(unknown) = object.keys().find(|k| !KNOWN_KEYS.contains(&k.as_str())) {
        return Err(format!(
            "unknown field {unknown:?}; known fields: prompt, id, images, aspect_ratio, image_size, model"
        ));
    }
    let prompt = match object.get("prompt") {
        Some(Value::String(p)) if !p.trim().is_empty() => p.clone(),
        Some(Value::String(_)) => return Err("field \"prompt\" is empty".to_string()),
        Some(other) => {
            return Err(format!(
                "field \"prompt\" must be a string, got {}",
                json_type(other)
            ));
        }
        None => return Err("missing field \"prompt\"".to_string()),
    };
    let id = match object.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if !id.trim().is_empty() => Some(id.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(format!(
                "field \"id\" must be a non-empty string or a number, got {}",
                json_type(other)
            ));
        }
    };
    let images = match object.get("images").or_else(|| object.get("image")) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(path)) => vec![path.clone()],
        Some(Value::Array(paths)) => paths
            .iter()
            .map(|p| match p {
                Value::String(path) if !path.trim().is_empty() => Ok(path.clone()),
                other => Err(format!(
                    "field \"images\" must list file paths (strings), got {}",
                    json_type(other)
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(format!(
                "field \"images\" must be an array of file paths, got {}",
                json_type(other)
            ));
        }
    };
    let images: Vec<PathBuf> = images
        .iter()
        .map(|p| resolve(&defaults.base_dir, Path::new(p)))
        .collect();
    for (index, path) in images.iter().enumerate() {
        if !path.is_file() {
            return Err(format!("images[{index}] {}: no such file", path.display()));
        }
    }
    let string_field = |names: [&str; 2]| -> Result<Option<String>, String> {
        match names.iter().find_map(|n| object.get(*n)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!(
                "field \"{}\" must be a string, got {}",
                names[0],
                json_type(other)
            )),
        }
    };
    let aspect_ratio = match string_field(["aspect_ratio", "aspectRatio"])? {
        Some(text) => Some(text.parse::<AspectRatio>().map_err(|e| e.message())?),
        None => defaults.aspect_ratio,
    };
    let image_size = match string_field(["image_size", "imageSize"])? {
        Some(text) => Some(text.parse::<ImageSize>().map_err(|e| e.message())?),
        None => defaults.image_size,
    };
    let model = match string_field(["model", "model"])? {
        Some(model) if !model.trim().is_empty() => model.trim().to_string(),
        Some(_) => return Err("field \"model\" is empty".to_string()),
        None => defaults.model.clone(),
    };
    // Model-dependent checks (ratio and size per model, model id), before any request.
    let mut probe = GenerateRequest::text_to_image(model.clone(), prompt.clone());
    probe.config.aspect_ratio = aspect_ratio;
    probe.config.image_size = image_size;
    if let Err(err) = probe.validate() {
        let field = err.field().unwrap_or("request");
        let message = match &err {
            gemini_image_core::Error::InvalidRequest { message, .. } => message.clone(),
            other => other.to_string(),
        };
        let field = flag_for_field(field)
            .trim_start_matches("--")
            .replace('-', "_");
        let field = field.split(' ').next().unwrap_or("request").to_string();
        return Err(format!("{field}: {message}"));
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
        aspect_ratio,
        image_size,
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
    let ratio = item.aspect_ratio.map(|r| r.as_str()).unwrap_or("");
    let size = item.image_size.map(|s| s.as_str()).unwrap_or("");
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

/// A file-name-safe version of an id.
pub fn sanitize_id(id: &str) -> String {
    let mut out: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    while out.starts_with('.') {
        out.replace_range(..1, "_");
    }
    out.truncate(100);
    if out.is_empty() {
        "item".to_string()
    } else {
        out
    }
}

/// Explicit ids must be unique; repeated derived ids (the same prompt twice) get `-2`, `-3`.
fn assign_ids(items: &mut [Item]) -> Result<(), CliError> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut stems: HashMap<String, usize> = HashMap::new();
    for item in items.iter_mut() {
        if let Some(first) = seen.get(&item.id) {
            if item.explicit_id {
                return Err(CliError::usage(
                    format!(
                        "line {}: id {:?} is already used on line {first}",
                        item.line, item.id
                    ),
                    Some("give every line a unique \"id\"".to_string()),
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
            return Err(CliError::usage(
                format!(
                    "line {}: id {:?} gives the same file name as the id on line {first}",
                    item.line, item.id
                ),
                Some("use ids that differ in more than punctuation or case".to_string()),
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
        let items = parse(text, &defaults()).unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(items[0].id, "cat");
        assert_eq!(items[0].line, 3);
        assert_eq!(items[0].aspect_ratio, Some(AspectRatio::Landscape16x9));
        assert_eq!(items[1].prompt, "a dog");
        assert!(items[1].id.starts_with("a-dog-"));
        assert_eq!(items[2].prompt, "a plain fox");
        assert_eq!(items[3].image_size, Some(ImageSize::Size2K));
    }

    #[test]
    fn duplicates() {
        let items = parse("a cat\na cat\n", &defaults()).unwrap();
        assert_eq!(items[1].id, format!("{}-2", items[0].id));
        let err = parse(
            "{\"prompt\":\"a\",\"id\":\"x\"}\n{\"prompt\":\"b\",\"id\":\"x\"}",
            &defaults(),
        )
        .unwrap_err();
        assert!(err.message.contains("line 2") && err.message.contains("line 1"));
        assert_eq!(sanitize_id("../a b"), "_._a_b");
    }

    #[test]
    fn errors_name_the_line() {
        for (text, needle) in [
            (
                "{\"prompt\": 3}",
                "line 1: field \"prompt\" must be a string",
            ),
            ("ok\n{\"promt\": \"x\"}", "line 2: unknown field \"promt\""),
            ("{\"prompt\": \"x\"", "line 1: invalid JSON"),
            ("42", "line 1: expected a JSON object"),
            (
                "{\"prompt\":\"x\",\"image_size\":\"8K\"}",
                "line 1: image_size",
            ),
            (
                "{\"prompt\":\"x\",\"image_size\":\"2K\"}",
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
}
