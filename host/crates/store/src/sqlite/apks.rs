//! Kept APK bytes: files named by their sha256 under `apks/`.
//!
//! Files, not rows: an APK runs to tens of megabytes, which SQLite stores
//! poorly and a file system well. A file appears under its final name only
//! once it is complete, fsynced and its digest checked.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use super::columns::check_sha256;
use crate::{Result, StoreError};

fn path_of(dir: &Path, sha256: &str) -> PathBuf {
    // Two hex digits of fan-out keep directories small.
    dir.join(sha256.get(..2).unwrap_or("xx"))
        .join(format!("{sha256}.apk"))
}

pub(super) fn put(dir: &Path, sha256: &str, apk: &mut dyn Read) -> Result<bool> {
    check_sha256("apk sha256", sha256)?;
    let path = path_of(dir, sha256);
    if path.is_file() {
        return Ok(true);
    }
    let parent = path.parent().unwrap_or(dir);
    fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let temp = parent.join(format!(
        ".{sha256}.{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let result = write_checked(&temp, sha256, apk).and_then(|()| {
        fs::rename(&temp, &path).map_err(StoreError::io(&path))?;
        File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(StoreError::io(parent))
    });
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map(|()| true)
}

fn write_checked(temp: &Path, sha256: &str, apk: &mut dyn Read) -> Result<()> {
    let mut file = File::create(temp).map_err(StoreError::io(temp))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = match apk.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(StoreError::io(temp)(e)),
        };
        let chunk = buf.get(..n).unwrap_or_default();
        hasher.update(chunk);
        file.write_all(chunk).map_err(StoreError::io(temp))?;
    }
    let actual: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if actual != sha256 {
        return Err(StoreError::Invalid(format!(
            "APK bytes have sha256 {actual}, not {sha256}"
        )));
    }
    file.sync_all().map_err(StoreError::io(temp))
}

pub(super) fn open(dir: &Path, sha256: &str) -> Result<Option<Box<dyn Read + Send>>> {
    check_sha256("apk sha256", sha256)?;
    let path = path_of(dir, sha256);
    match File::open(&path) {
        Ok(file) => Ok(Some(Box::new(file))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(path)(e)),
    }
}
