//! Dex code: the classes an APK defines and references, the sensitive
//! framework APIs its code calls and the URLs its strings hold.
//!
//! [`DexIndex`] takes one dex file at a time (every `classes*.dex` Android
//! loads, then hidden payloads), keeps only names and findings, and drops the
//! file: peak memory is the largest single dex plus the names, never the APK.
//! [`DexIndex::finish`] gives the contract's [`DexFacts`] and the
//! [`ClassSet`] that SDK matching and policy queries run against.
//!
//! What is read, per file: the header, `string_ids`, `type_ids`,
//! `proto_ids`, `field_ids`, `method_ids` and `class_defs`. Code items are
//! walked only when the file references a sensitive API or implements a TLS
//! check, to find the classes whose code makes the call. The container format of dex version 041 (several dex files
//! in one, experimental in ART) is not supported beyond its first header.
//!
//! Build or adopt: the crates.io dex readers were read before writing this
//! one (November 2026) and none fits hostile input:
//! - `dex` 0.5.0 (last release 2020) decodes every string into an owned,
//!   cached `String`, preallocates vectors from sizes read from the file, and
//!   pulls in `memmap` (unmaintained) and an old `lru` with a soundness
//!   advisory;
//! - `rusty-dex` 0.2.0 panics on malformed input (`panic!` on read errors,
//!   `unwrap` on the endian tag), bundles its own `zip` 0.6 and `regex`, and
//!   builds the whole file into owned structures;
//! - `ddc-dex` 0.2.6 is a decompiler's reader: it slices with `[a..b]` and
//!   `unwrap`, preallocates from file-supplied counts and keeps the file
//!   behind a lock.
//!
//! The subset needed here is small, so `reader` is written to the gimli
//! pattern: every read through `get`, every count checked against the bytes
//! it needs, and a work budget against ids that alias the same data.
//!
//! # API keys
//!
//! Each [`ApiRef`] names the catalogue key, the method (or field) as the
//! dex file writes it, and the defined classes whose code calls it. The keys
//! are stable; policies match on them.
//!
//! | key | what references it |
//! |---|---|
//! | `device-id.imei` | `TelephonyManager.getDeviceId`, `getImei`, `getMeid` |
//! | `device-id.imsi` | `TelephonyManager.getSubscriberId` |
//! | `device-id.sim-serial` | `TelephonyManager.getSimSerialNumber` |
//! | `device-id.phone-number` | `TelephonyManager.getLine1Number` |
//! | `device-id.serial` | `Build.getSerial`, a read of the `Build.SERIAL` field |
//! | `device-id.android-id` | `Settings$Secure.getString` in a method that loads the string `"android_id"` |
//! | `device-id.mac` | `WifiInfo.getMacAddress`, `NetworkInterface.getHardwareAddress`, `BluetoothAdapter.getAddress` |
//! | `installed-apps` | `PackageManager.getInstalledPackages`, `getInstalledApplications` |
//! | `clipboard` | `ClipboardManager.getPrimaryClip`, `getText`, `addPrimaryClipChangedListener` |
//! | `location.updates` | `LocationManager.requestLocationUpdates`, `requestSingleUpdate`, `getLastKnownLocation`, `getCurrentLocation`; `FusedLocationProviderClient.requestLocationUpdates`, `getLastLocation`, `getCurrentLocation` |
//! | `dynamic-code.class-loader` | constructing `DexClassLoader`, `InMemoryDexClassLoader`, `PathClassLoader`; any `BaseDexClassLoader` method; `DexFile.loadDex` |
//! | `dynamic-code.native-load` | `System.load`, `Runtime.load` (a path, not a bundled library) |
//! | `runtime.exec` | `Runtime.exec`, `ProcessBuilder.start` |
//! | `webview.js-bridge` | `WebView.addJavascriptInterface` |
//! | `webview.file-access` | `WebSettings.setAllowFileAccessFromFileURLs`, `setAllowUniversalAccessFromFileURLs` |
//! | `webview.javascript` | `WebSettings.setJavaScriptEnabled` |
//! | `webview.ssl-proceed` | `SslErrorHandler.proceed` |
//! | `accessibility` | any `AccessibilityService` method (a subclass's constructor calls one) |
//! | `accessibility.window-content` | `AccessibilityManager.getInstalledAccessibilityServiceList`, `getEnabledAccessibilityServiceList`; `AccessibilityNodeInfo.performAction`, `findAccessibilityNodeInfosByText`, `findAccessibilityNodeInfosByViewId` |
//! | `package-installer` | `PackageInstaller.createSession`, any `PackageInstaller$Session` method |
//! | `sensor.accelerometer` | `SensorManager.registerListener` (the sensor type is a run-time value) |
//! | `alarm.repeating` | `AlarmManager.setRepeating`, `setInexactRepeating` |
//! | `alarm.exact` | `AlarmManager.setExact`, `setExactAndAllowWhileIdle`, `setAlarmClock` |
//! | `service.start-foreground` | `Service.startForeground` |
//! | `component.explicit` | constructing a `ComponentName`; `Intent.setClassName`, `setComponent` (with `foreign_components`, how another app's service is started or bound) |
//! | `tls.trust-all` | a defined `X509TrustManager` whose `checkServerTrusted` is only `return-void` |
//! | `tls.hostname-verifier-all` | a defined `HostnameVerifier` whose `verify` only returns `true` |
//!
//! `accessibility` is the service alone. The calls that read or drive other
//! apps' windows have their own key, because the support library and
//! androidx wrap every one of them in compat classes
//! (`AccessibilityNodeInfoCompat*`): nearly every app references them, so a
//! policy must look at the callers. `isEnabled` and the `AccessibilityNodeInfo`
//! setters, which UI toolkits use to *support* accessibility, are not listed.
//!
//! `Settings$Secure.getString` reads any secure setting (the support
//! library reads `enabled_notification_listeners` with it), so it counts as
//! reading ANDROID_ID only in a method that also loads `"android_id"`, which
//! is how `Settings.Secure.ANDROID_ID` compiles; such a reference is listed
//! only when a caller is found.
//!
//! Java compiles `this.startForeground(..)` in `MyService` as a reference to
//! `MyService.startForeground`, not `Service.startForeground`. Methods that
//! apps call through their own subclasses therefore also match by name and
//! exact parameter types on any class (`WebView.addJavascriptInterface` and
//! `Service.startForeground`); the reference is reported as written, e.g.
//! `Lcom/app/MyService;->startForeground`.

