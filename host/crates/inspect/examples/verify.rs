//! Signature verification alone, as `apksigner verify` runs it: the APK's
//! own SDK range (from its manifest, as apksigner reads it), one streaming
//! pass, then the verdict. scripts/bench-inspect.sh times it against
//! `apksigner verify` and `sha256sum`.
//!
//! Usage: `verify APK...`; prints `verified` or `DOES NOT VERIFY` and the
//! schemes that verified, one line per APK. Exit status 1 if any does not
//! verify, 3 if one cannot be read, as `shelfgate inspect` does.

use std::fs::File;
use std::path::Path;
use std::process::ExitCode;

use shelfgate_inspect::manifest;
use shelfgate_inspect::signing::{self, Options};
use shelfgate_inspect::zip::Archive;
use shelfgate_inspect::Limits;

fn verify(path: &Path, limits: &Limits) -> Result<bool, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let archive = Archive::parse(&file, limits).map_err(|e| e.to_string())?;
    // apksigner takes the range from the manifest, unresolved against the
    // resources; without one, every platform from API 1.
    let manifest = archive
        .entry("AndroidManifest.xml")
        .and_then(|e| archive.read(&file, e, limits).ok())
        .and_then(|xml| manifest::parse(&xml, None, limits).ok());
    let options = match manifest {
        Some(m) => {
            let mut options = Options::new(m.min_sdk);
            options.target_sdk = Some(m.target_sdk);
            options
        }
        None => Options::new(1),
    };
    let facts = signing::verify_apk(&file, &archive, &options, limits);
    let schemes: Vec<&str> = facts
        .schemes
        .iter()
        .filter(|s| s.verified)
        .map(|s| s.scheme.as_str())
        .collect();
    let verdict = if facts.verified {
        "verified"
    } else {
        "DOES NOT VERIFY"
    };
    println!("{}: {verdict} ({})", path.display(), schemes.join(", "));
    Ok(facts.verified)
}

fn main() -> ExitCode {
    let limits = Limits::default();
    let mut status = ExitCode::SUCCESS;
    for arg in std::env::args_os().skip(1) {
        let path = Path::new(&arg);
        match verify(path, &limits) {
            Ok(true) => {}
            Ok(false) => status = ExitCode::FAILURE,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::from(3);
            }
        }
    }
    status
}
