//! Reading a store listing: bounded, validated, with every problem named.

use std::path::Path;

use sha2::{Digest, Sha256};
use shelfgate_contract::json::{self, Problems};
use shelfgate_contract::types::Listing;

use crate::engine::hex;

/// The schema id this version understands.
pub const SCHEMA: &str = "shelfgate.listing/1";

/// Largest listing accepted (policy texts can be long, not megabytes).
pub const MAX_LISTING_BYTES: usize = 4 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    #[error("cannot read listing `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("listing is larger than {MAX_LISTING_BYTES} bytes")]
    TooLarge,
    #[error("listing is invalid: {0}")]
    Invalid(Problems),
}

/// Parse and validate listing JSON; also returns the sha256 of the bytes
/// as received (unknown extra fields are kept in them, and ignored).
pub fn parse_listing(bytes: &[u8]) -> Result<(Listing, String), ListingError> {
    if bytes.len() > MAX_LISTING_BYTES {
        return Err(ListingError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ListingError::Invalid(Problems(vec![json::Problem {
            path: "$".into(),
            message: format!("not UTF-8: {e}"),
        }]))
    })?;
    let listing = json::from_str::<Listing>(text).map_err(ListingError::Invalid)?;
    Ok((listing, hex(&Sha256::digest(bytes))))
}

pub fn read_listing(path: &Path) -> Result<(Listing, String), ListingError> {
    let io = |source| ListingError::Io {
        path: path.display().to_string(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > MAX_LISTING_BYTES as u64 {
        return Err(ListingError::TooLarge);
    }
    parse_listing(&std::fs::read(path).map_err(io)?)
}
