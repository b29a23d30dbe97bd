//! The axum application: routing, auth, parsing and validation with the core, faults,
//! rendering (cached) and delivery (JSON, SSE, JSON-array streams, dropped connections).

use std::collections::{HashMap, VecDeque};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use gemini_image_core::model::{self, ModelCapabilities};
use gemini_image_core::{AspectRatio, GenerateRequest, ImageSize, Modality, Part, PartData};
use serde_json::json;

use crate::EmulatorConfig;
use crate::faults::{Directives, Fault};
use crate::imaging::{self, Canvas};
use crate::wire::{self, CandidateOut, ContentShape, OutPart, ResponseOut, Usage};
use crate::{catalog, strict};

/// The signature the Gemini docs allow for hand-made or foreign history.
pub(crate) const DUMMY_SIGNATURE: &str = "context_engineering_is_the_way_to_go";

const DEFAULT_FAULT_DELAY_MS: u64 = 3000;
const RECORDED_MAX: usize = 32;
const SOURCES_MAX: usize = 256;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A request as the emulator received it (see [`crate::Emulator::recorded_requests`]).
/// `Debug` masks credentials (the key headers, `authorization`, a `key=` query) and shows
/// the body's size, not its bytes.
#[derive(Clone)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `POST`, …
    pub method: String,
    /// The path, e.g. `/gemini/v1beta/models/gemini-3-pro-image-preview:generateContent`.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Header names (lowercase) and values, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Bytes,
}

/// Headers whose values are credentials.
const SECRET_HEADERS: [&str; 4] = [
    "x-goog-api-key",
    "authorization",
    "proxy-authorization",
    "cookie",
];

impl std::fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let secret = SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s));
                (name.as_str(), if secret { "***" } else { value.as_str() })
            })
            .collect();
        let query = self.query.as_deref().map(gemini_image_core::scrub_secrets);
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &query)
            .field("headers", &headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

impl RecordedRequest {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A finished picture, ready to splice into responses.
pub(crate) struct Rendered {
    pub(crate) mime: &'static str,
    pub(crate) base64: String,
    pub(crate) thought_base64: String,
}

impl Rendered {
    fn cost(&self) -> usize {
        self.base64.len() + self.thought_base64.len()
    }
}

/// Fingerprints of emitted images → their canvases, with insertion order for eviction.
type SourceMap = (HashMap<u64, Arc<Canvas>>, VecDeque<u64>);

type Cell = Arc<OnceLock<Result<Arc<Rendered>, String>>>;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct RenderKey {
    prompt: String,
    source: Option<u64>,
    family: &'static str,
    ratio: Option<AspectRatio>,
    size: Option<ImageSize>,
    pad: Option<usize>,
}

#[derive(Default)]
struct CacheInner {
    map: HashMap<RenderKey, Cell>,
    order: VecDeque<RenderKey>,
    bytes: usize,
}

/// State shared by all connections.
pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    pub(crate) requests: AtomicU64,
    pub(crate) prompts: Mutex<HashMap<String, u64>>,
    pub(crate) recorded: Mutex<VecDeque<RecordedRequest>>,
    cache: Mutex<CacheInner>,
    /// Fingerprints of images this emulator produced, so edits of them need no decoding.
    sources: Mutex<SourceMap>,
    responses: AtomicU64,
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig) -> Shared {
        Shared {
            config,
            requests: AtomicU64::new(0),
            prompts: Mutex::new(HashMap::new()),
            recorded: Mutex::new(VecDeque::new()),
            cache: Mutex::new(CacheInner::default()),
            sources: Mutex::new((HashMap::new(), VecDeque::new())),
            responses: AtomicU64::new(0),
        }
    }

    fn record(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) {
        let rec = RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            headers: headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.clone(),
        };
        let mut r = lock(&self.recorded);
        if r.len() >= RECORDED_MAX {
            r.pop_front();
        }
        r.push_back(rec);
    }

    fn bump_prompt(&self, prompt: &str) -> u64 {
        let mut p = lock(&self.prompts);
        let n = p.entry(prompt.to_string()).or_insert(0);
        *n += 1;
        *n
    }

    fn source_lookup(&self, fp: u64) -> Option<Arc<Canvas>> {
        lock(&self.sources).0.get(&fp).cloned()
    }

    fn source_insert(&self, fp: u64, canvas: Arc<Canvas>) {
        let mut s = lock(&self.sources);
        if s.0.insert(fp, canvas).is_none() {
            s.1.push_back(fp);
        }
        while s.1.len() > SOURCES_MAX {
            if let Some(old) = s.1.pop_front() {
                s.0.remove(&old);
            }
        }
    }

    /// Renders (or fetches from the cache) one picture. Blocking: call off the runtime.
    fn render(&self, job: RenderJob) -> Result<Arc<Rendered>, String> {
        let source_fp = job.source.as_ref().map(|b| imaging::fingerprint(b));
        let key = RenderKey {
            prompt: job.prompt.clone(),
            source: source_fp,
            family: job.caps.family,
            ratio: job.ratio,
            size: job.size,
            pad: job.pad,
        };
        let cell = {
            let mut c = lock(&self.cache);
            let inner = &mut *c;
            match inner.map.get(&key) {
                Some(cell) => cell.clone(),
                None => {
                    let cell: Cell = Arc::new(OnceLock::new());
                    inner.map.insert(key.clone(), cell.clone());
                    inner.order.push_back(key);
                    cell
                }
            }
        };
        let mut fresh = false;
        let result = cell
            .get_or_init(|| {
                fresh = true;
                self.render_uncached(job, source_fp).map(Arc::new)
            })
            .clone();
        if fresh {
            if let Ok(r) = &result {
                let mut c = lock(&self.cache);
                c.bytes += r.cost();
                while c.bytes > self.config.cache_bytes && c.order.len() > 1 {
                    let Some(old) = c.order.pop_front() else {
                        break;
                    };
                    if let Some(cell) = c.map.remove(&old) {
                        if let Some(Ok(r)) = cell.get() {
                            c.bytes = c.bytes.saturating_sub(r.cost());
                        }
                    }
                }
            }
        }
        result
    }

    fn render_uncached(&self, job: RenderJob, source_fp: Option<u64>) -> Result<Rendered, String> {
        let source: Option<Arc<Canvas>> = match (job.source.as_deref(), source_fp) {
            (Some(bytes), Some(fp)) => Some(match self.source_lookup(fp) {
                Some(c) => c,
                None => {
                    // Undecodable inputs (WebP, HEIC, junk) still edit into something
                    // deterministic: a picture derived from their fingerprint.
                    let c = imaging::decode_image(bytes).unwrap_or_else(|| {
                        imaging::render_prompt(&format!("input {fp:016x}"), 64, 64)
                    });
                    Arc::new(c)
                }
            }),
            _ => None,
        };
        let ratio = match (job.ratio, &source) {
            (Some(r), _) => r,
            (None, Some(src)) => closest_ratio(job.caps, imaging::aspect(src)),
            (None, None) => AspectRatio::Square,
        };
        let (width, height) = job.caps.output_pixels(Some(ratio), job.size);
        let (cw, ch) = imaging::canvas_dims(width, height);
        let canvas = match &source {
            Some(src) => imaging::edit_transform(src, &job.prompt, cw, ch),
            None => imaging::render_prompt(&job.prompt, cw, ch),
        };
        let png = job.caps.output_mime == "image/png";
        let bytes = if png {
            imaging::encode_png(&canvas, width, height, job.pad).map_err(|e| e.to_string())?
        } else {
            let (w16, h16) = (
                u16::try_from(width).map_err(|_| "image too wide for JPEG")?,
                u16::try_from(height).map_err(|_| "image too tall for JPEG")?,
            );
            imaging::encode_jpeg(&canvas, w16, h16, job.pad)
        };
        // Interim thought image: a quarter-size draft, always JPEG.
        let (tw, th) = ((width / 4).max(8), (height / 4).max(8));
        let (tcw, tch) = imaging::canvas_dims(tw, th);
        let draft = imaging::draftify(canvas.resample(tcw, tch));
        let thought = imaging::encode_jpeg(&draft, tw as u16, th as u16, None);
        let rendered = Rendered {
            mime: if png { "image/png" } else { "image/jpeg" },
            base64: base64_simd::STANDARD.encode_to_string(&bytes),
            thought_base64: base64_simd::STANDARD.encode_to_string(&thought),
        };
        self.source_insert(imaging::fingerprint(&bytes), Arc::new(canvas));
        Ok(rendered)
    }
}

