//! The Python wheel and sdist from clean installs. A new virtualenv (`python3 -m venv`) in an
//! empty directory gets only the wheel (pip resolves its pinned `wasmtime` from PyPI); a user's
//! program, run from that directory with no `PYTHONPATH`, verifies a Standard Webhooks delivery
//! signed by hand with hmac, refuses a tampered one, and checks that `paywit` came from the
//! virtualenv's site-packages. It runs twice against one cache directory: the first process
//! compiles the core module and writes the compiled-module cache, the second loads it.
//!
//! The sdist must carry the component, abi.json, py.typed, README, LICENSE and CHANGELOG and no
//! tests; pip builds a wheel from it (the pinned setuptools of the project's virtualenv) that must
//! hold exactly the released wheel's files, and that wheel goes into a second new virtualenv where
//! the same program runs. The virtualenvs are made `--without-pip` and filled by the project's pip
//! (`pip --python`): bootstrapping pip into each cost 4-12 s here, the rest of the check about 10 s.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::dist::Dist;
use crate::install::fresh_dir;
use crate::tools::{python, root, run};

/// A user's program: signs a delivery with hmac (not with paywit), verifies it and a tampered copy
/// through the installed package, and names where paywit came from and how its module was loaded.
const USER_PROGRAM: &str = r#"import base64, hashlib, hmac, pathlib, sys, sysconfig, time

import paywit
from paywit import _cache

source = pathlib.Path(sys.argv[1]).resolve()  # the checkout's packages/python
installed = pathlib.Path(paywit.__file__).resolve()
site_packages = pathlib.Path(sysconfig.get_paths()["purelib"]).resolve()
if sys.prefix == sys.base_prefix or site_packages not in installed.parents or source in installed.parents:
    sys.exit(f"paywit was imported from {installed}, not from this virtualenv's {site_packages}")

secret = "whsec_" + base64.b64encode(b"install-check-secret-0123456789ab").decode()
body = '{"type":"payment.succeeded","data":{"id":"pay_install"}}'
timestamp = str(int(time.time()))
signed = f"msg_install.{timestamp}.{body}".encode()
signature = base64.b64encode(hmac.new(base64.b64decode(secret[len("whsec_"):]), signed, hashlib.sha256).digest())
headers = {"webhook-id": "msg_install", "webhook-timestamp": timestamp, "webhook-signature": "v1," + signature.decode()}

verified = paywit.Verifier("standard-webhooks", secret).verify(headers, body)
if verified.message_id != "msg_install":
    sys.exit(f"verified the wrong message: {verified}")
try:
    paywit.verify_webhook("standard-webhooks", secret, headers, body.replace("pay_install", "pay_other"))
except paywit.webhooks.VerifyNoMatchingSignatureError:
    pass
else:
    sys.exit("a tampered delivery was accepted")
print(f"verified a signed delivery and refused a tampered one; cache {_cache.last_outcome.value}")
"#;

/// What the sdist must hold (below `paywit-<version>/`).
const SDIST_FILES: [&str; 7] = [
    "paywit/paywit.wasm",
    "paywit/abi.json",
    "paywit/py.typed",
    "pyproject.toml",
    "README.md",
    "LICENSE",
    "CHANGELOG.md",
];

