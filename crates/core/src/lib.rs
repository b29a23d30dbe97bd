//! # gemini-image-core
//!
//! The sans-IO heart of gemini-image: everything about generating and editing images with
//! Gemini image models (Nano Banana, Nano Banana Pro, Nano Banana 2) except moving bytes.
//! It works the same through the AI Thực Chiến gateway (`https://api.thucchien.ai/gemini`,
//! the default) and Google's API.
//!
//! ```
//! use gemini_image_core::{ApiKey, AspectRatio, Call, Endpoint, GenerateRequest, build_http_request, parse_response};
//!
//! let request = GenerateRequest::text_to_image("gemini-2.5-flash-image", "a lighthouse at dusk")
//!     .with_aspect_ratio(AspectRatio::Landscape16x9);
//! let http = build_http_request(&Endpoint::gateway(), &ApiKey::new("my-key")?, &request, Call::Generate)?;
//! assert!(http.url.ends_with("/v1beta/models/gemini-2.5-flash-image:generateContent"));
//! // ... send `http` with any HTTP client, then:
//! let body = br#"{"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}}]},"finishReason":"STOP"}]}"#;
//! let response = parse_response(200, &[], body)?.require_image()?;
//! assert_eq!(response.images()[0].mime_type, "image/png");
//! # Ok::<(), gemini_image_core::Error>(())
//! ```
//!
//! ## In scope
//! * The request model and builders ([`GenerateRequest`]): text-to-image, edits, multi-turn.
//! * Validation before sending, per known model ([`model`]), naming the offending field.
//! * Building the HTTP request ([`build_http_request`]): URL, headers, JSON body with
//!   base64 written straight into the buffer.
//! * Parsing responses ([`parse_response`]) faithfully (open enums, `finishMessage`,
//!   thought parts and signatures, every usage counter), and the typed no-image outcome;
//!   piece by piece ([`BodyReader`]), with images decoded into a sink or straight into
//!   buffers from the caller's [`ImageAllocator`] ([`parse_response_into`]).
//! * One [`Error`] with stable [`ErrorKind`]s for Google's and the gateway's error bodies.
//! * Pure retry decisions ([`RetryPolicy::decide`]).
//! * SSE decoding and stream accumulation ([`SseDecoder`], [`StreamParser`]).
//! * Conversation state for multi-turn editing ([`Conversation`]).
//!
//! ## Out of scope
//! * Sockets, TLS, DNS, proxies, timeouts: see the `gemini-image` crate (ureq).
//! * Clocks, sleeping and randomness: the caller passes attempt numbers and jitter.
//! * Environment variables, files and logging.
//! * Image decoding or transcoding (only header sniffing for MIME type and pixel size).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api_error;
mod b64;
mod body;
pub mod casing;
mod content;
mod conversation;
mod duration;
mod error;
mod http;
pub mod model;
mod options;
mod redact;
mod request;
mod request_options;
mod response;
mod retry;
mod sniff;
mod sse;
mod stream;
mod wire;

pub use body::{
    AllocatorSink, BodyReader, FillImage, ImageAllocator, ImageSink, MemorySink, VecAllocator,
    parse_response_into,
};
pub use bytes::Bytes;
pub use content::{Blob, Content, FileData, Part, PartData, ROLE_MODEL, ROLE_USER};
pub use conversation::{CONVERSATION_FORMAT_VERSION, Conversation};
pub use duration::{MAX_USER_DURATION, millis_to_duration, seconds_to_duration};
pub use error::{
    ApiError, Error, ErrorKind, FieldViolation, NoImage, Remedy, TransportFailure, scrub_secrets,
};
pub use http::{
    API_KEY_HEADER, ApiKey, Call, DEFAULT_API_VERSION, Endpoint, GATEWAY_BASE_URL, GOOGLE_BASE_URL,
    HttpRequest, USER_AGENT, build_http_request,
};
pub use model::ModelCapabilities;
pub use options::{AspectRatio, ImageSize, Modality, UnknownValue};
pub use request::{
    DEFAULT_MAX_INLINE_BYTES, GenerateRequest, GenerationConfig, HARM_BLOCK_THRESHOLDS,
    HARM_CATEGORIES, SafetySetting, THINKING_LEVELS, ThinkingConfig,
};
pub use request_options::{REQUEST_OPTION_KEYS, RequestOptions};
pub use response::{
    BlockReason, Candidate, FinishReason, GenerateResponse, ImageOutput, MAX_ERROR_BODY_BYTES,
    ModalityTokenCount, PromptFeedback, SafetyRating, UsageMetadata, parse_response,
};
pub use retry::{RetryDecision, RetryPolicy, SERVER_DELAY_SPREAD};
pub use sniff::{
    ACCEPTED_INPUT_MIME_TYPES, DimensionProbe, extension_for_mime, image_dimensions, sniff_mime,
};
pub use sse::{DEFAULT_MAX_EVENT_BYTES, SseDecoder};
pub use stream::{
    StreamAccumulator, StreamEvent, StreamParser, parse_stream_event, parse_stream_event_into,
};

/// Base64 helpers (lenient decoding in both alphabets; standard padded encoding).
pub mod base64 {
    pub use crate::b64::{decode, encode};
}
