//! Binary copies of decoded facts and listings: used when of this build's
//! schema, ignored (the JSON decoded instead) when of another or damaged.

use shelfgate_contract::json;
use shelfgate_contract::types::Listing;
use shelfgate_store::{binary_schema, DecodedDoc, Store};

use crate::support::{facts, hex_sha256, listing_json, open, raw};

#[test]
fn a_kept_copy_is_read_instead_of_the_json_and_decodes_to_the_same_value() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let facts = facts("com.example.app", 1);
    store.put_facts(&facts).unwrap();
    let sha = store.put_listing(&listing_json("com.example.app")).unwrap();

    let first = store.facts_decoded(&facts.sha256).unwrap().unwrap();
    assert!(!first.from_copy, "nothing kept yet: decoded from the JSON");
    assert_eq!(first.value, facts);
    let listing = store.listing_decoded(&sha).unwrap().unwrap();
    assert!(!listing.from_copy);
    let from_json: Listing = store.listing(&sha).unwrap().unwrap().decode().unwrap();
    assert_eq!(listing.value, from_json);

    store
        .keep_decoded(&[
            DecodedDoc::Facts(&first.value),
            DecodedDoc::Listing {
                sha256: &sha,
                listing: &listing.value,
            },
        ])
        .unwrap();
    let again = store.facts_decoded(&facts.sha256).unwrap().unwrap();
    assert!(again.from_copy);
    assert_eq!(again.value, facts);
    let listing_again = store.listing_decoded(&sha).unwrap().unwrap();
    assert!(listing_again.from_copy);
    assert_eq!(listing_again.value, from_json);
    // The JSON rows are untouched: still the source of truth.
    assert_eq!(
        json::to_string(
            &store
                .facts(&facts.sha256)
                .unwrap()
                .unwrap()
                .decode()
                .unwrap()
        ),
        json::to_string(&facts)
    );
    assert!(store
        .facts_decoded(&hex_sha256("absent"))
        .unwrap()
        .is_none());
}

#[test]
fn a_copy_of_another_schema_or_a_damaged_copy_falls_back_to_the_json() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let facts = facts("com.example.app", 1);
    store.put_facts(&facts).unwrap();
    store.keep_decoded(&[DecodedDoc::Facts(&facts)]).unwrap();
    let schema: String = raw(&store)
        .query_row("SELECT schema FROM decoded_copies", [], |r| r.get(0))
        .unwrap();
    assert_eq!(schema, binary_schema());

    // A copy written by a build of another WIT (say, before 0.1.2 added
    // fields): its bytes mean something else, so it is not read.
    raw(&store)
        .execute(
            "UPDATE decoded_copies SET schema = 'postcard1-wit-older'",
            [],
        )
        .unwrap();
    let read = store.facts_decoded(&facts.sha256).unwrap().unwrap();
    assert!(!read.from_copy);
    assert_eq!(read.value, facts);
    // Keeping it again replaces the stale copy.
    store
        .keep_decoded(&[DecodedDoc::Facts(&read.value)])
        .unwrap();
    let (rows, schema): (i64, String) = raw(&store)
        .query_row(
            "SELECT count(*), max(schema) FROM decoded_copies",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((rows, schema.as_str()), (1, binary_schema()));
    assert!(
        store
            .facts_decoded(&facts.sha256)
            .unwrap()
            .unwrap()
            .from_copy
    );

    // Damaged bytes of the right schema: also ignored, never an error.
    for body in [
        &b""[..],
        &[0xff; 7][..],
        &[0x28, 0xb5, 0x2f, 0xfd, 0, 0][..],
    ] {
        for codec in [0, 1] {
            raw(&store)
                .execute(
                    "UPDATE decoded_copies SET codec = ?1, body = ?2",
                    rusqlite::params![codec, body],
                )
                .unwrap();
            let read = store.facts_decoded(&facts.sha256).unwrap().unwrap();
            assert!(!read.from_copy, "codec {codec}, body {body:?}");
            assert_eq!(read.value, facts);
        }
    }
}

#[test]
fn a_copy_is_not_kept_for_a_document_that_is_not_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let facts = facts("com.example.app", 1);
    store.keep_decoded(&[DecodedDoc::Facts(&facts)]).unwrap();
    let rows: i64 = raw(&store)
        .query_row("SELECT count(*) FROM decoded_copies", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0);
    assert!(store.facts_decoded(&facts.sha256).unwrap().is_none());
}
