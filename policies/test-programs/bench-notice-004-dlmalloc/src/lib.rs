//! `bench-notice-004` exported with the standard allocator (dlmalloc)
//! instead of the SDK's arena: the allocator's before/after in one
//! benchmark run, on the same policy source.

pub use shelfgate_policy_sdk::types;

#[path = "../../bench-notice-004/src/policy.rs"]
mod policy;
#[path = "../../bench-notice-004/src/rule.rs"]
mod rule;

const POLICY_ID: &str = "bench-notice-004-dlmalloc";

use policy::P;
shelfgate_policy_sdk::export_policy!(P, own_allocator);
