//! Third-party SDKs and packers, matched against signature tables.
//!
//! # Signature format
//!
//! A table is JSON: `{"schema_version": 1, "sdks": [ ... ]}`, one record per
//! SDK with `id`, `name`, `vendor`, `categories`, `code_signature_prefixes`,
//! `component_classes`, `native_libs`, `native_lib_regexes` and, for packers,
//! `asset_files`. It is the format of `shared/sdk-signatures` (Exodus and
//! LibChecker rules); unknown fields are ignored and `null` reads as empty,
//! so a platform adds such a file as it is with [`SdkTable::from_json`] and
//! [`SdkTable::merge`]. The project's own table, `data/sdks.json`, is
//! [`SdkTable::builtin`].
//!
//! A code prefix is dotted (`com.umeng.`; `com/umeng/` is accepted) and
//! matches a class whose name starts with it at a name boundary: `com.umeng`
//! matches `com.umeng.A` and `com.umeng$B`, never `com.umengx.A`. A prefix
//! that starts with a dot (`.sizmek.`, as Exodus writes some) matches
//! anywhere in the name. Native-library patterns match whole file names.
//!
//! # Matching
//!
//! All prefixes of a table form one Aho-Corasick automaton, so each class
//! name is scanned once however many SDKs there are. The crate has no
//! anchored overlapping search (nested prefixes such as `com.tencent.` and
//! `com.tencent.bugly.` must all match), so an overlapping search keeps the
//! matches that start the name, and the infix ones. Defined classes are
//! scanned before referenced ones, both in sorted order, so the example class
//! given as evidence for a prefix is the first defined one, or the first
//! referenced one when the SDK's code is absent (stripped, or loaded later).
//!
//! # Categories
//!
//! Categories are reported in the catalogue's vocabulary (ads, analytics,
//! push, crash, location, payment, login, share, risk_control, device_id,
//! biometric, ocr, webview, attribution, hotfix). The shared files' own tags
//! are mapped: `crash_reporting` -> `crash`, `social` -> `share`,
//! `identification` -> `device_id`, `identity_verification` -> `biometric`,
//! `profiling` -> `analytics`, `security_packer` -> `packer`; others pass
//! through.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{RegexBuilder, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Deserializer};
use shelfgate_contract::types::{SdkEvidence, SdkMatch};

use crate::dex::ClassSet;

/// The schema version this build reads.
pub const SCHEMA_VERSION: u32 = 1;

/// Evidence items kept per SDK: enough to show every prefix of a large SDK
/// with an example, without copying a whole manifest into the facts.
const MAX_EVIDENCE: usize = 24;

/// Components kept as evidence because they lie under an SDK's prefix (an
/// SDK can declare dozens of stub activities); components the signature
/// names exactly are always kept.
const MAX_PREFIX_COMPONENTS: usize = 3;

/// Compiled size allowed for a table's library patterns.
const REGEX_SIZE_LIMIT: usize = 8 << 20;

/// One record of a signature table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SdkSignature {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub categories: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub code_signature_prefixes: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub component_classes: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub native_libs: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub native_lib_regexes: Vec<String>,
    /// File names under `assets/` (packer tables).
    #[serde(default, deserialize_with = "list")]
    pub asset_files: Vec<String>,
}

/// `null` and a missing field both read as an empty list.
fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
struct SignatureFile {
    schema_version: u32,
    sdks: Vec<SdkSignature>,
}

/// Why a signature table could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SdkTableError {
    #[error("SDK signature table is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("SDK signature table has schema_version {0}; this build reads {SCHEMA_VERSION}")]
    Schema(u32),
    #[error("SDK `{id}` has an invalid native_lib_regexes pattern `{pattern}`: {message}")]
    Regex {
        id: String,
        pattern: String,
        message: String,
    },
    #[error("SDK signature patterns could not be compiled: {0}")]
    Compile(String),
}

/// A code prefix of the table and the SDKs that list it.
#[derive(Debug)]
struct Prefix {
    text: String,
    /// Starts with a dot: matched anywhere in a name.
    infix: bool,
    owners: Vec<usize>,
}

