//! `NativeChat`: a multi-turn conversation (`gemini_image::Chat`).

use std::sync::Mutex;

use gemini_image::core::RequestOptions;
use gemini_image::{Chat, Client, ConversationSnapshot, Error, GenerateRequest};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use serde_json::{Value, json};

use crate::convert::{self, ImageSource};
use crate::errors::check;
use crate::options;

/// The saved-conversation format version.
const VERSION: u64 = 1;

struct State {
    chat: Chat,
    /// The default options every turn is sent with, kept for `to_json`.
    options: RequestOptions,
}

/// A conversation; each turn sends the whole history (thought signatures intact).
#[pyclass(frozen, module = "gemini_image._native")]
pub struct NativeChat {
    state: Mutex<State>,
}

fn template(model: String, options: &RequestOptions) -> GenerateRequest {
    let mut request = GenerateRequest::new(model);
    options.apply_to(&mut request);
    request
}

impl NativeChat {
    pub(crate) fn start(
        client: &Client,
        model: Option<String>,
        options_json: Option<String>,
        keep_last_images: Option<usize>,
    ) -> Result<NativeChat, Error> {
        let options = match options_json {
            Some(text) => options::parse(&text)?,
            None => RequestOptions::default(),
        };
        let model = model.unwrap_or_else(|| client.default_model().to_string());
        let mut chat = client.conversation_with(template(model, &options));
        if let Some(n) = keep_last_images {
            chat = chat.keep_last_images(n);
        }
        Ok(NativeChat {
            state: Mutex::new(State { chat, options }),
        })
    }

    pub(crate) fn restore(client: &Client, json: &str) -> Result<NativeChat, Error> {
        let bad = |why: String| {
            Error::invalid(
                "chat",
                format!(
                    "is not a saved conversation ({why}); pass the text Chat.to_json() returned"
                ),
            )
        };
        let value: Value = serde_json::from_str(json).map_err(|err| bad(err.to_string()))?;
        match value.get("version").and_then(Value::as_u64) {
            Some(VERSION) => {}
            other => return Err(bad(format!("version {other:?}, expected {VERSION}"))),
        }
        let options = RequestOptions::from_value(value.get("options").unwrap_or(&Value::Null))?;
        let snapshot: ConversationSnapshot =
            serde_json::from_value(value).map_err(|err| bad(err.to_string()))?;
        let keep = snapshot.keep_last_images;
        let model = snapshot.model.clone();
        let mut chat = client.resume_conversation(snapshot);
        {
            let mut current = chat.options_mut();
            *current = template(model, &options);
        }
        if let Some(n) = keep {
            chat = chat.keep_last_images(n);
        }
        Ok(NativeChat {
            state: Mutex::new(State { chat, options }),
        })
    }
}

fn poisoned() -> Error {
    Error::invalid("chat", "a previous turn panicked; start a new chat")
}

#[pymethods]
impl NativeChat {
    /// Sends a turn (prompt, then images); `options` (JSON) override the defaults for this
    /// turn only. A failed turn leaves the history unchanged.
    #[pyo3(signature = (prompt, images=None, options=None))]
    fn send<'py>(
        &self,
        py: Python<'py>,
        prompt: Option<String>,
        images: Option<&Bound<'py, PyAny>>,
        options: Option<String>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let images: Vec<ImageSource> = convert::images_from_py(images)?;
        let result = py.detach(|| {
            let mut state = self.state.lock().map_err(|_| poisoned())?;
            let blobs = convert::load_images(images)?;
            let parts = convert::user_parts(prompt, blobs);
            let Some(overrides) = options else {
                return state.chat.send(parts);
            };
            let saved = {
                let mut current = state.chat.options_mut();
                let saved = (*current).clone();
                options::parse(&overrides)?.apply_to(&mut current);
                saved
            };
            let result = state.chat.send(parts);
            *state.chat.options_mut() = saved;
            result
        });
        let response = check(py, result)?;
        convert::response_to_py(py, &response)
    }

    /// The committed turns as wire JSON (`[{"role", "parts"}...]`).
    fn history_json(&self, py: Python<'_>) -> PyResult<String> {
        let state = check(py, self.state.lock().map_err(|_| poisoned()))?;
        Ok(serde_json::to_string(state.chat.history()).unwrap_or_else(|_| "[]".into()))
    }

    /// The number of committed turns (user and model).
    fn __len__(&self) -> usize {
        self.state.lock().map_or(0, |s| s.chat.history().len())
    }

    /// The model this conversation talks to.
    #[getter]
    fn model(&self) -> String {
        self.state
            .lock()
            .map_or_else(|_| String::new(), |s| s.chat.model().to_string())
    }

    /// The whole conversation (model, options, history with images as base64) as JSON.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let state = check(py, self.state.lock().map_err(|_| poisoned()))?;
        let snapshot = state.chat.snapshot();
        let mut value = serde_json::to_value(&snapshot).unwrap_or(Value::Null);
        if let Some(object) = value.as_object_mut() {
            object.insert("version".into(), json!(VERSION));
            object.insert("options".into(), state.options.to_value());
        }
        Ok(value.to_string())
    }
}
