//! Image formats from magic bytes: MIME sniffing for inputs, pixel sizes from headers.

/// The MIME types the Gemini API accepts as input images.
pub const ACCEPTED_INPUT_MIME_TYPES: [&str; 5] = [
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/heic",
    "image/heif",
];

/// The image MIME type the bytes' magic number says, if it is one we know.
pub fn sniff_mime(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if data.len() >= 12 && &data[4..8] == b"ftyp" {
        match &data[8..12] {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" => Some("image/heic"),
            b"mif1" | b"msf1" | b"heif" => Some("image/heif"),
            b"avif" | b"avis" => Some("image/avif"),
            _ => None,
        }
    } else if data.starts_with(b"BM") && data.len() > 14 {
        Some("image/bmp")
    } else {
        None
    }
}

/// Normalises a declared MIME type: lowercase, parameters dropped, `image/jpg` -> `image/jpeg`.
pub fn normalize_mime(declared: &str) -> String {
    let base = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match base.as_str() {
        "image/jpg" | "image/pjpeg" => "image/jpeg".to_string(),
        _ => base,
    }
}

/// The usual file extension for an image MIME type (`jpg` for JPEG).
pub fn extension_for_mime(mime: &str) -> &'static str {
    match normalize_mime(mime).as_str() {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/webp" => "webp",
        "image/heic" => "heic",
        "image/heif" => "heif",
        "image/gif" => "gif",
        "image/avif" => "avif",
        "image/bmp" => "bmp",
        _ => "bin",
    }
}

/// Width and height read from a PNG, JPEG, WEBP or GIF header, without decoding pixels.
pub fn image_dimensions(data: &[u8]) -> Option<(u32, u32)> {
    match sniff_mime(data)? {
        "image/png" => {
            let header = data.get(16..24)?;
            Some((be32(&header[..4])?, be32(&header[4..])?))
        }
        "image/jpeg" => jpeg_dimensions(data),
        "image/gif" => {
            let header = data.get(6..10)?;
            Some((
                u32::from(u16::from_le_bytes([header[0], header[1]])),
                u32::from(u16::from_le_bytes([header[2], header[3]])),
            ))
        }
        "image/webp" => webp_dimensions(data),
        _ => None,
    }
}

fn be32(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

fn be16(bytes: &[u8]) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(bytes.try_into().ok()?)))
}

fn jpeg_dimensions(data: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        // Skip fill bytes before a marker.
        while *data.get(at)? == 0xFF && *data.get(at + 1)? == 0xFF {
            at += 1;
        }
        if *data.get(at)? != 0xFF {
            return None;
        }
        let marker = *data.get(at + 1)?;
        at += 2;
        if marker == 0xD8 || marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            continue;
        }
        let length = be16(data.get(at..at + 2)?)? as usize;
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let frame = data.get(at + 3..at + 7)?;
            return Some((be16(&frame[2..])?, be16(&frame[..2])?));
        }
        if marker == 0xD9 || marker == 0xDA || length < 2 {
            return None;
        }
        at += length;
    }
}

/// Finds an image's width and height while its bytes stream past, keeping only a few
/// bytes: for writers that never hold the image (a JPEG's frame header can sit after
/// megabytes of metadata segments, which are skipped, not kept).
#[derive(Debug, Default)]
pub struct DimensionProbe {
    /// The first bytes (to sniff the type), then a JPEG's unparsed bytes.
    buffer: Vec<u8>,
    jpeg: bool,
    /// JPEG segment bytes still to skip.
    skip: u64,
    found: Option<Option<(u32, u32)>>,
}

/// Enough for every header but a JPEG's.
const PROBE_HEAD: usize = 32;

impl DimensionProbe {
    /// A probe that has seen nothing.
    pub fn new() -> Self {
        DimensionProbe::default()
    }

