//! A webhook ingress for any `wasi:http` host (`wasmtime serve`, Spin, wasmCloud,
//! `jco serve`): the integration guide's "verify, answer fast, process
//! elsewhere" at the edge.
//!
//! Per request: POST only (405); the raw body read with a cap (413); verified
//! with paywit against every configured secret (401 on any signature, header or
//! timestamp error, with no detail; 500 on a configuration error, said on
//! stderr without the secret); then forwarded once to the upstream with the
//! gateway's end-to-end headers, an `Idempotency-Key` taken only from what the
//! gateway signed and naming the event (per scheme: the signed message id,
//! Stripe's event id, Coinbase's `event.id`, else the body's fingerprint) and
//! paywit's signed-request headers, so the
//! upstream can trust that the edge verified it. The sender's own `X-Paywit-*`,
//! `Idempotency-Key`, `X-Forwarded-*` and hop-by-hop headers stay behind. 200
//! only when the upstream answered 2xx, 503 otherwise, so the gateway
//! redelivers. An oversized body is read to its end (up to a bound) before the
//! 413, so the sender sees the answer instead of a reset connection.
//!
//! Configuration, from `wasi:cli/environment` (see the README for why):
//! `PAYWIT_SCHEME` (a built-in scheme name), `PAYWIT_SECRETS` (comma-separated,
//! for rotation), `PAYWIT_UPSTREAM_URL` (`http://host:port/path`),
//! `PAYWIT_UPSTREAM_KEY_ID` and `PAYWIT_UPSTREAM_SECRET` (the signed-request
//! key), optional `PAYWIT_BODY_LIMIT` (bytes, default 1 MiB), `PAYWIT_TOLERANCE`
//! (seconds) and `PAYWIT_URL` (the public URL, for schemes that sign it).
#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({
    path: "wit",
    world: "paywit:edge-ingress/ingress",
    generate_all,
});

use exports::wasi::http::incoming_handler::Guest;
use paywit::gateway::{idempotency, requests, retry, types as pw, webhooks};
use wasi::http::outgoing_handler;
use wasi::http::types::{
    ErrorCode, Fields, IncomingRequest, Method, OutgoingBody, OutgoingRequest, OutgoingResponse, ResponseOutparam,
    Scheme as HttpScheme,
};

/// The default body cap: gateways send a few KiB.
const DEFAULT_BODY_LIMIT: u64 = 1 << 20;
/// An oversized body is read and thrown away up to this many bytes in all (or
/// 4 x the body limit, if larger) before the 413 is sent, so that the sender,
/// which writes its whole body before it reads, sees the 413: a host that
/// answers with the body unread closes the connection, and the sender gets a
/// reset instead. A body declared or found to be larger still is answered
/// without reading further; the host may then close on it.
const DRAIN_FLOOR: u64 = 8 << 20;
/// Request headers not passed on, besides those named below: hop-by-hop ones
/// (RFC 9110 7.6.1, plus HTTP/2's and the old `Proxy-Connection`), `Host` and
/// `Content-Length` (the upstream client sets them), `Expect` (about the
/// sender's connection to the ingress, which reads the whole body anyway), and
/// the sender's claims about the client, which the ingress cannot check: a
/// forwarded `X-Forwarded-For` would let any sender pick the address the
/// upstream logs or rate-limits (so are every `X-Forwarded-*` name and the
/// other client-address headers common servers read), and the sender's requests
/// to rewrite the upstream's method or URL. Any `Proxy-*` header is hop-by-hop as
/// well. Names are compared without case and with `_` read as `-` (CGI-style
/// servers map both spellings to one variable).
const NOT_FORWARDED: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-connection",
    "http2-settings",
    "expect",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
    "forwarded",
    "via",
    "x-client-ip",
    "true-client-ip",
    "cf-connecting-ip",
    "x-cluster-client-ip",
    "x-original-forwarded-for",
    "x-envoy-external-address",
    "front-end-https",
    "x-original-url",
    "x-rewrite-url",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
];
/// Headers the ingress sets itself for the upstream: never taken from the
/// sender, whose copy would come first and win with a first-value reader (and
/// make `verify-request` refuse the forward as ambiguous).
const IDEMPOTENCY_KEY: &str = "idempotency-key";
const PAYWIT_PREFIX: &str = "x-paywit-";
/// The longest `Idempotency-Key` taken from a message id or a body's `id`;
/// longer ones give way to the fingerprint.
const MAX_KEY_LENGTH: usize = 255;

