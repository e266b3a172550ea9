//! The sandbox: the only module that names wasmtime.
//!
//! A policy is a component that may import the contract and nothing else.
//! It is compiled once (and cached on disk by content hash and engine
//! configuration), pre-instantiated once, and every evaluation gets a fresh
//! instance from the pooling allocator with copy-on-write memory, so no
//! state survives between uploads and an instance that trapped is never
//! reused.
//!
//! Every call is bounded: a deadline enforced by epoch interruption, a
//! linear-memory cap, a wasm stack cap and a cap on the size of its output.
//! Breaking any of them is an [`EvalError`], never a host failure.

mod cache;
mod host;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use shelfgate_contract::types::{Finding, PolicyMetadata};
use shelfgate_contract::{ContextHandle, FactsHandle, ListingHandle, PolicyModulePre};
use wasmtime::component::{Component, Linker, Resource};
use wasmtime::{Config, Enabled, InstanceAllocationStrategy, PoolingAllocationConfig, Store, Trap};

pub use host::EvalInput;
#[doc(hidden)]
pub use host::State as BenchState;

/// Bounds for one policy call.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Wall-clock budget of one `evaluate` call.
    pub deadline: Duration,
    /// Linear memory a policy instance may grow to.
    pub memory_bytes: usize,
    /// Total text a policy may return across its findings.
    pub output_bytes: usize,
    /// Findings a policy may return.
    pub max_findings: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: Duration::from_millis(200),
            memory_bytes: 64 << 20,
            output_bytes: 1 << 20,
            max_findings: 1_000,
        }
    }
}

/// Engine-wide settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub limits: Limits,
    /// Where compiled policies are cached; `None` keeps them in memory only.
    pub cache_dir: Option<PathBuf>,
    /// Instances that may run at once (pool size).
    pub max_instances: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            limits: Limits::default(),
            cache_dir: cache::default_dir(),
            max_instances: 256,
        }
    }
}

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("`{name}` is not a valid component: {reason}")]
    Invalid { name: String, reason: String },
    #[error("`{name}` imports `{import}`, which is outside the shelfgate contract")]
    ForbiddenImport { name: String, import: String },
    #[error("`{name}` does not implement the contract: {reason}")]
    Contract { name: String, reason: String },
    #[error("`{name}` failed while describing itself: {reason}")]
    Metadata { name: String, reason: String },
}

/// Why one policy call produced no findings.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum EvalError {
    #[error("trapped: {0}")]
    Trap(String),
    #[error("exceeded its deadline of {0:?}")]
    Timeout(Duration),
    #[error("exceeded its memory limit of {0} bytes")]
    MemoryLimit(usize),
    #[error("returned too much output: {0}")]
    OutputLimit(String),
    #[error("returned invalid output: {0}")]
    InvalidOutput(String),
    #[error("could not be instantiated: {0}")]
    Instantiate(String),
}

/// The wasmtime engine, its linker and the epoch ticker.
pub struct Engine {
    engine: wasmtime::Engine,
    linker: Linker<host::State>,
    config: EngineConfig,
    cache: cache::CompileCache,
    ticker_stop: Arc<AtomicBool>,
}

/// Epoch tick: the granularity of deadlines.
const TICK: Duration = Duration::from_millis(1);

