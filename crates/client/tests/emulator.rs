//! The client against the offline emulator (`gemini-image-emulator`): real HTTP, real
//! images, scripted faults. No test reaches the internet.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers, not library code

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gemini_image::{
    AspectRatio, Blob, CallOptions, CancelToken, Chat, Client, ClientBuilder, ErrorKind,
    GenerateRequest, ImageSize, ImageStream, RetryEvent,
};
use gemini_image_emulator::{Emulator, EmulatorConfig};

const PRO: &str = "gemini-3-pro-image-preview";
const FLASH_25: &str = "gemini-2.5-flash-image";

type Delays = Arc<Mutex<Vec<Duration>>>;

fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::default()).expect("emulator starts")
}

/// A builder aimed at the emulator's gateway route, with a recording no-op sleeper.
fn builder(emu: &Emulator) -> (ClientBuilder, Delays) {
    let delays: Delays = Arc::default();
    let recorder = Arc::clone(&delays);
    let builder = Client::builder()
        .api_key("test-key")
        .base_url(emu.gateway_url())
        .timeout(Duration::from_secs(60))
        .sleeper(Arc::new(move |d| recorder.lock().unwrap().push(d)));
    (builder, delays)
}

fn client(emu: &Emulator) -> Client {
    builder(emu).0.build().expect("client")
}

#[test]
fn client_types_are_thread_safe() {
    fn send_sync<T: Send + Sync + Clone>() {}
    fn send<T: Send>() {}
    send_sync::<Client>();
    send::<ImageStream>();
    send::<Chat>();
    send::<gemini_image::Error>();
}

#[test]
fn text_to_image_default_model_and_google_route() {
    let emu = emulator();
    let client = client(&emu);
    assert_eq!(client.default_model(), gemini_image::DEFAULT_MODEL);
    let response = client.text_to_image("a lighthouse at dusk").expect("image");
    let image = response.image().expect("final image");
    assert_eq!(image.mime_type, "image/jpeg", "3.x models answer JPEG");
    assert_eq!(image.dimensions(), Some((1024, 1024)));
    let recorded = emu.last_request().expect("recorded");
    assert!(
        recorded
            .path
            .ends_with("/gemini/v1beta/models/gemini-3.1-flash-image:generateContent"),
        "{}",
        recorded.path
    );
    assert_eq!(recorded.header("x-goog-api-key"), Some("test-key"));
    assert_eq!(recorded.header("authorization"), None);
    assert!(
        recorded
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("gemini-image/"))
    );

    // Google's URL shape (no /gemini), options, a custom user agent.
    let google = Client::builder()
        .api_key("test-key")
        .base_url(emu.url())
        .user_agent("my-app/1.0")
        .build()
        .expect("client");
    let request = GenerateRequest::text_to_image(PRO, "a red fox")
        .with_aspect_ratio(AspectRatio::Landscape16x9)
        .with_image_size(ImageSize::Size2K);
    let response = google.generate(&request).expect("image");
    let (w, h) = response.image().and_then(Blob::dimensions).expect("size");
    assert!(w > h && w >= 2048, "{w}x{h}");
    let recorded = emu.last_request().expect("recorded");
    assert!(
        recorded.path.starts_with("/v1beta/models/"),
        "{}",
        recorded.path
    );
    assert_eq!(recorded.header("user-agent"), Some("my-app/1.0"));
}

#[test]
fn edit_sends_the_image_and_gets_one_back() {
    let emu = emulator();
    let client = Client::builder()
        .api_key("test-key")
        .base_url(emu.gateway_url())
        .default_model(FLASH_25)
        .build()
        .expect("client");
    let original = client.text_to_image("a yellow duck").expect("image");
    let original = original.image().expect("image").clone();
    assert_eq!(original.mime_type, "image/png", "2.5 models answer PNG");
    let edited = client
        .edit([original.clone()], "make it purple")
        .expect("edited");
    let edited = edited.image().expect("edited image");
    assert_ne!(edited.data, original.data);
    let body = emu
        .last_request()
        .and_then(|r| r.json())
        .expect("json body");
    let parts = &body["contents"][0]["parts"];
    assert_eq!(parts[0]["text"], "make it purple");
    assert_eq!(parts[1]["inlineData"]["mimeType"], "image/png");
}

