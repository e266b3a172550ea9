//! PLAT-NOTICE-034: apps named in regulators' batch notices.
//!
//! MIIT batch notices list apps that must rectify by a date; those that do
//! not are removed and stores told to take them down. A submission for a
//! named package still needs attention while its versionCode does not
//! exceed the notified version, or while the listing carries no
//! rectification report for the notice. Before the deadline that is
//! rectify (carrying the notice id); after it, or for a removal notice, the
//! store must refuse (hard).

use shelfgate_policy_sdk::prelude::*;

use crate::parties::Parties;

pub const RULE: Rule = Rule {
    id: "PLAT-NOTICE-034",
    refs: &["MIIT-2020-164", "MIIT batch notices"],
    remediation: "Fix every issue the notice lists, raise versionCode above the notified version, and attach a rectification report (submission.rectification_report with the notice id and a summary of the fixes).",
};

pub fn check(parties: &Parties, context: &Context, out: &mut Vec<Finding>) {
    let notices = parties.regulator_notices();
    if notices.is_empty() {
        return;
    }
    let id = parties.identity();
    let report = &parties.submission().rectification_report;
    let today = context.date();
    for notice in notices.iter().filter(|n| n.package == id.package) {
        let reported = report.as_ref().is_some_and(|r| r.notice_id == notice.id);
        let outstanding = id.version_code <= notice.max_version_code || !reported;
        if !notice.removal && !outstanding {
            continue;
        }
        let late = text::before(&notice.deadline, &today) == Some(true);
        let issues = notice.issues.join(", ");
        let f = if notice.removal {
            RULE.reject()
                .en(format!(
                    "Regulator notice {} ordered {} removed from distribution ({issues}).",
                    notice.id, id.package
                ))
                .zh(format!(
                    "监管通报 {} 要求下架 {}（{issues}）。",
                    notice.id, id.package
                ))
        } else if late {
            RULE.reject()
                .en(format!(
                    "Regulator notice {} required {} to rectify by {} ({issues}); the deadline has passed and the submission {}.",
                    notice.id,
                    id.package,
                    notice.deadline,
                    gap_en(id.version_code, notice.max_version_code, reported)
                ))
                .zh(format!(
                    "监管通报 {} 要求 {} 在 {} 前完成整改（{issues}），期限已过，且本次提交{}。",
                    notice.id,
                    id.package,
                    notice.deadline,
                    gap_zh(id.version_code, notice.max_version_code, reported)
                ))
        } else {
            RULE.rectify(context)
                .en(format!(
                    "Regulator notice {} requires {} to rectify by {} ({issues}); the submission {}.",
                    notice.id,
                    id.package,
                    notice.deadline,
                    gap_en(id.version_code, notice.max_version_code, reported)
                ))
                .zh(format!(
                    "监管通报 {} 要求 {} 在 {} 前完成整改（{issues}），本次提交{}。",
                    notice.id,
                    id.package,
                    notice.deadline,
                    gap_zh(id.version_code, notice.max_version_code, reported)
                ))
        };
        out.push(
            f.evidence(
                EvidenceSource::Context,
                format!("regulator_notices[{}].deadline", notice.id),
                json::str(&notice.deadline),
            )
            .evidence(
                EvidenceSource::Context,
                format!("regulator_notices[{}].max_version_code", notice.id),
                json::str(&notice.max_version_code.to_string()),
            )
            .evidence(
                EvidenceSource::Context,
                format!("regulator_notices[{}].removal", notice.id),
                json::bool(notice.removal),
            )
            .evidence(
                EvidenceSource::Manifest,
                "manifest@versionCode",
                json::str(&id.version_code.to_string()),
            )
            .evidence(
                EvidenceSource::Listing,
                "submission.rectification_report.notice_id",
                json::opt_str(report.as_ref().map(|r| r.notice_id.as_str())),
            )
            .evidence(EvidenceSource::Context, "date", json::str(&today))
            .expected(format!(
                "versionCode > {} and a rectification report for notice {}",
                notice.max_version_code, notice.id
            ))
            .build(),
        );
    }
}

fn gap_en(version: u64, notified: u64, reported: bool) -> String {
    match (version <= notified, reported) {
        (true, false) => format!(
            "is still version {version} (notified: {notified}) and has no rectification report"
        ),
        (true, true) => format!("is still version {version} (notified: {notified})"),
        _ => "has no rectification report for it".into(),
    }
}

fn gap_zh(version: u64, notified: u64, reported: bool) -> String {
    match (version <= notified, reported) {
        (true, false) => format!("仍为被通报版本 {version}（通报版本 {notified}），且未附整改报告"),
        (true, true) => format!("仍为被通报版本 {version}（通报版本 {notified}）"),
        _ => "未附该通报的整改报告".into(),
    }
}
