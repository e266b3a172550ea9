//! Versioned migrations: from empty, reopened, and refused when newer.

use shelfgate_contract::types::Decision;
use shelfgate_store::{SqliteStore, Store, StoreError, StoreOptions, VerdictKey};

use crate::support::{open, raw, submit, Upload};

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

/// The history's rows: seq, package, digests, decision and stored body.
type HistoryRow = (i64, String, String, String, String, String, Vec<u8>);

fn history_rows(conn: &rusqlite::Connection) -> Vec<HistoryRow> {
    conn.prepare(
        "SELECT seq, package, apk_sha256, listing_sha256, policy_set_digest, decision, body
         FROM verdict_history ORDER BY seq",
    )
    .unwrap()
    .query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn indexes(conn: &rusqlite::Connection) -> Vec<String> {
    conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'verdict_history'",
    )
    .unwrap()
    .query_map([], |r| r.get(0))
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn schema_6_reindexes_a_schema_5_verdict_cache_without_touching_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let mut submitted = Vec::new();
    for (i, package) in ["com.a", "com.b", "com.c"].iter().enumerate() {
        let id = format!("s{i}");
        submitted.push(submit(
            &store,
            &Upload {
                id: &id,
                package,
                build: i as u32,
                decision: Decision::Rectify,
                ..Upload::default()
            },
        ));
    }
    drop(store);
    // Put the database back as schema 5 left it.
    let conn = rusqlite::Connection::open(tmp.path().join("shelfgate.db")).unwrap();
    conn.execute_batch(
        "DROP INDEX verdict_history_inputs_short;
         CREATE INDEX verdict_history_inputs
             ON verdict_history (apk_sha256, listing_sha256, policy_set_digest, seq);
         DELETE FROM schema_migrations WHERE version = 6;",
    )
    .unwrap();
    let before = history_rows(&conn);
    assert_eq!(before.len(), 3);

    let store = open(tmp.path());
    assert_eq!(history_rows(&conn), before);
    let names = indexes(&conn);
    assert!(
        names.contains(&"verdict_history_inputs_short".to_owned()),
        "{names:?}"
    );
    assert!(
        !names.contains(&"verdict_history_inputs".to_owned()),
        "{names:?}"
    );
    for record in &submitted {
        let v = &record.verdict;
        let hit = store
            .cached_verdict(VerdictKey {
                apk_sha256: &v.apk_sha256,
                listing_sha256: &v.listing_sha256,
                policy_set_digest: &v.policy_set_digest,
            })
            .unwrap()
            .unwrap();
        assert_eq!(hit.seq, v.seq);
    }
    // The lookup's shape reads the new index, not the whole history.
    let plan: Vec<String> = conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT seq FROM verdict_history v
             WHERE substr(v.apk_sha256, 1, 16) = substr(?1, 1, 16)
               AND substr(v.policy_set_digest, 1, 16) = substr(?3, 1, 16)
               AND v.apk_sha256 = ?1 AND v.listing_sha256 = ?2 AND v.policy_set_digest = ?3
             ORDER BY v.seq DESC LIMIT 1",
        )
        .unwrap()
        .query_map(["a", "b", "c"], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        plan.iter()
            .any(|p| p.contains("verdict_history_inputs_short")),
        "{plan:?}"
    );
}
