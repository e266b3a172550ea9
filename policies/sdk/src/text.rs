//! Comparing the free text that listings and certificates carry.
//!
//! Listings are typed by people: entity names differ in spacing and in
//! full- versus half-width brackets, certificate digests come with or
//! without colons, dates with or without a time. These helpers make the
//! comparisons the catalogue means ("equal", "case/colon-insensitive",
//! "before") without each rule inventing its own.

/// An entity or app name reduced for comparison: case folded, whitespace
/// dropped, full-width ASCII variants (`（）`, `Ａ`) mapped to ASCII.
pub fn norm_name(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
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
    let lower = text.to_lowercase();
    words
        .iter()
        .copied()
        .find(|w| lower.contains(&w.to_lowercase()))
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
    fn digests_and_dates() {
        assert_eq!(norm_hex("3A:1F:0c"), "3a1f0c");
        assert_eq!(date_of("2026-11-20T09:30:00+08:00"), Some("2026-11-20"));
        assert_eq!(date_of("20261120"), None);
        assert_eq!(before("2026-01-01", "2026-01-02T00:00:00Z"), Some(true));
        assert_eq!(before("x", "2026-01-02"), None);
    }
}
