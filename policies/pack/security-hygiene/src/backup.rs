//! SEC-BACKUP-045: backups that copy everything.
//!
//! With `allowBackup` absent or true, Android backs up the whole data
//! directory (tokens, databases) unless rules restrict it: devices up to
//! Android 11 read `fullBackupContent`, Android 12+ reads
//! `dataExtractionRules` for apps targeting API 31+. The rule files' content
//! is not among the facts, so a declared rule file counts as a restriction.
//! Low severity: the platform's deadline for this rule (default 20 working
//! days in the host configuration) applies.

use shelfgate_policy_sdk::prelude::*;

pub const RULE: Rule = Rule {
    id: "SEC-BACKUP-045",
    refs: &["AOSP", "OWASP MASTG-STORAGE"],
    remediation: "Set android:allowBackup=\"false\", or declare backup rules that exclude credentials, tokens and databases: android:dataExtractionRules for Android 12+ and android:fullBackupContent for Android 11 and below.",
};

/// The first API level whose devices use `dataExtractionRules`.
const EXTRACTION_RULES_API: u32 = 31;

pub fn check(facts: &Facts, context: &Context, out: &mut Vec<Finding>) {
    let app = facts.application();
    if app.allow_backup == Some(false) {
        return;
    }
    let id = facts.identity();
    let declared = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let mut missing: Vec<(&str, &str)> = Vec::new();
    if id.target_sdk >= EXTRACTION_RULES_API && !declared(&app.data_extraction_rules) {
        missing.push(("application@dataExtractionRules", "Android 12+"));
    }
    let old_devices = id.target_sdk < EXTRACTION_RULES_API || id.min_sdk < EXTRACTION_RULES_API;
    if old_devices && !declared(&app.full_backup_content) {
        missing.push(("application@fullBackupContent", "Android 11 and below"));
    }
    if missing.is_empty() {
        return;
    }
    let names: Vec<&str> = missing
        .iter()
        .map(|(p, _)| p.trim_start_matches("application@"))
        .collect();
    let devices: Vec<&str> = missing.iter().map(|(_, d)| *d).collect();
    let mut f = RULE
        .rectify(context)
        .en(format!(
            "Backup is allowed without {} ({}): the whole app data directory, credentials included, is copied to cloud backups and device transfers.",
            names.join(" or "),
            devices.join(", ")
        ))
        .zh(format!(
            "应用允许备份但未声明 {}（{}），全部应用数据（包括凭据）会被复制到云备份或设备迁移中。",
            names.join("、"),
            devices.join("、")
        ))
        .evidence(EvidenceSource::Manifest, "application@allowBackup", allow_backup_json(app.allow_backup))
        .expected("allowBackup=false, or backup rules that exclude sensitive data");
    for (path, _) in &missing {
        f = f.evidence(EvidenceSource::Manifest, *path, json::null());
    }
    out.push(f.build());
}

fn allow_backup_json(v: Option<bool>) -> String {
    v.map(json::bool).unwrap_or_else(json::null)
}
