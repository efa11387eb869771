//! Per-call cost through the component vs the same function native, measured
//! in one run on this machine (`cargo xtask bench`). Reports medians of
//! batches; ratios are component / native.

use std::time::Instant;

use paywit_host_tests::native::types::Body;
use paywit_host_tests::native::webhooks::{self, HashAlgorithm, HmacScheme, Message, Request, Scheme, SignatureEncoding, VerifyOptions};
use paywit_host_tests::{component_path, engine, Conv, Host, RandomSource};
use wasmtime::component::Component;

/// Median nanoseconds per call of `f`, over `batches` batches sized to ~5 ms.
fn median_ns(mut f: impl FnMut()) -> f64 {
    let mut per_batch = 1usize;
    loop {
        let start = Instant::now();
        for _ in 0..per_batch {
            f();
        }
        if start.elapsed().as_micros() > 5_000 || per_batch > 1 << 20 {
            break;
        }
        per_batch *= 2;
    }
    let mut samples: Vec<f64> = (0..31)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            start.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

fn show(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1_000.0 {
        format!("{:.2} us", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn main() -> wasmtime::Result<()> {
    let bytes = std::fs::read(component_path())?;
    let engine = engine()?;
    let start = Instant::now();
    let component = Component::new(&engine, &bytes)?;
    let compile = start.elapsed();
    let serialized = component.serialize()?;
    let start = Instant::now();
    let component = unsafe { Component::deserialize(&engine, &serialized)? };
    let deserialize = start.elapsed();
    let host = Host::from_component(engine, component)?;
    let instantiate = median_ns(|| drop(host.instantiate_with(RandomSource::Seeded(1)).unwrap()));
    let mut instance = host.instantiate()?;

    println!("component: {} bytes; compile {:.0} ms; deserialize {:.2} ms; instantiate (InstancePre + pooling) {}",
        bytes.len(), compile.as_secs_f64() * 1e3, deserialize.as_secs_f64() * 1e3, show(instantiate));
    println!();
    println!("| call | body | native | component | ratio |");
    println!("|---|---|---|---|---|");

    let guide_hmac = Scheme::Hmac(HmacScheme { header: "X-Signature".into(), algorithm: HashAlgorithm::Sha256, encoding: SignatureEncoding::Hex, prefix: None });
    let cases = [("standard-webhooks", Scheme::StandardWebhooks, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), ("stripe", Scheme::Stripe, "whsec_bench"), ("hmac hex", guide_hmac, "bench-secret")];
    for (name, scheme, secret) in &cases {
        for size in [0usize, 1024, 64 * 1024] {
            let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(size.saturating_sub(10)))[..size].to_string();
            let message = Message { body: Body::Text(body.clone()), id: Some("msg_bench".into()), signed_at: 1_700_000_000, url: None };
            let headers = webhooks::sign(scheme, secret, &message).unwrap();
            let request = Request { headers, body: Body::Text(body), url: None };
            let secrets = vec![secret.to_string()];
            let options = VerifyOptions { now: 1_700_000_000, tolerance_seconds: None };
            assert!(webhooks::verify(scheme, &secrets, &request, options).is_ok());
            let native = median_ns(|| assert!(webhooks::verify(scheme, &secrets, &request, options).is_ok()));
            let wit_scheme = scheme.clone().conv();
            let wit_request = request.clone().conv();
            let api = instance.bindings.paywit_gateway_webhooks();
            let component = median_ns(|| {
                assert!(api.call_verify(&mut instance.store, &wit_scheme, &secrets, &wit_request, options.conv()).unwrap().is_ok())
            });
            println!("| verify {name} | {} B | {} | {} | {:.2}x |", size, show(native), show(component), component / native);
        }
    }
    Ok(())
}
