//! Phrases and keywords the rules look for in the free text of a listing
//! (`policies/data/listing-text.json`).

use shelfgate_policy_sdk::{Confidence, Source};

/// The phrase lists of this module (`policies/data/listing-text.json`).
pub const SOURCE: Source = Source::new("listing-text", "1", Confidence::Memory);

/// Whether a stated purpose is boiler-plate that names no feature
/// ("to improve user experience"; ID-METHOD-2019 IV.5).
pub fn is_boilerplate(purpose: &str) -> bool {
    let p = purpose.trim().to_lowercase();
    let p = p
        .trim_start_matches("to ")
        .trim_end_matches(['.', '。', '!', '！']);
    crate::BOILERPLATE
        .iter()
        .any(|b| p == *b || (p.contains(b) && p.chars().count() <= b.chars().count() + 6))
}

/// The necessary-PI category (1..=39) a free-text store category suggests:
/// the one of the longest keyword it contains (keywords from memory).
pub fn category_hint(store_category: &str) -> Option<u32> {
    let text = store_category.to_lowercase();
    crate::STORE_CATEGORY_HINTS
        .iter()
        .filter(|(word, _)| text.contains(word))
        .max_by_key(|(word, _)| word.chars().count())
        .map(|(_, id)| *id)
}

/// Whether a store category lets a core feature see every installed app
/// (Google Play QUERY_ALL_PACKAGES permitted uses).
pub fn installed_apps_core(category_id: Option<u32>, store_category: &str) -> bool {
    category_id.is_some_and(|id| crate::INSTALLED_APPS_CORE_CATEGORIES.contains(&id))
        || contains_any(store_category, crate::INSTALLED_APPS_CORE_KEYWORDS)
}

/// Whether a store category is one whose apps may administer the device
/// (device management, security, anti-theft, parental control).
pub fn device_admin_category(category_id: Option<u32>, store_category: &str) -> bool {
    category_id.is_some_and(|id| crate::DEVICE_ADMIN_CATEGORIES.contains(&id))
        || contains_any(store_category, crate::DEVICE_ADMIN_KEYWORDS)
}

fn contains_any(text: &str, words: &[&str]) -> bool {
    let text = text.to_lowercase();
    words.iter().any(|w| text.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boilerplate() {
        assert!(is_boilerplate("To improve user experience."));
        assert!(is_boilerplate("为了提升用户体验"));
        assert!(!is_boilerplate("拍照上传评价图片"));
    }

    #[test]
    fn category_hints() {
        assert_eq!(category_hint("美食/外卖"), Some(7));
        assert_eq!(category_hint("短视频"), Some(29));
        assert_eq!(category_hint("Maps & Navigation"), Some(1));
        assert_eq!(category_hint("Productivity"), None);
    }
}
