//! The wasmtime host harness for the paywit component.
//!
//! The embedder API (compiling, linking `wasi:random` and nothing else, a store per instance
//! with its memory limit, the native-typed wrappers and the prepared `Verifier`) is the
//! `paywit-component` crate (`packages/rust/`); the harness uses it as any Rust program
//! would, on the workspace's `target/paywit.wasm` ([`component_path`], [`host`]). The tests
//! under `tests/host/` call every export through it and compare the answers with the native crate
//! on the same inputs, via the same conversions the component uses. What only tests need
//! lives here: the deterministic [`TestRng`], the conformance [`vectors`], and [`edge`] (the
//! composed ingress served as `wasmtime serve` does).

use std::path::PathBuf;

use paywit_component::RandomSource;

/// The native crate, re-exported for the harness's binaries.
pub use paywit_component::native;

pub mod edge;
pub mod vectors;

/// The component's path: `$PAYWIT_WASM`, else `target/paywit.wasm` of the workspace
/// (`cargo xtask build` leaves it there).
pub fn component_path() -> PathBuf {
    std::env::var_os("PAYWIT_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/paywit.wasm"))
}

/// A [`paywit_component::Host`] on [`component_path`]; panics with a hint when the
/// component has not been built.
pub fn host() -> paywit_component::Host {
    let path = component_path();
    paywit_component::Host::new(&path).unwrap_or_else(|e| {
        panic!(
            "{e:?}
(loading {}: run `cargo xtask build` first)",
            path.display()
        )
    })
}

/// A fresh instance on [`host`] whose `wasi:random` is `TestRng(seed)`: reproducible.
pub fn seeded_instance(seed: u64) -> paywit_component::Instance {
    host().instantiate_with(TestRng(seed).source()).unwrap()
}

/// A small deterministic xorshift generator for reproducible test inputs
/// (and, through [`TestRng::source`], the component's random source). Not for secrets.
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

    /// This generator as the component's `wasi:random` source (reproducible tests only).
    pub fn source(mut self) -> RandomSource {
        RandomSource::Custom(Box::new(move || self.next_u64()))
    }
}
