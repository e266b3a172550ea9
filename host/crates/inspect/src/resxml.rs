//! Facts from the resource files the manifest names: accessibility-service
//! configs, FileProvider paths, backup rules and launcher icons.
//!
//! The manifest only names these files (`@xml/backup_rules`); what the
//! catalogue's rules ask is inside them: whether a service claims
//! `isAccessibilityTool`, whether a FileProvider shares `<root-path>`,
//! whether backups exclude databases, whether the icon is see-through.
//! Each file is found through `resources.arsc` by the id the manifest
//! gives, read with the inspection limits, and a file that cannot be read
//! or decoded is an anomaly, never an error of the whole inspection.
//!
//! Bounds: at most [`MAX_FILES`] files are read, each XML at most
//! [`MAX_XML_BYTES`] and each icon image at most [`MAX_ICON_BYTES`]
//! inflated; pixel counts are bounded in [`crate::icon`].

use std::collections::HashSet;

use shelfgate_contract::types::{
    AccessibilityConfig, BackupRule, BackupRules, FilePathEntry, FileProviderPaths, IconImage,
    LauncherIcon, ResourceFacts, ZipAnomaly,
};

use crate::arsc::ResourceTable;
use crate::axml::{self, Attribute, Document, Element, Value};
use crate::icon;
use crate::manifest::ManifestFacts;
use crate::zip::Archive;
use crate::{InspectError, Limits, ReadAt};

/// Meta-data naming a service's accessibility configuration XML.
pub const ACCESSIBILITY_META: &str = "android.accessibilityservice";
/// Meta-data naming a FileProvider's paths XML (androidx keeps the name).
pub const FILE_PROVIDER_META: &str = "android.support.FILE_PROVIDER_PATHS";
/// The meta-data whose files are read here.
pub const META_DATA_FILES: &[&str] = &[ACCESSIBILITY_META, FILE_PROVIDER_META];

/// Most resource files read for one APK.
pub const MAX_FILES: usize = 64;
/// Largest resource XML read, inflated.
pub const MAX_XML_BYTES: u64 = 1 << 20;
/// Largest icon image read, inflated.
pub const MAX_ICON_BYTES: u64 = 4 << 20;
/// Most distinct launcher icons measured.
const MAX_ICONS: usize = 8;
/// Most adaptive-icon layers followed (background, foreground, monochrome).
const MAX_LAYERS: usize = 3;

/// `android.R.attr` ids read in resource XML.
mod attr {
    pub const DRAWABLE: u32 = 0x0101_0199;
    pub const ACCESSIBILITY_EVENT_TYPES: u32 = 0x0101_0380;
    pub const PACKAGE_NAMES: u32 = 0x0101_0381;
    pub const CAN_RETRIEVE_WINDOW_CONTENT: u32 = 0x0101_0385;
    pub const IS_ACCESSIBILITY_TOOL: u32 = 0x0101_0641;
}

/// Read every resource file the manifest names.
pub fn collect<R: ReadAt + ?Sized>(
    manifest: &ManifestFacts,
    table: Option<&ResourceTable>,
    archive: &Archive,
    src: &R,
    limits: &Limits,
) -> (ResourceFacts, Vec<ZipAnomaly>) {
    let mut files = Files {
        archive,
        src,
        limits,
        table,
        read: 0,
        anomalies: Vec::new(),
    };
    let mut facts = ResourceFacts {
        accessibility_configs: Vec::new(),
        file_provider_paths: Vec::new(),
        backup_rules: Vec::new(),
        launcher_icons: Vec::new(),
    };
    for (owner, name, id) in &manifest.refs.meta_data {
        let Some((path, doc)) = files.xml_of(*id) else {
            continue;
        };
        match name.as_str() {
            ACCESSIBILITY_META => {
                if let Some(config) = accessibility(&doc, table, owner, &path) {
                    facts.accessibility_configs.push(config);
                }
            }
            FILE_PROVIDER_META => facts
                .file_provider_paths
                .push(file_paths(&doc, owner, &path)),
            _ => {}
        }
    }
    for (kind, id) in [
        ("full-backup-content", manifest.refs.full_backup_content),
        ("data-extraction-rules", manifest.refs.data_extraction_rules),
    ] {
        if let Some((path, doc)) = id.and_then(|id| files.xml_of(id)) {
            facts.backup_rules.push(backup_rules(&doc, kind, &path));
        }
    }
    let mut seen = HashSet::new();
    for (owner, id) in &manifest.refs.icons {
        if seen.len() >= MAX_ICONS || !seen.insert(*id) {
            continue;
        }
        facts.launcher_icons.push(files.icon(owner, *id));
    }
    (facts, files.anomalies)
}

