//! The diff report: how each app's verdict moved in a run, and why.
//!
//! Reasons are the counted rectify and reject findings of the verdict the
//! app has after the run; `raised` and `resolved` compare its counted rule
//! ids with the verdict it was measured against. The report is rebuilt from
//! the store (the run's results and the history rows they name), never from
//! what a process happened to print, so an interrupted and resumed run
//! exports the same report as one that never stopped.

use std::collections::BTreeSet;
use std::io::Write;

use rayon::prelude::*;
use serde::Serialize;
use shelfgate_contract::types::{Decision, Verdict};
use shelfgate_store::{Change, RecheckEntry, RecheckOutcome, Store};

use super::RecheckError;

/// One finding behind a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub rule_id: String,
    pub decision: &'static str,
    pub policy_id: String,
    pub sdk: Option<String>,
    pub message: String,
}

/// One app's line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub package: String,
    /// `newly_rejected`, `newly_rectify`, `newly_passing`, `unchanged`;
    /// none when the app could not be evaluated.
    pub change: Option<&'static str>,
    /// `evaluated`, `skipped` (nothing changed since its verdict), `failed`.
    pub outcome: &'static str,
    pub previous: Option<&'static str>,
    pub decision: Option<&'static str>,
    pub reasons: Vec<Reason>,
    /// Rules counted now and not before.
    pub raised: Vec<String>,
    /// Rules counted before and not now.
    pub resolved: Vec<String>,
    pub error: Option<String>,
}

impl DiffLine {
    /// The line for an app whose verdict went from `before` to `after`.
    pub fn new(
        package: &str,
        previous: Option<Decision>,
        before: Option<&Verdict>,
        outcome: &RecheckOutcome<&Verdict>,
    ) -> DiffLine {
        let (after, outcome_name, error) = match outcome {
            RecheckOutcome::Evaluated(v) => (Some(*v), "evaluated", None),
            RecheckOutcome::Skipped => (before, "skipped", None),
            RecheckOutcome::Failed(e) => (None, "failed", Some(e.clone())),
        };
        let change = match outcome {
            RecheckOutcome::Evaluated(v) => Some(Change::between(previous, v.decision)),
            RecheckOutcome::Skipped => Some(Change::Unchanged),
            RecheckOutcome::Failed(_) => None,
        };
        let now = after.map(counted_rules).unwrap_or_default();
        let then = before.map(counted_rules).unwrap_or_default();
        DiffLine {
            package: package.to_owned(),
            change: change.map(change_name),
            outcome: outcome_name,
            previous: previous.map(decision_name),
            decision: after.map(|v| decision_name(v.decision)),
            reasons: after.map(reasons).unwrap_or_default(),
            raised: now.difference(&then).cloned().collect(),
            resolved: if after.is_some() {
                then.difference(&now).cloned().collect()
            } else {
                Vec::new()
            },
            error,
        }
    }

    /// The CSV row, in [`CSV_HEADER`] order.
    pub fn csv_row(&self) -> String {
        // One entry per rule, decision and SDK: the JSON form keeps every
        // finding with its message.
        let mut reasons: Vec<String> = Vec::new();
        for r in &self.reasons {
            let text = match &r.sdk {
                Some(sdk) => format!("{}:{}@{sdk}", r.rule_id, r.decision),
                None => format!("{}:{}", r.rule_id, r.decision),
            };
            if !reasons.contains(&text) {
                reasons.push(text);
            }
        }
        [
            self.package.as_str(),
            self.change.unwrap_or(""),
            self.outcome,
            self.previous.unwrap_or(""),
            self.decision.unwrap_or(""),
            &reasons.join(";"),
            &self.raised.join(";"),
            &self.resolved.join(";"),
            self.error.as_deref().unwrap_or(""),
        ]
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",")
    }
}

pub const CSV_HEADER: &str =
    "package,change,outcome,previous,decision,reasons,raised,resolved,error";

/// Counted rectify and reject findings, in the verdict's order.
pub fn reasons(v: &Verdict) -> Vec<Reason> {
    v.findings
        .iter()
        .filter(|f| f.counted && f.finding.decision != Decision::Pass)
        .map(|f| Reason {
            rule_id: f.finding.rule_id.clone(),
            decision: decision_name(f.finding.decision),
            policy_id: f.policy_id.clone(),
            sdk: f.finding.sdk_attribution.clone(),
            message: f.finding.message_en.clone(),
        })
        .chain(v.errors.iter().filter(|e| e.counted).map(|e| Reason {
            rule_id: format!("policy-error:{}", e.policy_id),
            decision: decision_name(e.decision),
            policy_id: e.policy_id.clone(),
            sdk: None,
            message: e.message.clone(),
        }))
        .collect()
}

fn counted_rules(v: &Verdict) -> BTreeSet<String> {
    reasons(v).into_iter().map(|r| r.rule_id).collect()
}

pub fn decision_name(d: Decision) -> &'static str {
    match d {
        Decision::Pass => "pass",
        Decision::Rectify => "rectify",
        Decision::Reject => "reject",
    }
}

pub fn change_name(c: Change) -> &'static str {
    match c {
        Change::Unchanged => "unchanged",
        Change::NewlyRejected => "newly_rejected",
        Change::NewlyRectify => "newly_rectify",
        Change::NewlyPassing => "newly_passing",
    }
}

