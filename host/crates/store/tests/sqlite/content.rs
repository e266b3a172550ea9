//! Facts, listings and APK bytes, content-addressed.

use std::io::Read as _;

use shelfgate_store::{SqliteStore, Store, StoreError, StoreOptions};

use crate::support::{facts, hex_sha256, listing_json, open, raw};

#[test]
fn facts_are_put_once_and_read_back() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let facts = facts("com.example.app", 1);
    assert!(store.put_facts(&facts).unwrap());
    assert!(!store.put_facts(&facts).unwrap());
    let stored = store.facts(&facts.sha256).unwrap().unwrap();
    assert_eq!(stored.decode().unwrap(), facts);
    assert!(store.facts(&hex_sha256("absent")).unwrap().is_none());
    // Facts JSON is large enough that zstd pays.
    let (codec, body, json): (i64, i64, i64) = raw(&store)
        .query_row(
            "SELECT codec, length(body), json_bytes FROM facts",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(codec, 1);
    assert!(body < json, "{body} compressed bytes for {json} JSON bytes");
    assert_eq!(stored.json().unwrap().len() as i64, json);
}

#[test]
fn facts_need_a_real_sha256() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let mut facts = facts("com.example.app", 1);
    facts.sha256 = "not-a-digest".into();
    assert!(matches!(
        store.put_facts(&facts),
        Err(StoreError::Invalid(_))
    ));
}

#[test]
fn listings_keep_the_bytes_received_under_a_canonical_address() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let pretty = listing_json("com.example.app");
    let key = store.put_listing(&pretty).unwrap();
    // The same listing laid out differently has the same address.
    let value: serde_json::Value = serde_json::from_slice(&pretty).unwrap();
    let compact = serde_json::to_vec(&value).unwrap();
    assert_ne!(compact, pretty);
    assert_eq!(store.put_listing(&compact).unwrap(), key);
    let count: i64 = raw(&store)
        .query_row("SELECT count(*) FROM listings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1);

    let stored = store.listing(&key).unwrap().unwrap();
    // Kept as first received, extra fields included...
    assert_eq!(stored.json().unwrap().as_ref(), pretty.as_slice());
    // ...and readable as the contract's listing.
    assert_eq!(stored.decode().unwrap().app.package_name, "com.example.app");
    // Another listing, another address.
    assert_ne!(store.put_listing(&listing_json("com.other")).unwrap(), key);
    assert!(matches!(
        store.put_listing(b"[1]"),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.put_listing(b"{"),
        Err(StoreError::Invalid(_))
    ));
}

#[test]
fn apk_bytes_are_kept_only_when_asked() {
    let apk = b"PK\x03\x04 not really an apk".to_vec();
    let sha = hex_sha256(std::str::from_utf8(&apk).unwrap());

    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    assert!(!store.put_apk(&sha, &mut apk.as_slice()).unwrap());
    assert!(store.open_apk(&sha).unwrap().is_none());

    let tmp = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        keep_apks: true,
        ..StoreOptions::default()
    };
    let store = SqliteStore::open(tmp.path(), options).unwrap();
    assert!(store.put_apk(&sha, &mut apk.as_slice()).unwrap());
    let mut back = Vec::new();
    store
        .open_apk(&sha)
        .unwrap()
        .unwrap()
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, apk);
    // Bytes that do not match their digest are refused and leave nothing.
    let wrong = hex_sha256("something else");
    let err = store.put_apk(&wrong, &mut apk.as_slice()).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(store.open_apk(&wrong).unwrap().is_none());
}
