//! `addresses::validate_address`: never panics; no address is valid on both
//! Bitcoin networks; a valid bech32 address stays valid in upper case.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paywit::addresses::{validate_address, AddressKind, Network};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mainnet = validate_address(Network::BitcoinMainnet, text);
    let testnet = validate_address(Network::BitcoinTestnet, text);
    assert!(!(mainnet.is_ok() && testnet.is_ok()), "valid on both networks: {text}");
    if let Ok(info) = mainnet {
        if !matches!(info.kind, AddressKind::P2pkh | AddressKind::P2sh) {
            assert_eq!(validate_address(Network::BitcoinMainnet, &text.to_ascii_uppercase()), Ok(info));
        }
    }
    let _ = validate_address(Network::Ethereum, text);
});
