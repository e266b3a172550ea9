//! TECH-TSDK-035 alone, for the three-rule benchmark: the pack's own rule
//! code (`policies/pack/store-technical/src/target.rs` and the `play.rs`
//! input it reads through, compiled in, not copied). `target.rs` also
//! checks Play's floor (TECH-TSDK-036); that work is kept and only its
//! findings are dropped, so this does at least what the pack does for
//! TECH-TSDK-035.

use shelfgate_policy_sdk::prelude::*;

#[allow(dead_code)]
#[path = "../../../pack/store-technical/src/play.rs"]
mod play;
#[path = "../../../pack/store-technical/src/target.rs"]
mod target;

struct P;

impl Policy for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "three-tsdk-035".into(),
            version: "0.0.1".into(),
            title: "TECH-TSDK-035 alone, from the pack's source".into(),
            rules: vec![target::CN_RULE.id.into()],
            reads: vec!["manifest".into(), "context".into()],
            data_sources: vec![],
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let input = play::Input::new(facts, listing, context);
        target::check(&input, context, &mut out);
        out.retain(|f| f.rule_id == target::CN_RULE.id);
        out
    }
}

shelfgate_policy_sdk::export_policy!(P);