/// Installs the wheel and the sdist of `dist` into new virtualenvs and runs a user's program.
pub fn check(dist: &Dist) -> Result<()> {
    let started = Instant::now();
    let dir = fresh_dir("python")?;
    std::fs::write(dir.join("user.py"), USER_PROGRAM)?;
    let cache = dir.join("cache");

    let wheel_venv = new_venv(&dir, "venv-wheel")?;
    pip_install(&wheel_venv, &dist.wheel)?;
    expect_outcome(&dir, &wheel_venv, &cache, "written")?;
    expect_outcome(&dir, &wheel_venv, &cache, "loaded")?;

    check_sdist_contents(&dist.sdist, &dist.version)?;
    let built = dir.join("from-sdist");
    run(Command::new(python()?)
        .args(["-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps", "--no-build-isolation"])
        .arg("--wheel-dir")
        .arg(&built)
        .arg(&dist.sdist)
        .current_dir(&dir))?;
    let rebuilt = built.join(dist.wheel.file_name().context("the wheel has no file name")?);
    let (released, from_sdist) = (wheel_files(&dist.wheel)?, wheel_files(&rebuilt)?);
    if released != from_sdist {
        bail!("the wheel built from the sdist holds other files than the released wheel:\n{from_sdist:?}\nvs\n{released:?}");
    }
    let sdist_venv = new_venv(&dir, "venv-sdist")?;
    pip_install(&sdist_venv, &rebuilt)?;
    // The same wasmtime and the same component: the first install's entry serves this one too.
    expect_outcome(&dir, &sdist_venv, &cache, "loaded")?;
    eprintln!(
        "xtask: the Python wheel and sdist install into new virtualenvs and verify deliveries ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `python3 -m venv --without-pip <dir>/<name>`; returns the virtualenv's python.
fn new_venv(dir: &Path, name: &str) -> Result<PathBuf> {
    run(Command::new("python3").args(["-m", "venv", "--without-pip", name]).current_dir(dir))?;
    Ok(dir.join(name).join("bin").join("python"))
}

/// Installs `artifact` and its dependencies (from PyPI) into the virtualenv of `venv_python`.
fn pip_install(venv_python: &Path, artifact: &Path) -> Result<()> {
    run(Command::new(python()?)
        .args(["-m", "pip", "--python"])
        .arg(venv_python)
        .args(["install", "--quiet", "--disable-pip-version-check", "--no-input"])
        .arg(artifact)
        .env_remove("PYTHONPATH"))
}

/// The names of the files in a wheel, sorted.
fn wheel_files(wheel: &Path) -> Result<Vec<String>> {
    let listing = Command::new(python()?)
        .args(["-c", "import sys, zipfile; print('\\n'.join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))"])
        .arg(wheel)
        .output()?;
    if !listing.status.success() {
        bail!("could not list {}: {}", wheel.display(), String::from_utf8_lossy(&listing.stderr));
    }
    Ok(String::from_utf8(listing.stdout)?.lines().map(str::to_string).collect())
}

/// Runs the user's program from `dir` (outside every package, no PYTHONPATH) with the cache in
/// `cache`; fails unless it verified and its module was `outcome` ("written", "loaded").
fn expect_outcome(dir: &Path, python: &Path, cache: &Path, outcome: &str) -> Result<()> {
    let mut command = Command::new(python);
    command
        .arg("user.py")
        .arg(root().join("packages").join("python"))
        .current_dir(dir)
        .env_remove("PYTHONPATH")
        .env_remove("PAYWIT_WASM")
        .env_remove("PAYWIT_ABI")
        .env("PAYWIT_CACHE_DIR", cache);
    eprintln!("xtask: {command:?}");
    let output = command.output().with_context(|| format!("could not start {command:?}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let expected = format!("verified a signed delivery and refused a tampered one; cache {outcome}");
    if !output.status.success() || stdout.trim() != expected {
        bail!(
            "the user's program in {} did not print {expected:?} ({}):\n{stdout}{}",
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    eprintln!("xtask: {}", stdout.trim());
    Ok(())
}

/// The sdist holds SDIST_FILES and nothing of the tests, bytecode or cache entries.
fn check_sdist_contents(sdist: &Path, version: &str) -> Result<()> {
    let listing = Command::new("tar").arg("-tzf").arg(sdist).output()?;
    if !listing.status.success() {
        bail!("tar could not list {}", sdist.display());
    }
    let listing = String::from_utf8(listing.stdout)?;
    let prefix = format!("paywit-{version}/");
    let names: Vec<&str> = listing.lines().filter_map(|line| line.strip_prefix(&prefix)).collect();
    for wanted in SDIST_FILES {
        if !names.contains(&wanted) {
            bail!("{} lacks {prefix}{wanted}", sdist.display());
        }
    }
    if let Some(stray) =
        names.iter().find(|name| name.starts_with("tests/") || name.ends_with(".pyc") || name.ends_with(".cwasm"))
    {
        bail!("{} holds {prefix}{stray}, which is not part of the package", sdist.display());
    }
    Ok(())
}
