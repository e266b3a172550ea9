//! Reading a store listing: bounded, validated, with every problem named.

use std::path::Path;

use shelfgate_contract::json::{self, Problems};
use shelfgate_contract::types::Listing;

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

/// Parse and validate listing JSON; also returns the sha256 of its
/// canonical JSON (unknown extra fields included): the address the store
/// files it under, so the CLI, the API and the store name a listing alike
/// however it is spelled.
pub fn parse_listing(bytes: &[u8]) -> Result<(Listing, String), ListingError> {
    if bytes.len() > MAX_LISTING_BYTES {
        return Err(ListingError::TooLarge);
    }
    let invalid = |message: String| {
        ListingError::Invalid(Problems(vec![json::Problem {
            path: "$".into(),
            message,
        }]))
    };
    let text = std::str::from_utf8(bytes).map_err(|e| invalid(format!("not UTF-8: {e}")))?;
    let listing = json::from_str::<Listing>(text).map_err(ListingError::Invalid)?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| invalid(format!("not valid JSON: {e}")))?;
    let sha256 = shelfgate_bundle::canonical::sha256_hex(&value)
        .map_err(|e| invalid(format!("no canonical form: {e}")))?;
    Ok((listing, sha256))
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
