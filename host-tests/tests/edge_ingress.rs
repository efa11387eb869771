//! `target/webhook-ingress.wasm` (the edge ingress composed with paywit) served
//! for real on loopback, as `wasmtime serve` does it (wasmtime-wasi-http, one
//! instance per request), and again under `jco serve`: the same deliveries to
//! both, with an upstream written here that records what it receives.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use paywit::requests::{self, ApiSecret, InboundRequest};
use paywit::types::{Body, Header};
use paywit::webhooks::{self, Message, Scheme};
use paywit_host_tests::edge::{self, ingress_path, RequestState};
use tokio::net::{TcpListener, TcpStream};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi_http::p2::bindings::ProxyPre;

const OLD_SECRET: &str = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const NEW_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const KEY_ID: &str = "edge-1";
const KEY_SECRET: &str = "upstream-signing-secret";
const BODY_LIMIT: usize = 4096;

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

// ---------- the upstream: records every request, answers with a settable status ----------

#[derive(Clone, Debug)]
struct Recorded {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

#[derive(Clone)]
struct Upstream {
    received: Arc<Mutex<Vec<Recorded>>>,
    status: Arc<AtomicU16>,
}

impl Upstream {
    fn new() -> Upstream {
        Upstream { received: Arc::default(), status: Arc::new(AtomicU16::new(200)) }
    }

