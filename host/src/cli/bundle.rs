//! `shelfgate policy keygen | bundle | sign`: what a regulator runs to
//! publish a feed.
//!
//! Bundling and signing are separate steps so the signing key can stay on
//! an offline machine: `bundle` writes an unsigned directory (manifest,
//! modules, fixtures) wherever the modules are built; `sign` checks that
//! every file still has the digest the manifest lists, then signs the
//! canonical manifest and writes the archive a feed serves (or a signed
//! directory for `serve --policy-dir`).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use shelfgate_bundle::{
    signing_key_from_text, signing_key_to_text, BuildOptions, Bundle, KeyId, Limits, Manifest,
    ModuleSettings, TrustedKeys,
};
use shelfgate_contract::json;
use shelfgate_contract::types::{EnforcementMode, FailureMode};

use super::args::{BundleArgs, KeygenArgs, SignArgs};
use super::{Failure, Result, EXIT_PASS};
use crate::engine::{Engine, EngineConfig};
use crate::policy_test;

const MANIFEST_FILE: &str = "bundle.json";

pub fn keygen(args: KeygenArgs) -> Result<u8> {
    let (signing, verifying) =
        shelfgate_bundle::keygen().map_err(|e| Failure::other(e.to_string()))?;
    write_new(&args.key, signing_key_to_text(&signing).as_bytes(), true)?;
    write_new(
        &args.trusted,
        TrustedKeys::new([verifying]).to_text().as_bytes(),
        false,
    )?;
    println!("key id {}", KeyId::of(&verifying));
    eprintln!(
        "signing key (secret): {}\ntrusted keys (install on platforms with --trusted-key): {}",
        args.key.display(),
        args.trusted.display()
    );
    Ok(EXIT_PASS)
}

pub fn bundle(args: BundleArgs) -> Result<u8> {
    let limits = Limits::default();
    let defaults = (parse_mode(&args.mode)?, parse_failure(&args.failure_mode)?);
    let modules = if args.builtin {
        builtin_modules(&args.only)?
    } else {
        let dir = args.modules.as_deref().unwrap_or(Path::new("."));
        read_flat(dir, "wasm", limits.max_module_bytes)?
    };
    if modules.is_empty() {
        return Err(Failure::input("no policy modules to bundle"));
    }
    let mut overrides = BTreeMap::new();
    for spec in &args.module_modes {
        let (id, modes) = spec
            .split_once('=')
            .ok_or_else(|| Failure::input(format!("--module `{spec}` is not ID=MODE[:FAILURE]")))?;
        let (mode, failure) = match modes.split_once(':') {
            Some((m, f)) => (parse_mode(m)?, parse_failure(f)?),
            None => (parse_mode(modes)?, defaults.1),
        };
        if !modules.contains_key(id) {
            return Err(Failure::input(format!(
                "--module names `{id}`, which is not bundled"
            )));
        }
        overrides.insert(id.to_owned(), (mode, failure));
    }
    // Compile each module once: it must be a valid policy component that
    // imports only the contract, and its metadata gives the version.
    let engine = Engine::new(EngineConfig::default())
        .map_err(|e| Failure::other(format!("starting the engine: {e:#}")))?;
    let mut settings = BTreeMap::new();
    for (id, bytes) in &modules {
        let loaded = engine
            .load(id, bytes)
            .map_err(|e| Failure::input(e.to_string()))?;
        if loaded.metadata.id != *id {
            return Err(Failure::input(format!(
                "module file `{id}.wasm` describes itself as `{}`; name the file after the policy id",
                loaded.metadata.id
            )));
        }
        let (mode, failure) = overrides.get(id).copied().unwrap_or(defaults);
        let version = if loaded.metadata.version.is_empty() {
            "0".to_owned()
        } else {
            loaded.metadata.version.clone()
        };
        settings.insert(
            id.clone(),
            ModuleSettings {
                version,
                mode,
                failure,
            },
        );
    }
    let mut fixtures = match &args.fixtures {
        Some(dir) => read_flat(dir, "json", limits.max_fixture_bytes)?,
        None => BTreeMap::new(),
    };
    for dir in &args.fixtures_from_cases {
        fixtures.extend(fixtures_from_cases(dir)?);
    }
    let not_before = match &args.not_before {
        Some(text) => humantime::parse_rfc3339(text).map_err(|e| Failure {
            code: 2,
            message: format!("--not-before `{text}`: {e}"),
        })?,
        None => whole_seconds(SystemTime::now()),
    };
    let options = BuildOptions {
        id: args.id.clone(),
        revision: args.revision,
        not_before,
        expires_at: not_before + args.valid_for,
        defaults: ModuleSettings {
            version: "0".into(),
            mode: defaults.0,
            failure: defaults.1,
        },
        modules: settings,
    };
    let bundle = Bundle::new(&options, modules.clone(), fixtures.clone(), &limits)
        .map_err(|e| Failure::input(e.to_string()))?;
    write_unsigned(&args.out, bundle.manifest(), &modules, &fixtures)?;
    let m = bundle.manifest();
    println!(
        "bundle {} revision {}: {} modules, {} fixtures, valid {} to {}, in {}",
        m.id,
        m.revision,
        m.modules.len(),
        m.fixtures.len(),
        humantime::format_rfc3339_seconds(m.not_before),
        humantime::format_rfc3339_seconds(m.expires_at),
        args.out.display()
    );
    Ok(EXIT_PASS)
}

