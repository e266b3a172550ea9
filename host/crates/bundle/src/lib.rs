//! Signed policy bundles: how a regulator's policies reach a platform.
//!
//! A bundle is a manifest listing every policy module and fixture with its
//! sha256, size, version, enforcement mode and failure mode, plus its
//! validity window, signed with Ed25519 over the manifest's canonical JSON
//! ([`canonical`]). One signature thus covers every file, and a platform
//! accepts a bundle only from [`verify`], which checks, in order: the
//! signature by a trusted key, the validity window, that the files are
//! exactly the listed ones with the listed digests, and that the fixtures
//! parse.
//!
//! This crate is pure in the sense that matters for a verifier: no network
//! and no clock (the caller passes `now`), so the same bytes and the same
//! time always give the same answer. Fetching feeds, watching directories,
//! compiling modules and running fixtures belong to the host; the only IO
//! here is reading and writing the directory form ([`build`], [`read_dir`],
//! [`SignedBundle::write_dir`]).
//!
//! Forms: a directory (`bundle.json`, `bundle.sig`, `modules/`,
//! `fixtures/`) for authors, and a single JSON archive for HTTP and feeds
//! (see [`SignedBundle::to_archive`]); [`read_dir`] turns the first into the
//! second, so both are verified by the same code.

mod archive;
mod bundle;
pub mod canonical;
mod dir;
mod error;
mod fixture;
mod forms;
mod keys;
mod limits;
mod manifest;
mod verify;

pub use bundle::{sign, BuildOptions, Bundle, ModuleSettings, SignedBundle};
pub use dir::{build, read_dir};
pub use error::BundleError;
pub use fixture::{Expected, Fixture};
pub use keys::{keygen, signing_key_from_text, signing_key_to_text, KeyId, TrustedKeys};
pub use limits::Limits;
pub use manifest::{FileEntry, FileEntryRef, Manifest, ModuleEntry, MANIFEST_SCHEMA};
pub use verify::{verify, NamedFixture, VerifiedBundle, VerifiedModule};

/// The key types, so callers need not depend on `ed25519-dalek` themselves.
pub use ed25519_dalek::{SigningKey, VerifyingKey};
