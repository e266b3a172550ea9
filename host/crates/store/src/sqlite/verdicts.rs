//! Submissions, apps, the verdict history and what reads it: the verdict
//! cache, idempotent replays and the recheck's stream of apps.

use std::time::SystemTime;

use rusqlite::{params, Connection, OptionalExtension as _, Transaction};
use shelfgate_contract::types::Verdict;

use super::columns::{check_sha256, millis, time, Named, Text};
use super::rows::{
    all, app_columns, app_record, constraint, first, verdict_entry, VERDICT_COLUMNS,
};
use super::SqliteStore;
use crate::codec::{encode, to_json, Encoded};
use crate::{
    AppFilter, AppRecord, AppStatus, IdempotentResponse, NewSubmission, Result, StoreError, Stored,
    SubmissionRecord, VerdictEntry, VerdictKey, VerdictOrigin,
};

/// A verdict, validated and encoded before the writer lock is taken.
pub(super) struct EncodedVerdict<'a> {
    pub(super) verdict: &'a Verdict,
    pub(super) doc: Encoded,
}

pub(super) fn encode_verdict(verdict: &Verdict) -> Result<EncodedVerdict<'_>> {
    encode_verdict_from(verdict, None)
}

/// As [`encode_verdict`], taking the caller's encoding of `verdict` if it
/// has one.
pub(super) fn encode_verdict_from<'a>(
    verdict: &'a Verdict,
    encoded: Option<&Stored<Verdict>>,
) -> Result<EncodedVerdict<'a>> {
    check_sha256("verdict apk sha256", &verdict.apk_sha256)?;
    check_sha256("verdict listing sha256", &verdict.listing_sha256)?;
    let doc = match encoded {
        Some(stored) => Encoded {
            codec: stored.codec(),
            body: stored.body().to_vec(),
            json_bytes: 0,
        },
        None => encode(to_json(verdict))?,
    };
    Ok(EncodedVerdict { verdict, doc })
}

/// Appends a verdict to the history and returns the entry.
pub(super) fn append_verdict(
    tx: &Transaction<'_>,
    package: &str,
    origin: &VerdictOrigin,
    verdict: &EncodedVerdict<'_>,
    at: SystemTime,
) -> Result<VerdictEntry> {
    let (submission_id, run_id) = match origin {
        VerdictOrigin::Submission(id) => (Some(id.as_str()), None),
        VerdictOrigin::Recheck(id) => (None, Some(id.as_str())),
    };
    let v = verdict.verdict;
    tx.prepare_cached(
        "INSERT INTO verdict_history (package, submission_id, recheck_run_id, apk_sha256,
             listing_sha256, policy_set_id, policy_set_digest, decision, codec, body, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        package,
        submission_id,
        run_id,
        v.apk_sha256,
        v.listing_sha256,
        v.policy_set_id,
        v.policy_set_digest,
        Text(v.decision),
        verdict.doc.codec.column(),
        verdict.doc.body,
        millis(at)
    ])
    .map_err(|e| {
        constraint(e, || {
            format!("verdict for `{package}`: its facts and listing must be stored first")
        })
    })?;
    Ok(VerdictEntry {
        seq: tx.last_insert_rowid(),
        package: package.to_owned(),
        origin: origin.clone(),
        apk_sha256: v.apk_sha256.clone(),
        listing_sha256: v.listing_sha256.clone(),
        policy_set_id: v.policy_set_id.clone(),
        policy_set_digest: v.policy_set_digest.clone(),
        decision: v.decision,
        recorded_at: time(millis(at)),
        verdict: Stored::new(verdict.doc.codec, verdict.doc.body.clone()),
    })
}

/// A submission, validated and encoded before the writer lock is taken.
pub(super) struct PreparedSubmission<'a> {
    sub: &'a NewSubmission<'a>,
    verdict: EncodedVerdict<'a>,
    sdk_ids: String,
}

pub(super) fn prepare_submission<'a>(sub: &'a NewSubmission<'a>) -> Result<PreparedSubmission<'a>> {
    if sub.id.is_empty() || sub.package.is_empty() {
        return Err(StoreError::Invalid(
            "a submission needs an id and a package".into(),
        ));
    }
    Ok(PreparedSubmission {
        sub,
        verdict: encode_verdict(sub.verdict)?,
        sdk_ids: serde_json::to_string(sub.sdk_ids)
            .map_err(|e| StoreError::Invalid(e.to_string()))?,
    })
}

pub(super) fn record_submission(
    store: &SqliteStore,
    sub: &NewSubmission<'_>,
) -> Result<SubmissionRecord> {
    let prepared = prepare_submission(sub)?;
    store.write(|tx| insert_submission(tx, &prepared))
}

