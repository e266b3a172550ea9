//! Signature verification with the outcome Android's `apksigner verify`
//! gives: v1 (JAR signing), v2, v3 and v3.1, and the signers Android trusts.
//!
//! Which schemes must verify depends on the platforms the APK targets,
//! exactly as in apksig's `ApkVerifier.verify`:
//! - Android 7.0 (API 24) and later read the APK Signing Block; earlier
//!   platforms only JAR signatures. From 7.0, JAR signatures are checked only
//!   when no v2+ block exists, so v1 must verify iff `min_sdk < 24` or there
//!   is no block.
//! - Android 9 (28) reads v3, 13 (33) reads v3.1; v2 is checked when some
//!   platform in range predates v3 (`min_sdk < 28`) or no v3 block exists.
//! - A scheme whose block exists but does not verify fails the APK; the
//!   older schemes are then not consulted, as on the device.
//! - Stripping protection: a v1 `.SF` naming v2/v3 in `X-Android-APK-Signed`,
//!   a v2 signer naming v3, or a v3 signer naming a v3.1 rotation, fail the
//!   APK when that scheme's block is missing.
//! - `targetSdkVersion >= 30` requires v2 or later (if such platforms are in
//!   range); `targetSandboxVersion > 1` requires v2 or later from Android 8.
//! - When v1 and v2 both verify their signers must match; when v3 verifies
//!   alongside v1 or v2, the older signer must be v3's or its lineage's root.
//!
//! The v2/v3 content digests are computed by [`ContentDigests`], a
//! [`ChunkSink`](crate::ChunkSink) that shares the single sequential read of
//! the file with the whole-file SHA-256 (see [`crate::stream_pass`]). JAR
//! verification reads (and inflates) each entry once.
//!
//! Malformed signing data is never an error of this module: it is a scheme
//! that does not verify, with the reason in its [`SchemeResult`].

mod ber;
mod block;
mod cert;
mod continuity;
mod crypto;
mod digest;
mod jar;
mod lineage;
mod pkcs7;
mod shared;
mod v1;
mod v2v3;

use std::collections::BTreeSet;

use shelfgate_contract::types::{Certificate, SchemeResult, SigningFacts};

use crate::zip::Archive;
use crate::{stream_pass, Limits, ReadAt};

use block::SigningBlock;
use cert::Cert;
use digest::{Computed, ContentDigest, Layout};

pub use continuity::continuity;
pub use digest::ContentDigests;
pub(crate) use shared::{manifest_hashes, share, SharedDigests};

/// apksigner's default `--max-sdk-version`: every platform to come.
pub const ANY_SDK: u32 = i32::MAX as u32;

const N: u32 = 24;
const O: u32 = 26;
const P: u32 = 28;
const R: u32 = 30;

/// The platforms the verdict must hold on, and what the manifest says that
/// changes which schemes are required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Lowest platform: the app's `minSdkVersion` (apksigner's default) or
    /// its `--min-sdk-version`.
    pub min_sdk: u32,
    /// Highest platform: [`ANY_SDK`] unless checking an older range.
    pub max_sdk: u32,
    /// The effective `targetSdkVersion`, if the manifest is known.
    pub target_sdk: Option<u32>,
    /// `android:targetSandboxVersion` (1 when absent).
    pub target_sandbox_version: u32,
    /// A v4 `.idsig` file came with the upload (it is never inside the APK).
    pub has_v4_idsig: bool,
}

impl Options {
    /// apksigner's defaults for an app with this `minSdkVersion`.
    pub fn new(min_sdk: u32) -> Options {
        Options {
            min_sdk,
            max_sdk: ANY_SDK,
            target_sdk: None,
            target_sandbox_version: 1,
            has_v4_idsig: false,
        }
    }
}

/// The APK Signing Block schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum SchemeId {
    V2,
    V3,
    V31,
}

impl SchemeId {
    /// The ID a `.SF` or v2 stripping-protection attribute uses.
    fn id(self) -> u32 {
        match self {
            SchemeId::V2 => 2,
            SchemeId::V3 => 3,
            SchemeId::V31 => 31,
        }
    }