/// A compiled signature table.
#[derive(Debug)]
pub struct SdkTable {
    /// Sorted by id, ids distinct.
    sdks: Vec<SdkSignature>,
    prefixes: Vec<Prefix>,
    automaton: AhoCorasick,
    components: HashMap<String, Vec<usize>>,
    libs: HashMap<String, Vec<usize>>,
    lib_patterns: RegexSet,
    lib_pattern_owner: Vec<usize>,
    assets: HashMap<String, Vec<usize>>,
}

impl SdkTable {
    /// The project's table, compiled on first use and shared by the whole
    /// process: compiling its automaton and regexes costs about a
    /// millisecond, which a command that inspects one APK should pay once,
    /// and one that never matches SDKs (`--manifest-only`) not at all.
    pub fn builtin_shared() -> &'static SdkTable {
        static BUILTIN: OnceLock<SdkTable> = OnceLock::new();
        BUILTIN.get_or_init(SdkTable::builtin)
    }

    /// The project's table (`data/sdks.json`).
    pub fn builtin() -> SdkTable {
        SdkTable::from_json(include_bytes!("../../data/sdks.json"))
            .expect("data/sdks.json is valid (checked by tests/sdk.rs)")
    }

    /// Load a table in the signature format.
    pub fn from_json(bytes: &[u8]) -> Result<SdkTable, SdkTableError> {
        let file: SignatureFile = serde_json::from_slice(bytes)?;
        if file.schema_version != SCHEMA_VERSION {
            return Err(SdkTableError::Schema(file.schema_version));
        }
        SdkTable::build(file.sdks)
    }

    /// Add `other`'s records; a record whose id is already present replaces
    /// the old one, so a platform can correct a built-in signature.
    pub fn merge(&mut self, other: SdkTable) -> Result<(), SdkTableError> {
        let mut sdks = std::mem::take(&mut self.sdks);
        sdks.extend(other.sdks);
        *self = SdkTable::build(sdks)?;
        Ok(())
    }

    /// The records, sorted by id.
    pub fn signatures(&self) -> &[SdkSignature] {
        &self.sdks
    }

    fn build(records: Vec<SdkSignature>) -> Result<SdkTable, SdkTableError> {
        let by_id: BTreeMap<String, SdkSignature> =
            records.into_iter().map(|s| (s.id.clone(), s)).collect();
        let sdks: Vec<SdkSignature> = by_id.into_values().collect();

        let mut prefixes: Vec<Prefix> = Vec::new();
        let mut prefix_index: HashMap<String, usize> = HashMap::new();
        let mut components: HashMap<String, Vec<usize>> = HashMap::new();
        let mut libs: HashMap<String, Vec<usize>> = HashMap::new();
        let mut assets: HashMap<String, Vec<usize>> = HashMap::new();
        let mut patterns = Vec::new();
        let mut lib_pattern_owner = Vec::new();
        for (i, sdk) in sdks.iter().enumerate() {
            for prefix in sdk
                .code_signature_prefixes
                .iter()
                .filter_map(|p| normalize(p))
            {
                let at = *prefix_index.entry(prefix.clone()).or_insert_with(|| {
                    prefixes.push(Prefix {
                        infix: prefix.starts_with('.'),
                        text: prefix,
                        owners: Vec::new(),
                    });
                    prefixes.len() - 1
                });
                if let Some(p) = prefixes.get_mut(at) {
                    add_owner(&mut p.owners, i);
                }
            }
            for (map, names) in [
                (&mut components, &sdk.component_classes),
                (&mut libs, &sdk.native_libs),
                (&mut assets, &sdk.asset_files),
            ] {
                for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                    add_owner(map.entry(name.to_owned()).or_default(), i);
                }
            }
            for pattern in &sdk.native_lib_regexes {
                let anchored = format!("^(?:{pattern})$");
                RegexBuilder::new(&anchored)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| SdkTableError::Regex {
                        id: sdk.id.clone(),
                        pattern: pattern.clone(),
                        message: e.to_string(),
                    })?;
                patterns.push(anchored);
                lib_pattern_owner.push(i);
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(prefixes.iter().map(|p| p.text.as_str()))
            .map_err(|e| SdkTableError::Compile(e.to_string()))?;
        let lib_patterns = RegexSetBuilder::new(&patterns)
            .size_limit(REGEX_SIZE_LIMIT.saturating_mul(4))
            .build()
            .map_err(|e| SdkTableError::Compile(e.to_string()))?;
        Ok(SdkTable {
            sdks,
            prefixes,
            automaton,
            components,
            libs,
            lib_patterns,
            lib_pattern_owner,
            assets,
        })
    }

    /// The SDKs whose signatures appear among the defined and referenced
    /// classes, the manifest's component classes and the native library
    /// file names; sorted by id, each with the evidence that matched.
    pub fn detect<'a>(
        &self,
        classes: &ClassSet,
        components: impl IntoIterator<Item = &'a str>,
        native_libs: impl IntoIterator<Item = &'a str>,
    ) -> Vec<SdkMatch> {
        self.scan(
            classes,
            components.into_iter().collect(),
            native_libs.into_iter().collect(),
            BTreeSet::new(),
        )
    }

    fn scan(
        &self,
        classes: &ClassSet,
        components: BTreeSet<&str>,
        libs: BTreeSet<&str>,
        assets: BTreeSet<&str>,
    ) -> Vec<SdkMatch> {
        // Per prefix: its first example class, and whether it is defined.
        let mut examples: Vec<Option<(&str, bool)>> = vec![None; self.prefixes.len()];
        let mut note = |name, defined| {
            self.prefix_hits(name, |p| {
                if let Some(slot @ None) = examples.get_mut(p) {
                    *slot = Some((name, defined));
                }
            })
        };
        classes.defined().for_each(|name| note(name, true));
        classes.referenced().for_each(|name| note(name, false));

        let mut evidence: BTreeMap<usize, Vec<SdkEvidence>> = BTreeMap::new();
        let mut add = |owners: &[usize], items: &[(&str, &str)]| {
            for &owner in owners {
                let list = evidence.entry(owner).or_default();
                for (kind, value) in items {
                    if list.len() < MAX_EVIDENCE
                        && !list.iter().any(|e| e.kind == *kind && e.value == *value)
                    {
                        list.push(SdkEvidence {
                            kind: (*kind).to_owned(),
                            value: (*value).to_owned(),
                        });
                    }
                }
            }
        };
        for (prefix, example) in self.prefixes.iter().zip(&examples) {
            if let Some((class, defined)) = example {
                let kind = if *defined {
                    "class"
                } else {
                    "referenced-class"
                };
                add(
                    &prefix.owners,
                    &[("class-prefix", &prefix.text), (kind, class)],
                );
            }
        }
        let mut by_prefix: HashMap<usize, usize> = HashMap::new();
        for component in components {
            let mut owners = self.components.get(component).cloned().unwrap_or_default();
            self.prefix_hits(component, |p| {
                for &o in self.prefixes.get(p).map_or(&[][..], |p| &p.owners) {
                    let seen = by_prefix.entry(o).or_default();
                    if *seen < MAX_PREFIX_COMPONENTS && !owners.contains(&o) {
                        *seen += 1;
                        owners.push(o);
                    }
                }
            });
            add(&owners, &[("component", component)]);
        }
        for lib in libs {
            let mut owners = self.libs.get(lib).cloned().unwrap_or_default();
            for m in self.lib_patterns.matches(lib).iter() {
                if let Some(&o) = self.lib_pattern_owner.get(m) {
                    add_owner(&mut owners, o);
                }
            }
            add(&owners, &[("native-lib", lib)]);
        }
        for asset in assets {
            if let Some(owners) = self.assets.get(asset) {
                add(owners, &[("asset", asset)]);
            }
        }

        evidence
            .into_iter()
            .filter_map(|(i, evidence)| {
                let sdk = self.sdks.get(i)?;
                Some(SdkMatch {
                    id: sdk.id.clone(),
                    name: sdk.name.clone(),
                    vendor: sdk.vendor.clone().filter(|v| !v.is_empty()),
                    categories: categories(&sdk.categories),
                    version: None,
                    evidence,
                })
            })
            .collect()
    }

    /// Call `f` with every prefix that `name` matches.
    fn prefix_hits(&self, name: &str, mut f: impl FnMut(usize)) {
        for m in self.automaton.find_overlapping_iter(name) {
            let p = m.pattern().as_usize();
            let Some(prefix) = self.prefixes.get(p) else {
                continue;
            };
            let bounded = prefix.text.ends_with('.')
                || matches!(name.as_bytes().get(m.end()), None | Some(b'.' | b'$'));
            if (prefix.infix || m.start() == 0) && bounded {
                f(p);
            }
        }
    }
}