#[test]
fn stream_yields_events_in_order_and_merges() {
    let emu = emulator();
    let client = client(&emu);
    let mut stream = client
        .stream(&GenerateRequest::text_to_image(PRO, "a cabin in the woods"))
        .expect("stream opens");
    let kinds: Vec<&str> = (&mut stream)
        .map(|event| event.expect("event").kind())
        .collect();
    assert_eq!(kinds, ["thought_text", "thought_image", "image", "done"]);
    assert_eq!(stream.attempts(), 1);
    let merged = stream.finish().expect("merged");
    assert_eq!(merged.images().len(), 1);
    assert_eq!(merged.thought_images().len(), 1);
    assert!(!merged.thought_signatures().is_empty());
    assert_eq!(merged.finish_reason().map(|r| r.as_str()), Some("STOP"));
    assert!(
        emu.last_request()
            .and_then(|r| r.query)
            .is_some_and(|q| q.contains("alt=sse"))
    );

    // 2.5: text then image; finish() without iterating drains everything.
    let stream = client
        .stream(&GenerateRequest::text_to_image(FLASH_25, "a paper boat"))
        .expect("stream opens");
    let merged = stream.finish().expect("merged");
    assert_eq!(
        merged.image().map(|i| i.mime_type.as_str()),
        Some("image/png")
    );
}

#[test]
fn stream_faults_retry_only_before_the_body() {
    let emu = emulator();
    let (builder, delays) = builder(&emu);
    let client = builder.build().expect("client");
    // An HTTP error before the body: retried.
    let prompt = "a kite [[fault:overloaded:1]]";
    let mut stream = client
        .stream(&GenerateRequest::text_to_image(PRO, prompt))
        .expect("opens after a retry");
    assert_eq!(stream.attempts(), 2);
    assert!(stream.all(|e| e.is_ok()));
    assert_eq!(emu.prompt_count(prompt), 2);
    assert_eq!(delays.lock().unwrap().len(), 1);

    // An error event after the first event: delivered in order, not retried.
    let prompt = "a kite [[fault:stream_error]]";
    let mut stream = client
        .stream(&GenerateRequest::text_to_image(PRO, prompt))
        .expect("opens");
    let first = stream.next().expect("an event").expect("ok event");
    assert_eq!(first.kind(), "thought_text");
    let err = stream.next().expect("the error").expect_err("error event");
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(stream.next().is_none(), "the stream ends after an error");
    assert_eq!(
        stream.finish().expect_err("same error").kind(),
        ErrorKind::Server
    );
    assert_eq!(emu.prompt_count(prompt), 1);

    // A dropped connection: network. (The emulator's `drop` means "first event, then
    // cut", but hyper may discard the buffered event when the body errors right after it,
    // so the cut can also come before the first byte, which is retried. Both are network
    // errors; the exact before/after-first-byte rule is pinned in tests/stream_io.rs.)
    let prompt = "a kite [[fault:drop]]";
    let err = match client.stream(&GenerateRequest::text_to_image(PRO, prompt)) {
        Ok(stream) => {
            let results: Vec<_> = stream.collect();
            assert!(results.first().is_some_and(Result::is_ok));
            assert_eq!(
                emu.prompt_count(prompt),
                1,
                "not retried once the body started"
            );
            results
                .into_iter()
                .last()
                .expect("some")
                .expect_err("dropped")
        }
        Err(err) => {
            assert_eq!(
                emu.prompt_count(prompt),
                3,
                "retried before the body started"
            );
            err
        }
    };
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");

    // A refusal inside a 200 stream: events, then no_image from finish().
    let stream = client
        .stream(&GenerateRequest::text_to_image(
            PRO,
            "x [[fault:image_safety]]",
        ))
        .expect("opens");
    let err = stream.finish().expect_err("no image");
    assert_eq!(err.kind(), ErrorKind::NoImage);
    assert_eq!(
        err.no_image().and_then(|n| n.finish_reason.as_deref()),
        Some("IMAGE_SAFETY")
    );
}

