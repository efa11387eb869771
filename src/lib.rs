//! paywit: payment-gateway integration discipline as pure functions.
//!
//! One module per WIT interface (`webhooks`, `idempotency`, `retry`,
//! `lifecycle`, `requests`, `credentials`, `reconciliation`, `addresses`, `alerts`), plus the shared helpers they stand on. Everything here is pure
//! Rust with no I/O: randomness comes in as arguments, and the component glue
//! (`component`, wasm32 only) draws it from `wasi:random`.
//! See `ARCHITECTURE.md` for the map.

pub mod addresses;
pub mod alerts;
pub mod canonical_json;
pub mod credentials;
pub mod encoding;
pub mod idempotency;
pub mod lifecycle;
pub mod limits;
pub mod reconciliation;
pub mod requests;
pub mod retry;
pub mod types;
pub mod webhooks;

#[cfg(target_arch = "wasm32")]
mod component;
