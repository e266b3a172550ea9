//! `shelfgate dev populate`: a synthetic catalogue to recheck at scale.
//!
//! Apps are variations of the policy pack's clean base (facts and listing
//! that pass every rule), drawn from distributions seeded by the real
//! corpus: when the corpus is at hand its APKs are inspected and their
//! permission, SDK and target-SDK frequencies are blended with a built-in
//! seed table of what a Chinese app store sees; without it the seed table
//! alone is used. Flaws the rules look for are added at plausible rates:
//! debuggable builds, target SDKs under the floor, permissions without a
//! stated purpose, SDKs the listing does not declare, cleartext traffic,
//! backups left on.
//!
//! The catalogue is imported as it would stand before the current rules
//! existed: every app carries a pass from an empty "import" set, so the
//! first recheck evaluates everything. The same seed gives the same
//! catalogue (the generator is SplitMix64, whose output, unlike a general
//! RNG crate's, is fixed by its definition).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use sha2::Digest as _;
use shelfgate_contract::json;
use shelfgate_contract::types::{
    ApkFacts, Component, ComponentKind, DataItem, DynamicCodeLoading, Feature, Listing,
    PermissionDecl, ProcessingRole, RequestedWhen, SdkDecl, SdkEvidence, SdkMatch, SelfUpdate,
    UpdateMethod, UsesPermission,
};
use shelfgate_inspect::sdk::{SdkSignature, SdkTable};
use shelfgate_inspect::{Inspector, Limits};
use shelfgate_store::{AppStatus, Import, NewSubmission, Store, StoreError};

use crate::engine::hex;
use crate::policy_set::PolicySet;
use crate::verdict::{assemble, Subject};

/// The pack's clean base: facts and a listing that pass every rule.
const BASE: &str = include_str!("../../policies/pack/_base.json");

/// Apps imported per transaction.
const IMPORT_BATCH: usize = 1000;

/// Built-in permission frequencies (share of apps requesting each).
const SEED_PERMISSIONS: &[(&str, f64)] = &[
    ("android.permission.INTERNET", 0.97),
    ("android.permission.ACCESS_NETWORK_STATE", 0.90),
    ("android.permission.ACCESS_WIFI_STATE", 0.60),
    ("android.permission.VIBRATE", 0.45),
    ("android.permission.WAKE_LOCK", 0.45),
    ("android.permission.POST_NOTIFICATIONS", 0.35),
    ("android.permission.READ_PHONE_STATE", 0.30),
    ("android.permission.WRITE_EXTERNAL_STORAGE", 0.40),
    ("android.permission.READ_EXTERNAL_STORAGE", 0.40),
    ("android.permission.CAMERA", 0.30),
    ("android.permission.ACCESS_COARSE_LOCATION", 0.30),
    ("android.permission.ACCESS_FINE_LOCATION", 0.28),
    ("android.permission.RECEIVE_BOOT_COMPLETED", 0.22),
    ("android.permission.FOREGROUND_SERVICE", 0.20),
    ("android.permission.RECORD_AUDIO", 0.12),
    ("android.permission.BLUETOOTH", 0.10),
    ("android.permission.GET_ACCOUNTS", 0.07),
    ("android.permission.REQUEST_INSTALL_PACKAGES", 0.06),
    ("android.permission.SYSTEM_ALERT_WINDOW", 0.02),
    ("android.permission.READ_CONTACTS", 0.05),
    ("android.permission.CALL_PHONE", 0.04),
    ("android.permission.QUERY_ALL_PACKAGES", 0.04),
    ("android.permission.READ_CALENDAR", 0.02),
    ("android.permission.READ_SMS", 0.01),
];

/// Built-in SDK frequencies (ids of the built-in SDK table).
const SEED_SDKS: &[(&str, f64)] = &[
    ("wechat", 0.40),
    ("umeng", 0.35),
    ("bugly", 0.28),
    ("msa_oaid", 0.25),
    ("alipay", 0.20),
    ("amap", 0.18),
    ("pangle", 0.18),
    ("mi_push", 0.18),
    ("hms_push", 0.18),
    ("gdt", 0.14),
    ("oppo_push", 0.14),
    ("vivo_push", 0.14),
    ("qq_connect", 0.14),
    ("jpush", 0.12),
    ("getui", 0.09),
    ("baidu_loc", 0.09),
    ("tencent_beacon", 0.09),
    ("x5", 0.08),
    ("weibo", 0.07),
    ("firebase", 0.07),
    ("kuaishou_ads", 0.05),
    ("sensorsdata", 0.05),
    ("tinker", 0.05),
    ("shumei", 0.04),
    ("geetest", 0.04),
    ("crashlytics", 0.04),
    ("sharesdk", 0.04),
    ("growingio", 0.03),
    ("tongdun", 0.03),
];

