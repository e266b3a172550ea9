//! A bounded reader over one DEX file's bytes.
//!
//! It reads only what inspection needs: the header, the id tables
//! (`string_ids`, `type_ids`, `proto_ids`, `field_ids`, `method_ids`),
//! `class_defs`, the `class_data` of each class and, where a caller asks, the
//! instructions of a code item. Nothing is decoded up front: strings are
//! sliced out of the input on demand and stay MUTF-8 bytes until a caller
//! turns one into text.
//!
//! Every offset comes from the file, so every read goes through `get` and a
//! [`Budget`]: a hostile file can point many ids at the same long string or
//! many classes at the same code, and the budget turns that quadratic walk
//! into an error after a fixed multiple of the file's size.

use std::borrow::Cow;
use std::cell::Cell;

/// Why a dex file could not be read. Static text keeps the reader free of
/// allocation; the caller names the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed(pub &'static str);

type Result<T> = std::result::Result<T, Malformed>;

const HEADER_LEN: usize = 0x70;
const ENDIAN_CONSTANT: u32 = 0x1234_5678;
const NO_INDEX: u32 = 0xffff_ffff;

/// Reads charged per byte of input before the file counts as hostile. A
/// well-formed file is read about twice (strings once for names, once for
/// URLs; code once), so eight times leaves ample room.
const BUDGET_PER_BYTE: u64 = 8;
/// Floor of the budget, so tiny files are not judged by their size alone.
const BUDGET_FLOOR: u64 = 1 << 20;

/// Work allowed on one file, charged in bytes read.
#[derive(Debug)]
pub(crate) struct Budget(Cell<u64>);

impl Budget {
    fn for_len(len: usize) -> Budget {
        Budget(Cell::new(
            (len as u64)
                .saturating_mul(BUDGET_PER_BYTE)
                .max(BUDGET_FLOOR),
        ))
    }

    pub(crate) fn charge(&self, bytes: usize) -> Result<()> {
        let left = self.0.get().checked_sub(bytes as u64).ok_or(Malformed(
            "ids or code items overlap far beyond the file's size",
        ))?;
        self.0.set(left);
        Ok(())
    }
}

/// One id table: where it starts and how many fixed-size items it holds.
#[derive(Debug, Clone, Copy)]
struct Table {
    off: usize,
    count: u32,
    item: usize,
}

impl Table {
    fn read(data: &[u8], at: usize, item: usize, what: &'static str) -> Result<Table> {
        let count = u32_at(data, at)?;
        let off = u32_at(data, at + 4)? as usize;
        if count == 0 {
            return Ok(Table {
                off: 0,
                count,
                item,
            });
        }
        let end = (count as usize)
            .checked_mul(item)
            .and_then(|n| n.checked_add(off));
        match end {
            Some(end) if end <= data.len() => Ok(Table { off, count, item }),
            _ => Err(Malformed(what)),
        }
    }

    /// Byte offset of item `idx`, which the constructor proved in range.
    fn at(&self, idx: u32) -> Result<usize> {
        if idx >= self.count {
            return Err(Malformed("index out of its table"));
        }
        Ok(self.off + idx as usize * self.item)
    }
}

/// A class definition, as far as inspection uses it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClassDef {
    pub class_idx: u32,
    pub superclass_idx: Option<u32>,
    pub interfaces_off: u32,
    pub class_data_off: u32,
}

/// A method of a class's `class_data`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EncodedMethod {
    pub method_idx: u32,
    /// Zero for abstract and native methods.
    pub code_off: u32,
}

/// A reference made by one instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeRef {
    /// An `invoke-*` of `method_ids[idx]`.
    Method(u32),
    /// An `sget*` of `field_ids[idx]`.
    StaticField(u32),
    /// A `const-string` of `string_ids[idx]`.
    String(u32),
}

/// One parsed DEX file, borrowing its bytes.
#[derive(Debug)]
pub(crate) struct Dex<'a> {
    data: &'a [u8],
    string_ids: Table,
    type_ids: Table,
    proto_ids: Table,
    field_ids: Table,
    method_ids: Table,
    class_defs: Table,
    budget: Budget,
}

