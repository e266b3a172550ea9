//! v1: JAR signing, verified as apksig's `V1SchemeVerifier` does.
//!
//! The chain of trust: each signature block (`META-INF/*.RSA|DSA|EC`, a
//! PKCS#7 `SignedData`) signs its `.SF` file; the `.SF` holds digests of
//! `MANIFEST.MF` (whole, main section, or per entry section); the manifest
//! holds digests of every entry's inflated data. Android's rules differ from
//! the JAR specification in places, and by platform version: which digest
//! algorithms count, which signature algorithms are accepted, whether signed
//! attributes are safe, and the `X-Android-APK-Signed` header that stops an
//! attacker from stripping a v2/v3 signature and falling back to v1. Those
//! rules are followed here with the platform range `[min_sdk, max_sdk]`.
//!
//! Every entry's data is read (and inflated) exactly once, streamed into
//! its digests; with enough data, entries are digested on several threads.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;

use super::cert::Cert;
use super::crypto::{Hash, Hasher, Padding};
use super::jar::{Manifest, Section};
use super::pkcs7::{self, SignedData};
use super::shared::SharedDigests;
use super::SchemeId;
use crate::zip::{Archive, Entry};
use crate::{Limits, ReadAt};

const MANIFEST: &str = "META-INF/MANIFEST.MF";
/// apksig's `MAX_APK_SIGNERS`: at most ten JAR signers. The same bound
/// applies to the SignerInfos tried in one block, so a hostile block cannot
/// demand thousands of signature checks.
const MAX_SIGNERS: usize = 10;
const JELLY_BEAN_MR2: u32 = 18;
const KITKAT: u32 = 19;
const N: u32 = 24;

/// The platform range and the APK Signing Block schemes found, which the
/// `.SF` stripping protection is checked against.
pub struct Context<'a> {
    pub min_sdk: u32,
    pub max_sdk: u32,
    /// Schemes the platforms in range know (v2 from 24, v3 from 28).
    pub supported: &'a [SchemeId],
    /// Schemes whose blocks were found (whether or not they verified).
    pub found: &'a BTreeSet<SchemeId>,
}

/// What v1 verification concluded.
#[derive(Default)]
pub struct Outcome {
    /// A manifest and at least one signature block exist.
    pub present: bool,
    pub verified: bool,
    /// The signers Android uses, in directory order of their blocks.
    pub signers: Vec<Cert>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

struct Signer<'e> {
    /// `CERT.RSA`: the block's name without `META-INF/`.
    name: String,
    block: &'e Entry,
    sf: &'e Entry,
    sf_bytes: Vec<u8>,
    /// Entry names the `.SF` covers.
    sf_names: HashSet<String>,
    cert: Option<Cert>,
    errors: Vec<String>,
    ignored: bool,
}

impl Signer<'_> {
    fn error(&mut self, msg: impl std::fmt::Display) {
        self.errors.push(format!("JAR signer {}: {msg}", self.name));
    }
}

pub fn verify<R: ReadAt + ?Sized>(
    src: &R,
    archive: &Archive,
    ctx: &Context<'_>,
    limits: &Limits,
    shared: Option<&SharedDigests>,
) -> Outcome {
    let mut out = Outcome::default();
    // Directory entries are ignored, as apksig's parseZipCentralDirectory does.
    let entries: Vec<&Entry> = archive
        .entries()
        .iter()
        .filter(|e| !e.name.ends_with('/'))
        .collect();
    let mut names = HashSet::with_capacity(entries.len());
    let mut reported = HashSet::new();
    for e in &entries {
        if !names.insert(e.name.as_str()) && reported.insert(e.name.as_str()) {
            out.errors.push(format!("Duplicate entry: {}", e.name));
        }
    }
    let files = JarFiles::find(&entries);
    out.present = files.manifest.is_some() && !files.blocks.is_empty();
    if !out.errors.is_empty() {
        return out;
    }
    let Some(manifest_entry) = files.manifest else {
        out.errors.push(format!("Missing {MANIFEST}"));
        return out;
    };
    let sig_limits = Limits {
        max_entry_size: limits.max_entry_size.min(limits.max_jar_signature_file),
        ..limits.clone()
    };
    let manifest_bytes = match archive.read(src, manifest_entry, &sig_limits) {
        Ok(b) => b,
        Err(e) => {
            out.errors.push(format!("cannot read {MANIFEST}: {e}"));
            return out;
        }
    };
    let manifest = Manifest::parse(&manifest_bytes);
    let sections = index_sections(&manifest, &names, &mut out.errors);
    if !out.errors.is_empty() {
        return out;
    }
    let mut signers = files.signers(&mut out.warnings);
    if signers.is_empty() {
        out.errors.push("No JAR signatures".into());
        return out;
    }
    if signers.len() > MAX_SIGNERS {
        out.errors.push(format!(
            "{} JAR signers; at most {MAX_SIGNERS} are supported",
            signers.len()
        ));
        return out;
    }

    // Any error of any signer ends verification, as on Android.
    for signer in &mut signers {
        verify_block(src, archive, signer, ctx, &sig_limits);
    }
    if take_errors(&mut signers, &mut out) {
        return out;
    }
    for signer in &mut signers {
        verify_sf(
            signer,
            &manifest_bytes,
            &manifest,
            &sections,
            ctx,
            &mut out.warnings,
        );
    }
    // Signers whose .SF is unusable are left out, not fatal.
    for signer in signers.iter_mut().filter(|s| s.ignored) {
        for e in signer.errors.drain(..) {
            out.warnings.push(format!("ignored: {e}"));
        }
    }
    signers.retain(|s| !s.ignored);
    if take_errors(&mut signers, &mut out) {
        return out;
    }
    if signers.is_empty() {
        out.errors.push("No JAR signatures".into());
        return out;
    }

    let apk_signers = verify_entries(
        src, archive, &entries, &sections, &signers, ctx, limits, shared, &mut out,
    );
    if !out.errors.is_empty() {
        return out;
    }
    report_unprotected(&entries, &signers, &apk_signers, &mut out.warnings);
    for (i, signer) in signers.into_iter().enumerate() {
        if apk_signers.contains(&i) {
            out.signers.extend(signer.cert);
        } else {
            out.warnings.push(format!(
                "JAR signer {} signs no entry that all signers sign; Android ignores it",
                signer.name
            ));
        }
    }
    out.verified = true;
    out
}

