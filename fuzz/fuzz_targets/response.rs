//! The response parser, whole and incremental: never panics, and `BodyReader` fed in
//! fuzzer-chosen pieces agrees with `parse_response` on the whole body, both when it
//! decodes images in pieces and when it hands them whole to an allocator.
#![no_main]

use std::sync::Arc;

use gemini_image_core::{
    AllocatorSink, BodyReader, Error, GenerateResponse, ImageSink, VecAllocator, parse_response,
};
use libfuzzer_sys::fuzz_target;

fn read<S: ImageSink>(mut reader: BodyReader<S>, body: &[u8], piece: u8) -> Result<GenerateResponse, Error> {
    for chunk in body.chunks(usize::from(piece).max(1)) {
        reader.feed(chunk)?;
    }
    reader.finish(200)
}

fuzz_target!(|data: &[u8]| {
    let Some((&piece, body)) = data.split_first() else {
        return;
    };
    let whole = parse_response(200, &[], body);
    let pieces = read(BodyReader::new(), body, piece);
    let allocated = read(
        BodyReader::with_sink(AllocatorSink::new(Arc::new(VecAllocator))),
        body,
        piece,
    );
    for chunked in [&pieces, &allocated] {
        match (&whole, chunked) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind(), "{a} / {b}"),
            // A `data` string with a JSON escape other than \/ and whitespace escapes is
            // refused by the incremental reader only (documented).
            (Ok(_), Err(b)) => assert!(b.to_string().contains("JSON escape"), "{b}"),
            (Err(a), Ok(_)) => panic!("only the whole-body parser failed: {a}"),
        }
    }
    if let Ok(response) = whole {
        let _ = response.summary();
        let _ = response.require_image().map_err(|e| e.redact("secret-key"));
    }
});
