//! Property tests: the core never panics on any bytes. Arbitrary input and mutations of
//! valid bodies go through `parse_response` (every status), the SSE decoder and stream
//! parser (any chunking), request reading, base64 and header sniffing. Bounded case
//! counts keep this a few seconds in CI; `PROPTEST_CASES=100000` runs it longer.

use gemini_image_core::{
    GenerateRequest, SseDecoder, StreamParser, base64, image_dimensions, parse_response,
    parse_stream_event, sniff_mime,
};
use proptest::prelude::*;

const VALID: &str = r#"{"candidates":[{"content":{"role":"model","parts":[{"text":"plan","thought":true},{"inlineData":{"mimeType":"image/jpeg","data":"/9j/4AAQSkZJRgABAQAAAQABAAD/2Q=="},"thought":true},{"text":"Here","thoughtSignature":"c2ln"},{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="},"thoughtSignature":"c2lnMg"}]},"finishReason":"STOP","finishMessage":"ok","safetyRatings":[{"category":"HARM_CATEGORY_HATE_SPEECH","probability":"NEGLIGIBLE"}],"index":0}],"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":1,"candidatesTokensDetails":[{"modality":"IMAGE","tokenCount":1290}]},"modelVersion":"m","responseId":"r"}"#;
const ERROR: &str = r#"{"error":{"code":429,"message":"Please retry in 3s.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"3s"},{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"a","description":"b"}]}],"type":"budget_exceeded","param":null}}"#;
const REQUEST: &str = r#"{"contents":[{"role":"user","parts":[{"text":"x"},{"inline_data":{"mime_type":"image/png","data":"iVBORw0KGgo="}}]}],"generationConfig":{"responseModalities":["TEXT","IMAGE"],"imageConfig":{"aspectRatio":"16:9","imageSize":"2K"},"thinkingConfig":{"includeThoughts":true}},"tools":[{"googleSearch":{}}]}"#;

fn exercise(status: u16, body: &[u8]) {
    let headers = vec![("retry-after".to_string(), "2".to_string())];
    if let Ok(response) = parse_response(status, &headers, body) {
        let _ = response.images();
        let _ = response.thought_signatures();
        let _ = response.model_turn();
        let _ = response.to_wire_json();
        if let Err(error) = response.require_image() {
            let _ = (error.to_string(), error.kind(), error.is_retryable());
        }
    } else if let Err(error) = parse_response(status, &headers, body) {
        let _ = (error.to_string(), error.message(), error.retry_after());
    }
    let _ = parse_stream_event(body);
    let _ = GenerateRequest::from_wire_json("gemini-3-pro-image-preview", body)
        .map(|request| request.validate());
    let _ = base64::decode(body);
    let _ = sniff_mime(body);
    let _ = image_dimensions(body);
}

/// Applies byte edits (position fraction, replacement byte, delete?) to a valid body.
fn mutate(base: &str, edits: &[(f64, u8, bool)]) -> Vec<u8> {
    let mut bytes = base.as_bytes().to_vec();
    for &(at, byte, delete) in edits {
        if bytes.is_empty() {
            break;
        }
        let index = ((bytes.len() - 1) as f64 * at) as usize;
        if delete {
            bytes.remove(index);
        } else {
            bytes[index] = byte;
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(3000)
    ))]

    #[test]
    fn arbitrary_bytes(status in prop_oneof![Just(200u16), Just(400), Just(429), Just(502), any::<u16>()],
                       body in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(status, &body);
    }

    #[test]
    fn mutated_valid_bodies(which in 0usize..3,
                            status in prop_oneof![Just(200u16), Just(429), Just(503)],
                            edits in proptest::collection::vec((0.0f64..1.0, any::<u8>(), any::<bool>()), 1..8)) {
        let base = [VALID, ERROR, REQUEST][which];
        exercise(status, &mutate(base, &edits));
    }

    #[test]
    fn sse_any_chunking(body in proptest::collection::vec(
                            prop_oneof![Just(b"data: ".to_vec()), Just(b"\r\n".to_vec()), Just(b"\n".to_vec()),
                                        Just(b": ping".to_vec()), Just(VALID.as_bytes().to_vec()), Just(ERROR.as_bytes().to_vec()),
                                        proptest::collection::vec(any::<u8>(), 0..16)], 0..24),
                        cuts in proptest::collection::vec(1usize..64, 1..16)) {
        let stream: Vec<u8> = body.concat();
        let mut decoder = SseDecoder::new();
        let mut parser = StreamParser::new();
        let mut whole = Vec::new();
        let mut at = 0;
        let mut cut = cuts.iter().cycle();
        while at < stream.len() {
            let end = (at + cut.next().copied().unwrap_or(1)).min(stream.len());
            whole.extend(decoder.feed(&stream[at..end]).unwrap_or_default());
            let _ = parser.feed(&stream[at..end]);
            at = end;
        }
        whole.extend(decoder.finish());
        let _ = parser.finish();
        // Chunking never changes what is decoded.
        let mut once = SseDecoder::new();
        let mut reference = once.feed(&stream).unwrap_or_default();
        reference.extend(once.finish());
        prop_assert_eq!(whole, reference);
    }
}
