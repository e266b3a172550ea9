//! What the host lends a policy: the `facts`, `listing` and `context`
//! resources of the contract, served from one [`EvalInput`].
//!
//! Getters copy only what a policy asks for; large data (class packages,
//! file names) is answered by queries instead of being copied in.

use std::sync::Arc;

use shelfgate_contract::host::{self, Identity, SigningSummary};
use shelfgate_contract::types::{self, *};
use shelfgate_contract::{ContextHandle, FactsHandle, ListingHandle};
use wasmtime::component::Resource;

/// Everything one evaluation reads.
#[derive(Debug)]
pub struct EvalInput {
    pub facts: Arc<ApkFacts>,
    pub listing: Arc<Listing>,
    pub context: EvaluationContext,
}

/// Per-store state: the input and the memory limiter.
pub struct State {
    input: Option<Arc<EvalInput>>,
    pub(super) limiter: Limiter,
}

impl State {
    pub(super) fn new(input: Option<Arc<EvalInput>>, memory_bytes: usize) -> State {
        State {
            input,
            limiter: Limiter {
                memory_bytes,
                hit: false,
            },
        }
    }

    fn input(&self) -> wasmtime::Result<&EvalInput> {
        self.input.as_deref().ok_or_else(|| {
            wasmtime::Error::msg("facts are not available while a policy describes itself")
        })
    }
}

/// Caps linear memory and remembers that the cap was hit, so the error can
/// be told apart from other traps.
pub(super) struct Limiter {
    memory_bytes: usize,
    pub(super) hit: bool,
}

impl wasmtime::ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.hit = true;
            return Err(wasmtime::Error::msg("policy memory limit reached"));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

impl types::Host for State {}
impl host::Host for State {}

