//! Why a store operation failed.
//!
//! Callers branch on [`StoreError::Conflict`] (an idempotency key reused for
//! another request, a duplicate id, a case that moved meanwhile),
//! [`StoreError::NotFound`] and [`StoreError::Invalid`]; everything else is
//! an internal failure to log.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid value: {0}")]
    Invalid(String),
    #[error(
        "the database at `{}` has schema version {found}, newer than this \
         build's {supported}: upgrade shelfgate",
        path.display()
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("migration {version} was applied from different SQL than this build's")]
    MigrationChanged { version: i64 },
    #[error("stored {what} is corrupt: {reason}")]
    Corrupt { what: String, reason: String },
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("failed to access `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { path, source }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
