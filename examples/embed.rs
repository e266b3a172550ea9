//! shelfgate as a library, without HTTP: inspect an APK, evaluate the
//! built-in policy pack over its facts and listing, act on the verdict.
//!
//! ```sh
//! cargo run --example embed -- APP.apk LISTING.json
//! ```
//!
//! This is the whole of what `shelfgate check` and the service do per
//! upload; a backend written in Rust can run it in process.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use shelfgate::context::{today, PlatformConfig};
use shelfgate::engine::{Engine, EngineConfig, EvalInput};
use shelfgate::evaluate::Evaluator;
use shelfgate::listing::read_listing;
use shelfgate::policy_set::PolicySet;
use shelfgate_contract::types::Decision;
use shelfgate_inspect::Inspector;

fn main() -> anyhow::Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [apk, listing] = args.as_slice() else {
        eprintln!("usage: embed APP.apk LISTING.json");
        return Ok(ExitCode::from(2));
    };

    // Once per process: the engine (compiled policies are cached on disk),
    // the evaluator's thread pool and the policy set.
    let engine = Arc::new(Engine::new(EngineConfig::default())?);
    let evaluator = Evaluator::new(engine.clone(), 0)?;
    let set = PolicySet::builtin(&engine)?;

    // Per upload: facts, listing, the platform's context, the verdict.
    let facts = Inspector::default()
        .inspect_path(Path::new(apk))
        .with_context(|| format!("inspecting `{apk}`"))?;
    let (listing, listing_sha256) = read_listing(Path::new(listing))?;
    let context = PlatformConfig::default().context(&listing, &today(), None);
    let input = Arc::new(EvalInput {
        facts: Arc::new(facts),
        listing: Arc::new(listing),
        context,
    });
    let verdict = evaluator.evaluate(&set, &input, &listing_sha256);

    match verdict.decision {
        Decision::Pass => println!("{}: publish", input.facts.package),
        Decision::Rectify => println!(
            "{}: publish, and ask the developer to fix within {} working days",
            input.facts.package,
            verdict.deadline_working_days.unwrap_or_default()
        ),
        Decision::Reject => println!("{}: keep off the shelf", input.facts.package),
    }
    for f in verdict.findings.iter().filter(|f| f.counted) {
        println!("  {} {}", f.finding.rule_id, f.finding.message_en);
    }
    for e in &verdict.errors {
        println!("  policy error: {}", e.message);
    }
    Ok(ExitCode::SUCCESS)
}
