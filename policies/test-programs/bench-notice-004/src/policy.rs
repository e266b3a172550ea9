//! The exported policy around `rule.rs`, shared with
//! `bench-notice-004-dlmalloc` (which exports it with another allocator);
//! the including crate names it (`crate::POLICY_ID`).

use shelfgate_policy_sdk::prelude::*;

use crate::rule;

pub struct P;

impl Policy for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: crate::POLICY_ID.into(),
            version: "0.0.2".into(),
            title: "PI-NOTICE-004 alone, for benchmarks".into(),
            rules: vec![rule::ID.into()],
            reads: vec!["manifest".into(), "listing".into()],
            data_sources: vec![],
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let requested = facts.permissions();
        rule::check(
            requested.iter().map(|p| p.name.as_str()),
            &listing.permissions(),
            || context.deadline_for(rule::ID),
        )
    }
}
