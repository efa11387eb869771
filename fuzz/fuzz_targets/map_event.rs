//! `lifecycle::map_event`: never panics, and each gateway maps only to the
//! kinds it has (BTCPay and Coinbase never to payments, for instance).
#![no_main]

use libfuzzer_sys::fuzz_target;
use paywit::lifecycle::{map_event, Gateway, State};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (event, status) = match text.split_once('\n') {
        Some((e, s)) => (e, Some(s)),
        None => (text, None),
    };
    for gateway in [Gateway::Stripe, Gateway::CoinbaseCommerce, Gateway::Btcpay, Gateway::GenericCrypto] {
        if let Some(state) = map_event(gateway, event, status) {
            match gateway {
                Gateway::CoinbaseCommerce => assert!(matches!(state, State::Invoice(_))),
                Gateway::Btcpay => assert!(matches!(state, State::Invoice(_) | State::Payout(_))),
                Gateway::Stripe => assert!(!matches!(state, State::Invoice(_))),
                Gateway::GenericCrypto => {
                    assert!(!matches!(state, State::Payment(_) | State::Dispute(_)))
                }
            }
        }
    }
});
