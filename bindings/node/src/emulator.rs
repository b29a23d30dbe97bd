//! The offline emulator, for users' own tests: `startEmulator()` in JavaScript.

use std::sync::Mutex;
use std::time::Duration;

use gemini_image_emulator::{Emulator, EmulatorConfig};
use napi_derive::napi;

use crate::error::internal;

#[napi(object)]
pub struct EmulatorOptions {
    /// Port on 127.0.0.1; 0 or unset picks a free one.
    pub port: Option<u32>,
    /// Accept only this key (default: any non-empty key).
    pub api_key: Option<String>,
    /// Added before every answer.
    pub latency_ms: Option<f64>,
    /// Honour `[[fault:…]]` prompt tokens (default true).
    pub faults: Option<bool>,
    /// Memory for cached images, in bytes (default 512 MiB; 0 keeps only the latest).
    pub cache_bytes: Option<f64>,
}

#[napi]
pub struct NativeEmulator {
    emulator: Mutex<Option<Emulator>>,
    base_url: String,
    gateway_url: String,
}

#[napi]
impl NativeEmulator {
    #[napi(constructor)]
    pub fn new(options: EmulatorOptions) -> napi::Result<Self> {
        let port = u16::try_from(options.port.unwrap_or(0))
            .map_err(|_| internal("port must be 0..=65535"))?;
        let mut config = EmulatorConfig::default()
            .with_port(port)
            .with_faults(options.faults.unwrap_or(true));
        if let Some(key) = options.api_key {
            config = config.with_api_key(key);
        }
        if let Some(bytes) = options.cache_bytes {
            if !(bytes.is_finite() && bytes >= 0.0 && bytes.fract() == 0.0) {
                return Err(internal("cacheBytes must be a whole number of bytes >= 0"));
            }
            config.cache_bytes = bytes as usize;
        }
        if let Some(ms) = options.latency_ms.filter(|ms| ms.is_finite() && *ms > 0.0) {
            config = config.with_latency(Duration::from_secs_f64(ms / 1000.0));
        }
        let emulator = Emulator::start(config)
            .map_err(|err| internal(format!("cannot start the emulator on port {port}: {err}")))?;
        Ok(NativeEmulator {
            base_url: emulator.url(),
            gateway_url: emulator.gateway_url(),
            emulator: Mutex::new(Some(emulator)),
        })
    }

    /// `http://127.0.0.1:PORT` (Google's URL shape).
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// `http://127.0.0.1:PORT/gemini` (the gateway's URL shape).
    #[napi(getter)]
    pub fn gateway_url(&self) -> String {
        self.gateway_url.clone()
    }

    /// Requests received on the model routes so far (0 after `close`).
    #[napi]
    pub fn request_count(&self) -> f64 {
        self.emulator
            .lock()
            .ok()
            .and_then(|guard| guard.as_ref().map(|e| e.request_count() as f64))
            .unwrap_or(0.0)
    }

    /// Stops serving (idempotent).
    #[napi]
    pub fn close(&self) {
        let emulator = self.emulator.lock().ok().and_then(|mut guard| guard.take());
        if let Some(emulator) = emulator {
            emulator.shutdown();
        }
    }
}
