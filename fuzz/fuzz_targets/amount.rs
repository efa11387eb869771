//! Amount parsing and money checks: a parsed amount prints back to its input,
//! and refunds never exceed what was captured.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paywit::lifecycle::money::{assess_payment, parse_amount, refundable, Tolerance};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, ',');
    let (a, b, c) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if let Ok(value) = parse_amount(a) {
        assert_eq!(value.to_string(), a);
    }
    let _ = assess_payment(a, b, &Tolerance::BasisPoints(c.len() as u32 * 1000));
    if let Ok(allowance) = refundable(a, b, c) {
        let captured = parse_amount(a).unwrap();
        let refunded = parse_amount(b).unwrap();
        let amount: u128 = allowance.amount.parse().unwrap();
        let remaining: u128 = allowance.remaining_after.parse().unwrap();
        assert_eq!(refunded + amount + remaining, captured);
    }
});
