//! # gemini-image-conformance
//!
//! Loads the shared test vectors in `tests/fixtures/cases` (schema:
//! `tests/fixtures/README.md`) and checks `gemini-image-core` against them.
//!
//! The pieces are public so that other runners reuse them:
//!
//! * [`load_cases`] reads and schema-checks every case; [`Case`] is one of them, with its
//!   canned HTTP responses already rendered to bytes ([`CannedResponse`]).
//! * [`build_request_for`] turns a case's `input` into the core's [`GenerateRequest`],
//!   [`Endpoint`] and [`ApiKey`] ([`BuiltRequest`]).
//! * [`check_request`] compares what a client sent ([`ObservedRequest`]) with
//!   `expect_request`; [`check_outcome`] compares what it returned ([`Outcome`]) with
//!   `expect` / `expect_error`.
//! * [`run_sans_io`] runs one case entirely in memory: build the request, walk the canned
//!   responses with the default [`RetryPolicy`] (jitter 0, no sleeping), parse, stream
//!   through [`StreamParser`], converse through [`Conversation`].
//!
//! An end-to-end runner serves [`Case::responses`] from a loopback server, points a real
//! client at it (`base_url` of the server), and feeds what the server recorded and what the
//! client returned to [`check_request`] (with [`UrlMatch::PathAndQuery`]) and
//! [`check_outcome`].
//!
//! Every check returns a list of human-readable problems; an empty list means the case
//! passed.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use gemini_image_core::base64;
use gemini_image_core::{
    ApiKey, Blob, Call, Conversation, Endpoint, Error, GenerateRequest, GenerateResponse,
    HttpRequest, Part, REQUEST_OPTION_KEYS, RequestOptions, RetryDecision, RetryPolicy,
    StreamEvent, StreamParser, build_http_request, parse_response,
};
use serde_json::{Map, Value};

/// The API key every case uses unless it says otherwise.
pub const DEFAULT_API_KEY: &str = "test-key";

/// How many bytes at a time the sans-IO runner feeds a stream body to the parser (small, so
/// that chunk boundaries fall inside events and events before an error are observed).
pub const STREAM_PIECE: usize = 7;

/// The environment variable that overrides [`cases_dir`] (e.g. for a packaged runner).
pub const CASES_DIR_ENV: &str = "GEMINI_IMAGE_CASES_DIR";

/// The directory holding the cases: `$GEMINI_IMAGE_CASES_DIR` if set, else
/// `tests/fixtures/cases` of this repository.
pub fn cases_dir() -> PathBuf {
    match std::env::var_os(CASES_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("fixtures")
            .join("cases"),
    }
}

/// What a case exercises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `generateContent`, high-level `generate` (a 200 without image is `no_image`).
    Generate,
    /// `streamGenerateContent?alt=sse`, collected.
    Stream,
    /// A multi-turn conversation (`turns`).
    Conversation,
}

impl Operation {
    /// The name used in the case files.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Generate => "generate",
            Operation::Stream => "stream",
            Operation::Conversation => "conversation",
        }
    }

    /// The RPC the operation calls.
    pub fn call(self) -> Call {
        match self {
            Operation::Stream => Call::Stream,
            Operation::Generate | Operation::Conversation => Call::Generate,
        }
    }
}

/// One canned HTTP response, rendered to the bytes a server sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CannedResponse {
    /// The HTTP status.
    pub status: u16,
    /// Header names and values, as listed in the case.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte (`json` compact, `body_text` verbatim, `sse` rendered).
    pub body: Vec<u8>,
    /// Whether the body was given as `sse` events.
    pub is_sse: bool,
}

/// One turn of a `conversation` case.
#[derive(Clone, Debug)]
pub struct Turn {
    /// The turn's `input` (`prompt`, `images`).
    pub input: Value,
    /// The exact request of this turn (the full history).
    pub expect_request: Option<Value>,
    /// The canned responses of this turn.
    pub responses: Vec<CannedResponse>,
    /// Expected success data.
    pub expect: Option<Value>,
    /// Expected error.
    pub expect_error: Option<Value>,
}

/// The conversation part of a case.
#[derive(Clone, Debug)]
pub struct ConversationSpec {
    /// The model of every turn.
    pub model: String,
    /// The API key (default [`DEFAULT_API_KEY`]).
    pub api_key: String,
    /// Input options applied to every turn (an object; may be empty).
    pub config: Value,
    /// The turns, in order.
    pub turns: Vec<Turn>,
}

/// One test vector.
#[derive(Clone, Debug)]
pub struct Case {
    /// The id (the path below `cases/` without `.json`).
    pub id: String,
    /// The file it came from.
    pub path: PathBuf,
    /// One line: what the case pins down.
    pub description: String,
    /// What it exercises.
    pub operation: Operation,
    /// The request options (`Value::Null` for conversations).
    pub input: Value,
    /// The exact wire request (absent when validation fails).
    pub expect_request: Option<Value>,
    /// Canned responses, one per attempt.
    pub responses: Vec<CannedResponse>,
    /// Expected success data.
    pub expect: Option<Value>,
    /// Expected error.
    pub expect_error: Option<Value>,
    /// For `conversation` cases.
    pub conversation: Option<ConversationSpec>,
    /// The whole file.
    pub raw: Value,
}

