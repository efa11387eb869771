//! Per-call cost through the component vs the same function native, measured
//! in one run on this machine (`cargo xtask bench`). Reports medians of
//! batches; ratios are component / native.

use std::hint::black_box;
use std::time::Instant;

use paywit_host_tests::native::types::Body;
use paywit_host_tests::native::webhooks::{
    self, HashAlgorithm, HmacScheme, Message, Request, Scheme, SignatureEncoding, VerifyOptions,
};
use paywit_host_tests::{component_path, engine, Conv, Host, RandomSource, TestRng};
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
    let instantiate = median_ns(|| {
        let _ = black_box(host.instantiate_with(RandomSource::Seeded(TestRng(1))).unwrap());
    });
    let mut instance = host.instantiate()?;

    println!(
        "| component | size | compile (Cranelift) | deserialize (precompiled) | instantiate (InstancePre + pooling) |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| target/paywit.wasm | {} bytes | {:.0} ms | {:.2} ms | {} |",
        bytes.len(),
        compile.as_secs_f64() * 1e3,
        deserialize.as_secs_f64() * 1e3,
        show(instantiate)
    );
    println!();
    println!("| call | body | native | component | ratio |");
    println!("|---|---|---|---|---|");

    let guide_hmac = Scheme::Hmac(HmacScheme {
        header: "X-Signature".into(),
        algorithm: HashAlgorithm::Sha256,
        encoding: SignatureEncoding::Hex,
        prefix: None,
    });
    let cases = [
        ("standard-webhooks", Scheme::StandardWebhooks, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        ("stripe", Scheme::Stripe, "whsec_bench"),
        ("hmac hex", guide_hmac, "bench-secret"),
    ];
    for (name, scheme, secret) in &cases {
        for size in [0usize, 1024, 64 * 1024] {
            let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(size.saturating_sub(10)))[..size].to_string();
            let message = Message {
                body: Body::Text(body.clone()),
                id: Some("msg_bench".into()),
                signed_at: 1_700_000_000,
                url: None,
            };
            let headers = webhooks::sign(scheme, secret, &message).unwrap();
            let request = Request { headers, body: Body::Text(body), url: None };
            let secrets = vec![secret.to_string()];
            let options = VerifyOptions { now: 1_700_000_000, tolerance_seconds: None };
            assert!(webhooks::verify(scheme, &secrets, &request, options).is_ok());
            let native = median_ns(|| {
                assert!(webhooks::verify(
                    black_box(scheme),
                    black_box(&secrets),
                    black_box(&request),
                    black_box(options)
                )
                .is_ok())
            });
            let wit_scheme = scheme.clone().conv();
            let wit_request = request.clone().conv();
            let api = instance.bindings.paywit_gateway_webhooks();
            let component = median_ns(|| {
                assert!(api
                    .call_verify(&mut instance.store, &wit_scheme, &secrets, &wit_request, options.conv())
                    .unwrap()
                    .is_ok())
            });
            println!(
                "| verify {name} | {} B | {} | {} | {:.2}x |",
                size,
                show(native),
                show(component),
                component / native
            );
        }
    }

    // Other exports, each against its native twin.
    println!();
    println!("| call | native | component | ratio |");
    println!("|---|---|---|---|");
    let body_1k = format!("{{\"amount\":9900,\"currency\":\"usd\",\"pad\":\"{}\"}}", "x".repeat(980));
    let message = Message {
        body: Body::Text(body_1k.clone()),
        id: Some("msg_bench".into()),
        signed_at: 1_700_000_000,
        url: None,
    };
    let sw_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let row = |name: &str, native: f64, component: f64| {
        println!("| {name} | {} | {} | {:.2}x |", show(native), show(component), component / native)
    };

    let native = median_ns(|| {
        let _ =
            black_box(webhooks::sign(&Scheme::StandardWebhooks, black_box(sw_secret), black_box(&message)).unwrap());
    });
    let wit_scheme = Scheme::StandardWebhooks.conv();
    let wit_message = message.clone().conv();
    let api = instance.bindings.paywit_gateway_webhooks();
    let component = median_ns(|| {
        let _ = black_box(api.call_sign(&mut instance.store, &wit_scheme, sw_secret, &wit_message).unwrap().unwrap());
    });
    row("sign standard-webhooks, 1 KiB", native, component);

    let idem = instance.bindings.paywit_gateway_idempotency();
    let native = median_ns(|| {
        let _ = black_box(paywit_host_tests::native::idempotency::new_key(black_box([7; 16])));
    });
    let component = median_ns(|| {
        let _ = black_box(idem.call_new_key(&mut instance.store).unwrap());
    });
    row("new-key (component: includes wasi:random)", native, component);
    let text_body = Body::Text(body_1k.clone());
    let wit_body = text_body.clone().conv();
    let native = median_ns(|| {
        let _ = black_box(paywit_host_tests::native::idempotency::fingerprint(
            "POST",
            "/v1/charges",
            black_box(&text_body),
        ));
    });
    let component = median_ns(|| {
        let _ = black_box(idem.call_fingerprint(&mut instance.store, "POST", "/v1/charges", &wit_body).unwrap());
    });
    row("fingerprint, 1 KiB JSON", native, component);

    let retry = instance.bindings.paywit_gateway_retry();
    let failure = paywit_host_tests::native::retry::Failure {
        status: Some(429),
        retry_after: Some("3".into()),
        ..Default::default()
    };
    let wit_failure = failure.clone().conv();
    let native = median_ns(|| {
        let _ = black_box(paywit_host_tests::native::retry::classify(black_box(&failure)));
    });
    let component = median_ns(|| {
        let _ = black_box(retry.call_classify(&mut instance.store, &wit_failure).unwrap());
    });
    row("classify", native, component);
    let policy = paywit_host_tests::native::retry::api_policy();
    let wit_policy = policy.clone().conv();
    let native = median_ns(|| {
        let _ = black_box(paywit_host_tests::native::retry::next_step(
            black_box(&policy),
            black_box(2),
            &failure,
            0,
            black_box(99),
        ));
    });
    let component = median_ns(|| {
        let _ = black_box(
            retry.call_next_step_with_random(&mut instance.store, &wit_policy, 2, &wit_failure, 0, 99).unwrap(),
        );
    });
    row("next-step", native, component);

    let lifecycle = instance.bindings.paywit_gateway_lifecycle();
    use paywit_host_tests::native::lifecycle::{apply, PaymentStatus, State};
    let current = Some(State::Payment(PaymentStatus::Processing));
    let incoming = State::Payment(PaymentStatus::Succeeded);
    let native = median_ns(|| {
        let _ = black_box(apply(black_box(current), black_box(incoming)));
    });
    let component = median_ns(|| {
        let _ = black_box(lifecycle.call_apply(&mut instance.store, current.conv(), incoming.conv()).unwrap());
    });
    row("apply", native, component);
    Ok(())
}
