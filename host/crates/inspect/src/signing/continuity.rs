//! Update continuity: may this upload replace the last accepted version?
//!
//! Android lets an update replace an installed app when it is signed by the
//! same certificates, or when its v3 lineage contains the installed app's
//! signer as an ancestor that the new signer grants `INSTALLED_DATA`
//! (`SigningDetails.checkCapability`). Apps with several signers cannot
//! rotate: their set of signers must stay the same.

use std::collections::BTreeSet;

use shelfgate_contract::types::{PreviousVersion, SignerContinuity, SigningFacts};

/// How the signer of `now` relates to the `previous` accepted version's.
pub fn continuity(previous: &PreviousVersion, now: &SigningFacts) -> SignerContinuity {
    if !now.verified || now.signers.is_empty() {
        return SignerContinuity::Unverified;
    }
    let norm = |s: &str| s.trim().to_ascii_lowercase();
    let before: BTreeSet<String> = previous.signer_sha256.iter().map(|s| norm(s)).collect();
    let after: BTreeSet<String> = now.signers.iter().map(|c| norm(&c.sha256)).collect();
    if before.is_empty() {
        return SignerContinuity::Stranger;
    }
    if before == after {
        return SignerContinuity::SameSigner;
    }
    let (Some(old), Some(new), 1, 1) = (before.first(), after.first(), before.len(), after.len())
    else {
        return SignerContinuity::Stranger;
    };
    // The lineage runs oldest first and ends with the current signer.
    let lineage = &now.lineage;
    let newest_is_signer = lineage.last().is_some_and(|n| norm(&n.cert_sha256) == *new);
    let granted = lineage
        .iter()
        .rev()
        .skip(1)
        .any(|n| norm(&n.cert_sha256) == *old && n.installed_data);
    if newest_is_signer && granted {
        SignerContinuity::Successor
    } else {
        SignerContinuity::Stranger
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shelfgate_contract::types::{Certificate, LineageNode};

    fn cert(sha: &str) -> Certificate {
        Certificate {
            sha256: sha.into(),
            sha1: String::new(),
            md5: String::new(),
            subject: String::new(),
            issuer: String::new(),
            serial: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            key_algorithm: String::new(),
            key_bits: 0,
            signature_algorithm: String::new(),
            is_debug: false,
        }
    }

    fn node(sha: &str, installed_data: bool) -> LineageNode {
        LineageNode {
            cert_sha256: sha.into(),
            installed_data,
            shared_uid: false,
            permission: false,
            rollback: false,
            auth: false,
        }
    }

    fn facts(signers: &[&str], lineage: Vec<LineageNode>) -> SigningFacts {
        SigningFacts {
            verified: true,
            schemes: vec![],
            signers: signers.iter().map(|s| cert(s)).collect(),
            lineage,
            has_v4_idsig: false,
            errors: vec![],
        }
    }

    fn previous(signers: &[&str]) -> PreviousVersion {
        PreviousVersion {
            version_code: 1,
            signer_sha256: signers.iter().map(|s| s.to_string()).collect(),
            lineage_sha256: vec![],
            permissions: vec![],
            pi_types: vec![],
            accepted_at: String::new(),
        }
    }

    #[test]
    fn same_successor_stranger() {
        let prev = previous(&["AA"]);
        assert_eq!(
            continuity(&prev, &facts(&["aa"], vec![])),
            SignerContinuity::SameSigner
        );
        let rotated = facts(&["bb"], vec![node("aa", true), node("bb", true)]);
        assert_eq!(continuity(&prev, &rotated), SignerContinuity::Successor);
        let no_grant = facts(&["bb"], vec![node("aa", false), node("bb", true)]);
        assert_eq!(continuity(&prev, &no_grant), SignerContinuity::Stranger);
        assert_eq!(
            continuity(&prev, &facts(&["cc"], vec![])),
            SignerContinuity::Stranger
        );
        let mut bad = facts(&["aa"], vec![]);
        bad.verified = false;
        assert_eq!(continuity(&prev, &bad), SignerContinuity::Unverified);
        let two = previous(&["aa", "bb"]);
        assert_eq!(
            continuity(&two, &facts(&["bb", "aa"], vec![])),
            SignerContinuity::SameSigner
        );
        assert_eq!(
            continuity(&two, &facts(&["aa"], vec![])),
            SignerContinuity::Stranger
        );
    }
}
