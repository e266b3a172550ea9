//! The campaign report, as a regulator publishes one: how many apps were
//! tested, how many apps and companies were asked to rectify, how many were
//! publicly notified and how many removed, with the findings counted by
//! rule and by SDK (SDK operators are accountable too).
//!
//! It reads the catalogue's latest verdicts and the cases, streaming the
//! apps a page at a time and decoding verdicts on the worker pool, so its
//! memory is bounded by the page and the tallies, not the catalogue.
//! [`html`] renders it as one self-contained page.

pub mod html;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use rayon::prelude::*;
use serde::Serialize;
use shelfgate_contract::types::Decision;
use shelfgate_store::{AppFilter, AppRecord, Case, CaseState, Store, StoreError};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Decisions {
    pub pass: u64,
    pub rectify: u64,
    pub reject: u64,
}

/// Apps with a counted finding of one rule (or attributed to one SDK).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub key: String,
    /// Apps with at least one such finding.
    pub apps: u64,
    /// Of those, apps where a finding asked to rectify / rejected.
    pub rectify: u64,
    pub reject: u64,
    /// Findings in all.
    pub findings: u64,
}

/// One app on the public notice list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub package: String,
    pub developer: Option<String>,
    pub case_id: i64,
    pub rectify_deadline: Option<String>,
    pub removal_deadline: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaseCounts {
    pub rectify: u64,
    pub notified: u64,
    pub removed: u64,
    pub closed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignReport {
    /// `YYYY-MM-DD` of the report.
    pub date: String,
    /// Apps in the catalogue with a verdict.
    pub apps_tested: u64,
    /// The latest verdicts' decisions.
    pub decisions: Decisions,
    /// Apps given a deadline to rectify (every case opened on a rectify
    /// verdict, whatever became of it).
    pub apps_asked_to_rectify: u64,
    /// Distinct developers of those apps.
    pub companies_asked_to_rectify: u64,
    /// Apps that missed their deadline and were publicly named.
    pub apps_notified: u64,
    /// Apps taken off the shelves (after notice, refused, or at once).
    pub apps_removed: u64,
    /// Of the removed, those removed at once by a reject.
    pub removed_at_once: u64,
    /// Cases by their state now.
    pub cases: CaseCounts,
    /// By rule, most apps first.
    pub by_rule: Vec<Tally>,
    /// By the SDK a finding is attributed to, most apps first.
    pub by_sdk: Vec<Tally>,
    /// Apps on the public notice list now.
    pub notice_list: Vec<Notice>,
}

/// Apps read and decoded per step.
const PAGE: usize = 1024;

/// Per-app tallies, merged across pages.
#[derive(Default)]
struct Counts {
    tested: u64,
    decisions: Decisions,
    rules: BTreeMap<String, Tally>,
    sdks: BTreeMap<String, Tally>,
}

/// What one app's verdict contributes.
struct AppFindings {
    decision: Decision,
    /// (rule, decision, findings) and (sdk, decision, findings), one entry
    /// per key with the worst decision.
    rules: HashMap<String, (Decision, u64)>,
    sdks: HashMap<String, (Decision, u64)>,
}

/// Builds the report as of `date`.
pub fn campaign(store: &dyn Store, date: &str) -> Result<CampaignReport, StoreError> {
    let cases = all_cases(store)?;
    let case_packages: HashSet<&str> = cases
        .iter()
        .filter(|c| c.rectify_deadline.is_some())
        .map(|c| c.package.as_str())
        .collect();

    let mut counts = Counts::default();
    let mut developers: HashMap<String, String> = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.apps_after(cursor.as_deref(), PAGE, &AppFilter::All)?;
        let Some(last) = page.last() else { break };
        cursor = Some(last.package.clone());
        let found = page
            .par_iter()
            .map(|app| app_findings(store, app, &case_packages))
            .collect::<Result<Vec<_>, StoreError>>()?;
        for (app, (findings, developer)) in page.iter().zip(found) {
            counts.add(findings);
            if let Some(d) = developer {
                developers.insert(app.package.clone(), d);
            }
        }
    }

    let mut state_counts = CaseCounts::default();
    let mut asked = HashSet::new();
    let mut companies = HashSet::new();
    let mut notified = HashSet::new();
    let mut removed = HashSet::new();
    let mut removed_at_once = HashSet::new();
    let mut notice_list = Vec::new();
    for case in &cases {
        match case.state {
            CaseState::Rectify => state_counts.rectify += 1,
            CaseState::Notified => state_counts.notified += 1,
            CaseState::Removed => state_counts.removed += 1,
            CaseState::Closed => state_counts.closed += 1,
        }
        let package = case.package.as_str();
        if case.rectify_deadline.is_some() {
            asked.insert(package);
            if let Some(d) = developers.get(package) {
                companies.insert(d.as_str());
            }
        }
        // A removal deadline is set on entering the notice list.
        if case.removal_deadline.is_some() {
            notified.insert(package);
        }
        if case.state == CaseState::Removed {
            removed.insert(package);
            if case.rectify_deadline.is_none() {
                removed_at_once.insert(package);
            }
        }
        if case.state == CaseState::Notified {
            notice_list.push(Notice {
                package: case.package.clone(),
                developer: developers.get(package).cloned(),
                case_id: case.id,
                rectify_deadline: case.rectify_deadline.clone(),
                removal_deadline: case.removal_deadline.clone(),
            });
        }
    }
    notice_list.sort_by(|a, b| a.package.cmp(&b.package));

    Ok(CampaignReport {
        date: date.to_owned(),
        apps_tested: counts.tested,
        decisions: counts.decisions,
        apps_asked_to_rectify: asked.len() as u64,
        companies_asked_to_rectify: companies.len() as u64,
        apps_notified: notified.len() as u64,
        apps_removed: removed.len() as u64,
        removed_at_once: removed_at_once.len() as u64,
        cases: state_counts,
        by_rule: ranked(counts.rules),
        by_sdk: ranked(counts.sdks),
        notice_list,
    })
}

