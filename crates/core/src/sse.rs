//! An incremental server-sent-events decoder: feed byte chunks of any size, get event
//! payloads. Linear in the stream length; an event may be tens of MB.

/// Decodes an SSE byte stream into event payloads (`data:` lines joined by `\n`).
///
/// Comment lines (`: keep-alive`) and `event:`/`id:`/`retry:` fields are ignored. A raw JSON
/// object written without `data:` (how an error can arrive after a 200) is passed through
/// as a payload of its own.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buffer: Vec<u8>,
    /// Bytes of `buffer` already searched for a newline.
    scanned: usize,
    data: Vec<u8>,
    has_data: bool,
    raw: bool,
}

impl SseDecoder {
    /// A new decoder.
    pub fn new() -> Self {
        SseDecoder::default()
    }

    /// Feeds a chunk; returns the payloads of the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Vec<u8>> {
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
            let line = std::mem::take(&mut self.buffer);
            self.line(&line[line_start..line_end], &mut events);
            self.buffer = line;
        }
        if consumed > 0 {
            self.buffer.drain(..consumed);
            self.scanned = 0;
        }
        self.scanned = self.buffer.len();
        events
    }

    /// Ends the stream: returns the last event if it was not terminated by a blank line.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
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

    fn line(&mut self, line: &[u8], events: &mut Vec<Vec<u8>>) {
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

    fn dispatch(&mut self, events: &mut Vec<Vec<u8>>) {
        if self.has_data {
            events.push(std::mem::take(&mut self.data));
        }
        self.data.clear();
        self.has_data = false;
        self.raw = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(stream: &[u8], piece: usize) -> Vec<Vec<u8>> {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        for chunk in stream.chunks(piece) {
            out.extend(decoder.feed(chunk));
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
        assert_eq!(events[1], b"{\n  \"error\": {\"code\": 500}\n}".to_vec());
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
}
