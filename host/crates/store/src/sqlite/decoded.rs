//! Binary copies of decoded facts and listings (migration 0005).
//!
//! A read looks for a copy of this build's schema first and falls back to
//! the JSON row, which stays the source of truth; the caller learns which
//! it got, so a bulk reader can hand the values it decoded from JSON back
//! to [`keep`] in one transaction per batch instead of one write per miss.

use rusqlite::{params, Connection, OptionalExtension as _, Transaction};
use shelfgate_contract::types::{ApkFacts, Listing};

use super::content;
use crate::codec::{binary_schema, from_binary, to_binary, Codec, Document, Encoded};
use crate::{Decoded, DecodedDoc, Result, Stored};

const FACTS: i64 = 0;
const LISTING: i64 = 1;

/// The copy of `key` if one of this build's schema decodes exactly.
fn copy<T: Document>(conn: &Connection, kind: i64, key: &str) -> Result<Option<T>> {
    let row: Option<(i64, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT codec, body FROM decoded_copies WHERE kind = ?1 AND key = ?2 AND schema = ?3",
        )?
        .query_row(params![kind, key, binary_schema()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(row.and_then(|(codec, body)| {
        let codec = Codec::from_column(codec).ok()?;
        from_binary::<T>(codec, &body)
    }))
}

fn decoded<T: Document>(
    conn: &Connection,
    kind: i64,
    key: &str,
    json: impl FnOnce(&Connection) -> Result<Option<Stored<T>>>,
) -> Result<Option<Decoded<T>>> {
    if let Some(value) = copy::<T>(conn, kind, key)? {
        return Ok(Some(Decoded {
            value,
            from_copy: true,
        }));
    }
    crate::from_json(json(conn)?)
}

pub(super) fn facts(conn: &Connection, apk_sha256: &str) -> Result<Option<Decoded<ApkFacts>>> {
    decoded(conn, FACTS, apk_sha256, |c| content::facts(c, apk_sha256))
}

pub(super) fn listing(conn: &Connection, listing_sha256: &str) -> Result<Option<Decoded<Listing>>> {
    decoded(conn, LISTING, listing_sha256, |c| {
        content::listing(c, listing_sha256)
    })
}

/// Copies ready for rows, encoded before the writer lock is taken.
pub(super) fn encode<'a>(docs: &[DecodedDoc<'a>]) -> Result<Vec<(i64, &'a str, Encoded)>> {
    docs.iter()
        .map(|doc| {
            Ok(match doc {
                DecodedDoc::Facts(facts) => (FACTS, facts.sha256.as_str(), to_binary(*facts)?),
                DecodedDoc::Listing { sha256, listing } => (LISTING, *sha256, to_binary(*listing)?),
            })
        })
        .collect()
}

/// Writes copies, replacing any of another schema. A copy whose JSON row
/// is not stored is skipped: a copy never stands for a document alone.
pub(super) fn keep(tx: &Transaction<'_>, copies: &[(i64, &str, Encoded)]) -> Result<()> {
    for (kind, key, doc) in copies {
        let source = if *kind == FACTS {
            "SELECT 1 FROM facts WHERE apk_sha256 = ?1"
        } else {
            "SELECT 1 FROM listings WHERE listing_sha256 = ?1"
        };
        let stored = tx
            .prepare_cached(source)?
            .query_row([key], |_| Ok(()))
            .optional()?
            .is_some();
        if !stored {
            continue;
        }
        tx.prepare_cached(
            "INSERT OR REPLACE INTO decoded_copies (kind, key, schema, codec, body)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            kind,
            key,
            binary_schema(),
            doc.codec.column(),
            doc.body
        ])?;
    }
    Ok(())
}
