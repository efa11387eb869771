//! `cargo xtask dist`: the release artifacts, in `dist/`, from one version source.
//!
//! The version is the root crate's (`Cargo.toml`); every package must declare the same one
//! (`pyproject.toml`, `package.json`), or `dist` fails naming the one that differs. It writes:
//! - `paywit-<v>-py3-none-any.whl` and `paywit-<v>.tar.gz` (the Python package with the
//!   component inside, built by `python -m build` without isolation from the pinned setuptools);
//! - `paywit-<v>.tgz` (`npm pack` of the Node package, the core module inside);
//! - `goproxy/`: the Go module at `v<v>` laid out as a module proxy (`GOPROXY=file://…`),
//!   zipped by `golang.org/x/mod/zip` (`tools/gomodzip`) from git's tracked files and the core
//!   module (`go_module_tree`);
//! - `paywit.wasm`, `webhook-ingress.wasm` (wasi:http 0.2), `webhook-ingress-p3.wasm` (0.3), `paywit-wit.wasm` (the WIT package encoded as a
//!   wasm file, as `wasm-tools component wit --wasm` writes it) and `SHA256SUMS` over every file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::build;
use crate::tools::{python, root, run};

/// The Go module's path (packages/go/go.mod).
pub const GO_MODULE: &str = "github.com/paywit/paywit/packages/go";

/// What `dist` wrote.
#[derive(Debug)]
pub struct Dist {
    /// `dist/`.
    pub dir: PathBuf,
    /// The one version, e.g. `0.1.0` (the Go module's is `v` and this).
    pub version: String,
    /// The Python wheel.
    pub wheel: PathBuf,
    /// The Python source distribution.
    pub sdist: PathBuf,
    /// The npm tarball.
    pub npm_tarball: PathBuf,
    /// The module proxy directory holding the Go module (for `GOPROXY=file://`).
    pub goproxy: PathBuf,
    /// The Maven repository (file layout) holding `io.github.paywit:paywit`.
    pub maven: PathBuf,
}

/// Builds, then writes every artifact into `dist/` (emptied first).
pub fn dist() -> Result<Dist> {
    let root = root();
    let version = version()?;
    check_package_files(&version)?;
    let component = build::build()?;
    let dir = root.join("dist");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;

    // setuptools reuses a build/ left by an earlier run: a module deleted since would ship.
    for stale in ["build", "paywit.egg-info"] {
        let path = root.join("packages/python").join(stale);
        if path.exists() {
            std::fs::remove_dir_all(path)?;
        }
    }
    run(Command::new(python()?)
        .args(["-m", "build", "--no-isolation", "--wheel", "--sdist", "--outdir"])
        .arg(&dir)
        .arg(root.join("packages/python")))?;
    let wheel = dir.join(format!("paywit-{version}-py3-none-any.whl"));
    let sdist = dir.join(format!("paywit-{version}.tar.gz"));

    run(Command::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(&dir)
        .current_dir(root.join("packages/node")))?;
    let npm_tarball = dir.join(format!("paywit-{version}.tgz"));

    let goproxy = dir.join("goproxy");
    run(Command::new("go")
        .args(["run", "."])
        .arg(go_module_tree()?)
        .arg(format!("v{version}"))
        .arg(commit_time()?)
        .arg(&goproxy)
        .env("GOFLAGS", "-mod=readonly")
        .current_dir(root.join("tools/gomodzip")))?;
    let maven = crate::java::dist(&dir)?;

    std::fs::copy(&component, dir.join("paywit.wasm"))?;
    std::fs::copy(root.join("target/webhook-ingress.wasm"), dir.join("webhook-ingress.wasm"))?;
    std::fs::copy(root.join("target/webhook-ingress-p3.wasm"), dir.join("webhook-ingress-p3.wasm"))?;
    std::fs::write(dir.join("paywit-wit.wasm"), encoded_wit(&root.join("wit"))?)?;

    let dist = Dist { dir, version, wheel, sdist, npm_tarball, goproxy, maven };
    for artifact in [&dist.wheel, &dist.sdist, &dist.npm_tarball] {
        if !artifact.is_file() {
            bail!("dist: {} was not written", artifact.display());
        }
    }
    std::fs::write(dist.dir.join("SHA256SUMS"), sha256sums(&dist.dir)?)?;
    eprintln!("xtask: wrote {} (version {})", dist.dir.display(), dist.version);
    Ok(dist)
}

/// The Go module's files as a release holds them, staged in `target/dist-go-module/`: the files
/// git tracks in `packages/go` (so nothing untracked or ignored ships) and the two build outputs
/// `go:embed` takes (the core module and `abi.json`, which are not committed). Tests that read
/// the repository's shared vectors (`../../conformance`) stay out: they cannot run from a
/// module cache, and `go test all` in a user's module would fail on them.
fn go_module_tree() -> Result<PathBuf> {
    let root = root();
    let package = root.join("packages/go");
    let staged = root.join("target/dist-go-module");
    if staged.exists() {
        std::fs::remove_dir_all(&staged)?;
    }
    let listed = Command::new("git").args(["ls-files", "-z", "--", "."]).current_dir(&package).output()?;
    if !listed.status.success() {
        bail!("dist: `git ls-files` failed in packages/go: the Go module is staged from git's tracked files");
    }
    let tracked = String::from_utf8(listed.stdout)?;
    let files = tracked.split('\0').filter(|f| !f.is_empty()).chain(["paywit.core.wasm", "abi.json"]);
    for file in files {
        let from = package.join(file);
        let text = std::fs::read(&from).with_context(|| format!("dist: reading {}", from.display()))?;
        if file.ends_with("_test.go") && text.windows(6).any(|w| w == b"../../") {
            continue;
        }
        let to = staged.join(file);
        std::fs::create_dir_all(to.parent().expect("a staged file has a directory"))?;
        std::fs::write(to, text)?;
    }
    Ok(staged)
}

