//! Calls one host method many times: what each resource method costs to
//! lower into the guest. The context setting `bench.call` names the method
//! and the count (`permissions*20`); `none` measures the one `setting` call
//! this guest always makes. Unknown methods trap, so a typo in the
//! benchmark cannot pass as a fast method.

use std::hint::black_box;

use shelfgate_policy_sdk::prelude::*;

struct P;

impl Policy for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "bench-host-calls".into(),
            version: "0.0.1".into(),
            title: "One host method, many times, for benchmarks".into(),
            rules: vec!["BENCH-HOST-CALLS".into()],
            reads: vec![],
            data_sources: vec![],
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let spec = context.setting("bench.call").unwrap_or_default();
        let (method, count) = spec.split_once('*').unwrap_or((spec.as_str(), "1"));
        let count: u32 = count.parse().unwrap_or(1);
        for _ in 0..count {
            match method {
                "none" => {}
                "identity" => drop(black_box(facts.identity())),
                "application" => drop(black_box(facts.application())),
                "permissions" => drop(black_box(facts.permissions())),
                "has-permission" => {
                    drop(black_box(facts.has_permission("android.permission.CAMERA")))
                }
                "features" => drop(black_box(facts.features())),
                "components" => drop(black_box(facts.components())),
                "sdks" => drop(black_box(facts.sdks())),
                "api-refs" => drop(black_box(facts.api_refs())),
                "api-ref" => drop(black_box(facts.api_ref("device_id.imei"))),
                "has-class-prefix" => drop(black_box(facts.has_class_prefix("com.umeng."))),
                "container" => drop(black_box(facts.container())),
                "files-matching" => drop(black_box(facts.files_matching("assets/**/*.html", 10))),
                "signing" => drop(black_box(facts.signing())),
                "listing.app" => drop(black_box(listing.app())),
                "listing.permissions" => drop(black_box(listing.permissions())),
                "listing.privacy" => drop(black_box(listing.privacy())),
                "listing.attestation" => {
                    drop(black_box(listing.attestation("purpose_shown_at_request")))
                }
                "context.markets" => drop(black_box(context.markets())),
                "context.deadline-for" => drop(black_box(context.deadline_for("PI-NOTICE-004"))),
                other => panic!("bench-host-calls: unknown method `{other}`"),
            }
        }
        Vec::new()
    }
}

shelfgate_policy_sdk::export_policy!(P);
