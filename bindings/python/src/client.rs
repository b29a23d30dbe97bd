//! `NativeClient`: a `gemini_image::Client` with the GIL released around every call.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gemini_image::{Client, ClientBuilder, Error, GenerateResponse};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::cancel::{CancelToken, call_options};
use crate::chat::NativeChat;
use crate::convert::{self, RequestSpec};
use crate::errors::{check, to_py_err};
use crate::image_bytes::PyBytesAllocator;
use crate::stream::NativeStream;

type Sleeps = Arc<Mutex<Vec<Duration>>>;

/// Seconds (float) -> Duration for `field`; NaN, infinite, negative, over a year and zero
/// are refused (zero would mean "no time limit" to the builder).
pub(crate) fn seconds(field: &str, value: f64) -> Result<Duration, Error> {
    let duration = gemini_image::core::seconds_to_duration(field, value)?;
    if duration.is_zero() {
        return Err(Error::invalid(
            field,
            "must be more than 0 seconds (image calls take 8-35 s, 4K longer)",
        ));
    }
    Ok(duration)
}

/// The blocking client. Python's `gemini_image.Client` wraps it.
#[pyclass(frozen, module = "gemini_image._native")]
pub struct NativeClient {
    pub(crate) client: Client,
    timeout: f64,
    sleeps: Option<Sleeps>,
}

/// Builds the request of a spec against this client's default model.
fn spec_from_py(
    prompt: Option<String>,
    images: Option<&Bound<'_, PyAny>>,
    options: Option<String>,
    model: Option<String>,
) -> PyResult<RequestSpec> {
    Ok(RequestSpec {
        prompt,
        images: convert::images_from_py(images)?,
        options,
        model,
    })
}

