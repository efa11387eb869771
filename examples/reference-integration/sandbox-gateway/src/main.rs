//! `sandbox-gateway`: serves the sandbox gateway on loopback until killed.
//!
//! Environment: `SANDBOX_PORT` (default 8787), `SANDBOX_WEBHOOK_URL` (where
//! deliveries go; several comma-separated take turns), `SANDBOX_WEBHOOK_SECRET` (a `whsec_` secret), `SANDBOX_CHAOS`
//! (`none` or `demo`: every misbehaviour at the rates a day of traffic shows),
//! `SANDBOX_TIME_SCALE` (default 1000), `SANDBOX_SEED`.

use paywit_sandbox_gateway::{start, Chaos, Config};

/// The misbehaviour of the demo's day of traffic.
fn demo_chaos() -> Chaos {
    Chaos {
        error_500: 0.05,
        rate_limit_429: 0.05,
        drop_response: 0.05,
        slow_response: 0.03,
        slow_response_ms: 300,
        duplicate_delivery: 0.2,
        reorder_ms: 30,
        forge_every: 25,
        late_reversal: 0.2,
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let port: u16 = var("SANDBOX_PORT").and_then(|p| p.parse().ok()).unwrap_or(8787);
    let mut config = Config { webhook_url: var("SANDBOX_WEBHOOK_URL"), ..Config::default() };
    if let Some(secret) = var("SANDBOX_WEBHOOK_SECRET") {
        config.webhook_secret = secret;
    }
    if var("SANDBOX_CHAOS").as_deref() == Some("demo") {
        config.chaos = demo_chaos();
    }
    if let Some(scale) = var("SANDBOX_TIME_SCALE").and_then(|s| s.parse().ok()) {
        config.time_scale = scale;
    }
    if let Some(seed) = var("SANDBOX_SEED").and_then(|s| s.parse().ok()) {
        config.seed = seed;
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let (address, _gateway) = start(config, listener).await?;
    println!("sandbox-gateway: listening on http://{address}");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
