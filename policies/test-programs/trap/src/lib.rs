//! Hostile guest: panics, which in wasm is a trap.
use shelfgate_policy_sdk::prelude::*;
struct P;
impl Policy for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "test-trap".into(),
            version: "0.0.1".into(),
            title: "Panics".into(),
            rules: vec!["TEST-TRAP".into()],
            reads: vec![],
            data_sources: vec![],
        }
    }
    fn evaluate(facts: &Facts, _: &Listing, _: &Context) -> Vec<Finding> {
        let id = facts.identity();
        panic!("policy bug while reading {}", id.package);
    }
}
shelfgate_policy_sdk::export_policy!(P);
