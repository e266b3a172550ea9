//! Which bundled SDK a piece of code or a declaration belongs to.
//!
//! SDK operators are accountable in their own right (MIIT-2020-164), so a
//! finding caused by SDK code names the SDK. The host matches SDKs by class
//! prefix and lists the prefixes it saw as `class-prefix` evidence; a class
//! under one of them belongs to that SDK.

use crate::types::{PermissionDecl, SdkDecl, SdkMatch};

/// The detected SDK whose seen class prefixes cover `class` (dotted, or in
/// dex form `Lcom/x/Y;`).
pub fn sdk_of_class<'a>(sdks: &'a [SdkMatch], class: &str) -> Option<&'a SdkMatch> {
    let dotted = class
        .trim_start_matches('L')
        .trim_end_matches(';')
        .replace('/', ".");
    sdks.iter().find(|sdk| {
        sdk.evidence
            .iter()
            .filter(|e| e.kind == "class-prefix")
            .any(|e| under_prefix(&dotted, &e.value))
    })
}

/// Whether dotted `class` lies under `prefix` on a package boundary
/// (`com.umeng.` or `com.umeng` cover `com.umeng.a.B`, not `com.umengx.B`).
fn under_prefix(class: &str, prefix: &str) -> bool {
    let base = prefix.trim_end_matches('.');
    !base.is_empty()
        && class.starts_with(base)
        && class.as_bytes().get(base.len()).is_none_or(|&c| c == b'.')
}

/// `callers` grouped by the SDK they belong to (`None`: the app's own
/// code), in first-seen order.
pub fn callers_by_sdk(sdks: &[SdkMatch], callers: &[String]) -> Vec<(Option<String>, Vec<String>)> {
    let mut groups: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for caller in callers {
        let owner = sdk_of_class(sdks, caller).map(|s| s.id.clone());
        match groups.iter_mut().find(|(o, _)| *o == owner) {
            Some((_, list)) => list.push(caller.clone()),
            None => groups.push((owner, vec![caller.clone()])),
        }
    }
    groups
}

/// Like [`callers_by_sdk`], but a reference the host sampled no callers
/// for still yields one group, the app's.
pub fn caller_groups(sdks: &[SdkMatch], callers: &[String]) -> Vec<(Option<String>, Vec<String>)> {
    let groups = callers_by_sdk(sdks, callers);
    if groups.is_empty() {
        vec![(None, Vec::new())]
    } else {
        groups
    }
}

/// The SDK a listing permission entry says declared it (`declared_by:
/// sdk:<id>`).
pub fn declared_sdk(decl: &PermissionDecl) -> Option<&str> {
    decl.declared_by
        .strip_prefix("sdk:")
        .filter(|id| !id.is_empty())
}

/// The detected SDK a manifest component belongs to: named in the SDK's
/// `component` evidence, or a class under one of its prefixes.
pub fn sdk_of_component<'a>(sdks: &'a [SdkMatch], name: &str) -> Option<&'a SdkMatch> {
    sdks.iter()
        .find(|sdk| {
            sdk.evidence
                .iter()
                .any(|e| e.kind == "component" && e.value == name)
        })
        .or_else(|| sdk_of_class(sdks, name))
}

/// The listing's `third_party_sdks` entry for a detected SDK: the same id,
/// or a declared package prefix that covers or lies under a prefix the
/// host saw (listings name SDKs their own way; the code is the same).
pub fn declaration_of<'a>(sdk: &SdkMatch, decls: &'a [SdkDecl]) -> Option<&'a SdkDecl> {
    decls.iter().find(|d| d.id == sdk.id).or_else(|| {
        decls.iter().find(|d| {
            d.package_prefixes.iter().any(|declared| {
                sdk.evidence
                    .iter()
                    .filter(|e| e.kind == "class-prefix")
                    .any(|e| under_prefix(&e.value, declared) || under_prefix(declared, &e.value))
            })
        })
    })
}

/// The `collected_by` / `declared_by` value naming a detected SDK: its own
/// id or the id its listing entry uses.
pub fn names_sdk(value: &str, sdk: &SdkMatch, decl: Option<&SdkDecl>) -> bool {
    value
        .strip_prefix("sdk:")
        .is_some_and(|id| id == sdk.id || decl.is_some_and(|d| d.id == id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ProcessingRole, SdkEvidence};

    fn detected(id: &str, prefix: &str) -> SdkMatch {
        SdkMatch {
            id: id.into(),
            name: id.into(),
            vendor: None,
            categories: vec!["ads".into()],
            version: None,
            evidence: vec![
                SdkEvidence {
                    kind: "class-prefix".into(),
                    value: prefix.into(),
                },
                SdkEvidence {
                    kind: "component".into(),
                    value: "x.Provider".into(),
                },
            ],
        }
    }

    fn declared(id: &str, prefix: &str) -> SdkDecl {
        SdkDecl {
            id: id.into(),
            name: String::new(),
            vendor: String::new(),
            version: String::new(),
            package_prefixes: vec![prefix.into()],
            type_: "ads".into(),
            purpose: String::new(),
            pi_types: vec![],
            permissions: vec![],
            privacy_policy_url: String::new(),
            initialised_after_consent: true,
            processing_role: ProcessingRole::ThirdParty,
        }
    }

    #[test]
    fn declarations_match_by_id_or_prefix() {
        let sdk = detected("pangle", "com.bytedance.sdk.openadsdk.");
        let decls = [
            declared("csj", "com.bytedance.sdk.openadsdk"),
            declared("pangle", "x."),
        ];
        assert_eq!(
            declaration_of(&sdk, &decls).map(|d| d.id.as_str()),
            Some("pangle")
        );
        assert_eq!(
            declaration_of(&sdk, &decls[..1]).map(|d| d.id.as_str()),
            Some("csj")
        );
        assert!(
            declaration_of(&sdk, &[declared("other", "com.bytedance.sdk.openadsdkx")]).is_none()
        );
        assert!(names_sdk("sdk:csj", &sdk, decls.first()));
        assert!(!names_sdk("app", &sdk, decls.first()));
    }

    #[test]
    fn components_by_evidence_or_prefix() {
        let sdks = [detected("a", "com.a.")];
        assert!(sdk_of_component(&sdks, "x.Provider").is_some());
        assert!(sdk_of_component(&sdks, "com.a.InitProvider").is_some());
        assert!(sdk_of_component(&sdks, "com.ab.InitProvider").is_none());
    }
}