/// Packers and hardening shells: they replace the app's dex with a stub
/// that decrypts the real code at run time. Matched on the stub's classes,
/// the manifest's application class, native libraries (under `lib/` or
/// shipped in `assets/`) and the files they keep in `assets/`. Returns the
/// packer ids of `data/packers.json`, sorted.
pub fn detect_packers<'a>(
    classes: &ClassSet,
    application: Option<&str>,
    native_libs: impl IntoIterator<Item = &'a str>,
    entries: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    static PACKERS: OnceLock<SdkTable> = OnceLock::new();
    let table = PACKERS.get_or_init(|| {
        SdkTable::from_json(include_bytes!("../../data/packers.json"))
            .expect("data/packers.json is valid (checked by tests/sdk.rs)")
    });
    let mut libs: BTreeSet<&str> = native_libs.into_iter().collect();
    let mut assets = BTreeSet::new();
    for entry in entries {
        if let Some(file) = entry
            .strip_prefix("assets/")
            .and_then(|p| p.rsplit('/').next())
        {
            assets.insert(file);
            if file.ends_with(".so") {
                libs.insert(file);
            }
        }
    }
    table
        .scan(classes, application.into_iter().collect(), libs, assets)
        .into_iter()
        .map(|m| m.id)
        .collect()
}

