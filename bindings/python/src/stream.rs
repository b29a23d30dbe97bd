//! `NativeStream`: an `ImageStream` read with the GIL released.

use std::sync::{Arc, Mutex};

use gemini_image::{ImageStream, StreamEvent};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::convert;
use crate::errors::{check, to_py_err};
use crate::image_bytes::PyBytesAllocator;

enum State {
    Open(Box<ImageStream>),
    Done,
}

/// Yields `(type, payload)` tuples: `thought_text`/`text` with a str, `thought_image`/
/// `image` with an image tuple, and last `done` with the merged response tuple.
#[pyclass(frozen, module = "gemini_image._native")]
pub struct NativeStream {
    state: Mutex<State>,
    cancel: gemini_image::CancelToken,
    /// The `bytes` objects the stream's images are decoded into (kept: `done` hands over
    /// the same ones as the events).
    made: Arc<PyBytesAllocator>,
}

impl NativeStream {
    pub(crate) fn new(stream: ImageStream, made: Arc<PyBytesAllocator>) -> Self {
        NativeStream {
            made,
            cancel: stream.cancel_token(),
            state: Mutex::new(State::Open(Box::new(stream))),
        }
    }
}

enum Step {
    Event(gemini_image::StreamEvent),
    Failed(gemini_image::Error),
    Finished(Box<Result<gemini_image::GenerateResponse, gemini_image::Error>>),
    Over,
}

#[pymethods]
impl NativeStream {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let step = py.detach(|| {
            let Ok(mut state) = self.state.lock() else {
                return Step::Over;
            };
            let State::Open(stream) = &mut *state else {
                return Step::Over;
            };
            // The client's own `Done` event (a summary without images) is skipped: this
            // stream's `done` is built from `finish()`, the whole response with its images
            // (reusing the bytes already delivered), or the `NoImageError`.
            let next = loop {
                match stream.next() {
                    Some(Ok(StreamEvent::Done(_))) => continue,
                    other => break other,
                }
            };
            match next {
                Some(Ok(event)) => Step::Event(event),
                Some(Err(err)) => {
                    *state = State::Done;
                    Step::Failed(err)
                }
                None => match std::mem::replace(&mut *state, State::Done) {
                    State::Open(stream) => Step::Finished(Box::new(stream.finish())),
                    State::Done => Step::Over,
                },
            }
        });
        match step {
            Step::Event(event) => Ok(Some(convert::event_to_py(py, &event, &self.made)?)),
            Step::Failed(err) => Err(to_py_err(py, err)),
            Step::Finished(result) => {
                let response = check(py, *result)?;
                let response = convert::response_to_py(py, &response, &self.made)?;
                Ok(Some(("done", response).into_pyobject(py)?))
            }
            Step::Over => Ok(None),
        }
    }

    /// Cancels the stream without waiting: it ends with `CancelledError` at its next read.
    fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Stops reading and closes the connection (a read in progress on another thread ends
    /// with `CancelledError`).
    fn close(&self, py: Python<'_>) {
        self.cancel.cancel();
        py.detach(|| {
            if let Ok(mut state) = self.state.lock() {
                *state = State::Done;
            }
        });
    }
}
