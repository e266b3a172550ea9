//! Binary XML (AXML): the compiled form of `AndroidManifest.xml` and `res/xml`.
//!
//! Decoding follows the platform's `ResXMLTree`/`ResXMLParser`, so a file is
//! read the way a device reads it: the header's size bounds the document,
//! top-level chunks before the first node set the string pool and the
//! resource-id map, nodes are walked in order, unknown node types are
//! skipped, and every chunk is validated before use. Attributes keep their
//! resource id from the map: the platform matches `android:` attributes by id,
//! and packers rename the name strings to fool tools that match by name.
//!
//! The result is a flat tree ([`Document`]), so neither building nor dropping
//! it recurses however deep a hostile file nests.

mod pool;
mod value;

pub use pool::StringPool;
pub use value::Value;

use crate::Limits;

const RES_STRING_POOL_TYPE: u16 = 0x0001;
const RES_XML_RESOURCE_MAP_TYPE: u16 = 0x0180;
const RES_XML_FIRST_CHUNK_TYPE: u16 = 0x0100;
const RES_XML_LAST_CHUNK_TYPE: u16 = 0x017f;
const RES_XML_START_NAMESPACE_TYPE: u16 = 0x0100;
const RES_XML_END_NAMESPACE_TYPE: u16 = 0x0101;
const RES_XML_START_ELEMENT_TYPE: u16 = 0x0102;
const RES_XML_END_ELEMENT_TYPE: u16 = 0x0103;
const RES_XML_CDATA_TYPE: u16 = 0x0104;

const CHUNK_HEADER_LEN: usize = 8;
/// `ResXMLTree_node`: chunk header, line number, comment.
const NODE_HEADER_LEN: usize = 16;
/// `ResXMLTree_attrExt`.
const ATTR_EXT_LEN: usize = 20;
/// `ResXMLTree_attribute`.
const ATTRIBUTE_LEN: usize = 20;
const NO_INDEX: u32 = 0xffff_ffff;
/// Decoded text allowed per byte of input. Real manifests decode about
/// four characters per byte (each 20-byte attribute names its namespace,
/// name and raw value); strings repeated far beyond that are an attack.
const TEXT_PER_BYTE: usize = 16;

/// Why a binary XML file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AxmlError {
    #[error("file header declares {declared} bytes but the file has {actual}")]
    WrongFileSize { declared: u64, actual: u64 },
    #[error("string {index} is not NUL-terminated")]
    StringNotTerminated { index: u32 },
    #[error("string index {0} is out of range")]
    StringIndex(u32),
    #[error("string pool: {0}")]
    StringPool(&'static str),
    #[error("chunk at offset {offset}: {why}")]
    Chunk { offset: usize, why: &'static str },
    #[error("no root element")]
    NoRoot,
    #[error("more than {0} elements")]
    TooManyElements(u32),
    #[error("decoded text exceeds {TEXT_PER_BYTE} times the file size")]
    TooMuchText,
}

/// A decoded document: every element in document order, each knowing its
/// children by index.
#[derive(Debug, Clone, Default)]
pub struct Document {
    elements: Vec<Element>,
    /// Namespace declarations `(prefix, uri)`, in order.
    pub namespaces: Vec<(String, String)>,
}

/// One element with its typed attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub namespace: Option<String>,
    pub name: String,
    pub attributes: Vec<Attribute>,
    pub line: u32,
    /// Nesting depth; top-level elements are at 0.
    pub depth: u32,
    /// The element's own text (CDATA chunks directly inside it).
    pub text: String,
    children: Vec<u32>,
}

/// One attribute: its name, the resource id the map gives that name, the
/// raw text if the compiler kept it, and the typed value.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub namespace: Option<String>,
    pub name: String,
    pub resource_id: Option<u32>,
    pub raw: Option<String>,
    pub value: Value,
}

