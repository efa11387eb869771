//! `cargo xtask fuzz [seconds]`: every libFuzzer target (`fuzz/`) for a bounded time, each
//! seeded from the conformance vectors (`cargo xtask test` runs a 20 s smoke of each).

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Result};

use crate::tools::{cargo, root, run};

// xtask encodes seeds; decoding and the other secret are used by its unit test and the target.
#[path = "../../fuzz/common/verify_input.rs"]
#[allow(dead_code)]
mod verify_input;

/// Seconds per fuzz target in `cargo xtask test` (the smoke run).
pub const FUZZ_SMOKE_SECONDS: u64 = 20;
/// Every libFuzzer target in `fuzz/fuzz_targets/`.
const FUZZ_TARGETS: &[&str] =
    &["verify", "parse_key", "retry_after", "fingerprint", "amount", "map_event", "lifecycle", "address"];

/// Runs every libFuzzer target for `seconds` (nightly + cargo-fuzz, installed if
/// missing), seeded from the conformance vectors; fails on any crash and prints
/// the executions per target.
pub fn fuzz(seconds: u64) -> Result<()> {
    let root = root();
    let has_nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !has_nightly {
        run(Command::new("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))?;
    }
    let has_fuzz =
        Command::new("cargo").args(["fuzz", "--version"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !has_fuzz {
        run(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    let corpora = root.join("target").join("fuzz-corpus");
    seed_corpora(&corpora)?;
    run(Command::new("cargo").args(["+nightly", "fuzz", "build", "--release"]).env_remove("CARGO"))?;
    let mut total = 0u64;
    for target in FUZZ_TARGETS {
        let output = Command::new("cargo")
            .args(["+nightly", "fuzz", "run", "--release", target])
            .arg(corpora.join(target))
            .args(["--", &format!("-max_total_time={seconds}"), "-rss_limit_mb=2048", "-print_final_stats=1"])
            .env_remove("CARGO")
            .current_dir(&root)
            .output()?;
        let log = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            eprintln!("{log}");
            bail!("fuzz target {target} failed (see the crash above and fuzz/artifacts/{target}/)");
        }
        let runs = log
            .lines()
            .find_map(|line| {
                line.strip_prefix("stat::number_of_executed_units:").map(|n| n.trim().parse::<u64>().unwrap_or(0))
            })
            .unwrap_or(0);
        total += runs;
        println!("fuzz {target:<12} {runs:>10} executions in {seconds} s, 0 crashes");
        // The verify target counts the executions that reached an accepted signature.
        if let Some(line) = log.lines().rev().find(|l| l.starts_with("paywit-fuzz verify:")) {
            println!("fuzz {target:<12} {}", line.trim_start_matches("paywit-fuzz verify:").trim());
        }
    }
    println!("fuzz: {total} executions over {} targets, 0 crashes", FUZZ_TARGETS.len());
    Ok(())
}

/// The webhook conformance vector files.
const VECTOR_FILES: &[&str] = &["webhook-signatures.json", "webhook-derived.json"];

fn vectors(root: &Path, file: &str) -> Result<Vec<serde_json::Value>> {
    let text = std::fs::read_to_string(root.join("conformance/vectors").join(file))?;
    let json: serde_json::Value = serde_json::from_str(&text)?;
    Ok(json["vectors"].as_array().cloned().unwrap_or_default())
}

/// The `verify` target's seeds: one per vector and secret, in the target's own
/// input format (`fuzz/common/verify_input.rs`), so a valid vector's seed verifies.
fn verify_seeds(root: &Path) -> Result<Vec<Vec<u8>>> {
    let schemes = verify_input::schemes();
    let mut seeds = Vec::new();
    for file in VECTOR_FILES {
        for v in vectors(root, file)? {
            let Some(selector) = schemes.iter().position(|s| vector_matches_scheme(&v, s)) else { continue };
            let names = verify_input::header_names(&schemes[selector]);
            let header = |name: &str| -> &str {
                let find = |wanted: &str| {
                    v["headers"].as_object().and_then(|h| {
                        h.iter().find(|(k, _)| k.eq_ignore_ascii_case(wanted)).and_then(|(_, value)| value.as_str())
                    })
                };
                find(name)
                    .or_else(|| name.strip_prefix("webhook-").and_then(|n| find(&format!("svix-{n}"))))
                    .unwrap_or("")
            };
            let values: Vec<&str> = names.iter().map(|n| header(n)).collect();
            let secrets: Vec<String> = match (&v["secrets"], &v["secret"], &v["signing_key_seed_base64"]) {
                (serde_json::Value::Array(list), _, _) => {
                    list.iter().filter_map(|s| s.as_str().map(String::from)).collect()
                }
                (_, serde_json::Value::String(secret), _) => vec![secret.clone()],
                (_, _, serde_json::Value::String(seed)) => vec![format!("whsk_{seed}")],
                _ => Vec::new(),
            };
            for secret in secrets {
                let body = v["body"].as_str().unwrap_or("").as_bytes();
                seeds.push(verify_input::encode(selector as u8, &secret, v["url"].as_str(), &values, body));
            }
        }
    }
    Ok(seeds)
}

/// Whether the target's scheme at that index is the vector's scheme.
fn vector_matches_scheme(v: &serde_json::Value, scheme: &paywit::webhooks::Scheme) -> bool {
    use paywit::webhooks::{HashAlgorithm, Scheme, SignatureEncoding};
    let name = v["scheme"].as_str().unwrap_or("");
    match scheme {
        Scheme::Hmac(h) => {
            let config = &v["hmac"];
            name == "hmac"
                && config["header"].as_str() == Some(h.header.as_str())
                && config["prefix"].as_str() == h.prefix.as_deref()
                && config["algorithm"].as_str()
                    == Some(match h.algorithm {
                        HashAlgorithm::Sha256 => "sha256",
                        HashAlgorithm::Sha512 => "sha512",
                        HashAlgorithm::Sha1 => "sha1",
                    })
                && config["encoding"].as_str()
                    == Some(match h.encoding {
                        SignatureEncoding::Hex => "hex",
                        SignatureEncoding::Base64 => "base64",
                    })
        }
        other => other.name() == name,
    }
}

/// Seed corpora from the conformance vectors (bodies, header values, secrets)
/// plus a few hand-picked inputs per target.
fn seed_corpora(dir: &Path) -> Result<()> {
    let root = root();
    let mut seeds: Vec<(&str, Vec<u8>)> = Vec::new();
    for input in verify_seeds(&root)? {
        seeds.push(("verify", input));
    }
    for file in VECTOR_FILES {
        for v in vectors(&root, file)? {
            seeds.push(("fingerprint", v["body"].as_str().unwrap_or("").as_bytes().to_vec()));
        }
    }
    for key in ["8b7cfa4d-1e6c-4a12-9a3e-05e3c2b1d7f0", "\"quoted-key\"", "\"a\\\\b\"", "a b"] {
        seeds.push(("parse_key", key.as_bytes().to_vec()));
    }
    for value in
        ["120", "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "-1"]
    {
        seeds.push(("retry_after", value.as_bytes().to_vec()));
    }
    for value in ["10000,2500,2500", "1000000000000000000,999999999999999999,1", "007,1.5,-1"] {
        seeds.push(("amount", value.as_bytes().to_vec()));
    }
    for value in [
        "payment_intent.payment_failed\nrequires_payment_method",
        "charge:failed\nUNRESOLVED:UNDERPAID",
        "InvoicePaidAfterExpiration",
        "payout.paid",
    ] {
        seeds.push(("map_event", value.as_bytes().to_vec()));
    }
    seeds.push(("lifecycle", vec![0, 6, 5, 4, 3, 2, 1, 0, 6, 3]));
    let addresses: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("conformance/vectors/addresses.json"))?)?;
    for v in ["valid", "invalid"].iter().flat_map(|list| addresses[*list].as_array().into_iter().flatten()) {
        seeds.push(("address", v["address"].as_str().unwrap_or("").as_bytes().to_vec()));
    }
    for (i, (target, data)) in seeds.iter().enumerate() {
        let target_dir = dir.join(target);
        std::fs::create_dir_all(&target_dir)?;
        std::fs::write(target_dir.join(format!("seed-{i}")), data)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use paywit::webhooks::{verify, VerifyOptions};

    /// Every valid vector the `verify` target has a scheme for reaches an
    /// accepted signature from its seeds, and fails under the other secret.
    #[test]
    fn valid_vectors_seed_inputs_that_verify() {
        let root = root();
        let seeds = verify_seeds(&root).unwrap();
        let options = VerifyOptions { now: 1_700_000_000, tolerance_seconds: Some(u32::MAX) };
        let accepted: Vec<verify_input::Input> = seeds
            .iter()
            .filter_map(|seed| verify_input::decode(seed))
            .filter(|input| verify(&input.scheme, std::slice::from_ref(&input.secret), &input.request, options).is_ok())
            .collect();
        let schemes = verify_input::schemes();
        let mut expected = 0;
        for file in VECTOR_FILES {
            for v in vectors(&root, file).unwrap() {
                if v["valid"].as_bool() == Some(true) && schemes.iter().any(|s| vector_matches_scheme(&v, s)) {
                    expected += 1;
                }
            }
        }
        assert!(expected >= 25, "only {expected} valid vectors have a fuzz scheme");
        assert!(accepted.len() >= expected, "{} of {expected} valid vectors' seeds verify", accepted.len());
        for input in &accepted {
            let other = verify_input::other_secret(&input.scheme, &input.secret);
            assert_eq!(
                verify(&input.scheme, &[other], &input.request, options),
                Err(paywit::webhooks::VerifyError::NoMatchingSignature),
                "{}",
                input.scheme.name()
            );
        }
    }
}
