//! `batch`: manifest, resume after an interrupted or killed run, bad lines, exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{Cmd, Env, RUN_LIMIT, dims, mime, wait};
use serde_json::Value;

fn manifest(env: &Env, dir: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(env.path(dir).join("manifest.jsonl")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn statuses(records: &[Value]) -> HashMap<String, String> {
    records
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn runs_a_mixed_batch_and_writes_a_manifest() {
    let env = Env::new();
    let input = common::write_png(&env, "in");
    let lines = [
        r#"{"prompt": "a red fox", "id": "fox"}"#.to_string(),
        r#""a green pear""#.to_string(),
        "a plain-text banana".to_string(),
        String::new(),
        "# a comment".to_string(),
        r#"{"prompt": "wide", "id": "wide", "aspect_ratio": "21:9", "model": "gemini-2.5-flash-image"}"#.to_string(),
        r#"{"prompt": "big", "id": "big", "image_size": "2K", "aspect_ratio": "16:9", "model": "gemini-3-pro-image-preview"}"#.to_string(),
        format!(r#"{{"prompt": "edit it", "id": "edit", "images": ["{}"], "model": "gemini-2.5-flash-image"}}"#, input.file_name().unwrap().to_string_lossy()),
        r#"{"prompt": "nope [[fault:image_safety]]", "id": "unsafe"}"#.to_string(),
    ];
    std::fs::write(env.path("p.jsonl"), lines.join("\n")).unwrap();
    let out = env
        .cmd()
        .args([
            "batch",
            "p.jsonl",
            "--out-dir",
            "out",
            "--concurrency",
            "3",
            "--json",
        ])
        .run();
    // One item fails with no image: exit 4 (all failures agree).
    assert_eq!(out.code, 4, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["total"], 7);
    assert_eq!(json["succeeded"], 6);
    assert_eq!(json["failed"], 1);
    assert_eq!(json["exit_code"], 4);
    // Plain progress lines when stderr is not a terminal, and a summary.
    assert!(out.stderr.contains("[7/7]"), "{}", out.stderr);
    assert!(out.stderr.contains("6 ok, 1 failed"), "{}", out.stderr);

    let records = manifest(&env, "out");
    assert_eq!(records.len(), 7);
    let by_id: HashMap<&str, &Value> = records
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r))
        .collect();
    assert_eq!(by_id["fox"]["status"], "ok");
    assert_eq!(by_id["fox"]["attempts"], 1);
    assert_eq!(mime(&env.path("out/fox.jpg")), "image/jpeg");
    assert_eq!(dims(&env.path("out/wide.png")), (1536, 672));
    assert_eq!(dims(&env.path("out/big.jpg")), (2752, 1536));
    assert_eq!(mime(&env.path("out/edit.png")), "image/png");
    let unsafe_item = by_id["unsafe"];
    assert_eq!(unsafe_item["status"], "error");
    assert_eq!(unsafe_item["error"]["kind"], "no_image");
    assert!(
        unsafe_item["error"]["message"]
            .as_str()
            .unwrap()
            .contains("IMAGE_SAFETY")
    );
    assert_eq!(unsafe_item["line"], 9);
    let derived: Vec<&&str> = by_id
        .keys()
        .filter(|k| k.starts_with("a-green-pear-"))
        .collect();
    assert_eq!(derived.len(), 1);
    let pear = by_id[*derived[0]];
    assert_eq!(
        pear["paths"][0].as_str().unwrap(),
        format!("out/{}.jpg", derived[0])
    );

    // Re-run: only the failed item is tried again.
    env.emulator.reset();
    let out = env
        .cmd()
        .args(["batch", "p.jsonl", "--out-dir", "out"])
        .run();
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert_eq!(env.emulator.request_count(), 1);
    assert!(out.stderr.contains("6 skipped"), "{}", out.stderr);
}

#[test]
fn resumes_from_a_pre_seeded_manifest() {
    let env = Env::new();
    std::fs::write(
        env.path("p.jsonl"),
        "{\"prompt\":\"one\",\"id\":\"a\"}\n{\"prompt\":\"two\",\"id\":\"b\"}\n{\"prompt\":\"three\",\"id\":\"c\"}\n",
    )
    .unwrap();
    std::fs::create_dir(env.path("out")).unwrap();
    std::fs::write(env.path("out/a.jpg"), b"done earlier").unwrap();
    // "a" is done; "b" failed before; a killed run left half a line at the end.
    std::fs::write(
        env.path("out/manifest.jsonl"),
        "{\"id\":\"a\",\"status\":\"ok\",\"files\":[\"a.jpg\"]}\n{\"id\":\"b\",\"status\":\"error\"}\n{\"id\":\"c\",\"sta",
    )
    .unwrap();
    let out = env
        .cmd()
        .args(["batch", "p.jsonl", "--out-dir", "out", "--json"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["skipped"], 1);
    assert_eq!(json["succeeded"], 2);
    assert_eq!(env.emulator.request_count(), 2);
    assert_eq!(
        std::fs::read(env.path("out/a.jpg")).unwrap(),
        b"done earlier"
    );
    assert!(
        out.stderr.contains("unreadable lines [3]"),
        "{}",
        out.stderr
    );
    let records = manifest(&env, "out");
    let s = statuses(&records);
    assert_eq!(s["a"], "ok");
    assert_eq!(s["b"], "ok");
    assert_eq!(s["c"], "ok");

    // An "ok" item whose image was deleted is run again.
    std::fs::remove_file(env.path("out/b.jpg")).unwrap();
    env.emulator.reset();
    let out = env
        .cmd()
        .args(["batch", "p.jsonl", "--out-dir", "out"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(env.emulator.request_count(), 1);
    assert!(env.path("out/b.jpg").is_file());
}

fn slow_batch(env: &Env, n: usize) {
    let lines: Vec<String> = (1..=n)
        .map(|i| {
            format!("{{\"prompt\":\"item {i} [[fault:slow]] [[delay:600]]\",\"id\":\"i{i}\"}}")
        })
        .collect();
    std::fs::write(env.path("slow.jsonl"), lines.join("\n")).unwrap();
}

/// Waits until the manifest lists at least `n` records.
fn wait_for_records(env: &Env, n: usize) {
    let started = Instant::now();
    while manifest(env, "out").len() < n {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "batch made no progress"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn ctrl_c_finishes_in_flight_items_and_a_rerun_resumes() {
    let env = Env::new();
    slow_batch(&env, 8);
    let child = env
        .cmd()
        .args([
            "batch",
            "slow.jsonl",
            "--out-dir",
            "out",
            "--concurrency",
            "2",
        ])
        .spawn();
    let pid = child.id();
    wait_for_records(&env, 2);
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = wait(child, RUN_LIMIT);
    assert_eq!(out.code, 130, "{}", out.stderr);
    assert!(out.stderr.contains("interrupted"), "{}", out.stderr);
    let first = manifest(&env, "out");
    assert!(
        first.len() >= 2 && first.len() < 8,
        "{} records",
        first.len()
    );
    // Every finished item has its image on disk.
    for record in &first {
        assert_eq!(record["status"], "ok");
        let id = record["id"].as_str().unwrap();
        assert!(env.path(&format!("out/{id}.jpg")).is_file(), "{id}");
    }
    let sent_before = env.emulator.request_count() as usize;
    assert!(sent_before <= first.len() + 2, "no new work after Ctrl-C");

    let out = env
        .cmd()
        .args([
            "batch",
            "slow.jsonl",
            "--out-dir",
            "out",
            "--concurrency",
            "4",
            "--json",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["skipped"].as_u64().unwrap() as usize, first.len());
    assert_eq!(
        json["succeeded"].as_u64().unwrap() as usize,
        8 - first.len()
    );
    let s = statuses(&manifest(&env, "out"));
    assert_eq!(s.len(), 8);
    assert!(s.values().all(|v| v == "ok"));
    // Nothing done twice: each prompt was requested once overall.
    for i in 1..=8 {
        let prompt = format!("item {i} [[fault:slow]] [[delay:600]]");
        assert!(
            env.emulator.prompt_count(&prompt) <= 1,
            "item {i} sent twice"
        );
    }
}

fn interrupt(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn two_interrupts_within_half_a_second_are_one() {
    // GNU `timeout -s INT` signals the child and then its process group: two SIGINTs at once.
    let env = Env::new();
    slow_batch(&env, 6);
    let child = env
        .cmd()
        .args(["batch", "slow.jsonl", "--out-dir", "out", "-j", "2"])
        .spawn();
    let pid = child.id();
    wait_for_records(&env, 1);
    interrupt(pid);
    std::thread::sleep(Duration::from_millis(50));
    interrupt(pid);
    let out = wait(child, RUN_LIMIT);
    assert_eq!(out.code, 130, "{}", out.stderr);
    assert!(!out.stderr.contains("interrupted again"), "{}", out.stderr);
    // The items in flight were finished, not abandoned.
    let records = manifest(&env, "out");
    let sent = env.emulator.request_count() as usize;
    assert_eq!(records.len(), sent, "{}", out.stderr);
    assert!(out.stderr.contains("batch: 6 items"), "{}", out.stderr);
}

#[test]
fn a_second_interrupt_abandons_the_items_in_flight() {
    let env = Env::new();
    let lines: Vec<String> = (1..=4)
        .map(|i| {
            format!("{{\"prompt\":\"item {i} [[fault:slow]] [[delay:20000]]\",\"id\":\"i{i}\"}}")
        })
        .collect();
    std::fs::write(env.path("slow.jsonl"), lines.join("\n")).unwrap();
    let child = env
        .cmd()
        .args([
            "batch",
            "slow.jsonl",
            "--out-dir",
            "out",
            "-j",
            "2",
            "--json",
        ])
        .spawn();
    let pid = child.id();
    let started = Instant::now();
    while env.emulator.request_count() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no request sent"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    interrupt(pid);
    std::thread::sleep(Duration::from_millis(800));
    interrupt(pid);
    let out = wait(child, Duration::from_secs(10));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "waited for the slow items"
    );
    assert_eq!(out.code, 130, "{}", out.stderr);
    assert!(out.stderr.contains("interrupted again"), "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["abandoned"], 2, "{json}");
    assert_eq!(json["not_started"], 2, "{json}");
    assert_eq!(json["interrupted"], true);
}

#[test]
fn a_killed_batch_loses_no_finished_image() {
    let env = Env::new();
    slow_batch(&env, 6);
    let mut child = env
        .cmd()
        .args([
            "batch",
            "slow.jsonl",
            "--out-dir",
            "out",
            "--concurrency",
            "1",
        ])
        .spawn();
    wait_for_records(&env, 2);
    child.kill().unwrap();
    child.wait().unwrap();
    let done = manifest(&env, "out");
    assert!(done.len() >= 2 && done.len() < 6);
    for record in &done {
        let id = record["id"].as_str().unwrap();
        assert!(env.path(&format!("out/{id}.jpg")).is_file(), "{id}");
    }
    let out = env
        .cmd()
        .args([
            "batch",
            "slow.jsonl",
            "--out-dir",
            "out",
            "--concurrency",
            "3",
            "--json",
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["skipped"].as_u64().unwrap() as usize, done.len());
    assert_eq!(statuses(&manifest(&env, "out")).len(), 6);
}

#[test]
fn bad_lines_name_the_line_and_nothing_is_sent() {
    let env = Env::new();
    let cases = [
        ("ok prompt\n{\"prompt\": 3}\n", "line 2", "prompt"),
        ("{\"prompt\": \"x\"\n", "line 1", "invalid JSON"),
        (
            "a\nb\n{\"promt\": \"typo\"}\n",
            "line 3",
            "promt: is not a known option",
        ),
        (
            "{\"prompt\":\"x\",\"image_size\":\"8K\"}\n",
            "line 1",
            "image_size",
        ),
        (
            "{\"prompt\":\"x\",\"images\":[\"missing.png\"]}\n",
            "line 1",
            "missing.png",
        ),
        (
            "{\"prompt\":\"a\",\"id\":\"same\"}\n{\"prompt\":\"b\",\"id\":\"same\"}\n",
            "line 2",
            "already used",
        ),
        ("\n# only a comment\n", "no prompts", "p.jsonl"),
    ];
    for (text, where_, what) in cases {
        std::fs::write(env.path("p.jsonl"), text).unwrap();
        let out = env
            .cmd()
            .args(["batch", "p.jsonl", "--out-dir", "out"])
            .run();
        assert_eq!(out.code, 2, "{text:?}: {}", out.stderr);
        assert!(out.stderr.contains(where_), "{text:?}: {}", out.stderr);
        assert!(out.stderr.contains(what), "{text:?}: {}", out.stderr);
    }
    let out = env
        .cmd()
        .args(["batch", "nope.jsonl", "--out-dir", "out"])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("nope.jsonl"));
    assert_eq!(env.emulator.request_count(), 0);
}

#[test]
fn mixed_failures_exit_1_and_reads_stdin() {
    let env = Env::new();
    let mut child = Cmd::bare(env.dir.path())
        .env("GEMINI_IMAGE_BASE_URL", &env.emulator.gateway_url())
        .env("THUCCHIEN_API_KEY", "k-1234")
        .args(["batch", "-", "--out-dir", "out", "--retries", "0"])
        .stdin_piped()
        .spawn();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(b"fine\nx [[fault:no_image]]\ny [[fault:internal]]\n")
            .unwrap();
    }
    let out = wait(child, RUN_LIMIT);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let records = manifest(&env, "out");
    let codes: Vec<u64> = records
        .iter()
        .filter_map(|r| r["error"]["exit_code"].as_u64())
        .collect();
    assert_eq!(codes.len(), 2);
    assert!(codes.contains(&4) && codes.contains(&3));
}

#[test]
fn a_batch_wide_size_applies_only_where_the_model_accepts_it() {
    let env = Env::new();
    std::fs::write(
        env.path("p.jsonl"),
        "{\"prompt\":\"old model\",\"id\":\"a\",\"model\":\"gemini-2.5-flash-image\"}\n\
         {\"prompt\":\"new model\",\"id\":\"b\",\"model\":\"gemini-3.1-flash-image\"}\n\
         {\"prompt\":\"sized old\",\"id\":\"c\",\"model\":\"gemini-2.5-flash-image\",\"image_size\":\"4K\"}\n",
    )
    .unwrap();
    let out = env
        .cmd()
        .args(["batch", "p.jsonl", "--out-dir", "out", "-s", "2K", "--json"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("line 3") && out.stderr.contains("ignoring image_size 4K"),
        "{}",
        out.stderr
    );
    assert_eq!(out.json()["succeeded"], 3);
    let b = dims(&env.path("out/b.jpg"));
    assert!(b.0 >= 2000, "2K on the 3.1 line: {b:?}");
}

#[test]
fn every_bad_line_is_reported_at_once() {
    let env = Env::new();
    std::fs::write(
        env.path("p.jsonl"),
        "fine\n{\"prompt\": 3}\n{\"prompt\":\"x\",\"images\":[\"missing.png\"]}\n{oops\n",
    )
    .unwrap();
    let out = env
        .cmd()
        .args(["batch", "p.jsonl", "--out-dir", "out", "--json"])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    let message = out.json()["error"]["message"].as_str().unwrap().to_string();
    for needle in [
        "3 bad lines",
        "line 2:",
        "line 3: images[0]",
        "missing.png",
        "line 4:",
    ] {
        assert!(message.contains(needle), "{needle:?} not in {message}");
    }
    assert_eq!(env.emulator.request_count(), 0);
}

#[test]
fn retries_are_said_per_item_and_counted_in_the_manifest() {
    let env = Env::new();
    std::fs::write(
        env.path("p.jsonl"),
        "{\"prompt\":\"busy [[fault:rate_limit:1]]\",\"id\":\"busy\"}\n{\"prompt\":\"calm\",\"id\":\"calm\"}\n",
    )
    .unwrap();
    let out = env
        .cmd()
        .args(["batch", "p.jsonl", "--out-dir", "out", "-j", "1"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("busy: rate limited (429), retrying in")
            && out.stderr.contains("(attempt 2 of 3)"),
        "{}",
        out.stderr
    );
    let records = manifest(&env, "out");
    let busy = records.iter().find(|r| r["id"] == "busy").unwrap();
    assert_eq!(busy["attempts"], 2, "{busy}");
    let calm = records.iter().find(|r| r["id"] == "calm").unwrap();
    assert_eq!(calm["attempts"], 1, "{calm}");
    assert!(busy["elapsed_ms"].as_u64().is_some());
}

#[test]
fn a_batch_never_replaces_an_image_unless_asked() {
    let env = Env::new();
    std::fs::write(
        env.path("p.jsonl"),
        "{\"prompt\":\"a fox\",\"id\":\"fox\"}\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = env
            .cmd()
            .args(["batch", "p.jsonl", "--out-dir", "out"])
            .args(extra)
            .run();
        assert_eq!(out.code, 0, "{}", out.stderr);
        out
    };
    run(&[]);
    let first = std::fs::read(env.path("out/fox.jpg")).unwrap();
    // The manifest is gone (a new run into the same directory): the image is kept and the
    // new one gets the next free name, which the manifest records.
    std::fs::remove_file(env.path("out/manifest.jsonl")).unwrap();
    let out = run(&[]);
    assert!(out.stderr.contains("already exists"), "{}", out.stderr);
    assert_eq!(std::fs::read(env.path("out/fox.jpg")).unwrap(), first);
    assert!(env.path("out/fox-2.jpg").is_file());
    assert_eq!(manifest(&env, "out")[0]["files"][0], "fox-2.jpg");
    // A resume finds the renamed file and skips the item.
    let out = run(&["--json"]);
    assert_eq!(out.json()["skipped"], 1);
    // --overwrite replaces in place.
    std::fs::remove_file(env.path("out/manifest.jsonl")).unwrap();
    run(&["--overwrite"]);
    assert!(!env.path("out/fox-3.jpg").exists());
    assert_eq!(manifest(&env, "out")[0]["files"][0], "fox.jpg");
}
