//! A policy that reads nothing and finds nothing: the fixed cost of one
//! evaluation (fresh store, instantiate, call, drop) with no work in it.

use shelfgate_policy_sdk::prelude::*;

struct P;

impl Policy for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "bench-empty".into(),
            version: "0.0.1".into(),
            title: "Does nothing, for benchmarks".into(),
            rules: vec!["BENCH-EMPTY".into()],
            reads: vec![],
            data_sources: vec![],
        }
    }

    fn evaluate(_: &Facts, _: &Listing, _: &Context) -> Vec<Finding> {
        Vec::new()
    }
}

shelfgate_policy_sdk::export_policy!(P);
