//! Criterion benchmarks: each export through the component next to the same
//! function native, plus instantiation. `cargo xtask bench` runs them and the
//! `bench` binary turns criterion's estimates into the tables of BENCHMARKS.md
//! (benchmark ids are `<case>/native` and `<case>/component`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use paywit_component::native::lifecycle::{self, PaymentStatus, State};
use paywit_component::native::types::Body;
use paywit_component::native::webhooks::{
    self, HashAlgorithm, HmacScheme, Message, Request, Scheme, SignatureEncoding, VerifyOptions,
};
use paywit_component::native::{idempotency, retry};
use paywit_component::Conv;
use paywit_host_tests::{host, TestRng};

/// The verify cases of the table: name, scheme, secret.
fn verify_cases() -> Vec<(&'static str, Scheme, &'static str)> {
    let guide_hmac = Scheme::Hmac(HmacScheme {
        header: "X-Signature".into(),
        algorithm: HashAlgorithm::Sha256,
        encoding: SignatureEncoding::Hex,
        prefix: None,
    });
    vec![
        ("standard-webhooks", Scheme::StandardWebhooks, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        ("stripe", Scheme::Stripe, "whsec_bench"),
        ("hmac-hex", guide_hmac, "bench-secret"),
    ]
}

fn verify(c: &mut Criterion) {
    let host = host();
    let mut instance = host.instantiate().unwrap();
    let mut group = c.benchmark_group("verify");
    for (name, scheme, secret) in verify_cases() {
        for size in [0usize, 1024, 64 * 1024] {
            let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(size.saturating_sub(10)))[..size].to_string();
            let message = Message {
                body: Body::Text(body.clone()),
                id: Some("msg_bench".into()),
                signed_at: 1_700_000_000,
                url: None,
            };
            let headers = webhooks::sign(&scheme, secret, &message).unwrap();
            let request = Request { headers, body: Body::Text(body), url: None };
            let secrets = vec![secret.to_string()];
            let options = VerifyOptions { now: 1_700_000_000, tolerance_seconds: None };
            assert!(webhooks::verify(&scheme, &secrets, &request, options).is_ok());
            group.bench_function(format!("{name}-{size}/native"), |b| {
                b.iter(|| {
                    webhooks::verify(black_box(&scheme), black_box(&secrets), black_box(&request), black_box(options))
                })
            });
            let (wit_scheme, wit_request) = (scheme.clone().conv(), request.clone().conv());
            let api = instance.bindings.paywit_gateway_webhooks();
            group.bench_function(format!("{name}-{size}/component"), |b| {
                b.iter(|| {
                    api.call_verify(&mut instance.store, &wit_scheme, &secrets, &wit_request, options.conv()).unwrap()
                })
            });
            // The reusable verifier: secrets prepared once, one verify-packed call per delivery.
            let mut verifier = instance.verifier(&scheme, &secrets).unwrap().unwrap();
            group.bench_function(format!("{name}-{size}/verifier"), |b| {
                b.iter(|| {
                    let answer =
                        verifier.verify(&mut instance, &request.headers, &request.body, None, black_box(options));
                    assert!(answer.unwrap().is_ok());
                })
            });
        }
    }
    group.finish();
}

/// The floor: HMAC-SHA-256 of 64 KiB natively, with the CPU's SHA extensions and without.
fn floor(c: &mut Criterion) {
    let body = vec![b'x'; 64 * 1024];
    let mut group = c.benchmark_group("floor");
    group.bench_function("hmac-sha256-65536/native-sha-extensions", |b| {
        use hmac::{KeyInit, Mac};
        b.iter(|| {
            let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(b"bench-secret").unwrap();
            mac.update(black_box(&body));
            mac.finalize().into_bytes()
        })
    });
    group.bench_function("hmac-sha256-65536/native-portable", |b| {
        use hmac_portable::Mac;
        b.iter(|| {
            let mut mac = hmac_portable::Hmac::<sha2_portable::Sha256>::new_from_slice(b"bench-secret").unwrap();
            mac.update(black_box(&body));
            mac.finalize().into_bytes()
        })
    });
    group.finish();
}

