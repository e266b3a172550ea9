//! Working days: Monday to Friday, less a platform's holiday calendar.
//!
//! Deadlines are dates: an app given N working days from day D must be
//! fixed by the end of the N-th working day after D, and has missed it once
//! that date is past.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
}

/// Days searched past the arithmetic bound before giving up: more holidays
/// in a row than any calendar has.
const SLACK_DAYS: u64 = 400;

impl Calendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Calendar {
        Calendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    /// A calendar from `YYYY-MM-DD` lines; `#` starts a comment.
    pub fn parse(text: &str) -> Result<Calendar, String> {
        let mut holidays = BTreeSet::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let day = NaiveDate::parse_from_str(line, "%Y-%m-%d")
                .map_err(|e| format!("line {}: `{line}` is not YYYY-MM-DD: {e}", n + 1))?;
            holidays.insert(day);
        }
        Ok(Calendar { holidays })
    }

    pub fn holidays(&self) -> impl Iterator<Item = &NaiveDate> {
        self.holidays.iter()
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The `n`-th working day after `from` (`from` itself when `n` is 0);
    /// `None` past the end of the calendar's range.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = from;
        let mut left = n;
        // Five working days in seven, plus every holiday, bound the walk.
        let bound = u64::from(n) * 7 / 5 + 7 + self.holidays.len() as u64 + SLACK_DAYS;
        let mut steps = 0u64;
        while left > 0 {
            if steps >= bound {
                return None;
            }
            day = day.succ_opt()?;
            steps += 1;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Some(day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekends_and_holidays_do_not_count() {
        let plain = Calendar::default();
        // Friday + 1 working day is Monday.
        assert_eq!(
            plain.add_working_days(d("2026-11-27"), 1),
            Some(d("2026-11-30"))
        );
        assert_eq!(
            plain.add_working_days(d("2026-11-27"), 5),
            Some(d("2026-12-04"))
        );
        assert_eq!(
            plain.add_working_days(d("2026-11-27"), 0),
            Some(d("2026-11-27"))
        );
        let with = Calendar::parse("# national day\n2026-11-30\n2026-12-01 # bridge\n").unwrap();
        assert_eq!(
            with.add_working_days(d("2026-11-27"), 1),
            Some(d("2026-12-02"))
        );
        assert!(!with.is_working_day(d("2026-12-01")));
        assert!(Calendar::parse("2026-13-01").is_err());
    }
}
