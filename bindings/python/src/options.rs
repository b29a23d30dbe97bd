//! Request options from the Python keyword arguments, sent over as one JSON object and
//! read by the core's `RequestOptions` (snake_case or camelCase keys; errors name the key).

use gemini_image::Error;
use gemini_image::core::RequestOptions;

/// Parses the options JSON the Python layer built.
pub(crate) fn parse(json: &str) -> Result<RequestOptions, Error> {
    RequestOptions::from_json(json.as_bytes())
}
