use proptest::prelude::*;

use super::*;

fn status(code: u16) -> Failure {
    Failure { status: Some(code), ..Failure::default() }
}

fn transport(kind: TransportError) -> Failure {
    Failure { transport: Some(kind), ..Failure::default() }
}

/// The integration guide's table, row by row: (example, failure, category, retry).
fn guide_rows() -> Vec<(&'static str, Failure, Category, bool)> {
    vec![
        (
            "4xx invalid card",
            Failure { status: Some(400), error_code: Some("invalid_number".into()), ..status(400) },
            Category::InvalidRequest,
            false,
        ),
        (
            "4xx missing parameter",
            Failure { error_code: Some("parameter_missing".into()), ..status(400) },
            Category::InvalidRequest,
            false,
        ),
        (
            "402 issuer decline",
            Failure { error_type: Some("card_error".into()), error_code: Some("card_declined".into()), ..status(402) },
            Category::PaymentDeclined,
            false,
        ),
        ("409 idempotency key collision", status(409), Category::IdempotencyConflict, false),
        ("429 too many requests", status(429), Category::RateLimited, true),
        ("5xx gateway timeout", status(504), Category::ServerError, true),
        ("5xx internal error", status(500), Category::ServerError, true),
        ("network: connection reset", transport(TransportError::ConnectionReset), Category::Transport, true),
        ("network: DNS failure", transport(TransportError::Dns), Category::Transport, true),
        ("network: timeout", transport(TransportError::Timeout), Category::Transport, true),
    ]
}

#[test]
fn classify_reproduces_the_guide_table() {
    for (example, failure, category, retry) in guide_rows() {
        let c = classify(&failure);
        assert_eq!((c.category, c.retry), (category, retry), "{example}");
        assert_eq!(c.reuse_idempotency_key, retry, "{example}: retries always reuse the key");
    }
    assert!(classify(&status(409)).fetch_existing, "409 means fetch the existing result");
}

#[test]
fn classify_refinements() {
    assert_eq!(classify(&status(401)).category, Category::Authentication);
    assert_eq!(classify(&status(403)).category, Category::Permission);
    assert_eq!(classify(&status(404)).category, Category::NotFound);
    assert_eq!(classify(&Failure::default()).category, Category::Unknown);
    let lock = classify(&Failure { error_code: Some("lock_timeout".into()), ..status(409) });
    assert!(lock.retry && !lock.fetch_existing);
    let mismatch = classify(&Failure { error_type: Some("idempotency_error".into()), ..status(400) });
    assert_eq!(
        (mismatch.category, mismatch.retry, mismatch.fetch_existing),
        (Category::IdempotencyConflict, false, false)
    );
    // Stripe-Should-Retry wins over the status...
    assert!(!classify(&Failure { should_retry: Some("false".into()), ..status(503) }).retry);
    assert!(classify(&Failure { should_retry: Some(" True ".into()), ..status(400) }).retry);
    assert!(classify(&Failure { should_retry: Some("true".into()), ..status(409) }).retry);
    assert!(classify(&Failure { should_retry: Some("maybe".into()), ..status(503) }).retry, "garbage is ignored");
    // ...but a decline is never retried.
    let decline =
        Failure { should_retry: Some("true".into()), error_code: Some("insufficient_funds".into()), ..status(402) };
    assert!(!classify(&decline).retry);
}

#[test]
fn retry_after_parses_every_form_and_refuses_garbage() {
    let now = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT
    assert_eq!(parse_retry_after("120", now), Some(120_000));
    assert_eq!(parse_retry_after(" 0 ", now), Some(0));
    assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now), Some(60_000));
    assert_eq!(parse_retry_after("Sunday, 06-Nov-94 08:51:37 GMT", now), Some(120_000));
    assert_eq!(parse_retry_after("Sun Nov  6 08:49:47 1994", now), Some(10_000));
    assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(0), "a past date means now");
    for bad in ["", "-5", "1.5", "+3", "soon", "99999999999999999999999", "604801", "Sun, 06 Nov 1994 08:49:37"] {
        assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
    }
    assert_eq!(parse_retry_after("604800", now), Some(604_800_000));
}

#[test]
fn presets_follow_the_guide() {
    let api = api_policy();
    let delays: Vec<u64> = (1..7).map(|n| api.scheduled_delay(n)).collect();
    assert_eq!(delays, [1_000, 3_000, 10_000, 30_000, 120_000, 600_000]);
    assert_eq!(api.max_attempts, 7);
    let webhooks = webhook_redelivery_policy();
    let delays: Vec<u64> = (1..9).map(|n| webhooks.scheduled_delay(n)).collect();
    assert_eq!(delays, [1_000, 5_000, 30_000, 120_000, 900_000, 3_600_000, 21_600_000, 86_400_000]);
    assert_eq!(standard_webhooks_policy().scheduled_delay(1), 5_000);
    assert_eq!(standard_webhooks_policy().max_attempts, 10);
}

