//! The npm tarball from a clean install: a new npm project in an empty directory installs
//! `dist/paywit-<v>.tgz` (nothing else), and a user's program runs on four runtimes:
//! - Node.js, Deno (read access to the project only, no environment) and Bun each run
//!   [`USER_PROGRAM`]: a Standard Webhooks delivery signed by hand with Web Crypto verifies, a
//!   tampered one is refused, and `paywit` resolves to the project's own `node_modules`;
//! - workerd: [`USER_WORKER`] bundled as wrangler bundles it (esbuild, the `workerd` condition,
//!   the core module as a separate wasm module) and served by the `workerd` binary; a Stripe
//!   delivery signed here over HTTP answers 200, a tampered one 401.
//!
//! The runtimes and esbuild are the Node package's pinned dev dependencies
//! (`packages/node/node_modules/.bin`, installed by `cargo xtask build`'s `npm ci`); the project
//! itself never sees that folder.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, ensure, Context, Result};
use sha2::{Digest, Sha256};

use crate::dist::Dist;
use crate::install::fresh_dir;
use crate::tools::{root, run};

/// The Standard Webhooks secret the user's program verifies with.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// The Stripe secret the Worker verifies with.
const STRIPE_SECRET: &str = "whsec_install_check_0123456789abcdef";

/// A user's first program: signs a delivery by hand (Web Crypto, not paywit), verifies it with a
/// `Verifier` and through the Fetch adapter's subpath, refuses a tampered copy, and prints what
/// it saw as one JSON line.
const USER_PROGRAM: &str = r#"import { Verifier, verifyWebhook } from 'paywit';
import { verifyWebhookRequest } from 'paywit/fetch';

const secret = 'SECRET';
const body = JSON.stringify({ id: 'evt_install', type: 'payment.succeeded' });
const id = 'msg_install';
const timestamp = Math.floor(Date.now() / 1000);
const key = await crypto.subtle.importKey(
  'raw', Uint8Array.from(atob(secret.slice('whsec_'.length)), (c) => c.charCodeAt(0)),
  { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'],
);
const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`)));
const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${btoa(String.fromCharCode(...mac))}` };

const verifier = new Verifier('standard-webhooks', secret);
const verified = verifier.verify(headers, body);
let refused;
try {
  verifyWebhook('standard-webhooks', secret, headers, body.replace('succeeded', 'failed'));
} catch (error) {
  refused = `${error.constructor.name} ${error.code}`;
}
const delivery = await verifyWebhookRequest(verifier, new Request('http://localhost/webhooks', { method: 'POST', headers, body }));
console.log(JSON.stringify({
  runtime: typeof Deno !== 'undefined' ? 'deno' : typeof Bun !== 'undefined' ? 'bun' : 'node',
  resolved: import.meta.resolve('paywit'),
  verified: verified.messageId,
  refused,
  adapter: delivery instanceof Response ? delivery.status : delivery.json().id,
}));
"#;

/// A user's Worker: verifies each POST as a Stripe delivery with the Fetch adapter.
const USER_WORKER: &str = r#"import { Verifier } from 'paywit';
import { verifyWebhookRequest } from 'paywit/fetch';

let verifier;
export default {
  async fetch(request, env) {
    verifier ??= new Verifier('stripe', env.STRIPE_WEBHOOK_SECRET);
    const delivery = await verifyWebhookRequest(verifier, request, { maxBytes: 1 << 16 });
    if (delivery instanceof Response) return delivery;
    return new Response(`verified ${delivery.json().id}\n`);
  },
};
"#;

