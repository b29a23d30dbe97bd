//! Routes, auth, validation, thought signatures, streaming and faults.

mod common;

use std::time::{Duration, Instant};

use common::*;
use gemini_image_emulator::{Emulator, EmulatorConfig, Fault};
use serde_json::{Value, json};

#[test]
fn auth_rules() {
    let emu = start();
    let url = generate_url(&emu, "gemini-2.5-flash-image");
    let b = body("x", None, None);
    let r = post_raw(&url, &b, &[]).unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"error":{"message":"Authentication Error, No api key passed in.","type":"auth_error","param":"None","code":"401"}})
    );
    // Bearer alone does not count on /gemini.
    let r = post_raw(&url, &b, &[("authorization", "Bearer abc")]).unwrap();
    assert_eq!(r.status, 401);
    // ?key= does.
    let r = post_raw(&format!("{url}?key=abc"), &b, &[]).unwrap();
    assert_eq!(r.status, 200);
    // Google's bare route: 403 PERMISSION_DENIED without a key.
    let bare = format!(
        "{}/v1beta/models/gemini-2.5-flash-image:generateContent",
        emu.url()
    );
    let r = post_raw(&bare, &b, &[]).unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"]["status"], "PERMISSION_DENIED");
    assert_eq!(
        post_raw(&bare, &b, &[("x-goog-api-key", "k")])
            .unwrap()
            .status,
        200
    );

    let strict = Emulator::start(EmulatorConfig::default().with_api_key("right")).unwrap();
    let url = generate_url(&strict, "gemini-2.5-flash-image");
    let r = post_raw(&url, &b, &[("x-goog-api-key", "wrong")]).unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "401");
    assert!(!r.text().contains("wrong"));
    assert_eq!(
        post_raw(&url, &b, &[("x-goog-api-key", "right")])
            .unwrap()
            .status,
        200
    );
    let bare = format!(
        "{}/v1beta/models/gemini-2.5-flash-image:generateContent",
        strict.url()
    );
    let r = post_raw(&bare, &b, &[("x-goog-api-key", "wrong")]).unwrap();
    assert_eq!(r.status, 400);
    assert!(r.text().contains("API_KEY_INVALID"));
}

#[test]
fn validation_errors_name_the_field() {
    let emu = start();
    // Google's own wording for what the model does not take.
    let r = generate(
        &emu,
        "gemini-3-pro-image-preview",
        &body("x", Some("1:4"), None),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"error": {"code": 400, "message": "Aspect ratio 1:4 is not supported for this model", "status": "INVALID_ARGUMENT"}})
    );
    let r = generate(
        &emu,
        "gemini-3-pro-image-preview",
        &body("x", None, Some("512")),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"]["message"],
        "Image size 512 is not supported for this model"
    );
    // What the core rejects still names the field (an empty prompt).
    let r = generate(&emu, "gemini-3-pro-image-preview", &body(" ", None, None));
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["error"]["status"], "INVALID_ARGUMENT");
    assert_eq!(
        v["error"]["details"][0]["fieldViolations"][0]["field"],
        "prompt"
    );
    let r = generate(&emu, "gemini-3-pro-image-preview", "{}");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("contents"));
    let r = generate(&emu, "gemini-3-pro-image-preview", "{not json");
    assert_eq!(r.status, 400);
    let r = generate(
        &emu,
        "gemini-3-pro-image-preview",
        r#"{"contents":[{"parts":[]}]}"#,
    );
    assert_eq!(r.status, 400);
    // Unknown fault names are an error too (typos should not pass silently).
    let r = generate(
        &emu,
        "gemini-2.5-flash-image",
        &body("x [[fault:nope]]", None, None),
    );
    assert_eq!(r.status, 400);
    assert!(r.text().contains("unknown emulator fault"));
}

