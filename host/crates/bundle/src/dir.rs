//! The directory form of a bundle, and building one from compiled modules.
//!
//! ```text
//! bundle.json        the manifest, pretty-printed (signed in canonical form)
//! bundle.sig         {"key_id":"…","algorithm":"ed25519","signature":"…"}
//! modules/ID.wasm
//! fixtures/NAME.json
//! ```
//!
//! Reading a directory yields the archive bytes, so a watched directory, an
//! admin upload and a feed all go through the one [`crate::verify`], and
//! the bytes that passed are the ones persisted as the last good set. Any
//! other file in the directory is carried along and then refused by
//! verification as unlisted.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::archive::{self, Parts, SignatureDoc};
use crate::manifest::{FileKind, FIXTURES_DIR, MODULES_DIR};
use crate::{BuildOptions, Bundle, BundleError, Limits, SignedBundle};

const MANIFEST_FILE: &str = "bundle.json";
const SIGNATURE_FILE: &str = "bundle.sig";
/// Deeper than the layout needs, so a stray nested file is still found
/// and reported as unlisted.
const MAX_DEPTH: usize = 4;

/// Builds a bundle from every `ID.wasm` in `modules_dir` and every
/// `NAME.json` in `fixtures_dir`. Other files there are ignored, so a
/// cargo target directory can serve as `modules_dir`.
pub fn build(
    modules_dir: &Path,
    fixtures_dir: Option<&Path>,
    options: &BuildOptions,
    limits: &Limits,
) -> Result<Bundle, BundleError> {
    let modules = read_flat(modules_dir, ".wasm", limits.max_module_bytes, limits)?;
    let fixtures = match fixtures_dir {
        Some(dir) => read_flat(dir, ".json", limits.max_fixture_bytes, limits)?,
        None => BTreeMap::new(),
    };
    Bundle::new(options, modules, fixtures, limits)
}

/// Reads `dir/NAME{ext}` regular files, by NAME.
fn read_flat(
    dir: &Path,
    ext: &str,
    max_bytes: u64,
    limits: &Limits,
) -> Result<BTreeMap<String, Vec<u8>>, BundleError> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(dir).map_err(BundleError::io(dir))? {
        let entry = entry.map_err(BundleError::io(dir))?;
        let path = entry.path();
        let Some(name) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.strip_suffix(ext))
            .map(str::to_owned)
        else {
            continue;
        };
        if !entry.file_type().map_err(BundleError::io(&path))?.is_file() {
            continue;
        }
        if out.len() >= limits.max_files {
            return Err(BundleError::Malformed(format!(
                "`{}` has more than {} `*{ext}` files",
                dir.display(),
                limits.max_files
            )));
        }
        out.insert(name, read_bounded(&path, max_bytes)?);
    }
    Ok(out)
}

/// Reads a bundle directory into archive bytes, without judging it.
pub fn read_dir(dir: &Path, limits: &Limits) -> Result<Vec<u8>, BundleError> {
    let manifest_bytes = read_bounded(&dir.join(MANIFEST_FILE), limits.max_manifest_bytes)?;
    let manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| BundleError::Malformed(format!("`{MANIFEST_FILE}` is not JSON: {e}")))?;
    let signature_bytes = read_bounded(&dir.join(SIGNATURE_FILE), limits.max_manifest_bytes)?;
    let signature: SignatureDoc = serde_json::from_slice(&signature_bytes)
        .map_err(|e| BundleError::Malformed(format!("`{SIGNATURE_FILE}` is malformed: {e}")))?;
    let mut files = BTreeMap::new();
    let mut total = 0u64;
    collect(dir, "", 0, limits, &mut files, &mut total)?;
    Ok(archive::encode(&Parts {
        manifest,
        signature,
        files,
    }))
}

fn collect(
    dir: &Path,
    prefix: &str,
    depth: usize,
    limits: &Limits,
    files: &mut BTreeMap<String, Vec<u8>>,
    total: &mut u64,
) -> Result<(), BundleError> {
    let mut entries = fs::read_dir(dir)
        .map_err(BundleError::io(dir))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(BundleError::io(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        if depth == 0 && (name == MANIFEST_FILE || name == SIGNATURE_FILE) {
            continue;
        }
        // `file_type` does not follow links: a link is refused, never read.
        let kind = entry.file_type().map_err(BundleError::io(&path))?;
        if kind.is_dir() && depth < MAX_DEPTH {
            collect(&path, &format!("{rel}/"), depth + 1, limits, files, total)?;
            continue;
        }
        if !kind.is_file() {
            return Err(BundleError::Malformed(format!(
                "`{rel}` is not a regular file"
            )));
        }
        if files.len() >= limits.max_files {
            return Err(BundleError::Malformed(format!(
                "more than {} files in the bundle directory",
                limits.max_files
            )));
        }
        let data = read_bounded(&path, FileKind::of(&rel).limit(limits))?;
        *total = total.saturating_add(u64::try_from(data.len()).unwrap_or(u64::MAX));
        if *total > limits.max_bundle_bytes {
            return Err(BundleError::TooLarge {
                what: "bundle directory".into(),
                size: *total,
                limit: limits.max_bundle_bytes,
            });
        }
        files.insert(rel, data);
    }
    Ok(())
}

impl SignedBundle {
    /// Writes the directory form into `dir`, which must be empty or absent,
    /// so no stale file from an older bundle is left beside the new one.
    pub fn write_dir(&self, dir: &Path) -> Result<(), BundleError> {
        if fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
            return Err(BundleError::Io {
                path: dir.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "directory is not empty",
                ),
            });
        }
        for sub in [MODULES_DIR, FIXTURES_DIR] {
            let path = dir.join(sub);
            fs::create_dir_all(&path).map_err(BundleError::io(&path))?;
        }
        let parts = self.parts()?;
        let mut manifest = serde_json::to_vec_pretty(&parts.manifest)
            .map_err(|e| BundleError::InvalidManifest(e.to_string()))?;
        manifest.push(b'\n');
        write(&dir.join(MANIFEST_FILE), &manifest)?;
        let mut signature = serde_json::to_vec_pretty(&self.signature_doc())
            .map_err(|e| BundleError::Malformed(e.to_string()))?;
        signature.push(b'\n');
        write(&dir.join(SIGNATURE_FILE), &signature)?;
        for (rel, data) in &parts.files {
            // `Bundle::new` made every path `modules/ID.wasm` or `fixtures/NAME.json`.
            write(&dir.join(rel), data)?;
        }
        Ok(())
    }
}

fn write(path: &Path, data: &[u8]) -> Result<(), BundleError> {
    fs::write(path, data).map_err(BundleError::io(path))
}

/// Reads at most `limit` bytes, refusing a longer file without reading it all.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, BundleError> {
    let file = fs::File::open(path).map_err(BundleError::io(path))?;
    let mut data = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(BundleError::io(PathBuf::from(path)))?;
    let size = u64::try_from(data.len()).unwrap_or(u64::MAX);
    if size > limit {
        return Err(BundleError::TooLarge {
            what: format!("`{}`", path.display()),
            size,
            limit,
        });
    }
    Ok(data)
}