struct RenderJob {
    prompt: String,
    source: Option<Vec<u8>>,
    caps: &'static ModelCapabilities,
    ratio: Option<AspectRatio>,
    size: Option<ImageSize>,
    pad: Option<usize>,
}

/// The accepted ratio closest to `aspect` (w/h), compared on a log scale.
fn closest_ratio(caps: &ModelCapabilities, aspect: f64) -> AspectRatio {
    let target = aspect.max(1e-6).ln();
    caps.aspect_ratios
        .iter()
        .copied()
        .min_by(|a, b| {
            let d = |r: AspectRatio| {
                let (w, h) = r.terms();
                (f64::from(w) / f64::from(h)).ln() - target
            };
            d(*a).abs().total_cmp(&d(*b).abs())
        })
        .unwrap_or(AspectRatio::Square)
}

// ---------------------------------------------------------------------------------------------
// Routing

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let limit = shared.config.max_body_bytes;
    Router::new()
        .fallback(dispatch)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(shared)
}

/// The API versions Google serves the model methods under.
const API_VERSIONS: &[&str] = &["v1", "v1beta", "v1alpha"];

/// A request path the emulator serves.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Route {
    /// Under `/gemini` (the gateway's passthrough): LiteLLM auth errors, aliases.
    gateway: bool,
    version: &'static str,
    target: Target,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    /// `GET …/models`
    List,
    /// `GET …/models/{model}`
    Get(String),
    /// `POST …/models/{model}:{method}`
    Rpc(String, String),
}

fn parse_route(path: &str) -> Option<Route> {
    let (gateway, rest) = match path.strip_prefix("/gemini/") {
        Some(rest) => (true, rest),
        None => (false, path.strip_prefix('/')?),
    };
    let (version, rest) = rest.split_once('/')?;
    let version = *API_VERSIONS.iter().find(|v| **v == version)?;
    let target = if rest == "models" || rest == "models/" {
        Target::List
    } else {
        let name = percent_decode(rest.strip_prefix("models/")?);
        match name.rsplit_once(':') {
            Some((model, method)) if !model.is_empty() && !model.contains('/') => {
                Target::Rpc(model.to_string(), method.to_string())
            }
            None if !name.contains('/') && !name.is_empty() => Target::Get(name),
            _ => return None,
        }
    };
    Some(Route {
        gateway,
        version,
        target,
    })
}