mod api;
mod names;
mod reader;
#[cfg(test)]
mod synthetic;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use shelfgate_contract::types::{ApiRef, DexFacts, DexFile};

use crate::zip::{Archive, Entry};
use crate::{InspectError, Limits, ReadAt};

pub use names::ClassSet;
use names::NameBuf;
use reader::{CodeRef, Dex, Malformed};

/// Where a dex file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DexOrigin {
    /// A `classes*.dex` that Android loads: listed in the facts' `files` and
    /// counted in `class_count`.
    Loaded,
    /// Code hidden elsewhere (assets, nested archives): its classes, API
    /// references and URLs join the facts, its counts do not.
    Payload,
}

/// Longest URL kept; longer strings are data, not links.
const MAX_URL_LEN: usize = 2048;
/// Most component-class strings kept (`foreign_components`), and the
/// longest: a Java class name past this is data.
const MAX_COMPONENT_STRINGS: usize = 256;
const MAX_COMPONENT_NAME: usize = 256;

/// Accumulates facts over the dex files of one APK.
#[derive(Debug, Default)]
pub struct DexIndex {
    files: Vec<DexFile>,
    class_count: u64,
    parsed: u32,
    defined: NameBuf,
    referenced: NameBuf,
    /// `(key, method as written) -> callers`.
    refs: BTreeMap<(&'static str, String), BTreeSet<String>>,
    urls: BTreeSet<String>,
    /// String constants shaped like a service or receiver class name.
    components: BTreeSet<String>,
}

/// The `classes*.dex` entries Android loads, in order: `classes.dex`, then
/// `classes2.dex`, `classes3.dex`, ... up to the first missing number
/// (ART's `DexFileLoader::GetMultiDexClassesDexName`). Other names, such as
/// `classes1.dex` or a `classes5.dex` after a gap, are never loaded.
pub fn loaded_dex<'a>(archive: &'a Archive, limits: &Limits) -> Vec<&'a Entry> {
    (1..=limits.max_dex_files)
        .map(|n| match n {
            1 => archive.entry("classes.dex"),
            n => archive.entry(&format!("classes{n}.dex")),
        })
        .take_while(Option::is_some)
        .flatten()
        .collect()
}

