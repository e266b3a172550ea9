//! Native code and code hidden outside `classes*.dex`.
//!
//! [`libraries`] lists `lib/<abi>/*.so`, the files the package manager
//! extracts or maps, and their ABIs. [`payloads`] finds code an app can load
//! at run time from its own archive: dex files, jars and APKs nested
//! anywhere (assets, `res/raw`, the root), whatever their names, and files
//! named as code that are not (an encrypted dex, as packers ship).
//!
//! Finding disguised code means looking at every entry's first bytes. Stored
//! entries cost one positional read; deflated ones inflate a few bytes
//! (`Peeker`). Only an entry that is code is read whole, hashed and, when it
//! holds dex code, added to the [`DexIndex`] as a payload.

use std::collections::{BTreeMap, HashSet};

use flate2::{Decompress, FlushDecompress};
use sha2::{Digest, Sha256};
use shelfgate_contract::types::{NativeLib, Payload};

use crate::dex::{self, DexIndex, DexOrigin};
use crate::zip::{Archive, Entry, METHOD_DEFLATED};
use crate::{InspectError, Limits, ReadAt};

/// Bytes enough to tell dex, odex, compact dex and zip apart.
const MAGIC_LEN: usize = 4;
/// Compressed bytes inflated, in turn, to reach the first [`MAGIC_LEN`]
/// bytes; a dynamic Huffman header is far smaller than the last.
const PEEK_INPUT: [usize; 2] = [256, 4 << 10];
/// Files named as code but smaller than this are placeholders, not payloads.
const MIN_ENCRYPTED: u64 = 64;

/// The ABIs and libraries under `lib/<abi>/`, each sorted. A repeated name
/// counts once, as the first copy is the one Android extracts.
pub fn libraries(archive: &Archive) -> (Vec<String>, Vec<NativeLib>) {
    let mut libs: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for entry in archive.entries() {
        let Some((abi, name)) = entry
            .name
            .strip_prefix("lib/")
            .and_then(|rest| rest.split_once('/'))
        else {
            continue;
        };
        if abi.is_empty() || name.contains('/') || !name.ends_with(".so") {
            continue;
        }
        libs.entry((abi, name)).or_insert(entry.uncompressed_size);
    }
    let mut abis: Vec<String> = libs.keys().map(|(abi, _)| abi.to_string()).collect();
    abis.dedup();
    let libs = libs
        .into_iter()
        .map(|((abi, name), size)| NativeLib {
            abi: abi.to_owned(),
            name: name.to_owned(),
            size,
        })
        .collect();
    (abis, libs)
}

/// What an entry's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Magic {
    /// `dex\n`, optimised `dey\n` or compact `cdex`.
    Dex,
    Zip,
    Other,
}

impl Magic {
    fn of(head: &[u8]) -> Magic {
        match head {
            [b'd', b'e', b'x' | b'y', b'\n', ..] | [b'c', b'd', b'e', b'x', ..] => Magic::Dex,
            [b'P', b'K', 3, 4, ..] => Magic::Zip,
            _ => Magic::Other,
        }
    }
}

