//! Closed option values with their wire spellings: aspect ratio, image size, modality.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal, $hint:literal, { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in the order the API documents them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
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

        impl $name {
            fn unknown(text: &str) -> Error {
                let all: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                Error::invalid(
                    $field,
                    format!("{:?} is not a valid value; use one of {}{}", text, all.join(", "), $hint),
                )
            }
        }
    };
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

    /// Width and height terms, e.g. `(16, 9)`.
    pub fn terms(self) -> (u32, u32) {
        let (w, h) = self.as_str().split_once(':').unwrap_or(("1", "1"));
        (w.parse().unwrap_or(1), h.parse().unwrap_or(1))
    }
}

impl FromStr for AspectRatio {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        let trimmed = text.trim();
        AspectRatio::ALL
            .iter()
            .copied()
            .find(|ratio| ratio.as_str() == trimmed)
            .ok_or_else(|| AspectRatio::unknown(text))
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
        match text.trim().to_ascii_uppercase().as_str() {
            "512" => Ok(ImageSize::Size512),
            "1K" => Ok(ImageSize::Size1K),
            "2K" => Ok(ImageSize::Size2K),
            "4K" => Ok(ImageSize::Size4K),
            _ => Err(ImageSize::unknown(text)),
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
    fn from_str(text: &str) -> Result<Self, Error> {
        match text.trim().to_ascii_uppercase().as_str() {
            "TEXT" => Ok(Modality::Text),
            "IMAGE" => Ok(Modality::Image),
            _ => Err(Modality::unknown(text)),
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
