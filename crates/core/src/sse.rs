//! An incremental server-sent-events decoder: feed byte chunks of any size, get event
//! payloads. Linear in the stream length; an event may be tens of MB.
//!
//! Memory: a big event's bytes are held once. The line being received grows in the read
//! buffer; when it turns out to be an event's first `data:` line, the buffer itself becomes
//! the payload (no copy: the payload is a [`Bytes`] view past the `data:` prefix), and the
//! decoder starts over with a small buffer, so it never
//! keeps the capacity of its biggest event. One event may not exceed a cap
//! ([`DEFAULT_MAX_EVENT_BYTES`] unless set), so a hostile or broken stream cannot make it
//! buffer without end.

use bytes::Bytes;

use crate::error::{Error, TransportFailure};

/// The default cap on one event's size (256 MiB, the client's default response limit).
pub const DEFAULT_MAX_EVENT_BYTES: usize = 256 * 1024 * 1024;

/// A line at least this long is handed over rather than copied.
const HAND_OVER_BYTES: usize = 64 * 1024;

/// Decodes an SSE byte stream into event payloads (`data:` lines joined by `\n`).
///
/// Comment lines (`: keep-alive`) and `event:`/`id:`/`retry:` fields are ignored. A raw JSON
/// object written without `data:` (how an error can arrive after a 200) is passed through
/// as a payload of its own.
#[derive(Debug)]
pub struct SseDecoder {
    buffer: Vec<u8>,
    /// Bytes of `buffer` already searched for a newline.
    scanned: usize,
    data: Vec<u8>,
    /// Where the payload starts in `data` (past the `data:` prefix of a handed-over line).
    data_start: usize,
    has_data: bool,
    raw: bool,
    max_event_bytes: usize,
}

impl Default for SseDecoder {
    fn default() -> Self {
        SseDecoder::with_max_event_bytes(DEFAULT_MAX_EVENT_BYTES)
    }
}

impl SseDecoder {
    /// A new decoder with the default cap on one event ([`DEFAULT_MAX_EVENT_BYTES`]).
    pub fn new() -> Self {
        SseDecoder::default()
    }

    /// A new decoder refusing any event longer than `max_event_bytes`.
    pub fn with_max_event_bytes(max_event_bytes: usize) -> Self {
        SseDecoder {
            buffer: Vec::new(),
            scanned: 0,
            data: Vec::new(),
            data_start: 0,
            has_data: false,
            raw: false,
            max_event_bytes,
        }
    }

    /// Feeds a chunk; returns the payloads of the events it completed, or a
    /// `response_too_large` error when the event being received passes the cap (the
    /// decoder is then unusable: the stream should be dropped).
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<Bytes>, Error> {
        let mut events = Vec::new();
        self.buffer.extend_from_slice(chunk);
        let mut consumed = 0;
        while let Some(offset) = memchr::memchr(b'\n', &self.buffer[self.scanned..]) {
            let end = self.scanned + offset;
            let line_start = consumed;
            consumed = end + 1;
            self.scanned = consumed;
            let mut line_end = end;
            if line_end > line_start && self.buffer[line_end - 1] == b'\r' {
                line_end -= 1;
            }
            if let Some(value_start) = self.first_data_value(line_start, line_end) {
                // Hand the buffer over as the payload; the bytes after the line start a
                // new, small buffer.
                let tail = self.buffer.split_off(consumed);
                let mut payload = std::mem::replace(&mut self.buffer, tail);
                payload.truncate(line_end);
                self.data = payload;
                self.data_start = value_start;
                self.has_data = true;
                consumed = 0;
                self.scanned = 0;
                continue;
            }
            let buffer = std::mem::take(&mut self.buffer);
            self.line(&buffer[line_start..line_end], &mut events);
            self.buffer = buffer;
        }
        if consumed > 0 {
            self.buffer.drain(..consumed);
        }
        self.scanned = self.buffer.len();
        if self.buffer.capacity() > 4 * HAND_OVER_BYTES && self.buffer.len() < HAND_OVER_BYTES {
            self.buffer.shrink_to(HAND_OVER_BYTES);
        }
        let pending = self.data.len() - self.data_start + self.buffer.len();
        if pending > self.max_event_bytes {
            self.buffer = Vec::new();
            self.data = Vec::new();
            self.data_start = 0;
            return Err(Error::transport(
                TransportFailure::ResponseTooLarge,
                format!(
                    "a stream event is larger than the limit of {} bytes; raise the response size limit if this is expected",
                    self.max_event_bytes
                ),
            ));
        }
        Ok(events)
    }

    /// Where the value of a long `data:` line starting an event begins, when the line is
    /// worth handing over instead of copying.
    fn first_data_value(&self, line_start: usize, line_end: usize) -> Option<usize> {
        if self.has_data || self.raw || line_end - line_start < HAND_OVER_BYTES {
            return None;
        }
        let line = &self.buffer[line_start..line_end];
        let value = line.strip_prefix(b"data:")?;
        let skip = usize::from(value.first() == Some(&b' '));
        Some(line_start + 5 + skip)
    }