impl<'a> Dex<'a> {
    /// Check the header and the bounds of every id table.
    pub(crate) fn parse(data: &'a [u8]) -> Result<Dex<'a>> {
        let magic = data
            .get(..8)
            .ok_or(Malformed("shorter than a dex header"))?;
        let version_ok = magic
            .get(4..7)
            .is_some_and(|v| v.iter().all(u8::is_ascii_digit));
        if magic.get(..4) != Some(b"dex\n") || !version_ok || magic.get(7) != Some(&0) {
            return Err(Malformed("not a dex file (bad magic)"));
        }
        if data.len() < HEADER_LEN {
            return Err(Malformed("shorter than a dex header"));
        }
        if u32_at(data, 40)? != ENDIAN_CONSTANT {
            return Err(Malformed("unsupported endianness"));
        }
        if (u32_at(data, 36)? as usize) < HEADER_LEN {
            return Err(Malformed("header size below 0x70"));
        }
        let file_size = u32_at(data, 32)? as usize;
        let data = data
            .get(..file_size)
            .ok_or(Malformed("file is shorter than its header says"))?;
        Ok(Dex {
            data,
            string_ids: Table::read(data, 56, 4, "string_ids out of bounds")?,
            type_ids: Table::read(data, 64, 4, "type_ids out of bounds")?,
            proto_ids: Table::read(data, 72, 12, "proto_ids out of bounds")?,
            field_ids: Table::read(data, 80, 8, "field_ids out of bounds")?,
            method_ids: Table::read(data, 88, 8, "method_ids out of bounds")?,
            class_defs: Table::read(data, 96, 32, "class_defs out of bounds")?,
            budget: Budget::for_len(data.len()),
        })
    }

    pub(crate) fn string_count(&self) -> u32 {
        self.string_ids.count
    }
    pub(crate) fn type_count(&self) -> u32 {
        self.type_ids.count
    }
    pub(crate) fn field_count(&self) -> u32 {
        self.field_ids.count
    }
    pub(crate) fn method_count(&self) -> u32 {
        self.method_ids.count
    }
    pub(crate) fn class_count(&self) -> u32 {
        self.class_defs.count
    }

    /// The MUTF-8 bytes of `string_ids[idx]`, without the terminating NUL.
    pub(crate) fn string(&self, idx: u32) -> Result<&'a [u8]> {
        let off = u32_at(self.data, self.string_ids.at(idx)?)? as usize;
        let mut pos = off;
        let utf16_len = uleb128(self.data, &mut pos)?;
        // Each UTF-16 unit takes one to three bytes; the NUL must follow.
        let window = (utf16_len as usize).saturating_mul(3).saturating_add(1);
        let rest = self
            .data
            .get(pos..)
            .ok_or(Malformed("string data out of bounds"))?;
        let rest = rest.get(..window.min(rest.len())).unwrap_or(rest);
        let len = memchr::memchr(0, rest).ok_or(Malformed("unterminated string"))?;
        self.budget.charge(len + 1)?;
        Ok(rest.get(..len).unwrap_or_default())
    }

