//! Recheck runs: checkpoints, and results that are written once per app.
//!
//! A batch of results, the history rows it appends and the run's cursor and
//! counts are committed in one transaction, so a run killed at any point
//! resumes from a cursor that matches exactly what was written. A result
//! for an app the run already has is ignored (primary key `(run, package)`)
//! and changes no count: a batch retried after a crash, or redone because
//! parallel batches finished out of order, writes nothing twice.

use std::time::SystemTime;

use rusqlite::{params, Connection, OptionalExtension as _, Row, Transaction};

use super::columns::{millis, scope_from_text, scope_text, time, Text};
use super::rows::{all, constraint, first, stored};
use super::verdicts::{append_verdict, encode_verdict_from, sql_limit, EncodedVerdict};
use super::SqliteStore;
use crate::{
    Change, Evaluation, NewRecheckRun, RecheckBatch, RecheckCounts, RecheckEntry, RecheckOutcome,
    RecheckRun, RecheckStatus, Result, StoreError, VerdictOrigin,
};

pub(super) fn start(tx: &Transaction<'_>, run: &NewRecheckRun<'_>) -> Result<RecheckRun> {
    if run.id.is_empty() {
        return Err(StoreError::Invalid("a recheck run needs an id".into()));
    }
    let at = millis(run.started_at);
    tx.prepare_cached(
        "INSERT INTO recheck_runs (id, scope, policy_set_id, policy_set_digest, candidate, full,
             status, total, started_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, ?8, ?8)",
    )?
    .execute(params![
        run.id,
        scope_text(run.scope),
        run.policy_set_id,
        run.policy_set_digest,
        run.candidate,
        run.full,
        i64::try_from(run.total).unwrap_or(i64::MAX),
        at
    ])
    .map_err(|e| constraint(e, || format!("recheck run `{}` exists", run.id)))?;
    require(tx, run.id)
}

const RUN_COLUMNS: &str = "id, scope, policy_set_id, policy_set_digest, candidate, full, status, \
     cursor, total, done, skipped, failed, unchanged, newly_rejected, newly_rectify, \
     newly_passing, started_at, updated_at, finished_at";

fn run_record(row: &Row<'_>) -> Result<RecheckRun> {
    let count = |i: usize| -> Result<u64> { Ok(u64::try_from(row.get::<_, i64>(i)?).unwrap_or(0)) };
    Ok(RecheckRun {
        id: row.get(0)?,
        scope: scope_from_text(&row.get::<_, String>(1)?)?,
        policy_set_id: row.get(2)?,
        policy_set_digest: row.get(3)?,
        candidate: row.get(4)?,
        full: row.get(5)?,
        status: row.get::<_, Text<_>>(6)?.0,
        cursor: row.get(7)?,
        total: count(8)?,
        counts: RecheckCounts {
            done: count(9)?,
            skipped: count(10)?,
            failed: count(11)?,
            unchanged: count(12)?,
            newly_rejected: count(13)?,
            newly_rectify: count(14)?,
            newly_passing: count(15)?,
        },
        started_at: time(row.get(16)?),
        updated_at: time(row.get(17)?),
        finished_at: row.get::<_, Option<i64>>(18)?.map(time),
    })
}

pub(super) fn run(conn: &Connection, id: &str) -> Result<Option<RecheckRun>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM recheck_runs WHERE id = ?1");
    first(conn.prepare_cached(&sql)?, [id], run_record)
}

fn require(conn: &Connection, id: &str) -> Result<RecheckRun> {
    run(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("recheck run `{id}`")))
}

pub(super) fn runs(
    conn: &Connection,
    status: Option<RecheckStatus>,
    limit: usize,
) -> Result<Vec<RecheckRun>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM recheck_runs WHERE ?1 IS NULL OR status = ?1
         ORDER BY started_at DESC, id DESC LIMIT ?2"
    );
    all(
        conn.prepare_cached(&sql)?,
        params![status.map(Text), sql_limit(limit)],
        run_record,
    )
}