pub fn sign(args: SignArgs) -> Result<u8> {
    let limits = Limits::default();
    let key_text = std::fs::read_to_string(&args.key)
        .map_err(|e| Failure::input(format!("cannot read key `{}`: {e}", args.key.display())))?;
    let key = signing_key_from_text(&key_text).map_err(|e| Failure::input(e.to_string()))?;
    let manifest_path = args.dir.join(MANIFEST_FILE);
    let manifest_bytes = read_bounded(&manifest_path, limits.max_manifest_bytes)?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes).map_err(|e| {
        Failure::input(format!(
            "`{}` is not a bundle manifest: {e}",
            manifest_path.display()
        ))
    })?;
    // Paths are checked before any file is read through them.
    manifest
        .validate(&limits)
        .map_err(|e| Failure::input(e.to_string()))?;
    let mut modules = BTreeMap::new();
    let mut settings = BTreeMap::new();
    for entry in &manifest.modules {
        let bytes = read_bounded(&args.dir.join(&entry.path), limits.max_module_bytes)?;
        modules.insert(entry.id.clone(), bytes);
        settings.insert(
            entry.id.clone(),
            ModuleSettings {
                version: entry.version.clone(),
                mode: entry.mode,
                failure: entry.failure,
            },
        );
    }
    let mut fixtures = BTreeMap::new();
    for entry in &manifest.fixtures {
        let name = Path::new(&entry.path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        fixtures.insert(
            name,
            read_bounded(&args.dir.join(&entry.path), limits.max_fixture_bytes)?,
        );
    }
    let first = manifest.modules.first().map(|m| ModuleSettings {
        version: m.version.clone(),
        mode: m.mode,
        failure: m.failure,
    });
    let options = BuildOptions {
        id: manifest.id.clone(),
        revision: manifest.revision,
        not_before: manifest.not_before,
        expires_at: manifest.expires_at,
        defaults: first.ok_or_else(|| Failure::input("the manifest lists no module"))?,
        modules: settings,
    };
    let rebuilt = Bundle::new(&options, modules, fixtures, &limits)
        .map_err(|e| Failure::input(e.to_string()))?;
    if rebuilt.manifest() != &manifest {
        let changed: Vec<&str> = manifest
            .files()
            .zip(rebuilt.manifest().files())
            .filter(|(a, b)| a.sha256 != b.sha256)
            .map(|(a, _)| a.path)
            .collect();
        return Err(Failure::input(format!(
            "`{}` does not match the files beside it (changed: {}); run `shelfgate policy bundle` again",
            manifest_path.display(),
            if changed.is_empty() { "entries".to_owned() } else { changed.join(", ") }
        )));
    }
    let signed =
        shelfgate_bundle::sign(rebuilt, &key).map_err(|e| Failure::other(e.to_string()))?;
    if let Some(out) = &args.out {
        let archive = signed
            .to_archive()
            .map_err(|e| Failure::other(e.to_string()))?;
        write_atomic(out, &archive)?;
    }
    if let Some(dir) = &args.out_dir {
        signed
            .write_dir(dir)
            .map_err(|e| Failure::other(format!("{e}: {}", error_source(&e))))?;
    }
    let digest = signed
        .manifest()
        .digest()
        .map_err(|e| Failure::other(e.to_string()))?;
    println!(
        "signed bundle {} revision {} with key {}; manifest digest {digest}",
        manifest.id,
        manifest.revision,
        signed.key_id()
    );
    Ok(EXIT_PASS)
}

fn error_source(e: &dyn std::error::Error) -> String {
    e.source().map(ToString::to_string).unwrap_or_default()
}

