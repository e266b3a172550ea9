//! Hostile guest: never returns. The epoch deadline must end it.
use shelfgate_policy_sdk::prelude::*;
struct P;
impl Policy for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "test-infinite-loop".into(),
            version: "0.0.1".into(),
            title: "Loops forever".into(),
            rules: vec!["TEST-LOOP".into()],
            reads: vec![],
            data_sources: vec![],
        }
    }
    fn evaluate(_: &Facts, _: &Listing, _: &Context) -> Vec<Finding> {
        let mut x: u64 = 0;
        loop {
            x = std::hint::black_box(x.wrapping_add(1));
        }
    }
}
shelfgate_policy_sdk::export_policy!(P);
