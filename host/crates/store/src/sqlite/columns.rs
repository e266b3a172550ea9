//! How the store's values map to SQLite columns.
//!
//! Enums are stored as lowercase text that a person reading the database
//! recognises (`listed`, `newly_rejected`), times as unix milliseconds.
//! Each enum lists its cases once; text that matches none is reported as a
//! conversion error rather than guessed at.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::ToSql;
use shelfgate_contract::types::Decision;

use crate::{AppFilter, AppStatus, CaseState, Change, RecheckStatus, Result, StoreError};

pub(crate) fn millis(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_millis()).map_or(i64::MIN, |m| -m),
    }
}

pub(crate) fn time(ms: i64) -> SystemTime {
    let offset = Duration::from_millis(ms.unsigned_abs());
    let t = if ms >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    };
    t.unwrap_or(UNIX_EPOCH)
}

/// An enum stored as one of a fixed set of names.
pub(crate) trait Named: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn name(self) -> &'static str;

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.name() == name)
    }
}

/// A [`Named`] value as a column.
pub(crate) struct Text<T>(pub T);

impl<T: Named> ToSql for Text<T> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(
            self.0.name().as_bytes(),
        )))
    }
}

impl<T: Named> FromSql for Text<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let name = value.as_str()?;
        T::from_name(name)
            .map(Text)
            .ok_or_else(|| FromSqlError::Other(format!("unknown value `{name}`").into()))
    }
}

impl Named for Decision {
    const ALL: &'static [Self] = &[Decision::Pass, Decision::Rectify, Decision::Reject];
    fn name(self) -> &'static str {
        match self {
            Decision::Pass => "pass",
            Decision::Rectify => "rectify",
            Decision::Reject => "reject",
        }
    }
}

impl Named for AppStatus {
    const ALL: &'static [Self] = &[AppStatus::Listed, AppStatus::Shelved, AppStatus::Removed];
    fn name(self) -> &'static str {
        match self {
            AppStatus::Listed => "listed",
            AppStatus::Shelved => "shelved",
            AppStatus::Removed => "removed",
        }
    }
}

impl Named for CaseState {
    const ALL: &'static [Self] = &[
        CaseState::Rectify,
        CaseState::Notified,
        CaseState::Removed,
        CaseState::Closed,
    ];
    fn name(self) -> &'static str {
        match self {
            CaseState::Rectify => "rectify",
            CaseState::Notified => "notified",
            CaseState::Removed => "removed",
            CaseState::Closed => "closed",
        }
    }
}

impl Named for RecheckStatus {
    const ALL: &'static [Self] = &[
        RecheckStatus::Running,
        RecheckStatus::Done,
        RecheckStatus::Failed,
        RecheckStatus::Cancelled,
    ];
    fn name(self) -> &'static str {
        match self {
            RecheckStatus::Running => "running",
            RecheckStatus::Done => "done",
            RecheckStatus::Failed => "failed",
            RecheckStatus::Cancelled => "cancelled",
        }
    }
}

impl Named for Change {
    const ALL: &'static [Self] = &[
        Change::Unchanged,
        Change::NewlyRejected,
        Change::NewlyRectify,
        Change::NewlyPassing,
    ];
    fn name(self) -> &'static str {
        match self {
            Change::Unchanged => "unchanged",
            Change::NewlyRejected => "newly_rejected",
            Change::NewlyRectify => "newly_rectify",
            Change::NewlyPassing => "newly_passing",
        }
    }
}

/// A recheck scope as text: `all`, `status:listed`, `package:NAME`,
/// `sdk:ID`, `category:ID`.
pub(crate) fn scope_text(filter: &AppFilter) -> String {
    match filter {
        AppFilter::All => "all".into(),
        AppFilter::Status(status) => format!("status:{}", status.name()),
        AppFilter::Package(p) => format!("package:{p}"),
        AppFilter::Sdk(s) => format!("sdk:{s}"),
        AppFilter::Category(c) => format!("category:{c}"),
    }
}

pub(crate) fn scope_from_text(text: &str) -> Result<AppFilter> {
    let filter = match text.split_once(':') {
        None if text == "all" => Some(AppFilter::All),
        Some(("status", s)) => AppStatus::from_name(s).map(AppFilter::Status),
        Some(("package", p)) => Some(AppFilter::Package(p.into())),
        Some(("sdk", s)) => Some(AppFilter::Sdk(s.into())),
        Some(("category", c)) => Some(AppFilter::Category(c.into())),
        _ => None,
    };
    filter.ok_or_else(|| StoreError::Corrupt {
        what: "recheck scope".into(),
        reason: format!("`{text}`"),
    })
}

/// Checks a `YYYY-MM-DD` date.
pub(crate) fn check_day(day: &str) -> Result<()> {
    let b = day.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let number = |r: std::ops::Range<usize>| day.get(r).and_then(|s| s.parse::<u32>().ok());
    let ok = b.len() == 10
        && digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && number(5..7).is_some_and(|m| (1..=12).contains(&m))
        && number(8..10).is_some_and(|d| (1..=31).contains(&d));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "`{day}` is not a YYYY-MM-DD date"
        )))
    }
}

/// Checks a lowercase hex sha256.
pub(crate) fn check_sha256(what: &str, digest: &str) -> Result<()> {
    if digest.len() == 64
        && digest
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{what} `{digest}` is not a lowercase hex sha256"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_to_the_millisecond() {
        let t = UNIX_EPOCH + Duration::from_millis(1_750_000_000_123);
        assert_eq!(time(millis(t)), t);
        let before = UNIX_EPOCH - Duration::from_millis(5);
        assert_eq!(millis(before), -5);
        assert_eq!(time(-5), before);
    }

    #[test]
    fn scopes_round_trip() {
        for f in [
            AppFilter::All,
            AppFilter::Status(AppStatus::Shelved),
            AppFilter::Package("com.a:b".into()),
            AppFilter::Sdk("umeng".into()),
            AppFilter::Category("7".into()),
        ] {
            assert_eq!(scope_from_text(&scope_text(&f)).unwrap(), f);
        }
    }

    #[test]
    fn days_are_checked() {
        check_day("2025-06-30").unwrap();
        for bad in [
            "2025-6-30",
            "2025-13-01",
            "2025-06-00",
            "20250630xx",
            "２０25-06-30",
        ] {
            assert!(check_day(bad).is_err(), "{bad}");
        }
    }
}
