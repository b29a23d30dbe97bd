//! `NativeChat`: a multi-turn conversation (`gemini_image::Chat`).

use std::sync::Mutex;

use gemini_image::core::RequestOptions;
use gemini_image::{Chat, Client, Error};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::cancel::{CancelToken, call_options};
use crate::convert::{self, ImageSource};
use crate::errors::check;
use crate::image_bytes::PyBytesAllocator;
use crate::options;

/// A conversation; each turn sends the whole history (thought signatures intact).
#[pyclass(frozen, module = "gemini_image._native")]
pub struct NativeChat {
    chat: Mutex<Chat>,
}

impl NativeChat {
    pub(crate) fn start(
        client: &Client,
        model: Option<String>,
        options_json: Option<String>,
        keep_last_images: Option<usize>,
    ) -> Result<NativeChat, Error> {
        let mut options = match options_json {
            Some(text) => options::parse(&text)?,
            None => RequestOptions::default(),
        };
        if model.is_some() {
            options.model = model;
        }
        let mut chat = client.chat(options);
        if let Some(n) = keep_last_images {
            chat = chat.keep_last_images(n);
        }
        Ok(NativeChat {
            chat: Mutex::new(chat),
        })
    }

    pub(crate) fn restore(client: &Client, json: &str) -> Result<NativeChat, Error> {
        let chat = client.restore_chat(json.as_bytes(), None)?;
        Ok(NativeChat {
            chat: Mutex::new(chat),
        })
    }

    /// Reads the chat with the GIL released: a turn in flight holds the chat's lock and
    /// takes the GIL to hand over its images, so waiting for the lock with the GIL held
    /// could deadlock.
    fn read<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&Chat) -> T + Send) -> Result<T, Error> {
        py.detach(|| {
            self.chat
                .lock()
                .map(|chat| f(&chat))
                .map_err(|_| poisoned())
        })
    }
}

fn poisoned() -> Error {
    Error::invalid("chat", "a previous turn panicked; start a new chat")
}

#[pymethods]
impl NativeChat {
    /// Sends a turn (prompt, then images); `options` (JSON) override the chat's for this
    /// turn only. A failed turn leaves the history unchanged.
    #[pyo3(signature = (prompt, images=None, options=None, cancel=None))]
    fn send<'py>(
        &self,
        py: Python<'py>,
        prompt: Option<String>,
        images: Option<&Bound<'py, PyAny>>,
        options: Option<String>,
        cancel: Option<PyRef<'py, CancelToken>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let images: Vec<ImageSource> = convert::images_from_py(images)?;
        let made = PyBytesAllocator::new();
        let call = call_options(cancel.as_deref()).with_image_allocator(made.shared());
        let result = py.detach(|| {
            let overrides = match options {
                Some(json) => options::parse(&json)?,
                None => RequestOptions::default(),
            };
            let blobs = convert::load_images(images)?;
            let parts = convert::user_parts(prompt, blobs);
            let mut chat = self.chat.lock().map_err(|_| poisoned())?;
            chat.send_with(parts, &overrides, &call)
        });
        let response = check(py, result)?;
        convert::response_to_py(py, &response, &made)
    }

    /// The committed turns as wire JSON (`[{"role", "parts"}...]`).
    fn history_json(&self, py: Python<'_>) -> PyResult<String> {
        check(
            py,
            self.read(py, |chat| {
                serde_json::to_string(chat.history()).unwrap_or_else(|_| "[]".into())
            }),
        )
    }

    /// The number of committed messages (user and model).
    fn __len__(&self, py: Python<'_>) -> usize {
        self.read(py, |chat| chat.history().len()).unwrap_or(0)
    }

    /// The model this conversation talks to.
    #[getter]
    fn model(&self, py: Python<'_>) -> String {
        self.read(py, |chat| chat.model().to_string())
            .unwrap_or_default()
    }

    /// The whole conversation (model, options, history with images as base64) as the
    /// core's versioned JSON document.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        check(py, self.read(py, Chat::to_json))
    }
}
