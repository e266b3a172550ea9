//! PLAT-DEVID-031: the developer's real identity is verified.
//!
//! CAC-2022-APP makes platforms verify app providers' real identity;
//! MIIT-2020-164 issue 10 names lax verification. An unverified developer,
//! or (CN) an enterprise without a valid unified social credit code
//! (GB 32100-2015: 18 characters, the last a mod-31 check character), is
//! refused outright. A privacy policy run by someone other than the
//! developer or the declared operator is rectify.

use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::DeveloperType;

use crate::parties::{is_developer_or_operator, Parties};

pub const RULE: Rule = Rule {
    id: "PLAT-DEVID-031",
    refs: &["CAC-2022-APP", "MIIT-2020-164 issue 10"],
    remediation: "Complete the platform's real-name verification of the developer (enterprises: the 18-character unified social credit code from the business licence), and make the privacy policy name the developer or the declared operator as the party processing personal information.",
};

/// The GB 32100-2015 code check below, as the module's metadata names it.
pub const SOURCE: Source = Source::new("gb-32100-social-credit-code", "2015", Confidence::Verified);

/// GB 32100-2015 code characters (no I, O, S, V, Z) and position weights.
const USCC_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

pub fn check(parties: &Parties, context: &Context, cn: bool, out: &mut Vec<Finding>) {
    let developer = parties.developer();
    if !developer.verified {
        out.push(
            RULE.reject()
                .en(format!(
                    "Developer \"{}\" has not passed real-identity verification.",
                    developer.name
                ))
                .zh(format!("开发者“{}”未通过真实身份核验。", developer.name))
                .evidence(
                    EvidenceSource::Listing,
                    "developer.verified",
                    json::bool(false),
                )
                .evidence(
                    EvidenceSource::Listing,
                    "developer.verification_ref",
                    json::opt_str(developer.verification_ref.as_deref()),
                )
                .expected("developer.verified = true")
                .build(),
        );
    }
    if cn && developer.type_ == DeveloperType::Enterprise {
        let code = developer
            .unified_social_credit_code
            .as_deref()
            .map(str::trim);
        if !code.is_some_and(valid_uscc) {
            out.push(
                RULE.reject()
                    .en(format!(
                        "Enterprise developer \"{}\" has no valid unified social credit code ({}).",
                        developer.name,
                        code.unwrap_or("none")
                    ))
                    .zh(format!(
                        "企业开发者“{}”的统一社会信用代码缺失或无效（{}）。",
                        developer.name,
                        code.unwrap_or("无")
                    ))
                    .evidence(
                        EvidenceSource::Listing,
                        "developer.unified_social_credit_code",
                        json::opt_str(code),
                    )
                    .expected("18 characters with a valid GB 32100-2015 check character")
                    .build(),
            );
        }
    }
    let privacy = parties.privacy();
    let operator = parties.operator();
    let runs_policy = is_developer_or_operator(parties, &privacy.operator_name);
    if !runs_policy {
        out.push(
            RULE.rectify(context)
                .en(format!(
                    "The privacy policy is operated by \"{}\", not by the developer \"{}\" or a declared operator.",
                    privacy.operator_name, developer.name
                ))
                .zh(format!(
                    "隐私政策的运营者为“{}”，既不是开发者“{}”，也不是声明的运营者。",
                    privacy.operator_name, developer.name
                ))
                .evidence(EvidenceSource::Listing, "privacy.operator_name", json::str(&privacy.operator_name))
                .evidence(EvidenceSource::Listing, "developer.name", json::str(&developer.name))
                .evidence(EvidenceSource::Listing, "operator.name", json::opt_str(operator.as_ref().map(|o| o.name.as_str())))
                .expected("privacy.operator_name equal to developer.name or operator.name")
                .build(),
        );
    }
}

/// A GB 32100-2015 unified social credit code with a correct check
/// character.
fn valid_uscc(code: &str) -> bool {
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return false;
    }
    let value = |b: u8| USCC_CHARS.iter().position(|&c| c == b.to_ascii_uppercase());
    let mut sum = 0u32;
    for (b, w) in bytes.iter().zip(USCC_WEIGHTS) {
        let Some(v) = value(*b) else { return false };
        sum += v as u32 * w;
    }
    let check = (31 - sum % 31) % 31;
    bytes
        .get(17)
        .and_then(|&b| value(b))
        .is_some_and(|v| v as u32 == check)
}

#[cfg(test)]
mod tests {
    use super::valid_uscc;

    #[test]
    fn social_credit_codes() {
        assert!(valid_uscc("91440300708461136T"));
        assert!(valid_uscc("91110000802100433B"));
        assert!(!valid_uscc("91440300708461136X"));
        assert!(!valid_uscc("91440300MA5XXXXXXX"));
        assert!(!valid_uscc("9144030070846113"));
        assert!(!valid_uscc("9144030070846113IT"));
    }
}
