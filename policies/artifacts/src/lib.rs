//! Components built from `policies/` by this crate's build script.
//!
//! The bytes are embedded, so the `shelfgate` binary carries its default
//! pack and the tests need no toolchain at run time.

/// One compiled policy component.
#[derive(Debug, Clone, Copy)]
pub struct Artifact {
    /// The module's directory name under `policies/pack/`.
    pub name: &'static str,
    /// The component binary.
    pub bytes: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/gen.rs"));
