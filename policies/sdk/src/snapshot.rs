//! One evaluation's view of the host, fetched lazily.
//!
//! Every host call copies its value across the component boundary (one
//! guest allocation per string and list), so a module should read each
//! part at most once, and only when a rule gets to the point of needing
//! it. [`Snapshot`] does both: each accessor asks the host on first use
//! and keeps the answer for the rest of the evaluation. Keyed queries
//! (`attestation`, `setting`, `api_ref`) are remembered per key.
//!
//! ```ignore
//! fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
//!     let s = Snapshot::new(facts, listing, context);
//!     if s.requests("android.permission.READ_SMS") && s.cn() { /* ... */ }
//!     # vec![]
//! }
//! ```

use core::cell::{OnceCell, RefCell};

use crate::attribution;
use crate::manifest;
use crate::types::{
    ApiRef, AppInfo, Application, BehaviourDeclarations, Component, DataItem, Developer, Filing,
    GooglePlay, Operator, Payload, PermissionDecl, PreviousVersion, Privacy, RegulatorNotice,
    SdkDecl, SdkMatch, Submission, UsesPermission,
};
use crate::{Context, Facts, Identity, Listing, SigningSummary};

/// Answers to keyed host queries, in the order they were asked. A module
/// asks a handful of keys, so a list beats a map in code size and speed.
struct Memo<V>(RefCell<Vec<(String, V)>>);

impl<V: Clone> Memo<V> {
    fn new() -> Self {
        Memo(RefCell::new(Vec::new()))
    }

    fn get(&self, key: &str, fetch: impl FnOnce() -> V) -> V {
        if let Some((_, v)) = self.0.borrow().iter().find(|(k, _)| k == key) {
            return v.clone();
        }
        let v = fetch();
        self.0.borrow_mut().push((key.to_string(), v.clone()));
        v
    }
}

