//! The listing's account of who is behind the app, which most
//! platform-duty rules read through the SDK's [`Snapshot`] (fetched on
//! first use, once per evaluation).

use shelfgate_policy_sdk::prelude::*;

/// What the rules of this module read: the shared snapshot.
pub type Parties<'a> = Snapshot<'a>;

/// `name` is the developer's or the declared operator's.
pub fn is_developer_or_operator(parties: &Parties, name: &str) -> bool {
    text::same_name(name, &parties.developer().name)
        || parties
            .operator()
            .as_ref()
            .is_some_and(|o| text::same_name(name, &o.name))
}
