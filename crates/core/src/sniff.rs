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
}