impl Engine {
    pub fn new(config: EngineConfig) -> anyhow::Result<Engine> {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(config.max_instances)
            .total_core_instances(config.max_instances * 4)
            .total_memories(config.max_instances * 2)
            .total_tables(config.max_instances * 4)
            .max_memory_size(config.limits.memory_bytes)
            // Measured: keeping a few MiB resident and resetting with
            // pagemap_scan makes instantiation scale across threads instead
            // of serialising on the process's memory-map lock.
            .linear_memory_keep_resident(4 << 20)
            .table_keep_resident(64 << 10)
            .pagemap_scan(Enabled::Auto);
        let mut wasm = Config::new();
        wasm.wasm_component_model(true)
            .epoch_interruption(true)
            .max_wasm_stack(512 << 10)
            .cranelift_opt_level(wasmtime::OptLevel::Speed)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = wasmtime::Engine::new(&wasm)?;

        let mut linker = Linker::new(&engine);
        shelfgate_contract::PolicyModule::add_to_linker::<
            _,
            wasmtime::component::HasSelf<host::State>,
        >(&mut linker, |state| state)?;

        let ticker_stop = Arc::new(AtomicBool::new(false));
        {
            let engine = engine.clone();
            let stop = ticker_stop.clone();
            std::thread::Builder::new()
                .name("shelfgate-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(TICK);
                        engine.increment_epoch();
                    }
                })?;
        }
        let cache = cache::CompileCache::new(config.cache_dir.clone(), &engine);
        Ok(Engine {
            engine,
            linker,
            config,
            cache,
            ticker_stop,
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.config.limits
    }

    /// Compile (or fetch from cache), check imports, pre-instantiate and ask
    /// the policy for its metadata.
    pub fn load(&self, name: &str, bytes: &[u8]) -> Result<LoadedPolicy, LoadError> {
        let componentized;
        let bytes = if is_core_module(bytes) {
            componentized = componentize(bytes).map_err(|reason| LoadError::Invalid {
                name: name.to_string(),
                reason,
            })?;
            &componentized[..]
        } else {
            bytes
        };
        let digest = hex(&Sha256::digest(bytes));
        let component = self
            .cache
            .get_or_compile(&self.engine, &digest, bytes)
            .map_err(|e| LoadError::Invalid {
                name: name.to_string(),
                reason: format!("{e:#}"),
            })?;
        check_imports(&self.engine, name, &component)?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .and_then(PolicyModulePre::new)
            .map_err(|e| LoadError::Contract {
                name: name.to_string(),
                reason: format!("{e:#}"),
            })?;
        let mut policy = LoadedPolicy {
            digest,
            pre,
            metadata: PolicyMetadata {
                id: name.to_string(),
                version: String::new(),
                title: String::new(),
                rules: Vec::new(),
                reads: Vec::new(),
                data_sources: Vec::new(),
            },
        };
        policy.metadata = self.metadata(&policy).map_err(|e| LoadError::Metadata {
            name: name.to_string(),
            reason: e.to_string(),
        })?;
        Ok(policy)
    }

    fn store(&self, input: Option<Arc<EvalInput>>) -> Store<host::State> {
        let mut store = Store::new(
            &self.engine,
            host::State::new(input, self.config.limits.memory_bytes),
        );
        store.limiter(|s| &mut s.limiter);
        let ticks = (self.config.limits.deadline.as_millis() / TICK.as_millis()).max(1);
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
        store.epoch_deadline_trap();
        store
    }

    fn metadata(&self, policy: &LoadedPolicy) -> Result<PolicyMetadata, EvalError> {
        let mut store = self.store(None);
        let instance = policy
            .pre
            .instantiate(&mut store)
            .map_err(|e| EvalError::Instantiate(format!("{e:#}")))?;
        let result = instance.shelfgate_policy_policy().call_metadata(&mut store);
        result.map_err(|e| self.classify(&store, e))
    }

    /// Run one policy over one input in a fresh instance.
    pub fn evaluate(
        &self,
        policy: &LoadedPolicy,
        input: &Arc<EvalInput>,
    ) -> Result<Vec<Finding>, EvalError> {
        let mut store = self.store(Some(input.clone()));
        let instance = policy
            .pre
            .instantiate(&mut store)
            .map_err(|e| EvalError::Instantiate(format!("{e:#}")))?;
        // The resources are names, not table entries: each store serves
        // exactly one input, so the host needs no lookup.
        let findings = instance
            .shelfgate_policy_policy()
            .call_evaluate(
                &mut store,
                Resource::<FactsHandle>::new_own(0),
                Resource::<ListingHandle>::new_own(0),
                Resource::<ContextHandle>::new_own(0),
            )
            .map_err(|e| self.classify(&store, e))?;
        check_output(&policy.metadata, &findings, &self.config.limits)?;
        Ok(findings)
    }

    /// Benchmarks only: the wasmtime engine and a store set up exactly as
    /// for an evaluation (pool, memory cap, deadline) but lending no input,
    /// so a component of another world (records passed by value) can be
    /// measured under the same sandbox as the contract's.
    #[doc(hidden)]
    pub fn bench_store(&self) -> (&wasmtime::Engine, Store<BenchState>) {
        (&self.engine, self.store(None))
    }

    fn classify(&self, store: &Store<host::State>, err: wasmtime::Error) -> EvalError {
        if store.data().limiter.hit {
            return EvalError::MemoryLimit(self.config.limits.memory_bytes);
        }
        match err.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => EvalError::Timeout(self.config.limits.deadline),
            Some(trap) => EvalError::Trap(trap.to_string()),
            None => EvalError::Trap(format!("{err:#}")),
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// A compiled, pre-instantiated policy and what it says about itself.
pub struct LoadedPolicy {
    /// sha256 of the component bytes.
    pub digest: String,
    pub metadata: PolicyMetadata,
    pre: PolicyModulePre<host::State>,
}

impl std::fmt::Debug for LoadedPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPolicy")
            .field("id", &self.metadata.id)
            .field("version", &self.metadata.version)
            .field("digest", &self.digest)
            .finish()
    }
}