/// Every reader [`collect`] has for a resource XML file, over one file as
/// if the manifest named it for each: what the fuzz target drives, since
/// [`collect`] reaches the readers only through an APK and its table.
pub fn read_document(
    xml: &[u8],
    table: Option<&ResourceTable>,
    limits: &Limits,
) -> Result<ResourceFacts, axml::AxmlError> {
    let doc = axml::parse(xml, limits)?;
    let path = "res/xml/file.xml";
    Ok(ResourceFacts {
        accessibility_configs: accessibility(&doc, table, "S", path).into_iter().collect(),
        file_provider_paths: vec![file_paths(&doc, "P", path)],
        backup_rules: ["full-backup-content", "data-extraction-rules"]
            .map(|kind| backup_rules(&doc, kind, path))
            .to_vec(),
        launcher_icons: Vec::new(),
    })
}

/// Reads files by resource id, within the budget.
struct Files<'a, R: ?Sized> {
    archive: &'a Archive,
    src: &'a R,
    limits: &'a Limits,
    table: Option<&'a ResourceTable>,
    read: usize,
    anomalies: Vec<ZipAnomaly>,
}

impl<R: ReadAt + ?Sized> Files<'_, R> {
    /// The bytes of `path`, if it exists, fits `max` and the budget.
    fn bytes(&mut self, path: &str, max: u64) -> Result<Option<Vec<u8>>, String> {
        let Some(entry) = self.archive.entry(path) else {
            return Ok(None);
        };
        if self.read >= MAX_FILES {
            // Reported once: a manifest naming thousands of files must not
            // turn into thousands of anomalies.
            if self.read == MAX_FILES {
                self.read += 1;
                self.anomalies.push(ZipAnomaly {
                    kind: "resource-limit".to_owned(),
                    entry: Some(path.to_owned()),
                    detail: format!(
                        "more than {MAX_FILES} resource files named; the rest are not read"
                    ),
                });
            }
            return Ok(None);
        }
        // Counted before the size check: files refused for size use the
        // budget too.
        self.read += 1;
        if entry.uncompressed_size > max {
            return Err(InspectError::TooLarge {
                what: format!("resource `{path}`"),
                limit: max,
            }
            .to_string());
        }
        self.archive
            .read(self.src, entry, self.limits)
            .map(Some)
            .map_err(|e| e.to_string())
    }

    fn anomaly(&mut self, path: &str, detail: String) {
        self.anomalies.push(ZipAnomaly {
            kind: "malformed-resource".to_owned(),
            entry: Some(path.to_owned()),
            detail,
        });
    }

    /// The default configuration's XML file of resource `id`, decoded.
    fn xml_of(&mut self, id: u32) -> Option<(String, Document)> {
        let path = match self.table?.resolve(id, "")? {
            Value::String(path) if path.ends_with(".xml") => path,
            _ => return None,
        };
        let parsed = self
            .bytes(&path, MAX_XML_BYTES)
            .and_then(|bytes| match bytes {
                Some(b) => axml::parse(&b, self.limits)
                    .map(Some)
                    .map_err(|e| e.to_string()),
                None => Ok(None),
            });
        match parsed {
            Ok(Some(doc)) => Some((path, doc)),
            Ok(None) => None,
            Err(e) => {
                self.anomaly(&path, e);
                None
            }
        }
    }

    /// The icon `id`: its best bitmap and, when it is adaptive, its layers.
    fn icon(&mut self, owner: &str, id: u32) -> LauncherIcon {
        let mut icon = LauncherIcon {
            owner: owner.to_owned(),
            resource: self
                .table
                .and_then(|t| t.name(id))
                .map_or_else(|| format!("@0x{id:08x}"), |n| format!("@{n}")),
            adaptive: false,
            images: Vec::new(),
            problems: Vec::new(),
        };
        let candidates = self.candidates(id);
        let adaptive_xml = candidates
            .iter()
            .filter_map(|v| match v {
                Value::String(p) if p.ends_with(".xml") => Some(p.clone()),
                _ => None,
            })
            .next();
        if let Some(path) = best_bitmap(&candidates) {
            self.measure("bitmap", &path, &mut icon);
        }
        if let Some(path) = adaptive_xml {
            match self.bytes(&path, MAX_XML_BYTES).and_then(|b| match b {
                Some(b) => axml::parse(&b, self.limits)
                    .map(Some)
                    .map_err(|e| e.to_string()),
                None => Ok(None),
            }) {
                Ok(Some(doc)) => self.adaptive_layers(&doc, &path, &mut icon),
                Ok(None) => {}
                Err(e) => icon.problems.push(format!("{path}: {e}")),
            }
        }
        icon
    }

    /// Every configuration's value of `id`, references followed one step.
    fn candidates(&self, id: u32) -> Vec<Value> {
        let Some(table) = self.table else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (_, value) in table.values(id) {
            match value.reference() {
                Some(next) => out.extend(table.values(next).into_iter().map(|(_, v)| v)),
                None => out.push(value),
            }
        }
        out
    }

    fn adaptive_layers(&mut self, doc: &Document, path: &str, icon: &mut LauncherIcon) {
        let Some(root) = doc.root().filter(|r| r.name == "adaptive-icon") else {
            return;
        };
        icon.adaptive = true;
        let layers = doc
            .children(root)
            .filter(|c| matches!(c.name.as_str(), "background" | "foreground" | "monochrome"))
            .take(MAX_LAYERS);
        for layer in layers {
            let role = layer.name.as_str();
            let value = layer.attr(attr::DRAWABLE, "drawable").map(|a| &a.value);
            let candidates = match value {
                Some(Value::Color(c)) => vec![Value::Color(*c)],
                Some(v) => v
                    .reference()
                    .map_or_else(Vec::new, |id| self.candidates(id)),
                // An inline drawable (`<inset>`, `<vector>`) inside the layer.
                None => Vec::new(),
            };
            if let Some(&Value::Color(c)) = candidates.iter().find(|v| matches!(v, Value::Color(_)))
            {
                icon.images.push(IconImage {
                    role: role.to_owned(),
                    source: format!("#{c:08x}"),
                    format: "color".to_owned(),
                    width: 0,
                    height: 0,
                    transparent_permille: Some(if c >> 24 == 0 { 1_000 } else { 0 }),
                });
            } else if let Some(bitmap) = best_bitmap(&candidates) {
                self.measure(role, &bitmap, icon);
            } else {
                let source = candidates
                    .iter()
                    .find_map(|v| match v {
                        Value::String(p) => Some(p.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| path.to_owned());
                icon.images.push(IconImage {
                    role: role.to_owned(),
                    source,
                    format: "xml".to_owned(),
                    width: 0,
                    height: 0,
                    transparent_permille: None,
                });
            }
        }
    }

    fn measure(&mut self, role: &str, path: &str, icon: &mut LauncherIcon) {
        let bytes = match self.bytes(path, MAX_ICON_BYTES) {
            Ok(Some(b)) => b,
            Ok(None) => return,
            Err(e) => {
                icon.problems.push(format!("{path}: {e}"));
                return;
            }
        };
        match icon::measure(&bytes) {
            Ok(alpha) => icon.images.push(IconImage {
                role: role.to_owned(),
                source: path.to_owned(),
                format: alpha.format.to_owned(),
                width: alpha.width,
                height: alpha.height,
                transparent_permille: Some(alpha.transparent_permille),
            }),
            Err(e) => icon.problems.push(format!("{path}: {e}")),
        }
    }
}

/// The highest-density PNG or WebP among `candidates`: what a launcher on
/// a dense screen draws, and the most pixels to measure.
fn best_bitmap(candidates: &[Value]) -> Option<String> {
    candidates
        .iter()
        .filter_map(|v| match v {
            Value::String(p) if is_bitmap(p) => Some(p),
            _ => None,
        })
        .max_by_key(|p| density_rank(p))
        .cloned()
}

fn is_bitmap(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    (lower.ends_with(".png") && !lower.ends_with(".9.png")) || lower.ends_with(".webp")
}

fn density_rank(path: &str) -> u8 {
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let qualifiers: Vec<&str> = dir.split('-').collect();
    [
        ("xxxhdpi", 7),
        ("xxhdpi", 6),
        ("xhdpi", 5),
        ("hdpi", 4),
        ("tvdpi", 3),
        ("mdpi", 2),
        ("ldpi", 0),
    ]
    .iter()
    .find(|(q, _)| qualifiers.contains(q))
    .map_or(1, |&(_, rank)| rank)
}

/// An attribute's value with one resource reference followed.
fn resolved(table: Option<&ResourceTable>, attribute: &Attribute) -> Value {
    match (attribute.value.reference(), table) {
        (Some(id), Some(t)) => t.resolve(id, "").unwrap_or_else(|| attribute.value.clone()),
        _ => attribute.value.clone(),
    }
}

/// An `android:` attribute by name alone, for attributes whose id this
/// reader does not pin (it still prefers the id where it knows one).
fn named<'e>(element: &'e Element, name: &str) -> Option<&'e Attribute> {
    element.attributes.iter().find(|a| a.name == name)
}

