//! `edge-serve PORT`: serves target/webhook-ingress.wasm on 127.0.0.1:PORT as
//! `wasmtime serve` does, with the PAYWIT_* variables of its own environment,
//! until killed (the edge benchmark's wasmtime side).
//! `edge-serve --cold-start`: prints the composed component's size, compile
//! and deserialize times as a BENCHMARKS.md table row.

use std::time::Instant;

use paywit_host_tests::edge;

fn main() -> wasmtime::Result<()> {
    let argument = std::env::args().nth(1).unwrap_or_default();
    if argument == "--cold-start" {
        let bytes = std::fs::read(edge::ingress_path())?;
        let engine = wasmtime::Engine::default();
        let start = Instant::now();
        let component = wasmtime::component::Component::new(&engine, &bytes)?;
        let compile = start.elapsed();
        let serialized = component.serialize()?;
        let start = Instant::now();
        // SAFETY: the bytes were serialized just above by the same engine.
        let _again = unsafe { wasmtime::component::Component::deserialize(&engine, &serialized)? };
        println!(
            "| target/webhook-ingress.wasm | {} bytes | {:.0} ms | {:.2} ms |",
            bytes.len(),
            compile.as_secs_f64() * 1e3,
            start.elapsed().as_secs_f64() * 1e3
        );
        return Ok(());
    }
    let port: u16 = argument.parse().map_err(|_| wasmtime::format_err!("usage: edge-serve PORT | --cold-start"))?;
    let env: Vec<(String, String)> = std::env::vars().filter(|(k, _)| k.starts_with("PAYWIT_")).collect();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let ingress = edge::Ingress::load(&edge::ingress_path())?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        edge::serve(ingress, edge::Settings::env(env), listener, None, edge::Hooks::default());
        println!("edge-serve: listening on 127.0.0.1:{port}");
        std::future::pending::<wasmtime::Result<()>>().await
    })
}