impl Document {
    /// The root element: the first top-level element. Decoding stops at
    /// its end tag, as the platform's parsers do.
    pub fn root(&self) -> Option<&Element> {
        self.elements.first()
    }

    /// Every element, in document order.
    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    /// The direct children of `element`, in order.
    pub fn children<'a>(&'a self, element: &'a Element) -> impl Iterator<Item = &'a Element> + 'a {
        element
            .children
            .iter()
            .filter_map(|&i| self.elements.get(i as usize))
    }
}

impl Element {
    /// The attribute with resource id `id`; failing that, an attribute
    /// named `name` that has no resource id. The platform resolves
    /// `android:` attributes by id alone, so a renamed name string still
    /// resolves and a name without its id is only a fallback.
    pub fn attr(&self, id: u32, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.resource_id == Some(id))
            .or_else(|| {
                self.attributes
                    .iter()
                    .find(|a| a.resource_id.is_none() && a.name == name)
            })
    }

    /// The attribute named `name` with no namespace (`package`,
    /// `platformBuildVersionCode`), as `XmlPullParser.getAttributeValue(null,
    /// name)` finds it.
    pub fn plain_attr(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.namespace.is_none() && a.name == name)
    }
}

/// Decode a binary XML file.
pub fn parse(data: &[u8], limits: &Limits) -> Result<Document, AxmlError> {
    let header_len = usize::from(le_u16(data, 2).ok_or(AxmlError::NoRoot)?);
    let declared = le_u32(data, 4).ok_or(AxmlError::NoRoot)? as usize;
    if header_len > declared || declared > data.len() {
        return Err(AxmlError::WrongFileSize {
            declared: declared as u64,
            actual: data.len() as u64,
        });
    }
    // The header's size, not the file's, bounds the document.
    let data = data.get(..declared).unwrap_or_default();

    let mut pool = StringPool::default();
    let mut ids: &[u8] = &[];
    let mut at = header_len;
    let first_node = loop {
        if at >= data.len() {
            return Err(AxmlError::NoRoot);
        }
        let chunk = chunk_at(data, at, CHUNK_HEADER_LEN)
            .map_err(|why| AxmlError::Chunk { offset: at, why })?;
        match chunk.kind {
            RES_STRING_POOL_TYPE => pool = StringPool::parse(chunk.bytes)?,
            RES_XML_RESOURCE_MAP_TYPE => ids = chunk.body(),
            RES_XML_FIRST_CHUNK_TYPE..=RES_XML_LAST_CHUNK_TYPE => break at,
            _ => {}
        }
        at += chunk.bytes.len();
    };

    let mut builder = Builder {
        doc: Document::default(),
        open: Vec::new(),
        pool,
        ids,
        max_elements: limits.max_xml_elements,
        text_budget: data
            .len()
            .saturating_mul(TEXT_PER_BYTE)
            .saturating_add(1 << 20),
    };
    let mut at = first_node;
    while at < data.len() {
        let chunk = chunk_at(data, at, NODE_HEADER_LEN)
            .map_err(|why| AxmlError::Chunk { offset: at, why })?;
        builder.node(&chunk).map_err(|e| match e {
            NodeError::Axml(e) => e,
            NodeError::Malformed(why) => AxmlError::Chunk { offset: at, why },
        })?;
        at += chunk.bytes.len();
        // The platform's parsers stop at the root's end tag and never see
        // what follows it.
        if builder.open.is_empty() && !builder.doc.elements.is_empty() {
            break;
        }
    }
    if builder.doc.elements.is_empty() {
        return Err(AxmlError::NoRoot);
    }
    Ok(builder.doc)
}

enum NodeError {
    Axml(AxmlError),
    Malformed(&'static str),
}

impl From<AxmlError> for NodeError {
    fn from(e: AxmlError) -> Self {
        NodeError::Axml(e)
    }
}

struct Builder<'a> {
    doc: Document,
    /// Indices of the elements still open, innermost last.
    open: Vec<u32>,
    pool: StringPool<'a>,
    ids: &'a [u8],
    max_elements: u32,
    /// Decoded text still allowed: a small file whose every node names
    /// one huge string must not decode it a million times.
    text_budget: usize,
}