/// The JAR signature files among the entries.
struct JarFiles<'e> {
    manifest: Option<&'e Entry>,
    /// `.SF` files by name; a repeated name keeps the last.
    sf: HashMap<&'e str, &'e Entry>,
    /// Signature blocks (`.RSA`, `.DSA`, `.EC`) in directory order.
    blocks: Vec<&'e Entry>,
}

impl<'e> JarFiles<'e> {
    fn find(entries: &[&'e Entry]) -> JarFiles<'e> {
        let mut files = JarFiles {
            manifest: None,
            sf: HashMap::new(),
            blocks: Vec::new(),
        };
        for &e in entries {
            let name = e.name.as_str();
            if !name.starts_with("META-INF/") {
                continue;
            }
            if files.manifest.is_none() && name == MANIFEST {
                files.manifest = Some(e);
            } else if name.ends_with(".SF") {
                files.sf.insert(name, e);
            } else if name.ends_with(".RSA") || name.ends_with(".DSA") || name.ends_with(".EC") {
                files.blocks.push(e);
            }
        }
        files
    }

    /// A signer per block that has its `.SF`.
    fn signers(&self, warnings: &mut Vec<String>) -> Vec<Signer<'e>> {
        let mut signers = Vec::new();
        for &block in &self.blocks {
            let stem = block
                .name
                .rsplit_once('.')
                .map_or(block.name.as_str(), |(s, _)| s);
            let sf_name = format!("{stem}.SF");
            let Some(&sf) = self.sf.get(sf_name.as_str()) else {
                warnings.push(format!(
                    "JAR signature file {sf_name} for {} is missing; the block is ignored",
                    block.name
                ));
                continue;
            };
            signers.push(Signer {
                name: block.name.trim_start_matches("META-INF/").to_string(),
                block,
                sf,
                sf_bytes: Vec::new(),
                sf_names: HashSet::new(),
                cert: None,
                errors: Vec::new(),
                ignored: false,
            });
        }
        signers
    }
}

/// The manifest's entry sections by name, checking each names an entry.
fn index_sections<'m>(
    manifest: &'m Manifest,
    names: &HashSet<&str>,
    errors: &mut Vec<String>,
) -> HashMap<&'m str, &'m Section> {
    let mut sections = HashMap::with_capacity(manifest.sections.len());
    for (i, section) in manifest.sections.iter().enumerate() {
        let Some(name) = section.name() else {
            errors.push(format!(
                "Manifest section #{} does not specify the name",
                i + 1
            ));
            continue;
        };
        if sections.insert(name, section).is_some() {
            errors.push(format!("Duplicate section in {MANIFEST}: {name}"));
            continue;
        }
        if !names.contains(name) {
            errors.push(format!(
                "{MANIFEST} refers to an entry that is not in the APK: {name}"
            ));
        }
    }
    sections
}

