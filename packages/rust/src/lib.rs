//! Embed the paywit WebAssembly component (`paywit:gateway@0.1.0`) in a Rust program with
//! wasmtime 48.
//!
//! [`Host`] compiles the component once from a path you give (build it with
//! `cargo xtask build`, which leaves `target/paywit.wasm`, or ship that file with your
//! program), links the one import it needs (`wasi:random/random`, defined here from the
//! operating system's source: nothing else is offered), and keeps an
//! [`InstancePre`](wasmtime::component::InstancePre) so each [`Instance`] (a store and an
//! instance) comes cheaply from the pooling allocator with its own memory limit
//! ([`STORE_MEMORY_LIMIT`]). [`Instance`] wraps the webhook calls with the native types of
//! the [`native`] crate; every other export is one call away through
//! [`Instance::bindings`], with [`Conv`] converting between the native and the binding
//! types. [`Instance::verifier`] gives a [`Verifier`]: the secrets prepared once by the
//! component (`webhooks.prepare-packed`), then one `webhooks.verify-packed` call per
//! delivery.
//!
//! ```no_run
//! use paywit_component::native::types::{Body, Header};
//! use paywit_component::native::webhooks::{Scheme, VerifyOptions};
//! use paywit_component::Host;
//!
//! # fn main() -> wasmtime::Result<()> {
//! let host = Host::new("paywit.wasm")?;
//! let mut instance = host.instantiate()?;
//! let mut verifier = instance.verifier(&Scheme::Stripe, &["whsec_...".to_string()])?.expect("usable secrets");
//! let headers = vec![Header { name: "Stripe-Signature".into(), value: "t=...,v1=...".into() }];
//! let answer = verifier.verify(
//!     &mut instance,
//!     &headers,
//!     &Body::Text("{...}".into()),
//!     None,
//!     VerifyOptions { now: 1_764_158_400, tolerance_seconds: None },
//! )?;
//! match answer {
//!     Ok(verified) => println!("accepted under secret #{}", verified.secret_index),
//!     Err(error) => println!("refused: {}", error.code()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! A store is not shared between threads: give each thread its own [`Instance`] from one
//! [`Host`] (only compiled code is shared). A program that can link Rust directly and does
//! not need the component boundary can depend on the native `paywit` crate instead: the same
//! pure code, without wasmtime (see the README).

#![deny(missing_docs)]

use std::path::Path;

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::error::Context as _;
use wasmtime::Result;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

/// The bindings wasmtime's `bindgen!` generates from the `paywit` world of `wit/`: the
/// [`Paywit`] world (one accessor per exported interface, one `call_*`
/// method per function), its pre-instantiated form [`PaywitPre`], and
/// the WIT types (also under [`wit`]). The WIT's own `///` docs are carried over onto the
/// types and functions; what wasmtime adds around them (accessors, indices, `add_to_linker`)
/// has none, hence the one `allow` in this crate.
#[allow(missing_docs)]
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "paywit",
    });
}

use bindings::{Paywit, PaywitPre};

/// The exported interfaces' binding types (`wit::webhooks::Scheme`, ...), as `bindgen!`
/// names them.
pub use bindings::exports::paywit::gateway as wit;
/// The native `paywit` crate: the pure Rust types and functions the component is built from,
/// and the types the [`Instance`] wrappers take and give.
pub use paywit as native;

/// Conversions between native and binding types: the same mapping the component's own glue
/// uses (one file, `src/component/conversions.rs`, included on both sides of the boundary).
pub mod conversions {
    use super::{native, wit as w};
    include!("../../../src/component/conversions.rs");
}
pub use conversions::Conv;

/// The most linear memory one store may use: 256 MiB (room for a 64 MiB hostile
/// body to reach paywit's own 16 MiB check and be refused with a typed error).
pub const STORE_MEMORY_LIMIT: usize = 256 * 1024 * 1024;

