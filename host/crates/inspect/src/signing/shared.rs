//! Entry digests computed by whoever inflates the entry first.
//!
//! v1 must digest every entry's inflated data, and inspection inflates the
//! dex files (most of an APK's inflated bytes) anyway, on another thread.
//! The inspector digests those with the hashes the JAR manifest uses and
//! sends the digests over; v1 digests every other entry itself first, then
//! takes these, so each dex file is inflated once. Anything not offered
//! (another hash, a file that could not be read, a sender that went away)
//! v1 reads itself, as without sharing.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Mutex, OnceLock};

use super::crypto::{Hash, Hasher};
use crate::zip::{Archive, Entry};
use crate::{Limits, ReadAt};

const MANIFEST: &str = "META-INF/MANIFEST.MF";

/// An entry by its place in the archive's entry list, which outlives both
/// sides (names can repeat in a hostile zip; places cannot).
fn key(entry: &Entry) -> usize {
    std::ptr::from_ref(entry) as usize
}

type Digests = HashMap<usize, Vec<(Hash, Vec<u8>)>>;

/// v1's side: digests of the `covered` entries, once they arrive.
pub struct SharedDigests {
    covered: HashSet<usize>,
    rx: Mutex<Receiver<Digests>>,
    got: OnceLock<Digests>,
}

/// The inflating side: digests each offered entry and sends them all.
pub struct DigestSender {
    hashes: Vec<Hash>,
    covered: HashSet<usize>,
    done: Digests,
    tx: Sender<Digests>,
}

/// A pair for `entries`, digested with `hashes`; `None` if there is
/// nothing to share.
pub fn share(entries: &[&Entry], hashes: Vec<Hash>) -> Option<(DigestSender, SharedDigests)> {
    if hashes.is_empty() || entries.is_empty() {
        return None;
    }
    let covered: HashSet<usize> = entries.iter().map(|e| key(e)).collect();
    let (tx, rx) = channel();
    Some((
        DigestSender {
            hashes,
            covered: covered.clone(),
            done: HashMap::new(),
            tx,
        },
        SharedDigests {
            covered,
            rx: Mutex::new(rx),
            got: OnceLock::new(),
        },
    ))
}

/// The entry-digest algorithms `META-INF/MANIFEST.MF` names (none without
/// a manifest): what v1 may ask of a shared entry.
pub fn manifest_hashes<R: ReadAt + ?Sized>(
    src: &R,
    archive: &Archive,
    limits: &Limits,
) -> Vec<Hash> {
    let Some(entry) = archive.entry(MANIFEST) else {
        return Vec::new();
    };
    if entry.uncompressed_size > limits.max_jar_signature_file {
        return Vec::new();
    }
    let Ok(text) = archive.read(src, entry, limits) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&text).to_ascii_uppercase();
    let mut hashes = Vec::new();
    for (hash, names) in [
        (
            Hash::Sha1,
            &["\nSHA1-DIGEST:", "\nSHA-1-DIGEST:", "\nSHA-DIGEST:"][..],
        ),
        (Hash::Sha256, &["\nSHA-256-DIGEST:"][..]),
    ] {
        if names.iter().any(|n| text.contains(n)) {
            hashes.push(hash);
        }
    }
    hashes
}

impl DigestSender {
    /// Digest an entry's inflated data, if it is one v1 will ask for.
    pub fn offer(&mut self, entry: &Entry, data: &[u8]) {
        if !self.covered.contains(&key(entry)) {
            return;
        }
        let digests = self
            .hashes
            .iter()
            .map(|&h| {
                let mut hasher = Hasher::new(h);
                hasher.update(data);
                (h, hasher.finish())
            })
            .collect();
        self.done.insert(key(entry), digests);
    }

    /// Hand the digests to v1. Dropping the sender instead tells v1 to read
    /// the entries itself.
    pub fn send(self) {
        // v1 may have finished without needing them: nothing to do then.
        let _ = self.tx.send(self.done);
    }
}

impl SharedDigests {
    /// Whether `entry` may be offered: v1 then digests it last.
    pub fn covers(&self, entry: &Entry) -> bool {
        self.covered.contains(&key(entry))
    }

    /// `entry`'s digests for `hashes`, in that order, waiting for the
    /// sender; `None` if it did not digest them all.
    pub fn digests(&self, entry: &Entry, hashes: &[Hash]) -> Option<Vec<Vec<u8>>> {
        let got = self.got.get_or_init(|| {
            self.rx
                .lock()
                .ok()
                .and_then(|rx| rx.recv().ok())
                .unwrap_or_default()
        });
        let have = got.get(&key(entry))?;
        hashes
            .iter()
            .map(|h| have.iter().find(|(k, _)| k == h).map(|(_, d)| d.clone()))
            .collect()
    }
}