    fn title(self) -> &'static str {
        match self {
            SchemeId::V2 => "APK Signature Scheme v2",
            SchemeId::V3 => "APK Signature Scheme v3",
            SchemeId::V31 => "APK Signature Scheme v3.1",
        }
    }

    fn label(self) -> &'static str {
        match self {
            SchemeId::V2 => "v2",
            SchemeId::V3 => "v3",
            SchemeId::V31 => "v3.1",
        }
    }

    fn block_id(self) -> u32 {
        match self {
            SchemeId::V2 => block::V2_BLOCK_ID,
            SchemeId::V3 => block::V3_BLOCK_ID,
            SchemeId::V31 => block::V31_BLOCK_ID,
        }
    }
}

impl ContentDigests {
    /// The digest sink for this APK: its signing block's position and the
    /// digest algorithms its v2/v3/v3.1 signers list. `None` when there is no
    /// usable APK Signing Block, so nothing needs digesting.
    pub fn for_archive<R: ReadAt + ?Sized>(
        src: &R,
        archive: &Archive,
        limits: &Limits,
    ) -> Option<ContentDigests> {
        let block = locate(src, archive, limits).ok()?;
        let wanted = listed_digests(&block);
        (!wanted.is_empty()).then(|| ContentDigests::new(layout(src, archive, &block), &wanted))
    }
}

fn locate<R: ReadAt + ?Sized>(
    src: &R,
    archive: &Archive,
    limits: &Limits,
) -> Result<SigningBlock, block::NotFound> {
    SigningBlock::locate(
        src,
        archive.cd_offset(),
        archive.cd_size(),
        archive.eocd_offset(),
        limits,
    )
}

fn layout<R: ReadAt + ?Sized>(src: &R, archive: &Archive, block: &SigningBlock) -> Layout {
    Layout {
        block_offset: block.offset,
        cd_offset: archive.cd_offset(),
        eocd_offset: archive.eocd_offset(),
        file_len: src.size(),
    }
}

fn listed_digests(block: &SigningBlock) -> Vec<ContentDigest> {
    let mut wanted = BTreeSet::new();
    for scheme in [SchemeId::V2, SchemeId::V3, SchemeId::V31] {
        if let Ok(value) = block.find(scheme.block_id()) {
            v2v3::listed_digests(value, &mut wanted);
        }
    }
    wanted.into_iter().collect()
}

/// Verifies an APK's signatures, one streaming pass included: for callers
/// that need only the signing facts.
pub fn verify_apk<R: ReadAt + ?Sized>(
    src: &R,
    archive: &Archive,
    options: &Options,
    limits: &Limits,
) -> SigningFacts {
    verify_apk_sharing(src, archive, options, limits, None)
}

/// [`verify_apk`], taking the digests of entries another thread inflates
/// anyway from `shared` (see [`shared`]).
pub(crate) fn verify_apk_sharing<R: ReadAt + ?Sized>(
    src: &R,
    archive: &Archive,
    options: &Options,
    limits: &Limits,
    shared: Option<&SharedDigests>,
) -> SigningFacts {
    let mut digests = ContentDigests::for_archive(src, archive, limits);
    let pass_failed = match &mut digests {
        Some(d) => stream_pass(src, &mut [d]).err(),
        None => None,
    };
    let digests = match pass_failed {
        // `verify` reads again and reports the failure in context.
        Some(_) => None,
        None => digests,
    };
    Verification::run(src, archive, digests, options, limits, shared).into_facts(options)
}

/// Verifies an APK's signatures as `apksigner verify` does for the
/// platforms in `options`. `digests` is the sink the caller streamed the file
/// through; without it (or if it does not fit this APK) the file is read
/// once more here.
pub fn verify<R: ReadAt + ?Sized>(
    src: &R,
    archive: &Archive,
    digests: Option<ContentDigests>,
    options: &Options,
    limits: &Limits,
) -> SigningFacts {
    Verification::run(src, archive, digests, options, limits, None).into_facts(options)
}

/// One scheme's state during verification.
#[derive(Default)]
struct SchemeState {
    present: bool,
    verified: bool,
    errors: Vec<String>,
    warnings: Vec<String>,
}

impl SchemeState {
    fn result(self, scheme: &str) -> SchemeResult {
        SchemeResult {
            scheme: scheme.to_string(),
            present: self.present,
            // A check across schemes can still fail one that verified alone.
            verified: self.verified && self.errors.is_empty(),
            errors: self.errors,
            warnings: self.warnings,
        }
    }
}

