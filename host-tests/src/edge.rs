//! Serving `target/webhook-ingress.wasm` as `wasmtime serve` does: wasmtime-wasi-http,
//! hyper on a loopback port, one fresh store and instance per request from one
//! `ProxyPre`, the configuration in each instance's environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::http::types::Scheme as HttpScheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{
    ForbiddenHeaderFilter, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView, DEFAULT_FORBIDDEN_HEADERS,
};

/// `target/webhook-ingress.wasm` of the workspace.
pub fn ingress_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/webhook-ingress.wasm")
}

/// One request's store state.
pub struct RequestState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
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

/// Compiles the component at `path` and pre-instantiates it with WASI and wasi:http.
pub fn proxy_pre(path: &Path) -> wasmtime::Result<ProxyPre<RequestState>> {
    let engine = Engine::new(&Config::new())?;
    let component = Component::from_file(&engine, path)
        .map_err(|e| e.context(format!("loading {} (run `cargo xtask build`)", path.display())))?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    ProxyPre::new(linker.instantiate_pre(&component)?)
}

/// Serves the ingress with `env` on `listener` in the background; its stderr
/// goes to `stderr` (a test reads it), or to the process's own when `None`.
pub fn serve(
    pre: ProxyPre<RequestState>,
    env: Vec<(String, String)>,
    listener: TcpListener,
    stderr: Option<MemoryOutputPipe>,
) {
    serve_with(pre, env, listener, stderr, Hooks::default())
}

/// `serve` with the given host hooks.
pub fn serve_with(
    pre: ProxyPre<RequestState>,
    env: Vec<(String, String)>,
    listener: TcpListener,
    stderr: Option<MemoryOutputPipe>,
    hooks: Hooks,
) {
    let log = stderr;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let (pre, env, log) = (pre.clone(), env.clone(), log.clone());
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let (pre, env, log) = (pre.clone(), env.clone(), log.clone());
                    async move { handle(pre, env, log, hooks, request).await }
                });
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
}

/// Binds a loopback port and serves the ingress there.
pub async fn serve_on_loopback(
    pre: ProxyPre<RequestState>,
    env: Vec<(String, String)>,
) -> std::io::Result<(SocketAddr, MemoryOutputPipe)> {
    serve_on_loopback_with(pre, env, Hooks::default()).await
}

/// `serve_on_loopback` with the given host hooks.
pub async fn serve_on_loopback_with(
    pre: ProxyPre<RequestState>,
    env: Vec<(String, String)>,
    hooks: Hooks,
) -> std::io::Result<(SocketAddr, MemoryOutputPipe)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let stderr = MemoryOutputPipe::new(1 << 20);
    serve_with(pre, env, listener, Some(stderr.clone()), hooks);
    Ok((address, stderr))
}

/// One request, one fresh instance.
async fn handle(
    pre: ProxyPre<RequestState>,
    env: Vec<(String, String)>,
    stderr: Option<MemoryOutputPipe>,
    hooks: Hooks,
    request: hyper::Request<hyper::body::Incoming>,
) -> wasmtime::Result<hyper::Response<HyperOutgoingBody>> {
    let mut wasi = WasiCtx::builder();
    wasi.envs(&env);
    match stderr {
        Some(pipe) => wasi.stderr(pipe),
        None => wasi.inherit_stderr(),
    };
    let wasi = wasi.build();
    let mut store =
        Store::new(pre.engine(), RequestState { wasi, http: WasiHttpCtx::new(), table: ResourceTable::new(), hooks });
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
