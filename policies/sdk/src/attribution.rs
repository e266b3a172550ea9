//! Which bundled SDK a piece of code or a declaration belongs to.
//!
//! SDK operators are accountable in their own right (MIIT-2020-164), so a
//! finding caused by SDK code names the SDK. The host matches SDKs by class
//! prefix and lists the prefixes it saw as `class-prefix` evidence; a class
//! under one of them belongs to that SDK.

use crate::types::{PermissionDecl, SdkMatch};

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

/// The SDK a listing permission entry says declared it (`declared_by:
/// sdk:<id>`).
pub fn declared_sdk(decl: &PermissionDecl) -> Option<&str> {
    decl.declared_by
        .strip_prefix("sdk:")
        .filter(|id| !id.is_empty())
}