struct Ingress;

impl Guest for Ingress {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let (status, extra) = match serve(request) {
            Ok(outcome) => outcome,
            Err(Refusal(status)) => (status, Vec::new()),
        };
        respond(out, status, &extra);
    }
}

export!(Ingress);

/// A request answered without forwarding, with its status.
struct Refusal(u16);

/// HTTP fields as wasi:http carries them: (name, value bytes).
type FieldList = Vec<(String, Vec<u8>)>;

/// The answer to the gateway: a status and extra response headers.
type Answer = Result<(u16, FieldList), Refusal>;

/// The ingress's settings, read from the environment on each request (an
/// instance serves one request in `wasmtime serve`).
struct Config {
    scheme: webhooks::Scheme,
    secrets: Vec<String>,
    upstream: Upstream,
    key_id: String,
    key_secret: String,
    body_limit: u64,
    tolerance: Option<u32>,
    url: Option<String>,
}

struct Upstream {
    scheme: HttpScheme,
    authority: String,
    path: String,
}

/// Logs a configuration problem on stderr (never a secret) and refuses with 500.
fn misconfigured(what: &str) -> Refusal {
    log(&format!("paywit ingress: configuration error: {what}"));
    Refusal(500)
}

fn log(line: &str) {
    let stderr = wasi::cli::stderr::get_stderr();
    let _ = stderr.blocking_write_and_flush(format!("{line}\n").as_bytes());
}

fn config() -> Result<Config, Refusal> {
    let env: Vec<(String, String)> = wasi::cli::environment::get_environment();
    let var = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    let scheme_name = var("PAYWIT_SCHEME").ok_or_else(|| misconfigured("PAYWIT_SCHEME is not set"))?;
    let scheme = scheme_named(&scheme_name)
        .ok_or_else(|| misconfigured(&format!("PAYWIT_SCHEME {scheme_name:?} is not a built-in scheme")))?;
    let secrets: Vec<String> = var("PAYWIT_SECRETS")
        .map(|s| s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    let upstream_url = var("PAYWIT_UPSTREAM_URL").ok_or_else(|| misconfigured("PAYWIT_UPSTREAM_URL is not set"))?;
    let upstream =
        parse_url(&upstream_url).ok_or_else(|| misconfigured("PAYWIT_UPSTREAM_URL is not an http(s) URL"))?;
    let key_id = var("PAYWIT_UPSTREAM_KEY_ID").ok_or_else(|| misconfigured("PAYWIT_UPSTREAM_KEY_ID is not set"))?;
    let key_secret = var("PAYWIT_UPSTREAM_SECRET").ok_or_else(|| misconfigured("PAYWIT_UPSTREAM_SECRET is not set"))?;
    let number = |name: &str| -> Result<Option<u64>, Refusal> {
        var(name).map(|v| v.parse::<u64>().map_err(|_| misconfigured(&format!("{name} is not a number")))).transpose()
    };
    let body_limit = number("PAYWIT_BODY_LIMIT")?.unwrap_or(DEFAULT_BODY_LIMIT);
    let tolerance = number("PAYWIT_TOLERANCE")?
        .map(|t| u32::try_from(t).map_err(|_| misconfigured("PAYWIT_TOLERANCE is too large")))
        .transpose()?;
    Ok(Config { scheme, secrets, upstream, key_id, key_secret, body_limit, tolerance, url: var("PAYWIT_URL") })
}

fn scheme_named(name: &str) -> Option<webhooks::Scheme> {
    use webhooks::Scheme as S;
    Some(match name {
        "standard-webhooks" => S::StandardWebhooks,
        "stripe" => S::Stripe,
        "github" => S::Github,
        "shopify" => S::Shopify,
        "coinbase-commerce" => S::CoinbaseCommerce,
        "btcpay" => S::Btcpay,
        "razorpay" => S::Razorpay,
        "slack" => S::Slack,
        "paddle" => S::Paddle,
        "square" => S::Square,
        "nowpayments" => S::Nowpayments,
        _ => return None,
    })
}

fn parse_url(url: &str) -> Option<Upstream> {
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("http://") {
        (HttpScheme::Http, rest)
    } else {
        (HttpScheme::Https, url.strip_prefix("https://")?)
    };
    let (authority, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    (!authority.is_empty()).then(|| Upstream { scheme, authority: authority.to_string(), path })
}

/// Reads the body as raw bytes, refusing with 413 past `limit` (by its
/// Content-Length or while reading). Before a 413 the rest of the body is read
/// and dropped, up to the drain bound (see `DRAIN_FLOOR`), so the sender sees
/// the 413 and not a reset; not for a sender that sent `Expect: 100-continue`
/// and waits to be invited before sending the body (a read would invite it).
fn read_body(request: &IncomingRequest, limit: u64) -> Result<Vec<u8>, Refusal> {
    let headers = request.headers();
    let declared = headers.get("content-length");
    let declared = declared.first().and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<u64>().ok());
    let waits_to_send = !headers.get("expect").is_empty();
    let bound = drain_bound(limit);
    let body = request.consume().map_err(|_| Refusal(400))?;
    let stream = body.stream().map_err(|_| Refusal(400))?;
    if let Some(length) = declared {
        if length > limit {
            if length <= bound && !waits_to_send {
                drain(&stream, length);
            }
            return Err(Refusal(413));
        }
    }
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                bytes.extend_from_slice(&chunk);
                if bytes.len() as u64 > limit {
                    drain(&stream, bound.saturating_sub(bytes.len() as u64));
                    return Err(Refusal(413));
                }
            }
            Err(wasi::io::streams::StreamError::Closed) => break,
            Err(_) => return Err(Refusal(400)),
        }
    }
    drop(stream);
    Ok(bytes)
}