const CASE_KEYS: &[&str] = &[
    "id",
    "description",
    "operation",
    "input",
    "expect_request",
    "responses",
    "expect",
    "expect_error",
    "turns",
    "model",
    "api_key",
    "config",
];
/// A key a case's `input` may have: a request option, or one of the others.
fn is_input_key(key: &str) -> bool {
    REQUEST_OPTION_KEYS.contains(&key) || NON_OPTION_INPUT_KEYS.contains(&key)
}
const TURN_KEYS: &[&str] = &[
    "input",
    "expect_request",
    "responses",
    "expect",
    "expect_error",
];
const TURN_INPUT_KEYS: &[&str] = &["prompt", "images"];
const EXPECT_KEYS: &[&str] = &[
    "images",
    "thought_images",
    "text",
    "thought_text",
    "finish_reason",
    "finish_message",
    "block_reason",
    "model_version",
    "response_id",
    "usage",
    "thought_signatures",
    "safety_ratings",
    "attempts",
    "events",
];
const EXPECT_ERROR_KEYS: &[&str] = &[
    "kind",
    "field",
    "http_status",
    "status",
    "retryable",
    "retry_after_ms",
    "message_contains",
    "attempts",
    "finish_reason",
    "finish_message",
    "block_reason",
    "text",
];
const EXPECT_REQUEST_KEYS: &[&str] = &["method", "url", "headers", "absent_headers", "json"];
const RESPONSE_KEYS: &[&str] = &["status", "headers", "json", "body_text", "sse", "sse_eol"];

/// Loads every case under [`cases_dir`], sorted by id.
pub fn load_cases() -> Result<Vec<Case>, String> {
    load_cases_from(&cases_dir())
}

