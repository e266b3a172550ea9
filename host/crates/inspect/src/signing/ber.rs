//! A tolerant BER reader for the PKCS#7 envelopes of JAR signatures.
//!
//! Many v1 signature blocks were written by old tools as BER, with
//! indefinite lengths and constructed strings, which the strict DER decoders
//! reject while Android accepts them. This reader walks tag-length-value
//! items and nothing more; callers pick the fields they need. Nesting depth
//! is bounded so a hostile block cannot exhaust the stack.

use std::fmt;

/// How deeply indefinite-length items may nest before we give up.
const MAX_DEPTH: u32 = 32;

/// Universal tag numbers, with the class and constructed bits as BER writes
/// them in the identifier octet.
pub const SEQUENCE: u32 = 0x30;
pub const SET: u32 = 0x31;
pub const INTEGER: u32 = 0x02;
pub const OCTET_STRING: u32 = 0x04;
pub const OID: u32 = 0x06;
/// `[0]` and `[1]` context-specific, constructed.
pub const CONTEXT_0: u32 = 0xa0;
pub const CONTEXT_1: u32 = 0xa1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BerError(pub &'static str);

impl fmt::Display for BerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// One tag-length-value item.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// The identifier octet(s) folded into one number: for low tag numbers
    /// this is the identifier octet itself (class, constructed bit, number).
    pub tag: u32,
    /// The contents, without the end-of-contents octets of an indefinite
    /// length.
    pub content: &'a [u8],
    /// The whole encoding, header included.
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    pub fn constructed(&self) -> bool {
        // Bit 6 of the first identifier octet, which `tag` keeps in place for
        // both low and high tag numbers (high ones are shifted left).
        self.raw.first().is_some_and(|b| b & 0x20 != 0)
    }

    /// The items inside a constructed item.
    pub fn children(&self) -> Children<'a> {
        Children {
            rest: self.content,
            failed: false,
        }
    }

    /// The bytes of a string type, joining the segments of a constructed
    /// (BER) string.
    pub fn string_bytes(&self) -> Result<Vec<u8>, BerError> {
        if !self.constructed() {
            return Ok(self.content.to_vec());
        }
        let mut out = Vec::with_capacity(self.content.len());
        collect_segments(self, &mut out, 0)?;
        Ok(out)
    }
}

fn collect_segments(tlv: &Tlv<'_>, out: &mut Vec<u8>, depth: u32) -> Result<(), BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError("constructed string nested too deeply"));
    }
    for child in tlv.children() {
        let child = child?;
        if child.constructed() {
            collect_segments(&child, out, depth + 1)?;
        } else {
            out.extend_from_slice(child.content);
        }
    }
    Ok(())
}

/// Iterates over the items of a constructed item's contents.
pub struct Children<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Tlv<'a>, BerError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() || self.failed {
            return None;
        }
        match read(self.rest) {
            Ok((tlv, rest)) => {
                self.rest = rest;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl<'a> Children<'a> {
    /// The next item, which must exist.
    pub fn required(&mut self, what: &'static str) -> Result<Tlv<'a>, BerError> {
        self.next().unwrap_or(Err(BerError(what)))
    }

    /// The next item if it has `tag`; otherwise nothing is consumed.
    pub fn optional(&mut self, tag: u32) -> Result<Option<Tlv<'a>>, BerError> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (tlv, rest) = read(self.rest)?;
        if tlv.tag != tag {
            return Ok(None);
        }
        self.rest = rest;
        Ok(Some(tlv))
    }
}

/// Reads one item from the front of `input`; returns it and what follows.
pub fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), BerError> {
    read_at_depth(input, 0)
}

/// Reads one item that must fill `input` exactly.
pub fn read_all(input: &[u8]) -> Result<Tlv<'_>, BerError> {
    let (tlv, rest) = read(input)?;
    if !rest.is_empty() {
        return Err(BerError("trailing data after the ASN.1 item"));
    }
    Ok(tlv)
}

