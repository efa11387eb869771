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

/// The JVM package's harnesses (`packages/java`): `Bench`, paywit on Chicory vs stripe-java and
/// svix with the JDK's own HMAC as the floor, and its cold start; then `RuntimeRoutes`, the same
/// core module on Chicory's build-time compiler, its run-time compiler and its interpreter.
fn java_bench() -> Result<String> {
    crate::java::test()?; // builds the core module for Chicory and the classes the harnesses run
    let harness = |class: &str| {
        capture(
            Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "mvn -q -B test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
                     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test >&2 && \
                     java -XX:-DontCompileHugeMethods -cp target/classes:target/test-classes:$(cat target/cp.txt) {class}"
                ))
                .current_dir(crate::java::package_dir()),
        )
    };
    let peers = harness("io.github.paywit.bench.Bench")?;
    let routes = harness("io.github.paywit.RuntimeRoutes")?;
    Ok(format!(
        "Run with `-XX:-DontCompileHugeMethods` (three of the compiled module's methods are over HotSpot's \
         8000-byte limit; see packages/java/README.md).\n\n{peers}\nThe same core module on each of Chicory's \
         routes:\n\n{routes}"
    ))
}

/// One section of BENCHMARKS.md: its heading, its name on the command line
/// (`cargo xtask bench <name>` measures only it and replaces it), and what measures it.
struct Section {
    name: &'static str,
    heading: &'static str,
    measure: fn() -> Result<String>,
}

/// The sections, in BENCHMARKS.md's order.
const SECTIONS: [Section; 7] = [
    Section { name: "rust", heading: "## Rust host (wasmtime 48, component vs native)\n\n", measure: rust },
    Section { name: "node", heading: "## Node.js (paywit vs npm peers)\n\n", measure: node },
    Section { name: "python", heading: "## Python (paywit vs PyPI peers)\n\n", measure: python_bench },
    Section { name: "go", heading: "## Go (paywit vs the Go SDKs)\n\n", measure: go },
    Section { name: "java", heading: "## JVM (paywit on Chicory vs stripe-java and svix)\n\n", measure: java_bench },
    Section { name: "edge", heading: "## At the edge\n\n", measure: edge },
    Section { name: "load", heading: LOAD_HEADING, measure: load },
];

/// The section names `cargo xtask bench` takes.
pub fn section_names() -> Vec<&'static str> {
    SECTIONS.iter().map(|section| section.name).collect()
}

/// Criterion measures (estimates land in target/criterion); the `bench` binary adds the
/// one-shot figures and prints the tables.
fn rust() -> Result<String> {
    run(cargo().args(["bench", "--package", "paywit-host-tests", "--bench", "component"]))?;
    capture(
        cargo()
            .args(["run", "--release", "--quiet", "--package", "paywit-host-tests", "--bin", "bench"])
            .current_dir(root()),
    )
}

/// Per call against the npm peers, then the cold start.
fn node() -> Result<String> {
    let package = root().join("packages/node");
    let calls = capture(Command::new("node").arg("bench/verify.mjs").current_dir(&package))?;
    let cold = capture(Command::new("node").arg("bench/cold-start.mjs").current_dir(&package))?;
    Ok(format!(
        "{calls}\nCold start, 1 KiB delivery: a new process, start to exit after its first verification \
         (`bench/cold-start.mjs`):\n\n{cold}"
    ))
}

/// Per call against the PyPI peers, then the cold start (bench.py runs bench_cold.py).
fn python_bench() -> Result<String> {
    capture(Command::new(python()?).arg("bench.py").current_dir(root().join("packages/python")))
}

/// paywit on wazero (the default), then the same program on wasmtime-go.
fn go() -> Result<String> {
    let go_peers = root().join("packages/go/peers");
    let wazero = capture(Command::new("go").args(["run", "./cmd/bench"]).current_dir(&go_peers))?;
    let wasmtime = capture(
        Command::new("go")
            .args(["run", "-tags", "paywit_wasmtime", "./cmd/bench"])
            .env("PAYWIT_RUNTIME", "wasmtime")
            .current_dir(&go_peers),
    )?;
    Ok(format!(
        "{wazero}\nThe same program on wasmtime-go (`-tags paywit_wasmtime`, `PAYWIT_RUNTIME=wasmtime`):\n\n{wasmtime}"
    ))
}