#[test]
fn three_turn_conversation_on_3_pro_echoes_signatures() {
    let emu = emulator();
    let client = Client::builder()
        .api_key("test-key")
        .base_url(emu.gateway_url())
        .default_model(PRO)
        .build()
        .expect("client");
    let mut chat = client.conversation();
    assert_eq!(chat.model(), PRO);
    let first = chat
        .send_text("a cozy cabin in a snowy forest")
        .expect("turn 1");
    let second = chat
        .send_text("make it dusk, warm light in the windows")
        .expect("turn 2");
    let third = chat.send_text("add a sled by the door").expect("turn 3");
    assert_eq!(chat.history().len(), 6);
    for response in [&first, &second, &third] {
        assert!(response.image().is_some());
    }
    assert_eq!(chat.last_call_info().map(|i| i.attempts), Some(1));
    // Turn 3 carried the whole history, signatures included.
    let body = emu.last_request().and_then(|r| r.json()).expect("body");
    let contents = body["contents"].as_array().expect("contents");
    assert_eq!(contents.len(), 5);
    for model_turn in [&contents[1], &contents[3]] {
        assert_eq!(model_turn["role"], "model");
        let parts = model_turn["parts"].as_array().expect("parts");
        assert!(
            parts.iter().all(|p| p.get("thought").is_none()),
            "thoughts dropped"
        );
        assert!(parts.iter().any(|p| p.get("thoughtSignature").is_some()));
    }

    // The saved document survives JSON and resumes.
    let json = chat.to_json();
    let mut resumed = client
        .restore_chat(json.as_bytes(), Some(chat.model()))
        .expect("restores");
    assert_eq!(resumed.history().len(), 6);
    resumed.send_text("now in summer").expect("turn 4");
    assert_eq!(resumed.history().len(), 8);
    assert_eq!(resumed.turn_count(), 4);

    // Without the signatures, the emulator refuses as Gemini 3 does: proof they matter.
    let mut doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    for turn in doc["history"].as_array_mut().expect("history") {
        for part in turn["parts"].as_array_mut().expect("parts") {
            part.as_object_mut().map(|p| p.remove("thoughtSignature"));
        }
    }
    let mut unsigned = client
        .restore_chat(doc.to_string().as_bytes(), None)
        .expect("restores");
    let err = unsigned.send_text("add snow").expect_err("400");
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(err.to_string().contains("thought_signature"), "{err}");
    assert_eq!(unsigned.history().len(), 6, "a failed turn leaves no trace");

    // A refused turn leaves no trace either; the chat goes on.
    let err = chat
        .send_text("x [[fault:image_safety]]")
        .expect_err("no image");
    assert_eq!(err.kind(), ErrorKind::NoImage);
    assert_eq!(chat.history().len(), 6);
    let trimmed = client.conversation().keep_last_images(1);
    assert_eq!(trimmed.conversation().keep_last_images(), Some(1));
}

#[test]
fn twenty_megabyte_image_arrives_whole() {
    let emu = emulator();
    let client = Client::builder()
        .api_key("test-key")
        .base_url(emu.gateway_url())
        .default_model(PRO)
        .build()
        .expect("client");
    let prompt = "a detailed city map [[bytes:20m]]";
    // Warm the emulator's cache so the timing is the transfer and parse.
    client.text_to_image(prompt).expect("first");
    let started = Instant::now();
    let response = client.text_to_image(prompt).expect("20 MB image");
    let generate_time = started.elapsed();
    let image = response.image().expect("image");
    assert!(image.data.len() >= 20_000_000, "{} bytes", image.data.len());
    assert!(image.dimensions().is_some(), "still a valid image header");

    let started = Instant::now();
    let streamed = client
        .stream(&GenerateRequest::text_to_image(PRO, prompt))
        .and_then(ImageStream::finish)
        .expect("20 MB streamed image");
    let stream_time = started.elapsed();
    assert_eq!(
        streamed.image().map(|i| i.data.len()),
        Some(image.data.len())
    );
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    eprintln!(
        "20 MB image end to end ({build} build): generate {generate_time:?}, stream {stream_time:?}"
    );

    // A cap below the body: response_too_large, not retried.
    let capped = Client::builder()
        .api_key("test-key")
        .base_url(emu.gateway_url())
        .default_model(PRO)
        .max_response_bytes(1024 * 1024)
        .build()
        .expect("client");
    let prompt = "a small map [[bytes:2m]]";
    let (result, info) = capped.generate_with_info(&capped.request(prompt));
    let err = result.expect_err("too large");
    assert_eq!(err.kind(), ErrorKind::ResponseTooLarge, "{err}");
    assert_eq!(info.attempts, 1);
}

