//! Closed option values with their wire spellings: aspect ratio, image size, modality.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A wire value this version of the SDK does not know yet (a ratio, size or modality
/// Google added later), kept inline so that the option types stay `Copy`. At most
/// [`UnknownValue::MAX_LEN`] bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownValue {
    len: u8,
    bytes: [u8; UnknownValue::MAX_LEN],
}

impl UnknownValue {
    /// The longest value kept.
    pub const MAX_LEN: usize = 16;

    /// `text` as an unknown value, if it fits.
    pub fn new(text: &str) -> Option<Self> {
        let len = u8::try_from(text.len()).ok()?;
        if text.len() > Self::MAX_LEN {
            return None;
        }
        let mut bytes = [0u8; Self::MAX_LEN];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Some(UnknownValue { len, bytes })
    }

    /// The value as sent.
    pub fn as_str(&self) -> &str {
        // Built from a whole `&str` above, so always valid UTF-8.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal, $hint:literal, { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        ///
        /// Open: [`Self::Other`] carries a value this version does not know yet, so a value
        /// Google adds tomorrow can be sent today. Parsing text (`"16:9".parse()`, options
        /// from other languages) accepts only the values the server documents today, as the
        /// shared test vectors pin; a newer value is sent by building it explicitly with
        /// `other(text)`, and known models still refuse what they do not accept.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this SDK does not know yet, sent verbatim.
            Other(UnknownValue),
        }

        impl $name {
            /// Every known value, in the order the API documents them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(value) => value.as_str(),
                }
            }

            /// The known value spelled `text` exactly, if any.
            fn known(text: &str) -> Option<$name> {
                match text {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }

            fn unknown(text: &str) -> Error {
                let all: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                Error::invalid(
                    $field,
                    format!("{:?} is not a valid value; use one of {}{}", text, all.join(", "), $hint),
                )
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(|e: Error| serde::de::Error::custom(e.message()))
            }
        }
    };
}

/// Whether `text` is `W:H` with 1-3 digits on each side.
fn is_ratio_shaped(text: &str) -> bool {
    let digits =
        |part: &str| (1..=3).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
    text.split_once(':')
        .is_some_and(|(w, h)| digits(w) && digits(h))
}

wire_enum!(
    /// Output aspect ratio (`imageConfig.aspectRatio`): every value the server knows.
    /// Which ones a model accepts is in [`crate::model`].
    AspectRatio, "aspect_ratio", "", {
        /// 1:1
        Square = "1:1",
        /// 1:4 (gemini-3.1-flash-image only)
        Portrait1x4 = "1:4",
        /// 1:8 (gemini-3.1-flash-image only)
        Portrait1x8 = "1:8",
        /// 2:3
        Portrait2x3 = "2:3",
        /// 3:2
        Landscape3x2 = "3:2",
        /// 3:4
        Portrait3x4 = "3:4",
        /// 4:1 (gemini-3.1-flash-image only)
        Landscape4x1 = "4:1",
        /// 4:3
        Landscape4x3 = "4:3",
        /// 4:5
        Portrait4x5 = "4:5",
        /// 5:4
        Landscape5x4 = "5:4",
        /// 8:1 (gemini-3.1-flash-image only)
        Landscape8x1 = "8:1",
        /// 9:16
        Portrait9x16 = "9:16",
        /// 16:9
        Landscape16x9 = "16:9",
        /// 21:9
        Landscape21x9 = "21:9",
    }
);

impl AspectRatio {
    /// The ten ratios every image model accepts.
    pub const CLASSIC: &'static [AspectRatio] = &[
        AspectRatio::Square,
        AspectRatio::Portrait2x3,
        AspectRatio::Landscape3x2,
        AspectRatio::Portrait3x4,
        AspectRatio::Landscape4x3,
        AspectRatio::Portrait4x5,
        AspectRatio::Landscape5x4,
        AspectRatio::Portrait9x16,
        AspectRatio::Landscape16x9,
        AspectRatio::Landscape21x9,
    ];

    /// Width and height terms, e.g. `(16, 9)`; `(1, 1)` for a value that is not `W:H`.
    pub fn terms(self) -> (u32, u32) {
        let (w, h) = self.as_str().split_once(':').unwrap_or(("1", "1"));
        (w.parse().unwrap_or(1), h.parse().unwrap_or(1))
    }
}

impl AspectRatio {
    /// A ratio by its wire spelling, known or not yet known (`W:H`, 1-3 digits each side):
    /// the way to send a ratio newer than this SDK.
    ///
    /// ```
    /// use gemini_image_core::AspectRatio;
    /// assert_eq!(AspectRatio::other("2:1")?.as_str(), "2:1");
    /// assert_eq!(AspectRatio::other("16:9")?, AspectRatio::Landscape16x9);
    /// assert!("2:1".parse::<AspectRatio>().is_err()); // parsing accepts today's values only
    /// # Ok::<(), gemini_image_core::Error>(())
    /// ```
    pub fn other(text: &str) -> Result<Self, Error> {
        let trimmed = text.trim();
        if let Some(known) = AspectRatio::known(trimmed) {
            return Ok(known);
        }
        match UnknownValue::new(trimmed) {
            Some(value) if is_ratio_shaped(trimmed) => Ok(AspectRatio::Other(value)),
            _ => Err(Error::invalid(
                "aspect_ratio",
                format!("{text:?} is not a ratio; write it as W:H, e.g. 2:1"),
            )),
        }
    }
}

