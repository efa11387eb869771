//! A webhook ingress for `wasi:http` hosts (`wasmtime serve`, wasmCloud, `jco
//! serve`; not Spin 4, whose `wasi:config` is an older draft: see the README):
//! the integration guide's "verify, answer fast, process elsewhere" at the edge.
//!
//! Per request: POST only (405); the raw body read with a cap (413); verified
//! with paywit against every configured secret (401 on any signature, header or
//! timestamp error, with no detail; 500 on a configuration error, said on
//! stderr without the secret); then forwarded once to the upstream with the
//! gateway's end-to-end headers, an `Idempotency-Key` taken only from what the
//! gateway signed and naming the event (`keys`) and paywit's signed-request
//! headers, so the upstream can trust that the edge verified it. The sender's
//! own `X-Paywit-*`, `Idempotency-Key`, `X-Forwarded-*` and hop-by-hop headers
//! stay behind (`headers`). 200 only when the upstream answered 2xx, 503
//! otherwise, so the gateway redelivers. An oversized body is read to its end
//! (up to a bound) before the 413, so the sender sees the answer instead of a
//! reset connection.
//!
//! Configuration (`config`): `PAYWIT_SCHEME`, `PAYWIT_SECRETS` (separated by
//! commas or whitespace, for rotation), `PAYWIT_UPSTREAM_URL`,
//! `PAYWIT_UPSTREAM_KEY_ID` and `PAYWIT_UPSTREAM_SECRET`, optional
//! `PAYWIT_BODY_LIMIT`, `PAYWIT_TOLERANCE` and `PAYWIT_URL`, each from
//! `wasi:config/store` first, else from `wasi:cli/environment`.
//!
//! Two builds of the same logic: `p2` (default), a `wasi:http@0.2` incoming
//! handler, and `p3` (the `p3` feature), a `wasi:http@0.3` async handler.
#![cfg(target_arch = "wasm32")]

mod config;
mod headers;
mod keys;
#[cfg(not(feature = "p3"))]
mod p2;
#[cfg(feature = "p3")]
mod p3;

#[cfg(not(feature = "p3"))]
use p2 as bindings;
#[cfg(feature = "p3")]
use p3 as bindings;

use bindings::paywit::gateway::{idempotency, requests, retry, types as pw, webhooks};
use config::{misconfigured, Config};
use headers::{end_to_end, FieldList, IDEMPOTENCY_KEY};

/// An oversized body is read and thrown away up to this many bytes in all (or
/// 4 x the body limit, if larger) before the 413 is sent, so that the sender,
/// which writes its whole body before it reads, sees the 413: a host that
/// answers with the body unread closes the connection, and the sender gets a
/// reset instead. A body declared or found to be larger still is answered
/// without reading further; the host may then close on it.
const DRAIN_FLOOR: u64 = 8 << 20;
/// How much of the body is read at a time.
const READ_CHUNK: u64 = 64 * 1024;

/// A request answered without forwarding: its status, and a line for stderr.
pub struct Refusal {
    status: u16,
    log: Option<String>,
}

impl Refusal {
    /// A refusal with nothing to log.
    fn quiet(status: u16) -> Refusal {
        Refusal { status, log: None }
    }
}

/// The answer to the gateway: a status, extra response headers, a line for stderr.
pub struct Answer {
    status: u16,
    headers: FieldList,
    log: Option<String>,
}

impl From<Refusal> for Answer {
    fn from(refusal: Refusal) -> Answer {
        Answer { status: refusal.status, headers: Vec::new(), log: refusal.log }
    }
}

/// The answer to anything but a POST.
fn method_not_allowed() -> Answer {
    Answer { status: 405, headers: vec![("allow".into(), b"POST".to_vec())], log: None }
}

/// What goes to the upstream for a verified delivery: a POST of `body` to the
/// configured URL with `fields`.
struct Forward {
    fields: FieldList,
    body: Vec<u8>,
}

