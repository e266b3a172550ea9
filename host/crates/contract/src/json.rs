//! The JSON form of the contract's types, driven by the WIT itself.
//!
//! The bindgen types derive serde, but serde knows only Rust spellings:
//! enum cases come out as `OnFeatureUse` where the listing schema says
//! `on_feature_use`, and nothing checks ranges or constants. Rather than
//! keep a second schema, this module walks the parsed WIT next to the JSON:
//!
//! - [`to_value`] gives a type its JSON form (snake_case enum cases,
//!   `list<localized>` as a `{locale: text}` object);
//! - [`from_value`] validates a document and reports **every** problem with
//!   its JSON path, then builds the typed value;
//! - [`json_schema`] publishes the JSON Schema of a type for integrators.
//!
//! Doc comments in the WIT may carry constraints the type system lacks:
//! `@range LO..=HI`, `@const TEXT` and `@format date|date-time|url`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use wit_parser::{Docs, Resolve, Type, TypeDefKind, TypeId};

use crate::types;

/// A contract type with a JSON form: its name in `interface types`.
pub trait WitType: Serialize + DeserializeOwned {
    const WIT_NAME: &'static str;
}

macro_rules! wit_types {
    ($($ty:ident => $name:literal,)*) => {
        $(impl WitType for types::$ty { const WIT_NAME: &'static str = $name; })*
    };
}

include!(concat!(env!("OUT_DIR"), "/wit_types.rs"));

/// One thing wrong with a document, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// JSONPath of the offending value, e.g. `$.app.features[1].optional`.
    pub path: String,
    pub message: String,
}

/// Every problem found in a document (never empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", p.path, p.message)?;
        }
        Ok(())
    }
}

/// The JSON form of a contract value.
pub fn to_value<T: WitType>(value: &T) -> Value {
    // Serializing generated plain-data types cannot fail: no maps with
    // non-string keys, no custom serializers.
    let mut json = serde_json::to_value(value).unwrap_or(Value::Null);
    let schema = schema();
    if let Some(ty) = schema.named(T::WIT_NAME) {
        schema.export(&mut json, &Type::Id(ty));
    }
    json
}

/// The JSON text of a contract value, compact and in schema field order, so
/// the same value always gives the same bytes.
pub fn to_string<T: WitType>(value: &T) -> String {
    to_value(value).to_string()
}

/// The JSON text of a contract value, indented for people.
pub fn to_string_pretty<T: WitType>(value: &T) -> String {
    serde_json::to_string_pretty(&to_value(value)).unwrap_or_default()
}

/// Validate `value` against the WIT type of `T` and build it.
///
/// Unknown fields are accepted and ignored (platforms send more than we
/// read); absent `option` fields become `None`.
pub fn from_value<T: WitType>(value: &Value) -> Result<T, Problems> {
    from_owned(value.clone())
}

/// [`from_value`] for a value the caller no longer needs: it is rewritten
/// in place into serde's spelling and moved into `T`, with no deep copy.
pub fn from_owned<T: WitType>(mut value: Value) -> Result<T, Problems> {
    let schema = schema();
    let Some(ty) = schema.named(T::WIT_NAME) else {
        return Err(Problems(vec![Problem {
            path: "$".into(),
            message: format!("the contract has no type `{}`", T::WIT_NAME),
        }]));
    };
    let mut problems = Vec::new();
    schema.import(
        &mut value,
        &Type::Id(ty),
        &mut String::from("$"),
        None,
        &mut problems,
    );
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    serde_json::from_value(value).map_err(|e| {
        Problems(vec![Problem {
            path: "$".into(),
            message: e.to_string(),
        }])
    })
}

/// Parse JSON text and build a `T`, reporting syntax errors as problems too.
pub fn from_str<T: WitType>(text: &str) -> Result<T, Problems> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Problems(vec![Problem {
            path: "$".into(),
            message: format!("not valid JSON: {e}"),
        }])
    })?;
    from_owned(value)
}

/// The JSON Schema (draft 2020-12) of a contract type, by WIT name.
pub fn json_schema(wit_name: &str, id: &str) -> Option<Value> {
    let schema = schema();
    let root = schema.named(wit_name)?;
    let mut defs = BTreeMap::new();
    let mut out = schema.schema_of(&Type::Id(root), &mut defs, true);
    let obj = out.as_object_mut()?;
    let mut head = Map::new();
    head.insert(
        "$schema".into(),
        "https://json-schema.org/draft/2020-12/schema".into(),
    );
    head.insert("$id".into(), id.into());
    head.insert("title".into(), wit_name.into());
    head.extend(std::mem::take(obj));
    if !defs.is_empty() {
        head.insert("$defs".into(), Value::Object(defs.into_iter().collect()));
    }
    Some(Value::Object(head))
}