/// Counts what it allocates, in plain `Vec`s.
#[derive(Default)]
struct CountingAllocator(Mutex<Vec<usize>>);

impl gemini_image::ImageAllocator for CountingAllocator {
    fn allocate(
        &self,
        len: usize,
        fill: &mut gemini_image::FillImage<'_>,
    ) -> Result<gemini_image::Bytes, gemini_image::Error> {
        self.0.lock().unwrap().push(len);
        let mut buffer = vec![0; len];
        fill(&mut buffer)?;
        Ok(buffer.into())
    }
}

#[test]
fn an_image_allocator_gets_every_image_of_every_attempt() {
    let emu = emulator();
    let (builder, delays) = builder(&emu);
    let client = builder.default_model(FLASH_25).build().expect("client");
    let prompt = "a red kite [[bytes:300k]]";
    let plain = client.text_to_image(prompt).expect("image");
    let allocator = Arc::new(CountingAllocator::default());
    let options = CallOptions::new().with_image_allocator(allocator.clone());
    let allocated = client
        .generate_with(&client.request(prompt), &options)
        .expect("image");
    assert_eq!(
        allocated.images(),
        plain.images(),
        "the same image, whichever memory holds it"
    );
    assert_eq!(allocated.text(), plain.text());
    let size = plain.image().expect("image").data.len();
    assert_eq!(*allocator.0.lock().unwrap(), vec![size]);

    // A retried call: the failed attempt had no image; the second is allocated once.
    let allocator = Arc::new(CountingAllocator::default());
    let options = CallOptions::new().with_image_allocator(allocator.clone());
    let retried = client
        .generate_with(
            &client.request("a blue kite [[fault:overloaded:1]]"),
            &options,
        )
        .expect("image after a retry");
    assert_eq!(delays.lock().unwrap().len(), 1, "one retry");
    let size = retried.image().expect("image").data.len();
    assert_eq!(*allocator.0.lock().unwrap(), vec![size]);

    // A stream decodes each image event into the allocator, shared with the merged response.
    let allocator = Arc::new(CountingAllocator::default());
    let options = CallOptions::new().with_image_allocator(allocator.clone());
    let streamed = client
        .stream_with(&client.request(prompt), &options)
        .and_then(ImageStream::finish)
        .expect("streamed image");
    assert_eq!(streamed.images(), plain.images());
    assert_eq!(
        *allocator.0.lock().unwrap(),
        vec![plain.images()[0].data.len()]
    );

    // A chat keeps the allocated image in its history and sends it back.
    let mut chat = client.conversation();
    let turns: Vec<_> = ["a green kite", "make it yellow"]
        .into_iter()
        .map(|prompt| {
            let parts = vec![gemini_image::Part::text(prompt)];
            chat.send_with(parts, &gemini_image::RequestOptions::default(), &options)
                .expect("turn")
        })
        .collect();
    let [first, second] = &turns[..] else {
        panic!("two turns");
    };
    assert!(first.image().is_some() && second.image().is_some());
    let sent = emu.last_request().expect("recorded").body;
    let first_b64 = gemini_image::core::base64::encode(&first.image().expect("image").data);
    assert!(
        String::from_utf8_lossy(&sent).contains(&first_b64[..200]),
        "turn 2 carries turn 1's image"
    );
}

#[test]
fn slow_server_times_out() {
    let emu = emulator();
    let (builder, delays) = builder(&emu);
    let client = builder
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let prompt = "a snail [[fault:slow]] [[delay:5000]]";
    let (result, info) = client.generate_with_info(&client.request(prompt));
    let err = result.expect_err("timeout");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.is_retryable());
    assert_eq!(info.attempts, 3, "timeouts are retried");
    assert_eq!(delays.lock().unwrap().len(), 2);
    assert_eq!(emu.prompt_count(prompt), 3);

    // A body that stalls half-way also hits the overall timeout.
    let client = client_with_timeout(&emu, Duration::from_millis(300));
    let err = client
        .text_to_image("a snail [[fault:slow_body]] [[delay:5000]]")
        .expect_err("timeout");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

