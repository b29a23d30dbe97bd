//! Every emulator fault mapped to its exit code and advice; retries, timeouts, bad inputs,
//! and the API key never printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use common::Env;
use gemini_image_emulator::EmulatorConfig;

/// (fault, exit code, error kind, words the message or hint must contain)
const FAULTS: &[(&str, i32, &str, &[&str])] = &[
    (
        "rate_limit",
        3,
        "rate_limited",
        &["429", "retry later", "--retries"],
    ),
    (
        "credits",
        3,
        "quota_exhausted",
        &["credits", "waiting will not help"],
    ),
    (
        "budget",
        3,
        "quota_exhausted",
        &["Budget has been exceeded", "top up"],
    ),
    (
        "overloaded",
        3,
        "server",
        &["503", "overloaded", "retry later"],
    ),
    ("internal", 3, "server", &["500", "retry later"]),
    ("html_502", 3, "server", &["502", "retry later"]),
    ("stream_error", 3, "server", &["503"]),
    ("deadline", 5, "timeout", &["504", "retry later"]),
    ("drop", 5, "network", &["could not talk to", "--base-url"]),
    (
        "image_safety",
        4,
        "no_image",
        &["IMAGE_SAFETY", "rephrase the prompt"],
    ),
    (
        "prohibited",
        4,
        "no_image",
        &["IMAGE_PROHIBITED_CONTENT", "rephrase the prompt"],
    ),
    (
        "no_image",
        4,
        "no_image",
        &["NO_IMAGE", "run it again once"],
    ),
    (
        "blocked",
        4,
        "no_image",
        &["blocked", "PROHIBITED_CONTENT", "rephrase the prompt"],
    ),
    (
        "refusal",
        4,
        "no_image",
        &["I can't create images of that", "rephrase the prompt"],
    ),
];

#[test]
fn every_fault_maps_to_its_exit_code_and_advice() {
    let env = Env::new();
    for (fault, code, kind, words) in FAULTS {
        let prompt = format!("a cat [[fault:{fault}]]");
        let out = env
            .cmd()
            .args(["generate", &prompt, "--retries", "0", "--json", "-o", "x"])
            .run();
        assert_eq!(out.code, *code, "{fault}: {}", out.stderr);
        assert!(out.stderr.starts_with("error: "), "{fault}: {}", out.stderr);
        assert!(out.stderr.contains("\nhint: "), "{fault}: {}", out.stderr);
        for word in *words {
            assert!(
                out.stderr.contains(word),
                "{fault}: {word:?} not in {}",
                out.stderr
            );
        }
        let json = out.json();
        assert_eq!(json["ok"], false, "{fault}");
        assert_eq!(json["exit_code"], *code, "{fault}");
        assert_eq!(json["error"]["kind"], *kind, "{fault}");
        assert_eq!(json["attempts"], 1, "{fault}");
        assert!(
            !env.path("x.jpg").exists(),
            "{fault}: no image may be written"
        );
    }
}

