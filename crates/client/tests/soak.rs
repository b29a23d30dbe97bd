//! Soak: many generate calls through `batch_each` at concurrency 32 against the emulator,
//! one prompt in ten with an injected fault (429 with RetryInfo, 503, a dropped connection,
//! a slow body, a non-retryable budget error). Every item is saved and recorded in a batch
//! manifest exactly once, with an image or a typed error; resident memory stays flat; the
//! key is nowhere in the manifest or the errors.
//!
//! `GEMINI_IMAGE_SOAK_CALLS` sets the number of calls (default 150, what CI runs; the
//! figures in docs/reliability.md come from 2000:
//! `GEMINI_IMAGE_SOAK_CALLS=2000 cargo test --release -p gemini-image --test soak -- --nocapture`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code

use std::collections::HashMap;
use std::time::{Duration, Instant};

use gemini_image::{BatchDir, CallOptions, Client, ErrorKind, Record, RecordError};
use gemini_image_emulator::{Emulator, EmulatorConfig};

const KEY: &str = "sk-RUST-SOAK-KEY-0123456789abcdef";
const MODEL: &str = "gemini-2.5-flash-image";

/// (marker, whether the prompt still ends with an image)
const FAULTS: [(&str, bool); 5] = [
    ("[[fault:rate_limit:1]]", true),
    ("[[fault:overloaded:1]]", true),
    ("[[fault:drop:1]]", true),
    ("[[fault:slow_body]] [[delay:150]]", true),
    ("[[fault:budget]]", false),
];

fn calls() -> usize {
    std::env::var("GEMINI_IMAGE_SOAK_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150)
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS")
}

#[test]
fn batch_of_many_calls_with_faults_loses_nothing_and_stays_flat() {
    let calls = calls();
    // The emulator runs in this process: its image cache (one entry per distinct prompt)
    // is turned off so the RSS samples measure the client, not the server's cache.
    let mut config = EmulatorConfig::default().with_api_key(KEY);
    config.cache_bytes = 0;
    let emu = Emulator::start(config).expect("emulator");
    let client = Client::builder()
        .api_key(KEY)
        .base_url(emu.gateway_url())
        .default_model(MODEL)
        .timeout(Duration::from_secs(10))
        .max_retries(2)
        .build()
        .expect("client");
    let prompts: Vec<(String, bool)> = (0..calls)
        .map(|i| {
            if i % 10 == 7 {
                let (marker, ok) = FAULTS[(i / 10) % FAULTS.len()];
                (format!("soak {i} {marker}"), ok)
            } else {
                (format!("soak {i}"), true)
            }
        })
        .collect();
    let out = std::env::temp_dir().join(format!("gemini-image-soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let dir = BatchDir::open(&out).expect("batch dir");

    let started = Instant::now();
    let mut samples = Vec::new();
    let mut finished = 0usize;
    let mut seen = vec![0u32; calls];
    let mut problems = Vec::new();
    client.batch_each(
        calls,
        |index| Ok(client.request(prompts[index].0.clone())),
        32,
        &CallOptions::default(),
        |index, result| {
            seen[index] += 1;
            let id = format!("item-{index:05}");
            let mut record = Record::new(&id, index + 1, &prompts[index].0, MODEL);
            match result {
                Ok(response) => {
                    if let Err(err) = dir.save_response(&mut record, &id, response, false) {
                        problems.push(format!("{id}: save failed: {err}"));
                    }
                }
                Err(err) => record.set_error(RecordError::from(&err)),
            }
            if let Err(err) = dir.append(&record) {
                problems.push(format!("{id}: manifest append failed: {err}"));
            }
            finished += 1;
            if finished % (calls / 4).max(1) == 0 {
                samples.push(rss_kib());
            }
        },
    );
    let elapsed = started.elapsed();

    // Exactly once each, in the callback and in the manifest.
    assert!(seen.iter().all(|&n| n == 1), "an item ended twice or never");
    let manifest = std::fs::read_to_string(dir.manifest_path()).expect("manifest");
    assert!(!manifest.contains(KEY), "the key is in the manifest");
    let mut records: HashMap<String, serde_json::Value> = HashMap::new();
    for line in manifest.lines() {
        let record: serde_json::Value = serde_json::from_str(line).expect("manifest line");
        let id = record["id"].as_str().expect("id").to_string();
        assert!(
            records.insert(id.clone(), record).is_none(),
            "{id} recorded twice"
        );
    }
    assert_eq!(records.len(), calls, "items missing from the manifest");
    let mut images = 0;
    for (index, (_, wants_image)) in prompts.iter().enumerate() {
        let record = &records[&format!("item-{index:05}")];
        if *wants_image {
            assert_eq!(record["status"], "ok", "{record}");
            let file = out.join(record["files"][0].as_str().expect("file"));
            let bytes = std::fs::read(&file).expect("image file");
            assert!(bytes.starts_with(b"\x89PNG"), "{}", file.display());
            images += 1;
        } else {
            assert_eq!(record["status"], "error", "{record}");
            assert_eq!(
                record["error"]["kind"],
                ErrorKind::QuotaExhausted.as_str(),
                "{record}"
            );
        }
    }
    assert!(problems.is_empty(), "{problems:?}");
    // No file twice or half: one file per successful item, nothing else but the manifest.
    let files = std::fs::read_dir(&out).expect("out dir").count();
    assert_eq!(files, images + 1);

    // Flat memory: the second half may not grow by more than a generous constant (growth
    // proportional to the calls would be tens of MB per thousand calls).
    let half = samples[samples.len() / 2 - 1];
    let end = *samples.last().expect("samples");
    eprintln!(
        "soak: {calls} calls at concurrency 32 in {elapsed:?} ({} requests served), {images} images, RSS KiB at quarters {samples:?}",
        emu.request_count()
    );
    assert!(
        end.saturating_sub(half) < 16 * 1024,
        "RSS grew {half} -> {end} KiB"
    );
    let _ = std::fs::remove_dir_all(&out);
}
