//! Every shared test vector (`tests/fixtures/cases/**/*.json`), end to end: a loopback
//! server (std `TcpListener`) serves the case's responses in order and records what the
//! real client sent. Case loading, request conversion and comparisons come from
//! `gemini-image-conformance`; this file adds the client and the server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers, not library code

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gemini_image::{
    CallInfo, Client, Error, GenerateRequest, RetryDecision, RetryPolicy, parse_response,
};
use gemini_image_conformance::{
    CannedResponse, Case, ObservedRequest, Operation, Outcome, UrlMatch, apply_options,
    check_outcome, check_request, load_cases, request_options, user_parts,
};
use serde_json::Value;
use support::loopback::{Canned, Loopback, Recorded};

type Delays = Arc<Mutex<Vec<Duration>>>;

/// The loopback base URL standing in for a case's `base_url`: the same path on the
/// loopback host. A base URL that is not http(s) is passed through, for the client to
/// refuse.
fn loopback_base(case_base: Option<&str>, loopback: &str) -> String {
    let base = case_base.unwrap_or("https://api.thucchien.ai/gemini");
    let Some(rest) = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))
    else {
        return base.to_string();
    };
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    format!("{loopback}{path}")
}

/// A client for a case's `input` (`api_key`, `base_url`, `max_inline_bytes`) pointed at
/// the loopback server, with the default retry policy, jitter 0 and a recording sleeper.
fn client_for(loopback: &Loopback, input: &Value) -> (Result<Client, Error>, Delays) {
    let delays: Delays = Arc::default();
    let recorder = Arc::clone(&delays);
    let mut builder = Client::builder()
        .api_key(
            input
                .get("api_key")
                .and_then(Value::as_str)
                .unwrap_or("test-key"),
        )
        .base_url(loopback_base(
            input.get("base_url").and_then(Value::as_str),
            &loopback.url(),
        ))
        .timeout(Duration::from_secs(30))
        .sleeper(Arc::new(move |d| recorder.lock().unwrap().push(d)))
        .jitter(Arc::new(|| 0.0));
    if let Some(limit) = input.get("max_inline_bytes").and_then(Value::as_u64) {
        builder = builder.max_inline_bytes(limit);
    }
    (builder.build(), delays)
}

/// The request of a case's `input`, built the way a front door would.
fn request_of(input: &Value) -> Result<GenerateRequest, Error> {
    let model = input.get("model").and_then(Value::as_str).unwrap_or("");
    let mut request = GenerateRequest::new(model).with_user_turn(user_parts(input));
    apply_options(&mut request, input)?;
    Ok(request)
}

fn canned(responses: &[CannedResponse]) -> Vec<Canned> {
    responses
        .iter()
        .map(|r| {
            let mut headers = r.headers.clone();
            if r.is_sse
                && !headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                headers.push(("content-type".into(), "text/event-stream".into()));
            }
            Canned {
                status: r.status,
                headers,
                body: r.body.clone(),
            }
        })
        .collect()
}

/// Checks what the server saw: each attempt's request, the attempt count against the
/// client's, and every wait against the policy's decision (jitter 0) for the response that
/// caused it (which is the server's delay whenever it named one).
fn check_exchange(
    expect_request: Option<&Value>,
    responses: &[CannedResponse],
    requests: &[Recorded],
    info: &CallInfo,
    delays: &[Duration],
) -> Vec<String> {
    let mut problems = Vec::new();
    match expect_request {
        Some(expected) => {
            if requests.is_empty() {
                problems.push("no request reached the server".into());
            }
            for (i, got) in requests.iter().enumerate() {
                let observed = ObservedRequest {
                    method: got.method.clone(),
                    url: got.target.clone(),
                    headers: got.headers.clone(),
                    body: got.body.clone(),
                };
                problems.extend(
                    check_request(expected, &observed, UrlMatch::PathAndQuery)
                        .into_iter()
                        .map(|p| format!("attempt {}: {p}", i + 1)),
                );
            }
        }
        None if !requests.is_empty() => problems.push(format!(
            "{} request(s) sent, but the case expects the request to be refused",
            requests.len()
        )),
        None => {}
    }
    if requests.len() as u32 != info.attempts {
        problems.push(format!(
            "the server saw {} request(s), the client reports {} attempt(s)",
            requests.len(),
            info.attempts
        ));
    }
    if delays != info.retry_delays.as_slice() {
        problems.push(format!(
            "the sleeper saw {delays:?}, CallInfo says {:?}",
            info.retry_delays
        ));
    }
    if delays.len() + 1 != requests.len().max(1) {
        problems.push(format!(
            "{} wait(s) for {} attempt(s)",
            delays.len(),
            requests.len()
        ));
    }
    for (i, delay) in delays.iter().enumerate() {
        let Some(response) = responses.get(i) else {
            break;
        };
        let Err(err) = parse_response(response.status, &response.headers, &response.body) else {
            problems.push(format!("waited after attempt {}, which succeeded", i + 1));
            continue;
        };
        let want = RetryPolicy::default().decide(i as u32 + 1, &err, 0.0);
        if want != (RetryDecision::Retry { after: *delay }) {
            problems.push(format!(
                "wait {} was {delay:?}; the policy says {want:?}",
                i + 1
            ));
        }
        if let Some(asked) = err.retry_after() {
            if asked != *delay {
                problems.push(format!(
                    "wait {} was {delay:?}, the server asked for {asked:?}",
                    i + 1
                ));
            }
        }
    }
    problems
}

