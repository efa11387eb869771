//! requests, credentials, reconciliation, addresses and alerts through the
//! component vs native, on the published address vectors and on tables.

use paywit_host_tests::native::types::{Body, Header};
use paywit_host_tests::native::{addresses, alerts, credentials, lifecycle, reconciliation, requests};
use paywit_host_tests::{Conv, Host, Instance, RandomSource, TestRng};

fn instance() -> Instance {
    Host::new().unwrap().instantiate_with(RandomSource::Seeded(TestRng(3))).unwrap()
}

#[test]
fn address_vectors_through_the_component() {
    let mut i = instance();
    let api = i.bindings.paywit_gateway_addresses();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/addresses.json");
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

#[test]
fn signed_requests_round_trip_through_the_component() {
    let mut i = instance();
    let api = i.bindings.paywit_gateway_requests();
    let outbound = requests::OutboundRequest {
        method: "POST".into(),
        path: "/v1/refunds?x=1".into(),
        body: Body::Text(r#"{"charge":"ch_1","amount":500}"#.into()),
        timestamp: 1_700_000_000,
        nonce: "0123456789abcdef0123".into(),
    };
    let headers: Vec<Header> = api
        .call_sign_request(&mut i.store, "key_1", "s3cret", &outbound.clone().conv())
        .unwrap()
        .map_err(|e| e.conv())
        .unwrap()
        .conv();
    assert_eq!(Ok(headers.clone()), requests::sign_request("key_1", "s3cret", &outbound));
    let secrets = vec![requests::ApiSecret { key_id: "key_1".into(), secret: "s3cret".into() }];
    let wit_secrets: Vec<_> = secrets.clone().conv();
    let inbound = requests::InboundRequest {
        method: "POST".into(),
        path: outbound.path.clone(),
        headers,
        body: outbound.body.clone(),
    };
    for (now, body) in [
        (1_700_000_010, outbound.body.clone()),
        (1_700_000_400, outbound.body.clone()),
        (1_700_000_010, Body::Text("{}".into())),
    ] {
        let request = requests::InboundRequest { body, ..inbound.clone() };
        let native = requests::verify_request(&secrets, &request, now, None);
        let component: Result<requests::VerifiedRequest, requests::RequestError> =
            api.call_verify_request(&mut i.store, &wit_secrets, &request.clone().conv(), now, None).unwrap().conv();
        assert_eq!(component, native);
    }
    assert!(requests::verify_request(&secrets, &inbound, 1_700_000_010, None).is_ok());
}

#[test]
fn credentials_through_the_component() {
    let mut i = instance();
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

#[test]
fn reconciliation_and_alerts_through_the_component() {
    let mut i = instance();
    let api = i.bindings.paywit_gateway_reconciliation();
    for state in lifecycle::State::all() {
        for (last, now) in [(0, 0), (0, 1000), (0, 100_000), (0, 1_000_000)] {
            let component: reconciliation::PollDecision =
                api.call_poll_backstop(&mut i.store, state.conv(), last, now).unwrap().conv();
            assert_eq!(component, reconciliation::poll_backstop(state, last, now));
        }
    }
    let item = |id: &str, kind, amount: &str| reconciliation::PayoutItem { id: id.into(), kind, amount: amount.into() };
    let items = vec![
        item("ch_1", reconciliation::ItemKind::Charge, "10000"),
        item("re_1", reconciliation::ItemKind::Refund, "2500"),
        item("fee_1", reconciliation::ItemKind::Fee, "300"),
        item("ch_1", reconciliation::ItemKind::Charge, "10000"),
    ];
    let expected = vec!["ch_1".to_string(), "ch_2".to_string()];
    for payout in ["17200", "7200", "x"] {
        let wit_items: Vec<_> = items.clone().conv();
        let component: Result<reconciliation::PayoutReport, reconciliation::ReconciliationError> =
            api.call_reconcile_payout(&mut i.store, payout, &wit_items, &expected).unwrap().conv();
        assert_eq!(component, reconciliation::reconcile_payout(payout, &items, &expected));
    }
    let alerts_api = i.bindings.paywit_gateway_alerts();
    let rule: alerts::AlertRule = alerts_api.call_default_alert_rule(&mut i.store).unwrap().conv();
    assert_eq!(rule, alerts::default_alert_rule());
    let w = |s, f| alerts::Window { successes: s, failures: f };
    for (windows, alerting) in [
        (vec![w(90, 10), w(90, 10), w(90, 10)], false),
        (vec![w(99, 1), w(99, 1), w(99, 1)], true),
        (vec![w(0, 1)], false),
    ] {
        let wit_windows: Vec<_> = windows.clone().conv();
        let component: Result<alerts::AlertAction, alerts::RuleError> =
            alerts_api.call_evaluate_alert(&mut i.store, &wit_windows, alerting, rule.conv()).unwrap().conv();
        assert_eq!(component, alerts::evaluate_alert(&windows, alerting, &rule));
    }
}
