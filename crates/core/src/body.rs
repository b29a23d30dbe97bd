//! Reading a `GenerateContentResponse` body piece by piece, without ever holding it whole.
//!
//! A 20 MB image arrives as 28 MB of base64 inside the JSON. [`parse_response`] needs the
//! whole body and then decodes the image: about 2.4x the image in memory at the peak.
//! [`BodyReader`] takes the body in chunks of any size instead. It keeps only the JSON
//! *skeleton* — everything but the `data` strings of the parts' `inlineData` — and decodes
//! each of those strings as it streams past, into an [`ImageSink`]: memory by default
//! ([`MemorySink`], one `Vec` per image), or anything the caller provides (the client
//! writes straight to a file). A sink may instead take each image whole, decoded once
//! into a buffer of its exact size from an [`ImageAllocator`] ([`AllocatorSink`]: how the
//! Python binding makes each image a `bytes` object with no copy). At the end the skeleton
//! is parsed by the same code as [`parse_response`], and the images are put back where
//! they were.
//!
//! In scope: 2xx bodies (the client reads error bodies, which are small, the usual way).
//! The result equals [`parse_response`]'s for any body and any chunking, except that an
//! image's `data` string with a JSON escape other than `\/` and whitespace escapes is
//! refused (no server sends one).
//!
//! [`parse_response`]: crate::parse_response

use std::fmt;
use std::sync::Arc;

use crate::b64::strip_padding;
use crate::error::Error;
use crate::response::{GenerateResponse, parse_success};
use base64_simd::AsOut;
use bytes::Bytes;

/// Where decoded image bytes go, one image at a time, in document order.
///
/// By default the reader decodes each image as its base64 streams past and hands the bytes
/// over in pieces ([`ImageSink::write`]). A sink whose [`ImageSink::takes_whole_images`] is
/// true gets each image whole instead ([`ImageSink::write_whole`]): the reader keeps the
/// image's base64 text until its string ends, then decodes it once into a buffer the sink
/// allocates at the exact size — how a binding puts an image straight into its own
/// language's byte object (see [`AllocatorSink`]).
pub trait ImageSink {
    /// Image number `index` (0-based, in the order the body carries them) begins.
    fn begin(&mut self, index: usize) -> Result<(), Error>;
    /// More decoded bytes of the current image.
    fn write(&mut self, bytes: &[u8]) -> Result<(), Error>;
    /// The current image is complete. Returns the bytes the response should carry
    /// (empty when the sink keeps them elsewhere, such as a file).
    fn end(&mut self) -> Result<Bytes, Error>;
    /// Whether this sink takes each image whole through [`ImageSink::write_whole`].
    fn takes_whole_images(&self) -> bool {
        false
    }
    /// The current image whole: `len` decoded bytes, which `fill` decodes into the buffer
    /// it is given (exactly `len` bytes long). An error from `fill` must be returned as it
    /// is; the reader may then call again, for the same image, with another length (the
    /// text compacted: line breaks, URL-safe alphabet). The default decodes into a `Vec`
    /// and passes it to [`ImageSink::write`].
    fn write_whole(&mut self, len: usize, fill: &mut FillImage<'_>) -> Result<(), Error> {
        let mut buffer = vec![0; len];
        fill(&mut buffer)?;
        self.write(&buffer)
    }
}

/// Decodes an image into the buffer it is given (see [`ImageSink::write_whole`]).
pub type FillImage<'a> = dyn FnMut(&mut [u8]) -> Result<(), Error> + Send + 'a;

