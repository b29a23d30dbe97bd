//! `generate` and `edit` end to end: formats, pixel sizes, names, `--json`, config.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Cmd, Env, RUN_LIMIT, dims, mime, wait, write_png};
use gemini_image_core::model::capabilities;
use gemini_image_core::{AspectRatio, ImageSize};

fn expected(model: &str, ratio: Option<AspectRatio>, size: Option<ImageSize>) -> (u32, u32) {
    capabilities(model)
        .expect("known model")
        .output_pixels(ratio, size)
}

#[test]
fn png_for_2_5_models_at_the_requested_ratio() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "generate",
            "a lighthouse at dusk",
            "--model",
            "gemini-2.5-flash-image",
            "--aspect-ratio",
            "16:9",
            "-o",
            "light.png",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let path = env.path("light.png");
    assert_eq!(out.stdout.trim(), "light.png");
    assert_eq!(mime(&path), "image/png");
    assert_eq!(dims(&path), (1344, 768));
    assert_eq!(
        dims(&path),
        expected(
            "gemini-2.5-flash-image",
            Some(AspectRatio::Landscape16x9),
            None
        )
    );
    assert!(
        out.stderr.contains("wrote light.png (image/png, 1344x768"),
        "{}",
        out.stderr
    );
    assert_eq!(env.emulator.request_count(), 1);
}

#[test]
fn jpeg_for_3_x_models_with_size_and_ratio() {
    let env = Env::new();
    for (model, ratio, size, name) in [
        ("gemini-3-pro-image-preview", "16:9", "2K", "pro"),
        ("gemini-3.1-flash-image-preview", "1:4", "512", "flash"),
        ("gemini-3-pro-image-preview", "1:1", "1K", "square"),
    ] {
        let out = env
            .cmd()
            .args([
                "generate",
                "a red fox",
                "--model",
                model,
                "--aspect-ratio",
                ratio,
                "--image-size",
                size,
                "-o",
                name,
            ])
            .run();
        assert_eq!(out.code, 0, "{model}: {}", out.stderr);
        let path = env.path(&format!("{name}.jpg"));
        assert_eq!(mime(&path), "image/jpeg", "{model}");
        assert_eq!(
            dims(&path),
            expected(
                model,
                Some(ratio.parse().unwrap()),
                Some(size.parse().unwrap())
            ),
            "{model} {ratio} {size}"
        );
    }
    assert_eq!(dims(&env.path("pro.jpg")), (2752, 1536));
    assert_eq!(dims(&env.path("square.jpg")), (1024, 1024));
}

#[test]
fn png_name_for_a_jpeg_answer_is_corrected_with_a_warning() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "generate",
            "a cabin",
            "--model",
            "gemini-3-pro-image-preview",
            "-o",
            "sub/dir/out.png",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!env.path("sub/dir/out.png").exists());
    assert_eq!(mime(&env.path("sub/dir/out.jpg")), "image/jpeg");
    assert!(
        out.stderr.contains("warning:")
            && out
                .stderr
                .contains("writing .jpg instead of sub/dir/out.png"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout.trim(), "sub/dir/out.jpg");
}

#[test]
fn default_name_comes_from_the_prompt() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "generate",
            "Con mèo đang ngủ!",
            "--model",
            "gemini-2.5-flash-image",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let name = out.stdout.trim();
    assert!(
        name.starts_with("con-meo-dang-ngu-") && name.ends_with(".png"),
        "{name}"
    );
    assert!(env.path(name).is_file());
    // Same prompt and options: the first picture is kept, the next free name is used and
    // the rename is said; --overwrite replaces it (atomically, no temp files left).
    let again = env
        .cmd()
        .args([
            "generate",
            "Con mèo đang ngủ!",
            "--model",
            "gemini-2.5-flash-image",
        ])
        .run();
    assert_eq!(again.code, 0, "{}", again.stderr);
    let second = name.replace(".png", "-2.png");
    assert_eq!(again.stdout.trim(), second);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert!(env.path(name).is_file() && env.path(&second).is_file());
    let over = env
        .cmd()
        .args([
            "generate",
            "Con mèo đang ngủ!",
            "--model",
            "gemini-2.5-flash-image",
            "--overwrite",
        ])
        .run();
    assert_eq!(over.stdout.trim(), name);
    let leftovers: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // An output directory gets the default name inside it.
    std::fs::create_dir(env.path("outdir")).unwrap();
    let out = env
        .cmd()
        .args([
            "generate",
            "a boat",
            "--model",
            "gemini-2.5-flash-image",
            "-o",
            "outdir",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.trim().starts_with("outdir/a-boat-"),
        "{}",
        out.stdout
    );
}

