//! Serving the composed ingress as `wasmtime serve -Scli -Sconfig` does:
//! wasmtime-wasi-http, hyper on a loopback port, one fresh store and instance
//! per request from one pre-instantiated component, the configuration in each
//! instance's environment and `wasi:config/store`. Either build:
//! `target/webhook-ingress.wasm` (`wasi:http@0.2`) or
//! `target/webhook-ingress-p3.wasm` (`wasi:http@0.3.0`, with
//! component-model-async on).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_config::{WasiConfig, WasiConfigVariables};
use wasmtime_wasi_http::p2::bindings::http::types::Scheme as HttpScheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::p3::bindings::ServicePre;
use wasmtime_wasi_http::{
    ForbiddenHeaderFilter, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView, DEFAULT_FORBIDDEN_HEADERS,
};

/// `target/webhook-ingress.wasm` of the workspace: the `wasi:http@0.2` build.
pub fn ingress_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/webhook-ingress.wasm")
}

/// `target/webhook-ingress-p3.wasm` of the workspace: the `wasi:http@0.3.0` build.
pub fn ingress_p3_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/webhook-ingress-p3.wasm")
}

/// One request's store state.
pub struct RequestState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    config: WasiConfigVariables,
    table: ResourceTable,
    hooks: Hooks,
}

/// The host's wasi:http hooks. The default is wasmtime-wasi-http's (what
/// `wasmtime serve` does): hop-by-hop headers, `Connection` among them, never
/// reach the guest. `pass_connection` lets the sender's `Connection` header in,
/// as a host that hands the guest every header would, so a test can check what
/// the ingress does with the names it lists.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hooks {
    pub pass_connection: bool,
}

impl WasiHttpHooks for Hooks {
    fn forbidden_header_filter(&mut self) -> ForbiddenHeaderFilter {
        let pass_connection = self.pass_connection;
        Arc::new(move |name| {
            !(pass_connection && name == hyper::header::CONNECTION) && DEFAULT_FORBIDDEN_HEADERS.contains(name)
        })
    }
}

impl WasiView for RequestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for RequestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

/// What the host gives the ingress to read its `PAYWIT_*` keys from: the
/// instance's environment (`wasmtime serve --env K=V`) and its
/// `wasi:config/store` (`wasmtime serve -Sconfig -Sconfig-var=K=V`).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub env: Vec<(String, String)>,
    pub store: Vec<(String, String)>,
}

impl Settings {
    /// `vars` in the environment only, the store empty.
    pub fn env(vars: Vec<(String, String)>) -> Settings {
        Settings { env: vars, store: Vec::new() }
    }

    /// `vars` in the store only, the environment empty.
    pub fn store(vars: Vec<(String, String)>) -> Settings {
        Settings { env: Vec::new(), store: vars }
    }
}

/// A pre-instantiated ingress of either build, as `wasmtime serve` tells them
/// apart: the `wasi:http@0.3.0` handler export if it has one, else `wasi:http@0.2`'s.
#[derive(Clone)]
pub enum Ingress {
    /// `wasi:http/incoming-handler@0.2.x`.
    P2(ProxyPre<RequestState>),
    /// `wasi:http/handler@0.3.0`.
    P3(ServicePre<RequestState>),
}

impl Ingress {
    /// Compiles the component at `path` and pre-instantiates it with WASI (0.2
    /// and 0.3), wasi:http (0.2 and 0.3) and `wasi:config/store`.
    pub fn load(path: &Path) -> wasmtime::Result<Ingress> {
        let mut config = Config::new();
        config.wasm_component_model_async(true);
        let engine = Engine::new(&config)?;
        let component = Component::from_file(&engine, path)
            .map_err(|e| e.context(format!("loading {} (run `cargo xtask build`)", path.display())))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi::p3::add_to_linker(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p3::add_to_linker(&mut linker)?;
        wasmtime_wasi_config::add_to_linker(&mut linker, |state: &mut RequestState| WasiConfig::from(&state.config))?;
        let pre = linker.instantiate_pre(&component)?;
        match ServicePre::new(pre.clone()) {
            Ok(service) => Ok(Ingress::P3(service)),
            Err(_) => Ok(Ingress::P2(ProxyPre::new(pre)?)),
        }
    }

    /// The wasi:http version the component exports its handler at.
    pub fn wasi_http(&self) -> &'static str {
        match self {
            Ingress::P2(_) => "0.2",
            Ingress::P3(_) => "0.3.0",
        }
    }

    fn engine(&self) -> &Engine {
        match self {
            Ingress::P2(pre) => pre.engine(),
            Ingress::P3(pre) => pre.engine(),
        }
    }
}