/// Loads every `*.json` case under `dir` (recursively), sorted by id. Any file that does
/// not follow the schema is an error naming the file.
pub fn load_cases_from(dir: &Path) -> Result<Vec<Case>, String> {
    let mut files = Vec::new();
    collect_json_files(dir, &mut files)?;
    files.sort();
    let mut cases = Vec::with_capacity(files.len());
    let mut problems = Vec::new();
    for file in files {
        match load_case(dir, &file) {
            Ok(case) => cases.push(case),
            Err(problem) => problems.push(format!("{}: {problem}", file.display())),
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(cases)
}

fn collect_json_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        fs::read_dir(dir).map_err(|e| format!("cannot read directory {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read directory {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            collect_json_files(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads one case file; `root` is the `cases/` directory (for the id check).
pub fn load_case(root: &Path, file: &Path) -> Result<Case, String> {
    let text = fs::read_to_string(file).map_err(|e| format!("cannot read: {e}"))?;
    let raw: Value = serde_json::from_str(&text).map_err(|e| format!("invalid JSON: {e}"))?;
    let obj = raw.as_object().ok_or("a case must be a JSON object")?;
    unknown_keys("case", obj, CASE_KEYS)?;
    let id = str_field(obj, "id")?.ok_or("missing id")?.to_string();
    let expected_id = file
        .strip_prefix(root)
        .map_err(|_| "the file is not under the cases directory".to_string())?
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    if id != expected_id {
        return Err(format!("id {id:?} does not match its path {expected_id:?}"));
    }
    let description = str_field(obj, "description")?
        .ok_or("missing description")?
        .to_string();
    let operation = match str_field(obj, "operation")?.unwrap_or("generate") {
        "generate" => Operation::Generate,
        "stream" => Operation::Stream,
        "conversation" => Operation::Conversation,
        other => return Err(format!("unknown operation {other:?}")),
    };
    let mut case = Case {
        id,
        path: file.to_path_buf(),
        description,
        operation,
        input: Value::Null,
        expect_request: None,
        responses: Vec::new(),
        expect: None,
        expect_error: None,
        conversation: None,
        raw: raw.clone(),
    };
    if operation == Operation::Conversation {
        for key in [
            "input",
            "expect_request",
            "responses",
            "expect",
            "expect_error",
        ] {
            if obj.contains_key(key) {
                return Err(format!(
                    "a conversation case has {key:?} per turn, not at the top"
                ));
            }
        }
        let model = str_field(obj, "model")?
            .ok_or("a conversation needs a model")?
            .to_string();
        let api_key = str_field(obj, "api_key")?
            .unwrap_or(DEFAULT_API_KEY)
            .to_string();
        let config = obj
            .get("config")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new()));
        let config_obj = config.as_object().ok_or("config must be an object")?;
        for key in config_obj.keys() {
            if !is_input_key(key) || matches!(key.as_str(), "model" | "prompt" | "images") {
                return Err(format!("config has an unsupported key {key:?}"));
            }
        }
        check_input_types(config_obj)?;
        let turns_raw = obj
            .get("turns")
            .and_then(Value::as_array)
            .ok_or("a conversation needs turns")?;
        let mut turns = Vec::new();
        for (i, turn) in turns_raw.iter().enumerate() {
            let t = turn
                .as_object()
                .ok_or_else(|| format!("turn {} is not an object", i + 1))?;
            unknown_keys(&format!("turn {}", i + 1), t, TURN_KEYS)?;
            let input = t
                .get("input")
                .cloned()
                .ok_or_else(|| format!("turn {} has no input", i + 1))?;
            let input_obj = input
                .as_object()
                .ok_or_else(|| format!("turn {} input is not an object", i + 1))?;
            unknown_keys(&format!("turn {} input", i + 1), input_obj, TURN_INPUT_KEYS)?;
            check_input_types(input_obj).map_err(|e| format!("turn {}: {e}", i + 1))?;
            let (expect_request, responses, expect, expect_error) =
                outcome_fields(t).map_err(|e| format!("turn {}: {e}", i + 1))?;
            turns.push(Turn {
                input,
                expect_request,
                responses,
                expect,
                expect_error,
            });
        }
        case.conversation = Some(ConversationSpec {
            model,
            api_key,
            config,
            turns,
        });
        return Ok(case);
    }
    for key in ["turns", "model", "api_key", "config"] {
        if obj.contains_key(key) {
            return Err(format!("{key:?} is only for conversation cases"));
        }
    }
    let input = obj.get("input").cloned().ok_or("missing input")?;
    let input_obj = input.as_object().ok_or("input must be an object")?;
    if let Some(key) = input_obj.keys().find(|k| !is_input_key(k)) {
        return Err(format!("input has an unknown key {key:?}"));
    }
    if str_field(input_obj, "model")?.is_none() {
        return Err("input.model is required".into());
    }
    check_input_types(input_obj)?;
    let (expect_request, responses, expect, expect_error) = outcome_fields(obj)?;
    case.input = input;
    case.expect_request = expect_request;
    case.responses = responses;
    case.expect = expect;
    case.expect_error = expect_error;
    Ok(case)
}

type OutcomeFields = (
    Option<Value>,
    Vec<CannedResponse>,
    Option<Value>,
    Option<Value>,
);

fn outcome_fields(obj: &Map<String, Value>) -> Result<OutcomeFields, String> {
    let expect_request = obj.get("expect_request").cloned();
    if let Some(req) = &expect_request {
        let req_obj = req.as_object().ok_or("expect_request must be an object")?;
        unknown_keys("expect_request", req_obj, EXPECT_REQUEST_KEYS)?;
        for key in ["url", "json"] {
            if !req_obj.contains_key(key) {
                return Err(format!("expect_request.{key} is required"));
            }
        }
    }
    let mut responses = Vec::new();
    if let Some(list) = obj.get("responses") {
        let list = list.as_array().ok_or("responses must be an array")?;
        for (i, response) in list.iter().enumerate() {
            responses.push(render_response(response).map_err(|e| format!("responses[{i}]: {e}"))?);
        }
    }
    let expect = obj.get("expect").cloned();
    if let Some(e) = &expect {
        unknown_keys(
            "expect",
            e.as_object().ok_or("expect must be an object")?,
            EXPECT_KEYS,
        )?;
    }
    let expect_error = obj.get("expect_error").cloned();
    if let Some(e) = &expect_error {
        let e_obj = e.as_object().ok_or("expect_error must be an object")?;
        unknown_keys("expect_error", e_obj, EXPECT_ERROR_KEYS)?;
        if str_field(e_obj, "kind")?.is_none() {
            return Err("expect_error.kind is required".into());
        }
    }
    if expect.is_none() && expect_error.is_none() {
        return Err("neither expect nor expect_error".into());
    }
    let validation_failure = expect_error
        .as_ref()
        .is_some_and(|e| e.get("field").is_some());
    if validation_failure {
        if expect_request.is_some() || !responses.is_empty() {
            return Err(
                "a validation failure has neither expect_request nor responses".to_string(),
            );
        }
    } else if expect_request.is_none() || responses.is_empty() {
        return Err("expect_request and responses are required unless validation fails".into());
    }
    Ok((expect_request, responses, expect, expect_error))
}

fn unknown_keys(what: &str, obj: &Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(format!("{what} has an unknown key {key:?}")),
        None => Ok(()),
    }
}

fn str_field<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, String> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("{key} must be a string, got {other}")),
    }
}

/// Checks the JSON types of input options, so [`build_request_for`] can rely on them.
fn check_input_types(obj: &Map<String, Value>) -> Result<(), String> {
    for (key, value) in obj {
        let ok = match key.as_str() {
            "api_key" | "base_url" | "model" | "prompt" | "aspect_ratio" | "image_size"
            | "system_instruction" => value.is_string(),
            "temperature" | "top_p" => value.is_number(),
            "top_k" | "seed" | "max_output_tokens" | "candidate_count" => value.is_i64(),
            "max_inline_bytes" => value.is_u64(),
            "response_modalities" | "stop_sequences" => value
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string)),
            "images" => value.as_array().is_some_and(|a| {
                a.iter().all(|img| {
                    img.get("mime_type").is_some_and(Value::is_string)
                        && img.get("data_b64").is_some_and(Value::is_string)
                        && img.as_object().is_some_and(|o| o.len() == 2)
                })
            }),
            "safety_settings" => value.as_array().is_some_and(|a| {
                a.iter().all(|s| {
                    s.get("category").is_some_and(Value::is_string)
                        && s.get("threshold").is_some_and(Value::is_string)
                })
            }),
            "thinking" => value.as_object().is_some_and(|t| {
                t.iter().all(|(k, v)| match k.as_str() {
                    "include_thoughts" => v.is_boolean(),
                    "thinking_budget" => v.is_i64(),
                    "thinking_level" => v.is_string(),
                    _ => false,
                })
            }),
            "extra" => value.is_object(),
            _ => true,
        };
        if !ok {
            return Err(format!("input.{key} has the wrong type: {value}"));
        }
    }
    if let Some(images) = obj.get("images").and_then(Value::as_array) {
        for (i, img) in images.iter().enumerate() {
            let data = img.get("data_b64").and_then(Value::as_str).unwrap_or("");
            if base64::decode(data.as_bytes()).is_err() {
                return Err(format!("input.images[{i}].data_b64 is not base64"));
            }
        }
    }
    Ok(())
}

