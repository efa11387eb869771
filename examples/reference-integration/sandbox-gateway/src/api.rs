//! The HTTP API: Stripe-shaped JSON, every POST idempotent through paywit,
//! with the configured misbehaviour around the work.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body as AxumBody, Bytes};
use axum::extract::{Path, Request, State as Shared};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use paywit::idempotency::{self, Decision, StoredKey};
use paywit::types::Body;
use serde_json::{json, Value};

use crate::cards::{self, CardBehaviour};
use crate::state::{KeyRecord, Object, State};
use crate::{webhooks, Gateway};

/// The routes.
pub fn router(gateway: Arc<Gateway>) -> Router {
    let api = Router::new()
        .route("/v1/payment_intents", post(create_payment))
        .route("/v1/payment_intents/{id}", get(fetch))
        .route("/v1/payment_intents/{id}/confirm_3ds", post(confirm_3ds))
        .route("/v1/payment_intents/{id}/capture", post(capture))
        .route("/v1/payment_intents/{id}/dispute", post(open_dispute))
        .route("/v1/disputes/{id}/close", post(close_dispute))
        .route("/v1/refunds", post(create_refund))
        .route("/v1/refunds/{id}", get(fetch))
        .route("/v1/payouts", post(create_payout))
        .route("/v1/invoices", post(create_invoice))
        .route("/v1/invoices/{id}", get(fetch))
        .route("/v1/payouts/{id}", get(fetch))
        .route_layer(middleware::from_fn_with_state(gateway.clone(), unless_in_outage));
    // The operator's tools stay up during an API outage, as a gateway's dashboard does.
    let tools = Router::new()
        .route("/v1/events/{id}/replay", post(replay))
        .route("/v1/truth", get(truth))
        .route("/v1/sandbox/outage", post(start_outage));
    api.merge(tools).with_state(gateway)
}

/// During an outage (`POST /v1/sandbox/outage`), API calls answer 503 with `Retry-After`
/// (reads only, for a partial outage); webhooks keep being delivered.
async fn unless_in_outage(Shared(gateway): Shared<Arc<Gateway>>, request: Request, next: Next) -> Response {
    let remaining_ms = gateway.outage_until_ms.load(Ordering::Relaxed).saturating_sub(webhooks::clock_ms());
    let affected = request.method() == Method::GET || !gateway.outage_reads_only.load(Ordering::Relaxed);
    if remaining_ms > 0 && affected {
        let (status, body) = error(503, "api_error", "service_unavailable", "The API is down for maintenance.");
        let mut response = json_response(status, &body);
        let retry_after = remaining_ms.div_ceil(1000).to_string();
        response.headers_mut().insert("retry-after", retry_after.parse().expect("digits are a header value"));
        return response;
    }
    next.run(request).await
}

/// Starts an API outage of `{"seconds": n}` (at most an hour; `0` ends one) from now, of every
/// call or, with `"reads_only": true`, of the `GET`s only.
async fn start_outage(Shared(gateway): Shared<Arc<Gateway>>, body: Bytes) -> Response {
    let request = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let Some(seconds) = request["seconds"].as_f64().filter(|s| (0.0..=3600.0).contains(s)) else {
        let message = "Give {\"seconds\": 0..3600, \"reads_only\": false}.";
        let (status, body) = error(400, "invalid_request_error", "parameter_invalid", message);
        return json_response(status, &body);
    };
    let reads_only = request["reads_only"].as_bool().unwrap_or(false);
    gateway.outage_reads_only.store(reads_only, Ordering::Relaxed);
    gateway.outage_until_ms.store(webhooks::clock_ms() + (seconds * 1000.0) as u64, Ordering::Relaxed);
    json_response(200, &json!({ "outage_seconds": seconds, "reads_only": reads_only }))
}

fn json_response(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [("content-type", "application/json")], body.to_string()).into_response()
}

fn error(status: u16, kind: &str, code: &str, message: &str) -> (u16, Value) {
    (status, json!({ "error": { "type": kind, "code": code, "message": message } }))
}

/// What a POST's work returns: the status and body to answer, the events it recorded.
type Work = (u16, Value);