/// Warns of `META-INF/` files no signature covers (Android ignores them).
fn report_unprotected(
    entries: &[&Entry],
    signers: &[Signer<'_>],
    apk_signers: &BTreeSet<usize>,
    warnings: &mut Vec<String>,
) {
    let mut protected: HashSet<&str> = HashSet::from([MANIFEST]);
    for s in apk_signers.iter().filter_map(|&i| signers.get(i)) {
        protected.insert(s.block.name.as_str());
        protected.insert(s.sf.name.as_str());
    }
    for e in entries {
        if e.name.starts_with("META-INF/") && !protected.contains(e.name.as_str()) {
            warnings.push(format!("{} is not protected by the JAR signature", e.name));
        }
    }
}

/// Moves the signers' errors into `out`; true if there were any.
fn take_errors(signers: &mut [Signer<'_>], out: &mut Outcome) -> bool {
    for s in signers.iter_mut() {
        out.errors.append(&mut s.errors);
    }
    !out.errors.is_empty()
}

/// Checks a signature block against its `.SF` (apksig
/// `verifySigBlockAgainstSigFile`).
fn verify_block<R: ReadAt + ?Sized>(
    src: &R,
    archive: &Archive,
    signer: &mut Signer<'_>,
    ctx: &Context<'_>,
    limits: &Limits,
) {
    let block_name = signer.block.name.clone();
    let block_limits = Limits {
        max_entry_size: limits.max_entry_size.min(limits.max_jar_signature_block),
        ..limits.clone()
    };
    let block_bytes = match archive.read(src, signer.block, &block_limits) {
        Ok(b) => b,
        Err(e) => return signer.error(format_args!("cannot read {block_name}: {e}")),
    };
    match archive.read(src, signer.sf, limits) {
        Ok(b) => signer.sf_bytes = b,
        Err(e) => return signer.error(format_args!("cannot read {}: {e}", signer.sf.name)),
    }
    let signed = match pkcs7::parse(&block_bytes) {
        Ok(s) => s,
        Err(e) => return signer.error(format_args!("failed to parse {block_name}: {e}")),
    };
    if signed.signer_infos.is_empty() {
        return signer.error(format_args!("{block_name} has no signers"));
    }
    let mut certs = Vec::with_capacity(signed.certificates.len());
    for (i, der) in signed.certificates.iter().enumerate() {
        match Cert::parse(der) {
            Ok(c) => certs.push(c),
            Err(e) => {
                return signer.error(format_args!(
                    "failed to parse {block_name}: certificate #{}: {e}",
                    i + 1
                ))
            }
        }
    }
    match check_signer_infos(&signed, &certs, &signer.sf_bytes, ctx) {
        Err(e) => signer.error(format_args!("{block_name}: {e}")),
        Ok(Some(i)) => signer.cert = (i < certs.len()).then(|| certs.swap_remove(i)),
        Ok(None) => signer.error(format_args!(
            "{block_name} signature over {} did not verify",
            signer.sf.name
        )),
    }
}

/// The index of the certificate of the first SignerInfo that verifies over
/// `sf`. Before Android 7.0 only the first SignerInfo is tried; from 7.0 on,
/// all of them.
pub(super) fn check_signer_infos(
    signed: &SignedData<'_>,
    certs: &[Cert],
    sf: &[u8],
    ctx: &Context<'_>,
) -> Result<Option<usize>, String> {
    let tries = if ctx.min_sdk < N { 1 } else { MAX_SIGNERS };
    let mut first = None;
    for info in signed.signer_infos.iter().take(tries) {
        // An error in any SignerInfo fails the block, as in apksig.
        if let Some(i) = verify_signer_info(signed, certs, info, sf, ctx)? {
            first.get_or_insert(i);
        }
    }
    Ok(first)
}

/// The index of the signing certificate if `info` verifies over the `.SF`;
/// `Ok(None)` when it does not verify; `Err` for what apksig treats as a
/// fatal error of the whole signer.
fn verify_signer_info(
    signed: &SignedData<'_>,
    certs: &[Cert],
    info: &pkcs7::SignerInfo<'_>,
    sf: &[u8],
    ctx: &Context<'_>,
) -> Result<Option<usize>, String> {
    let digest = digest_from_oid(&info.digest_algorithm);
    let sig = SigOid::from_oid(&info.signature_algorithm);
    let (Some(digest), Some(sig)) = (digest, sig) else {
        return Err(format!(
            "unsupported signature algorithm: digest {} with {}",
            info.digest_algorithm, info.signature_algorithm
        ));
    };
    let missing = uncovered(supported_api_levels(digest, sig), ctx.min_sdk, ctx.max_sdk);
    if !missing.is_empty() {
        return Err(format!(
            "digest algorithm {} with signature algorithm {} is not supported on API levels {missing}",
            digest.name(),
            info.signature_algorithm
        ));
    }
    let (issuer, serial) = info.issuer_and_serial.ok_or(
        "SignerInfo names its certificate by key identifier, which Android does not support",
    )?;
    let index = certs
        .iter()
        .position(|c| c.matches(issuer, serial))
        .ok_or("signing certificate referenced in SignerInfo not found in SignedData")?;
    let cert = certs.get(index).ok_or("signing certificate missing")?;
    if let Some(oid) = &cert.unsupported_critical {
        return Err(format!(
            "signing certificate has an unsupported critical extension {oid}"
        ));
    }
    if let Some((digital_signature, non_repudiation)) = cert.key_usage {
        if !digital_signature && !non_repudiation {
            return Err(
                "signing certificate not authorized for use in digital signatures: keyUsage \
                        extension missing digitalSignature and nonRepudiation"
                    .into(),
            );
        }
    }
    let (padding, sig_hash) = sig.jca(digest);
    let key = cert.public_key()?;

    let message: Vec<u8>;
    let signed_over: &[u8] = match info.signed_attrs {
        Some(raw) => {
            if ctx.min_sdk < KITKAT {
                // Before 4.4 signed attributes did not protect the APK.
                return Err(format!(
                    "APKs with signed attributes are broken on platforms with API level < {KITKAT}"
                ));
            }
            let attrs = pkcs7::attributes(raw)
                .map_err(|e| format!("failed to parse signed attributes: {e}"))?;
            let mut by_oid: HashMap<&str, &pkcs7::Attribute<'_>> = HashMap::new();
            for a in &attrs {
                if by_oid.insert(a.oid.as_str(), a).is_some() {
                    return Err(format!("duplicate signed attribute {}", a.oid));
                }
            }
            let single = |oid: &str| match by_oid.get(oid).map(|a| a.values.as_slice()) {
                None | Some([]) => Ok(None),
                Some([v]) => Ok(Some(*v)),
                Some(_) => Err(format!("attribute {oid} has multiple values")),
            };
            if ctx.max_sdk >= N {
                // The content type attribute is checked from Android 7.0.
                let value = single(pkcs7::OID_CONTENT_TYPE)?
                    .ok_or("no content type in signed attributes")?;
                if pkcs7::oid(&value)? != signed.content_type {
                    return Ok(None);
                }
            }
            let value = single(pkcs7::OID_MESSAGE_DIGEST)?
                .ok_or("no content digest in signed attributes")?;
            if pkcs7::octets(&value)? != digest.digest(sf) {
                return Ok(None);
            }
            // Android hashes the attributes as encoded, with the IMPLICIT
            // [0] tag replaced by SET, not a DER re-encoding.
            let mut m = Vec::with_capacity(raw.len());
            m.push(0x31);
            m.extend_from_slice(raw.get(1..).unwrap_or_default());
            message = m;
            &message
        }
        None => sf,
    };
    Ok(key
        .verify(padding, sig_hash, signed_over, &info.signature)
        .is_ok()
        .then_some(index))
}

/// Checks a `.SF` against the manifest (apksig `verifySigFileAgainstManifest`).
fn verify_sf(
    signer: &mut Signer<'_>,
    manifest_bytes: &[u8],
    manifest: &Manifest,
    sections: &HashMap<&str, &Section>,
    ctx: &Context<'_>,
    warnings: &mut Vec<String>,
) {
    let sf_name = signer.sf.name.clone();
    let sf = Manifest::parse(&signer.sf_bytes);
    let Some(main) = sf
        .main
        .as_ref()
        .filter(|m| m.get("Signature-Version").is_some())
    else {
        signer.error(format_args!("{sf_name} has no Signature-Version"));
        signer.ignored = true;
        return;
    };
    if ctx.max_sdk >= N {
        check_stripping(signer, main, ctx, warnings);
        if !signer.errors.is_empty() {
            return;
        }
    }
    let signtool = main
        .get("Created-By")
        .is_some_and(|v| v.contains("signtool"));
    let suffix = if signtool {
        "-Digest"
    } else {
        "-Digest-Manifest"
    };
    let whole = digests_to_verify(main, suffix, ctx);
    let mut manifest_verified = !whole.is_empty();
    if whole.is_empty() {
        warnings.push(format!("{sf_name} has no digest of {MANIFEST}"));
    }
    for (hash, expected) in &whole {
        if expected.as_deref() != Some(hash.digest(manifest_bytes).as_slice()) {
            warnings.push(format!(
                "{} digest of {MANIFEST} does not match the digest in {sf_name}",
                hash.name()
            ));
            manifest_verified = false;
        }
    }
    if !signtool {
        for (hash, expected) in digests_to_verify(main, "-Digest-Manifest-Main-Attributes", ctx) {
            let actual = manifest
                .main
                .as_ref()
                .map(|m| hash.digest(slice(manifest_bytes, m)));
            if expected.is_none() || expected != actual {
                signer.error(format_args!(
                    "{} digest of {MANIFEST} main section does not match the digest in {sf_name}",
                    hash.name()
                ));
            }
        }
    }
    if !signer.errors.is_empty() {
        return;
    }
    let mut names = HashSet::with_capacity(sf.sections.len());
    for (i, section) in sf.sections.iter().enumerate() {
        let Some(name) = section.name() else {
            signer.error(format_args!(
                "{sf_name} section #{} does not specify the name",
                i + 1
            ));
            signer.ignored = true;
            return;
        };
        if !names.insert(name.to_string()) {
            signer.error(format_args!("duplicate section in {sf_name}: {name}"));
            signer.ignored = true;
            return;
        }
        if manifest_verified {
            continue;
        }
        let Some(mf_section) = sections.get(name) else {
            signer.error(format_args!("{name} is in {sf_name} but not in {MANIFEST}"));
            signer.ignored = true;
            continue;
        };
        let expected = digests_to_verify(section, "-Digest", ctx);
        if expected.is_empty() {
            signer.error(format_args!("no digest for {name} in {sf_name}"));
            continue;
        }
        let mut bytes = slice(manifest_bytes, mf_section);
        if signtool && bytes.ends_with(b"\n\n") {
            bytes = bytes.get(..bytes.len() - 1).unwrap_or_default();
        }
        for (hash, want) in expected {
            if want.as_deref() != Some(hash.digest(bytes).as_slice()) {
                signer.error(format_args!(
                    "{} digest of {MANIFEST} section for {name} does not match the digest specified \
                     in {sf_name}",
                    hash.name()
                ));
            }
        }
    }
    signer.sf_names = names;
}

fn slice<'a>(bytes: &'a [u8], s: &Section) -> &'a [u8] {
    bytes
        .get(s.start..s.start.saturating_add(s.len))
        .unwrap_or_default()
}