    /// The descriptor of `type_ids[idx]`, e.g. `Ljava/lang/String;`.
    pub(crate) fn type_descriptor(&self, idx: u32) -> Result<&'a [u8]> {
        let string_idx = u32_at(self.data, self.type_ids.at(idx)?)?;
        self.string(string_idx)
    }

    /// `(class type, proto, name string)` of `method_ids[idx]`.
    pub(crate) fn method_id(&self, idx: u32) -> Result<(u32, u32, u32)> {
        let at = self.method_ids.at(idx)?;
        Ok((
            u32::from(u16_at(self.data, at)?),
            u32::from(u16_at(self.data, at + 2)?),
            u32_at(self.data, at + 4)?,
        ))
    }

    /// `(class type, name string)` of `field_ids[idx]`.
    pub(crate) fn field_id(&self, idx: u32) -> Result<(u32, u32)> {
        let at = self.field_ids.at(idx)?;
        Ok((
            u32::from(u16_at(self.data, at)?),
            u32_at(self.data, at + 4)?,
        ))
    }

    /// Parameter types of `proto_ids[idx]`.
    pub(crate) fn proto_params(&self, idx: u32) -> Result<TypeList<'a>> {
        let at = self.proto_ids.at(idx)?;
        self.type_list(u32_at(self.data, at + 8)?)
    }

    pub(crate) fn class_def(&self, idx: u32) -> Result<ClassDef> {
        let at = self.class_defs.at(idx)?;
        let superclass = u32_at(self.data, at + 8)?;
        Ok(ClassDef {
            class_idx: u32_at(self.data, at)?,
            superclass_idx: (superclass != NO_INDEX).then_some(superclass),
            interfaces_off: u32_at(self.data, at + 12)?,
            class_data_off: u32_at(self.data, at + 24)?,
        })
    }

    /// A `type_list` (interfaces, parameters); offset 0 is the empty list.
    pub(crate) fn type_list(&self, off: u32) -> Result<TypeList<'a>> {
        if off == 0 {
            return Ok(TypeList { items: &[] });
        }
        let off = off as usize;
        let count = u32_at(self.data, off)? as usize;
        let items = count
            .checked_mul(2)
            .and_then(|n| self.data.get(off + 4..)?.get(..n))
            .ok_or(Malformed("type_list out of bounds"))?;
        self.budget.charge(items.len())?;
        Ok(TypeList { items })
    }

    /// The direct and virtual methods of a class, in file order.
    pub(crate) fn methods(&self, class: &ClassDef) -> Result<Vec<EncodedMethod>> {
        let mut out = Vec::new();
        if class.class_data_off == 0 {
            return Ok(out);
        }
        let mut pos = class.class_data_off as usize;
        let start = pos;
        let statics = uleb128(self.data, &mut pos)?;
        let instances = uleb128(self.data, &mut pos)?;
        let directs = uleb128(self.data, &mut pos)?;
        let virtuals = uleb128(self.data, &mut pos)?;
        // Every field takes two bytes or more: skip without trusting counts.
        for _ in 0..u64::from(statics) + u64::from(instances) {
            uleb128(self.data, &mut pos)?;
            uleb128(self.data, &mut pos)?;
        }
        for count in [directs, virtuals] {
            let mut method_idx = 0u32;
            for _ in 0..count {
                let diff = uleb128(self.data, &mut pos)?;
                uleb128(self.data, &mut pos)?;
                let code_off = uleb128(self.data, &mut pos)?;
                method_idx = method_idx
                    .checked_add(diff)
                    .ok_or(Malformed("method index overflows"))?;
                out.push(EncodedMethod {
                    method_idx,
                    code_off,
                });
            }
        }
        self.budget.charge(pos - start)?;
        Ok(out)
    }

    /// The instructions of the code item at `code_off`, as raw bytes.
    pub(crate) fn insns(&self, code_off: u32) -> Result<&'a [u8]> {
        let at = code_off as usize;
        let units = u32_at(
            self.data,
            at.checked_add(12).ok_or(Malformed("code out of bounds"))?,
        )?;
        let insns = (units as usize)
            .checked_mul(2)
            .and_then(|n| self.data.get(at + 16..)?.get(..n))
            .ok_or(Malformed("code item out of bounds"))?;
        self.budget.charge(insns.len())?;
        Ok(insns)
    }
}

/// A `type_list`: `u16` type indices.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TypeList<'a> {
    items: &'a [u8],
}

impl<'a> TypeList<'a> {
    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        self.items
            .chunks_exact(2)
            .map(|c| u32::from(u16::from_le_bytes([c[0], c[1]])))
    }
    pub(crate) fn len(&self) -> usize {
        self.items.len() / 2
    }
}

