//! DECEIVE-IDENT-026: impersonation and copycat apps.
//!
//! - A package in a namespace registered to another owner (`com.tencent.*`
//!   not signed by Tencent's certificate; `com.android.*` from anyone).
//! - An app name or icon of a protected top app outside its owner's
//!   namespaces.
//! - A developer that neither the filing nor the privacy policy names: the
//!   filing entity and the privacy-policy operator both differ from the
//!   developer and the declared operator.
//!
//! The platform's registry comes through settings (crate documentation);
//! without it the built-in tables apply, which know owners by name rather
//! than by certificate, and findings built on them carry confidence
//! `memory`. Icon similarity is exact (`icon_sha256`): perceptual hashes
//! are not among the facts.

use std::borrow::Cow;

use shelfgate_pack_data::identity::{in_namespace, PROTECTED_APPS, PROTECTED_NAMESPACES};
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::AppInfo;

use crate::settings::entries;

pub const RULE: Rule = Rule {
    id: "DECEIVE-IDENT-026",
    refs: &["CAC 2022 Qinglang app-chaos campaign", "MIIT-2020-164 issue 10", "CAC-2022-APP"],
    remediation: "Publish only under your own package namespace, name and icon, signed with your own key; make the developer, the filing entity and the privacy-policy operator the same legal entity (or declare the operator).",
};

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    let package = &s.identity().package;
    let developer = s.developer();
    let operator = s.operator();
    let filing = s.filing();

    // Who the listing says is behind the app.
    let mut entities: Vec<&str> = vec![developer.name.as_str()];
    entities.extend(operator.as_ref().map(|o| o.name.as_str()));
    let mut claimed = entities.clone();
    if let Some(f) = filing {
        if !claimed
            .iter()
            .any(|c| text::same_name(c, &f.filing_entity_name))
        {
            claimed.push(f.filing_entity_name.as_str());
        }
    }

    namespace(package, s, &claimed, out);
    names(package, s, out);

    if let Some(filing) = filing {
        let privacy = s.privacy();
        let names_dev = |name: &str| entities.iter().any(|e| text::same_name(e, name));
        if !names_dev(&filing.filing_entity_name) && !names_dev(&privacy.operator_name) {
            out.push(
                RULE.reject()
                    .en(format!(
                        "Three different parties: developer \"{}\", filing entity \"{}\", privacy-policy operator \"{}\". Neither the filing nor the privacy policy names the developer.",
                        developer.name, filing.filing_entity_name, privacy.operator_name
                    ))
                    .zh(format!(
                        "开发者“{}”、备案主体“{}”与隐私政策运营者“{}”互不一致，备案和隐私政策均未指向该开发者。",
                        developer.name, filing.filing_entity_name, privacy.operator_name
                    ))
                    .evidence(EvidenceSource::Listing, "developer.name", json::str(&developer.name))
                    .evidence(EvidenceSource::Listing, "filing.filing_entity_name", json::str(&filing.filing_entity_name))
                    .evidence(EvidenceSource::Listing, "privacy.operator_name", json::str(&privacy.operator_name))
                    .evidence(EvidenceSource::Listing, "operator.name", json::opt_str(operator.as_ref().map(|o| o.name.as_str())))
                    .expected("developer (or declared operator) = filing entity = privacy-policy operator")
                    .build(),
            );
        }
    }
}

/// The package's namespace belongs to someone else.
fn namespace(package: &str, s: &Snapshot, claimed: &[&str], out: &mut Vec<Finding>) {
    match s.setting("deceive.protected_namespaces") {
        Some(registry) => {
            let mut signers: Vec<String> = Vec::new();
            for (prefix, certs) in entries(&registry) {
                if !in_namespace(package, prefix) {
                    continue;
                }
                if signers.is_empty() {
                    signers = s
                        .signing()
                        .signers
                        .iter()
                        .map(|c| text::norm_hex(&c.sha256))
                        .collect();
                }
                let owned = certs.iter().any(|c| signers.contains(&text::norm_hex(c)));
                if !owned {
                    out.push(
                        foreign(
                            package,
                            prefix,
                            "the registered owner",
                            &format!("signer {}", signers.join(",")),
                        )
                        .evidence(
                            EvidenceSource::Signing,
                            "signing.signers[].sha256",
                            json::strs(signers.iter().map(String::as_str)),
                        )
                        .evidence(
                            EvidenceSource::Context,
                            "settings[deceive.protected_namespaces]",
                            json::strs(certs.iter().copied()),
                        )
                        .expected(format!(
                            "a package under {prefix} signed by the registered certificate"
                        ))
                        .build(),
                    );
                }
            }
        }
        None => {
            for ns in PROTECTED_NAMESPACES
                .iter()
                .filter(|ns| in_namespace(package, ns.prefix))
            {
                let owned = !ns.owner_marks.is_empty()
                    && claimed
                        .iter()
                        .any(|name| text::find_any(name, ns.owner_marks).is_some());
                if !owned {
                    out.push(
                        foreign(
                            package,
                            ns.prefix,
                            ns.owner,
                            &format!("entity {}", claimed.join(" / ")),
                        )
                        .evidence(
                            EvidenceSource::Listing,
                            "developer.name",
                            json::strs(claimed.iter().copied()),
                        )
                        .expected(format!(
                            "a package under {} published by {}",
                            ns.prefix, ns.owner
                        ))
                        .confidence(Confidence::Memory)
                        .build(),
                    );
                }
            }
        }
    }
}