#[test]
fn next_step_gives_up_on_declines_and_after_the_last_attempt() {
    let policy = api_policy();
    let failure = status(503);
    assert_eq!(
        next_step(&policy, 1, &status(402), 0, 0),
        Ok(NextStep::GiveUp(GiveUpReason::NotRetryable(Category::PaymentDeclined)))
    );
    assert!(matches!(next_step(&policy, 6, &failure, 0, 0), Ok(NextStep::RetryAfterMs(_))));
    assert_eq!(next_step(&policy, 7, &failure, 0, 0), Ok(NextStep::GiveUp(GiveUpReason::AttemptsExhausted)));
    assert_eq!(next_step(&policy, 0, &failure, 0, 0), Err(PolicyError::ZeroAttempt));
    let bad = Policy { max_attempts: 0, ..policy.clone() };
    assert_eq!(next_step(&bad, 1, &failure, 0, 0), Err(PolicyError::ZeroAttempts));
    let bad = Policy { schedule: Schedule::Explicit(vec![]), ..policy.clone() };
    assert_eq!(next_step(&bad, 1, &failure, 0, 0), Err(PolicyError::EmptySchedule));
    for multiplier in [f64::NAN, f64::INFINITY, 0.5] {
        let bad = Policy {
            schedule: Schedule::Exponential(Exponential { base_ms: 1, multiplier, cap_ms: 10 }),
            ..policy.clone()
        };
        assert_eq!(next_step(&bad, 1, &failure, 0, 0), Err(PolicyError::InvalidMultiplier));
    }
}

#[test]
fn retry_after_wins_when_longer_and_is_capped() {
    let policy = Policy { jitter: Jitter::None, ..api_policy() };
    let asked = Failure { retry_after: Some("20".into()), ..status(429) };
    assert_eq!(next_step(&policy, 1, &asked, 0, 0), Ok(NextStep::RetryAfterMs(20_000)));
    let shorter = Failure { retry_after: Some("0".into()), ..status(429) };
    assert_eq!(next_step(&policy, 2, &shorter, 0, 0), Ok(NextStep::RetryAfterMs(3_000)));
    let huge = Failure { retry_after: Some("7200".into()), ..status(429) };
    assert_eq!(next_step(&policy, 1, &huge, 0, 0), Ok(NextStep::RetryAfterMs(600_000)), "capped by max-delay-ms");
}

fn exponential_policy(jitter: Jitter, base_ms: u64, multiplier: f64, cap_ms: u64, max_attempts: u32) -> Policy {
    Policy {
        schedule: Schedule::Exponential(Exponential { base_ms, multiplier, cap_ms }),
        max_attempts,
        jitter,
        max_delay_ms: u64::MAX,
    }
}

proptest! {
    #[test]
    fn jittered_delays_stay_within_the_formula(base in 1u64..10_000, multiplier in 1.0f64..4.0, cap in 1u64..10_000_000, attempt in 1u32..40, random: u64) {
        let failure = status(500);
        let scheduled = exponential_policy(Jitter::None, base, multiplier, cap, 100).scheduled_delay(attempt);
        let step = |jitter| match next_step(&exponential_policy(jitter, base, multiplier, cap, 100), attempt, &failure, 0, random).unwrap() {
            NextStep::RetryAfterMs(ms) => ms,
            other => panic!("{other:?}"),
        };
        prop_assert_eq!(step(Jitter::None), scheduled);
        prop_assert!(step(Jitter::Full) <= scheduled);
        let equal = step(Jitter::Equal);
        prop_assert!(equal >= scheduled / 2 && equal <= scheduled);
        let low = base.min(cap);
        let decorrelated = step(Jitter::Decorrelated);
        prop_assert!(decorrelated >= low.min(cap) && decorrelated <= cap);
    }

    #[test]
    fn schedules_are_monotone_up_to_the_cap(base in 0u64..100_000, multiplier in 1.0f64..10.0, cap in 0u64..100_000_000) {
        let policy = exponential_policy(Jitter::None, base, multiplier, cap, 100);
        let delays: Vec<u64> = (1..80).map(|n| policy.scheduled_delay(n)).collect();
        prop_assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        prop_assert!(delays.iter().all(|d| *d <= cap));
    }

    #[test]
    fn give_up_comes_exactly_after_max_attempts(max_attempts in 1u32..50, random: u64) {
        let policy = exponential_policy(Jitter::Full, 100, 2.0, 60_000, max_attempts);
        for attempt in 1..=max_attempts + 2 {
            let step = next_step(&policy, attempt, &status(503), 0, random).unwrap();
            let gave_up = step == NextStep::GiveUp(GiveUpReason::AttemptsExhausted);
            prop_assert_eq!(gave_up, attempt >= max_attempts);
        }
    }
}