impl DexIndex {
    pub fn new() -> DexIndex {
        DexIndex::default()
    }

    /// Read and add every dex file Android loads from `archive`. A file
    /// that cannot be read or parsed is skipped and returned with the
    /// reason: it is a fact about the upload (a packer, a corrupt build), not
    /// a reason to stop.
    pub fn add_loaded<R: ReadAt + ?Sized>(
        &mut self,
        archive: &Archive,
        src: &R,
        limits: &Limits,
    ) -> Vec<(String, InspectError)> {
        self.add_loaded_with(archive, src, limits, &mut |_, _| {})
    }

    /// [`DexIndex::add_loaded`], showing each file's inflated bytes to
    /// `seen` first (the inspector digests them for v1 signature
    /// verification, so each dex file is inflated once).
    pub fn add_loaded_with<R: ReadAt + ?Sized>(
        &mut self,
        archive: &Archive,
        src: &R,
        limits: &Limits,
        seen: &mut dyn FnMut(&Entry, &[u8]),
    ) -> Vec<(String, InspectError)> {
        let mut failed = Vec::new();
        for entry in loaded_dex(archive, limits) {
            let added = if entry.uncompressed_size > limits.max_dex_size {
                Err(InspectError::TooLarge {
                    what: format!("dex file `{}`", entry.name),
                    limit: limits.max_dex_size,
                })
            } else {
                archive.read(src, entry, limits).and_then(|bytes| {
                    seen(entry, &bytes);
                    self.add(&entry.name, &bytes, DexOrigin::Loaded, limits)
                })
            };
            if let Err(e) = added {
                failed.push((entry.name.clone(), e));
            }
        }
        failed
    }

    /// Add one dex file. On error the index is unchanged.
    pub fn add(
        &mut self,
        name: &str,
        bytes: &[u8],
        origin: DexOrigin,
        limits: &Limits,
    ) -> Result<(), InspectError> {
        if bytes.len() as u64 > limits.max_dex_size {
            return Err(InspectError::TooLarge {
                what: format!("dex file `{name}`"),
                limit: limits.max_dex_size,
            });
        }
        if self.parsed >= limits.max_dex_files {
            return Err(InspectError::TooMany {
                what: "the number of dex files",
                limit: u64::from(limits.max_dex_files),
            });
        }
        let malformed = |m: Malformed| InspectError::Dex {
            file: name.to_owned(),
            reason: m.0,
        };
        let dex = Dex::parse(bytes).map_err(malformed)?;
        let marks = (self.defined.len(), self.referenced.len());
        let found = match self.scan(&dex, limits) {
            Ok(found) => found,
            Err(m) => {
                self.defined.truncate(marks.0);
                self.referenced.truncate(marks.1);
                return Err(malformed(m));
            }
        };
        self.parsed += 1;
        if origin == DexOrigin::Loaded {
            self.class_count += u64::from(dex.class_count());
            self.files.push(DexFile {
                name: name.to_owned(),
                sha256: crate::hex::hex(&Sha256::digest(bytes)),
                class_count: dex.class_count(),
            });
        }
        let max_callers = limits.max_callers_per_api as usize;
        for (key, callers) in found.refs {
            let kept = self.refs.entry(key).or_default();
            for caller in callers {
                insert_bounded(kept, caller, max_callers);
            }
        }
        for url in found.urls {
            insert_bounded(&mut self.urls, url, limits.max_dex_urls as usize);
        }
        for name in found.components {
            insert_bounded(&mut self.components, name, MAX_COMPONENT_STRINGS);
        }
        Ok(())
    }

