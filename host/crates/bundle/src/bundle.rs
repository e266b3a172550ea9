//! Bundles before and after signing.
//!
//! [`Bundle`] is a manifest with the files it lists, digests computed from
//! the bytes; [`sign`] turns it into a [`SignedBundle`], which writes the
//! archive and directory forms. Neither is trusted by anyone but its
//! author: a platform only accepts what [`crate::verify`] returns.

use std::collections::BTreeMap;
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey};
use sha2::{Digest, Sha256};
use shelfgate_contract::types::{EnforcementMode, FailureMode};

use crate::archive::{self, Parts, SignatureDoc, SIGNATURE_ALGORITHM};
use crate::canonical::{self, hex};
use crate::manifest::{fixture_path, is_name, module_path, FileEntry, ModuleEntry};
use crate::{BundleError, Fixture, KeyId, Limits, Manifest, MANIFEST_SCHEMA};

/// How one module runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSettings {
    pub version: String,
    pub mode: EnforcementMode,
    pub failure: FailureMode,
}

/// Everything a manifest says besides the files' digests.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub id: String,
    pub revision: u64,
    pub not_before: SystemTime,
    pub expires_at: SystemTime,
    /// Settings of every module without an entry in `modules`.
    pub defaults: ModuleSettings,
    /// Per-module settings, by policy id (the module's file stem).
    pub modules: BTreeMap<String, ModuleSettings>,
}

/// An unsigned bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    manifest: Manifest,
    files: BTreeMap<String, Vec<u8>>,
}

impl Bundle {
    /// Makes the manifest for `modules` (policy id → wasm bytes) and
    /// `fixtures` (name → fixture JSON), which must parse as [`Fixture`]s.
    pub fn new(
        options: &BuildOptions,
        modules: BTreeMap<String, Vec<u8>>,
        fixtures: BTreeMap<String, Vec<u8>>,
        limits: &Limits,
    ) -> Result<Bundle, BundleError> {
        let mut files = BTreeMap::new();
        let mut module_entries = Vec::with_capacity(modules.len());
        for (id, bytes) in modules {
            if !is_name(&id) {
                return Err(BundleError::InvalidManifest(format!(
                    "`{id}` is not a valid policy id"
                )));
            }
            let settings = options.modules.get(&id).unwrap_or(&options.defaults);
            let path = module_path(&id);
            module_entries.push(ModuleEntry {
                id,
                version: settings.version.clone(),
                sha256: sha256_hex(&bytes),
                size: len(&bytes),
                mode: settings.mode,
                failure: settings.failure,
                path: path.clone(),
            });
            files.insert(path, bytes);
        }
        if let Some(unknown) = options
            .modules
            .keys()
            .find(|id| !files.contains_key(&module_path(id)))
        {
            return Err(BundleError::InvalidManifest(format!(
                "settings given for module `{unknown}`, which is not in the bundle"
            )));
        }
        let mut fixture_entries = Vec::with_capacity(fixtures.len());
        for (name, bytes) in fixtures {
            let path = fixture_path(&name);
            serde_json::from_slice::<Fixture>(&bytes).map_err(|e| BundleError::InvalidFixture {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            fixture_entries.push(FileEntry {
                path: path.clone(),
                sha256: sha256_hex(&bytes),
                size: len(&bytes),
            });
            files.insert(path, bytes);
        }
        let manifest = Manifest {
            schema: MANIFEST_SCHEMA.into(),
            id: options.id.clone(),
            revision: options.revision,
            not_before: options.not_before,
            expires_at: options.expires_at,
            modules: module_entries,
            fixtures: fixture_entries,
        };
        manifest.validate(limits)?;
        Ok(Bundle { manifest, files })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
}

/// A bundle with its author's signature over the canonical manifest.
#[derive(Debug, Clone)]
pub struct SignedBundle {
    bundle: Bundle,
    key_id: KeyId,
    signature: Signature,
}

/// Signs the canonical bytes of the bundle's manifest.
pub fn sign(bundle: Bundle, key: &SigningKey) -> Result<SignedBundle, BundleError> {
    let canonical = canonical::to_vec(&bundle.manifest.to_value()?)?;
    let signature = key.sign(&canonical);
    Ok(SignedBundle {
        bundle,
        key_id: KeyId::of(&key.verifying_key()),
        signature,
    })
}

impl SignedBundle {
    pub fn manifest(&self) -> &Manifest {
        &self.bundle.manifest
    }

    pub fn key_id(&self) -> &KeyId {
        &self.key_id
    }

    /// The archive form (see [`crate::archive`]'s module docs).
    pub fn to_archive(&self) -> Result<Vec<u8>, BundleError> {
        Ok(archive::encode(&self.parts()?))
    }

    pub(crate) fn parts(&self) -> Result<Parts, BundleError> {
        Ok(Parts {
            manifest: self.bundle.manifest.to_value()?,
            signature: self.signature_doc(),
            files: self.bundle.files.clone(),
        })
    }

    pub(crate) fn signature_doc(&self) -> SignatureDoc {
        SignatureDoc {
            key_id: self.key_id.as_str().to_owned(),
            algorithm: SIGNATURE_ALGORITHM.into(),
            signature: BASE64.encode(self.signature.to_bytes()),
        }
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn len(bytes: &[u8]) -> u64 {
    u64::try_from(bytes.len()).unwrap_or(u64::MAX)
}
