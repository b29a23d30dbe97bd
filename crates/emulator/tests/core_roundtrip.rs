//! The emulator against the core's own request builder, response parser, stream parser
//! and conversation: what the SDK sends is accepted, and what the emulator answers parses
//! into the outcomes and error kinds the SDK promises.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use gemini_image_core::{
    ApiKey, AspectRatio, Call, Conversation, Endpoint, GenerateRequest, GenerateResponse,
    HttpRequest, ImageSize, Part, StreamParser, build_http_request, parse_response,
};
use gemini_image_emulator::Emulator;

fn send(req: &HttpRequest) -> Reply {
    let mut r = agent().post(&req.url);
    for (k, v) in &req.headers {
        r = r.header(k.as_str(), v.as_str());
    }
    read_reply(r.send(&req.body[..]).unwrap()).unwrap()
}

fn call(
    emu: &Emulator,
    req: &GenerateRequest,
    how: Call,
) -> Result<GenerateResponse, gemini_image_core::Error> {
    let endpoint = Endpoint::new(emu.gateway_url()).unwrap();
    let key = ApiKey::new(KEY).unwrap();
    let http = build_http_request(&endpoint, &key, req, how)?;
    let reply = send(&http);
    let headers = vec![("content-type".to_string(), reply.content_type.clone())];
    match how {
        Call::Generate => parse_response(reply.status, &headers, &reply.body),
        Call::Stream => {
            if reply.status != 200 {
                return parse_response(reply.status, &headers, &reply.body);
            }
            let mut parser = StreamParser::new();
            parser.feed(&reply.body)?;
            parser.finish().map(|(_, r)| r)
        }
    }
}

#[test]
fn core_requests_parse_into_images() {
    let emu = start();
    for how in [Call::Generate, Call::Stream] {
        for (model, ratio, size, want) in [
            (
                "gemini-2.5-flash-image",
                Some(AspectRatio::Landscape16x9),
                None,
                (1344, 768),
            ),
            (
                "gemini-3-pro-image-preview",
                Some(AspectRatio::Portrait3x4),
                Some(ImageSize::Size2K),
                (1792, 2400),
            ),
            (
                "gemini-3.1-flash-image-preview",
                None,
                Some(ImageSize::Size512),
                (512, 512),
            ),
        ] {
            let mut req = GenerateRequest::text_to_image(model, "a core round trip");
            if let Some(r) = ratio {
                req = req.with_aspect_ratio(r);
            }
            if let Some(s) = size {
                req = req.with_image_size(s);
            }
            let resp = call(&emu, &req, how).unwrap();
            let image = resp.image().expect("a final image");
            assert_eq!(image.dimensions(), Some(want), "{model}");
            let caps = gemini_image_core::model::capabilities(model).unwrap();
            assert_eq!(image.mime_type, caps.output_mime);
            if caps.thinks {
                assert!(!resp.thought_signatures().is_empty(), "{model}");
                assert_eq!(resp.thought_images().len(), 1, "{model}");
            }
        }
    }
}

#[test]
fn conversation_replays_signatures() {
    let emu = start();
    let mut conv = Conversation::new("gemini-3-pro-image-preview", Default::default());
    let req = conv.begin_turn(vec![Part::text("a cozy cabin")]).clone();
    let first = call(&emu, &req, Call::Generate).unwrap();
    conv.complete_turn(first).unwrap();
    let req = conv.begin_turn(vec![Part::text("make it daytime")]).clone();
    let second = call(&emu, &req, Call::Generate).unwrap();
    assert!(second.image().is_some());
    conv.complete_turn(second).unwrap();
    // Streamed turns keep their signatures too.
    let req = conv.begin_turn(vec![Part::text("add snow")]).clone();
    let third = call(&emu, &req, Call::Stream).unwrap();
    conv.complete_turn(third).unwrap();
    let req = conv.begin_turn(vec![Part::text("add a sled")]).clone();
    call(&emu, &req, Call::Stream).unwrap();
}

#[test]
fn faults_map_to_error_kinds() {
    let emu = start();
    let cases = [
        ("rate_limit", "rate_limited", true),
        ("budget", "quota_exhausted", false),
        ("credits", "quota_exhausted", false),
        ("overloaded", "server", true),
        ("internal", "server", true),
        ("deadline", "timeout", true),
        ("html_502", "server", true),
    ];
    for (fault, kind, retryable) in cases {
        let req = GenerateRequest::text_to_image(
            "gemini-3-pro-image-preview",
            format!("kinds [[fault:{fault}]]"),
        );
        let err = call(&emu, &req, Call::Generate).unwrap_err();
        assert_eq!(err.kind().as_str(), kind, "{fault}: {err:?}");
        assert_eq!(err.is_retryable(), retryable, "{fault}");
        if fault == "rate_limit" {
            assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(1)));
        }
    }
    for fault in [
        "image_safety",
        "prohibited",
        "no_image",
        "blocked",
        "refusal",
    ] {
        for how in [Call::Generate, Call::Stream] {
            let req = GenerateRequest::text_to_image(
                "gemini-3-pro-image-preview",
                format!("outcome [[fault:{fault}]]"),
            );
            let resp = call(&emu, &req, how).unwrap();
            let err = resp.require_image().unwrap_err();
            assert_eq!(err.kind().as_str(), "no_image", "{fault}");
        }
    }
    let req =
        GenerateRequest::text_to_image("gemini-3-pro-image-preview", "s [[fault:stream_error]]");
    let err = call(&emu, &req, Call::Stream).unwrap_err();
    assert_eq!(err.kind().as_str(), "server", "{err:?}");

    // Gateway auth and a server-side 400/404.
    let endpoint = Endpoint::new(emu.gateway_url()).unwrap();
    let key = ApiKey::new(KEY).unwrap();
    let req = GenerateRequest::text_to_image("gemini-2.5-flash-image", "no key");
    let mut http = build_http_request(&endpoint, &key, &req, Call::Generate).unwrap();
    http.headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case("x-goog-api-key"));
    let r = send(&http);
    let err = parse_response(r.status, &[], &r.body).unwrap_err();
    assert_eq!(err.kind().as_str(), "authentication");
    let req = GenerateRequest::text_to_image("gemini-9-unknown-image", "404");
    let http = build_http_request(&endpoint, &key, &req, Call::Generate).unwrap();
    let r = send(&http);
    let err = parse_response(r.status, &[], &r.body).unwrap_err();
    assert_eq!(err.kind().as_str(), "not_found");
}
