//! The one error type of inspection: an APK that cannot be turned into facts.
//!
//! Tampering signs that Android tolerates are facts, not errors; an error
//! means there is no manifest to speak of.

/// Why an upload could not be inspected.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("not a zip archive: {0}")]
    NotZip(String),
    #[error("zip archive is malformed: {0}")]
    Zip(String),
    #[error("{what} exceeds the limit of {limit} bytes")]
    TooLarge { what: String, limit: u64 },
    #[error("{what} exceeds the limit of {limit}")]
    TooMany { what: &'static str, limit: u64 },
    #[error("APK has no AndroidManifest.xml")]
    NoManifest,
    #[error("AndroidManifest.xml is malformed: {0}")]
    Manifest(String),
    #[error("resources.arsc is malformed: {0}")]
    Resources(String),
    #[error("dex file `{file}` is malformed: {reason}")]
    Dex { file: String, reason: &'static str },
    #[error("reading the APK failed: {0}")]
    Io(#[from] std::io::Error),
}
