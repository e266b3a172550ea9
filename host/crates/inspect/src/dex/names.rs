//! Class names of a whole APK, kept in one text buffer.
//!
//! A large app defines and references over 100,000 classes. One `String`
//! per name would be as many allocations; here the names share a buffer and
//! are addressed by their end offsets, sorted once when indexing ends.

use std::cmp::Ordering;
use std::ops::Range;

/// Names appended in any order, possibly repeated.
#[derive(Debug, Default)]
pub(crate) struct NameBuf {
    text: String,
    ends: Vec<usize>,
}

impl NameBuf {
    /// Append a class name given in internal form (`com/a/B`), dotted.
    pub(crate) fn push_internal(&mut self, class: &str) {
        self.text
            .extend(class.chars().map(|c| if c == '/' { '.' } else { c }));
        self.ends.push(self.text.len());
    }

    /// Names appended so far; used to roll back a file that failed.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        self.ends.truncate(len);
        let end = len.checked_sub(1).and_then(|i| self.ends.get(i)).copied();
        self.text.truncate(end.unwrap_or(0));
    }

    fn ranges(&self) -> impl ExactSizeIterator<Item = Range<usize>> + '_ {
        (0..self.ends.len()).map(|i| {
            let start = i.checked_sub(1).and_then(|p| self.ends.get(p)).copied();
            start.unwrap_or(0)..self.ends.get(i).copied().unwrap_or(0)
        })
    }

    /// Sorted and deduplicated.
    pub(crate) fn sorted(self) -> Names {
        let mut ranges: Vec<Range<usize>> = self.ranges().collect();
        let at = |r: &Range<usize>| self.text.get(r.clone()).unwrap_or_default();
        ranges.sort_unstable_by(|a, b| at(a).cmp(at(b)));
        ranges.dedup_by(|a, b| at(a) == at(b));
        let mut out = NameBuf::default();
        out.text.reserve(ranges.iter().map(|r| r.len()).sum());
        out.ends.reserve(ranges.len());
        for r in &ranges {
            out.text.push_str(at(r));
            out.ends.push(out.text.len());
        }
        Names(out)
    }
}

/// Sorted, distinct names.
#[derive(Debug, Default)]
pub(crate) struct Names(NameBuf);

impl Names {
    pub(crate) fn len(&self) -> usize {
        self.0.ends.len()
    }

    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.0
            .ranges()
            .map(|r| self.0.text.get(r).unwrap_or_default())
    }

    fn get(&self, i: usize) -> &str {
        let start = i.checked_sub(1).and_then(|p| self.0.ends.get(p)).copied();
        let end = self.0.ends.get(i).copied().unwrap_or(0);
        self.0.text.get(start.unwrap_or(0)..end).unwrap_or_default()
    }

    /// First index whose name is not below `key`.
    fn lower_bound(&self, key: &str) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.get(mid).cmp(key) {
                Ordering::Less => lo = mid + 1,
                _ => hi = mid,
            }
        }
        lo
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        let i = self.lower_bound(name);
        i < self.len() && self.get(i) == name
    }

    pub(crate) fn has_prefix(&self, prefix: &str) -> bool {
        let i = self.lower_bound(prefix);
        i < self.len() && self.get(i).starts_with(prefix)
    }

    /// Names of `self` that are not in `other`.
    pub(crate) fn minus(self, other: &Names) -> Names {
        let mut out = NameBuf::default();
        let mut theirs = other.iter().peekable();
        for name in self.iter() {
            while theirs.next_if(|t| *t < name).is_some() {}
            if theirs.peek() != Some(&name) {
                out.text.push_str(name);
                out.ends.push(out.text.len());
            }
        }
        Names(out)
    }
}

/// Every class name an APK's dex code defines or references, dotted
/// (`com.umeng.analytics.MobclickAgent`, inner classes with `$`).
#[derive(Debug, Default)]
pub struct ClassSet {
    pub(crate) defined: Names,
    /// Referenced and not defined anywhere.
    pub(crate) referenced: Names,
}

impl ClassSet {
    /// A set from dotted class names, e.g. facts recorded elsewhere or a
    /// test fixture. Names listed as both defined and referenced count as
    /// defined.
    pub fn from_names<'a>(
        defined: impl IntoIterator<Item = &'a str>,
        referenced: impl IntoIterator<Item = &'a str>,
    ) -> ClassSet {
        let mut d = NameBuf::default();
        defined.into_iter().for_each(|n| d.push_internal(n));
        let mut r = NameBuf::default();
        referenced.into_iter().for_each(|n| r.push_internal(n));
        let defined = d.sorted();
        let referenced = r.sorted().minus(&defined);
        ClassSet {
            defined,
            referenced,
        }
    }

    /// Defined classes, sorted.
    pub fn defined(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.defined.iter()
    }

    /// Classes referenced but defined by no dex file, sorted.
    pub fn referenced(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.referenced.iter()
    }

    /// Whether a class of this name is defined.
    pub fn is_defined(&self, name: &str) -> bool {
        self.defined.contains(name)
    }

    /// Whether any defined or referenced class starts with `prefix`,
    /// written dotted (`com.umeng.`) or slashed (`com/umeng/`).
    pub fn has_prefix(&self, prefix: &str) -> bool {
        let dotted = prefix.replace('/', ".");
        self.defined.has_prefix(&dotted) || self.referenced.has_prefix(&dotted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Names {
        let mut buf = NameBuf::default();
        for n in list {
            buf.push_internal(n);
        }
        buf.sorted()
    }

    #[test]
    fn sorted_dedup_and_queries() {
        let n = names(&["com/b/C", "com/a/B", "com/b/C", "a/A"]);
        assert_eq!(n.iter().collect::<Vec<_>>(), ["a.A", "com.a.B", "com.b.C"]);
        assert!(n.contains("com.a.B"));
        assert!(!n.contains("com.a"));
        assert!(n.has_prefix("com.a."));
        assert!(!n.has_prefix("com.c"));
        assert!(!names(&[]).contains(""));
        let m = n.minus(&names(&["com/a/B", "z/Z"]));
        assert_eq!(m.iter().collect::<Vec<_>>(), ["a.A", "com.b.C"]);
    }

    #[test]
    fn truncate_rolls_back() {
        let mut buf = NameBuf::default();
        buf.push_internal("a/A");
        let keep = buf.len();
        buf.push_internal("b/B");
        buf.truncate(keep);
        buf.push_internal("c/C");
        assert_eq!(buf.sorted().iter().collect::<Vec<_>>(), ["a.A", "c.C"]);
    }
}
