//! The facts and listing parts several deception rules read, fetched from
//! the host once per evaluation (every host call copies its value across
//! the component boundary).

use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{
    ApiRef, AppInfo, BehaviourDeclarations, DataItem, GooglePlay, Payload, PermissionDecl,
    SdkMatch, UsesPermission,
};
use shelfgate_policy_sdk::Identity;

pub struct Input {
    pub id: Identity,
    pub permissions: Vec<UsesPermission>,
    pub sdks: Vec<SdkMatch>,
    pub api_refs: Vec<ApiRef>,
    pub payloads: Vec<Payload>,
    pub app: AppInfo,
    /// `listing.permissions`.
    pub declared: Vec<PermissionDecl>,
    pub behaviour: BehaviourDeclarations,
    pub data_collection: Vec<DataItem>,
    pub google_play: Option<GooglePlay>,
    pub cn: bool,
    pub play: bool,
}

impl Input {
    pub fn gather(facts: &Facts, listing: &Listing, context: &Context) -> Input {
        Input {
            id: facts.identity(),
            permissions: facts.permissions(),
            sdks: facts.sdks(),
            api_refs: facts.api_refs(),
            payloads: facts.payloads(),
            app: listing.app(),
            declared: listing.permissions(),
            behaviour: listing.behaviour_declarations(),
            data_collection: listing.data_collection(),
            google_play: listing.google_play(),
            cn: market::in_cn(context),
            play: market::targets_play(context),
        }
    }

    /// The manifest requests `name` and Android can grant it on a supported
    /// device (a `maxSdkVersion` below minSdk never is).
    pub fn requests(&self, name: &str) -> bool {
        self.permissions
            .iter()
            .any(|p| p.name == name && manifest::usable(p, self.id.min_sdk))
    }

    /// The manifest names `name` at all.
    pub fn names_permission(&self, name: &str) -> bool {
        self.permissions.iter().any(|p| p.name == name)
    }

    /// Every reference the dex code makes for catalogue key `key`.
    pub fn refs<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a ApiRef> + 'a {
        self.api_refs.iter().filter(move |r| r.key == key)
    }

    /// The SDK the listing says brought `permission` in.
    pub fn declaring_sdk(&self, permission: &str) -> Option<String> {
        self.declared
            .iter()
            .find(|d| d.name == permission)
            .and_then(attribution::declared_sdk)
            .map(str::to_string)
    }
}
