//! Bring your own HTTP: build the request, parse the response, decode a stream, decide on
//! a retry — all pure core calls, no network.

use std::sync::{Arc, Mutex};

use gemini_image::core::StreamParser;
use gemini_image::{
    ApiKey, Call, Conversation, Endpoint, Error, GATEWAY_BASE_URL, GenerateResponse, RetryDecision,
    RetryPolicy, StreamEvent,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

use crate::convert;
use crate::errors::check;
use crate::image_bytes::PyBytesAllocator;

/// `(method, url, headers, body)` for one request (validated like a client call).
#[pyfunction]
#[pyo3(signature = (prompt, images=None, options=None, model=None, *, api_key, base_url=None, stream=false, max_inline_bytes=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn build_request<'py>(
    py: Python<'py>,
    prompt: Option<String>,
    images: Option<&Bound<'py, PyAny>>,
    options: Option<String>,
    model: Option<String>,
    api_key: String,
    base_url: Option<String>,
    stream: bool,
    max_inline_bytes: Option<u64>,
) -> PyResult<Bound<'py, PyTuple>> {
    let spec = convert::RequestSpec {
        prompt,
        images: convert::images_from_py(images)?,
        options,
        model,
    };
    let result = py.detach(|| {
        let key = ApiKey::new(api_key)?;
        let mut endpoint = Endpoint::new(base_url.as_deref().unwrap_or(GATEWAY_BASE_URL))
            .map_err(|err| err.redact(key.expose()))?;
        if let Some(limit) = max_inline_bytes {
            endpoint = endpoint.with_max_inline_bytes(limit);
        }
        let request = spec.build(gemini_image::DEFAULT_MODEL)?;
        let call = if stream { Call::Stream } else { Call::Generate };
        gemini_image::build_http_request(&endpoint, &key, &request, call)
            .map_err(|err| err.redact(key.expose()))
    });
    let http = check(py, result)?;
    let body = PyBytes::new(py, &http.body);
    (http.method, http.url, http.headers, body).into_pyobject(py)
}

/// Parses a whole (non-streamed) HTTP response into a response tuple, or raises the error
/// it carries; with `require_image` a 200 without an image raises `NoImageError`.
#[pyfunction]
#[pyo3(signature = (status, headers, body, require_image=true))]
pub(crate) fn parse_response<'py>(
    py: Python<'py>,
    status: u16,
    headers: Vec<(String, String)>,
    body: &[u8],
    require_image: bool,
) -> PyResult<Bound<'py, PyTuple>> {
    let made = PyBytesAllocator::new();
    let result = py.detach(|| {
        let response = gemini_image::parse_response_into(status, &headers, body, &made.shared())?;
        if require_image {
            response.require_image()
        } else {
            Ok(response)
        }
    });
    let response = check(py, result)?;
    convert::response_to_py(py, &response, &made)
}

/// Seconds to wait before attempt `attempt + 1` after attempt `attempt` (1-based) got this
/// response, or `None` to give up (success, a final error, or attempts used up).
#[pyfunction]
#[pyo3(signature = (attempt, status, headers, body, *, jitter=0.0, max_retries=None))]
pub(crate) fn retry_delay(
    py: Python<'_>,
    attempt: u32,
    status: u16,
    headers: Vec<(String, String)>,
    body: &[u8],
    jitter: f64,
    max_retries: Option<u32>,
) -> Option<f64> {
    py.detach(|| {
        let error: Error = match gemini_image::parse_response(status, &headers, body) {
            Ok(_) => return None,
            Err(err) => err,
        };
        let policy = match max_retries {
            Some(n) => RetryPolicy::with_max_attempts(n.saturating_add(1)),
            None => RetryPolicy::default(),
        };
        match policy.decide(attempt, &error, jitter) {
            RetryDecision::Retry { after } => Some(after.as_secs_f64()),
            _ => None,
        }
    })
}

/// An incremental decoder for a `:streamGenerateContent?alt=sse` body: feed bytes as they
/// arrive, get events; `finish()` returns the last events and the merged response.
#[pyclass(frozen, module = "gemini_image._native")]
pub struct StreamDecoder {
    parser: Mutex<Option<StreamParser>>,
    merged: Mutex<Option<GenerateResponse>>,
    /// The `bytes` objects of the images (the merged response's are its events').
    made: Arc<PyBytesAllocator>,
}

fn events_to_py<'py>(
    py: Python<'py>,
    events: &[StreamEvent],
    made: &PyBytesAllocator,
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for event in events {
        list.append(convert::event_to_py(py, event, made)?)?;
    }
    Ok(list)
}

fn finished() -> Error {
    Error::invalid(
        "stream",
        "the decoder has already finished; make a new StreamDecoder",
    )
}

#[pymethods]
impl StreamDecoder {
    #[new]
    fn new() -> Self {
        let made = PyBytesAllocator::keeping();
        StreamDecoder {
            parser: Mutex::new(Some(
                StreamParser::new().with_image_allocator(made.shared()),
            )),
            merged: Mutex::new(None),
            made,
        }
    }

