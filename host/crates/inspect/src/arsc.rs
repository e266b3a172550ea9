//! `resources.arsc`: the resource table that manifest references point into.
//!
//! Parsing only indexes the table (packages, their type chunks and each
//! chunk's configuration); values are decoded when a reference is resolved,
//! so a 100 MB table costs one pass over its chunk headers. Entries are read
//! in all three layouts the platform writes: 32-bit offsets, 16-bit offsets
//! (`FLAG_OFFSET16`) and sparse tables (`FLAG_SPARSE`), with full, compact
//! (`FLAG_COMPACT`) and complex (bag) entries; bags carry no single value
//! and are skipped.
//!
//! References are followed per configuration, as far as the platform's
//! `AssetManager2::ResolveReference` goes (20 steps), so a label defined
//! through `@string/app_name` resolves in every locale the table knows.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::axml::{chunk_at, le_u16, le_u32, StringPool, Value};
use crate::{InspectError, Limits};
use shelfgate_contract::types::Localized;

const RES_STRING_POOL_TYPE: u16 = 0x0001;
const RES_TABLE_TYPE: u16 = 0x0002;
const RES_TABLE_PACKAGE_TYPE: u16 = 0x0200;
const RES_TABLE_TYPE_TYPE: u16 = 0x0201;

/// `ResTable_package` up to `lastPublicKey`; `typeIdOffset` follows when
/// the header is longer.
const PACKAGE_HEADER_LEN: usize = 284;
/// `ResTable_type` up to the start of its `ResTable_config`.
const TYPE_HEADER_LEN: usize = 20;
const FLAG_SPARSE: u8 = 0x01;
const FLAG_OFFSET16: u8 = 0x02;
const ENTRY_FLAG_COMPLEX: u16 = 0x0001;
const ENTRY_FLAG_COMPACT: u16 = 0x0008;
const NO_ENTRY32: u32 = 0xffff_ffff;
const NO_ENTRY16: u16 = 0xffff;
/// `AssetManager2::ResolveReference`'s bound on reference chains.
const MAX_REFERENCE_DEPTH: usize = 20;
/// Most distinct resources indexed while localizing one value.
const MAX_LOCALIZED_STEPS: usize = 64;
/// Most locales a value is reported in; real apps ship under 200.
const MAX_LOCALES: usize = 1_000;

/// An indexed resource table. Owns its bytes; holds offsets into them.
#[derive(Debug)]
pub struct ResourceTable {
    data: Vec<u8>,
    /// Range of the global (value) string pool chunk.
    values: (usize, usize),
    packages: Vec<Package>,
}

#[derive(Debug)]
struct Package {
    id: u8,
    type_names: (usize, usize),
    key_names: (usize, usize),
    /// Type chunks, in file order.
    types: Vec<TypeChunk>,
}

#[derive(Debug)]
struct TypeChunk {
    /// Resource type id (`0xPPTTEEEE`'s `TT`).
    type_id: u8,
    flags: u8,
    entry_count: usize,
    /// Absolute offsets of its offset table, its entries and its end.
    offsets_at: usize,
    entries_at: usize,
    end: usize,
    config: Config,
}

/// The parts of a `ResTable_config` that matter for facts: the locale, and
/// whether anything else (density, SDK level, orientation...) qualifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `en`, `en-US`, `sr-Latn-RS`; empty for the default locale.
    pub locale: String,
    /// True when the configuration has qualifiers other than the locale.
    pub qualified: bool,
}

impl ResourceTable {
    /// Index a `resources.arsc`.
    pub fn parse(data: Vec<u8>, limits: &Limits) -> Result<ResourceTable, InspectError> {
        if data.len() as u64 > limits.max_arsc_size {
            return Err(InspectError::TooLarge {
                what: "resources.arsc".to_owned(),
                limit: limits.max_arsc_size,
            });
        }
        let table = chunk_at(&data, 0, 12).map_err(malformed)?;
        if table.kind != RES_TABLE_TYPE {
            return Err(malformed("not a resource table"));
        }
        let mut values = None;
        let mut packages = Vec::new();
        let table_bytes = table.bytes;
        let mut at = table.header_len;
        while at < table_bytes.len() {
            let chunk = chunk_at(table_bytes, at, 8).map_err(malformed)?;
            match chunk.kind {
                // The first pool is the table's value pool, as in LoadedArsc.
                RES_STRING_POOL_TYPE if values.is_none() => {
                    StringPool::parse(chunk.bytes).map_err(|e| malformed(&e.to_string()))?;
                    values = Some((at, at + chunk.bytes.len()));
                }
                RES_TABLE_PACKAGE_TYPE => {
                    let used: usize = packages.iter().map(|p: &Package| p.types.len()).sum();
                    let budget = (limits.max_resource_chunks as usize).saturating_sub(used);
                    packages.push(Package::parse(&data, at, chunk.bytes.len(), budget)?)
                }
                _ => {}
            }
            at += chunk.bytes.len();
        }
        let values = values.unwrap_or_default();
        Ok(ResourceTable {
            data,
            values,
            packages,
        })
    }