fn client_with_timeout(emu: &Emulator, timeout: Duration) -> Client {
    builder(emu)
        .0
        .timeout(timeout)
        .max_retries(0)
        .build()
        .expect("client")
}

#[test]
fn dropped_and_refused_connections_are_network_errors() {
    let emu = emulator();
    let (builder, delays) = builder(&emu);
    let client = builder.build().expect("client");
    let prompt = "a bridge [[fault:drop]]";
    let (result, info) = client.generate_with_info(&client.request(prompt));
    let err = result.expect_err("dropped");
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert_eq!(info.attempts, 3);
    assert_eq!(emu.prompt_count(prompt), 3);

    // Dropped once, then fine.
    let prompt = "a bridge [[fault:drop:1]]";
    let (result, info) = client.generate_with_info(&client.request(prompt));
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(info.attempts, 2);
    assert_eq!(info.retry_delays.len(), 1);

    // Nothing listening.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let nowhere = Client::builder()
        .api_key("test-key")
        .base_url(format!("http://127.0.0.1:{port}"))
        .max_retries(1)
        .sleeper(Arc::new(|_| {}))
        .build()
        .expect("client");
    let (result, info) = nowhere.generate_with_info(&nowhere.request("x"));
    assert_eq!(result.expect_err("refused").kind(), ErrorKind::Network);
    assert_eq!(info.attempts, 2);
    assert!(delays.lock().unwrap().len() >= 2);
}

#[test]
fn retries_are_counted_server_side() {
    let emu = emulator();
    let (builder, delays) = builder(&emu);
    let client = builder.build().expect("client");
    let prompt = "a robot [[fault:overloaded:2]]";
    let (result, info) = client.generate_with_info(&client.request(prompt));
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(info.attempts, 3);
    assert_eq!(emu.prompt_count(prompt), 3);
    assert_eq!(delays.lock().unwrap().len(), 2);

    // The server's RetryInfo delay (1 s) is honoured, spread by up to a quarter (jitter).
    delays.lock().unwrap().clear();
    let prompt = "a robot [[fault:rate_limit:1]]";
    let (result, info) = client.generate_with_info(&client.request(prompt));
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(info.retry_delays.len(), 1);
    let waited = info.retry_delays[0];
    assert!(
        (Duration::from_secs(1)..=Duration::from_millis(1250)).contains(&waited),
        "{waited:?}"
    );
    assert_eq!(*delays.lock().unwrap(), [waited]);

    // Budget and credits errors are never retried.
    for (fault, kind) in [
        ("budget", ErrorKind::QuotaExhausted),
        ("credits", ErrorKind::QuotaExhausted),
    ] {
        let prompt = format!("a robot [[fault:{fault}]]");
        let (result, info) = client.generate_with_info(&client.request(prompt.as_str()));
        assert_eq!(result.expect_err(fault).kind(), kind);
        assert_eq!(info.attempts, 1);
        assert_eq!(emu.prompt_count(&prompt), 1);
    }

    // max_retries(0): one attempt.
    let once = Client::builder()
        .api_key("test-key")
        .base_url(emu.gateway_url())
        .max_retries(0)
        .build()
        .expect("client");
    let (result, info) = once.generate_with_info(&once.request("a robot [[fault:internal]]"));
    assert_eq!(result.expect_err("500").kind(), ErrorKind::Server);
    assert_eq!(info.attempts, 1);
}

#[test]
fn no_image_outcomes() {
    let emu = emulator();
    let client = client(&emu);
    for (fault, check) in [
        ("image_safety", "IMAGE_SAFETY"),
        ("no_image", "NO_IMAGE"),
        ("refusal", "STOP"),
    ] {
        let request = client.request(format!("a thing [[fault:{fault}]]"));
        let err = client.generate(&request).expect_err(fault);
        assert_eq!(err.kind(), ErrorKind::NoImage);
        assert_eq!(
            err.no_image().and_then(|n| n.finish_reason.as_deref()),
            Some(check)
        );
        // generate_raw returns the same answer as data.
        let raw = client.generate_raw(&request).expect("raw");
        assert!(raw.image().is_none());
    }
    let err = client
        .text_to_image("a thing [[fault:blocked]]")
        .expect_err("blocked");
    assert_eq!(
        err.no_image().and_then(|n| n.block_reason.as_deref()),
        Some("PROHIBITED_CONTENT")
    );
}

