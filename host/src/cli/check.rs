//! `shelfgate check` and `shelfgate inspect`.

use std::path::Path;
use std::sync::Arc;

use shelfgate_contract::json;
use shelfgate_contract::types::{ApkFacts, Decision};
use shelfgate_inspect::sdk::SdkTable;
use shelfgate_inspect::{Inspector, Limits};

use super::args::{CheckArgs, Format, InspectArgs};
use super::{output, policy, Failure, Result, EXIT_PASS, EXIT_RECTIFY, EXIT_REJECT};
use crate::context::{today, PlatformConfig};
use crate::engine::EvalInput;
use crate::listing::read_listing;

pub fn check(args: CheckArgs) -> Result<u8> {
    let config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::input(format!("cannot read config `{}`: {e}", path.display()))
            })?;
            serde_json::from_str::<PlatformConfig>(&text).map_err(|e| {
                Failure::input(format!("config `{}` is invalid: {e}", path.display()))
            })?
        }
        None => PlatformConfig::default(),
    };
    let date = match args.date {
        Some(d) if is_date(&d) => d,
        Some(d) => {
            return Err(Failure {
                code: 2,
                message: format!("--date `{d}` is not YYYY-MM-DD"),
            })
        }
        None => today(),
    };
    let (listing, listing_sha256) =
        read_listing(&args.listing).map_err(|e| Failure::input(e.to_string()))?;
    let facts = inspect(&args.apk, &args.sdk_table)?;
    let evaluator = policy::evaluator()?;
    let set = policy::load_set(evaluator.engine(), &args.source)?;
    let context = config.context(&listing, &date, None);
    let input = Arc::new(EvalInput {
        facts: Arc::new(facts),
        listing: Arc::new(listing),
        context,
    });
    let verdict = evaluator.evaluate(&set, &input, &listing_sha256);
    match args.format {
        Format::Json => println!("{}", json::to_string_pretty(&verdict)),
        Format::Text => print!("{}", output::verdict_text(&verdict, &input.facts)),
    }
    Ok(match verdict.decision {
        Decision::Pass => EXIT_PASS,
        Decision::Rectify => EXIT_RECTIFY,
        Decision::Reject => EXIT_REJECT,
    })
}

fn inspector(extra_tables: &[std::path::PathBuf]) -> Result<Inspector> {
    if extra_tables.is_empty() {
        // The built-in table is compiled only if an APK is fully inspected.
        return Ok(Inspector::with_builtin_sdks(Limits::default()));
    }
    Ok(Inspector::new(Limits::default(), sdk_table(extra_tables)?))
}

/// The built-in SDK table with the platform's `--sdk-table` files merged in.
pub(super) fn sdk_table(extra_tables: &[std::path::PathBuf]) -> Result<SdkTable> {
    let mut sdks = SdkTable::builtin();
    for path in extra_tables {
        let bytes = std::fs::read(path).map_err(|e| {
            Failure::input(format!("cannot read SDK table `{}`: {e}", path.display()))
        })?;
        let table = SdkTable::from_json(&bytes).map_err(|e| {
            Failure::input(format!("SDK table `{}` is invalid: {e}", path.display()))
        })?;
        sdks.merge(table)
            .map_err(|e| Failure::input(format!("SDK table `{}`: {e}", path.display())))?;
    }
    Ok(sdks)
}

fn inspect(apk: &Path, extra_tables: &[std::path::PathBuf]) -> Result<ApkFacts> {
    inspect_with(&inspector(extra_tables)?, apk)
}

fn inspect_with(inspector: &Inspector, apk: &Path) -> Result<ApkFacts> {
    inspector
        .inspect_path(apk)
        .map_err(|e| Failure::input(format!("`{}`: {e}", apk.display())))
}

pub fn inspect_cmd(args: InspectArgs) -> Result<u8> {
    let inspector = inspector(&args.sdk_table)?;
    if args.manifest_only {
        let file = std::fs::File::open(&args.apk)
            .map_err(|e| Failure::input(format!("`{}`: {e}", args.apk.display())))?;
        let m = inspector
            .manifest_only(&file)
            .map_err(|e| Failure::input(format!("`{}`: {e}", args.apk.display())))?;
        match args.format {
            Format::Json => println!("{}", output::manifest_json(&m)),
            Format::Text => print!("{}", output::manifest_text(&m)),
        }
        return Ok(EXIT_PASS);
    }
    let facts = inspect_with(&inspector, &args.apk)?;
    match args.format {
        Format::Json => println!("{}", json::to_string_pretty(&facts)),
        Format::Text => print!("{}", output::facts_text(&facts)),
    }
    Ok(EXIT_PASS)
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}