/// The most an oversized body is read in all before its 413.
fn drain_bound(limit: u64) -> u64 {
    DRAIN_FLOOR.max(limit.saturating_mul(4))
}

/// Reads and drops up to `budget` bytes of `stream`, stopping at its end or an error.
fn drain(stream: &wasi::io::streams::InputStream, budget: u64) {
    let mut left = budget;
    while left > 0 {
        match stream.blocking_read(left.min(64 * 1024)) {
            Ok(chunk) => left = left.saturating_sub(chunk.len() as u64),
            Err(_) => return,
        }
    }
}

fn serve(request: IncomingRequest) -> Answer {
    if !matches!(request.method(), Method::Post) {
        return Ok((405, vec![("allow".into(), b"POST".to_vec())]));
    }
    let config = config()?;
    let body = read_body(&request, config.body_limit)?;
    let headers: FieldList = request.headers().entries();
    // Headers that are not UTF-8 cannot carry a signature; they are left out of verification.
    let pw_headers: Vec<pw::Header> = headers
        .iter()
        .filter_map(|(name, value)| {
            Some(pw::Header { name: name.clone(), value: String::from_utf8(value.clone()).ok()? })
        })
        .collect();
    let now = wasi::clocks::wall_clock::now().seconds as i64;
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
        Err(_) => return Err(Refusal(401)),
    };
    let key = idempotency_key(&config.scheme, &verified, &body);
    forward(&config, &headers, body, &key, now)
}

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
fn idempotency_key(scheme: &webhooks::Scheme, verified: &webhooks::Verified, body: &[u8]) -> String {
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

/// The fixed path the fingerprint keys are computed over.
const FINGERPRINT_PATH: &str = "/paywit/webhook";

/// The string at `path` in the JSON body, if the body is JSON and there is one.
fn body_string(body: &[u8], path: &[&str]) -> Option<String> {
    let mut value = serde_json::from_slice::<serde_json::Value>(body).ok()?;
    for field in path {
        value = value.as_object_mut()?.remove(*field)?;
    }
    value.as_str().map(str::to_string)
}

/// The sender's headers that go on to the upstream: not the ones the ingress
/// sets itself (`X-Paywit-*`, `Idempotency-Key`, any other name in `own`), not
/// the hop-by-hop and client-claim ones (`NOT_FORWARDED`, `Proxy-*`,
/// `X-Forwarded-*`, and every name the sender's `Connection` lists), all
/// compared without case and with `_` read as `-`.
fn end_to_end(headers: &[(String, Vec<u8>)], own: &[String]) -> FieldList {
    let listed: Vec<String> = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("connection"))
        .filter_map(|(_, value)| std::str::from_utf8(value).ok())
        .flat_map(|value| value.split(','))
        .map(|token| token.trim().to_ascii_lowercase().replace('_', "-"))
        .filter(|token| !token.is_empty())
        .collect();
    headers
        .iter()
        .filter(|(name, _)| {
            let name = name.to_ascii_lowercase().replace('_', "-");
            !(name.starts_with(PAYWIT_PREFIX)
                || name == IDEMPOTENCY_KEY
                || name.starts_with("proxy-")
                || name.starts_with("x-forwarded-")
                || NOT_FORWARDED.contains(&name.as_str())
                || listed.contains(&name)
                || own.iter().any(|own| own.eq_ignore_ascii_case(&name)))
        })
        .cloned()
        .collect()
}

