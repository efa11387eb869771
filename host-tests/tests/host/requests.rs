//! requests (HMAC-signed API requests) through the component vs native.

use paywit_component::native::requests;
use paywit_component::native::types::{Body, Header};
use paywit_component::Conv;
use paywit_host_tests::seeded_instance;

#[test]
fn signed_requests_round_trip_through_the_component() {
    let mut i = seeded_instance(3);
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