    /// Names pushed straight into the index (rolled back by the caller on
    /// error); references and URLs returned for the caller to merge.
    fn scan(&mut self, dex: &Dex<'_>, limits: &Limits) -> Result<Found, Malformed> {
        let tables = tables();
        let classes = self.index_names(dex)?;
        let tags = tags(dex, tables)?;
        let (urls, components, needles) = scan_strings(dex, tables, limits)?;
        let mut slots = Slots::default();
        match_methods(dex, &tags, tables, &needles, &mut slots)?;
        match_fields(dex, &tags, tables, &mut slots)?;
        find_callers(dex, &classes, &tags, tables, &mut slots, limits)?;
        Ok(Found {
            refs: slots.into_refs(),
            urls,
            components,
        })
    }

    /// Push the defined and referenced class names; the class definitions
    /// are returned for the code walk.
    fn index_names(&mut self, dex: &Dex<'_>) -> Result<Vec<reader::ClassDef>, Malformed> {
        let mut defined_here = vec![false; dex.type_count() as usize];
        let mut classes = Vec::with_capacity(dex.class_count() as usize);
        for i in 0..dex.class_count() {
            let class = dex.class_def(i)?;
            let desc = reader::mutf8(dex.type_descriptor(class.class_idx)?);
            if let Some(name) = class_name(&desc) {
                self.defined.push_internal(name);
            }
            if let Some(slot) = defined_here.get_mut(class.class_idx as usize) {
                *slot = true;
            }
            classes.push(class);
        }
        for t in 0..dex.type_count() {
            if defined_here.get(t as usize) == Some(&false) {
                let desc = reader::mutf8(element_type(dex.type_descriptor(t)?));
                if let Some(name) = class_name(&desc) {
                    self.referenced.push_internal(name);
                }
            }
        }
        Ok(classes)
    }

    /// The facts and the class names. Callers are the defined classes whose
    /// code makes each call, at most `max_callers_per_api`, sorted.
    pub fn finish(self) -> (DexFacts, ClassSet) {
        let defined = self.defined.sorted();
        let referenced = self.referenced.sorted().minus(&defined);
        let packages: BTreeSet<&str> = defined
            .iter()
            .chain(referenced.iter())
            .filter_map(|c| c.rfind('.').and_then(|dot| c.get(..dot)))
            .collect();
        let facts = DexFacts {
            files: self.files,
            class_count: u32::try_from(self.class_count).unwrap_or(u32::MAX),
            referenced_type_count: u32::try_from(referenced.len()).unwrap_or(u32::MAX),
            packages: packages.into_iter().map(str::to_owned).collect(),
            api_refs: self
                .refs
                .into_iter()
                .map(|((key, method), callers)| ApiRef {
                    key: key.to_owned(),
                    method,
                    callers: callers.into_iter().collect(),
                })
                .collect(),
            urls: self.urls.into_iter().collect(),
            // A class this APK defines is its own, whatever its package.
            foreign_components: Some(
                self.components
                    .into_iter()
                    .filter(|c| !defined.contains(c))
                    .collect(),
            ),
        };
        (
            facts,
            ClassSet {
                defined,
                referenced,
            },
        )
    }
}

/// Per type: its entry in the API tables, if it is a class they name.
fn tags(dex: &Dex<'_>, tables: &Tables) -> Result<Vec<Option<u16>>, Malformed> {
    (0..dex.type_count())
        .map(|t| Ok(tables.class_index.get(dex.type_descriptor(t)?).copied()))
        .collect()
}

