//! idempotency through the component vs native.

use paywit_component::native::{idempotency as idem, types::Body};
use paywit_component::wit as w;
use paywit_component::Conv;
use paywit_host_tests::seeded_instance;

#[test]
fn idempotency_through_the_component() {
    let mut i = seeded_instance(42);
    let api = i.bindings.paywit_gateway_idempotency();
    let key = api.call_new_key(&mut i.store).unwrap();
    assert_eq!(key.len(), 36);
    assert_eq!(&key[14..15], "4", "version 4");
    assert!("89ab".contains(&key[19..20]), "RFC 4122 variant");
    assert_ne!(key, api.call_new_key(&mut i.store).unwrap());
    for value in ["abc", "\"quoted\"", "", "a b", "\"open", &"k".repeat(300), "\"a\\\"b\""] {
        let component: Result<String, idem::KeyError> = api.call_parse_key(&mut i.store, value).unwrap().conv();
        assert_eq!(component, idem::parse_key(value), "{value:?}");
    }
    for (method, path, body) in
        [("POST", "/v1/charges", "{\"b\":1, \"a\":2}"), ("post", "/x", "not json"), ("GET", "", "")]
    {
        let text: w::types::Body = Body::Text(body.into()).conv();
        let bytes: w::types::Body = Body::Bytes(body.as_bytes().to_vec()).conv();
        let expected = idem::fingerprint(method, path, &Body::Text(body.into()));
        assert_eq!(api.call_fingerprint(&mut i.store, method, path, &text).unwrap(), expected);
        assert_eq!(api.call_fingerprint(&mut i.store, method, path, &bytes).unwrap(), expected);
    }
    let policy = idem::default_policy();
    let stored = |completed| idem::StoredKey {
        fingerprint: "f".into(),
        first_seen: 100,
        completed,
        response_ref: Some("r".into()),
    };
    type DecideCase<'a> = (Option<&'a str>, Option<idem::StoredKey>, &'a str, i64, idem::KeyPolicy);
    let cases: Vec<DecideCase> = vec![
        (None, None, "f", 0, policy),
        (None, None, "f", 0, idem::KeyPolicy { require_key: false, ..policy }),
        (Some("k"), None, "f", 0, policy),
        (Some("k"), Some(stored(true)), "f", 200, policy),
        (Some("k"), Some(stored(false)), "f", 200, policy),
        (Some("k"), Some(stored(true)), "g", 200, policy),
        (Some("k"), Some(stored(true)), "f", 100 + 86_400, policy),
        (Some("k"), None, "f", 0, idem::KeyPolicy { retention_seconds: 5, ..policy }),
    ];
    let from_component: idem::KeyPolicy = api.call_default_policy(&mut i.store).unwrap().conv();
    assert_eq!(from_component, policy);
    for (key, stored, fp, now, policy) in cases {
        let native = idem::decide(key, stored.as_ref(), fp, now, &policy);
        let component: Result<idem::Decision, idem::PolicyError> =
            api.call_decide(&mut i.store, key, stored.clone().conv().as_ref(), fp, now, policy.conv()).unwrap().conv();
        assert_eq!(component, native);
        if let Ok(decision) = native {
            let problem: Option<idem::Problem> =
                api.call_problem_for(&mut i.store, &decision.clone().conv(), policy.conv()).unwrap().conv();
            assert_eq!(problem, idem::problem_for(&decision, &policy));
        }
    }
}