/// Hidden code in `archive`, sorted by path. Dex files found (directly or
/// inside a nested jar or APK) are added to `index` as payloads; one that
/// does not parse is still reported, as it may be what a packer decrypts.
///
/// A payload that cannot be read within the limits is reported with an
/// empty `sha256`.
pub fn payloads<R: ReadAt + ?Sized>(
    archive: &Archive,
    src: &R,
    limits: &Limits,
    index: &mut DexIndex,
) -> Result<Vec<Payload>, InspectError> {
    let loaded: HashSet<&str> = dex::loaded_dex(archive, limits)
        .into_iter()
        .map(|e| e.name.as_str())
        .collect();
    let mut budget = limits.max_payload_bytes;
    let mut peeker = Peeker::new();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for entry in archive.entries() {
        let name = entry.name.as_str();
        if loaded.contains(name) || !seen.insert(name) || !may_hide_code(name) {
            continue;
        }
        if entry.unreadable.is_some() {
            continue;
        }
        let magic = peeker
            .head(src, entry)
            .map_or(Magic::Other, |head| Magic::of(&head));
        let named = named_as_code(name);
        if magic == Magic::Other && !(named && entry.uncompressed_size >= MIN_ENCRYPTED) {
            continue;
        }
        let bytes = if entry.uncompressed_size <= budget {
            archive.read(src, entry, limits).ok()
        } else {
            None
        };
        let Some(bytes) = bytes else {
            if magic != Magic::Zip || named {
                out.push(payload(name, magic, entry.uncompressed_size, None));
            }
            continue;
        };
        budget = budget.saturating_sub(bytes.len() as u64);
        let kind = match magic {
            Magic::Dex => {
                // A payload that does not parse is still a payload.
                let _ = index.add(name, &bytes, DexOrigin::Payload, limits);
                "dex"
            }
            Magic::Zip => match nested(name, &bytes, limits, index, &mut budget) {
                Some(kind) => kind,
                None => continue,
            },
            Magic::Other => "encrypted",
        };
        out.push(Payload {
            path: name.to_owned(),
            kind: kind.to_owned(),
            size: bytes.len() as u64,
            sha256: crate::hex::hex(&Sha256::digest(&bytes)),
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn payload(path: &str, magic: Magic, size: u64, sha256: Option<String>) -> Payload {
    let kind = match magic {
        Magic::Dex => "dex",
        Magic::Zip => "jar",
        Magic::Other => "encrypted",
    };
    Payload {
        path: path.to_owned(),
        kind: kind.to_owned(),
        size,
        sha256: sha256.unwrap_or_default(),
    }
}

/// Every file but the manifest and resource table, which their own modules
/// read: code hides under any name, `lib/` and `META-INF/` included.
fn may_hide_code(name: &str) -> bool {
    !(name.ends_with('/') || name == "AndroidManifest.xml" || name == "resources.arsc")
}

/// A name that says dex, jar or APK, also with a suffix added (`x.dex.enc`).
fn named_as_code(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    [".dex", ".odex", ".jar", ".apk"]
        .iter()
        .any(|ext| file.ends_with(ext) || file.contains(&format!("{ext}.")))
}

/// Classify a nested archive: `apk` when it has a manifest, `jar` when it
/// has dex code, `None` for a plain zip of data. Its dex files join the
/// index; archives nested deeper are not opened.
fn nested(
    outer: &str,
    bytes: &[u8],
    limits: &Limits,
    index: &mut DexIndex,
    budget: &mut u64,
) -> Option<&'static str> {
    let archive = Archive::parse(bytes, limits).ok()?;
    let is_apk = archive.entry("AndroidManifest.xml").is_some();
    let mut has_dex = false;
    for entry in archive.entries() {
        let file = entry.name.as_str();
        if !(file.starts_with("classes") && file.ends_with(".dex")) || file.contains('/') {
            continue;
        }
        has_dex = true;
        if entry.uncompressed_size > *budget {
            continue;
        }
        if let Ok(dex) = archive.read(bytes, entry, limits) {
            *budget = budget.saturating_sub(dex.len() as u64);
            let _ = index.add(
                &format!("{outer}!/{file}"),
                &dex,
                DexOrigin::Payload,
                limits,
            );
        }
    }
    match (is_apk, has_dex) {
        (true, _) => Some("apk"),
        (false, true) => Some("jar"),
        (false, false) => None,
    }
}

/// Reads the first bytes of entries without reading the rest: stored data
/// is read in place, deflated data is inflated only until they appear. One
/// inflater serves every entry.
struct Peeker {
    inflater: Decompress,
    input: Vec<u8>,
}

impl Peeker {
    fn new() -> Peeker {
        Peeker {
            inflater: Decompress::new(false),
            input: Vec::new(),
        }
    }

    fn head<R: ReadAt + ?Sized>(&mut self, src: &R, entry: &Entry) -> Option<[u8; MAGIC_LEN]> {
        let mut head = [0u8; MAGIC_LEN];
        if entry.uncompressed_size < MAGIC_LEN as u64 {
            return None;
        }
        if entry.method != METHOD_DEFLATED {
            src.read_exact_at(entry.data_offset, &mut head).ok()?;
            return Some(head);
        }
        // The inflater decodes as far as its input goes, so start small: a
        // block header and a few bytes of data usually fit in the first.
        let compressed = usize::try_from(entry.compressed_size).unwrap_or(usize::MAX);
        for take in PEEK_INPUT {
            let take = take.min(compressed);
            self.input.resize(take, 0);
            src.read_exact_at(entry.data_offset, &mut self.input).ok()?;
            self.inflater.reset(false);
            let status = self
                .inflater
                .decompress(&self.input, &mut head, FlushDecompress::Sync);
            if status.is_ok() && self.inflater.total_out() >= MAGIC_LEN as u64 {
                return Some(head);
            }
            if take == compressed {
                return None;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A zip of `(name, data, deflate)` entries, central directory last.
    fn zip(files: &[(&str, Vec<u8>, bool)]) -> Vec<u8> {
        let (mut out, mut cd) = (Vec::new(), Vec::new());
        for (name, data, deflate) in files {
            let stored = if *deflate {
                let mut enc =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(data).unwrap();
                enc.finish().unwrap()
            } else {
                data.clone()
            };
            let method: u16 = if *deflate { 8 } else { 0 };
            let offset = out.len() as u32;
            let common = |v: &mut Vec<u8>| {
                v.extend_from_slice(&[20, 0, 0, 0]);
                v.extend_from_slice(&method.to_le_bytes());
                v.extend_from_slice(&[0, 0, 0, 0]);
                v.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
                v.extend_from_slice(&(stored.len() as u32).to_le_bytes());
                v.extend_from_slice(&(data.len() as u32).to_le_bytes());
                v.extend_from_slice(&(name.len() as u16).to_le_bytes());
                v.extend_from_slice(&[0, 0]);
            };
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            common(&mut out);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&stored);
            cd.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            cd.extend_from_slice(&[20, 0]);
            common(&mut cd);
            cd.extend_from_slice(&[0; 10]);
            cd.extend_from_slice(&offset.to_le_bytes());
            cd.extend_from_slice(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&cd);
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(files.len() as u16).to_le_bytes());
        out.extend_from_slice(&(files.len() as u16).to_le_bytes());
        out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    /// The smallest dex that parses: a header with empty tables.
    fn empty_dex() -> Vec<u8> {
        let mut d = vec![0u8; 0x70];
        d[..8].copy_from_slice(b"dex\n035\0");
        d[32..36].copy_from_slice(&0x70u32.to_le_bytes());
        d[36..40].copy_from_slice(&0x70u32.to_le_bytes());
        d[40..44].copy_from_slice(&0x1234_5678u32.to_le_bytes());
        d
    }

    #[test]
    fn disguised_and_nested_code_is_found() {
        let noise: Vec<u8> = (0..200u32).map(|i| (i * 7919 % 251) as u8).collect();
        let apk = zip(&[
            ("AndroidManifest.xml", b"\x03\x00\x08\x00".to_vec(), false),
            ("classes.dex", empty_dex(), true),
            ("classes3.dex", empty_dex(), false),
            ("assets/logo.png", empty_dex(), false),
            ("assets/hidden.dat", empty_dex(), true),
            ("assets/x.dex.enc", noise.clone(), true),
            ("assets/readme.txt", noise, false),
            (
                "assets/plugin.jar",
                zip(&[("classes.dex", empty_dex(), true)]),
                false,
            ),
            (
                "res/raw/update.bin",
                zip(&[("AndroidManifest.xml", vec![3, 0, 8, 0], false)]),
                true,
            ),
            (
                "assets/web.zip",
                zip(&[("index.html", b"<html>".to_vec(), true)]),
                false,
            ),
            ("lib/arm64-v8a/libx.so", b"\x7fELF....".to_vec(), false),
        ]);
        let limits = Limits::default();
        let archive = Archive::parse(&apk, &limits).unwrap();
        let mut index = DexIndex::new();
        assert!(index.add_loaded(&archive, &apk, &limits).is_empty());
        let found = payloads(&archive, &apk, &limits, &mut index).unwrap();
        let got: Vec<(&str, &str)> = found
            .iter()
            .map(|p| (p.path.as_str(), p.kind.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("assets/hidden.dat", "dex"),
                ("assets/logo.png", "dex"),
                ("assets/plugin.jar", "jar"),
                ("assets/x.dex.enc", "encrypted"),
                ("classes3.dex", "dex"),
                ("res/raw/update.bin", "apk"),
            ]
        );
        let dex_sha = crate::hex::hex(&Sha256::digest(empty_dex()));
        assert_eq!(found[1].sha256, dex_sha);
        assert_eq!(found[1].size, 0x70);
        let (facts, _) = index.finish();
        assert_eq!(facts.files.len(), 1);
    }

    #[test]
    fn names_as_code() {
        assert!(named_as_code("assets/classes.dex"));
        assert!(named_as_code("assets/a/B.JAR"));
        assert!(named_as_code("assets/x.dex.enc"));
        assert!(named_as_code("res/raw/update.apk"));
        assert!(!named_as_code("assets/dexter.png"));
        assert!(!named_as_code("assets/index.html"));
    }

    #[test]
    fn magic() {
        assert_eq!(Magic::of(b"dex\n035\0"), Magic::Dex);
        assert_eq!(Magic::of(b"dey\n036\0"), Magic::Dex);
        assert_eq!(Magic::of(b"cdex001"), Magic::Dex);
        assert_eq!(Magic::of(b"PK\x03\x04"), Magic::Zip);
        assert_eq!(Magic::of(b"\x89PNG"), Magic::Other);
        assert_eq!(Magic::of(b"de"), Magic::Other);
    }

    #[test]
    fn only_the_manifest_and_resource_table_are_skipped() {
        assert!(!may_hide_code("AndroidManifest.xml"));
        assert!(!may_hide_code("assets/"));
        assert!(may_hide_code("lib/arm64-v8a/libx.so"));
        assert!(may_hide_code("META-INF/x.dex"));
        assert!(may_hide_code("assets/a.png"));
    }
}
