//! How documents are kept: the contract's JSON form, zstd-compressed when
//! that pays.
//!
//! Facts run to tens of kilobytes of JSON made of the same keys and Java
//! package prefixes over and over. On the facts of the corpus APKs, zstd
//! shrinks them 4.3-fold, and a synthetic catalogue of facts and listings
//! takes about 6 KiB per app instead of 13 KiB of JSON. Decompressing is a
//! small share of reading a document back; decoding the JSON is most of it.
//! The codec is recorded per row, so documents that do not shrink stay
//! plain.
//!
//! [`to_json`] and [`from_json`] are the only places that know the JSON
//! form comes from `shelfgate_contract::json`.

use std::borrow::Cow;
use std::marker::PhantomData;

use serde_json::Value;
use shelfgate_contract::json::{self, WitType};
use shelfgate_contract::types::{ApkFacts, Listing, Verdict};

use crate::{Result, StoreError};

/// The contract types the store keeps as documents.
pub trait Document: WitType + sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

macro_rules! documents {
    ($($ty:ty),*) => {
        $(impl sealed::Sealed for $ty {} impl Document for $ty {})*
    };
}
documents!(ApkFacts, Listing, Verdict);

/// The JSON text of a contract value.
pub(crate) fn to_json<T: Document>(value: &T) -> Vec<u8> {
    json::to_string(value).into_bytes()
}

/// A contract value from its JSON text.
pub(crate) fn from_json<T: Document>(text: &[u8]) -> Result<T> {
    let value: Value = serde_json::from_slice(text).map_err(|e| corrupt::<T>(e.to_string()))?;
    json::from_owned(value).map_err(|e| corrupt::<T>(e.to_string()))
}

fn corrupt<T: Document>(reason: String) -> StoreError {
    StoreError::Corrupt {
        what: T::WIT_NAME.into(),
        reason,
    }
}

/// Largest document the store will decompress: far above any real facts,
/// and a bound on what a damaged row can make it allocate.
const MAX_DOCUMENT_BYTES: u64 = 64 << 20;
/// Below this, compression does not pay for its frame header.
const COMPRESS_FROM_BYTES: usize = 256;
/// zstd's default level: on the corpus facts it gives 4.35-fold, level 1
/// 4.25-fold, and level 6 4.56-fold at a third of the compression speed.
const LEVEL: i32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    Json = 0,
    Zstd = 1,
}

impl Codec {
    pub(crate) fn from_column(value: i64) -> Result<Codec> {
        match value {
            0 => Ok(Codec::Json),
            1 => Ok(Codec::Zstd),
            other => Err(StoreError::Corrupt {
                what: "document".into(),
                reason: format!("unknown codec {other}"),
            }),
        }
    }

    pub(crate) fn column(self) -> i64 {
        self as i64
    }
}

/// A document ready for a row.
pub(crate) struct Encoded {
    pub codec: Codec,
    pub body: Vec<u8>,
    pub json_bytes: i64,
}

pub(crate) fn encode(json: Vec<u8>) -> Result<Encoded> {
    let json_bytes = i64::try_from(json.len()).unwrap_or(i64::MAX);
    if json.len() >= COMPRESS_FROM_BYTES {
        let packed = compress(&json)?;
        if packed.len() < json.len() / 10 * 9 {
            return Ok(Encoded {
                codec: Codec::Zstd,
                body: packed,
                json_bytes,
            });
        }
    }
    Ok(Encoded {
        codec: Codec::Json,
        body: json,
        json_bytes,
    })
}

