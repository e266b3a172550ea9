//! Version ranges of the host's SDK blocklist.
//!
//! A range is a comma-separated list of comparisons that must all hold:
//! `<5.2.0`, `<=5.1.9`, `>=4.0`, `>1`, `=4.3.1` or a bare version (equal);
//! `*` or an empty range means every version. Versions compare by their
//! dot-separated parts, numerically where both parts are numbers
//! (`4.10 > 4.9`), as text otherwise; missing parts count as zero.

use std::cmp::Ordering;

/// Whether `version` lies in `range`; `None` when the range cannot be read.
pub fn in_range(version: &str, range: &str) -> Option<bool> {
    let range = range.trim();
    if range.is_empty() || range == "*" {
        return Some(true);
    }
    for part in range.split(',').map(str::trim) {
        let (ops, bound): (&[Ordering], &str) = if let Some(b) = part.strip_prefix("<=") {
            (&[Ordering::Less, Ordering::Equal], b)
        } else if let Some(b) = part.strip_prefix(">=") {
            (&[Ordering::Greater, Ordering::Equal], b)
        } else if let Some(b) = part.strip_prefix('<') {
            (&[Ordering::Less], b)
        } else if let Some(b) = part.strip_prefix('>') {
            (&[Ordering::Greater], b)
        } else {
            (&[Ordering::Equal], part.strip_prefix('=').unwrap_or(part))
        };
        let bound = bound.trim();
        if bound.is_empty() {
            return None;
        }
        if !ops.contains(&compare(version, bound)) {
            return Some(false);
        }
    }
    Some(true)
}

/// Whether `range` covers every version.
pub fn all_versions(range: &str) -> bool {
    matches!(range.trim(), "" | "*")
}

fn compare(a: &str, b: &str) -> Ordering {
    let mut a = a.trim().trim_start_matches(['v', 'V']).split('.');
    let mut b = b.trim().trim_start_matches(['v', 'V']).split('.');
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (x, y) => {
                let (x, y) = (x.unwrap_or("0"), y.unwrap_or("0"));
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(in_range("4.3.1", "<5.0.0"), Some(true));
        assert_eq!(in_range("5.0", "<5.0.0"), Some(false));
        assert_eq!(in_range("4.10", ">=4.9,<4.11"), Some(true));
        assert_eq!(in_range("4.3.1", "4.3.1"), Some(true));
        assert_eq!(in_range("4.3.1", "=4.3.2"), Some(false));
        assert_eq!(in_range("1.0", "*"), Some(true));
        assert_eq!(in_range("1.0", "<"), None);
        assert!(all_versions(" * "));
    }
}
