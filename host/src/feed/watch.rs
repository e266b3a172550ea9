//! The watched policy directory: a changed file means a reload.
//!
//! The directory holds a signed bundle in directory form (`bundle.json`,
//! `bundle.sig`, `modules/`, `fixtures/`). It is polled: a fingerprint of
//! every file's path, size and modification time, compared each interval.
//! Polling works the same on every filesystem (network mounts and
//! container volumes included, where change notifications are unreliable)
//! and costs a few `stat` calls. A change is acted on once the fingerprint
//! has stayed the same for one interval, so a bundle being copied in is
//! not read half-written; a refused bundle is not retried until the
//! directory changes again.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use tracing::warn;

use super::Activator;

/// Files beyond this many are not fingerprinted; the bundle limits refuse
/// such a directory anyway.
const MAX_FILES: usize = 4096;
const MAX_DEPTH: usize = 4;

/// Path, size and modification time of every file, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fingerprint(Vec<(PathBuf, u64, Option<SystemTime>)>);

pub fn fingerprint(dir: &Path) -> Fingerprint {
    let mut files = Vec::new();
    walk(dir, 0, &mut files);
    files.sort();
    Fingerprint(files)
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<(PathBuf, u64, Option<SystemTime>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if out.len() >= MAX_FILES {
            return;
        }
        let path = entry.path();
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if meta.is_dir() {
            if depth < MAX_DEPTH {
                walk(&path, depth + 1, out);
            }
        } else {
            out.push((path, meta.len(), meta.modified().ok()));
        }
    }
}

/// Watches `dir` until `shutdown` turns true; `seen` is the fingerprint of
/// what start-up already loaded.
pub async fn run(
    activator: Arc<Activator>,
    dir: PathBuf,
    interval: Duration,
    seen: Fingerprint,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut attempted = seen.clone();
    let mut previous = seen;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
        let d = dir.clone();
        let Ok(now) = tokio::task::spawn_blocking(move || fingerprint(&d)).await else {
            continue;
        };
        let settled = now == previous;
        previous = now.clone();
        if !settled || now == attempted {
            continue;
        }
        attempted = now;
        let a = activator.clone();
        let d = dir.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || a.activate_dir(&d)).await {
            warn!(error = %e, "policy directory activation task failed");
        }
    }
}
