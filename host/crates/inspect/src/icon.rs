//! Launcher icon transparency: how much of a PNG or WebP is fully clear.
//!
//! A blank name and a transparent icon hide an app from its user
//! (HARASS-UNINSTALL-020), so the share of pixels with alpha 0 is a fact.
//! The image is hostile input: its size is checked against [`MAX_PIXELS`]
//! from the header before any pixel is decoded, PNG rows are counted one at
//! a time, and the decoders' own allocation limits are set, so a small file
//! that declares a huge canvas ends as [`IconError::TooLarge`], never as an
//! allocation the file chooses.

use std::io::Cursor;

/// Largest canvas measured. Launcher icons are at most 512 x 512 (the Play
/// store icon); adaptive layers at xxxhdpi are 432 x 432.
pub const MAX_SIDE: u32 = 2_048;
/// Largest pixel count measured (`MAX_SIDE` squared is 4 Mi pixels).
pub const MAX_PIXELS: u64 = 1 << 22;
/// What either decoder may allocate, in bytes: a WebP canvas of
/// `MAX_PIXELS` RGBA pixels plus its working buffers.
const DECODER_BYTES: usize = 24 << 20;

/// Why an icon could not be measured.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IconError {
    #[error("{width}x{height} exceeds the {MAX_SIDE}-pixel side or {MAX_PIXELS}-pixel bound")]
    TooLarge { width: u32, height: u32 },
    #[error("not a PNG or WebP image")]
    UnknownFormat,
    #[error("malformed {format}: {reason}")]
    Malformed {
        format: &'static str,
        reason: String,
    },
}

/// What was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alpha {
    pub format: &'static str,
    pub width: u32,
    pub height: u32,
    /// Pixels with alpha 0, per mille of all pixels (rounded down).
    pub transparent_permille: u32,
}

/// Measure a PNG or WebP file's fully transparent pixels.
pub fn measure(bytes: &[u8]) -> Result<Alpha, IconError> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_alpha(bytes)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        webp_alpha(bytes)
    } else {
        Err(IconError::UnknownFormat)
    }
}

fn check_size(width: u32, height: u32) -> Result<(), IconError> {
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(IconError::TooLarge { width, height });
    }
    Ok(())
}

fn permille(clear: u64, width: u32, height: u32) -> u32 {
    let total = u64::from(width) * u64::from(height);
    // `total` is non-zero and `clear <= total` after `check_size`.
    (clear.saturating_mul(1_000) / total.max(1)).min(1_000) as u32
}

fn png_alpha(bytes: &[u8]) -> Result<Alpha, IconError> {
    let bad = |e: png::DecodingError| IconError::Malformed {
        format: "png",
        reason: e.to_string(),
    };
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: DECODER_BYTES,
        },
    );
    let header = decoder.read_header_info().map_err(bad)?;
    let (width, height) = (header.width, header.height);
    check_size(width, height)?;
    // Palette and tRNS become a real alpha channel, 16-bit samples 8-bit.
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(bad)?;
    let (color, _) = reader.output_color_type();
    let channels = match color {
        png::ColorType::Rgba => 4,
        png::ColorType::GrayscaleAlpha => 2,
        // No alpha channel after expansion: every pixel is opaque.
        _ => {
            return Ok(Alpha {
                format: "png",
                width,
                height,
                transparent_permille: 0,
            })
        }
    };
    // Adam7 passes partition the pixels, so counting every row of every
    // pass counts each pixel once.
    let mut clear = 0u64;
    while let Some(row) = reader.next_row().map_err(bad)? {
        clear += row
            .data()
            .chunks_exact(channels)
            .filter(|px| px[channels - 1] == 0)
            .count() as u64;
    }
    Ok(Alpha {
        format: "png",
        width,
        height,
        transparent_permille: permille(clear, width, height),
    })
}