/// `X-Android-APK-Signed`: schemes the signer also used. Android 7.0+
/// rejects the APK if one it knows was not found (a stripped signature).
fn check_stripping(
    signer: &mut Signer<'_>,
    main: &Section,
    ctx: &Context<'_>,
    warnings: &mut Vec<String>,
) {
    let sf_name = signer.sf.name.clone();
    let Some(value) = main.get("X-Android-APK-Signed") else {
        if !ctx.found.is_empty() {
            warnings.push(format!(
                "{sf_name} does not protect against stripping of APK Signature Scheme signatures"
            ));
        }
        return;
    };
    if ctx.supported.is_empty() {
        return;
    }
    let mut expected = BTreeSet::new();
    for token in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let Ok(id) = token.parse::<i64>() else {
            continue;
        };
        match ctx.supported.iter().find(|s| i64::from(s.id()) == id) {
            Some(s) => {
                expected.insert(*s);
            }
            None => warnings.push(format!(
                "{sf_name} names an unknown APK signature scheme {id}"
            )),
        }
    }
    for scheme in expected {
        if !ctx.found.contains(&scheme) {
            signer.error(format_args!(
                "JAR signature {sf_name} indicates the APK is signed using {} but no such signature \
                 was found",
                scheme.title()
            ));
        }
    }
}