/// Allocates the buffer each decoded image lives in, at its exact size: the hook through
/// which a binding makes images its own language's byte objects with no copy after
/// decoding (Python's `bytes`). Called on the thread reading the response.
pub trait ImageAllocator: Send + Sync {
    /// Allocates `len` bytes, has `fill` write them, and returns them (or `fill`'s error).
    fn allocate(&self, len: usize, fill: &mut FillImage<'_>) -> Result<Bytes, Error>;
}

/// The [`ImageAllocator`] of plain Rust memory: one `Vec` per image.
#[derive(Debug, Default, Clone, Copy)]
pub struct VecAllocator;

impl ImageAllocator for VecAllocator {
    fn allocate(&self, len: usize, fill: &mut FillImage<'_>) -> Result<Bytes, Error> {
        let mut buffer = vec![0; len];
        fill(&mut buffer)?;
        Ok(Bytes::from(buffer))
    }
}

/// [`parse_response`](crate::parse_response) with the images of a 2xx body decoded straight
/// into buffers from `allocator` (through a [`BodyReader`] fed the whole body; the one
/// difference is the reader's: an image's `data` string with a JSON escape other than `\/`
/// and whitespace escapes is refused).
pub fn parse_response_into(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    allocator: &Arc<dyn ImageAllocator>,
) -> Result<GenerateResponse, Error> {
    if !(200..300).contains(&status) {
        return crate::parse_response(status, headers, body);
    }
    let mut reader = BodyReader::with_sink(AllocatorSink::new(Arc::clone(allocator)));
    reader.feed(body)?;
    reader.finish(status)
}

/// The default sink: each image in its own `Vec`, grown as bytes arrive (never sized from
/// what the server claims).
#[derive(Debug, Default)]
pub struct MemorySink {
    current: Vec<u8>,
}

impl ImageSink for MemorySink {
    fn begin(&mut self, _index: usize) -> Result<(), Error> {
        self.current = Vec::new();
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.current.extend_from_slice(bytes);
        Ok(())
    }

    fn end(&mut self) -> Result<Bytes, Error> {
        Ok(Bytes::from(std::mem::take(&mut self.current)))
    }
}

/// The sink that takes each image whole and puts it in memory from an [`ImageAllocator`]:
/// the image is decoded once, straight into its final buffer. Only a [`BodyReader`] feeds
/// it (it takes no pieces: [`ImageSink::write`] is refused).
pub struct AllocatorSink {
    allocator: Arc<dyn ImageAllocator>,
    current: Bytes,
}

impl AllocatorSink {
    /// A sink allocating every image from `allocator`.
    pub fn new(allocator: Arc<dyn ImageAllocator>) -> Self {
        AllocatorSink {
            allocator,
            current: Bytes::new(),
        }
    }
}

impl fmt::Debug for AllocatorSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AllocatorSink")
            .field("current", &self.current.len())
            .finish_non_exhaustive()
    }
}

impl ImageSink for AllocatorSink {
    fn begin(&mut self, _index: usize) -> Result<(), Error> {
        self.current = Bytes::new();
        Ok(())
    }

    fn write(&mut self, _bytes: &[u8]) -> Result<(), Error> {
        Err(Error::internal(
            "an AllocatorSink takes images whole (write_whole), not in pieces",
        ))
    }

    fn end(&mut self) -> Result<Bytes, Error> {
        Ok(std::mem::take(&mut self.current))
    }

    fn takes_whole_images(&self) -> bool {
        true
    }

    fn write_whole(&mut self, len: usize, fill: &mut FillImage<'_>) -> Result<(), Error> {
        self.current = self.allocator.allocate(len, fill)?;
        Ok(())
    }
}

/// Base64 text decoded per step (a multiple of 4).
const DECODE_STEP: usize = 64 * 1024;
/// Keys are compared only this far (`inlineData`, `inline_data`, `data` are shorter).
const KEY_PREFIX: usize = 16;
/// Marks a placeholder in the skeleton: base64 of these bytes then a 4-byte index.
const MARKER: [u8; 8] = *b"\x00gi-img\x00";

/// What an open object or array is, on the path to the images
/// (`candidates[].content.parts[].inlineData`): only there does the parser read a `data`
/// string as image bytes; anywhere else (an unknown field, metadata kept as JSON) the
/// text must stay as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Root,
    Candidates,
    Candidate,
    Content,
    Parts,
    Part,
    InlineData,
    Other,
}

impl Container {
    /// The container opened (with `{` when `object`) under `self`, at `key`.
    fn child(self, key: Option<&[u8]>, object: bool) -> Container {
        match (self, key, object) {
            (Container::Root, Some(b"candidates"), false) => Container::Candidates,
            (Container::Candidates, None, true) => Container::Candidate,
            (Container::Candidate, Some(b"content"), true) => Container::Content,
            (Container::Content, Some(b"parts"), false) => Container::Parts,
            (Container::Parts, None, true) => Container::Part,
            (Container::Part, Some(b"inlineData" | b"inline_data"), true) => Container::InlineData,
            _ => Container::Other,
        }
    }
}