async fn dispatch(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let Some(route) = parse_route(path) else {
        // The gateway authenticates every /gemini path before passing it on.
        if path == "/gemini" || path.starts_with("/gemini/") {
            if let Err(r) = check_key(&s, true, &headers, uri.query()) {
                return r;
            }
        }
        return not_found_route();
    };
    s.requests.fetch_add(1, Ordering::Relaxed);
    s.record(&method, &uri, &headers, &body);
    let answer = match &route.target {
        Target::List if method == Method::GET => list_models(&s, &route, &headers, uri.query()),
        Target::Get(model) if method == Method::GET => {
            get_model(&s, &route, model, &headers, uri.query())
        }
        Target::Rpc(model, rpc) if method == Method::POST => match rpc.as_str() {
            "generateContent" | "streamGenerateContent" => {
                let stream = rpc == "streamGenerateContent";
                handle(&s, &route, model, stream, &uri, &headers, &body).await
            }
            "countTokens" => count_tokens(&s, &route, model, &headers, uri.query(), &body),
            _ => Err(not_found_route()),
        },
        _ => Err(not_found_route()),
    };
    match answer {
        Ok(r) | Err(r) => r,
    }
}

fn not_found_route() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        wire::google_error(404, "NOT_FOUND", "Method not found.", None),
    )
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    r
}

fn bad_request(field: Option<&str>, message: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        wire::invalid_argument(field, message),
    )
}

/// Google's plain 400 (no details), for the semantic checks Google words itself.
fn google_400(message: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        wire::google_error(400, "INVALID_ARGUMENT", message, None),
    )
}

fn violations_response(violations: Vec<strict::Violation>) -> Response {
    let list: Vec<(Option<String>, String)> = violations
        .into_iter()
        .map(|v| (v.field, v.description))
        .collect();
    json_response(StatusCode::BAD_REQUEST, wire::bad_request_violations(&list))
}

fn core_error(e: &gemini_image_core::Error) -> Response {
    bad_request(e.field(), &e.message())
}

fn internal(message: &str) -> Response {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        wire::google_error(500, "INTERNAL", message, None),
    )
}

/// A known model (gateway aliases only under `/gemini`) and the `modelVersion` Google
/// reports for it (the alias's target, never the alias).
#[allow(clippy::result_large_err)]
fn resolve_model(
    route: &Route,
    raw: &str,
    method: &str,
) -> Result<(&'static ModelCapabilities, String), Response> {
    let id = raw.strip_prefix("models/").unwrap_or(raw);
    let alias = catalog::is_alias(id);
    match model::capabilities(id).filter(|_| route.gateway || !alias) {
        Some(caps) if alias => Ok((caps, caps.family.to_string())),
        Some(caps) => Ok((caps, id.to_string())),
        None => Err(json_response(
            StatusCode::NOT_FOUND,
            wire::google_error(
                404,
                "NOT_FOUND",
                &format!(
                    "models/{id} is not found for API version {}, or is not supported for {method}. Call ListModels to see the list of available models and their supported methods.",
                    route.version
                ),
                None,
            ),
        )),
    }
}

#[allow(clippy::result_large_err)]
fn list_models(
    s: &Shared,
    route: &Route,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, Response> {
    check_key(s, route.gateway, headers, query)?;
    let page_size = match query_param(query, "pageSize") {
        None => 50,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(0) => 50,
            Ok(n) => n.min(1000),
            Err(_) => {
                return Err(google_400(&format!(
                    "Invalid value at 'page_size' (TYPE_INT32), \"{v}\""
                )));
            }
        },
    };
    let start = match query_param(query, "pageToken").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => {
            catalog::decode_page_token(&token).ok_or_else(|| google_400("Invalid page token."))?
        }
    };
    Ok(json_response(
        StatusCode::OK,
        catalog::list_json(start, page_size),
    ))
}

#[allow(clippy::result_large_err)]
fn get_model(
    s: &Shared,
    route: &Route,
    model: &str,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, Response> {
    check_key(s, route.gateway, headers, query)?;
    let (_, id) = resolve_model(route, model, "GetModel")?;
    let body = catalog::model_json(&id).ok_or_else(|| internal("unknown catalog entry"))?;
    Ok(json_response(StatusCode::OK, body))
}

#[allow(clippy::result_large_err)]
fn count_tokens(
    s: &Shared,
    route: &Route,
    model: &str,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &Bytes,
) -> Result<Response, Response> {
    check_key(s, route.gateway, headers, query)?;
    let (caps, id) = resolve_model(route, model, "countTokens")?;
    strict::check_count_tokens(body, route.version).map_err(violations_response)?;
    // The contents are either top-level or inside `generateContentRequest`.
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| google_400("Invalid JSON payload received."))?;
    let inner = v
        .get("generateContentRequest")
        .or_else(|| v.get("generate_content_request"))
        .unwrap_or(&v);
    let contents = inner
        .get("contents")
        .filter(|c| c.as_array().is_some_and(|a| !a.is_empty()));
    let Some(contents) = contents else {
        return Err(google_400(
            "* CountTokensRequest.contents: contents is not specified",
        ));
    };
    let req =
        GenerateRequest::from_wire_json(&id, json!({"contents": contents}).to_string().as_bytes())
            .map_err(|e| core_error(&e))?;
    let usage = prompt_usage(&req, caps);
    let mut details = Vec::new();
    if usage.prompt_text > 0 {
        details.push(json!({"modality": "TEXT", "tokenCount": usage.prompt_text}));
    }
    if usage.prompt_image > 0 {
        details.push(json!({"modality": "IMAGE", "tokenCount": usage.prompt_image}));
    }
    Ok(json_response(
        StatusCode::OK,
        json!({"totalTokens": usage.prompt(), "promptTokensDetails": details}).to_string(),
    ))
}

