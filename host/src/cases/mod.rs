//! The rectification lifecycle: rectify → notified → removed.
//!
//! The regulator's campaign, done by a platform on its own catalogue:
//!
//! - a rectify verdict on a listed app opens a **case** with a deadline in
//!   working days ([`Calendar`]);
//! - a later passing verdict (a resubmission, or a recheck under relaxed
//!   rules) closes it;
//! - a missed deadline moves the app to **notified**, the public notice
//!   list, with a second deadline;
//! - still unresolved after that, or a rectification refused, the app is
//!   **removed** from the shelves;
//! - a reject on a listed app removes it at once.
//!
//! Every transition is a compare-and-set in the store, recorded with its
//! time, reason and verdict, so [`Lifecycle::apply`] and
//! [`Lifecycle::sweep`] are safe to repeat: a resumed recheck or two sweeps
//! racing move a case once. Time comes from a [`Clock`].

mod calendar;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shelfgate_contract::types::Decision;
use shelfgate_store::{
    AppRecord, AppStatus, Case, CaseChange, CaseOp, CaseState, NewCase, Store, StoreError,
};

pub use calendar::Calendar;

use crate::clock::{rfc3339, Clock};

/// A platform's rules for cases.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaseConfig {
    /// Working days to rectify when the verdict names no deadline.
    pub rectify_working_days: u32,
    /// Working days on the public notice list before removal, counted from
    /// the missed rectification deadline.
    pub notice_working_days: u32,
    /// Days that are not working days, `YYYY-MM-DD`.
    pub holidays: Vec<String>,
}

