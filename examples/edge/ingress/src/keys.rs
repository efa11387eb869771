//! The `Idempotency-Key` the upstream gets: only from what the gateway signed.

use crate::bindings::paywit::gateway::{idempotency, types as pw, webhooks};

/// The longest `Idempotency-Key` taken from a message id or a body's `id`;
/// longer ones give way to the fingerprint.
const MAX_KEY_LENGTH: usize = 255;
/// The fixed path the fingerprint keys are computed over.
const FINGERPRINT_PATH: &str = "/paywit/webhook";

/// The delivery's key, from signed material only, so that a captured delivery
/// re-sent with new unsigned headers (GitHub's `X-GitHub-Delivery`, Shopify's
/// `X-Shopify-Webhook-Id`, Razorpay's `X-Razorpay-Event-Id`: none of them is
/// signed) reaches the upstream under the key it had, and from what names the
/// *event*, never the object it is about (a NOWPayments payout or a Shopify cart
/// keeps its `id` across status changes: keying on it would drop the updates):
/// - Standard Webhooks: the signed message id (`webhook-id`);
/// - Stripe: the signed body's `id` (`evt_...`, one per event);
/// - Coinbase Commerce: the signed body's `event.id`;
/// - every other scheme: paywit's fingerprint of the body (JSON canonicalised, so
///   NOWPayments, which signs the canonical form, gets one key for any layout of
///   the same JSON), over a fixed method and path, so a change of upstream URL
///   does not change the keys of deliveries still being retried.
///
/// An id that is empty, longer than 255 bytes or not visible ASCII cannot be a
/// header value as it is: the fingerprint stands in.
pub fn idempotency_key(scheme: &webhooks::Scheme, verified: &webhooks::Verified, body: &[u8]) -> String {
    let usable = |id: &str| !id.is_empty() && id.len() <= MAX_KEY_LENGTH && id.bytes().all(|b| b.is_ascii_graphic());
    let event_id = match scheme {
        webhooks::Scheme::StandardWebhooks => verified.message_id.clone(),
        webhooks::Scheme::Stripe => body_string(body, &["id"]),
        webhooks::Scheme::CoinbaseCommerce => body_string(body, &["event", "id"]),
        _ => None,
    };
    match event_id {
        Some(id) if usable(&id) => id,
        _ => idempotency::fingerprint("POST", FINGERPRINT_PATH, &pw::Body::Bytes(body.to_vec())),
    }
}

/// The string at `path` in the JSON body, if the body is JSON and there is one.
fn body_string(body: &[u8], path: &[&str]) -> Option<String> {
    let mut value = serde_json::from_slice::<serde_json::Value>(body).ok()?;
    for field in path {
        value = value.as_object_mut()?.remove(*field)?;
    }
    value.as_str().map(str::to_string)
}