/// Sends the verified delivery upstream once; 200 on 2xx, else 503.
fn forward(config: &Config, headers: &[(String, Vec<u8>)], body: Vec<u8>, key: &str, now: i64) -> Answer {
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
    fields.push((IDEMPOTENCY_KEY.into(), key.as_bytes().to_vec()));
    fields.extend(signed.into_iter().map(|h| (h.name, h.value.into_bytes())));
    let outgoing = OutgoingRequest::new(Fields::from_list(&fields).map_err(|_| Refusal(400))?);
    let upstream = &config.upstream;
    let set = outgoing.set_method(&Method::Post).is_ok()
        && outgoing.set_scheme(Some(&upstream.scheme)).is_ok()
        && outgoing.set_authority(Some(&upstream.authority)).is_ok()
        && outgoing.set_path_with_query(Some(&upstream.path)).is_ok();
    if !set {
        return Err(misconfigured("PAYWIT_UPSTREAM_URL cannot be requested"));
    }
    let outgoing_body = outgoing.body().map_err(|_| Refusal(503))?;
    let response = outgoing_handler::handle(outgoing, None);
    let sent = write_all(&outgoing_body, &body);
    OutgoingBody::finish(outgoing_body, None).map_err(|_| Refusal(503))?;
    let status = match (sent, response) {
        (true, Ok(future)) => {
            future.subscribe().block();
            match future.get() {
                Some(Ok(Ok(response))) => Ok(response.status()),
                Some(Ok(Err(error))) => Err(error),
                _ => Err(ErrorCode::InternalError(None)),
            }
        }
        (_, Err(error)) => Err(error),
        (false, Ok(_)) => Err(ErrorCode::InternalError(None)),
    };
    match status {
        Ok(code) if (200..300).contains(&code) => Ok((200, Vec::new())),
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
            if !verdict.retry {
                log(&format!(
                    "paywit ingress: upstream answered {code} ({:?}), which a redelivery will not fix: check the receiver",
                    verdict.category
                ));
            }
            Ok((503, Vec::new()))
        }
        Err(error) => {
            log(&format!("paywit ingress: upstream unreachable: {error:?}"));
            Ok((503, Vec::new()))
        }
    }
}

fn write_all(body: &OutgoingBody, bytes: &[u8]) -> bool {
    let Ok(stream) = body.write() else { return false };
    // blocking-write-and-flush takes at most 4096 bytes a call.
    let ok = bytes.chunks(4096).all(|chunk| stream.blocking_write_and_flush(chunk).is_ok());
    drop(stream);
    ok
}

fn respond(out: ResponseOutparam, status: u16, extra: &[(String, Vec<u8>)]) {
    let mut headers = vec![("content-type".to_string(), b"text/plain; charset=utf-8".to_vec())];
    headers.extend(extra.iter().cloned());
    let text: &[u8] = match status {
        200 => b"ok\n",
        400 => b"bad request\n",
        401 => b"unauthorized\n",
        405 => b"method not allowed\n",
        413 => b"payload too large\n",
        500 => b"ingress misconfigured\n",
        _ => b"upstream unavailable, retry later\n",
    };
    let fields = Fields::from_list(&headers).unwrap_or_else(|_| Fields::new());
    let response = OutgoingResponse::new(fields);
    let _ = response.set_status_code(status);
    let body = response.body().expect("a new response has a body");
    ResponseOutparam::set(out, Ok(response));
    write_all(&body, text);
    let _ = OutgoingBody::finish(body, None);
}
