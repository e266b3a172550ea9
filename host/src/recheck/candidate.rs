//! The candidate set of a shadow recheck: "what would this new regulator
//! policy do to our catalogue".
//!
//! A signed bundle is verified exactly as an activation would verify it
//! (trusted key, validity window, file digests); its fixtures are not run,
//! because a shadow run changes nothing and its report is the point. Plain
//! `.wasm` components are accepted from a local path too, for a platform's
//! own policy authors: they are sandboxed like any policy.

use std::path::Path;
use std::time::SystemTime;

use shelfgate_bundle::{Limits, TrustedKeys};

use crate::engine::Engine;
use crate::policy_set::{policies_from_path, Policy, PolicySet};

#[derive(Debug, thiserror::Error)]
pub enum CandidateError {
    #[error("a candidate bundle is verified with trusted keys, and none are configured")]
    NoTrustedKeys,
    #[error(transparent)]
    Bundle(#[from] shelfgate_bundle::BundleError),
    #[error(transparent)]
    Load(#[from] crate::engine::LoadError),
    #[error(transparent)]
    Set(#[from] crate::policy_set::SetError),
    #[error("reading `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// A set from a bundle in archive form, verified at `now`.
pub fn from_bundle(
    engine: &Engine,
    archive: &[u8],
    trusted: &TrustedKeys,
    limits: &Limits,
    now: SystemTime,
    source: &str,
) -> Result<PolicySet, CandidateError> {
    if trusted.is_empty() {
        return Err(CandidateError::NoTrustedKeys);
    }
    let verified = shelfgate_bundle::verify(archive, trusted, now, limits)?;
    let manifest = verified.manifest().clone();
    let policies = verified
        .into_modules()
        .into_iter()
        .map(|m| {
            Ok(Policy {
                loaded: engine.load(&m.entry.id, &m.bytes)?,
                mode: m.entry.mode,
                failure: m.entry.failure,
            })
        })
        .collect::<Result<Vec<_>, CandidateError>>()?;
    Ok(PolicySet::new(
        Some(format!("{}-r{}", manifest.id, manifest.revision)),
        source,
        policies,
    )?)
}

/// A set from a path: a bundle directory (`bundle.json` inside), a bundle
/// archive (`*.json`), or `.wasm` components (a directory or one file).
pub fn from_path(
    engine: &Engine,
    path: &Path,
    trusted: &TrustedKeys,
    limits: &Limits,
    now: SystemTime,
) -> Result<PolicySet, CandidateError> {
    let source = format!("candidate:{}", path.display());
    if path.join("bundle.json").is_file() {
        let archive = shelfgate_bundle::read_dir(path, limits)?;
        return from_bundle(engine, &archive, trusted, limits, now, &source);
    }
    if path.is_file() && path.extension().is_some_and(|e| e == "json") {
        let archive = std::fs::read(path).map_err(|source| CandidateError::Io {
            path: path.display().to_string(),
            source,
        })?;
        return from_bundle(engine, &archive, trusted, limits, now, &source);
    }
    let policies = policies_from_path(engine, path)?;
    Ok(PolicySet::new(None, source, policies)?)
}
