//! The pipeline: one APK through every inspection step into [`ApkFacts`].
//!
//! Three independent jobs run side by side: the whole-file sha256, the
//! signature verification (its own front-to-back pass for the v2/v3 content
//! digests, and for v1 every entry streamed into its digests), and the entry
//! work (manifest, dex, payloads, SDKs), which reads and inflates only the
//! entries it needs, one at a time. Memory follows the largest dex rather
//! than the APK.

use std::io::Read;
use std::path::Path;
use std::thread::{Scope, ScopedJoinHandle};

use sha2::{Digest, Sha256};
use shelfgate_contract::types::{ApkFacts, ZipAnomaly};

use crate::arsc::ResourceTable;
use crate::dex::DexIndex;
use crate::hex::hex;
use crate::manifest::{self, ManifestFacts};
use crate::sdk::{self, SdkTable};
use crate::signing;
use crate::zip::Archive;
use crate::{native, stream_pass, ChunkSink, InspectError, Limits, ReadAt};

/// Turns APKs into facts with one set of limits and SDK signatures.
#[derive(Debug)]
pub struct Inspector {
    limits: Limits,
    /// `None`: the built-in table, compiled only when first needed.
    sdks: Option<SdkTable>,
}

impl Default for Inspector {
    fn default() -> Self {
        Inspector::with_builtin_sdks(Limits::default())
    }
}

struct Sha256Sink(Sha256);

impl ChunkSink for Sha256Sink {
    fn update(&mut self, _offset: u64, chunk: &[u8]) {
        self.0.update(chunk);
    }
}

impl Inspector {
    pub fn new(limits: Limits, sdks: SdkTable) -> Inspector {
        Inspector {
            limits,
            sdks: Some(sdks),
        }
    }

    /// With the built-in SDK table ([`SdkTable::builtin_shared`]), compiled
    /// on the first full inspection rather than here.
    pub fn with_builtin_sdks(limits: Limits) -> Inspector {
        Inspector { limits, sdks: None }
    }

