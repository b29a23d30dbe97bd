//! Image bytes across the boundary without copies.
//!
//! Out: each response image is decoded straight into a Python `bytes` object of its exact
//! size ([`PyBytesAllocator`], handed to the client for one call); the response's
//! [`Blob`](gemini_image::Blob) shares that object's memory, and the conversion hands the
//! very object to Python. In: a `bytes` argument is borrowed, not copied ([`borrowed`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use gemini_image::{Bytes, Error, FillImage, ImageAllocator};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;

/// Makes the `bytes` objects of one call's images, and finds them again by address when
/// the response is converted.
#[derive(Default)]
pub(crate) struct PyBytesAllocator {
    /// Objects made and not yet handed to Python (or all of them, when `keep`).
    made: Mutex<Vec<Py<PyBytes>>>,
    /// Whether an object handed out is remembered, for a later conversion of the same
    /// image (a stream's merged response after its events).
    keep: bool,
}

impl PyBytesAllocator {
    /// For one call: each object is handed out once, then forgotten (a batch does not hold
    /// every image until it ends).
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(PyBytesAllocator::default())
    }

    /// For a stream: objects are remembered as long as it lives (its merged response is
    /// converted after its events, and shares their images).
    pub(crate) fn keeping() -> Arc<Self> {
        Arc::new(PyBytesAllocator {
            keep: true,
            ..PyBytesAllocator::default()
        })
    }

    /// The allocator as the client takes it.
    pub(crate) fn shared(self: &Arc<Self>) -> Arc<dyn ImageAllocator> {
        Arc::clone(self) as Arc<dyn ImageAllocator>
    }

    /// The `bytes` object whose memory `data` is, if this allocator made it; `None`
    /// otherwise.
    pub(crate) fn take<'py>(&self, py: Python<'py>, data: &[u8]) -> Option<Bound<'py, PyBytes>> {
        let mut made = self.made.lock().ok()?;
        let at = made.iter().position(|object| {
            let held = object.bind(py).as_bytes();
            held.as_ptr() == data.as_ptr() && held.len() == data.len()
        })?;
        if self.keep {
            return made.get(at).map(|object| object.bind(py).clone());
        }
        Some(made.swap_remove(at).into_bound(py))
    }
}

impl ImageAllocator for PyBytesAllocator {
    /// Takes the GIL to create the object, and releases it again while `fill` decodes.
    fn allocate(&self, len: usize, fill: &mut FillImage<'_>) -> Result<Bytes, Error> {
        Python::attach(|py| {
            let mut failure = None;
            let made = PyBytes::new_with(py, len, |buffer| {
                py.detach(|| fill(buffer)).map_err(|err| {
                    failure = Some(err);
                    PyValueError::new_err("the image could not be decoded")
                })
            });
            let object = match made {
                Ok(object) => object,
                Err(err) => {
                    return Err(failure.unwrap_or_else(|| {
                        Error::internal(format!(
                            "could not allocate {len} bytes for an image: {err}"
                        ))
                    }));
                }
            };
            if let Ok(mut made) = self.made.lock() {
                made.push(object.clone().unbind());
            }
            Ok(Bytes::from_owner(PyBackedBytes::from(object)))
        })
    }
}

/// The memory of a `bytes` object, shared with it (kept alive by the returned value).
pub(crate) fn borrowed(object: Bound<'_, PyBytes>) -> Bytes {
    Bytes::from_owner(PyBackedBytes::from(object))
}

/// Response images copied into a new `bytes` object since the module was loaded: images
/// not decoded into one (none on the client's paths; a no-image error's thought images).
static COPIED: AtomicU64 = AtomicU64::new(0);

/// A `bytes` copy of an image that no allocator made (counted).
pub(crate) fn copied<'py>(py: Python<'py>, data: &[u8]) -> Bound<'py, PyBytes> {
    COPIED.fetch_add(1, Ordering::Relaxed);
    PyBytes::new(py, data)
}

/// How many response images were copied into `bytes` since import (the test suite checks
/// that every path hands images over without a copy).
#[pyfunction]
pub(crate) fn copied_image_count() -> u64 {
    COPIED.load(Ordering::Relaxed)
}
