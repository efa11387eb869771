//! `cargo xtask <command>`: the project's commands, one module per command.
//!
//! - `build` (`build.rs`): installs the wasm target if missing, compiles the crate for
//!   `wasm32-unknown-unknown`, wraps the core module into a component with `wit-component`,
//!   checks that its only import is `wasi:random/random`, and leaves `target/paywit.wasm`
//!   with the WIT beside it in `target/wit/`, the core module in `target/paywit.core.wasm`,
//!   and `target/abi.json` (every export's canonical-ABI layout, for the packages,
//!   `abi_manifest.rs`); composes the edge ingress into `target/webhook-ingress.wasm`; copies
//!   the component into the Python package and the core module into the Node package.
//! - `codegen [--check] [--wit DIR] [--out DIR]` (`codegen/`): every host's typed bindings,
//!   generated from `wit/`; `--check` fails when the committed files differ.
//! - `test [part]` (`test.rs`): `codegen --check` first, then build, then every check (or one
//!   part: rust, peers, python, node, go, lint, integration, operator, fuzz): rustfmt, native and
//!   harness tests (the xtask's own: fuzz seeds verify), clippy (native and wasm), the derived
//!   vectors re-derived, the differential peers, pytest, `node --test`, ruff, mypy and the Node
//!   typecheck, the reference integration end to end and the operator dashboard (their
//!   PostgreSQL tests on a throwaway cluster, `postgres.rs`), the dashboard in headless
//!   Chromium (Debian's `chromium`, installed if missing), and a fuzz smoke run.
//! - `demo [--keep-up]` (`demo.rs`): build, sign and verify sample webhooks through the
//!   component, then a day of misbehaving traffic through the sandbox gateway and both
//!   receivers, then the operator's dashboard over the Python receiver's store (up until
//!   Enter, or Ctrl-C with `--keep-up`).
//! - `screenshot` (`browser.rs`): the dashboard's browser test, saving its screenshot to
//!   `examples/reference-integration/operator/dashboard.png` (the README shows it).
//! - `bench [section]` (`bench.rs`): build, then measure per-call cost through the component vs
//!   native (criterion), each language package vs its peers (per call and cold start), the edge
//!   and the receivers under load (vegeta, installed from the Go module proxy); writes
//!   `BENCHMARKS.md`. A section name (`rust`, `node`, `python`, `go`, `java`, `edge`, `load`)
//!   measures only that section and replaces it.
//! - `dist` (`dist.rs`): the release artifacts in `dist/` (the Python wheel and sdist, the npm
//!   tarball, the Go module as a file module proxy, the component, the composed ingress, the WIT
//!   package as wasm, `SHA256SUMS`), all of one version.
//! - `fuzz [seconds]` (`fuzz.rs`): every libFuzzer target for a bounded time (`test` runs a
//!   20 s smoke).
//!
//! `tools.rs` holds what they share: the workspace root, running commands, cargo, the wasm
//! target, the Python virtualenv, `npm ci` and apt-get.

use anyhow::{bail, Context, Result};

mod abi_manifest;
mod bench;
mod browser;
mod build;
mod codegen;
mod demo;
mod dist;
mod fuzz;
mod golang;
mod install;
mod java;
mod postgres;
mod test;
mod tools;
mod wasmtime_cli;

// `codegen` reaches the workspace root as `crate::root()`.
use tools::root;

/// A command and its typed arguments, parsed from the command line.
#[derive(Debug, PartialEq)]
enum Task {
    /// `build`
    Build,
    /// `codegen [--check] [--wit DIR] [--out DIR]`: the arguments go to `codegen::run` as given.
    Codegen(Vec<String>),
    /// `test [part]`: every part, or one.
    Test(Option<test::Part>),
    /// `demo [--keep-up]`
    Demo {
        /// Keep the dashboard up until Ctrl-C instead of until Enter.
        keep_up: bool,
    },
    /// `bench [section]`
    Bench {
        /// Only this section (`load`, `node`, ...), replacing it in BENCHMARKS.md.
        only: Option<String>,
    },
    /// `dist`
    Dist,
    /// `fuzz [seconds per target]` (default 60).
    Fuzz {
        /// How long each target runs.
        seconds: u64,
    },
    /// `screenshot`
    Screenshot,
}

/// What `cargo xtask` with no or a wrong command prints.
fn usage() -> String {
    format!(
        "usage: cargo xtask <build|codegen [--check] [--wit DIR] [--out DIR]|test [{}]|demo [--keep-up]|bench [{}]|dist|fuzz [seconds per target]|screenshot>",
        test::Part::names().join("|"),
        bench::section_names().join("|")
    )
}

