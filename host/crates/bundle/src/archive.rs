//! The single-document form of a bundle, for HTTP bodies and feeds.
//!
//! One JSON document carries the manifest (as a JSON object), the signature
//! and every file in base64:
//!
//! ```json
//! {"type":"shelfgate-bundle-archive",
//!  "manifest":{...},
//!  "signature":{"key_id":"…","algorithm":"ed25519","signature":"<base64>"},
//!  "files":[{"path":"modules/x.wasm","data":"<base64>"}]}
//! ```
//!
//! JSON over tar: it needs no second parser for hostile input, has no
//! links, modes or path tricks to refuse, and reads in one bounded step.
//! The cost is a third more bytes for the modules, which is acceptable for a
//! document fetched once per revision.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::manifest::FileKind;
use crate::{BundleError, Limits};

const ARCHIVE_TYPE: &str = "shelfgate-bundle-archive";
pub(crate) const SIGNATURE_ALGORITHM: &str = "ed25519";

/// `bundle.sig`, and the `signature` member of an archive.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignatureDoc {
    pub key_id: String,
    pub algorithm: String,
    /// Base64 of the 64-byte Ed25519 signature over the canonical manifest.
    pub signature: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArchiveDoc {
    #[serde(rename = "type")]
    kind: String,
    manifest: Value,
    signature: SignatureDoc,
    files: Vec<FileDoc>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    path: String,
    data: String,
}

/// A bundle as read, before anything about it is trusted.
#[derive(Debug)]
pub(crate) struct Parts {
    pub manifest: Value,
    pub signature: SignatureDoc,
    pub files: BTreeMap<String, Vec<u8>>,
}

pub(crate) fn encode(parts: &Parts) -> Vec<u8> {
    let doc = ArchiveDoc {
        kind: ARCHIVE_TYPE.into(),
        manifest: parts.manifest.clone(),
        signature: parts.signature.clone(),
        files: parts
            .files
            .iter()
            .map(|(path, bytes)| FileDoc {
                path: path.clone(),
                data: BASE64.encode(bytes),
            })
            .collect(),
    };
    // Strings and a JSON value with string keys: serialising cannot fail.
    serde_json::to_vec(&doc).expect("a bundle archive always serialises")
}

pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<Parts, BundleError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limits.max_bundle_bytes {
        return Err(BundleError::TooLarge {
            what: "bundle archive".into(),
            size,
            limit: limits.max_bundle_bytes,
        });
    }
    let doc: ArchiveDoc = serde_json::from_slice(bytes)
        .map_err(|e| BundleError::Malformed(format!("not a bundle archive: {e}")))?;
    if doc.kind != ARCHIVE_TYPE {
        return Err(BundleError::Malformed(format!(
            "archive type is `{}`, expected `{ARCHIVE_TYPE}`",
            doc.kind
        )));
    }
    if doc.files.len() > limits.max_files {
        return Err(BundleError::Malformed(format!(
            "{} files, over the limit of {}",
            doc.files.len(),
            limits.max_files
        )));
    }
    let mut files = BTreeMap::new();
    for file in doc.files {
        let limit = FileKind::of(&file.path).limit(limits);
        // Decoded base64 is at most 3/4 of its text: bound it before decoding.
        let decoded_max = u64::try_from(file.data.len() / 4 * 3).unwrap_or(u64::MAX);
        if decoded_max > limit.saturating_add(2) {
            return Err(BundleError::TooLarge {
                what: format!("file `{}`", file.path),
                size: decoded_max,
                limit,
            });
        }
        let data = BASE64.decode(&file.data).map_err(|e| {
            BundleError::Malformed(format!("file `{}` is not base64: {e}", file.path))
        })?;
        check_size(&file.path, &data, limit)?;
        if files.insert(file.path.clone(), data).is_some() {
            return Err(BundleError::Malformed(format!(
                "file `{}` appears twice",
                file.path
            )));
        }
    }
    Ok(Parts {
        manifest: doc.manifest,
        signature: doc.signature,
        files,
    })
}

pub(crate) fn check_size(path: &str, data: &[u8], limit: u64) -> Result<(), BundleError> {
    let size = u64::try_from(data.len()).unwrap_or(u64::MAX);
    if size > limit {
        return Err(BundleError::TooLarge {
            what: format!("file `{path}`"),
            size,
            limit,
        });
    }
    Ok(())
}