fn all_cases(store: &dyn Store) -> Result<Vec<Case>, StoreError> {
    let mut cases = Vec::new();
    let mut after = None;
    loop {
        let page = store.cases(None, after, PAGE)?;
        let Some(last) = page.last() else {
            return Ok(cases);
        };
        after = Some(last.id);
        cases.extend(page);
    }
}

/// An app's counted findings, and its developer if it has a case.
fn app_findings(
    store: &dyn Store,
    app: &AppRecord,
    case_packages: &HashSet<&str>,
) -> Result<(AppFindings, Option<String>), StoreError> {
    let verdict = app.verdict.verdict.decode()?;
    let mut rules: HashMap<String, (Decision, u64)> = HashMap::new();
    let mut sdks: HashMap<String, (Decision, u64)> = HashMap::new();
    for f in verdict.findings.iter().filter(|f| f.counted) {
        let d = f.finding.decision;
        if d == Decision::Pass {
            continue;
        }
        bump(&mut rules, &f.finding.rule_id, d);
        if let Some(sdk) = &f.finding.sdk_attribution {
            bump(&mut sdks, sdk, d);
        }
    }
    let developer = if case_packages.contains(app.package.as_str()) {
        store
            .listing(&app.verdict.listing_sha256)?
            .map(|l| l.decode())
            .transpose()?
            .map(|l| l.developer.name)
    } else {
        None
    };
    Ok((
        AppFindings {
            decision: verdict.decision,
            rules,
            sdks,
        },
        developer,
    ))
}

fn bump(map: &mut HashMap<String, (Decision, u64)>, key: &str, d: Decision) {
    let entry = map.entry(key.to_owned()).or_insert((d, 0));
    if crate::verdict::rank(d) > crate::verdict::rank(entry.0) {
        entry.0 = d;
    }
    entry.1 += 1;
}

impl Counts {
    fn add(&mut self, app: AppFindings) {
        self.tested += 1;
        match app.decision {
            Decision::Pass => self.decisions.pass += 1,
            Decision::Rectify => self.decisions.rectify += 1,
            Decision::Reject => self.decisions.reject += 1,
        }
        for (target, found) in [(&mut self.rules, app.rules), (&mut self.sdks, app.sdks)] {
            for (key, (decision, findings)) in found {
                let t = target.entry(key.clone()).or_insert_with(|| Tally {
                    key,
                    ..Tally::default()
                });
                t.apps += 1;
                t.findings += findings;
                match decision {
                    Decision::Reject => t.reject += 1,
                    Decision::Rectify => t.rectify += 1,
                    Decision::Pass => {}
                }
            }
        }
    }
}

/// Most apps first, then by key.
fn ranked(map: BTreeMap<String, Tally>) -> Vec<Tally> {
    let mut v: Vec<Tally> = map.into_values().collect();
    v.sort_by(|a, b| b.apps.cmp(&a.apps).then_with(|| a.key.cmp(&b.key)));
    v
}

/// The report as text for people.
pub fn text(r: &CampaignReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "shelfgate campaign report, {}", r.date);
    let _ = writeln!(s);
    let _ = writeln!(s, "apps tested                 {:>9}", r.apps_tested);
    let _ = writeln!(
        s,
        "  pass / rectify / reject   {:>9} / {} / {}",
        r.decisions.pass, r.decisions.rectify, r.decisions.reject
    );
    let _ = writeln!(
        s,
        "apps asked to rectify       {:>9}",
        r.apps_asked_to_rectify
    );
    let _ = writeln!(
        s,
        "companies asked to rectify  {:>9}",
        r.companies_asked_to_rectify
    );
    let _ = writeln!(s, "apps publicly notified      {:>9}", r.apps_notified);
    let _ = writeln!(
        s,
        "apps removed                {:>9}  ({} at once on a reject)",
        r.apps_removed, r.removed_at_once
    );
    let _ = writeln!(
        s,
        "cases now: {} rectify, {} notified, {} removed, {} closed",
        r.cases.rectify, r.cases.notified, r.cases.removed, r.cases.closed
    );
    for (title, rows) in [("by rule", &r.by_rule), ("by SDK", &r.by_sdk)] {
        let _ = writeln!(s, "\n{title} (apps, of which rectify / reject; findings):");
        if rows.is_empty() {
            let _ = writeln!(s, "  none");
        }
        for t in rows.iter() {
            let _ = writeln!(
                s,
                "  {:<28} {:>8}  {:>8} / {:<8} {:>9}",
                t.key, t.apps, t.rectify, t.reject, t.findings
            );
        }
    }
    let _ = writeln!(s, "\npublic notice list ({} apps):", r.notice_list.len());
    for n in &r.notice_list {
        let _ = writeln!(
            s,
            "  {:<40} {:<30} removal after {}",
            n.package,
            n.developer.as_deref().unwrap_or("-"),
            n.removal_deadline.as_deref().unwrap_or("-")
        );
    }
    s
}
