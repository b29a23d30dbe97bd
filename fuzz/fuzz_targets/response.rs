//! The response parser, whole and incremental: never panics, and `BodyReader` fed in
//! fuzzer-chosen pieces agrees with `parse_response` on the whole body.
#![no_main]

use gemini_image_core::{BodyReader, parse_response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&piece, body)) = data.split_first() else {
        return;
    };
    let whole = parse_response(200, &[], body);
    let mut reader = BodyReader::new();
    let mut fed = Ok(());
    for chunk in body.chunks(usize::from(piece).max(1)) {
        fed = reader.feed(chunk);
        if fed.is_err() {
            break;
        }
    }
    let chunked = fed.and_then(|()| reader.finish(200));
    match (&whole, &chunked) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind(), "{a} / {b}"),
        // A `data` string with a JSON escape other than \/ and whitespace escapes is
        // refused by the incremental reader only (documented).
        (Ok(_), Err(b)) => assert!(b.to_string().contains("JSON escape"), "{b}"),
        (Err(a), Ok(_)) => panic!("only the whole-body parser failed: {a}"),
    }
    if let Ok(response) = whole {
        let _ = response.summary();
        let _ = response.require_image().map_err(|e| e.redact("secret-key"));
    }
});
