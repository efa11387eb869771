//! The `install` part of `cargo xtask test`: each release artifact `cargo xtask dist` wrote,
//! installed into a new, empty environment and used as a user would (verify a signed delivery,
//! refuse a tampered one). One module per ecosystem; nothing here reads the checkout's packages.

use std::path::PathBuf;

use anyhow::Result;

use crate::dist::Dist;
use crate::tools::root;

mod go;
mod java;
mod node;
mod python;

/// Installs and exercises every artifact of `dist`.
pub fn check(dist: &Dist) -> Result<()> {
    python::check(dist)?;
    node::check(dist)?;
    go::check(dist)?;
    java::check(dist)?;
    Ok(())
}

/// A new, empty directory for one clean install: `target/install/<name>`, emptied first.
pub fn fresh_dir(name: &str) -> Result<PathBuf> {
    let dir = root().join("target").join("install").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
