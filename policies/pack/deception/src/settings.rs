//! The `key=value,value` entry lists that platform settings carry (see the
//! crate documentation for the keys).

/// Entries of a setting value: `key=v1,v2` separated by `;` or newlines.
/// Blank entries are skipped; an entry without `=` has no values.
pub fn entries(value: &str) -> Vec<(&str, Vec<&str>)> {
    value
        .split([';', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| match e.split_once('=') {
            Some((k, v)) => (
                k.trim(),
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
            None => (e, Vec::new()),
        })
        .collect()
}