/// Renders one `responses[]` entry (`json`, `body_text` or `sse`) to bytes.
pub fn render_response(value: &Value) -> Result<CannedResponse, String> {
    let obj = value.as_object().ok_or("a response must be an object")?;
    unknown_keys("response", obj, RESPONSE_KEYS)?;
    let status = obj
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .ok_or("status must be an HTTP status number")?;
    let mut headers = Vec::new();
    if let Some(h) = obj.get("headers") {
        for (name, value) in h.as_object().ok_or("headers must be an object")? {
            let value = value
                .as_str()
                .ok_or_else(|| format!("header {name} must be a string"))?;
            headers.push((name.clone(), value.to_string()));
        }
    }
    let bodies = ["json", "body_text", "sse"]
        .iter()
        .filter(|k| obj.contains_key(**k))
        .count();
    if bodies != 1 {
        return Err("exactly one of json, body_text, sse is required".into());
    }
    if obj.contains_key("sse_eol") && !obj.contains_key("sse") {
        return Err("sse_eol without sse".into());
    }
    let mut is_sse = false;
    let body = if let Some(json) = obj.get("json") {
        serde_json::to_vec(json).map_err(|e| e.to_string())?
    } else if let Some(text) = obj.get("body_text") {
        text.as_str()
            .ok_or("body_text must be a string")?
            .as_bytes()
            .to_vec()
    } else {
        is_sse = true;
        let eol = match obj.get("sse_eol") {
            None => "\r\n",
            Some(Value::String(s)) if s == "\r\n" || s == "\n" => s.as_str(),
            Some(other) => {
                return Err(format!(
                    "sse_eol must be \"\\r\\n\" or \"\\n\", got {other}"
                ));
            }
        };
        let items = obj
            .get("sse")
            .and_then(Value::as_array)
            .ok_or("sse must be an array")?;
        let mut body = Vec::new();
        for item in items {
            match item {
                Value::String(line) => body.extend_from_slice(line.as_bytes()),
                Value::Object(_) => {
                    body.extend_from_slice(b"data: ");
                    body.extend_from_slice(&serde_json::to_vec(item).map_err(|e| e.to_string())?);
                }
                other => {
                    return Err(format!(
                        "an sse item must be an object or a string: {other}"
                    ));
                }
            }
            body.extend_from_slice(eol.as_bytes());
            body.extend_from_slice(eol.as_bytes());
        }
        body
    };
    Ok(CannedResponse {
        status,
        headers,
        body,
        is_sse,
    })
}

// ---------------------------------------------------------------------------------------
// input -> request

/// What a case's `input` becomes: the endpoint, the key and the request.
#[derive(Clone, Debug)]
pub struct BuiltRequest {
    /// The endpoint (`base_url`, `max_inline_bytes`).
    pub endpoint: Endpoint,
    /// The key (`api_key`, default [`DEFAULT_API_KEY`]).
    pub api_key: ApiKey,
    /// The request with every option applied (not validated yet).
    pub request: GenerateRequest,
}

impl BuiltRequest {
    /// Validates and builds the HTTP request, as a client would.
    pub fn http(&self, call: Call) -> Result<HttpRequest, Error> {
        build_http_request(&self.endpoint, &self.api_key, &self.request, call)
    }
}

/// Turns a case `input` object into the core's request types. Option values the core parses
/// (aspect ratio, image size, modalities) fail here with the core's validation error, as they
/// would in an SDK front door.
pub fn build_request_for(input: &Value) -> Result<BuiltRequest, Error> {
    let model = input.get("model").and_then(Value::as_str).unwrap_or("");
    let (endpoint, api_key) = endpoint_and_key(input)?;
    let mut request = GenerateRequest::new(model).with_user_turn(user_parts(input));
    apply_options(&mut request, input)?;
    Ok(BuiltRequest {
        endpoint,
        api_key,
        request,
    })
}

/// The endpoint and key of an input (or a conversation `config` plus its `api_key`).
pub fn endpoint_and_key(input: &Value) -> Result<(Endpoint, ApiKey), Error> {
    let mut endpoint = match input.get("base_url").and_then(Value::as_str) {
        Some(url) => Endpoint::new(url)?,
        None => Endpoint::gateway(),
    };
    if let Some(limit) = input.get("max_inline_bytes").and_then(Value::as_u64) {
        endpoint = endpoint.with_max_inline_bytes(limit);
    }
    let key = input
        .get("api_key")
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_API_KEY);
    Ok((endpoint, ApiKey::new(key)?))
}