/// Verifies the delivery and builds its signed forward; refuses with 401 on
/// anything the sender got wrong and 500 on a configuration error.
fn verify(config: &Config, headers: &[(String, Vec<u8>)], body: Vec<u8>, now: i64) -> Result<Forward, Refusal> {
    // Headers that are not UTF-8 cannot carry a signature; they are left out of verification.
    let pw_headers: Vec<pw::Header> = headers
        .iter()
        .filter_map(|(name, value)| {
            Some(pw::Header { name: name.clone(), value: String::from_utf8(value.clone()).ok()? })
        })
        .collect();
    let delivery =
        webhooks::Request { headers: pw_headers, body: pw::Body::Bytes(body.clone()), url: config.url.clone() };
    let options = webhooks::VerifyOptions { now, tolerance_seconds: config.tolerance };
    let verified = match webhooks::verify(&config.scheme, &config.secrets, &delivery, options) {
        Ok(verified) => verified,
        Err(webhooks::VerifyError::NoSecrets) => return Err(misconfigured("PAYWIT_SECRETS is empty")),
        Err(webhooks::VerifyError::UnusableSecret(unusable)) => {
            return Err(misconfigured(&format!(
                "secret {} of PAYWIT_SECRETS is unusable ({:?})",
                unusable.index, unusable.problem
            )))
        }
        // Signature, header, timestamp and limit errors: the sender is not trusted; say nothing more.
        Err(_) => return Err(Refusal::quiet(401)),
    };
    let key = keys::idempotency_key(&config.scheme, &verified, &body);
    let signed = requests::sign_request(
        &config.key_id,
        &config.key_secret,
        &requests::OutboundRequest {
            method: "POST".into(),
            path: config.upstream.path.clone(),
            body: pw::Body::Bytes(body.clone()),
            timestamp: now,
            nonce: idempotency::new_key(),
        },
    )
    .map_err(|e| misconfigured(&format!("signing for the upstream failed: {e:?}")))?;
    let own: Vec<String> = signed.iter().map(|h| h.name.clone()).collect();
    let mut fields = end_to_end(headers, &own);
    fields.push((IDEMPOTENCY_KEY.into(), key.into_bytes()));
    fields.extend(signed.into_iter().map(|h| (h.name, h.value.into_bytes())));
    Ok(Forward { fields, body })
}

/// The gateway's answer for the upstream's: 200 on 2xx, else 503 (the
/// gateway redelivers), with a permanent refusal or an unreachable upstream
/// logged. `outcome` is the upstream's status, or what went wrong reaching it.
fn upstream_answer(outcome: Result<u16, String>) -> Answer {
    let (status, log) = match outcome {
        Ok(code) if (200..300).contains(&code) => (200, None),
        Ok(code) => {
            let failure = retry::Failure {
                status: Some(code),
                transport: None,
                error_type: None,
                error_code: None,
                retry_after: None,
                should_retry: None,
            };
            let verdict = retry::classify(&failure);
            let log = (!verdict.retry).then(|| {
                format!(
                    "paywit ingress: upstream answered {code} ({:?}), which a redelivery will not fix: check the receiver",
                    verdict.category
                )
            });
            (503, log)
        }
        Err(error) => (503, Some(format!("paywit ingress: upstream unreachable: {error}"))),
    };
    Answer { status, headers: Vec::new(), log }
}

/// The most an oversized body is read in all before its 413.
fn drain_bound(limit: u64) -> u64 {
    DRAIN_FLOOR.max(limit.saturating_mul(4))
}

/// The body's declared length, when its `Content-Length` is a number.
fn declared_length(headers: &[(String, Vec<u8>)]) -> Option<u64> {
    let (_, value) = headers.iter().find(|(name, _)| name.eq_ignore_ascii_case("content-length"))?;
    std::str::from_utf8(value).ok()?.trim().parse().ok()
}

/// Whether the sender waits to be invited (`Expect`) before it sends the body.
fn waits_to_send(headers: &[(String, Vec<u8>)]) -> bool {
    headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("expect"))
}

/// The response's headers: a text body, plus `extra`.
fn response_headers(extra: &[(String, Vec<u8>)]) -> FieldList {
    let mut headers = vec![("content-type".to_string(), b"text/plain; charset=utf-8".to_vec())];
    headers.extend(extra.iter().cloned());
    headers
}

/// The response's body: the status in words, nothing more.
fn response_text(status: u16) -> &'static [u8] {
    match status {
        200 => b"ok\n",
        400 => b"bad request\n",
        401 => b"unauthorized\n",
        405 => b"method not allowed\n",
        413 => b"payload too large\n",
        500 => b"ingress misconfigured\n",
        _ => b"upstream unavailable, retry later\n",
    }
}
