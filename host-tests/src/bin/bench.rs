//! The tables of BENCHMARKS.md (`cargo xtask bench`): component size, compile
//! and deserialize times measured here once, and per-call medians read from the
//! criterion estimates that `cargo bench --bench component` (benches/component.rs)
//! left in `target/criterion`. Ratios are component / native.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use paywit_component::engine;
use paywit_host_tests::component_path;
use wasmtime::component::Component;

fn show(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1_000.0 {
        format!("{:.2} us", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Every criterion benchmark's median (ns), by its full id (`group/case/side`).
fn criterion_medians(dir: &Path, out: &mut HashMap<String, f64>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let (benchmark, estimates) = (path.join("new/benchmark.json"), path.join("new/estimates.json"));
        if let (Ok(b), Ok(e)) = (std::fs::read_to_string(&benchmark), std::fs::read_to_string(&estimates)) {
            let b: serde_json::Value = serde_json::from_str(&b).unwrap_or_default();
            let e: serde_json::Value = serde_json::from_str(&e).unwrap_or_default();
            if let (Some(id), Some(median)) = (b["full_id"].as_str(), e["median"]["point_estimate"].as_f64()) {
                out.insert(id.to_string(), median);
            }
        } else {
            criterion_medians(&path, out)?;
        }
    }
    Ok(())
}

fn main() -> wasmtime::Result<()> {
    let bytes = std::fs::read(component_path())?;
    let engine = engine()?;
    let start = Instant::now();
    let component = Component::new(&engine, &bytes)?;
    let compile = start.elapsed();
    let serialized = component.serialize()?;
    let start = Instant::now();
    let _component = unsafe { Component::deserialize(&engine, &serialized)? };
    let deserialize = start.elapsed();

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/criterion");
    let mut medians = HashMap::new();
    criterion_medians(&dir, &mut medians)?;
    let get = |id: &str| -> wasmtime::Result<f64> {
        medians.get(id).copied().ok_or_else(|| {
            wasmtime::format_err!("no criterion estimate for {id} in {}: run `cargo xtask bench`", dir.display())
        })
    };

    println!(
        "| component | size | compile (Cranelift) | deserialize (precompiled) | instantiate (InstancePre + pooling) \
         | instantiate + bindgen typed exports |"
    );
    println!("|---|---|---|---|---|---|");
    println!(
        "| target/paywit.wasm | {} bytes | {:.0} ms | {:.2} ms | {} | {} |",
        bytes.len(),
        compile.as_secs_f64() * 1e3,
        deserialize.as_secs_f64() * 1e3,
        show(get("instantiate/instance")?),
        show(get("instantiate/instance-with-bindings")?)
    );
    println!();
    println!(
        "| call | body | native | component `verify` | ratio | component `Verifier` (prepare-packed once, \
         verify-packed per call) | ratio |"
    );
    println!("|---|---|---|---|---|---|---|");
    for name in ["standard-webhooks", "stripe", "hmac-hex"] {
        for size in [0usize, 1024, 64 * 1024] {
            let native = get(&format!("verify/{name}-{size}/native"))?;
            let component = get(&format!("verify/{name}-{size}/component"))?;
            let verifier = get(&format!("verify/{name}-{size}/verifier"))?;
            println!(
                "| verify {name} | {size} B | {} | {} | {:.2}x | {} | {:.2}x |",
                show(native),
                show(component),
                component / native,
                show(verifier),
                verifier / native
            );
        }
    }
    println!();
    // The floor of a verification's cost per KiB of body: SHA-256 itself.
    let per_kib = |ns: f64| ns / 64.0;
    let slope = |case: &str| -> wasmtime::Result<f64> {
        Ok(per_kib(get(&format!("verify/hmac-hex-65536/{case}"))? - get(&format!("verify/hmac-hex-0/{case}"))?))
    };
    println!("| HMAC-SHA-256, per KiB of body | time |");
    println!("|---|---|");
    println!(
        "| native, with the CPU's SHA extensions (sha2 0.11, detected at run time) | {} |",
        show(per_kib(get("floor/hmac-sha256-65536/native-sha-extensions")?))
    );
    println!(
        "| native, portable code, no SHA extensions (sha2 0.10 soft backend) | {} |",
        show(per_kib(get("floor/hmac-sha256-65536/native-portable")?))
    );
    println!(
        "| component (sha2 0.11 wasm simd128 backend, Cranelift): slope of `Verifier` hmac-hex 0 B -> 64 KiB | {} |",
        show(slope("verifier")?)
    );
    println!();
    println!("| call | native | component | ratio |");
    println!("|---|---|---|---|");
    for (case, label) in [
        ("sign", "sign standard-webhooks, 1 KiB"),
        ("new-key", "new-key (component: includes wasi:random)"),
        ("fingerprint", "fingerprint, 1 KiB JSON"),
        ("classify", "classify"),
        ("next-step", "next-step"),
        ("apply", "apply"),
    ] {
        let native = get(&format!("calls/{case}/native"))?;
        let component = get(&format!("calls/{case}/component"))?;
        println!("| {label} | {} | {} | {:.2}x |", show(native), show(component), component / native);
    }
    Ok(())
}
