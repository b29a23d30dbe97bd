//! Streaming: turns SSE payloads into typed events and merges the chunks into one response.

use std::fmt;
use std::sync::Arc;

use crate::body::{ImageAllocator, parse_response_into};
use crate::content::{Blob, Content, Part, PartData, ROLE_MODEL};
use crate::error::Error;
use crate::response::{Candidate, GenerateResponse, ImageOutput};
use crate::sse::SseDecoder;

/// Something that arrived on a stream, part by part.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum StreamEvent {
    /// A thought summary (Gemini 3).
    ThoughtText(String),
    /// An interim thought image (Gemini 3).
    ThoughtImage(Blob),
    /// Model commentary.
    Text(String),
    /// A final image.
    Image(Blob),
    /// The stream ended normally: everything but the images (finish reason and message,
    /// block reason, usage, model version, response id, the whole text and thoughts), as
    /// [`GenerateResponse::summary`] gives it. Sent last by the client's stream; a
    /// [`StreamParser`] user builds it from the merged response.
    Done(Box<ImageOutput>),
}

impl StreamEvent {
    /// `thought_text`, `thought_image`, `text`, `image` or `done` (as in the shared test
    /// vectors).
    pub fn kind(&self) -> &'static str {
        match self {
            StreamEvent::ThoughtText(_) => "thought_text",
            StreamEvent::ThoughtImage(_) => "thought_image",
            StreamEvent::Text(_) => "text",
            StreamEvent::Image(_) => "image",
            StreamEvent::Done(_) => "done",
        }
    }
}

/// Parses one SSE payload: a chunk, or the error it carries.
pub fn parse_stream_event(payload: &[u8]) -> Result<GenerateResponse, Error> {
    GenerateResponse::from_json(payload)
}

/// Merges stream chunks into one response: parts appended in order (adjacent text pieces
/// joined; a signature on a trailing empty-text part kept), the last finish reason, usage
/// and safety ratings, the first prompt feedback, model version and response id.
#[derive(Debug, Default)]
pub struct StreamAccumulator {
    merged: GenerateResponse,
}

impl StreamAccumulator {
    /// A new, empty accumulator.
    pub fn new() -> Self {
        StreamAccumulator::default()
    }

    /// Adds a chunk; returns its events (one per non-empty part).
    pub fn push(&mut self, chunk: GenerateResponse) -> Vec<StreamEvent> {
        let mut events = Vec::new();
        let merged = &mut self.merged;
        if merged.prompt_feedback.is_none() {
            merged.prompt_feedback = chunk.prompt_feedback;
        }
        if chunk.usage_metadata.is_some() {
            merged.usage_metadata = chunk.usage_metadata;
        }
        if merged.model_version.is_none() {
            merged.model_version = chunk.model_version;
        }
        if merged.response_id.is_none() {
            merged.response_id = chunk.response_id;
        }
        for candidate in chunk.candidates {
            let index = candidate.index.unwrap_or(0);
            let position = merged
                .candidates
                .iter()
                .position(|c| c.index.unwrap_or(0) == index);
            let target = match position {
                Some(i) => &mut merged.candidates[i],
                None => {
                    merged.candidates.push(Candidate {
                        index: candidate.index,
                        ..Candidate::default()
                    });
                    let last = merged.candidates.len() - 1;
                    &mut merged.candidates[last]
                }
            };
            merge_candidate(target, candidate, &mut events);
        }
        events
    }

    /// The merged response so far.
    pub fn response(&self) -> &GenerateResponse {
        &self.merged
    }

    /// The merged response.
    pub fn finish(self) -> GenerateResponse {
        self.merged
    }
}

fn merge_candidate(target: &mut Candidate, incoming: Candidate, events: &mut Vec<StreamEvent>) {
    if incoming.finish_reason.is_some() {
        target.finish_reason = incoming.finish_reason;
    }
    if incoming.finish_message.is_some() {
        target.finish_message = incoming.finish_message;
    }
    if !incoming.safety_ratings.is_empty() {
        target.safety_ratings = incoming.safety_ratings;
    }
    if incoming.grounding_metadata.is_some() {
        target.grounding_metadata = incoming.grounding_metadata;
    }
    if incoming.citation_metadata.is_some() {
        target.citation_metadata = incoming.citation_metadata;
    }
    let Some(content) = incoming.content else {
        return;
    };
    let parts = &mut target
        .content
        .get_or_insert_with(|| Content {
            role: Some(ROLE_MODEL.to_string()),
            parts: Vec::new(),
        })
        .parts;
    for part in content.parts {
        if let Some(event) = event_for(&part) {
            events.push(event);
        }
        append_part(parts, part);
    }
}

