//! `shelfgate cases`: the rectification cases by state.

use std::sync::Arc;

use serde_json::json;

use super::args::{CasesArgs, Format};
use super::recheck::{lifecycle, open_store};
use super::{Failure, Result, EXIT_PASS};
use crate::cases::{case_json, parse_state, state_name};
use crate::clock::rfc3339;
use crate::clock::SystemClock;

/// Cases read per page.
const PAGE: usize = 1000;

pub fn cases(args: CasesArgs) -> Result<u8> {
    let state = match &args.state {
        Some(s) => Some(parse_state(s).ok_or_else(|| Failure {
            code: 2,
            message: format!("--state `{s}` is none of rectify, notified, removed, closed"),
        })?),
        None => None,
    };
    let store = open_store(&args.data.data)?;
    let other = |e: String| Failure::other(e);
    if args.sweep || args.refuse.is_some() {
        let lifecycle = lifecycle(&args.data, store.clone(), Arc::new(SystemClock))?;
        if let Some(id) = args.refuse {
            let case = lifecycle
                .refuse(id, &args.reason)
                .map_err(|e| Failure::input(e.to_string()))?;
            eprintln!("case {id} ({}): removed", case.package);
        }
        if args.sweep {
            let s = lifecycle.sweep().map_err(|e| other(e.to_string()))?;
            eprintln!(
                "sweep: {} notified, {} removed, {} closed",
                s.notified, s.removed, s.closed
            );
        }
    }
    let mut after = None;
    let mut all = Vec::new();
    loop {
        let page = store
            .cases(state, after, PAGE)
            .map_err(|e| other(e.to_string()))?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        all.extend(page);
    }
    match args.format {
        Format::Json => {
            let cases = all
                .iter()
                .map(|c| case_json(store.as_ref(), c, args.history))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| other(e.to_string()))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "cases": cases })).unwrap_or_default()
            );
        }
        Format::Text => {
            println!(
                "{:>6}  {:<9} {:<40} {:<12} {:<12} opened",
                "id", "state", "app", "rectify by", "removal by"
            );
            for c in &all {
                println!(
                    "{:>6}  {:<9} {:<40} {:<12} {:<12} {}",
                    c.id,
                    state_name(c.state),
                    c.package,
                    c.rectify_deadline.as_deref().unwrap_or("-"),
                    c.removal_deadline.as_deref().unwrap_or("-"),
                    rfc3339(c.opened_at)
                );
                if args.history {
                    for t in store
                        .case_transitions(c.id)
                        .map_err(|e| other(e.to_string()))?
                    {
                        println!(
                            "          {} {} → {} (verdict {}): {}",
                            rfc3339(t.at),
                            t.from.map_or("-", state_name),
                            state_name(t.to),
                            t.verdict_seq.map_or_else(|| "-".into(), |s| s.to_string()),
                            t.reason
                        );
                    }
                }
            }
            eprintln!("{} cases", all.len());
        }
    }
    Ok(EXIT_PASS)
}
