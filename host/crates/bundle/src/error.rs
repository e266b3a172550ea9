//! Why a bundle was refused or could not be made.
//!
//! Each refusal the activation status reports has its own variant, so the
//! platform can tell a tampered module from an expired bundle without
//! parsing messages.

use std::path::PathBuf;

use crate::canonical::CanonicalError;

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{what} is {size} bytes, over the {limit}-byte limit")]
    TooLarge { what: String, size: u64, limit: u64 },
    #[error("malformed bundle: {0}")]
    Malformed(String),
    #[error("invalid manifest: {0}")]
    InvalidManifest(String),
    #[error("manifest has no canonical form: {0}")]
    Canonical(#[from] CanonicalError),
    #[error("bundle is signed by key `{key_id}`, which is not trusted")]
    UntrustedKey { key_id: String },
    #[error(
        "manifest signature does not verify with trusted key `{key_id}`: \
         the manifest was altered after signing"
    )]
    TamperedManifest { key_id: String },
    #[error("bundle `{id}` expired at {expires_at}")]
    Expired { id: String, expires_at: String },
    #[error("bundle `{id}` is not valid before {not_before}")]
    NotYetValid { id: String, not_before: String },
    #[error("file `{path}` is listed in the manifest but missing from the bundle")]
    MissingFile { path: String },
    #[error("file `{path}` not included in bundle signature")]
    UnlistedFile { path: String },
    #[error("file `{path}` was altered: sha256 {actual}, manifest says {expected}")]
    TamperedFile {
        path: String,
        expected: String,
        actual: String,
    },
    #[error("fixture `{path}` is invalid: {reason}")]
    InvalidFixture { path: String, reason: String },
    #[error("invalid key: {0}")]
    Key(String),
    #[error("no randomness for key generation: {0}")]
    Random(String),
    #[error("failed to access `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl BundleError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> BundleError {
        let path = path.into();
        move |source| BundleError::Io { path, source }
    }
}
