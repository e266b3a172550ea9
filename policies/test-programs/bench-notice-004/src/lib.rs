//! One rule, PI-NOTICE-004's core (every sensitive permission has a stated
//! purpose), alone in a component: the benchmark's WebAssembly side of the
//! comparison with the same rule written in Rego
//! (`host/benches/rego/pi_notice_004.rego`), evaluated by regorus, and the
//! resource side of the records-by-value comparison (`rule.rs` is shared
//! with `bench-notice-004-by-value`).

pub use shelfgate_policy_sdk::types;

mod policy;
mod rule;

const POLICY_ID: &str = "bench-notice-004";

use policy::P;
shelfgate_policy_sdk::export_policy!(P);
