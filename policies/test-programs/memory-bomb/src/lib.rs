//! Hostile guest: grows memory without bound. The memory cap must stop it.
use shelfgate_policy_sdk::prelude::*;
struct P;
impl Policy for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "test-memory-bomb".into(),
            version: "0.0.1".into(),
            title: "Allocates without bound".into(),
            rules: vec!["TEST-MEMORY".into()],
            reads: vec![],
            data_sources: vec![],
        }
    }
    fn evaluate(_: &Facts, _: &Listing, _: &Context) -> Vec<Finding> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(std::hint::black_box(vec![1u8; 1 << 20]));
        }
    }
}
shelfgate_policy_sdk::export_policy!(P);
