//! Canonical JSON and `idempotency::fingerprint`: canonicalisation is
//! idempotent, and a JSON body fingerprints like its canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paywit::canonical_json::canonicalize;
use paywit::idempotency::fingerprint;
use paywit::types::Body;

fuzz_target!(|data: &[u8]| {
    let print = fingerprint("POST", "/x", &Body::Bytes(data.to_vec()));
    assert_eq!(print.len(), 64);
    if let Ok(canonical) = canonicalize(data) {
        assert_eq!(canonicalize(canonical.as_bytes()).as_deref(), Ok(canonical.as_str()), "idempotent");
        assert_eq!(fingerprint("POST", "/x", &Body::Text(canonical)), print);
    }
});
