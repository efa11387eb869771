//! The sandbox gateway on loopback, against a receiver written here that
//! verifies with paywit and folds events with paywit's lifecycle: test cards,
//! idempotency, every misbehaviour, and at-least-once webhooks whose folded
//! states end equal to the gateway's truth.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use paywit::lifecycle::{self, Gateway as Source, Outcome, State};
use paywit::types::{Body, Header};
use paywit::webhooks::{self, Request, Scheme, VerifyOptions};
use paywit_sandbox_gateway::{start, Chaos, Config};
use serde_json::{json, Value};
use tokio::net::TcpListener;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The event naming a gateway object follows (its `source`).
fn source(name: &Value) -> Source {
    if name == "btcpay" {
        Source::Btcpay
    } else {
        Source::Stripe
    }
}

/// What the receiver saw.
#[derive(Default)]
struct Received {
    accepted: Vec<String>,
    rejected: usize,
    folded: HashMap<String, State>,
    refused_left: usize,
}

/// A receiver that verifies, answers 503 to its first `refuse_first` genuine deliveries (an outage),
/// dedupes nothing (so duplicates show) and folds every accepted event.
async fn receiver(refuse_first: usize) -> (String, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received { refused_left: refuse_first, ..Received::default() }));
    let shared = received.clone();
    let app = Router::new().route(
        "/webhooks",
        post(move |headers: HeaderMap, body: Bytes| {
            let shared = shared.clone();
            async move {
                let mut r = shared.lock().unwrap();
                let headers = headers.iter().map(|(k, v)| Header::new(k.as_str(), v.to_str().unwrap_or(""))).collect();
                let request = Request { headers, body: Body::Bytes(body.to_vec()), url: None };
                let options = VerifyOptions { now: paywit_sandbox_gateway::now(), tolerance_seconds: None };
                if webhooks::verify(&Scheme::StandardWebhooks, &[SECRET.into()], &request, options).is_err() {
                    r.rejected += 1;
                    return axum::http::StatusCode::UNAUTHORIZED;
                }
                // An outage for the first genuine deliveries: the gateway must redeliver them.
                if r.refused_left > 0 {
                    r.refused_left -= 1;
                    return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                }
                let event: Value = serde_json::from_slice(&body).unwrap();
                let object = &event["data"]["object"];
                r.accepted.push(event["id"].as_str().unwrap().to_string());
                if let Some(state) = lifecycle::map_event(
                    source(&event["source"]),
                    event["type"].as_str().unwrap(),
                    object["status"].as_str(),
                ) {
                    let id = object["id"].as_str().unwrap().to_string();
                    let current = r.folded.get(&id).copied();
                    match lifecycle::apply(current, state) {
                        Outcome::Advanced(s) | Outcome::Reversed(s) => {
                            r.folded.insert(id, s);
                        }
                        _ => {}
                    }
                }
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

async fn gateway(chaos: Chaos, webhook_url: Option<String>) -> String {
    let config = Config { webhook_url, webhook_secret: SECRET.into(), time_scale: 1000, chaos, seed: 7 };
    let (address, _) = start(config, TcpListener::bind("127.0.0.1:0").await.unwrap()).await.unwrap();
    format!("http://{address}")
}

/// POSTs JSON; `Err` when the response was lost.
async fn post_json(base: &str, path: &str, key: Option<&str>, body: Value) -> Result<(u16, HeaderMap, Value), String> {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut request = hyper::Request::post(format!("{base}{path}")).header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = client
        .request(request.body(Full::new(Bytes::from(body.to_string()))).unwrap())
        .await
        .map_err(|e| e.to_string())?;
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((parts.status.as_u16(), parts.headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
}

async fn get_json(base: &str, path: &str) -> Value {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let response = client.get(format!("{base}{path}").parse().unwrap()).await.unwrap();
    serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap()
}

fn charge(card: &str) -> Value {
    json!({ "amount": 9900, "currency": "usd", "card": card })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_cards_idempotency_and_webhooks_that_fold_to_the_truth() {
    let (url, received) = receiver(3).await;
    let chaos =
        Chaos { duplicate_delivery: 0.5, reorder_ms: 20, forge_every: 4, late_reversal: 1.0, ..Chaos::default() };
    let base = gateway(chaos, Some(url)).await;

    // The guide's test cards.
    let ok = post_json(&base, "/v1/payment_intents", Some("k-success"), charge("4242 4242 4242 4242")).await.unwrap();
    assert_eq!((ok.0, ok.2["status"].as_str()), (200, Some("succeeded")));
    for (card, code) in [
        ("4000000000000002", "card_declined"),
        ("4000000000009995", "insufficient_funds"),
        ("4000000000000341", "card_declined"),
    ] {
        let declined = post_json(&base, "/v1/payment_intents", Some(card), charge(card)).await.unwrap();
        assert_eq!((declined.0, declined.2["error"]["code"].as_str()), (402, Some(code)), "{card}");
    }
    let typo = post_json(&base, "/v1/payment_intents", Some("k-typo"), charge("4242424242424241")).await.unwrap();
    assert_eq!(typo.2["error"]["code"], "incorrect_number");
    let forced = post_json(
        &base,
        "/v1/payment_intents",
        Some("k-forced"),
        json!({ "amount": 100, "card": "4242424242424242", "force_decline": "expired_card" }),
    )
    .await
    .unwrap();
    assert_eq!((forced.0, forced.2["error"]["code"].as_str()), (402, Some("expired_card")));
    let three_ds = post_json(&base, "/v1/payment_intents", Some("k-3ds"), charge("4000002760003184")).await.unwrap();
    assert_eq!(three_ds.2["status"], "requires_action");
    let id = three_ds.2["id"].as_str().unwrap().to_string();
    let confirmed = post_json(
        &base,
        &format!("/v1/payment_intents/{id}/confirm_3ds"),
        Some("k-3ds-ok"),
        json!({ "outcome": "success" }),
    )
    .await
    .unwrap();
    assert_eq!(confirmed.2["status"], "succeeded");

    // Manual capture: authorized first, the charge made on capture.
    let manual = json!({ "amount": 4200, "card": "4242424242424242", "capture_method": "manual" });
    let authorized = post_json(&base, "/v1/payment_intents", Some("k-manual"), manual).await.unwrap();
    assert_eq!(authorized.2["status"], "requires_capture");
    let manual_id = authorized.2["id"].as_str().unwrap().to_string();
    let captured = post_json(&base, &format!("/v1/payment_intents/{manual_id}/capture"), Some("k-capture"), json!({}))
        .await
        .unwrap();
    assert_eq!(captured.2["status"], "succeeded");
    let twice = post_json(&base, &format!("/v1/payment_intents/{manual_id}/capture"), Some("k-capture-2"), json!({}))
        .await
        .unwrap();
    assert_eq!(twice.0, 400, "a captured payment cannot be captured again");

    // Idempotency: a retry replays, a changed body is refused, no key is refused.
    let again =
        post_json(&base, "/v1/payment_intents", Some("k-success"), charge("4242 4242 4242 4242")).await.unwrap();
    assert_eq!(again.2, ok.2);
    assert_eq!(again.1.get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    let changed = post_json(&base, "/v1/payment_intents", Some("k-success"), charge("4000000000000002")).await.unwrap();
    assert_eq!(changed.0, 422);
    assert_eq!(post_json(&base, "/v1/payment_intents", None, charge("4242424242424242")).await.unwrap().0, 400);

    // Refunds (partial, then too much), a dispute won then lost, a payout paid then failed.
    let paid = ok.2["id"].as_str().unwrap();
    let refund = post_json(&base, "/v1/refunds", Some("k-refund"), json!({ "payment_intent": paid, "amount": 3000 }))
        .await
        .unwrap();
    assert_eq!(refund.2["status"], "succeeded");
    let over = post_json(&base, "/v1/refunds", Some("k-refund-2"), json!({ "payment_intent": paid, "amount": 7000 }))
        .await
        .unwrap();
    assert_eq!(over.0, 400);
    let dispute =
        post_json(&base, &format!("/v1/payment_intents/{id}/dispute"), Some("k-dispute"), json!({})).await.unwrap();
    let dispute_id = dispute.2["id"].as_str().unwrap().to_string();
    post_json(&base, &format!("/v1/disputes/{dispute_id}/close"), Some("k-won"), json!({ "outcome": "won" }))
        .await
        .unwrap();
    let payout =
        post_json(&base, "/v1/payouts", Some("k-payout"), json!({ "payment_intents": [paid, id] })).await.unwrap();
    assert_eq!((payout.2["status"].as_str(), payout.2["amount"].as_u64()), (Some("paid"), Some(9900 - 3000 + 9900)));
    assert_eq!(payout.2["items"].as_array().unwrap().len(), 2);
    // Crypto invoices: settled, or (late_reversal is 1 here) replaced by an underpaying payment.
    let invoice = post_json(&base, "/v1/invoices", Some("k-invoice"), json!({ "amount": 50_000 })).await.unwrap();
    let invoice_id = invoice.2["id"].as_str().unwrap().to_string();

    // Webhooks: every object folds to the gateway's truth, forgeries are all refused, duplicates happened.
    let mut truth = Value::Null;
    for _ in 0..300 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        truth = get_json(&base, "/v1/truth").await;
        let r = received.lock().unwrap();
        let objects = truth["objects"].as_object().unwrap();
        let all_folded = objects.iter().all(|(id, o)| {
            let wanted =
                lifecycle::map_event(source(&o["source"]), o["last_event"].as_str().unwrap(), o["status"].as_str());
            wanted.is_none() || r.folded.get(id).copied() == wanted
        });
        // Duplicates count once: every event and every forgery must have arrived.
        let unique = r.accepted.iter().collect::<HashSet<_>>().len() as u64;
        let forgeries = truth["counters"]["forgeries_sent"].as_u64().unwrap();
        if all_folded && unique >= truth["events"].as_u64().unwrap() && r.rejected as u64 >= forgeries {
            break;
        }
    }
    {
        let r = received.lock().unwrap();
        for (id, o) in truth["objects"].as_object().unwrap() {
            let wanted =
                lifecycle::map_event(source(&o["source"]), o["last_event"].as_str().unwrap(), o["status"].as_str());
            if wanted.is_some() {
                assert_eq!(r.folded.get(id).copied(), wanted, "{id} folds to the truth");
            }
        }
        assert_eq!(truth["objects"][&dispute_id]["status"], "lost", "the won dispute was lost later");
        assert_eq!(
            truth["objects"][&invoice_id]["last_event"], "InvoiceExpiredPaidPartial",
            "the RBF-replaced payment"
        );
        assert_eq!(r.folded.get(&invoice_id).copied(), Some(State::Invoice(lifecycle::InvoiceStatus::Underpaid)));
        assert_eq!(
            truth["objects"][payout.2["id"].as_str().unwrap()]["status"],
            "failed",
            "the paid payout failed later"
        );
        let counters = &truth["counters"];
        assert_eq!(
            r.rejected as u64,
            counters["forgeries_sent"].as_u64().unwrap(),
            "every forged, tampered or replayed delivery is refused"
        );
        assert!(counters["forgeries_sent"].as_u64().unwrap() >= 6);
        let unique: HashSet<&String> = r.accepted.iter().collect();
        assert!(unique.len() < r.accepted.len(), "at least once: some events arrived twice");
        assert_eq!(
            unique.len() as u64,
            truth["events"].as_u64().unwrap(),
            "no event lost, despite the refused first deliveries"
        );
        assert!(counters["deliveries_refused"].as_u64().unwrap() >= 3, "the outage was redelivered");
    }

    // The replay tool re-fires a stored event.
    let first = received.lock().unwrap().accepted[0].clone();
    let before = received.lock().unwrap().accepted.iter().filter(|e| **e == first).count();
    post_json(&base, &format!("/v1/events/{first}/replay"), None, json!({})).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(received.lock().unwrap().accepted.iter().filter(|e| **e == first).count(), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_response_and_a_retry_with_the_same_key_make_one_charge() {
    let base = gateway(Chaos { drop_response: 1.0, ..Chaos::default() }, None).await;
    let lost = post_json(&base, "/v1/payment_intents", Some("k-lost"), charge("4242424242424242")).await;
    assert!(lost.is_err(), "the response is lost: {lost:?}");
    let retried = post_json(&base, "/v1/payment_intents", Some("k-lost"), charge("4242424242424242")).await.unwrap();
    assert_eq!((retried.0, retried.2["status"].as_str()), (200, Some("succeeded")));
    assert_eq!(get_json(&base, "/v1/truth").await["counters"]["charges_made"], 1);

    let failing = gateway(Chaos { error_500: 1.0, ..Chaos::default() }, None).await;
    assert_eq!(post_json(&failing, "/v1/payment_intents", Some("k"), charge("4242424242424242")).await.unwrap().0, 500);
    assert_eq!(get_json(&failing, "/v1/truth").await["events"], 0, "a 500 before the work does nothing");
    let limited = gateway(Chaos { rate_limit_429: 1.0, ..Chaos::default() }, None).await;
    let refused = post_json(&limited, "/v1/payment_intents", Some("k"), charge("4242424242424242")).await.unwrap();
    assert_eq!((refused.0, refused.1.get("retry-after").map(|v| v.to_str().unwrap())), (429, Some("1")));

    let slow = gateway(Chaos { slow_response: 1.0, slow_response_ms: 500, ..Chaos::default() }, None).await;
    let slow_base = slow.clone();
    let first = tokio::spawn(async move {
        post_json(&slow_base, "/v1/payment_intents", Some("k-slow"), charge("4242424242424242")).await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let during = post_json(&slow, "/v1/payment_intents", Some("k-slow"), charge("4242424242424242")).await.unwrap();
    assert_eq!(during.0, 409, "the first request is still in progress");
    assert_eq!(first.await.unwrap().unwrap().0, 200);
    assert_eq!(get_json(&slow, "/v1/truth").await["counters"]["charges_made"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_outage_answers_503_with_retry_after_and_leaves_the_tools_up() {
    let base = gateway(Chaos::default(), None).await;
    let made = post_json(&base, "/v1/payment_intents", Some("k-1"), charge("4242424242424242")).await.unwrap();
    let id = made.2["id"].as_str().unwrap().to_string();
    assert_eq!(post_json(&base, "/v1/sandbox/outage", None, json!({ "seconds": -1 })).await.unwrap().0, 400);
    assert_eq!(post_json(&base, "/v1/sandbox/outage", None, json!({ "seconds": 0.4 })).await.unwrap().0, 200);

    let down = post_json(&base, "/v1/payment_intents", Some("k-2"), charge("4242424242424242")).await.unwrap();
    assert_eq!((down.0, down.1.get("retry-after").map(|v| v.to_str().unwrap())), (503, Some("1")));
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let fetched = client.get(format!("{base}/v1/payment_intents/{id}").parse().unwrap()).await.unwrap();
    assert_eq!(fetched.status(), 503, "reads are down too");
    assert_eq!(get_json(&base, "/v1/truth").await["counters"]["charges_made"], 1, "the tools stay up");

    tokio::time::sleep(Duration::from_millis(450)).await;
    let after = post_json(&base, "/v1/payment_intents", Some("k-2"), charge("4242424242424242")).await.unwrap();
    assert_eq!(after.0, 200, "the API is back after the outage");

    let partial = json!({ "seconds": 5, "reads_only": true });
    assert_eq!(post_json(&base, "/v1/sandbox/outage", None, partial).await.unwrap().0, 200);
    let write = post_json(&base, "/v1/payment_intents", Some("k-3"), charge("4242424242424242")).await.unwrap();
    assert_eq!(write.0, 200, "a reads-only outage lets writes through");
    let read = client.get(format!("{base}/v1/payment_intents/{id}").parse().unwrap()).await.unwrap();
    assert_eq!(read.status(), 503);
}