/// The digests a platform in range checks in a manifest or `.SF` section,
/// apksig's `getDigestsToVerify`. `None` marks an undecodable digest.
fn digests_to_verify(
    section: &Section,
    suffix: &str,
    ctx: &Context<'_>,
) -> Vec<(Hash, Option<Vec<u8>>)> {
    let decode = |v: &str| {
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
        );
        engine.decode(v.trim()).ok()
    };
    let mut out: Vec<(Hash, Option<Vec<u8>>)> = Vec::new();
    if ctx.min_sdk < JELLY_BEAN_MR2 {
        // Before 4.3: the first algorithm of `Digest-Algorithms` (default
        // "SHA SHA1") that has a digest attribute.
        let algs = section.get("Digest-Algorithms").unwrap_or("SHA SHA1");
        for alg in algs.split_whitespace() {
            let Some(value) = section.get(&format!("{alg}{suffix}")) else {
                continue;
            };
            let Some(hash) = legacy_digest(alg).filter(|h| legacy_min_sdk(*h) <= ctx.min_sdk)
            else {
                continue;
            };
            out.push((hash, decode(value)));
            break;
        }
        if out.is_empty() {
            return out;
        }
    }
    if ctx.max_sdk >= JELLY_BEAN_MR2 {
        // From 4.3: the strongest of SHA-512, SHA-384, SHA-256, SHA-1.
        for (hash, attr) in [
            (Hash::Sha512, "SHA-512"),
            (Hash::Sha384, "SHA-384"),
            (Hash::Sha256, "SHA-256"),
            (Hash::Sha1, "SHA1"),
        ] {
            let Some(value) = section.get(&format!("{attr}{suffix}")) else {
                continue;
            };
            let digest = decode(value);
            let same = out.iter().any(|(h, d)| *h == hash && *d == digest);
            if !same {
                out.push((hash, digest));
            }
            break;
        }
    }
    out
}

fn legacy_digest(name: &str) -> Option<Hash> {
    match name.to_ascii_uppercase().as_str() {
        "MD5" => Some(Hash::Md5),
        "SHA" | "SHA1" | "SHA-1" => Some(Hash::Sha1),
        "SHA-256" => Some(Hash::Sha256),
        "SHA-384" => Some(Hash::Sha384),
        "SHA-512" => Some(Hash::Sha512),
        _ => None,
    }
}

/// SHA-384 and SHA-512 are understood in manifests from Android 2.3.
fn legacy_min_sdk(h: Hash) -> u32 {
    match h {
        Hash::Sha384 | Hash::Sha512 => 9,
        _ => 0,
    }
}

/// One entry's check, in file order.
enum Check<'e> {
    Error(String),
    /// The digests the manifest gives, to compare with the entry's data.
    Digest(&'e Entry, Vec<(Hash, Option<Vec<u8>>)>),
}

/// Below this much data, one thread digests faster than two start.
const PARALLEL_MIN_BYTES: u64 = 1 << 20;
/// Threads used to inflate and digest entries.
const MAX_THREADS: usize = 4;

type Digested = Result<Vec<Vec<u8>>, crate::InspectError>;

