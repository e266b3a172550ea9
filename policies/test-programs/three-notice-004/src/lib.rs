//! PI-NOTICE-004 alone, for the three-rule benchmark: the pack's own rule
//! code and the input it reads (`policies/pack/pi-handling/src/purpose.rs`
//! and `input.rs`, compiled in, not copied), so it reads the host exactly
//! as the pack's rule does.

use shelfgate_policy_sdk::prelude::*;

#[allow(dead_code)]
#[path = "../../../pack/pi-handling/src/input.rs"]
mod input;
#[path = "../../../pack/pi-handling/src/purpose.rs"]
mod purpose;

struct P;

impl Policy for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "three-notice-004".into(),
            version: "0.0.1".into(),
            title: "PI-NOTICE-004 alone, from the pack's source".into(),
            rules: vec![purpose::RULE.id.into()],
            reads: vec![
                "manifest".into(),
                "sdk".into(),
                "listing".into(),
                "context".into(),
            ],
            data_sources: vec![],
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let input = input::Input::new(facts, listing, context);
        let mut out = Vec::new();
        purpose::check(&input, &mut out);
        out
    }
}

shelfgate_policy_sdk::export_policy!(P);