    /// Every value of resource `id`, one per configuration that defines
    /// it, in file order. Bags (styles, arrays) have no single value and
    /// are left out.
    pub fn values(&self, id: u32) -> Vec<(Config, Value)> {
        let [package_id, type_id, ..] = id.to_be_bytes();
        let entry = (id & 0xffff) as usize;
        let pool = self.value_pool();
        let mut out = Vec::new();
        for package in self.packages.iter().filter(|p| p.id == package_id) {
            for chunk in package.types.iter().filter(|t| t.type_id == type_id) {
                if let Some(value) = chunk.value(&self.data, entry, &pool) {
                    out.push((chunk.config.clone(), value));
                }
            }
        }
        out
    }

    /// The value of `id` for `locale`, references followed: the best
    /// matching configuration at each step (the exact locale, then its
    /// language alone, then the default), unqualified ones first.
    pub fn resolve(&self, id: u32, locale: &str) -> Option<Value> {
        let mut id = id;
        for _ in 0..MAX_REFERENCE_DEPTH {
            let value = pick(&self.by_locale(id), locale)?.clone();
            match value.reference() {
                Some(next) => id = next,
                None => return Some(value),
            }
        }
        None
    }

    /// `id` resolved in every locale along its reference chain, as text,
    /// the default locale (`""`) first and the rest sorted.
    pub fn localized(&self, id: u32) -> Vec<Localized> {
        // Each resource on the chains is indexed once, and only so many:
        // a hostile table could branch every locale to its own chain.
        let mut steps = HashMap::new();
        let mut locales = BTreeSet::from([String::new()]);
        let mut next = Some(id);
        for _ in 0..MAX_REFERENCE_DEPTH {
            let Some(map) = next.and_then(|id| self.step(&mut steps, id)) else {
                break;
            };
            locales.extend(map.keys().take(MAX_LOCALES).cloned());
            next = pick(map, "").and_then(Value::reference);
        }
        let mut out = Vec::new();
        for locale in locales.into_iter().take(MAX_LOCALES) {
            let mut current = id;
            for _ in 0..MAX_REFERENCE_DEPTH {
                let step = self.step(&mut steps, current);
                let Some(value) = step.and_then(|map| pick(map, &locale)) else {
                    break;
                };
                match value.reference() {
                    Some(reference) => current = reference,
                    None => {
                        let value = value.to_text();
                        out.push(Localized { locale, value });
                        break;
                    }
                }
            }
        }
        out
    }

    /// `by_locale(id)`, memoized in `steps` up to `MAX_LOCALIZED_STEPS`.
    fn step<'m>(
        &self,
        steps: &'m mut HashMap<u32, BTreeMap<String, Value>>,
        id: u32,
    ) -> Option<&'m BTreeMap<String, Value>> {
        if !steps.contains_key(&id) {
            if steps.len() >= MAX_LOCALIZED_STEPS {
                return None;
            }
            steps.insert(id, self.by_locale(id));
        }
        steps.get(&id)
    }

    /// The best value of `id` for each locale that defines it:
    /// unqualified configurations first, then file order.
    fn by_locale(&self, id: u32) -> BTreeMap<String, Value> {
        let mut best: BTreeMap<String, (bool, Value)> = BTreeMap::new();
        for (config, value) in self.values(id) {
            match best.entry(config.locale) {
                Entry::Vacant(slot) => {
                    slot.insert((config.qualified, value));
                }
                Entry::Occupied(mut slot) if slot.get().0 && !config.qualified => {
                    slot.insert((false, value));
                }
                Entry::Occupied(_) => {}
            }
        }
        best.into_iter()
            .map(|(locale, (_, value))| (locale, value))
            .collect()
    }

    /// `type/name` of resource `id` (`xml/network_security_config`).
    pub fn name(&self, id: u32) -> Option<String> {
        let [package_id, type_id, ..] = id.to_be_bytes();
        let entry = (id & 0xffff) as usize;
        let package = self.packages.iter().find(|p| p.id == package_id)?;
        let types =
            StringPool::parse(self.data.get(package.type_names.0..package.type_names.1)?).ok()?;
        let keys =
            StringPool::parse(self.data.get(package.key_names.0..package.key_names.1)?).ok()?;
        let type_name = types.get(u32::from(type_id).checked_sub(1)?).ok()?;
        let key = package
            .types
            .iter()
            .filter(|t| t.type_id == type_id)
            .find_map(|t| t.key(&self.data, entry))?;
        Some(format!("{type_name}/{}", keys.get(key).ok()?))
    }

    fn value_pool(&self) -> StringPool<'_> {
        self.data
            .get(self.values.0..self.values.1)
            .and_then(|bytes| StringPool::parse(bytes).ok())
            .unwrap_or_default()
    }
}