impl host::HostFacts for State {
    fn identity(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Identity> {
        let f = &self.input()?.facts;
        Ok(Identity {
            package: f.package.clone(),
            version_code: f.version_code,
            version_name: f.version_name.clone(),
            min_sdk: f.min_sdk,
            target_sdk: f.target_sdk,
            target_sdk_declared: f.target_sdk_declared,
            max_sdk: f.max_sdk,
            sha256: f.sha256.clone(),
            size: f.size,
        })
    }

    fn application(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Application> {
        Ok(self.input()?.facts.application.clone())
    }

    fn permissions(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Vec<UsesPermission>> {
        Ok(self.input()?.facts.uses_permissions.clone())
    }

    fn has_permission(&mut self, _: Resource<FactsHandle>, name: String) -> wasmtime::Result<bool> {
        Ok(self.input()?.facts.permissions.binary_search(&name).is_ok())
    }

    fn declared_permissions(
        &mut self,
        _: Resource<FactsHandle>,
    ) -> wasmtime::Result<Vec<DeclaredPermission>> {
        Ok(self.input()?.facts.declared_permissions.clone())
    }

    fn features(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Vec<UsesFeature>> {
        Ok(self.input()?.facts.features.clone())
    }

    fn components(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Vec<Component>> {
        Ok(self.input()?.facts.components.clone())
    }

    fn queries(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Queries> {
        Ok(self.input()?.facts.queries.clone())
    }

    fn sdks(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Vec<SdkMatch>> {
        Ok(self.input()?.facts.sdks.clone())
    }

    fn packers(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Vec<String>> {
        Ok(self.input()?.facts.packers.clone())
    }

    fn payloads(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Vec<Payload>> {
        Ok(self.input()?.facts.payloads.clone())
    }

    fn native_libs(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Vec<NativeLib>> {
        Ok(self.input()?.facts.native_libs.clone())
    }

    fn dex_files(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Vec<DexFile>> {
        Ok(self.input()?.facts.dex.files.clone())
    }

    fn class_count(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<u32> {
        Ok(self.input()?.facts.dex.class_count)
    }

    fn has_class_prefix(
        &mut self,
        _: Resource<FactsHandle>,
        prefix: String,
    ) -> wasmtime::Result<bool> {
        Ok(!packages_under(&self.input()?.facts.dex.packages, &prefix, 1).is_empty())
    }

    fn packages_with_prefix(
        &mut self,
        _: Resource<FactsHandle>,
        prefix: String,
        limit: u32,
    ) -> wasmtime::Result<Vec<String>> {
        Ok(
            packages_under(&self.input()?.facts.dex.packages, &prefix, limit as usize)
                .into_iter()
                .map(str::to_string)
                .collect(),
        )
    }

    fn api_refs(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Vec<ApiRef>> {
        Ok(self.input()?.facts.dex.api_refs.clone())
    }

    /// Inspection lists one entry per (key, method); a policy asking by key
    /// gets them merged: every method, every caller.
    fn api_ref(
        &mut self,
        _: Resource<FactsHandle>,
        key: String,
    ) -> wasmtime::Result<Option<ApiRef>> {
        let mut merged: Option<ApiRef> = None;
        for r in self
            .input()?
            .facts
            .dex
            .api_refs
            .iter()
            .filter(|r| r.key == key)
        {
            match &mut merged {
                None => merged = Some(r.clone()),
                Some(m) => {
                    m.method.push_str(" | ");
                    m.method.push_str(&r.method);
                    m.callers.extend(r.callers.iter().cloned());
                }
            }
        }
        if let Some(m) = &mut merged {
            m.callers.sort();
            m.callers.dedup();
        }
        Ok(merged)
    }

    fn container(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<ContainerFacts> {
        Ok(self.input()?.facts.container.clone())
    }

    fn files_matching(
        &mut self,
        _: Resource<FactsHandle>,
        pattern: String,
        limit: u32,
    ) -> wasmtime::Result<Vec<String>> {
        Ok(self
            .input()?
            .facts
            .container
            .files
            .iter()
            .filter(|f| glob_match(pattern.as_bytes(), f.as_bytes()))
            .take(limit as usize)
            .cloned()
            .collect())
    }

    fn signing(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<SigningSummary> {
        let s = &self.input()?.facts.signing;
        Ok(SigningSummary {
            verified: s.verified,
            schemes: s.schemes.clone(),
            signers: s.signers.clone(),
            lineage: s.lineage.clone(),
        })
    }

    fn urls(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Vec<String>> {
        Ok(self.input()?.facts.dex.urls.clone())
    }

    // 0.1.2: facts stored before it have none of these; answer empty.
    fn provider_access(
        &mut self,
        _: Resource<FactsHandle>,
    ) -> wasmtime::Result<Vec<ProviderAccess>> {
        Ok(self
            .input()?
            .facts
            .provider_access
            .clone()
            .unwrap_or_default())
    }

    fn properties(
        &mut self,
        _: Resource<FactsHandle>,
    ) -> wasmtime::Result<Option<Vec<ManifestProperty>>> {
        Ok(self.input()?.facts.properties.clone())
    }

    fn accessibility_configs(
        &mut self,
        _: Resource<FactsHandle>,
    ) -> wasmtime::Result<Vec<AccessibilityConfig>> {
        let res = &self.input()?.facts.resources;
        Ok(res
            .as_ref()
            .map(|r| r.accessibility_configs.clone())
            .unwrap_or_default())
    }

    fn file_provider_paths(
        &mut self,
        _: Resource<FactsHandle>,
    ) -> wasmtime::Result<Vec<FileProviderPaths>> {
        let res = &self.input()?.facts.resources;
        Ok(res
            .as_ref()
            .map(|r| r.file_provider_paths.clone())
            .unwrap_or_default())
    }

    fn backup_rules(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Vec<BackupRules>> {
        let res = &self.input()?.facts.resources;
        Ok(res
            .as_ref()
            .map(|r| r.backup_rules.clone())
            .unwrap_or_default())
    }

    fn launcher_icons(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Vec<LauncherIcon>> {
        let res = &self.input()?.facts.resources;
        Ok(res
            .as_ref()
            .map(|r| r.launcher_icons.clone())
            .unwrap_or_default())
    }

    fn foreign_components(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<Vec<String>> {
        Ok(self
            .input()?
            .facts
            .dex
            .foreign_components
            .clone()
            .unwrap_or_default())
    }

    fn component_labels(
        &mut self,
        _: Resource<FactsHandle>,
    ) -> wasmtime::Result<Vec<ComponentLabel>> {
        Ok(self
            .input()?
            .facts
            .component_labels
            .clone()
            .unwrap_or_default())
    }

    fn drop(&mut self, _: Resource<FactsHandle>) -> wasmtime::Result<()> {
        Ok(())
    }
}

impl host::HostListing for State {
    fn schema(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<String> {
        Ok(self.input()?.listing.schema.clone())
    }
    fn submission(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<Submission> {
        Ok(self.input()?.listing.submission.clone())
    }
    fn app(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<AppInfo> {
        Ok(self.input()?.listing.app.clone())
    }
    fn developer(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<Developer> {
        Ok(self.input()?.listing.developer.clone())
    }
    fn operator(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<Option<Operator>> {
        Ok(self.input()?.listing.operator.clone())
    }
    fn filing(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<Option<Filing>> {
        Ok(self.input()?.listing.filing.clone())
    }
    fn licences(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<Option<Vec<Licence>>> {
        Ok(self.input()?.listing.licences.clone())
    }
    fn privacy(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<Privacy> {
        Ok(self.input()?.listing.privacy.clone())
    }
    fn permissions(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<Vec<PermissionDecl>> {
        Ok(self.input()?.listing.permissions.clone())
    }
    fn data_collection(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<Vec<DataItem>> {
        Ok(self.input()?.listing.data_collection.clone())
    }
    fn third_party_sdks(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<Vec<SdkDecl>> {
        Ok(self.input()?.listing.third_party_sdks.clone())
    }
    fn behaviour_declarations(
        &mut self,
        _: Resource<ListingHandle>,
    ) -> wasmtime::Result<BehaviourDeclarations> {
        Ok(self.input()?.listing.behaviour_declarations.clone())
    }
    fn google_play(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<Option<GooglePlay>> {
        Ok(self.input()?.listing.google_play.clone())
    }
    fn attestations(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<Vec<Attestation>> {
        Ok(self.input()?.listing.attestations.clone())
    }
    fn attestation(
        &mut self,
        _: Resource<ListingHandle>,
        id: String,
    ) -> wasmtime::Result<Option<bool>> {
        Ok(self
            .input()?
            .listing
            .attestations
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.value))
    }
    fn drop(&mut self, _: Resource<ListingHandle>) -> wasmtime::Result<()> {
        Ok(())
    }
}

impl host::HostContext for State {
    fn date(&mut self, _: Resource<ContextHandle>) -> wasmtime::Result<String> {
        Ok(self.input()?.context.date.clone())
    }
    fn markets(&mut self, _: Resource<ContextHandle>) -> wasmtime::Result<Vec<String>> {
        Ok(self.input()?.context.markets.clone())
    }
    fn target_stores(&mut self, _: Resource<ContextHandle>) -> wasmtime::Result<Vec<String>> {
        Ok(self.input()?.context.target_stores.clone())
    }
    fn cn_target_sdk_floor(&mut self, _: Resource<ContextHandle>) -> wasmtime::Result<u32> {
        Ok(self.input()?.context.cn_target_sdk_floor)
    }
    fn play_target_floor(&mut self, _: Resource<ContextHandle>) -> wasmtime::Result<u32> {
        Ok(self.input()?.context.play_target_floor)
    }
    fn deadline_for(
        &mut self,
        _: Resource<ContextHandle>,
        rule_id: String,
    ) -> wasmtime::Result<u32> {
        let ctx = &self.input()?.context;
        let key = format!("deadline.{rule_id}");
        Ok(ctx
            .settings
            .iter()
            .find(|s| s.key == key)
            .and_then(|s| s.value.trim().parse().ok())
            .unwrap_or(ctx.default_deadline_working_days))
    }
    fn previous(
        &mut self,
        _: Resource<ContextHandle>,
    ) -> wasmtime::Result<Option<PreviousVersion>> {
        Ok(self.input()?.context.previous.clone())
    }
    fn regulator_notices(
        &mut self,
        _: Resource<ContextHandle>,
    ) -> wasmtime::Result<Vec<RegulatorNotice>> {
        Ok(self.input()?.context.regulator_notices.clone())
    }
    fn sdk_blocklist(
        &mut self,
        _: Resource<ContextHandle>,
    ) -> wasmtime::Result<Vec<BlocklistedSdk>> {
        Ok(self.input()?.context.sdk_blocklist.clone())
    }
    fn setting(
        &mut self,
        _: Resource<ContextHandle>,
        key: String,
    ) -> wasmtime::Result<Option<String>> {
        Ok(self
            .input()?
            .context
            .settings
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.value.clone()))
    }
    fn signer_continuity(
        &mut self,
        _: Resource<ContextHandle>,
    ) -> wasmtime::Result<Option<SignerContinuity>> {
        let input = self.input()?;
        Ok(input
            .context
            .previous
            .as_ref()
            .map(|prev| shelfgate_inspect::signing::continuity(prev, &input.facts.signing)))
    }

    fn drop(&mut self, _: Resource<ContextHandle>) -> wasmtime::Result<()> {
        Ok(())
    }
}

/// Packages (sorted) equal to or under `prefix`, which may be dotted
/// (`com.umeng.`) or in dex form (`com/umeng/`, `Lcom/umeng/`).
fn packages_under<'a>(packages: &'a [String], prefix: &str, limit: usize) -> Vec<&'a str> {
    let dotted = prefix.trim_start_matches('L').replace('/', ".");
    let base = dotted.trim_end_matches('.');
    if base.is_empty() {
        return packages.iter().take(limit).map(String::as_str).collect();
    }
    let start = packages.partition_point(|p| p.as_str() < base);
    packages[start..]
        .iter()
        .map(String::as_str)
        .take_while(|p| p.starts_with(base))
        .filter(|p| p.len() == base.len() || p.as_bytes().get(base.len()) == Some(&b'.'))
        .take(limit)
        .collect()
}

/// `*` matches within a path segment, `**` across segments.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => {
            if let Some(rest) = rest.strip_prefix(b"*") {
                let rest = rest.strip_prefix(b"/").unwrap_or(rest);
                (0..=text.len()).any(|i| glob_match(rest, &text[i..]))
            } else {
                (0..=text.len())
                    .take_while(|&i| i == 0 || text[i - 1] != b'/')
                    .any(|i| glob_match(rest, &text[i..]))
            }
        }
        Some((c, rest)) => text
            .split_first()
            .is_some_and(|(t, trest)| t == c && glob_match(rest, trest)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_prefixes_match_whole_segments() {
        let pkgs: Vec<String> = ["com.umeng", "com.umeng.analytics", "com.umengx", "org.a"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            packages_under(&pkgs, "com.umeng.", 10),
            ["com.umeng", "com.umeng.analytics"]
        );
        assert_eq!(packages_under(&pkgs, "Lcom/umeng/", 1), ["com.umeng"]);
        assert!(packages_under(&pkgs, "com.ume", 10).is_empty());
    }

    #[test]
    fn globs() {
        assert!(glob_match(
            b"assets/**/privacy*.htm*",
            b"assets/a/b/privacy_zh.html"
        ));
        assert!(glob_match(
            b"assets/**/privacy*.htm*",
            b"assets/privacy.htm"
        ));
        assert!(!glob_match(b"assets/*.dex", b"assets/a/b.dex"));
        assert!(glob_match(b"assets/*.dex", b"assets/b.dex"));
    }
}