/// The parsed contract.
struct Schema {
    resolve: Resolve,
    names: BTreeMap<String, TypeId>,
}

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut resolve = Resolve::default();
        // The WIT is compiled into this crate and already accepted by
        // bindgen at build time; failing here would be a build defect.
        let pkg = resolve
            .push_str("shelfgate.wit", crate::WIT)
            .expect("embedded WIT parses (bindgen accepted it at build time)"); // ok: not input
        let mut names = BTreeMap::new();
        if let Some(iface) = resolve.packages[pkg].interfaces.get("types").copied() {
            for (name, id) in &resolve.interfaces[iface].types {
                names.insert(name.clone(), *id);
            }
        }
        Schema { resolve, names }
    })
}

/// Constraints carried in doc comments.
#[derive(Default)]
struct Constraints {
    range: Option<(u64, u64)>,
    constant: Option<String>,
    format: Option<String>,
}

fn constraints(docs: &Docs) -> Constraints {
    let mut c = Constraints::default();
    let Some(text) = docs.contents.as_deref() else {
        return c;
    };
    for word in text.lines().flat_map(|l| l.split("@").skip(1)) {
        let mut parts = word.split_whitespace();
        match (parts.next(), parts.next()) {
            (Some("range"), Some(r)) => {
                if let Some((lo, hi)) = r.split_once("..=") {
                    if let (Ok(lo), Ok(hi)) = (lo.parse(), hi.parse()) {
                        c.range = Some((lo, hi));
                    }
                }
            }
            (Some("const"), Some(v)) => c.constant = Some(v.to_string()),
            (Some("format"), Some(v)) => c.format = Some(v.to_string()),
            _ => {}
        }
    }
    c
}

fn snake(wit: &str) -> String {
    wit.replace('-', "_")
}

/// The Rust field name bindgen gives a WIT field: keywords get a `_` suffix
/// (`type` becomes `type_`), and serde uses that name.
fn rust_field(wit: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
        "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true",
        "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final",
        "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
    ];
    let name = snake(wit);
    if KEYWORDS.contains(&name.as_str()) {
        name + "_"
    } else {
        name
    }
}

