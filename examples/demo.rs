//! The paywit demo: sign a sample webhook through the component, then verify a
//! valid, a tampered and a replayed delivery through it, and show what a host
//! does with each answer.
//!
//! Run with `cargo xtask demo` (it builds the component first).

use paywit_component::native::types::Body;
use paywit_component::native::webhooks::{Message, Request, Scheme, VerifyOptions};
use paywit_component::{Conv, Host};

fn main() -> wasmtime::Result<()> {
    // `cargo xtask build` leaves the component in target/ (or $PAYWIT_WASM).
    let host = Host::new(paywit_host_tests::component_path())?;
    let mut paywit = host.instantiate()?;
    let webhooks = paywit.bindings.paywit_gateway_webhooks();

    let secret = webhooks.call_new_secret(&mut paywit.store, &Scheme::StandardWebhooks.conv())?;
    let signed_at = 1_764_158_400; // 2025-11-26 12:00:00 UTC
    let body = r#"{"type":"payment.succeeded","data":{"id":"pay_123","amount":9900,"currency":"usd"}}"#;
    let message = Message { body: Body::Text(body.into()), id: Some("msg_2Yh4demo".into()), signed_at, url: None };
    let headers = paywit.sign(&Scheme::StandardWebhooks, &secret, &message)?.expect("signing a sample webhook");

    println!("paywit demo: Standard Webhooks, signed and verified through target/paywit.wasm\n");
    println!("secret  whsec_… ({} characters, fresh from wasi:random; never printed)", secret.len());
    for header in &headers {
        println!("header  {}: {}", header.name, header.value);
    }
    println!("body    {body}\n");

    let valid = Request { headers: headers.clone(), body: Body::Text(body.into()), url: None };
    let tampered = Request { body: Body::Text(body.replace("9900", "99")), ..valid.clone() };
    let deliveries = [
        ("valid delivery, 3 s after signing", &valid, signed_at + 3),
        ("tampered body (amount 9900 -> 99)", &tampered, signed_at + 3),
        ("replayed an hour later", &valid, signed_at + 3600),
    ];
    let secrets = vec![secret];
    for (label, request, now) in deliveries {
        let outcome = paywit.verify(
            &Scheme::StandardWebhooks,
            &secrets,
            request,
            VerifyOptions { now, tolerance_seconds: None },
        )?;
        let verdict = match outcome {
            Ok(verified) => format!(
                "ACCEPTED (secret #{}, message {}) -> enqueue, answer 200",
                verified.secret_index,
                verified.message_id.unwrap_or_default()
            ),
            Err(error) => format!("REJECTED [{}] {error} -> answer 401", error.code()),
        };
        println!("{label:<38} {verdict}");
    }
    Ok(())
}
