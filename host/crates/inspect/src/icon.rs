//! Launcher icon transparency: how much of a PNG or WebP is fully clear.
//!
//! A blank name and a transparent icon hide an app from its user
//! (HARASS-UNINSTALL-020), so the share of pixels with alpha 0 is a fact.
//! The image is hostile input: its size is checked against [`MAX_PIXELS`]
//! from the header before any pixel is decoded, PNG rows are counted one at
//! a time, and the decoders' own allocation limits are set, so a small file
//! that declares a huge canvas ends as [`IconError::TooLarge`], never as an
//! allocation the file chooses.
//!
//! Build or adopt: image-rs's own decoders are adopted, `png` 0.18 and
//! `image-webp` 0.2 (pure Rust, no unsafe C, fuzzed upstream, small
//! dependency trees; `image` itself would bring every other format). Both
//! give the canvas size from the header before decoding, which is what the
//! bound needs. The one thing written here is reading a lossy WebP's alpha
//! plane without its colour data (`lossy_alpha`), as that is all the
//! measurement needs.

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

fn webp_bad(e: image_webp::DecodingError) -> IconError {
    IconError::Malformed {
        format: "webp",
        reason: e.to_string(),
    }
}

fn webp_alpha(bytes: &[u8]) -> Result<Alpha, IconError> {
    lossy_alpha(bytes).unwrap_or_else(|| webp_full(bytes))
}