fn pascal(wit: &str) -> String {
    wit.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Schema {
    fn named(&self, name: &str) -> Option<TypeId> {
        self.names.get(name).copied()
    }

    /// `list<localized>` travels as a `{locale: text}` object.
    fn is_localized_list(&self, ty: &Type) -> bool {
        if let Type::Id(id) = ty {
            if let TypeDefKind::List(Type::Id(inner)) = &self.resolve.types[*id].kind {
                return self.resolve.types[*inner].name.as_deref() == Some("localized");
            }
        }
        false
    }

    /// Rewrite serde's Rust spelling into the schema's JSON spelling.
    fn export(&self, json: &mut Value, ty: &Type) {
        let Type::Id(id) = ty else { return };
        if self.is_localized_list(ty) {
            if let Value::Array(items) = json {
                let mut map = Map::new();
                for item in items.drain(..) {
                    if let (Some(Value::String(k)), Some(v)) =
                        (item.get("locale").cloned(), item.get("value"))
                    {
                        map.insert(k, v.clone());
                    }
                }
                *json = Value::Object(map);
            }
            return;
        }
        match &self.resolve.types[*id].kind {
            TypeDefKind::Type(inner) => self.export(json, inner),
            TypeDefKind::Record(record) => {
                if let Value::Object(map) = json {
                    for field in &record.fields {
                        let (rust, key) = (rust_field(&field.name), snake(&field.name));
                        if rust != key {
                            if let Some(v) = map.remove(&rust) {
                                map.insert(key.clone(), v);
                            }
                        }
                        if let Some(v) = map.get_mut(&key) {
                            self.export(v, &field.ty);
                        }
                    }
                }
            }
            TypeDefKind::Enum(e) => {
                if let Value::String(s) = json {
                    if let Some(case) = e.cases.iter().find(|c| pascal(&c.name) == *s) {
                        *s = snake(&case.name);
                    }
                }
            }
            TypeDefKind::Option(inner) => {
                if !json.is_null() {
                    self.export(json, inner);
                }
            }
            TypeDefKind::List(inner) => {
                if let Value::Array(items) = json {
                    for item in items {
                        self.export(item, inner);
                    }
                }
            }
            TypeDefKind::Tuple(t) => {
                if let Value::Array(items) = json {
                    for (item, ty) in items.iter_mut().zip(&t.types) {
                        self.export(item, ty);
                    }
                }
            }
            _ => {}
        }
    }

    /// Check `json` against `ty`, collecting problems, and rewrite it in
    /// place into serde's Rust spelling (enum cases, keyword field names,
    /// `{locale: text}` maps as lists).
    fn import(
        &self,
        json: &mut Value,
        ty: &Type,
        path: &mut String,
        docs: Option<&Docs>,
        problems: &mut Vec<Problem>,
    ) {
        let mut problem = |path: &str, message: String| {
            problems.push(Problem {
                path: path.to_string(),
                message,
            })
        };
        match ty {
            Type::Bool => {
                if !json.is_boolean() {
                    problem(
                        path,
                        format!("expected a boolean, found {}", kind_name(json)),
                    );
                }
            }
            Type::String | Type::Char => match json.as_str() {
                None => problem(
                    path,
                    format!("expected a string, found {}", kind_name(json)),
                ),
                Some(s) => {
                    let Some(docs) = docs.filter(|d| d.contents.is_some()) else {
                        return;
                    };
                    let c = constraints(docs);
                    if let Some(want) = &c.constant {
                        if s != want {
                            problem(path, format!("unsupported value `{s}`: expected `{want}`"));
                        }
                    }
                    if let Some(format) = &c.format {
                        if let Err(why) = check_format(format, s) {
                            problem(path, why);
                        }
                    }
                }
            },
            Type::U8
            | Type::U16
            | Type::U32
            | Type::U64
            | Type::S8
            | Type::S16
            | Type::S32
            | Type::S64 => {
                let (lo, hi): (i128, i128) = match ty {
                    Type::U8 => (0, u8::MAX.into()),
                    Type::U16 => (0, u16::MAX.into()),
                    Type::U32 => (0, u32::MAX.into()),
                    Type::U64 => (0, u64::MAX.into()),
                    Type::S8 => (i8::MIN.into(), i8::MAX.into()),
                    Type::S16 => (i16::MIN.into(), i16::MAX.into()),
                    Type::S32 => (i32::MIN.into(), i32::MAX.into()),
                    _ => (i64::MIN.into(), i64::MAX.into()),
                };
                let range = docs
                    .filter(|d| d.contents.is_some())
                    .and_then(|d| constraints(d).range);
                let (lo, hi) = match range {
                    Some((a, b)) => (lo.max(a.into()), hi.min(b.into())),
                    None => (lo, hi),
                };
                let n = json
                    .as_u64()
                    .map(i128::from)
                    .or_else(|| json.as_i64().map(i128::from));
                match n {
                    None => problem(
                        path,
                        format!("expected an integer, found {}", kind_name(json)),
                    ),
                    Some(n) if n < lo || n > hi => {
                        problem(path, format!("{n} is out of range {lo}..={hi}"))
                    }
                    Some(_) => {}
                }
            }
            Type::F32 | Type::F64 => {
                if !json.is_number() {
                    problem(
                        path,
                        format!("expected a number, found {}", kind_name(json)),
                    );
                }
            }
            Type::ErrorContext => {}
            Type::Id(id) => self.import_def(json, *id, path, docs, problems),
        }
    }

    fn import_def(
        &self,
        json: &mut Value,
        id: TypeId,
        path: &mut String,
        docs: Option<&Docs>,
        problems: &mut Vec<Problem>,
    ) {
        let def = &self.resolve.types[id];
        if self.is_localized_list(&Type::Id(id)) {
            let list = match &mut *json {
                Value::Object(map) => {
                    let mut list = Vec::with_capacity(map.len());
                    for (k, v) in std::mem::take(map) {
                        if !v.is_string() {
                            problems.push(Problem {
                                path: format!("{path}.{k}"),
                                message: format!("expected a string, found {}", kind_name(&v)),
                            });
                        }
                        list.push(serde_json::json!({"locale": k, "value": v}));
                    }
                    list
                }
                // Serde's own spelling (a list of records) is accepted too.
                Value::Array(items) => std::mem::take(items),
                other => {
                    problems.push(Problem {
                        path: path.clone(),
                        message: format!(
                            "expected an object of locale to text, found {}",
                            kind_name(other)
                        ),
                    });
                    Vec::new()
                }
            };
            *json = Value::Array(list);
            return;
        }
        match &def.kind {
            TypeDefKind::Type(inner) => self.import(json, inner, path, docs, problems),
            TypeDefKind::Record(record) => {
                let Value::Object(map) = json else {
                    problems.push(Problem {
                        path: path.clone(),
                        message: format!("expected an object, found {}", kind_name(json)),
                    });
                    return;
                };
                for field in &record.fields {
                    let key = snake(&field.name);
                    let len = path.len();
                    path.push('.');
                    path.push_str(&key);
                    let rust = rust_field(&field.name);
                    if rust != key {
                        if let Some(v) = map.remove(&key) {
                            map.insert(rust.clone(), v);
                        }
                    }
                    match map.get_mut(&rust) {
                        None | Some(Value::Null) if self.is_option(&field.ty) => {}
                        None | Some(Value::Null) => problems.push(Problem {
                            path: path.clone(),
                            message: "missing required field".into(),
                        }),
                        Some(v) => self.import(v, &field.ty, path, Some(&field.docs), problems),
                    }
                    path.truncate(len);
                }
            }
            TypeDefKind::Enum(e) => {
                let Some(s) = json.as_str() else {
                    problems.push(Problem {
                        path: path.clone(),
                        message: format!("expected a string, found {}", kind_name(json)),
                    });
                    return;
                };
                match e
                    .cases
                    .iter()
                    .find(|c| snake(&c.name) == s || c.name == s || pascal(&c.name) == s)
                {
                    Some(case) => *json = Value::String(pascal(&case.name)),
                    None => {
                        let allowed: Vec<String> = e.cases.iter().map(|c| snake(&c.name)).collect();
                        problems.push(Problem {
                            path: path.clone(),
                            message: format!(
                                "unknown value `{s}`: expected one of {}",
                                allowed.join(", ")
                            ),
                        });
                    }
                }
            }
            TypeDefKind::Option(inner) => {
                if !json.is_null() {
                    self.import(json, inner, path, docs, problems);
                }
            }
            TypeDefKind::List(inner) => {
                let Value::Array(items) = json else {
                    problems.push(Problem {
                        path: path.clone(),
                        message: format!("expected an array, found {}", kind_name(json)),
                    });
                    return;
                };
                for (i, item) in items.iter_mut().enumerate() {
                    let len = path.len();
                    path.push('[');
                    path.push_str(&i.to_string());
                    path.push(']');
                    self.import(item, inner, path, docs, problems);
                    path.truncate(len);
                }
            }
            other => problems.push(Problem {
                path: path.clone(),
                message: format!("type kind {} has no JSON form", other.as_str()),
            }),
        }
    }

    fn is_option(&self, ty: &Type) -> bool {
        match ty {
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Option(_) => true,
                TypeDefKind::Type(inner) => self.is_option(inner),
                _ => false,
            },
            _ => false,
        }
    }

    fn schema_of(&self, ty: &Type, defs: &mut BTreeMap<String, Value>, root: bool) -> Value {
        use serde_json::json;
        match ty {
            Type::Bool => json!({"type": "boolean"}),
            Type::String | Type::Char => json!({"type": "string"}),
            Type::U8 => json!({"type": "integer", "minimum": 0, "maximum": u8::MAX}),
            Type::U16 => json!({"type": "integer", "minimum": 0, "maximum": u16::MAX}),
            Type::U32 => json!({"type": "integer", "minimum": 0, "maximum": u32::MAX}),
            Type::U64 => json!({"type": "integer", "minimum": 0}),
            Type::S8 | Type::S16 | Type::S32 | Type::S64 => json!({"type": "integer"}),
            Type::F32 | Type::F64 => json!({"type": "number"}),
            Type::ErrorContext => json!({}),
            Type::Id(id) => {
                if self.is_localized_list(ty) {
                    return json!({"type": "object", "additionalProperties": {"type": "string"}});
                }
                let def = &self.resolve.types[*id];
                let named = def.name.clone().filter(|_| !root);
                if let Some(name) = &named {
                    if !defs.contains_key(name) {
                        defs.insert(name.clone(), Value::Null);
                        let body = self.schema_body(&def.kind, &def.docs, defs);
                        defs.insert(name.clone(), body);
                    }
                    return json!({"$ref": format!("#/$defs/{name}")});
                }
                self.schema_body(&def.kind, &def.docs, defs)
            }
        }
    }

    fn schema_body(
        &self,
        kind: &TypeDefKind,
        docs: &Docs,
        defs: &mut BTreeMap<String, Value>,
    ) -> Value {
        use serde_json::json;
        let mut out = match kind {
            TypeDefKind::Type(inner) => self.schema_of(inner, defs, false),
            TypeDefKind::Record(record) => {
                let mut props = Map::new();
                let mut required = Vec::new();
                for field in &record.fields {
                    let key = snake(&field.name);
                    let mut s = self.schema_of(&field.ty, defs, false);
                    apply_constraints(&mut s, &field.docs);
                    props.insert(key.clone(), s);
                    if !self.is_option(&field.ty) {
                        required.push(Value::String(key));
                    }
                }
                json!({"type": "object", "properties": props, "required": required,
                       "additionalProperties": true})
            }
            TypeDefKind::Enum(e) => {
                let cases: Vec<Value> = e
                    .cases
                    .iter()
                    .map(|c| Value::String(snake(&c.name)))
                    .collect();
                json!({"type": "string", "enum": cases})
            }
            TypeDefKind::Option(inner) => {
                json!({"anyOf": [self.schema_of(inner, defs, false), {"type": "null"}]})
            }
            TypeDefKind::List(inner) => {
                json!({"type": "array", "items": self.schema_of(inner, defs, false)})
            }
            _ => json!({}),
        };
        if let (Some(text), Some(obj)) = (docs.contents.as_deref(), out.as_object_mut()) {
            obj.insert("description".into(), text.trim().into());
        }
        out
    }
}