fn compress(json: &[u8]) -> Result<Vec<u8>> {
    let failed = |e: std::io::Error| StoreError::Corrupt {
        what: "document".into(),
        reason: format!("zstd: {e}"),
    };
    // As for decompression, one context per thread.
    thread_local! {
        static CONTEXT: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    CONTEXT.with(|cell| {
        let mut slot = cell.borrow_mut();
        let context = match slot.as_mut() {
            Some(context) => context,
            None => slot.insert(zstd::bulk::Compressor::new(LEVEL).map_err(failed)?),
        };
        context.compress(json).map_err(failed)
    })
}

/// A stored document, decoded only when asked, on the caller's thread:
/// a recheck streams rows from one connection and decodes them in parallel.
pub struct Stored<T> {
    codec: Codec,
    body: Vec<u8>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Stored<T> {
    fn clone(&self) -> Self {
        Stored {
            codec: self.codec,
            body: self.body.clone(),
            _type: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Stored<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stored")
            .field("codec", &self.codec)
            .field("bytes", &self.body.len())
            .finish()
    }
}

impl<T: Document> Stored<T> {
    pub(crate) fn new(codec: Codec, body: Vec<u8>) -> Stored<T> {
        Stored {
            codec,
            body,
            _type: PhantomData,
        }
    }

    /// The stored form of `value`. Encoding (JSON and zstd) is a fair share
    /// of writing a verdict, so a bulk writer can run it on its own threads
    /// and hand the store the result.
    pub fn encode(value: &T) -> Result<Stored<T>> {
        let doc = encode(to_json(value))?;
        Ok(Stored::new(doc.codec, doc.body))
    }

    pub(crate) fn codec(&self) -> Codec {
        self.codec
    }

    pub(crate) fn body(&self) -> &[u8] {
        &self.body
    }

    /// The JSON text as stored (for a listing: as received).
    pub fn json(&self) -> Result<Cow<'_, [u8]>> {
        match self.codec {
            Codec::Json => Ok(Cow::Borrowed(&self.body)),
            Codec::Zstd => Ok(Cow::Owned(decompress::<T>(&self.body)?)),
        }
    }

    pub fn decode(&self) -> Result<T> {
        from_json(&self.json()?)
    }
}

fn decompress<T: Document>(body: &[u8]) -> Result<Vec<u8>> {
    // `encode` always records the content size in the frame.
    let size = match zstd::zstd_safe::get_frame_content_size(body) {
        Ok(Some(size)) if size <= MAX_DOCUMENT_BYTES => size,
        Ok(Some(size)) => {
            return Err(corrupt::<T>(format!(
                "declares {size} bytes, over {MAX_DOCUMENT_BYTES}"
            )))
        }
        _ => return Err(corrupt::<T>("zstd frame without a content size".into())),
    };
    let capacity = usize::try_from(size).map_err(|e| corrupt::<T>(e.to_string()))?;
    // One decompression context per thread: making one per document costs
    // more than decompressing a small document.
    thread_local! {
        static CONTEXT: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    CONTEXT.with(|cell| {
        let mut slot = cell.borrow_mut();
        let context = match slot.as_mut() {
            Some(context) => context,
            None => slot
                .insert(zstd::bulk::Decompressor::new().map_err(|e| corrupt::<T>(e.to_string()))?),
        };
        context
            .decompress(body, capacity)
            .map_err(|e| corrupt::<T>(format!("zstd: {e}")))
    })
}

/// The format of the binary copies: postcard over the Rust types `bindgen!`
/// generates from the WIT, named by the sha256 of the WIT text. postcard
/// writes no field names, so a copy is only meaningful to a build generated
/// from the same WIT: a copy under any other name is ignored and the JSON
/// (the source of truth) decoded instead.
pub fn binary_schema() -> &'static str {
    static SCHEMA: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(shelfgate_contract::WIT.as_bytes());
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        format!("postcard1-wit-{hex}")
    })
}

/// The binary copy of a decoded document, compressed like its JSON.
pub(crate) fn to_binary<T: Document>(value: &T) -> Result<Encoded> {
    let bytes = postcard::to_allocvec(value).map_err(|e| corrupt::<T>(format!("postcard: {e}")))?;
    encode(bytes)
}

/// A document from its binary copy; `None` if the copy does not decode
/// exactly (whatever the reason, the caller falls back to the JSON).
pub(crate) fn from_binary<T: Document>(codec: Codec, body: &[u8]) -> Option<T> {
    let plain;
    let bytes = match codec {
        Codec::Json => body,
        Codec::Zstd => {
            plain = decompress::<T>(body).ok()?;
            &plain
        }
    };
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, rest)) if rest.is_empty() => Some(value),
        _ => None,
    }
}