/// The user parts of an input: the prompt (if any) first, then the images in order.
pub fn user_parts(input: &Value) -> Vec<Part> {
    let mut parts = Vec::new();
    if let Some(prompt) = input.get("prompt").and_then(Value::as_str) {
        parts.push(Part::text(prompt));
    }
    for image in input
        .get("images")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mime = image.get("mime_type").and_then(Value::as_str).unwrap_or("");
        let data = image.get("data_b64").and_then(Value::as_str).unwrap_or("");
        let bytes = base64::decode(data.as_bytes()).unwrap_or_default();
        parts.push(Part::from_data(gemini_image_core::PartData::InlineData(
            Blob::new(bytes, mime),
        )));
    }
    parts
}

/// Applies every option of an input (all keys but `model`, `prompt`, `images`, `api_key`,
/// `base_url`, `max_inline_bytes`) to `request`.
pub fn apply_options(request: &mut GenerateRequest, input: &Value) -> Result<(), Error> {
    request_options(input)?.apply_to(request);
    Ok(())
}

/// The keys of a case's `input` that are not request options: the connection, the prompt,
/// the images and the endpoint's inline limit.
pub const NON_OPTION_INPUT_KEYS: &[&str] = &[
    "api_key",
    "base_url",
    "prompt",
    "images",
    "max_inline_bytes",
];

/// A case's `input` as the core's [`RequestOptions`] (the non-option keys left out).
pub fn request_options(input: &Value) -> Result<RequestOptions, Error> {
    let options: Map<String, Value> = input
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| !NON_OPTION_INPUT_KEYS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    RequestOptions::from_value(&Value::Object(options))
}

// ---------------------------------------------------------------------------------------
// request comparison

/// A request as a client sent it (or as a loopback server recorded it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedRequest {
    /// e.g. `POST`.
    pub method: String,
    /// The full URL (or at least path and query).
    pub url: String,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl From<&HttpRequest> for ObservedRequest {
    fn from(http: &HttpRequest) -> Self {
        ObservedRequest {
            method: http.method.to_string(),
            url: http.url.clone(),
            headers: http.headers.clone(),
            body: http.body.clone(),
        }
    }
}

/// How [`check_request`] compares URLs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlMatch {
    /// The whole URL (sans-IO).
    Exact,
    /// Path and query only (end-to-end: the host is the loopback server).
    PathAndQuery,
}

fn path_and_query(url: &str) -> &str {
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => url,
    }
}

/// Compares a sent request with a case's `expect_request`: method, URL, the listed headers
/// (case-insensitive names), `absent_headers`, and the body as parsed JSON.
pub fn check_request(
    expected: &Value,
    actual: &ObservedRequest,
    url_match: UrlMatch,
) -> Vec<String> {
    let mut problems = Vec::new();
    let method = expected
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("POST");
    if !actual.method.eq_ignore_ascii_case(method) {
        problems.push(format!(
            "request method: expected {method}, got {}",
            actual.method
        ));
    }
    let url = expected.get("url").and_then(Value::as_str).unwrap_or("");
    let (want, got) = match url_match {
        UrlMatch::Exact => (url, actual.url.as_str()),
        UrlMatch::PathAndQuery => (path_and_query(url), path_and_query(&actual.url)),
    };
    if want != got {
        problems.push(format!(
            "request url:\n    expected {want}\n    got      {got}"
        ));
    }
    let header = |name: &str| {
        actual
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    if let Some(headers) = expected.get("headers").and_then(Value::as_object) {
        for (name, value) in headers {
            let want = value.as_str().unwrap_or("");
            let got = header(name);
            if got.len() != 1 || !got[0].eq(want) {
                problems.push(format!(
                    "request header {name}: expected {want:?}, got {got:?}"
                ));
            }
        }
    }
    for name in expected
        .get("absent_headers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !header(name).is_empty() {
            problems.push(format!(
                "request header {name} must be absent, but it was sent"
            ));
        }
    }
    match serde_json::from_slice::<Value>(&actual.body) {
        Ok(body) => {
            let want = expected.get("json").unwrap_or(&Value::Null);
            let mut diffs = Vec::new();
            json_diff("$", want, &body, &mut diffs);
            if !diffs.is_empty() {
                problems.push(format!("request body differs:\n{}", diffs_text(&diffs)));
            }
        }
        Err(e) => problems.push(format!("request body is not JSON: {e}")),
    }
    problems
}