    /// Serves on `listener` until the test ends.
    fn serve(&self, listener: TcpListener) {
        let upstream = self.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                        let upstream = upstream.clone();
                        async move {
                            let path = request.uri().path().to_string();
                            let headers = request
                                .headers()
                                .iter()
                                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                                .collect();
                            let body = request.into_body().collect().await?.to_bytes().to_vec();
                            upstream.received.lock().unwrap().push(Recorded { path, headers, body });
                            let status = upstream.status.load(Ordering::SeqCst);
                            Ok::<_, hyper::Error>(
                                hyper::Response::builder()
                                    .status(status)
                                    .body(Full::new(Bytes::from("noted")))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    }

    fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

// ---------- the ingress as `wasmtime serve` runs it (paywit_host_tests::edge) ----------

fn proxy_pre() -> ProxyPre<RequestState> {
    edge::proxy_pre(&ingress_path()).unwrap()
}

// ---------- the ingress under jco serve ----------

/// `jco serve` of the same component with `env`, killed when dropped.
struct JcoServe(Child, SocketAddr);

impl Drop for JcoServe {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve_with_jco(env: &[(String, String)]) -> JcoServe {
    let node = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../packages/node");
    let jco = node.join("node_modules/@bytecodealliance/jco/dist/jco.js");
    assert!(jco.exists(), "jco is missing: run `cargo xtask build` (it installs the Node package's dev dependencies)");
    let port = free_port().await;
    let child = Command::new("node")
        .arg(&jco)
        .arg("serve")
        .arg(ingress_path())
        .args(["--port", &port.to_string(), "--host", "127.0.0.1"])
        .envs(env.iter().cloned())
        .current_dir(&node)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting node");
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let served = JcoServe(child, address);
    for _ in 0..600 {
        if TcpStream::connect(address).await.is_ok() {
            return served;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("jco serve did not listen on {address} within 60 s");
}

async fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

// ---------- the client and the deliveries ----------

struct Reply {
    status: u16,
    body: String,
}

async fn send(address: SocketAddr, method: &str, headers: &[Header], body: Vec<u8>) -> Reply {
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let mut request = hyper::Request::builder().method(method).uri("/webhooks").header("host", address.to_string());
    for h in headers {
        request = request.header(h.name.as_str(), h.value.as_str());
    }
    let request = request.header("content-type", "application/json").body(Full::new(Bytes::from(body))).unwrap();
    let response = tokio::time::timeout(Duration::from_secs(30), sender.send_request(request)).await.unwrap().unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Reply { status, body: String::from_utf8_lossy(&body).into_owned() }
}

fn signed(secret: &str, id: &str, body: &str, signed_at: i64) -> Vec<Header> {
    let message = Message { body: Body::Text(body.into()), id: Some(id.into()), signed_at, url: None };
    webhooks::sign(&Scheme::StandardWebhooks, secret, &message).unwrap()
}

fn env_for(upstream_port: u16, secrets: &str) -> Vec<(String, String)> {
    [
        ("PAYWIT_SCHEME", "standard-webhooks".to_string()),
        ("PAYWIT_SECRETS", secrets.to_string()),
        ("PAYWIT_UPSTREAM_URL", format!("http://127.0.0.1:{upstream_port}/receiver/events")),
        ("PAYWIT_UPSTREAM_KEY_ID", KEY_ID.to_string()),
        ("PAYWIT_UPSTREAM_SECRET", KEY_SECRET.to_string()),
        ("PAYWIT_BODY_LIMIT", BODY_LIMIT.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Starts an ingress with `env` on one runtime; returns its address, and its stderr when visible.
#[derive(Clone, Copy, Debug)]
enum Runtime {
    Wasmtime,
    Jco,
}

struct Served {
    address: SocketAddr,
    stderr: Option<MemoryOutputPipe>,
    _jco: Option<JcoServe>,
}

async fn start(runtime: Runtime, pre: &ProxyPre<RequestState>, env: Vec<(String, String)>) -> Served {
    match runtime {
        Runtime::Wasmtime => {
            let (address, stderr) = edge::serve_on_loopback(pre.clone(), env).await.unwrap();
            Served { address, stderr: Some(stderr), _jco: None }
        }
        Runtime::Jco => {
            let jco = serve_with_jco(&env).await;
            Served { address: jco.1, stderr: None, _jco: Some(jco) }
        }
    }
}

/// The whole delivery set against one runtime.
async fn deliveries(runtime: Runtime, pre: &ProxyPre<RequestState>) {
    let upstream = Upstream::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_port = listener.local_addr().unwrap().port();
    upstream.serve(listener);
    let served = start(runtime, pre, env_for(upstream_port, &format!("{NEW_SECRET}, {OLD_SECRET}"))).await;
    let at = served.address;
    let body = r#"{"id":"evt_1","type":"payment.succeeded","amount":9900}"#;

    // Valid: forwarded exactly once, byte-identical, with the idempotency key and a signature the upstream verifies.
    let headers = signed(NEW_SECRET, "msg_valid", body, now());
    let reply = send(at, "POST", &headers, body.into()).await;
    assert_eq!((reply.status, upstream.count()), (200, 1), "{runtime:?} valid: {}", reply.body);
    let forwarded = upstream.received.lock().unwrap()[0].clone();
    assert_eq!(forwarded.body, body.as_bytes(), "{runtime:?}: the body is forwarded byte for byte");
    assert_eq!(forwarded.path, "/receiver/events");
    let header =
        |name: &str| forwarded.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    assert_eq!(header("idempotency-key").as_deref(), Some("msg_valid"));
    assert_eq!(header("webhook-signature"), Some(headers[2].value.clone()), "the gateway's headers go along");
    let inbound = InboundRequest {
        method: "POST".into(),
        path: forwarded.path.clone(),
        headers: forwarded.headers.iter().map(|(k, v)| Header::new(k.clone(), v.clone())).collect(),
        body: Body::Bytes(forwarded.body.clone()),
    };
    let secrets = [ApiSecret { key_id: KEY_ID.into(), secret: KEY_SECRET.into() }];
    let verified = requests::verify_request(&secrets, &inbound, now(), None).expect("the upstream can trust the edge");
    assert_eq!(verified.key_id, KEY_ID);

    // Every refusal: the right status, nothing forwarded, no detail in the body.
    let mut tampered_signature = headers.clone();
    tampered_signature[2].value = tampered_signature[2].value.replace("v1,", "v1,A");
    let mut missing = headers.clone();
    missing.remove(0);
    // (what, method, headers, body, expected status)
    type Refusal<'a> = (&'a str, &'a str, Vec<Header>, Vec<u8>, u16);
    let refusals: Vec<Refusal> = vec![
        ("tampered body", "POST", headers.clone(), body.replace("9900", "9901").into_bytes(), 401),
        ("tampered signature", "POST", tampered_signature, body.into(), 401),
        ("stale", "POST", signed(NEW_SECRET, "msg_stale", body, now() - 600), body.into(), 401),
        ("future-dated", "POST", signed(NEW_SECRET, "msg_future", body, now() + 600), body.into(), 401),
        ("missing header", "POST", missing, body.into(), 401),
        ("wrong method", "GET", headers.clone(), Vec::new(), 405),
        ("oversized body", "POST", headers.clone(), vec![b' '; BODY_LIMIT * 2], 413),
    ];
    for (name, method, headers, payload, status) in refusals {
        let reply = send(at, method, &headers, payload).await;
        assert_eq!(reply.status, status, "{runtime:?} {name}: {}", reply.body);
        assert!(!reply.body.contains("signature") && !reply.body.contains("timestamp"), "{name}: no detail");
        assert_eq!(upstream.count(), 1, "{runtime:?} {name}: nothing forwarded");
    }

    // Rotation: a delivery signed with the old secret still verifies.
    let reply = send(at, "POST", &signed(OLD_SECRET, "msg_rotated", body, now()), body.into()).await;
    assert_eq!((reply.status, upstream.count()), (200, 2), "{runtime:?} rotated secret");

    // Upstream 4xx: 503 to the gateway (it redelivers), and the upstream saw it once.
    upstream.status.store(400, Ordering::SeqCst);
    let reply = send(at, "POST", &signed(NEW_SECRET, "msg_4xx", body, now()), body.into()).await;
    assert_eq!((reply.status, upstream.count()), (503, 3), "{runtime:?} upstream 4xx");
    if let Some(stderr) = &served.stderr {
        let log = String::from_utf8_lossy(&stderr.contents()).into_owned();
        assert!(log.contains("will not fix"), "the permanent upstream failure is logged: {log}");
    }
    upstream.status.store(200, Ordering::SeqCst);

    // Upstream down: 503, nothing lost; the redelivery succeeds once it is back, forwarded once.
    let down_port = free_port().await;
    let down = start(runtime, pre, env_for(down_port, NEW_SECRET)).await;
    let redelivered = signed(NEW_SECRET, "msg_outage", body, now());
    let reply = send(down.address, "POST", &redelivered, body.into()).await;
    assert_eq!(reply.status, 503, "{runtime:?} upstream down");
    let back = Upstream::new();
    back.serve(TcpListener::bind(("127.0.0.1", down_port)).await.unwrap());
    let reply = send(down.address, "POST", &redelivered, body.into()).await;
    assert_eq!((reply.status, back.count()), (200, 1), "{runtime:?} redelivery after the outage");
    assert_eq!(back.received.lock().unwrap()[0].body, body.as_bytes());

    // A configuration error is 500, said on stderr, never showing the secret.
    let broken_secret = "whsec_!!not-base64-but-secret!!";
    let broken = start(runtime, pre, env_for(upstream_port, broken_secret)).await;
    let reply = send(broken.address, "POST", &headers, body.into()).await;
    assert_eq!(reply.status, 500, "{runtime:?} misconfigured");
    assert!(!reply.body.contains("not-base64"), "the body never shows the secret");
    if let Some(stderr) = &broken.stderr {
        let log = String::from_utf8_lossy(&stderr.contents()).into_owned();
        assert!(
            log.contains("unusable") && !log.contains("not-base64"),
            "stderr names the problem, not the secret: {log}"
        );
    }
    assert_eq!(upstream.count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ingress_under_wasmtime_wasi_http() {
    let pre = tokio::task::spawn_blocking(proxy_pre).await.unwrap();
    deliveries(Runtime::Wasmtime, &pre).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_ingress_under_jco_serve() {
    let pre = tokio::task::spawn_blocking(proxy_pre).await.unwrap();
    deliveries(Runtime::Jco, &pre).await;
}
