//! Asynchronous jobs, and the batched audit writes of checks.

use std::time::SystemTime;

use rusqlite::{params, Connection, Row};

use super::columns::{millis, time};
use super::rows::{all, first};
use super::verdicts::sql_limit;
use super::SqliteStore;
use crate::{
    AuditEntry, CallbackState, JobRecord, JobStatus, NewJob, Result, StoreError, VerdictEntry,
};

const JOB_COLUMNS: &str = "id, kind, status, created_at, finished_at, apk_sha256, apk_size, \
     listing, callback_url, callback_state, idempotency_key, outcome";

fn job_record(row: &Row<'_>) -> Result<JobRecord> {
    let status: String = row.get(2)?;
    let callback_state: Option<String> = row.get(9)?;
    let outcome: Option<String> = row.get(11)?;
    let size: i64 = row.get(6)?;
    Ok(JobRecord {
        id: row.get(0)?,
        kind: row.get(1)?,
        status: JobStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
            what: "job status".into(),
            reason: status.clone(),
        })?,
        created_at: time(row.get(3)?),
        finished_at: row.get::<_, Option<i64>>(4)?.map(time),
        apk_sha256: row.get(5)?,
        apk_size: u64::try_from(size).unwrap_or(0),
        listing: row.get(7)?,
        callback_url: row.get(8)?,
        callback_state: callback_state
            .map(|s| {
                CallbackState::parse(&s).ok_or_else(|| StoreError::Corrupt {
                    what: "job callback state".into(),
                    reason: s.clone(),
                })
            })
            .transpose()?,
        idempotency_key: row.get(10)?,
        outcome: outcome
            .map(|text| {
                serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                    what: "job outcome".into(),
                    reason: e.to_string(),
                })
            })
            .transpose()?,
    })
}

pub(super) fn create(store: &SqliteStore, job: &NewJob<'_>) -> Result<()> {
    store.write(|tx| {
        tx.prepare_cached(
            "INSERT INTO jobs (id, kind, status, created_at, apk_sha256, apk_size, listing,
                               callback_url, callback_state, idempotency_key)
             VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            job.id,
            job.kind,
            millis(job.created_at),
            job.apk_sha256,
            i64::try_from(job.apk_size).unwrap_or(i64::MAX),
            job.listing,
            job.callback_url,
            job.callback_url.map(|_| CallbackState::Pending.name()),
            job.idempotency_key,
        ])?;
        Ok(())
    })
}

pub(super) fn finish(
    store: &SqliteStore,
    id: &str,
    status: JobStatus,
    outcome: &serde_json::Value,
    at: SystemTime,
) -> Result<JobRecord> {
    let text = outcome.to_string();
    store.write(|tx| {
        let changed = tx
            .prepare_cached(
                "UPDATE jobs SET status = ?2, outcome = ?3, finished_at = ?4
                 WHERE id = ?1 AND status = 'pending'",
            )?
            .execute(params![id, status.name(), text, millis(at)])?;
        if changed == 0 {
            return Err(StoreError::Conflict(format!("job `{id}` is not pending")));
        }
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1");
        first(tx.prepare_cached(&sql)?, [id], job_record)?
            .ok_or_else(|| StoreError::NotFound(format!("job `{id}`")))
    })
}

pub(super) fn set_callback_state(
    store: &SqliteStore,
    id: &str,
    state: CallbackState,
) -> Result<()> {
    store.write(|tx| {
        tx.prepare_cached("UPDATE jobs SET callback_state = ?2 WHERE id = ?1")?
            .execute(params![id, state.name()])?;
        Ok(())
    })
}

pub(super) fn job(conn: &Connection, id: &str) -> Result<Option<JobRecord>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1");
    first(conn.prepare_cached(&sql)?, [id], job_record)
}

/// Jobs a restart must take up: pending ones, and finished ones whose
/// callback was not delivered.
pub(super) fn unfinished(conn: &Connection, limit: usize) -> Result<Vec<JobRecord>> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM jobs
         WHERE status = 'pending' OR callback_state = 'pending'
         ORDER BY created_at LIMIT ?1"
    );
    all(conn.prepare_cached(&sql)?, [sql_limit(limit)], job_record)
}

pub(super) fn count_pending(conn: &Connection) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM jobs WHERE status = 'pending'")?
        .query_row([], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Forgets finished jobs (their callbacks settled) that ended before `before`.
pub(super) fn purge(store: &SqliteStore, before: SystemTime) -> Result<u64> {
    store.write(|tx| {
        let n = tx
            .prepare_cached(
                "DELETE FROM jobs WHERE status <> 'pending'
                   AND (callback_state IS NULL OR callback_state <> 'pending')
                   AND finished_at < ?1",
            )?
            .execute([millis(before)])?;
        Ok(u64::try_from(n).unwrap_or(0))
    })
}

/// Many audit entries in one transaction. It is committed to the WAL
/// without waiting for an fsync (`synchronous=NORMAL` for this one
/// transaction): the entries survive a crash or `kill -9` of the process,
/// not a power cut, and a check does not pay an fsync (about 5 ms here)
/// for its audit line. The next fully synced commit covers them too.
pub(super) fn append_audit_batch(store: &SqliteStore, entries: &[AuditEntry]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let details: Vec<String> = entries.iter().map(|e| e.detail.to_string()).collect();
    let mut conn = super::pool::lock(&store.writer);
    conn.execute_batch("PRAGMA synchronous = NORMAL")?;
    let written = (|| -> Result<()> {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for (entry, detail) in entries.iter().zip(&details) {
            super::policy::insert_audit(&tx, entry, detail)?;
        }
        tx.commit()?;
        Ok(())
    })();
    // Every other transaction stays fully synced, whatever happened above.
    let restored = conn.execute_batch("PRAGMA synchronous = FULL");
    written?;
    restored?;
    Ok(())
}

/// The latest verdict a submission of `package` got that let the app on
/// the shelf (pass or rectify), for an APK other than `except_apk`.
pub(super) fn last_accepted(
    conn: &Connection,
    package: &str,
    except_apk: &str,
) -> Result<Option<VerdictEntry>> {
    let sql = format!(
        "SELECT {} FROM verdict_history v
         WHERE v.package = ?1 AND v.submission_id IS NOT NULL
           AND v.decision <> 'reject' AND v.apk_sha256 <> ?2
         ORDER BY v.seq DESC LIMIT 1",
        super::rows::VERDICT_COLUMNS
    );
    first(
        conn.prepare_cached(&sql)?,
        params![package, except_apk],
        |row| super::rows::verdict_entry(row, 0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreOptions;

    #[test]
    fn a_batch_relaxes_the_fsync_for_itself_only() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(tmp.path(), StoreOptions::default()).unwrap();
        let entry = AuditEntry {
            at: SystemTime::UNIX_EPOCH,
            actor: "api".into(),
            action: "check".into(),
            target: None,
            detail: serde_json::json!({}),
        };
        append_audit_batch(&store, &[entry.clone(), entry]).unwrap();
        let synchronous: i64 = super::super::pool::lock(&store.writer)
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(synchronous, 2, "FULL again after the batch");
    }
}