/// The composed ingress's cold start, then one client against wasmtime embedded, the wasmtime CLI
/// (`wasmtime serve`), workerd and Deno.
fn edge() -> Result<String> {
    let root = root();
    run(cargo().args(["build", "--release", "--quiet", "--package", "paywit-host-tests", "--bin", "edge-serve"]))?;
    let edge_serve = root.join("target/release/edge-serve");
    let cold_start = capture(Command::new(&edge_serve).arg("--cold-start"))?;
    let edge = capture(
        Command::new("node")
            .arg("bench/edge.mjs")
            .arg(&edge_serve)
            .arg(crate::wasmtime_cli::install()?)
            .current_dir(root.join("packages/node")),
    )?;
    Ok(format!(
        "Cold start of the composed wasi:http component (wasmtime 48, Cranelift):\n\n\
         | component | size | compile | deserialize (precompiled) |\n|---|---|---|---|\n{cold_start}\n{edge}"
    ))
}

/// Builds, then measures every section (or only the one named `only`, replacing it in
/// BENCHMARKS.md); every ratio compares two numbers measured in the same run.
pub fn bench(only: Option<&str>) -> Result<()> {
    let root = root();
    let path = root.join("BENCHMARKS.md");
    let component = build()?;
    if let Some(name) = only {
        let Some(section) = SECTIONS.iter().find(|section| section.name == name) else {
            bail!("no benchmark section {name:?}: the sections are {}", section_names().join(", "))
        };
        let body = (section.measure)()?;
        print!("{body}");
        let report = std::fs::read_to_string(&path)?;
        return Ok(std::fs::write(path, replace_section(&report, section.heading, &body)?)?);
    }
    let mut sections = String::new();
    for section in &SECTIONS {
        let body = (section.measure)()?;
        sections.push_str(section.heading);
        sections.push_str(&body);
        sections.push('\n');
    }
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
        "# Benchmarks\n\nProduced by `cargo xtask bench` on {cpu} ({cores} cores); `cargo xtask bench <section>` \
         measures one section again and replaces it ({}). Rust host: criterion medians \
         (30 samples over 2 s each, `host-tests/benches/component.rs`); Node and Python: medians of 21-31 interleaved rounds (each round times every call once). \
         Every ratio compares two numbers measured in the same run. Component size after gzip -9: {} bytes.\n\n{sections}",
        section_names().join(", "),
        gzip.trim()
    );
    print!("{report}");
    std::fs::write(path, report.trim_end().to_string() + "\n")?;
    Ok(())
}

/// `report` with the section under `heading` (up to the next `## ` heading) replaced by `body`,
/// or `body` appended under `heading` when the report has no such section.
fn replace_section(report: &str, heading: &str, body: &str) -> Result<String> {
    let Some(at) = report.find(heading) else {
        return Ok(format!("{}\n\n{heading}{}\n", report.trim_end(), body.trim_end()));
    };
    let after = at + heading.len();
    let end = report[after..].find("\n## ").map(|i| after + i + 1).unwrap_or(report.len());
    let body = body.trim_end();
    Ok(format!("{}{heading}{body}\n\n{}", &report[..at], &report[end..]).trim_end().to_string() + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_replaced_up_to_the_next_heading_or_appended() {
        let report = "# B\n\n## A\n\nold a\n\n## L\n\nold l\n";
        assert_eq!(replace_section(report, "## A\n\n", "new a\n").unwrap(), "# B\n\n## A\n\nnew a\n\n## L\n\nold l\n");
        assert_eq!(replace_section(report, "## L\n\n", "new l").unwrap(), "# B\n\n## A\n\nold a\n\n## L\n\nnew l\n");
        assert_eq!(
            replace_section(report, "## J\n\n", "j").unwrap(),
            "# B\n\n## A\n\nold a\n\n## L\n\nold l\n\n## J\n\nj\n"
        );
    }
}