fn read_at_depth(input: &[u8], depth: u32) -> Result<(Tlv<'_>, &[u8]), BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError("ASN.1 nested too deeply"));
    }
    let (tag, constructed, header_tag_len) = read_tag(input)?;
    let after_tag = input
        .get(header_tag_len..)
        .ok_or(BerError("truncated ASN.1 tag"))?;
    let first = *after_tag
        .first()
        .ok_or(BerError("truncated ASN.1 length"))?;
    if first == 0x80 {
        // Indefinite length: contents run until the end-of-contents octets
        // that close this item, found by walking the nested items.
        if !constructed {
            return Err(BerError("indefinite length on a primitive ASN.1 item"));
        }
        let body = after_tag.get(1..).ok_or(BerError("truncated ASN.1 item"))?;
        let mut pos = 0usize;
        loop {
            let rest = body.get(pos..).ok_or(BerError("truncated ASN.1 item"))?;
            if rest.starts_with(&[0, 0]) {
                let header_len = header_tag_len + 1;
                let total = header_len + pos + 2;
                let raw = input.get(..total).ok_or(BerError("truncated ASN.1 item"))?;
                let content = body.get(..pos).ok_or(BerError("truncated ASN.1 item"))?;
                let rest = input.get(total..).ok_or(BerError("truncated ASN.1 item"))?;
                return Ok((Tlv { tag, content, raw }, rest));
            }
            if rest.is_empty() {
                return Err(BerError(
                    "missing end-of-contents in indefinite-length item",
                ));
            }
            let (_, after) = read_at_depth(rest, depth + 1)?;
            pos += rest.len() - after.len();
        }
    }
    let (len, len_len) = if first < 0x80 {
        (usize::from(first), 1)
    } else {
        let n = usize::from(first & 0x7f);
        if n > 4 {
            return Err(BerError("ASN.1 length too large"));
        }
        let bytes = after_tag
            .get(1..1 + n)
            .ok_or(BerError("truncated ASN.1 length"))?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, 1 + n)
    };
    let header_len = header_tag_len + len_len;
    let total = header_len
        .checked_add(len)
        .ok_or(BerError("ASN.1 length overflows"))?;
    let raw = input
        .get(..total)
        .ok_or(BerError("ASN.1 item longer than its container"))?;
    let content = raw
        .get(header_len..)
        .ok_or(BerError("truncated ASN.1 item"))?;
    let rest = input.get(total..).ok_or(BerError("truncated ASN.1 item"))?;
    Ok((Tlv { tag, content, raw }, rest))
}

/// Returns (tag, constructed, identifier length). High tag numbers are
/// folded as `first_octet << 24 | number` so they never equal a low tag.
fn read_tag(input: &[u8]) -> Result<(u32, bool, usize), BerError> {
    let first = *input.first().ok_or(BerError("truncated ASN.1 tag"))?;
    let constructed = first & 0x20 != 0;
    if first & 0x1f != 0x1f {
        return Ok((u32::from(first), constructed, 1));
    }
    let mut number: u32 = 0;
    for (i, b) in input.iter().enumerate().skip(1).take(4) {
        number = (number << 7) | u32::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Ok(((u32::from(first) << 24) | number, constructed, i + 1));
        }
    }
    Err(BerError("ASN.1 tag number too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_and_indefinite() {
        // SEQUENCE (indefinite) { INTEGER 5, OCTET STRING (constructed, indefinite) {"ab", "c"} }
        let data = [
            0x30, 0x80, 0x02, 0x01, 0x05, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c',
            0x00, 0x00, 0x00, 0x00, 0xff,
        ];
        let (seq, rest) = read(&data).unwrap();
        assert_eq!(rest, &[0xff]);
        assert_eq!(seq.tag, SEQUENCE);
        let mut kids = seq.children();
        let int = kids.required("int").unwrap();
        assert_eq!(int.content, &[5]);
        let os = kids.required("os").unwrap();
        assert_eq!(os.tag, 0x24);
        assert_eq!(os.string_bytes().unwrap(), b"abc");
        assert!(kids.next().is_none());
    }

    #[test]
    fn hostile_inputs_fail_cleanly() {
        assert!(read(&[0x30, 0x85, 1, 2, 3, 4, 5]).is_err());
        assert!(read(&[0x30, 0x05, 0x02]).is_err());
        assert!(read(&[0x30, 0x80, 0x02, 0x01]).is_err());
        assert!(read(&[0x04, 0x80, 0x00, 0x00]).is_err());
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert!(read(&deep).is_err());
        assert!(read(&[0x1f, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_err());
    }
}
