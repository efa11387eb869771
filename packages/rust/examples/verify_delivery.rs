//! Verify one signed webhook delivery through the paywit component.
//!
//! ```sh
//! cargo xtask build                                   # leaves target/paywit.wasm
//! cargo run -p paywit-component --example verify_delivery -- target/paywit.wasm
//! ```
//!
//! In your own program, the delivery comes from your HTTP server (the raw body, exactly as
//! received, and the request's headers) and the secret from your configuration; here the
//! component signs a sample delivery first, as the gateway would, so the example runs alone.

use std::path::Path;

use paywit_component::native::types::Body;
use paywit_component::native::webhooks::{Message, Scheme, Verified, VerifyError, VerifyOptions};
use paywit_component::Host;

/// Compiles the component at `component`, then verifies one Stripe delivery with a verifier
/// prepared once for the endpoint's secrets (the new one first, the old one during rotation).
fn verify_one_delivery(component: &Path) -> wasmtime::Result<Result<Verified, VerifyError>> {
    // Once per process: compile and link (the component's only import is wasi:random).
    let host = Host::new(component)?;
    // Once per thread: a store and an instance (stores are not shared between threads).
    let mut paywit = host.instantiate()?;

    let secrets = vec!["whsec_new_endpoint_secret".to_string(), "whsec_old_endpoint_secret".to_string()];
    let now = 1_764_158_400; // the request's arrival time, Unix seconds (the component reads no clock)

    // The gateway's side, for the example: sign a delivery with the old secret.
    let body = r#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
    let message = Message { body: Body::Text(body.into()), id: None, signed_at: now - 2, url: None };
    let headers = paywit.sign(&Scheme::Stripe, &secrets[1], &message)?.expect("a sample delivery signs");

    // Your side: a verifier made once per endpoint (a secret it cannot use fails here, at start),
    // then one call per delivery with the raw body and the headers as received.
    let mut verifier = paywit.verifier(&Scheme::Stripe, &secrets)?.expect("usable secrets");
    verifier.verify(
        &mut paywit,
        &headers,
        &Body::Text(body.into()),
        None,
        VerifyOptions { now, tolerance_seconds: None },
    )
}

fn main() -> wasmtime::Result<()> {
    let component = std::env::args().nth(1).unwrap_or_else(|| "target/paywit.wasm".into());
    match verify_one_delivery(Path::new(&component))? {
        // Record the event id before processing, then answer 200.
        Ok(verified) => println!("accepted: signed by secret #{} at {:?}", verified.secret_index, verified.signed_at),
        // Answer 401 and log the code (an error never contains a secret).
        Err(error) => println!("refused [{}]: {error}", error.code()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The example against the workspace's component (`cargo xtask build` first).
    #[test]
    fn the_sample_delivery_verifies_under_the_old_secret() {
        let component = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/paywit.wasm");
        let verified = super::verify_one_delivery(&component).unwrap().unwrap();
        assert_eq!(verified.secret_index, 1);
        assert_eq!(verified.signed_at, Some(1_764_158_398));
    }
}