    /// Ends the stream: returns the last event if it was not terminated by a blank line.
    pub fn finish(&mut self) -> Option<Bytes> {
        let mut events = Vec::new();
        if !self.buffer.is_empty() {
            let rest = std::mem::take(&mut self.buffer);
            let rest = rest.strip_suffix(b"\r").unwrap_or(&rest);
            self.line(rest, &mut events);
        }
        self.scanned = 0;
        self.dispatch(&mut events);
        events.pop()
    }

    fn line(&mut self, line: &[u8], events: &mut Vec<Bytes>) {
        if line.is_empty() {
            self.dispatch(events);
            return;
        }
        if self.raw {
            self.data.push(b'\n');
            self.data.extend_from_slice(line);
            return;
        }
        if line[0] == b':' {
            return;
        }
        if !self.has_data && matches!(line[0], b'{' | b'[') {
            self.raw = true;
            self.has_data = true;
            self.data.extend_from_slice(line);
            return;
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        if field == b"data" {
            if self.has_data {
                self.data.push(b'\n');
            }
            self.data.extend_from_slice(value);
            self.has_data = true;
        }
    }

    fn dispatch(&mut self, events: &mut Vec<Bytes>) {
        if self.has_data {
            events.push(Bytes::from(std::mem::take(&mut self.data)).slice(self.data_start..));
        }
        self.data = Vec::new();
        self.data_start = 0;
        self.has_data = false;
        self.raw = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(stream: &[u8], piece: usize) -> Vec<Bytes> {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        for chunk in stream.chunks(piece) {
            out.extend(decoder.feed(chunk).unwrap());
        }
        out.extend(decoder.finish());
        out
    }

    #[test]
    fn splits_events_any_chunking() {
        let stream = b": keep-alive\r\n\r\ndata: {\"a\":1}\r\n\r\nevent: x\ndata: {\"b\":\ndata: 2}\n\n{\"error\":{\"code\":503}}\n\ndata: last";
        let expected: Vec<Vec<u8>> = vec![
            b"{\"a\":1}".to_vec(),
            b"{\"b\":\n2}".to_vec(),
            b"{\"error\":{\"code\":503}}".to_vec(),
            b"last".to_vec(),
        ];
        for piece in [1, 2, 3, 7, 1000] {
            assert_eq!(decode_in_pieces(stream, piece), expected, "piece {piece}");
        }
    }

    #[test]
    fn pretty_printed_raw_error() {
        let stream = b"data: {}\n\n{\n  \"error\": {\"code\": 500}\n}\n";
        let events = decode_in_pieces(stream, 5);
        assert_eq!(events[1], b"{\n  \"error\": {\"code\": 500}\n}"[..]);
    }

    #[test]
    fn big_event_is_linear() {
        let mut stream = b"data: ".to_vec();
        stream.extend(std::iter::repeat_n(b'A', 8 << 20));
        stream.extend_from_slice(b"\n\n");
        let events = decode_in_pieces(&stream, 16 * 1024);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].len(), 8 << 20);
    }

    #[test]
    fn a_big_event_is_handed_over_and_the_buffer_shrinks_back() {
        let mut stream = b"data: {\"a\":\"".to_vec();
        stream.extend(std::iter::repeat_n(b'A', 1 << 20));
        stream.extend_from_slice(b"\"}\r\ndata: second line\r\n\r\ndata: small\n\n");
        for piece in [1000, 64 * 1024, 1 << 21] {
            let mut decoder = SseDecoder::new();
            let mut events = Vec::new();
            for chunk in stream.chunks(piece) {
                events.extend(decoder.feed(chunk).unwrap());
            }
            assert_eq!(events.len(), 2, "piece {piece}");
            assert!(events[0].starts_with(b"{\"a\":\"AAA"));
            assert!(events[0].ends_with(b"\"}\nsecond line"));
            assert_eq!(events[0].len(), 8 + (1 << 20) + 12);
            assert_eq!(events[1], b"small"[..]);
            assert!(
                decoder.buffer.capacity() <= 4 * HAND_OVER_BYTES,
                "piece {piece}"
            );
            assert_eq!(decoder.data.capacity(), 0);
        }
    }

    #[test]
    fn an_event_past_the_cap_is_a_typed_error() {
        let mut decoder = SseDecoder::with_max_event_bytes(1000);
        assert_eq!(
            decoder.feed(b"data: small\n\n").unwrap(),
            vec![b"small".to_vec()]
        );
        let err = decoder
            .feed(&[b'x'; 600])
            .and_then(|_| decoder.feed(&[b'x'; 600]));
        let err = err.unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::ResponseTooLarge, "{err}");
        assert!(err.to_string().contains("1000"), "{err}");
    }
}
