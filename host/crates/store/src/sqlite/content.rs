//! Facts and listings, content-addressed.
//!
//! Facts are keyed by the APK's sha256 and listings by the sha256 of their
//! canonical JSON, so resubmitting the same APK or an identically meant
//! listing stores nothing new. A listing keeps the bytes first received,
//! fields the contract does not know included. The presence check runs on
//! a reader before anything is serialised, so a repeat upload costs one
//! index lookup.

use std::time::SystemTime;

use rusqlite::{params, Connection, OptionalExtension as _};
use serde_json::Value;
use shelfgate_bundle::canonical;
use shelfgate_contract::types::{ApkFacts, Listing};

use super::columns::{check_sha256, millis};
use super::rows::{first, stored};
use super::SqliteStore;
use crate::codec::{encode, to_json};
use crate::{Result, StoreError, Stored};

pub(super) fn put_facts(store: &SqliteStore, facts: &ApkFacts) -> Result<bool> {
    check_sha256("apk sha256", &facts.sha256)?;
    if store.read(|c| {
        exists(
            c,
            "SELECT 1 FROM facts WHERE apk_sha256 = ?1",
            &facts.sha256,
        )
    })? {
        return Ok(false);
    }
    let doc = encode(to_json(facts))?;
    store.write(|tx| {
        let inserted = tx.prepare_cached(
            "INSERT OR IGNORE INTO facts (apk_sha256, package, codec, body, json_bytes, stored_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            facts.sha256,
            facts.package,
            doc.codec.column(),
            doc.body,
            doc.json_bytes,
            millis(SystemTime::now())
        ])?;
        Ok(inserted == 1)
    })
}

pub(super) fn facts(conn: &Connection, apk_sha256: &str) -> Result<Option<Stored<ApkFacts>>> {
    let stmt = conn.prepare_cached("SELECT codec, body FROM facts WHERE apk_sha256 = ?1")?;
    first(stmt, [apk_sha256], |row| stored(row, 0, 1))
}

pub(super) fn put_listing(store: &SqliteStore, json: &[u8]) -> Result<String> {
    let value: Value = serde_json::from_slice(json)
        .map_err(|e| StoreError::Invalid(format!("listing is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(StoreError::Invalid("listing is not a JSON object".into()));
    }
    let sha256 =
        canonical::sha256_hex(&value).map_err(|e| StoreError::Invalid(format!("listing: {e}")))?;
    if store.read(|c| {
        exists(
            c,
            "SELECT 1 FROM listings WHERE listing_sha256 = ?1",
            &sha256,
        )
    })? {
        return Ok(sha256);
    }
    let doc = encode(json.to_vec())?;
    store.write(|tx| {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO listings (listing_sha256, codec, body, json_bytes, stored_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            sha256,
            doc.codec.column(),
            doc.body,
            doc.json_bytes,
            millis(SystemTime::now())
        ])?;
        Ok(())
    })?;
    Ok(sha256)
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