fn accessibility(
    doc: &Document,
    table: Option<&ResourceTable>,
    service: &str,
    path: &str,
) -> Option<AccessibilityConfig> {
    let root = doc.root().filter(|r| r.name == "accessibility-service")?;
    let flag = |id: u32, name: &str| {
        root.attr(id, name)
            .or_else(|| named(root, name))
            .and_then(|a| resolved(table, a).as_bool())
            .unwrap_or(false)
    };
    let event_types = root
        .attr(attr::ACCESSIBILITY_EVENT_TYPES, "accessibilityEventTypes")
        .map(|a| event_type_names(&resolved(table, a)))
        .unwrap_or_default();
    let package_names = root
        .attr(attr::PACKAGE_NAMES, "packageNames")
        .map(|a| match resolved(table, a) {
            Value::String(s) => s
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    Some(AccessibilityConfig {
        service: service.to_owned(),
        path: path.to_owned(),
        is_accessibility_tool: flag(attr::IS_ACCESSIBILITY_TOOL, "isAccessibilityTool"),
        can_retrieve_window_content: flag(
            attr::CAN_RETRIEVE_WINDOW_CONTENT,
            "canRetrieveWindowContent",
        ),
        // No pinned id: matched by name (a compiled attribute keeps it).
        can_perform_gestures: named(root, "canPerformGestures")
            .and_then(|a| resolved(table, a).as_bool())
            .unwrap_or(false),
        event_types,
        package_names,
    })
}

/// `AccessibilityEvent` type flags by name; all bits is `typeAllMask`.
fn event_type_names(value: &Value) -> Vec<String> {
    const TYPES: &[(u32, &str)] = &[
        (0x1, "typeViewClicked"),
        (0x2, "typeViewLongClicked"),
        (0x4, "typeViewSelected"),
        (0x8, "typeViewFocused"),
        (0x10, "typeViewTextChanged"),
        (0x20, "typeWindowStateChanged"),
        (0x40, "typeNotificationStateChanged"),
        (0x80, "typeViewHoverEnter"),
        (0x100, "typeViewHoverExit"),
        (0x200, "typeTouchExplorationGestureStart"),
        (0x400, "typeTouchExplorationGestureEnd"),
        (0x800, "typeWindowContentChanged"),
        (0x1000, "typeViewScrolled"),
        (0x2000, "typeViewTextSelectionChanged"),
        (0x4000, "typeAnnouncement"),
        (0x8000, "typeViewAccessibilityFocused"),
        (0x1_0000, "typeViewAccessibilityFocusCleared"),
        (0x2_0000, "typeViewTextTraversedAtMovementGranularity"),
        (0x4_0000, "typeGestureDetectionStart"),
        (0x8_0000, "typeGestureDetectionEnd"),
        (0x10_0000, "typeTouchInteractionStart"),
        (0x20_0000, "typeTouchInteractionEnd"),
        (0x40_0000, "typeWindowsChanged"),
        (0x80_0000, "typeContextClicked"),
        (0x100_0000, "typeAssistReadingContext"),
        (0x200_0000, "typeSpeechStateChange"),
    ];
    let bits = match value {
        Value::String(s) => return s.split('|').map(|t| t.trim().to_owned()).collect(),
        other => match other.as_int() {
            Some(v) => v as u32,
            None => return Vec::new(),
        },
    };
    if bits == u32::MAX {
        return vec!["typeAllMask".to_owned()];
    }
    let mut names: Vec<String> = TYPES
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, n)| (*n).to_owned())
        .collect();
    let known: u32 = TYPES.iter().map(|(b, _)| b).sum();
    if bits & !known != 0 {
        names.push(format!("0x{:x}", bits & !known));
    }
    names
}

