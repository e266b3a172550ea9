//! Facts and listings, content-addressed.
//!
//! Facts are keyed by the APK's sha256 and listings by the sha256 of their
//! canonical JSON, so resubmitting the same APK or an identically meant
//! listing stores nothing new. A listing keeps the bytes first received,
//! fields the contract does not know included. The presence check runs on
//! a reader before anything is compressed, so a repeat upload costs one
//! index lookup.

use std::time::SystemTime;

use rusqlite::{params, Connection, OptionalExtension as _, Transaction};
use serde_json::Value;
use shelfgate_bundle::canonical;
use shelfgate_contract::types::{ApkFacts, Listing};

use super::columns::{check_sha256, millis};
use super::rows::{first, stored};
use super::SqliteStore;
use crate::codec::{encode, to_json, Encoded};
use crate::{Result, StoreError, Stored};

/// Facts ready for a row.
pub(super) struct EncodedFacts<'a> {
    facts: &'a ApkFacts,
    doc: Encoded,
}

pub(super) fn encode_facts(facts: &ApkFacts) -> Result<EncodedFacts<'_>> {
    check_sha256("apk sha256", &facts.sha256)?;
    Ok(EncodedFacts {
        facts,
        doc: encode(to_json(facts))?,
    })
}

/// Inserts unless present; true if inserted.
pub(super) fn insert_facts(tx: &Transaction<'_>, facts: &EncodedFacts<'_>) -> Result<bool> {
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO facts (apk_sha256, package, codec, body, json_bytes, stored_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            facts.facts.sha256,
            facts.facts.package,
            facts.doc.codec.column(),
            facts.doc.body,
            facts.doc.json_bytes,
            millis(SystemTime::now())
        ])?;
    Ok(inserted == 1)
}

pub(super) fn put_facts(store: &SqliteStore, facts: &ApkFacts) -> Result<bool> {
    check_sha256("apk sha256", &facts.sha256)?;
    let sql = "SELECT 1 FROM facts WHERE apk_sha256 = ?1";
    if store.read(|c| exists(c, sql, &facts.sha256))? {
        return Ok(false);
    }
    let encoded = encode_facts(facts)?;
    store.write(|tx| insert_facts(tx, &encoded))
}

pub(super) fn facts(conn: &Connection, apk_sha256: &str) -> Result<Option<Stored<ApkFacts>>> {
    let stmt = conn.prepare_cached("SELECT codec, body FROM facts WHERE apk_sha256 = ?1")?;
    first(stmt, [apk_sha256], |row| stored(row, 0, 1))
}

/// The content address of a listing: the sha256 of its canonical JSON.
pub(super) fn listing_key(json: &[u8]) -> Result<String> {
    let value: Value = serde_json::from_slice(json)
        .map_err(|e| StoreError::Invalid(format!("listing is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(StoreError::Invalid("listing is not a JSON object".into()));
    }
    canonical::sha256_hex(&value).map_err(|e| StoreError::Invalid(format!("listing: {e}")))
}

/// A listing ready for a row.
pub(super) struct EncodedListing {
    pub(super) sha256: String,
    doc: Encoded,
}

pub(super) fn encode_listing(sha256: String, json: &[u8]) -> Result<EncodedListing> {
    Ok(EncodedListing {
        sha256,
        doc: encode(json.to_vec())?,
    })
}

pub(super) fn insert_listing(tx: &Transaction<'_>, listing: &EncodedListing) -> Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO listings (listing_sha256, codec, body, json_bytes, stored_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        listing.sha256,
        listing.doc.codec.column(),
        listing.doc.body,
        listing.doc.json_bytes,
        millis(SystemTime::now())
    ])?;
    Ok(())
}

pub(super) fn put_listing(store: &SqliteStore, json: &[u8]) -> Result<String> {
    let sha256 = listing_key(json)?;
    let sql = "SELECT 1 FROM listings WHERE listing_sha256 = ?1";
    if store.read(|c| exists(c, sql, &sha256))? {
        return Ok(sha256);
    }
    let encoded = encode_listing(sha256, json)?;
    store.write(|tx| insert_listing(tx, &encoded))?;
    Ok(encoded.sha256)
}

pub(super) fn listing(conn: &Connection, listing_sha256: &str) -> Result<Option<Stored<Listing>>> {
    let stmt = conn.prepare_cached("SELECT codec, body FROM listings WHERE listing_sha256 = ?1")?;
    first(stmt, [listing_sha256], |row| stored(row, 0, 1))
}

fn exists(conn: &Connection, sql: &str, key: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row([key], |_| Ok(()))
        .optional()?
        .is_some())
}
