//! The bulk path: many apps' inputs and submissions in one transaction.
//!
//! A populated catalogue of 320,000 apps written one transaction per call
//! would pay three fsyncs per app; here a batch pays one. Encoding and
//! compression run first, outside the writer lock, as everywhere else.

use super::content::{encode_facts, encode_listing, insert_facts, insert_listing, listing_key};
use super::verdicts::{insert_submission, prepare_submission};
use super::SqliteStore;
use crate::{Import, Result, StoreError};

pub(super) fn import(store: &SqliteStore, apps: &[Import<'_>]) -> Result<()> {
    let mut prepared = Vec::with_capacity(apps.len());
    for app in apps {
        let verdict = app.submission.verdict;
        if verdict.apk_sha256 != app.facts.sha256 {
            return Err(StoreError::Invalid(format!(
                "`{}`: the verdict is for another APK",
                app.submission.package
            )));
        }
        let key = listing_key(app.listing_json)?;
        if verdict.listing_sha256 != key {
            return Err(StoreError::Invalid(format!(
                "`{}`: the verdict is for another listing",
                app.submission.package
            )));
        }
        prepared.push((
            encode_facts(app.facts)?,
            encode_listing(key, app.listing_json)?,
            prepare_submission(&app.submission)?,
        ));
    }
    store.write(|tx| {
        for (facts, listing, submission) in &prepared {
            insert_facts(tx, facts)?;
            insert_listing(tx, listing)?;
            insert_submission(tx, submission)?;
        }
        Ok(())
    })
}
