//! Where a recheck pushes what it did, app by app (ripgrep's `Sink`).
//!
//! The CLI's progress bar, the API's run record and the tests all consume
//! the same stream. Outcomes are pushed after their batch is committed, so
//! a sink never reports work a crash could lose; a sink that returns
//! `Ok(false)` stops the run at that point, which stays resumable from its
//! checkpoint.

use serde::Serialize;
use shelfgate_contract::types::{Decision, Verdict};
use shelfgate_store::{AppStatus, Change, RecheckOutcome, RecheckRun};

use super::diff::DiffLine;

/// What the run did with one app.
#[derive(Debug)]
pub struct AppOutcome<'a> {
    pub package: &'a str,
    /// The app's shelf state when the run reached it.
    pub status: AppStatus,
    pub previous: Option<Decision>,
    pub outcome: &'a RecheckOutcome<Verdict>,
    pub change: Option<Change>,
    /// How the verdict moved, with reasons; `None` for a skipped app, whose
    /// verdict was not read.
    pub diff: Option<&'a DiffLine>,
}

pub trait RecheckSink {
    type Error: std::fmt::Display;

    /// One app's outcome; `Ok(false)` stops the run.
    fn outcome(&mut self, outcome: &AppOutcome<'_>) -> Result<bool, Self::Error>;

    /// After each committed batch; `Ok(false)` stops the run.
    fn progress(&mut self, _progress: &Progress) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

impl<S: RecheckSink + ?Sized> RecheckSink for &mut S {
    type Error = S::Error;

    fn outcome(&mut self, outcome: &AppOutcome<'_>) -> Result<bool, Self::Error> {
        (**self).outcome(outcome)
    }

    fn progress(&mut self, progress: &Progress) -> Result<bool, Self::Error> {
        (**self).progress(progress)
    }
}

/// A sink that wants nothing but the final counts.
#[derive(Debug, Default, Clone, Copy)]
pub struct Discard;

impl RecheckSink for Discard {
    type Error = std::convert::Infallible;

    fn outcome(&mut self, _: &AppOutcome<'_>) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// How far a run is: the figures the progress bar and the API both show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    pub skipped: u64,
    pub failed: u64,
    /// Apps per second.
    pub rate: f64,
    /// Seconds left at that rate; none before the rate is known.
    pub eta_seconds: Option<f64>,
}

impl Progress {
    /// From a run record, at the rate given (apps per second).
    pub fn new(run: &RecheckRun, rate: f64) -> Progress {
        let left = run.total.saturating_sub(run.counts.done);
        Progress {
            done: run.counts.done,
            total: run.total,
            skipped: run.counts.skipped,
            failed: run.counts.failed,
            rate,
            eta_seconds: (rate > 0.0).then(|| left as f64 / rate),
        }
    }

    /// From a stored run alone, at its average rate since it started (a
    /// resumed run's pause counts against it).
    pub fn of(run: &RecheckRun) -> Progress {
        let seconds = run
            .updated_at
            .duration_since(run.started_at)
            .unwrap_or_default()
            .as_secs_f64();
        let rate = if seconds > 0.0 {
            run.counts.done as f64 / seconds
        } else {
            0.0
        };
        Progress::new(run, rate)
    }
}
