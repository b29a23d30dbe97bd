//! Images out: the client's one naming and saving rule.

use std::path::PathBuf;

use gemini_image::Blob;
use pyo3::prelude::*;

use crate::errors::check;

/// Saves image bytes at `path` with the client's rule (the extension follows the MIME type;
/// an existing file is never replaced unless `overwrite`: the next free name is used;
/// atomic). Returns `(path written, renamed, warnings)`.
#[pyfunction]
#[pyo3(signature = (data, mime_type, path, overwrite=false))]
pub(crate) fn save_image(
    py: Python<'_>,
    data: &[u8],
    mime_type: &str,
    path: PathBuf,
    overwrite: bool,
) -> PyResult<(PathBuf, bool, Vec<String>)> {
    let blob = Blob::new(data.to_vec(), mime_type);
    let saved = check(
        py,
        py.detach(|| gemini_image::save_image(&blob, &path, overwrite)),
    )?;
    Ok((saved.path, saved.renamed, saved.warnings))
}