/// The one version: the root crate's, which every package must declare too.
pub fn version() -> Result<String> {
    let root = root();
    let cargo = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let version = toml_version(&cargo, "[package]").context("Cargo.toml's [package] has no version")?;
    let pyproject = std::fs::read_to_string(root.join("packages/python/pyproject.toml"))?;
    let package_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("packages/node/package.json"))?)?;
    let declared = [
        ("packages/python/pyproject.toml", toml_version(&pyproject, "[project]")),
        ("packages/node/package.json", package_json["version"].as_str().map(str::to_string)),
        ("packages/java/pom.xml", crate::java::pom_version().ok()),
    ];
    for (file, theirs) in declared {
        if theirs.as_deref() != Some(version.as_str()) {
            bail!("{file} declares version {theirs:?}, but the release is {version} (Cargo.toml): make them equal");
        }
    }
    Ok(version)
}

/// The packages a release carries, each with its own README, CHANGELOG and LICENSE.
const PACKAGES: [&str; 4] = ["packages/python", "packages/node", "packages/go", "packages/java"];

/// Fails unless every package has a README.md, a CHANGELOG.md with an entry for `version`, and
/// a LICENSE identical to the repository's.
pub fn check_package_files(version: &str) -> Result<()> {
    let root = root();
    let license = std::fs::read(root.join("LICENSE"))?;
    let changelog = std::fs::read_to_string(root.join("CHANGELOG.md"))?;
    let entry = format!("\n## [{version}]");
    if !changelog.contains(&entry) {
        bail!("CHANGELOG.md has no entry for {version} (a heading `## [{version}]`)");
    }
    for package in PACKAGES {
        let dir = root.join(package);
        if !dir.join("README.md").is_file() {
            bail!("{package} has no README.md");
        }
        match std::fs::read_to_string(dir.join("CHANGELOG.md")) {
            Ok(text) if text.contains(&entry) => {}
            Ok(_) => bail!("{package}/CHANGELOG.md has no entry for {version} (a heading `## [{version}]`)"),
            Err(_) => bail!("{package} has no CHANGELOG.md"),
        }
        if std::fs::read(dir.join("LICENSE")).ok().as_deref() != Some(license.as_slice()) {
            bail!("{package}/LICENSE is missing or differs from the repository's LICENSE");
        }
    }
    Ok(())
}

/// The `version = "…"` line of one TOML table (the first table named `table`).
fn toml_version(text: &str, table: &str) -> Option<String> {
    let mut lines = text.lines().skip_while(|line| line.trim() != table).skip(1);
    lines.by_ref().take_while(|line| !line.starts_with('[')).find_map(|line| {
        let value = line.strip_prefix("version")?.trim_start().strip_prefix('=')?.trim();
        Some(value.strip_prefix('"')?.strip_suffix('"')?.to_string())
    })
}

/// HEAD's commit time (RFC 3339), the Go module version's time; now outside a git checkout.
fn commit_time() -> Result<String> {
    let output = Command::new("git").args(["log", "-1", "--format=%cI"]).current_dir(root()).output();
    match output {
        Ok(output) if output.status.success() && !output.stdout.trim_ascii().is_empty() => {
            Ok(String::from_utf8(output.stdout)?.trim().to_string())
        }
        _ => Ok(String::from_utf8(Command::new("date").arg("--iso-8601=seconds").output()?.stdout)?.trim().to_string()),
    }
}

/// The WIT package in `wit_dir` encoded as a wasm file (a component type).
fn encoded_wit(wit_dir: &Path) -> Result<Vec<u8>> {
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(wit_dir)?;
    wit_component::encode(&resolve, package, false)
}

/// `sha256sum`'s format over every file directly in `dir` and in its subdirectories, sorted.
fn sha256sums(dir: &Path) -> Result<String> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let mut sums = String::new();
    for file in files {
        let digest = Sha256::digest(std::fs::read(&file)?);
        let name = file.strip_prefix(dir)?.to_string_lossy().into_owned();
        let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        writeln!(sums, "{hex}  {name}")?;
    }
    Ok(sums)
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            collect_files(&entry.path(), files)?;
        } else {
            files.push(entry.path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_version_is_read_from_its_own_table_only() {
        let text =
            "[tool.x]\nversion = \"9\"\n[project]\nname = \"p\"\nversion = \"1.2.3\"\n[other]\nversion = \"4\"\n";
        assert_eq!(toml_version(text, "[project]").as_deref(), Some("1.2.3"));
        assert_eq!(toml_version(text, "[tool.x]").as_deref(), Some("9"));
        assert_eq!(toml_version("[project]\nname = \"p\"\n[x]\nversion = \"1\"\n", "[project]"), None);
    }

    #[test]
    fn the_packages_declare_the_crates_version_with_readme_changelog_and_license() {
        check_package_files(&version().unwrap()).unwrap();
    }
}
