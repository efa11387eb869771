//! `cargo xtask <build|test|demo|bench>`: the project's commands.
//!
//! - `build`: installs the wasm target if missing, compiles the crate for
//!   `wasm32-unknown-unknown`, wraps the core module into a component with
//!   `wit-component`, checks that its only import is `wasi:random/random`, and
//!   leaves `target/paywit.wasm` with the WIT beside it in `target/wit/`, and
//!   `target/abi.json` (every export's canonical-ABI layout, for the packages).
//! - `test [part]`: build, then every check (or one part: rust, peers, python, node,
//!   integration, operator, fuzz): rustfmt, native and harness tests (the
//!   xtask's own: fuzz seeds verify), clippy (native and wasm), the derived
//!   vectors re-derived, the differential peers, pytest, `node --test`, the
//!   reference integration end to end and the operator dashboard (their PostgreSQL
//!   tests on a throwaway cluster, `postgres.rs`), the dashboard in headless Chromium
//!   (Debian's `chromium`, installed if missing), and a fuzz smoke run.
//! - `demo [--keep-up]`: build, sign and verify sample webhooks through the component, then a
//!   day of misbehaving traffic through the sandbox gateway and both receivers, then the
//!   operator's dashboard over the Python receiver's store (up until Enter, or Ctrl-C with `--keep-up`).
//! - `screenshot`: the dashboard's browser test, saving its screenshot to
//!   `examples/operator/dashboard.png` (the README shows it).
//! - `bench`: build, then measure per-call cost through the component vs native
//!   (criterion) and each language package vs its peers; writes `BENCHMARKS.md`.
//! - `fuzz [seconds]`: every libFuzzer target for a bounded time (`test` runs a 20 s smoke).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

mod abi_manifest;
mod postgres;