/// Runs `work` at most once per `Idempotency-Key` (paywit's `decide`), with the
/// configured misbehaviour before (500, 429: nothing done) and after (the
/// response lost or late: the work stands).
async fn idempotent(
    gateway: Arc<Gateway>,
    headers: &HeaderMap,
    path: &str,
    body: &Bytes,
    work: impl FnOnce(&Gateway, &mut State) -> Work,
) -> Response {
    let chaos = gateway.config.chaos.clone();
    let (before, after) = {
        let mut state = gateway.state.lock().await;
        (state.roll(), state.roll())
    };
    if before < chaos.error_500 {
        return json_response(500, &error(500, "api_error", "internal", "Something went wrong on our side.").1);
    }
    if before < chaos.error_500 + chaos.rate_limit_429 {
        let mut response = json_response(429, &error(429, "rate_limit_error", "rate_limited", "Too many requests.").1);
        response.headers_mut().insert("retry-after", "1".parse().expect("a valid header value"));
        return response;
    }
    let policy = idempotency::default_policy();
    let key = match headers.get("idempotency-key").map(|v| v.to_str().map(idempotency::parse_key)) {
        None => None,
        Some(Ok(Ok(key))) => Some(key),
        _ => {
            return json_response(
                400,
                &error(400, "invalid_request_error", "idempotency_key_invalid", "Bad Idempotency-Key.").1,
            )
        }
    };
    let fingerprint = idempotency::fingerprint("POST", path, &Body::Bytes(body.to_vec()));
    let now = crate::now();
    let slow = after >= chaos.drop_response && after < chaos.drop_response + chaos.slow_response;
    let (status, answer) = {
        let mut state = gateway.state.lock().await;
        let stored = key.as_ref().and_then(|k| state.keys.get(k)).map(|r| r.stored.clone());
        let decision = idempotency::decide(key.as_deref(), stored.as_ref(), &fingerprint, now, &policy)
            .unwrap_or(Decision::MissingKey);
        match &decision {
            Decision::Execute(_) => {}
            Decision::Replay(_) => {
                let record = key.as_ref().and_then(|k| state.keys.get(k));
                let (status, body) = record.and_then(|r| r.response.clone()).unwrap_or((500, "{}".into()));
                let mut response = json_response(status, &serde_json::from_str(&body).unwrap_or(Value::Null));
                response.headers_mut().insert("idempotent-replayed", "true".parse().expect("a valid header value"));
                return response;
            }
            refused => {
                let problem = idempotency::problem_for(refused, &policy).expect("a refusal has a problem");
                return (
                    StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST),
                    [("content-type", problem.content_type)],
                    problem.body,
                )
                    .into_response();
            }
        }
        let (status, answer) = work(&gateway, &mut state);
        if let Some(key) = &key {
            let record = KeyRecord {
                stored: StoredKey { fingerprint, first_seen: now, completed: !slow, response_ref: Some(key.clone()) },
                response: Some((status, answer.to_string())),
            };
            state.keys.insert(key.clone(), record);
        }
        (status, answer)
    };
    if after < chaos.drop_response {
        // The work is done and recorded; the response never arrives (the connection drops mid-body).
        let stream = futures_util::stream::once(async { Err::<Bytes, _>(std::io::Error::other("connection lost")) });
        return Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(AxumBody::from_stream(stream))
            .expect("a valid response");
    }
    if slow {
        // Still "in progress" for a retry that comes meanwhile (409), then completed.
        tokio::time::sleep(Duration::from_millis(chaos.slow_response_ms)).await;
        if let Some(key) = &key {
            if let Some(record) = gateway.state.lock().await.keys.get_mut(key) {
                record.stored.completed = true;
            }
        }
    }
    json_response(status, &answer)
}

fn record(gateway: &Gateway, state: &mut State, id: &str, object: Object, action: &str) {
    let event = state.change(id, object, action);
    webhooks::enqueue(gateway, state, &event);
}

fn payment(id: &str, amount: u64, currency: &str, status: &str, error_code: Option<&str>) -> Object {
    Object {
        kind: "payment_intent",
        json: json!({
            "id": id, "object": "payment_intent", "amount": amount, "currency": currency, "status": status,
            "amount_refunded": 0,
            "last_payment_error": error_code.map(|code| json!({ "code": code, "type": "card_error" })),
        }),
    }
}

