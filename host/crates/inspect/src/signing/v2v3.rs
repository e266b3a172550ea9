//! v2, v3 and v3.1: the signer blocks inside the APK Signing Block, verified
//! as apksig's `V2SchemeVerifier` and `V3SchemeVerifier` do.
//!
//! A signer block holds signed data (content digests, certificates and
//! additional attributes; v3 adds the SDK range), signatures over it and the
//! public key. The signatures a platform in range would check are verified
//! first, then the signed data is trusted: the first certificate must carry
//! the same key, the digests must list the same algorithms as the
//! signatures, and each digest must match the content. v3 adds SDK ranges
//! that together must cover the platforms in range, the proof-of-rotation
//! lineage, and the v3.1 rotation attribute that guards against stripping a
//! v3.1 block; v2 carries the attribute that guards against stripping v3.

use std::collections::{BTreeMap, BTreeSet};

use super::block::Le;
use super::cert::{hex, Cert};
use super::crypto::{PublicKey, SigAlg};
use super::digest::{Computed, ContentDigest, Layout};
use super::lineage::{Lineage, LineageError};
use super::SchemeId;

/// v2 attribute: IDs of newer schemes the APK was also signed with.
const STRIPPING_PROTECTION_ATTR: u32 = 0xbeef_f00d;
/// v3 attributes.
const PROOF_OF_ROTATION_ATTR: u32 = 0x3ba0_6f8c;
const ROTATION_MIN_SDK_ATTR: u32 = 0x559f_8b02;
const TARGETS_DEV_RELEASE_ATTR: u32 = 0xc2a6_b3ba;
/// apksig's `MAX_APK_SIGNERS`: Android accepts at most ten v2 signers. A v3
/// block has one signer per SDK range; the same bound keeps a hostile block
/// from demanding thousands of signature checks.
const MAX_SIGNERS: usize = 10;
/// First platform that reads v3.1 blocks (Android 13).
pub const V31_MIN_SDK: u32 = 33;
const PAGE: u64 = 4096;

/// What to verify a block against.
pub struct Params<'a> {
    pub scheme: SchemeId,
    /// The platform range this block is judged for (already clipped to the
    /// scheme's first platform).
    pub min_sdk: u32,
    pub max_sdk: u32,
    /// Schemes the platforms in range know, and those whose blocks exist:
    /// for v2's stripping protection.
    pub supported: &'a [SchemeId],
    pub found: &'a BTreeSet<SchemeId>,
    /// For v3: the lowest SDK of the v3.1 signers, when a v3.1 block exists.
    pub rotation_min_sdk: Option<u32>,
}

/// One signer of a block.
pub struct Signer {
    /// v3 SDK range (v2: unbounded).
    pub min_sdk: i64,
    pub max_sdk: i64,
    pub cert: Option<Cert>,
    digests: Vec<(u32, Vec<u8>)>,
    pub lineage: Option<Lineage>,
    dev_release: bool,
}

/// The result of verifying one block.
#[derive(Default)]
pub struct Outcome {
    pub verified: bool,
    pub signers: Vec<Signer>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// The signers' lineages merged (v3, v3.1).
    pub lineage: Option<Lineage>,
}

/// Verifies the value of a v2/v3/v3.1 pair. `digests` are the content
/// digests of the APK as laid out in `layout`.
pub fn verify(
    value: &[u8],
    p: &Params<'_>,
    digests: &Result<Computed, String>,
    layout: Layout,
) -> Outcome {
    let mut out = Outcome::default();
    let mut to_verify = BTreeSet::new();
    parse_signers(value, p, &mut out, &mut to_verify);
    if !out.errors.is_empty() {
        return out;
    }
    check_integrity(&mut out, &to_verify, digests, layout);
    if p.scheme != SchemeId::V2 {
        check_sdk_coverage(&mut out, p);
    }
    out.verified = out.errors.is_empty();
    out
}