fn run_single(case: &Case) -> Vec<String> {
    let server = Loopback::start(canned(&case.responses));
    let (client, delays) = client_for(&server, &case.input);
    let mut events = None;
    let (result, info) = match client.and_then(|c| request_of(&case.input).map(|r| (c, r))) {
        Err(err) => (Err(err), CallInfo::default()),
        Ok((client, request)) if case.operation == Operation::Stream => {
            match client.stream_with_info(&request) {
                (Err(err), info) => (Err(err), info),
                (Ok(mut stream), info) => {
                    let mut kinds = Vec::new();
                    // The stream itself ends with a `done` event when it ended normally.
                    for event in &mut stream {
                        match event {
                            Ok(event) => kinds.push(event.kind().to_string()),
                            Err(_) => break,
                        }
                    }
                    events = Some(kinds);
                    assert_eq!(stream.info(), &info);
                    (stream.finish(), info)
                }
            }
        }
        Ok((client, request)) => client.generate_with_info(&request),
    };
    let mut problems = check_exchange(
        case.expect_request.as_ref(),
        &case.responses,
        &server.take_requests(),
        &info,
        &delays.lock().unwrap(),
    );
    if server.overflow() > 0 {
        problems.push("the client asked for more responses than the case lists".into());
    }
    if server.unserved() > 0 {
        problems.push(format!(
            "{} canned response(s) were never requested",
            server.unserved()
        ));
    }
    let outcome = Outcome {
        result,
        attempts: info.attempts,
        events,
    };
    problems.extend(check_outcome(
        case.expect.as_ref(),
        case.expect_error.as_ref(),
        &outcome,
    ));
    problems
}

fn run_conversation(case: &Case) -> Vec<String> {
    let Some(spec) = &case.conversation else {
        return vec!["a conversation case without turns".into()];
    };
    let server = Loopback::start(Vec::new());
    let mut config = spec.config.clone();
    if let Some(obj) = config.as_object_mut() {
        obj.insert("api_key".into(), Value::String(spec.api_key.clone()));
    }
    let (client, delays) = client_for(&server, &config);
    let setup = request_options(&config).and_then(|options| Ok((options, client?)));
    let (mut options, client) = match setup {
        Ok(setup) => setup,
        Err(err) => return vec![format!("the conversation options are refused: {err}")],
    };
    options.model = Some(spec.model.clone());
    let mut chat = client.chat(options);
    let mut problems = Vec::new();
    for (t, turn) in spec.turns.iter().enumerate() {
        server.push(canned(&turn.responses));
        delays.lock().unwrap().clear();
        let result = chat.send(user_parts(&turn.input));
        let info = chat.last_call_info().cloned().unwrap_or_default();
        let mut turn_problems = check_exchange(
            turn.expect_request.as_ref(),
            &turn.responses,
            &server.take_requests(),
            &info,
            &delays.lock().unwrap(),
        );
        if server.unserved() > 0 {
            turn_problems.push(format!(
                "{} canned response(s) were never requested",
                server.unserved()
            ));
        }
        let outcome = Outcome {
            result,
            attempts: info.attempts,
            events: None,
        };
        turn_problems.extend(check_outcome(
            turn.expect.as_ref(),
            turn.expect_error.as_ref(),
            &outcome,
        ));
        problems.extend(
            turn_problems
                .into_iter()
                .map(|p| format!("turn {}: {p}", t + 1)),
        );
    }
    if server.overflow() > 0 {
        problems.push("the client asked for more responses than the case lists".into());
    }
    problems
}

#[test]
fn every_shared_case_end_to_end() {
    let cases = match load_cases() {
        Ok(cases) => cases,
        Err(problems) => panic!("the cases do not load:\n{problems}"),
    };
    assert!(cases.len() >= 100, "only {} cases found", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let problems = match case.operation {
            Operation::Generate | Operation::Stream => run_single(case),
            Operation::Conversation => run_conversation(case),
        };
        if !problems.is_empty() {
            failures.push(format!(
                "✗ {}  ({})\n    {}",
                case.id,
                case.description,
                problems.join("\n").replace('\n', "\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed end to end:\n\n{}\n",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    eprintln!("{} cases passed end to end", cases.len());
}

/// The runner must not pass vacuously: a client that sends the wrong thing, or a server
/// answer that differs from the case, must be caught.
#[test]
fn runner_detects_differences() {
    let cases = load_cases().expect("cases load");
    let find = |id: &str| {
        cases
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no case {id}"))
            .clone()
    };
    // A different expected body.
    let mut case = find("generate/gemini25_flash_basic");
    if let Some(json) = case.expect_request.as_mut().and_then(|r| r.get_mut("json")) {
        json["generationConfig"]["responseModalities"] = serde_json::json!(["IMAGE"]);
    }
    assert!(!run_single(&case).is_empty(), "body difference not caught");
    // A retry case with one response fewer than the client needs.
    let mut case = find("retry/503_then_200");
    case.responses.pop();
    assert!(!run_single(&case).is_empty(), "missing response not caught");
    // A different stream outcome.
    let mut case = find("stream/three_pro_transcript");
    if let Some(expect) = case.expect.as_mut() {
        expect["events"] = serde_json::json!(["image", "done"]);
    }
    assert!(!run_single(&case).is_empty(), "event difference not caught");
    // An unused canned response (the client stopped early).
    let mut case = find("retry/400_not_retried");
    let extra = case.responses[0].clone();
    case.responses.push(extra);
    assert!(!run_single(&case).is_empty(), "unused response not caught");
}
