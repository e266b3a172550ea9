//! Versioned migrations: from empty, reopened, and refused when newer.

use shelfgate_store::{SqliteStore, StoreError, StoreOptions};

use crate::support::{open, raw};

#[test]
fn migrates_from_empty_and_reopens() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let conn = raw(&store);
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // Every migration this build knows, in order (4 is the jobs table).
    assert!(versions.starts_with(&[1, 2, 3, 4]), "{versions:?}");
    assert!(versions.windows(2).all(|w| w[0] < w[1]));
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(store);
    // Reopening applies nothing twice.
    let _again = open(tmp.path());
    let count: i64 = conn
        .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, versions.len() as i64);
}

#[test]
fn refuses_a_newer_database() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    raw(&store)
        .execute(
            "INSERT INTO schema_migrations (version, name, sha256, applied_at)
             VALUES (99, '0099_future', 'x', 0)",
            [],
        )
        .unwrap();
    drop(store);
    match SqliteStore::open(tmp.path(), StoreOptions::default()) {
        Err(StoreError::SchemaTooNew {
            found, supported, ..
        }) => {
            assert_eq!(found, 99);
            assert!(supported >= 4, "{supported}");
        }
        other => panic!("expected SchemaTooNew, got {:?}", other.err()),
    }
}

#[test]
fn refuses_a_migration_applied_from_other_sql() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    raw(&store)
        .execute(
            "UPDATE schema_migrations SET sha256 = 'edited' WHERE version = 1",
            [],
        )
        .unwrap();
    drop(store);
    match SqliteStore::open(tmp.path(), StoreOptions::default()) {
        Err(StoreError::MigrationChanged { version: 1 }) => {}
        other => panic!("expected MigrationChanged, got {:?}", other.err()),
    }
}