/// The content digest algorithms a block's signers list, whether or not
/// their signatures verify: what the single pass must compute.
pub fn listed_digests(value: &[u8], into: &mut BTreeSet<ContentDigest>) {
    let mut block = Le::new(value);
    let Ok(signers) = block.prefixed() else {
        return;
    };
    let mut signers = Le::new(signers);
    while let Ok(signer) = signers.prefixed() {
        let Ok(signed) = Le::new(signer).prefixed() else {
            continue;
        };
        let Ok(digests) = Le::new(signed).prefixed() else {
            continue;
        };
        let mut digests = Le::new(digests);
        while let Ok(d) = digests.prefixed() {
            if let Some(alg) = Le::new(d).u32().ok().and_then(SigAlg::from_id) {
                into.insert(alg.content);
            }
        }
    }
}

fn parse_signers(
    value: &[u8],
    p: &Params<'_>,
    out: &mut Outcome,
    to_verify: &mut BTreeSet<ContentDigest>,
) {
    let mut block = Le::new(value);
    let Ok(signers) = block.prefixed() else {
        out.errors.push("malformed list of signers".into());
        return;
    };
    if signers.is_empty() {
        out.errors.push("no signers".into());
        return;
    }
    let mut count = Le::new(signers);
    let mut n = 0;
    while count.prefixed().is_ok() {
        n += 1;
    }
    if n > MAX_SIGNERS {
        out.errors
            .push(format!("{n} signers; at most {MAX_SIGNERS} are supported"));
        return;
    }
    let mut signers = Le::new(signers);
    let mut index = 0;
    while !signers.is_empty() {
        index += 1;
        let parsed = signers
            .prefixed()
            .map_err(|_| SignerError::Malformed)
            .and_then(|s| parse_signer(s, p, to_verify, out, index));
        match parsed {
            Ok(signer) => out.signers.push(signer),
            // apksig stops at a malformed signer.
            Err(SignerError::Malformed) => {
                out.errors
                    .push(format!("signer #{index}: malformed signer block"));
                return;
            }
            Err(SignerError::Failed(reasons)) => out
                .errors
                .extend(reasons.into_iter().map(|r| format!("signer #{index}: {r}"))),
        }
    }
}

/// Why a signer was rejected.
enum SignerError {
    /// Its structure is broken; later signers are not read.
    Malformed,
    /// One or more checks failed.
    Failed(Vec<String>),
}

fn other(m: impl Into<String>) -> SignerError {
    SignerError::Failed(vec![m.into()])
}

