//! `webhooks::verify` on arbitrary headers, bodies and secrets, for every scheme.
//! Invariants: it never panics; it never accepts unless the secret really
//! signs (the same request under a well-formed different secret of the same
//! kind fails with `no-matching-signature`); no error text or Debug output
//! contains a secret; `verify-fields` with the same headers as a field block
//! and `verify-packed` give the same answer; any parsed field block re-renders
//! to itself; any bytes as a packed request get an answer.
//! At exit it prints how many executions reached an accepted signature, so a
//! run shows whether the "different secret" invariant was exercised at all.
#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use paywit::webhooks::{self, VerifyError, VerifyOptions};

// `encode` is xtask's (the seeding); the target only decodes.
#[path = "../common/verify_input.rs"]
#[allow(dead_code)]
mod verify_input;

static ACCEPTED: AtomicU64 = AtomicU64::new(0);
static REPORT_AT_EXIT: Once = Once::new();

extern "C" {
    fn atexit(callback: extern "C" fn()) -> i32;
}

extern "C" fn report() {
    eprintln!("paywit-fuzz verify: {} executions accepted a signature", ACCEPTED.load(Ordering::Relaxed));
}

fuzz_target!(|data: &[u8]| {
    // SAFETY: registers a plain function with the C library once; it only reads an atomic.
    REPORT_AT_EXIT.call_once(|| unsafe {
        atexit(report);
    });
    let Some(verify_input::Input { scheme, secret, request }) = verify_input::decode(data) else {
        return;
    };
    let options = VerifyOptions { now: 1_700_000_000, tolerance_seconds: Some(u32::MAX) };
    let result = webhooks::verify(&scheme, std::slice::from_ref(&secret), &request, options);
    match &result {
        Ok(_) => {
            ACCEPTED.fetch_add(1, Ordering::Relaxed);
            let other = verify_input::other_secret(&scheme, &secret);
            assert_ne!(other, secret);
            assert_eq!(
                webhooks::verify(&scheme, &[other], &request, options),
                Err(VerifyError::NoMatchingSignature),
                "accepted under another secret"
            );
        }
        Err(error) if secret.len() >= 8 => {
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains(&secret), "an error shows the secret: {shown}");
        }
        Err(_) => {}
    }

    if request.headers.iter().all(|h| !h.value.contains(['\r', '\n'])) {
        let block: String = request.headers.iter().map(|h| format!("{}: {}\r\n", h.name, h.value)).collect();
        let by_fields = webhooks::verify_fields(
            &scheme,
            std::slice::from_ref(&secret),
            &block,
            request.body.clone(),
            request.url.clone(),
            options,
        );
        assert_eq!(by_fields, result, "verify-fields and verify disagree");
        let packed = webhooks::pack(&scheme, std::slice::from_ref(&secret), &block, &request.body, request.url.as_deref(), options);
        assert_eq!(webhooks::verify_packed(&packed), result, "verify-packed and verify disagree");
    }
    // Any bytes as a packed request: an answer, never a panic.
    let _ = webhooks::verify_packed(data);

    let raw = String::from_utf8_lossy(data);
    if let Ok(parsed) = webhooks::parse_field_block(&raw) {
        let rendered: String = parsed.iter().map(|h| format!("{}: {}\n", h.name, h.value)).collect();
        assert_eq!(webhooks::parse_field_block(&rendered).as_ref(), Ok(&parsed), "a parsed block re-renders to itself");
    }
});
