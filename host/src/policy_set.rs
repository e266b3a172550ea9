//! Policy sets: immutable values swapped atomically.
//!
//! An evaluation takes an `Arc` of the set that is active when it starts and
//! finishes on it, whatever is activated meanwhile. Swapping is one atomic
//! pointer store, so the service never pauses to load policies.

use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;
use sha2::{Digest, Sha256};
use shelfgate_contract::types::{EnforcementMode, FailureMode, PolicyRef};

use crate::engine::{hex, Engine, LoadError, LoadedPolicy};

/// One policy of a set, with the platform's choices for it.
#[derive(Debug)]
pub struct Policy {
    pub loaded: LoadedPolicy,
    pub mode: EnforcementMode,
    pub failure: FailureMode,
}

impl Policy {
    pub fn id(&self) -> &str {
        &self.loaded.metadata.id
    }
}

/// An immutable set of policies with a content digest.
#[derive(Debug)]
pub struct PolicySet {
    pub id: String,
    /// sha256 over every policy's id, digest, mode and failure mode.
    pub digest: String,
    /// Where it came from: `builtin`, `dir:/path`, `bundle:<id>`, `feed:<url>`.
    pub source: String,
    /// Sorted by policy id, so verdicts list findings in a stable order.
    pub policies: Vec<Policy>,
}

/// Why a set could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("two policies have the id `{0}`")]
    DuplicateId(String),
    #[error("reading `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{0}` holds no .wasm policy components")]
    Empty(String),
}

impl PolicySet {
    /// Assemble a set; the id is derived from the digest unless given.
    pub fn new(
        id: Option<String>,
        source: impl Into<String>,
        mut policies: Vec<Policy>,
    ) -> Result<PolicySet, SetError> {
        policies.sort_by(|a, b| a.id().cmp(b.id()));
        for pair in policies.windows(2) {
            if pair[0].id() == pair[1].id() {
                return Err(SetError::DuplicateId(pair[0].id().to_string()));
            }
        }
        let mut h = Sha256::new();
        for p in &policies {
            h.update(p.id().as_bytes());
            h.update([0]);
            h.update(p.loaded.digest.as_bytes());
            h.update([0, mode_byte(p.mode), failure_byte(p.failure), 0]);
        }
        let digest = hex(&h.finalize());
        let id = id.unwrap_or_else(|| format!("set-{}", &digest[..12]));
        Ok(PolicySet {
            id,
            digest,
            source: source.into(),
            policies,
        })
    }

    /// The built-in regulator pack, embedded in the binary.
    pub fn builtin(engine: &Engine) -> Result<PolicySet, SetError> {
        let policies = builtin_policies(engine)?;
        PolicySet::new(None, "builtin", policies)
    }

    pub fn refs(&self) -> Vec<PolicyRef> {
        self.policies
            .iter()
            .map(|p| PolicyRef {
                id: p.id().to_string(),
                version: p.loaded.metadata.version.clone(),
                digest: p.loaded.digest.clone(),
                mode: p.mode,
            })
            .collect()
    }
}

/// The built-in pack's policies, enforcing and failing closed.
pub fn builtin_policies(engine: &Engine) -> Result<Vec<Policy>, SetError> {
    shelfgate_policy_artifacts::PACK
        .iter()
        .map(|a| {
            Ok(Policy {
                loaded: engine.load(a.name, a.bytes)?,
                mode: EnforcementMode::Enforce,
                failure: FailureMode::FailClosed,
            })
        })
        .collect()
}

/// Every `*.wasm` component in `dir` (or the one file `dir` names),
/// enforcing and failing closed.
pub fn policies_from_path(engine: &Engine, path: &Path) -> Result<Vec<Policy>, SetError> {
    let io = |source| SetError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut files = Vec::new();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).map_err(io)? {
            let p = entry.map_err(io)?.path();
            if p.extension().is_some_and(|e| e == "wasm") {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    if files.is_empty() {
        return Err(SetError::Empty(path.display().to_string()));
    }
    files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(f).map_err(|source| SetError::Io {
                path: f.display().to_string(),
                source,
            })?;
            let name = f
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(Policy {
                loaded: engine.load(&name, &bytes)?,
                mode: EnforcementMode::Enforce,
                failure: FailureMode::FailClosed,
            })
        })
        .collect()
}

fn mode_byte(m: EnforcementMode) -> u8 {
    match m {
        EnforcementMode::Enforce => b'e',
        EnforcementMode::Warn => b'w',
        EnforcementMode::Shadow => b's',
    }
}

fn failure_byte(f: FailureMode) -> u8 {
    match f {
        FailureMode::FailClosed => b'c',
        FailureMode::FailReject => b'r',
        FailureMode::FailOpen => b'o',
    }
}

/// The active set, replaceable while evaluations run.
pub struct ActiveSet {
    current: ArcSwap<PolicySet>,
}

impl ActiveSet {
    pub fn new(set: PolicySet) -> ActiveSet {
        ActiveSet {
            current: ArcSwap::from_pointee(set),
        }
    }

    /// The set to evaluate with; it stays valid however often the active
    /// set changes afterwards.
    pub fn get(&self) -> Arc<PolicySet> {
        self.current.load_full()
    }

    /// Activate `set`, returning the one it replaced.
    pub fn swap(&self, set: Arc<PolicySet>) -> Arc<PolicySet> {
        self.current.swap(set)
    }
}
