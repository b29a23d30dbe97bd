//! `NativeEmulator`: the Rust emulator, in-process, on a free loopback port.

use std::sync::Mutex;
use std::time::Duration;

use gemini_image_emulator::{Emulator, EmulatorConfig};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

/// A running emulator; `shutdown()` (or garbage collection) stops it.
#[pyclass(frozen, module = "gemini_image._native")]
pub struct NativeEmulator {
    inner: Mutex<Option<Emulator>>,
    base_url: String,
    gateway_url: String,
}

#[pymethods]
impl NativeEmulator {
    #[new]
    #[pyo3(signature = (*, port=0, api_key=None, latency=0.0, faults=true, cache_bytes=None))]
    fn new(
        py: Python<'_>,
        port: u16,
        api_key: Option<String>,
        latency: f64,
        faults: bool,
        cache_bytes: Option<i64>,
    ) -> PyResult<Self> {
        if !latency.is_finite() || latency < 0.0 {
            return Err(PyValueError::new_err(
                "latency: must be a number of seconds >= 0",
            ));
        }
        let mut config = EmulatorConfig::default()
            .with_port(port)
            .with_latency(Duration::from_secs_f64(latency))
            .with_faults(faults);
        if let Some(key) = api_key {
            config = config.with_api_key(key);
        }
        if let Some(bytes) = cache_bytes {
            config.cache_bytes = usize::try_from(bytes).map_err(|_| {
                PyValueError::new_err("cache_bytes: must be a whole number of bytes >= 0")
            })?;
        }
        let emulator = py
            .detach(|| Emulator::start(config))
            .map_err(|err| PyOSError::new_err(format!("the emulator could not start: {err}")))?;
        Ok(NativeEmulator {
            base_url: emulator.url(),
            gateway_url: emulator.gateway_url(),
            inner: Mutex::new(Some(emulator)),
        })
    }

    /// `http://127.0.0.1:PORT` (Google's routes).
    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `http://127.0.0.1:PORT/gemini` (the gateway's routes).
    #[getter]
    fn gateway_url(&self) -> &str {
        &self.gateway_url
    }

    /// Generate requests served so far.
    #[getter]
    fn request_count(&self) -> u64 {
        self.inner
            .lock()
            .ok()
            .and_then(|e| e.as_ref().map(Emulator::request_count))
            .unwrap_or(0)
    }

    /// Requests served so far whose prompt was exactly `prompt`.
    fn prompt_count(&self, prompt: &str) -> u64 {
        self.inner
            .lock()
            .ok()
            .and_then(|e| e.as_ref().map(|e| e.prompt_count(prompt)))
            .unwrap_or(0)
    }

    /// Whether it is still serving.
    #[getter]
    fn running(&self) -> bool {
        self.inner.lock().map(|e| e.is_some()).unwrap_or(false)
    }

    /// Stops serving and cuts open connections (idempotent).
    fn shutdown(&self, py: Python<'_>) {
        let emulator = self.inner.lock().ok().and_then(|mut e| e.take());
        if let Some(emulator) = emulator {
            py.detach(|| emulator.shutdown());
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Emulator(base_url={:?}, running={})",
            self.base_url,
            self.running()
        )
    }
}
