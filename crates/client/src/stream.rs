//! Streaming: [`Client::stream`] and the [`ImageStream`] iterator.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use gemini_image_core::{
    Call, Error, GenerateRequest, GenerateResponse, StreamEvent, StreamParser, parse_response,
};

use crate::call::{CallOptions, CancelToken};
use crate::client::{CallInfo, Client};
use crate::transport;

impl Client {
    /// Starts a streaming generation (`:streamGenerateContent?alt=sse`) and returns once
    /// the first body bytes arrived. The client's timeout bounds the wait for the response
    /// and then each silence between two pieces of the body (an idle timeout), never the
    /// time the caller takes between events. Attempts that fail before that (HTTP errors, refused
    /// or dropped connections, timeouts) are retried per the policy; once the body has
    /// started, nothing is retried.
    ///
    /// The stream reads the body incrementally, yielding each [`StreamEvent`] (thought
    /// text, thought images, text, final images) as soon as its bytes are in; call
    /// [`ImageStream::finish`] for the merged response.
    ///
    /// ```no_run
    /// # let client = gemini_image::Client::from_env()?;
    /// use gemini_image::{GenerateRequest, StreamEvent};
    /// let request = GenerateRequest::text_to_image("gemini-3-pro-image-preview", "a cabin in the woods");
    /// let mut stream = client.stream(&request)?;
    /// for event in &mut stream {
    ///     match event? {
    ///         StreamEvent::ThoughtText(text) => eprintln!("thinking: {text}"),
    ///         StreamEvent::ThoughtImage(draft) => eprintln!("draft: {} bytes", draft.data.len()),
    ///         StreamEvent::Text(text) => println!("{text}"),
    ///         StreamEvent::Image(image) => std::fs::write("cabin.jpg", &image.data)?,
    ///         StreamEvent::Done(summary) => eprintln!("done: {:?}", summary.finish_reason),
    ///         _ => {}
    ///     }
    /// }
    /// let response = stream.finish()?; // merged; errors with `no_image` if there was none
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stream(&self, request: &GenerateRequest) -> Result<ImageStream, Error> {
        self.stream_info_with(request, &CallOptions::default()).0
    }

    /// [`Client::stream`] under per-call controls ([`CallOptions`]): the cancel token also
    /// stops the stream between two reads (see [`ImageStream::cancel_token`]); the deadline
    /// bounds opening it.
    pub fn stream_with(
        &self,
        request: &GenerateRequest,
        options: &CallOptions,
    ) -> Result<ImageStream, Error> {
        self.stream_info_with(request, options).0
    }

    /// [`Client::stream`] plus [`CallInfo`] for the opening of the stream, also when it
    /// failed (on success the same info is in [`ImageStream::info`]).
    pub fn stream_with_info(
        &self,
        request: &GenerateRequest,
    ) -> (Result<ImageStream, Error>, CallInfo) {
        self.stream_info_with(request, &CallOptions::default())
    }

    /// [`Client::stream_with`] plus [`CallInfo`].
    pub fn stream_info_with(
        &self,
        request: &GenerateRequest,
        options: &CallOptions,
    ) -> (Result<ImageStream, Error>, CallInfo) {
        let inner = &self.inner;
        let (result, info) =
            self.build_and_retry(request, Call::Stream, options, |http, timeout| {
                // The client's timeout bounds the wait for the headers (cut by a deadline)
                // and then each gap between two pieces of the body, not the whole stream.
                let limit = transport::Limit::Stream {
                    headers: timeout.unwrap_or(inner.timeout),
                    idle: inner.timeout,
                };
                let response = transport::send(&inner.agent, http, &inner.user_agent, limit)?;
                let (status, headers) = transport::head(&response);
                let body = response.into_body();
                if !(200..300).contains(&status) {
                    let body = transport::read_error_body(body)?;
                    return Err(match parse_response(status, &headers, &body) {
                        Err(err) => err,
                        // A 1xx/3xx that parse_response did not reject: not a stream.
                        Ok(_) => Error::decode(
                            format!("expected an event stream, got HTTP {status}"),
                            Some(status),
                        ),
                    });
                }
                let mut reader = body
                    .into_with_config()
                    .limit(inner.max_response_bytes)
                    .reader();
                // Read the first bytes here, so that a failure before them is retried.
                let mut first = vec![0u8; transport::READ_CHUNK];
                let n = transport::read_retrying_interrupts(&mut reader, &mut first)?;
                first.truncate(n);
                Ok((reader, first, n == 0))
            });
        let (reader, first, eof) = match result {
            Ok(opened) => opened,
            Err(err) => return (Err(err), info),
        };
        let mut stream = ImageStream {
            reader: Some(reader),
            parser: Some(stream_parser(
                usize::try_from(inner.max_response_bytes).unwrap_or(usize::MAX),
                options,
            )),
            pending: VecDeque::new(),
            buffer: vec![0u8; transport::READ_CHUNK],
            merged: None,
            failed: None,
            reported: false,
            key: inner.key.expose().to_string(),
            info: info.clone(),
            cancel: options.cancel.clone().unwrap_or_default(),
        };
        stream.feed(&first);
        if eof {
            stream.end();
        }
        (Ok(stream), info)
    }
}