/// Deep JSON comparison; pushes `path: expected X, got Y` lines. Numbers compare by value
/// (`1` equals `1.0`).
pub fn json_diff(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}.{k}");
                match a.get(k) {
                    Some(av) => json_diff(&p, ev, av, out),
                    None => out.push(format!("{p}: missing (expected {})", short(ev))),
                }
            }
            for (k, av) in a {
                if !e.contains_key(k) {
                    out.push(format!("{path}.{k}: unexpected {}", short(av)));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                json_diff(&format!("{path}[{i}]"), ev, av, out);
            }
            if e.len() != a.len() {
                out.push(format!(
                    "{path}: expected {} items, got {}{}",
                    e.len(),
                    a.len(),
                    if a.len() > e.len() {
                        format!(" (extra: {})", short(&Value::Array(a[e.len()..].to_vec())))
                    } else {
                        String::new()
                    }
                ));
            }
        }
        (Value::Number(e), Value::Number(a)) => {
            if e != a && e.as_f64() != a.as_f64() {
                out.push(format!("{path}: expected {e}, got {a}"));
            }
        }
        _ => {
            if expected != actual {
                out.push(format!(
                    "{path}: expected {}, got {}",
                    short(expected),
                    short(actual)
                ));
            }
        }
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 160 {
        let cut: String = text.chars().take(160).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn diffs_text(diffs: &[String]) -> String {
    let mut out = String::new();
    for line in diffs.iter().take(25) {
        let _ = writeln!(out, "      {line}");
    }
    if diffs.len() > 25 {
        let _ = writeln!(out, "      … and {} more", diffs.len() - 25);
    }
    out.trim_end().to_string()
}

// ---------------------------------------------------------------------------------------
// outcome comparison

/// What a client returned for one call (a `generate`, a collected `stream`, or a
/// conversation turn).
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The high-level result: `Ok` only with a final image; a 200 without one is
    /// [`Error::NoImage`] (which carries the parsed response).
    pub result: Result<GenerateResponse, Error>,
    /// How many HTTP attempts were made (0 when validation failed).
    pub attempts: u32,
    /// Stream only: the event kinds in order (`thought_text`, `thought_image`, `text`,
    /// `image`, then `done` when the stream ended normally).
    pub events: Option<Vec<String>>,
}

fn blob_json(blob: &Blob) -> Value {
    serde_json::json!({ "mime_type": blob.mime_type, "data_b64": base64::encode(&blob.data) })
}

fn blobs_json(blobs: &[&Blob]) -> Value {
    Value::Array(blobs.iter().map(|b| blob_json(b)).collect())
}

fn camelize(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (gemini_image_core::casing::camel_case(k), camelize(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(camelize).collect()),
        other => other.clone(),
    }
}

/// Compares a parsed response with an `expect` object (fields that need a response).
pub fn check_response(expect: &Value, response: &GenerateResponse) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(expect) = expect.as_object() else {
        return vec!["expect is not an object".into()];
    };
    let compare = |what: &str, want: &Value, got: Value| {
        let mut diffs = Vec::new();
        json_diff(what, want, &got, &mut diffs);
        (!diffs.is_empty()).then(|| format!("{what} differs:\n{}", diffs_text(&diffs)))
    };
    for (key, want) in expect {
        let got = match key.as_str() {
            "images" => blobs_json(&response.images()),
            "thought_images" => blobs_json(&response.thought_images()),
            "text" => Value::String(response.text()),
            "thought_text" => Value::String(response.thought_text()),
            "finish_reason" => opt_str(response.finish_reason().map(|r| r.as_str())),
            "finish_message" => opt_str(response.finish_message()),
            "block_reason" => opt_str(response.prompt_blocked().map(|r| r.as_str())),
            "model_version" => opt_str(response.model_version()),
            "response_id" => opt_str(response.response_id()),
            "thought_signatures" => Value::Array(
                response
                    .thought_signatures()
                    .into_iter()
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            ),
            "safety_ratings" => Value::Array(
                response
                    .safety_ratings()
                    .iter()
                    .map(|r| serde_json::json!({"category": r.category, "probability": r.probability}))
                    .collect(),
            ),
            "usage" => {
                let usage = response
                    .usage()
                    .and_then(|u| serde_json::to_value(u).ok())
                    .unwrap_or_else(|| Value::Object(Map::new()));
                let want_obj = want.as_object().cloned().unwrap_or_default();
                let mut got_obj = Map::new();
                let mut want_camel = Map::new();
                for (k, v) in &want_obj {
                    let camel = gemini_image_core::casing::camel_case(k);
                    let actual = usage.get(&camel).cloned().unwrap_or(if v.is_array() {
                        Value::Array(Vec::new())
                    } else {
                        Value::Null
                    });
                    got_obj.insert(camel.clone(), actual);
                    want_camel.insert(camel, camelize(v));
                }
                problems.extend(compare(
                    "usage",
                    &Value::Object(want_camel),
                    Value::Object(got_obj),
                ));
                continue;
            }
            // Not about the response; checked by check_outcome.
            "attempts" | "events" => continue,
            other => {
                problems.push(format!("expect.{other} is not a known field"));
                continue;
            }
        };
        problems.extend(compare(key, want, got));
    }
    problems
}

fn opt_str(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |s| Value::String(s.to_string()))
}