/// Where the lexer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lex {
    /// Between tokens.
    Outside,
    /// Inside a string; `escaped` after a backslash.
    InString { escaped: bool },
    /// Inside an `inlineData.data` string, decoding it.
    InData { escaped: bool },
}

/// Reads a 2xx `GenerateContentResponse` body in chunks; see the module documentation.
///
/// ```
/// use gemini_image_core::{BodyReader, parse_response};
/// let body = br#"{"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}}]}}]}"#;
/// let mut reader = BodyReader::new();
/// for chunk in body.chunks(7) {
///     reader.feed(chunk)?;
/// }
/// let response = reader.finish(200)?;
/// assert_eq!(response, parse_response(200, &[], body)?);
/// # Ok::<(), gemini_image_core::Error>(())
/// ```
#[derive(Debug)]
pub struct BodyReader<S: ImageSink = MemorySink> {
    sink: S,
    skeleton: Vec<u8>,
    lex: Lex,
    /// The start of the current string in `skeleton`, to read a key back.
    string_start: usize,
    /// The last complete string, if it may be a key (its first bytes).
    last_string: Option<Vec<u8>>,
    /// The key whose value comes next (set at `:`).
    key: Option<Vec<u8>>,
    /// The open objects and arrays.
    nesting: Vec<Container>,
    /// Base64 text of the current image not decoded yet.
    pending: Vec<u8>,
    decoded: Vec<u8>,
    /// Images completed, by index: the bytes the sink handed back, or why the base64 was
    /// refused (reported only if the parser reaches that image: the whole-body parser
    /// never decodes what it skips, such as an unknown field).
    images: Vec<Result<Bytes, Error>>,
    /// The current image's base64 was refused: the rest of it is skipped.
    broken: Option<Error>,
    /// Which images had a raw control character in their string: the whole-body parser
    /// accepts that in an image it decodes (whitespace is skipped) but refuses it in a
    /// string it skips.
    control: Vec<bool>,
    /// The current image has a raw control character.
    current_control: bool,
    body_bytes: u64,
}

impl Default for BodyReader<MemorySink> {
    fn default() -> Self {
        BodyReader::with_sink(MemorySink::default())
    }
}

impl BodyReader<MemorySink> {
    /// A reader that keeps each image in memory.
    pub fn new() -> Self {
        BodyReader::default()
    }
}

impl<S: ImageSink> BodyReader<S> {
    /// A reader that hands decoded images to `sink`.
    pub fn with_sink(sink: S) -> Self {
        BodyReader {
            sink,
            skeleton: Vec::new(),
            lex: Lex::Outside,
            string_start: 0,
            last_string: None,
            key: None,
            nesting: Vec::new(),
            pending: Vec::new(),
            decoded: Vec::new(),
            images: Vec::new(),
            broken: None,
            control: Vec::new(),
            current_control: false,
            body_bytes: 0,
        }
    }

    /// The sink (to inspect what it wrote).
    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// The number of body bytes fed so far.
    pub fn body_bytes(&self) -> u64 {
        self.body_bytes
    }

    /// Takes the next piece of the body. Fails only when the sink fails (invalid base64 is
    /// reported by [`BodyReader::finish`], as the whole-body parser would).
    pub fn feed(&mut self, mut chunk: &[u8]) -> Result<(), Error> {
        self.body_bytes += chunk.len() as u64;
        while !chunk.is_empty() {
            chunk = match self.lex {
                Lex::InData { escaped } => self.data_bytes(chunk, escaped)?,
                Lex::InString { escaped } => self.string_bytes(chunk, escaped),
                Lex::Outside => self.outside_bytes(chunk)?,
            };
        }
        Ok(())
    }

    /// Ends the body: parses the skeleton (as [`crate::parse_response`] would parse the
    /// whole body with this 2xx `status`) and puts the images back. A body cut inside an
    /// image leaves the skeleton inside a string: the parser reports the truncated JSON,
    /// as it would for the whole body.
    pub fn finish(self, status: u16) -> Result<GenerateResponse, Error> {
        self.finish_with_sink(status).0
    }

    /// [`BodyReader::finish`], handing the sink back too (for what it holds: files, say).
    pub fn finish_with_sink(self, status: u16) -> (Result<GenerateResponse, Error>, S) {
        let BodyReader {
            sink,
            skeleton,
            images,
            control,
            ..
        } = self;
        (assemble(status, &skeleton, images, &control), sink)
    }