fn file_paths(doc: &Document, provider: &str, path: &str) -> FileProviderPaths {
    let entries = doc
        .root()
        .filter(|r| r.name == "paths")
        .map(|root| {
            doc.children(root)
                .map(|e| FilePathEntry {
                    kind: e.name.clone(),
                    name: plain_text(e, "name"),
                    path: plain_text(e, "path"),
                })
                .collect()
        })
        .unwrap_or_default();
    FileProviderPaths {
        provider: provider.to_owned(),
        path: path.to_owned(),
        entries,
    }
}

fn backup_rules(doc: &Document, kind: &str, path: &str) -> BackupRules {
    let mut rules = Vec::new();
    let mut push = |section: &str, parent: &Element| {
        for e in doc.children(parent) {
            let include = match e.name.as_str() {
                "include" => true,
                "exclude" => false,
                _ => continue,
            };
            rules.push(BackupRule {
                section: section.to_owned(),
                include,
                domain: plain_text(e, "domain"),
                path: plain_text(e, "path"),
            });
        }
    };
    if let Some(root) = doc.root() {
        match root.name.as_str() {
            "full-backup-content" => push("full-backup-content", root),
            "data-extraction-rules" => {
                for section in doc.children(root) {
                    push(&section.name, section);
                }
            }
            _ => {}
        }
    }
    BackupRules {
        kind: kind.to_owned(),
        path: path.to_owned(),
        rules,
    }
}

