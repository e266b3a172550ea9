//! `shelfgate report`: the campaign report as text, JSON or HTML.

use super::args::{ReportArgs, ReportFormat};
use super::recheck::open_store;
use super::{Failure, Result, EXIT_PASS};
use crate::clock::utc_date;
use crate::report;

pub fn report(args: ReportArgs) -> Result<u8> {
    let store = open_store(&args.data)?;
    let r = report::campaign(store.as_ref(), &utc_date(std::time::SystemTime::now()))
        .map_err(|e| Failure::other(format!("building the report: {e}")))?;
    let text = match args.format {
        ReportFormat::Text => report::text(&r),
        ReportFormat::Json => serde_json::to_string_pretty(&r).unwrap_or_default() + "\n",
        ReportFormat::Html => report::html::render(&r),
    };
    match &args.out {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::other(format!("writing `{}`: {e}", path.display())))?,
        None => print!("{text}"),
    }
    Ok(EXIT_PASS)
}