/// The parser of one stream: events capped at `max_event_bytes`, images decoded into the
/// call's allocator if it has one.
fn stream_parser(max_event_bytes: usize, options: &CallOptions) -> StreamParser {
    let parser = StreamParser::with_max_event_bytes(max_event_bytes);
    match &options.image_allocator {
        Some(allocator) => parser.with_image_allocator(Arc::clone(allocator)),
        None => parser,
    }
}

/// The events of a streaming generation, read from the body as they arrive.
///
/// An `Iterator<Item = Result<StreamEvent, Error>>`: after an `Err` (a transport failure,
/// an error event sent by the server, an undecodable chunk) it ends. The body is read in
/// 64 KiB pieces; events are yielded as soon as they are complete. Each image is held once:
/// its event and the merged response share one buffer ([`Blob::data`](gemini_image_core::Blob::data) is a
/// reference-counted [`Bytes`](gemini_image_core::Bytes)).
///
/// [`ImageStream::finish`] drains what is left and returns the merged response.
pub struct ImageStream {
    reader: Option<ureq::BodyReader<'static>>,
    parser: Option<StreamParser>,
    pending: VecDeque<StreamEvent>,
    buffer: Vec<u8>,
    merged: Option<GenerateResponse>,
    failed: Option<Error>,
    reported: bool,
    key: String,
    info: CallInfo,
    cancel: CancelToken,
}

impl fmt::Debug for ImageStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageStream")
            .field("open", &self.reader.is_some())
            .field("pending_events", &self.pending.len())
            .field("failed", &self.failed)
            .field("info", &self.info)
            .finish()
    }
}

impl ImageStream {
    /// How the stream was opened: attempts (retries happen only before the first body
    /// byte) and the time until the body started.
    pub fn info(&self) -> &CallInfo {
        &self.info
    }

    /// The token that stops this stream between two reads, from any thread (the one passed
    /// in [`CallOptions`], or the stream's own). After a cancel the stream ends with kind
    /// `cancelled`.
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// The number of HTTP attempts made to open the stream.
    pub fn attempts(&self) -> u32 {
        self.info.attempts
    }

    /// Reads the rest of the stream (dropping the events not yet taken) and returns the
    /// merged response: parts in order, the last finish reason and usage, every thought
    /// signature. Requires a final image, like [`Client::generate`]: without one the
    /// result is [`Error::NoImage`]. If the stream failed, that error is returned.
    pub fn finish(mut self) -> Result<GenerateResponse, Error> {
        self.pending.clear();
        while self.reader.is_some() {
            self.pump();
            self.pending.clear();
        }
        if let Some(err) = self.failed.take() {
            return Err(err);
        }
        match self.merged.take() {
            Some(response) => response.require_image().map_err(|e| e.redact(&self.key)),
            None => Err(Error::decode(
                "the stream ended without a response",
                Some(200),
            )),
        }
    }

    /// Like [`ImageStream::finish`], but returns a merged response without an image as it
    /// came (`Ok`).
    pub fn finish_raw(mut self) -> Result<GenerateResponse, Error> {
        self.pending.clear();
        while self.reader.is_some() {
            self.pump();
            self.pending.clear();
        }
        if let Some(err) = self.failed.take() {
            return Err(err);
        }
        self.merged
            .take()
            .ok_or_else(|| Error::decode("the stream ended without a response", Some(200)))
    }

    /// Feeds body bytes to the parser. Events that precede an error in the same bytes are
    /// queued first; the parser keeps that error for its next call, which is made at once
    /// (with no bytes) so the error is not held back until more body arrives.
    fn feed(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let Some(parser) = self.parser.as_mut() else {
            return;
        };
        let result = parser.feed(bytes).and_then(|events| {
            self.pending.extend(events);
            parser.feed(&[])
        });
        match result {
            Ok(events) => self.pending.extend(events),
            // Events already queued are still yielded before the error.
            Err(err) => self.fail(err),
        }
    }

    /// The body ended: flush the parser.
    fn end(&mut self) {
        self.reader = None;
        if let Some(parser) = self.parser.take() {
            match parser.finish() {
                Ok((events, merged)) => {
                    self.pending.extend(events);
                    self.pending
                        .push_back(StreamEvent::Done(Box::new(merged.summary())));
                    self.merged = Some(merged);
                }
                Err(err) => self.fail(err),
            }
        }
    }

    fn fail(&mut self, err: Error) {
        self.reader = None;
        self.parser = None;
        self.failed = Some(err.redact(&self.key));
    }

    /// Reads one piece of the body.
    fn pump(&mut self) {
        if self.cancel.is_cancelled() && self.reader.is_some() {
            self.fail(Error::cancelled("the stream was cancelled"));
            return;
        }
        let Some(reader) = self.reader.as_mut() else {
            return;
        };
        let mut buffer = std::mem::take(&mut self.buffer);
        match transport::read_retrying_interrupts(reader, &mut buffer) {
            Ok(0) => self.end(),
            Ok(n) => self.feed(&buffer[..n]),
            Err(err) => self.fail(err),
        }
        self.buffer = buffer;
    }
}

impl Iterator for ImageStream {
    type Item = Result<StreamEvent, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(Ok(event));
            }
            if self.reader.is_none() {
                // A failure is reported once; `finish` reports it again.
                return match &self.failed {
                    Some(err) if !self.reported => {
                        self.reported = true;
                        Some(Err(err.clone()))
                    }
                    _ => None,
                };
            }
            self.pump();
        }
    }
}
