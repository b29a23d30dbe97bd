//! `--session FILE`: multi-turn edits across invocations, thought signatures echoed, and a
//! failed turn leaves the file alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Env, dims, mime};
use serde_json::Value;

const MODEL: &str = "gemini-3-pro-image-preview";

fn last_body(env: &Env) -> Value {
    serde_json::from_slice(&env.emulator.last_request().expect("a request").body).expect("JSON")
}

#[test]
fn three_calls_continue_one_conversation() {
    let env = Env::new();
    let turns = [
        ("a cozy cabin in a snowy forest", "t1"),
        ("now at dusk, warm light in the windows", "t2"),
        ("add a red sled by the door", "t3"),
    ];
    for (index, (prompt, out)) in turns.iter().enumerate() {
        let mut cmd = env.cmd();
        cmd.args([
            "generate",
            prompt,
            "--session",
            "cabin.json",
            "-o",
            out,
            "--json",
        ]);
        if index == 0 {
            cmd.args(["--model", MODEL]);
        }
        let out_run = cmd.run();
        assert_eq!(out_run.code, 0, "turn {}: {}", index + 1, out_run.stderr);
        let json = out_run.json();
        assert_eq!(json["session_turns"], index + 1, "turns, not messages");
        assert_eq!(json["model"], MODEL);
        assert_eq!(mime(&env.path(&format!("{out}.jpg"))), "image/jpeg");

        // The request carried the whole history, model turns with their signatures.
        let body = last_body(&env);
        let contents = body["contents"].as_array().unwrap();
        assert_eq!(contents.len(), 2 * index + 1, "turn {}", index + 1);
        assert_eq!(contents.last().unwrap()["parts"][0]["text"], *prompt);
        for model_turn in contents.iter().filter(|c| c["role"] == "model") {
            let parts = model_turn["parts"].as_array().unwrap();
            assert!(
                parts.iter().all(|p| p["thought"] != true),
                "thoughts are not replayed"
            );
            assert!(parts[0]["thoughtSignature"].is_string());
            for part in parts.iter().filter(|p| p.get("inlineData").is_some()) {
                assert!(
                    part["thoughtSignature"].is_string(),
                    "image parts keep signatures"
                );
            }
        }
    }
    let stored: Value =
        serde_json::from_slice(&std::fs::read(env.path("cabin.json")).unwrap()).unwrap();
    assert_eq!(stored["model"], MODEL);
    assert_eq!(stored["history"].as_array().unwrap().len(), 6);
}

#[test]
fn a_failed_turn_leaves_the_session_unchanged() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "generate",
            "a lighthouse",
            "--model",
            MODEL,
            "--session",
            "s.json",
            "-o",
            "a",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let before = std::fs::read(env.path("s.json")).unwrap();

    // Refused by the safety filter: exit 4, file untouched.
    let out = env
        .cmd()
        .args([
            "generate",
            "now [[fault:image_safety]]",
            "--session",
            "s.json",
            "-o",
            "b",
        ])
        .run();
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert_eq!(std::fs::read(env.path("s.json")).unwrap(), before);

    // A server error: exit 3, file untouched.
    let out = env
        .cmd()
        .args([
            "generate",
            "now [[fault:internal]]",
            "--session",
            "s.json",
            "--retries",
            "0",
        ])
        .run();
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(std::fs::read(env.path("s.json")).unwrap(), before);

    // Another model than the session's: usage error before anything is sent.
    let sent = env.emulator.request_count();
    let out = env
        .cmd()
        .args([
            "generate",
            "x",
            "--session",
            "s.json",
            "--model",
            "gemini-2.5-flash-image",
        ])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("session"), "{}", out.stderr);
    assert_eq!(env.emulator.request_count(), sent);

    // The conversation still continues from the good turn.
    let out = env
        .cmd()
        .args([
            "generate",
            "at night",
            "--session",
            "s.json",
            "--json",
            "-o",
            "c",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["session_turns"], 2);
}

#[test]
fn the_emulator_rejects_a_history_without_signatures() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "generate",
            "a boat",
            "--model",
            MODEL,
            "--session",
            "s.json",
            "-o",
            "a",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Strip the signatures from the stored history: the next turn must fail like Google.
    let mut stored: Value =
        serde_json::from_slice(&std::fs::read(env.path("s.json")).unwrap()).unwrap();
    for turn in stored["history"].as_array_mut().unwrap() {
        for part in turn["parts"].as_array_mut().unwrap() {
            part.as_object_mut().unwrap().remove("thoughtSignature");
        }
    }
    let tampered = serde_json::to_vec(&stored).unwrap();
    std::fs::write(env.path("s.json"), &tampered).unwrap();
    let out = env
        .cmd()
        .args(["generate", "make it red", "--session", "s.json", "--json"])
        .run();
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("thought_signature"), "{}", out.stderr);
    assert_eq!(out.json()["error"]["kind"], "invalid_request");
    assert_eq!(std::fs::read(env.path("s.json")).unwrap(), tampered);
}

#[test]
fn session_file_that_is_not_a_session_is_a_usage_error() {
    let env = Env::new();
    std::fs::write(env.path("s.json"), "{\"hello\": 1}").unwrap();
    let out = env
        .cmd()
        .args(["generate", "x", "--session", "s.json"])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("s.json"), "{}", out.stderr);
    assert_eq!(env.emulator.request_count(), 0);
}

#[test]
fn edit_in_a_session_sends_the_image() {
    let env = Env::new();
    let input = common::write_png(&env, "photo");
    let out = env
        .cmd()
        .args(["edit", "-i"])
        .arg_path(&input)
        .args([
            "make the sky purple",
            "--model",
            MODEL,
            "--session",
            "e.json",
            "-o",
            "e1",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = env
        .cmd()
        .args([
            "generate",
            "add stars",
            "--session",
            "e.json",
            "-o",
            "e2",
            "--json",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let body = last_body(&env);
    let first_user = &body["contents"][0]["parts"];
    assert_eq!(first_user[1]["inlineData"]["mimeType"], "image/png");
}

#[test]
fn a_session_keeps_its_options_until_a_flag_changes_them() {
    let env = Env::new();
    let run = |prompt: &str, extra: &[&str]| {
        let mut cmd = env.cmd();
        cmd.args(["generate", prompt, "--session", "s.json", "--json"]);
        cmd.args(extra);
        let out = cmd.run();
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.json()
    };
    let first = run("a lighthouse", &["--model", MODEL, "-a", "16:9"]);
    let (w, h) = dims(&env.path(first["paths"][0].as_str().unwrap()));
    assert!(w > h, "16:9 asked: {w}x{h}");
    // No -a on the next turn: the session's 16:9 still applies.
    let second = run("now at night", &[]);
    let (w, h) = dims(&env.path(second["paths"][0].as_str().unwrap()));
    assert!(w > h, "the stored 16:9 was kept: {w}x{h}");
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.path("s.json")).unwrap()).unwrap();
    assert_eq!(
        document["options"]["aspectRatio"], "16:9",
        "{}",
        document["options"]
    );
    // A flag changes it from then on.
    let third = run("now in the fog", &["-a", "9:16"]);
    let (w, h) = dims(&env.path(third["paths"][0].as_str().unwrap()));
    assert!(w < h, "9:16 asked: {w}x{h}");
}
