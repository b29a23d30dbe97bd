//! # gemini-image
//!
//! Generate and edit images with Gemini image models — Nano Banana
//! (`gemini-2.5-flash-image`), Nano Banana Pro (`gemini-3-pro-image-preview`) and Nano
//! Banana 2 (`gemini-3.1-flash-image`) — through the AI Thực Chiến gateway
//! (`https://api.thucchien.ai/gemini`, the default) or Google's API, from blocking Rust.
//!
//! This crate is the transport: a [`Client`] built on one keep-alive [`ureq`] agent, with
//! timeouts, retries, streaming, multi-turn conversations and batches. Everything about
//! the wire — request building, validation, parsing, errors, retry decisions — lives in
//! the sans-IO [`core`] crate, re-exported here so one dependency is enough.
//!
//! ```no_run
//! use gemini_image::{AspectRatio, Client};
//!
//! // THUCCHIEN_API_KEY (or GEMINI_API_KEY) must be set.
//! let client = Client::from_env()?;
//! let request = client
//!     .request("a lighthouse at dusk, watercolor")
//!     .with_aspect_ratio(AspectRatio::Landscape16x9);
//! let response = client.generate(&request)?;
//! for (i, image) in response.images().iter().enumerate() {
//!     std::fs::write(format!("lighthouse-{i}.{}", image.extension()), &image.data)?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A runnable version against the offline emulator (no key, no network):
//!
//! ```
//! use gemini_image::{Blob, Client, ErrorKind};
//! use gemini_image_emulator::{Emulator, EmulatorConfig};
//!
//! let emulator = Emulator::start(EmulatorConfig::default())?;
//! let client = Client::builder()
//!     .api_key("test-key")
//!     .base_url(emulator.gateway_url())
//!     .default_model("gemini-2.5-flash-image")
//!     .build()?;
//!
//! let picture = client.text_to_image("a red fox in the snow")?;
//! let image = picture.image().ok_or("no image")?;
//! assert_eq!(image.mime_type, "image/png");
//!
//! let edited = client.edit([image.clone()], "make it night")?;
//! assert!(edited.image().is_some());
//!
//! // An HTTP 200 without an image is an error with a stable kind.
//! let refused = client.text_to_image("a fox [[fault:image_safety]]").unwrap_err();
//! assert_eq!(refused.kind(), ErrorKind::NoImage);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## In scope
//! * [`Client`] configuration from code or the environment ([`ClientBuilder`],
//!   [`Client::from_env`]): key, base URL, default model, connect and overall timeouts,
//!   retry policy, proxy, user agent, response size cap (ureq's 10 MB default never
//!   applies: a 20 MB image arrives whole). [`EnvConfig`] reads the environment once for
//!   every front door and says where each value came from; a key from `GEMINI_API_KEY` /
//!   `GOOGLE_API_KEY` goes to Google's API unless a base URL is given.
//! * Files, one rule for every front door: [`load_image`] (input images, MIME sniffed),
//!   [`save_image`] / [`SaveImage`] (the MIME type's extension, never replacing an existing
//!   file unless asked — the next free name `x-2.jpg` instead — atomic writes),
//!   [`default_stem`] / [`plan_output`] (names from the prompt), and [`BatchDir`] (a
//!   batch's output directory with `manifest.jsonl` and resume).
//! * Operations: [`Client::generate`] / [`Client::generate_raw`], [`Client::text_to_image`],
//!   [`Client::edit`], [`Client::stream`] ([`ImageStream`]), [`Client::conversation`]
//!   ([`Chat`]) and [`Client::batch`] (bounded concurrency, input order, per-item errors,
//!   a callback as each item finishes, cancellation).
//! * Retries: the core's [`RetryPolicy`] decides, this crate waits (an injectable
//!   [`Sleeper`]) with jitter from a tiny internal generator; [`CallInfo`] reports the
//!   attempts.
//! * Mapping transport failures onto the core's [`Error`] kinds: `timeout`, `network`,
//!   `response_too_large`. The API key is scrubbed from every returned error and never
//!   shown by `Debug`.
//!
//! ## Out of scope
//! * Wire logic of any kind (see [`core`]: build requests yourself with
//!   [`build_http_request`] and parse with [`parse_response`] to bring your own HTTP).
//! * async: calls block the calling thread (run them on a worker thread or
//!   `spawn_blocking` in async code; bindings do exactly that).
//! * The Files API, model listing, token counting, image decoding or resizing.
//! * Logging and metrics (use [`CallInfo`] and the error kinds).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod batch;
pub use batch::run_bounded;
mod batch_files;
mod call;
mod chat;
mod client;
mod config;
mod files;
mod jitter;
mod save;
mod stream;
mod to_file;
mod transport;

use std::sync::Arc;
use std::time::Duration;

/// The sans-IO core (types, validation, request building, parsing, retries, SSE,
/// conversations), re-exported.
pub use gemini_image_core as core;

pub use gemini_image_core::{
    ACCEPTED_INPUT_MIME_TYPES, ApiError, ApiKey, AspectRatio, Blob, BlockReason, Bytes,
    CONVERSATION_FORMAT_VERSION, Call, Candidate, Content, Conversation, Endpoint, Error,
    ErrorKind, FileData, FillImage, FinishReason, GATEWAY_BASE_URL, GOOGLE_BASE_URL,
    GenerateRequest, GenerateResponse, GenerationConfig, HttpRequest, ImageAllocator, ImageOutput,
    ImageSize, Modality, ModalityTokenCount, NoImage, Part, PartData, PromptFeedback,
    REQUEST_OPTION_KEYS, Remedy, RequestOptions, RetryDecision, RetryPolicy, SafetyRating,
    SafetySetting, StreamEvent, ThinkingConfig, TransportFailure, UsageMetadata,
    build_http_request, millis_to_duration, parse_response, parse_response_into,
    seconds_to_duration,
};

pub use batch_files::{
    BatchDir, MANIFEST_NAME, Manifest, Previous, Record, RecordError, Resume, read_manifest,
    sanitize_id,
};
pub use call::{CallOptions, CancelToken, RetryEvent, RetryObserver};
pub use chat::Chat;
pub use client::{CallInfo, Client};
pub use config::{
    ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
    ENV_ALLOW_INSECURE_HTTP, ENV_API_KEYS, ENV_BASE_URL, ENV_GEMINI_API_KEY, ENV_GOOGLE_API_KEY,
    ENV_MODEL, ENV_THUCCHIEN_API_KEY, EnvConfig, Source,
};
pub use files::load_image;
pub use save::{
    OutputPlan, SaveImage, SavedImage, default_stem, image_path, numbered, plan_output, save_image,
    short_hash, slug, write_file,
};
pub use stream::ImageStream;
pub use to_file::{GeneratedFiles, WrittenImage};

/// The model used when none is named: Nano Banana 2 (`gemini-3.1-flash-image`).
pub const DEFAULT_MODEL: &str = "gemini-3.1-flash-image";

/// How a client waits between retries; tests inject a recording no-op.
pub type Sleeper = Arc<dyn Fn(Duration) + Send + Sync>;

/// Where retry jitter comes from: each call returns a value in `0.0..=1.0`.
pub type JitterSource = Arc<dyn Fn() -> f64 + Send + Sync>;
