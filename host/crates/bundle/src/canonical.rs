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
//! - integers in plain decimal; a number with a fraction or an exponent is
//!   refused, since no two languages agree on how to print one.
//!
//! The workspace builds `serde_json` with `preserve_order`, so sorting cannot be
//! left to `serde_json::Map`: this module sorts explicitly.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// A value that has no canonical form.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CanonicalError {
    #[error(
        "number `{number}` at `{path}` is not an integer; canonical JSON allows integers only"
    )]
    NotAnInteger { path: String, number: String },
    #[error("JSON nested deeper than {limit} levels at `{path}`")]
    TooDeep { path: String, limit: usize },
}

/// Nesting bound, so a hostile document cannot exhaust the stack.
/// `serde_json` refuses to parse deeper than 128 levels anyway.
const MAX_DEPTH: usize = 128;

/// The canonical bytes of `value`.
pub fn to_vec(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::new();
    write_value(value, &mut out, 0).map_err(|e| e.into_error())?;
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

/// An error on its way up: the path is collected while unwinding, so the
/// success path builds no strings.
struct Failure {
    kind: FailureKind,
    /// Path segments, innermost first.
    segments: Vec<String>,
}

enum FailureKind {
    NotAnInteger(String),
    TooDeep,
}

impl Failure {
    fn at(mut self, segment: String) -> Self {
        self.segments.push(segment);
        self
    }

    fn into_error(self) -> CanonicalError {
        let mut path = String::from("$");
        for segment in self.segments.iter().rev() {
            path.push_str(segment);
        }
        match self.kind {
            FailureKind::NotAnInteger(number) => CanonicalError::NotAnInteger { path, number },
            FailureKind::TooDeep => CanonicalError::TooDeep {
                path,
                limit: MAX_DEPTH,
            },
        }
    }
}

fn fail(kind: FailureKind) -> Failure {
    Failure {
        kind,
        segments: Vec::new(),
    }
}

fn write_value(value: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), Failure> {
    if depth > MAX_DEPTH {
        return Err(fail(FailureKind::TooDeep));
    }
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else {
                return Err(fail(FailureKind::NotAnInteger(n.to_string())));
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out, depth + 1).map_err(|f| f.at(format!("[{i}]")))?;
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
                write_value(item, out, depth + 1).map_err(|f| f.at(format!(".{key}")))?;
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
    fn refuses_floats() {
        let err = to_vec(&json!({"a": [1.5]})).unwrap_err();
        assert_eq!(
            err,
            CanonicalError::NotAnInteger {
                path: "$.a[0]".into(),
                number: "1.5".into()
            }
        );
        assert_eq!(canon(json!(u64::MAX)), u64::MAX.to_string());
    }
}