/// Target SDK levels and their weights; under 30 is below the CN floor.
const SEED_TARGET_SDKS: &[(u32, f64)] = &[
    (35, 0.22),
    (34, 0.36),
    (33, 0.20),
    (32, 0.05),
    (31, 0.09),
    (30, 0.065),
    (29, 0.01),
    (28, 0.004),
    (26, 0.001),
];

/// Necessary-PI categories whose apps need a sector licence (ride-hailing,
/// payment, lending, medical, games, investment, banking, news): a rule of
/// their own, left out of the draw.
const LICENSED_CATEGORIES: &[u8] = &[2, 5, 12, 15, 18, 23, 24, 30];

/// The pack's data: which PI types a permission collects, and which
/// necessary-PI categories need no PI at all.
const PI_TYPES: &str = include_str!("../../policies/data/pi-types.json");
const PI_SCOPE: &str = include_str!("../../policies/data/necessary-pi-scope.json");
/// Which permissions are runtime, special or store-restricted: each needs
/// a stated purpose.
const PERMISSIONS: &str = include_str!("../../policies/data/android-permissions.json");

/// Weight the corpus carries against the seed table, in apps.
const SEED_WEIGHT: f64 = 200.0;

/// Per-app rates of the flaws the rules look for.
#[derive(Debug, Clone)]
pub struct FlawRates {
    pub debuggable: f64,
    pub missing_purpose: f64,
    pub undeclared_sdk: f64,
    pub cleartext: f64,
    pub allow_backup: f64,
}

impl Default for FlawRates {
    fn default() -> Self {
        FlawRates {
            debuggable: 0.004,
            missing_purpose: 0.05,
            undeclared_sdk: 0.06,
            cleartext: 0.03,
            allow_backup: 0.08,
        }
    }
}

/// The distributions apps are drawn from.
#[derive(Debug, Clone)]
pub struct Distributions {
    pub permissions: Vec<(String, f64)>,
    pub sdks: Vec<(SdkSignature, f64)>,
    pub target_sdks: Vec<(u32, f64)>,
    pub flaws: FlawRates,
    /// APKs of the corpus that were inspected (0: seed table only).
    pub corpus_apks: usize,
}

impl Distributions {
    /// The seed table alone.
    pub fn seed() -> Distributions {
        Distributions::blend(&[])
    }

    /// The seed table blended with the APKs under `dir` (none if absent).
    pub fn from_corpus(dir: &Path) -> Distributions {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Distributions::seed();
        };
        let mut paths: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "apk"))
            .collect();
        paths.sort();
        let inspector = Inspector::new(Limits::default(), SdkTable::builtin());
        let facts: Vec<ApkFacts> = paths
            .iter()
            .filter_map(|p| inspector.inspect_path(p).ok())
            .collect();
        Distributions::blend(&facts)
    }

    fn blend(corpus: &[ApkFacts]) -> Distributions {
        let n = corpus.len() as f64;
        let mix = |seed: f64, seen: usize| (seed * SEED_WEIGHT + seen as f64) / (SEED_WEIGHT + n);
        let mut seen_perms: BTreeMap<&str, usize> = BTreeMap::new();
        let mut seen_sdks: BTreeMap<&str, usize> = BTreeMap::new();
        let mut seen_targets: BTreeMap<u32, usize> = BTreeMap::new();
        for f in corpus {
            for p in f
                .permissions
                .iter()
                .filter(|p| p.starts_with("android.permission."))
            {
                *seen_perms.entry(p).or_default() += 1;
            }
            for s in &f.sdks {
                *seen_sdks.entry(&s.id).or_default() += 1;
            }
            if f.target_sdk > 0 {
                *seen_targets.entry(f.target_sdk).or_default() += 1;
            }
        }
        let mut permissions: BTreeMap<String, f64> = SEED_PERMISSIONS
            .iter()
            .map(|(p, r)| {
                (
                    p.to_string(),
                    mix(*r, seen_perms.get(p).copied().unwrap_or(0)),
                )
            })
            .collect();
        for (p, c) in &seen_perms {
            permissions
                .entry(p.to_string())
                .or_insert_with(|| mix(0.0, *c));
        }
        let table = SdkTable::builtin();
        let sdks = table
            .signatures()
            .iter()
            .filter(|s| !s.code_signature_prefixes.is_empty())
            .map(|s| {
                let seed = SEED_SDKS
                    .iter()
                    .find(|(id, _)| *id == s.id)
                    .map_or(0.002, |(_, r)| *r);
                let rate = mix(seed, seen_sdks.get(s.id.as_str()).copied().unwrap_or(0));
                (s.clone(), rate)
            })
            .collect();
        // Corpus target SDKs are test fixtures, often ancient: they count
        // once each against a seed table weighted as many apps.
        let mut targets: BTreeMap<u32, f64> = SEED_TARGET_SDKS
            .iter()
            .map(|(t, w)| (*t, w * SEED_WEIGHT))
            .collect();
        for (t, c) in seen_targets {
            *targets.entry(t).or_default() += c as f64 * 0.05;
        }
        Distributions {
            permissions: permissions.into_iter().collect(),
            sdks,
            target_sdks: targets.into_iter().collect(),
            flaws: FlawRates::default(),
            corpus_apks: corpus.len(),
        }
    }
}