/// A core wasm module (version 1) rather than a component (layer 1).
fn is_core_module(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes[..4] == *b"\0asm" && bytes[4..8] == [1, 0, 0, 0]
}

/// Make a core module built with wit-bindgen (it carries its component
/// type in a custom section) into a component, so policy authors can test
/// `cargo build` output without installing wasm-tools.
fn componentize(core: &[u8]) -> Result<Vec<u8>, String> {
    wit_component::ComponentEncoder::default()
        .module(core)
        .and_then(|e| e.validate(true).encode())
        .map_err(|e| format!("core module could not be made a component: {e:#}"))
}

/// The interfaces a policy may import: the contract's, at any compatible
/// 0.1.x version.
const ALLOWED_IMPORTS: &[&str] = &["shelfgate:policy/host@0.1.", "shelfgate:policy/types@0.1."];

fn check_imports(
    engine: &wasmtime::Engine,
    name: &str,
    component: &Component,
) -> Result<(), LoadError> {
    for (import, _) in component.component_type().imports(engine) {
        if !ALLOWED_IMPORTS
            .iter()
            .any(|allowed| import.starts_with(allowed))
        {
            return Err(LoadError::ForbiddenImport {
                name: name.to_string(),
                import: import.to_string(),
            });
        }
    }
    Ok(())
}

fn check_output(
    metadata: &PolicyMetadata,
    findings: &[Finding],
    limits: &Limits,
) -> Result<(), EvalError> {
    if findings.len() > limits.max_findings {
        return Err(EvalError::OutputLimit(format!(
            "{} findings, more than the limit of {}",
            findings.len(),
            limits.max_findings
        )));
    }
    let mut bytes = 0usize;
    for f in findings {
        bytes += f.rule_id.len() + f.message_en.len() + f.message_zh.len() + f.remediation.len();
        bytes += f.expected.as_ref().map_or(0, String::len)
            + f.sdk_attribution.as_ref().map_or(0, String::len);
        bytes += f
            .evidence
            .iter()
            .map(|e| e.path.len() + e.value.len())
            .sum::<usize>();
        bytes += f.regulation_refs.iter().map(String::len).sum::<usize>();
        if !metadata.rules.iter().any(|r| *r == f.rule_id) {
            return Err(EvalError::InvalidOutput(format!(
                "finding for rule `{}`, which the policy does not declare",
                f.rule_id
            )));
        }
    }
    if bytes > limits.output_bytes {
        return Err(EvalError::OutputLimit(format!(
            "{bytes} bytes of findings, more than the limit of {}",
            limits.output_bytes
        )));
    }
    Ok(())
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
