//! `gemini_image_cli::run` called in-process, as the Python, Node and native packages do:
//! it returns exit codes instead of exiting, and can run more than once per process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use gemini_image_cli::run;
use gemini_image_emulator::{Emulator, EmulatorConfig};

#[test]
fn run_returns_exit_codes_and_can_be_called_again() {
    assert_eq!(run(["gemini-image", "--version"]), 0);
    // A usage error from the argument parser is a return value, not an exit.
    assert_eq!(run(["gemini-image", "generate"]), 2);
    assert_eq!(run(["gemini-image", "generate", "x", "-a", "7:3"]), 2);
    assert_eq!(run(["gemini-image", "no-such-command"]), 2);
    // argv[0] may be a host's entry point (python -m, node): only its position matters.
    assert_eq!(
        run([
            "/usr/lib/python3/site-packages/gemini_image/__main__.py",
            "--version"
        ]),
        0
    );

    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = emulator.gateway_url();
    let out = dir.path().join("one.png");
    let code = run([
        "gemini-image",
        "generate",
        "a red fox",
        "--model",
        "gemini-2.5-flash-image",
        "--base-url",
        base.as_str(),
        "--api-key",
        "test-key",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(out.is_file());

    // Two batches in one process: the Ctrl-C handler is installed once, state is reset.
    let prompts = dir.path().join("p.jsonl");
    std::fs::write(
        &prompts,
        "{\"prompt\":\"a\",\"id\":\"a\"}\n{\"prompt\":\"b\",\"id\":\"b\"}\n",
    )
    .unwrap();
    for round in 0..2 {
        let out_dir = dir.path().join(format!("out{round}"));
        let code = run([
            "gemini-image",
            "batch",
            prompts.to_str().unwrap(),
            "--out-dir",
            out_dir.to_str().unwrap(),
            "--base-url",
            base.as_str(),
            "--api-key",
            "test-key",
        ]);
        assert_eq!(code, 0, "round {round}");
        assert!(out_dir.join("a.jpg").is_file() && out_dir.join("b.jpg").is_file());
    }
}