impl Default for CaseConfig {
    fn default() -> Self {
        CaseConfig {
            rectify_working_days: 5,
            notice_working_days: 10,
            holidays: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the holiday calendar: {0}")]
    Calendar(String),
    #[error("case {0} does not exist")]
    NotFound(i64),
    #[error("case {id} is {state}: only a case in rectify or notified can be refused")]
    NotRefusable { id: i64, state: &'static str },
}

/// The verdict an app now stands on.
#[derive(Debug, Clone, Copy)]
pub struct VerdictRef<'a> {
    pub package: &'a str,
    /// The app's shelf state.
    pub status: AppStatus,
    pub decision: Decision,
    /// Its row in the verdict history.
    pub seq: i64,
    /// The verdict's rectify deadline, if it names one.
    pub deadline_working_days: Option<u32>,
}

impl<'a> VerdictRef<'a> {
    /// The latest verdict of a stored app. Its deadline is read only for a
    /// rectify verdict, the one decision that needs it.
    pub fn latest(app: &'a AppRecord) -> Result<VerdictRef<'a>, StoreError> {
        let deadline = if app.verdict.decision == Decision::Rectify {
            app.verdict.verdict.decode()?.deadline_working_days
        } else {
            None
        };
        Ok(VerdictRef {
            package: &app.package,
            status: app.status,
            decision: app.verdict.decision,
            seq: app.verdict.seq,
            deadline_working_days: deadline,
        })
    }
}

/// What a sweep moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Sweep {
    pub notified: u64,
    pub removed: u64,
    pub closed: u64,
}

pub struct Lifecycle {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: CaseConfig,
    calendar: Calendar,
}

/// Cases read per step of a sweep.
const PAGE: usize = 256;

impl Lifecycle {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: CaseConfig,
    ) -> Result<Lifecycle, CaseError> {
        let calendar = Calendar::parse(&config.holidays.join("\n")).map_err(CaseError::Calendar)?;
        Ok(Lifecycle {
            store,
            clock,
            config,
            calendar,
        })
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    fn today(&self) -> NaiveDate {
        chrono::DateTime::<chrono::Utc>::from(self.clock.now()).date_naive()
    }

    /// Applies the verdict an app now stands on to its case: opens one,
    /// removes the app, or closes the case. Returns the case if it moved.
    pub fn apply(&self, v: &VerdictRef<'_>) -> Result<Option<Case>, CaseError> {
        let open = self.store.open_case_for(v.package)?;
        let Some(planned) = self.plan(v, open)? else {
            return Ok(None);
        };
        let now = self.clock.now();
        let outcome = match planned.op(v.package, now) {
            CaseOp::Open(case) => self.store.open_case(&case),
            CaseOp::Transition { id, change } => self.store.transition_case(id, &change),
        };
        settled(outcome)
    }

    /// [`Lifecycle::apply`] for many verdicts, with every move in one
    /// transaction: a recheck's batch pays one fsync, not one per case.
    /// Each move is still a compare-and-set, recorded with its time, reason
    /// and verdict; the result is parallel to `verdicts`. A package given
    /// twice sees its own first move.
    pub fn apply_all(&self, verdicts: &[VerdictRef<'_>]) -> Result<Vec<Option<Case>>, CaseError> {
        let mut moved = Vec::with_capacity(verdicts.len());
        let mut seen = std::collections::HashSet::new();
        let mut start = 0;
        for (i, v) in verdicts.iter().enumerate() {
            if !seen.insert(v.package) {
                // Decide the repeat only after the first move is stored.
                moved.extend(self.apply_run(&verdicts[start..i])?);
                seen.clear();
                seen.insert(v.package);
                start = i;
            }
        }
        moved.extend(self.apply_run(&verdicts[start..])?);
        Ok(moved)
    }

    /// Verdicts of distinct packages, in one transaction.
    fn apply_run(&self, verdicts: &[VerdictRef<'_>]) -> Result<Vec<Option<Case>>, CaseError> {
        let mut planned = Vec::with_capacity(verdicts.len());
        for v in verdicts {
            let open = self.store.open_case_for(v.package)?;
            planned.push(self.plan(v, open)?);
        }
        let now = self.clock.now();
        let ops: Vec<CaseOp<'_>> = planned
            .iter()
            .zip(verdicts)
            .filter_map(|(p, v)| p.as_ref().map(|p| p.op(v.package, now)))
            .collect();
        if ops.is_empty() {
            return Ok(vec![None; verdicts.len()]);
        }
        let mut done = self.store.apply_case_ops(&ops)?.into_iter();
        Ok(planned
            .iter()
            .map(|p| p.as_ref().and_then(|_| done.next().flatten()))
            .collect())
    }

    /// What the verdict does to the app's open case, if anything.
    fn plan(&self, v: &VerdictRef<'_>, open: Option<Case>) -> Result<Option<Planned>, CaseError> {
        let planned = match v.decision {
            Decision::Reject => {
                if v.status != AppStatus::Listed {
                    return Ok(None);
                }
                let reason = "rejected while listed: removed at once".into();
                match open {
                    Some(c) if c.state == CaseState::Removed => return Ok(None),
                    Some(c) => Planned::Transition {
                        id: c.id,
                        from: c.state,
                        to: CaseState::Removed,
                        reason,
                        verdict_seq: v.seq,
                        app_status: Some(AppStatus::Removed),
                    },
                    None => Planned::Open {
                        state: CaseState::Removed,
                        verdict_seq: v.seq,
                        rectify_deadline: None,
                        reason,
                        app_status: Some(AppStatus::Removed),
                    },
                }
            }
            Decision::Rectify => {
                if open.is_some() || v.status != AppStatus::Listed {
                    return Ok(None);
                }
                let days = v
                    .deadline_working_days
                    .unwrap_or(self.config.rectify_working_days);
                Planned::Open {
                    state: CaseState::Rectify,
                    verdict_seq: v.seq,
                    rectify_deadline: Some(self.deadline(self.today(), days)?),
                    reason: format!("rectify verdict: fix within {days} working days").into(),
                    app_status: None,
                }
            }
            Decision::Pass => match open {
                // A removed app stays off the shelves until it is listed again.
                Some(c) if c.state != CaseState::Removed || v.status == AppStatus::Listed => {
                    Planned::Transition {
                        id: c.id,
                        from: c.state,
                        to: CaseState::Closed,
                        reason: "a passing verdict resolved it".into(),
                        verdict_seq: v.seq,
                        app_status: None,
                    }
                }
                _ => return Ok(None),
            },
        };
        Ok(Some(planned))
    }

    /// Moves every case that is due, as of the clock: first each open case
    /// follows its app's latest verdict (a resubmission since it opened),
    /// then missed rectification deadlines put apps on the notice list, and
    /// missed notice deadlines remove them.
    pub fn sweep(&self) -> Result<Sweep, CaseError> {
        let mut sweep = Sweep::default();
        for state in [CaseState::Rectify, CaseState::Notified, CaseState::Removed] {
            self.each_case(state, |case| {
                let Some(app) = self.store.app(&case.package)? else {
                    return Ok(());
                };
                if app.verdict.seq == case.verdict_seq {
                    return Ok(());
                }
                if let Some(moved) = self.apply(&VerdictRef::latest(&app)?)? {
                    match moved.state {
                        CaseState::Closed => sweep.closed += 1,
                        CaseState::Removed => sweep.removed += 1,
                        CaseState::Notified | CaseState::Rectify => {}
                    }
                }
                Ok(())
            })?;
        }
        let today = self.today();
        let now = self.clock.now();
        self.each_case(CaseState::Rectify, |case| {
            let Some(due) = case.rectify_deadline.as_deref().and_then(parse_day) else {
                return Ok(());
            };
            if today <= due {
                return Ok(());
            }
            let removal = self.deadline(due, self.config.notice_working_days)?;
            let reason = format!(
                "missed the rectification deadline {due}: on the public notice list until {removal}"
            );
            let moved = self.store.transition_case(
                case.id,
                &CaseChange {
                    from: CaseState::Rectify,
                    to: CaseState::Notified,
                    at: now,
                    reason: &reason,
                    verdict_seq: self.latest_seq(&case.package)?,
                    removal_deadline: Some(&removal),
                    app_status: None,
                },
            );
            if settled(moved)?.is_some() {
                sweep.notified += 1;
            }
            Ok(())
        })?;
        self.each_case(CaseState::Notified, |case| {
            let Some(due) = case.removal_deadline.as_deref().and_then(parse_day) else {
                return Ok(());
            };
            if today <= due {
                return Ok(());
            }
            let reason = format!("still unresolved after the notice deadline {due}: removed");
            let moved = self.store.transition_case(
                case.id,
                &CaseChange {
                    from: CaseState::Notified,
                    to: CaseState::Removed,
                    at: now,
                    reason: &reason,
                    verdict_seq: self.latest_seq(&case.package)?,
                    removal_deadline: None,
                    app_status: Some(AppStatus::Removed),
                },
            );
            if settled(moved)?.is_some() {
                sweep.removed += 1;
            }
            Ok(())
        })?;
        Ok(sweep)
    }

    /// A rectification refused: the app is removed at once.
    pub fn refuse(&self, case_id: i64, reason: &str) -> Result<Case, CaseError> {
        let case = self
            .store
            .case(case_id)?
            .ok_or(CaseError::NotFound(case_id))?;
        if !matches!(case.state, CaseState::Rectify | CaseState::Notified) {
            return Err(CaseError::NotRefusable {
                id: case_id,
                state: state_name(case.state),
            });
        }
        let reason = format!("rectification refused: {reason}");
        Ok(self.store.transition_case(
            case_id,
            &CaseChange {
                from: case.state,
                to: CaseState::Removed,
                at: self.clock.now(),
                reason: &reason,
                verdict_seq: self.latest_seq(&case.package)?,
                removal_deadline: None,
                app_status: Some(AppStatus::Removed),
            },
        )?)
    }

    fn deadline(&self, from: NaiveDate, days: u32) -> Result<String, CaseError> {
        self.calendar
            .add_working_days(from, days)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .ok_or_else(|| CaseError::Calendar(format!("no date {days} working days after {from}")))
    }

    fn latest_seq(&self, package: &str) -> Result<Option<i64>, CaseError> {
        Ok(self.store.app(package)?.map(|a| a.verdict.seq))
    }

    /// Every case in `state`, page by page; `f` may move the case it gets.
    fn each_case(
        &self,
        state: CaseState,
        mut f: impl FnMut(&Case) -> Result<(), CaseError>,
    ) -> Result<(), CaseError> {
        let mut after = None;
        loop {
            let page = self.store.cases(Some(state), after, PAGE)?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = Some(last.id);
            for case in &page {
                f(case)?;
            }
        }
    }
}

/// A move [`Lifecycle::plan`] decided on, owning its text until it is
/// stored.
enum Planned {
    Open {
        state: CaseState,
        verdict_seq: i64,
        rectify_deadline: Option<String>,
        reason: Cow<'static, str>,
        app_status: Option<AppStatus>,
    },
    Transition {
        id: i64,
        from: CaseState,
        to: CaseState,
        reason: Cow<'static, str>,
        verdict_seq: i64,
        app_status: Option<AppStatus>,
    },
}

impl Planned {
    fn op<'a>(&'a self, package: &'a str, at: SystemTime) -> CaseOp<'a> {
        match self {
            Planned::Open {
                state,
                verdict_seq,
                rectify_deadline,
                reason,
                app_status,
            } => CaseOp::Open(NewCase {
                package,
                state: *state,
                verdict_seq: *verdict_seq,
                rectify_deadline: rectify_deadline.as_deref(),
                removal_deadline: None,
                at,
                reason,
                app_status: *app_status,
            }),
            Planned::Transition {
                id,
                from,
                to,
                reason,
                verdict_seq,
                app_status,
            } => CaseOp::Transition {
                id: *id,
                change: CaseChange {
                    from: *from,
                    to: *to,
                    at,
                    reason,
                    verdict_seq: Some(*verdict_seq),
                    removal_deadline: None,
                    app_status: *app_status,
                },
            },
        }
    }
}

/// A conflict means someone else moved the case first: nothing to do.
fn settled(result: Result<Case, StoreError>) -> Result<Option<Case>, CaseError> {
    match result {
        Ok(case) => Ok(Some(case)),
        Err(StoreError::Conflict(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

pub fn state_name(state: CaseState) -> &'static str {
    match state {
        CaseState::Rectify => "rectify",
        CaseState::Notified => "notified",
        CaseState::Removed => "removed",
        CaseState::Closed => "closed",
    }
}

/// A state from its name.
pub fn parse_state(name: &str) -> Option<CaseState> {
    [
        CaseState::Rectify,
        CaseState::Notified,
        CaseState::Removed,
        CaseState::Closed,
    ]
    .into_iter()
    .find(|s| state_name(*s) == name)
}

/// A case as the CLI and the API show it, with its transitions if asked.
pub fn case_json(
    store: &dyn Store,
    case: &Case,
    history: bool,
) -> Result<serde_json::Value, StoreError> {
    let mut v = serde_json::json!({
        "id": case.id,
        "package": case.package,
        "state": state_name(case.state),
        "verdict_seq": case.verdict_seq,
        "rectify_deadline": case.rectify_deadline,
        "removal_deadline": case.removal_deadline,
        "opened_at": rfc3339(case.opened_at),
        "updated_at": rfc3339(case.updated_at),
    });
    if history {
        let transitions: Vec<serde_json::Value> = store
            .case_transitions(case.id)?
            .iter()
            .map(|t| {
                serde_json::json!({
                    "from": t.from.map(state_name),
                    "to": state_name(t.to),
                    "at": rfc3339(t.at),
                    "reason": t.reason,
                    "verdict_seq": t.verdict_seq,
                })
            })
            .collect();
        v["transitions"] = serde_json::Value::Array(transitions);
    }
    Ok(v)
}
