//! `gemini_image._native`: the pyo3 layer under the `gemini_image` Python package.
//!
//! It converts types, maps errors onto the Python exception tree (built in
//! `gemini_image/errors.py` from the core's kind string) and releases the GIL around every
//! blocking call. No HTTP and no wire logic live here: those are `gemini-image` (client)
//! and `gemini-image-core`.

use pyo3::prelude::*;

mod cancel;
mod chat;
mod client;
mod convert;
mod emulator;
mod errors;
mod files;
mod image_bytes;
mod options;
mod sansio;
mod stream;

/// Runs the `gemini-image` command line (the same as the Rust binary) with `argv`
/// (`argv[0]` included) and returns its exit code. The GIL is released while it runs.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(|| gemini_image_cli::run(argv))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_MODEL", gemini_image::DEFAULT_MODEL)?;
    m.add("GATEWAY_BASE_URL", gemini_image::GATEWAY_BASE_URL)?;
    m.add("GOOGLE_BASE_URL", gemini_image::GOOGLE_BASE_URL)?;
    m.add(
        "DEFAULT_TIMEOUT",
        gemini_image::DEFAULT_TIMEOUT.as_secs_f64(),
    )?;
    let kinds: Vec<(&str, &str)> = gemini_image::ErrorKind::ALL
        .iter()
        .map(|kind| (kind.as_str(), kind.code()))
        .collect();
    m.add("ERROR_KINDS", kinds)?;
    m.add_class::<cancel::CancelToken>()?;
    m.add_class::<client::NativeClient>()?;
    m.add_class::<stream::NativeStream>()?;
    m.add_class::<chat::NativeChat>()?;
    m.add_class::<emulator::NativeEmulator>()?;
    m.add_class::<sansio::StreamDecoder>()?;
    m.add_class::<sansio::SansIoChat>()?;
    m.add_function(wrap_pyfunction!(sansio::build_request, m)?)?;
    m.add_function(wrap_pyfunction!(sansio::parse_response, m)?)?;
    m.add_function(wrap_pyfunction!(sansio::retry_delay, m)?)?;
    m.add_function(wrap_pyfunction!(files::save_image, m)?)?;
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(image_bytes::copied_image_count, m)?)?;
    Ok(())
}
