//! What each known image model accepts and returns. Unknown model ids get no entry and
//! pass through unvalidated: validation must never block a model Google ships tomorrow.

use crate::options::{AspectRatio, ImageSize};

/// The capabilities of one known model family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModelCapabilities {
    /// The canonical model id of the family (e.g. `gemini-3-pro-image-preview`).
    pub family: &'static str,
    /// Aspect ratios the model accepts.
    pub aspect_ratios: &'static [AspectRatio],
    /// Image sizes the model accepts; empty means the model has no `imageSize` (2.5 ignores
    /// it silently, so the SDK refuses it rather than pretend).
    pub image_sizes: &'static [ImageSize],
    /// The most input images per request.
    pub max_input_images: usize,
    /// The MIME type of the images it returns.
    pub output_mime: &'static str,
    /// Whether it thinks (thought parts, thought images, thought signatures).
    pub thinks: bool,
    /// Whether model turns must carry their `thoughtSignature`s back (Gemini 3 image models).
    pub requires_thought_signatures: bool,
    /// Pixel-size table the model follows.
    sizes: SizeTable,
    /// Output tokens per image at 512, 1K, 2K, 4K.
    tokens: [u32; 4],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SizeTable {
    Flash25,
    Pro3,
    Flash31,
}

const ALL_SIZES: &[ImageSize] = &[
    ImageSize::Size512,
    ImageSize::Size1K,
    ImageSize::Size2K,
    ImageSize::Size4K,
];

const FLASH_25: ModelCapabilities = ModelCapabilities {
    family: "gemini-2.5-flash-image",
    aspect_ratios: AspectRatio::CLASSIC,
    image_sizes: &[],
    max_input_images: 3,
    output_mime: "image/png",
    thinks: false,
    requires_thought_signatures: false,
    sizes: SizeTable::Flash25,
    tokens: [1290, 1290, 1290, 1290],
};

const PRO_3: ModelCapabilities = ModelCapabilities {
    family: "gemini-3-pro-image",
    aspect_ratios: AspectRatio::CLASSIC,
    image_sizes: &[ImageSize::Size1K, ImageSize::Size2K, ImageSize::Size4K],
    max_input_images: 14,
    output_mime: "image/jpeg",
    thinks: true,
    requires_thought_signatures: true,
    sizes: SizeTable::Pro3,
    tokens: [1120, 1120, 1120, 2000],
};

const FLASH_31: ModelCapabilities = ModelCapabilities {
    family: "gemini-3.1-flash-image",
    aspect_ratios: AspectRatio::ALL,
    image_sizes: ALL_SIZES,
    max_input_images: 14,
    output_mime: "image/jpeg",
    thinks: true,
    requires_thought_signatures: true,
    sizes: SizeTable::Flash31,
    tokens: [747, 1120, 1680, 2520],
};

const FLASH_LITE_31: ModelCapabilities = ModelCapabilities {
    family: "gemini-3.1-flash-lite-image",
    aspect_ratios: AspectRatio::CLASSIC,
    image_sizes: &[ImageSize::Size1K],
    max_input_images: 14,
    output_mime: "image/jpeg",
    thinks: true,
    requires_thought_signatures: true,
    sizes: SizeTable::Flash31,
    tokens: [1120, 1120, 1120, 1120],
};

/// The capabilities of a known model id or gateway alias (a leading `models/` is ignored);
/// `None` for ids this SDK does not know.
pub fn capabilities(model: &str) -> Option<&'static ModelCapabilities> {
    let id = model.strip_prefix("models/").unwrap_or(model);
    match id {
        "gemini-2.5-flash-image" | "gemini-2.5-flash-image-preview" | "nano-banana" => {
            Some(&FLASH_25)
        }
        "gemini-3-pro-image" | "gemini-3-pro-image-preview" | "nano-banana-pro" => Some(&PRO_3),
        "gemini-3.1-flash-image" | "gemini-3.1-flash-image-preview" | "nano-banana-2" => {
            Some(&FLASH_31)
        }
        "gemini-3.1-flash-lite-image"
        | "gemini-3.1-flash-lite-image-preview"
        | "nano-banana-2-lite" => Some(&FLASH_LITE_31),
        _ => None,
    }
}

/// Every known model id and alias, for help texts and tests.
pub const KNOWN_MODELS: &[&str] = &[
    "gemini-2.5-flash-image",
    "gemini-2.5-flash-image-preview",
    "gemini-3-pro-image",
    "gemini-3-pro-image-preview",
    "gemini-3.1-flash-image",
    "gemini-3.1-flash-image-preview",
    "gemini-3.1-flash-lite-image",
    "nano-banana",
    "nano-banana-pro",
    "nano-banana-2",
    "nano-banana-2-lite",
];

