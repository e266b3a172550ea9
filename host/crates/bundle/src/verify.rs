//! Deciding whether a bundle may run.
//!
//! The checks run in a fixed order, each only on what the previous ones
//! vouched for:
//!
//! 1. the signature over the canonical manifest, by a trusted key;
//! 2. the manifest itself, and `not_before <= now < expires_at`;
//! 3. the files: every file listed, every listed file present, each with
//!    its listed sha256 (sizes were bounded while reading);
//! 4. the fixtures parse.
//!
//! Nothing from the bundle is used before step 1 passes, except to find
//! the key and to bound sizes.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use ed25519_dalek::Signature;
use serde_json::Value;

use crate::archive::{self, Parts, SIGNATURE_ALGORITHM};
use crate::bundle::sha256_hex;
use crate::keys::decode_fixed;
use crate::manifest::{FileKind, ModuleEntry};
use crate::{canonical, BundleError, Fixture, KeyId, Limits, Manifest, TrustedKeys};

/// A bundle that passed every check; only [`verify`] makes one.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    manifest: Manifest,
    digest: String,
    key_id: KeyId,
    modules: Vec<VerifiedModule>,
    fixtures: Vec<NamedFixture>,
}

#[derive(Debug, Clone)]
pub struct VerifiedModule {
    pub entry: ModuleEntry,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct NamedFixture {
    /// `fixtures/NAME.json`.
    pub path: String,
    pub fixture: Fixture,
}

impl VerifiedBundle {
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Hex sha256 of the canonical manifest, which names the policy set.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The trusted key that signed it.
    pub fn key_id(&self) -> &KeyId {
        &self.key_id
    }

    /// The modules, in manifest order.
    pub fn modules(&self) -> &[VerifiedModule] {
        &self.modules
    }

    pub fn fixtures(&self) -> &[NamedFixture] {
        &self.fixtures
    }

    pub fn into_modules(self) -> Vec<VerifiedModule> {
        self.modules
    }
}

/// Verifies a bundle in archive form against the platform's trusted keys at
/// time `now`.
pub fn verify(
    bytes: &[u8],
    trusted: &TrustedKeys,
    now: SystemTime,
    limits: &Limits,
) -> Result<VerifiedBundle, BundleError> {
    verify_parts(archive::decode(bytes, limits)?, trusted, now, limits)
}

pub(crate) fn verify_parts(
    parts: Parts,
    trusted: &TrustedKeys,
    now: SystemTime,
    limits: &Limits,
) -> Result<VerifiedBundle, BundleError> {
    let Parts {
        manifest,
        signature,
        mut files,
    } = parts;

    // 1. Signature.
    let canonical = canonical::to_vec(&manifest)?;
    let size = u64::try_from(canonical.len()).unwrap_or(u64::MAX);
    if size > limits.max_manifest_bytes {
        return Err(BundleError::TooLarge {
            what: "manifest".into(),
            size,
            limit: limits.max_manifest_bytes,
        });
    }
    if signature.algorithm != SIGNATURE_ALGORITHM {
        return Err(BundleError::Malformed(format!(
            "signature algorithm `{}` is not `{SIGNATURE_ALGORITHM}`",
            signature.algorithm
        )));
    }
    let key = trusted
        .get(&signature.key_id)
        .ok_or_else(|| BundleError::UntrustedKey {
            key_id: signature.key_id.clone(),
        })?;
    let bytes: [u8; 64] = decode_fixed(&signature.signature, "signature")
        .map_err(|e| BundleError::Malformed(e.to_string()))?;
    key.verify_strict(&canonical, &Signature::from_bytes(&bytes))
        .map_err(|_| BundleError::TamperedManifest {
            key_id: signature.key_id.clone(),
        })?;
    let key_id = KeyId::of(key);
    let digest = canonical::sha256_hex(&manifest)?;

    // 2. Manifest and validity window.
    let manifest = parse_manifest(manifest)?;
    manifest.validate(limits)?;
    if now < manifest.not_before {
        return Err(BundleError::NotYetValid {
            id: manifest.id,
            not_before: humantime::format_rfc3339_seconds(manifest.not_before).to_string(),
        });
    }
    if now >= manifest.expires_at {
        return Err(BundleError::Expired {
            id: manifest.id,
            expires_at: humantime::format_rfc3339_seconds(manifest.expires_at).to_string(),
        });
    }

    // 3. Files.
    let listed: BTreeSet<&str> = manifest.files().map(|f| f.path).collect();
    if let Some(path) = files.keys().find(|path| !listed.contains(path.as_str())) {
        return Err(BundleError::UnlistedFile { path: path.clone() });
    }
    for listed in manifest.files() {
        let data = files
            .get(listed.path)
            .ok_or_else(|| BundleError::MissingFile {
                path: listed.path.to_owned(),
            })?;
        archive::check_size(listed.path, data, FileKind::of(listed.path).limit(limits))?;
        let actual = sha256_hex(data);
        if actual != listed.sha256 {
            return Err(BundleError::TamperedFile {
                path: listed.path.to_owned(),
                expected: listed.sha256.to_owned(),
                actual,
            });
        }
    }

    // 4. Fixtures.
    let mut fixtures = Vec::with_capacity(manifest.fixtures.len());
    for entry in &manifest.fixtures {
        let data = take(&mut files, &entry.path)?;
        let fixture =
            serde_json::from_slice::<Fixture>(&data).map_err(|e| BundleError::InvalidFixture {
                path: entry.path.clone(),
                reason: e.to_string(),
            })?;
        fixtures.push(NamedFixture {
            path: entry.path.clone(),
            fixture,
        });
    }
    let mut modules = Vec::with_capacity(manifest.modules.len());
    for entry in &manifest.modules {
        let bytes = take(&mut files, &entry.path)?;
        modules.push(VerifiedModule {
            entry: entry.clone(),
            bytes,
        });
    }
    Ok(VerifiedBundle {
        manifest,
        digest,
        key_id,
        modules,
        fixtures,
    })
}

fn parse_manifest(value: Value) -> Result<Manifest, BundleError> {
    serde_json::from_value(value).map_err(|e| BundleError::InvalidManifest(e.to_string()))
}

fn take(files: &mut BTreeMap<String, Vec<u8>>, path: &str) -> Result<Vec<u8>, BundleError> {
    files.remove(path).ok_or_else(|| BundleError::MissingFile {
        path: path.to_owned(),
    })
}
