//! The Java package's part of `cargo xtask test` and `cargo xtask dist` (`packages/java`, a
//! Maven module; issue 25).
//!
//! Java 17 and Maven come with the machine; dependencies come from Maven Central into the
//! default `~/.m2` on first use (warm afterwards). The package runs the core module on Chicory,
//! compiled to JVM classes by Chicory's build-time compiler in the Maven build. Chicory's
//! compiler has no WebAssembly SIMD, and the component is built with `+simd128` (see
//! `.cargo/config.toml`), so the JVM gets its own core module: the same crate and WIT built
//! without `simd128`, for size, with sha2's compact backend ([`JVM_CORE_RUSTFLAGS`]), into
//! `target/jvm-core` (a target directory of its own, so the component's build is never
//! invalidated). [`prepare`] copies it and `abi.properties` (the digest, limits and exports of
//! `target/abi.json`) into `packages/java/src/main/wasm/` (gitignored), where the pom takes them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::tools::{cargo, root, run, write_if_changed, WASM_TARGET};

/// The Maven module.
pub fn package_dir() -> PathBuf {
    root().join("packages/java")
}

/// `mvn -B -q` in `dir`, with the default local repository (`~/.m2`, warm across runs).
fn mvn(dir: &Path) -> Command {
    let mut command = Command::new("mvn");
    command.args(["-B", "-q"]).current_dir(dir);
    command
}

/// The JVM core module's flags: no SIMD (Chicory has none), sha2's compact SHA-256/512 (the 64
/// rounds as a loop, not unrolled) and `opt-level=s` (less inlining). Chicory turns each wasm
/// function into one JVM method, and HotSpot never JIT-compiles a method past 8000 bytes of
/// bytecode unless run with `-XX:-DontCompileHugeMethods` (and even then takes seconds to):
/// with the component's own flags the unrolled compression and the verification functions are
/// such methods, run by the bytecode interpreter on every call (Stripe on a stock JVM: 2 B
/// ~190 µs, 64 KiB ~22 ms). With these, a stock JVM gets 2 B ~30-40 µs and 64 KiB ~1.2-2 ms, and
/// one with the flag 2 B ~10 µs, 64 KiB ~1.1 ms, warm within the first second or two
/// (`RuntimeRoutes` in the package's tests compares builds and runtimes).
const JVM_CORE_RUSTFLAGS: &str = "-C target-feature=-simd128 -C opt-level=s --cfg sha2_backend_soft=\"compact\"";

/// Builds the scalar core module and writes it and `abi.properties` into the Maven module.
/// Needs `cargo xtask build` first (for `target/abi.json`).
pub fn prepare() -> Result<()> {
    let root = root();
    let target_dir = root.join("target/jvm-core");
    run(cargo()
        .args(["build", "--profile", "component", "--lib", "--package", "paywit", "--target", WASM_TARGET])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", JVM_CORE_RUSTFLAGS))?;
    let wasm_dir = package_dir().join("src/main/wasm");
    std::fs::create_dir_all(&wasm_dir)?;
    let core = target_dir.join(WASM_TARGET).join("component/paywit.wasm");
    let bytes = std::fs::read(&core).with_context(|| format!("reading {}", core.display()))?;
    write_if_changed(&wasm_dir.join("paywit.core.wasm"), &bytes)?;
    let abi: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root.join("target/abi.json"))?)?;
    write_if_changed(&wasm_dir.join("abi.properties"), abi_properties(&abi)?.as_bytes())?;
    Ok(())
}

