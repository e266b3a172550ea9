//! Canonical JSON: the one byte form of a JSON value that gets signed or hashed.
//!
//! A signature over a manifest must not break when a tool re-indents the file
//! or reorders its keys, and two listings that differ only in layout must get
//! the same content address. Both therefore hash these bytes, never the bytes
//! as received. The form is the RFC 8785 (JCS) profile that has no floats:
//!
//! - UTF-8, no whitespace between tokens;
//! - object members sorted by key, comparing the keys' UTF-8 bytes (JCS
//!   compares UTF-16 units; the two orders agree unless a key mixes characters
//!   above U+FFFF with ones in U+E000..U+FFFF);
//! - strings escaped as JCS does: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`,
//!   other characters below U+0020 as `\u00xx` in lowercase hex, everything
//!   else literal;
//! - integers in plain decimal; other numbers as `serde_json` prints them,
//!   the shortest text that reads back as the same double. JCS prints those
//!   as JavaScript does, which differs for some (`1.0` against `1`, `1e21`
//!   against `1e+21`), so a document that other tools must sign too should
//!   hold integers only, as bundle manifests do.
//!
//! The workspace builds `serde_json` with `preserve_order`, so sorting cannot be
//! left to `serde_json::Map`: this module sorts explicitly.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// A value that has no canonical form.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CanonicalError {
    #[error("JSON nested deeper than {limit} levels")]
    TooDeep { limit: usize },
}

/// Nesting bound, so a value built in memory cannot exhaust the stack;
/// `serde_json` refuses to parse deeper than 128 levels anyway.
const MAX_DEPTH: usize = 128;

/// The canonical bytes of `value`.
pub fn to_vec(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::new();
    write_value(value, &mut out, 0)?;
    Ok(out)
}

/// Lowercase hex sha256 of the canonical bytes of `value`.
pub fn sha256_hex(value: &Value) -> Result<String, CanonicalError> {
    Ok(hex(&Sha256::digest(to_vec(value)?)))
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

fn write_value(value: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), CanonicalError> {
    if depth > MAX_DEPTH {
        return Err(CanonicalError::TooDeep { limit: MAX_DEPTH });
    }
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // Integers print exactly, other numbers in ryu's shortest form.
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out, depth + 1)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write_value(item, out, depth + 1)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if u32::from(c) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", u32::from(c)).as_bytes())
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: Value) -> String {
        String::from_utf8(to_vec(&v).unwrap()).unwrap()
    }

    #[test]
    fn sorts_keys_and_drops_whitespace() {
        let a: Value =
            serde_json::from_str(r#"{ "b": 1, "a": {"z": [1, 2], "y": null} }"#).unwrap();
        assert_eq!(canon(a), r#"{"a":{"y":null,"z":[1,2]},"b":1}"#);
    }

    #[test]
    fn layout_does_not_change_the_digest() {
        let a: Value = serde_json::from_str("{\"k\":\"v\",\"n\":-3}").unwrap();
        let b: Value = serde_json::from_str("{\n  \"n\" : -3,\n  \"k\" : \"v\"\n}").unwrap();
        assert_eq!(sha256_hex(&a).unwrap(), sha256_hex(&b).unwrap());
    }

    #[test]
    fn escapes_like_jcs() {
        assert_eq!(
            canon(json!("q\"b\\n\n\u{1}é€😀\u{7f}")),
            "\"q\\\"b\\\\n\\n\\u0001é€😀\u{7f}\""
        );
    }

    #[test]
    fn numbers_print_exactly() {
        assert_eq!(
            canon(json!([u64::MAX, i64::MIN, 0, 1.5, -0.25])),
            format!("[{},{},0,1.5,-0.25]", u64::MAX, i64::MIN)
        );
    }

    #[test]
    fn refuses_absurd_depth() {
        let mut v = json!(0);
        for _ in 0..200 {
            v = json!([v]);
        }
        assert_eq!(
            to_vec(&v),
            Err(CanonicalError::TooDeep { limit: MAX_DEPTH })
        );
    }
}