/// The prompt side of the usage: text tokens (about 4 characters each) and a fixed cost
/// per input image.
fn prompt_usage(req: &GenerateRequest, caps: &ModelCapabilities) -> Usage {
    let mut prompt_text = 0u32;
    let mut prompt_images = 0u32;
    for c in &req.contents {
        for p in &c.parts {
            match &p.data {
                PartData::Text(t) if !p.thought => prompt_text += text_tokens(t),
                PartData::InlineData(_) | PartData::FileData(_) => prompt_images += 1,
                _ => {}
            }
        }
    }
    Usage {
        prompt_text,
        prompt_image: prompt_images * input_image_tokens(caps),
        ..Usage::default()
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if c == b'+' { b' ' } else { c });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

// Responses are the error values here: boxing them buys nothing on this path.
#[allow(clippy::result_large_err)]
fn check_key(
    s: &Shared,
    gateway: bool,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<(), Response> {
    let key = header_str(headers, "x-goog-api-key")
        .map(str::to_string)
        .or_else(|| query_param(query, "key").filter(|k| !k.trim().is_empty()));
    let Some(key) = key else {
        return Err(if gateway {
            json_response(
                StatusCode::UNAUTHORIZED,
                wire::litellm_error(
                    401,
                    "Authentication Error, No api key passed in.",
                    "auth_error",
                    json!("None"),
                ),
            )
        } else {
            json_response(
                StatusCode::FORBIDDEN,
                wire::google_error(
                    403,
                    "PERMISSION_DENIED",
                    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
                    None,
                ),
            )
        });
    };
    if let Some(expected) = &s.config.api_key {
        if &key != expected {
            return Err(if gateway {
                json_response(
                    StatusCode::UNAUTHORIZED,
                    wire::litellm_error(
                        401,
                        "Authentication Error, Invalid proxy server token passed. Received API Key = sk-...****, Key Hash (Token) =0000000000000000000000000000000000000000000000000000000000000000. Unable to find token in cache or `LiteLLM_VerificationTokenTable`",
                        "token_not_found_in_db",
                        json!("key"),
                    ),
                )
            } else {
                json_response(
                    StatusCode::BAD_REQUEST,
                    wire::google_error(
                        400,
                        "INVALID_ARGUMENT",
                        "API key not valid. Please pass a valid API key.",
                        Some(json!([{
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "API_KEY_INVALID",
                            "domain": "googleapis.com",
                            "metadata": {"service": "generativelanguage.googleapis.com"}
                        }])),
                    ),
                )
            });
        }
    }
    Ok(())
}

/// Gemini 3 image models reject model turns whose first non-thought part, or any
/// non-thought inline image, lacks a `thoughtSignature`.
#[allow(clippy::result_large_err)]
fn check_signatures(req: &GenerateRequest) -> Result<(), Response> {
    for (ci, content) in req.contents.iter().enumerate() {
        if !content.is_model() {
            continue;
        }
        let mut first = true;
        for (pi, part) in content.parts.iter().enumerate() {
            if part.thought {
                continue;
            }
            let is_image = matches!(part.data, PartData::InlineData(_));
            let signed = part
                .thought_signature
                .as_deref()
                .is_some_and(|s| !s.trim().is_empty());
            if (first || is_image) && !signed {
                let kind = match part.data {
                    PartData::InlineData(_) => "Image",
                    PartData::Text(_) => "Text",
                    _ => "Function call",
                };
                return Err(bad_request(
                    None,
                    &format!(
                        "{kind} part is missing a thought_signature in content position {}, part position {}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.",
                        ci + 1,
                        pi + 1
                    ),
                ));
            }
            first = false;
        }
    }
    Ok(())
}

fn last_user_text(req: &GenerateRequest) -> String {
    req.contents
        .last()
        .map(|c| {
            c.parts
                .iter()
                .filter(|p| !p.thought)
                .filter_map(Part::as_text)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// The image to edit: the first inline image of the last turn, else the last non-thought
/// inline image anywhere in the history (a conversation's previous result).
fn take_source(req: &mut GenerateRequest) -> Option<Vec<u8>> {
    let last = req.contents.len().checked_sub(1)?;
    let pick = |p: &Part| !p.thought && matches!(p.data, PartData::InlineData(_));
    let pos = req.contents[last]
        .parts
        .iter()
        .position(pick)
        .map(|pi| (last, pi))
        .or_else(|| {
            req.contents
                .iter()
                .enumerate()
                .rev()
                .find_map(|(ci, c)| c.parts.iter().rposition(pick).map(|pi| (ci, pi)))
        })?;
    match &mut req.contents[pos.0].parts[pos.1].data {
        PartData::InlineData(blob) => Some(std::mem::take(&mut blob.data).into()),
        _ => None,
    }
}

fn input_image_tokens(caps: &ModelCapabilities) -> u32 {
    match caps.family {
        "gemini-2.5-flash-image" => 258,
        "gemini-3-pro-image" => 560,
        _ => 1120,
    }
}

fn text_tokens(text: &str) -> u32 {
    let n = text.chars().count().div_ceil(4);
    u32::try_from(n).unwrap_or(u32::MAX).max(1)
}

fn signature(response_id: &str, slot: &str) -> String {
    let h = imaging::fnv64(format!("{response_id}/{slot}").as_bytes());
    base64_simd::STANDARD.encode_to_string(format!("emu-sig:{slot}:{h:016x}"))
}

fn response_id(prompt: &str, n: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng =
        imaging::Rng::new(imaging::fnv64(prompt.as_bytes()) ^ n.wrapping_mul(0x9e37_79b9));
    (0..22)
        .map(|_| ALPHABET[(rng.next_u64() % ALPHABET.len() as u64) as usize] as char)
        .collect()
}

fn thought_text(prompt: &str) -> String {
    let subject: String = prompt.chars().take(80).collect();
    format!(
        "**Planning the composition**\n\nI'm working out how to depict \"{subject}\": the layout, the palette and where the main shapes go. Next I'll render a draft and refine it."
    )
}

/// How the body is delivered.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Delivery {
    Normal,
    Drop,
    SlowBody(Duration),
    /// An error event after the first chunk: `data:`-framed, or a raw JSON line.
    StreamError {
        raw: bool,
    },
}

enum Piece {
    Data(Bytes),
    Pause(Duration),
    Abort,
}

struct ChannelBody {
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, io::Error>>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = io::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, io::Error>>> {
        self.rx
            .poll_recv(cx)
            .map(|o| o.map(|r| r.map(http_body::Frame::data)))
    }
}

/// A stream chunk at least this long is sent as its own piece, framing apart (no copy).
const SPLIT_FRAME_BYTES: usize = 64 * 1024;

fn piece_body(pieces: Vec<Piece>) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, io::Error>>(2);
    tokio::spawn(async move {
        for p in pieces {
            match p {
                Piece::Data(b) => {
                    if tx.send(Ok(b)).await.is_err() {
                        return;
                    }
                }
                Piece::Pause(d) => tokio::time::sleep(d).await,
                Piece::Abort => {
                    let _ = tx
                        .send(Err(io::Error::new(
                            io::ErrorKind::ConnectionAborted,
                            "gemini-image-emulator: drop fault",
                        )))
                        .await;
                    return;
                }
            }
        }
    });
    Body::new(ChannelBody { rx })
}

fn image_part<'a>(r: &'a Rendered, signature: Option<&'a str>) -> OutPart<'a> {
    OutPart::Image {
        mime: r.mime,
        base64: &r.base64,
        thought: false,
        signature,
    }
}

fn candidate<'a>(parts: &'a [OutPart<'a>], finish_reason: Option<&'a str>) -> CandidateOut<'a> {
    CandidateOut {
        content: ContentShape::Parts(parts),
        finish_reason,
        finish_message: None,
        safety_ratings: finish_reason == Some("STOP"),
    }
}

struct Answer {
    caps: &'static ModelCapabilities,
    model_version: String,
    response_id: String,
    usage: Usage,
    text: bool,
    stream: bool,
    sse: bool,
    /// One `: keep-alive` comment between the interim and the final chunks (SSE only).
    keepalive: bool,
    delivery: Delivery,
}

impl Answer {
    fn chunk(
        &self,
        candidate: Option<CandidateOut<'_>>,
        block: Option<&str>,
        usage: Option<Usage>,
    ) -> String {
        ResponseOut {
            candidate,
            block_reason: block,
            usage,
            model_version: &self.model_version,
            response_id: &self.response_id,
        }
        .to_json()
    }

    /// Sends `chunks` as one JSON body (non-stream: the last chunk is the whole answer) or
    /// as a stream, honouring the delivery mode.
    fn send(&self, chunks: Vec<String>) -> Response {
        if !self.stream {
            let body = chunks.into_iter().last().unwrap_or_default();
            return self.send_single(body);
        }
        let mut pieces = Vec::new();
        let n = chunks.len();
        for (i, c) in chunks.into_iter().enumerate() {
            let (before, after) = match (self.sse, i) {
                (true, _) => ("data: ", "\r\n\r\n"),
                (false, 0) => ("[", ""),
                (false, _) => (",\r\n", ""),
            };
            if c.len() < SPLIT_FRAME_BYTES {
                // One piece per event, as a server writes it (clients' readers see the
                // event and what follows it in one read, which some depend on).
                pieces.push(Piece::Data(Bytes::from(format!("{before}{c}{after}"))));
            } else {
                // The framing goes around a big chunk (up to a 28 MB image), not into a
                // copy of it.
                pieces.push(Piece::Data(Bytes::from_static(before.as_bytes())));
                pieces.push(Piece::Data(Bytes::from(c)));
                if !after.is_empty() {
                    pieces.push(Piece::Data(Bytes::from_static(after.as_bytes())));
                }
            }
            if i == 0 {
                match self.delivery {
                    Delivery::Drop => {
                        // Let hyper flush the first event before the abort; otherwise it
                        // may discard the buffered frame and the client sees no byte.
                        pieces.push(Piece::Pause(Duration::from_millis(50)));
                        pieces.push(Piece::Abort);
                        break;
                    }
                    Delivery::StreamError { raw } => {
                        let error = if raw {
                            format!("{}\n", wire::overloaded())
                        } else if self.sse {
                            format!("data: {}\r\n\r\n", wire::overloaded())
                        } else {
                            // The JSON-array form: the error is the array's last element.
                            format!(",\r\n{}]", wire::overloaded())
                        };
                        pieces.push(Piece::Data(Bytes::from(error)));
                        break;
                    }
                    Delivery::SlowBody(d) => {
                        let step = Duration::from_millis(250);
                        let mut left = d;
                        while !left.is_zero() {
                            let t = left.min(step);
                            pieces.push(Piece::Pause(t));
                            left -= t;
                            // Keep-alive pings only where comments are on (the gateway
                            // route by default): Google's streams just go quiet.
                            if self.sse && self.keepalive {
                                pieces
                                    .push(Piece::Data(Bytes::from_static(b": keep-alive\r\n\r\n")));
                            }
                        }
                    }
                    Delivery::Normal => {}
                }
            }
            if self.sse && self.keepalive && i + 2 == n && n > 2 {
                // One comment line between the interim and final chunks, as the
                // gateway's keep-alive pings put them.
                pieces.push(Piece::Data(Bytes::from_static(b": keep-alive\r\n\r\n")));
            }
            if !self.sse && i + 1 == n {
                pieces.push(Piece::Data(Bytes::from_static(b"]")));
            }
        }
        let content_type = if self.sse {
            "text/event-stream"
        } else {
            "application/json; charset=UTF-8"
        };
        let mut r = Response::new(piece_body(pieces));
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        r
    }

    fn send_single(&self, body: String) -> Response {
        let len = body.len();
        let mut r = match self.delivery {
            Delivery::Normal | Delivery::StreamError { .. } => Response::new(Body::from(body)),
            Delivery::Drop => {
                let mut bytes = Bytes::from(body);
                let cut = (len / 2).max(1).min(len);
                let head = bytes.split_to(cut);
                Response::new(piece_body(vec![
                    Piece::Data(head),
                    Piece::Pause(Duration::from_millis(50)),
                    Piece::Abort,
                ]))
            }
            Delivery::SlowBody(d) => {
                let mut bytes = Bytes::from(body);
                let cut = (len / 2).min(len);
                let head = bytes.split_to(cut);
                Response::new(piece_body(vec![
                    Piece::Data(head),
                    Piece::Pause(d),
                    Piece::Data(bytes),
                ]))
            }
        };
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        if let Ok(v) = HeaderValue::from_str(&len.to_string()) {
            r.headers_mut().insert(header::CONTENT_LENGTH, v);
        }
        r
    }

    fn thinks(&self) -> bool {
        self.caps.thinks
    }

    fn thought_chunk(&self, prompt: &str) -> String {
        let t = thought_text(prompt);
        let parts = [OutPart::Text {
            text: &t,
            thought: true,
            signature: None,
        }];
        self.chunk(
            Some(CandidateOut {
                content: ContentShape::Parts(&parts),
                finish_reason: None,
                finish_message: None,
                safety_ratings: false,
            }),
            None,
            Some(self.usage.prompt_only()),
        )
    }

    /// HTTP-200 outcomes without an image.
    fn outcome(&self, fault: Fault, prompt: &str) -> Response {
        let mut usage = self.usage;
        usage.candidates_text = 0;
        usage.candidates_image = 0;
        let sig = signature(&self.response_id, "refusal");
        let refusal_parts = [OutPart::Text {
            text: wire::REFUSAL_TEXT,
            thought: false,
            signature: self.thinks().then_some(sig.as_str()),
        }];
        let candidate = match fault {
            Fault::ImageSafety => Some(CandidateOut {
                content: ContentShape::Empty,
                finish_reason: Some("IMAGE_SAFETY"),
                finish_message: Some(wire::IMAGE_SAFETY_MESSAGE),
                safety_ratings: false,
            }),
            Fault::Prohibited => Some(CandidateOut {
                content: ContentShape::RoleOnly,
                finish_reason: Some("IMAGE_PROHIBITED_CONTENT"),
                finish_message: Some(wire::PROHIBITED_MESSAGE),
                safety_ratings: false,
            }),
            Fault::NoImage => Some(CandidateOut {
                content: ContentShape::Empty,
                finish_reason: Some("NO_IMAGE"),
                finish_message: None,
                safety_ratings: false,
            }),
            Fault::Refusal => {
                usage.candidates_text = text_tokens(wire::REFUSAL_TEXT);
                Some(CandidateOut {
                    content: ContentShape::Parts(&refusal_parts),
                    finish_reason: Some("STOP"),
                    finish_message: None,
                    safety_ratings: true,
                })
            }
            _ => None,
        };
        let (block, usage) = if fault == Fault::Blocked {
            (Some("PROHIBITED_CONTENT"), usage.prompt_only())
        } else {
            (None, usage)
        };
        let last = self.chunk(candidate, block, Some(usage));
        let mut chunks = Vec::new();
        if self.stream && self.thinks() && fault != Fault::Blocked {
            chunks.push(self.thought_chunk(prompt));
        }
        chunks.push(last);
        self.send(chunks)
    }

    /// The successful answer.
    fn success(&self, r: &Rendered, prompt: &str) -> Response {
        let thought = thought_text(prompt);
        let sig_text = signature(&self.response_id, "text");
        let sig_image = signature(&self.response_id, "image");
        let sig_end = signature(&self.response_id, "end");
        let preamble = if self.thinks() {
            "Here is the image you asked for."
        } else {
            "Here is your image: "
        };
        let thought_part = OutPart::Text {
            text: &thought,
            thought: true,
            signature: None,
        };
        let thought_image = OutPart::Image {
            mime: "image/jpeg",
            base64: &r.thought_base64,
            thought: true,
            signature: None,
        };
        let image = |sig| image_part(r, sig);
        let stop = |parts| candidate(parts, Some("STOP"));
        let open = |parts| candidate(parts, None);
        let thinks = self.thinks();
        if !self.stream {
            let mut parts = Vec::new();
            if thinks {
                parts.push(thought_part);
                parts.push(thought_image);
            }
            if self.text {
                parts.push(OutPart::Text {
                    text: preamble,
                    thought: false,
                    signature: thinks.then_some(sig_text.as_str()),
                });
            }
            parts.push(image(thinks.then_some(sig_image.as_str())));
            return self.send(vec![self.chunk(Some(stop(&parts)), None, Some(self.usage))]);
        }
        let mut chunks = Vec::new();
        if thinks {
            chunks.push(self.thought_chunk(prompt));
            let interim = [thought_image];
            chunks.push(self.chunk(Some(open(&interim)), None, None));
            let fin = [image(Some(&sig_image))];
            chunks.push(self.chunk(Some(open(&fin)), None, None));
            let end = [OutPart::Text {
                text: "",
                thought: false,
                signature: Some(&sig_end),
            }];
            chunks.push(self.chunk(Some(stop(&end)), None, Some(self.usage)));
        } else {
            if self.text {
                let pre = [OutPart::Text {
                    text: preamble,
                    thought: false,
                    signature: None,
                }];
                chunks.push(self.chunk(Some(open(&pre)), None, Some(self.usage.prompt_only())));
            }
            let fin = [image(None)];
            chunks.push(self.chunk(Some(stop(&fin)), None, Some(self.usage)));
        }
        self.send(chunks)
    }
}

/// The input MIME types Gemini image models accept.
const INPUT_MIME_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/heic",
    "image/heif",
];

/// Google's semantic checks, worded as Google words them, on what the strict walk saw.
#[allow(clippy::result_large_err)]
fn google_checks(seen: &strict::Seen, caps: &ModelCapabilities) -> Result<(), Response> {
    if !seen.has_contents {
        return Err(google_400(
            "* GenerateContentRequest.contents: contents is not specified",
        ));
    }
    if seen.empty_parts {
        return Err(google_400("Request has empty input."));
    }
    if seen.bad_role.is_some() {
        return Err(google_400("Please use a valid role: user, model."));
    }
    if let Some(ratio) = &seen.aspect_ratio {
        match ratio.parse::<AspectRatio>() {
            Ok(r) if AspectRatio::ALL.iter().any(|a| a.as_str() == ratio) => {
                if !caps.accepts_aspect_ratio(r) {
                    return Err(google_400(&format!(
                        "Aspect ratio {ratio} is not supported for this model"
                    )));
                }
            }
            _ => {
                return Err(google_400(
                    "aspect_ratio must be one of '1:1', '1:4', '1:8', '2:3', '3:2', '3:4', '4:1', '4:3', '4:5', '5:4', '8:1', '9:16', '16:9', or '21:9'.",
                ));
            }
        }
    }
    // 2.5 models ignore imageSize silently, whatever its value, as Google's do.
    if let (Some(size), false) = (&seen.image_size, caps.image_sizes.is_empty()) {
        match ImageSize::ALL.iter().find(|s| s.as_str() == size) {
            // Exact spelling only: Google rejects a lowercase "2k".
            None => {
                return Err(google_400(&format!(
                    "Unsupported image_size '{size}'. Supported values are: 1K, 2K, 4K, 512."
                )));
            }
            Some(s) if !caps.accepts_image_size(*s) => {
                return Err(google_400(&format!(
                    "Image size {size} is not supported for this model"
                )));
            }
            Some(_) => {}
        }
    }
    for (_, mime) in &seen.inline_mimes {
        if !INPUT_MIME_TYPES.contains(&mime.as_str()) {
            return Err(google_400(&format!("Unsupported MIME type: {mime}")));
        }
    }
    Ok(())
}

/// The body without `generationConfig.imageConfig.imageSize` (either spelling).
fn without_image_size(body: &[u8]) -> Vec<u8> {
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return body.to_vec();
    };
    for config in ["generationConfig", "generation_config"] {
        for image in ["imageConfig", "image_config"] {
            if let Some(obj) = v
                .get_mut(config)
                .and_then(|c| c.get_mut(image))
                .and_then(|i| i.as_object_mut())
            {
                obj.remove("imageSize");
                obj.remove("image_size");
            }
        }
    }
    serde_json::to_vec(&v).unwrap_or_else(|_| body.to_vec())
}

