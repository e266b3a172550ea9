//! Comparing the free text that listings and certificates carry.
//!
//! Listings are typed by people: entity names differ in spacing and in
//! full- versus half-width brackets, certificate digests come with or
//! without colons, dates with or without a time. These helpers make the
//! comparisons the catalogue means ("equal", "case/colon-insensitive",
//! "before") without each rule inventing its own.

use std::borrow::Cow;

/// An entity or app name reduced for comparison: case folded, whitespace
/// dropped, full-width ASCII variants (`（）`, `Ａ`) mapped to ASCII.
pub fn norm_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| !c.is_whitespace()) {
        let c = match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if caseless(c) {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Whether two names are the same after [`norm_name`]; empty names never are.
pub fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (norm_name(a), norm_name(b));
    !a.is_empty() && a == b
}

/// A hex digest without separators, lower case (`3A:1F:..` -> `3a1f..`).
pub fn norm_hex(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_hexdigit())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The `YYYY-MM-DD` date at the start of a date or date-time.
pub fn date_of(s: &str) -> Option<&str> {
    let d = s.trim().get(..10)?;
    let b = d.as_bytes();
    let digits =
        |r: core::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    (digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10))
    .then_some(d)
}

/// `a` is a strictly earlier day than `b`; `None` when either is no date.
pub fn before(a: &str, b: &str) -> Option<bool> {
    Some(date_of(a)? < date_of(b)?)
}

/// The first of `words` that `text` contains, case-insensitively.
pub fn find_any<'w>(text: &str, words: &[&'w str]) -> Option<&'w str> {
    Folded::new(text).find_any(words)
}

/// A text lower-cased once for several [`find_any`]-style searches.
pub struct Folded<'a>(Cow<'a, str>);

impl<'a> Folded<'a> {
    pub fn new(text: &'a str) -> Self {
        Folded(fold(text))
    }

    /// The first of `words` that the text contains, case-insensitively.
    pub fn find_any<'w>(&self, words: &[&'w str]) -> Option<&'w str> {
        words
            .iter()
            .copied()
            .find(|w| self.0.contains(fold(w).as_ref()))
    }
}

/// `s` lower-cased, borrowed when lower-casing changes nothing (word lists
/// are written in lower case; Chinese has no case), so a search allocates
/// only for text that needs it.
fn fold(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| !b.is_ascii_uppercase()) && (s.is_ascii() || s.chars().all(caseless)) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// Lower-casing leaves `c` as it is. CJK and Hangul, most of what listings
/// hold, are answered without the Unicode case table: a lookup per
/// character per word was most of a listing-text rule's time.
fn caseless(c: char) -> bool {
    let cp = c as u32;
    if c.is_ascii() {
        return !c.is_ascii_uppercase();
    }
    // CJK radicals to CJK unified ideographs, and Hangul syllables: no
    // cased letters.
    if (0x2E80..=0x9FFF).contains(&cp) || (0xAC00..=0xD7A3).contains(&cp) {
        return true;
    }
    let mut lower = c.to_lowercase();
    lower.next() == Some(c) && lower.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(same_name(
            "示例（北京）科技 有限公司",
            "示例(北京)科技有限公司"
        ));
        assert!(same_name("Example Ltd", "example ltd"));
        assert!(!same_name("", ""));
    }

    #[test]
    fn words_case_insensitively() {
        assert_eq!(
            find_any("Earn POINTS now", &["reward", "points"]),
            Some("points")
        );
        assert_eq!(find_any("实名认证领红包", &["红包"]), Some("红包"));
        assert_eq!(find_any("ΣΟΦΊΑ", &["σοφία"]), Some("σοφία"));
        assert_eq!(find_any("Cash Back", &["Cash back"]), Some("Cash back"));
        assert_eq!(find_any("nothing here", &["reward"]), None);
        assert_eq!(find_any("ÉCOLE 红包", &["école"]), Some("école"));
        for c in [
            '\u{2E80}', '\u{3042}', '\u{4E00}', '\u{9FFF}', '\u{AC00}', '\u{D7A3}', 'A', 'É', 'Σ',
        ] {
            let lowered: String = c.to_lowercase().collect();
            assert_eq!(caseless(c), lowered == c.to_string(), "{c}");
        }
    }

    #[test]
    fn caseless_ranges_really_have_no_case() {
        for cp in (0x2E80..=0x9FFF).chain(0xAC00..=0xD7A3) {
            if let Some(c) = char::from_u32(cp) {
                let lowered: String = c.to_lowercase().collect();
                assert_eq!(lowered, c.to_string(), "U+{cp:04X}");
            }
        }
    }

    #[test]
    fn digests_and_dates() {
        assert_eq!(norm_hex("3A:1F:0c"), "3a1f0c");
        assert_eq!(date_of("2026-11-20T09:30:00+08:00"), Some("2026-11-20"));
        assert_eq!(date_of("20261120"), None);
        assert_eq!(before("2026-01-01", "2026-01-02T00:00:00Z"), Some(true));
        assert_eq!(before("x", "2026-01-02"), None);
    }
}
