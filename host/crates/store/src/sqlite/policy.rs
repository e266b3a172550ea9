//! Activated policy sets, the last good one, and the admin audit log.
//!
//! Activations are kept in order, never overwritten, so the service can show
//! which set judged a verdict; the last good set is a single row replaced in
//! the same transaction as the activation is recorded, holding the verified
//! bundle bytes that a restart serves before any feed answers.

use rusqlite::{params, Connection, Row, Transaction};
use serde_json::Value;

use super::columns::{millis, time};
use super::rows::{all, first};
use super::verdicts::sql_limit;
use super::SqliteStore;
use crate::{
    AuditEntry, AuditRecord, LastGood, PolicySetActivation, PolicySetRecord, Result, StoreError,
};

pub(super) fn activate(
    store: &SqliteStore,
    a: &PolicySetActivation<'_>,
) -> Result<PolicySetRecord> {
    let manifest = a.manifest.to_string();
    store.write(|tx: &Transaction<'_>| {
        tx.prepare_cached(
            "INSERT INTO policy_sets (id, digest, source, manifest, activated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            a.id,
            a.digest,
            a.source,
            manifest,
            millis(a.activated_at)
        ])?;
        let seq = tx.last_insert_rowid();
        tx.prepare_cached(
            "INSERT OR REPLACE INTO last_good_policy_set (singleton, policy_set_seq, bundle, etag)
             VALUES (1, ?1, ?2, ?3)",
        )?
        .execute(params![seq, a.bundle, a.etag])?;
        Ok(PolicySetRecord {
            seq,
            id: a.id.to_owned(),
            digest: a.digest.to_owned(),
            source: a.source.to_owned(),
            manifest: a.manifest.clone(),
            activated_at: time(millis(a.activated_at)),
        })
    })
}

const SET_COLUMNS: &str = "p.seq, p.id, p.digest, p.source, p.manifest, p.activated_at";

fn set_record(row: &Row<'_>) -> Result<PolicySetRecord> {
    Ok(PolicySetRecord {
        seq: row.get(0)?,
        id: row.get(1)?,
        digest: row.get(2)?,
        source: row.get(3)?,
        manifest: json(row.get(4)?, "policy set manifest")?,
        activated_at: time(row.get(5)?),
    })
}

pub(super) fn last_good(conn: &Connection) -> Result<Option<LastGood>> {
    let sql = format!(
        "SELECT {SET_COLUMNS}, l.bundle, l.etag FROM last_good_policy_set l
         JOIN policy_sets p ON p.seq = l.policy_set_seq"
    );
    first(conn.prepare_cached(&sql)?, [], |row| {
        Ok(LastGood {
            set: set_record(row)?,
            bundle: row.get(6)?,
            etag: row.get(7)?,
        })
    })
}

pub(super) fn policy_sets(conn: &Connection, limit: usize) -> Result<Vec<PolicySetRecord>> {
    let sql = format!("SELECT {SET_COLUMNS} FROM policy_sets p ORDER BY p.seq DESC LIMIT ?1");
    all(conn.prepare_cached(&sql)?, [sql_limit(limit)], set_record)
}

pub(super) fn append_audit(store: &SqliteStore, entry: &AuditEntry) -> Result<i64> {
    let detail = entry.detail.to_string();
    store.write(|tx| insert_audit(tx, entry, &detail))
}

/// One audit row inside the caller's transaction; `detail` is the entry's
/// detail already serialised (outside the writer lock).
pub(super) fn insert_audit(conn: &Connection, entry: &AuditEntry, detail: &str) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        millis(entry.at),
        entry.actor,
        entry.action,
        entry.target,
        detail
    ])?;
    Ok(conn.last_insert_rowid())
}

pub(super) fn audit_log(
    conn: &Connection,
    after_seq: Option<i64>,
    limit: usize,
) -> Result<Vec<AuditRecord>> {
    all(
        conn.prepare_cached(
            "SELECT seq, at, actor, action, target, detail FROM audit_log
             WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?,
        params![after_seq.unwrap_or(0), sql_limit(limit)],
        |row| {
            Ok(AuditRecord {
                seq: row.get(0)?,
                entry: AuditEntry {
                    at: time(row.get(1)?),
                    actor: row.get(2)?,
                    action: row.get(3)?,
                    target: row.get(4)?,
                    detail: json(row.get(5)?, "audit detail")?,
                },
            })
        },
    )
}

fn json(text: String, what: &str) -> Result<Value> {
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
        what: what.into(),
        reason: e.to_string(),
    })
}