pub(super) fn insert_submission(
    tx: &Transaction<'_>,
    prepared: &PreparedSubmission<'_>,
) -> Result<SubmissionRecord> {
    let sub = prepared.sub;
    if let Some(response) = sub.idempotency {
        if insert_idempotent_response(tx, response)? == 0 {
            return Err(StoreError::Conflict(format!(
                "idempotency key `{}` already has a response",
                response.key
            )));
        }
    }
    let origin = VerdictOrigin::Submission(sub.id.to_owned());
    let entry = append_verdict(tx, sub.package, &origin, &prepared.verdict, sub.received_at)?;
    tx.prepare_cached(
        "INSERT INTO submissions (id, package, verdict_seq, received_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        sub.id,
        sub.package,
        entry.seq,
        millis(sub.received_at)
    ])
    .map_err(|e| constraint(e, || format!("submission id `{}` is taken", sub.id)))?;
    tx.prepare_cached(
        "INSERT INTO apps (package, status, submission_id, verdict_seq, category, sdk_ids, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (package) DO UPDATE SET
             status = excluded.status, submission_id = excluded.submission_id,
             verdict_seq = excluded.verdict_seq, category = excluded.category,
             sdk_ids = excluded.sdk_ids, updated_at = excluded.updated_at",
    )?
    .execute(params![
        sub.package,
        Text(sub.status),
        sub.id,
        entry.seq,
        sub.category,
        prepared.sdk_ids,
        millis(sub.received_at)
    ])?;
    tx.prepare_cached("DELETE FROM app_sdks WHERE package = ?1")?
        .execute([sub.package])?;
    let mut insert =
        tx.prepare_cached("INSERT OR IGNORE INTO app_sdks (sdk_id, package) VALUES (?1, ?2)")?;
    for sdk in sub.sdk_ids {
        insert.execute([sdk.as_str(), sub.package])?;
    }
    Ok(SubmissionRecord {
        id: sub.id.to_owned(),
        package: sub.package.to_owned(),
        received_at: entry.recorded_at,
        verdict: entry,
    })
}

pub(super) fn submission(conn: &Connection, id: &str) -> Result<Option<SubmissionRecord>> {
    let sql = format!(
        "SELECT s.id, s.package, s.received_at, {VERDICT_COLUMNS}
         FROM submissions s JOIN verdict_history v ON v.seq = s.verdict_seq
         WHERE s.id = ?1"
    );
    first(conn.prepare_cached(&sql)?, [id], |row| {
        Ok(SubmissionRecord {
            id: row.get(0)?,
            package: row.get(1)?,
            received_at: time(row.get(2)?),
            verdict: verdict_entry(row, 3)?,
        })
    })
}

pub(super) fn app(conn: &Connection, package: &str) -> Result<Option<AppRecord>> {
    let sql = format!(
        "SELECT {} FROM apps a JOIN verdict_history v ON v.seq = a.verdict_seq WHERE a.package = ?1",
        app_columns()
    );
    first(conn.prepare_cached(&sql)?, [package], app_record)
}

pub(super) fn set_app_status(
    tx: &Transaction<'_>,
    package: &str,
    status: AppStatus,
    at: SystemTime,
) -> Result<()> {
    let updated = tx
        .prepare_cached("UPDATE apps SET status = ?2, updated_at = ?3 WHERE package = ?1")?
        .execute(params![package, Text(status), millis(at)])?;
    if updated == 0 {
        return Err(StoreError::NotFound(format!("app `{package}`")));
    }
    Ok(())
}

pub(super) fn history(
    conn: &Connection,
    package: &str,
    after_seq: Option<i64>,
    limit: usize,
) -> Result<Vec<VerdictEntry>> {
    let sql = format!(
        "SELECT {VERDICT_COLUMNS} FROM verdict_history v
         WHERE v.package = ?1 AND v.seq > ?2 ORDER BY v.seq LIMIT ?3"
    );
    all(
        conn.prepare_cached(&sql)?,
        params![package, after_seq.unwrap_or(0), sql_limit(limit)],
        |row| verdict_entry(row, 0),
    )
}

pub(super) fn verdict(conn: &Connection, seq: i64) -> Result<Option<VerdictEntry>> {
    let sql = format!("SELECT {VERDICT_COLUMNS} FROM verdict_history v WHERE v.seq = ?1");
    first(conn.prepare_cached(&sql)?, [seq], |row| {
        verdict_entry(row, 0)
    })
}

pub(super) fn cached_verdict(
    conn: &Connection,
    key: VerdictKey<'_>,
) -> Result<Option<VerdictEntry>> {
    let sql = format!(
        // The prefixes are those of index `verdict_history_inputs_short`
        // (migration 0006); the full columns decide.
        "SELECT {VERDICT_COLUMNS} FROM verdict_history v
         WHERE substr(v.apk_sha256, 1, 16) = substr(?1, 1, 16)
           AND substr(v.policy_set_digest, 1, 16) = substr(?3, 1, 16)
           AND v.apk_sha256 = ?1 AND v.listing_sha256 = ?2 AND v.policy_set_digest = ?3
         ORDER BY v.seq DESC LIMIT 1"
    );
    first(
        conn.prepare_cached(&sql)?,
        params![key.apk_sha256, key.listing_sha256, key.policy_set_digest],
        |row| verdict_entry(row, 0),
    )
}

