//! The component through the wasmtime host, one module per concern: each WIT interface
//! against the native crate on the same inputs, the shared conformance tables and vectors,
//! the boundary (limits, traps, random values of every exported type) and the composed edge
//! ingress served for real.
//!
//! One test binary, not one per file: each links wasmtime and Cranelift, so fourteen binaries
//! cost fourteen links and over a gigabyte of disk for the same tests.

mod addresses;
mod alerts;
mod boundary;
mod boundary_fuzz;
mod conformance;
mod credentials;
mod edge_ingress;
mod idempotency;
mod lifecycle;
mod reconciliation;
mod requests;
mod retry;
mod tables;
mod webhooks;