fn parse_signer(
    bytes: &[u8],
    p: &Params<'_>,
    to_verify: &mut BTreeSet<ContentDigest>,
    out: &mut Outcome,
    index: usize,
) -> Result<Signer, SignerError> {
    let malformed = |_| SignerError::Malformed;
    let is_v3 = p.scheme != SchemeId::V2;
    let mut r = Le::new(bytes);
    let signed = r.prefixed().map_err(malformed)?;
    let (min_sdk, max_sdk) = if is_v3 {
        let min = i64::from(r.u32().map_err(malformed)? as i32);
        let max = i64::from(r.u32().map_err(malformed)? as i32);
        (min, max)
    } else {
        (0, i64::from(i32::MAX))
    };
    // Failures apksig records while it goes on checking the signer.
    let mut recorded = Vec::new();
    if is_v3 && (min_sdk < 0 || min_sdk > max_sdk) {
        recorded.push(format!("invalid SDK version range {min_sdk}-{max_sdk}"));
    }
    let signatures = r.prefixed().map_err(malformed)?;
    let key_bytes = r.prefixed().map_err(malformed)?;

    let mut listed = Vec::new();
    let mut supported = Vec::new();
    let mut sigs = Le::new(signatures);
    while !sigs.is_empty() {
        let n = listed.len() + 1;
        let entry = sigs
            .prefixed()
            .map_err(|_| other(format!("malformed signature #{n}")))?;
        let mut entry = Le::new(entry);
        let id = entry
            .u32()
            .map_err(|_| other(format!("malformed signature #{n}")))?;
        let sig = entry
            .prefixed()
            .map_err(|_| other(format!("malformed signature #{n}")))?;
        listed.push(id);
        match SigAlg::from_id(id) {
            Some(alg) => supported.push((alg, sig)),
            None => out.warnings.push(format!(
                "signer #{index}: unknown signature algorithm {id:#06x}"
            )),
        }
    }
    if listed.is_empty() {
        return Err(other("no signatures"));
    }
    let dev_release = is_v3 && targets_dev_release(signed);
    let (range_min, range_max) = if is_v3 {
        // A v3 signer's algorithms are judged for its own SDK range.
        let min = if dev_release {
            min_sdk.saturating_add(1)
        } else {
            min_sdk
        };
        (min, max_sdk)
    } else {
        (i64::from(p.min_sdk), i64::from(p.max_sdk))
    };
    let chosen = signatures_to_verify(&supported, range_min, range_max).ok_or_else(|| {
        other("no signatures with algorithms supported by the platforms in range")
    })?;
    let key = PublicKey::from_spki(key_bytes).map_err(other)?;
    for (alg, sig) in chosen {
        key.verify(alg.padding, alg.hash, signed, sig)
            .map_err(|e| other(format!("{} signature: {e}", alg.name())))?;
        to_verify.insert(alg.content);
    }

    // The signed data is now trusted.
    let mut data = Le::new(signed);
    let digests = data.prefixed().map_err(malformed)?;
    let certs = data.prefixed().map_err(malformed)?;
    if is_v3 {
        let signed_min = i64::from(data.u32().map_err(malformed)? as i32);
        let signed_max = i64::from(data.u32().map_err(malformed)? as i32);
        if signed_min != min_sdk {
            recorded.push(format!(
                "min SDK version {min_sdk} of the signer record does not match {signed_min} in the signed data"
            ));
        }
        if signed_max != max_sdk {
            recorded.push(format!(
                "max SDK version {max_sdk} of the signer record does not match {signed_max} in the signed data"
            ));
        }
    }
    let attrs = data.prefixed().map_err(malformed)?;

    let mut certs = Le::new(certs);
    let mut first_cert = None;
    let mut n = 0;
    while !certs.is_empty() {
        n += 1;
        let der = certs.prefixed().map_err(malformed)?;
        let cert = Cert::parse(der).map_err(|e| other(format!("certificate #{n}: {e}")))?;
        first_cert.get_or_insert(cert);
    }
    let cert = first_cert.ok_or_else(|| other("no certificates"))?;
    if cert.spki != key_bytes {
        return Err(other(format!(
            "public key mismatch between certificate and signature record: <{}> vs <{}>",
            hex(&cert.spki),
            hex(key_bytes)
        )));
    }

    let mut listed_digests = Vec::new();
    let mut digest_records = Vec::new();
    let mut digests = Le::new(digests);
    while !digests.is_empty() {
        let n = digest_records.len() + 1;
        let entry = digests
            .prefixed()
            .map_err(|_| other(format!("malformed digest #{n}")))?;
        let mut entry = Le::new(entry);
        let id = entry
            .u32()
            .map_err(|_| other(format!("malformed digest #{n}")))?;
        let value = entry
            .prefixed()
            .map_err(|_| other(format!("malformed digest #{n}")))?;
        listed_digests.push(id);
        digest_records.push((id, value.to_vec()));
    }
    if listed != listed_digests {
        return Err(other(format!(
            "signature algorithms {listed:x?} do not match the digest algorithms {listed_digests:x?}"
        )));
    }

    let mut lineage = None;
    let mut rotation_attr = false;
    let mut expected = BTreeSet::new();
    let mut attrs = Le::new(attrs);
    let mut n = 0;
    while !attrs.is_empty() {
        n += 1;
        let attr = attrs
            .prefixed()
            .map_err(|_| other(format!("malformed additional attribute #{n}")))?;
        let mut attr = Le::new(attr);
        let id = attr
            .u32()
            .map_err(|_| other(format!("malformed additional attribute #{n}")))?;
        let value = attr.rest();
        match (p.scheme, id) {
            (SchemeId::V2, STRIPPING_PROTECTION_ATTR) => {
                let scheme = Le::new(value)
                    .u32()
                    .map_err(|_| other(format!("malformed additional attribute #{n}")))?;
                match p.supported.iter().find(|s| s.id() == scheme) {
                    Some(s) => {
                        expected.insert(*s);
                    }
                    None => out.warnings.push(format!(
                        "signer #{index}: unknown APK signature scheme ID {scheme}"
                    )),
                }
            }
            (SchemeId::V3 | SchemeId::V31, PROOF_OF_ROTATION_ATTR) => match Lineage::parse(value) {
                Ok(l) => {
                    // The signer's certificate must be the newest one.
                    if l.position(&cert.der) != l.nodes.len().checked_sub(1) {
                        recorded.push(
                            "the signer's certificate is not the last one of its proof-of-rotation lineage"
                                .into(),
                        );
                    }
                    lineage = Some(l);
                }
                Err(e @ LineageError::Malformed(_)) | Err(e @ LineageError::DidNotVerify(_)) => {
                    recorded.push(e.to_string())
                }
            },
            (SchemeId::V3 | SchemeId::V31, ROTATION_MIN_SDK_ATTR) => {
                rotation_attr = true;
                // Only platforms that know v3.1 look at it.
                if p.max_sdk >= V31_MIN_SDK {
                    let attr_sdk = Le::new(value)
                        .u32()
                        .map_err(|_| other(format!("malformed additional attribute #{n}")))?;
                    match p.rotation_min_sdk {
                        Some(sdk) if sdk != attr_sdk => recorded.push(format!(
                            "the v3.1 rotation min SDK attribute says {attr_sdk} but the v3.1 signers start at {sdk}"
                        )),
                        Some(_) => {}
                        None => recorded.push(format!(
                            "the v3 signer expects a v3.1 block for rotation from SDK {attr_sdk} but there \
                             is none; it may have been stripped"
                        )),
                    }
                }
            }
            (SchemeId::V3 | SchemeId::V31, TARGETS_DEV_RELEASE_ATTR) => {
                if p.scheme == SchemeId::V3 {
                    out.warnings.push(format!(
                        "signer #{index}: the development release attribute is meant for v3.1 signers"
                    ));
                }
            }
            _ => out.warnings.push(format!(
                "signer #{index}: unknown additional attribute {id:#010x}"
            )),
        }
    }
    for scheme in expected {
        if !p.found.contains(&scheme) {
            recorded.push(format!(
                "the signer says the APK is also signed with {} but no such signature was found; it may \
                 have been stripped",
                scheme.title()
            ));
        }
    }
    if p.scheme == SchemeId::V3 && p.rotation_min_sdk.is_some() && !rotation_attr {
        out.warnings.push(format!(
            "signer #{index}: no rotation min SDK attribute to protect the v3.1 block from stripping"
        ));
    }
    if !recorded.is_empty() {
        return Err(SignerError::Failed(recorded));
    }
    Ok(Signer {
        min_sdk,
        max_sdk,
        cert: Some(cert),
        digests: digest_records,
        lineage,
        dev_release,
    })
}