pub(super) fn set_status(
    tx: &Transaction<'_>,
    id: &str,
    status: RecheckStatus,
    at: SystemTime,
) -> Result<RecheckRun> {
    let finished = (status != RecheckStatus::Running).then(|| millis(at));
    let updated = tx
        .prepare_cached(
            "UPDATE recheck_runs SET status = ?2, updated_at = ?3, finished_at = ?4 WHERE id = ?1",
        )?
        .execute(params![id, Text(status), millis(at), finished])?;
    if updated == 0 {
        return Err(StoreError::NotFound(format!("recheck run `{id}`")));
    }
    require(tx, id)
}

/// A result, with its verdict encoded before the writer lock is taken.
struct Prepared<'a> {
    package: &'a str,
    previous: Option<shelfgate_contract::types::Decision>,
    previous_seq: Option<i64>,
    change: Option<Change>,
    outcome: RecheckOutcome<EncodedVerdict<'a>>,
}

pub(super) fn commit_batch(
    store: &SqliteStore,
    run_id: &str,
    batch: &RecheckBatch<'_>,
) -> Result<RecheckRun> {
    let prepared = batch
        .results
        .iter()
        .map(|r| {
            if r.package.is_empty() {
                return Err(StoreError::Invalid(
                    "a recheck result needs a package".into(),
                ));
            }
            Ok(Prepared {
                package: &r.package,
                previous: r.previous,
                previous_seq: r.previous_seq,
                change: r.change(),
                outcome: match &r.outcome {
                    RecheckOutcome::Skipped => RecheckOutcome::Skipped,
                    RecheckOutcome::Evaluated(v) => {
                        RecheckOutcome::Evaluated(encode_verdict_from(v, r.encoded.as_ref())?)
                    }
                    RecheckOutcome::Failed(e) => RecheckOutcome::Failed(e.clone()),
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    store.write(|tx| {
        let run = require(tx, run_id)?;
        if run.status != RecheckStatus::Running {
            return Err(StoreError::Conflict(format!(
                "recheck run `{run_id}` is not running"
            )));
        }
        let mut counts = RecheckCounts::default();
        for result in &prepared {
            if write_result(tx, &run, result, batch.at)? {
                tally(&mut counts, result);
            }
        }
        tx.prepare_cached(
            "UPDATE recheck_runs SET
                 cursor = CASE WHEN cursor IS NULL OR cursor < ?2 THEN ?2 ELSE cursor END,
                 done = done + ?3, skipped = skipped + ?4, failed = failed + ?5,
                 unchanged = unchanged + ?6, newly_rejected = newly_rejected + ?7,
                 newly_rectify = newly_rectify + ?8, newly_passing = newly_passing + ?9,
                 updated_at = ?10
             WHERE id = ?1",
        )?
        .execute(params![
            run_id,
            batch.cursor,
            sql_count(counts.done),
            sql_count(counts.skipped),
            sql_count(counts.failed),
            sql_count(counts.unchanged),
            sql_count(counts.newly_rejected),
            sql_count(counts.newly_rectify),
            sql_count(counts.newly_passing),
            millis(batch.at)
        ])?;
        require(tx, run_id)
    })
}

/// Writes one result unless the run has it; true if written.
fn write_result(
    tx: &Transaction<'_>,
    run: &RecheckRun,
    result: &Prepared<'_>,
    at: SystemTime,
) -> Result<bool> {
    let exists = tx
        .prepare_cached("SELECT 1 FROM recheck_results WHERE run_id = ?1 AND package = ?2")?
        .query_row([run.id.as_str(), result.package], |_| Ok(()))
        .optional()?
        .is_some();
    if exists {
        return Ok(false);
    }
    let (outcome, decision, error) = match &result.outcome {
        RecheckOutcome::Skipped => ("skipped", None, None),
        RecheckOutcome::Evaluated(v) => ("evaluated", Some(Text(v.verdict.decision)), None),
        RecheckOutcome::Failed(e) => ("failed", None, Some(e.as_str())),
    };
    let mut verdict_seq = None;
    let mut body = None;
    if let RecheckOutcome::Evaluated(verdict) = &result.outcome {
        if run.candidate {
            // A shadow run keeps its verdicts beside the results only.
            body = Some((verdict.doc.codec.column(), verdict.doc.body.as_slice()));
        } else {
            let entry = append_verdict(
                tx,
                result.package,
                &VerdictOrigin::Recheck(run.id.clone()),
                verdict,
                at,
            )?;
            let updated = tx
                .prepare_cached(
                    "UPDATE apps SET verdict_seq = ?2, updated_at = ?3 WHERE package = ?1",
                )?
                .execute(params![result.package, entry.seq, millis(at)])?;
            if updated == 0 {
                return Err(StoreError::NotFound(format!("app `{}`", result.package)));
            }
            verdict_seq = Some(entry.seq);
        }
    }
    tx.prepare_cached(
        "INSERT INTO recheck_results (run_id, package, previous, outcome, decision, change,
             verdict_seq, codec, body, error, previous_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        run.id,
        result.package,
        result.previous.map(Text),
        outcome,
        decision,
        result.change.map(Text),
        verdict_seq,
        body.map(|(codec, _)| codec),
        body.map(|(_, bytes)| bytes),
        error,
        result.previous_seq
    ])?;
    Ok(true)
}

fn tally(counts: &mut RecheckCounts, result: &Prepared<'_>) {
    counts.done += 1;
    match result.outcome {
        RecheckOutcome::Skipped => counts.skipped += 1,
        RecheckOutcome::Failed(_) => counts.failed += 1,
        RecheckOutcome::Evaluated(_) => {}
    }
    match result.change {
        Some(Change::Unchanged) => counts.unchanged += 1,
        Some(Change::NewlyRejected) => counts.newly_rejected += 1,
        Some(Change::NewlyRectify) => counts.newly_rectify += 1,
        Some(Change::NewlyPassing) => counts.newly_passing += 1,
        None => {}
    }
}

fn sql_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn results(
    conn: &Connection,
    run_id: &str,
    cursor: Option<&str>,
    limit: usize,
    change: Option<Change>,
) -> Result<Vec<RecheckEntry>> {
    // The verdict is the run's own (candidate) or the history row (active).
    let sql = "SELECT r.package, r.previous, r.outcome, r.decision, r.error, r.verdict_seq,
                   coalesce(r.codec, v.codec), coalesce(r.body, v.body), r.previous_seq
               FROM recheck_results r LEFT JOIN verdict_history v ON v.seq = r.verdict_seq
               WHERE r.run_id = ?1 AND (?2 IS NULL OR r.change = ?2) AND r.package > ?3
               ORDER BY r.package LIMIT ?4";
    all(
        conn.prepare_cached(sql)?,
        params![
            run_id,
            change.map(Text),
            cursor.unwrap_or(""),
            sql_limit(limit)
        ],
        |row| {
            let outcome: String = row.get(2)?;
            let outcome = match outcome.as_str() {
                "skipped" => RecheckOutcome::Skipped,
                "failed" => {
                    RecheckOutcome::Failed(row.get::<_, Option<String>>(4)?.unwrap_or_default())
                }
                "evaluated" => {
                    let decision = row
                        .get::<_, Option<Text<_>>>(3)?
                        .ok_or_else(|| corrupt("an evaluated result without a decision"))?
                        .0;
                    let codec: Option<i64> = row.get(6)?;
                    if codec.is_none() {
                        return Err(corrupt("an evaluated result without a verdict"));
                    }
                    RecheckOutcome::Evaluated(Evaluation {
                        decision,
                        verdict: stored(row, 6, 7)?,
                        verdict_seq: row.get(5)?,
                    })
                }
                other => return Err(corrupt(&format!("unknown outcome `{other}`"))),
            };
            Ok(RecheckEntry {
                package: row.get(0)?,
                previous: row.get::<_, Option<Text<_>>>(1)?.map(|t| t.0),
                previous_seq: row.get(8)?,
                outcome,
            })
        },
    )
}

fn corrupt(reason: &str) -> StoreError {
    StoreError::Corrupt {
        what: "recheck result".into(),
        reason: reason.into(),
    }
}