fn foreign(package: &str, prefix: &str, owner: &str, who: &str) -> FindingBuilder {
    RULE.reject()
        .en(format!(
            "Package {package} lies in the namespace {prefix} reserved for {owner}, but the upload comes from {who}."
        ))
        .zh(format!("包名 {package} 位于 {owner} 专有的命名空间 {prefix}，但上传方为 {who}。"))
        .evidence(EvidenceSource::Manifest, "manifest@package", json::str(package))
}

/// The listing's app name or icon is a protected app's.
fn names(package: &str, s: &Snapshot, out: &mut Vec<Finding>) {
    let app: &AppInfo = s.app();
    let names = crate::listed_names(app);

    let folded: Vec<String> = names.iter().map(|n| text::norm_name(n)).collect();

    let setting = s.setting("deceive.protected_app_names");
    let memory = setting.is_none();
    let registry: Vec<(&str, Cow<[&str]>)> = match setting.as_deref() {
        Some(v) => entries(v)
            .into_iter()
            .map(|(name, prefixes)| (name, Cow::Owned(prefixes)))
            .collect(),
        None => PROTECTED_APPS
            .iter()
            .map(|a| (a.name, Cow::Borrowed(a.prefixes)))
            .collect(),
    };
    for (protected, prefixes) in &registry {
        if prefixes.iter().any(|p| in_namespace(package, p)) {
            continue;
        }
        let Some(name) = names
            .iter()
            .zip(&folded)
            .find(|(n, f)| copies(n, f, protected))
            .map(|(n, _)| n)
        else {
            continue;
        };
        let mut f = RULE
            .reject()
            .en(format!(
                "The app is named \"{name}\", the name of {protected}, but its package {package} is not in the owner's namespace ({}).",
                prefixes.join(", ")
            ))
            .zh(format!(
                "应用名称“{name}”仿冒“{protected}”，但包名 {package} 不在其所有者的命名空间（{}）内。",
                prefixes.join("、")
            ))
            .evidence(EvidenceSource::Listing, "app.name", json::str(name))
            .evidence(EvidenceSource::Manifest, "manifest@package", json::str(package))
            .expected(format!("an app name that is not {protected}'s"));
        if memory {
            f = f.confidence(Confidence::Memory);
        }
        out.push(f.build());
    }

    let icon = text::norm_hex(&app.icon_sha256);
    if icon.is_empty() {
        return;
    }
    if let Some(v) = s.setting("deceive.protected_icons") {
        for (sha, prefixes) in entries(&v) {
            if text::norm_hex(sha) != icon || prefixes.iter().any(|p| in_namespace(package, p)) {
                continue;
            }
            out.push(
                RULE.reject()
                    .en(format!(
                        "The app icon is identical to a protected app's icon (owner namespace {}), but the package {package} is not the owner's.",
                        prefixes.join(", ")
                    ))
                    .zh(format!(
                        "应用图标与受保护应用的图标相同（所有者命名空间 {}），但包名 {package} 不属于该所有者。",
                        prefixes.join("、")
                    ))
                    .evidence(EvidenceSource::Listing, "app.icon_sha256", json::str(&app.icon_sha256))
                    .evidence(EvidenceSource::Manifest, "manifest@package", json::str(package))
                    .expected("an icon of your own")
                    .build(),
            );
        }
    }
}

/// `name` (`n` its [`text::norm_name`]) is `protected`, or starts with it
/// (`微信极速版`, `QQ Helper`); an ASCII protected name must end at a word
/// boundary (`Alipayment` does not copy `Alipay`).
fn copies(name: &str, n: &str, protected: &str) -> bool {
    let p = text::norm_name(protected);
    if p.is_empty() || !n.starts_with(&p) {
        return false;
    }
    if n == p || !protected.is_ascii() {
        return true;
    }
    name.trim()
        .to_lowercase()
        .strip_prefix(&protected.to_lowercase())
        .is_some_and(|tail| !tail.starts_with(|c: char| c.is_ascii_alphanumeric()))
}