/// Code units (16-bit) taken by each opcode; payload pseudo-instructions,
/// which hide behind opcode 0x00 (`nop`), are sized separately. From the
/// Dalvik bytecode format table; unused opcodes are one unit.
const WIDTH: [u8; 256] = {
    let mut w = [1u8; 256];
    let mut op = 0;
    while op < 256 {
        w[op] = match op {
            0x02 | 0x05 | 0x08 | 0x13 | 0x15 | 0x16 | 0x19 | 0x1a | 0x1c | 0x1f | 0x20 | 0x22
            | 0x23 | 0x29 => 2,
            0x03 | 0x06 | 0x09 | 0x14 | 0x17 | 0x1b | 0x24 | 0x25 | 0x26 | 0x2a | 0x2b | 0x2c => 3,
            0x18 => 5,
            0x2d..=0x3d => 2,
            0x44..=0x6d => 2,
            0x6e..=0x72 | 0x74..=0x78 => 3,
            0x90..=0xaf => 2,
            0xd0..=0xe2 => 2,
            0xfa | 0xfb => 4,
            0xfc | 0xfd => 3,
            0xfe | 0xff => 2,
            _ => 1,
        };
        op += 1;
    }
    w
};

/// Call `f` for every method invocation, static field read and string
/// constant in `insns`.
/// A truncated final instruction ends the walk: it cannot execute either.
pub(crate) fn for_each_ref(insns: &[u8], mut f: impl FnMut(CodeRef)) {
    let unit = |pc: usize| -> Option<u16> {
        let b = insns.get(pc * 2..pc * 2 + 2)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    };
    let units = insns.len() / 2;
    let mut pc = 0usize;
    while pc < units {
        let Some(first) = unit(pc) else { return };
        let op = (first & 0xff) as u8;
        let width = if op == 0 {
            match payload_width(first >> 8, pc, &unit) {
                Some(w) => w,
                None => return,
            }
        } else {
            u64::from(WIDTH[usize::from(op)])
        };
        match op {
            0x6e..=0x72 | 0x74..=0x78 | 0xfa | 0xfb => {
                if let Some(idx) = unit(pc + 1) {
                    f(CodeRef::Method(u32::from(idx)));
                }
            }
            0x60..=0x66 => {
                if let Some(idx) = unit(pc + 1) {
                    f(CodeRef::StaticField(u32::from(idx)));
                }
            }
            0x1a => {
                if let Some(idx) = unit(pc + 1) {
                    f(CodeRef::String(u32::from(idx)));
                }
            }
            0x1b => {
                if let (Some(lo), Some(hi)) = (unit(pc + 1), unit(pc + 2)) {
                    f(CodeRef::String(u32::from(lo) | u32::from(hi) << 16));
                }
            }
            _ => {}
        }
        match usize::try_from(width).ok().and_then(|w| pc.checked_add(w)) {
            Some(next) => pc = next,
            None => return,
        }
    }
}

/// Width in code units of the `nop`-led unit at `pc`: a switch or array
/// payload, or a plain `nop`.
fn payload_width(ident: u16, pc: usize, unit: &impl Fn(usize) -> Option<u16>) -> Option<u64> {
    Some(match ident {
        0x01 => 4 + u64::from(unit(pc + 1)?) * 2,
        0x02 => 2 + u64::from(unit(pc + 1)?) * 4,
        0x03 => {
            let width = u64::from(unit(pc + 1)?);
            let size = u64::from(unit(pc + 2)?) | u64::from(unit(pc + 3)?) << 16;
            4 + (width * size).div_ceil(2)
        }
        _ => 1,
    })
}