impl Package {
    /// Index the package chunk at `start`, holding at most `max_types`
    /// type chunks.
    fn parse(
        data: &[u8],
        start: usize,
        len: usize,
        max_types: usize,
    ) -> Result<Package, InspectError> {
        let bytes = data.get(start..start + len).unwrap_or_default();
        let header_len = usize::from(le_u16(bytes, 2).unwrap_or(0));
        if header_len < PACKAGE_HEADER_LEN {
            return Err(malformed("package header is too small"));
        }
        let field = |at: usize| le_u32(bytes, at).unwrap_or(0) as usize;
        let id = u8::try_from(field(8)).map_err(|_| malformed("package id out of range"))?;
        let type_id_offset = if header_len >= PACKAGE_HEADER_LEN + 4 {
            field(284)
        } else {
            0
        };
        let pool_range = |offset: usize| -> Result<(usize, usize), InspectError> {
            let chunk = chunk_at(bytes, offset, 8).map_err(malformed)?;
            StringPool::parse(chunk.bytes).map_err(|e| malformed(&e.to_string()))?;
            Ok((start + offset, start + offset + chunk.bytes.len()))
        };
        let type_names = pool_range(field(268))?;
        let key_names = pool_range(field(276))?;

        let mut types = Vec::new();
        let mut at = header_len;
        while at < bytes.len() {
            let chunk = chunk_at(bytes, at, 8).map_err(malformed)?;
            if chunk.kind == RES_TABLE_TYPE_TYPE {
                if types.len() >= max_types {
                    return Err(malformed("more type chunks than the limit"));
                }
                types.push(TypeChunk::parse(
                    chunk.bytes,
                    chunk.header_len,
                    start + at,
                    type_id_offset,
                )?);
            }
            at += chunk.bytes.len();
        }
        Ok(Package {
            id,
            type_names,
            key_names,
            types,
        })
    }
}

impl TypeChunk {
    fn parse(
        bytes: &[u8],
        header_len: usize,
        start: usize,
        type_id_offset: usize,
    ) -> Result<TypeChunk, InspectError> {
        if header_len < TYPE_HEADER_LEN + 4 {
            return Err(malformed("type chunk header is too small"));
        }
        let type_id = bytes
            .get(8)
            .and_then(|&id| u8::try_from(usize::from(id) + type_id_offset).ok())
            .ok_or_else(|| malformed("type id out of range"))?;
        let flags = bytes.get(9).copied().unwrap_or(0);
        let entry_count = le_u32(bytes, 12).unwrap_or(0) as usize;
        let entries_start = le_u32(bytes, 16).unwrap_or(0) as usize;
        let offset_size = if flags & (FLAG_SPARSE | FLAG_OFFSET16) == FLAG_OFFSET16 {
            2
        } else {
            4
        };
        entry_count
            .checked_mul(offset_size)
            .and_then(|n| n.checked_add(header_len))
            .filter(|&end| end <= entries_start && entries_start <= bytes.len())
            .ok_or_else(|| malformed("type chunk entry table runs past its entries"))?;
        let config = Config::parse(bytes.get(TYPE_HEADER_LEN..header_len).unwrap_or_default());
        Ok(TypeChunk {
            type_id,
            flags,
            entry_count,
            offsets_at: start + header_len,
            entries_at: start + entries_start,
            end: start + bytes.len(),
            config,
        })
    }

