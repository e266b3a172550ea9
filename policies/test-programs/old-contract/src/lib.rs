//! A policy built against the first published contract (0.1.0), kept as
//! published: `wit/shelfgate-0.1.0.wit` is that release's WIT, frozen. The
//! host must keep linking and running it as the contract grows, which is
//! the promise the contract's growth rules make to policy authors.
//!
//! It reads broadly (identity, application, permissions, components, SDKs,
//! signing, the listing and the context) so that an incompatible change to
//! any record it uses breaks its test.

wit_bindgen::generate!({
    path: "wit/shelfgate-0.1.0.wit",
    world: "policy-module",
});

use exports::shelfgate::policy::policy::Guest;
use shelfgate::policy::host::{Context, Facts, Listing};
use shelfgate::policy::types::{Decision, Evidence, EvidenceSource, Finding, PolicyMetadata};

struct P;

impl Guest for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "test-old-contract".into(),
            version: "0.1.0".into(),
            title: "Built against contract 0.1.0".into(),
            rules: vec!["TEST-OLD-CONTRACT".into()],
            reads: vec![
                "manifest".into(),
                "sdk".into(),
                "signing".into(),
                "listing".into(),
                "context".into(),
            ],
            data_sources: vec![],
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let id = facts.identity();
        let app = facts.application();
        let summary = format!(
            "{} perms={} components={} sdks={} signers={} files={} listing={} date={} debuggable={}",
            id.package,
            facts.permissions().len(),
            facts.components().len(),
            facts.sdks().len(),
            facts.signing().signers.len(),
            facts.container().files.len(),
            listing.app().package_name,
            context.date(),
            app.debuggable,
        );
        vec![Finding {
            rule_id: "TEST-OLD-CONTRACT".into(),
            decision: Decision::Pass,
            message_zh: String::new(),
            message_en: summary,
            evidence: vec![Evidence {
                source: EvidenceSource::Manifest,
                path: "package".into(),
                value: format!("\"{}\"", id.package),
            }],
            expected: None,
            sdk_attribution: None,
            regulation_refs: vec![],
            remediation: String::new(),
            deadline_working_days: None,
            confidence: None,
        }]
    }
}

export!(P);
