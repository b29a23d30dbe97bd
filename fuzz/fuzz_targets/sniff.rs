//! The image MIME sniffer and header readers: never panic; what is sniffed as an image
//! has an extension, and what `Blob::from_bytes` accepts is a sniffed input type.
#![no_main]

use gemini_image_core::{
    ACCEPTED_INPUT_MIME_TYPES, Blob, extension_for_mime, image_dimensions, sniff_mime,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mime = sniff_mime(data);
    if let Some(mime) = mime {
        assert!(!extension_for_mime(mime).is_empty());
    }
    let _ = image_dimensions(data);
    if let Ok(blob) = Blob::from_bytes(data.to_vec(), "images[0]") {
        assert_eq!(Some(blob.mime_type.as_str()), mime);
        assert!(ACCEPTED_INPUT_MIME_TYPES.contains(&blob.mime_type.as_str()));
    }
});