/// URLs of every string, the strings shaped like a component class name,
/// and the index of each string the API table's `with_string` conditions
/// name (`None` where the file lacks it).
fn scan_strings(
    dex: &Dex<'_>,
    tables: &Tables,
    limits: &Limits,
) -> Result<(BTreeSet<String>, BTreeSet<String>, Vec<Option<u32>>), Malformed> {
    let mut urls = BTreeSet::new();
    let mut components = BTreeSet::new();
    let mut needles = vec![None; tables.needles.len()];
    let http = memchr::memmem::Finder::new(b"http");
    for s in 0..dex.string_count() {
        let text = dex.string(s)?;
        for_each_url(text, &http, |url| {
            insert_bounded(&mut urls, url.to_owned(), limits.max_dex_urls as usize);
        });
        if is_component_class(text) {
            if let Ok(name) = std::str::from_utf8(text) {
                insert_bounded(&mut components, name.to_owned(), MAX_COMPONENT_STRINGS);
            }
        }
        if let Some(i) = tables.needles.iter().position(|&n| n == text) {
            if let Some(slot @ None) = needles.get_mut(i) {
                *slot = Some(s);
            }
        }
    }
    Ok((urls, components, needles))
}

/// Match `method_ids` against the table: by declaring class, or for
/// methods apps reach through a subclass, by name and parameter types.
fn match_methods(
    dex: &Dex<'_>,
    tags: &[Option<u16>],
    tables: &Tables,
    needles: &[Option<u32>],
    slots: &mut Slots,
) -> Result<(), Malformed> {
    for m in 0..dex.method_count() {
        let (class, proto, name_idx) = dex.method_id(m)?;
        let tag = tags.get(class as usize).copied().flatten();
        let by_class = tag.and_then(|t| tables.methods.get(usize::from(t)));
        let name = dex.string(name_idx)?;
        let mut matched = by_class
            .into_iter()
            .flatten()
            .filter_map(|&i| api::METHODS.get(i))
            .find(|api| api.name.is_none_or(|n| n == name));
        if matched.is_none() && tag.is_none() {
            for &i in &tables.inherited {
                let Some(api) = api::METHODS.get(i) else {
                    continue;
                };
                if api.name == Some(name) && params_are(dex, proto, api.inherited)? {
                    matched = Some(api);
                    break;
                }
            }
        }
        let Some(api) = matched else { continue };
        let needs = match api.with_string {
            None => None,
            Some(needle) => {
                let i = tables.needles.iter().position(|&n| n == needle);
                match i.and_then(|i| needles.get(i).copied().flatten()) {
                    Some(idx) => Some(idx),
                    // The file never loads the string: no call can qualify.
                    None => continue,
                }
            }
        };
        let class_desc = reader::mutf8(dex.type_descriptor(class)?);
        let written = format!("{}->{}", class_desc, reader::mutf8(name));
        let slot = slots.slot_for((api.key, written), needs);
        slots.methods.insert(m, slot);
    }
    Ok(())
}

/// Walk the code of every class to name the classes that make each call,
/// and check the bodies of trust-manager and hostname-verifier overrides.
fn find_callers(
    dex: &Dex<'_>,
    classes: &[reader::ClassDef],
    tags: &[Option<u16>],
    tables: &Tables,
    slots: &mut Slots,
    limits: &Limits,
) -> Result<(), Malformed> {
    let calls = !slots.is_empty();
    let mut in_method: Vec<usize> = Vec::new();
    let mut strings: Vec<u32> = Vec::new();
    for class in classes {
        let overrides = overrides_of(dex, class, tags, tables)?;
        if overrides.is_empty() && !calls {
            continue;
        }
        let mut hit = BTreeSet::new();
        for method in dex.methods(class)? {
            if method.code_off == 0 {
                continue;
            }
            let insns = dex.insns(method.code_off)?;
            if calls {
                in_method.clear();
                strings.clear();
                reader::for_each_ref(insns, |r| match r {
                    CodeRef::String(s) => strings.push(s),
                    _ => in_method.extend(slots.lookup(r)),
                });
                for &slot in &in_method {
                    if slots.needs(slot).is_none_or(|s| strings.contains(&s)) {
                        hit.insert(slot);
                    }
                }
            }
            for &o in &overrides {
                let Some(rule) = api::OVERRIDES.get(o) else {
                    continue;
                };
                let (_, _, name) = dex.method_id(method.method_idx)?;
                if dex.string(name)? == rule.name && rule.body.matches(insns) {
                    hit.insert(slots.slot_for((rule.key, rule.method.to_owned()), None));
                }
            }
        }
        if hit.is_empty() {
            continue;
        }
        let desc = reader::mutf8(dex.type_descriptor(class.class_idx)?);
        let caller = class_name(&desc).unwrap_or(&desc).replace('/', ".");
        for slot in hit {
            if let Some(callers) = slots.callers.get_mut(slot) {
                insert_bounded(callers, caller.clone(), limits.max_callers_per_api as usize);
            }
        }
    }
    Ok(())
}