#[derive(Default)]
struct Verification {
    v1: SchemeState,
    v2: SchemeState,
    v3: SchemeState,
    v31: SchemeState,
    /// Errors outside any one scheme.
    errors: Vec<String>,
    v1_signers: Vec<Cert>,
    v2_signers: Vec<Cert>,
    v3_signers: Vec<Cert>,
    v31_signers: Vec<Cert>,
    v3_lineage: Option<lineage::Lineage>,
    v31_lineage: Option<lineage::Lineage>,
}

/// What the block schemes are verified against: the APK, its signing block
/// and its content digests.
struct BlockCheck<'a, R: ?Sized> {
    src: &'a R,
    archive: &'a Archive,
    block: &'a SigningBlock,
    content: Content,
}

impl<R: ReadAt + ?Sized> BlockCheck<'_, R> {
    fn verify(&mut self, value: &[u8], params: &v2v3::Params<'_>) -> v2v3::Outcome {
        let layout = layout(self.src, self.archive, self.block);
        let digests = self.content.get(self.src, self.archive, self.block);
        v2v3::verify(value, params, digests, layout)
    }
}

/// The schemes platforms up to `max_sdk` know, for stripping protection.
fn supported_schemes(max_sdk: u32) -> Vec<SchemeId> {
    if max_sdk >= P {
        vec![SchemeId::V2, SchemeId::V3]
    } else if max_sdk >= N {
        vec![SchemeId::V2]
    } else {
        Vec::new()
    }
}

impl Verification {
    fn run<R: ReadAt + ?Sized>(
        src: &R,
        archive: &Archive,
        digests: Option<ContentDigests>,
        options: &Options,
        limits: &Limits,
        shared: Option<&SharedDigests>,
    ) -> Verification {
        let mut v = Verification::default();
        let (min, max) = (options.min_sdk, options.max_sdk);
        if min > max {
            v.errors.push(format!(
                "min SDK version {min} is above max SDK version {max}"
            ));
            return v;
        }
        if archive.entry("AndroidManifest.xml").is_none() {
            // apksig needs the manifest and Android cannot install without it.
            v.errors.push("the APK has no AndroidManifest.xml".into());
        }
        v.v1.present = v1_present(archive);

        let supported = supported_schemes(max);
        let mut found = BTreeSet::new();
        let mut failed = false;
        match locate(src, archive, limits) {
            Ok(block) => {
                let mut check = BlockCheck {
                    src,
                    archive,
                    block: &block,
                    content: Content {
                        provided: digests,
                        computed: None,
                    },
                };
                failed = v.verify_blocks(&mut check, options, &supported, &mut found);
            }
            Err(e) if e.malformed => {
                for scheme in [SchemeId::V2, SchemeId::V3, SchemeId::V31] {
                    v.scheme(scheme)
                        .warnings
                        .push(format!("APK Signing Block ignored: {}", e.reason));
                }
            }
            Err(_) => {}
        }
        v.note_unchecked(options, &found, failed);

        if !failed && max >= O && options.target_sandbox_version > 1 && found.is_empty() {
            v.errors.push(format!(
                "targetSandboxVersion {} requires an APK Signature Scheme v2 or later signature",
                options.target_sandbox_version
            ));
        }
        if !failed && (min < N || found.is_empty()) {
            let ctx = v1::Context {
                min_sdk: min,
                max_sdk: max,
                supported: &supported,
                found: &found,
            };
            let out = v1::verify(src, archive, &ctx, limits, shared);
            if !found.is_empty() {
                let range = if min + 1 == N {
                    format!("API level {min}")
                } else {
                    format!("API levels {min}-{}", N - 1)
                };
                v.v1.warnings
                    .push(format!("checked because {range} know only JAR signing"));
            }
            v.v1.present |= out.present;
            v.v1.verified = out.verified;
            v.v1.errors = out.errors;
            v.v1.warnings.extend(out.warnings);
            v.v1_signers = out.signers;
            failed = !v.v1.errors.is_empty();
        }
        if !failed {
            v.check_across_schemes(options);
        }
        v
    }