/// Serves the ingress with `settings` on `listener` in the background; its
/// stderr goes to `stderr` (a test reads it), or to the process's own when `None`.
pub fn serve(
    ingress: Ingress,
    settings: Settings,
    listener: TcpListener,
    stderr: Option<MemoryOutputPipe>,
    hooks: Hooks,
) {
    let log = stderr;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let (ingress, settings, log) = (ingress.clone(), settings.clone(), log.clone());
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let (ingress, settings, log) = (ingress.clone(), settings.clone(), log.clone());
                    async move { handle(ingress, settings, log, hooks, request).await }
                });
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
}

/// Binds a loopback port and serves the ingress there; returns the address
/// and the ingress's stderr.
pub async fn serve_on_loopback(
    ingress: Ingress,
    settings: Settings,
    hooks: Hooks,
) -> std::io::Result<(SocketAddr, MemoryOutputPipe)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let stderr = MemoryOutputPipe::new(1 << 20);
    serve(ingress, settings, listener, Some(stderr.clone()), hooks);
    Ok((address, stderr))
}

/// One request, one fresh instance.
async fn handle(
    ingress: Ingress,
    settings: Settings,
    stderr: Option<MemoryOutputPipe>,
    hooks: Hooks,
    request: hyper::Request<hyper::body::Incoming>,
) -> wasmtime::Result<hyper::Response<HyperOutgoingBody>> {
    let mut wasi = WasiCtx::builder();
    wasi.envs(&settings.env);
    match stderr {
        Some(pipe) => wasi.stderr(pipe),
        None => wasi.inherit_stderr(),
    };
    let state = RequestState {
        wasi: wasi.build(),
        http: WasiHttpCtx::new(),
        config: WasiConfigVariables::from_iter(settings.store),
        table: ResourceTable::new(),
        hooks,
    };
    let store = Store::new(ingress.engine(), state);
    match ingress {
        Ingress::P2(pre) => handle_p2(pre, store, request).await,
        Ingress::P3(pre) => handle_p3(pre, store, request).await,
    }
}

/// `wasi:http/incoming-handler`: the response comes through the outparam
/// while the instance may still run.
async fn handle_p2(
    pre: ProxyPre<RequestState>,
    mut store: Store<RequestState>,
    request: hyper::Request<hyper::body::Incoming>,
) -> wasmtime::Result<hyper::Response<HyperOutgoingBody>> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let request = store.data_mut().http().new_incoming_request(HttpScheme::Http, request)?;
    let out = store.data_mut().http().new_response_outparam(sender)?;
    let task = tokio::spawn(async move {
        let proxy = pre.instantiate_async(&mut store).await?;
        proxy.wasi_http_incoming_handler().call_handle(&mut store, request, out).await
    });
    match receiver.await {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(error)) => Err(error.into()),
        Err(_) => Err(match task.await {
            Ok(Ok(())) => wasmtime::format_err!("the ingress never set a response"),
            Ok(Err(error)) => error,
            Err(error) => error.into(),
        }),
    }
}

/// `wasi:http/handler@0.3.0`: the handler returns the response; its body
/// (a few bytes of text) is read to its end inside the store's event loop,
/// while the request's body is fed to the guest.
async fn handle_p3(
    pre: ServicePre<RequestState>,
    mut store: Store<RequestState>,
    request: hyper::Request<hyper::body::Incoming>,
) -> wasmtime::Result<hyper::Response<HyperOutgoingBody>> {
    let service = pre.instantiate_async(&mut store).await?;
    let (request, body_fed) = wasmtime_wasi_http::p3::Request::from_http(&mut store.data_mut().hooks, request);
    let (parts, body) = store
        .run_concurrent(async |store| {
            let answer = async {
                let response = service
                    .handle(store, request)
                    .await?
                    .map_err(|code| wasmtime::format_err!("the ingress failed: {code:?}"))?;
                let response = store.with(|store| response.into_http(store, async { Ok(()) }))?;
                let (parts, body) = response.into_parts();
                let body = body.collect().await.map_err(|e| wasmtime::format_err!("reading the answer: {e:?}"))?;
                Ok::<_, wasmtime::Error>((parts, body.to_bytes()))
            };
            // The guest may answer before it has read the body (a 413 past the drain bound).
            let fed = async { body_fed.await.map_err(|e| wasmtime::format_err!("feeding the body: {e:?}")) };
            let (answer, _fed) = tokio::join!(answer, fed);
            answer
        })
        .await??;
    Ok(hyper::Response::from_parts(parts, Full::new(body).map_err(|never| match never {}).boxed_unsync()))
}