fn webp_alpha(bytes: &[u8]) -> Result<Alpha, IconError> {
    let bad = |e: image_webp::DecodingError| IconError::Malformed {
        format: "webp",
        reason: e.to_string(),
    };
    let mut decoder = image_webp::WebPDecoder::new(Cursor::new(bytes)).map_err(bad)?;
    let (width, height) = decoder.dimensions();
    check_size(width, height)?;
    if !decoder.has_alpha() {
        return Ok(Alpha {
            format: "webp",
            width,
            height,
            transparent_permille: 0,
        });
    }
    decoder.set_memory_limit(DECODER_BYTES);
    // Bounded by `check_size`: at most MAX_PIXELS * 4 bytes.
    let size = decoder
        .output_buffer_size()
        .filter(|&n| n as u64 <= MAX_PIXELS * 4)
        .ok_or(IconError::TooLarge { width, height })?;
    let mut buffer = vec![0u8; size];
    // An animated icon is measured on its first frame, as launchers draw it.
    if decoder.is_animated() {
        decoder.read_frame(&mut buffer).map_err(bad)?;
    } else {
        decoder.read_image(&mut buffer).map_err(bad)?;
    }
    let clear = buffer.chunks_exact(4).filter(|px| px[3] == 0).count() as u64;
    Ok(Alpha {
        format: "webp",
        width,
        height,
        transparent_permille: permille(clear, width, height),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A PNG of `width` x `height` RGBA pixels, the first `opaque` of them
    /// opaque and the rest clear.
    pub(crate) fn png_rgba(width: u32, height: u32, opaque: usize) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, width, height);
            encoder.set_color(png::ColorType::Rgba);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().unwrap();
            let mut data = vec![0u8; (width * height * 4) as usize];
            for px in data.chunks_exact_mut(4).take(opaque) {
                px.copy_from_slice(&[200, 10, 10, 255]);
            }
            writer.write_image_data(&data).unwrap();
        }
        out
    }

    #[test]
    fn counts_clear_pixels() {
        let a = measure(&png_rgba(10, 10, 3)).unwrap();
        assert_eq!((a.format, a.width, a.height), ("png", 10, 10));
        assert_eq!(a.transparent_permille, 970);
        assert_eq!(
            measure(&png_rgba(4, 4, 16)).unwrap().transparent_permille,
            0
        );
        assert_eq!(
            measure(&png_rgba(4, 4, 0)).unwrap().transparent_permille,
            1_000
        );
    }

    #[test]
    fn opaque_formats_have_no_clear_pixels() {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, 3, 2);
            encoder.set_color(png::ColorType::Rgb);
            let mut writer = encoder.write_header().unwrap();
            writer.write_image_data(&[0u8; 18]).unwrap();
        }
        assert_eq!(measure(&out).unwrap().transparent_permille, 0);
    }

    /// A valid PNG header declaring a canvas far beyond the bound, with a
    /// few bytes of data: refused from the header, before any pixel buffer
    /// exists.
    #[test]
    fn decompression_bomb_is_a_typed_error() {
        let mut bomb = png_rgba(1, 1, 1);
        // IHDR: length at 8, type at 12, width and height at 16..24, CRC
        // of type and data at 29..33.
        bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let crc = crc32fast::hash(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(
            measure(&bomb),
            Err(IconError::TooLarge {
                width: 60_000,
                height: 60_000
            })
        );
        let wide = png_rgba(MAX_SIDE + 1, 1, 0);
        assert!(matches!(measure(&wide), Err(IconError::TooLarge { .. })));
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert_eq!(measure(b"GIF89a"), Err(IconError::UnknownFormat));
        let mut cut = png_rgba(8, 8, 8);
        cut.truncate(cut.len() - 20);
        assert!(matches!(measure(&cut), Err(IconError::Malformed { .. })));
        assert!(matches!(
            measure(b"RIFF\x10\0\0\0WEBPVP8X"),
            Err(IconError::Malformed { .. })
        ));
    }
}