async fn create_payment(Shared(gateway): Shared<Arc<Gateway>>, headers: HeaderMap, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    idempotent(gateway, &headers, "/v1/payment_intents", &body, move |gateway, state| {
        let amount = request["amount"].as_u64().filter(|a| *a > 0);
        let currency = request["currency"].as_str().unwrap_or("usd").to_string();
        let Some(amount) = amount else {
            return error(400, "invalid_request_error", "parameter_invalid", "amount must be a positive integer");
        };
        let Some(behaviour) = cards::behaviour(request["card"].as_str().unwrap_or("")) else {
            return error(402, "card_error", "incorrect_number", "The card number fails the Luhn check.");
        };
        let id = state.id("pi");
        record(gateway, state, &id, payment(&id, amount, &currency, "requires_payment_method", None), "created");
        // The replay helper: any card, declined with the code asked for.
        if let Some(code) = request["force_decline"].as_str() {
            let failed = payment(&id, amount, &currency, "requires_payment_method", Some(code));
            record(gateway, state, &id, failed.clone(), "payment_failed");
            return (402, json!({ "error": { "type": "card_error", "code": code, "payment_intent": failed.json } }));
        }
        let declined = |gateway: &Gateway, state: &mut State, code: &str| {
            let failed = payment(&id, amount, &currency, "requires_payment_method", Some(code));
            record(gateway, state, &id, failed.clone(), "payment_failed");
            (402, json!({ "error": { "type": "card_error", "code": code, "payment_intent": failed.json } }))
        };
        let manual_capture = request["capture_method"] == "manual";
        match behaviour {
            CardBehaviour::Succeeds if manual_capture => {
                // Authorized only: the money moves when the merchant captures.
                let authorized = payment(&id, amount, &currency, "requires_capture", None);
                record(gateway, state, &id, authorized.clone(), "amount_capturable_updated");
                (200, authorized.json)
            }
            CardBehaviour::Succeeds => {
                record(gateway, state, &id, payment(&id, amount, &currency, "processing", None), "processing");
                let done = payment(&id, amount, &currency, "succeeded", None);
                record(gateway, state, &id, done.clone(), "succeeded");
                state.counters.charges_made += 1;
                (200, done.json)
            }
            CardBehaviour::Declines => declined(gateway, state, "card_declined"),
            CardBehaviour::InsufficientFunds => declined(gateway, state, "insufficient_funds"),
            CardBehaviour::AttachesThenDeclines => {
                record(gateway, state, &id, payment(&id, amount, &currency, "processing", None), "processing");
                declined(gateway, state, "card_declined")
            }
            CardBehaviour::Requires3ds => {
                let pending = payment(&id, amount, &currency, "requires_action", None);
                record(gateway, state, &id, pending.clone(), "requires_action");
                (200, pending.json)
            }
        }
    })
    .await
}

async fn confirm_3ds(
    Shared(gateway): Shared<Arc<Gateway>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = format!("/v1/payment_intents/{id}/confirm_3ds");
    idempotent(gateway, &headers, &path, &body, move |gateway, state| {
        let Some(current) = state.objects.get(&id).filter(|o| o.status() == "requires_action").cloned() else {
            return error(400, "invalid_request_error", "payment_intent_unexpected_state", "No 3-D Secure challenge is pending.");
        };
        let (amount, currency) = (current.json["amount"].as_u64().unwrap_or(0), current.json["currency"].to_string());
        let currency = currency.trim_matches('"');
        if request["outcome"] == "success" {
            let done = payment(&id, amount, currency, "succeeded", None);
            record(gateway, state, &id, done.clone(), "succeeded");
            state.counters.charges_made += 1;
            (200, done.json)
        } else {
            let failed = payment(&id, amount, currency, "requires_payment_method", Some("authentication_required"));
            record(gateway, state, &id, failed.clone(), "payment_failed");
            (402, json!({ "error": { "type": "card_error", "code": "authentication_required", "payment_intent": failed.json } }))
        }
    })
    .await
}

async fn capture(
    Shared(gateway): Shared<Arc<Gateway>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/v1/payment_intents/{id}/capture");
    idempotent(gateway, &headers, &path, &body, move |gateway, state| {
        let Some(current) = state.objects.get(&id).filter(|o| o.status() == "requires_capture").cloned() else {
            return error(
                400,
                "invalid_request_error",
                "payment_intent_unexpected_state",
                "Only an authorized payment can be captured.",
            );
        };
        let amount = current.json["amount"].as_u64().unwrap_or(0);
        let currency = current.json["currency"].as_str().unwrap_or("usd").to_string();
        let done = payment(&id, amount, &currency, "succeeded", None);
        record(gateway, state, &id, done.clone(), "succeeded");
        state.counters.charges_made += 1;
        (200, done.json)
    })
    .await
}