#[test]
fn batch_keeps_order_and_per_item_outcomes() {
    let emu = emulator();
    let (builder, _) = builder(&emu);
    let client = builder.default_model(FLASH_25).build().expect("client");
    let requests = vec![
        client.request("one apple"),
        client.request("two pears [[fault:image_safety]]"),
        client.request("three plums"),
        client.request("four figs [[fault:budget]]"),
        // Invalid before sending: 2.5 has no image size.
        client
            .request("five kiwis")
            .with_image_size(ImageSize::Size4K),
        client.request("six limes [[fault:overloaded:1]]"),
        client.request("seven dates"),
    ];
    let caller = std::thread::current().id();
    let mut done = Vec::new();
    let results = client.batch_with(requests, 3, |index, result| {
        assert_eq!(std::thread::current().id(), caller, "on_done on the caller");
        done.push((index, result.is_ok()));
    });
    assert_eq!(results.len(), 7);
    let kinds: Vec<Option<ErrorKind>> = results
        .iter()
        .map(|r| r.as_ref().err().map(|e| e.kind()))
        .collect();
    assert_eq!(
        kinds,
        [
            None,
            Some(ErrorKind::NoImage),
            None,
            Some(ErrorKind::QuotaExhausted),
            Some(ErrorKind::InvalidRequest),
            None,
            None
        ]
    );
    // Each result belongs to its own prompt (the emulator draws the prompt's words).
    let again = client.text_to_image("three plums").expect("image");
    assert_eq!(
        results[2]
            .as_ref()
            .ok()
            .and_then(|r| r.image())
            .map(|i| &i.data),
        again.image().map(|i| &i.data)
    );
    done.sort();
    assert_eq!(
        done.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        (0..7).collect::<Vec<_>>()
    );
    assert!(client.batch(Vec::new(), 4).is_empty());
}

#[test]
fn batch_until_stops_handing_out_work() {
    let emu = Emulator::start(EmulatorConfig::default().with_latency(Duration::from_millis(50)))
        .expect("emulator");
    let client = client(&emu);
    let requests: Vec<GenerateRequest> = (0..6)
        .map(|i| client.request(format!("item {i}")))
        .collect();
    let cancel = AtomicBool::new(false);
    let mut finished = 0;
    let results = client.batch_until(requests, 1, &cancel, |_, result| {
        assert!(result.is_ok());
        finished += 1;
        cancel.store(true, Ordering::SeqCst);
    });
    let kept = results.iter().filter(|r| r.is_some()).count();
    assert!(results[0].as_ref().is_some_and(Result::is_ok));
    assert_eq!(kept, finished, "every finished result is kept");
    assert!(
        kept <= 2,
        "at most the item in flight finishes after cancel: {kept}"
    );
    assert!(results[2..].iter().all(Option::is_none));
    assert_eq!(emu.request_count() as usize, kept);
}

#[test]
fn key_never_shown() {
    let secret = "sk-very-secret-key-0123456789";
    let emu =
        Emulator::start(EmulatorConfig::default().with_api_key("another-key")).expect("emulator");
    let (builder, _) = builder(&emu);
    let builder = builder.api_key(secret).max_retries(0);
    assert!(!format!("{builder:?}").contains(secret));
    let client = builder.build().expect("client");
    let shown = format!("{client:?}");
    assert!(!shown.contains(secret), "{shown}");
    let err = client.text_to_image("a cat").expect_err("wrong key");
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    for text in [format!("{err}"), format!("{err:?}"), err.message()] {
        assert!(!text.contains(secret), "{text}");
        assert!(!text.contains("very-secret"), "{text}");
    }
    let chat = client.conversation();
    assert!(!format!("{chat:?}").contains(secret));
    // Transport errors too.
    let nowhere = Client::builder()
        .api_key(secret)
        .base_url("http://127.0.0.1:9")
        .max_retries(0)
        .build()
        .expect("client");
    let err = nowhere.text_to_image("x").expect_err("refused");
    assert!(!format!("{err} {err:?}").contains(secret));
}

