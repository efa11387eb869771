//! The Go module from a clean install: a new module in an empty directory takes
//! `github.com/paywit/paywit/packages/go` at the release version from `dist/goproxy` (a file
//! module proxy, as a user's `GOPROXY` would serve it), with a module cache of its own so no copy
//! from an earlier run can stand in for the artifact, builds a program a user would write, and
//! runs it: a Stripe delivery signed by hand verifies, a tampered one is refused.

use std::process::Command;

use anyhow::{bail, Result};

use crate::dist::{Dist, GO_MODULE};
use crate::install::fresh_dir;
use crate::tools::run;

/// A user's program: signs a Stripe delivery with crypto/hmac (not with paywit), then verifies
/// it and a tampered copy through the installed module; prints where the module came from.
const USER_PROGRAM: &str = r#"package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	paywit "github.com/paywit/paywit/packages/go"
)

func main() {
	secret := "whsec_install_check_0123456789abcdef"
	body := []byte(`{"id":"evt_install","type":"payment_intent.succeeded"}`)
	timestamp := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "." + string(body)))
	header := http.Header{}
	header.Set("Stripe-Signature", "t="+timestamp+",v1="+hex.EncodeToString(mac.Sum(nil)))

	verifier, err := paywit.NewVerifier(paywit.SchemeStripe{}, secret)
	if err != nil {
		fail("NewVerifier: %v", err)
	}
	if _, err := verifier.Verify(header, body, nil); err != nil {
		fail("a signed delivery did not verify: %v", err)
	}
	_, err = verifier.Verify(header, append(body, ' '), nil)
	var mismatch *paywit.VerifyNoMatchingSignatureError
	if !errors.As(err, &mismatch) {
		fail("a tampered delivery was not refused as a mismatch: %v", err)
	}
	fmt.Println("verified a signed delivery and refused a tampered one")
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}
"#;

/// Installs the Go module of `dist` into a new module and runs a user's program with it.
pub fn check(dist: &Dist) -> Result<()> {
    let dir = fresh_dir("go")?;
    let project = dir.join("project");
    std::fs::create_dir_all(&project)?;
    let user_cache = String::from_utf8(Command::new("go").args(["env", "GOMODCACHE"]).output()?.stdout)?;
    // The artifact first; the rest from the machine's own module cache, then the real proxy.
    let proxy = format!(
        "file://{},file://{}/cache/download,https://proxy.golang.org",
        dist.goproxy.display(),
        user_cache.trim()
    );
    let version = format!("v{}", dist.version);
    let go = |args: &[&str]| {
        let mut command = Command::new("go");
        command
            .args(args)
            .current_dir(&project)
            .env("GOPROXY", &proxy)
            .env("GOMODCACHE", dir.join("modcache"))
            .env("GOFLAGS", "-modcacherw")
            .env("GOWORK", "off")
            // The release is not in the public checksum database (yet).
            .env("GONOSUMDB", GO_MODULE)
            .env("GOTOOLCHAIN", "local")
            // go's module index (in the shared build cache) takes a module cache directory of
            // one version as immutable: an earlier run's v0.1.0 must not stand in for this one.
            .env("GODEBUG", "goindex=0");
        command
    };
    run(&mut go(&["mod", "init", "example.com/paywit-install-check"]))?;
    std::fs::write(project.join("main.go"), USER_PROGRAM)?;
    run(&mut go(&["get", &format!("{GO_MODULE}@{version}")]))?;
    // The module came from the artifact, at the release version, with no replace in sight.
    let listed = go(&["list", "-m", "-f", "{{.Version}} {{.Dir}} {{.Replace}}", GO_MODULE]).output()?;
    let listed = String::from_utf8(listed.stdout)?;
    let expected_dir = dir.join("modcache").join(format!("github.com/paywit/paywit/packages/go@{version}"));
    if listed.trim() != format!("{version} {} <nil>", expected_dir.display()) {
        bail!("the Go module did not come from dist/goproxy at {version}: `go list -m` says {listed:?}");
    }
    // The proxy list falls back to other sources: the zip go downloaded must be the artifact's.
    let escaped = "github.com/paywit/paywit/packages/go/@v";
    let downloaded = std::fs::read(dir.join("modcache/cache/download").join(escaped).join(format!("{version}.zip")))?;
    if downloaded != std::fs::read(dist.goproxy.join(escaped).join(format!("{version}.zip")))? {
        bail!("the Go module's zip in the new module's cache is not dist/goproxy's");
    }
    run(&mut go(&["run", "."]))?;
    // The module's own tests run from the module cache too (`go test all` in a user's module).
    run(&mut go(&["test", "-count=1", GO_MODULE]))?;
    // The private cache holds wasmtime-go's prebuilt libraries for every platform (~350 MB),
    // unpacked again for this check only; a failed check keeps it for a look.
    std::fs::remove_dir_all(dir.join("modcache"))?;
    Ok(())
}