fn event_for(part: &Part) -> Option<StreamEvent> {
    match (&part.data, part.thought) {
        (PartData::Text(text), _) if text.is_empty() => None,
        (PartData::Text(text), true) => Some(StreamEvent::ThoughtText(text.clone())),
        (PartData::Text(text), false) => Some(StreamEvent::Text(text.clone())),
        (PartData::InlineData(blob), true) => Some(StreamEvent::ThoughtImage(blob.clone())),
        (PartData::InlineData(blob), false) => Some(StreamEvent::Image(blob.clone())),
        _ => None,
    }
}

fn append_part(parts: &mut Vec<Part>, part: Part) {
    if let PartData::Text(text) = &part.data {
        if let Some(previous) = parts.last_mut() {
            let joinable = previous.thought == part.thought
                && !(previous.thought_signature.is_some() && part.thought_signature.is_some());
            if let (PartData::Text(previous_text), true) = (&mut previous.data, joinable) {
                previous_text.push_str(text);
                if previous.thought_signature.is_none() {
                    previous.thought_signature = part.thought_signature;
                }
                return;
            }
        }
        if text.is_empty() && part.thought_signature.is_none() {
            return;
        }
    }
    parts.push(part);
}

/// Parses one SSE payload as [`parse_stream_event`] does, decoding its images straight
/// into buffers from `allocator` (see [`parse_response_into`]).
pub fn parse_stream_event_into(
    payload: &[u8],
    allocator: &Arc<dyn ImageAllocator>,
) -> Result<GenerateResponse, Error> {
    parse_response_into(200, &[], payload, allocator)
}

/// SSE bytes in, events and the merged response out: the decoder, event parsing and the
/// accumulator in one loop, for transports that read a body in chunks.
#[derive(Default)]
pub struct StreamParser {
    decoder: SseDecoder,
    accumulator: StreamAccumulator,
    chunks: usize,
    /// An error met after events in the same read: those events are returned first.
    pending_error: Option<Error>,
    /// Where event images are decoded into (`None`: Rust `Vec`s).
    allocator: Option<Arc<dyn ImageAllocator>>,
}

impl fmt::Debug for StreamParser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamParser")
            .field("decoder", &self.decoder)
            .field("accumulator", &self.accumulator)
            .field("chunks", &self.chunks)
            .field("pending_error", &self.pending_error)
            .field("allocator", &self.allocator.as_ref().map(|_| "<allocator>"))
            .finish()
    }
}

impl StreamParser {
    /// A new parser (one event may be up to
    /// [`DEFAULT_MAX_EVENT_BYTES`](crate::DEFAULT_MAX_EVENT_BYTES)).
    pub fn new() -> Self {
        StreamParser::default()
    }

    /// A new parser refusing any event longer than `max_event_bytes` (kind
    /// `response_too_large`).
    pub fn with_max_event_bytes(max_event_bytes: usize) -> Self {
        StreamParser {
            decoder: SseDecoder::with_max_event_bytes(max_event_bytes),
            ..StreamParser::default()
        }
    }

    /// Decodes each event's images straight into buffers from `allocator` (see
    /// [`ImageAllocator`]).
    #[must_use]
    pub fn with_image_allocator(mut self, allocator: Arc<dyn ImageAllocator>) -> Self {
        self.allocator = Some(allocator);
        self
    }