impl FromStr for AspectRatio {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        AspectRatio::known(text.trim()).ok_or_else(|| AspectRatio::unknown(text))
    }
}

wire_enum!(
    /// Output resolution class (`imageConfig.imageSize`).
    ImageSize, "image_size", " (uppercase K; 512 has no suffix)", {
        /// 512 px class (gemini-3.1-flash-image only).
        Size512 = "512",
        /// ~1024 px (the default).
        Size1K = "1K",
        /// ~2048 px.
        Size2K = "2K",
        /// ~4096 px.
        Size4K = "4K",
    }
);

impl FromStr for ImageSize {
    type Err = Error;
    /// Accepts a lowercase `k` (`"2k"`) and normalises it: the server rejects lowercase.
    fn from_str(text: &str) -> Result<Self, Error> {
        ImageSize::known(&text.trim().to_ascii_uppercase()).ok_or_else(|| ImageSize::unknown(text))
    }
}

impl ImageSize {
    /// A size by its wire spelling, known or not yet known (digits with an optional `K`,
    /// e.g. `8K`; a lowercase `k` is normalised): the way to send a size newer than this SDK.
    pub fn other(text: &str) -> Result<Self, Error> {
        let upper = text.trim().to_ascii_uppercase();
        if let Some(known) = ImageSize::known(&upper) {
            return Ok(known);
        }
        let digits = upper.strip_suffix('K').unwrap_or(&upper);
        let shaped = (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        match UnknownValue::new(&upper) {
            Some(value) if shaped => Ok(ImageSize::Other(value)),
            _ => Err(Error::invalid(
                "image_size",
                format!("{text:?} is not a size; write digits with an optional K, e.g. 8K"),
            )),
        }
    }
}

wire_enum!(
    /// A response modality (`generationConfig.responseModalities`).
    Modality, "response_modalities", "", {
        /// Text parts.
        Text = "TEXT",
        /// Image parts.
        Image = "IMAGE",
    }
);

impl FromStr for Modality {
    type Err = Error;
    /// Case-insensitive.
    fn from_str(text: &str) -> Result<Self, Error> {
        Modality::known(&text.trim().to_ascii_uppercase()).ok_or_else(|| Modality::unknown(text))
    }
}

impl Modality {
    /// A modality by its wire spelling, known or not yet known (an upper-case word such as
    /// `AUDIO`; case-insensitive): the way to send a modality newer than this SDK.
    pub fn other(text: &str) -> Result<Self, Error> {
        let upper = text.trim().to_ascii_uppercase();
        if let Some(known) = Modality::known(&upper) {
            return Ok(known);
        }
        let shaped =
            !upper.is_empty() && upper.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
        match UnknownValue::new(&upper) {
            Some(value) if shaped => Ok(Modality::Other(value)),
            _ => Err(Error::invalid(
                "response_modalities",
                format!("{text:?} is not a modality; write an upper-case word such as AUDIO"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            "16:9".parse::<AspectRatio>().unwrap(),
            AspectRatio::Landscape16x9
        );
        assert_eq!(AspectRatio::ALL.len(), 14);
        assert!(
            "7:3".parse::<AspectRatio>().is_err(),
            "parsing stays strict"
        );
        let new = AspectRatio::other("7:3").unwrap();
        assert_eq!((new.as_str(), new.terms()), ("7:3", (7, 3)));
        assert!(matches!(new, AspectRatio::Other(_)));
        assert_eq!(ImageSize::other("8k").unwrap().as_str(), "8K");
        assert_eq!(Modality::other("audio").unwrap().as_str(), "AUDIO");
        for bad in ["16/9", "1234:1", "x:y", ""] {
            assert!(AspectRatio::other(bad).is_err(), "{bad}");
        }
        assert!(ImageSize::other("2G").is_err());
        assert!(Modality::other("VIDEO 2").is_err());
        let err = "16/9".parse::<AspectRatio>().unwrap_err();
        assert_eq!(err.field(), Some("aspect_ratio"));
        assert!(err.message().contains("21:9"));
        assert_eq!("2k".parse::<ImageSize>().unwrap().as_str(), "2K");
        assert_eq!("512".parse::<ImageSize>().unwrap(), ImageSize::Size512);
        assert_eq!(
            "512px".parse::<ImageSize>().unwrap_err().field(),
            Some("image_size")
        );
        assert_eq!(AspectRatio::Landscape21x9.terms(), (21, 9));
        assert_eq!("image".parse::<Modality>().unwrap(), Modality::Image);
    }
}