    /// The next bytes of the image.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while self.found.is_none() && !bytes.is_empty() {
            if !self.jpeg && self.buffer.len() < PROBE_HEAD {
                let take = bytes.len().min(PROBE_HEAD - self.buffer.len());
                self.buffer.extend_from_slice(&bytes[..take]);
                bytes = &bytes[take..];
                if self.buffer.len() == PROBE_HEAD {
                    self.classify();
                }
                continue;
            }
            if self.skip > 0 {
                let n = bytes
                    .len()
                    .min(usize::try_from(self.skip).unwrap_or(usize::MAX));
                self.skip -= n as u64;
                bytes = &bytes[n..];
                continue;
            }
            self.buffer.extend_from_slice(bytes);
            bytes = &[];
            self.walk_jpeg();
        }
    }

    /// The dimensions, once the image has been fed (whole, or far enough).
    pub fn finish(mut self) -> Option<(u32, u32)> {
        if self.found.is_none() && !self.jpeg {
            return image_dimensions(&self.buffer);
        }
        self.found.take().flatten()
    }

    fn classify(&mut self) {
        if sniff_mime(&self.buffer) == Some("image/jpeg") {
            self.jpeg = true;
            self.buffer.drain(..2);
            self.walk_jpeg();
        } else {
            self.found = Some(image_dimensions(&self.buffer));
        }
    }

    /// Parses the JPEG segments in `buffer`, skipping the bodies of those before the frame.
    fn walk_jpeg(&mut self) {
        loop {
            let data = &self.buffer;
            let mut at = 0;
            while data.len() > at + 1 && data[at] == 0xFF && data[at + 1] == 0xFF {
                at += 1;
            }
            if data.len() < at + 2 {
                return;
            }
            if data[at] != 0xFF {
                self.found = Some(None);
                return;
            }
            let marker = data[at + 1];
            if marker == 0xD8 || marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
                self.buffer.drain(..at + 2);
                continue;
            }
            if marker == 0xD9 || marker == 0xDA {
                self.found = Some(None);
                return;
            }
            let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
            let need = if is_sof { 9 } else { 4 };
            let Some(segment) = data.get(at..at + need) else {
                return;
            };
            if is_sof {
                self.found = Some(Some((
                    u32::from(u16::from_be_bytes([segment[7], segment[8]])),
                    u32::from(u16::from_be_bytes([segment[5], segment[6]])),
                )));
                return;
            }
            let length = usize::from(u16::from_be_bytes([segment[2], segment[3]]));
            if length < 2 {
                self.found = Some(None);
                return;
            }
            // The segment body follows its 2 length bytes.
            let end = at + 2 + length;
            if end <= self.buffer.len() {
                self.buffer.drain(..end);
            } else {
                self.skip = (end - self.buffer.len()) as u64;
                self.buffer.clear();
                return;
            }
        }
    }
}

fn webp_dimensions(data: &[u8]) -> Option<(u32, u32)> {
    let chunk = data.get(12..16)?;
    let body = data.get(20..)?;
    match chunk {
        b"VP8 " => {
            let frame = body.get(6..10)?;
            let w = u32::from(u16::from_le_bytes([frame[0], frame[1]]) & 0x3FFF);
            let h = u32::from(u16::from_le_bytes([frame[2], frame[3]]) & 0x3FFF);
            Some((w, h))
        }
        b"VP8L" => {
            let bits = u32::from_le_bytes(body.get(1..5)?.try_into().ok()?);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            let b = body.get(4..10)?;
            let w = u32::from_le_bytes([b[0], b[1], b[2], 0]) + 1;
            let h = u32::from_le_bytes([b[3], b[4], b[5], 0]) + 1;
            Some((w, h))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::b64;

    const PNG_2X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR4nGPgOsEFRAAGCwG5fHszqgAAAABJRU5ErkJggg==";

    #[test]
    fn sniffs_and_measures() {
        let png = b64::decode(PNG_2X1.as_bytes()).unwrap();
        assert_eq!(sniff_mime(&png), Some("image/png"));
        assert_eq!(image_dimensions(&png), Some((2, 1)));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00,
            0x20, 0x00, 0x30, 0x01, 0x01, 0x11, 0x00,
        ];
        assert_eq!(sniff_mime(&jpeg), Some("image/jpeg"));
        assert_eq!(image_dimensions(&jpeg), Some((48, 32)));
        assert_eq!(sniff_mime(b"hello world!"), None);
        assert_eq!(image_dimensions(&[0xFF, 0xD8, 0xFF]), None);
        assert_eq!(normalize_mime("Image/JPG; q=1"), "image/jpeg");
        assert_eq!(extension_for_mime("image/jpeg"), "jpg");
    }

    #[test]
    fn the_probe_agrees_with_the_whole_image_in_any_pieces() {
        let png = b64::decode(PNG_2X1.as_bytes()).unwrap();
        // A JPEG whose frame header follows 3 big metadata segments.
        let mut jpeg = vec![0xFF, 0xD8];
        for _ in 0..3 {
            jpeg.extend_from_slice(&[0xFF, 0xE1, 0xFF, 0xFF]);
            jpeg.extend(std::iter::repeat_n(0xAB, 0xFFFF - 2));
        }
        jpeg.extend_from_slice(&[
            0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x04, 0x00, 0x03, 0x00, 0x01, 0x01, 0x11, 0x00,
        ]);
        assert_eq!(image_dimensions(&jpeg), Some((768, 1024)));
        for image in [&png, &jpeg] {
            for piece in [1, 3, 31, 1000, 70_000, image.len()] {
                let mut probe = DimensionProbe::new();
                for chunk in image.chunks(piece) {
                    probe.feed(chunk);
                }
                assert_eq!(probe.finish(), image_dimensions(image), "piece {piece}");
            }
        }
    }
}
