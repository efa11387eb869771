//! retry through the component vs native.

use paywit_component::native::retry as rt;
use paywit_component::wit as w;
use paywit_component::Conv;
use paywit_host_tests::seeded_instance;

#[test]
fn retry_through_the_component() {
    let mut i = seeded_instance(42);
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
