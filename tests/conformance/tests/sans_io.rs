//! Runs every shared test vector through the sans-IO path of gemini-image-core.

use gemini_image_conformance::{Operation, load_cases, run_sans_io};

#[test]
fn every_case_passes_sans_io() {
    let cases = match load_cases() {
        Ok(cases) => cases,
        Err(problems) => panic!("the cases do not load:\n{problems}"),
    };
    assert!(cases.len() >= 70, "only {} cases found", cases.len());
    for operation in [
        Operation::Generate,
        Operation::Stream,
        Operation::Conversation,
    ] {
        assert!(
            cases.iter().any(|c| c.operation == operation),
            "no {} case",
            operation.as_str()
        );
    }
    let mut failures = Vec::new();
    for case in &cases {
        let problems = run_sans_io(case);
        if !problems.is_empty() {
            let mut report = format!("✗ {}  ({})", case.id, case.description);
            for problem in problems {
                report.push_str("\n    ");
                report.push_str(&problem.replace('\n', "\n    "));
            }
            failures.push(report);
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} cases failed:\n\n{}\n",
            failures.len(),
            cases.len(),
            failures.join("\n\n")
        );
    }
    println!("{} cases passed", cases.len());
}

/// The runner must not pass vacuously: each of these one-field mutations of a passing case
/// must make it fail.
#[test]
fn runner_detects_mutations() {
    use gemini_image_conformance::{cases_dir, load_case};
    use serde_json::{Value, json};

    fn set(pointer: &'static str, value: Value) -> impl Fn(&mut Value) {
        move |case: &mut Value| {
            *case
                .pointer_mut(pointer)
                .unwrap_or_else(|| panic!("no {pointer}")) = value.clone();
        }
    }
    type Mutation = Box<dyn Fn(&mut Value)>;
    let mutations: Vec<(&str, Mutation)> = vec![
        (
            "generate/gemini25_flash_basic",
            Box::new(set(
                "/expect_request/url",
                json!(
                    "https://api.thucchien.ai/gemini/v1/models/gemini-2.5-flash-image:generateContent"
                ),
            )),
        ),
        (
            "generate/gemini25_flash_basic",
            Box::new(set(
                "/expect_request/json/generationConfig/responseModalities",
                json!(["IMAGE"]),
            )),
        ),
        (
            "generate/gemini25_flash_basic",
            Box::new(set(
                "/expect_request/headers/x-goog-api-key",
                json!("other-key"),
            )),
        ),
        (
            "generate/gemini25_flash_basic",
            Box::new(set(
                "/expect_request/absent_headers",
                json!(["x-goog-api-key"]),
            )),
        ),
        (
            "generate/gemini25_flash_basic",
            Box::new(set("/expect/text", json!("Here is your image:"))),
        ),
        (
            "generate/gemini25_flash_basic",
            Box::new(set("/expect/images/0/mime_type", json!("image/jpeg"))),
        ),
        (
            "edit/jpeg_labelled_png_sniffed",
            Box::new(set(
                "/expect_request/json/contents/0/parts/1/inlineData/mimeType",
                json!("image/png"),
            )),
        ),
        (
            "response/usage_all_counters",
            Box::new(set(
                "/expect/usage/prompt_tokens_details/1/token_count",
                json!(257),
            )),
        ),
        (
            "response/usage_all_counters",
            Box::new(set("/expect/usage/service_tier", json!("priority"))),
        ),
        (
            "response/safety",
            Box::new(set("/expect/safety_ratings/0/probability", json!("LOW"))),
        ),
        (
            "response/gemini3_thoughts_and_signatures",
            Box::new(set("/expect/thought_signatures/1", json!("c2ln"))),
        ),
        (
            "response/gemini3_thoughts_and_signatures",
            Box::new(set("/expect/thought_images", json!([]))),
        ),
        (
            "response/stop_text_only_refusal",
            Box::new(set("/expect_error/text", json!("something else"))),
        ),
        (
            "response/image_safety_with_finish_message",
            Box::new(set("/expect_error/kind", json!("server"))),
        ),
        (
            "retry/503_then_200",
            Box::new(set("/expect/attempts", json!(1))),
        ),
        (
            "errors/google_429_retry_info",
            Box::new(set("/expect_error/retry_after_ms", json!(34280))),
        ),
        (
            "errors/google_429_retry_info",
            Box::new(|case: &mut Value| {
                if let Some(list) = case.pointer_mut("/responses").and_then(Value::as_array_mut) {
                    list.pop();
                }
            }),
        ),
        (
            "errors/litellm_401_invalid_key",
            Box::new(set("/expect_error/message_contains", json!("no such text"))),
        ),
        (
            "errors/status_501_not_retried",
            Box::new(set("/expect_error/retryable", json!(true))),
        ),
        (
            "validation/prompt_empty",
            Box::new(set("/expect_error/field", json!("model"))),
        ),
        (
            "stream/three_pro_transcript",
            Box::new(set(
                "/expect/events",
                json!(["thought_text", "image", "done"]),
            )),
        ),
        (
            "stream/error_object_mid_stream",
            Box::new(set("/expect/events", json!([]))),
        ),
        (
            "conversation/three_turn_3_pro_signatures",
            Box::new(set(
                "/turns/1/expect_request/json/contents/1/parts/1/thoughtSignature",
                json!("c2ln"),
            )),
        ),
        (
            "conversation/failed_turn_excluded",
            Box::new(|case: &mut Value| {
                let user2 = json!({"role": "user", "parts": [{"text": "Make the robot fight a person violently."}]});
                if let Some(list) = case
                    .pointer_mut("/turns/2/expect_request/json/contents")
                    .and_then(Value::as_array_mut)
                {
                    list.insert(2, user2);
                }
            }),
        ),
    ];
    let root = cases_dir();
    let scratch =
        std::env::temp_dir().join(format!("gemini-image-conformance-{}", std::process::id()));
    let mut survivors = Vec::new();
    for (index, (id, mutate)) in mutations.iter().enumerate() {
        let original = root.join(format!("{id}.json"));
        let mut value: Value =
            serde_json::from_str(&std::fs::read_to_string(&original).unwrap()).unwrap();
        let unmutated = load_case(&root, &original).unwrap();
        assert!(
            run_sans_io(&unmutated).is_empty(),
            "{id} must pass before mutation {index}"
        );
        mutate(&mut value);
        let dir = scratch.join(index.to_string());
        let file = dir.join(format!("{id}.json"));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
        let mutated = load_case(&dir, &file).unwrap();
        if run_sans_io(&mutated).is_empty() {
            survivors.push(format!("mutation {index} of {id}"));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(survivors.is_empty(), "undetected mutations: {survivors:?}");
}

/// Every known model id and alias, an unknown model, both base URLs and every response-side
/// error kind appear in some case.
#[test]
fn cases_cover_models_and_kinds() {
    use gemini_image_core::model::KNOWN_MODELS;
    use serde_json::Value;

    let cases = load_cases().unwrap();
    let mut models = Vec::new();
    let mut urls = Vec::new();
    let mut kinds = Vec::new();
    fn walk(value: &Value, key: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == key {
                        if let Some(s) = v.as_str() {
                            out.push(s.to_string());
                        }
                    }
                    walk(v, key, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, key, out)),
            _ => {}
        }
    }
    for case in &cases {
        walk(&case.raw, "model", &mut models);
        walk(&case.raw, "url", &mut urls);
        walk(&case.raw, "kind", &mut kinds);
    }
    for model in KNOWN_MODELS.iter().chain(&["gemini-9-ultra-image"]) {
        assert!(models.iter().any(|m| m == model), "no case uses {model}");
    }
    assert!(models.iter().any(|m| m.starts_with("models/")));
    for base in [
        "https://api.thucchien.ai/gemini/",
        "https://generativelanguage.googleapis.com/",
    ] {
        assert!(
            urls.iter().any(|u| u.starts_with(base)),
            "no case uses {base}"
        );
    }
    for kind in [
        "invalid_request",
        "authentication",
        "permission_denied",
        "not_found",
        "rate_limited",
        "quota_exhausted",
        "server",
        "timeout",
        "decode",
        "no_image",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no case expects {kind}");
    }
}
