//! idempotency, retry and lifecycle through the component vs native.

use paywit_host_tests::native::{idempotency as idem, lifecycle as life, retry as rt, types::Body};
use paywit_host_tests::{w, Conv, Host, Instance, RandomSource, TestRng};

fn instance() -> Instance {
    Host::new().unwrap().instantiate_with(RandomSource::Seeded(TestRng(42))).unwrap()
}

#[test]
fn idempotency_through_the_component() {
    let mut i = instance();
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

fn failures() -> Vec<rt::Failure> {
    let mut out = Vec::new();
    for status in [
        None,
        Some(200),
        Some(400),
        Some(401),
        Some(402),
        Some(403),
        Some(404),
        Some(408),
        Some(409),
        Some(422),
        Some(429),
        Some(500),
        Some(503),
    ] {
        for code in [None, Some("card_declined"), Some("lock_timeout")] {
            for should_retry in [None, Some("true"), Some("false")] {
                out.push(rt::Failure {
                    status,
                    transport: if status.is_none() { Some(rt::TransportError::ConnectionReset) } else { None },
                    error_type: None,
                    error_code: code.map(str::to_string),
                    retry_after: Some("2".into()),
                    should_retry: should_retry.map(str::to_string),
                });
            }
        }
    }
    out
}

#[test]
fn retry_through_the_component() {
    let mut i = instance();
    let api = i.bindings.paywit_gateway_retry();
    let policies = [rt::api_policy(), rt::webhook_redelivery_policy(), rt::standard_webhooks_policy()];
    let from_component: Vec<rt::Policy> = vec![
        api.call_api_policy(&mut i.store).unwrap().conv(),
        api.call_webhook_redelivery_policy(&mut i.store).unwrap().conv(),
        api.call_standard_webhooks_policy(&mut i.store).unwrap().conv(),
    ];
    assert_eq!(from_component, policies);
    let mut calls = 0;
    for failure in failures() {
        let classification: rt::Classification =
            api.call_classify(&mut i.store, &failure.clone().conv()).unwrap().conv();
        assert_eq!(classification, rt::classify(&failure));
        for policy in &policies {
            for attempt in [0, 1, 3, 6, 7, 10] {
                let random = 0x1234_5678_9abc_def0u64.wrapping_mul(attempt as u64 + 1);
                let native = rt::next_step(policy, attempt, &failure, 1_000, random);
                let component: Result<rt::NextStep, rt::PolicyError> = api
                    .call_next_step_with_random(
                        &mut i.store,
                        &policy.clone().conv(),
                        attempt,
                        &failure.clone().conv(),
                        1_000,
                        random,
                    )
                    .unwrap()
                    .conv();
                assert_eq!(component, native);
                calls += 1;
            }
        }
    }
    assert!(calls > 500);
    // The host-random variant stays inside the equal-jitter bounds of attempt 1 (0.5 s to 1 s).
    let api_policy: w::retry::Policy = rt::api_policy().conv();
    let failure: w::retry::Failure = rt::Failure { status: Some(503), ..Default::default() }.conv();
    for _ in 0..50 {
        match api.call_next_step(&mut i.store, &api_policy, 1, &failure, 0).unwrap().unwrap() {
            w::retry::Step::RetryAfterMs(ms) => assert!((500..=1000).contains(&ms), "{ms}"),
            other => panic!("{other:?}"),
        }
    }
    for value in [
        "120",
        "Sun, 06 Nov 1994 08:50:37 GMT",
        "Sunday, 06-Nov-94 08:51:37 GMT",
        "Sun Nov  6 08:49:47 1994",
        "-1",
        "soon",
        "",
    ] {
        assert_eq!(
            api.call_parse_retry_after(&mut i.store, value, 784_111_777).unwrap(),
            rt::parse_retry_after(value, 784_111_777),
            "{value:?}"
        );
    }
}

#[test]
fn lifecycle_converges_through_the_component() {
    let mut i = instance();
    let api = i.bindings.paywit_gateway_lifecycle();
    let all = life::State::all();
    for current in all.iter().map(|s| Some(*s)).chain([None]) {
        for incoming in &all {
            let component: life::Outcome =
                api.call_apply(&mut i.store, current.conv(), (*incoming).conv()).unwrap().conv();
            assert_eq!(component, life::apply(current, *incoming));
        }
    }
    // Folding through the component over shuffled event lists gives the native fold.
    let mut rng = paywit_host_tests::TestRng(0x2545_f491_4f6c_dd1d);
    let mut next = || rng.next_u64();
    let kinds: Vec<Vec<life::State>> =
        (0..5u8).map(|k| all.iter().copied().filter(|s| kind(s) == k).collect()).collect();
    for _ in 0..300 {
        let states = &kinds[(next() % 5) as usize];
        let mut events: Vec<life::State> =
            (0..(1 + next() % 12)).map(|_| states[(next() % states.len() as u64) as usize]).collect();
        let expected = life::fold(events.clone());
        for _ in 0..3 {
            for j in (1..events.len()).rev() {
                events.swap(j, (next() % (j as u64 + 1)) as usize);
            }
            let mut current: Option<life::State> = None;
            for event in &events {
                let outcome: life::Outcome =
                    api.call_apply(&mut i.store, current.conv(), (*event).conv()).unwrap().conv();
                if let life::Outcome::Advanced(s) | life::Outcome::Reversed(s) = outcome {
                    current = Some(s);
                }
            }
            assert_eq!(current, expected, "{events:?}");
        }
    }
    for (gateway, event, status) in [
        (life::Gateway::Stripe, "payment_intent.payment_failed", Some("requires_payment_method")),
        (life::Gateway::Btcpay, "InvoicePaidAfterExpiration", None),
        (life::Gateway::CoinbaseCommerce, "charge:failed", Some("UNRESOLVED:UNDERPAID")),
        (life::Gateway::GenericCrypto, "payout.failed", None),
        (life::Gateway::Stripe, "unknown.event", None),
    ] {
        let component: Option<life::State> =
            api.call_map_event(&mut i.store, gateway.conv(), event, status).unwrap().conv();
        assert_eq!(component, life::map_event(gateway, event, status));
    }
    for (expected, received) in [("1000000000000000000", "999999999999999999"), ("5", "5"), ("1", "x"), ("", "1")] {
        let tolerance = life::money::Tolerance::BasisPoints(10);
        let component: Result<life::money::PaymentAssessment, life::money::AmountError> =
            api.call_assess_payment(&mut i.store, expected, received, &tolerance.clone().conv()).unwrap().conv();
        assert_eq!(component, life::money::assess_payment(expected, received, &tolerance));
    }
    let component: Result<life::money::RefundAllowance, life::money::RefundError> =
        api.call_refundable(&mut i.store, "10000", "7500", "2501").unwrap().conv();
    assert_eq!(component, life::money::refundable("10000", "7500", "2501"));
    assert_eq!(
        api.call_parse_amount(&mut i.store, "007").unwrap().map_err(|e| e.conv()),
        Err(life::money::AmountError::LeadingZero)
    );
    let progress: life::money::ConfirmationStatus = api.call_confirmation_status(&mut i.store, 1, 6).unwrap().conv();
    assert_eq!(progress, life::money::confirmation_status(1, 6));
    assert_eq!(api.call_required_confirmations(&mut i.store, w::lifecycle::SpeedPolicy::HighSpeed, true).unwrap(), 1);
}

fn kind(state: &life::State) -> u8 {
    match state {
        life::State::Payment(_) => 0,
        life::State::Refund(_) => 1,
        life::State::Dispute(_) => 2,
        life::State::Payout(_) => 3,
        life::State::Invoice(_) => 4,
    }
}
