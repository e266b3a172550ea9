//! The bundle manifest: what a regulator signs.
//!
//! It lists every file of the bundle with its sha256 and size, so the one
//! signature over the manifest covers all of them. A module entry also
//! carries how the platform runs it: its version, enforcement mode and
//! failure mode. Paths are flat (`modules/NAME.wasm`, `fixtures/NAME.json`)
//! so that no entry can point outside the bundle or shadow another.

use std::collections::BTreeSet;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shelfgate_contract::types::{EnforcementMode, FailureMode};

use crate::{canonical, forms, BundleError, Limits};

/// The manifest format this crate reads and writes.
pub const MANIFEST_SCHEMA: &str = "shelfgate.bundle/1";

pub(crate) const MODULES_DIR: &str = "modules";
pub(crate) const FIXTURES_DIR: &str = "fixtures";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`MANIFEST_SCHEMA`].
    pub schema: String,
    /// The bundle's name, stable across revisions (`cn-miit-2025`).
    pub id: String,
    /// Grows with every publication of the same `id`.
    pub revision: u64,
    #[serde(with = "forms::rfc3339")]
    pub not_before: SystemTime,
    #[serde(with = "forms::rfc3339")]
    pub expires_at: SystemTime,
    pub modules: Vec<ModuleEntry>,
    pub fixtures: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleEntry {
    /// The policy id: the module's file stem, which the engine may check
    /// against the id the module reports in its metadata.
    pub id: String,
    pub version: String,
    /// `modules/<id>.wasm`.
    pub path: String,
    pub sha256: String,
    pub size: u64,
    #[serde(with = "forms::wit")]
    pub mode: EnforcementMode,
    #[serde(with = "forms::wit")]
    pub failure: FailureMode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// `fixtures/<name>.json`.
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// What kind of file a bundle path names, which decides its size bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Module,
    Fixture,
    /// Neither: never listed, so always refused, but still bounded.
    Other,
}

impl FileKind {
    pub(crate) fn of(path: &str) -> FileKind {
        match path.split_once('/') {
            Some((MODULES_DIR, _)) => FileKind::Module,
            Some((FIXTURES_DIR, _)) => FileKind::Fixture,
            _ => FileKind::Other,
        }
    }

    pub(crate) fn limit(self, limits: &Limits) -> u64 {
        match self {
            FileKind::Module | FileKind::Other => limits.max_module_bytes,
            FileKind::Fixture => limits.max_fixture_bytes,
        }
    }
}

impl Manifest {
    /// The manifest as the JSON value that gets signed.
    pub fn to_value(&self) -> Result<Value, BundleError> {
        serde_json::to_value(self).map_err(|e| BundleError::InvalidManifest(e.to_string()))
    }

    /// Hex sha256 of the canonical manifest: the policy set digest, which
    /// covers every module and fixture through their listed digests.
    pub fn digest(&self) -> Result<String, BundleError> {
        Ok(canonical::sha256_hex(&self.to_value()?)?)
    }

    /// Every listed file: modules, then fixtures.
    pub fn files(&self) -> impl Iterator<Item = FileEntryRef<'_>> {
        let modules = self.modules.iter().map(|m| FileEntryRef {
            path: &m.path,
            sha256: &m.sha256,
            size: m.size,
        });
        let fixtures = self.fixtures.iter().map(|f| FileEntryRef {
            path: &f.path,
            sha256: &f.sha256,
            size: f.size,
        });
        modules.chain(fixtures)
    }

    /// Checks what the types cannot: names, paths, digests, sizes and the
    /// validity window.
    pub fn validate(&self, limits: &Limits) -> Result<(), BundleError> {
        let invalid = |m: String| Err(BundleError::InvalidManifest(m));
        if self.schema != MANIFEST_SCHEMA {
            return invalid(format!(
                "schema is `{}`, expected `{MANIFEST_SCHEMA}`",
                self.schema
            ));
        }
        if !is_name(&self.id) {
            return invalid(format!("bundle id `{}` is not a valid name", self.id));
        }
        if self.not_before >= self.expires_at {
            return invalid("`not_before` is not before `expires_at`".into());
        }
        if self.modules.is_empty() {
            return invalid("the bundle lists no module".into());
        }
        let count = self.modules.len().saturating_add(self.fixtures.len());
        if count > limits.max_files {
            return invalid(format!(
                "{count} files listed, over the limit of {}",
                limits.max_files
            ));
        }
        let mut ids = BTreeSet::new();
        for module in &self.modules {
            if !ids.insert(module.id.as_str()) {
                return invalid(format!("module `{}` is listed twice", module.id));
            }
            if module.path != module_path(&module.id) {
                return invalid(format!(
                    "module `{}` has path `{}`, expected `{}`",
                    module.id,
                    module.path,
                    module_path(&module.id)
                ));
            }
            if module.version.is_empty() {
                return invalid(format!("module `{}` has an empty version", module.id));
            }
        }
        let mut paths = BTreeSet::new();
        for file in self.files() {
            if !paths.insert(file.path) {
                return invalid(format!("file `{}` is listed twice", file.path));
            }
            let kind = FileKind::of(file.path);
            let name_ok = match kind {
                FileKind::Module => file_name(file.path, MODULES_DIR, ".wasm").is_some(),
                FileKind::Fixture => file_name(file.path, FIXTURES_DIR, ".json").is_some(),
                FileKind::Other => false,
            };
            if !name_ok {
                return invalid(format!(
                    "path `{}` is not modules/NAME.wasm or fixtures/NAME.json",
                    file.path
                ));
            }
            if !is_sha256(file.sha256) {
                return invalid(format!(
                    "file `{}` has sha256 `{}`, expected 64 lowercase hex digits",
                    file.path, file.sha256
                ));
            }
            let limit = kind.limit(limits);
            if file.size > limit {
                return Err(BundleError::TooLarge {
                    what: format!("file `{}`", file.path),
                    size: file.size,
                    limit,
                });
            }
        }
        Ok(())
    }
}

/// A listed file, whichever list it is on.
#[derive(Debug, Clone, Copy)]
pub struct FileEntryRef<'a> {
    pub path: &'a str,
    pub sha256: &'a str,
    pub size: u64,
}

pub(crate) fn module_path(id: &str) -> String {
    format!("{MODULES_DIR}/{id}.wasm")
}

pub(crate) fn fixture_path(name: &str) -> String {
    format!("{FIXTURES_DIR}/{name}.json")
}

/// `NAME` of `dir/NAME.ext`, when that is the whole path and NAME is valid.
pub(crate) fn file_name<'a>(path: &'a str, dir: &str, ext: &str) -> Option<&'a str> {
    let name = path
        .strip_prefix(dir)?
        .strip_prefix('/')?
        .strip_suffix(ext)?;
    is_name(name).then_some(name)
}

/// A name usable as a bundle id, a policy id or a file stem: ASCII
/// letters, digits, `-`, `_` and `.`, not starting with `.`, 1 to 128 bytes.
pub(crate) fn is_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_flat_and_named() {
        assert_eq!(
            file_name("modules/sec-backup.wasm", MODULES_DIR, ".wasm"),
            Some("sec-backup")
        );
        assert_eq!(file_name("modules/../x.wasm", MODULES_DIR, ".wasm"), None);
        assert_eq!(file_name("modules/a/b.wasm", MODULES_DIR, ".wasm"), None);
        assert_eq!(file_name("modules/.wasm", MODULES_DIR, ".wasm"), None);
        assert_eq!(FileKind::of("fixtures/x.json"), FileKind::Fixture);
        assert_eq!(FileKind::of("README"), FileKind::Other);
    }
}
