//! `cargo xtask bench`: build, then measure per-call cost through the component vs native
//! (criterion, `host-tests/benches/component.rs`), each language package vs its peers, the
//! edge runtimes and the reference integration under load; writes `BENCHMARKS.md`.

use std::process::Command;

use anyhow::{bail, Result};

use crate::build::build;
use crate::postgres;
use crate::tools::{cargo, go_tool, python, root, run};

/// The heading of BENCHMARKS.md's last section, which `bench load` replaces.
const LOAD_HEADING: &str = "## A real integration under load\n\n";

/// Runs `command` and returns what it printed (its stderr passes through).
fn capture(command: &mut Command) -> Result<String> {
    eprintln!("xtask: {command:?}");
    let output = command.stderr(std::process::Stdio::inherit()).output()?;
    if !output.status.success() {
        bail!("{command:?} failed");
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// The receivers and their workers under open-loop load (day-of-traffic/load.py, with vegeta
/// from the Go module proxy), on SQLite and on a throwaway PostgreSQL.
fn load() -> Result<String> {
    let root = root();
    let vegeta = go_tool("github.com/tsenart/vegeta/v12", "v12.13.0", "vegeta")?;
    run(cargo().args(["build", "--quiet", "--package", "paywit-sandbox-gateway"]))?;
    let postgres = postgres::Postgres::start()?;
    let load = capture(
        Command::new(python()?)
            .arg("load.py")
            .env("PYTHONPATH", root.join("packages/python"))
            .env("PAYWIT_VEGETA", vegeta)
            .current_dir(root.join("examples/reference-integration/day-of-traffic")),
    );
    drop(postgres);
    load
}

/// Rust (component vs native), then Node, Python and Go (paywit vs the peers), the edge and the
/// receivers under load, each measured in one run; prints the tables and writes them to
/// `BENCHMARKS.md`. With `only_load`, only the receivers, replacing their section.
pub fn bench(only_load: bool) -> Result<()> {
    let root = root();
    if only_load {
        let load = load()?;
        let path = root.join("BENCHMARKS.md");
        let report = std::fs::read_to_string(&path)?;
        let Some(at) = report.find(LOAD_HEADING) else { bail!("BENCHMARKS.md has no {LOAD_HEADING:?} section") };
        print!("{load}");
        return Ok(std::fs::write(path, format!("{}{LOAD_HEADING}{load}", &report[..at]))?);
    }
    let component = build()?;
    // Criterion measures (estimates land in target/criterion); the `bench`
    // binary adds the one-shot figures and prints the tables.
    run(cargo().args(["bench", "--package", "paywit-host-tests", "--bench", "component"]))?;
    let rust = capture(
        cargo()
            .args(["run", "--release", "--quiet", "--package", "paywit-host-tests", "--bin", "bench"])
            .current_dir(&root),
    )?;
    let node = capture(Command::new("node").arg("bench/verify.mjs").current_dir(root.join("packages/node")))?;
    // The edge: the composed ingress's cold start, then one client against wasmtime, workerd and Deno.
    run(cargo().args(["build", "--release", "--quiet", "--package", "paywit-host-tests", "--bin", "edge-serve"]))?;
    let edge_serve = root.join("target/release/edge-serve");
    let cold_start = capture(Command::new(&edge_serve).arg("--cold-start"))?;
    let edge =
        capture(Command::new("node").arg("bench/edge.mjs").arg(&edge_serve).current_dir(root.join("packages/node")))?;
    let python = capture(Command::new(python()?).arg("bench.py").current_dir(root.join("packages/python")))?;
    // Go: paywit on wazero (the default), then the same program on wasmtime-go.
    let go_peers = root.join("packages/go/peers");
    let go_wazero = capture(Command::new("go").args(["run", "./cmd/bench"]).current_dir(&go_peers))?;
    let go_wasmtime = capture(
        Command::new("go")
            .args(["run", "-tags", "paywit_wasmtime", "./cmd/bench"])
            .env("PAYWIT_RUNTIME", "wasmtime")
            .current_dir(&go_peers),
    )?;
    let load = load()?;
    let gzip = capture(Command::new("sh").arg("-c").arg(format!("gzip -9 -c '{}' | wc -c", component.display())))?;
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let report = format!(
        "# Benchmarks\n\nProduced by `cargo xtask bench` on {cpu} ({cores} cores). Rust host: criterion medians \
         (30 samples over 2 s each, `host-tests/benches/component.rs`); Node and Python: medians of 21-31 interleaved rounds (each round times every call once). \
         Every ratio compares two numbers measured in the same run. Component size after gzip -9: {} bytes.\n\n\
         ## Rust host (wasmtime 48, component vs native)\n\n{rust}\n## Node.js (paywit vs npm peers)\n\n{node}\n\
         ## Python (paywit vs PyPI peers)\n\n{python}\n## Go (paywit vs the Go SDKs)\n\n{go_wazero}\n\
         The same program on wasmtime-go (`-tags paywit_wasmtime`, `PAYWIT_RUNTIME=wasmtime`):\n\n{go_wasmtime}\n## At the edge\n\nCold start of the composed wasi:http component \
         (wasmtime 48, Cranelift):\n\n| component | size | compile | deserialize (precompiled) |\n|---|---|---|---|\n\
         {cold_start}\n{edge}\n{LOAD_HEADING}{load}",
        gzip.trim()
    );
    print!("{report}");
    std::fs::write(root.join("BENCHMARKS.md"), report)?;
    Ok(())
}