/// Applies a late reversal after a short while, if the dice say so.
fn maybe_reverse_later(gateway: &Gateway, state: &mut State, id: &str, kind: &'static str, status: &str, action: &str) {
    if state.roll() >= gateway.config.chaos.late_reversal {
        return;
    }
    state.reversals.push((id.to_string(), kind, status.to_string(), action.to_string()));
}

/// Applies the late reversals queued so far, a little later (called after each POST that may queue one).
async fn apply_reversals(gateway: Arc<Gateway>) {
    let queued = std::mem::take(&mut gateway.state.lock().await.reversals);
    if queued.is_empty() {
        return;
    }
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut state = gateway.state.lock().await;
        for (id, kind, status, action) in queued {
            if let Some(mut object) = state.objects.get(&id).cloned().filter(|o| o.kind == kind) {
                object.json["status"] = json!(status);
                if kind == "payout" {
                    object.json["failure_code"] = json!("account_closed");
                }
                record(&gateway, &mut state, &id, object, &action);
            }
        }
    });
}

async fn create_refund(Shared(gateway): Shared<Arc<Gateway>>, headers: HeaderMap, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let response = idempotent(gateway.clone(), &headers, "/v1/refunds", &body, move |gateway, state| {
        let payment_id = request["payment_intent"].as_str().unwrap_or("").to_string();
        let Some(mut payment) = state.objects.get(&payment_id).filter(|o| o.status() == "succeeded").cloned() else {
            return error(400, "invalid_request_error", "charge_not_refundable", "Only a succeeded payment can be refunded.");
        };
        let captured = payment.json["amount"].as_u64().unwrap_or(0);
        let refunded = payment.json["amount_refunded"].as_u64().unwrap_or(0);
        let requested = request["amount"].as_u64().unwrap_or(captured - refunded);
        if let Err(e) = paywit::lifecycle::money::refundable(&captured.to_string(), &refunded.to_string(), &requested.to_string()) {
            return error(400, "invalid_request_error", "amount_too_large", &format!("{e:?}"));
        }
        let id = state.id("re");
        let refund = |status: &str| Object {
            kind: "refund",
            json: json!({ "id": id, "object": "refund", "payment_intent": payment_id, "amount": requested, "status": status }),
        };
        record(gateway, state, &id, refund("pending"), "created");
        let done = refund("succeeded");
        record(gateway, state, &id, done.clone(), "updated");
        payment.json["amount_refunded"] = json!(refunded + requested);
        state.objects.insert(payment_id.clone(), payment);
        maybe_reverse_later(gateway, state, &id, "refund", "failed", "failed");
        (200, done.json)
    })
    .await;
    apply_reversals(gateway).await;
    response
}

async fn open_dispute(
    Shared(gateway): Shared<Arc<Gateway>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/v1/payment_intents/{id}/dispute");
    idempotent(gateway, &headers, &path, &body, move |gateway, state| {
        let Some(payment) = state.objects.get(&id).filter(|o| o.status() == "succeeded").cloned() else {
            return error(400, "invalid_request_error", "charge_not_disputable", "Only a succeeded payment can be disputed.");
        };
        let dispute_id = state.id("dp");
        let dispute = Object {
            kind: "charge.dispute",
            json: json!({ "id": dispute_id, "object": "dispute", "payment_intent": id, "amount": payment.json["amount"], "status": "needs_response" }),
        };
        record(gateway, state, &dispute_id, dispute.clone(), "created");
        (200, dispute.json)
    })
    .await
}

async fn close_dispute(
    Shared(gateway): Shared<Arc<Gateway>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = format!("/v1/disputes/{id}/close");
    let response = idempotent(gateway.clone(), &headers, &path, &body, move |gateway, state| {
        let Some(mut dispute) = state.objects.get(&id).filter(|o| o.kind == "charge.dispute").cloned() else {
            return error(404, "invalid_request_error", "resource_missing", "No such dispute.");
        };
        let outcome = if request["outcome"] == "won" { "won" } else { "lost" };
        dispute.json["status"] = json!(outcome);
        record(gateway, state, &id, dispute.clone(), "closed");
        if outcome == "won" {
            maybe_reverse_later(gateway, state, &id, "charge.dispute", "lost", "updated");
        }
        (200, dispute.json)
    })
    .await;
    apply_reversals(gateway).await;
    response
}

