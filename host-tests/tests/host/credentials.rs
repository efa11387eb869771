//! credentials (key hygiene, token refresh) through the component vs native.

use paywit_component::native::credentials;
use paywit_component::Conv;
use paywit_host_tests::seeded_instance;

#[test]
fn credentials_through_the_component() {
    let mut i = seeded_instance(3);
    let api = i.bindings.paywit_gateway_credentials();
    for key in [
        "sk_live_abc",
        "pk_test_abc",
        "rk_live_abc",
        "whsec_abc",
        "rzp_live_abc",
        "pdl_sdbx_apikey_abc",
        "whpk_abc",
        "mystery",
        "",
    ] {
        let info: credentials::KeyInfo = api.call_classify_key(&mut i.store, key).unwrap().conv();
        assert_eq!(info, credentials::classify_key(key));
        for placement in [
            credentials::KeyPlacement::Browser,
            credentials::KeyPlacement::Server,
            credentials::KeyPlacement::TestEnvironment,
            credentials::KeyPlacement::ProductionEnvironment,
        ] {
            let component: Result<credentials::KeyInfo, credentials::PlacementRefusal> =
                api.call_check_key_placement(&mut i.store, key, placement.conv()).unwrap().conv();
            assert_eq!(component, credentials::check_key_placement(key, placement));
        }
    }
    for now in [0, 1000, 4540, 4600, 9999] {
        let component: credentials::TokenStatus =
            api.call_token_status(&mut i.store, 1000, 3600, now, 60).unwrap().conv();
        assert_eq!(component, credentials::token_status(1000, 3600, now, 60));
    }
}