    /// Feeds the next bytes; returns the events they completed.
    fn feed<'py>(&self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        let result = py.detach(|| {
            let mut guard = self.parser.lock().map_err(|_| finished())?;
            let parser = guard.as_mut().ok_or_else(finished)?;
            let result = parser.feed(data);
            if result.is_err() {
                *guard = None;
            }
            result
        });
        let events = check(py, result)?;
        events_to_py(py, &events, &self.made)
    }

    /// Ends the stream: `(events, response)` (the merged response, as data: a stream
    /// without an image is not an error here).
    fn finish<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let result = py.detach(|| {
            let parser = self
                .parser
                .lock()
                .map_err(|_| finished())?
                .take()
                .ok_or_else(finished)?;
            parser.finish()
        });
        let (events, response) = check(py, result)?;
        let out = (
            events_to_py(py, &events, &self.made)?,
            convert::response_to_py(py, &response, &self.made)?,
        );
        if let Ok(mut merged) = self.merged.lock() {
            *merged = Some(response);
        }
        out.into_pyobject(py)
    }

    /// After `finish()`: the merged response if it carries an image, else raises the
    /// `NoImageError` `Client.stream` would raise.
    fn result<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let merged = self.merged.lock().ok().and_then(|m| m.clone());
        let merged = check(
            py,
            merged.ok_or_else(|| Error::invalid("stream", "call finish() first")),
        )?;
        let response = check(py, merged.require_image())?;
        convert::response_to_py(py, &response, &self.made)
    }
}

/// A conversation without a transport: build each turn's request, hand back the answer.
#[pyclass(frozen, module = "gemini_image._native")]
pub struct SansIoChat {
    state: Mutex<Conversation>,
    endpoint: Endpoint,
    key: ApiKey,
}

fn poisoned() -> Error {
    Error::invalid("chat", "a previous turn panicked; start a new chat")
}

#[pymethods]
impl SansIoChat {
    #[new]
    #[pyo3(signature = (model, options=None, *, api_key, base_url=None, keep_last_images=None, max_inline_bytes=None))]
    fn new(
        py: Python<'_>,
        model: String,
        options: Option<String>,
        api_key: String,
        base_url: Option<String>,
        keep_last_images: Option<usize>,
        max_inline_bytes: Option<u64>,
    ) -> PyResult<Self> {
        let result = (|| {
            let key = ApiKey::new(api_key)?;
            let mut endpoint = Endpoint::new(base_url.as_deref().unwrap_or(GATEWAY_BASE_URL))
                .map_err(|err| err.redact(key.expose()))?;
            if let Some(limit) = max_inline_bytes {
                endpoint = endpoint.with_max_inline_bytes(limit);
            }
            let options = match options {
                Some(json) => crate::options::parse(&json)?,
                None => gemini_image::core::RequestOptions::default(),
            };
            let conversation =
                Conversation::new(model, options).with_keep_last_images(keep_last_images);
            Ok(SansIoChat {
                state: Mutex::new(conversation),
                endpoint,
                key,
            })
        })();
        check(py, result)
    }

    /// Starts a turn: `(method, url, headers, body)` with the whole history. A request that
    /// fails validation raises and starts no turn.
    #[pyo3(signature = (prompt, images=None, stream=false))]
    fn request<'py>(
        &self,
        py: Python<'py>,
        prompt: Option<String>,
        images: Option<&Bound<'py, PyAny>>,
        stream: bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let images = convert::images_from_py(images)?;
        let result = py.detach(|| {
            let mut conversation = self.state.lock().map_err(|_| poisoned())?;
            let blobs = convert::load_images(images)?;
            let call = if stream { Call::Stream } else { Call::Generate };
            let request = conversation.begin_turn(convert::user_parts(prompt, blobs));
            let built = gemini_image::build_http_request(&self.endpoint, &self.key, request, call)
                .map_err(|err| err.redact(self.key.expose()));
            if built.is_err() {
                conversation.abort_turn();
            }
            built
        });
        let http = check(py, result)?;
        let body = PyBytes::new(py, &http.body);
        (http.method, http.url, http.headers, body).into_pyobject(py)
    }

    /// Completes the turn with the final HTTP answer: the response (recorded in the
    /// history) or the error it carries (the turn is then left out of the history).
    fn response<'py>(
        &self,
        py: Python<'py>,
        status: u16,
        headers: Vec<(String, String)>,
        body: &[u8],
    ) -> PyResult<Bound<'py, PyTuple>> {
        let made = PyBytesAllocator::new();
        let result = py.detach(|| {
            let mut conversation = self.state.lock().map_err(|_| poisoned())?;
            match gemini_image::parse_response_into(status, &headers, body, &made.shared()) {
                Ok(response) => conversation.complete_turn(response),
                Err(err) => {
                    conversation.abort_turn();
                    Err(err)
                }
            }
        });
        let response = check(py, result)?;
        convert::response_to_py(py, &response, &made)
    }

    /// Drops the turn in progress (e.g. the transport failed).
    fn abort(&self, py: Python<'_>) {
        // The lock is waited for with the GIL released: `response()` holds it while it
        // takes the GIL to make the images' `bytes`.
        py.detach(|| {
            if let Ok(mut conversation) = self.state.lock() {
                conversation.abort_turn();
            }
        });
    }

    /// The committed turns as wire JSON.
    fn history_json(&self, py: Python<'_>) -> String {
        py.detach(|| {
            self.state
                .lock()
                .ok()
                .and_then(|c| serde_json::to_string(c.history()).ok())
                .unwrap_or_else(|| "[]".into())
        })
    }
}
