//! `cargo xtask demo [--keep-up]`: build, sign and verify sample webhooks through the
//! component (`examples/demo.rs`), then a day of misbehaving traffic through the sandbox
//! gateway and both receivers, then the operator's dashboard over the Python receiver's store
//! (up until Enter, or Ctrl-C with `--keep-up`).

use std::process::Command;

use anyhow::Result;

use crate::build::build;
use crate::tools::{cargo, npm_ci, python, root, run};

/// The component's own demo, then a day of misbehaving traffic through the
/// reference integration (sandbox gateway; Python and Node receivers and workers on SQLite).
pub fn demo(keep_up: bool) -> Result<()> {
    build()?;
    run(cargo().args(["run", "--quiet", "--package", "paywit-host-tests", "--example", "demo"]))?;
    let keep_up = keep_up.then_some("--keep-up");
    day_of_traffic(&["demo.py"].into_iter().chain(keep_up).collect::<Vec<_>>())
}

/// Runs `python ARGS` in examples/reference-integration/day-of-traffic, with the sandbox gateway built and the Node
/// receiver's dependencies installed (better-sqlite3 builds from source on a new machine);
/// Its PostgreSQL tests use the server `PAYWIT_PG_URL` names (see `postgres.rs`).
pub fn day_of_traffic(args: &[&str]) -> Result<()> {
    run(cargo().args(["build", "--quiet", "--package", "paywit-sandbox-gateway"]))?;
    npm_ci(&root().join("examples/reference-integration/receiver-node"))?;
    let mut command = Command::new(python()?);
    command
        .args(args)
        .env("PYTHONPATH", root().join("packages/python"))
        .current_dir(root().join("examples/reference-integration/day-of-traffic"));
    run(&mut command)
}
