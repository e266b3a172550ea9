//! SEC-BACKUP-045: backups that copy everything.
//!
//! With `allowBackup` absent or true, Android backs up the whole data
//! directory (tokens, databases) unless rules restrict it: devices up to
//! Android 11 read `fullBackupContent`, Android 12+ reads
//! `dataExtractionRules` for apps targeting API 31+. A declared rules file
//! restricts backups only if what it says keeps credentials and databases
//! out (contract 0.1.2 reads the file): a `cloud-backup` (or
//! `full-backup-content`) section that includes the `root`, `database` or
//! `sharedpref` domain wholesale, or that includes everything and excludes
//! none of them, leaves them in. A rules file the facts do not carry (facts
//! stored before 0.1.2, a file missing from the APK) counts as a
//! restriction, as it did before. Low severity: the platform's deadline for this rule (default 20 working
//! days in the host configuration) applies.

use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{BackupRule, BackupRules};

pub const RULE: Rule = Rule {
    id: "SEC-BACKUP-045",
    refs: &["AOSP", "OWASP MASTG-STORAGE"],
    remediation: "Set android:allowBackup=\"false\", or declare backup rules that exclude credentials, tokens and databases: android:dataExtractionRules for Android 12+ and android:fullBackupContent for Android 11 and below.",
};

/// The first API level whose devices use `dataExtractionRules`.
const EXTRACTION_RULES_API: u32 = 31;

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    let app = s.application();
    if app.allow_backup == Some(false) {
        return;
    }
    let id = s.identity();
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
        let new_devices = id.target_sdk >= EXTRACTION_RULES_API;
        check_rule_files(s, new_devices, old_devices, out);
        return;
    }
    let names: Vec<&str> = missing
        .iter()
        .map(|(p, _)| p.trim_start_matches("application@"))
        .collect();
    let devices: Vec<&str> = missing.iter().map(|(_, d)| *d).collect();
    let mut f = RULE
        .rectify(s.context)
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

/// Domains where credentials and databases live.
const SENSITIVE_DOMAINS: &[&str] = &["database", "sharedpref"];

/// The declared rules files whose content leaves credentials and databases
/// in the backup.
fn check_rule_files(s: &Snapshot, new_devices: bool, old_devices: bool, out: &mut Vec<Finding>) {
    // Each file counts only on the devices that read it.
    let applies = |kind: &str| match kind {
        "data-extraction-rules" => new_devices,
        _ => old_devices,
    };
    for rules in s
        .facts
        .backup_rules()
        .into_iter()
        .filter(|r| applies(&r.kind))
    {
        let Some(sensitive) = backed_up_sensitive(&rules) else {
            continue;
        };
        let attribute = match rules.kind.as_str() {
            "data-extraction-rules" => "dataExtractionRules",
            _ => "fullBackupContent",
        };
        out.push(
            RULE.rectify(s.context)
                .en(format!(
                    "The backup rules {} (android:{attribute}) still copy the {} domain(s) to cloud backups: credentials and databases are not excluded.",
                    rules.path,
                    sensitive.join(", ")
                ))
                .zh(format!(
                    "备份规则 {}（android:{attribute}）仍会将 {} 域复制到云备份，未排除凭据和数据库。",
                    rules.path,
                    sensitive.join("、")
                ))
                .evidence(EvidenceSource::Manifest, format!("application@{attribute}"), json::str(&rules.path))
                .evidence(EvidenceSource::Manifest, format!("{}/{}", rules.path, section_of(&rules)), json::strs(sensitive.iter().copied()))
                .expected("<exclude> of the database and sharedpref domains (or includes that leave them out)")
                .build(),
        );
    }
}

/// The section that cloud backups follow.
fn section_of(rules: &BackupRules) -> &'static str {
    match rules.kind.as_str() {
        "data-extraction-rules" => "cloud-backup",
        _ => "full-backup-content",
    }
}

/// The sensitive domains a rules file lets into cloud backups, `None` when
/// it keeps them all out. With `<include>`s only what they name is backed
/// up (`root` names the whole data directory); any `<exclude>` in a domain,
/// or of `root`, keeps it out.
fn backed_up_sensitive(rules: &BackupRules) -> Option<Vec<&'static str>> {
    let section = section_of(rules);
    let in_section: Vec<&BackupRule> = rules
        .rules
        .iter()
        .filter(|r| r.section == section)
        .collect();
    let whole = |r: &BackupRule, domain: &str| {
        r.domain == domain && matches!(r.path.trim(), "" | "." | "./" | "/")
    };
    let includes: Vec<&BackupRule> = in_section.iter().copied().filter(|r| r.include).collect();
    let sensitive: Vec<&'static str> = SENSITIVE_DOMAINS
        .iter()
        .copied()
        .filter(|domain| {
            let included = includes.is_empty()
                || includes
                    .iter()
                    .any(|r| whole(r, domain) || whole(r, "root"));
            let excluded = in_section
                .iter()
                .any(|r| !r.include && (r.domain == *domain || whole(r, "root")));
            included && !excluded
        })
        .collect();
    (!sensitive.is_empty()).then_some(sensitive)
}