    /// v3.1, then v3, then v2, each only where apksig would look at it and
    /// only while none has failed. Returns whether one failed; `found`
    /// collects the schemes whose blocks were examined.
    fn verify_blocks<R: ReadAt + ?Sized>(
        &mut self,
        check: &mut BlockCheck<'_, R>,
        options: &Options,
        supported: &[SchemeId],
        found: &mut BTreeSet<SchemeId>,
    ) -> bool {
        let (min, max) = (options.min_sdk, options.max_sdk);
        let block = check.block;
        let lookup = |v: &mut Verification, scheme: SchemeId| match block.find(scheme.block_id()) {
            Ok(value) => {
                v.scheme(scheme).present = true;
                Some(value)
            }
            Err(e) => {
                if e.malformed {
                    v.scheme(scheme)
                        .warnings
                        .push(format!("APK Signing Block ignored: {}", e.reason));
                }
                None
            }
        };
        let (v2, v3, v31) = (
            lookup(self, SchemeId::V2),
            lookup(self, SchemeId::V3),
            lookup(self, SchemeId::V31),
        );
        if max < N {
            return false;
        }
        let mut rotation_min_sdk = None;
        if let (Some(value), true) = (v31, max >= v2v3::V31_MIN_SDK) {
            found.insert(SchemeId::V31);
            // A v3.1 signer may target any range; it must reach the newest platform.
            let params = v2v3::Params {
                scheme: SchemeId::V31,
                min_sdk: max,
                max_sdk: max,
                supported,
                found,
                rotation_min_sdk: None,
            };
            let out = check.verify(value, &params);
            rotation_min_sdk = out
                .signers
                .iter()
                .map(|s| s.min_sdk)
                .min()
                .and_then(|m| u32::try_from(m).ok())
                .filter(|m| *m > 0);
            if self.absorb(SchemeId::V31, out) {
                return true;
            }
        }
        if max >= P {
            match v3 {
                Some(value) => {
                    found.insert(SchemeId::V3);
                    let params = v2v3::Params {
                        scheme: SchemeId::V3,
                        min_sdk: min.max(P),
                        max_sdk: max,
                        supported,
                        found,
                        rotation_min_sdk,
                    };
                    let out = check.verify(value, &params);
                    if self.absorb(SchemeId::V3, out) {
                        return true;
                    }
                }
                None if found.contains(&SchemeId::V31) => {
                    self.v31.errors.push(
                        "a v3.1 block needs a v3 block for the platforms before the rotation"
                            .into(),
                    );
                    return true;
                }
                None => {}
            }
        }
        if let (Some(value), true) = (v2, min < P || found.is_empty()) {
            let params = v2v3::Params {
                scheme: SchemeId::V2,
                min_sdk: min.max(N),
                max_sdk: max,
                supported,
                found,
                rotation_min_sdk: None,
            };
            let out = check.verify(value, &params);
            found.insert(SchemeId::V2);
            return self.absorb(SchemeId::V2, out);
        }
        false
    }

    fn scheme(&mut self, scheme: SchemeId) -> &mut SchemeState {
        match scheme {
            SchemeId::V2 => &mut self.v2,
            SchemeId::V3 => &mut self.v3,
            SchemeId::V31 => &mut self.v31,
        }
    }

    /// Records a block's outcome; true if it failed.
    fn absorb(&mut self, scheme: SchemeId, out: v2v3::Outcome) -> bool {
        let certs: Vec<Cert> = out.signers.into_iter().filter_map(|s| s.cert).collect();
        match scheme {
            SchemeId::V2 => self.v2_signers = certs,
            SchemeId::V3 => {
                self.v3_signers = certs;
                self.v3_lineage = out.lineage;
            }
            SchemeId::V31 => {
                self.v31_signers = certs;
                self.v31_lineage = out.lineage;
            }
        }
        let state = self.scheme(scheme);
        state.verified = out.verified;
        state.errors = out.errors;
        state.warnings.extend(out.warnings);
        !state.errors.is_empty()
    }

    /// Says why a scheme that is present was not checked.
    fn note_unchecked(&mut self, options: &Options, found: &BTreeSet<SchemeId>, failed: bool) {
        let (min, max) = (options.min_sdk, options.max_sdk);
        let checked = |s: &SchemeState| s.verified || !s.errors.is_empty();
        let newer_failed =
            "not checked: a newer scheme failed, which Android does not fall back from";
        if self.v31.present && !checked(&self.v31) {
            self.v31.warnings.push(format!(
                "not checked: platforms up to API {max} predate v3.1 (API {})",
                v2v3::V31_MIN_SDK
            ));
        }
        if self.v3.present && !checked(&self.v3) {
            let why = if failed {
                newer_failed.to_string()
            } else {
                format!("not checked: platforms up to API {max} predate v3 (API {P})")
            };
            self.v3.warnings.push(why);
        }
        if self.v2.present && !checked(&self.v2) {
            let why = if failed {
                newer_failed.to_string()
            } else if max < N {
                format!("not checked: platforms up to API {max} predate v2 (API {N})")
            } else {
                format!("not checked: platforms from API {min} use the newer v3 signature")
            };
            self.v2.warnings.push(why);
        }
        if self.v1.present && !failed && min >= N && !found.is_empty() {
            self.v1.warnings.push(format!(
                "not checked: platforms from API {min} ignore JAR signatures when an APK Signature Scheme \
                 v2+ signature is present"
            ));
        } else if self.v1.present && failed {
            self.v1.warnings.push(newer_failed.into());
        }
    }

