//! PLAT-FILING-030: the app filing (备案) exists and is this binary's
//! (CN market).
//!
//! MIIT-2023-FILING: platforms may not distribute unfiled apps; a filing
//! binds the operator, package name and signing certificate (MD5 for
//! Android). So the filing number must be well formed, name this package,
//! this APK's signer and the developer (or declared operator), and the
//! host's lookup in the national system, when made, must have found it.
//! Every failure is a hard reject.
//!
//! The number pattern `<province>ICP备<8+ digits>号-<n>A` is from memory
//! (regulation-sources.md §7): a malformed-number finding says so.

use shelfgate_pack_data::identity::FILING_PROVINCES;
use shelfgate_policy_sdk::prelude::*;

use crate::parties::{is_developer_or_operator, Parties};

pub const RULE: Rule = Rule {
    id: "PLAT-FILING-030",
    refs: &["MIIT-2023-FILING", "Anti-Telecom-Fraud Law Art. 23"],
    remediation: "File the app with the MIIT filing system (operator, package name, signing-certificate MD5) and enter the filing exactly as registered: the app filing number (ending in A), the filing entity, the filed package name and certificate MD5 of the key that signs this APK.",
};

pub fn check(parties: &Parties, facts: &Facts, out: &mut Vec<Finding>) {
    let Some(filing) = parties.filing() else {
        out.push(
            RULE.reject()
                .en("The listing carries no app filing (备案): unfiled apps may not be distributed in the mainland.")
                .zh("上架信息缺少 App 备案信息，未备案的应用不得在境内分发。")
                .evidence(EvidenceSource::Listing, "filing", json::null())
                .expected("filing with icp_app_filing_number, filing_entity_name, filed_package_name, filed_cert_md5")
                .build(),
        );
        return;
    };
    let number = filing.icp_app_filing_number.trim();
    if !well_formed(number) {
        out.push(
            RULE.reject()
                .en(format!(
                    "The filing number \"{number}\" is not an app filing number (<province>ICP备<8+ digits>号-<n>A)."
                ))
                .zh(format!("备案号“{number}”不符合 App 备案号格式（省份简称ICP备8位以上数字号-序号A）。"))
                .evidence(EvidenceSource::Listing, "filing.icp_app_filing_number", json::str(number))
                .expected("e.g. 粤ICP备12345678号-3A")
                .confidence(Confidence::Memory)
                .build(),
        );
    }
    let package = &parties.identity().package;
    if filing.filed_package_name.trim() != package {
        out.push(
            RULE.reject()
                .en(format!(
                    "The filing is for package {}, not this APK's {package}.",
                    filing.filed_package_name
                ))
                .zh(format!(
                    "备案的包名为 {}，与本 APK 的包名 {package} 不符。",
                    filing.filed_package_name
                ))
                .evidence(
                    EvidenceSource::Listing,
                    "filing.filed_package_name",
                    json::str(&filing.filed_package_name),
                )
                .evidence(
                    EvidenceSource::Manifest,
                    "manifest@package",
                    json::str(&package),
                )
                .expected("filed_package_name equal to the manifest package")
                .build(),
        );
    }
    let filed = text::norm_hex(&filing.filed_cert_md5);
    let signers: Vec<String> = facts
        .signing()
        .signers
        .iter()
        .map(|c| c.md5.clone())
        .collect();
    if filed.is_empty() || !signers.iter().any(|md5| text::norm_hex(md5) == filed) {
        let seen = if signers.is_empty() {
            "no verified signer".to_string()
        } else {
            signers.join(", ")
        };
        out.push(
            RULE.reject()
                .en(format!(
                    "The filed certificate MD5 {} is not the MD5 of any certificate that signs this APK ({seen}).",
                    filing.filed_cert_md5
                ))
                .zh(format!(
                    "备案的签名证书 MD5 {} 与本 APK 的签名证书（{seen}）不符。",
                    filing.filed_cert_md5
                ))
                .evidence(EvidenceSource::Listing, "filing.filed_cert_md5", json::str(&filing.filed_cert_md5))
                .evidence(EvidenceSource::Signing, "signing.signers[].md5", json::strs(signers.iter().map(String::as_str)))
                .expected("filed_cert_md5 equal (ignoring case and colons) to a signer's MD5")
                .build(),
        );
    }
    let (developer, operator) = (parties.developer(), parties.operator());
    let entity = &filing.filing_entity_name;
    if !is_developer_or_operator(parties, entity) {
        out.push(
            RULE.reject()
                .en(format!(
                    "The filing entity \"{entity}\" is neither the developer \"{}\" nor a declared operator.",
                    developer.name
                ))
                .zh(format!("备案主体“{entity}”既不是开发者“{}”，也不是声明的运营者。", developer.name))
                .evidence(EvidenceSource::Listing, "filing.filing_entity_name", json::str(entity))
                .evidence(EvidenceSource::Listing, "developer.name", json::str(&developer.name))
                .evidence(EvidenceSource::Listing, "operator.name", json::opt_str(operator.as_ref().map(|o| o.name.as_str())))
                .expected("filing_entity_name equal to developer.name or operator.name")
                .build(),
        );
    }
    if filing.verified_by_host == Some(false) {
        out.push(
            RULE.reject()
                .en(format!(
                    "The national filing system does not confirm filing number \"{number}\"."
                ))
                .zh(format!("全国备案系统未能核实备案号“{number}”。"))
                .evidence(
                    EvidenceSource::Listing,
                    "filing.verified_by_host",
                    json::bool(false),
                )
                .expected("a filing the host's lookup confirms")
                .build(),
        );
    }
}

/// `<province>ICP备<8+ digits>号-<digits>A`.
fn well_formed(number: &str) -> bool {
    let mut chars = number.chars();
    let Some(province) = chars.next() else {
        return false;
    };
    if !FILING_PROVINCES.contains(province) {
        return false;
    }
    let Some(rest) = chars.as_str().strip_prefix("ICP备") else {
        return false;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits < 8 {
        return false;
    }
    let Some(rest) = rest.get(digits..).and_then(|r| r.strip_prefix("号-")) else {
        return false;
    };
    let Some(serial) = rest.strip_suffix('A') else {
        return false;
    };
    !serial.is_empty() && serial.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn filing_numbers() {
        assert!(well_formed("粤ICP备12345678号-3A"));
        assert!(well_formed("京ICP备2021012345号-12A"));
        assert!(!well_formed("粤ICP备12345678号-3"));
        assert!(!well_formed("粤ICP备1234567号-3A"));
        assert!(!well_formed("港ICP备12345678号-3A"));
        assert!(!well_formed("粤ICP备12345678号-A"));
        assert!(!well_formed(""));
    }
}
