//! SEC-DEBUG-042 alone, for the three-rule benchmark: the pack's own rule
//! code (`policies/pack/security-hygiene/src/debug.rs`, compiled in, not
//! copied).

use shelfgate_policy_sdk::prelude::*;

#[path = "../../../pack/security-hygiene/src/debug.rs"]
mod debug;

struct P;

impl Policy for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "three-debug-042".into(),
            version: "0.0.1".into(),
            title: "SEC-DEBUG-042 alone, from the pack's source".into(),
            rules: vec![debug::RULE.id.into()],
            reads: vec!["manifest".into()],
            data_sources: vec![],
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        debug::check(&Snapshot::new(facts, listing, context), &mut out);
        out
    }
}

shelfgate_policy_sdk::export_policy!(P);