/// gemini-2.5-flash-image: one size per ratio.
const FLASH_25_PX: [(AspectRatio, (u32, u32)); 10] = [
    (AspectRatio::Square, (1024, 1024)),
    (AspectRatio::Portrait2x3, (832, 1248)),
    (AspectRatio::Landscape3x2, (1248, 832)),
    (AspectRatio::Portrait3x4, (864, 1184)),
    (AspectRatio::Landscape4x3, (1184, 864)),
    (AspectRatio::Portrait4x5, (896, 1152)),
    (AspectRatio::Landscape5x4, (1152, 896)),
    (AspectRatio::Portrait9x16, (768, 1344)),
    (AspectRatio::Landscape16x9, (1344, 768)),
    (AspectRatio::Landscape21x9, (1536, 672)),
];

/// gemini-3-pro-image at 1K; 2K and 4K are exact doubles and quadruples.
const PRO_3_1K_PX: [(AspectRatio, (u32, u32)); 10] = [
    (AspectRatio::Square, (1024, 1024)),
    (AspectRatio::Portrait2x3, (848, 1264)),
    (AspectRatio::Landscape3x2, (1264, 848)),
    (AspectRatio::Portrait3x4, (896, 1200)),
    (AspectRatio::Landscape4x3, (1200, 896)),
    (AspectRatio::Portrait4x5, (928, 1152)),
    (AspectRatio::Landscape5x4, (1152, 928)),
    (AspectRatio::Portrait9x16, (768, 1376)),
    (AspectRatio::Landscape16x9, (1376, 768)),
    (AspectRatio::Landscape21x9, (1584, 672)),
];

/// gemini-3.1-flash-image at 1K where observed values differ from the 3-pro table.
const FLASH_31_1K_PX: [(AspectRatio, (u32, u32)); 7] = [
    (AspectRatio::Portrait9x16, (768, 1408)),
    (AspectRatio::Landscape16x9, (1408, 768)),
    (AspectRatio::Portrait1x4, (512, 2064)),
    (AspectRatio::Landscape4x1, (2064, 512)),
    (AspectRatio::Portrait1x8, (352, 2928)),
    (AspectRatio::Landscape8x1, (2928, 352)),
    (AspectRatio::Square, (1024, 1024)),
];

impl ModelCapabilities {
    /// Whether the model accepts this aspect ratio.
    pub fn accepts_aspect_ratio(&self, ratio: AspectRatio) -> bool {
        self.aspect_ratios.contains(&ratio)
    }

    /// Whether the model accepts this image size.
    pub fn accepts_image_size(&self, size: ImageSize) -> bool {
        self.image_sizes.contains(&size)
    }

    /// The pixel size of an output image for a ratio and size (defaults: 1:1, 1K). These are
    /// documented or observed values; real responses may differ, so read the returned image.
    pub fn output_pixels(&self, ratio: Option<AspectRatio>, size: Option<ImageSize>) -> (u32, u32) {
        let ratio = ratio.unwrap_or(AspectRatio::Square);
        let size = size.unwrap_or(ImageSize::Size1K);
        let lookup = |table: &[(AspectRatio, (u32, u32))]| {
            table.iter().find(|(r, _)| *r == ratio).map(|(_, px)| *px)
        };
        match self.sizes {
            SizeTable::Flash25 => lookup(&FLASH_25_PX).unwrap_or((1024, 1024)),
            SizeTable::Pro3 | SizeTable::Flash31 => {
                let base = if self.sizes == SizeTable::Flash31 {
                    lookup(&FLASH_31_1K_PX).or_else(|| lookup(&PRO_3_1K_PX))
                } else {
                    lookup(&PRO_3_1K_PX)
                };
                let (w, h) = base.unwrap_or((1024, 1024));
                match size {
                    ImageSize::Size512 => (w / 2, h / 2),
                    ImageSize::Size2K => (w * 2, h * 2),
                    ImageSize::Size4K => (w * 4, h * 4),
                    // 1K, and a size this table does not know.
                    _ => (w, h),
                }
            }
        }
    }

    /// Output tokens billed per image at a size (default 1K).
    pub fn output_tokens(&self, size: Option<ImageSize>) -> u32 {
        let index = match size.unwrap_or(ImageSize::Size1K) {
            ImageSize::Size512 => 0,
            ImageSize::Size2K => 2,
            ImageSize::Size4K => 3,
            _ => 1,
        };
        self.tokens[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookups() {
        let pro = capabilities("models/gemini-3-pro-image-preview").unwrap();
        assert_eq!(
            pro.output_pixels(Some(AspectRatio::Landscape16x9), Some(ImageSize::Size4K)),
            (5504, 3072)
        );
        assert!(!pro.accepts_image_size(ImageSize::Size512));
        let flash = capabilities("nano-banana-2").unwrap();
        assert_eq!(
            flash.output_pixels(Some(AspectRatio::Landscape16x9), Some(ImageSize::Size512)),
            (704, 384)
        );
        assert!(flash.accepts_aspect_ratio(AspectRatio::Landscape8x1));
        let nb = capabilities("gemini-2.5-flash-image").unwrap();
        assert_eq!(
            nb.output_pixels(Some(AspectRatio::Landscape21x9), None),
            (1536, 672)
        );
        assert!(nb.image_sizes.is_empty());
        assert!(capabilities("gemini-9-ultra-image").is_none());
        for id in KNOWN_MODELS {
            assert!(capabilities(id).is_some(), "{id}");
        }
    }
}
