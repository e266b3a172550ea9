//! Public keys and signature checks, on RustCrypto's implementations.
//!
//! One [`PublicKey`] type covers the keys Android accepts (RSA, EC on
//! P-256/P-384/P-521, DSA) and checks a signature given a padding scheme and
//! a hash, so the v1, v2/v3 and lineage code share it. Key sizes are bounded
//! before any arithmetic: a hostile multi-megabit DSA prime would otherwise
//! make one modular exponentiation take minutes.

use der::{Decode, Encode};
use md5::Md5;
use rsa::{pkcs1v15::Pkcs1v15Sign, pss::Pss, BigUint, RsaPublicKey};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use signature::hazmat::PrehashVerifier;
use spki::SubjectPublicKeyInfoRef;

use super::ber;
use super::digest::ContentDigest;

/// Largest RSA modulus accepted (the platform accepts 16384-bit keys).
const MAX_RSA_BITS: usize = 16384;
/// Largest DSA prime accepted (FIPS 186 stops at 3072 bits).
const MAX_DSA_BITS: usize = 4096;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_DSA: &str = "1.2.840.10040.4.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";

/// A message digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hash {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = Hasher::new(self);
        h.update(data);
        h.finish()
    }

    /// The JCA name, as apksigner prints it.
    pub fn name(self) -> &'static str {
        match self {
            Hash::Md5 => "MD5",
            Hash::Sha1 => "SHA-1",
            Hash::Sha224 => "SHA-224",
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }
}

