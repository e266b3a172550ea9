//! From per-policy outcomes to one verdict.
//!
//! The decision is the worst counted finding (reject > rectify > pass); a
//! rectify verdict carries the earliest deadline. Enforcement modes and
//! failure modes are applied here, not in policies, because they are the
//! platform's choice. Same inputs give the same verdict, timings aside.

use shelfgate_contract::types::{
    Decision, EnforcementMode, FailureMode, Finding, PolicyError, PolicyErrorKind, PolicyTiming,
    ReportedFinding, Verdict,
};

use crate::engine::EvalError;
use crate::policy_set::{Policy, PolicySet};

/// What one policy produced for one upload.
pub struct Outcome<'a> {
    pub policy: &'a Policy,
    pub result: Result<Vec<Finding>, EvalError>,
    pub micros: u64,
}

/// Identifies what was evaluated.
pub struct Subject<'a> {
    pub apk_sha256: &'a str,
    pub listing_sha256: &'a str,
    pub date: &'a str,
    /// Deadline given to findings that need one and carry none.
    pub default_deadline: u32,
}

pub fn rank(d: Decision) -> u8 {
    match d {
        Decision::Pass => 0,
        Decision::Rectify => 1,
        Decision::Reject => 2,
    }
}

/// Assemble the verdict; `outcomes` must be in the set's policy order.
pub fn assemble(set: &PolicySet, outcomes: Vec<Outcome<'_>>, subject: &Subject<'_>) -> Verdict {
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    let mut timings = Vec::new();
    for outcome in outcomes {
        let policy = outcome.policy;
        timings.push(PolicyTiming {
            policy_id: policy.id().to_string(),
            micros: outcome.micros,
        });
        let counted = policy.mode != EnforcementMode::Shadow;
        match outcome.result {
            Ok(list) => {
                for mut finding in list {
                    let original = finding.decision;
                    if policy.mode == EnforcementMode::Warn && finding.decision == Decision::Reject
                    {
                        finding.decision = Decision::Rectify;
                    }
                    if finding.decision == Decision::Rectify
                        && finding.deadline_working_days.is_none()
                    {
                        finding.deadline_working_days = Some(subject.default_deadline);
                    }
                    findings.push(ReportedFinding {
                        policy_id: policy.id().to_string(),
                        mode: policy.mode,
                        counted,
                        original_decision: original,
                        finding,
                    });
                }
            }
            Err(err) => {
                let decision = match policy.failure {
                    FailureMode::FailClosed => Decision::Rectify,
                    FailureMode::FailReject => Decision::Reject,
                    FailureMode::FailOpen => Decision::Pass,
                };
                let decision =
                    if policy.mode == EnforcementMode::Warn && decision == Decision::Reject {
                        Decision::Rectify
                    } else {
                        decision
                    };
                errors.push(PolicyError {
                    policy_id: policy.id().to_string(),
                    kind: error_kind(&err),
                    message: format!("policy `{}` {err}; manual review required", policy.id()),
                    decision,
                    counted,
                });
            }
        }
    }

    let counted_decisions = findings
        .iter()
        .filter(|f| f.counted)
        .map(|f| (f.finding.decision, f.finding.deadline_working_days))
        .chain(
            errors
                .iter()
                .filter(|e| e.counted)
                .map(|e| (e.decision, Some(subject.default_deadline))),
        );
    let mut decision = Decision::Pass;
    let mut deadline: Option<u32> = None;
    for (d, days) in counted_decisions {
        if rank(d) > rank(decision) {
            decision = d;
        }
        if d == Decision::Rectify {
            if let Some(days) = days {
                deadline = Some(deadline.map_or(days, |cur| cur.min(days)));
            }
        }
    }
    if decision != Decision::Rectify {
        deadline = None;
    }

    Verdict {
        decision,
        deadline_working_days: deadline,
        findings,
        errors,
        policy_set_id: set.id.clone(),
        policy_set_digest: set.digest.clone(),
        policies: set.refs(),
        apk_sha256: subject.apk_sha256.to_string(),
        listing_sha256: subject.listing_sha256.to_string(),
        evaluated_on: subject.date.to_string(),
        timings,
    }
}

fn error_kind(err: &EvalError) -> PolicyErrorKind {
    match err {
        EvalError::Trap(_) => PolicyErrorKind::Trap,
        EvalError::Timeout(_) => PolicyErrorKind::Timeout,
        EvalError::MemoryLimit(_) => PolicyErrorKind::MemoryLimit,
        EvalError::OutputLimit(_) => PolicyErrorKind::OutputLimit,
        EvalError::InvalidOutput(_) => PolicyErrorKind::InvalidOutput,
        EvalError::Instantiate(_) => PolicyErrorKind::Instantiate,
    }
}

/// What one policy returned in `previous`, as it returned it, so a recheck
/// can carry an unchanged policy's findings into a new [`assemble`] without
/// running it again. Assembling is idempotent on these: warn mode lowers the
/// restored decision again, and deadlines already filled stay.
pub fn findings_of(previous: &Verdict, policy_id: &str) -> Vec<Finding> {
    previous
        .findings
        .iter()
        .filter(|f| f.policy_id == policy_id)
        .map(|f| Finding {
            decision: f.original_decision,
            ..f.finding.clone()
        })
        .collect()
}

/// The verdict without its timings: what must be byte-identical for the
/// same inputs.
pub fn without_timings(v: &Verdict) -> Verdict {
    Verdict {
        timings: Vec::new(),
        ..v.clone()
    }
}