// xtask encodes seeds; decoding and the other secret are used by its unit test and the target.
#[path = "../../fuzz/common/verify_input.rs"]
#[allow(dead_code)]
mod verify_input;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The one import the component may have.
const ALLOWED_IMPORT: &str = "wasi:random/random@0.2.0";

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "build" => build().map(|_| ()),
        "test" => test(std::env::args().nth(2).as_deref()),
        "demo" => demo(),
        "bench" => bench(),
        "screenshot" => {
            build()?;
            run(cargo().args(["build", "--quiet", "--package", "paywit-sandbox-gateway"]))?;
            browser_test(Some(&root().join("examples/operator/dashboard.png")))
        }
        "fuzz" => {
            let seconds = std::env::args().nth(2).map(|s| s.parse()).transpose()?.unwrap_or(60);
            fuzz(seconds)
        }
        _ => bail!(
            "usage: cargo xtask <build|test [{}]|demo [--keep-up]|bench|fuzz [seconds per target]|screenshot>",
            TEST_PARTS.join("|")
        ),
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn run(command: &mut Command) -> Result<()> {
    eprintln!("xtask: {command:?}");
    if command.get_current_dir().is_none() {
        command.current_dir(root());
    }
    let status = command.status().with_context(|| format!("could not start {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Installs the wasm target with rustup unless it is already there (idempotent).
fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    if let Ok(output) = installed {
        if String::from_utf8_lossy(&output.stdout).lines().any(|line| line.trim() == WASM_TARGET) {
            return Ok(());
        }
    }
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// Builds `target/paywit.wasm` and returns its path.
fn build() -> Result<PathBuf> {
    ensure_wasm_target()?;
    run(cargo().args(["build", "--profile", "component", "--lib", "--package", "paywit", "--target", WASM_TARGET]))?;
    let root = root();
    let component = componentize("paywit.wasm")?;
    check_imports(&component)?;
    let out = root.join("target").join("paywit.wasm");
    std::fs::write(&out, &component)?;
    copy_wit(&root.join("wit"), &root.join("target").join("wit"))?;
    eprintln!("xtask: wrote {} ({} bytes), only import {ALLOWED_IMPORT}", out.display(), component.len());
    std::fs::copy(&out, root.join("packages/python/paywit/paywit.wasm"))?;
    let manifest = serde_json::to_string(&abi_manifest::manifest(&root.join("wit"))?)?;
    std::fs::write(root.join("target").join("abi.json"), &manifest)?;
    std::fs::write(root.join("packages/python/paywit/abi.json"), &manifest)?;
    build_ingress(&component)?;
    build_node()?;
    // An ES module, not JSON: every runtime (Node, Deno, Workers) imports it without import attributes.
    std::fs::write(
        root.join("packages/node/gen/abi.js"),
        format!("// Generated by `cargo xtask build` (xtask/src/abi_manifest.rs). Do not edit.\nexport default {manifest};\n"),
    )?;
    Ok(out)
}

/// Wraps the core module `file` of the wasm32 component build into a component
/// (wit-component reads the component-type section wit-bindgen embedded).
fn componentize(file: &str) -> Result<Vec<u8>> {
    let core = root().join("target").join(WASM_TARGET).join("component").join(file);
    let module = std::fs::read(&core).with_context(|| format!("reading {}", core.display()))?;
    wit_component::ComponentEncoder::default()
        .module(&module)
        .with_context(|| format!("{file} has no usable component-type section"))?
        .validate(true)
        .encode()
        .with_context(|| format!("wrapping {file} into a component"))
}

/// Builds `examples/edge-ingress` for wasm32, wraps it into a component, and
/// plugs paywit's exports into its imports with wac-graph, leaving
/// `target/webhook-ingress.wasm`, whose imports are only WASI.
fn build_ingress(paywit: &[u8]) -> Result<()> {
    use wac_graph::{plug, types::Package, CompositionGraph, EncodeOptions};
    run(cargo().args([
        "build",
        "--profile",
        "component",
        "--package",
        "paywit-edge-ingress",
        "--target",
        WASM_TARGET,
    ]))?;
    let root = root();
    let socket = componentize("paywit_edge_ingress.wasm")?;
    let mut graph = CompositionGraph::new();
    let paywit = Package::from_bytes("paywit:gateway", None, paywit.to_vec(), graph.types_mut())?;
    let paywit = graph.register_package(paywit)?;
    let ingress = Package::from_bytes("paywit:edge-ingress", None, socket, graph.types_mut())?;
    let ingress = graph.register_package(ingress)?;
    plug(&mut graph, vec![paywit], ingress)?;
    let composed = graph.encode(EncodeOptions::default())?;
    let imports = component_imports(&composed)?;
    if let Some(leftover) = imports.iter().find(|name| !name.starts_with("wasi:")) {
        bail!("the composed ingress still imports {leftover}: paywit did not plug into it");
    }
    let out = root.join("target").join("webhook-ingress.wasm");
    std::fs::write(&out, &composed)?;
    eprintln!("xtask: wrote {} ({} bytes), imports {}", out.display(), composed.len(), imports.join(", "));
    Ok(())
}

/// The project's Python virtualenv (`target/py-venv`) with the pinned test
/// dependencies of the Python package, created on first use (idempotent).
fn python() -> Result<PathBuf> {
    let root = root();
    let venv = root.join("target").join("py-venv");
    let python = venv.join("bin").join("python");
    let requirements = root.join("packages/python/requirements-dev.txt");
    let stamp = venv.join(".requirements-installed");
    if !python.exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    let wanted = std::fs::read_to_string(&requirements)?;
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        run(Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements))?;
        std::fs::write(&stamp, wanted)?;
    }
    Ok(python)
}

/// The Node package: installs its pinned dev dependencies once (`npm ci`), then
/// transpiles the component with jco into `packages/node/gen/`.
fn build_node() -> Result<()> {
    let package = root().join("packages").join("node");
    npm_ci(&package)?;
    run(Command::new("npm").args(["run", "--silent", "build"]).current_dir(&package))
}

/// `npm ci` in `dir` unless its package-lock.json is the one last installed (idempotent).
fn npm_ci(dir: &Path) -> Result<()> {
    let lock = std::fs::read_to_string(dir.join("package-lock.json"))?;
    let stamp = dir.join("node_modules").join(".paywit-installed-lock");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(lock.as_str()) {
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir))?;
        std::fs::write(&stamp, lock)?;
    }
    Ok(())
}

/// Fails unless the component's only import is `wasi:random/random`.
fn check_imports(component: &[u8]) -> Result<()> {
    let imports = component_imports(component)?;
    if imports != [ALLOWED_IMPORT] {
        bail!("the component must import only {ALLOWED_IMPORT}, but imports {imports:?}");
    }
    Ok(())
}