    /// Offset of entry `index` from `entries_at`, if the chunk defines it.
    fn entry_offset(&self, data: &[u8], index: usize) -> Option<usize> {
        let table = data.get(self.offsets_at..self.entries_at)?;
        if self.flags & FLAG_SPARSE != 0 {
            // `ResTable_sparseTypeEntry`s sorted by index: (u16 index,
            // u16 offset / 4).
            let count = self.entry_count.min(table.len() / 4);
            let (mut lo, mut hi) = (0, count);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let key = usize::from(le_u16(table, mid * 4)?);
                match key.cmp(&index) {
                    std::cmp::Ordering::Equal => {
                        return Some(usize::from(le_u16(table, mid * 4 + 2)?) * 4)
                    }
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                }
            }
            return None;
        }
        if index >= self.entry_count {
            return None;
        }
        if self.flags & FLAG_OFFSET16 != 0 {
            let offset = le_u16(table, index * 2)?;
            (offset != NO_ENTRY16).then_some(usize::from(offset) * 4)
        } else {
            let offset = le_u32(table, index * 4)?;
            (offset != NO_ENTRY32).then_some(offset as usize)
        }
    }

    /// The entry's bytes from its start to the chunk end, and its flags.
    fn entry<'d>(&self, data: &'d [u8], index: usize) -> Option<(&'d [u8], u16)> {
        let at = self
            .entries_at
            .checked_add(self.entry_offset(data, index)?)?;
        let entry = data.get(at..self.end)?;
        let flags = le_u16(entry, 2)?;
        Some((entry, flags))
    }

    fn value(&self, data: &[u8], index: usize, pool: &StringPool<'_>) -> Option<Value> {
        let (entry, flags) = self.entry(data, index)?;
        if flags & ENTRY_FLAG_COMPACT != 0 {
            // Compact: u16 key, u16 flags whose high byte is the data type,
            // u32 data.
            return Value::decode((flags >> 8) as u8, le_u32(entry, 4)?, pool).ok();
        }
        if flags & ENTRY_FLAG_COMPLEX != 0 {
            return None;
        }
        let size = usize::from(le_u16(entry, 0)?);
        // `Res_value`: u16 size, u8 zero, u8 type, u32 data.
        let kind = *entry.get(size.checked_add(3)?)?;
        Value::decode(kind, le_u32(entry, size + 4)?, pool).ok()
    }

    fn key(&self, data: &[u8], index: usize) -> Option<u32> {
        let (entry, flags) = self.entry(data, index)?;
        if flags & ENTRY_FLAG_COMPACT != 0 {
            return le_u16(entry, 0).map(u32::from);
        }
        le_u32(entry, 4)
    }
}

impl Config {
    /// Read the locale fields of a `ResTable_config` (of any length).
    fn parse(config: &[u8]) -> Config {
        let byte = |at: usize| config.get(at).copied().unwrap_or(0);
        let language = unpack_code([byte(8), byte(9)], b'a');
        let region = unpack_code([byte(10), byte(11)], b'0');
        let script = ascii(config.get(36..40));
        let variant = ascii(config.get(40..48));
        let mut locale = language;
        for part in [script, region, variant] {
            if !part.is_empty() && !locale.is_empty() {
                locale.push('-');
                locale.push_str(&part);
            }
        }
        // Everything but size, locale, script, variant and the
        // computed-script flag counts as another qualifier.
        let qualified = config
            .iter()
            .enumerate()
            .any(|(i, &b)| b != 0 && !matches!(i, 0..=3 | 8..=11 | 36..=47 | 52));
        Config { locale, qualified }
    }
}

/// A two-letter code, or a three-letter one packed into two bytes (high
/// bit set, three 5-bit letters from `base`).
fn unpack_code(raw: [u8; 2], base: u8) -> String {
    if raw[0] & 0x80 != 0 {
        let first = raw[1] & 0x1f;
        let second = ((raw[1] & 0xe0) >> 5) | ((raw[0] & 0x03) << 3);
        let third = (raw[0] & 0x7c) >> 2;
        return [first, second, third]
            .iter()
            .map(|&c| char::from(base + c))
            .collect();
    }
    ascii(Some(&raw))
}

fn ascii(bytes: Option<&[u8]>) -> String {
    bytes
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| b != 0)
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|&b| char::from(b))
        .collect()
}

/// The value the platform would pick for `locale`: the exact locale, then
/// its language alone, then the default locale.
fn pick<'v>(by_locale: &'v BTreeMap<String, Value>, locale: &str) -> Option<&'v Value> {
    let language = locale.split('-').next().unwrap_or_default();
    [locale, language, ""]
        .iter()
        .find_map(|want| by_locale.get(*want))
}

fn malformed(why: &str) -> InspectError {
    InspectError::Resources(why.to_owned())
}
