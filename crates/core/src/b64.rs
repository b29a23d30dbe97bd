//! Base64 for image bytes and signatures: SIMD-accelerated (`base64-simd`), lenient on input
//! (standard or URL-safe alphabet, padded or not, stray whitespace), canonical on output
//! (standard alphabet, padded), and streamed straight into the JSON body when serializing.

use std::fmt;

use base64_simd::AsOut;
use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;

/// Decodes base64 in either alphabet, with or without padding.
pub fn decode(text: &[u8]) -> Result<Vec<u8>, String> {
    let unpadded = strip_padding(text);
    if let Ok(bytes) = base64_simd::STANDARD_NO_PAD.decode_to_vec(unpadded) {
        return Ok(bytes);
    }
    if let Ok(bytes) = base64_simd::URL_SAFE_NO_PAD.decode_to_vec(unpadded) {
        return Ok(bytes);
    }
    // Whitespace (line-wrapped base64) is rare: only then pay for the forgiving path.
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| match b {
            b'-' => b'+',
            b'_' => b'/',
            other => other,
        })
        .collect();
    base64_simd::STANDARD_NO_PAD
        .decode_to_vec(strip_padding(&compact))
        .map_err(|_| describe_invalid(text))
}

/// `text` without its padding (at most two `=` at the end).
pub(crate) fn strip_padding(text: &[u8]) -> &[u8] {
    let mut end = text.len();
    while end > 0 && text[end - 1] == b'=' && text.len() - end < 2 {
        end -= 1;
    }
    &text[..end]
}

fn describe_invalid(text: &[u8]) -> String {
    match text
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || b"+/-_= \r\n\t".contains(b)))
    {
        Some(at) => format!(
            "invalid base64: byte 0x{:02x} at offset {at} (of {} bytes)",
            text[at],
            text.len()
        ),
        None => format!(
            "invalid base64: bad length or padding ({} bytes)",
            text.len()
        ),
    }
}

/// Encodes in the standard alphabet with padding.
pub fn encode(bytes: &[u8]) -> String {
    base64_simd::STANDARD.encode_to_string(bytes)
}

/// Writes `bytes` as base64 through a formatter in fixed-size chunks, so serializing a
/// multi-MB image into a JSON body needs no intermediate `String`.
pub(crate) struct Base64Display<'a>(pub &'a [u8]);

impl fmt::Display for Base64Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const CHUNK: usize = 3 * 4096;
        let mut buf = vec![0u8; CHUNK / 3 * 4];
        for chunk in self.0.chunks(CHUNK) {
            let text = base64_simd::STANDARD.encode_as_str(chunk, buf.as_mut_slice().as_out());
            f.write_str(text)?;
        }
        Ok(())
    }
}

/// serde adapter: bytes <-> base64 string, decoding straight from the borrowed input.
pub(crate) mod bytes {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&Base64Display(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: From<Vec<u8>>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        // `deserialize_bytes` lets serde_json hand over the raw string without UTF-8
        // validation or a copy when it has no escapes.
        deserializer.deserialize_bytes(Base64Visitor).map(T::from)
    }

    struct Base64Visitor;

    impl<'de> Visitor<'de> for Base64Visitor {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a base64 string")
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            decode(v).map_err(E::custom)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
            self.visit_bytes(v.as_bytes())
        }

        fn visit_unit<E: de::Error>(self) -> Result<Vec<u8>, E> {
            Ok(Vec::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_variant() {
        let raw = b"\xfb\xff\xfe hello";
        let standard = base64_simd::STANDARD.encode_to_string(raw);
        let url = base64_simd::URL_SAFE_NO_PAD.encode_to_string(raw);
        assert!(standard.contains('+') || standard.contains('/'));
        assert_eq!(decode(standard.as_bytes()).unwrap(), raw);
        assert_eq!(
            decode(standard.trim_end_matches('=').as_bytes()).unwrap(),
            raw
        );
        assert_eq!(decode(url.as_bytes()).unwrap(), raw);
        let wrapped = format!("{}\n{}", &standard[..4], &standard[4..]);
        assert_eq!(decode(wrapped.as_bytes()).unwrap(), raw);
        assert!(decode(b"ab$d").unwrap_err().contains("0x24 at offset 2"));
        assert!(decode(b"a").is_err());
        assert_eq!(decode(b"").unwrap(), b"");
    }

    #[test]
    fn display_matches_encode() {
        let data: Vec<u8> = (0..40_000u32).map(|i| (i * 7 % 251) as u8).collect();
        assert_eq!(Base64Display(&data).to_string(), encode(&data));
    }
}
