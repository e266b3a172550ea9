//! Every size bound applied to a bundle, in one place.
//!
//! A bundle arrives from a feed or an admin upload, so its size is chosen by
//! someone else. Each bound is checked before the bytes it governs are read
//! or decoded.

/// Size bounds for reading a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The archive as received, or the directory's files added up.
    pub max_bundle_bytes: u64,
    /// `bundle.json` and `bundle.sig`, each.
    pub max_manifest_bytes: u64,
    /// One policy module.
    pub max_module_bytes: u64,
    /// One fixture file.
    pub max_fixture_bytes: u64,
    /// Files in the bundle besides the manifest and the signature.
    pub max_files: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bundle_bytes: 64 << 20,
            max_manifest_bytes: 1 << 20,
            max_module_bytes: 16 << 20,
            max_fixture_bytes: 4 << 20,
            max_files: 1024,
        }
    }
}