/// A change from its report name.
pub fn parse_change(name: &str) -> Option<Change> {
    [
        Change::Unchanged,
        Change::NewlyRejected,
        Change::NewlyRectify,
        Change::NewlyPassing,
    ]
    .into_iter()
    .find(|c| change_name(*c) == name)
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The report's line for one stored result.
pub fn line(store: &dyn Store, entry: &RecheckEntry) -> Result<DiffLine, RecheckError> {
    let before = match entry.previous_seq {
        Some(seq) => match store.verdict(seq)? {
            Some(v) => Some(v.verdict.decode()?),
            None => None,
        },
        None => None,
    };
    let after = match &entry.outcome {
        RecheckOutcome::Evaluated(e) => RecheckOutcome::Evaluated(e.verdict.decode()?),
        RecheckOutcome::Skipped => RecheckOutcome::Skipped,
        RecheckOutcome::Failed(e) => RecheckOutcome::Failed(e.clone()),
    };
    let outcome = match &after {
        RecheckOutcome::Evaluated(v) => RecheckOutcome::Evaluated(v),
        RecheckOutcome::Skipped => RecheckOutcome::Skipped,
        RecheckOutcome::Failed(e) => RecheckOutcome::Failed(e.clone()),
    };
    Ok(DiffLine::new(
        &entry.package,
        entry.previous,
        before.as_ref(),
        &outcome,
    ))
}

/// How the report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    JsonLines,
    Csv,
}

/// Results read and decoded per step: bounds the memory of an export.
const PAGE: usize = 512;

/// Writes the report of run `run_id` (optionally one kind of change) in
/// package order; returns the lines written.
pub fn export(
    store: &dyn Store,
    run_id: &str,
    change: Option<Change>,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64, RecheckError> {
    if format == ExportFormat::Csv {
        writeln!(out, "{CSV_HEADER}")?;
    }
    let mut cursor: Option<String> = None;
    let mut written = 0u64;
    loop {
        let page = store.recheck_results(run_id, cursor.as_deref(), PAGE, change)?;
        let Some(last) = page.last() else { break };
        cursor = Some(last.package.clone());
        let lines = page
            .par_iter()
            .map(|entry| line(store, entry))
            .collect::<Result<Vec<_>, _>>()?;
        for l in &lines {
            match format {
                ExportFormat::JsonLines => {
                    serde_json::to_writer(&mut *out, l).map_err(|e| RecheckError::Io(e.into()))?;
                    writeln!(out)?;
                }
                ExportFormat::Csv => writeln!(out, "{}", l.csv_row())?,
            }
            written += 1;
        }
    }
    out.flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shelfgate_contract::types::{Finding, ReportedFinding};

    fn verdict(findings: &[(&str, Decision, bool)]) -> Verdict {
        let decision = findings
            .iter()
            .filter(|f| f.2)
            .map(|f| f.1)
            .max_by_key(|d| crate::verdict::rank(*d))
            .unwrap_or(Decision::Pass);
        Verdict {
            decision,
            deadline_working_days: None,
            findings: findings
                .iter()
                .map(|(rule, d, counted)| ReportedFinding {
                    policy_id: "p".into(),
                    mode: shelfgate_contract::types::EnforcementMode::Enforce,
                    counted: *counted,
                    original_decision: *d,
                    finding: Finding {
                        rule_id: rule.to_string(),
                        decision: *d,
                        message_zh: String::new(),
                        message_en: format!("{rule}, \"quoted\""),
                        evidence: Vec::new(),
                        expected: None,
                        sdk_attribution: None,
                        regulation_refs: Vec::new(),
                        remediation: String::new(),
                        deadline_working_days: None,
                        confidence: None,
                    },
                })
                .collect(),
            errors: Vec::new(),
            policy_set_id: "s".into(),
            policy_set_digest: "d".into(),
            policies: Vec::new(),
            apk_sha256: "a".into(),
            listing_sha256: "l".into(),
            evaluated_on: "2026-11-30".into(),
            timings: Vec::new(),
        }
    }

    #[test]
    fn a_line_names_the_rules_raised_and_resolved() {
        let before = verdict(&[
            ("A-1", Decision::Rectify, true),
            ("S-9", Decision::Reject, false),
        ]);
        let after = verdict(&[
            ("B-2", Decision::Reject, true),
            ("C-3", Decision::Pass, true),
        ]);
        let line = DiffLine::new(
            "com.x",
            Some(before.decision),
            Some(&before),
            &RecheckOutcome::Evaluated(&after),
        );
        assert_eq!(line.change, Some("newly_rejected"));
        assert_eq!(line.raised, ["B-2"]);
        // Shadow findings never count, so S-9 was not a reason before.
        assert_eq!(line.resolved, ["A-1"]);
        assert_eq!(line.reasons.len(), 1, "a pass finding is no reason");
        assert_eq!(
            line.csv_row(),
            "com.x,newly_rejected,evaluated,rectify,reject,B-2:reject,B-2,A-1,"
        );

        let failed = DiffLine::new(
            "com.y",
            Some(Decision::Pass),
            Some(&before),
            &RecheckOutcome::Failed("facts of apk `a`, missing".into()),
        );
        assert_eq!(failed.change, None);
        assert!(failed.resolved.is_empty(), "a failure resolves nothing");
        assert!(failed.csv_row().ends_with(",\"facts of apk `a`, missing\""));
    }
}