/// Compares an error with an `expect_error` object.
pub fn check_error(expect_error: &Value, error: &Error) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(expect) = expect_error.as_object() else {
        return vec!["expect_error is not an object".into()];
    };
    let no_image = error.no_image();
    for (key, want) in expect {
        let got = match key.as_str() {
            "kind" => Value::String(error.kind().as_str().to_string()),
            "field" => opt_str(error.field()),
            "http_status" => error.http_status().map_or(Value::Null, |s| s.into()),
            "status" => opt_str(error.api().and_then(|a| a.status.as_deref())),
            "retryable" => Value::Bool(error.is_retryable()),
            "retry_after_ms" => error
                .retry_after()
                .map_or(Value::Null, |d| Value::from(d.as_millis() as u64)),
            "message_contains" => {
                let needle = want.as_str().unwrap_or("");
                let message = error.message();
                let shown = error.to_string();
                if !message.contains(needle) && !shown.contains(needle) {
                    problems.push(format!(
                        "error message should contain {needle:?}, got {shown:?}"
                    ));
                }
                continue;
            }
            "finish_reason" => opt_str(no_image.and_then(|n| n.finish_reason.as_deref())),
            "finish_message" => opt_str(no_image.and_then(|n| n.finish_message.as_deref())),
            "block_reason" => opt_str(no_image.and_then(|n| n.block_reason.as_deref())),
            "text" => opt_str(no_image.and_then(|n| n.text.as_deref())),
            "attempts" => continue,
            other => {
                problems.push(format!("expect_error.{other} is not a known field"));
                continue;
            }
        };
        let mut diffs = Vec::new();
        json_diff(&format!("error.{key}"), want, &got, &mut diffs);
        problems.extend(diffs);
    }
    problems
}