/// SplitMix64: small, fast, and its sequence is fixed by its definition.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, f64)]) -> Option<T> {
        let total: f64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.unit() * total;
        for (item, w) in items {
            if x < *w {
                return Some(*item);
            }
            x -= w;
        }
        items.last().map(|(i, _)| *i)
    }
}

#[derive(Debug, Clone)]
pub struct PopulateOptions {
    pub apps: u64,
    pub seed: u64,
    /// When the catalogue was imported (submission times).
    pub at: SystemTime,
}

/// Draws apps, one after another, from the distributions.
pub struct Generator {
    dist: Distributions,
    /// Permission → the PI types it collects.
    permission_pi: BTreeMap<String, Vec<String>>,
    /// Necessary-PI categories whose basic function needs no PI.
    no_pi_categories: Vec<u8>,
    /// Necessary-PI categories to draw from, with their Chinese names.
    categories: Vec<(u8, String)>,
    /// Permissions that need a stated purpose.
    sensitive_permissions: Vec<String>,
    /// PI types that are sensitive personal information.
    sensitive_pi: Vec<String>,
    base_facts: ApkFacts,
    base_listing: Listing,
    import_set: PolicySet,
    companies: u64,
    rng: SplitMix64,
}

/// What [`populate`] made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Populated {
    pub apps: u64,
    pub listed: u64,
    pub shelved: u64,
}

