//! PI-NOTICE-004's core with facts, listing and context passed by value
//! (the `bench-by-value-module` world): the other side of the benchmark
//! that measures records by value against the contract's resources. The
//! rule is `bench-notice-004`'s `rule.rs`, compiled here against the same
//! WIT types, and the allocator is the SDK's, so only the way facts cross
//! the boundary differs.

mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit",
        world: "bench-by-value-module",
    });
}

#[path = "../../../sdk/src/arena.rs"]
mod arena;
#[global_allocator]
static ARENA: arena::Arena = arena::Arena::new();
#[path = "../../bench-notice-004/src/rule.rs"]
mod rule;

use bindings::exports::shelfgate::policy::bench_by_value::Guest;
pub use bindings::shelfgate::policy::types;
use types::{ApkFacts, EvaluationContext, Finding, Listing};

struct P;

impl Guest for P {
    fn evaluate(facts: ApkFacts, listing: Listing, context: EvaluationContext) -> Vec<Finding> {
        rule::check(
            facts.uses_permissions.iter().map(|p| p.name.as_str()),
            &listing.permissions,
            || deadline_for(&context, rule::ID),
        )
    }
}

/// What the host's `context.deadline-for` answers, from the record.
fn deadline_for(context: &EvaluationContext, rule_id: &str) -> u32 {
    context
        .settings
        .iter()
        .find(|s| s.key.strip_prefix("deadline.") == Some(rule_id))
        .and_then(|s| s.value.trim().parse().ok())
        .unwrap_or(context.default_deadline_working_days)
}

bindings::export!(P with_types_in bindings);