#[test]
fn unknown_models_and_routes_are_404() {
    let emu = start();
    let r = generate(&emu, "gemini-9-ultra-image", &body("x", None, None));
    assert_eq!(r.status, 404);
    let v = r.json();
    assert_eq!(v["error"]["status"], "NOT_FOUND");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("models/gemini-9-ultra-image is not found for API version v1beta")
    );
    let r = post_raw(
        &format!("{}/v1/whatever", emu.url()),
        "{}",
        &[("x-goog-api-key", KEY)],
    )
    .unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], 404);
    let r = post_raw(
        &format!(
            "{}/v1beta/models/gemini-2.5-flash-image:embedContent",
            emu.gateway_url()
        ),
        "{}",
        &[("x-goog-api-key", KEY)],
    )
    .unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"error": {"code": 404, "message": "Method not found.", "status": "NOT_FOUND"}})
    );
}

fn second_turn(model_parts: Value) -> String {
    json!({
        "contents": [
            {"role": "user", "parts": [{"text": "a cabin"}]},
            {"role": "model", "parts": model_parts},
            {"role": "user", "parts": [{"text": "make it daytime"}]}
        ]
    })
    .to_string()
}

#[test]
fn thought_signatures_are_required_on_later_turns() {
    let emu = start();
    let model = "gemini-3-pro-image-preview";
    let first = generate(&emu, model, &body("a cabin", None, None)).json();
    let parts: Vec<Value> = first["candidates"][0]["content"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["thought"] != true)
        .cloned()
        .collect();
    // As returned: accepted, and the edit works on the previous image.
    let r = generate(&emu, model, &second_turn(Value::Array(parts.clone())));
    assert_eq!(r.status, 200, "{}", r.text());
    let (_, img) = final_image(&r.json());
    assert_eq!(decode(&img).0, 1024);

    // Signatures stripped: 400 like Google's.
    let stripped: Vec<Value> = parts
        .iter()
        .map(|p| {
            let mut p = p.clone();
            p.as_object_mut().unwrap().remove("thoughtSignature");
            p
        })
        .collect();
    let r = generate(&emu, model, &second_turn(Value::Array(stripped.clone())));
    assert_eq!(r.status, 400);
    let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(
        msg.starts_with(
            "Text part is missing a thought_signature in content position 2, part position 1."
        ),
        "{msg}"
    );
    // Only the image unsigned.
    let mut half = parts.clone();
    half[1].as_object_mut().unwrap().remove("thoughtSignature");
    let r = generate(&emu, model, &second_turn(Value::Array(half)));
    assert_eq!(r.status, 400);
    assert!(r.text().contains(
        "Image part is missing a thought_signature in content position 2, part position 2."
    ));

    // The documented dummy signature passes.
    let dummy: Vec<Value> = stripped
        .iter()
        .map(|p| {
            let mut p = p.clone();
            p["thoughtSignature"] = json!(gemini_image_emulator::DUMMY_THOUGHT_SIGNATURE);
            p
        })
        .collect();
    assert_eq!(
        generate(&emu, model, &second_turn(Value::Array(dummy))).status,
        200
    );

    // 2.5 has no signatures to check.
    assert_eq!(
        generate(
            &emu,
            "gemini-2.5-flash-image",
            &second_turn(Value::Array(stripped))
        )
        .status,
        200
    );
}