    /// Outside strings: copy up to and including the next quote, tracking keys and nesting.
    fn outside_bytes<'a>(&mut self, chunk: &'a [u8]) -> Result<&'a [u8], Error> {
        for (at, &byte) in chunk.iter().enumerate() {
            match byte {
                b'"' => {
                    self.skeleton.extend_from_slice(&chunk[..=at]);
                    let key = self.key.take();
                    let in_inline = self.nesting.last() == Some(&Container::InlineData);
                    if in_inline && key.as_deref() == Some(b"data") {
                        self.begin_image()?;
                        self.lex = Lex::InData { escaped: false };
                    } else {
                        self.string_start = self.skeleton.len();
                        self.lex = Lex::InString { escaped: false };
                    }
                    return Ok(&chunk[at + 1..]);
                }
                b':' => self.key = self.last_string.take(),
                b'{' | b'[' => {
                    let key = self.key.take();
                    let child = match self.nesting.last() {
                        None if byte == b'{' => Container::Root,
                        None => Container::Other,
                        Some(parent) => parent.child(key.as_deref(), byte == b'{'),
                    };
                    self.nesting.push(child);
                    self.last_string = None;
                }
                b'}' | b']' => {
                    self.nesting.pop();
                    self.key = None;
                    self.last_string = None;
                }
                b',' => {
                    self.key = None;
                    self.last_string = None;
                }
                b' ' | b'\t' | b'\r' | b'\n' => {}
                _ => {
                    // A number, true/false/null: the value of any pending key.
                    self.key = None;
                    self.last_string = None;
                }
            }
        }
        self.skeleton.extend_from_slice(chunk);
        Ok(&[])
    }

    /// Inside an ordinary string: copy through the closing quote.
    fn string_bytes<'a>(&mut self, chunk: &'a [u8], mut escaped: bool) -> &'a [u8] {
        let mut at = 0;
        while at < chunk.len() {
            if escaped {
                escaped = false;
                at += 1;
                continue;
            }
            match memchr::memchr2(b'"', b'\\', &chunk[at..]) {
                None => {
                    at = chunk.len();
                    break;
                }
                Some(found) => {
                    at += found;
                    if chunk[at] == b'\\' {
                        escaped = true;
                        at += 1;
                    } else {
                        self.skeleton.extend_from_slice(&chunk[..at]);
                        let text = &self.skeleton[self.string_start..];
                        self.last_string = Some(text[..text.len().min(KEY_PREFIX)].to_vec());
                        if text.len() > KEY_PREFIX {
                            // Too long to be a key we look for.
                            self.last_string = Some(Vec::new());
                        }
                        self.skeleton.push(b'"');
                        self.lex = Lex::Outside;
                        return &chunk[at + 1..];
                    }
                }
            }
        }
        self.skeleton.extend_from_slice(&chunk[..at]);
        self.lex = Lex::InString { escaped };
        &chunk[at..]
    }

    /// Inside an image's base64: decode through the closing quote.
    fn data_bytes<'a>(&mut self, chunk: &'a [u8], mut escaped: bool) -> Result<&'a [u8], Error> {
        let mut rest = chunk;
        loop {
            if escaped {
                let Some((&byte, after)) = rest.split_first() else {
                    break;
                };
                match byte {
                    b'/' => self.pending.push(b'/'),
                    b'n' | b'r' | b't' => {}
                    b'"' | b'\\' | b'b' | b'f' | b'u' => {
                        self.broken.get_or_insert(Error::decode(
                            format!(
                                "an image's base64 in the response has the JSON escape \\{}; expected plain base64",
                                char::from(byte)
                            ),
                            Some(200),
                        ));
                    }
                    // Not JSON at all: refused wherever it is (as an invalid control
                    // character is).
                    other => {
                        self.current_control = true;
                        self.broken.get_or_insert(Error::decode(
                            format!(
                                "an image's base64 in the response has the JSON escape \\{}; expected plain base64",
                                char::from(other).escape_default()
                            ),
                            Some(200),
                        ));
                    }
                }
                escaped = false;
                rest = after;
                continue;
            }
            match memchr::memchr2(b'"', b'\\', rest) {
                None => {
                    self.pending.extend_from_slice(rest);
                    self.decode_pending(false)?;
                    self.lex = Lex::InData { escaped: false };
                    return Ok(&[]);
                }
                Some(found) => {
                    let whole_here = rest[found] == b'"'
                        && self.pending.is_empty()
                        && self.broken.is_none()
                        && self.sink.takes_whole_images();
                    if whole_here {
                        // The whole string is in this chunk: decode it where it lies.
                        let text = &rest[..found];
                        self.broken =
                            decode_whole_into(&mut self.sink, text, &mut self.current_control)?;
                        self.end_image()?;
                        self.lex = Lex::Outside;
                        return Ok(&rest[found + 1..]);
                    }
                    self.pending.extend_from_slice(&rest[..found]);
                    if rest[found] == b'\\' {
                        escaped = true;
                        rest = &rest[found + 1..];
                        continue;
                    }
                    self.decode_pending(true)?;
                    self.end_image()?;
                    self.lex = Lex::Outside;
                    return Ok(&rest[found + 1..]);
                }
            }
        }
        self.decode_pending(false)?;
        self.lex = Lex::InData { escaped };
        Ok(&[])
    }

    fn begin_image(&mut self) -> Result<(), Error> {
        let index = self.images.len();
        self.pending.clear();
        self.broken = None;
        self.current_control = false;
        self.sink.begin(index)
    }

    /// Ends the current image: its placeholder goes into the skeleton.
    fn end_image(&mut self) -> Result<(), Error> {
        let bytes = self.sink.end()?;
        let index = u32::try_from(self.images.len()).unwrap_or(u32::MAX);
        self.control.push(self.current_control);
        self.images.push(match self.broken.take() {
            Some(error) => Err(error),
            None => Ok(bytes),
        });
        self.skeleton
            .extend_from_slice(placeholder(index).as_bytes());
        self.skeleton.push(b'"');
        self.last_string = None;
        Ok(())
    }

    /// Decodes what can be decoded of `pending`: everything at the end of the string,
    /// else whole 4-character groups, keeping the last group back (padding may follow).
    /// Plain standard base64 is decoded as it is; only when that fails is the text
    /// compacted (whitespace, URL-safe alphabet) and decoded again.
    fn decode_pending(&mut self, at_end: bool) -> Result<(), Error> {
        if self.broken.is_some() {
            self.check_control_characters();
            self.pending.clear();
            return Ok(());
        }
        if self.sink.takes_whole_images() {
            return if at_end { self.decode_whole() } else { Ok(()) };
        }
        if !at_end && self.pending.len() < DECODE_STEP + 4 {
            return Ok(());
        }
        if let Some(bad) = self.decode_groups(at_end)? {
            self.check_control_characters();
            compact(&mut self.pending);
            if self.decode_groups(at_end)?.is_some() {
                self.broken = Some(invalid_base64(bad));
                self.pending.clear();
            }
        }
        Ok(())
    }

    /// For a sink that takes images whole: decodes all of `pending` (the image's whole
    /// text) straight into the sink's buffer.
    fn decode_whole(&mut self) -> Result<(), Error> {
        let text = std::mem::take(&mut self.pending);
        let refused = decode_whole_into(&mut self.sink, &text, &mut self.current_control);
        self.pending = text;
        self.pending.clear();
        self.broken = refused?;
        Ok(())
    }

    /// On the slow path only (text the fast decoder refused): notes a raw control
    /// character in the current image's string.
    fn check_control_characters(&mut self) {
        if !self.current_control {
            self.current_control = self.pending.iter().any(|b| *b < 0x20);
        }
    }

    /// Decodes the decodable prefix of `pending` into the sink and drops it; on text the
    /// fast decoder refuses, stops there (what was decoded is dropped from `pending`) and
    /// returns the refused byte.
    fn decode_groups(&mut self, at_end: bool) -> Result<Option<u8>, Error> {
        let text_len = if at_end {
            strip_padding(&self.pending).len()
        } else {
            self.pending.len().saturating_sub(4) / 4 * 4
        };
        let mut done = 0;
        while done < text_len {
            let end = (done + DECODE_STEP).min(text_len);
            let piece = &self.pending[done..end];
            self.decoded.resize(piece.len() / 4 * 3 + 3, 0);
            match base64_simd::STANDARD_NO_PAD.decode(piece, self.decoded.as_mut_slice().as_out()) {
                Ok(out) => self.sink.write(out)?,
                Err(_) => {
                    let bad = piece
                        .iter()
                        .copied()
                        .find(|b| !is_standard_base64(*b))
                        .unwrap_or(b'=');
                    self.pending.drain(..done);
                    return Ok(Some(bad));
                }
            }
            done = end;
        }
        if at_end {
            self.pending.clear();
        } else {
            self.pending.drain(..text_len);
        }
        Ok(None)
    }
}