impl Task {
    /// Parses the arguments after `cargo xtask`.
    fn parse(args: &[String]) -> Result<Task> {
        let (command, rest) = match args.split_first() {
            Some((command, rest)) => (command.as_str(), rest),
            None => bail!(usage()),
        };
        let none = |task: Task| -> Result<Task> {
            match rest.first() {
                None => Ok(task),
                Some(extra) => bail!("`cargo xtask {command}` takes no argument {extra:?}\n{}", usage()),
            }
        };
        let at_most_one = || -> Result<Option<&str>> {
            match rest {
                [] => Ok(None),
                [one] => Ok(Some(one.as_str())),
                [_, extra, ..] => bail!("`cargo xtask {command}` takes one argument, not also {extra:?}\n{}", usage()),
            }
        };
        match command {
            "build" => none(Task::Build),
            "codegen" => Ok(Task::Codegen(rest.to_vec())),
            "test" => Ok(Task::Test(at_most_one()?.map(test::Part::parse).transpose()?)),
            "demo" => match at_most_one()? {
                None => Ok(Task::Demo { keep_up: false }),
                Some("--keep-up") => Ok(Task::Demo { keep_up: true }),
                Some(other) => bail!("`cargo xtask demo` takes only --keep-up, not {other:?}\n{}", usage()),
            },
            "bench" => match at_most_one()? {
                None => Ok(Task::Bench { only: None }),
                Some(name) if bench::section_names().contains(&name) => {
                    Ok(Task::Bench { only: Some(name.to_string()) })
                }
                Some(other) => bail!("`cargo xtask bench` takes a section name, not {other:?}\n{}", usage()),
            },
            "fuzz" => {
                let seconds = at_most_one()?
                    .map(|s| s.parse().with_context(|| format!("fuzz: {s:?} is not a number of seconds\n{}", usage())))
                    .transpose()?;
                Ok(Task::Fuzz { seconds: seconds.unwrap_or(60) })
            }
            "dist" => none(Task::Dist),
            "screenshot" => none(Task::Screenshot),
            other => bail!("no command {other:?}\n{}", usage()),
        }
    }
}

/// Runs the command; a failure prints `error:` and its chain of causes on one line, without the
/// backtrace `RUST_BACKTRACE` would add to a returned error (CI shows only an output's tail).
fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Parses the command line and runs the command.
fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match Task::parse(&args)? {
        Task::Build => build::build().map(|_| ()),
        Task::Codegen(args) => codegen::run(&args),
        Task::Test(part) => test::test(part),
        Task::Demo { keep_up } => demo::demo(keep_up),
        Task::Bench { only } => bench::bench(only.as_deref()),
        Task::Dist => dist::dist().map(|_| ()),
        Task::Fuzz { seconds } => fuzz::fuzz(seconds),
        Task::Screenshot => browser::screenshot(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Task> {
        Task::parse(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn commands_parse_into_typed_tasks() {
        assert_eq!(parse(&["build"]).unwrap(), Task::Build);
        assert_eq!(parse(&["dist"]).unwrap(), Task::Dist);
        assert_eq!(parse(&["test"]).unwrap(), Task::Test(None));
        assert_eq!(parse(&["test", "lint"]).unwrap(), Task::Test(Some(test::Part::Lint)));
        assert_eq!(parse(&["demo", "--keep-up"]).unwrap(), Task::Demo { keep_up: true });
        assert_eq!(parse(&["fuzz"]).unwrap(), Task::Fuzz { seconds: 60 });
        assert_eq!(parse(&["fuzz", "5"]).unwrap(), Task::Fuzz { seconds: 5 });
        assert_eq!(parse(&["codegen", "--check"]).unwrap(), Task::Codegen(vec!["--check".into()]));
        for part in test::Part::ALL {
            assert_eq!(parse(&["test", part.name()]).unwrap(), Task::Test(Some(part)));
        }
    }

    #[test]
    fn a_wrong_command_line_is_a_usage_error_naming_the_parts() {
        for args in [&[][..], &["nope"], &["build", "x"], &["test", "rust", "node"], &["demo", "x"], &["fuzz", "x"]] {
            let error = format!("{:#}", parse(args).unwrap_err());
            assert!(error.contains("usage: cargo xtask"), "{args:?}: {error}");
        }
        let error = format!("{:#}", parse(&["test", "nope"]).unwrap_err());
        assert!(
            error.contains("rust, peers, python, node, go, java, install, lint, integration, operator, fuzz"),
            "{error}"
        );
        assert!(usage().contains("test [rust|peers|python|node|go|java|install|lint|integration|operator|fuzz]"));
    }
}
