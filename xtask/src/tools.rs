//! What every command shares: the workspace root, running a command (echoed, failing on a
//! non-zero exit), cargo, the wasm target, the project's Python virtualenv, `npm ci`, and
//! Debian packages with apt-get. Every installer is idempotent: it does nothing when what it
//! installs is already there.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// The target the component is compiled for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The workspace root (xtask's parent directory).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Runs `command` (in the workspace root unless it has a directory of its own), echoing it
/// first; fails unless it exits successfully.
pub fn run(command: &mut Command) -> Result<()> {
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

/// The cargo that runs xtask (`$CARGO`), else `cargo`.
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Installs the wasm target with rustup unless it is already there (idempotent).
pub fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    if let Ok(output) = installed {
        if String::from_utf8_lossy(&output.stdout).lines().any(|line| line.trim() == WASM_TARGET) {
            return Ok(());
        }
    }
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// The project's Python virtualenv (`target/py-venv`) with the pinned test
/// dependencies of the Python package, created on first use (idempotent).
pub fn python() -> Result<PathBuf> {
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

/// `npm ci` in `dir` unless its package-lock.json is the one last installed (idempotent).
pub fn npm_ci(dir: &Path) -> Result<()> {
    let lock = std::fs::read_to_string(dir.join("package-lock.json"))?;
    let stamp = dir.join("node_modules").join(".paywit-installed-lock");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(lock.as_str()) {
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir))?;
        std::fs::write(&stamp, lock)?;
    }
    Ok(())
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.trim_ascii() == b"0").unwrap_or(false)
}

/// Installs one of Debian's packages with apt-get (through sudo when not root).
pub fn apt_install(package: &str) -> Result<()> {
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

/// Copies the directory `from` (recursively) to `to`.
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            write_if_changed(&target, &std::fs::read(entry.path())?)?;
        }
    }
    Ok(())
}

/// Writes `path` only when its contents differ: a build output rewritten with the same bytes
/// would still look new to cargo (`include_bytes!`), Maven and go, and relink what embeds it.
pub fn write_if_changed(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    let contents = contents.as_ref();
    if std::fs::read(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// A Go program installed from the Go module proxy at a pinned version (`go install
/// module/cmd@version`, checked against the checksum database) into `target/go-bin/<version>/`,
/// once (idempotent); returns the binary's path.
pub fn go_tool(package: &str, version: &str, binary: &str) -> Result<PathBuf> {
    let bin = root().join("target").join("go-bin").join(version);
    let path = bin.join(binary);
    if !path.exists() {
        run(Command::new("go")
            .args(["install", &format!("{package}@{version}")])
            .env("GOBIN", &bin)
            .env("GOFLAGS", "-mod=mod"))?;
    }
    Ok(path)
}