/// Decodes an image's whole base64 `text` straight into `sink`'s buffer; on text the fast
/// decoder refuses, compacts it and tries once more, as the piecewise path does. Returns
/// why the text was refused, if it was (and notes a raw control character in `control`);
/// fails only when the sink fails.
fn decode_whole_into<S: ImageSink>(
    sink: &mut S,
    text: &[u8],
    control: &mut bool,
) -> Result<Option<Error>, Error> {
    let Some(bad) = whole_pass(sink, text)? else {
        return Ok(None);
    };
    if !*control {
        *control = text.iter().any(|b| *b < 0x20);
    }
    let mut compacted = text.to_vec();
    compact(&mut compacted);
    Ok(whole_pass(sink, &compacted)?.map(|_| invalid_base64(bad)))
}

/// One attempt at decoding `text` whole into `sink`. Returns the byte the decoder refused,
/// if it refused the text; fails only when the sink fails.
fn whole_pass<S: ImageSink>(sink: &mut S, text: &[u8]) -> Result<Option<u8>, Error> {
    let text = strip_padding(text);
    let bad = || {
        text.iter()
            .copied()
            .find(|b| !is_standard_base64(*b))
            .unwrap_or(b'=')
    };
    let len = match text.len() % 4 {
        0 => text.len() / 4 * 3,
        2 => text.len() / 4 * 3 + 1,
        3 => text.len() / 4 * 3 + 2,
        _ => return Ok(Some(bad())),
    };
    let mut refused = false;
    let written = sink.write_whole(len, &mut |out: &mut [u8]| {
        base64_simd::STANDARD_NO_PAD
            .decode(text, out.as_out())
            .map(|_| ())
            .map_err(|_| {
                refused = true;
                Error::decode("an image in the response is not valid base64", Some(200))
            })
    });
    match written {
        Ok(()) => Ok(None),
        Err(_) if refused => Ok(Some(bad())),
        Err(error) => Err(error),
    }
}

