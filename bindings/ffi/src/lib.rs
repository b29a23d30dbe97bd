//! # gemini-image-ffi
//!
//! The uniffi binding of gemini-image, for Kotlin (Android, JVM) and Swift (iOS, macOS).
//! It converts types and maps errors; everything else (HTTP, retries, wire format,
//! validation) is the `gemini-image` client and its sans-IO core.
//!
//! * [`GeminiImageClient`]: `generateBlocking`, `editBlocking`, `streamBlocking`
//!   ([`ImageStream`]), `conversation` ([`Conversation`], saved with `toJson` and restored
//!   with `restoreConversation`). The `*Blocking` calls block the calling thread; the
//!   hand-written Kotlin (`suspend`, `Flow`) and Swift (`async`, `AsyncThrowingStream`)
//!   layers run them on worker threads.
//! * Bring your own HTTP: [`build_request`], [`parse_response`], [`retry_delay_ms`],
//!   [`StreamParser`].
//! * [`GeminiImageError`]: one variant per stable kind, with typed fields (Kotlin's sealed
//!   `GeminiImageException`, Swift's `GeminiImageError`).
//! * Files: [`load_image`] and [`save_image`] (the client's naming rule: an extension from
//!   the MIME type, never replacing a file unless asked).
//! * [`start_emulator`]: the offline emulator on a free loopback port, for tests.

// The error enum and StreamEvent are the FFI surface (typed fields, results inline): their size is
// fixed by what Kotlin and Swift receive, and errors are not on a hot path.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]

mod client;
mod emulator;
mod error;
mod files;
mod sansio;
mod types;

pub use client::{
    CancelToken, ClientConfig, Conversation, GeminiImageClient, ImageStream, RetryListener,
    RetryNotice,
};
pub use emulator::{TestEmulator, start_emulator};
pub use error::GeminiImageError;
pub use files::{SavedImage, load_image, save_image};
pub use sansio::{
    EndpointConfig, SansIoConversation, StreamParser, build_request, parse_response, retry_delay_ms,
};
pub use types::{
    CallKind, GenerationResult, Header, HttpRequest, Image, ImageOptions, ImageRequest, InputImage,
    ModalityTokens, SafetyRating, SafetySetting, StreamEvent, ThinkingOptions, Turn, TurnPart,
    Usage, image_extension,
};

uniffi::setup_scaffolding!("gemini_image");
