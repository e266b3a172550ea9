//! Versioned schema migrations.
//!
//! Migrations are the numbered SQL files under `migrations/`, compiled in.
//! Each is applied in its own transaction (SQLite's DDL is transactional, so
//! a failed migration leaves the previous schema intact) and recorded in
//! `schema_migrations` with the sha256 of its SQL. Opening a database that
//! a newer build migrated is refused rather than risked, and so is one
//! whose recorded migration differs from this build's.

use std::path::Path;
use std::time::SystemTime;

use rusqlite::{params, Connection, OptionalExtension as _, TransactionBehavior};
use sha2::{Digest, Sha256};

use super::columns::millis;
use crate::{Result, StoreError};

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_initial",
        sql: include_str!("../../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "0002_recheck_previous",
        sql: include_str!("../../migrations/0002_recheck_previous.sql"),
    },
    Migration {
        version: 3,
        name: "0003_app_sdks_package",
        sql: include_str!("../../migrations/0003_app_sdks_package.sql"),
    },
    Migration {
        version: 4,
        name: "0004_jobs",
        sql: include_str!("../../migrations/0004_jobs.sql"),
    },
    Migration {
        version: 5,
        name: "0005_decoded_copies",
        sql: include_str!("../../migrations/0005_decoded_copies.sql"),
    },
    Migration {
        version: 6,
        name: "0006_verdict_inputs_short",
        sql: include_str!("../../migrations/0006_verdict_inputs_short.sql"),
    },
];

/// Brings the database at `path` up to this build's schema.
pub(crate) fn migrate(conn: &mut Connection, path: &Path, now: SystemTime) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             sha256     TEXT NOT NULL,
             applied_at INTEGER NOT NULL
         )",
    )?;
    let supported = MIGRATIONS.last().map_or(0, |m| m.version);
    let found: Option<i64> =
        conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })?;
    if let Some(found) = found.filter(|v| *v > supported) {
        return Err(StoreError::SchemaTooNew {
            path: path.to_owned(),
            found,
            supported,
        });
    }
    for migration in MIGRATIONS {
        let digest = sha256_hex(migration.sql);
        // Immediate: two processes opening a fresh database at once must not
        // both apply the same migration.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let applied: Option<String> = tx
            .query_row(
                "SELECT sha256 FROM schema_migrations WHERE version = ?1",
                [migration.version],
                |r| r.get(0),
            )
            .optional()?;
        match applied {
            Some(recorded) if recorded == digest => {}
            Some(_) => {
                return Err(StoreError::MigrationChanged {
                    version: migration.version,
                })
            }
            None => {
                tx.execute_batch(migration.sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, sha256, applied_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![migration.version, migration.name, digest, millis(now)],
                )?;
            }
        }
        tx.commit()?;
    }
    Ok(())
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