/// Parses the skeleton and puts the images back.
fn assemble(
    status: u16,
    skeleton: &[u8],
    images: Vec<Result<Bytes, Error>>,
    control: &[bool],
) -> Result<GenerateResponse, Error> {
    let mut response = parse_success(status, skeleton)?;
    let mut images: Vec<Option<Result<Bytes, Error>>> = images.into_iter().map(Some).collect();
    restore_images(&mut response, &mut images)?;
    let skipped_with_control = images
        .iter()
        .zip(control)
        .any(|(image, control)| image.is_some() && *control);
    if skipped_with_control {
        return Err(Error::decode(
            "the response body is not a valid GenerateContentResponse: a control character or an invalid escape inside a string",
            Some(status),
        ));
    }
    Ok(response)
}

fn is_standard_base64(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'+' || byte == b'/'
}

/// The lenient forms: whitespace dropped, the URL-safe alphabet mapped to the standard one.
fn compact(text: &mut Vec<u8>) {
    text.retain(|b| !b.is_ascii_whitespace());
    for byte in text.iter_mut() {
        match *byte {
            b'-' => *byte = b'+',
            b'_' => *byte = b'/',
            _ => {}
        }
    }
}

fn invalid_base64(bad: u8) -> Error {
    Error::decode(
        format!("an image in the response is not valid base64 (byte 0x{bad:02x}, or a bad length)"),
        Some(200),
    )
}

/// The skeleton's stand-in for image `index`: valid base64, so the parser takes it as an
/// image's bytes, then recognised and swapped.
fn placeholder(index: u32) -> String {
    let mut raw = MARKER.to_vec();
    raw.extend_from_slice(&index.to_be_bytes());
    crate::b64::encode(&raw)
}