/// What one file contributes besides names.
#[derive(Debug)]
struct Found {
    refs: Vec<((&'static str, String), BTreeSet<String>)>,
    urls: BTreeSet<String>,
    components: BTreeSet<String>,
}

/// A dotted Java class name in a package of at least two segments whose
/// simple name ends in `Service` or `Receiver`: what an explicit
/// `ComponentName` for `startService`, `bindService` or `sendBroadcast`
/// names. The suffix test comes first, so most strings cost one compare.
fn is_component_class(s: &[u8]) -> bool {
    if !(s.ends_with(b"Service") || s.ends_with(b"Receiver")) || s.len() > MAX_COMPONENT_NAME {
        return false;
    }
    let mut dots = 0;
    let mut segment_start = true;
    for &b in s {
        match b {
            b'.' if !segment_start => {
                dots += 1;
                segment_start = true;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$' => segment_start = false,
            b'0'..=b'9' if !segment_start => {}
            _ => return false,
        }
    }
    // The simple name: after the last dot, starting upper-case.
    let simple = s.rsplit(|&b| b == b'.').next().unwrap_or_default();
    // `IFooService` is an AIDL interface descriptor, not a component.
    let aidl = simple.first() == Some(&b'I') && simple.get(1).is_some_and(u8::is_ascii_uppercase);
    dots >= 2
        && !segment_start
        && !aidl
        && simple.first().is_some_and(u8::is_ascii_uppercase)
        && !PLATFORM_PACKAGES.iter().any(|p| s.starts_with(p))
}

/// Packages of the platform itself: a service name there is an interface
/// or action (`android.media.browse.MediaBrowserService`), not another app.
const PLATFORM_PACKAGES: &[&[u8]] = &[b"android.", b"androidx.", b"java.", b"javax.", b"dalvik."];

/// The sensitive references of one file, each with a slot for its callers.
#[derive(Debug, Default)]
struct Slots {
    keys: Vec<(&'static str, String)>,
    by_key: HashMap<(&'static str, String), usize>,
    callers: Vec<BTreeSet<String>>,
    /// A string index the calling method must load too.
    needs: Vec<Option<u32>>,
    /// `method_ids` index -> slot. Instructions carry 16-bit indices.
    methods: HashMap<u32, usize>,
    fields: HashMap<u32, usize>,
}

impl Slots {
    fn is_empty(&self) -> bool {
        self.methods.is_empty() && self.fields.is_empty()
    }

    fn slot_for(&mut self, key: (&'static str, String), needs: Option<u32>) -> usize {
        if let Some(&slot) = self.by_key.get(&key) {
            return slot;
        }
        let slot = self.keys.len();
        self.keys.push(key.clone());
        self.by_key.insert(key, slot);
        self.callers.push(BTreeSet::new());
        self.needs.push(needs);
        slot
    }

    fn needs(&self, slot: usize) -> Option<u32> {
        self.needs.get(slot).copied().flatten()
    }

    fn lookup(&self, r: CodeRef) -> Option<usize> {
        match r {
            CodeRef::Method(i) => self.methods.get(&i).copied(),
            CodeRef::StaticField(i) => self.fields.get(&i).copied(),
            CodeRef::String(_) => None,
        }
    }

    /// A conditional reference with no qualifying caller is not one.
    fn into_refs(self) -> Vec<((&'static str, String), BTreeSet<String>)> {
        self.keys
            .into_iter()
            .zip(self.callers)
            .zip(self.needs)
            .filter(|((_, callers), needs)| needs.is_none() || !callers.is_empty())
            .map(|(ref_, _)| ref_)
            .collect()
    }
}

fn match_fields(
    dex: &Dex<'_>,
    tags: &[Option<u16>],
    tables: &Tables,
    slots: &mut Slots,
) -> Result<(), Malformed> {
    for f in 0..dex.field_count() {
        let (class, name_idx) = dex.field_id(f)?;
        let Some(list) = tags
            .get(class as usize)
            .copied()
            .flatten()
            .and_then(|t| tables.fields.get(usize::from(t)))
            .filter(|l| !l.is_empty())
        else {
            continue;
        };
        let name = dex.string(name_idx)?;
        let api = list
            .iter()
            .filter_map(|&i| api::FIELDS.get(i))
            .find(|api| api.name == Some(name));
        if let Some(api) = api {
            let written = format!(
                "{}->{}",
                reader::mutf8(dex.type_descriptor(class)?),
                reader::mutf8(name)
            );
            let slot = slots.slot_for((api.key, written), None);
            slots.fields.insert(f, slot);
        }
    }
    Ok(())
}

/// Indices into [`api::OVERRIDES`] whose supertype this class names as its
/// superclass or one of its interfaces.
fn overrides_of(
    dex: &Dex<'_>,
    class: &reader::ClassDef,
    tags: &[Option<u16>],
    tables: &Tables,
) -> Result<Vec<usize>, Malformed> {
    let interfaces = dex.type_list(class.interfaces_off)?;
    let mut out = Vec::new();
    for t in class.superclass_idx.into_iter().chain(interfaces.iter()) {
        let tag = tags.get(t as usize).copied().flatten();
        if let Some(list) = tag.and_then(|t| tables.overrides.get(usize::from(t))) {
            for &o in list {
                if !out.contains(&o) {
                    out.push(o);
                }
            }
        }
    }
    Ok(out)
}

/// Whether `proto_ids[proto]` takes exactly these parameter types.
fn params_are(dex: &Dex<'_>, proto: u32, want: Option<&[&[u8]]>) -> Result<bool, Malformed> {
    let Some(want) = want else { return Ok(false) };
    let params = dex.proto_params(proto)?;
    if params.len() != want.len() {
        return Ok(false);
    }
    for (t, w) in params.iter().zip(want) {
        if dex.type_descriptor(t)? != *w {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The API table, indexed by declaring class for lookups per `type_ids`.
struct Tables {
    /// Descriptor -> index into the vectors below.
    class_index: HashMap<&'static [u8], u16>,
    methods: Vec<Vec<usize>>,
    fields: Vec<Vec<usize>>,
    overrides: Vec<Vec<usize>>,
    /// Methods also matched by name and parameters on other classes.
    inherited: Vec<usize>,
    /// Distinct `with_string` conditions.
    needles: Vec<&'static [u8]>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut t = Tables {
            class_index: HashMap::new(),
            methods: Vec::new(),
            fields: Vec::new(),
            overrides: Vec::new(),
            inherited: Vec::new(),
            needles: Vec::new(),
        };
        let index = |t: &mut Tables, desc: &'static [u8]| -> usize {
            let next = t.methods.len();
            let i = *t.class_index.entry(desc).or_insert(next as u16) as usize;
            if i == next {
                t.methods.push(Vec::new());
                t.fields.push(Vec::new());
                t.overrides.push(Vec::new());
            }
            i
        };
        for (i, api) in api::METHODS.iter().enumerate() {
            let c = index(&mut t, api.class);
            t.methods[c].push(i);
            if api.inherited.is_some() {
                t.inherited.push(i);
            }
            if let Some(needle) = api.with_string {
                if !t.needles.contains(&needle) {
                    t.needles.push(needle);
                }
            }
        }
        for (i, api) in api::FIELDS.iter().enumerate() {
            let c = index(&mut t, api.class);
            t.fields[c].push(i);
        }
        for (i, o) in api::OVERRIDES.iter().enumerate() {
            for &desc in o.supertypes {
                let c = index(&mut t, desc);
                t.overrides[c].push(i);
            }
        }
        t
    })
}

/// `com/a/B` from `Lcom/a/B;`; `None` for primitives and malformed text.
fn class_name(desc: &str) -> Option<&str> {
    desc.strip_prefix('L')?.strip_suffix(';')
}

/// The element type of an array descriptor (`[[Lcom/a/B;` -> `Lcom/a/B;`).
fn element_type(desc: &[u8]) -> &[u8] {
    let dims = desc.iter().take_while(|&&b| b == b'[').count();
    desc.get(dims..).unwrap_or_default()
}

/// Keep the `max` smallest values: the same sample whatever the file order.
fn insert_bounded(set: &mut BTreeSet<String>, value: String, max: usize) {
    set.insert(value);
    while set.len() > max {
        set.pop_last();
    }
}

/// Call `f` for each `http://` or `https://` URL inside a string.
fn for_each_url(s: &[u8], http: &memchr::memmem::Finder<'_>, mut f: impl FnMut(&str)) {
    let mut rest = s;
    while let Some(at) = http.find(rest) {
        let tail = rest.get(at..).unwrap_or_default();
        let scheme = if tail.starts_with(b"https://") {
            8
        } else if tail.starts_with(b"http://") {
            7
        } else {
            rest = tail.get(4..).unwrap_or_default();
            continue;
        };
        let len = tail
            .iter()
            .position(|&b| !is_url_byte(b))
            .unwrap_or(tail.len());
        let mut url = tail.get(..len).unwrap_or_default();
        while let [head @ .., b'.' | b',' | b';' | b':' | b'!' | b'?' | b')'] = url {
            url = head;
        }
        if url.len() > scheme && url.len() <= MAX_URL_LEN {
            if let Ok(url) = std::str::from_utf8(url) {
                f(url);
            }
        }
        rest = tail.get(len.max(scheme)..).unwrap_or_default();
    }
}

fn is_url_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`' | b'|' | b'^')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(s: &str) -> Vec<String> {
        let http = memchr::memmem::Finder::new(b"http");
        let mut out = Vec::new();
        for_each_url(s.as_bytes(), &http, |u| out.push(u.to_owned()));
        out
    }

    #[test]
    fn component_class_strings() {
        for yes in [
            "com.xiaomi.push.service.XMPushService",
            "cn.jpush.android.service.PushReceiver",
            "a.b.C$InnerService",
            "com.igexin.sdk.IntentService",
        ] {
            assert!(is_component_class(yes.as_bytes()), "{yes}");
        }
        for no in [
            "XMPushService",
            "push.Service",
            "com.a.service",
            "android.media.browse.MediaBrowserService",
            "com.a b.CService",
            "com..a.BService",
            "com.a.1BService",
            "start the Service",
            "com.google.android.gms.common.internal.service.ICommonService",
        ] {
            assert!(!is_component_class(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn urls_in_strings() {
        assert_eq!(urls("https://a.example/p?q=1"), ["https://a.example/p?q=1"]);
        assert_eq!(
            urls("see http://x.cn/privacy.html, or \"https://y.cn/a\"."),
            ["http://x.cn/privacy.html", "https://y.cn/a"]
        );
        assert!(urls("https://").is_empty());
        assert!(urls("httpx http:/ nohttp").is_empty());
        assert_eq!(urls("httphttps://z.io"), ["https://z.io"]);
    }

    #[test]
    fn bounded_sets_keep_the_smallest() {
        let mut s = BTreeSet::new();
        for v in ["d", "b", "c", "a"] {
            insert_bounded(&mut s, v.to_owned(), 2);
        }
        assert_eq!(s.into_iter().collect::<Vec<_>>(), ["a", "b"]);
    }
}