#[test]
fn builder_validation() {
    let err = Client::builder().build().expect_err("no key");
    assert_eq!(err.field(), Some("api_key"));
    assert!(err.to_string().contains("THUCCHIEN_API_KEY"), "{err}");
    assert!(err.to_string().contains("GEMINI_API_KEY"), "{err}");
    let err = Client::builder()
        .api_key("k")
        .base_url("ftp://x")
        .build()
        .expect_err("bad url");
    assert_eq!(err.field(), Some("base_url"));
    let err = Client::builder()
        .api_key("k")
        .proxy("not a proxy ::")
        .build()
        .expect_err("bad proxy");
    assert_eq!(err.field(), Some("proxy"));
    let err = Client::builder()
        .api_key("k")
        .user_agent("bad\nagent")
        .build()
        .expect_err("bad user agent");
    assert_eq!(err.field(), Some("user_agent"));
    let client = Client::builder()
        .api_key("k")
        .max_retries(5)
        .max_inline_bytes(1000)
        .build()
        .expect("client");
    assert_eq!(client.retry_policy().max_attempts, 6);
    assert_eq!(client.endpoint().max_inline_bytes(), 1000);
    assert_eq!(client.endpoint().base_url(), gemini_image::GATEWAY_BASE_URL);
    // Validation happens before sending (this client points at the real gateway: nothing
    // may leave the machine).
    let (result, info) = client.generate_with_info(&client.request("  "));
    assert_eq!(result.expect_err("blank").field(), Some("prompt"));
    assert_eq!(info.attempts, 0);
    let request =
        GenerateRequest::text_to_image(PRO, "x").with_aspect_ratio(AspectRatio::Portrait1x8);
    let (result, info) = client.stream_with_info(&request);
    assert_eq!(
        result.expect_err("1:8 on 3 Pro").field(),
        Some("aspect_ratio")
    );
    assert_eq!(info.attempts, 0);
}

#[test]
fn batch_each_delivers_every_index_once_isolating_failures() {
    let emu = emulator();
    let client = client(&emu);
    let prompts = [
        "a red apple",
        "",
        "a green pear [[fault:image_safety]]",
        "a plum",
    ];
    let mut results = Vec::new();
    client.batch_each(
        prompts.len(),
        |index| {
            if index == 3 {
                panic!("builder broke on item 3");
            }
            Ok(GenerateRequest::text_to_image(FLASH_25, prompts[index]))
        },
        3,
        &CallOptions::new(),
        |index, result| results.push((index, result.map_err(|e| e.kind()))),
    );
    results.sort_by_key(|(index, _)| *index);
    let kinds: Vec<_> = results
        .iter()
        .map(|(i, r)| (*i, r.as_ref().err().copied()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (0, None),
            (1, Some(ErrorKind::InvalidRequest)),
            (2, Some(ErrorKind::NoImage)),
            (3, Some(ErrorKind::Internal)),
        ]
    );
    assert!(results[0].1.as_ref().is_ok_and(|r| r.image().is_some()));
}

#[test]
fn cancelled_calls_and_batches_end_with_cancelled() {
    let emu = emulator();
    let client = client(&emu);
    let cancel = CancelToken::new();
    cancel.cancel();
    let call = CallOptions::new().with_cancel(cancel);
    let request = GenerateRequest::text_to_image(FLASH_25, "a fox");
    let err = client
        .generate_with(&request, &call)
        .expect_err("cancelled");
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    let mut kinds = Vec::new();
    client.batch_each(
        3,
        |_| Ok(request.clone()),
        2,
        &call,
        |index, result| kinds.push((index, result.err().map(|e| e.kind()))),
    );
    assert_eq!(
        kinds,
        (0..3)
            .map(|i| (i, Some(ErrorKind::Cancelled)))
            .collect::<Vec<_>>()
    );
    assert_eq!(emu.request_count(), 0, "nothing was sent");
}