/// A plain (namespace-less) attribute as text; resource XML keeps these as
/// raw strings.
fn plain_text(element: &Element, name: &str) -> String {
    element
        .plain_attr(name)
        .or_else(|| named(element, name))
        .map(|a| match &a.value {
            Value::String(s) => s.clone(),
            Value::Null | Value::Empty => a.raw.clone().unwrap_or_default(),
            other => a.raw.clone().unwrap_or_else(|| other.to_text()),
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::axml::writer::{Val, Xml};

    fn doc(xml: Xml) -> Document {
        axml::parse(&xml.finish(), &Limits::default()).unwrap()
    }

    #[test]
    fn accessibility_config() {
        let d = doc(Xml::default()
            .start(
                "accessibility-service",
                &[
                    (
                        Some(attr::ACCESSIBILITY_EVENT_TYPES),
                        "accessibilityEventTypes",
                        Val::Int(0x20 | 0x800),
                    ),
                    (
                        Some(attr::CAN_RETRIEVE_WINDOW_CONTENT),
                        "canRetrieveWindowContent",
                        Val::Bool(true),
                    ),
                    (
                        Some(attr::IS_ACCESSIBILITY_TOOL),
                        "isAccessibilityTool",
                        Val::Bool(false),
                    ),
                    (
                        Some(attr::PACKAGE_NAMES),
                        "packageNames",
                        Val::Str("com.tencent.mm, com.eg.android.AlipayGphone"),
                    ),
                    (Some(0x0101_0508), "canPerformGestures", Val::Bool(true)),
                ],
            )
            .end("accessibility-service"));
        let c = accessibility(&d, None, "com.a.Clicker", "res/xml/a11y.xml").unwrap();
        assert!(
            c.can_retrieve_window_content && c.can_perform_gestures && !c.is_accessibility_tool
        );
        assert_eq!(
            c.event_types,
            ["typeWindowStateChanged", "typeWindowContentChanged"]
        );
        assert_eq!(
            c.package_names,
            ["com.tencent.mm", "com.eg.android.AlipayGphone"]
        );
        assert_eq!(event_type_names(&Value::Int(-1)), ["typeAllMask"]);
        assert_eq!(
            event_type_names(&Value::Int(0x4000_0001)),
            ["typeViewClicked", "0x40000000"]
        );
        let other = doc(Xml::default()
            .start("preference-screen", &[])
            .end("preference-screen"));
        assert!(accessibility(&other, None, "s", "p").is_none());
    }

    /// The fuzz entry applies every reader; only the one that fits the
    /// root finds anything, and a non-XML input is a typed error.
    #[test]
    fn read_document_applies_every_reader() {
        let xml = Xml::default()
            .start("paths", &[])
            .start("root-path", &[(None, "path", Val::Str(""))])
            .end("root-path")
            .end("paths")
            .finish();
        let facts = read_document(&xml, None, &Limits::default()).unwrap();
        assert!(facts.accessibility_configs.is_empty());
        assert_eq!(facts.file_provider_paths[0].entries[0].kind, "root-path");
        assert!(facts.backup_rules.iter().all(|b| b.rules.is_empty()));
        assert!(read_document(b"<paths/>", None, &Limits::default()).is_err());
    }

    #[test]
    fn file_provider_paths() {
        let d = doc(Xml::default()
            .start("paths", &[])
            .start(
                "root-path",
                &[
                    (None, "name", Val::Str("root")),
                    (None, "path", Val::Str("")),
                ],
            )
            .end("root-path")
            .start(
                "cache-path",
                &[
                    (None, "name", Val::Str("c")),
                    (None, "path", Val::Str("img/")),
                ],
            )
            .end("cache-path")
            .end("paths"));
        let p = file_paths(&d, "androidx.core.content.FileProvider", "res/xml/fp.xml");
        let kinds: Vec<(&str, &str, &str)> = p
            .entries
            .iter()
            .map(|e| (e.kind.as_str(), e.name.as_str(), e.path.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [("root-path", "root", ""), ("cache-path", "c", "img/")]
        );
    }

    #[test]
    fn backup_rules_of_both_kinds() {
        let full = doc(Xml::default()
            .start("full-backup-content", &[])
            .start(
                "exclude",
                &[
                    (None, "domain", Val::Str("database")),
                    (None, "path", Val::Str(".")),
                ],
            )
            .end("exclude")
            .start(
                "include",
                &[
                    (None, "domain", Val::Str("sharedpref")),
                    (None, "path", Val::Str("prefs.xml")),
                ],
            )
            .end("include")
            .end("full-backup-content"));
        let r = backup_rules(&full, "full-backup-content", "res/xml/backup.xml");
        assert_eq!(r.rules.len(), 2);
        assert!(!r.rules[0].include && r.rules[0].domain == "database");
        assert_eq!(r.rules[1].section, "full-backup-content");

        let extraction = doc(Xml::default()
            .start("data-extraction-rules", &[])
            .start("cloud-backup", &[])
            .start(
                "exclude",
                &[
                    (None, "domain", Val::Str("sharedpref")),
                    (None, "path", Val::Str(".")),
                ],
            )
            .end("exclude")
            .end("cloud-backup")
            .start("device-transfer", &[])
            .start(
                "include",
                &[
                    (None, "domain", Val::Str("root")),
                    (None, "path", Val::Str(".")),
                ],
            )
            .end("include")
            .end("device-transfer")
            .end("data-extraction-rules"));
        let r = backup_rules(&extraction, "data-extraction-rules", "res/xml/x.xml");
        let got: Vec<(&str, bool, &str)> = r
            .rules
            .iter()
            .map(|r| (r.section.as_str(), r.include, r.domain.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("cloud-backup", false, "sharedpref"),
                ("device-transfer", true, "root")
            ]
        );
    }

    #[test]
    fn densest_bitmap_wins() {
        let v = |s: &str| Value::String(s.to_owned());
        let candidates = [
            v("res/mipmap-anydpi-v26/ic.xml"),
            v("res/mipmap-hdpi-v4/ic.png"),
            v("res/mipmap-xxxhdpi-v4/ic.webp"),
            v("res/mipmap-xhdpi-v4/ic.png"),
            v("res/drawable/ic.9.png"),
        ];
        assert_eq!(
            best_bitmap(&candidates).as_deref(),
            Some("res/mipmap-xxxhdpi-v4/ic.webp")
        );
        assert_eq!(best_bitmap(&[v("res/drawable/ic.xml")]), None);
    }
}
