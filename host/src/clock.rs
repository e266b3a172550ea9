//! Time, injected.
//!
//! Deadlines, recheck checkpoints and case transitions all ask a [`Clock`]
//! rather than the system, so tests drive a rectification lifecycle across
//! weeks in microseconds with a [`FakeClock`].

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
}

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct FakeClock {
    now: Mutex<SystemTime>,
}

impl FakeClock {
    pub fn new(now: SystemTime) -> FakeClock {
        FakeClock {
            now: Mutex::new(now),
        }
    }

    /// A clock at midday UTC of `date` (`YYYY-MM-DD`), if it is a date.
    pub fn at_date(date: &str) -> Option<FakeClock> {
        let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        let noon = day.and_hms_opt(12, 0, 0)?.and_utc();
        Some(FakeClock::new(noon.into()))
    }

    pub fn set(&self, now: SystemTime) {
        *self.lock() = now;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.lock();
        *now = now.checked_add(by).unwrap_or(*now);
    }

    /// Moves on by whole days.
    pub fn advance_days(&self, days: u64) {
        self.advance(Duration::from_secs(days.saturating_mul(86_400)));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SystemTime> {
        // The guarded value is a plain copy type: a poisoned lock still
        // holds a valid time.
        self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for FakeClock {
    fn now(&self) -> SystemTime {
        *self.lock()
    }
}

/// The UTC date of `t`, `YYYY-MM-DD`.
pub fn utc_date(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%d")
        .to_string()
}

/// RFC 3339 in UTC with milliseconds, as the API and the CLI show times.
pub fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
