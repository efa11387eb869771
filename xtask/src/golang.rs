//! The Go package's part of `cargo xtask test` and `cargo xtask fuzz` (`packages/go`, its
//! differential module `packages/go/peers`, `examples/reference-integration/receiver-go` and
//! `examples/quickstart/go-net-http`).
//!
//! Go comes with the machine; modules come from the Go module proxy on first use (the
//! checksums are in each `go.sum`). `cargo xtask build` copies the core module and `abi.json`
//! into `packages/go`, where `go:embed` takes them.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Result};

use crate::tools::{root, run};

/// The `net/http` quickstart, a module of its own as a user's project is.
const QUICKSTART: &str = "examples/quickstart/go-net-http";

/// The Go module directories, each with its own go.mod.
fn modules() -> Vec<PathBuf> {
    let root = root();
    vec![
        root.join("packages/go"),
        root.join("packages/go/peers"),
        root.join("examples/reference-integration/receiver-go"),
        root.join(QUICKSTART),
        root.join("tools/gomodzip"),
    ]
}

fn go(dir: &Path) -> Command {
    let mut command = Command::new("go");
    command.current_dir(dir).env("GOFLAGS", "-mod=readonly");
    command
}

/// gofmt and go vet on every module (the lint part).
pub fn lint() -> Result<()> {
    for dir in &modules() {
        let listed = Command::new("gofmt").arg("-l").arg(".").current_dir(dir).output()?;
        let files = String::from_utf8_lossy(&listed.stdout);
        if !listed.status.success() || !files.trim().is_empty() {
            bail!("gofmt: these files are not formatted (run gofmt -w):\n{files}");
        }
        run(go(dir).args(["vet", "./..."]))?;
    }
    // The second runtime's file is behind its build tag.
    run(go(&root().join("packages/go")).args(["vet", "-tags", "paywit_wasmtime", "./..."]))?;
    Ok(())
}

/// `go test -race` on the package with its default runtime (wazero) and again on
/// wasmtime-go, then the differential module and the quickstart as it stands.
pub fn test() -> Result<()> {
    let root = root();
    let package = root.join("packages/go");
    run(go(&package).args(["test", "-race", "-count=1", "./..."]))?;
    // The same tests on the second runtime (cgo; wasmtime-go's prebuilt library).
    run(go(&package)
        .args(["test", "-count=1", "-tags", "paywit_wasmtime", "./..."])
        .env("PAYWIT_RUNTIME", "wasmtime")
        .env("CGO_ENABLED", "1"))?;
    run(go(&package.join("peers")).args(["test", "-race", "-count=1", "./..."]))?;
    run(go(&root.join(QUICKSTART)).args(["test", "-race", "-count=1", "./..."]))?;
    new_program()
}

/// A new Go program, as a user starts one (`go mod init`, a `replace` of the module to this
/// checkout, `go mod tidy`), verifies a signed delivery and refuses a tampered one.
fn new_program() -> Result<()> {
    let root = root();
    let dir = root.join("target/go-new-program");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("main.go"), NEW_PROGRAM)?;
    let plain = |args: &[&str]| -> Result<()> {
        let mut command = Command::new("go");
        command.args(args).current_dir(&dir);
        run(&mut command)
    };
    plain(&["mod", "init", "example.com/first-verification"])?;
    let replace = format!("-replace=github.com/paywit/paywit/packages/go={}", root.join("packages/go").display());
    plain(&["mod", "edit", &replace])?;
    plain(&["mod", "tidy"])?;
    let output = Command::new("go").args(["run", "."]).current_dir(&dir).output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || stdout.trim() != "verified: msg_1; tampered: refused" {
        bail!("a new Go program using the module printed {stdout:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    eprintln!("xtask: a new Go module verified a delivery through the paywit module");
    Ok(())
}

/// The new program: sign a delivery, then the three lines a handler needs.
const NEW_PROGRAM: &str = r#"package main

import (
	"errors"
	"fmt"
	"log"

	paywit "github.com/paywit/paywit/packages/go"
)

func main() {
	secret, err := paywit.NewSecret(paywit.SchemeStandardWebhooks{})
	if err != nil {
		log.Fatal(err)
	}
	body := []byte(`{"type":"payment.succeeded"}`)
	header, err := paywit.SignWebhook(paywit.SchemeStandardWebhooks{}, secret, body, &paywit.SignOptions{ID: "msg_1"})
	if err != nil {
		log.Fatal(err)
	}

	verifier, _ := paywit.NewVerifier(paywit.SchemeStandardWebhooks{}, secret)
	delivery, err := verifier.Verify(header, body, nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = verifier.Verify(header, []byte(`{"type":"payment.refunded"}`), nil)
	var forged *paywit.VerifyNoMatchingSignatureError
	if !errors.As(err, &forged) {
		log.Fatalf("a tampered body was not refused: %v", err)
	}
	fmt.Printf("verified: %s; tampered: refused\n", *delivery.MessageID)
}
"#;

/// The Go fuzz smoke run's budget: about 15-20 s on two cores, like each Rust target's 20 s.
pub const FUZZ_SMOKE_EXECUTIONS: u64 = 100_000;

/// A `go test -fuzz` smoke run of verification for a number of executions (about 7,000 a second
/// on two cores). The budget is a count, not a duration: with `-fuzztime=20s`, Go 1.26's fuzzing
/// coordinator can report its own end-of-run deadline as a failure ("context deadline exceeded",
/// no crasher written; golang/go#75804, fixed in Go 1.27), and CI failed that way once. Minimizing
/// a new input is capped at a second: by default it may take a minute.
pub fn fuzz(executions: u64) -> Result<()> {
    let peers = root().join("packages/go/peers");
    run(go(&peers).args([
        "test",
        "-run=^$",
        "-fuzz=FuzzVerify",
        &format!("-fuzztime={executions}x"),
        "-fuzzminimizetime=1s",
        ".",
    ]))
}