#[test]
fn retries_are_counted_server_side() {
    let env = Env::new();
    let prompt = "a harbour [[fault:overloaded:2]]";
    let out = env
        .cmd()
        .args(["generate", prompt, "--json", "-o", "h"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["attempts"], 3);
    // Each retry is said on stderr as it starts.
    assert!(
        out.stderr.contains("(503), retrying in") && out.stderr.contains("(attempt 2 of 3)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("(attempt 3 of 3)"), "{}", out.stderr);
    assert_eq!(env.emulator.prompt_count(prompt), 3);
    assert_eq!(env.emulator.request_count(), 3);
    assert!(env.path("h.jpg").is_file());

    // With --retries 1 the same fault wins: two attempts, exit 3, advice counts them.
    env.emulator.reset();
    let out = env
        .cmd()
        .args(["generate", prompt, "--retries", "1", "--json", "-o", "h2"])
        .run();
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.json()["attempts"], 2);
    assert_eq!(env.emulator.request_count(), 2);
    assert!(out.stderr.contains("tried 2 times"), "{}", out.stderr);

    // Never retried: a quota error.
    env.emulator.reset();
    let out = env
        .cmd()
        .args(["generate", "x [[fault:budget]]", "--json"])
        .run();
    assert_eq!(out.code, 3);
    assert_eq!(out.json()["attempts"], 1);
    assert_eq!(env.emulator.request_count(), 1);
}

#[test]
fn slow_answers_time_out_with_exit_5() {
    let env = Env::new();
    for fault in ["slow", "slow_body"] {
        let started = Instant::now();
        let prompt = format!("a clock [[fault:{fault}]] [[delay:6000]]");
        let out = env
            .cmd()
            .args([
                "generate",
                &prompt,
                "--timeout",
                "1",
                "--retries",
                "0",
                "-o",
                "c",
            ])
            .run();
        assert_eq!(out.code, 5, "{fault}: {}", out.stderr);
        assert!(out.stderr.contains("timed out"), "{fault}: {}", out.stderr);
        assert!(
            out.stderr.contains("raise --timeout"),
            "{fault}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("1 s"), "{fault}: {}", out.stderr);
        // The advice is said once: on the hint line, not repeated from the message.
        assert_eq!(
            out.stderr.matches("8-35 s").count(),
            1,
            "{fault}: {}",
            out.stderr
        );
        assert!(
            started.elapsed().as_secs_f64() < 5.0,
            "{fault}: took {:?}",
            started.elapsed()
        );
    }
    // A generous timeout lets the same slow answer through.
    let out = env
        .cmd()
        .args([
            "generate",
            "a clock [[fault:slow]] [[delay:300]]",
            "--timeout",
            "10",
            "-o",
            "ok",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn unreachable_server_is_a_network_error() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "generate",
            "a cat",
            "--base-url",
            "http://127.0.0.1:9/gemini",
            "--retries",
            "0",
        ])
        .run();
    assert_eq!(out.code, 5, "{}", out.stderr);
    assert!(out.stderr.contains("127.0.0.1:9"), "{}", out.stderr);
}

#[test]
fn bad_inputs_are_usage_errors_naming_the_field() {
    let env = Env::new();
    std::fs::write(env.path("anim.gif"), b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap();
    std::fs::write(env.path("notes.txt"), b"not an image at all").unwrap();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["generate", "x", "-i", "missing.png"],
            &["-i/--image", "missing.png", "no such file"],
        ),
        (
            &["edit", "-i", "missing.png", "x"],
            &["-i/--image", "missing.png"],
        ),
        (
            &["generate", "x", "-i", "anim.gif"],
            &["anim.gif", "image/gif", "convert"],
        ),
        (
            &["generate", "x", "-i", "notes.txt"],
            &["notes.txt", "not a recognised image"],
        ),
        (
            &["generate", "x", "--image-size", "8K"],
            &["--image-size", "image_size", "8K"],
        ),
        (
            &["generate", "x", "--aspect-ratio", "16/9"],
            &["--aspect-ratio", "aspect_ratio"],
        ),
        (
            &[
                "generate",
                "x",
                "--model",
                "gemini-2.5-flash-image",
                "--image-size",
                "2K",
            ],
            &["--image-size (image_size)", "gemini-2.5-flash-image"],
        ),
        (
            &[
                "generate",
                "x",
                "--model",
                "gemini-3-pro-image-preview",
                "--image-size",
                "512",
            ],
            &["--image-size (image_size)", "512"],
        ),
        (
            &[
                "generate",
                "x",
                "--model",
                "gemini-2.5-flash-image",
                "--aspect-ratio",
                "1:4",
            ],
            &["--aspect-ratio (aspect_ratio)", "1:4"],
        ),
        (&["generate", "   "], &["PROMPT", "empty"]),
        (&["generate", "x", "--timeout", "0"], &["timeout"]),
        (&["generate", "x", "--retries", "abc"], &["--retries"]),
        (
            &["generate", "x", "--base-url", "ftp://x"],
            &["--base-url (base_url)"],
        ),
        (
            &["generate", "x", "--emulator", "--base-url", "http://x"],
            &["--base-url"],
        ),
        (&["generate"], &["PROMPT"]),
        (&["frobnicate"], &["frobnicate"]),
    ];
    for (args, words) in cases {
        let out = env.cmd().args(*args).run();
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        for word in *words {
            assert!(
                out.stderr.contains(word),
                "{args:?}: {word:?} not in {}",
                out.stderr
            );
        }
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
    assert_eq!(
        env.emulator.request_count(),
        0,
        "nothing may be sent for bad input"
    );

    // --json failures still print one JSON object naming the kind and the field.
    let out = env
        .cmd()
        .args(["generate", "x", "-i", "anim.gif", "--json"])
        .run();
    assert_eq!(out.code, 2);
    assert_eq!(out.json()["error"]["kind"], "invalid_request");
    assert_eq!(out.json()["error"]["field"], "images[0]");
    // A missing input image is a bad input like the others (exit 2, field named), of kind
    // io: the file could not be read.
    let out = env
        .cmd()
        .args(["generate", "x", "-i", "missing.png", "--json"])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["error"]["kind"], "io");
    assert_eq!(json["error"]["field"], "images[0]");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing.png"),
        "{json}"
    );
}

#[test]
fn json_failures_print_one_object_even_for_argument_errors() {
    let env = Env::new();
    let cases: &[&[&str]] = &[
        &["generate", "x", "--json", "--emulator", "-a", "7:3"],
        &["generate", "--json"],
        &["generate", "x", "--json", "--no-such-flag"],
        &["batch", "--json", "p.jsonl"],
        &["frobnicate", "--json"],
        &["generate", "   ", "--json"],
    ];
    for args in cases {
        let out = env.cmd().args(*args).run();
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        let json = out.json();
        assert_eq!(json["ok"], false, "{args:?}");
        assert_eq!(json["exit_code"], 2, "{args:?}");
        assert!(json["error"]["message"].as_str().is_some(), "{args:?}");
        assert!(json["error"]["hint"].as_str().is_some(), "{args:?}: {json}");
    }
    let out = env
        .cmd()
        .args(["generate", "x", "--json", "--emulator", "-a", "7:3"])
        .run();
    let json = out.json();
    assert_eq!(json["error"]["field"], "aspect_ratio", "{json}");
    assert!(
        json["error"]["message"].as_str().unwrap().contains("7:3"),
        "{json}"
    );
    let out = env.cmd().args(["generate", "--json"]).run();
    let json = out.json();
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("<PROMPT>"),
        "{json}"
    );
    // Help is not a failure: no JSON.
    let out = env.cmd().args(["generate", "--help", "--json"]).run();
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("Usage"), "{}", out.stdout);
}