/// apksig `signedDataTargetsDevRelease`: a best-effort look at the
/// attributes before the signature is checked.
fn targets_dev_release(signed: &[u8]) -> bool {
    let mut r = Le::new(signed);
    let attrs = (|| {
        r.prefixed().ok()?;
        r.prefixed().ok()?;
        r.u32().ok()?;
        r.u32().ok()?;
        r.prefixed().ok()
    })();
    let mut attrs = Le::new(attrs.unwrap_or_default());
    while let Ok(a) = attrs.prefixed() {
        if Le::new(a).u32() == Ok(TARGETS_DEV_RELEASE_ATTR) {
            return true;
        }
    }
    false
}

/// apksig `getSignaturesToVerify`: for each platform in range the
/// strongest signature it supports; all of them are checked. `None` if some
/// platform in range supports none.
fn signatures_to_verify<'a>(
    sigs: &[(SigAlg, &'a [u8])],
    min_sdk: i64,
    max_sdk: i64,
) -> Option<Vec<(SigAlg, &'a [u8])>> {
    let mut best: BTreeMap<u32, (SigAlg, &'a [u8])> = BTreeMap::new();
    let mut min_provided = i64::MAX;
    for &(alg, sig) in sigs {
        if i64::from(alg.min_sdk) > max_sdk {
            continue;
        }
        min_provided = min_provided.min(i64::from(alg.min_sdk));
        let replace = match best.get(&alg.min_sdk) {
            None => true,
            Some((cur, _)) => alg.content.strength() > cur.content.strength(),
        };
        if replace {
            best.insert(alg.min_sdk, (alg, sig));
        }
    }
    if best.is_empty() || min_sdk < min_provided {
        return None;
    }
    let mut chosen: Vec<_> = best.into_values().collect();
    chosen.sort_by_key(|(alg, _)| alg.id);
    Some(chosen)
}

/// Compares each signer's digests with the content (apksig `verifyIntegrity`).
fn check_integrity(
    out: &mut Outcome,
    to_verify: &BTreeSet<ContentDigest>,
    digests: &Result<Computed, String>,
    layout: Layout,
) {
    let computed = match digests {
        Ok(c) => c,
        Err(e) => {
            out.errors.push(format!("APK integrity check failed: {e}"));
            return;
        }
    };
    if to_verify.contains(&ContentDigest::VeritySha256) {
        let block_size = layout.cd_offset.saturating_sub(layout.block_offset);
        if !layout.block_offset.is_multiple_of(PAGE) || !block_size.is_multiple_of(PAGE) {
            out.errors.push(format!(
                "the verity digest needs a 4 KiB aligned APK Signing Block (offset {}, size {block_size})",
                layout.block_offset
            ));
            return;
        }
    }
    for (i, signer) in out.signers.iter().enumerate() {
        for (id, expected) in &signer.digests {
            let Some(alg) = SigAlg::from_id(*id) else {
                continue;
            };
            if !to_verify.contains(&alg.content) {
                continue;
            }
            let actual = computed.get(alg.content).unwrap_or_default();
            if actual != expected.as_slice() {
                out.errors.push(format!(
                    "signer #{}: APK integrity check failed. {} digest mismatch. Expected: <{}>, actual: <{}>",
                    i + 1,
                    alg.content.name(),
                    hex(expected),
                    hex(actual)
                ));
            }
        }
    }
}

/// v3: the signers' SDK ranges must be contiguous and cover the platforms in
/// range, and their lineages must agree (apksig `V3SchemeVerifier.verify`).
fn check_sdk_coverage(out: &mut Outcome, p: &Params<'_>) {
    if !out.errors.is_empty() {
        return;
    }
    // apksig keys the signers by max SDK; a repeated max hides the earlier.
    let mut sorted: BTreeMap<i64, usize> = BTreeMap::new();
    for (i, s) in out.signers.iter().enumerate() {
        sorted.insert(s.max_sdk, i);
    }
    let mut first_min = 0i64;
    let mut last_max = 0i64;
    let mut last_lineage = 0usize;
    let mut lineages = Vec::new();
    for &i in sorted.values() {
        let Some(s) = out.signers.get(i) else {
            continue;
        };
        if first_min == 0 {
            first_min = s.min_sdk;
        } else if s.min_sdk != last_max + 1 && !(s.min_sdk == last_max && s.dev_release) {
            out.errors
                .push("signers' SDK version ranges are not contiguous".into());
            break;
        }
        last_max = s.max_sdk;
        if let Some(l) = &s.lineage {
            if l.nodes.len() < last_lineage {
                out.errors
                    .push("signers' proof-of-rotation lineages are inconsistent".into());
                break;
            }
            last_lineage = l.nodes.len();
            lineages.push(i);
        }
    }
    // With a v3.1 block, v3 only needs to reach the SDK before rotation.
    let needed_max = match (p.scheme, p.rotation_min_sdk) {
        (SchemeId::V3, Some(r)) => i64::from(r) - 1,
        _ => i64::from(p.max_sdk),
    };
    if first_min > i64::from(p.min_sdk) || last_max < needed_max {
        out.errors.push(format!(
            "signers cover SDK versions {first_min}-{last_max} but {}-{needed_max} must be covered",
            p.min_sdk
        ));
    }
    // The longest lineage must extend every other one.
    let longest = lineages.iter().copied().max_by_key(|&i| {
        out.signers
            .get(i)
            .and_then(|s| s.lineage.as_ref())
            .map_or(0, |l| l.nodes.len())
    });
    if let Some(li) = longest {
        let consistent = lineages.iter().all(|&i| {
            let l = out.signers.get(i).and_then(|s| s.lineage.as_ref());
            let big = out.signers.get(li).and_then(|s| s.lineage.as_ref());
            matches!((l, big), (Some(l), Some(big)) if l.is_prefix_of(big))
        });
        if !consistent {
            out.errors
                .push("signers' proof-of-rotation lineages are inconsistent".into());
        } else if let Some(s) = out.signers.get_mut(li) {
            out.lineage = s.lineage.take();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alg(id: u32) -> SigAlg {
        SigAlg::from_id(id).unwrap()
    }

    #[test]
    fn picks_strongest_per_platform() {
        let sigs = [
            (alg(0x0103), &b"a"[..]),
            (alg(0x0421), &b"b"[..]),
            (alg(0x0104), &b"c"[..]),
        ];
        let chosen = signatures_to_verify(&sigs, 24, i64::from(i32::MAX)).unwrap();
        let ids: Vec<u32> = chosen.iter().map(|(a, _)| a.id).collect();
        assert_eq!(ids, vec![0x0104, 0x0421]);
        // Verity alone does not serve Android 7.0.
        assert!(signatures_to_verify(&[(alg(0x0421), &b"b"[..])], 24, 30).is_none());
        assert!(signatures_to_verify(&[(alg(0x0421), &b"b"[..])], 28, 30).is_some());
        // Nothing newer than the range is picked.
        assert!(signatures_to_verify(&[(alg(0x0421), &b"b"[..])], 24, 27).is_none());
    }

    #[test]
    fn dev_release_peek() {
        let lp = |b: &[u8]| [&(b.len() as u32).to_le_bytes()[..], b].concat();
        let attr = lp(&TARGETS_DEV_RELEASE_ATTR.to_le_bytes());
        let signed = [
            lp(b""),
            lp(b""),
            33u32.to_le_bytes().to_vec(),
            33u32.to_le_bytes().to_vec(),
            lp(&attr),
        ]
        .concat();
        assert!(targets_dev_release(&signed));
        assert!(!targets_dev_release(&signed[..signed.len() - 1]));
        let other = lp(&lp(&7u32.to_le_bytes()));
        let signed = [
            lp(b""),
            lp(b""),
            33u32.to_le_bytes().to_vec(),
            33u32.to_le_bytes().to_vec(),
            other,
        ]
        .concat();
        assert!(!targets_dev_release(&signed));
    }
}