/// `policy test` cases as bundle fixtures, named `DIRNAME-CASE`: the case
/// input resolved against its `_base.json`, and its decision and rules.
fn fixtures_from_cases(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let cases = policy_test::load_cases(dir).map_err(|e| Failure::input(e.to_string()))?;
    let prefix = dir.canonicalize().ok().and_then(|d| {
        d.parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
    });
    let mut out = BTreeMap::new();
    for case in cases {
        if case.want.errors > 0 {
            continue;
        }
        let input = case
            .input
            .map_err(|e| Failure::input(format!("case `{}`: {e}", case.path.display())))?;
        let stem = case
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = match &prefix {
            Some(p) => format!("{p}-{stem}"),
            None => stem,
        };
        let fixture = serde_json::json!({
            "note": case.note,
            "facts": json::to_value(&*input.facts),
            "listing": json::to_value(&*input.listing),
            "context": json::to_value(&input.context),
            "want": {"decision": case.want.decision, "rules": case.want.rules},
        });
        let bytes =
            serde_json::to_vec_pretty(&fixture).map_err(|e| Failure::other(e.to_string()))?;
        out.insert(name, bytes);
    }
    Ok(out)
}

fn builtin_modules(only: &[String]) -> Result<BTreeMap<String, Vec<u8>>> {
    for id in only {
        if !shelfgate_policy_artifacts::PACK
            .iter()
            .any(|a| a.name == id)
        {
            return Err(Failure::input(format!(
                "the built-in pack has no module `{id}`"
            )));
        }
    }
    Ok(shelfgate_policy_artifacts::PACK
        .iter()
        .filter(|a| only.is_empty() || only.iter().any(|id| id == a.name))
        .map(|a| (a.name.to_owned(), a.bytes.to_vec()))
        .collect())
}

fn parse_mode(text: &str) -> Result<EnforcementMode> {
    json::from_value(&Value::String(text.to_owned())).map_err(|_| Failure {
        code: 2,
        message: format!("mode `{text}` is not enforce, warn or shadow"),
    })
}

fn parse_failure(text: &str) -> Result<FailureMode> {
    json::from_value(&Value::String(text.to_owned())).map_err(|_| Failure {
        code: 2,
        message: format!("failure mode `{text}` is not fail_closed, fail_reject or fail_open"),
    })
}

/// `dir/NAME.ext` regular files by NAME.
fn read_flat(dir: &Path, ext: &str, max_bytes: u64) -> Result<BTreeMap<String, Vec<u8>>> {
    let io = |e: std::io::Error| Failure::input(format!("cannot read `{}`: {e}", dir.display()));
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if !path.is_file() || path.extension().is_none_or(|e| e != ext) {
            continue;
        }
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        out.insert(name.to_owned(), read_bounded(&path, max_bytes)?);
    }
    Ok(out)
}

fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::input(format!("cannot read `{}`: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::input(format!("cannot read `{}`: {e}", path.display())))?;
    if bytes.len() as u64 > limit {
        return Err(Failure::input(format!(
            "`{}` is larger than {limit} bytes",
            path.display()
        )));
    }
    Ok(bytes)
}

/// The unsigned directory form: what `sign` reads.
fn write_unsigned(
    out: &Path,
    manifest: &Manifest,
    modules: &BTreeMap<String, Vec<u8>>,
    fixtures: &BTreeMap<String, Vec<u8>>,
) -> Result<()> {
    let io = |path: &Path, e: std::io::Error| {
        Failure::other(format!("cannot write `{}`: {e}", path.display()))
    };
    if std::fs::read_dir(out).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(Failure::input(format!(
            "`{}` is not empty; bundle into a new directory",
            out.display()
        )));
    }
    for sub in ["modules", "fixtures"] {
        let dir = out.join(sub);
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
    }
    let mut text = manifest
        .to_value()
        .and_then(|v| {
            serde_json::to_vec_pretty(&v)
                .map_err(|e| shelfgate_bundle::BundleError::InvalidManifest(e.to_string()))
        })
        .map_err(|e| Failure::other(e.to_string()))?;
    text.push(b'\n');
    write_atomic(&out.join(MANIFEST_FILE), &text)?;
    for entry in &manifest.modules {
        if let Some(bytes) = modules.get(&entry.id) {
            write_atomic(&out.join(&entry.path), bytes)?;
        }
    }
    for entry in &manifest.fixtures {
        let name = Path::new(&entry.path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(bytes) = fixtures.get(&name) {
            write_atomic(&out.join(&entry.path), bytes)?;
        }
    }
    Ok(())
}

/// Writes through a temporary file and a rename, so a watcher or a static
/// server never sees half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |e: std::io::Error| Failure::other(format!("cannot write `{}`: {e}", path.display()));
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Creates `path`, refusing to overwrite; a secret is readable by its owner only.
fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options
        .open(path)
        .map_err(|e| Failure::input(format!("cannot create `{}`: {e}", path.display())))?;
    file.write_all(bytes)
        .map_err(|e| Failure::other(format!("cannot write `{}`: {e}", path.display())))?;
    Ok(())
}

fn whole_seconds(t: SystemTime) -> SystemTime {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    UNIX_EPOCH + Duration::from_secs(secs)
}