#[test]
fn sse_stream_shape() {
    let emu = start();
    let r = post_raw(
        &stream_url(&emu, "gemini-3-pro-image-preview"),
        &body("a streamed fox", Some("16:9"), None),
        &[("x-goog-api-key", KEY)],
    )
    .unwrap();
    assert_eq!(r.status, 200);
    assert!(r.content_type.starts_with("text/event-stream"));
    let text = r.text();
    assert!(text.starts_with("data: {"));
    let (events, comments) = sse_events(&text);
    assert_eq!(events.len(), 4, "{}", &text[..text.len().min(400)]);
    assert!(comments >= 1);
    let part = |i: usize| events[i]["candidates"][0]["content"]["parts"][0].clone();
    assert_eq!(part(0)["thought"], true);
    assert!(part(0)["text"].is_string());
    assert_eq!(part(1)["thought"], true);
    assert!(part(1)["inlineData"].is_object());
    assert!(part(2)["thoughtSignature"].is_string());
    let (_, img) = final_image(&events[2]);
    assert_eq!(decode(&img).0, 1376);
    assert_eq!(part(3)["text"], "");
    assert!(part(3)["thoughtSignature"].is_string());
    assert_eq!(events[3]["candidates"][0]["finishReason"], "STOP");
    assert!(
        events[3]["usageMetadata"]["candidatesTokenCount"]
            .as_u64()
            .unwrap()
            > 0
    );
    for e in &events {
        assert_eq!(e["modelVersion"], "gemini-3-pro-image-preview");
        assert_eq!(e["responseId"], events[0]["responseId"]);
    }

    // 2.5: preamble, then image with finishReason.
    let r = post_raw(
        &stream_url(&emu, "gemini-2.5-flash-image"),
        &body("a streamed fox", None, None),
        &[("x-goog-api-key", KEY)],
    )
    .unwrap();
    let (events, _) = sse_events(&r.text());
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["candidates"][0]["finishReason"], "STOP");
    assert_eq!(final_image(&events[1]).0, "image/png");

    // Without alt=sse: one JSON array, like Google.
    let url = format!(
        "{}/v1beta/models/gemini-3-pro-image-preview:streamGenerateContent",
        emu.gateway_url()
    );
    let r = post_raw(&url, &body("array", None, None), &[("x-goog-api-key", KEY)]).unwrap();
    let v = r.json();
    assert_eq!(v.as_array().unwrap().len(), 4);
}

fn fault(emu: &Emulator, model: &str, prompt: &str, headers: &[(&str, &str)]) -> Reply {
    let mut h = vec![("x-goog-api-key", KEY)];
    h.extend_from_slice(headers);
    match post_raw(&generate_url(emu, model), &body(prompt, None, None), &h) {
        Ok(r) => r,
        Err(e) => panic!("request failed: {e}"),
    }
}

#[test]
fn http_error_faults() {
    let emu = start();
    let m = "gemini-3-pro-image-preview";
    let r = fault(&emu, m, "x [[fault:rate_limit]]", &[]);
    assert_eq!(r.status, 429);
    let v = r.json();
    assert_eq!(v["error"]["status"], "RESOURCE_EXHAUSTED");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Please retry in 1s.")
    );
    let details = v["error"]["details"].as_array().unwrap();
    assert!(details.iter().any(|d| d["retryDelay"] == "1s"));
    assert!(
        details
            .iter()
            .any(|d| d["@type"] == "type.googleapis.com/google.rpc.QuotaFailure")
    );

    let r = fault(&emu, m, "x [[fault:budget]]", &[]);
    assert_eq!(r.status, 429);
    assert_eq!(
        r.json(),
        json!({"error":{"message":"Budget has been exceeded! Current cost: 50.01, Max budget: 50.0","type":"budget_exceeded","param":null,"code":"429"}})
    );
    let r = fault(&emu, m, "x [[fault:credits]]", &[]);
    assert_eq!(r.status, 429);
    assert!(r.json()["error"].get("details").is_none());

    for (name, status, code) in [
        ("overloaded", 503, "UNAVAILABLE"),
        ("deadline", 504, "DEADLINE_EXCEEDED"),
        ("internal", 500, "INTERNAL"),
        ("stream_error", 503, "UNAVAILABLE"),
    ] {
        let r = fault(&emu, m, &format!("x [[fault:{name}]]"), &[]);
        assert_eq!(r.status, status, "{name}");
        assert_eq!(r.json()["error"]["status"], code);
        assert_eq!(r.json()["error"]["code"], status);
    }
    let r = fault(&emu, m, "x", &[("x-emulator-fault", "overloaded")]);
    assert_eq!(r.status, 503);
    assert_eq!(
        r.json()["error"]["message"],
        "The model is overloaded. Please try again later."
    );

    let r = fault(&emu, m, "x [[fault:html_502]]", &[]);
    assert_eq!(r.status, 502);
    assert!(r.content_type.starts_with("text/html"));
    assert!(r.text().contains("502 Bad Gateway"));
}

