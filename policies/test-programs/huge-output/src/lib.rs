//! Hostile guest: returns far more findings than any verdict should hold.
use shelfgate_policy_sdk::prelude::*;
struct P;
impl Policy for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "test-huge-output".into(),
            version: "0.0.1".into(),
            title: "Returns a huge output".into(),
            rules: vec!["TEST-OUTPUT".into()],
            reads: vec![],
            data_sources: vec![],
        }
    }
    fn evaluate(_: &Facts, _: &Listing, _: &Context) -> Vec<Finding> {
        let text = "x".repeat(64 << 10);
        (0..200)
            .map(|_| {
                Rule {
                    id: "TEST-OUTPUT",
                    refs: &[],
                    remediation: "",
                }
                .finding(Decision::Reject)
                .en(text.clone())
                .build()
            })
            .collect()
    }
}
shelfgate_policy_sdk::export_policy!(P);
