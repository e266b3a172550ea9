//! `Res_value`: the typed values of XML attributes and resource entries.

use super::pool::StringPool;
use super::AxmlError;

const TYPE_NULL: u8 = 0x00;
const TYPE_REFERENCE: u8 = 0x01;
const TYPE_ATTRIBUTE: u8 = 0x02;
const TYPE_STRING: u8 = 0x03;
const TYPE_FLOAT: u8 = 0x04;
const TYPE_DIMENSION: u8 = 0x05;
const TYPE_FRACTION: u8 = 0x06;
const TYPE_DYNAMIC_REFERENCE: u8 = 0x07;
const TYPE_DYNAMIC_ATTRIBUTE: u8 = 0x08;
const TYPE_INT_DEC: u8 = 0x10;
const TYPE_INT_HEX: u8 = 0x11;
const TYPE_INT_BOOLEAN: u8 = 0x12;
const TYPE_FIRST_COLOR: u8 = 0x1c;
const TYPE_LAST_COLOR: u8 = 0x1f;

/// A decoded `Res_value`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `TYPE_NULL`, data 0: no value.
    Null,
    /// `TYPE_NULL`, data 1: explicitly empty.
    Empty,
    /// `@` reference to a resource id.
    Reference(u32),
    /// `?` reference to a theme attribute.
    Attribute(u32),
    String(String),
    Float(f32),
    /// Complex dimension (`16dp`), raw.
    Dimension(u32),
    /// Complex fraction (`50%`), raw.
    Fraction(u32),
    /// Reference into a shared library, resolved at run time.
    DynamicReference(u32),
    DynamicAttribute(u32),
    Int(i32),
    Hex(u32),
    Bool(bool),
    /// Any of the four colour encodings, as ARGB.
    Color(u32),
    /// A type this reader does not know, kept raw.
    Other {
        kind: u8,
        data: u32,
    },
}

impl Value {
    /// Decode a value; strings are looked up in `pool`.
    pub fn decode(kind: u8, data: u32, pool: &StringPool<'_>) -> Result<Value, AxmlError> {
        Ok(match kind {
            TYPE_NULL if data == 1 => Value::Empty,
            TYPE_NULL => Value::Null,
            TYPE_REFERENCE => Value::Reference(data),
            TYPE_ATTRIBUTE => Value::Attribute(data),
            TYPE_STRING => Value::String(pool.get(data)?.into_owned()),
            TYPE_FLOAT => Value::Float(f32::from_bits(data)),
            TYPE_DIMENSION => Value::Dimension(data),
            TYPE_FRACTION => Value::Fraction(data),
            TYPE_DYNAMIC_REFERENCE => Value::DynamicReference(data),
            TYPE_DYNAMIC_ATTRIBUTE => Value::DynamicAttribute(data),
            TYPE_INT_DEC => Value::Int(data as i32),
            TYPE_INT_HEX => Value::Hex(data),
            TYPE_INT_BOOLEAN => Value::Bool(data != 0),
            TYPE_FIRST_COLOR..=TYPE_LAST_COLOR => Value::Color(data),
            kind => Value::Other { kind, data },
        })
    }

    /// The resource id this value refers to, if it is a reference.
    pub fn reference(&self) -> Option<u32> {
        match *self {
            Value::Reference(id) | Value::DynamicReference(id) if id != 0 => Some(id),
            _ => None,
        }
    }

    /// The value as a boolean, as `TypedArray.getBoolean` reads it
    /// (uncompiled `"true"`/`"false"` strings included, as `res/xml` keeps
    /// attributes outside the `android:` namespace).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(i) => Some(*i != 0),
            Value::Hex(h) => Some(*h != 0),
            Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// The value as an integer, as `TypedArray.getInt` reads it (strings
    /// holding a decimal number included, as aapt sometimes leaves them).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(i64::from(*i)),
            Value::Hex(h) => Some(i64::from(*h as i32)),
            Value::Bool(b) => Some(i64::from(*b)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value as text, formatted the way `aapt dump` prints it.
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Empty => String::new(),
            Value::Reference(id) | Value::DynamicReference(id) => format!("@0x{id:08x}"),
            Value::Attribute(id) | Value::DynamicAttribute(id) => format!("?0x{id:08x}"),
            Value::String(s) => s.clone(),
            Value::Float(f) => f.to_string(),
            Value::Dimension(d) => {
                let unit = ["px", "dp", "sp", "pt", "in", "mm"].get((d & 0xf) as usize);
                format!("{}{}", complex_value(*d), unit.unwrap_or(&""))
            }
            Value::Fraction(d) => {
                let unit = if d & 0xf == 1 { "%p" } else { "%" };
                format!("{}{}", complex_value(*d) * 100.0, unit)
            }
            Value::Int(i) => i.to_string(),
            Value::Hex(h) => format!("0x{h:x}"),
            Value::Bool(b) => b.to_string(),
            Value::Color(c) => format!("#{c:08x}"),
            Value::Other { kind, data } => format!("(type 0x{kind:02x})0x{data:x}"),
        }
    }
}

/// The number in a complex (dimension or fraction) value: a 24-bit signed
/// mantissa scaled by one of four radixes.
fn complex_value(data: u32) -> f64 {
    let mantissa = f64::from((data as i32) >> 8);
    let shift = match (data >> 4) & 3 {
        0 => 0,
        1 => 7,
        2 => 15,
        _ => 23,
    };
    mantissa / f64::from(1u32 << shift)
}