/// Installs the npm tarball of `dist` into a new project and runs a user's program with it on
/// Node.js, Deno, Bun and workerd.
pub fn check(dist: &Dist) -> Result<()> {
    let started = Instant::now();
    let bin = root().join("packages/node/node_modules/.bin");
    let dir = fresh_dir("node")?;
    let project = dir.join("project");
    std::fs::create_dir_all(&project)?;
    std::fs::write(
        project.join("package.json"),
        r#"{ "name": "paywit-install-check", "private": true, "type": "module" }"#,
    )?;
    run(Command::new("npm").args(["install", "--no-audit", "--no-fund"]).arg(&dist.npm_tarball).current_dir(&project))?;
    let installed = project.join("node_modules/paywit");
    ensure!(
        std::fs::symlink_metadata(&installed)?.is_dir(),
        "{} is not a directory unpacked from the tarball",
        installed.display()
    );
    let version = std::fs::read_to_string(installed.join("package.json"))?;
    let version: serde_json::Value = serde_json::from_str(&version)?;
    ensure!(
        version["version"] == dist.version.as_str(),
        "the installed paywit is {}, not {}",
        version["version"],
        dist.version
    );

    std::fs::write(project.join("main.js"), USER_PROGRAM.replace("SECRET", SECRET))?;
    let entry = format!("file://{}", installed.canonicalize()?.join("src/index.js").display());
    let deno_cache = dir.join("deno-cache");
    let runtimes: [(&str, Command); 3] = [
        ("node", {
            let mut node = Command::new("node");
            node.arg("main.js");
            node
        }),
        ("deno", {
            let mut deno = Command::new(bin.join("deno"));
            deno.args(["run", "--quiet", "--no-prompt"])
                .arg(format!("--allow-read={}", project.display()))
                .arg("main.js")
                .env("DENO_DIR", &deno_cache)
                .env("DENO_NO_UPDATE_CHECK", "1")
                .env("NO_COLOR", "1");
            deno
        }),
        ("bun", {
            let mut bun = Command::new(bin.join("bun"));
            bun.args(["--no-install", "main.js"]);
            bun
        }),
    ];
    for (runtime, mut command) in runtimes {
        let output = command.current_dir(&project).output().with_context(|| format!("could not start {runtime}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        ensure!(
            output.status.success(),
            "the user's program failed on {runtime} ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let seen: serde_json::Value =
            serde_json::from_str(stdout.trim()).with_context(|| format!("{runtime} printed {stdout:?}"))?;
        let expected = serde_json::json!({
            "runtime": runtime,
            "resolved": entry,
            "verified": "msg_install",
            "refused": "VerifyNoMatchingSignatureError no-matching-signature",
            "adapter": "evt_install",
        });
        ensure!(seen == expected, "on {runtime} the user's program saw {seen}, expected {expected}");
        eprintln!("xtask: the npm package from a clean install on {runtime}: verified a signed delivery, refused a tampered one");
    }

    check_workerd(&bin, &dir, &project, &installed)?;
    eprintln!("xtask: the npm package's clean-install check took {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Bundles [`USER_WORKER`] as wrangler would, serves it with workerd, and sends it a signed and
/// a tampered Stripe delivery.
fn check_workerd(bin: &Path, dir: &Path, project: &Path, installed: &Path) -> Result<()> {
    std::fs::write(project.join("worker.js"), USER_WORKER)?;
    let bundle = dir.join("bundle");
    run(Command::new(bin.join("esbuild"))
        .args([
            "worker.js",
            "--bundle",
            "--format=esm",
            "--platform=neutral",
            "--conditions=workerd,worker,browser",
            "--main-fields=module,main",
            "--loader:.wasm=copy",
            "--asset-names=[name]",
            "--log-level=warning",
        ])
        .arg(format!("--outdir={}", bundle.display()))
        .arg(format!("--metafile={}", dir.join("meta.json").display()))
        .current_dir(project))?;
    // The bundle took the package's edge entry from the project, and nothing that reads files.
    let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json"))?)?;
    let inputs: Vec<&String> = meta["inputs"].as_object().context("esbuild's metafile has no inputs")?.keys().collect();
    ensure!(
        inputs.iter().any(|input| input.as_str() == "node_modules/paywit/src/runtime-edge.js")
            && !inputs.iter().any(|input| input.contains("runtime-node")
                || !(input.starts_with("node_modules/paywit/") || *input == "worker.js")),
        "the Worker bundle did not take paywit's edge entry from the project's node_modules alone: {inputs:?}"
    );
    let code = std::fs::read_to_string(bundle.join("worker.js"))?;
    ensure!(!code.contains("node:fs"), "the Worker bundle reads files");
    ensure!(bundle.join("paywit.core.wasm").is_file(), "esbuild did not copy the core module");
    ensure!(
        std::fs::read(bundle.join("paywit.core.wasm"))? == std::fs::read(installed.join("gen/paywit.core.wasm"))?,
        "the bundled core module is not the installed one"
    );

    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    std::fs::write(
        dir.join("config.capnp"),
        format!(
            r#"using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .receiver) ],
  sockets = [ (name = "http", address = "127.0.0.1:{port}", http = (), service = "main") ],
);
const receiver :Workerd.Worker = (
  compatibilityDate = "2025-01-01",
  modules = [
    (name = "worker.js", esModule = embed "bundle/worker.js"),
    (name = "paywit.core.wasm", wasm = embed "bundle/paywit.core.wasm"),
  ],
  bindings = [ (name = "STRIPE_WEBHOOK_SECRET", text = "{STRIPE_SECRET}") ],
);
"#
        ),
    )?;
    let log = dir.join("workerd.log");
    let output = std::fs::File::create(&log)?;
    let mut workerd = Served(
        Command::new(bin.join("workerd"))
            .arg("serve")
            .arg(dir.join("config.capnp"))
            .current_dir(dir)
            .stdout(output.try_clone()?)
            .stderr(output)
            .spawn()
            .context("could not start workerd")?,
    );
    let said = || std::fs::read_to_string(&log).unwrap_or_default();
    wait_for_port(port, &mut workerd, &log)?;

    let body = r#"{"id":"evt_install","type":"payment_intent.succeeded"}"#;
    let timestamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let signature = hex(&hmac_sha256(STRIPE_SECRET.as_bytes(), format!("{timestamp}.{body}").as_bytes()));
    let header = format!("t={timestamp},v1={signature}");
    let signed = post(port, &header, body)?;
    ensure!(
        signed == (200, "verified evt_install\n".to_string()),
        "workerd answered a signed delivery {signed:?}: {}",
        said()
    );
    let tampered = post(port, &header, &body.replace("succeeded", "failed"))?;
    ensure!(tampered.0 == 401, "workerd answered a tampered delivery {tampered:?}: {}", said());
    drop(workerd);
    eprintln!(
        "xtask: the npm package from a clean install on workerd: verified a signed delivery, refused a tampered one"
    );
    Ok(())
}

/// A started server, killed when dropped (also when a check fails).
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits up to 30 s for something to listen on `port`; fails at once if the server exited.
fn wait_for_port(port: u16, served: &mut Served, log: &Path) -> Result<()> {
    let said = || std::fs::read_to_string(log).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Some(status) = served.0.try_wait()? {
            bail!("workerd exited ({status}): {}", said());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("workerd did not listen on {port} within 30 s: {}", said())
}

/// POSTs `body` with a `Stripe-Signature` to the server on `port`; its status and body.
fn post(port: u16, signature: &str, body: &str) -> Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nStripe-Signature: {signature}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("not an HTTP answer: {answer:?}"))?;
    let (head, content) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    // workerd answers small bodies with a Content-Length; a chunked one is unwrapped here.
    let content = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        unchunk(content)
    } else {
        content.to_string()
    };
    Ok((status, content))
}

/// The body of a chunked HTTP/1.1 answer.
fn unchunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    out
}

/// HMAC-SHA-256 (RFC 2104), by hand: the check signs without the code it checks.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // Test case 2 of RFC 4231.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_chunked_body_is_unwrapped() {
        assert_eq!(unchunk("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), "hello world");
    }
}