#[test]
fn counted_faults_fail_n_times_then_succeed() {
    let emu = start();
    let prompt = "retry me [[fault:rate_limit:2]]";
    let statuses: Vec<u16> = (0..4)
        .map(|_| fault(&emu, "gemini-2.5-flash-image", prompt, &[]).status)
        .collect();
    assert_eq!(statuses, vec![429, 429, 200, 200]);
    assert_eq!(emu.prompt_count(prompt), 4);
    // Header form, counted per prompt too.
    let statuses: Vec<u16> = (0..3)
        .map(|_| {
            fault(
                &emu,
                "gemini-2.5-flash-image",
                "hdr",
                &[("x-emulator-fault", "overloaded:1")],
            )
            .status
        })
        .collect();
    assert_eq!(statuses, vec![503, 200, 200]);
    emu.reset();
    assert_eq!(emu.prompt_count(prompt), 0);
    assert_eq!(emu.request_count(), 0);
    assert_eq!(
        fault(&emu, "gemini-2.5-flash-image", prompt, &[]).status,
        429
    );
    // Disabled faults: tokens are plain text.
    let quiet = Emulator::start(EmulatorConfig::default().with_faults(false)).unwrap();
    assert_eq!(
        fault(&quiet, "gemini-2.5-flash-image", prompt, &[]).status,
        200
    );
}

#[test]
fn http_200_outcome_faults() {
    let emu = start();
    let m = "gemini-3-pro-image-preview";
    let v = fault(&emu, m, "x [[fault:image_safety]]", &[]).json();
    let c = &v["candidates"][0];
    assert_eq!(c["finishReason"], "IMAGE_SAFETY");
    assert_eq!(c["content"], json!({}));
    assert!(
        c["finishMessage"]
            .as_str()
            .unwrap()
            .starts_with("Unable to show the generated image.")
    );
    let v = fault(&emu, m, "x [[fault:prohibited]]", &[]).json();
    assert_eq!(
        v["candidates"][0]["finishReason"],
        "IMAGE_PROHIBITED_CONTENT"
    );
    let v = fault(&emu, "gemini-2.5-flash-image", "x [[fault:no_image]]", &[]).json();
    assert_eq!(v["candidates"][0]["finishReason"], "NO_IMAGE");
    let v = fault(&emu, m, "x [[fault:blocked]]", &[]).json();
    assert!(v.get("candidates").is_none());
    assert_eq!(v["promptFeedback"]["blockReason"], "PROHIBITED_CONTENT");
    assert!(v["usageMetadata"]["promptTokenCount"].as_u64().unwrap() > 0);
    let v = fault(&emu, m, "x [[fault:refusal]]", &[]).json();
    assert_eq!(v["candidates"][0]["finishReason"], "STOP");
    let parts = v["candidates"][0]["content"]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0]["text"], "I can't create images of that.");
}

#[test]
fn timing_and_connection_faults() {
    let emu = start();
    let m = "gemini-2.5-flash-image";
    let t = Instant::now();
    let r = fault(&emu, m, "x [[fault:slow]] [[delay:300]]", &[]);
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    let r = fault(
        &emu,
        m,
        "y",
        &[
            ("x-emulator-fault", "slow_body"),
            ("x-emulator-delay-ms", "300"),
        ],
    );
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    final_image(&r.json());

    // drop: status and headers arrive, the body is cut short.
    let err = post_raw(
        &generate_url(&emu, m),
        &body("z [[fault:drop]]", None, None),
        &[("x-goog-api-key", KEY)],
    );
    assert!(err.is_err(), "{err:?}");
    // The server is still fine afterwards.
    assert_eq!(fault(&emu, m, "after drop", &[]).status, 200);
}