#[test]
fn json_summary_shape() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "generate",
            "a teapot",
            "--model",
            "gemini-3-pro-image-preview",
            "--aspect-ratio",
            "4:3",
            "--json",
            "-o",
            "teapot.jpg",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["command"], "generate");
    assert_eq!(json["model"], "gemini-3-pro-image-preview");
    assert_eq!(json["model_version"], "gemini-3-pro-image-preview");
    assert_eq!(json["paths"], serde_json::json!(["teapot.jpg"]));
    let image = &json["images"][0];
    assert_eq!(image["path"], "teapot.jpg");
    assert_eq!(image["mime_type"], "image/jpeg");
    let (w, h) = dims(&env.path("teapot.jpg"));
    assert_eq!(
        (image["width"].as_u64(), image["height"].as_u64()),
        (Some(w.into()), Some(h.into()))
    );
    assert_eq!((w, h), (1200, 896));
    assert_eq!(
        image["bytes"].as_u64(),
        Some(std::fs::metadata(env.path("teapot.jpg")).unwrap().len())
    );
    assert!(json["text"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(json["finish_reason"], "STOP");
    assert!(json["usage"]["totalTokenCount"].as_u64().unwrap() > 0);
    assert!(json["usage"]["candidatesTokenCount"].as_u64().unwrap() > 0);
    assert!(json["usage"]["thoughtsTokenCount"].as_u64().is_some());
    assert_eq!(json["attempts"], 1);
    assert!(json["response_id"].is_string());
    assert!(json["warnings"].as_array().unwrap().is_empty());
    // Nothing but the JSON on stdout, even with a warning and the model's text.
    let out = env
        .cmd()
        .args([
            "generate",
            "a mug",
            "--model",
            "gemini-3-pro-image-preview",
            "--json",
            "-o",
            "m.png",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["paths"], serde_json::json!(["m.jpg"]));
    assert_eq!(json["warnings"].as_array().unwrap().len(), 1);
    assert!(out.stderr.contains("warning:"));
}

#[test]
fn edit_with_flags_and_positionals() {
    let env = Env::new();
    let input = write_png(&env, "input");
    let out = env
        .cmd()
        .args(["edit", "-i"])
        .arg_path(&input)
        .args([
            "make it night",
            "--model",
            "gemini-2.5-flash-image",
            "-o",
            "night.png",
            "--json",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["command"], "edit");
    assert_eq!(mime(&env.path("night.png")), "image/png");
    assert_ne!(
        std::fs::read(env.path("night.png")).unwrap(),
        std::fs::read(&input).unwrap()
    );
    // The request carried the prompt and the image.
    let body: serde_json::Value =
        serde_json::from_slice(&env.emulator.last_request().unwrap().body).unwrap();
    let parts = &body["contents"][0]["parts"];
    assert_eq!(parts[0]["text"], "make it night");
    assert_eq!(parts[1]["inlineData"]["mimeType"], "image/png");

    // `edit IMAGE... PROMPT`, two images, a 3.x model: JPEG.
    let out = env
        .cmd()
        .args(["edit"])
        .arg_path(&input)
        .arg_path(&input)
        .args([
            "blend them",
            "--model",
            "gemini-3-pro-image-preview",
            "-o",
            "blend",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(mime(&env.path("blend.jpg")), "image/jpeg");
    let body: serde_json::Value =
        serde_json::from_slice(&env.emulator.last_request().unwrap().body).unwrap();
    assert_eq!(body["contents"][0]["parts"].as_array().unwrap().len(), 3);

    // No image at all: usage error.
    let out = env.cmd().args(["edit", "just words"]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("at least one input image"),
        "{}",
        out.stderr
    );
}

#[test]
fn generate_with_reference_image() {
    let env = Env::new();
    let input = write_png(&env, "ref");
    let out = env
        .cmd()
        .args(["generate", "in this style", "-i"])
        .arg_path(&input)
        .args(["--model", "gemini-3.1-flash-image", "-o", "styled.jpg"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(mime(&env.path("styled.jpg")), "image/jpeg");
}

#[test]
fn config_precedence_flags_over_env_over_defaults() {
    let env = Env::new();
    // Env model is used when no flag is given.
    let out = env
        .cmd()
        .env("GEMINI_IMAGE_MODEL", "gemini-2.5-flash-image")
        .args(["generate", "a kite", "--json", "-o", "a"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["model"], "gemini-2.5-flash-image");
    // The flag wins over the env.
    let out = env
        .cmd()
        .env("GEMINI_IMAGE_MODEL", "gemini-2.5-flash-image")
        .args([
            "generate",
            "a kite",
            "--json",
            "--model",
            "gemini-3-pro-image-preview",
            "-o",
            "b",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["model"], "gemini-3-pro-image-preview");
    // Default model: the client's.
    let out = env
        .cmd()
        .args(["generate", "a kite", "--json", "-o", "c"])
        .run();
    assert_eq!(out.json()["model"], gemini_image::DEFAULT_MODEL);
    // --base-url wins over GEMINI_IMAGE_BASE_URL (a dead port there).
    let out = env
        .cmd()
        .env("GEMINI_IMAGE_BASE_URL", "http://127.0.0.1:9/gemini")
        .args([
            "generate",
            "a kite",
            "-o",
            "d",
            "--base-url",
            &env.emulator.gateway_url(),
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    // GEMINI_API_KEY is used when THUCCHIEN_API_KEY is absent; the flag beats both.
    let keyed = Env::with_config(
        gemini_image_emulator::EmulatorConfig::default().with_api_key("right-key-123"),
    );
    let run = |thuc: Option<&str>, gem: Option<&str>, flag: Option<&str>| {
        let mut cmd = Cmd::bare(keyed.dir.path());
        cmd.env("GEMINI_IMAGE_BASE_URL", &keyed.emulator.gateway_url());
        if let Some(k) = thuc {
            cmd.env("THUCCHIEN_API_KEY", k);
        }
        if let Some(k) = gem {
            cmd.env("GEMINI_API_KEY", k);
        }
        cmd.args(["generate", "a kite", "-o", "k"]);
        if let Some(k) = flag {
            cmd.args(["--api-key", k]);
        }
        cmd.run().code
    };
    assert_eq!(run(None, Some("right-key-123"), None), 0);
    assert_eq!(run(Some("right-key-123"), Some("wrong-key-456"), None), 0);
    assert_eq!(run(Some("wrong-key-456"), Some("right-key-123"), None), 3);
    assert_eq!(run(Some("wrong-key-456"), None, Some("right-key-123")), 0);
}

#[test]
fn in_process_emulator_needs_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = Cmd::bare(dir.path())
        .args([
            "generate",
            "a paper boat",
            "--emulator",
            "--model",
            "gemini-2.5-flash-image",
            "-o",
            "boat",
            "--json",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["images"][0]["mime_type"], "image/png");
    assert!(dir.path().join("boat.png").is_file());
}

#[test]
fn emulator_subcommand_serves_until_killed() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Cmd::bare(dir.path())
        .args(["emulator", "--port", "0"])
        .spawn();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    let out = Cmd::bare(dir.path())
        .env("THUCCHIEN_API_KEY", "k-1234")
        .args([
            "generate",
            "a moon",
            "--base-url",
            &format!("{url}/gemini"),
            "-o",
            "moon",
        ])
        .run();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(dir.path().join("moon.jpg").is_file());
}

#[test]
fn help_documents_exit_codes_and_env() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["generate", "--help"],
        vec!["batch", "--help"],
    ] {
        let out = Cmd::bare(dir.path()).args(&args).run();
        assert_eq!(out.code, 0);
        for needle in [
            "Exit codes:",
            "THUCCHIEN_API_KEY",
            "GEMINI_IMAGE_BASE_URL",
            "no image",
        ] {
            assert!(out.stdout.contains(needle), "{args:?}: {needle}");
        }
    }
}

#[test]
fn prompt_from_stdin_and_from_a_file() {
    let env = Env::new();
    let mut child = env
        .cmd()
        .args([
            "generate",
            "-",
            "--model",
            "gemini-2.5-flash-image",
            "--json",
        ])
        .stdin_piped()
        .spawn();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"a fox from standard input\n").unwrap();
    }
    let out = wait(child, RUN_LIMIT);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    let path = json["paths"][0].as_str().unwrap();
    assert!(path.starts_with("a-fox-from-standard-input-"), "{path}");
    assert_eq!(
        env.emulator.prompt_count("a fox from standard input"),
        1,
        "the prompt sent is the text read, not \"-\""
    );

    let long = "a very long prompt ".repeat(10_000);
    std::fs::write(env.path("prompt.txt"), format!("{long}\n")).unwrap();
    let out = env
        .cmd()
        .args([
            "generate",
            "--prompt-file",
            "prompt.txt",
            "--model",
            "gemini-2.5-flash-image",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.trim().starts_with("a-very-long-prompt-"));
    let out = env
        .cmd()
        .args(["generate", "--prompt-file", "nope.txt"])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("nope.txt"), "{}", out.stderr);
}

#[test]
fn edit_names_its_output_after_the_input_image() {
    let env = Env::new();
    let input = write_png(&env, "holiday-photo");
    let out = env
        .cmd()
        .args(["edit", "--model", "gemini-2.5-flash-image"])
        .arg_path(&input)
        .args(["make the sky purple"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let name = out.stdout.trim();
    assert!(
        name.starts_with("holiday-photo-") && name.ends_with(".png"),
        "{name}"
    );
}
