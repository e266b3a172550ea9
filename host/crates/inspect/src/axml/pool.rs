//! The `ResStringPool` chunk shared by binary XML and `resources.arsc`.
//!
//! Strings are decoded on demand, with the checks of the platform's
//! `ResStringPool`: the pool must end in a NUL, and a string whose length
//! runs past the pool or that is not NUL-terminated cannot be read.

use std::borrow::Cow;

use super::{le_u16, le_u32, AxmlError};

const UTF8_FLAG: u32 = 1 << 8;
/// Size of `ResStringPool_header`.
const HEADER_LEN: usize = 28;

/// A string pool borrowed from its chunk.
#[derive(Debug, Clone, Copy, Default)]
pub struct StringPool<'a> {
    /// The string offsets, four bytes each.
    offsets: &'a [u8],
    /// The string data, from `stringsStart` to the styles or the chunk end.
    strings: &'a [u8],
    utf8: bool,
}

impl<'a> StringPool<'a> {
    /// Read a pool from its whole chunk (header included).
    pub fn parse(chunk: &'a [u8]) -> Result<StringPool<'a>, AxmlError> {
        let bad = AxmlError::StringPool;
        let header_len = usize::from(le_u16(chunk, 2).ok_or(bad("truncated header"))?);
        if header_len < HEADER_LEN || header_len > chunk.len() {
            return Err(bad("header size out of range"));
        }
        let field = |at: usize| {
            le_u32(chunk, at)
                .map(|v| v as usize)
                .ok_or(bad("truncated header"))
        };
        let (count, style_count, flags) = (field(8)?, field(12)?, field(16)? as u32);
        let (strings_start, styles_start) = (field(20)?, field(24)?);
        if count == 0 {
            return Ok(StringPool::default());
        }
        let offsets = count
            .checked_mul(4)
            .and_then(|len| chunk.get(header_len..header_len.checked_add(len)?))
            .ok_or(bad("string offsets run past the chunk"))?;
        // As in the platform: with no styles the strings run to the chunk
        // end, whatever `stylesStart` says.
        let strings_end = if style_count > 0 {
            styles_start
        } else {
            chunk.len()
        };
        let strings = chunk
            .get(strings_start..strings_end)
            .filter(|s| !s.is_empty())
            .ok_or(bad("string data out of range"))?;
        let utf8 = flags & UTF8_FLAG != 0;
        let last = if utf8 {
            strings.last().map(|&b| u16::from(b))
        } else {
            strings
                .len()
                .checked_sub(2)
                .and_then(|at| le_u16(strings, at))
        };
        if last != Some(0) {
            return Err(bad("last string is not NUL-terminated"));
        }
        Ok(StringPool {
            offsets,
            strings,
            utf8,
        })
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.offsets.len() / 4
    }

    /// Whether the pool holds no strings.
    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// String `index`, decoded.
    pub fn get(&self, index: u32) -> Result<Cow<'a, str>, AxmlError> {
        let offset = le_u32(self.offsets, (index as usize).saturating_mul(4))
            .ok_or(AxmlError::StringIndex(index))? as usize;
        let unterminated = AxmlError::StringNotTerminated { index };
        if self.utf8 {
            // UTF-16 length, then UTF-8 length, each one or two bytes.
            let (_, after) = utf8_len(self.strings, offset).ok_or(unterminated.clone())?;
            let (len, start) = utf8_len(self.strings, after).ok_or(unterminated.clone())?;
            let end = start.checked_add(len).ok_or(unterminated.clone())?;
            if self.strings.get(end) != Some(&0) {
                return Err(unterminated);
            }
            let bytes = self.strings.get(start..end).ok_or(unterminated)?;
            Ok(String::from_utf8_lossy(bytes))
        } else {
            let (len, start) = utf16_len(self.strings, offset).ok_or(unterminated.clone())?;
            let end = len
                .checked_mul(2)
                .and_then(|n| start.checked_add(n))
                .ok_or(unterminated.clone())?;
            if le_u16(self.strings, end) != Some(0) {
                return Err(unterminated);
            }
            let units = self.strings.get(start..end).ok_or(unterminated)?;
            let chars = units.chunks_exact(2).map(|u| match u {
                [lo, hi] => u16::from_le_bytes([*lo, *hi]),
                _ => 0,
            });
            Ok(Cow::Owned(
                char::decode_utf16(chars)
                    .map(|c| c.unwrap_or('\u{fffd}'))
                    .collect(),
            ))
        }
    }
}

/// A UTF-8 pool length: one byte, or two when the high bit is set.
fn utf8_len(data: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = *data.get(at)?;
    if first & 0x80 == 0 {
        return Some((usize::from(first), at + 1));
    }
    let second = *data.get(at + 1)?;
    Some((
        (usize::from(first & 0x7f) << 8) | usize::from(second),
        at + 2,
    ))
}

/// A UTF-16 pool length: one unit, or two when the high bit is set.
fn utf16_len(data: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = le_u16(data, at)?;
    if first & 0x8000 == 0 {
        return Some((usize::from(first), at + 2));
    }
    let second = le_u16(data, at + 2)?;
    Some((
        (usize::from(first & 0x7fff) << 16) | usize::from(second),
        at + 4,
    ))
}
