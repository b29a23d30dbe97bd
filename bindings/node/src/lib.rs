//! # gemini-image-node
//!
//! The napi addon behind the `gemini-image` npm package (`node/`). It converts types, maps
//! errors to a payload the JS layer turns into typed `Error` subclasses, and runs every
//! call on its own OS thread; it holds no HTTP and no wire logic (that is `gemini-image`
//! and `gemini-image-core`). The public JavaScript API is `node/index.js` + `index.d.ts`;
//! these exports are its internals.

// napi registers exports outside `cfg(test)`; a test build sees them as unused.
#![cfg_attr(test, allow(dead_code))]

mod client;
mod convert;
mod emulator;
mod error;
mod sansio;

use napi_derive::napi;

/// The package version (the workspace's).
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The model used when none is named (Nano Banana 2).
#[napi]
pub fn default_model() -> String {
    gemini_image::DEFAULT_MODEL.to_string()
}

/// The file extension (without the dot) for a MIME type: `png`, `jpg`, `webp`…
#[napi]
pub fn extension_for_mime(mime_type: String) -> String {
    gemini_image::core::extension_for_mime(&mime_type).to_string()
}

/// One error kind of the core and its code.
#[napi(object)]
pub struct ErrorKindInfo {
    pub kind: String,
    pub code: String,
}

/// Every error kind the core reports (`ErrorKind::ALL`): the JS layer checks its error
/// table against it.
#[napi]
pub fn error_kinds() -> Vec<ErrorKindInfo> {
    gemini_image::ErrorKind::ALL
        .iter()
        .map(|kind| ErrorKindInfo {
            kind: kind.as_str().to_string(),
            code: kind.code().to_string(),
        })
        .collect()
}
