//! The APK Signing Block: where it sits, and the ID-value pairs inside it.
//!
//! The block lies immediately before the ZIP central directory and ends with
//! its size (repeated from its first eight bytes) and the magic
//! `APK Sig Block 42`. A block that is absent, or malformed in a way that makes
//! apksig's `findApkSigningBlock` / `findApkSignatureSchemeBlock` give up, is
//! "not found" to Android: the platform then falls back to the older schemes.
//! We keep the reason so the facts can say why a block was ignored.
//!
//! Also here: [`Le`], the little-endian, length-prefixed reader that every
//! structure inside the block uses.

use crate::{Limits, ReadAt};

/// Block IDs of the signature schemes we verify.
pub const V2_BLOCK_ID: u32 = 0x7109_871a;
pub const V3_BLOCK_ID: u32 = 0xf053_68c0;
pub const V31_BLOCK_ID: u32 = 0x1b93_ad61;

const MAGIC: &[u8; 16] = b"APK Sig Block 42";
/// Size fields, pairs and magic: the smallest block apksig accepts.
const MIN_SIZE: u64 = 32;

/// A located APK Signing Block.
#[derive(Debug, Clone)]
pub struct SigningBlock {
    /// File offset of the block's first byte.
    pub offset: u64,
    /// The whole block, from its leading size field to the magic.
    bytes: Vec<u8>,
}

/// Why there is no usable APK Signing Block (or block of one scheme).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    pub reason: String,
    /// Something block-like is there but broken, as opposed to simply absent.
    pub malformed: bool,
}

fn malformed(reason: String) -> NotFound {
    NotFound {
        reason,
        malformed: true,
    }
}

fn absent(reason: &str) -> NotFound {
    NotFound {
        reason: reason.to_string(),
        malformed: false,
    }
}

impl SigningBlock {
    /// Finds the block before the central directory at `cd_offset`, which the
    /// EOCD says ends at `eocd_offset` (`cd_offset + cd_size` must be it).
    pub fn locate<R: ReadAt + ?Sized>(
        src: &R,
        cd_offset: u64,
        cd_size: u64,
        eocd_offset: u64,
        limits: &Limits,
    ) -> Result<SigningBlock, NotFound> {
        if cd_offset.checked_add(cd_size) != Some(eocd_offset) {
            return Err(malformed(format!(
                "ZIP central directory (offset {cd_offset}, size {cd_size}) is not immediately \
                 followed by the end of central directory at {eocd_offset}"
            )));
        }
        if cd_offset < MIN_SIZE {
            return Err(absent("APK too small for an APK Signing Block"));
        }
        let mut footer = [0u8; 24];
        src.read_exact_at(cd_offset - 24, &mut footer)
            .map_err(|e| malformed(format!("reading the APK Signing Block footer: {e}")))?;
        let size_in_footer = le_u64(&footer, 0);
        if footer.get(8..24) != Some(MAGIC.as_slice()) {
            // Tell a damaged block from none: both size fields still agree.
            let mut header = [0u8; 8];
            let looks_like_block = (24..=i32::MAX as u64).contains(&size_in_footer)
                && cd_offset
                    .checked_sub(size_in_footer + 8)
                    .is_some_and(|start| src.read_exact_at(start, &mut header).is_ok())
                && le_u64(&header, 0) == size_in_footer;
            return Err(if looks_like_block {
                malformed("the APK Signing Block's magic is wrong".into())
            } else {
                absent("no APK Signing Block before the ZIP central directory")
            });
        }
        // apksig rejects sizes below the footer and above Integer.MAX_VALUE - 8.
        if size_in_footer < 24 || size_in_footer > (i32::MAX as u64) - 8 {
            return Err(malformed(format!(
                "APK Signing Block size out of range: {size_in_footer}"
            )));
        }
        let total = size_in_footer + 8;
        let offset = cd_offset.checked_sub(total).ok_or_else(|| {
            malformed(format!(
                "APK Signing Block offset out of range (size {total})"
            ))
        })?;
        if total > limits.max_signing_block_size {
            return Err(malformed(format!(
                "APK Signing Block of {total} bytes exceeds the limit of {} bytes",
                limits.max_signing_block_size
            )));
        }
        let len =
            usize::try_from(total).map_err(|_| malformed("APK Signing Block too large".into()))?;
        let mut bytes = vec![0u8; len];
        src.read_exact_at(offset, &mut bytes)
            .map_err(|e| malformed(format!("reading the APK Signing Block: {e}")))?;
        let size_in_header = le_u64(&bytes, 0);
        if size_in_header != size_in_footer {
            return Err(malformed(format!(
                "APK Signing Block sizes in header and footer do not match: {size_in_header} vs \
                 {size_in_footer}"
            )));
        }
        Ok(SigningBlock { offset, bytes })
    }

    /// The value of the first pair with `id`. Like apksig, pairs are walked
    /// in order and a malformed pair before the wanted one ends the search.
    pub fn find(&self, id: u32) -> Result<&[u8], NotFound> {
        find_pair(&self.bytes, id)
    }
}

