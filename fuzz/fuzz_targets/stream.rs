//! The SSE decoder and the stream parser: never panic, and the decoder's events do not
//! depend on how the bytes are cut.
#![no_main]

use gemini_image_core::{SseDecoder, StreamParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&piece, stream)) = data.split_first() else {
        return;
    };
    let piece = usize::from(piece).max(1);
    let mut once = SseDecoder::new();
    let mut reference = once.feed(stream).unwrap_or_default();
    reference.extend(once.finish());

    let mut decoder = SseDecoder::new();
    let mut events = Vec::new();
    for chunk in stream.chunks(piece) {
        events.extend(decoder.feed(chunk).unwrap_or_default());
    }
    events.extend(decoder.finish());
    assert_eq!(events, reference);

    let mut parser = StreamParser::with_max_event_bytes(4096);
    for chunk in stream.chunks(piece) {
        if parser.feed(chunk).is_err() {
            return;
        }
    }
    let _ = parser.finish();
});
