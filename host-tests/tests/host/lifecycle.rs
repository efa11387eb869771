//! lifecycle through the component vs native, including the convergence property (any order
//! of a kind's events folds to the native fold).

use paywit_component::native::lifecycle as life;
use paywit_component::wit as w;
use paywit_component::Conv;
use paywit_host_tests::{seeded_instance, TestRng};

#[test]
fn lifecycle_converges_through_the_component() {
    let mut i = seeded_instance(42);
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
    let mut rng = TestRng(0x2545_f491_4f6c_dd1d);
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
