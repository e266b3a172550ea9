//! Helpers over the SDK's [`Snapshot`], which reads the host lazily and
//! at most once per evaluation.

use shelfgate_policy_sdk::prelude::*;

/// What the rules of this module read: the shared snapshot.
pub type Input<'a> = Snapshot<'a>;

/// Who is responsible, in messages: `Pangle (pangle) ` or `The app `.
pub fn owner_label(input: &Input, sdk: Option<&str>) -> (String, String) {
    match sdk {
        Some(id) => {
            let name = input.sdk(id).map_or(id, |s| s.name.as_str());
            (format!("{name} ({id})"), format!("{name}（{id}）"))
        }
        None => ("The app".to_string(), "应用".to_string()),
    }
}
