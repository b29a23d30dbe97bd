//! Type conversions between the core's types and plain Python values.
//!
//! A response crosses as a tuple `(images, thought_images, meta_json)`: the images as
//! `(bytes, mime_type, width, height)` tuples and everything else as one JSON document the
//! Python layer decodes (snake_case keys). Image bytes are not copied either way (see
//! [`crate::image_bytes`]): an image decoded into a call's `bytes` object is handed over as
//! that object; only an image from elsewhere (none on the client's paths) is copied.

use std::path::PathBuf;

use gemini_image::{
    Blob, Bytes, Error, GenerateRequest, GenerateResponse, Part, PartData, StreamEvent,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use serde_json::{Map, Value, json};

use crate::image_bytes::{self, PyBytesAllocator};
use crate::options;

/// An input image as the Python layer hands it over: a file path, or bytes (the `bytes`
/// object's own memory) with an optional declared MIME type (empty = sniff).
pub(crate) enum ImageSource {
    Path(PathBuf),
    Bytes(Bytes, Option<String>),
}

/// What one request is made of, extracted under the GIL; turned into a
/// [`GenerateRequest`] (files read) with the GIL released.
pub(crate) struct RequestSpec {
    pub prompt: Option<String>,
    pub images: Vec<ImageSource>,
    pub options: Option<String>,
    pub model: Option<String>,
}

/// Extracts the image list: each item is a path (`str`) or a `(bytes, mime_type)` tuple.
pub(crate) fn images_from_py(images: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<ImageSource>> {
    let Some(images) = images else {
        return Ok(Vec::new());
    };
    if images.is_none() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (i, item) in images.try_iter()?.enumerate() {
        let item = item?;
        if item.is_instance_of::<PyString>() {
            out.push(ImageSource::Path(PathBuf::from(item.extract::<String>()?)));
        } else if let Ok(tuple) = item.cast::<PyTuple>() {
            let data = image_bytes::borrowed(tuple.get_item(0)?.cast_into::<PyBytes>()?);
            let mime: Option<String> = tuple.get_item(1)?.extract()?;
            out.push(ImageSource::Bytes(data, mime));
        } else {
            return Err(PyTypeError::new_err(format!(
                "images[{i}]: expected a path or (bytes, mime_type)"
            )));
        }
    }
    Ok(out)
}

/// Reads and sniffs the images (paths are read here, so call it with the GIL released).
pub(crate) fn load_images(images: Vec<ImageSource>) -> Result<Vec<Blob>, Error> {
    images
        .into_iter()
        .enumerate()
        .map(|(i, source)| match source {
            // A declared type is kept as given (the core checks it against the bytes).
            ImageSource::Bytes(data, Some(mime)) => Ok(Blob::new(data, mime)),
            ImageSource::Bytes(data, None) => Blob::from_bytes(data, &format!("images[{i}]")),
            ImageSource::Path(path) => gemini_image::load_image(&path, &format!("images[{i}]")),
        })
        .collect()
}

/// The user parts of a request: the prompt first, then the images in order.
pub(crate) fn user_parts(prompt: Option<String>, images: Vec<Blob>) -> Vec<Part> {
    let mut parts = Vec::with_capacity(images.len() + 1);
    if let Some(prompt) = prompt {
        parts.push(Part::text(prompt));
    }
    parts.extend(
        images
            .into_iter()
            .map(|blob| Part::from_data(PartData::InlineData(blob))),
    );
    parts
}

impl RequestSpec {
    /// Builds the request (reads files: call it with the GIL released).
    pub(crate) fn build(self, default_model: &str) -> Result<GenerateRequest, Error> {
        let images = load_images(self.images)?;
        let model = self.model.unwrap_or_else(|| default_model.to_string());
        let mut request =
            GenerateRequest::new(model).with_user_turn(user_parts(self.prompt, images));
        if let Some(json) = self.options {
            options::parse(&json)?.apply_to(&mut request);
        }
        Ok(request)
    }
}

/// One image as `(bytes, mime_type, width, height)`: the `bytes` object `made` decoded it
/// into, else a copy.
pub(crate) fn image_to_py<'py>(
    py: Python<'py>,
    blob: &Blob,
    made: &PyBytesAllocator,
) -> PyResult<Bound<'py, PyTuple>> {
    let (width, height) = match blob.dimensions() {
        Some((w, h)) => (Some(w), Some(h)),
        None => (None, None),
    };
    let data = made
        .take(py, &blob.data)
        .unwrap_or_else(|| image_bytes::copied(py, &blob.data));
    (data, blob.mime_type.as_str(), width, height).into_pyobject(py)
}

fn snake_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (gemini_image::core::casing::snake_case(&k), snake_keys(v)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(snake_keys).collect()),
        other => other,
    }
}

fn to_snake_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).map_or(Value::Null, snake_keys)
}

/// Everything but the image bytes, as JSON with snake_case keys.
pub(crate) fn response_meta(response: &GenerateResponse) -> String {
    let feedback = response.prompt_feedback();
    let meta = json!({
        "text": response.text(),
        "thoughts": response.thought_text(),
        "finish_reason": response.finish_reason().map(|r| r.as_str()),
        "finish_message": response.finish_message(),
        "block_reason": response.prompt_blocked().map(|r| r.as_str()),
        "block_reason_message": feedback.and_then(|f| f.block_reason_message.as_deref()),
        "safety_ratings": to_snake_value(&response.safety_ratings()),
        "prompt_feedback": feedback.map(to_snake_value),
        "usage": response.usage().map(to_snake_value),
        "model_version": response.model_version(),
        "response_id": response.response_id(),
        "thought_signatures": response.thought_signatures(),
    });
    meta.to_string()
}

/// A response as `(images, thought_images, meta_json)`, its images the `bytes` objects
/// `made` decoded them into (a stream's merged response: the ones its events carried).
pub(crate) fn response_to_py<'py>(
    py: Python<'py>,
    response: &GenerateResponse,
    made: &PyBytesAllocator,
) -> PyResult<Bound<'py, PyTuple>> {
    let images = PyList::empty(py);
    for blob in response.images() {
        images.append(image_to_py(py, blob, made)?)?;
    }
    let thought_images = PyList::empty(py);
    for blob in response.thought_images() {
        thought_images.append(image_to_py(py, blob, made)?)?;
    }
    (images, thought_images, response_meta(response)).into_pyobject(py)
}

/// A stream event as `(type, payload)`: text for the text kinds, an image tuple for images.
pub(crate) fn event_to_py<'py>(
    py: Python<'py>,
    event: &StreamEvent,
    made: &PyBytesAllocator,
) -> PyResult<Bound<'py, PyTuple>> {
    let kind = event.kind();
    let payload: Bound<'py, PyAny> = match event {
        StreamEvent::ThoughtText(text) | StreamEvent::Text(text) => {
            PyString::new(py, text).into_any()
        }
        StreamEvent::ThoughtImage(blob) | StreamEvent::Image(blob) => {
            image_to_py(py, blob, made)?.into_any()
        }
        // Future event kinds: the kind string alone.
        _ => py.None().into_bound(py),
    };
    (kind, payload).into_pyobject(py)
}