impl NativeClient {
    fn finish<'py>(
        py: Python<'py>,
        result: Result<GenerateResponse, Error>,
        made: &PyBytesAllocator,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let response = check(py, result)?;
        convert::response_to_py(py, &response, made)
    }
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (api_key=None, base_url=None, model=None, timeout=None, max_retries=None, *, max_inline_bytes=None, max_response_bytes=None, allow_insecure_http=false, test_hooks=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        api_key: Option<String>,
        base_url: Option<String>,
        model: Option<String>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
        max_inline_bytes: Option<u64>,
        max_response_bytes: Option<u64>,
        allow_insecure_http: bool,
        test_hooks: bool,
    ) -> PyResult<Self> {
        let mut builder: ClientBuilder = ClientBuilder::from_env();
        if let Some(key) = api_key {
            builder = builder.api_key(key);
        }
        if let Some(url) = base_url {
            builder = builder.base_url(url);
        }
        if let Some(model) = model {
            builder = builder.default_model(model);
        }
        let timeout_secs = timeout.unwrap_or(gemini_image::DEFAULT_TIMEOUT.as_secs_f64());
        if let Some(value) = timeout {
            builder = builder.timeout(check(py, seconds("timeout", value))?);
        }
        if let Some(retries) = max_retries {
            builder = builder.max_retries(retries);
        }
        if let Some(limit) = max_inline_bytes {
            builder = builder.max_inline_bytes(limit);
        }
        if let Some(limit) = max_response_bytes {
            builder = builder.max_response_bytes(limit);
        }
        if allow_insecure_http {
            builder = builder.allow_insecure_http(true);
        }
        let mut sleeps = None;
        if test_hooks {
            let recorded: Sleeps = Arc::default();
            let recorder = Arc::clone(&recorded);
            builder = builder
                .sleeper(Arc::new(move |delay| {
                    if let Ok(mut list) = recorder.lock() {
                        list.push(delay);
                    }
                }))
                .jitter(Arc::new(|| 0.0));
            sleeps = Some(recorded);
        }
        let client = check(py, builder.build())?;
        Ok(NativeClient {
            client,
            timeout: timeout_secs,
            sleeps,
        })
    }

    /// The default model.
    #[getter]
    fn model(&self) -> &str {
        self.client.default_model()
    }

    /// The base URL.
    #[getter]
    fn base_url(&self) -> &str {
        self.client.endpoint().base_url()
    }

    /// The overall timeout of one attempt, in seconds.
    #[getter]
    fn timeout(&self) -> f64 {
        self.timeout
    }

    /// Retries after the first attempt.
    #[getter]
    fn max_retries(&self) -> u32 {
        self.client.retry_policy().max_attempts.saturating_sub(1)
    }

    /// Test hook: the waits between retries recorded since the last call (jitter is 0 and
    /// nothing really sleeps when the client was made with `test_hooks=True`).
    fn take_sleeps(&self) -> Vec<f64> {
        self.sleeps
            .as_ref()
            .and_then(|s| s.lock().ok().map(|mut list| std::mem::take(&mut *list)))
            .unwrap_or_default()
            .into_iter()
            .map(|d| d.as_secs_f64())
            .collect()
    }

    /// Generates (or edits, with images): `(images, thought_images, meta_json)`. With
    /// `require_image=False` an HTTP 200 without an image is returned as data.
    #[pyo3(signature = (prompt, images=None, options=None, model=None, require_image=true, cancel=None))]
    #[allow(clippy::too_many_arguments)]
    fn generate<'py>(
        &self,
        py: Python<'py>,
        prompt: Option<String>,
        images: Option<&Bound<'py, PyAny>>,
        options: Option<String>,
        model: Option<String>,
        require_image: bool,
        cancel: Option<PyRef<'py, CancelToken>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let spec = spec_from_py(prompt, images, options, model)?;
        let made = PyBytesAllocator::new();
        let call = call_options(cancel.as_deref()).with_image_allocator(made.shared());
        let client = &self.client;
        let result = py.detach(|| {
            let request = spec.build(client.default_model())?;
            if require_image {
                client.generate_with(&request, &call)
            } else {
                client.generate_raw_with(&request, &call)
            }
        });
        Self::finish(py, result, &made)
    }

    /// Starts a stream (the request is sent and the status checked before this returns).
    #[pyo3(signature = (prompt, images=None, options=None, model=None, cancel=None))]
    fn stream(
        &self,
        py: Python<'_>,
        prompt: Option<String>,
        images: Option<&Bound<'_, PyAny>>,
        options: Option<String>,
        model: Option<String>,
        cancel: Option<PyRef<'_, CancelToken>>,
    ) -> PyResult<NativeStream> {
        let spec = spec_from_py(prompt, images, options, model)?;
        let made = PyBytesAllocator::keeping();
        let call = call_options(cancel.as_deref()).with_image_allocator(made.shared());
        let client = &self.client;
        let result = py.detach(|| {
            let request = spec.build(client.default_model())?;
            client.stream_with(&request, &call)
        });
        Ok(NativeStream::new(check(py, result)?, made))
    }

    /// A new conversation; `options` (JSON) apply to every turn.
    #[pyo3(signature = (model=None, options=None, keep_last_images=None))]
    fn chat(
        &self,
        py: Python<'_>,
        model: Option<String>,
        options: Option<String>,
        keep_last_images: Option<usize>,
    ) -> PyResult<NativeChat> {
        check(
            py,
            NativeChat::start(&self.client, model, options, keep_last_images),
        )
    }

    /// Continues a conversation saved with `NativeChat.to_json`.
    fn restore_chat(&self, py: Python<'_>, json: &str) -> PyResult<NativeChat> {
        check(py, NativeChat::restore(&self.client, json))
    }

    /// Runs many requests, at most `concurrency` at once. `requests` holds
    /// `(prompt, images, options_json, model)` tuples. Calls `on_result(index, value)` as each
    /// finishes (on this thread), where value is a response tuple or an exception instance;
    /// returns the values in input order. Once `cancel` fires no new request starts (those
    /// never started are `CancelledError`s). If `on_result` raises (or Ctrl-C arrives), the
    /// batch is cancelled the same way and the exception is raised once the requests in
    /// flight have finished.
    #[pyo3(signature = (requests, concurrency=4, on_result=None, cancel=None))]
    fn batch<'py>(
        &self,
        py: Python<'py>,
        requests: &Bound<'py, PyAny>,
        concurrency: usize,
        on_result: Option<Bound<'py, PyAny>>,
        cancel: Option<PyRef<'py, CancelToken>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut specs = Vec::new();
        for item in requests.try_iter()? {
            let item = item?;
            let (prompt, images, options, model): (
                Option<String>,
                Bound<'py, PyAny>,
                Option<String>,
                Option<String>,
            ) = item.extract()?;
            specs.push(Mutex::new(Some(spec_from_py(
                prompt,
                Some(&images),
                options,
                model,
            )?)));
        }
        let total = specs.len();
        let token = cancel
            .as_deref()
            .map_or_else(gemini_image::CancelToken::new, |c| c.token.clone());
        let made = PyBytesAllocator::new();
        let call = crate::cancel::call_options(None)
            .with_cancel(token.clone())
            .with_image_allocator(made.shared());
        let mut slots: Vec<Option<Py<PyAny>>> =
            std::iter::repeat_with(|| None).take(total).collect();
        let mut failure: Option<PyErr> = None;
        let on_result = on_result.map(Bound::unbind);
        let client = &self.client;
        py.detach(|| {
            client.batch_each(
                total,
                |index| {
                    let spec = specs
                        .get(index)
                        .and_then(|s| s.lock().ok().and_then(|mut s| s.take()));
                    match spec {
                        Some(spec) => spec.build(client.default_model()),
                        None => Err(Error::internal("a batch item was built twice")),
                    }
                },
                concurrency,
                &call,
                |index, result| {
                    Python::attach(|py| {
                        let value: PyResult<Py<PyAny>> = match result {
                            Ok(response) => convert::response_to_py(py, &response, &made)
                                .map(|t| t.into_any().unbind()),
                            Err(err) => Ok(to_py_err(py, err).into_value(py).into_any()),
                        };
                        let outcome = value.and_then(|value| {
                            if let Some(slot) = slots.get_mut(index) {
                                *slot = Some(value.clone_ref(py));
                            }
                            if failure.is_none() {
                                if let Some(callback) = &on_result {
                                    callback.call1(py, (index, value))?;
                                }
                            }
                            py.check_signals()
                        });
                        if let Err(err) = outcome {
                            token.cancel();
                            failure.get_or_insert(err);
                        }
                    });
                },
            );
        });
        if let Some(err) = failure {
            return Err(err);
        }
        let out = PyList::empty(py);
        for slot in slots {
            match slot {
                Some(value) => out.append(value)?,
                None => out.append(py.None())?,
            }
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        format!(
            "NativeClient(base_url={:?}, model={:?}, timeout={}, max_retries={})",
            self.base_url(),
            self.model(),
            self.timeout,
            self.max_retries()
        )
    }
}
