//! Throughput of the hot paths: parsing + base64-decoding responses that carry 1, 8 and
//! 20 MB images (whole, and fed in 64 KiB chunks to the incremental `BodyReader`), streaming the same through the SSE parser, and building an 8 MB edit
//! request. Results are written down in `docs/benchmarks.md`.
#![allow(clippy::unwrap_used)] // a benchmark input that fails to parse is a bug: stop loudly

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gemini_image_core::{
    ApiKey, Blob, BodyReader, Call, Endpoint, GenerateRequest, StreamParser, build_http_request,
    parse_response,
};

/// Deterministic, incompressible-looking bytes that start like a PNG.
fn image_bytes(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out: Vec<u8> = b"\x89PNG\r\n\x1a\n".to_vec();
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn response_body(image_len: usize) -> Vec<u8> {
    let data = gemini_image_core::base64::encode(&image_bytes(image_len));
    format!(
        r#"{{"candidates":[{{"content":{{"role":"model","parts":[{{"text":"Here is your image: "}},{{"inlineData":{{"mimeType":"image/png","data":"{data}"}}}}]}},"finishReason":"STOP","index":0}}],"usageMetadata":{{"promptTokenCount":16,"candidatesTokenCount":1296,"totalTokenCount":1312}},"modelVersion":"gemini-2.5-flash-image","responseId":"bench"}}"#
    )
    .into_bytes()
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_response");
    group.sample_size(20);
    for mb in [1usize, 8, 20] {
        let body = response_body(mb << 20);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{mb}MB")),
            &body,
            |b, body| {
                b.iter(|| {
                    let response = parse_response(200, &[], black_box(body)).unwrap();
                    black_box(response.into_images())
                })
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("body_reader_64k_chunks");
    group.sample_size(20);
    for mb in [1usize, 8, 20] {
        let body = response_body(mb << 20);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{mb}MB")),
            &body,
            |b, body| {
                b.iter(|| {
                    let mut reader = BodyReader::new();
                    for chunk in black_box(body).chunks(64 * 1024) {
                        reader.feed(chunk).unwrap();
                    }
                    black_box(reader.finish(200).unwrap().into_images())
                })
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("stream_parse");
    group.sample_size(20);
    {
        let mb = 8usize;
        let mut sse = b"data: ".to_vec();
        sse.extend_from_slice(&response_body(mb << 20));
        sse.extend_from_slice(b"\r\n\r\n");
        group.throughput(Throughput::Bytes(sse.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{mb}MB")),
            &sse,
            |b, sse| {
                b.iter(|| {
                    let mut parser = StreamParser::new();
                    for chunk in sse.chunks(64 * 1024) {
                        black_box(parser.feed(chunk).unwrap());
                    }
                    black_box(parser.finish().unwrap())
                })
            },
        );
    }
    group.finish();
}

fn build(c: &mut Criterion) {
    let mut group = c.benchmark_group("build_http_request");
    group.sample_size(20);
    let image = image_bytes(8 << 20);
    let request = GenerateRequest::edit(
        "gemini-3-pro-image-preview",
        [Blob::new(image, "image/png")],
        "Replace the sky with a dramatic sunset",
    );
    let key = ApiKey::new("bench-key").unwrap();
    let endpoint = Endpoint::gateway();
    group.throughput(Throughput::Bytes(8 << 20));
    group.bench_function("edit_8MB", |b| {
        b.iter(|| {
            black_box(
                build_http_request(&endpoint, &key, black_box(&request), Call::Generate).unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, parse, build);
criterion_main!(benches);
