//! `cargo xtask <build|test|demo|bench>`: the project's commands.
//!
//! - `build`: installs the wasm target if missing, compiles the crate for
//!   `wasm32-unknown-unknown`, wraps the core module into a component with
//!   `wit-component`, checks that its only import is `wasi:random/random`, and
//!   leaves `target/paywit.wasm` with the WIT beside it in `target/wit/`.
//! - `test`: build, then every test suite (native, clippy, component harness,
//!   the differential peers).
//! - `demo`: build, then sign and verify sample webhooks through the component.
//! - `bench`: build, then measure per-call cost through the component vs native.

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
        _ => bail!("usage: cargo xtask <build|test|demo|bench>"),
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
    run(cargo().args(["build", "--release", "--lib", "--package", "paywit", "--target", WASM_TARGET]))?;
    let root = root();
    let core = root.join("target").join(WASM_TARGET).join("release").join("paywit.wasm");
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
        run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"]).arg(&requirements))?;
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
    run(cargo().args(["test", "--workspace"]))?;
    run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    run(cargo().args(["clippy", "--package", "paywit", "--lib", "--target", WASM_TARGET, "--", "-D", "warnings"]))?;
    differential()?;
    run(Command::new(python()?).args(["-m", "pytest", "-q"]).current_dir(root().join("packages").join("python")))?;
    run(Command::new("node").args(["--test", "test/"]).current_dir(root().join("packages").join("node")))?;
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

/// Rust (component vs native), then Node and Python (paywit vs the peers), each measured in one run.
fn bench() -> Result<()> {
    build()?;
    run(cargo().args(["run", "--release", "--quiet", "--package", "paywit-host-tests", "--bin", "bench"]))?;
    run(Command::new("node").arg("bench/verify.mjs").current_dir(root().join("packages").join("node")))?;
    run(Command::new(python()?).arg("bench.py").current_dir(root().join("packages").join("python")))
}
