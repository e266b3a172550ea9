//! The data tables a module ships, as its metadata names them.
//!
//! A table's name, version and confidence belong next to the table (in
//! the pack's data crate), not spelled out again in every module that
//! reads it: [`Source`] is `const`, so a table declares its own.

use crate::{Confidence, DataSource};

/// A shipped data table: what `policy-metadata.data-sources` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub name: &'static str,
    pub version: &'static str,
    /// How sure the table's content is (regulation-sources.md).
    pub confidence: Confidence,
}

impl Source {
    pub const fn new(name: &'static str, version: &'static str, confidence: Confidence) -> Self {
        Source {
            name,
            version,
            confidence,
        }
    }
}

impl From<Source> for DataSource {
    fn from(s: Source) -> Self {
        DataSource {
            name: s.name.to_string(),
            version: s.version.to_string(),
            confidence: s.confidence,
        }
    }
}

/// The metadata list of `sources`.
pub fn data_sources(sources: &[Source]) -> Vec<DataSource> {
    sources.iter().map(|s| DataSource::from(*s)).collect()
}