/// Decode the whole image and count its clear pixels.
fn webp_full(bytes: &[u8]) -> Result<Alpha, IconError> {
    let bad = webp_bad;
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

/// A still lossy WebP keeps its transparency in an `ALPH` chunk beside the
/// VP8 colour data. Counting clear pixels needs only that chunk, and
/// decoding it skips the VP8 decode that is most of the cost. `None` for
/// any other layout (lossless, animated, no alpha): the full decoder runs.
fn lossy_alpha(bytes: &[u8]) -> Option<Result<Alpha, IconError>> {
    let mut canvas = None;
    let (mut alph, mut vp8) = (None, false);
    let mut at = 12usize;
    while let Some(header) = bytes.get(at..at.checked_add(8)?) {
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let data = bytes.get(at + 8..(at + 8).checked_add(size)?)?;
        match &header[..4] {
            b"VP8X" => {
                let d = data.get(..10)?;
                let dim = |i: usize| u32::from_le_bytes([d[i], d[i + 1], d[i + 2], 0]) + 1;
                canvas = Some((dim(4), dim(7)));
            }
            b"ALPH" => alph = Some(data),
            b"VP8 " => vp8 = true,
            b"VP8L" | b"ANIM" | b"ANMF" => return None,
            _ => {}
        }
        at = at + 8 + size + (size & 1);
    }
    let ((width, height), alph) = (canvas?, alph?);
    if !vp8 {
        return None;
    }
    Some(alpha_plane(alph, width, height).map(|plane| Alpha {
        format: "webp",
        width,
        height,
        transparent_permille: permille(
            plane.iter().filter(|&&a| a == 0).count() as u64,
            width,
            height,
        ),
    }))
}

/// The alpha values of an `ALPH` chunk (RFC 9649 5.2.3): raw or a
/// header-less VP8L stream whose green channel is the alpha, then
/// unfiltered.
fn alpha_plane(chunk: &[u8], width: u32, height: u32) -> Result<Vec<u8>, IconError> {
    check_size(width, height)?;
    let malformed = |reason: &str| IconError::Malformed {
        format: "webp",
        reason: reason.to_owned(),
    };
    let (&flags, data) = chunk
        .split_first()
        .ok_or_else(|| malformed("empty ALPH chunk"))?;
    let pixels = (width * height) as usize;
    let mut plane = match flags & 3 {
        0 => data
            .get(..pixels)
            .ok_or_else(|| malformed("ALPH data shorter than the canvas"))?
            .to_vec(),
        1 => {
            // The stream lacks only the 5-byte VP8L header: give it one.
            let packed = (width - 1) | (height - 1) << 14;
            let mut payload = vec![0x2f];
            payload.extend_from_slice(&packed.to_le_bytes());
            payload.extend_from_slice(data);
            let mut riff = Vec::with_capacity(payload.len() + 21);
            let body = 12 + payload.len() + (payload.len() & 1);
            riff.extend_from_slice(b"RIFF");
            riff.extend_from_slice(&(body as u32).to_le_bytes());
            riff.extend_from_slice(b"WEBPVP8L");
            riff.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            riff.extend_from_slice(&payload);
            if payload.len() & 1 == 1 {
                riff.push(0);
            }
            let mut decoder = image_webp::WebPDecoder::new(Cursor::new(&riff)).map_err(webp_bad)?;
            decoder.set_memory_limit(DECODER_BYTES);
            let size = decoder
                .output_buffer_size()
                .filter(|&n| n as u64 <= MAX_PIXELS * 4)
                .ok_or(IconError::TooLarge { width, height })?;
            let channels = size / pixels.max(1);
            if channels < 3 {
                return Err(malformed("unexpected ALPH stream layout"));
            }
            let mut rgb = vec![0u8; size];
            decoder.read_image(&mut rgb).map_err(webp_bad)?;
            rgb.chunks_exact(channels).map(|px| px[1]).collect()
        }
        _ => return Err(malformed("unknown ALPH compression")),
    };
    unfilter(&mut plane, width as usize, (flags >> 2) & 3);
    Ok(plane)
}

/// Undo the ALPH prediction filter in place: 1 horizontal, 2 vertical,
/// 3 gradient. The first pixel is predicted from 0, the first row from the
/// left, the first column from above.
fn unfilter(plane: &mut [u8], width: usize, method: u8) {
    if method == 0 || width == 0 {
        return;
    }
    for i in 1..plane.len() {
        let (x, y) = (i % width, i / width);
        let left = if x > 0 { plane[i - 1] } else { 0 };
        let above = if y > 0 { plane[i - width] } else { 0 };
        let predictor = if y == 0 {
            left
        } else if x == 0 {
            above
        } else {
            match method {
                1 => left,
                2 => above,
                _ => {
                    let upper_left = plane[i - width - 1];
                    (i16::from(left) + i16::from(above) - i16::from(upper_left)).clamp(0, 255) as u8
                }
            }
        };
        plane[i] = plane[i].wrapping_add(predictor);
    }
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

    /// The ALPH fast path agrees with decoding the whole image, on the
    /// corpus's lossy WebP icons with alpha.
    #[test]
    fn lossy_alpha_matches_the_full_decode() {
        let apk = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../../shared/corpus/apk/apktool-GHSA-2hqv-2xv4-5h5w.apk");
        let Ok(bytes) = std::fs::read(&apk) else {
            eprintln!("NOTICE: {} is absent; skipping", apk.display());
            return;
        };
        let limits = crate::Limits::default();
        let archive = crate::zip::Archive::parse(&bytes[..], &limits).unwrap();
        let mut checked = 0;
        for entry in archive
            .entries()
            .iter()
            .filter(|e| e.name.ends_with(".webp"))
        {
            let data = archive.read(&bytes[..], entry, &limits).unwrap();
            let Some(fast) = lossy_alpha(&data) else {
                continue;
            };
            assert_eq!(fast.unwrap(), webp_full(&data).unwrap(), "{}", entry.name);
            checked += 1;
        }
        assert!(checked >= 5, "only {checked} lossy WebP icons with alpha");
    }

    /// A lossy WebP whose VP8X canvas is huge is refused from that header,
    /// before the alpha plane exists.
    #[test]
    fn lossy_alpha_bomb_is_refused() {
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x10\0\0\0".to_vec();
        webp.extend_from_slice(&[0x5f, 0xea, 0x00, 0x5f, 0xea, 0x00]); // 60000 x 60000
        webp.extend_from_slice(b"ALPH\x02\0\0\0\x01\x00VP8 \0\0\0\0");
        assert_eq!(
            measure(&webp),
            Err(IconError::TooLarge {
                width: 60_000,
                height: 60_000
            })
        );
    }

    /// Corrupted icons end in a measurement or a typed error, never a
    /// panic: random byte changes to a PNG and, where the corpus is
    /// present, to a lossy WebP with alpha (both decode paths).
    #[test]
    fn mutated_icons_never_panic() {
        let mut samples = vec![png_rgba(24, 24, 100)];
        let apk = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../../shared/corpus/apk/apktool-GHSA-2hqv-2xv4-5h5w.apk");
        if let Ok(bytes) = std::fs::read(&apk) {
            let limits = crate::Limits::default();
            let archive = crate::zip::Archive::parse(&bytes[..], &limits).unwrap();
            let entry = archive
                .entry("res/mipmap-mdpi-v4/ic_launcher.webp")
                .expect("webp icon");
            samples.push(archive.read(&bytes[..], entry, &limits).unwrap());
        }
        let mut mutator = crate::mutate::Mutator::new(0x9e37_79b9_7f4a_7c15);
        for sample in &samples {
            for _ in 0..1500 {
                let bytes = mutator.mutate(sample);
                if let Ok(a) = measure(&bytes) {
                    assert!(a.transparent_permille <= 1_000);
                }
            }
        }
    }

    #[test]
    fn alpha_filters_invert() {
        // Horizontal: each value is the difference to its left neighbour
        // (above, in the first column).
        let mut plane = vec![10, 0, 246, 5, 0, 0];
        unfilter(&mut plane, 3, 1);
        assert_eq!(plane, [10, 10, 0, 15, 15, 15]);
        let mut plane = vec![10, 1, 1, 0, 0, 246];
        unfilter(&mut plane, 3, 2);
        assert_eq!(plane, [10, 11, 12, 10, 11, 2]);
        // Gradient: left + above - upper-left, clamped.
        let mut plane = vec![200, 50, 0, 0];
        unfilter(&mut plane, 2, 3);
        assert_eq!(plane, [200, 250, 200, 250]);
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
