//! Reading rows into records, shared by the queries of every table.

use rusqlite::{CachedStatement, Params, Row};

use super::columns::{time, Text};
use crate::codec::{Codec, Document};
use crate::{AppRecord, Result, StoreError, Stored, VerdictEntry, VerdictOrigin};

/// Every row of a query, converted.
pub(crate) fn all<T>(
    mut stmt: CachedStatement<'_>,
    params: impl Params,
    mut convert: impl FnMut(&Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(convert(row)?);
    }
    Ok(out)
}

/// The first row of a query, converted.
pub(crate) fn first<T>(
    mut stmt: CachedStatement<'_>,
    params: impl Params,
    convert: impl FnOnce(&Row<'_>) -> Result<T>,
) -> Result<Option<T>> {
    let mut rows = stmt.query(params)?;
    match rows.next()? {
        Some(row) => Ok(Some(convert(row)?)),
        None => Ok(None),
    }
}

/// A document from its `codec` and `body` columns.
pub(crate) fn stored<T: Document>(row: &Row<'_>, codec: usize, body: usize) -> Result<Stored<T>> {
    Ok(Stored::new(
        Codec::from_column(row.get(codec)?)?,
        row.get(body)?,
    ))
}

/// The columns [`verdict_entry`] reads, for a `verdict_history` aliased `v`.
pub(crate) const VERDICT_COLUMNS: &str = "v.seq, v.package, v.submission_id, v.recheck_run_id, \
     v.apk_sha256, v.listing_sha256, v.policy_set_id, v.policy_set_digest, v.decision, \
     v.codec, v.body, v.recorded_at";

/// A history row from [`VERDICT_COLUMNS`] starting at column `at`.
pub(crate) fn verdict_entry(row: &Row<'_>, at: usize) -> Result<VerdictEntry> {
    let submission: Option<String> = row.get(at + 2)?;
    let run: Option<String> = row.get(at + 3)?;
    let origin = match (submission, run) {
        (Some(id), None) => VerdictOrigin::Submission(id),
        (None, Some(id)) => VerdictOrigin::Recheck(id),
        _ => {
            return Err(StoreError::Corrupt {
                what: "verdict history".into(),
                reason: "a row must come from one submission or one recheck".into(),
            })
        }
    };
    Ok(VerdictEntry {
        seq: row.get(at)?,
        package: row.get(at + 1)?,
        origin,
        apk_sha256: row.get(at + 4)?,
        listing_sha256: row.get(at + 5)?,
        policy_set_id: row.get(at + 6)?,
        policy_set_digest: row.get(at + 7)?,
        decision: row.get::<_, Text<_>>(at + 8)?.0,
        verdict: stored(row, at + 9, at + 10)?,
        recorded_at: time(row.get(at + 11)?),
    })
}

/// The columns [`app_record`] reads: an `apps` row aliased `a`, then its
/// verdict as [`VERDICT_COLUMNS`].
pub(crate) fn app_columns() -> String {
    format!(
        "a.package, a.status, a.submission_id, a.category, a.sdk_ids, a.updated_at, {VERDICT_COLUMNS}"
    )
}

pub(crate) fn app_record(row: &Row<'_>) -> Result<AppRecord> {
    let sdk_ids: String = row.get(4)?;
    let sdk_ids = serde_json::from_str(&sdk_ids).map_err(|e| StoreError::Corrupt {
        what: "app sdk ids".into(),
        reason: e.to_string(),
    })?;
    Ok(AppRecord {
        package: row.get(0)?,
        status: row.get::<_, Text<_>>(1)?.0,
        submission_id: row.get(2)?,
        category: row.get(3)?,
        sdk_ids,
        updated_at: time(row.get(5)?),
        verdict: verdict_entry(row, 6)?,
    })
}

/// A constraint violation as the caller's error: a duplicate is a conflict,
/// a dangling reference an invalid request.
pub(crate) fn constraint(error: rusqlite::Error, what: impl FnOnce() -> String) -> StoreError {
    use rusqlite::ffi;
    match error.sqlite_error().map(|e| e.extended_code) {
        Some(ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_UNIQUE) => {
            StoreError::Conflict(what())
        }
        Some(ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => {
            StoreError::Invalid(format!("{}: refers to a record that is not stored", what()))
        }
        _ => StoreError::Sqlite(error),
    }
}