/// A prefix in dotted form; `None` for one that would match everything.
fn normalize(prefix: &str) -> Option<String> {
    let dotted = prefix.trim().replace('/', ".");
    (!dotted.trim_matches('.').is_empty()).then_some(dotted)
}

fn add_owner(owners: &mut Vec<usize>, owner: usize) {
    if !owners.contains(&owner) {
        owners.push(owner);
    }
}

/// Tags in the catalogue's vocabulary, deduplicated, in their first order.
fn categories(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = match tag.trim().to_ascii_lowercase().as_str() {
            "crash_reporting" => "crash".to_owned(),
            "social" => "share".to_owned(),
            "identification" => "device_id".to_owned(),
            "identity_verification" => "biometric".to_owned(),
            "profiling" => "analytics".to_owned(),
            "security_packer" => "packer".to_owned(),
            other => other.to_owned(),
        };
        if !tag.is_empty() && !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_mapping() {
        let tags = ["crash_reporting", "Analytics", "profiling", "social"].map(String::from);
        assert_eq!(categories(&tags), ["crash", "analytics", "share"]);
    }

    #[test]
    fn prefixes_match_at_name_boundaries() {
        let table = SdkTable::from_json(
            br#"{"schema_version":1,"sdks":[
                {"id":"a","name":"A","code_signature_prefixes":["com.umeng","com/x/"]},
                {"id":"b","name":"B","code_signature_prefixes":[".sizmek.", "", "."]}]}"#,
        )
        .unwrap();
        let hits = |name: &str| {
            let mut out = Vec::new();
            table.prefix_hits(name, |p| out.push(table.prefixes[p].text.clone()));
            out
        };
        assert_eq!(hits("com.umeng.A"), ["com.umeng"]);
        assert_eq!(hits("com.umeng$A"), ["com.umeng"]);
        assert!(hits("com.umengx.A").is_empty());
        assert!(hits("org.com.umeng.A").is_empty());
        assert_eq!(hits("com.x.Y"), ["com.x."]);
        assert_eq!(hits("net.sizmek.Ad"), [".sizmek."]);
        assert_eq!(table.prefixes.len(), 3);
    }

    #[test]
    fn schema_and_regex_errors() {
        assert!(matches!(
            SdkTable::from_json(br#"{"schema_version":2,"sdks":[]}"#),
            Err(SdkTableError::Schema(2))
        ));
        assert!(matches!(
            SdkTable::from_json(
                br#"{"schema_version":1,"sdks":[{"id":"x","name":"X","native_lib_regexes":["(("]}]}"#
            ),
            Err(SdkTableError::Regex { .. })
        ));
        assert!(SdkTable::from_json(b"[").is_err());
    }
}
