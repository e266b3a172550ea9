//! Rectification cases and their transitions.
//!
//! A transition is a compare-and-set on the case's state, recorded in the
//! append-only `case_transitions` with its time, reason and verdict, in the
//! same transaction as the app's new shelf state. So two sweeps racing on a
//! deadline move a case once, and a resumed recheck that replays a
//! transition gets a conflict instead of a second record. States only move
//! forward ([`CaseState::can_become`]).

use rusqlite::{params, Connection, Row, Transaction};

use super::columns::{check_day, millis, time, Text};
use super::rows::{all, constraint, first};
use super::verdicts::{set_app_status, sql_limit};
use crate::{Case, CaseChange, CaseOp, CaseState, CaseTransition, NewCase, Result, StoreError};

const CASE_COLUMNS: &str = "id, package, state, verdict_seq, rectify_deadline, removal_deadline, \
     opened_at, updated_at";

fn case_record(row: &Row<'_>) -> Result<Case> {
    Ok(Case {
        id: row.get(0)?,
        package: row.get(1)?,
        state: row.get::<_, Text<_>>(2)?.0,
        verdict_seq: row.get(3)?,
        rectify_deadline: row.get(4)?,
        removal_deadline: row.get(5)?,
        opened_at: time(row.get(6)?),
        updated_at: time(row.get(7)?),
    })
}

pub(super) fn open(tx: &Transaction<'_>, case: &NewCase<'_>) -> Result<Case> {
    if case.state == CaseState::Closed {
        return Err(StoreError::Invalid("a case cannot open closed".into()));
    }
    for day in [case.rectify_deadline, case.removal_deadline]
        .into_iter()
        .flatten()
    {
        check_day(day)?;
    }
    let at = millis(case.at);
    tx.prepare_cached(
        "INSERT INTO cases (package, state, verdict_seq, rectify_deadline, removal_deadline,
             opened_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        case.package,
        Text(case.state),
        case.verdict_seq,
        case.rectify_deadline,
        case.removal_deadline,
        at
    ])
    .map_err(|e| constraint(e, || format!("`{}` already has an open case", case.package)))?;
    let id = tx.last_insert_rowid();
    record_transition(
        tx,
        id,
        None,
        case.state,
        at,
        case.reason,
        Some(case.verdict_seq),
    )?;
    if let Some(status) = case.app_status {
        set_app_status(tx, case.package, status, case.at)?;
    }
    require(tx, id)
}

pub(super) fn transition(tx: &Transaction<'_>, id: i64, change: &CaseChange<'_>) -> Result<Case> {
    if !change.from.can_become(change.to) {
        return Err(StoreError::Invalid(format!(
            "a case cannot go from {} to {}",
            name(change.from),
            name(change.to)
        )));
    }
    if let Some(day) = change.removal_deadline {
        check_day(day)?;
    }
    let current = require(tx, id)?;
    if current.state != change.from {
        return Err(StoreError::Conflict(format!(
            "case {id} is {}, not {}",
            name(current.state),
            name(change.from)
        )));
    }
    let at = millis(change.at);
    tx.prepare_cached(
        "UPDATE cases SET state = ?2, updated_at = ?3,
             removal_deadline = coalesce(?4, removal_deadline)
         WHERE id = ?1",
    )?
    .execute(params![id, Text(change.to), at, change.removal_deadline])?;
    record_transition(
        tx,
        id,
        Some(change.from),
        change.to,
        at,
        change.reason,
        change.verdict_seq,
    )?;
    if let Some(status) = change.app_status {
        set_app_status(tx, &current.package, status, change.at)?;
    }
    require(tx, id)
}

/// Several opens and transitions in one transaction, each in its own
/// savepoint so that a conflict undoes only its own partial writes.
pub(super) fn apply_ops(tx: &Transaction<'_>, ops: &[CaseOp<'_>]) -> Result<Vec<Option<Case>>> {
    let mut moved = Vec::with_capacity(ops.len());
    for op in ops {
        tx.execute_batch("SAVEPOINT case_op")?;
        let result = match op {
            CaseOp::Open(case) => open(tx, case),
            CaseOp::Transition { id, change } => transition(tx, *id, change),
        };
        match result {
            Ok(case) => {
                tx.execute_batch("RELEASE case_op")?;
                moved.push(Some(case));
            }
            Err(StoreError::Conflict(_)) => {
                tx.execute_batch("ROLLBACK TO case_op; RELEASE case_op")?;
                moved.push(None);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(moved)
}

fn record_transition(
    tx: &Transaction<'_>,
    case_id: i64,
    from: Option<CaseState>,
    to: CaseState,
    at: i64,
    reason: &str,
    verdict_seq: Option<i64>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO case_transitions (case_id, from_state, to_state, at, reason, verdict_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        case_id,
        from.map(Text),
        Text(to),
        at,
        reason,
        verdict_seq
    ])
    .map_err(|e| constraint(e, || format!("transition of case {case_id}")))?;
    Ok(())
}

fn name(state: CaseState) -> &'static str {
    super::columns::Named::name(state)
}

pub(super) fn case(conn: &Connection, id: i64) -> Result<Option<Case>> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = ?1");
    first(conn.prepare_cached(&sql)?, [id], case_record)
}

fn require(conn: &Connection, id: i64) -> Result<Case> {
    case(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("case {id}")))
}

pub(super) fn open_case_for(conn: &Connection, package: &str) -> Result<Option<Case>> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE package = ?1 AND state <> 'closed'");
    first(conn.prepare_cached(&sql)?, [package], case_record)
}

pub(super) fn cases(
    conn: &Connection,
    state: Option<CaseState>,
    after_id: Option<i64>,
    limit: usize,
) -> Result<Vec<Case>> {
    let sql = format!(
        "SELECT {CASE_COLUMNS} FROM cases WHERE (?1 IS NULL OR state = ?1) AND id > ?2
         ORDER BY id LIMIT ?3"
    );
    all(
        conn.prepare_cached(&sql)?,
        params![state.map(Text), after_id.unwrap_or(0), sql_limit(limit)],
        case_record,
    )
}

pub(super) fn transitions(conn: &Connection, id: i64) -> Result<Vec<CaseTransition>> {
    all(
        conn.prepare_cached(
            "SELECT seq, case_id, from_state, to_state, at, reason, verdict_seq
             FROM case_transitions WHERE case_id = ?1 ORDER BY seq",
        )?,
        [id],
        |row| {
            Ok(CaseTransition {
                seq: row.get(0)?,
                case_id: row.get(1)?,
                from: row.get::<_, Option<Text<_>>>(2)?.map(|t| t.0),
                to: row.get::<_, Text<_>>(3)?.0,
                at: time(row.get(4)?),
                reason: row.get(5)?,
                verdict_seq: row.get(6)?,
            })
        },
    )
}