/// Compares an [`Outcome`] with `expect` / `expect_error`: the error or the success, the
/// parsed response (for a `no_image` error, the response it carries), `attempts` and
/// `events`.
pub fn check_outcome(
    expect: Option<&Value>,
    expect_error: Option<&Value>,
    outcome: &Outcome,
) -> Vec<String> {
    let mut problems = Vec::new();
    let response = match &outcome.result {
        Ok(response) => {
            if expect_error.is_some() {
                problems.push(format!(
                    "expected error {}, got success ({} image(s))",
                    expect_error
                        .and_then(|e| e.get("kind"))
                        .map_or_else(String::new, Value::to_string),
                    response.images().len()
                ));
            }
            Some(response)
        }
        Err(error) => {
            match expect_error {
                Some(want) => problems.extend(check_error(want, error)),
                None => problems.push(format!("expected success, got error: {error}")),
            }
            error.no_image().map(|n| &n.response)
        }
    };
    for (key, want) in [expect, expect_error]
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|o| o.iter())
    {
        match key.as_str() {
            "attempts" if want.as_u64() != Some(u64::from(outcome.attempts)) => {
                problems.push(format!(
                    "attempts: expected {want}, got {}",
                    outcome.attempts
                ));
            }
            "events" => {
                let got = outcome.events.as_ref().map_or(Value::Null, |e| {
                    Value::Array(e.iter().cloned().map(Value::String).collect())
                });
                if &got != want {
                    problems.push(format!("events: expected {want}, got {got}"));
                }
            }
            _ => {}
        }
    }
    if let Some(expect) = expect {
        let needs_response = expect
            .as_object()
            .is_some_and(|o| o.keys().any(|k| k != "attempts" && k != "events"));
        match response {
            Some(response) => problems.extend(check_response(expect, response)),
            None if needs_response => {
                problems.push("expect lists response fields, but no response was parsed".into())
            }
            None => {}
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------
// sans-IO execution

/// Feeds a stream body to a [`StreamParser`] `piece` bytes at a time. Returns the merged
/// response (or the stream's error) and the event kinds (with `done` when it ended
/// normally).
pub fn parse_stream_body(
    body: &[u8],
    piece: usize,
) -> (Result<GenerateResponse, Error>, Vec<String>) {
    let mut parser = StreamParser::new();
    let mut events = Vec::new();
    let kinds = |list: Vec<StreamEvent>| list.into_iter().map(|e| e.kind().to_string());
    for chunk in body.chunks(piece.max(1)) {
        match parser.feed(chunk) {
            Ok(list) => events.extend(kinds(list)),
            Err(error) => return (Err(error), events),
        }
    }
    match parser.finish() {
        Ok((list, response)) => {
            events.extend(kinds(list));
            events.push("done".to_string());
            (Ok(response), events)
        }
        Err(error) => (Err(error), events),
    }
}

/// Walks canned responses the way a client with the default [`RetryPolicy`] and jitter 0
/// would: one response per attempt, parsed with [`parse_response`] (or, for a 2xx stream,
/// [`parse_stream_body`]), retrying while the policy says so. The result is the *parsed*
/// response: a 200 without an image is still `Ok` here. Problems with the case itself (the
/// client wanting more responses than listed, or stopping before using them all) are
/// returned separately.
pub fn walk_responses(call: Call, responses: &[CannedResponse]) -> (Outcome, Vec<String>) {
    let policy = RetryPolicy::default();
    let mut problems = Vec::new();
    let mut attempts = 0u32;
    let mut last_result: Option<Result<GenerateResponse, Error>> = None;
    let mut last_events: Option<Vec<String>> = None;
    for response in responses {
        attempts += 1;
        let streamed = call == Call::Stream && (200..300).contains(&response.status);
        let (result, events) = if streamed {
            let (result, events) = parse_stream_body(&response.body, STREAM_PIECE);
            // The same body fed in one piece must give the same result.
            let (whole, whole_events) = parse_stream_body(&response.body, usize::MAX);
            let same = match (&result, &whole) {
                (Ok(a), Ok(b)) => a == b,
                (Err(a), Err(b)) => a.kind() == b.kind(),
                _ => false,
            };
            if !same || (result.is_ok() && whole_events != events) {
                problems.push(format!(
                    "the stream parses differently in {STREAM_PIECE}-byte pieces ({:?}) and in one piece ({:?})",
                    result.as_ref().map(|_| &events),
                    whole.as_ref().map(|_| &whole_events)
                ));
            }
            (result, Some(events))
        } else {
            let headers = response.headers.clone();
            (
                parse_response(response.status, &headers, &response.body),
                None,
            )
        };
        let retry = match &result {
            // An error inside an open 200 stream is not retried (events may be out).
            Err(error) if !streamed => matches!(
                policy.decide(attempts, error, 0.0),
                RetryDecision::Retry { .. }
            ),
            _ => false,
        };
        last_result = Some(result);
        last_events = events;
        if !retry {
            break;
        }
        if attempts as usize == responses.len() {
            problems.push(format!(
                "the client retries after attempt {attempts}, but the case lists only {} response(s)",
                responses.len()
            ));
        }
    }
    if (attempts as usize) < responses.len() {
        problems.push(format!(
            "the client stopped after {attempts} attempt(s), but the case lists {} responses",
            responses.len()
        ));
    }
    let result =
        last_result.unwrap_or_else(|| Err(Error::decode("the case lists no responses", None)));
    let events = last_events;
    (
        Outcome {
            result,
            attempts,
            events,
        },
        problems,
    )
}

/// Runs one case in memory and returns its problems (empty = pass).
pub fn run_sans_io(case: &Case) -> Vec<String> {
    match case.operation {
        Operation::Generate | Operation::Stream => run_single(case),
        Operation::Conversation => run_conversation(case),
    }
}

fn run_single(case: &Case) -> Vec<String> {
    let call = case.operation.call();
    let built = build_request_for(&case.input).and_then(|b| b.http(call));
    run_exchange(
        built,
        case.expect_request.as_ref(),
        &case.responses,
        call,
        case.expect.as_ref(),
        case.expect_error.as_ref(),
        |result| result.and_then(GenerateResponse::require_image),
    )
}

fn run_exchange(
    built: Result<HttpRequest, Error>,
    expect_request: Option<&Value>,
    responses: &[CannedResponse],
    call: Call,
    expect: Option<&Value>,
    expect_error: Option<&Value>,
    finish: impl FnOnce(Result<GenerateResponse, Error>) -> Result<GenerateResponse, Error>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let outcome = match built {
        Err(error) => {
            if expect_request.is_some() {
                problems.push(format!(
                    "expected a request, but building it failed: {error}"
                ));
            }
            Outcome {
                result: Err(error),
                attempts: 0,
                events: None,
            }
        }
        Ok(http) => {
            match expect_request {
                Some(want) => problems.extend(check_request(
                    want,
                    &ObservedRequest::from(&http),
                    UrlMatch::Exact,
                )),
                None => problems.push(format!(
                    "expected the request to be refused, but it was built for {}",
                    http.url
                )),
            }
            let (mut outcome, walk_problems) = walk_responses(call, responses);
            problems.extend(walk_problems);
            outcome.result = finish(outcome.result);
            outcome
        }
    };
    problems.extend(check_outcome(expect, expect_error, &outcome));
    problems
}

fn run_conversation(case: &Case) -> Vec<String> {
    let Some(spec) = &case.conversation else {
        return vec!["a conversation case without turns".into()];
    };
    let mut problems = Vec::new();
    let mut config = spec.config.clone();
    if let Some(obj) = config.as_object_mut() {
        obj.insert("api_key".into(), Value::String(spec.api_key.clone()));
    }
    let setup = endpoint_and_key(&config)
        .and_then(|(endpoint, key)| Ok((endpoint, key, request_options(&config)?)));
    let (endpoint, key, options) = match setup {
        Ok(setup) => setup,
        Err(error) => return vec![format!("the conversation options are refused: {error}")],
    };
    let mut conversation = Conversation::new(spec.model.clone(), options);
    for (i, turn) in spec.turns.iter().enumerate() {
        let request = conversation.begin_turn(user_parts(&turn.input)).clone();
        let built = build_http_request(&endpoint, &key, &request, Call::Generate);
        let failed_to_build = built.is_err();
        let conv = &mut conversation;
        let turn_problems = run_exchange(
            built,
            turn.expect_request.as_ref(),
            &turn.responses,
            Call::Generate,
            turn.expect.as_ref(),
            turn.expect_error.as_ref(),
            |result| match result {
                Ok(response) => conv.complete_turn(response),
                Err(error) => {
                    conv.abort_turn();
                    Err(error)
                }
            },
        );
        if failed_to_build {
            conversation.abort_turn();
        }
        problems.extend(
            turn_problems
                .into_iter()
                .map(|p| format!("turn {}: {p}", i + 1)),
        );
    }
    problems
}