#[test]
fn a_cancel_wakes_a_retry_wait_and_retries_are_observed() {
    let emu = emulator();
    // The real sleeper (no recorder): the wait must be cut short by the cancel.
    let client = Client::builder()
        .api_key("test-key")
        .base_url(emu.gateway_url())
        .build()
        .expect("client");
    let cancel = CancelToken::new();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let observed = Arc::clone(&seen);
    let canceller = cancel.clone();
    let call = CallOptions::new()
        .with_cancel(cancel)
        .with_on_retry(Arc::new(move |event: &RetryEvent| {
            observed.lock().unwrap().push(event.to_string());
            canceller.cancel();
        }));
    let started = Instant::now();
    let request = GenerateRequest::text_to_image(FLASH_25, "a fox [[fault:overloaded:5]]");
    let err = client
        .generate_with(&request, &call)
        .expect_err("cancelled");
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the wait was woken"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].starts_with("server (503), retrying in"),
        "{}",
        seen[0]
    );
    assert!(seen[0].ends_with("(attempt 2 of 3)"), "{}", seen[0]);
}

#[test]
fn a_deadline_bounds_the_whole_call() {
    let emu = emulator();
    let client = Client::builder()
        .api_key("test-key")
        .base_url(emu.gateway_url())
        .build()
        .expect("client");
    let call = CallOptions::new().with_deadline(Duration::from_millis(300));
    let started = Instant::now();
    let request = GenerateRequest::text_to_image(FLASH_25, "a fox [[fault:slow]]");
    let err = client.generate_with(&request, &call).expect_err("deadline");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_stream_times_out_on_silence_not_on_the_callers_pace() {
    let emu = emulator();
    // Google's bare route: no keep-alive comments fill a stalled body.
    let client = Client::builder()
        .api_key("test-key")
        .base_url(emu.url())
        .timeout(Duration::from_millis(1500))
        .build()
        .expect("client");

    // The caller dawdles longer than the timeout between events: nothing times out (the
    // 2 MB image spans many reads after the pause).
    let mut stream = client
        .stream(&GenerateRequest::text_to_image(PRO, "a cabin [[bytes:2m]]"))
        .expect("stream opens");
    let first = stream.next().expect("an event").expect("ok");
    assert_eq!(first.kind(), "thought_text");
    std::thread::sleep(Duration::from_millis(2000));
    let rest: Vec<&str> = (&mut stream)
        .map(|event| event.expect("no timeout").kind())
        .collect();
    assert_eq!(rest.last(), Some(&"done"));

    // The server goes silent for longer than the timeout mid-body: a timeout.
    let started = Instant::now();
    let request = GenerateRequest::text_to_image(PRO, "a fox [[fault:slow_body]] [[delay:6000]]");
    let outcome: Result<Vec<_>, _> = client
        .stream(&request)
        .and_then(|stream| stream.collect::<Result<Vec<_>, _>>());
    let err = outcome.expect_err("the silence times out");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_client_wide_retry_observer_hears_every_call_unless_the_call_brings_its_own() {
    let emu = emulator();
    let heard: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&heard);
    let client = builder(&emu)
        .0
        .on_retry(Arc::new(move |event: &RetryEvent| {
            sink.lock().unwrap().push(format!("client: {event}"));
        }))
        .build()
        .expect("client");
    let request = GenerateRequest::text_to_image(FLASH_25, "a fox [[fault:overloaded:1]]");
    client.generate(&request).expect("second attempt succeeds");
    let own: Arc<Mutex<Vec<String>>> = Arc::default();
    let own_sink = Arc::clone(&own);
    let call = CallOptions::new().with_on_retry(Arc::new(move |event: &RetryEvent| {
        own_sink.lock().unwrap().push(format!("call: {event}"));
    }));
    let request = GenerateRequest::text_to_image(FLASH_25, "a pear [[fault:overloaded:1]]");
    client
        .generate_with(&request, &call)
        .expect("second attempt succeeds");
    assert_eq!(
        heard.lock().unwrap().len(),
        1,
        "{:?}",
        heard.lock().unwrap()
    );
    assert_eq!(own.lock().unwrap().len(), 1);
    assert!(heard.lock().unwrap()[0].starts_with("client: server (503)"));
}
