//! The wasmtime host harness for the paywit component.
//!
//! [`Host`] compiles `target/paywit.wasm` once, links the one import it needs
//! (`wasi:random/random`, defined here: nothing else is offered), and keeps an
//! [`InstancePre`](wasmtime::component::InstancePre) so each store instantiates
//! cheaply from the pooling allocator with its own memory limit. The tests
//! under `tests/` call every export through it and compare the answers with the
//! native crate on the same inputs, via the same conversions the component uses.

use std::path::PathBuf;

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::error::Context as _;
use wasmtime::Result;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

wasmtime::component::bindgen!({
    path: "../wit",
    world: "paywit",
});

pub use exports::paywit::gateway as w;
pub use paywit as native;

/// Conversions between native and binding types (shared with the component).
pub mod conversions {
    use super::{native, w};
    include!("../../src/component/conversions.rs");
}
pub use conversions::Conv;

pub mod edge;
pub mod vectors;

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

/// Where randomness for `wasi:random` comes from.
pub enum RandomSource {
    /// The operating system's secure source.
    Os,
    /// A deterministic xorshift stream (for reproducible tests only).
    Seeded(TestRng),
}

/// A small deterministic xorshift generator for reproducible test inputs
/// (and the `Seeded` random source). Not for secrets.
#[derive(Clone, Debug)]
pub struct TestRng(pub u64);

impl TestRng {
    /// The next value (the seed must not be 0).
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// Per-store host state.
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
            RandomSource::Seeded(rng) => rng.next_u64(),
        }
    }
}

impl wasi::random::random::Host for HostState {
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

/// The component's path: `$PAYWIT_WASM`, else `target/paywit.wasm` of the workspace.
pub fn component_path() -> PathBuf {
    std::env::var_os("PAYWIT_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/paywit.wasm"))
}

/// An engine with the pooling allocator, sized for a test host.
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
    wasi::random::random::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| state)?;
    Ok(linker)
}

impl Host {
    /// Compiles the component at [`component_path`] and pre-instantiates it.
    pub fn new() -> Result<Host> {
        let engine = engine()?;
        let path = component_path();
        let component = Component::from_file(&engine, &path)
            .with_context(|| format!("loading {} (run `cargo xtask build` first)", path.display()))?;
        Host::from_component(engine, component)
    }

    /// Pre-instantiates an already compiled component.
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
pub struct Instance {
    /// The store.
    pub store: Store<HostState>,
    /// The generated bindings.
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
        let scheme: w::webhooks::Scheme = scheme.clone().conv();
        let request: w::webhooks::Request = request.clone().conv();
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
        let scheme: w::webhooks::Scheme = scheme.clone().conv();
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
        let scheme: w::webhooks::Scheme = scheme.clone().conv();
        let body: w::types::Body = body.clone().conv();
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
        let scheme: w::webhooks::Scheme = scheme.clone().conv();
        let message: w::webhooks::Message = message.clone().conv();
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
        if let Some(fields) = field_block(headers) {
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

/// The headers as a CRLF field block, or `None` when a block might not carry them exactly:
/// a CR or LF anywhere, or a `:` in a name.
fn field_block(headers: &[native::types::Header]) -> Option<String> {
    let mut fields = String::with_capacity(headers.iter().map(|h| h.name.len() + h.value.len() + 4).sum());
    for header in headers {
        let breaks_line = |text: &str| text.contains(['\r', '\n']);
        if breaks_line(&header.name) || breaks_line(&header.value) || header.name.contains(':') {
            return None;
        }
        fields.push_str(&header.name);
        fields.push_str(": ");
        fields.push_str(&header.value);
        fields.push_str("\r\n");
    }
    Some(fields)
}

/// Whether the component refused the field block itself (a name that is not a token, ...):
/// only block parsing gives `malformed-header` with an empty name.
fn is_field_block_error(answer: &Result<native::webhooks::Verified, native::webhooks::VerifyError>) -> bool {
    matches!(answer, Err(native::webhooks::VerifyError::MalformedHeader { name, .. }) if name.is_empty())
}