/// Turn MUTF-8 into text: borrowed when it is plain UTF-8 (almost always),
/// decoded otherwise (NUL as `C0 80`, supplementary characters as surrogate
/// pairs). Invalid sequences become U+FFFD.
pub(crate) fn mutf8(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(s);
    }
    let mut units = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b0) = bytes.get(i) {
        let cont = |k: usize| {
            bytes
                .get(i + k)
                .filter(|&&b| b & 0xc0 == 0x80)
                .map(|&b| u16::from(b & 0x3f))
        };
        let (unit, len) = if b0 < 0x80 {
            (u16::from(b0), 1)
        } else if b0 & 0xe0 == 0xc0 {
            match cont(1) {
                Some(c1) => (u16::from(b0 & 0x1f) << 6 | c1, 2),
                None => (0xfffd, 1),
            }
        } else if b0 & 0xf0 == 0xe0 {
            match (cont(1), cont(2)) {
                (Some(c1), Some(c2)) => (u16::from(b0 & 0x0f) << 12 | c1 << 6 | c2, 3),
                _ => (0xfffd, 1),
            }
        } else {
            (0xfffd, 1)
        };
        units.push(unit);
        i += len;
    }
    Cow::Owned(String::from_utf16_lossy(&units))
}

fn u16_at(data: &[u8], at: usize) -> Result<u16> {
    data.get(at..at.wrapping_add(2))
        .and_then(|b| b.try_into().ok())
        .map(u16::from_le_bytes)
        .ok_or(Malformed("read past the end"))
}

fn u32_at(data: &[u8], at: usize) -> Result<u32> {
    data.get(at..at.wrapping_add(4))
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or(Malformed("read past the end"))
}

/// An unsigned LEB128 of at most five bytes, as DEX uses.
fn uleb128(data: &[u8], pos: &mut usize) -> Result<u32> {
    let mut value = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = *data.get(*pos).ok_or(Malformed("read past the end"))?;
        *pos += 1;
        value |= u32::from(byte & 0x7f).wrapping_shl(shift);
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(Malformed("LEB128 longer than five bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutf8_decodes_nul_and_surrogates() {
        assert_eq!(mutf8(b"Lcom/a/B;"), "Lcom/a/B;");
        assert_eq!(mutf8(&[b'a', 0xc0, 0x80, b'b']), "a\0b");
        // U+1F600 as a CESU-8 surrogate pair.
        assert_eq!(mutf8(&[0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]), "\u{1f600}");
        assert_eq!(mutf8(&[0xff, b'x']), "\u{fffd}x");
    }

    #[test]
    fn walk_finds_invokes_and_skips_payloads() {
        let code: Vec<u16> = vec![
            0x0070, 0x0007, 0x0000, // invoke-direct {}, method@7
            0x0000, // nop
            0x0300, 0x0001, 0x0003, 0x0000, 0x0102,
            0x0003, // fill-array-data payload: 3 bytes
            0x0062, 0x0009, // sget-object v0, field@9
            0x001b, 0x0002, 0x0001, // const-string/jumbo v0, string@0x10002
            0x0074, 0xffff, 0x0000, // invoke-virtual/range method@65535
            0x000e, // return-void
            0x006e, // truncated invoke
        ];
        let bytes: Vec<u8> = code.iter().flat_map(|u| u.to_le_bytes()).collect();
        let mut seen = Vec::new();
        for_each_ref(&bytes, |r| seen.push(r));
        assert_eq!(
            seen,
            [
                CodeRef::Method(7),
                CodeRef::StaticField(9),
                CodeRef::String(0x1_0002),
                CodeRef::Method(0xffff)
            ]
        );
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(Dex::parse(b"").is_err());
        assert!(Dex::parse(b"dex\n035\0").is_err());
        let mut header = vec![0u8; HEADER_LEN];
        header[..8].copy_from_slice(b"dex\n035\0");
        header[32..36].copy_from_slice(&(HEADER_LEN as u32).to_le_bytes());
        header[36..40].copy_from_slice(&(HEADER_LEN as u32).to_le_bytes());
        header[40..44].copy_from_slice(&ENDIAN_CONSTANT.to_le_bytes());
        assert!(Dex::parse(&header).is_ok());
        // A huge string table that cannot fit.
        header[56..60].copy_from_slice(&u32::MAX.to_le_bytes());
        header[60..64].copy_from_slice(&0x70u32.to_le_bytes());
        assert!(Dex::parse(&header).is_err());
    }
}
