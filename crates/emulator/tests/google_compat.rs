//! The emulator as the official SDKs see it, checked with raw HTTP (no client that
//! normalises first): every API version prefix, the read-only model endpoints, Google's
//! rejections (never more lenient than Google), usage that adds up, and SSE framing per
//! route.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use gemini_image_emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};

const MODEL: &str = "gemini-3-pro-image-preview";

fn get(url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = agent().get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    read_reply(req.call().expect("request")).expect("body")
}

fn post(url: &str, body: &str) -> Reply {
    post_raw(url, body, &[("x-goog-api-key", KEY)]).expect("request")
}

/// `{base}/{version}/models/{model}:{method}` on Google's bare route.
fn bare(emu: &Emulator, version: &str, model: &str, method: &str) -> String {
    format!("{}/{version}/models/{model}:{method}", emu.url())
}

fn error_of(r: &Reply) -> (u16, String, String) {
    let v = r.json();
    let e = &v["error"];
    (
        e["code"].as_u64().unwrap_or(0) as u16,
        e["status"].as_str().unwrap_or("").to_string(),
        e["message"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn every_version_prefix_bare_and_gateway() {
    let emu = start();
    for version in ["v1", "v1beta", "v1alpha"] {
        for base in [emu.url(), emu.gateway_url()] {
            let url = format!("{base}/{version}/models/gemini-2.5-flash-image:generateContent");
            let r = post(&url, &body("a versioned kite", None, None));
            assert_eq!(r.status, 200, "{url}: {}", r.text());
            final_image(&r.json());
            let url = format!(
                "{base}/{version}/models/gemini-2.5-flash-image:streamGenerateContent?alt=sse"
            );
            let r = post(&url, &body("a versioned kite", None, None));
            assert_eq!(r.status, 200, "{url}");
            assert_eq!(sse_events(&r.text()).0.len(), 2);
        }
    }
    // The 404 for an unknown model names the version asked for.
    let r = post(
        &bare(&emu, "v1", "gemini-9-ultra-image", "generateContent"),
        &body("x", None, None),
    );
    assert_eq!(r.status, 404);
    assert_eq!(
        error_of(&r),
        (
            404,
            "NOT_FOUND".into(),
            "models/gemini-9-ultra-image is not found for API version v1, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.".into()
        )
    );
    // Anything else: Google's own 404 body.
    for (method, path) in [
        ("POST", "/v2/models/gemini-2.5-flash-image:generateContent"),
        ("POST", "/v1beta/models/gemini-2.5-flash-image:predict"),
        (
            "GET",
            "/v1beta/models/gemini-2.5-flash-image:generateContent",
        ),
        ("POST", "/v1beta/models"),
        ("GET", "/v1beta/files"),
        ("GET", "/"),
    ] {
        let url = format!("{}{path}", emu.url());
        let r = if method == "GET" {
            get(&url, &[("x-goog-api-key", KEY)])
        } else {
            post(&url, "{}")
        };
        assert_eq!(r.status, 404, "{method} {path}");
        assert_eq!(
            r.json(),
            json!({"error": {"code": 404, "message": "Method not found.", "status": "NOT_FOUND"}}),
            "{method} {path}"
        );
    }
    // Under /gemini the gateway authenticates first, whatever the path.
    let r = get(&format!("{}/v1beta/files", emu.gateway_url()), &[]);
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "401");
}

#[test]
fn model_endpoints_answer_like_google() {
    let emu = start();
    let key = [("x-goog-api-key", KEY)];
    let r = get(&format!("{}/v1beta/models", emu.url()), &key);
    assert_eq!(r.status, 200);
    let v = r.json();
    let models = v["models"].as_array().unwrap();
    let names: Vec<&str> = models.iter().filter_map(|m| m["name"].as_str()).collect();
    for id in [
        "models/gemini-2.5-flash-image",
        "models/gemini-3-pro-image-preview",
        "models/gemini-3.1-flash-image-preview",
        "models/gemini-3.1-flash-lite-image",
    ] {
        assert!(names.contains(&id), "{id} in {names:?}");
    }
    assert!(!names.iter().any(|n| n.contains("nano-banana")));
    for m in models {
        assert!(m["inputTokenLimit"].as_u64().unwrap() >= 32_768);
        assert!(m["outputTokenLimit"].as_u64().unwrap() >= 4_096);
        assert!(
            m["supportedGenerationMethods"]
                .as_array()
                .unwrap()
                .contains(&json!("generateContent"))
        );
        assert!(m["displayName"].is_string() && m["version"].is_string());
    }
    // Paging with pageSize / pageToken.
    let r = get(&format!("{}/v1/models?pageSize=2", emu.url()), &key);
    let v = r.json();
    assert_eq!(v["models"].as_array().unwrap().len(), 2);
    let token = v["nextPageToken"].as_str().unwrap().to_string();
    let r = get(
        &format!("{}/v1/models?pageSize=100&pageToken={token}", emu.url()),
        &key,
    );
    assert_eq!(
        r.json()["models"].as_array().unwrap().len(),
        models.len() - 2
    );

    let r = get(&format!("{}/v1beta/models/{MODEL}", emu.url()), &key);
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["name"], format!("models/{MODEL}"));
    assert_eq!(v["thinking"], true);
    assert_eq!(v["inputTokenLimit"], 65_536);
    // Aliases: only the gateway resolves them.
    let r = get(
        &format!("{}/v1beta/models/nano-banana-pro", emu.url()),
        &key,
    );
    assert_eq!(r.status, 404);
    assert!(
        error_of(&r)
            .2
            .starts_with("models/nano-banana-pro is not found")
    );
    let r = get(
        &format!("{}/v1beta/models/nano-banana-pro", emu.gateway_url()),
        &key,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["name"], "models/gemini-3-pro-image");
    // A key is needed, as on Google.
    let r = get(&format!("{}/v1beta/models", emu.url()), &[]);
    assert_eq!(r.status, 403);

    // countTokens: top-level contents, or wrapped in generateContentRequest.
    let url = bare(&emu, "v1beta", "gemini-2.5-flash-image", "countTokens");
    let r = post(
        &url,
        &json!({"contents": [{"parts": [{"text": "count these words please"},
            {"inlineData": {"mimeType": "image/png", "data": b64(&solid_png(8, 8, [1, 2, 3]))}}]}]})
        .to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let details: u64 = v["promptTokensDetails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["tokenCount"].as_u64().unwrap())
        .sum();
    assert_eq!(v["totalTokens"].as_u64().unwrap(), details);
    assert!(details > 258);
    let r = post(
        &url,
        &json!({"generateContentRequest": {"model": "models/gemini-2.5-flash-image",
            "contents": [{"parts": [{"text": "hello"}]}]}})
        .to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["totalTokens"], 2);
    let r = post(&url, r#"{"contents":[{"parts":[{"text":"x"}]}],"bogus":1}"#);
    assert_eq!(r.status, 400);
}

#[test]
fn never_more_lenient_than_google() {
    let emu = start();
    let url = bare(&emu, "v1beta", MODEL, "generateContent");
    // Lowercase size: rejected on Gemini 3 (the core would have accepted "2k").
    let r = post(&url, &body("x", Some("16:9"), Some("2k")));
    assert_eq!(r.status, 400);
    assert_eq!(
        error_of(&r),
        (
            400,
            "INVALID_ARGUMENT".into(),
            "Unsupported image_size '2k'. Supported values are: 1K, 2K, 4K, 512.".into()
        )
    );
    // 2.5 ignores imageSize whatever it says, as Google's does.
    let r = post(
        &bare(&emu, "v1beta", "gemini-2.5-flash-image", "generateContent"),
        &body("x", None, Some("8k")),
    );
    assert_eq!(r.status, 200);
    // A size or ratio the model does not take.
    let lite = bare(
        &emu,
        "v1beta",
        "gemini-3.1-flash-lite-image",
        "generateContent",
    );
    let r = post(&lite, &body("x", None, Some("2K")));
    assert_eq!(
        error_of(&r).2,
        "Image size 2K is not supported for this model"
    );
    let r = post(&url, &body("x", Some("8:1"), None));
    assert_eq!(
        error_of(&r).2,
        "Aspect ratio 8:1 is not supported for this model"
    );
    let r = post(&url, &body("x", Some("7:3"), None));
    assert_eq!(r.status, 400);
    assert!(
        error_of(&r)
            .2
            .starts_with("aspect_ratio must be one of '1:1'")
    );

    // Unknown fields, top level and nested: Google's "Invalid JSON payload received."
    let mut v: Value = serde_json::from_str(&body("x", None, None)).unwrap();
    v["bogusTop"] = json!(1);
    let r = post(&url, &v.to_string());
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"error": {
            "code": 400,
            "message": "Invalid JSON payload received. Unknown name \"bogusTop\": Cannot find field.",
            "status": "INVALID_ARGUMENT",
            "details": [{
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"description": "Invalid JSON payload received. Unknown name \"bogusTop\": Cannot find field."}]
            }]
        }})
    );
    let r = post(
        &url,
        r#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"imageConfig":{"personGeneration":"ALLOW_ALL"}}}"#,
    );
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(
        v["error"]["message"],
        "Invalid JSON payload received. Unknown name \"personGeneration\" at 'generation_config.image_config': Cannot find field."
    );
    assert_eq!(
        v["error"]["details"][0]["fieldViolations"][0]["field"],
        "generation_config.image_config"
    );
    // Wrong types and enum values.
    let r = post(
        &url,
        r#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseModalities":["PICTURE"]}}"#,
    );
    assert!(
        error_of(&r)
            .2
            .starts_with("Invalid value at 'generation_config.response_modalities[0]'")
    );
    let r = post(
        &url,
        r#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"temperature":"hot"}}"#,
    );
    assert_eq!(r.status, 400);
    assert!(error_of(&r).2.contains("(TYPE_FLOAT)"));
    // Two kinds of data in one part, a role Google does not know, several candidates.
    let r = post(
        &url,
        r#"{"contents":[{"parts":[{"text":"x","fileData":{"fileUri":"https://x/y.png"}}]}]}"#,
    );
    assert_eq!(
        error_of(&r).2,
        "Invalid JSON payload received. Oneof field 'data' is already set. Cannot set 'fileData'"
    );
    let r = post(
        &url,
        r#"{"contents":[{"role":"assistant","parts":[{"text":"x"}]}]}"#,
    );
    assert_eq!(error_of(&r).2, "Please use a valid role: user, model.");
    let r = post(
        &url,
        r#"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"candidateCount":2}}"#,
    );
    assert_eq!(
        error_of(&r).2,
        "Multiple candidates is not enabled for this model"
    );
    // Malformed JSON, missing contents, empty parts.
    let r = post(&url, "{not json");
    assert!(error_of(&r).2.starts_with("Invalid JSON payload received."));
    let r = post(&url, r#"{"generationConfig":{}}"#);
    assert_eq!(
        error_of(&r).2,
        "* GenerateContentRequest.contents: contents is not specified"
    );
    let r = post(&url, r#"{"contents":[{"parts":[]}]}"#);
    assert_eq!(error_of(&r).2, "Request has empty input.");

    // A MIME type Gemini does not take, bad base64, too many input images.
    let png = b64(&solid_png(16, 16, [9, 9, 9]));
    let edit = |mime: &str, data: &str, n: usize| {
        let mut parts = vec![json!({"text": "make it blue"})];
        for _ in 0..n {
            parts.push(json!({"inlineData": {"mimeType": mime, "data": data}}));
        }
        json!({"contents": [{"role": "user", "parts": parts}]}).to_string()
    };
    let r = post(&url, &edit("image/gif", &png, 1));
    assert_eq!(error_of(&r).2, "Unsupported MIME type: image/gif");
    let r = post(&url, &edit("image/png", "not base64!", 1));
    assert!(
        error_of(&r).2.contains("Base64 decoding failed"),
        "{}",
        r.text()
    );
    let flash = bare(&emu, "v1beta", "gemini-2.5-flash-image", "generateContent");
    assert_eq!(post(&flash, &edit("image/png", &png, 3)).status, 200);
    let r = post(&flash, &edit("image/png", &png, 4));
    assert_eq!(r.status, 400);
    assert!(error_of(&r).2.starts_with("Too many input images"));
    assert_eq!(post(&url, &edit("image/png", &png, 14)).status, 200);
    assert_eq!(post(&url, &edit("image/png", &png, 15)).status, 400);

    // snake_case field names are proto JSON too, and still accepted.
    let r = post(
        &flash,
        &json!({"contents": [{"parts": [{"text": "x"}, {"inline_data": {"mime_type": "image/png", "data": png}}]}],
                "generation_config": {"image_config": {"aspect_ratio": "4:3"}}})
        .to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn aliases_only_under_the_gateway() {
    let emu = start();
    for (alias, target) in [
        ("nano-banana", "gemini-2.5-flash-image"),
        ("nano-banana-pro", "gemini-3-pro-image"),
        ("nano-banana-2", "gemini-3.1-flash-image"),
        ("nano-banana-2-lite", "gemini-3.1-flash-lite-image"),
    ] {
        let r = post(
            &bare(&emu, "v1beta", alias, "generateContent"),
            &body("x", None, None),
        );
        assert_eq!(r.status, 404, "{alias}");
        assert!(
            error_of(&r)
                .2
                .starts_with(&format!("models/{alias} is not found"))
        );
        let r = post(&generate_url(&emu, alias), &body("x", None, None));
        assert_eq!(r.status, 200, "{alias}");
        // modelVersion is the model the alias stands for, never the alias.
        assert_eq!(r.json()["modelVersion"], target, "{alias}");
    }
    let r = post(
        &bare(
            &emu,
            "v1beta",
            "gemini-3-pro-image-preview",
            "generateContent",
        ),
        &body("x", None, None),
    );
    assert_eq!(r.json()["modelVersion"], "gemini-3-pro-image-preview");
}

fn candidates_add_up(v: &Value) {
    let u = &v["usageMetadata"];
    let sum = |key: &str| -> u64 {
        u[key]
            .as_array()
            .map(|a| a.iter().map(|d| d["tokenCount"].as_u64().unwrap()).sum())
            .unwrap_or(0)
    };
    assert_eq!(
        u["candidatesTokenCount"].as_u64().unwrap_or(0),
        sum("candidatesTokensDetails"),
        "{u}"
    );
    assert_eq!(
        u["promptTokenCount"].as_u64().unwrap(),
        sum("promptTokensDetails"),
        "{u}"
    );
    let total = u["promptTokenCount"].as_u64().unwrap()
        + u["candidatesTokenCount"].as_u64().unwrap_or(0)
        + u["thoughtsTokenCount"].as_u64().unwrap_or(0);
    assert_eq!(u["totalTokenCount"].as_u64().unwrap(), total, "{u}");
}

#[test]
fn usage_adds_up_and_fields_are_typed() {
    let emu = start();
    for model in [
        "gemini-2.5-flash-image",
        "gemini-3-pro-image-preview",
        "gemini-3.1-flash-image-preview",
    ] {
        let v = post(
            &bare(&emu, "v1beta", model, "generateContent"),
            &body("a sum", None, None),
        )
        .json();
        candidates_add_up(&v);
        let c = &v["candidates"][0];
        assert_eq!(c["finishReason"], "STOP");
        assert_eq!(c["index"], 0);
        let ratings = c["safetyRatings"].as_array().unwrap();
        assert_eq!(ratings.len(), 4);
        assert!(ratings.iter().all(|r| r["probability"] == "NEGLIGIBLE"));
        assert!(v["responseId"].is_string() && v["modelVersion"] == model);
        // The Gemini API sends no createTime (Vertex does).
        assert!(v.get("createTime").is_none());
        // The final stream chunk carries the usage, and it adds up too.
        let r = post(
            &bare(&emu, "v1beta", model, "streamGenerateContent?alt=sse"),
            &body("a sum", None, None),
        );
        let (events, _) = sse_events(&r.text());
        let last = events.last().unwrap();
        assert_eq!(last["candidates"][0]["finishReason"], "STOP");
        candidates_add_up(last);
        assert_eq!(
            last["usageMetadata"]["candidatesTokenCount"],
            v["usageMetadata"]["candidatesTokenCount"]
        );
    }
    // Image only: no text tokens among the candidates.
    let v = post(
        &bare(&emu, "v1beta", "gemini-2.5-flash-image", "generateContent"),
        &json!({"contents": [{"parts": [{"text": "x"}]}], "generationConfig": {"responseModalities": ["IMAGE"]}}).to_string(),
    )
    .json();
    assert_eq!(v["usageMetadata"]["candidatesTokenCount"], 1290);
    candidates_add_up(&v);
    // Refusals and blocks add up as well.
    for fault in ["refusal", "blocked", "image_safety"] {
        let v = post(
            &bare(&emu, "v1beta", MODEL, "generateContent"),
            &body(&format!("x [[fault:{fault}]]"), None, None),
        )
        .json();
        candidates_add_up(&v);
    }
}

#[test]
fn keepalive_comments_per_route() {
    let emu = start();
    let stream = |base: &str, prompt: &str, headers: &[(&str, &str)]| {
        let url = format!("{base}/v1beta/models/{MODEL}:streamGenerateContent?alt=sse");
        let mut h = vec![("x-goog-api-key", KEY)];
        h.extend_from_slice(headers);
        let r = post_raw(&url, &body(prompt, None, None), &h).unwrap();
        let text = r.text();
        let (events, comments) = sse_events(&text);
        assert_eq!(events.len(), 4);
        comments
    };
    // Google's route: no comment lines at all.
    assert_eq!(stream(&emu.url(), "k1", &[]), 0);
    // Unless a fault or the header asks.
    assert_eq!(stream(&emu.url(), "k2 [[fault:keepalive]]", &[]), 1);
    assert_eq!(
        stream(&emu.url(), "k3", &[("x-emulator-keepalive", "on")]),
        1
    );
    // The gateway route: one by default, off on request.
    assert_eq!(stream(&emu.gateway_url(), "k4", &[]), 1);
    assert_eq!(
        stream(&emu.gateway_url(), "k5", &[("x-emulator-keepalive", "off")]),
        0
    );
    // A stalled stream goes quiet on Google's route, and pings on the gateway's.
    assert_eq!(
        stream(&emu.url(), "k7 [[fault:slow_body]] [[delay:600]]", &[]),
        0
    );
    assert!(
        stream(
            &emu.gateway_url(),
            "k8 [[fault:slow_body]] [[delay:600]]",
            &[]
        ) >= 3
    );
    let quiet = Emulator::start(EmulatorConfig::default().with_gateway_keepalive(false)).unwrap();
    assert_eq!(stream(&quiet.gateway_url(), "k6", &[]), 0);
}

#[test]
fn stream_error_in_the_json_array_form() {
    let emu = start();
    let url = bare(&emu, "v1beta", MODEL, "streamGenerateContent");
    let r = post(&url, &body("an array [[fault:stream_error]]", None, None));
    assert_eq!(r.status, 200);
    let v = r.json();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["error"]["code"], 503);
    assert_eq!(items[1]["error"]["status"], "UNAVAILABLE");
}