/// A per-store memory limiter that also records what the guest asked for.
pub struct MemoryLimiter {
    /// The most bytes one memory may grow to.
    pub limit: usize,
    /// The largest memory size granted so far.
    pub peak: usize,
    /// Whether a growth beyond `limit` was refused.
    pub refused: bool,
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> Result<bool> {
        if desired > self.limit {
            self.refused = true;
            return Ok(false);
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> Result<bool> {
        Ok(desired <= 10_000)
    }
}

/// Where randomness for `wasi:random` comes from (the component's fresh secrets, keys,
/// idempotency keys and retry jitter).
pub enum RandomSource {
    /// The operating system's secure source (what [`Host::instantiate`] uses).
    Os,
    /// A generator of your own, called for each 64 bits: a deterministic one makes a test
    /// reproducible. Never use a predictable generator for real secrets or keys.
    Custom(Box<dyn FnMut() -> u64 + Send>),
}

/// Per-store host state: the data of every [`Store`] a [`Host`] makes.
pub struct HostState {
    /// The memory limiter of this store.
    pub limits: MemoryLimiter,
    random: RandomSource,
}

impl HostState {
    fn next_u64(&mut self) -> u64 {
        match &mut self.random {
            RandomSource::Os => {
                let mut bytes = [0u8; 8];
                getrandom::fill(&mut bytes).expect("the OS random source failed");
                u64::from_le_bytes(bytes)
            }
            RandomSource::Custom(next) => next(),
        }
    }
}

impl bindings::wasi::random::random::Host for HostState {
    fn get_random_bytes(&mut self, len: u64) -> Vec<u8> {
        // The component asks for at most 32 bytes; cap anyway so a guest cannot make the host allocate wildly.
        let len = len.min(1024) as usize;
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(len);
        out
    }

    fn get_random_u64(&mut self) -> u64 {
        self.next_u64()
    }
}

/// A compiled, linked paywit component ready to instantiate.
pub struct Host {
    engine: Engine,
    pre: PaywitPre<HostState>,
    component: Component,
}

/// The engine [`Host::new`] uses: wasmtime's defaults (Cranelift) with the pooling
/// allocator, sized for 64 live instances whose memories may reach [`STORE_MEMORY_LIMIT`].
pub fn engine() -> Result<Engine> {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(64);
    pool.total_memories(64);
    pool.total_core_instances(64);
    pool.max_memory_size(STORE_MEMORY_LIMIT + 64 * 1024 * 1024);
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// A linker offering `wasi:random/random` and nothing else.
pub fn random_only_linker(engine: &Engine) -> Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    bindings::wasi::random::random::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| state)?;
    Ok(linker)
}

impl Host {
    /// Compiles the component at `path` (the `paywit.wasm` that `cargo xtask build` leaves in
    /// `target/`) with [`engine`] and pre-instantiates it. Compiling takes a fraction of a
    /// second to seconds: do it once per process.
    pub fn new(path: impl AsRef<Path>) -> Result<Host> {
        let path = path.as_ref();
        let engine = engine()?;
        let component = Component::from_file(&engine, path)
            .with_context(|| format!("loading the paywit component {}", path.display()))?;
        Host::from_component(engine, component)
    }

    /// Pre-instantiates an already compiled component (for an engine of your own, or a
    /// component compiled from bytes with [`Component::new`] or deserialized).
    pub fn from_component(engine: Engine, component: Component) -> Result<Host> {
        let linker = random_only_linker(&engine)?;
        let pre = PaywitPre::new(linker.instantiate_pre(&component)?)?;
        Ok(Host { engine, pre, component })
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The compiled component.
    pub fn component(&self) -> &Component {
        &self.component
    }

    /// A fresh store and instance, with the OS random source.
    pub fn instantiate(&self) -> Result<Instance> {
        self.instantiate_with(RandomSource::Os)
    }

    /// A fresh store with the memory limiter and the given random source.
    pub fn new_store(&self, random: RandomSource) -> Store<HostState> {
        let limits = MemoryLimiter { limit: STORE_MEMORY_LIMIT, peak: 0, refused: false };
        let mut store = Store::new(&self.engine, HostState { limits, random });
        store.limiter(|state| &mut state.limits);
        store
    }

    /// A fresh store and instance with the given random source.
    pub fn instantiate_with(&self, random: RandomSource) -> Result<Instance> {
        let mut store = self.new_store(random);
        let bindings = self.pre.instantiate(&mut store)?;
        Ok(Instance { store, bindings })
    }

    /// A fresh store and an untyped instance, for calls through `Val`s.
    pub fn instantiate_dynamic(
        &self,
        random: RandomSource,
    ) -> Result<(Store<HostState>, wasmtime::component::Instance)> {
        let mut store = self.new_store(random);
        let instance = self.pre.instance_pre().instantiate(&mut store)?;
        Ok((store, instance))
    }
}

/// One instance with its store: call exports through `bindings` with `&mut store`.
///
/// The outer `Result` of every call is wasmtime's (a trap, which paywit's exports never
/// give for any input, or a host failure such as a refused memory growth); the inner one is
/// the export's own typed answer. After an outer error, drop the instance and make another.
pub struct Instance {
    /// The store.
    pub store: Store<HostState>,
    /// The generated bindings: `bindings.paywit_gateway_<interface>().call_<function>(&mut store, ..)`.
    pub bindings: Paywit,
}

impl Instance {
    /// `webhooks.verify` through the component, converted to native types.
    pub fn verify(
        &mut self,
        scheme: &native::webhooks::Scheme,
        secrets: &[String],
        request: &native::webhooks::Request,
        options: native::webhooks::VerifyOptions,
    ) -> Result<Result<native::webhooks::Verified, native::webhooks::VerifyError>> {
        let scheme: wit::webhooks::Scheme = scheme.clone().conv();
        let request: wit::webhooks::Request = request.clone().conv();
        let answer = self.bindings.paywit_gateway_webhooks().call_verify(
            &mut self.store,
            &scheme,
            secrets,
            &request,
            options.conv(),
        )?;
        Ok(answer.conv())
    }