    /// apksig's checks between schemes, after each verified on its own.
    fn check_across_schemes(&mut self, options: &Options) {
        if self.v1.verified && self.v2.verified {
            if let Some(c) = self
                .v1_signers
                .iter()
                .find(|c| !self.v2_signers.iter().any(|d| d.der == c.der))
            {
                self.v1.errors.push(format!(
                    "JAR signer {} has no APK Signature Scheme v2 signature",
                    c.facts.sha256
                ));
            }
            if let Some(c) = self
                .v2_signers
                .iter()
                .find(|c| !self.v1_signers.iter().any(|d| d.der == c.der))
            {
                self.v2
                    .errors
                    .push(format!("v2 signer {} has no JAR signature", c.facts.sha256));
            }
        }
        if self.v3.verified && (self.v1.verified || self.v2.verified) {
            let older = if self.v1.verified {
                &self.v1_signers
            } else {
                &self.v2_signers
            };
            if older.len() != 1 {
                self.v3
                    .errors
                    .push("v3 allows one signer, but the older schemes have several".into());
            }
            if let Some(old) = older.first() {
                match &self.v3_lineage {
                    None => {
                        if self.v3_signers.len() != 1 {
                            self.v3
                                .errors
                                .push("several v3 signers without a rotation lineage".into());
                        }
                        if self.v3_signers.first().map(|c| &c.der) != Some(&old.der) {
                            self.v3.errors.push(
                                "the v3 signer differs from the older schemes' signer and has no lineage to it"
                                    .into(),
                            );
                        }
                    }
                    Some(l) => {
                        if l.position(&old.der) != Some(0) {
                            self.v3.errors.push(
                                "the older schemes' signer is not the root of the v3 rotation lineage".into(),
                            );
                        }
                    }
                }
            }
        }
        if let Some(target) = options.target_sdk {
            let newer_verified = self.v2.verified || self.v3.verified || self.v31.verified;
            if target >= R && options.max_sdk >= target && !newer_verified {
                self.errors.push(format!(
                    "target SDK version {target} requires a minimum of signature scheme v2; the APK is not \
                     signed with this or a later signature scheme"
                ));
            }
        }
    }

    fn into_facts(self, options: &Options) -> SigningFacts {
        let mut errors = Vec::new();
        for (label, state) in [
            ("v1", &self.v1),
            ("v2", &self.v2),
            ("v3", &self.v3),
            ("v3.1", &self.v31),
        ] {
            errors.extend(state.errors.iter().map(|e| format!("{label}: {e}")));
        }
        errors.extend(self.errors);
        let any = self.v1.verified || self.v2.verified || self.v3.verified || self.v31.verified;
        let verified = errors.is_empty() && any;
        if errors.is_empty() && !any {
            errors.push("the APK is not signed".into());
        }
        // apksig's signer: the newest v3.1 or v3 signer, else every v2 or v1 signer.
        let (signers, lineage): (Vec<&Cert>, _) = if !verified {
            (Vec::new(), None)
        } else if self.v31.verified {
            (
                self.v31_signers.last().into_iter().collect(),
                self.v31_lineage.as_ref(),
            )
        } else if self.v3.verified {
            (
                self.v3_signers.last().into_iter().collect(),
                self.v3_lineage.as_ref(),
            )
        } else if self.v2.verified {
            (self.v2_signers.iter().collect(), None)
        } else {
            (self.v1_signers.iter().collect(), None)
        };
        let signers: Vec<Certificate> = signers.into_iter().map(|c| c.facts.clone()).collect();
        let v4 = SchemeState {
            present: options.has_v4_idsig,
            warnings: if options.has_v4_idsig {
                vec!["v4 signatures (.idsig) are optional and not verified".into()]
            } else {
                Vec::new()
            },
            ..SchemeState::default()
        };
        SigningFacts {
            verified,
            schemes: vec![
                self.v1.result("v1"),
                self.v2.result(SchemeId::V2.label()),
                self.v3.result(SchemeId::V3.label()),
                self.v31.result(SchemeId::V31.label()),
                v4.result("v4"),
            ],
            signers,
            lineage: lineage.map(lineage::Lineage::facts).unwrap_or_default(),
            has_v4_idsig: options.has_v4_idsig,
            errors,
        }
    }
}