fn apply_constraints(schema: &mut Value, docs: &Docs) {
    let c = constraints(docs);
    // Options wrap their inner schema in anyOf; constrain the inner one.
    let target = match schema.get_mut("anyOf").and_then(|a| a.get_mut(0)) {
        Some(inner) => inner,
        None => schema,
    };
    let Some(obj) = target.as_object_mut() else {
        return;
    };
    if let Some((lo, hi)) = c.range {
        obj.insert("minimum".into(), lo.into());
        obj.insert("maximum".into(), hi.into());
    }
    if let Some(v) = c.constant {
        obj.insert("const".into(), v.into());
    }
    if let Some(f) = c.format {
        let f = if f == "url" { "uri".to_string() } else { f };
        obj.insert("format".into(), f.into());
    }
    if let Some(text) = docs.contents.as_deref() {
        obj.entry("description")
            .or_insert_with(|| text.trim().into());
    }
}

fn check_format(format: &str, s: &str) -> Result<(), String> {
    let ok = match format {
        "date" => is_date(s),
        "date-time" => {
            s.len() >= 19
                && is_date(&s[..10.min(s.len())])
                && s.as_bytes()
                    .get(10)
                    .is_some_and(|b| *b == b'T' || *b == b' ')
        }
        "url" => s.starts_with("https://") || s.starts_with("http://"),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("`{s}` is not a valid {format}"))
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn enum_cases_use_the_schema_spelling() {
        let v = to_value(&types::Decision::Rectify);
        assert_eq!(v, json!("rectify"));
        let d: types::Decision = from_value(&json!("reject")).unwrap();
        assert_eq!(d, types::Decision::Reject);
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let err = from_value::<types::PreviousVersion>(&json!({
            "version_code": -1,
            "signer_sha256": "abc",
            "permissions": [],
        }))
        .unwrap_err();
        let paths: Vec<&str> = err.0.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "$.version_code",
                "$.signer_sha256",
                "$.lineage_sha256",
                "$.pi_types",
                "$.accepted_at"
            ]
        );
    }

    #[test]
    fn unknown_enum_values_name_the_allowed_ones() {
        let err = from_value::<types::Decision>(&json!("maybe")).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected one of pass, rectify, reject"),
            "{err}"
        );
    }

    #[test]
    fn schema_lists_required_fields() {
        let s = json_schema("previous-version", "x").unwrap();
        assert_eq!(s["required"][0], "version_code");
        assert_eq!(s["properties"]["permissions"]["type"], "array");
    }
}