pub(super) fn idempotent_response(
    conn: &Connection,
    key: &str,
    fingerprint: &str,
) -> Result<Option<IdempotentResponse>> {
    let found = read_idempotent_response(conn, key)?;
    match found {
        Some(response) if response.fingerprint != fingerprint => Err(reused(key)),
        found => Ok(found),
    }
}

pub(super) fn save_idempotent_response(
    tx: &Transaction<'_>,
    response: &IdempotentResponse,
) -> Result<IdempotentResponse> {
    insert_idempotent_response(tx, response)?;
    idempotent_response(tx, &response.key, &response.fingerprint)?
        .ok_or_else(|| StoreError::NotFound(format!("idempotency key `{}`", response.key)))
}

/// Inserts unless the key exists; returns the rows inserted.
fn insert_idempotent_response(tx: &Transaction<'_>, r: &IdempotentResponse) -> Result<usize> {
    Ok(tx
        .prepare_cached(
            "INSERT OR IGNORE INTO idempotency (key, fingerprint, status, content_type, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            r.key,
            r.fingerprint,
            r.status,
            r.content_type,
            r.body,
            millis(r.created_at)
        ])?)
}

fn read_idempotent_response(conn: &Connection, key: &str) -> Result<Option<IdempotentResponse>> {
    Ok(conn
        .prepare_cached(
            "SELECT key, fingerprint, status, content_type, body, created_at
             FROM idempotency WHERE key = ?1",
        )?
        .query_row([key], |row| {
            Ok(IdempotentResponse {
                key: row.get(0)?,
                fingerprint: row.get(1)?,
                status: row.get(2)?,
                content_type: row.get(3)?,
                body: row.get(4)?,
                created_at: time(row.get(5)?),
            })
        })
        .optional()?)
}

fn reused(key: &str) -> StoreError {
    StoreError::Conflict(format!(
        "idempotency key `{key}` was used for a different request"
    ))
}

pub(super) fn purge_idempotent_responses(tx: &Transaction<'_>, before: SystemTime) -> Result<u64> {
    let deleted = tx
        .prepare_cached("DELETE FROM idempotency WHERE created_at < ?1")?
        .execute([millis(before)])?;
    Ok(u64::try_from(deleted).unwrap_or(u64::MAX))
}

/// A filtered walk over apps in package order. The filter's value is
/// parameter `?1` and the cursor `?2`; each filter walks an index whose
/// order is the package order.
struct AppQuery {
    from: &'static str,
    condition: &'static str,
    order: &'static str,
    value: Option<String>,
}

fn app_query(filter: &AppFilter) -> AppQuery {
    let apps = |condition, value| AppQuery {
        from: "apps a",
        condition,
        order: "a.package",
        value,
    };
    match filter {
        AppFilter::All => apps("a.package > ?2", None),
        AppFilter::Status(status) => apps(
            "a.status = ?1 AND a.package > ?2",
            Some(Named::name(*status).to_owned()),
        ),
        AppFilter::Package(p) => apps("a.package = ?1 AND a.package > ?2", Some(p.clone())),
        AppFilter::Category(c) => apps("a.category = ?1 AND a.package > ?2", Some(c.clone())),
        AppFilter::Sdk(s) => AppQuery {
            from: "app_sdks s JOIN apps a ON a.package = s.package",
            condition: "s.sdk_id = ?1 AND s.package > ?2",
            order: "s.package",
            value: Some(s.clone()),
        },
    }
}

pub(super) fn apps_after(
    conn: &Connection,
    cursor: Option<&str>,
    limit: usize,
    filter: &AppFilter,
) -> Result<Vec<AppRecord>> {
    let q = app_query(filter);
    let sql = format!(
        "SELECT {} FROM {} JOIN verdict_history v ON v.seq = a.verdict_seq
         WHERE {} ORDER BY {} LIMIT ?3",
        app_columns(),
        q.from,
        q.condition,
        q.order
    );
    all(
        conn.prepare_cached(&sql)?,
        params![q.value, cursor.unwrap_or(""), sql_limit(limit)],
        app_record,
    )
}

pub(super) fn count_apps(conn: &Connection, filter: &AppFilter) -> Result<u64> {
    let q = app_query(filter);
    let sql = format!("SELECT count(*) FROM {} WHERE {}", q.from, q.condition);
    let count: i64 = conn
        .prepare_cached(&sql)?
        .query_row(params![q.value, ""], |r| r.get(0))?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// A `LIMIT` parameter: SQLite takes i64.
pub(super) fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}