/// An incremental hasher for any [`Hash`].
#[derive(Clone)]
pub enum Hasher {
    Md5(Md5),
    Sha1(Sha1),
    Sha224(Sha224),
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl Hasher {
    pub fn new(hash: Hash) -> Hasher {
        match hash {
            Hash::Md5 => Hasher::Md5(Md5::new()),
            Hash::Sha1 => Hasher::Sha1(Sha1::new()),
            Hash::Sha224 => Hasher::Sha224(Sha224::new()),
            Hash::Sha256 => Hasher::Sha256(Sha256::new()),
            Hash::Sha384 => Hasher::Sha384(Sha384::new()),
            Hash::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha224(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    pub fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha224(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// How a signature is formed from a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    RsaPkcs1,
    /// RSASSA-PSS with MGF1 of the same hash and a salt as long as the hash.
    RsaPss,
    Ecdsa,
    Dsa,
}

/// A signature algorithm of the APK Signing Block schemes (apksig
/// `SignatureAlgorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigAlg {
    pub id: u32,
    pub padding: Padding,
    pub hash: Hash,
    pub content: ContentDigest,
    /// First platform that verifies it in v2/v3 blocks.
    pub min_sdk: u32,
}

impl SigAlg {
    pub fn from_id(id: u32) -> Option<SigAlg> {
        use ContentDigest::{ChunkedSha256, ChunkedSha512, VeritySha256};
        let (padding, hash, content, min_sdk) = match id {
            0x0101 => (Padding::RsaPss, Hash::Sha256, ChunkedSha256, 24),
            0x0102 => (Padding::RsaPss, Hash::Sha512, ChunkedSha512, 24),
            0x0103 => (Padding::RsaPkcs1, Hash::Sha256, ChunkedSha256, 24),
            0x0104 => (Padding::RsaPkcs1, Hash::Sha512, ChunkedSha512, 24),
            0x0201 => (Padding::Ecdsa, Hash::Sha256, ChunkedSha256, 24),
            0x0202 => (Padding::Ecdsa, Hash::Sha512, ChunkedSha512, 24),
            0x0301 => (Padding::Dsa, Hash::Sha256, ChunkedSha256, 24),
            0x0421 => (Padding::RsaPkcs1, Hash::Sha256, VeritySha256, 28),
            0x0423 => (Padding::Ecdsa, Hash::Sha256, VeritySha256, 28),
            0x0425 => (Padding::Dsa, Hash::Sha256, VeritySha256, 28),
            _ => return None,
        };
        Some(SigAlg {
            id,
            padding,
            hash,
            content,
            min_sdk,
        })
    }

    /// apksig's name, for messages.
    pub fn name(self) -> &'static str {
        match self.id {
            0x0101 => "RSA_PSS_WITH_SHA256",
            0x0102 => "RSA_PSS_WITH_SHA512",
            0x0103 => "RSA_PKCS1_V1_5_WITH_SHA256",
            0x0104 => "RSA_PKCS1_V1_5_WITH_SHA512",
            0x0201 => "ECDSA_WITH_SHA256",
            0x0202 => "ECDSA_WITH_SHA512",
            0x0301 => "DSA_WITH_SHA256",
            0x0421 => "VERITY_RSA_PKCS1_V1_5_WITH_SHA256",
            0x0423 => "VERITY_ECDSA_WITH_SHA256",
            _ => "VERITY_DSA_WITH_SHA256",
        }
    }
}

/// A public key Android can verify with.
pub enum PublicKey {
    Rsa(RsaPublicKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
    Dsa(dsa::VerifyingKey),
}

impl PublicKey {
    /// Parses a DER `SubjectPublicKeyInfo`.
    pub fn from_spki(spki_der: &[u8]) -> Result<PublicKey, String> {
        let spki = SubjectPublicKeyInfoRef::from_der(spki_der)
            .map_err(|e| format!("malformed public key: {e}"))?;
        let oid = spki.algorithm.oid.to_string();
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or("malformed public key: unaligned bit string")?;
        match oid.as_str() {
            OID_RSA => {
                let key = rsa::pkcs1::RsaPublicKey::from_der(bits)
                    .map_err(|e| format!("malformed RSA public key: {e}"))?;
                let n = BigUint::from_bytes_be(key.modulus.as_bytes());
                let e = BigUint::from_bytes_be(key.public_exponent.as_bytes());
                RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS)
                    .map(PublicKey::Rsa)
                    .map_err(|e| format!("unusable RSA public key: {e}"))
            }
            OID_EC => {
                let curve = spki
                    .algorithm
                    .parameters_oid()
                    .map_err(|_| "EC public key without a named curve")?
                    .to_string();
                let bad = |_| format!("malformed EC public key on curve {curve}");
                match curve.as_str() {
                    OID_P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                        .map(PublicKey::P256)
                        .map_err(bad),
                    OID_P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                        .map(PublicKey::P384)
                        .map_err(bad),
                    OID_P521 => p521::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                        .map(PublicKey::P521)
                        .map_err(bad),
                    other => Err(format!("unsupported EC curve {other}")),
                }
            }
            OID_DSA => {
                let params = spki
                    .algorithm
                    .parameters
                    .ok_or("DSA public key without domain parameters")?
                    .to_der()
                    .map_err(|e| format!("malformed DSA parameters: {e}"))?;
                let (p, q) = dsa_p_q_bits(&params)?;
                if p > MAX_DSA_BITS || q > 512 {
                    return Err(format!("DSA key of {p} bits is too large"));
                }
                dsa::VerifyingKey::try_from(spki)
                    .map(PublicKey::Dsa)
                    .map_err(|e| format!("malformed DSA public key: {e}"))
            }
            other => Err(format!("unsupported public key algorithm {other}")),
        }
    }

    /// `RSA`, `EC` or `DSA`, as Java names key algorithms.
    pub fn algorithm(&self) -> &'static str {
        match self {
            PublicKey::Rsa(_) => "RSA",
            PublicKey::P256(_) | PublicKey::P384(_) | PublicKey::P521(_) => "EC",
            PublicKey::Dsa(_) => "DSA",
        }
    }

    /// Modulus, curve or prime size in bits.
    pub fn bits(&self) -> u32 {
        use rsa::traits::PublicKeyParts;
        match self {
            PublicKey::Rsa(k) => k.n().bits() as u32,
            PublicKey::P256(_) => 256,
            PublicKey::P384(_) => 384,
            PublicKey::P521(_) => 521,
            PublicKey::Dsa(k) => k.components().p().bits() as u32,
        }
    }

    /// Checks `signature` over `message` hashed with `hash`.
    pub fn verify(
        &self,
        padding: Padding,
        hash: Hash,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), String> {
        self.verify_prehash(padding, hash, &hash.digest(message), signature)
    }

    /// Checks `signature` over a message whose `hash` digest is `hashed`.
    pub fn verify_prehash(
        &self,
        padding: Padding,
        hash: Hash,
        hashed: &[u8],
        signature: &[u8],
    ) -> Result<(), String> {
        let failed = || "signature did not verify".to_string();
        match (self, padding) {
            (PublicKey::Rsa(k), Padding::RsaPkcs1) => {
                let scheme = match hash {
                    Hash::Md5 => Pkcs1v15Sign::new::<Md5>(),
                    Hash::Sha1 => Pkcs1v15Sign::new::<Sha1>(),
                    Hash::Sha224 => Pkcs1v15Sign::new::<Sha224>(),
                    Hash::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
                    Hash::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
                    Hash::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
                };
                k.verify(scheme, hashed, signature).map_err(|_| failed())
            }
            (PublicKey::Rsa(k), Padding::RsaPss) => {
                let scheme = match hash {
                    Hash::Sha256 => Pss::new::<Sha256>(),
                    Hash::Sha512 => Pss::new::<Sha512>(),
                    other => return Err(format!("RSA-PSS with {} is not supported", other.name())),
                };
                k.verify(scheme, hashed, signature).map_err(|_| failed())
            }
            (PublicKey::P256(k), Padding::Ecdsa) => {
                let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| bad_ecdsa())?;
                k.verify_prehash(hashed, &sig).map_err(|_| failed())
            }
            (PublicKey::P384(k), Padding::Ecdsa) => {
                let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| bad_ecdsa())?;
                k.verify_prehash(hashed, &sig).map_err(|_| failed())
            }
            (PublicKey::P521(k), Padding::Ecdsa) => {
                let sig = p521::ecdsa::Signature::from_der(signature).map_err(|_| bad_ecdsa())?;
                k.verify_prehash(hashed, &sig).map_err(|_| failed())
            }
            (PublicKey::Dsa(k), Padding::Dsa) => {
                let sig = dsa::Signature::from_der(signature)
                    .map_err(|_| "malformed DSA signature".to_string())?;
                k.verify_prehash(hashed, &sig).map_err(|_| failed())
            }
            (key, padding) => Err(format!(
                "{} key cannot verify a {padding:?} signature",
                key.algorithm()
            )),
        }
    }
}

fn bad_ecdsa() -> String {
    "malformed ECDSA signature".to_string()
}

/// Sizes in bits of DSA's `p` and `q` from `Dss-Parms ::= SEQUENCE { p, q, g }`.
fn dsa_p_q_bits(params: &[u8]) -> Result<(usize, usize), String> {
    let bad = |e: ber::BerError| format!("malformed DSA parameters: {e}");
    let seq = ber::read_all(params).map_err(bad)?;
    let mut fields = seq.children();
    let p = fields.required("missing p").map_err(bad)?;
    let q = fields.required("missing q").map_err(bad)?;
    Ok((uint_bits(p.content), uint_bits(q.content)))
}

/// Bits in a big-endian unsigned integer.
fn uint_bits(b: &[u8]) -> usize {
    let b = match b.iter().position(|x| *x != 0) {
        Some(i) => b.get(i..).unwrap_or_default(),
        None => return 0,
    };
    let lead = b.first().map_or(0, |x| 8 - x.leading_zeros() as usize);
    b.len().saturating_sub(1) * 8 + lead
}