/// Each job's entry inflated once and digested with each of its hashes,
/// in job order. Entries are independent, so with more than a little data
/// they are shared out among threads (the next entry goes to whichever
/// thread is free); each thread streams one entry at a time, so memory does
/// not grow with the entry sizes.
fn digest_entries<R: ReadAt + ?Sized>(
    src: &R,
    archive: &Archive,
    jobs: &[(&Entry, Vec<Hash>)],
    limits: &Limits,
    shared: Option<&SharedDigests>,
) -> Vec<Digested> {
    let Some(shared) = shared else {
        return digest_own(src, archive, jobs, limits);
    };
    // The entries another thread inflates anyway are taken from it, after
    // every other entry: by then it has usually sent them.
    let (theirs, ours): (Vec<usize>, Vec<usize>) =
        (0..jobs.len()).partition(|&i| jobs.get(i).is_some_and(|(e, _)| shared.covers(e)));
    let own_jobs: Vec<(&Entry, Vec<Hash>)> =
        ours.iter().filter_map(|&i| jobs.get(i).cloned()).collect();
    let mut results: Vec<Option<Digested>> = (0..jobs.len()).map(|_| None).collect();
    for (i, r) in ours
        .into_iter()
        .zip(digest_own(src, archive, &own_jobs, limits))
    {
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(r);
        }
    }
    for i in theirs {
        let (Some((entry, hashes)), Some(slot)) = (jobs.get(i), results.get_mut(i)) else {
            continue;
        };
        *slot = Some(match shared.digests(entry, hashes) {
            Some(d) => Ok(d),
            None => digest_own(src, archive, jobs.get(i..=i).unwrap_or_default(), limits)
                .pop()
                .unwrap_or_else(|| Err(not_digested())),
        });
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(not_digested())))
        .collect()
}

fn not_digested() -> crate::InspectError {
    crate::InspectError::Zip("entry not digested".into())
}

