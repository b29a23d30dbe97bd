//! `Client::from_env`: each scenario runs in a child process of this test binary with a
//! controlled environment (setting variables in-process is unsafe and racy).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers, not library code

use std::process::Command;

use gemini_image::{Client, ClientBuilder};
use gemini_image_emulator::{Emulator, EmulatorConfig};

const CHILD: &str = "GEMINI_IMAGE_TEST_ENV_CHILD";
const VARS: [&str; 4] = [
    "THUCCHIEN_API_KEY",
    "GEMINI_API_KEY",
    "GEMINI_IMAGE_BASE_URL",
    "GEMINI_IMAGE_MODEL",
];

/// The child side: prints what `from_env` produced (and, with `PROBE=1`, the outcome of
/// one call, which tells which key was picked when the server accepts only one).
#[test]
fn from_env_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let client = if std::env::var_os("OVERRIDE_KEY").is_some() {
        ClientBuilder::from_env().api_key("override-key").build()
    } else {
        Client::from_env()
    };
    match client {
        Ok(client) => {
            println!(
                "RESULT ok base={} model={}",
                client.endpoint().base_url(),
                client.default_model()
            );
            if std::env::var_os("PROBE").is_some() {
                match client.text_to_image("probe") {
                    Ok(_) => println!("PROBE ok"),
                    Err(err) => println!("PROBE {}", err.kind()),
                }
            }
        }
        Err(err) => println!("RESULT err field={} {err}", err.field().unwrap_or("")),
    }
}

fn run(envs: &[(&str, &str)]) -> Vec<String> {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = Command::new(exe);
    cmd.args([
        "from_env_child",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ]);
    for var in VARS {
        cmd.env_remove(var);
    }
    cmd.env(CHILD, "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("child runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        // libtest may print "test from_env_child ... " on the same line first.
        .filter_map(|l| {
            l.find("RESULT ")
                .or_else(|| l.find("PROBE "))
                .map(|at| &l[at..])
        })
        .map(String::from)
        .collect()
}

#[test]
fn from_env_reads_the_environment() {
    let lines = run(&[]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("RESULT err field=api_key"),
        "{lines:?}"
    );
    assert!(lines[0].contains("THUCCHIEN_API_KEY") && lines[0].contains("GEMINI_API_KEY"));

    let lines = run(&[("GEMINI_API_KEY", "g-key")]);
    assert_eq!(
        lines,
        ["RESULT ok base=https://api.thucchien.ai/gemini model=gemini-3.1-flash-image"]
    );

    let lines = run(&[
        ("GEMINI_API_KEY", "g-key"),
        ("GEMINI_IMAGE_BASE_URL", "ftp://x"),
    ]);
    assert!(
        lines[0].starts_with("RESULT err field=base_url"),
        "{lines:?}"
    );

    // The emulator accepts only the gateway key: THUCCHIEN_API_KEY wins over GEMINI_API_KEY,
    // blank values count as unset, base URL and model come from the environment.
    let emu = Emulator::start(EmulatorConfig::default().with_api_key("t-key")).expect("emulator");
    let base = emu.gateway_url();
    let lines = run(&[
        ("THUCCHIEN_API_KEY", "t-key"),
        ("GEMINI_API_KEY", "g-key"),
        ("GEMINI_IMAGE_BASE_URL", &base),
        ("GEMINI_IMAGE_MODEL", "gemini-2.5-flash-image"),
        ("PROBE", "1"),
    ]);
    assert_eq!(
        lines,
        [
            format!("RESULT ok base={base} model=gemini-2.5-flash-image"),
            "PROBE ok".to_string()
        ]
    );
    let recorded = emu.last_request().expect("probe request");
    assert!(
        recorded.path.contains("gemini-2.5-flash-image"),
        "{}",
        recorded.path
    );

    let lines = run(&[
        ("THUCCHIEN_API_KEY", "  "),
        ("GEMINI_API_KEY", "g-key"),
        ("GEMINI_IMAGE_BASE_URL", &base),
        ("PROBE", "1"),
    ]);
    assert_eq!(
        lines.get(1).map(String::as_str),
        Some("PROBE authentication")
    );

    // Methods called after from_env override it.
    let lines = run(&[
        ("THUCCHIEN_API_KEY", "t-key"),
        ("GEMINI_IMAGE_BASE_URL", &base),
        ("OVERRIDE_KEY", "1"),
        ("PROBE", "1"),
    ]);
    assert_eq!(
        lines.get(1).map(String::as_str),
        Some("PROBE authentication")
    );
}
