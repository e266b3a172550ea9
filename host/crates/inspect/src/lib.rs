//! Inspection: an APK in, [`ApkFacts`] out.
//!
//! Every step reads hostile bytes. Nothing here may panic, hang or allocate
//! an amount the input chooses: each parser bounds its reads with `get` and
//! `checked_*`, and every size it trusts is capped by one [`Limits`].
//!
//! The steps, each in its own module:
//! - [`zip`]: the container, read from its central directory, with tampering
//!   signs reported as facts;
//! - [`axml`] and [`arsc`]: the binary manifest and the resource table;
//! - [`manifest`]: the manifest facts (package, SDK levels, permissions,
//!   components with their effective exported state);
//! - [`dex`]: defined and referenced classes, sensitive API references;
//! - [`sdk`]: third-party SDKs matched in one pass against a signature table;
//! - [`resxml`] and [`icon`]: the resource files the manifest names
//!   (accessibility configs, FileProvider paths, backup rules, launcher
//!   icons and their transparency);
//! - [`native`]: native libraries and hidden code payloads (packers are
//!   matched with the SDKs);
//! - [`signing`]: v1/v2/v3/v3.1 verification as Android does it.
//!
//! The file is read through [`ReadAt`], so an APK on disk is never loaded
//! whole: peak memory is bounded by the largest entry inflated, not by the
//! size of the APK.

pub mod arsc;
pub mod axml;
pub mod dex;
mod error;
mod hex;
pub mod icon;
mod inspector;
mod limits;
pub mod manifest;
#[cfg(test)]
mod mutate;
pub mod native;
pub mod resxml;
pub mod sdk;
pub mod signing;
mod source;
pub mod zip;

pub use error::InspectError;
pub use inspector::Inspector;
pub use limits::Limits;
pub use source::{stream_pass, ChunkSink, ReadAt};

pub use shelfgate_contract::types::ApkFacts;