    /// `webhooks.verify-packed` through the component (`packed` from `paywit::webhooks::pack`).
    pub fn verify_packed(
        &mut self,
        packed: &[u8],
    ) -> Result<Result<native::webhooks::Verified, native::webhooks::VerifyError>> {
        let answer = self.bindings.paywit_gateway_webhooks().call_verify_packed(&mut self.store, packed)?;
        Ok(answer.conv())
    }

    /// A reusable [`Verifier`] for `scheme` and `secrets`, prepared by the component
    /// (`webhooks.prepare-packed`); a secret it cannot use is the error now.
    pub fn verifier(
        &mut self,
        scheme: &native::webhooks::Scheme,
        secrets: &[String],
    ) -> Result<Result<Verifier, native::webhooks::VerifyError>> {
        let native_scheme = scheme.clone();
        let scheme: wit::webhooks::Scheme = scheme.clone().conv();
        let answer = self.bindings.paywit_gateway_webhooks().call_prepare_packed(&mut self.store, &scheme, secrets)?;
        Ok(answer
            .map(|head| Verifier {
                head_len: head.len(),
                buffer: head,
                scheme: native_scheme,
                secrets: secrets.to_vec(),
            })
            .map_err(|e| e.conv()))
    }

    /// `webhooks.verify-fields` through the component, converted to native types.
    pub fn verify_fields(
        &mut self,
        scheme: &native::webhooks::Scheme,
        secrets: &[String],
        fields: &str,
        body: &native::types::Body,
        url: Option<&str>,
        options: native::webhooks::VerifyOptions,
    ) -> Result<Result<native::webhooks::Verified, native::webhooks::VerifyError>> {
        let scheme: wit::webhooks::Scheme = scheme.clone().conv();
        let body: wit::types::Body = body.clone().conv();
        let answer = self.bindings.paywit_gateway_webhooks().call_verify_fields(
            &mut self.store,
            &scheme,
            secrets,
            fields,
            &body,
            url,
            options.conv(),
        )?;
        Ok(answer.conv())
    }

    /// `webhooks.sign` through the component, converted to native types.
    pub fn sign(
        &mut self,
        scheme: &native::webhooks::Scheme,
        secret: &str,
        message: &native::webhooks::Message,
    ) -> Result<Result<Vec<native::types::Header>, native::webhooks::SignError>> {
        let scheme: wit::webhooks::Scheme = scheme.clone().conv();
        let message: wit::webhooks::Message = message.clone().conv();
        Ok(self.bindings.paywit_gateway_webhooks().call_sign(&mut self.store, &scheme, secret, &message)?.conv())
    }
}

/// A verifier for Rust embedders of the component, in the shape of the Python and Node
/// packages' `Verifier`: the secrets are checked and prepared once (each HMAC key's padded
/// blocks hashed, inside the component), and each delivery is one `verify-packed` call.
/// It holds the prepared keys and the secrets; deliberately not `Debug`.
pub struct Verifier {
    /// The prepared head, then the last delivery packed after it (the buffer is reused).
    buffer: Vec<u8>,
    head_len: usize,
    /// For headers a field block cannot carry: those go through `verify` with the list.
    scheme: native::webhooks::Scheme,
    secrets: Vec<String>,
}

impl Verifier {
    /// Verifies one delivery on `instance`, with exactly the answer of [`Instance::verify`].
    /// The headers travel as one field block; headers a block cannot carry exactly (a CR or LF
    /// anywhere, a `:` in a name, a name the block refuses) go through `verify` with the list,
    /// so a header can never smuggle another into the block.
    pub fn verify(
        &mut self,
        instance: &mut Instance,
        headers: &[native::types::Header],
        body: &native::types::Body,
        url: Option<&str>,
        options: native::webhooks::VerifyOptions,
    ) -> Result<Result<native::webhooks::Verified, native::webhooks::VerifyError>> {
        if let Some(fields) = native::webhooks::field_block(headers) {
            self.buffer.truncate(self.head_len);
            native::webhooks::pack_delivery(&mut self.buffer, &fields, body, url, options);
            let answer = instance.verify_packed(&self.buffer)?;
            if !is_field_block_error(&answer) {
                return Ok(answer);
            }
        }
        let request =
            native::webhooks::Request { headers: headers.to_vec(), body: body.clone(), url: url.map(str::to_string) };
        instance.verify(&self.scheme, &self.secrets, &request, options)
    }
}

/// Whether the component refused the field block itself (a name that is not a token, ...):
/// only block parsing gives `malformed-header` with an empty name.
fn is_field_block_error(answer: &Result<native::webhooks::Verified, native::webhooks::VerifyError>) -> bool {
    matches!(answer, Err(native::webhooks::VerifyError::MalformedHeader { name, .. }) if name.is_empty())
}
