//! One rule, PI-NOTICE-004's core (every sensitive permission has a stated
//! purpose), alone in a component: the benchmark's WebAssembly side of the
//! comparison with the same rule written in Rego
//! (`host/benches/rego/pi_notice_004.rego`), evaluated by regorus.

use shelfgate_pack_data::permission;
use shelfgate_policy_sdk::prelude::*;

struct P;

const RULE: Rule = Rule {
    id: "PI-NOTICE-004",
    refs: &["ID-METHOD-2019 II.3"],
    remediation: "Declare a purpose for every sensitive permission.",
};

impl Policy for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "bench-notice-004".into(),
            version: "0.0.1".into(),
            title: "PI-NOTICE-004 alone, for benchmarks".into(),
            rules: vec![RULE.id.into()],
            reads: vec!["manifest".into(), "listing".into()],
            data_sources: vec![],
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let declared = listing.permissions();
        let mut out = Vec::new();
        for perm in facts.permissions() {
            if permission(&perm.name).is_none() {
                continue;
            }
            let ok = declared
                .iter()
                .any(|d| d.name == perm.name && !d.purpose_zh.trim().is_empty() && !d.feature_ids.is_empty());
            if !ok {
                out.push(
                    RULE.rectify(context)
                        .en(format!("{} has no stated purpose.", perm.name))
                        .evidence(EvidenceSource::Manifest, format!("uses-permission[@name='{}']", perm.name), json::bool(true))
                        .build(),
                );
            }
        }
        out
    }
}

shelfgate_policy_sdk::export_policy!(P);
