//! The operator dashboard in a browser: `cargo xtask screenshot`, and the browser test that
//! `cargo xtask test` (part `operator`) runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Result};

use crate::build::build;
use crate::tools::{apt_install, cargo, npm_ci, python, root, run};

/// `cargo xtask screenshot`: the dashboard's browser test, saving its screenshot to
/// `examples/reference-integration/operator/dashboard.png` (the README shows it).
pub fn screenshot() -> Result<()> {
    build()?;
    run(cargo().args(["build", "--quiet", "--package", "paywit-sandbox-gateway"]))?;
    browser_test(Some(&root().join("examples/reference-integration/operator/dashboard.png")))
}

/// The dashboard's browser test (examples/reference-integration/operator/test): Debian's chromium installed if missing,
/// playwright-core from npm. `screenshot`: where the test saves the page (default under target/).
pub fn browser_test(screenshot: Option<&Path>) -> Result<()> {
    let chromium = ensure_chromium()?;
    let operator = root().join("examples/reference-integration/operator");
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
