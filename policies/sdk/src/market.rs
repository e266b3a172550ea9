//! Which markets and stores a submission is bound for.
//!
//! The catalogue splits many rules by market: CN-only parts apply when the
//! context's markets contain `CN`, Google Play parts when its target stores
//! contain `google_play`. Keeping the spelling here keeps every module
//! gating the same way.

use crate::Context;

/// The submission is for the Chinese market.
pub fn in_cn(context: &Context) -> bool {
    context.markets().iter().any(|m| m == "CN")
}

/// The submission is bound for Google Play.
pub fn targets_play(context: &Context) -> bool {
    context.target_stores().iter().any(|s| s == "google_play")
}
