//! Hostile guest: recurses until the wasm stack is exhausted.
use shelfgate_policy_sdk::prelude::*;
struct P;
#[inline(never)]
fn dive(n: u64) -> u64 {
    if n == u64::MAX {
        return 0;
    }
    std::hint::black_box(dive(std::hint::black_box(n + 1)) + 1)
}
impl Policy for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "test-deep-recursion".into(),
            version: "0.0.1".into(),
            title: "Recurses without bound".into(),
            rules: vec!["TEST-RECURSION".into()],
            reads: vec![],
            data_sources: vec![],
        }
    }
    fn evaluate(_: &Facts, _: &Listing, _: &Context) -> Vec<Finding> {
        let depth = dive(0);
        vec![Rule {
            id: "TEST-RECURSION",
            refs: &[],
            remediation: "",
        }
        .finding(Decision::Pass)
        .en(format!("{depth}"))
        .build()]
    }
}
shelfgate_policy_sdk::export_policy!(P);