/// A JAR manifest and at least one signature block.
fn v1_present(archive: &Archive) -> bool {
    archive.entry("META-INF/MANIFEST.MF").is_some()
        && archive.entries().iter().any(|e| {
            e.name.starts_with("META-INF/")
                && (e.name.ends_with(".RSA") || e.name.ends_with(".DSA") || e.name.ends_with(".EC"))
        })
}

/// The content digests: the caller's sink when it fits this APK, else one
/// pass of our own.
struct Content {
    provided: Option<ContentDigests>,
    computed: Option<Result<Computed, String>>,
}

impl Content {
    fn get<R: ReadAt + ?Sized>(
        &mut self,
        src: &R,
        archive: &Archive,
        block: &SigningBlock,
    ) -> &Result<Computed, String> {
        let layout = layout(src, archive, block);
        let wanted = listed_digests(block);
        self.computed.get_or_insert_with(|| {
            let fits =
                |d: &ContentDigests| d.layout() == layout && wanted.iter().all(|a| d.computes(*a));
            match self.provided.take() {
                Some(d) if fits(&d) => d.finish(),
                _ => {
                    let mut sink = ContentDigests::new(layout, &wanted);
                    stream_pass(src, &mut [&mut sink])
                        .map_err(|e| format!("reading the APK failed: {e}"))
                        .and_then(|()| sink.finish())
                }
            }
        })
    }
}

/// Entry points for the fuzz targets (`host/fuzz`): the parsers of hostile
/// signing data, run on raw bytes. Not part of the API.
#[doc(hidden)]
pub mod fuzzing {
    use std::collections::BTreeSet;

    use super::block::find_pair;
    use super::digest::{Computed, Layout};
    use super::{cert::Cert, lineage::Lineage, pkcs7, v1, v2v3, SchemeId};

    /// A PKCS#7 signature block: envelope, signed attributes, certificates,
    /// and a signature check of each SignerInfo over a fixed `.SF`.
    pub fn pkcs7(data: &[u8]) {
        let Ok(signed) = pkcs7::parse(data) else {
            return;
        };
        let certs: Vec<Cert> = signed
            .certificates
            .iter()
            .filter_map(|c| Cert::parse(c).ok())
            .collect();
        for info in &signed.signer_infos {
            if let Some(attrs) = info.signed_attrs {
                let _ = pkcs7::attributes(attrs);
            }
        }
        let found = BTreeSet::new();
        let ctx = v1::Context {
            min_sdk: 19,
            max_sdk: super::ANY_SDK,
            supported: &[SchemeId::V2, SchemeId::V3],
            found: &found,
        };
        let _ = v1::check_signer_infos(&signed, &certs, b"Signature-Version: 1.0\r\n\r\n", &ctx);
    }

    /// An APK Signing Block (from its size field to its magic), each scheme
    /// block in it verified for a platform range taken from the data, and
    /// every value also read as a rotation lineage.
    pub fn signing_block(data: &[u8]) {
        let (min_sdk, max_sdk) = match data {
            [a, b, ..] => (u32::from(*a), u32::from(*a) + u32::from(*b) * 8),
            _ => (24, 33),
        };
        let found = BTreeSet::from([SchemeId::V3]);
        for scheme in [SchemeId::V2, SchemeId::V3, SchemeId::V31] {
            let Ok(value) = find_pair(data, scheme.block_id()) else {
                continue;
            };
            let params = v2v3::Params {
                scheme,
                min_sdk,
                max_sdk,
                supported: &[SchemeId::V2, SchemeId::V3],
                found: &found,
                rotation_min_sdk: (scheme == SchemeId::V3).then_some(33),
            };
            let layout = Layout {
                block_offset: 4096,
                cd_offset: 8192,
                eocd_offset: 8300,
                file_len: 8322,
            };
            let _ = v2v3::verify(value, &params, &Ok(Computed::default()), layout);
            let _ = Lineage::parse(value);
        }
    }
}
