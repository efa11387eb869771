//! At-least-once webhook delivery, signed with paywit (Standard Webhooks):
//! redelivery on paywit's `webhook_redelivery_policy` (compressed by the
//! configured time scale), duplicates, reordering, and forged, tampered and
//! replayed deliveries mixed in.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use paywit::retry::{self, Failure, NextStep, TransportError};
use paywit::types::Body;
use paywit::webhooks::{self, Message, Scheme};
use std::sync::OnceLock;
use tokio::time::Instant;

use crate::state::{Delivery, Event, Signing, State};
use crate::Gateway;

/// Milliseconds on the gateway's clock (since the first call).
pub fn clock_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// Queues `event` for delivery (with a possible duplicate and forgeries, per the chaos settings).
pub fn enqueue(gateway: &Gateway, state: &mut State, event: &Event) {
    if gateway.config.webhook_url.is_none() {
        return;
    }
    let chaos = &gateway.config.chaos;
    let delay = if chaos.reorder_ms > 0 { (state.roll() * chaos.reorder_ms as f64) as u64 } else { 0 };
    let delivery = |due_ms, signing| Delivery {
        event_id: event.id.clone(),
        body: event.body.clone(),
        due_ms,
        attempt: 0,
        signing,
    };
    state.outbox.push(delivery(clock_ms() + delay, Signing::Genuine));
    if state.roll() < chaos.duplicate_delivery {
        let later = (state.roll() * (chaos.reorder_ms.max(10) as f64)) as u64;
        state.outbox.push(delivery(clock_ms() + delay + later, Signing::Genuine));
        state.counters.duplicates_sent += 1;
    }
    if chaos.forge_every > 0 && (state.events.len() as u64).is_multiple_of(chaos.forge_every) {
        for signing in [Signing::WrongSecret, Signing::Tampered, Signing::Stale] {
            state.outbox.push(delivery(clock_ms() + delay, signing));
            state.counters.forgeries_sent += 1;
        }
    }
    gateway.outbox_changed.notify_one();
}

/// The headers and body of one delivery.
fn signed(gateway: &Gateway, delivery: &Delivery) -> (Vec<(String, String)>, String) {
    let (secret, signed_at, body) = match delivery.signing {
        Signing::Genuine | Signing::Tampered => {
            (gateway.config.webhook_secret.clone(), crate::now(), delivery.body.clone())
        }
        Signing::WrongSecret => {
            ("whsec_Zm9yZ2VkLWZvcmdlZC1mb3JnZWQtc2VjcmV0".to_string(), crate::now(), delivery.body.clone())
        }
        Signing::Stale => (gateway.config.webhook_secret.clone(), crate::now() - 3600, delivery.body.clone()),
    };
    let message = Message { body: Body::Text(body.clone()), id: Some(delivery.event_id.clone()), signed_at, url: None };
    let headers = webhooks::sign(&Scheme::StandardWebhooks, &secret, &message)
        .map(|hs| hs.into_iter().map(|h| (h.name, h.value)).collect())
        .unwrap_or_default();
    let body =
        if delivery.signing == Signing::Tampered { body.replacen("\"created\":", "\"created\": ", 1) } else { body };
    (headers, body)
}

/// Sends due deliveries forever; a refused genuine delivery is redelivered later.
pub async fn sender(gateway: Arc<Gateway>) {
    let Some(urls) = gateway.config.webhook_url.clone() else { return };
    let urls: Vec<String> = urls.split(',').map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).collect();
    let mut turn = 0usize;
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let policy = retry::webhook_redelivery_policy();
    loop {
        let (due, next_due) = {
            let mut state = gateway.state.lock().await;
            let now = clock_ms();
            let (due, waiting): (Vec<Delivery>, Vec<Delivery>) = state.outbox.drain(..).partition(|d| d.due_ms <= now);
            state.outbox = waiting;
            (due, state.outbox.iter().map(|d| d.due_ms).min())
        };
        for delivery in due {
            turn += 1;
            let url = urls[turn % urls.len()].clone();
            let (client, gateway, policy) = (client.clone(), gateway.clone(), policy.clone());
            tokio::spawn(async move {
                let (headers, body) = signed(&gateway, &delivery);
                let mut request = hyper::Request::post(url.as_str()).header("content-type", "application/json");
                for (name, value) in &headers {
                    request = request.header(name.as_str(), value.as_str());
                }
                let Ok(request) = request.body(Full::new(Bytes::from(body))) else { return };
                let response = tokio::time::timeout(Duration::from_secs(5), client.request(request)).await;
                let (status, transport) = match response {
                    Ok(Ok(response)) => (Some(response.status().as_u16()), None),
                    Ok(Err(_)) => (None, Some(TransportError::ConnectionRefused)),
                    Err(_) => (None, Some(TransportError::Timeout)),
                };
                let mut state = gateway.state.lock().await;
                state.counters.deliveries_sent += 1;
                if delivery.signing != Signing::Genuine {
                    if let Some(code) = status {
                        state.counters.forgeries_answered += 1;
                        if (200..300).contains(&code) {
                            state.counters.forgeries_accepted += 1;
                        }
                    } else {
                        state.counters.forgeries_unanswered += 1;
                    }
                    return;
                }
                if matches!(status, Some(200..=299)) {
                    return;
                }
                state.counters.deliveries_refused += 1;
                let failure = Failure { status, transport, ..Failure::default() };
                let random = (state.roll() * u64::MAX as f64) as u64;
                match retry::next_step(&policy, delivery.attempt + 1, &failure, crate::now(), random) {
                    Ok(NextStep::RetryAfterMs(ms)) => {
                        let delay = ms / gateway.config.time_scale.max(1);
                        state.outbox.push(Delivery {
                            due_ms: clock_ms() + delay,
                            attempt: delivery.attempt + 1,
                            ..delivery
                        });
                        gateway.outbox_changed.notify_one();
                    }
                    _ => state.counters.events_failed += 1,
                }
            });
        }
        let wait = next_due.map(|due| due.saturating_sub(clock_ms())).unwrap_or(60_000);
        tokio::select! {
            _ = gateway.outbox_changed.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(wait.max(1))) => {}
        }
    }
}