/// Looks `id` up in a whole block's bytes (size fields and magic included).
pub fn find_pair(block: &[u8], id: u32) -> Result<&[u8], NotFound> {
    let end = block.len().saturating_sub(24);
    let mut pairs = block.get(8..end).unwrap_or_default();
    let mut entry = 0u32;
    while !pairs.is_empty() {
        entry += 1;
        let len_bytes = pairs.get(..8).ok_or_else(|| {
            malformed(format!(
                "insufficient data to read the size of APK Signing Block entry #{entry}"
            ))
        })?;
        let len = le_u64(len_bytes, 0);
        let rest = pairs.get(8..).unwrap_or_default();
        if len < 4 || len > i32::MAX as u64 || len > rest.len() as u64 {
            return Err(malformed(format!(
                "APK Signing Block entry #{entry} size out of range: {len} (available: {})",
                rest.len()
            )));
        }
        let len = len as usize;
        let pair = rest.get(..len).unwrap_or_default();
        let pair_id = le_u32(pair, 0);
        if pair_id == id {
            return Ok(pair.get(4..).unwrap_or_default());
        }
        pairs = rest.get(len..).unwrap_or_default();
    }
    Err(NotFound {
        reason: format!("no block with ID {id:#010x} in the APK Signing Block"),
        malformed: false,
    })
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut v = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        v.copy_from_slice(s);
    }
    u64::from_le_bytes(v)
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut v = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        v.copy_from_slice(s);
    }
    u32::from_le_bytes(v)
}

/// A structure inside the signing block ended early or claimed more bytes
/// than it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncated;

/// Little-endian reader over length-prefixed structures (uint32 lengths).
#[derive(Debug, Clone, Copy)]
pub struct Le<'a> {
    buf: &'a [u8],
}

impl<'a> Le<'a> {
    pub fn new(buf: &'a [u8]) -> Le<'a> {
        Le { buf }
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn u32(&mut self) -> Result<u32, Truncated> {
        let b = self.buf.get(..4).ok_or(Truncated)?;
        let v = le_u32(b, 0);
        self.buf = self.buf.get(4..).unwrap_or_default();
        Ok(v)
    }

    /// A length-prefixed slice. Lengths above `i32::MAX` are malformed, as
    /// they are negative to Java.
    pub fn prefixed(&mut self) -> Result<&'a [u8], Truncated> {
        let len = self.u32()?;
        if len > i32::MAX as u32 {
            return Err(Truncated);
        }
        let len = len as usize;
        let v = self.buf.get(..len).ok_or(Truncated)?;
        self.buf = self.buf.get(len..).unwrap_or_default();
        Ok(v)
    }

    /// Whatever has not been read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(pairs: &[(u32, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (id, v) in pairs {
            body.extend_from_slice(&((v.len() + 4) as u64).to_le_bytes());
            body.extend_from_slice(&id.to_le_bytes());
            body.extend_from_slice(v);
        }
        let size = (body.len() + 24) as u64;
        let mut out = size.to_le_bytes().to_vec();
        out.extend_from_slice(&body);
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(MAGIC);
        out
    }

    #[test]
    fn locates_and_finds_pairs() {
        let mut apk = vec![0u8; 100];
        apk.extend(block(&[(0x42, b"pad"), (V2_BLOCK_ID, b"v2!")]));
        let cd = apk.len() as u64;
        apk.extend_from_slice(b"CDCD");
        let b = SigningBlock::locate(&apk, cd, 4, cd + 4, &Limits::default()).unwrap();
        assert_eq!(b.offset, 100);
        assert_eq!(b.find(V2_BLOCK_ID).unwrap(), b"v2!");
        assert!(b.find(V3_BLOCK_ID).is_err());
    }

    #[test]
    fn rejects_bad_magic_and_sizes() {
        let mut apk = vec![0u8; 100];
        let mut blk = block(&[(V2_BLOCK_ID, b"x")]);
        let n = blk.len();
        blk[n - 1] = b'3';
        apk.extend(blk);
        let cd = apk.len() as u64;
        assert!(SigningBlock::locate(&apk, cd, 0, cd, &Limits::default()).is_err());

        let mut apk = vec![0u8; 100];
        let mut blk = block(&[(V2_BLOCK_ID, b"x")]);
        blk[0] ^= 1;
        apk.extend(blk);
        let cd = apk.len() as u64;
        assert!(SigningBlock::locate(&apk, cd, 0, cd, &Limits::default()).is_err());
    }

    #[test]
    fn malformed_pair_ends_the_search() {
        let mut blk = block(&[(0x42, b"pad"), (V2_BLOCK_ID, b"v2")]);
        // Corrupt the first pair's length so it runs past the pairs.
        blk[8] = 0xff;
        assert!(find_pair(&blk, V2_BLOCK_ID).is_err());
    }

    #[test]
    fn le_reader_bounds() {
        let mut r = Le::new(&[3, 0, 0, 0, 1, 2]);
        assert_eq!(r.prefixed(), Err(Truncated));
        let mut r = Le::new(&[0xff, 0xff, 0xff, 0xff]);
        assert_eq!(r.prefixed(), Err(Truncated));
    }
}
