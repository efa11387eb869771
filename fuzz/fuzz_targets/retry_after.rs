//! `retry::parse_retry_after`: never panics; never more than 7 days; a past
//! date is 0; delay-seconds parse exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paywit::retry::{parse_retry_after, MAX_RETRY_AFTER_SECONDS};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for now in [0i64, 1_700_000_000, i64::MAX, i64::MIN] {
        if let Some(ms) = parse_retry_after(text, now) {
            assert!(ms <= MAX_RETRY_AFTER_SECONDS * 1000);
        }
    }
    let trimmed = text.trim_matches([' ', '\t']);
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(seconds) = trimmed.parse::<u64>() {
            let expected = (seconds <= MAX_RETRY_AFTER_SECONDS).then_some(seconds * 1000);
            assert_eq!(parse_retry_after(text, 0), expected);
        }
    }
});