/// The names a component imports at its top level.
fn component_imports(component: &[u8]) -> Result<Vec<String>> {
    let mut imports = Vec::new();
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        match payload? {
            wasmparser::Payload::ModuleSection { .. } | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(section) if depth == 0 => {
                for import in section {
                    imports.push(import?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(imports)
}

fn copy_wit(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_wit(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// The parts of `cargo xtask test`, in the order the whole run takes them.
const TEST_PARTS: &[&str] = &["rust", "peers", "python", "node", "integration", "operator", "fuzz"];

/// Builds, then runs every part of the tests, or only `part`.
fn test(part: Option<&str>) -> Result<()> {
    if let Some(part) = part.filter(|p| !TEST_PARTS.contains(p)) {
        bail!("no test part {part:?}: the parts are {}", TEST_PARTS.join(", "));
    }
    build()?;
    let wanted = |name: &str| part.is_none_or(|p| p == name);
    if wanted("rust") {
        run(cargo().args(["fmt", "--all", "--check"]))?;
        // `cargo fmt` does not reach a file that is only `include!`d.
        run(Command::new("rustfmt").args(["--edition", "2021", "--check", "src/component/conversions.rs"]))?;
        run(cargo().args(["test", "--workspace"]))?;
        run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
        run(cargo().args(["clippy", "--package", "paywit", "--lib", "--target", WASM_TARGET, "--", "-D", "warnings"]))?;
        run(cargo().args([
            "clippy",
            "--package",
            "paywit-edge-ingress",
            "--target",
            WASM_TARGET,
            "--",
            "-D",
            "warnings",
        ]))?;
    }
    if wanted("peers") {
        // The derived vectors must be exactly what derive.py derives.
        run(Command::new("python3").arg(root().join("host-tests/vectors/derive.py")).arg("--check"))?;
        differential()?;
    }
    if wanted("python") {
        run(Command::new(python()?).args(["-m", "pytest", "-q"]).current_dir(root().join("packages").join("python")))?;
    }
    if wanted("node") {
        run(Command::new("node").args(["--test", "test/"]).current_dir(root().join("packages").join("node")))?;
    }
    // The machines run no database server: the PostgreSQL tests get a throwaway cluster.
    let postgres = if wanted("integration") || wanted("operator") { Some(postgres::Postgres::start()?) } else { None };
    if wanted("integration") {
        // The reference integration end to end: the sandbox gateway, each receiver and its worker,
        // every misbehaviour on, a worker killed mid-event; on SQLite and on PostgreSQL.
        day_of_traffic(&["-m", "pytest", "-q"])?;
    }
    if wanted("operator") {
        // The operator's dashboard: its logic (pytest), then end to end in headless Chromium.
        run(Command::new(python()?)
            .args(["-m", "pytest", "-q"])
            .env("PYTHONPATH", root().join("packages/python"))
            .current_dir(root().join("examples/operator")))?;
        browser_test(None)?;
    }
    drop(postgres);
    if wanted("fuzz") {
        fuzz(FUZZ_SMOKE_SECONDS)?;
    }
    Ok(())
}

/// The dashboard's browser test (examples/operator/test): Debian's chromium installed if missing,
/// playwright-core from npm. `screenshot`: where the test saves the page (default under target/).
fn browser_test(screenshot: Option<&Path>) -> Result<()> {
    let chromium = ensure_chromium()?;
    let operator = root().join("examples/operator");
    npm_ci(&operator)?;
    let mut command = Command::new("node");
    command
        .args(["--test", "test/"])
        .env("PAYWIT_CHROMIUM", &chromium)
        .env("PAYWIT_PYTHON", python()?)
        .env("PAYWIT_SANDBOX_GATEWAY", root().join("target/debug/paywit-sandbox-gateway"))
        .current_dir(&operator);
    if let Some(path) = screenshot {
        command.env("PAYWIT_SCREENSHOT_TO", path);
    }
    run(&mut command)
}

/// Headless Chromium for the browser test: `PAYWIT_CHROMIUM`, or Debian's `chromium`, installed
/// with apt-get when missing (idempotent).
fn ensure_chromium() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("PAYWIT_CHROMIUM") {
        return Ok(PathBuf::from(path));
    }
    let path = PathBuf::from("/usr/bin/chromium");
    if !path.exists() {
        apt_install("chromium")?;
    }
    if !path.exists() {
        bail!("no Chromium at {} after installing Debian's chromium: set PAYWIT_CHROMIUM", path.display());
    }
    Ok(path)
}

/// Whether this process runs as root.
fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.trim_ascii() == b"0").unwrap_or(false)
}

/// Installs one of Debian's packages with apt-get (through sudo when not root).
fn apt_install(package: &str) -> Result<()> {
    let apt = |args: &[&str]| -> Result<()> {
        let mut command = if is_root() { Command::new("apt-get") } else { Command::new("sudo") };
        if !is_root() {
            command.arg("apt-get");
        }
        run(command.args(args).env("DEBIAN_FRONTEND", "noninteractive"))
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", package])
}

/// The differential test against the PyPI peers (`standardwebhooks`, `svix`,
/// `stripe`): the peers sign, paywit verifies through the component, and the
/// other way round.
fn differential() -> Result<()> {
    let root = root();
    let python = python()?;
    let cases = root.join("target").join("peer-cases");
    std::fs::create_dir_all(&cases)?;
    // 1. the peers sign; 2. paywit verifies those and signs its own; 3. the peers verify paywit's.
    run(Command::new(&python).arg(root.join("host-tests/peers/peers.py")).arg("sign").arg(&cases))?;
    // `cargo test --workspace` already built this binary with the test profile's
    // feature set; `cargo run` would rebuild wasmtime with another one.
    run(Command::new(root.join("target/debug/peer-check")).arg(&cases))?;
    run(Command::new(&python).arg(root.join("host-tests/peers/peers.py")).arg("verify").arg(&cases))?;
    Ok(())
}

/// The component's own demo, then a day of misbehaving traffic through the
/// reference integration (sandbox gateway; Python and Node receivers and workers on SQLite).
fn demo() -> Result<()> {
    build()?;
    run(cargo().args(["run", "--quiet", "--package", "paywit-host-tests", "--example", "demo"]))?;
    let keep_up = std::env::args().nth(2).filter(|a| a == "--keep-up");
    day_of_traffic(&["demo.py"].into_iter().chain(keep_up.as_deref()).collect::<Vec<_>>())
}

/// Runs `python ARGS` in examples/day-of-traffic, with the sandbox gateway built and the Node
/// receiver's dependencies installed (better-sqlite3 builds from source on a new machine);
/// Its PostgreSQL tests use the server `PAYWIT_PG_URL` names (see `postgres.rs`).
fn day_of_traffic(args: &[&str]) -> Result<()> {
    run(cargo().args(["build", "--quiet", "--package", "paywit-sandbox-gateway"]))?;
    npm_ci(&root().join("examples/receiver-node"))?;
    let mut command = Command::new(python()?);
    command
        .args(args)
        .env("PYTHONPATH", root().join("packages/python"))
        .current_dir(root().join("examples/day-of-traffic"));
    run(&mut command)
}

/// Rust (component vs native), then Node and Python (paywit vs the peers), each
/// measured in one run; prints the tables and writes them to `BENCHMARKS.md`.
fn bench() -> Result<()> {
    let component = build()?;
    let root = root();
    let capture = |command: &mut Command| -> Result<String> {
        eprintln!("xtask: {command:?}");
        let output = command.output()?;
        if !output.status.success() {
            bail!("{command:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        Ok(String::from_utf8(output.stdout)?)
    };
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
    // The reference integration under 5x its expected peak (examples/day-of-traffic/load.py).
    run(cargo().args(["build", "--quiet", "--package", "paywit-sandbox-gateway"]))?;
    let postgres = postgres::Postgres::start()?;
    let load = capture(
        Command::new(self::python()?)
            .arg("load.py")
            .env("PYTHONPATH", root.join("packages/python"))
            .current_dir(root.join("examples/day-of-traffic")),
    )?;
    drop(postgres);
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
         ## Python (paywit vs PyPI peers)\n\n{python}\n## At the edge\n\nCold start of the composed wasi:http component \
         (wasmtime 48, Cranelift):\n\n| component | size | compile | deserialize (precompiled) |\n|---|---|---|---|\n\
         {cold_start}\n{edge}\n## A real integration under load\n\n{load}",
        gzip.trim()
    );
    print!("{report}");
    std::fs::write(root.join("BENCHMARKS.md"), report)?;
    Ok(())
}

/// Seconds per fuzz target in `cargo xtask test` (the smoke run).
const FUZZ_SMOKE_SECONDS: u64 = 20;
/// Every libFuzzer target in `fuzz/fuzz_targets/`.
const FUZZ_TARGETS: &[&str] =
    &["verify", "parse_key", "retry_after", "fingerprint", "amount", "map_event", "lifecycle", "address"];

/// Runs every libFuzzer target for `seconds` (nightly + cargo-fuzz, installed if
/// missing), seeded from the conformance vectors; fails on any crash and prints
/// the executions per target.
fn fuzz(seconds: u64) -> Result<()> {
    let root = root();
    let has_nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !has_nightly {
        run(Command::new("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))?;
    }
    let has_fuzz =
        Command::new("cargo").args(["fuzz", "--version"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !has_fuzz {
        run(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    let corpora = root.join("target").join("fuzz-corpus");
    seed_corpora(&corpora)?;
    run(Command::new("cargo").args(["+nightly", "fuzz", "build", "--release"]).env_remove("CARGO"))?;
    let mut total = 0u64;
    for target in FUZZ_TARGETS {
        let output = Command::new("cargo")
            .args(["+nightly", "fuzz", "run", "--release", target])
            .arg(corpora.join(target))
            .args(["--", &format!("-max_total_time={seconds}"), "-rss_limit_mb=2048", "-print_final_stats=1"])
            .env_remove("CARGO")
            .current_dir(&root)
            .output()?;
        let log = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            eprintln!("{log}");
            bail!("fuzz target {target} failed (see the crash above and fuzz/artifacts/{target}/)");
        }
        let runs = log
            .lines()
            .find_map(|line| {
                line.strip_prefix("stat::number_of_executed_units:").map(|n| n.trim().parse::<u64>().unwrap_or(0))
            })
            .unwrap_or(0);
        total += runs;
        println!("fuzz {target:<12} {runs:>10} executions in {seconds} s, 0 crashes");
        // The verify target counts the executions that reached an accepted signature.
        if let Some(line) = log.lines().rev().find(|l| l.starts_with("paywit-fuzz verify:")) {
            println!("fuzz {target:<12} {}", line.trim_start_matches("paywit-fuzz verify:").trim());
        }
    }
    println!("fuzz: {total} executions over {} targets, 0 crashes", FUZZ_TARGETS.len());
    Ok(())
}

/// The webhook conformance vector files.
const VECTOR_FILES: &[&str] = &["webhook-signatures.json", "webhook-derived.json"];

fn vectors(root: &Path, file: &str) -> Result<Vec<serde_json::Value>> {
    let text = std::fs::read_to_string(root.join("host-tests/vectors").join(file))?;
    let json: serde_json::Value = serde_json::from_str(&text)?;
    Ok(json["vectors"].as_array().cloned().unwrap_or_default())
}

/// The `verify` target's seeds: one per vector and secret, in the target's own
/// input format (`fuzz/common/verify_input.rs`), so a valid vector's seed verifies.
fn verify_seeds(root: &Path) -> Result<Vec<Vec<u8>>> {
    let schemes = verify_input::schemes();
    let mut seeds = Vec::new();
    for file in VECTOR_FILES {
        for v in vectors(root, file)? {
            let Some(selector) = schemes.iter().position(|s| vector_matches_scheme(&v, s)) else { continue };
            let names = verify_input::header_names(&schemes[selector]);
            let header = |name: &str| -> &str {
                let find = |wanted: &str| {
                    v["headers"].as_object().and_then(|h| {
                        h.iter().find(|(k, _)| k.eq_ignore_ascii_case(wanted)).and_then(|(_, value)| value.as_str())
                    })
                };
                find(name)
                    .or_else(|| name.strip_prefix("webhook-").and_then(|n| find(&format!("svix-{n}"))))
                    .unwrap_or("")
            };
            let values: Vec<&str> = names.iter().map(|n| header(n)).collect();
            let secrets: Vec<String> = match (&v["secrets"], &v["secret"], &v["signing_key_seed_base64"]) {
                (serde_json::Value::Array(list), _, _) => {
                    list.iter().filter_map(|s| s.as_str().map(String::from)).collect()
                }
                (_, serde_json::Value::String(secret), _) => vec![secret.clone()],
                (_, _, serde_json::Value::String(seed)) => vec![format!("whsk_{seed}")],
                _ => Vec::new(),
            };
            for secret in secrets {
                let body = v["body"].as_str().unwrap_or("").as_bytes();
                seeds.push(verify_input::encode(selector as u8, &secret, v["url"].as_str(), &values, body));
            }
        }
    }
    Ok(seeds)
}

/// Whether the target's scheme at that index is the vector's scheme.
fn vector_matches_scheme(v: &serde_json::Value, scheme: &paywit::webhooks::Scheme) -> bool {
    use paywit::webhooks::{HashAlgorithm, Scheme, SignatureEncoding};
    let name = v["scheme"].as_str().unwrap_or("");
    match scheme {
        Scheme::Hmac(h) => {
            let config = &v["hmac"];
            name == "hmac"
                && config["header"].as_str() == Some(h.header.as_str())
                && config["prefix"].as_str() == h.prefix.as_deref()
                && config["algorithm"].as_str()
                    == Some(match h.algorithm {
                        HashAlgorithm::Sha256 => "sha256",
                        HashAlgorithm::Sha512 => "sha512",
                        HashAlgorithm::Sha1 => "sha1",
                    })
                && config["encoding"].as_str()
                    == Some(match h.encoding {
                        SignatureEncoding::Hex => "hex",
                        SignatureEncoding::Base64 => "base64",
                    })
        }
        other => other.name() == name,
    }
}

/// Seed corpora from the conformance vectors (bodies, header values, secrets)
/// plus a few hand-picked inputs per target.
fn seed_corpora(dir: &Path) -> Result<()> {
    let root = root();
    let mut seeds: Vec<(&str, Vec<u8>)> = Vec::new();
    for input in verify_seeds(&root)? {
        seeds.push(("verify", input));
    }
    for file in VECTOR_FILES {
        for v in vectors(&root, file)? {
            seeds.push(("fingerprint", v["body"].as_str().unwrap_or("").as_bytes().to_vec()));
        }
    }
    for key in ["8b7cfa4d-1e6c-4a12-9a3e-05e3c2b1d7f0", "\"quoted-key\"", "\"a\\\\b\"", "a b"] {
        seeds.push(("parse_key", key.as_bytes().to_vec()));
    }
    for value in
        ["120", "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "-1"]
    {
        seeds.push(("retry_after", value.as_bytes().to_vec()));
    }
    for value in ["10000,2500,2500", "1000000000000000000,999999999999999999,1", "007,1.5,-1"] {
        seeds.push(("amount", value.as_bytes().to_vec()));
    }
    for value in [
        "payment_intent.payment_failed\nrequires_payment_method",
        "charge:failed\nUNRESOLVED:UNDERPAID",
        "InvoicePaidAfterExpiration",
        "payout.paid",
    ] {
        seeds.push(("map_event", value.as_bytes().to_vec()));
    }
    seeds.push(("lifecycle", vec![0, 6, 5, 4, 3, 2, 1, 0, 6, 3]));
    let addresses: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("host-tests/vectors/addresses.json"))?)?;
    for v in ["valid", "invalid"].iter().flat_map(|list| addresses[*list].as_array().into_iter().flatten()) {
        seeds.push(("address", v["address"].as_str().unwrap_or("").as_bytes().to_vec()));
    }
    for (i, (target, data)) in seeds.iter().enumerate() {
        let target_dir = dir.join(target);
        std::fs::create_dir_all(&target_dir)?;
        std::fs::write(target_dir.join(format!("seed-{i}")), data)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use paywit::webhooks::{verify, VerifyOptions};

    /// Every valid vector the `verify` target has a scheme for reaches an
    /// accepted signature from its seeds, and fails under the other secret.
    #[test]
    fn valid_vectors_seed_inputs_that_verify() {
        let root = root();
        let seeds = verify_seeds(&root).unwrap();
        let options = VerifyOptions { now: 1_700_000_000, tolerance_seconds: Some(u32::MAX) };
        let accepted: Vec<verify_input::Input> = seeds
            .iter()
            .filter_map(|seed| verify_input::decode(seed))
            .filter(|input| verify(&input.scheme, std::slice::from_ref(&input.secret), &input.request, options).is_ok())
            .collect();
        let schemes = verify_input::schemes();
        let mut expected = 0;
        for file in VECTOR_FILES {
            for v in vectors(&root, file).unwrap() {
                if v["valid"].as_bool() == Some(true) && schemes.iter().any(|s| vector_matches_scheme(&v, s)) {
                    expected += 1;
                }
            }
        }
        assert!(expected >= 25, "only {expected} valid vectors have a fuzz scheme");
        assert!(accepted.len() >= expected, "{} of {expected} valid vectors' seeds verify", accepted.len());
        for input in &accepted {
            let other = verify_input::other_secret(&input.scheme, &input.secret);
            assert_eq!(
                verify(&input.scheme, &[other], &input.request, options),
                Err(paywit::webhooks::VerifyError::NoMatchingSignature),
                "{}",
                input.scheme.name()
            );
        }
    }
}
