//! Compiled policies, cached by the component's sha256 and the engine's
//! configuration, in memory and optionally on disk.
//!
//! Compiling a policy takes tens of milliseconds; deserializing a cached
//! artifact well under one. The CLI runs often and briefly, so the disk
//! cache is what makes `shelfgate check` start fast.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Mutex;

use wasmtime::component::Component;

pub(super) fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SHELFGATE_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("shelfgate").join("compiled"))
}

pub(super) struct CompileCache {
    dir: Option<PathBuf>,
    /// Identifies the engine configuration and wasmtime version.
    engine_key: String,
    memory: Mutex<HashMap<String, Component>>,
}

impl CompileCache {
    pub(super) fn new(dir: Option<PathBuf>, engine: &wasmtime::Engine) -> CompileCache {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        CompileCache {
            dir,
            engine_key: format!("{:016x}", h.finish()),
            memory: Mutex::new(HashMap::new()),
        }
    }

    pub(super) fn get_or_compile(
        &self,
        engine: &wasmtime::Engine,
        digest: &str,
        bytes: &[u8],
    ) -> wasmtime::Result<Component> {
        let key = format!("{digest}-{}", self.engine_key);
        if let Some(c) = self.memory.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(c);
        }
        let path = self.dir.as_ref().map(|d| d.join(format!("{key}.cwasm")));
        let cached = path.as_ref().filter(|p| p.exists()).and_then(|p| {
            // SAFETY: the file was written by `Component::serialize` of this
            // same engine configuration (the name carries its hash) into
            // shelfgate's own cache directory; wasmtime additionally checks
            // the header's version and configuration before using it.
            unsafe { Component::deserialize_file(engine, p) }.ok()
        });
        let component = match cached {
            Some(c) => c,
            None => {
                let c = Component::new(engine, bytes)?;
                if let (Some(path), Ok(serialized)) = (&path, c.serialize()) {
                    // A cache that cannot be written is only slower.
                    let _ = write_atomically(path, &serialized);
                }
                c
            }
        };
        if let Ok(mut m) = self.memory.lock() {
            m.insert(key, component.clone());
        }
        Ok(component)
    }
}

fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}
