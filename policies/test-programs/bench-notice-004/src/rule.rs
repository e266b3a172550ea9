//! PI-NOTICE-004's core (every sensitive permission has a stated purpose),
//! written once against `crate::types` so it compiles in both benchmark
//! guests: `bench-notice-004` (facts through the contract's resources) and
//! `bench-notice-004-by-value` (the same records passed by value), each of
//! which generates `types` from the same WIT.

use crate::types::{Decision, Evidence, EvidenceSource, Finding, PermissionDecl};
use shelfgate_pack_data::permission;

pub const ID: &str = "PI-NOTICE-004";

/// Findings for the requested permissions `requested` against the listing's
/// declarations; `deadline` is asked only when there is a finding.
pub fn check<'a>(
    requested: impl Iterator<Item = &'a str>,
    declared: &[PermissionDecl],
    mut deadline: impl FnMut() -> u32,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for name in requested {
        if permission(name).is_none() {
            continue;
        }
        let ok = declared.iter().any(|d| {
            d.name == name && !d.purpose_zh.trim().is_empty() && !d.feature_ids.is_empty()
        });
        if !ok {
            out.push(Finding {
                rule_id: ID.into(),
                decision: Decision::Rectify,
                message_zh: String::new(),
                message_en: format!("{name} has no stated purpose."),
                evidence: vec![Evidence {
                    source: EvidenceSource::Manifest,
                    path: format!("uses-permission[@name='{name}']"),
                    value: "true".into(),
                }],
                expected: None,
                sdk_attribution: None,
                regulation_refs: vec!["ID-METHOD-2019 II.3".into()],
                remediation: "Declare a purpose for every sensitive permission.".into(),
                deadline_working_days: Some(deadline()),
                confidence: None,
            });
        }
    }
    out
}
