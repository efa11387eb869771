//! addresses through the component vs native, on the published BIP-350 and EIP-55 vectors
//! (`conformance/vectors/addresses.json`).

use paywit_component::native::addresses;
use paywit_component::Conv;
use paywit_host_tests::seeded_instance;

#[test]
fn address_vectors_through_the_component() {
    let mut i = seeded_instance(3);
    let api = i.bindings.paywit_gateway_addresses();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/vectors/addresses.json");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let network = |name: &str| match name {
        "bitcoin-mainnet" => addresses::Network::BitcoinMainnet,
        "bitcoin-testnet" => addresses::Network::BitcoinTestnet,
        _ => addresses::Network::Ethereum,
    };
    let mut checked = 0;
    for (list, valid) in [("valid", true), ("invalid", false)] {
        for v in json[list].as_array().unwrap() {
            let (net, address) = (network(v["network"].as_str().unwrap()), v["address"].as_str().unwrap());
            let native = addresses::validate_address(net, address);
            let component: Result<addresses::AddressInfo, addresses::AddressError> =
                api.call_validate_address(&mut i.store, net.conv(), address).unwrap().conv();
            assert_eq!(component, native, "{address}");
            assert_eq!(native.is_ok(), valid, "{address}");
            checked += 1;
        }
    }
    assert_eq!(checked, 37);
}
