//! `idempotency::parse_key`: never panics; a parsed key is 1..=255 visible
//! ASCII and re-parses to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paywit::idempotency::parse_key;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(key) = parse_key(text) {
        assert!(!key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic()));
        assert_eq!(parse_key(&key), Ok(key.clone()), "a parsed key re-parses to itself");
    }
});