#[test]
fn stream_faults() {
    let emu = start();
    let url = stream_url(&emu, "gemini-3-pro-image-preview");
    let r = post_raw(
        &url,
        &body("s [[fault:stream_error]]", None, None),
        &[("x-goog-api-key", KEY)],
    )
    .unwrap();
    assert_eq!(r.status, 200);
    let text = r.text();
    // An SSE event of its own: `data: {"error":…}` and a blank line.
    assert!(
        text.ends_with("\r\n\r\n") && text.contains("\r\n\r\ndata: {\"error\""),
        "{text}"
    );
    let (events, _) = sse_events(&text);
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["error"]["code"], 503);
    assert_eq!(events[1]["error"]["status"], "UNAVAILABLE");

    // The raw framing, kept as its own fault: a bare JSON line without `data:`.
    let r = post_raw(
        &url,
        &body("s [[fault:stream_error_raw]]", None, None),
        &[("x-goog-api-key", KEY)],
    )
    .unwrap();
    let text = r.text();
    let last = text.trim_end().lines().last().unwrap();
    assert!(last.starts_with("{\"error\""), "{last}");
    let v: Value = serde_json::from_str(last).unwrap();
    assert_eq!(v["error"]["code"], 503);
    let (events, _) = sse_events(&text);
    assert_eq!(events.len(), 1);

    let err = post_raw(
        &url,
        &body("s [[fault:drop]]", None, None),
        &[("x-goog-api-key", KEY)],
    );
    assert!(err.is_err(), "{err:?}");

    let r = post_raw(
        &url,
        &body("s [[fault:slow_body]] [[delay:600]]", None, None),
        &[("x-goog-api-key", KEY)],
    )
    .unwrap();
    let (events, comments) = sse_events(&r.text());
    assert_eq!(events.len(), 4);
    assert!(comments >= 3, "{comments}");

    let r = post_raw(
        &url,
        &body("s [[fault:image_safety]]", None, None),
        &[("x-goog-api-key", KEY)],
    )
    .unwrap();
    let (events, _) = sse_events(&r.text());
    assert_eq!(
        events.last().unwrap()["candidates"][0]["finishReason"],
        "IMAGE_SAFETY"
    );

    let r = post_raw(
        &url,
        &body("s [[fault:rate_limit]]", None, None),
        &[("x-goog-api-key", KEY)],
    )
    .unwrap();
    assert_eq!(r.status, 429);
}

#[test]
fn fault_names_round_trip() {
    for f in Fault::ALL {
        assert_eq!(f.name().parse::<Fault>().unwrap(), *f);
    }
}

#[test]
fn recorded_requests_and_shutdown() {
    let emu = start();
    let r = post_raw(
        &generate_url(&emu, "gemini-2.5-flash-image"),
        &body("record me", None, None),
        &[("x-goog-api-key", KEY), ("x-custom", "1")],
    )
    .unwrap();
    assert_eq!(r.status, 200);
    let rec = emu.last_request().unwrap();
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.header("X-Goog-Api-Key"), Some(KEY));
    assert_eq!(rec.header("x-custom"), Some("1"));
    assert_eq!(
        rec.json().unwrap()["contents"][0]["parts"][0]["text"],
        "record me"
    );
    // Debug masks the key and sums up the body.
    let shown = format!("{rec:?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(
        shown.contains("x-goog-api-key") && shown.contains("bytes>"),
        "{shown}"
    );
    let url = emu.url();
    emu.shutdown();
    let after = post_raw(
        &format!("{url}/v1beta/models/gemini-2.5-flash-image:generateContent"),
        "{}",
        &[],
    );
    assert!(after.is_err());
}

#[test]
fn handles_are_thread_safe() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Emulator>();
    send_sync::<EmulatorConfig>();
    send_sync::<gemini_image_emulator::RecordedRequest>();
}