impl Generator {
    pub fn new(dist: Distributions, options: &PopulateOptions) -> Result<Generator, String> {
        let base: serde_json::Value =
            serde_json::from_str(BASE).map_err(|e| format!("the pack base: {e}"))?;
        let base_facts: ApkFacts =
            json::from_value(&base["facts"]).map_err(|e| format!("the pack base facts: {e}"))?;
        let base_listing: Listing = json::from_value(&base["listing"])
            .map_err(|e| format!("the pack base listing: {e}"))?;
        let import_set = PolicySet::new(Some("catalogue-import".into()), "populate", Vec::new())
            .map_err(|e| e.to_string())?;
        let pi: serde_json::Value =
            serde_json::from_str(PI_TYPES).map_err(|e| format!("pi-types.json: {e}"))?;
        let permission_pi = serde_json::from_value(pi["permission_pi_types"].clone())
            .map_err(|e| format!("pi-types.json: {e}"))?;
        let scope: serde_json::Value =
            serde_json::from_str(PI_SCOPE).map_err(|e| format!("necessary-pi-scope.json: {e}"))?;
        let no_pi_categories = scope["categories"]
            .as_array()
            .map(|cats| {
                cats.iter()
                    .filter(|c| c["no_pi_required"] == serde_json::Value::Bool(true))
                    .filter_map(|c| c["id"].as_u64().and_then(|id| u8::try_from(id).ok()))
                    .collect()
            })
            .unwrap_or_default();
        let categories = scope["categories"]
            .as_array()
            .map(|cats| {
                cats.iter()
                    .filter_map(|c| {
                        let id = u8::try_from(c["id"].as_u64()?).ok()?;
                        let name = c["name_zh"].as_str()?.to_owned();
                        (!LICENSED_CATEGORIES.contains(&id)).then_some((id, name))
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if categories.is_empty() {
            return Err("necessary-pi-scope.json lists no categories".into());
        }
        let perms: serde_json::Value = serde_json::from_str(PERMISSIONS)
            .map_err(|e| format!("android-permissions.json: {e}"))?;
        let sensitive_permissions = [
            "runtime_permissions",
            "special_permissions",
            "other_sensitive_or_store_restricted",
        ]
        .iter()
        .filter_map(|k| perms[*k].as_array())
        .flatten()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
        let sensitive_pi = pi["generic_pi_types"]
            .as_object()
            .map(|types| {
                types
                    .iter()
                    .filter(|(_, v)| v["sensitive"] == serde_json::Value::Bool(true))
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Generator {
            dist,
            permission_pi,
            no_pi_categories,
            categories,
            sensitive_permissions,
            sensitive_pi,
            base_facts,
            base_listing,
            import_set,
            companies: (options.apps / 3).max(1),
            rng: SplitMix64::new(options.seed),
        })
    }

    /// App number `i`: facts, listing JSON, status and category.
    /// Declares that `by` collects `pi_type`, unless it already does.
    fn collect(sensitive_pi: &[String], l: &mut Listing, pi_type: &str, by: &str, purpose: &str) {
        if l.data_collection
            .iter()
            .any(|d| d.pi_type == pi_type && d.collected_by == by)
        {
            return;
        }
        let sensitive = sensitive_pi.iter().any(|s| s == pi_type);
        l.data_collection.push(DataItem {
            pi_type: pi_type.to_owned(),
            purpose: purpose.to_owned(),
            collected_by: by.to_owned(),
            necessary: false,
            sensitive,
            separate_consent: sensitive,
            // What an SDK collects goes to its operator.
            shared_with: match by.strip_prefix("sdk:") {
                Some(id) => vec![id.to_owned()],
                None => Vec::new(),
            },
            retention: "功能使用期间".into(),
            processed_in_background: false,
            frequency: None,
        });
    }

    pub fn app(&mut self, i: u64) -> (ApkFacts, Listing, AppStatus) {
        let rng = &mut self.rng;
        // Few companies publish many apps, most publish one or two.
        let company = (self.companies as f64 * rng.unit().powi(3)) as u64;
        let package = format!("com.c{company:06}.app{i:07}");
        let developer = format!("第{company}号网络科技有限公司");

        let mut f = self.base_facts.clone();
        let mut l = self.base_listing.clone();
        f.sha256 = hex(&sha2::Sha256::digest(
            format!("shelfgate-populate/{i}/{}", rng.next_u64()).as_bytes(),
        ));
        f.package = package.clone();
        f.version_code = 1 + rng.below(900);
        f.size = 5_000_000 + rng.below(150_000_000);
        let target = rng.weighted(&self.dist.target_sdks).unwrap_or(34);
        f.target_sdk = target;
        f.target_sdk_declared = Some(target);
        f.min_sdk = f.min_sdk.min(target);
        f.application.debuggable = rng.chance(self.dist.flaws.debuggable);
        if rng.chance(self.dist.flaws.cleartext) {
            f.application.uses_cleartext_traffic = Some(true);
            if let Some(ns) = f.application.network_security.as_mut() {
                ns.cleartext_permitted = Some(true);
            }
        }
        if rng.chance(self.dist.flaws.allow_backup) {
            f.application.allow_backup = Some(true);
        }

        // Permissions: the base's, plus draws; each declared with a purpose
        // unless this app forgets one.
        let mut perms: Vec<String> = f.permissions.clone();
        for (p, rate) in &self.dist.permissions {
            if rng.chance(*rate) && !perms.contains(p) {
                perms.push(p.clone());
            }
        }
        perms.sort();
        let forget = rng.chance(self.dist.flaws.missing_purpose);
        let undeclared = perms
            .iter()
            .filter(|p| !l.permissions.iter().any(|d| &d.name == *p))
            .cloned()
            .collect::<Vec<_>>();
        let skip = if forget && !undeclared.is_empty() {
            Some(rng.below(undeclared.len() as u64) as usize)
        } else {
            None
        };
        for (k, p) in undeclared.iter().enumerate() {
            // Normal permissions need no declaration; a PI permission gets
            // an optional feature, a stated purpose and its data item.
            let collects = self.permission_pi.contains_key(p);
            if !(collects || self.sensitive_permissions.contains(p)) || Some(k) == skip {
                continue;
            }
            let short = p.rsplit('.').next().unwrap_or(p);
            let feature = format!("f_{}", short.to_lowercase());
            l.app.features.push(Feature {
                id: feature.clone(),
                name: format!("{short} 相关功能"),
                description: format!("使用 {short} 的可选功能"),
                optional: true,
            });
            l.permissions.push(PermissionDecl {
                name: p.clone(),
                purpose_zh: format!("仅在使用“{short} 相关功能”时申请，用于该功能本身"),
                purpose_en: Some(format!(
                    "asked only when the {short} feature is used, for it"
                )),
                feature_ids: vec![feature],
                necessary_for_basic_function: false,
                requested_when: RequestedWhen::OnFeatureUse,
                declared_by: "app".into(),
            });
            if p.ends_with("REQUEST_INSTALL_PACKAGES") {
                l.behaviour_declarations.self_update = Some(SelfUpdate {
                    method: UpdateMethod::InAppDownload,
                    uses_request_install_packages: true,
                });
            }
            let pi_types = self.permission_pi.get(p).cloned().unwrap_or_default();
            for pi_type in pi_types.iter().take(1) {
                Generator::collect(
                    &self.sensitive_pi,
                    &mut l,
                    pi_type,
                    "app",
                    &format!("{short} 相关功能"),
                );
            }
        }
        f.uses_permissions = perms
            .iter()
            .map(|p| UsesPermission {
                name: p.clone(),
                max_sdk: None,
                sdk23: false,
            })
            .collect();
        f.permissions = perms;

        // Components: an app's own screens and services.
        let screens = 5 + rng.below(40);
        for k in 0..screens {
            f.components.push(Component {
                kind: if k % 7 == 6 {
                    ComponentKind::Service
                } else {
                    ComponentKind::Activity
                },
                name: format!("{package}.ui.Screen{k}"),
                exported: false,
                exported_attr: Some(false),
                permission: None,
                enabled: true,
                process: None,
                foreground_service_type: None,
                intent_actions: Vec::new(),
                intent_filters: Vec::new(),
                authorities: Vec::new(),
                grant_uri_permissions: false,
                target_activity: None,
                meta_data: Vec::new(),
            });
        }

        // SDKs: drawn from the table; each declared in the listing unless
        // this app leaves one out.
        f.sdks.clear();
        l.third_party_sdks.clear();
        l.data_collection.retain(|d| d.collected_by == "app");
        let mut packages: Vec<String> = vec![package.clone(), "androidx.core".into()];
        for k in 0..(10 + rng.below(120)) {
            packages.push(format!("{package}.m{k}"));
        }
        let hide = rng.chance(self.dist.flaws.undeclared_sdk);
        let mut drawn = Vec::new();
        for (sig, rate) in &self.dist.sdks {
            if rng.chance(*rate) {
                drawn.push(sig);
            }
        }
        let hidden = if hide && !drawn.is_empty() {
            Some(rng.below(drawn.len() as u64) as usize)
        } else {
            None
        };
        for (k, sig) in drawn.iter().enumerate() {
            let Some(prefix) = sig.code_signature_prefixes.first() else {
                continue;
            };
            let java = prefix.trim_end_matches('.').to_string();
            packages.push(java.clone());
            f.sdks.push(SdkMatch {
                id: sig.id.clone(),
                name: sig.name.clone(),
                vendor: sig.vendor.clone(),
                categories: sig.categories.clone(),
                version: None,
                evidence: vec![SdkEvidence {
                    kind: "class-prefix".into(),
                    value: prefix.clone(),
                }],
            });
            if Some(k) == hidden {
                continue;
            }
            let is = |c: &str| sig.categories.iter().any(|x| x == c);
            let mut pi_types: Vec<String> = vec!["device_id".into(), "network_info".into()];
            if is("ads") {
                pi_types.push("advertising_id".into());
            }
            if is("crash") {
                pi_types.push("crash_diagnostics".into());
            }
            if is("analytics") || is("attribution") {
                pi_types.push("app_interactions".into());
            }
            if is("location") {
                pi_types.push("approximate_location".into());
                pi_types.push("precise_location".into());
            }
            if is("biometric") {
                pi_types.push("biometric_face".into());
            }
            if is("payment") {
                l.app.contains_iap = true;
            }
            if is("hotfix") {
                l.behaviour_declarations.dynamic_code_loading = Some(DynamicCodeLoading {
                    used: true,
                    purpose: Some("热修复线上缺陷".into()),
                });
            }
            l.third_party_sdks.push(SdkDecl {
                id: sig.id.clone(),
                name: sig.name.clone(),
                vendor: sig.vendor.clone().unwrap_or_else(|| sig.name.clone()),
                version: "1.0.0".into(),
                package_prefixes: vec![java],
                type_: sig
                    .categories
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "other".into()),
                purpose: "实现相应功能".into(),
                pi_types: pi_types.clone(),
                permissions: Vec::new(),
                privacy_policy_url: format!("https://sdk.example.com/{}/privacy", sig.id),
                initialised_after_consent: true,
                processing_role: ProcessingRole::ThirdParty,
            });
            for pi_type in &pi_types {
                Generator::collect(
                    &self.sensitive_pi,
                    &mut l,
                    pi_type,
                    &format!("sdk:{}", sig.id),
                    "SDK 功能",
                );
            }
        }
        packages.sort();
        packages.dedup();
        f.dex.packages = packages;
        f.dex.class_count = 200 + rng.below(20_000) as u32;
        if let Some(file) = f.dex.files.first_mut() {
            file.class_count = f.dex.class_count;
        }

        l.app.package_name = package.clone();
        l.app.version_code = f.version_code;
        let pick = (self.categories.len() as f64 * rng.unit().powf(1.5)) as usize;
        let (category, name) = self
            .categories
            .get(pick)
            .cloned()
            .unwrap_or((7, "餐饮外卖类".into()));
        l.app.store_category = name;
        l.app.necessary_pi_category_id = Some(category);
        if self.no_pi_categories.contains(&category) {
            l.app.login_required_for_basic_function = false;
            for d in &mut l.data_collection {
                d.necessary = false;
            }
        }
        l.developer.name = developer.clone();
        l.privacy.operator_name = developer.clone();
        if let Some(filing) = l.filing.as_mut() {
            filing.filed_package_name = package;
            filing.filing_entity_name = developer.clone();
        }
        if let Some(licences) = l.licences.as_mut() {
            for lic in licences {
                lic.holder = developer.clone();
            }
        }
        let status = if rng.chance(0.04) {
            AppStatus::Shelved
        } else {
            AppStatus::Listed
        };
        (f, l, status)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PopulateError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Generate(String),
}

/// Generates `options.apps` apps and imports them in batches; `progress`
/// is told how many are done after each batch.
pub fn populate(
    store: &dyn Store,
    dist: Distributions,
    options: &PopulateOptions,
    mut progress: impl FnMut(u64),
) -> Result<Populated, PopulateError> {
    let mut gen = Generator::new(dist, options).map_err(PopulateError::Generate)?;
    let mut made = Populated::default();
    let mut i = 0u64;
    while i < options.apps {
        let n = (options.apps - i).min(IMPORT_BATCH as u64);
        let mut apps = Vec::with_capacity(n as usize);
        for k in i..i + n {
            let (facts, listing, status) = gen.app(k);
            let listing_json = json::to_string(&listing).into_bytes();
            let value: serde_json::Value = serde_json::from_slice(&listing_json)
                .map_err(|e| PopulateError::Generate(e.to_string()))?;
            let listing_sha256 = shelfgate_bundle::canonical::sha256_hex(&value)
                .map_err(|e| PopulateError::Generate(e.to_string()))?;
            let verdict = assemble(
                &gen.import_set,
                Vec::new(),
                &Subject {
                    apk_sha256: &facts.sha256,
                    listing_sha256: &listing_sha256,
                    date: "2026-01-01",
                    default_deadline: 5,
                },
            );
            let sdk_ids: Vec<String> = facts.sdks.iter().map(|s| s.id.clone()).collect();
            let category = listing.app.store_category.clone();
            apps.push((facts, listing_json, verdict, sdk_ids, category, status, k));
        }
        let ids: Vec<String> = apps
            .iter()
            .map(|a| format!("populate-{}-{}", options.seed, a.6))
            .collect();
        let imports: Vec<Import<'_>> = apps
            .iter()
            .zip(&ids)
            .map(
                |((facts, listing_json, verdict, sdk_ids, category, status, k), id)| Import {
                    facts,
                    listing_json,
                    submission: NewSubmission {
                        id,
                        package: &facts.package,
                        verdict,
                        status: *status,
                        category: Some(category),
                        sdk_ids,
                        received_at: options.at + Duration::from_millis(*k),
                        idempotency: None,
                    },
                },
            )
            .collect();
        store.import(&imports)?;
        for a in &apps {
            match a.5 {
                AppStatus::Shelved => made.shelved += 1,
                _ => made.listed += 1,
            }
        }
        made.apps += n;
        i += n;
        progress(i);
    }
    Ok(made)
}
