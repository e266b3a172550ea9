//! The v3 proof-of-rotation lineage: the chain of signing certificates an
//! app has used, each one blessed by its predecessor's key.
//!
//! Format (apksig `V3SigningCertificateLineage`), little-endian:
//! `u32 version (1)`, then length-prefixed nodes, each holding
//! length-prefixed signed data (`cert`, `u32` algorithm its parent signed
//! it with), `u32 flags`, `u32` algorithm this node signs its child with,
//! and the length-prefixed signature of the parent over the signed data.
//! The flags are the capabilities the app grants that (older) certificate.

use shelfgate_contract::types::LineageNode;

use super::block::Le;
use super::cert::Cert;
use super::crypto::SigAlg;

const VERSION: u32 = 1;
/// Most certificates accepted in one lineage. Real ones rotate a handful of
/// times; each node costs a signature check, so a hostile attribute must not
/// list thousands.
const MAX_NODES: usize = 64;

const INSTALLED_DATA: u32 = 1;
const SHARED_UID: u32 = 2;
const PERMISSION: u32 = 4;
const ROLLBACK: u32 = 8;
const AUTH: u32 = 16;

/// One certificate of a lineage.
pub struct Node {
    pub cert: Cert,
    pub flags: u32,
    /// The node's encoding, which lineages are compared by.
    pub raw: Vec<u8>,
}

/// A verified lineage, oldest certificate first.
pub struct Lineage {
    pub nodes: Vec<Node>,
}

/// Why a lineage was rejected, in apksig's three categories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineageError {
    Malformed(String),
    DidNotVerify(String),
}

impl std::fmt::Display for LineageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineageError::Malformed(m) => write!(f, "malformed proof-of-rotation lineage: {m}"),
            LineageError::DidNotVerify(m) => {
                write!(f, "proof-of-rotation lineage did not verify: {m}")
            }
        }
    }
}

impl Lineage {
    /// Parses and verifies a lineage attribute value.
    pub fn parse(bytes: &[u8]) -> Result<Lineage, LineageError> {
        let bad = |what: &str| LineageError::Malformed(what.to_string());
        let mut r = Le::new(bytes);
        if r.is_empty() {
            return Err(bad("empty"));
        }
        let version = r.u32().map_err(|_| bad("truncated version"))?;
        if version != VERSION {
            return Err(bad(&format!("unknown version {version}")));
        }
        let mut nodes: Vec<Node> = Vec::new();
        let mut parent_alg = 0u32;
        while !r.is_empty() {
            let n = nodes.len() + 1;
            if n > MAX_NODES {
                return Err(bad(&format!("more than {MAX_NODES} certificates")));
            }
            let raw = r
                .prefixed()
                .map_err(|_| bad(&format!("node #{n} truncated")))?;
            let mut node = Le::new(raw);
            let signed = node
                .prefixed()
                .map_err(|_| bad(&format!("node #{n} truncated")))?;
            let flags = node
                .u32()
                .map_err(|_| bad(&format!("node #{n} truncated")))?;
            let alg = node
                .u32()
                .map_err(|_| bad(&format!("node #{n} truncated")))?;
            let signature = node
                .prefixed()
                .map_err(|_| bad(&format!("node #{n} truncated")))?;
            if let Some(parent) = nodes.last() {
                // Each certificate after the first is signed by its parent.
                let sig_alg = SigAlg::from_id(parent_alg).ok_or_else(|| {
                    bad(&format!(
                        "node #{n}: unknown signature algorithm {parent_alg:#x}"
                    ))
                })?;
                let key = parent
                    .cert
                    .public_key()
                    .map_err(LineageError::DidNotVerify)?;
                key.verify(sig_alg.padding, sig_alg.hash, signed, signature)
                    .map_err(|_| {
                        LineageError::DidNotVerify(format!(
                            "signature of certificate #{n} using {} did not verify",
                            sig_alg.name()
                        ))
                    })?;
            }
            let mut data = Le::new(signed);
            let der = data
                .prefixed()
                .map_err(|_| bad(&format!("node #{n}: truncated certificate")))?;
            let signed_alg = data
                .u32()
                .map_err(|_| bad(&format!("node #{n}: truncated algorithm")))?;
            if !nodes.is_empty() && signed_alg != parent_alg {
                return Err(LineageError::DidNotVerify(format!(
                    "signing algorithm ID mismatch for certificate #{n}"
                )));
            }
            let cert = Cert::parse(der)
                .map_err(|e| LineageError::DidNotVerify(format!("certificate #{n}: {e}")))?;
            parent_alg = alg;
            nodes.push(Node {
                cert,
                flags,
                raw: raw.to_vec(),
            });
        }
        if nodes.is_empty() {
            return Err(bad("no certificates"));
        }
        Ok(Lineage { nodes })
    }

    /// Position of the certificate with these bytes.
    pub fn position(&self, cert_der: &[u8]) -> Option<usize> {
        self.nodes.iter().position(|n| n.cert.der == cert_der)
    }

    /// Whether `self` is `other` or an older part of it: lineages of the
    /// signers of one APK must agree (apksig `consolidateLineages`).
    pub fn is_prefix_of(&self, other: &Lineage) -> bool {
        self.nodes.len() <= other.nodes.len()
            && self
                .nodes
                .iter()
                .zip(&other.nodes)
                .all(|(a, b)| a.raw == b.raw)
    }

    /// The lineage as facts, oldest first.
    pub fn facts(&self) -> Vec<LineageNode> {
        self.nodes
            .iter()
            .map(|n| LineageNode {
                cert_sha256: n.cert.facts.sha256.clone(),
                installed_data: n.flags & INSTALLED_DATA != 0,
                shared_uid: n.flags & SHARED_UID != 0,
                permission: n.flags & PERMISSION != 0,
                rollback: n.flags & ROLLBACK != 0,
                auth: n.flags & AUTH != 0,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_malformed() {
        assert!(matches!(
            Lineage::parse(&[]),
            Err(LineageError::Malformed(_))
        ));
        assert!(matches!(
            Lineage::parse(&[2, 0, 0, 0]),
            Err(LineageError::Malformed(_))
        ));
        assert!(matches!(
            Lineage::parse(&[1, 0, 0, 0]),
            Err(LineageError::Malformed(_))
        ));
        assert!(matches!(
            Lineage::parse(&[1, 0, 0, 0, 9, 0, 0, 0, 1]),
            Err(LineageError::Malformed(_))
        ));
    }
}