async fn create_payout(Shared(gateway): Shared<Arc<Gateway>>, headers: HeaderMap, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let response = idempotent(gateway.clone(), &headers, "/v1/payouts", &body, move |gateway, state| {
        let ids: Vec<String> = request["payment_intents"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        let mut items = Vec::new();
        for payment_id in &ids {
            let Some(payment) = state.objects.get(payment_id).filter(|o| o.status() == "succeeded") else {
                return error(
                    400,
                    "invalid_request_error",
                    "payout_item_invalid",
                    "Every item must be a succeeded payment.",
                );
            };
            let net =
                payment.json["amount"].as_u64().unwrap_or(0) - payment.json["amount_refunded"].as_u64().unwrap_or(0);
            items.push(json!({ "id": payment_id, "kind": "charge", "amount": net.to_string() }));
        }
        let amount: u64 = items.iter().filter_map(|i| i["amount"].as_str()?.parse::<u64>().ok()).sum();
        let id = state.id("po");
        let payout = |status: &str| Object {
            kind: "payout",
            json: json!({ "id": id, "object": "payout", "amount": amount, "status": status, "items": items }),
        };
        record(gateway, state, &id, payout("pending"), "created");
        record(gateway, state, &id, payout("in_transit"), "updated");
        let paid = payout("paid");
        record(gateway, state, &id, paid.clone(), "paid");
        maybe_reverse_later(gateway, state, &id, "payout", "failed", "failed");
        (200, paid.json)
    })
    .await;
    apply_reversals(gateway).await;
    response
}

/// A crypto invoice (BTCPay's statuses and webhook names): created, a payment detected, then
/// settled; or, as a late reversal, the payment replaced (RBF) by one that underpays.
async fn create_invoice(Shared(gateway): Shared<Arc<Gateway>>, headers: HeaderMap, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    idempotent(gateway.clone(), &headers, "/v1/invoices", &body, move |gateway, state| {
        let Some(amount) = request["amount"].as_u64().filter(|a| *a > 0) else {
            return error(400, "invalid_request_error", "parameter_invalid", "amount must be a positive integer");
        };
        let id = state.id("inv");
        let invoice = |status: &str| Object {
            kind: "invoice",
            json: json!({ "id": id, "object": "invoice", "amount": amount, "currency": "BTC", "status": status }),
        };
        let recorded = |state: &mut State, object: Object, event_type: &str| {
            let event = state.change_as(&id, object, "btcpay", event_type);
            webhooks::enqueue(gateway, state, &event);
        };
        recorded(state, invoice("New"), "InvoiceCreated");
        recorded(state, invoice("Processing"), "InvoiceProcessing");
        if state.roll() < gateway.config.chaos.late_reversal {
            // The payment was replaced by fee bump (RBF) with one that pays less.
            recorded(state, invoice("Expired"), "InvoiceExpiredPaidPartial");
        } else {
            recorded(state, invoice("Settled"), "InvoiceSettled");
        }
        (200, state.objects[&id].json.clone())
    })
    .await
}

async fn fetch(Shared(gateway): Shared<Arc<Gateway>>, Path(id): Path<String>) -> Response {
    match gateway.state.lock().await.objects.get(&id) {
        Some(object) => json_response(200, &object.json),
        None => json_response(404, &error(404, "invalid_request_error", "resource_missing", "No such object.").1),
    }
}

/// The replay tool: queues the stored event again, as first delivered.
async fn replay(Shared(gateway): Shared<Arc<Gateway>>, Path(id): Path<String>) -> Response {
    let mut state = gateway.state.lock().await;
    let Some(event) = state.events.iter().find(|e| e.id == id).cloned() else {
        return json_response(404, &error(404, "invalid_request_error", "resource_missing", "No such event.").1);
    };
    state.outbox.push(crate::state::Delivery {
        event_id: event.id.clone(),
        body: event.body.clone(),
        due_ms: webhooks::clock_ms(),
        attempt: 0,
        signing: crate::state::Signing::Genuine,
    });
    gateway.outbox_changed.notify_one();
    json_response(202, &json!({ "replayed": event.id }))
}

async fn truth(Shared(gateway): Shared<Arc<Gateway>>) -> Response {
    json_response(200, &gateway.state.lock().await.truth())
}
