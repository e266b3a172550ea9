//! An upload on its way in: the APK streamed to disk under a size cap,
//! and the listing, validated.
//!
//! The APK never sits whole in memory: chunks go to a temporary file under
//! the data directory as they arrive, hashed on the way, so the verdict
//! cache can be consulted before any inspection and a too-large upload is
//! refused at the first byte over the limit. The file is removed when the
//! [`ApkFile`] drops, whatever path the request took.

use std::path::Path;

use sha2::{Digest, Sha256};
use shelfgate_contract::types::Listing;
use tempfile::TempPath;
use tokio::io::AsyncWriteExt as _;

use crate::engine::hex;
use crate::listing::{parse_listing, ListingError, MAX_LISTING_BYTES};

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{what} is larger than the limit of {limit} bytes")]
    TooLarge { what: &'static str, limit: u64 },
    #[error(transparent)]
    Listing(ListingError),
    #[error("writing the upload to disk: {0}")]
    Io(#[from] std::io::Error),
}

/// An APK being received.
pub struct ApkWriter {
    file: tokio::fs::File,
    path: TempPath,
    sha: Sha256,
    size: u64,
    limit: u64,
}

/// A received APK: a temporary file, its size and sha256.
#[derive(Debug)]
pub struct ApkFile {
    pub path: TempPath,
    pub size: u64,
    pub sha256: String,
}

impl ApkWriter {
    /// Starts a temporary file in `dir` for an APK of at most `limit` bytes.
    pub fn create(dir: &Path, limit: u64) -> Result<ApkWriter, UploadError> {
        let (file, path) = tempfile::Builder::new()
            .prefix("upload-")
            .suffix(".apk")
            .tempfile_in(dir)?
            .into_parts();
        Ok(ApkWriter {
            file: tokio::fs::File::from_std(file),
            path,
            sha: Sha256::new(),
            size: 0,
            limit,
        })
    }

    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        let len = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        self.size = self.size.saturating_add(len);
        if self.size > self.limit {
            return Err(UploadError::TooLarge {
                what: "the APK",
                limit: self.limit,
            });
        }
        self.sha.update(chunk);
        self.file.write_all(chunk).await?;
        Ok(())
    }

    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub async fn finish(mut self) -> Result<ApkFile, UploadError> {
        self.file.flush().await?;
        Ok(ApkFile {
            path: self.path,
            size: self.size,
            sha256: hex(&self.sha.finalize()),
        })
    }
}

/// A listing as received, validated against the contract.
#[derive(Debug, Clone)]
pub struct ListingUpload {
    pub listing: Listing,
    /// The bytes as received: the store keeps them, unknown fields and all.
    pub bytes: Vec<u8>,
    /// sha256 of the canonical JSON (see [`parse_listing`]): two spellings
    /// of the same listing share one verdict.
    pub sha256: String,
}

impl ListingUpload {
    pub fn parse(bytes: Vec<u8>) -> Result<ListingUpload, UploadError> {
        if bytes.len() > MAX_LISTING_BYTES {
            return Err(UploadError::TooLarge {
                what: "the listing",
                limit: MAX_LISTING_BYTES as u64,
            });
        }
        let (listing, sha256) = parse_listing(&bytes).map_err(|e| match e {
            ListingError::TooLarge => UploadError::TooLarge {
                what: "the listing",
                limit: MAX_LISTING_BYTES as u64,
            },
            other => UploadError::Listing(other),
        })?;
        Ok(ListingUpload {
            listing,
            bytes,
            sha256,
        })
    }
}
