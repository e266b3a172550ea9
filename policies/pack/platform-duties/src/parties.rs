//! The listing's own account of the app and who is behind it, which most
//! platform-duty rules read: fetched from the host once per evaluation.

use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{AppInfo, Developer, Filing, Operator, Privacy};

pub struct Parties {
    pub app: AppInfo,
    pub developer: Developer,
    pub operator: Option<Operator>,
    pub filing: Option<Filing>,
    pub privacy: Privacy,
}

impl Parties {
    pub fn gather(listing: &Listing) -> Parties {
        Parties {
            app: listing.app(),
            developer: listing.developer(),
            operator: listing.operator(),
            filing: listing.filing(),
            privacy: listing.privacy(),
        }
    }

    /// `name` is the developer's or the declared operator's.
    pub fn is_developer_or_operator(&self, name: &str) -> bool {
        text::same_name(name, &self.developer.name)
            || self
                .operator
                .as_ref()
                .is_some_and(|o| text::same_name(name, &o.name))
    }
}