macro_rules! lazy_parts {
    ($($(#[$doc:meta])* $name:ident: $ty:ty = $side:ident.$call:ident;)*) => {
        /// The host's facts, listing and context for one evaluation, each
        /// part fetched on first use (see the module documentation).
        pub struct Snapshot<'a> {
            pub facts: &'a Facts,
            pub listing: &'a Listing,
            pub context: &'a Context,
            $($name: OnceCell<$ty>,)*
            cn: OnceCell<bool>,
            play: OnceCell<bool>,
            attestations: Memo<Option<bool>>,
            settings: Memo<Option<String>>,
        }

        impl<'a> Snapshot<'a> {
            pub fn new(facts: &'a Facts, listing: &'a Listing, context: &'a Context) -> Self {
                Snapshot {
                    facts,
                    listing,
                    context,
                    $($name: OnceCell::new(),)*
                    cn: OnceCell::new(),
                    play: OnceCell::new(),
                    attestations: Memo::new(),
                    settings: Memo::new(),
                }
            }

            $(
                $(#[$doc])*
                pub fn $name(&self) -> &$ty {
                    self.$name.get_or_init(|| self.$side.$call())
                }
            )*
        }
    };
}

lazy_parts! {
    /// `facts.identity`: package, versions, SDK levels.
    identity: Identity = facts.identity;
    /// `facts.permissions`: every `<uses-permission>`.
    permissions: Vec<UsesPermission> = facts.permissions;
    /// `facts.components`.
    components: Vec<Component> = facts.components;
    /// `facts.application`.
    application: Application = facts.application;
    /// `facts.sdks`: the detected SDKs.
    sdks: Vec<SdkMatch> = facts.sdks;
    /// `facts.api-refs`: every sensitive API reference.
    api_refs: Vec<ApiRef> = facts.api_refs;
    /// `facts.payloads`: code outside `classes*.dex`.
    payloads: Vec<Payload> = facts.payloads;
    /// `facts.packers`.
    packers: Vec<String> = facts.packers;
    /// `facts.urls`: URLs in the dex strings.
    urls: Vec<String> = facts.urls;
    /// `facts.signing`.
    signing: SigningSummary = facts.signing;
    /// `listing.app`.
    app: AppInfo = listing.app;
    /// `listing.permissions`: the listing's permission declarations.
    declared: Vec<PermissionDecl> = listing.permissions;
    /// `listing.data-collection`.
    data_collection: Vec<DataItem> = listing.data_collection;
    /// `listing.third-party-sdks`.
    sdk_decls: Vec<SdkDecl> = listing.third_party_sdks;
    /// `listing.privacy`.
    privacy: Privacy = listing.privacy;
    /// `listing.behaviour-declarations`.
    behaviour: BehaviourDeclarations = listing.behaviour_declarations;
    /// `listing.google-play`.
    google_play: Option<GooglePlay> = listing.google_play;
    /// `listing.developer`.
    developer: Developer = listing.developer;
    /// `listing.operator`.
    operator: Option<Operator> = listing.operator;
    /// `listing.filing`.
    filing: Option<Filing> = listing.filing;
    /// `listing.submission`.
    submission: Submission = listing.submission;
    /// `context.previous`: the last accepted version, if any.
    previous: Option<PreviousVersion> = context.previous;
    /// `context.regulator-notices`.
    regulator_notices: Vec<RegulatorNotice> = context.regulator_notices;
}

impl Snapshot<'_> {
    /// The submission is for the Chinese market ([`crate::market::in_cn`]).
    pub fn cn(&self) -> bool {
        *self.cn.get_or_init(|| crate::market::in_cn(self.context))
    }

    /// The submission is bound for Google Play ([`crate::market::targets_play`]).
    pub fn play(&self) -> bool {
        *self
            .play
            .get_or_init(|| crate::market::targets_play(self.context))
    }

    /// Requested permissions Android can grant on some supported device
    /// ([`manifest::usable`]).
    pub fn usable_permissions(&self) -> impl Iterator<Item = &UsesPermission> {
        let min_sdk = self.identity().min_sdk;
        self.permissions()
            .iter()
            .filter(move |p| manifest::usable(p, min_sdk))
    }

    /// The manifest requests `name` and some supported device can grant it.
    pub fn requests(&self, name: &str) -> bool {
        self.usable_permissions().any(|p| p.name == name)
    }

    /// The manifest names `name` at all (whatever its `maxSdkVersion`).
    pub fn names_permission(&self, name: &str) -> bool {
        self.permissions().iter().any(|p| p.name == name)
    }

    /// The listing's declaration of `permission`.
    pub fn declaration(&self, permission: &str) -> Option<&PermissionDecl> {
        self.declared().iter().find(|d| d.name == permission)
    }

    /// The SDK the listing says brought `permission` in (`declared_by:
    /// sdk:<id>`).
    pub fn declared_sdk(&self, permission: &str) -> Option<&str> {
        self.declaration(permission)
            .and_then(attribution::declared_sdk)
    }

    /// The detected SDK with this id.
    pub fn sdk(&self, id: &str) -> Option<&SdkMatch> {
        self.sdks().iter().find(|s| s.id == id)
    }

    /// The listing's `third_party_sdks` entry for a detected SDK
    /// ([`attribution::declaration_of`]).
    pub fn sdk_decl(&self, sdk: &SdkMatch) -> Option<&SdkDecl> {
        attribution::declaration_of(sdk, self.sdk_decls())
    }

    /// Every reference the dex code makes for catalogue key `key`, one per
    /// method.
    pub fn refs<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s ApiRef> + 's {
        self.api_refs().iter().filter(move |r| r.key == key)
    }

    /// Whether the dex code references catalogue key `key` at all.
    pub fn references(&self, key: &str) -> bool {
        self.refs(key).next().is_some()
    }

    /// The sampled callers of every reference for `key`, in the host's
    /// order.
    pub fn callers(&self, key: &str) -> Vec<String> {
        self.refs(key)
            .flat_map(|r| r.callers.iter().cloned())
            .collect()
    }

    /// The listing's attestation `id` (`None` when it carries none).
    pub fn attestation(&self, id: &str) -> Option<bool> {
        self.attestations.get(id, || self.listing.attestation(id))
    }

    /// Whether the listing attests `id` as true.
    pub fn attested(&self, id: &str) -> bool {
        self.attestation(id) == Some(true)
    }

    /// The attestation's value as evidence JSON (`null` when absent).
    pub fn attestation_value(&self, id: &str) -> String {
        self.attestation(id)
            .map_or_else(crate::json::null, crate::json::bool)
    }

    /// A platform setting (`context.setting`).
    pub fn setting(&self, key: &str) -> Option<String> {
        self.settings.get(key, || self.context.setting(key))
    }
}