/// More input images than the model takes (the documented limits: 3 for 2.5, 14 for 3.x).
#[allow(clippy::result_large_err)]
fn check_image_count(
    req: &GenerateRequest,
    caps: &ModelCapabilities,
    model_id: &str,
) -> Result<(), Response> {
    let count = req.input_images().count();
    if count > caps.max_input_images {
        return Err(google_400(&format!(
            "Too many input images: {model_id} accepts at most {} images per request, got {count}.",
            caps.max_input_images
        )));
    }
    Ok(())
}

#[allow(clippy::result_large_err, clippy::too_many_arguments)]
async fn handle(
    s: &Arc<Shared>,
    route: &Route,
    model: &str,
    stream: bool,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, Response> {
    let query = uri.query();
    let sse = query_param(query, "alt").is_some_and(|a| a.eq_ignore_ascii_case("sse"));
    check_key(s, route.gateway, headers, query)?;
    let method = if stream {
        "streamGenerateContent"
    } else {
        "generateContent"
    };
    let (caps, model_version) = resolve_model(route, model, method)?;
    let model_id = model.strip_prefix("models/").unwrap_or(model).to_string();
    let seen = strict::check_generate(body, route.version).map_err(violations_response)?;
    google_checks(&seen, caps)?;
    let mut req = match GenerateRequest::from_wire_json(&model_id, body) {
        // 2.5 ignores any imageSize, even one the core cannot read ("8k"): drop it.
        Err(e) if caps.image_sizes.is_empty() && e.field() == Some("image_size") => {
            GenerateRequest::from_wire_json(&model_id, &without_image_size(body))
        }
        other => other,
    }
    .map_err(|e| core_error(&e))?;
    check_image_count(&req, caps, &model_id)?;
    if req.config.candidate_count.is_some_and(|n| n > 1) {
        return Err(google_400(
            "Multiple candidates is not enabled for this model",
        ));
    }
    if caps.image_sizes.is_empty() {
        // Like the real server, models without sizes ignore imageSize silently.
        req.config.image_size = None;
    }
    req.validate().map_err(|e| core_error(&e))?;
    if caps.requires_thought_signatures {
        check_signatures(&req)?;
    }

    let raw_prompt = last_user_text(&req);
    let (mut directives, prompt) = if s.config.faults_enabled {
        Directives::from_prompt(&raw_prompt).map_err(|m| bad_request(None, &m))?
    } else {
        (Directives::default(), raw_prompt.clone())
    };
    if s.config.faults_enabled {
        directives
            .add_headers(
                header_str(headers, "x-emulator-fault"),
                header_str(headers, "x-emulator-delay-ms"),
                None,
            )
            .map_err(|m| bad_request(None, &m))?;
    } else {
        directives.faults.clear();
        directives.delay_ms = None;
    }
    directives
        .add_headers(None, None, header_str(headers, "x-emulator-image-bytes"))
        .map_err(|m| bad_request(None, &m))?;
    let keepalive_header = match header_str(headers, "x-emulator-keepalive") {
        None => None,
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "on" | "1" | "true" | "yes" => Some(true),
            "off" | "0" | "false" | "no" => Some(false),
            _ => {
                return Err(bad_request(
                    None,
                    &format!("bad x-emulator-keepalive value {v:?}; use on or off"),
                ));
            }
        },
    };
    let seen_count = s.bump_prompt(&raw_prompt);
    let active: Vec<Fault> = directives
        .faults
        .iter()
        .filter(|f| f.fires(seen_count))
        .map(|f| f.fault)
        .collect();
    let delay = Duration::from_millis(directives.delay_ms.unwrap_or(DEFAULT_FAULT_DELAY_MS));
    let keepalive = keepalive_header.unwrap_or(
        active.contains(&Fault::KeepAlive) || (route.gateway && s.config.gateway_keepalive),
    );

    if !s.config.latency.is_zero() {
        tokio::time::sleep(s.config.latency).await;
    }
    if active.contains(&Fault::Slow) {
        tokio::time::sleep(delay).await;
    }
    let main = active.iter().copied().find(|f| !f.is_modifier());
    let mut delivery = if active.contains(&Fault::SlowBody) {
        Delivery::SlowBody(delay)
    } else {
        Delivery::Normal
    };
    match main {
        Some(Fault::RateLimit) => {
            return Err(json_response(
                StatusCode::TOO_MANY_REQUESTS,
                wire::rate_limit(caps.family),
            ));
        }
        Some(Fault::Credits) => {
            return Err(json_response(
                StatusCode::TOO_MANY_REQUESTS,
                wire::google_error(
                    429,
                    "RESOURCE_EXHAUSTED",
                    "Your prepayment credits are depleted. Please go to AI Studio at https://ai.studio/projects to manage your project and billing.",
                    None,
                ),
            ));
        }
        Some(Fault::Budget) => {
            return Err(json_response(
                StatusCode::TOO_MANY_REQUESTS,
                wire::litellm_error(
                    429,
                    "Budget has been exceeded! Current cost: 50.01, Max budget: 50.0",
                    "budget_exceeded",
                    serde_json::Value::Null,
                ),
            ));
        }
        Some(Fault::Overloaded) => {
            return Err(json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                wire::overloaded(),
            ));
        }
        Some(Fault::StreamError | Fault::StreamErrorRaw) if !stream => {
            return Err(json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                wire::overloaded(),
            ));
        }
        Some(Fault::Deadline) => {
            return Err(json_response(
                StatusCode::GATEWAY_TIMEOUT,
                wire::google_error(
                    504,
                    "DEADLINE_EXCEEDED",
                    "Deadline expired before operation could complete.",
                    None,
                ),
            ));
        }
        Some(Fault::Internal) => {
            return Err(json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                wire::google_error(
                    500,
                    "INTERNAL",
                    "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
                    None,
                ),
            ));
        }
        Some(Fault::Html502) => {
            let mut r = Response::new(Body::from(wire::HTML_502));
            *r.status_mut() = StatusCode::BAD_GATEWAY;
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            return Err(r);
        }
        Some(Fault::Drop) => delivery = Delivery::Drop,
        Some(Fault::StreamError) => delivery = Delivery::StreamError { raw: false },
        Some(Fault::StreamErrorRaw) => delivery = Delivery::StreamError { raw: true },
        _ => {}
    }

    // Usage: the candidate counts always add up to their details.
    let text = req.config.effective_modalities().contains(&Modality::Text);
    let n = s.responses.fetch_add(1, Ordering::Relaxed);
    let rid = response_id(&raw_prompt, n);
    let thoughts = if caps.thinks {
        120 + (imaging::fnv64(prompt.as_bytes()) % 200) as u32
    } else {
        0
    };
    let base = prompt_usage(&req, caps);
    let usage = Usage {
        prompt_text: base.prompt_text.max(1),
        prompt_image: base.prompt_image,
        candidates_text: if text { PREAMBLE_TOKENS } else { 0 },
        candidates_image: caps.output_tokens(req.config.image_size),
        thoughts,
    };
    let answer = Answer {
        caps,
        model_version,
        response_id: rid,
        usage,
        text,
        stream,
        sse,
        keepalive,
        delivery,
    };
    if let Some(
        f @ (Fault::ImageSafety
        | Fault::Prohibited
        | Fault::NoImage
        | Fault::Blocked
        | Fault::Refusal),
    ) = main
    {
        return Ok(answer.outcome(f, &prompt));
    }

    let job = RenderJob {
        prompt: prompt.clone(),
        source: take_source(&mut req),
        caps,
        ratio: req.config.aspect_ratio,
        size: req.config.image_size,
        pad: directives.image_bytes,
    };
    let shared = Arc::clone(s);
    let rendered = tokio::task::spawn_blocking(move || shared.render(job))
        .await
        .map_err(|_| internal("gemini-image-emulator: rendering failed"))?
        .map_err(|e| internal(&format!("gemini-image-emulator: {e}")))?;
    Ok(answer.success(&rendered, &prompt))
}

/// Output tokens of the short text part that precedes the image.
const PREAMBLE_TOKENS: u32 = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_percent() {
        assert_eq!(
            query_param(Some("alt=sse&key=a%2Bb"), "key").as_deref(),
            Some("a+b")
        );
        assert_eq!(query_param(Some("alt=sse"), "key"), None);
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn closest_ratio_picks_nearby() {
        let caps = model::capabilities("gemini-2.5-flash-image").unwrap();
        assert_eq!(closest_ratio(caps, 1.78), AspectRatio::Landscape16x9);
        assert_eq!(closest_ratio(caps, 1.0), AspectRatio::Square);
        assert_eq!(closest_ratio(caps, 0.1), AspectRatio::Portrait9x16);
    }
}
