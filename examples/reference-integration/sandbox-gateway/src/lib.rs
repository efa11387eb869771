//! A sandbox payment gateway on loopback that behaves like a real one,
//! including the ways real ones misbehave, for testing integrations end to end.
//!
//! - API (Stripe-shaped JSON): payment intents charged with the guide's test
//!   cards, 3-D Secure confirmation, refunds (partial too), disputes, payouts
//!   covering many payments, polling (`GET`), and `/v1/truth`, the true state
//!   of every object. Every POST honours `Idempotency-Key` with paywit's
//!   `idempotency::decide` and `problem_for` (replay, 409, 422).
//! - Misbehaviour ([`Chaos`]): a 500 or a 429 with `Retry-After` before
//!   anything happens, a response lost after the work was committed (the
//!   connection drops mid-response), a response that comes too late.
//! - Webhooks signed with paywit (Standard Webhooks), delivered at least once
//!   by [`webhooks`]: duplicates, reordering, redelivery on paywit's
//!   `webhook_redelivery_policy` (time compressed), late reversals, forged,
//!   tampered and replayed deliveries, and a replay endpoint.

pub mod api;
pub mod cards;
pub mod state;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::{Mutex, Notify};

/// How the gateway misbehaves, as probabilities in 0..=1 (a seeded generator decides).
#[derive(Clone, Debug, Default)]
pub struct Chaos {
    /// An API POST answers 500 before doing anything.
    pub error_500: f64,
    /// An API POST answers 429 with `Retry-After: 1` before doing anything.
    pub rate_limit_429: f64,
    /// An API POST does the work, then the connection drops mid-response.
    pub drop_response: f64,
    /// An API POST does the work, then answers only after `slow_response_ms`.
    pub slow_response: f64,
    /// How late a slow response is, in milliseconds.
    pub slow_response_ms: u64,
    /// A webhook delivery is sent twice.
    pub duplicate_delivery: f64,
    /// A webhook delivery is held back by up to this many milliseconds (reordering).
    pub reorder_ms: u64,
    /// After each of this many real events, one forged, one tampered and one replayed delivery (0: never).
    pub forge_every: u64,
    /// A paid payout later fails, a won dispute is later lost, a succeeded refund later fails.
    pub late_reversal: f64,
}

/// The gateway's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where webhooks go (`http://127.0.0.1:port/path`; several, comma-separated, take turns like
    /// receivers behind a load balancer); none: events are only recorded.
    pub webhook_url: Option<String>,
    /// The Standard Webhooks secret deliveries are signed with.
    pub webhook_secret: String,
    /// How much faster than real time the redelivery schedule runs (1000: 1 s becomes 1 ms).
    pub time_scale: u64,
    /// The misbehaviour.
    pub chaos: Chaos,
    /// The seed of the misbehaviour generator.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            webhook_url: None,
            webhook_secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            time_scale: 1000,
            chaos: Chaos::default(),
            seed: 0x5eed,
        }
    }
}

/// The running gateway's shared parts.
pub struct Gateway {
    /// Its settings.
    pub config: Config,
    /// Objects, events, idempotency records and the outbox.
    pub state: Mutex<state::State>,
    /// Wakes the webhook sender when the outbox changes.
    pub outbox_changed: Notify,
    /// Until when (the sender's clock, in ms) the API answers 503: `POST /v1/sandbox/outage`.
    pub outage_until_ms: AtomicU64,
    /// Whether the outage refuses only reads (`GET`).
    pub outage_reads_only: AtomicBool,
}

/// Starts the gateway on `listener` (API and webhook sender); returns its address.
pub async fn start(config: Config, listener: TcpListener) -> std::io::Result<(SocketAddr, Arc<Gateway>)> {
    let address = listener.local_addr()?;
    let seed = config.seed;
    let gateway = Arc::new(Gateway {
        config,
        state: Mutex::new(state::State::new(seed)),
        outbox_changed: Notify::new(),
        outage_until_ms: AtomicU64::new(0),
        outage_reads_only: AtomicBool::new(false),
    });
    tokio::spawn(webhooks::sender(gateway.clone()));
    let app = api::router(gateway.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((address, gateway))
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
