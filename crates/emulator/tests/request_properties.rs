//! Properties of the core's request builder over generated requests: the body it builds is
//! JSON that round-trips through serde, and whatever the core accepts, the emulator (which
//! applies Google's own request checks) accepts too. A request the core lets through and
//! the server then calls malformed would cost the user a round trip and an unhelpful error.
//!
//! Enum options use the values the API documents (the core's open `Other` values are sent
//! verbatim on purpose, for values Google adds later); free-text fields and numbers range
//! over everything, NaN and the extremes included.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use gemini_image_core::{
    ApiKey, AspectRatio, Blob, Call, Content, Endpoint, GenerateRequest, ImageSize, Modality, Part,
    SafetySetting, ThinkingConfig, build_http_request,
};
use gemini_image_emulator::{Emulator, EmulatorConfig};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

const MODELS: &[&str] = &[
    "gemini-2.5-flash-image",
    "gemini-3-pro-image-preview",
    "gemini-3.1-flash-image-preview",
    "gemini-3.1-flash-lite-image",
    "nano-banana",
    "nano-banana-pro",
    "nano-banana-2",
];

/// What the API documents, plus a few plausible mistakes the core must catch.
const CATEGORIES: &[&str] = &[
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
    "HARM_CATEGORY_CIVIC_INTEGRITY",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
    "HARM_CATEGORY_HARASSMENT",
    "harm_category_harassment",
    "HARASSMENT",
    "",
];
const THRESHOLDS: &[&str] = &[
    "BLOCK_LOW_AND_ABOVE",
    "BLOCK_MEDIUM_AND_ABOVE",
    "BLOCK_ONLY_HIGH",
    "BLOCK_NONE",
    "OFF",
    "block_none",
    "BLOCK_SOME",
    "",
];
const THINKING_LEVELS: &[&str] = &["MINIMAL", "LOW", "MEDIUM", "HIGH", "high", "MAX", ""];

fn pick<T: Clone + std::fmt::Debug + 'static>(values: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(values)
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        12 => 0.0f64..=1.0,
        1 => any::<f64>(),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(-0.0),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{1,40}",
        any::<String>(),
        Just(String::from("   ")),
        Just(String::from(
            "quote \" backslash \\ nul \u{0} bell \u{7} line\u{2028}end"
        )),
    ]
}

fn thinking() -> impl Strategy<Value = ThinkingConfig> {
    (
        any::<Option<bool>>(),
        prop::option::of(prop_oneof![9 => -1i32..=32768, 1 => any::<i32>()]),
        prop::option::of(pick(THINKING_LEVELS)),
    )
        .prop_map(
            |(include_thoughts, thinking_budget, level)| ThinkingConfig {
                include_thoughts,
                thinking_budget,
                thinking_level: level.map(str::to_string),
            },
        )
}

fn request(png: Vec<u8>) -> impl Strategy<Value = GenerateRequest> {
    let images = prop::collection::vec(pick(&["image/png", "", "image/jpeg", "IMAGE/PNG"]), 0..3);
    let sampling = (
        prop::option::of(float()),
        prop::option::of(float()),
        prop::option::of(prop_oneof![9 => 1i32..=64, 1 => any::<i32>()]),
        prop::option::of(any::<i64>()),
        prop::option::of(prop_oneof![9 => 1i32..=8192, 1 => any::<i32>()]),
        prop::collection::vec(text(), 0..6),
        prop::option::of(prop_oneof![9 => Just(1i32), 1 => any::<i32>()]),
    );
    let image_config = (
        prop::option::of(pick(AspectRatio::ALL)),
        prop::option::of(pick(ImageSize::ALL)),
        prop::collection::vec(pick(Modality::ALL), 0..3),
    );
    let safety = prop::collection::vec((pick(CATEGORIES), pick(THRESHOLDS)), 0..2);
    (
        pick(MODELS),
        text(),
        images,
        sampling,
        image_config,
        safety,
        prop::option::of(thinking()),
        prop::option::of(text()),
    )
        .prop_map(
            move |(model, prompt, images, sampling, image_config, safety, thinking, system)| {
                let mut parts = vec![Part::text(prompt)];
                for mime in images {
                    parts.push(Part::from_data(gemini_image_core::PartData::InlineData(
                        Blob::new(png.clone(), mime),
                    )));
                }
                let mut req = GenerateRequest::new(model);
                req.contents.push(Content::user(parts));
                let (temperature, top_p, top_k, seed, max_tokens, stops, candidates) = sampling;
                let config = &mut req.config;
                config.temperature = temperature;
                config.top_p = top_p;
                config.top_k = top_k;
                config.seed = seed;
                config.max_output_tokens = max_tokens;
                config.stop_sequences = stops;
                config.candidate_count = candidates;
                (
                    config.aspect_ratio,
                    config.image_size,
                    config.response_modalities,
                ) = image_config;
                config.thinking = thinking;
                req.safety_settings = safety
                    .into_iter()
                    .map(|(category, threshold)| SafetySetting {
                        category: category.to_string(),
                        threshold: threshold.to_string(),
                    })
                    .collect();
                req.system_instruction = system;
                req
            },
        )
}

fn post(http: &gemini_image_core::HttpRequest) -> Reply {
    let mut call = agent().post(&http.url);
    for (name, value) in &http.headers {
        call = call.header(name.as_str(), value.as_str());
    }
    read_reply(call.send(&http.body[..]).unwrap()).unwrap()
}

#[test]
fn accepted_requests_round_trip_and_the_emulator_accepts_them() {
    let emu = Emulator::start(EmulatorConfig::default().with_faults(false)).unwrap();
    let endpoint = Endpoint::new(emu.gateway_url()).unwrap();
    let key = ApiKey::new(KEY).unwrap();
    let png = solid_png(4, 3, [200, 40, 90]);
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let accepted = std::cell::Cell::new(0u32);
    let refused = std::cell::Cell::new(0u32);
    runner
        .run(&request(png), |req| {
            let Ok(http) = build_http_request(&endpoint, &key, &req, Call::Generate) else {
                refused.set(refused.get() + 1);
                return Ok(());
            };
            accepted.set(accepted.get() + 1);
            let body: Value = serde_json::from_slice(&http.body)
                .map_err(|e| TestCaseError::fail(format!("the body is not JSON: {e}")))?;
            let again: Value = serde_json::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap();
            prop_assert_eq!(&again, &body, "the body does not round-trip through serde");
            prop_assert!(
                !String::from_utf8_lossy(&http.body).contains(KEY),
                "the key is in the body"
            );
            let reply = post(&http);
            prop_assert_eq!(
                reply.status,
                200,
                "the core accepted a request the emulator refused: {}",
                reply.text()
            );
            Ok(())
        })
        .unwrap();
    let (accepted, refused) = (accepted.get(), refused.get());
    eprintln!("request properties: {accepted} accepted and sent, {refused} refused by the core");
    assert!(accepted > 0, "no generated request was accepted");
}
