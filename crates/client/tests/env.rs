//! `Client::from_env`: each scenario runs in a child process of this test binary with a
//! controlled environment (setting variables in-process is unsafe and racy).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers, not library code

use std::process::Command;

use std::time::Duration;

use gemini_image::{Client, ClientBuilder, EnvConfig, GATEWAY_BASE_URL, GOOGLE_BASE_URL, Source};
use gemini_image_emulator::{Emulator, EmulatorConfig};

const CHILD: &str = "GEMINI_IMAGE_TEST_ENV_CHILD";
const VARS: [&str; 6] = [
    "THUCCHIEN_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GEMINI_IMAGE_BASE_URL",
    "GEMINI_IMAGE_MODEL",
    "GEMINI_IMAGE_ALLOW_INSECURE_HTTP",
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
    assert!(lines[0].contains("GOOGLE_API_KEY"), "{lines:?}");

    // A key is never sent to a host it was not meant for: a Google key (GEMINI_API_KEY or
    // GOOGLE_API_KEY) goes to Google's API unless a base URL is given; a gateway key (or a
    // key set in code) to the gateway.
    let lines = run(&[("GEMINI_API_KEY", "g-key")]);
    assert_eq!(
        lines,
        ["RESULT ok base=https://generativelanguage.googleapis.com model=gemini-3.1-flash-image"]
    );
    let lines = run(&[("GOOGLE_API_KEY", "g-key")]);
    assert_eq!(
        lines,
        ["RESULT ok base=https://generativelanguage.googleapis.com model=gemini-3.1-flash-image"]
    );
    let lines = run(&[("THUCCHIEN_API_KEY", "t-key"), ("GOOGLE_API_KEY", "g-key")]);
    assert_eq!(
        lines,
        ["RESULT ok base=https://api.thucchien.ai/gemini model=gemini-3.1-flash-image"]
    );
    let lines = run(&[("GEMINI_API_KEY", "g-key"), ("OVERRIDE_KEY", "1")]);
    assert_eq!(
        lines,
        ["RESULT ok base=https://api.thucchien.ai/gemini model=gemini-3.1-flash-image"]
    );
    let lines = run(&[
        ("GOOGLE_API_KEY", "g-key"),
        ("GEMINI_IMAGE_BASE_URL", "http://127.0.0.1:9"),
    ]);
    assert_eq!(
        lines,
        ["RESULT ok base=http://127.0.0.1:9 model=gemini-3.1-flash-image"]
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

fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn env_config_reports_sources_never_the_key() {
    let config = EnvConfig::from_lookup(lookup(&[]));
    assert_eq!(config.api_key(), None);
    assert_eq!(config.api_key_source, None);
    assert_eq!(config.base_url, GATEWAY_BASE_URL);
    assert_eq!(config.base_url_source, Source::Default);
    assert_eq!(config.model, gemini_image::DEFAULT_MODEL);
    assert!(
        config.describe().contains("no key"),
        "{}",
        config.describe()
    );

    let config = EnvConfig::from_lookup(lookup(&[
        ("GEMINI_API_KEY", " "),
        ("GOOGLE_API_KEY", "AIza-secret-google"),
        ("GEMINI_IMAGE_MODEL", "gemini-2.5-flash-image"),
    ]));
    assert_eq!(config.api_key(), Some("AIza-secret-google"));
    assert_eq!(config.api_key_source, Some("GOOGLE_API_KEY"));
    assert_eq!(config.base_url, GOOGLE_BASE_URL);
    assert_eq!(
        config.base_url_source,
        Source::DefaultForKey("GOOGLE_API_KEY")
    );
    assert_eq!(config.model_source, Source::Env("GEMINI_IMAGE_MODEL"));
    let shown = format!("{config:?} {}", config.describe());
    assert!(!shown.contains("AIza-secret-google"), "{shown}");
    assert!(shown.contains("key from GOOGLE_API_KEY"), "{shown}");

    let config = EnvConfig::from_lookup(lookup(&[
        ("THUCCHIEN_API_KEY", "t"),
        ("GEMINI_API_KEY", "g"),
        ("GEMINI_IMAGE_BASE_URL", "http://localhost:1/x"),
    ]));
    assert_eq!(config.api_key_source, Some("THUCCHIEN_API_KEY"));
    assert_eq!(config.base_url_source, Source::Env("GEMINI_IMAGE_BASE_URL"));
    let client = config.builder().build().unwrap();
    assert_eq!(client.endpoint().base_url(), "http://localhost:1/x");
}

#[test]
fn plain_http_to_a_remote_host_needs_the_environment_switch() {
    let remote = [
        ("THUCCHIEN_API_KEY", "t-key"),
        (
            "GEMINI_IMAGE_BASE_URL",
            "http://gateway.internal:8080/gemini",
        ),
    ];
    let lines = run(&remote);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("RESULT err field=base_url"),
        "{lines:?}"
    );
    assert!(
        lines[0].contains("GEMINI_IMAGE_ALLOW_INSECURE_HTTP"),
        "{lines:?}"
    );
    let mut allowed = remote.to_vec();
    allowed.push(("GEMINI_IMAGE_ALLOW_INSECURE_HTTP", "1"));
    assert_eq!(
        run(&allowed),
        ["RESULT ok base=http://gateway.internal:8080/gemini model=gemini-3.1-flash-image"]
    );
}

#[test]
fn timeouts_are_checked_and_clamped() {
    let err = Client::builder()
        .api_key("k-1234")
        .timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(err.field(), Some("timeout"), "{err}");
    // The connect timeout never outlasts a short overall timeout.
    let client = Client::builder()
        .api_key("k-1234")
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let shown = format!("{client:?}");
    assert!(shown.contains("connect_timeout: 2s"), "{shown}");
    let client = Client::builder().api_key("k-1234").build().unwrap();
    assert!(format!("{client:?}").contains("connect_timeout: 15s"));
}