/// [`digest_entries`] reading every entry here.
fn digest_own<R: ReadAt + ?Sized>(
    src: &R,
    archive: &Archive,
    jobs: &[(&Entry, Vec<Hash>)],
    limits: &Limits,
) -> Vec<Digested> {
    let one = |(entry, hashes): &(&Entry, Vec<Hash>)| -> Digested {
        let mut hashers: Vec<Hasher> = hashes.iter().map(|h| Hasher::new(*h)).collect();
        archive.read_with(src, entry, limits, &mut |chunk| {
            hashers.iter_mut().for_each(|h| h.update(chunk))
        })?;
        Ok(hashers.into_iter().map(Hasher::finish).collect())
    };
    let bytes: u64 = jobs
        .iter()
        .map(|(e, _)| e.uncompressed_size)
        .fold(0, u64::saturating_add);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS)
        .min(jobs.len());
    if threads < 2 || bytes < PARALLEL_MIN_BYTES {
        return jobs.iter().map(one).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(job) = jobs.get(i) else { break };
            done.push((i, one(job)));
        }
        done
    };
    let mut results: Vec<Option<Digested>> = (0..jobs.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        // A thread the OS refuses is simply not there: the others (and
        // this one) take its share.
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        let mut all = vec![work()];
        for h in helpers {
            match h.join() {
                Ok(done) => all.push(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (i, r) in all.into_iter().flatten() {
            if let Some(slot) = results.get_mut(i) {
                *slot = Some(r);
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(not_digested())))
        .collect()
}

/// Checks every entry's data against the manifest (apksig
/// `verifyJarEntriesAgainstManifestAndSigners`) and returns the indices of
/// the signers that sign every signed entry.
#[allow(clippy::too_many_arguments)]
fn verify_entries<R: ReadAt + ?Sized>(
    src: &R,
    archive: &Archive,
    entries: &[&Entry],
    sections: &HashMap<&str, &Section>,
    signers: &[Signer<'_>],
    ctx: &Context<'_>,
    limits: &Limits,
    shared: Option<&SharedDigests>,
    out: &mut Outcome,
) -> BTreeSet<usize> {
    let mut by_offset: Vec<&Entry> = entries.to_vec();
    by_offset.sort_by_key(|e| e.local_header_offset);
    let mut first: Option<(&str, Vec<usize>)> = None;
    // Errors and digest checks in file order; the digests are computed
    // together afterwards, on several threads when there is enough data.
    let mut checks: Vec<Check<'_>> = Vec::new();
    for e in by_offset {
        let name = e.name.as_str();
        if name.starts_with("META-INF/") {
            continue;
        }
        let Some(section) = sections.get(name) else {
            checks.push(Check::Error(format!("No digest for {name} in {MANIFEST}")));
            continue;
        };
        let entry_signers: Vec<usize> = signers
            .iter()
            .enumerate()
            .filter(|(_, s)| s.sf_names.contains(name))
            .map(|(i, _)| i)
            .collect();
        if entry_signers.is_empty() {
            checks.push(Check::Error(format!(
                "{name} is not signed by any JAR signer"
            )));
            continue;
        }
        match &first {
            None => first = Some((name, entry_signers)),
            Some((first_name, first_signers)) if *first_signers != entry_signers => {
                let names = |v: &[usize]| {
                    v.iter()
                        .filter_map(|i| signers.get(*i).map(|s| s.name.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                checks.push(Check::Error(format!(
                    "{first_name} is signed by [{}] but {name} by [{}]",
                    names(first_signers),
                    names(&entry_signers)
                )));
                continue;
            }
            Some(_) => {}
        }
        let expected = digests_to_verify(section, "-Digest", ctx);
        if expected.is_empty() {
            checks.push(Check::Error(format!("No digest for {name} in {MANIFEST}")));
            continue;
        }
        checks.push(Check::Digest(e, expected));
    }
    let jobs: Vec<(&Entry, Vec<Hash>)> = checks
        .iter()
        .filter_map(|c| match c {
            Check::Digest(e, expected) => Some((*e, expected.iter().map(|(h, _)| *h).collect())),
            Check::Error(_) => None,
        })
        .collect();
    let mut actual = digest_entries(src, archive, &jobs, limits, shared).into_iter();
    for check in checks {
        let (e, expected) = match check {
            Check::Error(msg) => {
                out.errors.push(msg);
                continue;
            }
            Check::Digest(e, expected) => (e, expected),
        };
        let name = e.name.as_str();
        let digests = match actual.next() {
            Some(Ok(d)) => d,
            Some(Err(err)) => {
                out.errors.push(format!("cannot read {name}: {err}"));
                continue;
            }
            None => {
                out.errors.push(format!("cannot read {name}: not digested"));
                continue;
            }
        };
        for ((hash, want), actual) in expected.into_iter().zip(digests) {
            if want.as_deref() != Some(actual.as_slice()) {
                let b64 = base64::engine::general_purpose::STANDARD;
                out.errors.push(format!(
                    "{} digest of {name} does not match the digest specified in {MANIFEST}. \
                     Expected: <{}>, actual: <{}>",
                    hash.name(),
                    want.as_deref()
                        .map(|w| b64.encode(w))
                        .unwrap_or_else(|| "malformed".into()),
                    b64.encode(&actual)
                ));
            }
        }
    }
    match first {
        Some((_, s)) => s.into_iter().collect(),
        None => {
            out.errors
                .push("no JAR entries are covered by the JAR signatures".into());
            BTreeSet::new()
        }
    }
}

/// Signature algorithm OIDs of PKCS#7 SignerInfos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SigOid {
    Rsa,
    WithRsa(Hash),
    Dsa,
    WithDsa(Hash),
    Ec,
    WithEcdsa(Hash),
}

impl SigOid {
    fn from_oid(oid: &str) -> Option<SigOid> {
        use Hash::*;
        Some(match oid {
            "1.2.840.113549.1.1.1" => SigOid::Rsa,
            "1.2.840.113549.1.1.4" => SigOid::WithRsa(Md5),
            "1.2.840.113549.1.1.5" => SigOid::WithRsa(Sha1),
            "1.2.840.113549.1.1.14" => SigOid::WithRsa(Sha224),
            "1.2.840.113549.1.1.11" => SigOid::WithRsa(Sha256),
            "1.2.840.113549.1.1.12" => SigOid::WithRsa(Sha384),
            "1.2.840.113549.1.1.13" => SigOid::WithRsa(Sha512),
            "1.2.840.10040.4.1" => SigOid::Dsa,
            "1.2.840.10040.4.3" => SigOid::WithDsa(Sha1),
            "2.16.840.1.101.3.4.3.1" => SigOid::WithDsa(Sha224),
            "2.16.840.1.101.3.4.3.2" => SigOid::WithDsa(Sha256),
            "1.2.840.10045.2.1" => SigOid::Ec,
            "1.2.840.10045.4.1" => SigOid::WithEcdsa(Sha1),
            "1.2.840.10045.4.3.1" => SigOid::WithEcdsa(Sha224),
            "1.2.840.10045.4.3.2" => SigOid::WithEcdsa(Sha256),
            "1.2.840.10045.4.3.3" => SigOid::WithEcdsa(Sha384),
            "1.2.840.10045.4.3.4" => SigOid::WithEcdsa(Sha512),
            _ => return None,
        })
    }

    /// The JCA algorithm apksig verifies with: an `XwithY` OID names its own
    /// hash; a bare key OID takes the digest algorithm's.
    fn jca(self, digest: Hash) -> (Padding, Hash) {
        match self {
            SigOid::Rsa => (Padding::RsaPkcs1, digest),
            SigOid::WithRsa(h) => (Padding::RsaPkcs1, h),
            SigOid::Dsa => (Padding::Dsa, digest),
            SigOid::WithDsa(h) => (Padding::Dsa, h),
            SigOid::Ec => (Padding::Ecdsa, digest),
            SigOid::WithEcdsa(h) => (Padding::Ecdsa, h),
        }
    }
}

fn digest_from_oid(oid: &str) -> Option<Hash> {
    Some(match oid {
        "1.2.840.113549.2.5" => Hash::Md5,
        "1.3.14.3.2.26" => Hash::Sha1,
        "2.16.840.1.101.3.4.2.4" => Hash::Sha224,
        "2.16.840.1.101.3.4.2.1" => Hash::Sha256,
        "2.16.840.1.101.3.4.2.2" => Hash::Sha384,
        "2.16.840.1.101.3.4.2.3" => Hash::Sha512,
        _ => return None,
    })
}

const MAX: u32 = u32::MAX;

/// API levels on which Android accepts a digest and signature algorithm
/// pair in a JAR signature (apksig `SUPPORTED_SIG_ALG_OIDS`).
fn supported_api_levels(digest: Hash, sig: SigOid) -> &'static [(u32, u32)] {
    use Hash::*;
    use SigOid::*;
    const ALL: &[(u32, u32)] = &[(0, MAX)];
    const L21_23: &[(u32, u32)] = &[(21, 23)];
    const NONE: &[(u32, u32)] = &[];
    match (digest, sig) {
        (Md5 | Sha1, Rsa) => ALL,
        (Sha224, Rsa) => &[(0, 8), (21, MAX)],
        (Sha256, Rsa) => &[(0, 8), (18, MAX)],
        (Sha384 | Sha512, Rsa) => &[(18, MAX)],
        (Md5, WithRsa(Md5)) | (Sha224, WithRsa(Sha224)) => &[(0, 8), (21, MAX)],
        (Sha1, WithRsa(Sha1)) => ALL,
        (Sha256, WithRsa(Sha256)) => &[(0, 8), (18, MAX)],
        (Sha384, WithRsa(Sha384)) | (Sha512, WithRsa(Sha512)) => &[(21, MAX)],
        (Sha224, WithRsa(Sha256)) | (Sha256, WithRsa(Sha1)) | (Sha512, WithRsa(Sha384)) => {
            &[(21, 21)]
        }
        (_, WithRsa(_)) => L21_23,
        (Sha1, Dsa) => ALL,
        (Sha224 | Sha256, Dsa) => &[(22, MAX)],
        (_, Dsa) => NONE,
        (Sha1, WithDsa(Sha1)) => &[(9, MAX)],
        (Sha224, WithDsa(Sha224)) | (Sha256, WithDsa(Sha256)) => &[(21, MAX)],
        (_, WithDsa(_)) => L21_23,
        (Sha1 | Sha256 | Sha384 | Sha512, Ec) => &[(18, MAX)],
        (Sha224, Ec) => &[(21, MAX)],
        (_, Ec) => NONE,
        (Sha1, WithEcdsa(Sha1)) => &[(18, MAX)],
        (d, WithEcdsa(s)) if d == s => &[(21, MAX)],
        (_, WithEcdsa(_)) => L21_23,
    }
}

/// The API levels of `[min, max]` outside `ranges`, as apksig prints them
/// (`"9-17, 24+"`); empty when all are covered.
fn uncovered(ranges: &[(u32, u32)], min: u32, max: u32) -> String {
    let (min, max) = (u64::from(min), u64::from(max));
    let mut sorted = ranges.to_vec();
    sorted.sort_unstable();
    let mut gaps = Vec::new();
    let mut next = min;
    for (lo, hi) in sorted {
        let (lo, hi) = (u64::from(lo), u64::from(hi));
        if next > max {
            break;
        }
        if lo > next {
            gaps.push((next, (lo - 1).min(max)));
        }
        next = next.max(hi + 1);
    }
    if next <= max {
        gaps.push((next, max));
    }
    gaps.iter()
        .map(|&(lo, hi)| {
            if lo == hi {
                lo.to_string()
            } else if hi >= i32::MAX as u64 {
                format!("{lo}+")
            } else {
                format!("{lo}-{hi}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_level_gaps() {
        assert_eq!(uncovered(&[(0, MAX)], 1, MAX), "");
        assert_eq!(uncovered(&[(0, 8), (18, MAX)], 1, MAX), "9-17");
        assert_eq!(uncovered(&[(0, 8), (18, MAX)], 19, MAX), "");
        assert_eq!(uncovered(&[(21, 23)], 15, MAX), "15-20, 24+");
        assert_eq!(uncovered(&[(21, 23)], 21, 23), "");
        assert_eq!(uncovered(&[], 24, 30), "24-30");
        assert_eq!(uncovered(&[(22, MAX)], 24, MAX), "");
        assert_eq!(uncovered(&[(21, MAX)], 9, i32::MAX as u32), "9-20");
        assert_eq!(uncovered(&[(0, 8)], 9, i32::MAX as u32), "9+");
    }

    #[test]
    fn signature_algorithm_table() {
        assert_eq!(
            supported_api_levels(Hash::Sha256, SigOid::Rsa),
            &[(0, 8), (18, MAX)]
        );
        assert_eq!(
            supported_api_levels(Hash::Md5, SigOid::WithEcdsa(Hash::Sha1)),
            &[(21, 23)]
        );
        assert_eq!(
            supported_api_levels(Hash::Sha256, SigOid::WithEcdsa(Hash::Sha256)),
            &[(21, MAX)]
        );
        assert!(supported_api_levels(Hash::Md5, SigOid::Ec).is_empty());
    }
}