#[test]
fn missing_key_says_how_to_set_one() {
    let env = Env::new();
    let out = env
        .cmd()
        .env_remove("THUCCHIEN_API_KEY")
        .args(["generate", "x"])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("THUCCHIEN_API_KEY"), "{}", out.stderr);
    assert!(out.stderr.contains("--emulator"), "{}", out.stderr);
    assert_eq!(env.emulator.request_count(), 0);
}

#[test]
fn api_key_never_appears_in_any_output() {
    const KEY: &str = "tc-Zq8Xw3-DISTINCTIVE-Key-7781";
    let env = Env::with_config(EmulatorConfig::default().with_api_key(KEY));
    let url = env.emulator.gateway_url();
    let google_url = env.emulator.url();
    let runs: Vec<Vec<String>> = vec![
        // Success, with and without --json.
        vec!["generate".into(), "a cat".into(), "-o".into(), "a".into()],
        vec![
            "generate".into(),
            "a cat".into(),
            "--json".into(),
            "-o".into(),
            "b".into(),
        ],
        // The server echoes the model name: pass the key as the model.
        vec![
            "generate".into(),
            "a cat".into(),
            "--model".into(),
            KEY.into(),
            "--json".into(),
        ],
        // Failures of every family.
        vec![
            "generate".into(),
            "x [[fault:rate_limit]]".into(),
            "--retries".into(),
            "0".into(),
            "--json".into(),
        ],
        vec![
            "generate".into(),
            "x [[fault:refusal]]".into(),
            "--json".into(),
        ],
        vec![
            "generate".into(),
            "x [[fault:drop]]".into(),
            "--retries".into(),
            "0".into(),
        ],
        vec![
            "generate".into(),
            "x".into(),
            "--image-size".into(),
            "8K".into(),
        ],
        vec![
            "generate".into(),
            "x".into(),
            "--base-url".into(),
            google_url.clone(),
            "--json".into(),
        ],
        vec![
            "batch".into(),
            "missing.jsonl".into(),
            "--out-dir".into(),
            "o".into(),
        ],
    ];
    for args in &runs {
        // The key from the environment…
        let out = env.cmd().env("THUCCHIEN_API_KEY", KEY).args(args).run();
        assert!(
            !out.all().contains(KEY),
            "{args:?} leaked the key:\n{}",
            out.all()
        );
        assert!(
            !out.all().contains("Zq8Xw3"),
            "{args:?} leaked part of the key"
        );
        // …and from the command line.
        let out = env
            .cmd()
            .env_remove("THUCCHIEN_API_KEY")
            .args(args)
            .args(["--api-key", KEY])
            .run();
        assert!(
            !out.all().contains(KEY),
            "{args:?} --api-key leaked the key:\n{}",
            out.all()
        );
    }
    // A wrong key: rejected (exit 3, advice names the variable), and not printed either.
    let wrong = "tc-WRONG-distinctive-0042";
    let out = env
        .cmd()
        .env("THUCCHIEN_API_KEY", wrong)
        .args(["generate", "a cat", "--base-url", &url, "--json"])
        .run();
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("THUCCHIEN_API_KEY"), "{}", out.stderr);
    assert_eq!(out.json()["error"]["kind"], "authentication");
    assert!(!out.all().contains(wrong), "{}", out.all());
    // A clap error right after --api-key does not echo it.
    let out = env
        .cmd()
        .args(["generate", "--api-key", KEY, "--bogus-flag"])
        .run();
    assert_eq!(out.code, 2);
    assert!(!out.all().contains(KEY), "{}", out.all());
}
