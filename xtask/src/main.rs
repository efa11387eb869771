//! `cargo xtask <build|test|demo|bench>`: the project's commands.
//!
//! - `build`: installs the wasm target if missing, compiles the crate for
//!   `wasm32-unknown-unknown`, wraps the core module into a component with
//!   `wit-component`, checks that its only import is `wasi:random/random`, and
//!   leaves `target/paywit.wasm` with the WIT beside it in `target/wit/`.
//! - `test`: build, then every test suite (native, clippy, component harness,
//!   the differential peers).
//! - `demo`: build, then sign and verify sample webhooks through the component.
//! - `bench`: build, then measure per-call cost through the component vs native
//!   (criterion) and each language package vs its peers; writes `BENCHMARKS.md`.
//! - `fuzz [seconds]`: every libFuzzer target for a bounded time (`test` runs a 20 s smoke).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The one import the component may have.
const ALLOWED_IMPORT: &str = "wasi:random/random@0.2.0";

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "build" => build().map(|_| ()),
        "test" => test(),
        "demo" => demo(),
        "bench" => bench(),
        "fuzz" => {
            let seconds = std::env::args().nth(2).map(|s| s.parse()).transpose()?.unwrap_or(60);
            fuzz(seconds)
        }
        _ => bail!("usage: cargo xtask <build|test|demo|bench|fuzz [seconds per target]>"),
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
    let core = root.join("target").join(WASM_TARGET).join("component").join("paywit.wasm");
    let module = std::fs::read(&core).with_context(|| format!("reading {}", core.display()))?;
    let component = wit_component::ComponentEncoder::default()
        .module(&module)
        .context("the core module has no usable component-type section")?
        .validate(true)
        .encode()
        .context("wrapping the core module into a component")?;
    check_imports(&component)?;
    let out = root.join("target").join("paywit.wasm");
    std::fs::write(&out, &component)?;
    copy_wit(&root.join("wit"), &root.join("target").join("wit"))?;
    eprintln!("xtask: wrote {} ({} bytes), only import {ALLOWED_IMPORT}", out.display(), component.len());
    std::fs::copy(&out, root.join("packages/python/paywit/paywit.wasm"))?;
    build_node()?;
    Ok(out)
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
    if !package.join("node_modules").join(".package-lock.json").exists() {
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&package))?;
    }
    run(Command::new("npm").args(["run", "--silent", "build"]).current_dir(&package))
}

/// Fails unless the component's only import is `wasi:random/random`.
fn check_imports(component: &[u8]) -> Result<()> {
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
    if imports != [ALLOWED_IMPORT] {
        bail!("the component must import only {ALLOWED_IMPORT}, but imports {imports:?}");
    }
    Ok(())
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

fn test() -> Result<()> {
    build()?;
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args(["test", "--workspace"]))?;
    run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    run(cargo().args(["clippy", "--package", "paywit", "--lib", "--target", WASM_TARGET, "--", "-D", "warnings"]))?;
    differential()?;
    run(Command::new(python()?).args(["-m", "pytest", "-q"]).current_dir(root().join("packages").join("python")))?;
    run(Command::new("node").args(["--test", "test/"]).current_dir(root().join("packages").join("node")))?;
    fuzz(FUZZ_SMOKE_SECONDS)?;
    Ok(())
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

fn demo() -> Result<()> {
    build()?;
    run(cargo().args(["run", "--quiet", "--package", "paywit-host-tests", "--example", "demo"]))
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
    let python = capture(Command::new(python()?).arg("bench.py").current_dir(root.join("packages/python")))?;
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
         ## Python (paywit vs PyPI peers)\n\n{python}",
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
    }
    println!("fuzz: {total} executions over {} targets, 0 crashes", FUZZ_TARGETS.len());
    Ok(())
}

/// Seed corpora from the conformance vectors (bodies, header values, secrets)
/// plus a few hand-picked inputs per target.
fn seed_corpora(dir: &Path) -> Result<()> {
    let root = root();
    let mut seeds: Vec<(&str, Vec<u8>)> = Vec::new();
    let schemes = [
        "hmac",
        "standard-webhooks",
        "stripe",
        "github",
        "shopify",
        "coinbase-commerce",
        "btcpay",
        "razorpay",
        "slack",
        "paddle",
        "square",
        "nowpayments",
    ];
    for file in ["webhook-signatures.json", "webhook-derived.json"] {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root.join("host-tests/vectors").join(file))?)?;
        for v in json["vectors"].as_array().into_iter().flatten() {
            let scheme = v["scheme"].as_str().unwrap_or("");
            let selector = schemes.iter().position(|s| *s == scheme).unwrap_or(0) as u8;
            let secret = v["secret"].as_str().or_else(|| v["secrets"][0].as_str()).unwrap_or("");
            let mut input = vec![selector];
            input.extend_from_slice(secret.as_bytes());
            for value in v["headers"].as_object().into_iter().flat_map(|h| h.values()) {
                input.push(0xff);
                input.extend_from_slice(value.as_str().unwrap_or("").as_bytes());
            }
            input.push(0xff);
            let body = v["body"].as_str().unwrap_or("");
            input.extend_from_slice(body.as_bytes());
            seeds.push(("verify", input));
            seeds.push(("fingerprint", body.as_bytes().to_vec()));
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