fn calls(c: &mut Criterion) {
    let host = host();
    let mut instance = host.instantiate().unwrap();
    let mut group = c.benchmark_group("calls");
    let body_1k = format!("{{\"amount\":9900,\"currency\":\"usd\",\"pad\":\"{}\"}}", "x".repeat(980));
    let message = Message {
        body: Body::Text(body_1k.clone()),
        id: Some("msg_bench".into()),
        signed_at: 1_700_000_000,
        url: None,
    };
    let sw_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    group.bench_function("sign/native", |b| {
        b.iter(|| webhooks::sign(&Scheme::StandardWebhooks, black_box(sw_secret), black_box(&message)))
    });
    let (wit_scheme, wit_message) = (Scheme::StandardWebhooks.conv(), message.clone().conv());
    let api = instance.bindings.paywit_gateway_webhooks();
    group.bench_function("sign/component", |b| {
        b.iter(|| api.call_sign(&mut instance.store, &wit_scheme, sw_secret, &wit_message).unwrap())
    });

    let idem = instance.bindings.paywit_gateway_idempotency();
    group.bench_function("new-key/native", |b| b.iter(|| idempotency::new_key(black_box([7; 16]))));
    group.bench_function("new-key/component", |b| b.iter(|| idem.call_new_key(&mut instance.store).unwrap()));
    let text_body = Body::Text(body_1k);
    let wit_body = text_body.clone().conv();
    group.bench_function("fingerprint/native", |b| {
        b.iter(|| idempotency::fingerprint("POST", "/v1/charges", black_box(&text_body)))
    });
    group.bench_function("fingerprint/component", |b| {
        b.iter(|| idem.call_fingerprint(&mut instance.store, "POST", "/v1/charges", &wit_body).unwrap())
    });

    let retry_api = instance.bindings.paywit_gateway_retry();
    let failure = retry::Failure { status: Some(429), retry_after: Some("3".into()), ..Default::default() };
    let wit_failure = failure.clone().conv();
    group.bench_function("classify/native", |b| b.iter(|| retry::classify(black_box(&failure))));
    group.bench_function("classify/component", |b| {
        b.iter(|| retry_api.call_classify(&mut instance.store, &wit_failure).unwrap())
    });
    let policy = retry::api_policy();
    let wit_policy = policy.clone().conv();
    group.bench_function("next-step/native", |b| {
        b.iter(|| retry::next_step(black_box(&policy), black_box(2), &failure, 0, black_box(99)))
    });
    group.bench_function("next-step/component", |b| {
        b.iter(|| {
            retry_api.call_next_step_with_random(&mut instance.store, &wit_policy, 2, &wit_failure, 0, 99).unwrap()
        })
    });

    let life = instance.bindings.paywit_gateway_lifecycle();
    let current = Some(State::Payment(PaymentStatus::Processing));
    let incoming = State::Payment(PaymentStatus::Succeeded);
    group.bench_function("apply/native", |b| b.iter(|| lifecycle::apply(black_box(current), black_box(incoming))));
    group.bench_function("apply/component", |b| {
        b.iter(|| life.call_apply(&mut instance.store, current.conv(), incoming.conv()).unwrap())
    });
    group.finish();
}

fn instantiation(c: &mut Criterion) {
    let host = host();
    let mut group = c.benchmark_group("instantiate");
    // A fresh store (with its memory limiter) and instance from the InstancePre,
    // memory from the pooling allocator; dropping both returns the slot.
    group.bench_function("instance", |b| b.iter(|| host.instantiate_dynamic(TestRng(1).source()).unwrap()));
    // The same, plus what bindgen's typed bindings do on top: look up and type-check
    // every one of the ~40 exported functions eagerly.
    group.bench_function("instance-with-bindings", |b| b.iter(|| host.instantiate_with(TestRng(1).source()).unwrap()));
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
        .without_plots()
}

criterion_group! { name = benches; config = config(); targets = verify, floor, calls, instantiation }
criterion_main!(benches);