impl Builder<'_> {
    fn node(&mut self, chunk: &Chunk<'_>) -> Result<(), NodeError> {
        let ext = chunk.body();
        let line = le_u32(chunk.bytes, 8).unwrap_or(0);
        let min_ext = match chunk.kind {
            RES_XML_START_NAMESPACE_TYPE | RES_XML_END_NAMESPACE_TYPE => 8,
            RES_XML_START_ELEMENT_TYPE => ATTR_EXT_LEN,
            RES_XML_END_ELEMENT_TYPE => 8,
            RES_XML_CDATA_TYPE => 12,
            // The platform skips node types it does not know.
            _ => return Ok(()),
        };
        if ext.len() < min_ext {
            return Err(NodeError::Malformed(
                "node is shorter than its type requires",
            ));
        }
        let field = |at: usize| le_u32(ext, at).unwrap_or(NO_INDEX);
        match chunk.kind {
            RES_XML_START_NAMESPACE_TYPE => {
                let prefix = self.optional_string(field(0))?.unwrap_or_default();
                let uri = self.optional_string(field(4))?.unwrap_or_default();
                self.doc.namespaces.push((prefix, uri));
            }
            RES_XML_START_ELEMENT_TYPE => self.start_element(chunk, ext, line)?,
            RES_XML_END_ELEMENT_TYPE => {
                self.open.pop();
            }
            RES_XML_CDATA_TYPE => {
                let text = self.string(field(0))?;
                let open = self.open.last().copied();
                if let Some(element) = open.and_then(|i| self.doc.elements.get_mut(i as usize)) {
                    element.text.push_str(&text);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn start_element(&mut self, chunk: &Chunk<'_>, ext: &[u8], line: u32) -> Result<(), NodeError> {
        if self.doc.elements.len() >= self.max_elements as usize {
            return Err(AxmlError::TooManyElements(self.max_elements).into());
        }
        let ext_at = chunk.header_len;
        let h16 = |at: usize| usize::from(le_u16(ext, at).unwrap_or(0));
        let (attr_start, attr_size, attr_count) = (h16(8), h16(10), h16(12));
        // As the platform's validateNode: the attributes must fit the node.
        let first = ext_at + attr_start;
        let span = attr_size * attr_count;
        if first > chunk.bytes.len() || chunk.bytes.len() - first < span {
            return Err(NodeError::Malformed("attributes run past the node"));
        }
        if attr_count > 0 && attr_size < ATTRIBUTE_LEN {
            return Err(NodeError::Malformed("attribute records are too small"));
        }

        let mut attributes = Vec::with_capacity(attr_count);
        for i in 0..attr_count {
            let at = first + i * attr_size;
            let rec = chunk
                .bytes
                .get(at..at + ATTRIBUTE_LEN)
                .ok_or(NodeError::Malformed("attribute runs past the node"))?;
            let f = |off: usize| le_u32(rec, off).unwrap_or(NO_INDEX);
            let name_index = f(4);
            let kind = rec.get(15).copied().unwrap_or(0);
            attributes.push(Attribute {
                namespace: self.optional_string(f(0))?,
                name: self.string(name_index)?,
                resource_id: le_u32(self.ids, (name_index as usize).saturating_mul(4))
                    .filter(|&id| id != 0),
                raw: self.optional_string(f(8))?,
                value: self.charge_value(Value::decode(kind, f(16), &self.pool)?)?,
            });
        }

        let namespace = self.optional_string(le_u32(ext, 0).unwrap_or(NO_INDEX))?;
        let name = self.string(le_u32(ext, 4).unwrap_or(NO_INDEX))?;
        let index = self.doc.elements.len() as u32;
        let parent = self.open.last().copied();
        if let Some(parent) = parent.and_then(|p| self.doc.elements.get_mut(p as usize)) {
            parent.children.push(index);
        }
        self.doc.elements.push(Element {
            namespace,
            name,
            attributes,
            line,
            depth: self.open.len() as u32,
            text: String::new(),
            children: Vec::new(),
        });
        self.open.push(index);
        Ok(())
    }

    fn optional_string(&mut self, index: u32) -> Result<Option<String>, AxmlError> {
        if index == NO_INDEX {
            return Ok(None);
        }
        self.string(index).map(Some)
    }

    fn string(&mut self, index: u32) -> Result<String, AxmlError> {
        let text = self.pool.get(index)?.into_owned();
        self.charge(text.len())?;
        Ok(text)
    }

    fn charge_value(&mut self, value: Value) -> Result<Value, AxmlError> {
        if let Value::String(text) = &value {
            self.charge(text.len())?;
        }
        Ok(value)
    }

    fn charge(&mut self, len: usize) -> Result<(), AxmlError> {
        self.text_budget = self
            .text_budget
            .checked_sub(len)
            .ok_or(AxmlError::TooMuchText)?;
        Ok(())
    }
}

/// A validated chunk: its type, header length and bytes (header included).
pub(crate) struct Chunk<'a> {
    pub kind: u16,
    pub header_len: usize,
    pub bytes: &'a [u8],
}

impl<'a> Chunk<'a> {
    /// The bytes after the chunk's header.
    pub fn body(&self) -> &'a [u8] {
        self.bytes.get(self.header_len..).unwrap_or_default()
    }
}

/// The chunk at `at`, checked as the platform's `validate_chunk` does: a
/// header of at least `min_header` bytes, within the chunk, both sizes
/// 4-byte aligned, and the chunk within the data.
pub(crate) fn chunk_at(
    data: &[u8],
    at: usize,
    min_header: usize,
) -> Result<Chunk<'_>, &'static str> {
    let kind = le_u16(data, at).ok_or("truncated chunk header")?;
    let header_len = usize::from(le_u16(data, at + 2).ok_or("truncated chunk header")?);
    let size = le_u32(data, at + 4).ok_or("truncated chunk header")? as usize;
    if header_len < min_header {
        return Err("chunk header is too small");
    }
    if header_len > size {
        return Err("chunk header is larger than the chunk");
    }
    if (header_len | size) & 3 != 0 {
        return Err("chunk size is not 4-byte aligned");
    }
    let bytes = data
        .get(at..)
        .and_then(|rest| rest.get(..size))
        .ok_or("chunk runs past the end of the data")?;
    Ok(Chunk {
        kind,
        header_len,
        bytes,
    })
}

pub(crate) fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

pub(crate) fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// A binary XML writer for tests: the document is described as events and
/// serialized as aapt2 lays it out (attribute names with ids first in the
/// pool, so the resource map covers them).
#[cfg(test)]
pub(crate) mod writer {
    pub const ANDROID: &str = "http://schemas.android.com/apk/res/android";

    #[derive(Clone)]
    pub enum Val {
        Str(&'static str),
        Int(i32),
        Bool(bool),
        Ref(u32),
    }

    enum Event {
        Start(&'static str, Vec<(Option<u32>, &'static str, Val)>),
        End(&'static str),
        Text(&'static str),
    }

    #[derive(Default)]
    pub struct Xml {
        events: Vec<Event>,
    }

    impl Xml {
        /// Open an element; attributes are `(resource id, name, value)`,
        /// in the `android:` namespace when they have an id.
        pub fn start(
            mut self,
            name: &'static str,
            attrs: &[(Option<u32>, &'static str, Val)],
        ) -> Self {
            self.events.push(Event::Start(name, attrs.to_vec()));
            self
        }

        pub fn end(mut self, name: &'static str) -> Self {
            self.events.push(Event::End(name));
            self
        }

        pub fn text(mut self, text: &'static str) -> Self {
            self.events.push(Event::Text(text));
            self
        }

        pub fn finish(self) -> Vec<u8> {
            let mut strings: Vec<&str> = Vec::new();
            let mut ids: Vec<u32> = Vec::new();
            for event in &self.events {
                if let Event::Start(_, attrs) = event {
                    for (id, name, _) in attrs {
                        if let Some(id) = id {
                            if !ids.contains(id) {
                                ids.push(*id);
                                strings.push(name);
                            }
                        }
                    }
                }
            }
            let index = |s: &'static str, strings: &mut Vec<&str>| -> u32 {
                match strings.iter().skip(ids.len()).position(|t| *t == s) {
                    Some(i) => (i + ids.len()) as u32,
                    None => {
                        strings.push(s);
                        (strings.len() - 1) as u32
                    }
                }
            };
            let android = index(ANDROID, &mut strings);
            let prefix = index("android", &mut strings);
            let mut nodes = Vec::new();
            node(&mut nodes, 0x0100, &[prefix, android]);
            for event in &self.events {
                match event {
                    Event::Start(name, attrs) => {
                        let name = index(name, &mut strings);
                        let mut body = vec![u32::MAX, name];
                        body.push(20 | (20 << 16));
                        body.push(attrs.len() as u32);
                        body.push(0);
                        for (id, attr_name, value) in attrs {
                            let name_index = match id {
                                Some(id) => ids.iter().position(|i| i == id).unwrap() as u32,
                                None => index(attr_name, &mut strings),
                            };
                            let (kind, data, raw) = match value {
                                Val::Str(s) => {
                                    let i = index(s, &mut strings);
                                    (0x03, i, i)
                                }
                                Val::Int(i) => (0x10, *i as u32, u32::MAX),
                                Val::Bool(b) => (0x12, if *b { u32::MAX } else { 0 }, u32::MAX),
                                Val::Ref(r) => (0x01, *r, u32::MAX),
                            };
                            let ns = if id.is_some() { android } else { u32::MAX };
                            body.extend([ns, name_index, raw, 8 | (kind << 24), data]);
                        }
                        node(&mut nodes, 0x0102, &body);
                    }
                    Event::End(name) => {
                        let name = index(name, &mut strings);
                        node(&mut nodes, 0x0103, &[u32::MAX, name]);
                    }
                    Event::Text(text) => {
                        let text = index(text, &mut strings);
                        node(&mut nodes, 0x0104, &[text, 8, 0]);
                    }
                }
            }

            let mut data = Vec::new();
            for s in &strings {
                let units: Vec<u16> = s.encode_utf16().collect();
                data.extend((units.len() as u16).to_le_bytes());
                units.iter().for_each(|u| data.extend(u.to_le_bytes()));
                data.extend([0, 0]);
            }
            while data.len() % 4 != 0 {
                data.push(0);
            }
            let mut pool = Vec::new();
            let header = 28 + 4 * strings.len();
            let mut offsets = Vec::new();
            let mut at = 0u32;
            for s in &strings {
                offsets.push(at);
                at += 2 + 2 * s.encode_utf16().count() as u32 + 2;
            }
            for v in [
                0x001c_0001,
                (header + data.len()) as u32,
                strings.len() as u32,
                0,
                0,
                header as u32,
                0,
            ] {
                pool.extend(u32::to_le_bytes(v));
            }
            offsets.iter().for_each(|o| pool.extend(o.to_le_bytes()));
            pool.extend(data);

            let mut map = Vec::new();
            for v in [0x0008_0180, 8 + 4 * ids.len() as u32] {
                map.extend(v.to_le_bytes());
            }
            ids.iter().for_each(|i| map.extend(i.to_le_bytes()));

            let total = 8 + pool.len() + map.len() + nodes.len();
            let mut out = Vec::new();
            out.extend(0x0008_0003u32.to_le_bytes());
            out.extend((total as u32).to_le_bytes());
            out.extend(pool);
            out.extend(map);
            out.extend(nodes);
            out
        }
    }

    fn node(out: &mut Vec<u8>, kind: u32, body: &[u32]) {
        let size = 16 + 4 * body.len() as u32;
        out.extend((kind | (16 << 16)).to_le_bytes());
        out.extend(size.to_le_bytes());
        out.extend(1u32.to_le_bytes());
        out.extend(u32::MAX.to_le_bytes());
        body.iter().for_each(|v| out.extend(v.to_le_bytes()));
    }
}

#[cfg(test)]
mod tests {
    use super::writer::{Val, Xml};
    use super::*;

    #[test]
    fn attributes_resolve_by_id_even_when_renamed() {
        // A packer renamed `name` to `x`; the id still says android:name.
        let xml = Xml::default()
            .start("manifest", &[(None, "package", Val::Str("com.example"))])
            .start(
                "uses-permission",
                &[(
                    Some(0x0101_0003),
                    "x",
                    Val::Str("android.permission.CAMERA"),
                )],
            )
            .end("uses-permission")
            .end("manifest")
            .finish();
        let doc = parse(&xml, &Limits::default()).unwrap();
        let root = doc.root().unwrap();
        let child = doc.children(root).next().unwrap();
        let name = child.attr(0x0101_0003, "name").unwrap();
        assert_eq!(
            name.value,
            Value::String("android.permission.CAMERA".into())
        );
        assert_eq!(
            root.plain_attr("package").unwrap().value.to_text(),
            "com.example"
        );
    }

    #[test]
    fn tree_text_and_depth() {
        let xml = Xml::default()
            .start("a", &[])
            .start(
                "b",
                &[(None, "flag", Val::Bool(true)), (None, "n", Val::Int(-3))],
            )
            .text("hello")
            .end("b")
            .start("c", &[(None, "r", Val::Ref(0x7f01_0002))])
            .end("c")
            .end("a")
            .finish();
        let doc = parse(&xml, &Limits::default()).unwrap();
        let names: Vec<_> = doc
            .elements()
            .iter()
            .map(|e| (e.name.as_str(), e.depth))
            .collect();
        assert_eq!(names, [("a", 0), ("b", 1), ("c", 1)]);
        let b = &doc.elements()[1];
        assert_eq!(b.text, "hello");
        assert_eq!(b.plain_attr("flag").unwrap().value.as_bool(), Some(true));
        assert_eq!(b.plain_attr("n").unwrap().value.as_int(), Some(-3));
        let c = &doc.elements()[2];
        assert_eq!(
            c.plain_attr("r").unwrap().value.reference(),
            Some(0x7f01_0002)
        );
    }

    #[test]
    fn what_follows_the_root_is_not_read() {
        let mut xml = Xml::default()
            .start("manifest", &[])
            .end("manifest")
            .finish();
        xml.extend([0xff; 12]);
        let len = xml.len() as u32;
        xml[4..8].copy_from_slice(&len.to_le_bytes());
        assert_eq!(parse(&xml, &Limits::default()).unwrap().elements().len(), 1);
        xml.truncate(8);
        xml[4..8].copy_from_slice(&8u32.to_le_bytes());
        assert_eq!(
            parse(&xml, &Limits::default()).unwrap_err(),
            AxmlError::NoRoot
        );
    }

    #[test]
    fn limits_stop_element_floods() {
        let mut xml = Xml::default().start("root", &[]);
        for _ in 0..50 {
            xml = xml.start("item", &[]).end("item");
        }
        let bytes = xml.end("root").finish();
        let limits = Limits {
            max_xml_elements: 10,
            ..Limits::default()
        };
        assert_eq!(
            parse(&bytes, &limits).unwrap_err(),
            AxmlError::TooManyElements(10)
        );
        assert_eq!(
            parse(&bytes, &Limits::default()).unwrap().elements().len(),
            51
        );
    }
}
