//! `BodyReader` equals `parse_response` for every 2xx body of the shared test vectors and
//! for generated bodies with big images, whatever the chunking.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code

use std::path::{Path, PathBuf};

use gemini_image_core::{BodyReader, Error, GenerateResponse, parse_response};
use proptest::prelude::*;
use serde_json::Value;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cases")
}

/// Every `{"status": 2xx, "json": {...}}` response in the shared vectors, as body bytes.
fn fixture_bodies() -> Vec<(String, Vec<u8>)> {
    fn walk(value: &Value, id: &str, out: &mut Vec<(String, Vec<u8>)>) {
        match value {
            Value::Object(map) => {
                let ok = map
                    .get("status")
                    .and_then(Value::as_u64)
                    .is_some_and(|s| (200..300).contains(&s));
                if let (true, Some(json)) = (ok, map.get("json")) {
                    out.push((id.to_string(), serde_json::to_vec(json).unwrap()));
                }
                map.values().for_each(|v| walk(v, id, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, id, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut dirs = vec![cases_dir()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let case: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                walk(&case, &path.display().to_string(), &mut out);
            }
        }
    }
    assert!(out.len() >= 10, "found only {} bodies", out.len());
    out
}

fn read_in(body: &[u8], cuts: &[usize]) -> Result<GenerateResponse, Error> {
    let mut reader = BodyReader::new();
    let mut at = 0;
    let mut sizes = cuts.iter().cycle();
    while at < body.len() {
        let end = (at + sizes.next().copied().unwrap_or(1)).min(body.len());
        reader.feed(&body[at..end])?;
        at = end;
    }
    reader.finish(200)
}

fn assert_same(body: &[u8], cuts: &[usize], what: &str) -> Result<(), TestCaseError> {
    let whole = parse_response(200, &[], body);
    let chunked = read_in(body, cuts);
    match (&whole, &chunked) {
        (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "{}", what),
        (Err(a), Err(b)) => prop_assert_eq!(a.kind(), b.kind(), "{}: {} / {}", what, a, b),
        _ => prop_assert!(false, "{}: {:?} vs {:?}", what, whole, chunked),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fixture_bodies_any_chunking(cuts in prop::collection::vec(1usize..300, 1..8)) {
        for (id, body) in fixture_bodies() {
            assert_same(&body, &cuts, &id)?;
        }
    }

    #[test]
    fn big_images_any_chunking(
        image in prop::collection::vec(any::<u8>(), 0..300_000),
        cuts in prop::collection::vec(1usize..100_000, 1..6),
        thought in any::<bool>(),
        url_safe in any::<bool>(),
    ) {
        let mut b64 = gemini_image_core::base64::encode(&image);
        if url_safe {
            b64 = b64.replace('+', "-").replace('/', "_");
        }
        let body = format!(
            r#"{{"candidates":[{{"content":{{"role":"model","parts":[{{"inlineData":{{"mimeType":"image/png","data":"{b64}"}},"thought":{thought}}},{{"text":"done"}}]}},"finishReason":"STOP"}}],"usageMetadata":{{"totalTokenCount":7}}}}"#
        );
        assert_same(body.as_bytes(), &cuts, "generated")?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        body in prop::collection::vec(any::<u8>(), 0..2000),
        cuts in prop::collection::vec(1usize..50, 1..5),
    ) {
        let _ = read_in(&body, &cuts);
    }
}