fn placeholder_index(data: &[u8]) -> Option<usize> {
    let index = data.strip_prefix(&MARKER)?;
    let index: [u8; 4] = index.try_into().ok()?;
    usize::try_from(u32::from_be_bytes(index)).ok()
}

type Images = [Option<Result<Bytes, Error>>];

/// Swaps every placeholder in the parsed response for its image (placeholders only ever
/// sit in the parts' inline blobs); an image whose base64 was refused is the error, as
/// the whole-body parser would have found it.
fn restore_images(response: &mut GenerateResponse, images: &mut Images) -> Result<(), Error> {
    let mut failure = None;
    response.for_each_blob_mut(|blob| {
        let index = placeholder_index(&blob.data);
        match index.and_then(|i| images.get_mut(i)).and_then(Option::take) {
            Some(Ok(bytes)) => blob.data = bytes,
            Some(Err(error)) => {
                failure.get_or_insert(error);
            }
            None => {}
        }
    });
    failure.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_response;

    fn read(body: &[u8], piece: usize) -> Result<GenerateResponse, Error> {
        let mut reader = BodyReader::new();
        for chunk in body.chunks(piece.max(1)) {
            reader.feed(chunk)?;
        }
        reader.finish(200)
    }

    /// Reads `body` in pieces into a sink that takes images whole.
    fn read_whole(body: &[u8], piece: usize) -> Result<GenerateResponse, Error> {
        let mut reader = BodyReader::with_sink(AllocatorSink::new(Arc::new(VecAllocator)));
        for chunk in body.chunks(piece.max(1)) {
            reader.feed(chunk)?;
        }
        reader.finish(200)
    }

    fn same_as_parse(body: &[u8]) {
        let whole = parse_response(200, &[], body);
        for piece in [1, 2, 3, 5, 64, 4096, body.len().max(1)] {
            for (mode, chunked) in [
                ("pieces", read(body, piece)),
                ("whole", read_whole(body, piece)),
            ] {
                match (&whole, &chunked) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "piece {piece}, {mode}"),
                    (Err(a), Err(b)) => {
                        assert_eq!(a.kind(), b.kind(), "piece {piece}, {mode}: {a} / {b}")
                    }
                    _ => panic!("piece {piece}, {mode}: {whole:?} vs {chunked:?}"),
                }
            }
        }
    }

    #[test]
    fn images_text_and_oddities_match_the_whole_body_parser() {
        let image: Vec<u8> = (0..200_000u32).map(|i| (i * 31 % 251) as u8).collect();
        let b64 = crate::b64::encode(&image);
        let url_safe = b64.replace('+', "-").replace('/', "_");
        let wrapped = format!("{}\\n{}", &b64[..1000], &b64[1000..]);
        let escaped_slash = b64.replace('/', "\\/");
        for data in [
            &b64,
            &url_safe,
            &wrapped,
            &escaped_slash,
            &b64[..b64.len() - 1],
        ] {
            let body = format!(
                r#"{{"candidates":[{{"content":{{"role":"model","parts":[{{"text":"a \"data\": {{x}}"}},{{"inlineData":{{"data":"{data}","mimeType":"image/png"}},"thoughtSignature":"c2ln"}},{{"inline_data":{{"mime_type":"image/jpeg","data":"/9j/4A=="}},"thought":true}}]}},"finishReason":"STOP"}}],"modelVersion":"m","data":"not an image"}}"#
            );
            same_as_parse(body.as_bytes());
        }
    }

    #[test]
    fn errors_and_non_json_match_too() {
        for body in [
            &br#"{"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}"#[..],
            b"<html>502</html>",
            b"",
            br#"{"candidates":[{"content":{"parts":[{"inlineData":{"data":"ab$d"}}]}}]}"#,
            // Found by fuzzing: the parser skips unknown fields without decoding them, but
            // refuses raw control characters in what it skips, and accepts raw whitespace
            // in an image it decodes.
            br#"{"ca[didates":[{"content":{"parts":[{"inlineData":{"data":"ab$d"}}]}}]}"#,
            b"{\"ca[didates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"data\":\"AA\x01A\"}}]}}]}",
            b"{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"data\":\"AA\nAA\"}}]}}]}",
            b"{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"data\":\"AA\x01AA\"}}]}}]}",
            br#"{"candidates":[{"content":{"parts":[{"inlineData":{"data":"AAAA"#,
            // An inlineData inside metadata kept as JSON stays text, valid or not.
            br#"{"candidates":[{"citationMetadata":{"parts":[{"inlineData":{"data":"/9j/4AAQSkZ@Rg=="}}]},"groundingMetadata":{"inlineData":{"data":"AAEC"}}}]}"#,
            br#"{"candidates":[{"content":{"parts":[{"inlineData":{"data":null}}]}}]}"#,
        ] {
            same_as_parse(body);
        }
    }

    #[test]
    fn an_allocator_gets_each_image_once_at_its_exact_size() {
        #[derive(Default)]
        struct Counting(std::sync::Mutex<Vec<usize>>);
        impl ImageAllocator for Counting {
            fn allocate(&self, len: usize, fill: &mut FillImage<'_>) -> Result<Bytes, Error> {
                if let Ok(mut sizes) = self.0.lock() {
                    sizes.push(len);
                }
                VecAllocator.allocate(len, fill)
            }
        }
        let image: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 253) as u8).collect();
        let b64 = crate::b64::encode(&image);
        let body = format!(
            r#"{{"candidates":[{{"content":{{"parts":[{{"inlineData":{{"mimeType":"image/png","data":"{b64}"}}}},{{"inlineData":{{"data":"AAEC"}}}}]}}}}]}}"#
        );
        let counting = Arc::new(Counting::default());
        let mut reader = BodyReader::with_sink(AllocatorSink::new(counting.clone()));
        for chunk in body.as_bytes().chunks(10_000) {
            reader.feed(chunk).unwrap();
        }
        let response = reader.finish(200).unwrap();
        assert_eq!(response.images()[0].data, image);
        assert_eq!(response.images()[1].data, vec![0, 1, 2]);
        // Each image allocated once, at its size: decoded straight into its buffer.
        assert_eq!(*counting.0.lock().unwrap(), vec![image.len(), 3]);
        // Line-wrapped base64 is compacted and decoded again into a buffer of the right size.
        let wrapped = format!("{}\\n{}", &b64[..1000], &b64[1000..]);
        let body = format!(
            r#"{{"candidates":[{{"content":{{"parts":[{{"inlineData":{{"data":"{wrapped}"}}}}]}}}}]}}"#
        );
        let response = read_whole(body.as_bytes(), 4096).unwrap();
        assert_eq!(response.images()[0].data, image);
    }

    #[test]
    fn a_failing_allocator_fails_the_read() {
        struct Refusing;
        impl ImageAllocator for Refusing {
            fn allocate(&self, _len: usize, _fill: &mut FillImage<'_>) -> Result<Bytes, Error> {
                Err(Error::internal("out of memory"))
            }
        }
        let body = br#"{"candidates":[{"content":{"parts":[{"inlineData":{"data":"AAEC"}}]}}]}"#;
        let mut reader = BodyReader::with_sink(AllocatorSink::new(Arc::new(Refusing)));
        let error = reader.feed(body).unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Internal);
    }

    #[test]
    fn a_custom_sink_receives_the_images_in_order() {
        #[derive(Default)]
        struct Recording(Vec<(usize, Vec<u8>)>);
        impl ImageSink for Recording {
            fn begin(&mut self, index: usize) -> Result<(), Error> {
                self.0.push((index, Vec::new()));
                Ok(())
            }
            fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
                if let Some(last) = self.0.last_mut() {
                    last.1.extend_from_slice(bytes);
                }
                Ok(())
            }
            fn end(&mut self) -> Result<Bytes, Error> {
                Ok(Bytes::new())
            }
        }
        let body = br#"{"candidates":[{"content":{"parts":[{"inlineData":{"data":"AAEC"}},{"inlineData":{"data":"AwQF"}}]}}]}"#;
        let mut reader = BodyReader::with_sink(Recording::default());
        for chunk in body.chunks(3) {
            reader.feed(chunk).unwrap();
        }
        assert_eq!(
            reader.sink().0,
            vec![(0, vec![0, 1, 2]), (1, vec![3, 4, 5])]
        );
        let response = reader.finish(200).unwrap();
        // The sink kept the bytes: the response carries empty images.
        assert_eq!(response.images().len(), 2);
        assert!(response.images().iter().all(|blob| blob.data.is_empty()));
    }
}