    fn sdks(&self) -> &SdkTable {
        self.sdks
            .as_ref()
            .unwrap_or_else(|| SdkTable::builtin_shared())
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Inspect the APK at `path`, reading it in place.
    pub fn inspect_path(&self, path: &Path) -> Result<ApkFacts, InspectError> {
        let file = std::fs::File::open(path)?;
        self.inspect(&file)
    }

    /// Inspect an APK held in memory.
    pub fn inspect_bytes(&self, bytes: &[u8]) -> Result<ApkFacts, InspectError> {
        self.inspect(bytes)
    }

    /// Inspect an APK from a stream, buffering at most `max_apk_size` bytes.
    pub fn inspect_reader(&self, reader: impl Read) -> Result<ApkFacts, InspectError> {
        let mut bytes = Vec::new();
        let limit = self.limits.max_apk_size;
        reader
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > limit {
            return Err(InspectError::TooLarge {
                what: "the APK".into(),
                limit,
            });
        }
        self.inspect(&bytes[..])
    }

    /// The manifest facts alone (what `aapt dump badging` reports).
    pub fn manifest_only<R: ReadAt + ?Sized>(
        &self,
        src: &R,
    ) -> Result<ManifestFacts, InspectError> {
        self.check_size(src)?;
        let archive = Archive::parse(src, &self.limits)?;
        let (manifest, _) = self.manifest(src, &archive)?;
        Ok(manifest)
    }

    fn check_size<R: ReadAt + ?Sized>(&self, src: &R) -> Result<(), InspectError> {
        if src.size() > self.limits.max_apk_size {
            return Err(InspectError::TooLarge {
                what: "the APK".into(),
                limit: self.limits.max_apk_size,
            });
        }
        Ok(())
    }

    fn manifest<R: ReadAt + ?Sized>(
        &self,
        src: &R,
        archive: &Archive,
    ) -> Result<(ManifestFacts, Option<ResourceTable>), InspectError> {
        let limits = &self.limits;
        let entry = archive
            .entry("AndroidManifest.xml")
            .ok_or(InspectError::NoManifest)?;
        if entry.uncompressed_size > limits.max_manifest_size {
            return Err(InspectError::TooLarge {
                what: "AndroidManifest.xml".into(),
                limit: limits.max_manifest_size,
            });
        }
        let bytes = archive.read(src, entry, limits)?;
        // Without a readable resource table the manifest still has facts;
        // only references stay unresolved.
        let resources = archive
            .entry("resources.arsc")
            .filter(|e| e.uncompressed_size <= limits.max_arsc_size)
            .and_then(|e| archive.read(src, e, limits).ok())
            .and_then(|data| ResourceTable::parse(data, limits).ok());
        let facts = manifest::parse(&bytes, resources.as_ref(), limits)?;
        Ok((facts, resources))
    }

    /// Every fact about the APK `src`.
    pub fn inspect<R: ReadAt + ?Sized>(&self, src: &R) -> Result<ApkFacts, InspectError> {
        self.check_size(src)?;
        let archive = Archive::parse(src, &self.limits)?;
        std::thread::scope(|scope| self.facts(scope, src, &archive))
    }

    /// The facts, with the whole-file passes on threads of `scope`: the
    /// file's sha256 and the signature verification (the v2/v3 content
    /// digests read the whole file, v1 every entry) need nothing from the
    /// entry work on this thread (dex, payloads, SDKs), only the manifest's
    /// SDK range.
    fn facts<'s, R: ReadAt + ?Sized>(
        &'s self,
        scope: &'s Scope<'s, '_>,
        src: &'s R,
        archive: &'s Archive,
    ) -> Result<ApkFacts, InspectError> {
        let limits = &self.limits;
        let whole = fork(scope, move |_| -> Result<String, InspectError> {
            let mut sha = Sha256Sink(Sha256::new());
            stream_pass(src, &mut [&mut sha])?;
            Ok(hex(&sha.0.finalize()))
        });

        let (mut m, resources) = self.manifest(src, archive)?;
        let mut options = signing::Options::new(m.min_sdk);
        options.target_sdk = Some(m.target_sdk);
        // v1 digests every entry; the dex files are inflated here anyway, so
        // they are digested here and handed over (only when the thread
        // started: run in line, v1 would wait for digests not yet made).
        let loaded = crate::dex::loaded_dex(archive, limits);
        let hashes = if m.min_sdk < 24 {
            signing::manifest_hashes(src, archive, limits)
        } else {
            Vec::new()
        };
        let (mut sender, shared) = signing::share(&loaded, hashes).unzip();
        let shared = shared.map(std::sync::Arc::new);
        let signing = fork(scope, move |threaded| {
            let shared = shared.as_deref().filter(|_| threaded);
            signing::verify_apk_sharing(src, archive, &options, limits, shared)
        });
        if let (Forked::Done(_), Some(_)) = (&signing, &sender) {
            sender = None;
        }
        let (res, mut anomalies) =
            crate::resxml::collect(&m, resources.as_ref(), &archive, src, limits);
        drop(resources);

        if let Some(path) = m.application.network_security_config.clone() {
            if let Some(entry) = archive.entry(&path) {
                match archive
                    .read(src, entry, limits)
                    .and_then(|xml| manifest::parse_network_security(&xml, limits))
                {
                    Ok(nsc) => m.application.network_security = Some(nsc),
                    Err(e) => anomalies.push(anomaly("malformed-resource", &path, e)),
                }
            }
        }

        // A dex file that cannot be parsed is a fact about the upload (a
        // packer, a corrupt build), not a reason to refuse inspection.
        let mut index = DexIndex::new();
        let mut offer = |entry: &crate::zip::Entry, bytes: &[u8]| {
            if let Some(s) = sender.as_mut() {
                s.offer(entry, bytes);
            }
        };
        for (name, err) in index.add_loaded_with(archive, src, limits, &mut offer) {
            anomalies.push(anomaly("malformed-dex", &name, err));
        }
        if let Some(s) = sender {
            s.send();
        }
        let payloads = native::payloads(&archive, src, limits, &mut index)?;
        let (dex, classes) = index.finish();
        let (native_abis, native_libs) = native::libraries(&archive);

        let lib_names: Vec<&str> = native_libs.iter().map(|l| l.name.as_str()).collect();
        let sdks = self.sdks().detect(
            &classes,
            m.components.iter().map(|c| c.name.as_str()),
            lib_names.iter().copied(),
        );
        let packers = sdk::detect_packers(
            &classes,
            m.application.name.as_deref(),
            lib_names.iter().copied(),
            archive.entries().iter().map(|e| e.name.as_str()),
        );

        let sha256 = whole.join()?;
        let signing = signing.join();

        let mut container = archive.container_facts(limits);
        container.anomalies.extend(anomalies);

        Ok(ApkFacts {
            sha256,
            size: src.size(),
            package: m.package,
            version_code: m.version_code,
            version_name: m.version_name,
            min_sdk: m.min_sdk,
            target_sdk: m.target_sdk,
            target_sdk_declared: m.target_sdk_declared,
            max_sdk: m.max_sdk,
            permissions: m.permissions,
            uses_permissions: m.uses_permissions,
            declared_permissions: m.declared_permissions,
            features: m.features,
            application: m.application,
            components: m.components,
            queries: m.queries,
            dex,
            sdks,
            packers,
            payloads,
            native_abis,
            native_libs,
            container,
            signing,
            provider_access: Some(m.provider_access),
            properties: Some(m.properties),
            resources: Some(res),
            component_labels: Some(m.component_labels),
        })
    }
}

fn anomaly(kind: &str, entry: &str, err: InspectError) -> ZipAnomaly {
    ZipAnomaly {
        kind: kind.into(),
        entry: Some(entry.to_string()),
        detail: err.to_string(),
    }
}

/// Work started by [`fork`].
enum Forked<'s, T> {
    Thread(ScopedJoinHandle<'s, T>),
    Done(T),
}

impl<T> Forked<'_, T> {
    fn join(self) -> T {
        match self {
            Forked::Thread(handle) => match handle.join() {
                Ok(value) => value,
                // The work itself does not panic; if it did, the caller's
                // thread would have, so the panic goes on there.
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Forked::Done(value) => value,
        }
    }
}

/// `work(true)` on a new thread of `scope`, or `work(false)` here and now
/// if the OS will not start one (`Clone` so that a copy is left for that
/// case).
fn fork<'s, T: Send + 's>(
    scope: &'s Scope<'s, '_>,
    work: impl FnOnce(bool) -> T + Send + Clone + 's,
) -> Forked<'s, T> {
    let theirs = work.clone();
    match std::thread::Builder::new().spawn_scoped(scope, move || theirs(true)) {
        Ok(handle) => Forked::Thread(handle),
        Err(_) => Forked::Done(work(false)),
    }
}
