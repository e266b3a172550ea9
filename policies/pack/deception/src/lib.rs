//! Deceiving and misleading users (catalogue area 3; MIIT-2020-164 issue
//! types 7-10): installing other apps, loading code the review never saw,
//! trading rewards for ID numbers and biometrics, impersonation, and
//! listings that do not describe the binary.
//!
//! | rule | file |
//! |---|---|
//! | DECEIVE-INSTALL-023 silent or forced installs | [`install`] |
//! | DECEIVE-DYNCODE-024 downloaded or loaded code | [`dyncode`] |
//! | DECEIVE-PI-025 rewards for ID numbers or biometrics | [`reward`] |
//! | DECEIVE-IDENT-026 impersonation and copycats | [`ident`] |
//! | DECEIVE-META-027 listing metadata matches the binary | [`meta`] |
//! | DECEIVE-DECL-028 declared data practices vs capabilities | [`decl`] |
//!
//! Settings read (`context.setting`); each, when present, replaces the
//! built-in default of `shelfgate_pack_data::identity` (defaults are from
//! memory and their findings say so):
//! - `deceive.protected_namespaces`: entries `prefix=sha256[,sha256...]`
//!   separated by `;` or newlines. A package under `prefix` (a dotted prefix
//!   ending in `.`, or an exact package name) must be signed by one of the
//!   listed certificates; an empty list reserves the namespace entirely.
//! - `deceive.protected_app_names`: entries `name=prefix[,prefix...]`: an
//!   app called `name` (or a name starting with it) must lie in one of the
//!   owner's namespaces.
//! - `deceive.protected_icons`: entries `icon_sha256=prefix[,prefix...]`
//!   (no default): a listing icon identical to a protected app's must lie in
//!   one of its owner's namespaces.
//!
//! Per-rule deadlines come through `context.deadline_for`.

use shelfgate_policy_sdk::prelude::*;

mod decl;
mod dyncode;
mod ident;
mod install;
mod meta;
mod reward;
mod settings;

struct Deception;

impl Policy for Deception {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "deception".into(),
            version: "0.1.0".into(),
            title: "Deceiving and misleading users".into(),
            rules: [
                install::RULE,
                dyncode::RULE,
                reward::RULE,
                ident::RULE,
                meta::RULE,
                decl::RULE,
            ]
            .iter()
            .map(|r| r.id.to_string())
            .collect(),
            reads: [
                "manifest",
                "dex",
                "sdk",
                "signing",
                "container",
                "native",
                "listing",
                "context",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            data_sources: shelfgate_policy_sdk::source::data_sources(&[
                shelfgate_pack_data::identity::SOURCE,
                shelfgate_pack_data::lexicon::SOURCE,
                shelfgate_pack_data::data_safety::SOURCE,
            ]),
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let s = Snapshot::new(facts, listing, context);
        install::check(&s, &mut out);
        dyncode::check(&s, &mut out);
        reward::check(&s, &mut out);
        ident::check(&s, &mut out);
        meta::check(&s, &mut out);
        decl::check(&s, &mut out);
        out
    }
}

/// Who a finding is about, in its messages: `SDK x` / `SDK x ` or the app.
fn who(owner: Option<&str>) -> (String, String) {
    match owner {
        Some(id) => (format!("SDK {id}"), format!("SDK {id} ")),
        None => ("The app".into(), "应用".into()),
    }
}

/// The app's listed name and its localisations.
fn listed_names(app: &shelfgate_policy_sdk::types::AppInfo) -> Vec<&str> {
    let localised = app.name_localised.iter().flatten();
    core::iter::once(app.name.as_str())
        .chain(localised.map(|l| l.value.as_str()))
        .collect()
}

shelfgate_policy_sdk::export_policy!(Deception);
