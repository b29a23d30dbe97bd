//! The offline emulator, for tests of apps and of this binding.

use std::sync::Mutex;

use gemini_image_emulator::{Emulator, EmulatorConfig};

use crate::error::GeminiImageError;

/// A running emulator on a free loopback port: a Gemini-compatible server answering with
/// real PNG/JPEG images, with faults on demand (`[[fault:rate_limit]]` in a prompt, …).
/// `shutdown()` stops it (so does releasing the object: Kotlin's `close()`, Swift's
/// deinit).
#[derive(uniffi::Object)]
pub struct TestEmulator {
    emulator: Mutex<Option<Emulator>>,
    base_url: String,
    gateway_url: String,
}

/// Starts the emulator on `127.0.0.1` and a free port. With `api_key`, only that key is
/// accepted (others get 401); without, any non-empty key.
#[uniffi::export(default(api_key = None))]
pub fn start_emulator(
    api_key: Option<String>,
) -> Result<std::sync::Arc<TestEmulator>, GeminiImageError> {
    let mut config = EmulatorConfig::default();
    if let Some(key) = api_key {
        config = config.with_api_key(key);
    }
    let emulator = Emulator::start(config).map_err(|e| {
        GeminiImageError::simple("io", None, format!("cannot start the emulator: {e}"))
    })?;
    Ok(std::sync::Arc::new(TestEmulator {
        base_url: emulator.url(),
        gateway_url: emulator.gateway_url(),
        emulator: Mutex::new(Some(emulator)),
    }))
}

#[uniffi::export]
impl TestEmulator {
    /// The Google-style base URL (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The gateway-style base URL (`http://127.0.0.1:PORT/gemini`).
    pub fn gateway_url(&self) -> String {
        self.gateway_url.clone()
    }

    /// How many generate requests it has answered.
    pub fn request_count(&self) -> i64 {
        self.emulator
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map_or(0, |e| i64::try_from(e.request_count()).unwrap_or(i64::MAX))
    }

    /// Stops the server (idempotent).
    pub fn shutdown(&self) {
        let emulator = self
            .emulator
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(emulator) = emulator {
            emulator.shutdown();
        }
    }
}