/// `abi.json` as the Java runtime reads it (a `java.util.Properties` file): `digest`,
/// `limit.<name>`, and per export `function.<interface>.<function>` = its parameter count, then
/// ` result` when it answers a `result`.
fn abi_properties(abi: &serde_json::Value) -> Result<String> {
    let mut out = String::from("# Written by cargo xtask (xtask/src/java.rs) from target/abi.json. Do not edit.\n");
    writeln!(out, "digest={}", abi["digest"].as_str().context("abi.json has no digest")?)?;
    for (name, value) in abi["limits"].as_object().context("abi.json has no limits")? {
        writeln!(out, "limit.{name}={value}")?;
    }
    for (iface, functions) in abi["interfaces"].as_object().context("abi.json has no interfaces")? {
        for (name, sig) in functions.as_object().context("an interface is not an object")? {
            let params = sig["params"].as_array().map_or(0, Vec::len);
            let result = if sig["result"]["kind"] == "result" { " result" } else { "" };
            writeln!(out, "function.{iface}.{name}={params}{result}")?;
        }
    }
    Ok(out)
}

/// `mvn test` in the package: the conformance tables and vectors, the differential tests against
/// stripe-java and svix, threads, hostile sizes, traps.
pub fn test() -> Result<()> {
    prepare()?;
    run(mvn(&package_dir()).arg("test"))
}

/// Compiles the Maven module in `dir` (`mvn compile`) and runs its class `main` on the module's
/// runtime classpath; the process's output, whatever its exit status.
pub fn run_main(dir: &Path, main: &str) -> Result<std::process::Output> {
    let classpath_file = dir.join("target/classpath.txt");
    run(mvn(dir)
        .args(["compile", "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath"])
        .arg("-Dmdep.includeScope=runtime")
        .arg(format!("-Dmdep.outputFile={}", classpath_file.display())))?;
    let classpath =
        format!("{}:{}", dir.join("target/classes").display(), std::fs::read_to_string(&classpath_file)?.trim());
    Ok(Command::new("java").args(["-cp", &classpath, main]).output()?)
}

/// The jar and its pom in `dir` as a Maven repository (`io/github/paywit/paywit/<v>/…`), the
/// layout a user's `<repository>` with a `file:` URL reads.
pub fn dist(dir: &Path) -> Result<PathBuf> {
    prepare()?;
    let repository = dir.join("maven");
    std::fs::create_dir_all(&repository)?;
    run(mvn(&package_dir())
        .args(["deploy", "-DskipTests"])
        .arg(format!("-DaltDeploymentRepository=local::file:{}", repository.display())))?;
    let version = crate::dist::version()?;
    let jar = repository.join(format!("io/github/paywit/paywit/{version}/paywit-{version}.jar"));
    if !jar.is_file() {
        bail!("dist: {} was not written (does packages/java/pom.xml declare version {version}?)", jar.display());
    }
    Ok(repository)
}

/// The version `packages/java/pom.xml` declares (the project's own `<version>`, after
/// `<artifactId>paywit</artifactId>`), for `dist`'s check that every package agrees.
pub fn pom_version() -> Result<String> {
    let pom = std::fs::read_to_string(package_dir().join("pom.xml"))?;
    let after = pom.split("<artifactId>paywit</artifactId>").nth(1).context("pom.xml has no paywit artifactId")?;
    let version = after.split("<version>").nth(1).and_then(|v| v.split("</version>").next());
    version.map(|v| v.trim().to_string()).context("pom.xml declares no version after its artifactId")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pom_declares_the_crates_version() {
        let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
        assert!(cargo.contains(&format!("version = \"{}\"", pom_version().unwrap())));
    }

    #[test]
    fn abi_properties_carry_digest_limits_and_exports() {
        let abi = serde_json::json!({
            "digest": "abc",
            "limits": {"body-bytes": 5},
            "interfaces": {"retry": {"next-step": {"params": [1, 2], "result": {"kind": "result"}},
                                     "api-policy": {"params": [], "result": {"kind": "record"}}}}
        });
        let text = abi_properties(&abi).unwrap();
        assert!(text.contains("digest=abc\n"));
        assert!(text.contains("limit.body-bytes=5\n"));
        assert!(text.contains("function.retry.next-step=2 result\n"));
        assert!(text.contains("function.retry.api-policy=0\n"));
    }
}