    /// Feeds body bytes; returns the events completed by them, or the stream's error.
    /// Events that precede an error in the same bytes are returned first; the error comes
    /// on the next call, so a transport that got events should call `feed(&[])` before it
    /// blocks on the next read.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<StreamEvent>, Error> {
        if let Some(error) = self.pending_error.take() {
            return Err(error);
        }
        let payloads = self.decoder.feed(bytes)?;
        self.absorb(payloads)
    }

    /// Ends the stream: the merged response (which may have no image — see
    /// [`GenerateResponse::require_image`]), plus any events of an unterminated last event.
    pub fn finish(mut self) -> Result<(Vec<StreamEvent>, GenerateResponse), Error> {
        if let Some(error) = self.pending_error.take() {
            return Err(error);
        }
        let last = self.decoder.finish();
        let events = self.absorb(last.into_iter().collect())?;
        if let Some(error) = self.pending_error.take() {
            return Err(error);
        }
        if self.chunks == 0 {
            return Err(Error::decode(
                "the stream ended without any event; the connection may have been cut",
                Some(200),
            ));
        }
        Ok((events, self.accumulator.finish()))
    }

    fn absorb(&mut self, payloads: Vec<bytes::Bytes>) -> Result<Vec<StreamEvent>, Error> {
        let mut events = Vec::new();
        for payload in payloads {
            if payload.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let parsed = match &self.allocator {
                Some(allocator) => parse_stream_event_into(&payload, allocator),
                None => parse_stream_event(&payload),
            };
            let chunk = match parsed {
                Ok(chunk) => chunk,
                Err(error) if events.is_empty() => return Err(error),
                Err(error) => {
                    self.pending_error = Some(error);
                    return Ok(events);
                }
            };
            self.chunks += 1;
            events.extend(self.accumulator.push(chunk));
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_merges_with_trailing_signature() {
        let stream = concat!(
            "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"plan\",\"thought\":true}]},\"index\":0}],\"responseId\":\"r\"}\r\n\r\n",
            ": keep-alive\r\n\r\n",
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/jpeg\",\"data\":\"AAE=\"},\"thought\":true}]}}]}\r\n\r\n",
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Here\"}]}}]}\r\n\r\n",
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/jpeg\",\"data\":\"AAEC\"},\"thoughtSignature\":\"B\"}]}}]}\r\n\r\n",
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\",\"thoughtSignature\":\"C\"}]},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"totalTokenCount\":9}}\r\n\r\n",
        );
        let mut parser = StreamParser::new();
        let mut kinds = Vec::new();
        for piece in stream.as_bytes().chunks(13) {
            kinds.extend(parser.feed(piece).unwrap().iter().map(StreamEvent::kind));
        }
        let (rest, response) = parser.finish().unwrap();
        assert!(rest.is_empty());
        assert_eq!(kinds, ["thought_text", "thought_image", "text", "image"]);
        assert_eq!(response.thought_signatures(), ["B", "C"]);
        assert_eq!(response.images().len(), 1);
        assert_eq!(response.text(), "Here");
        assert_eq!(response.response_id.as_deref(), Some("r"));
        assert_eq!(response.finish_reason().unwrap().as_str(), "STOP");
    }

    /// Feeds `stream` in 13-byte pieces; every event, then the merged response.
    fn run(mut parser: StreamParser, stream: &[u8]) -> (Vec<StreamEvent>, GenerateResponse) {
        let mut events = Vec::new();
        for piece in stream.chunks(13) {
            events.extend(parser.feed(piece).unwrap());
        }
        let (rest, response) = parser.finish().unwrap();
        events.extend(rest);
        (events, response)
    }

    #[test]
    fn an_allocator_gets_the_same_events_and_response() {
        let stream = concat!(
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/jpeg\",\"data\":\"AAE=\"},\"thought\":true}]}}]}\r\n\r\n",
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Here\"}]}}]}\r\n\r\n",
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"iVBORw0KGgo=\"},\"thoughtSignature\":\"B\"}]},\"finishReason\":\"STOP\"}]}\r\n\r\n",
        );
        let plain = run(StreamParser::new(), stream.as_bytes());
        let allocator: Arc<dyn ImageAllocator> = Arc::new(crate::VecAllocator);
        let allocated = run(
            StreamParser::new().with_image_allocator(allocator.clone()),
            stream.as_bytes(),
        );
        assert_eq!(plain, allocated);
        let error = b"data: {\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}\n\n";
        let mut parser = StreamParser::new().with_image_allocator(allocator);
        let err = parser.feed(error).unwrap_err();
        assert_eq!(err.kind().as_str(), "server");
        assert_eq!(err.http_status(), Some(503));
    }

    #[test]
    fn an_image_event_and_the_merged_response_share_one_buffer() {
        let mut parser = StreamParser::new();
        let events = parser
            .feed(b"data: {\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"iVBORw0KGgo=\"}}]},\"finishReason\":\"STOP\"}]}\n\n")
            .unwrap();
        let (_, response) = parser.finish().unwrap();
        let [StreamEvent::Image(event)] = &events[..] else {
            panic!("expected one image event, got {events:?}");
        };
        let merged = &response.images()[0];
        assert_eq!(event.data, merged.data);
        assert_eq!(
            event.data.as_ptr(),
            merged.data.as_ptr(),
            "the image was copied"
        );
    }

    #[test]
    fn error_mid_stream() {
        let mut parser = StreamParser::new();
        let events = parser
            .feed(b"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hm\",\"thought\":true}]}}]}\n\n{\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}\n\n")
            .unwrap();
        assert_eq!(events.len(), 1, "events before the error come first");
        let err = parser.feed(b"data: {}\n\n").unwrap_err();
        assert_eq!(err.kind().as_str(), "server");
        assert_eq!(err.http_status(), Some(503));
        assert!(StreamParser::new().finish().is_err());
    }
}
