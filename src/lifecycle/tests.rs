use proptest::prelude::*;

use super::money::*;
use super::*;

fn permutations(items: &[State]) -> Vec<Vec<State>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first);
            out.push(tail);
        }
    }
    out
}

fn states_of_kind(kind: usize) -> Vec<State> {
    let all = State::all();
    all.into_iter().filter(|s| s.kind_and_rank().0 as usize == kind).collect()
}

#[test]
fn every_permutation_of_small_multisets_converges() {
    // Every multiset of up to 4 states (with repeats) of each kind, all orders.
    let mut checked = 0;
    for kind in 0..5 {
        let states = states_of_kind(kind);
        let n = states.len();
        for size in 1..=4u32 {
            for code in 0..n.pow(size) {
                let mut multiset = Vec::new();
                let mut c = code;
                for _ in 0..size {
                    multiset.push(states[c % n]);
                    c /= n;
                }
                let expected = fold(multiset.clone());
                for order in permutations(&multiset) {
                    assert_eq!(fold(order.clone()), expected, "{order:?}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100_000, "checked {checked}");
}

proptest! {
    #[test]
    fn random_multisets_converge_and_duplicates_change_nothing(kind in 0usize..5, picks in proptest::collection::vec(0usize..10, 1..40), seed: u64) {
        let states = states_of_kind(kind);
        let events: Vec<State> = picks.iter().map(|p| states[p % states.len()]).collect();
        let expected = fold(events.clone());
        let mut shuffled = events.clone();
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(fold(shuffled.clone()), expected);
        let mut doubled = shuffled.clone();
        doubled.extend(shuffled);
        prop_assert_eq!(fold(doubled), expected);
    }
}

#[test]
fn apply_is_total_and_classifies_moves() {
    let all = State::all();
    for current in &all {
        for incoming in &all {
            let _ = apply(Some(*current), *incoming); // never panics
        }
        assert_eq!(apply(Some(*current), *current), Outcome::Unchanged);
        assert_eq!(apply(None, *current), Outcome::Advanced(*current));
    }
    let p = State::Payment;
    assert_eq!(
        apply(Some(p(PaymentStatus::Created)), p(PaymentStatus::Succeeded)),
        Outcome::Advanced(p(PaymentStatus::Succeeded))
    );
    assert_eq!(apply(Some(p(PaymentStatus::Succeeded)), p(PaymentStatus::Processing)), Outcome::Stale);
    assert_eq!(
        apply(Some(p(PaymentStatus::Succeeded)), State::Refund(RefundStatus::Pending)),
        Outcome::Rejected(Rejection::KindMismatch)
    );
    // Documented reversals, and their mirror images rejected.
    let payout = State::Payout;
    assert_eq!(
        apply(Some(payout(PayoutStatus::Paid)), payout(PayoutStatus::Failed)),
        Outcome::Reversed(payout(PayoutStatus::Failed))
    );
    assert_eq!(
        apply(Some(payout(PayoutStatus::Failed)), payout(PayoutStatus::Paid)),
        Outcome::Rejected(Rejection::ConflictsWithTerminal)
    );
    let refund = State::Refund;
    assert_eq!(
        apply(Some(refund(RefundStatus::Succeeded)), refund(RefundStatus::Failed)),
        Outcome::Reversed(refund(RefundStatus::Failed))
    );
    let invoice = State::Invoice;
    assert_eq!(
        apply(Some(invoice(InvoiceStatus::PaymentDetected)), invoice(InvoiceStatus::Underpaid)),
        Outcome::Reversed(invoice(InvoiceStatus::Underpaid))
    );
    for (low, high) in CONFLICTS {
        assert!(
            low.kind_and_rank().0 == high.kind_and_rank().0 && low.kind_and_rank().1 < high.kind_and_rank().1,
            "{low:?} {high:?}"
        );
    }
}

#[test]
fn out_of_order_webhooks_from_the_guide_converge() {
    // "payment succeeded" arrives before the API response that created the charge.
    let p = State::Payment;
    assert_eq!(
        fold([p(PaymentStatus::Succeeded), p(PaymentStatus::Created), p(PaymentStatus::Processing)]),
        Some(p(PaymentStatus::Succeeded))
    );
    // A failed attempt followed by a successful retry, in either order.
    assert_eq!(fold([p(PaymentStatus::Succeeded), p(PaymentStatus::Failed)]), Some(p(PaymentStatus::Succeeded)));
    assert_eq!(fold([p(PaymentStatus::Failed), p(PaymentStatus::Succeeded)]), Some(p(PaymentStatus::Succeeded)));
}

#[test]
fn map_event_tables() {
    use Gateway::*;
    let cases: &[(Gateway, &str, Option<&str>, Option<State>)] = &[
        (Stripe, "payment_intent.succeeded", None, Some(State::Payment(PaymentStatus::Succeeded))),
        (
            Stripe,
            "payment_intent.payment_failed",
            Some("requires_payment_method"),
            Some(State::Payment(PaymentStatus::Failed)),
        ),
        (
            Stripe,
            "payment_intent.amount_capturable_updated",
            Some("requires_capture"),
            Some(State::Payment(PaymentStatus::Authorized)),
        ),
        (Stripe, "payment_intent.created", Some("succeeded"), Some(State::Payment(PaymentStatus::Succeeded))),
        (Stripe, "charge.captured", None, Some(State::Payment(PaymentStatus::Succeeded))),
        (Stripe, "charge.refund.updated", Some("failed"), Some(State::Refund(RefundStatus::Failed))),
        (Stripe, "refund.created", None, Some(State::Refund(RefundStatus::Pending))),
        (
            Stripe,
            "charge.dispute.created",
            Some("warning_needs_response"),
            Some(State::Dispute(DisputeStatus::InquiryNeedsResponse)),
        ),
        (Stripe, "charge.dispute.closed", Some("won"), Some(State::Dispute(DisputeStatus::Won))),
        (Stripe, "charge.dispute.closed", None, None),
        (Stripe, "payout.updated", Some("in_transit"), Some(State::Payout(PayoutStatus::InTransit))),
        (Stripe, "payout.failed", None, Some(State::Payout(PayoutStatus::Failed))),
        (Stripe, "customer.created", None, None),
        (Stripe, "nonsense", None, None),
        (CoinbaseCommerce, "charge:pending", None, Some(State::Invoice(InvoiceStatus::PaymentDetected))),
        (
            CoinbaseCommerce,
            "charge:failed",
            Some("UNRESOLVED:UNDERPAID"),
            Some(State::Invoice(InvoiceStatus::Underpaid)),
        ),
        (CoinbaseCommerce, "charge:failed", Some("OVERPAID"), Some(State::Invoice(InvoiceStatus::Overpaid))),
        (CoinbaseCommerce, "charge:delayed", None, Some(State::Invoice(InvoiceStatus::PaidLate))),
        (CoinbaseCommerce, "charge:resolved", None, Some(State::Invoice(InvoiceStatus::Settled))),
        (Btcpay, "InvoiceReceivedPayment", None, Some(State::Invoice(InvoiceStatus::PaymentDetected))),
        (Btcpay, "InvoiceSettled", Some("Settled"), Some(State::Invoice(InvoiceStatus::Settled))),
        (Btcpay, "InvoiceExpiredPaidPartial", Some("Expired"), Some(State::Invoice(InvoiceStatus::Underpaid))),
        (Btcpay, "InvoicePaidAfterExpiration", Some("Expired"), Some(State::Invoice(InvoiceStatus::PaidLate))),
        (Btcpay, "PayoutUpdated", Some("Completed"), Some(State::Payout(PayoutStatus::Paid))),
        (Btcpay, "InvoiceUnknown", None, None),
        (GenericCrypto, "payment.completed", None, Some(State::Invoice(InvoiceStatus::PaymentConfirmed))),
        (GenericCrypto, "payout.initiated", None, Some(State::Payout(PayoutStatus::InTransit))),
        (GenericCrypto, "refund.failed", None, Some(State::Refund(RefundStatus::Failed))),
        (GenericCrypto, "invoice.paid", None, None),
    ];
    for (gateway, event, status, expected) in cases {
        assert_eq!(map_event(*gateway, event, *status), *expected, "{gateway:?} {event} {status:?}");
    }
}

#[test]
fn amounts_parse_exactly() {
    assert_eq!(parse_amount("0"), Ok(0));
    assert_eq!(parse_amount("1000000000000000000"), Ok(1_000_000_000_000_000_000));
    assert_eq!(parse_amount(&u128::MAX.to_string()), Ok(u128::MAX));
    assert_eq!(parse_amount("340282366920938463463374607431768211456"), Err(AmountError::TooLarge));
    assert_eq!(parse_amount(""), Err(AmountError::Empty));
    assert_eq!(parse_amount("-1"), Err(AmountError::InvalidCharacter(0)));
    assert_eq!(parse_amount("+1"), Err(AmountError::InvalidCharacter(0)));
    assert_eq!(parse_amount("1.5"), Err(AmountError::InvalidCharacter(1)));
    assert_eq!(parse_amount(" 1"), Err(AmountError::InvalidCharacter(0)));
    assert_eq!(parse_amount("1e3"), Err(AmountError::InvalidCharacter(1)));
    assert_eq!(parse_amount("007"), Err(AmountError::LeadingZero));
}

#[test]
fn payments_are_assessed_exactly() {
    let wei = "1000000000000000000";
    assert_eq!(assess_payment(wei, wei, &Tolerance::None), Ok(PaymentAssessment::Exact));
    assert_eq!(
        assess_payment(wei, "999999999999999999", &Tolerance::None),
        Ok(PaymentAssessment::Underpaid(Difference { amount: "1".into(), within_tolerance: false }))
    );
    assert_eq!(
        assess_payment("10000", "10050", &Tolerance::BasisPoints(50)),
        Ok(PaymentAssessment::Overpaid(Difference { amount: "50".into(), within_tolerance: true }))
    );
    assert_eq!(
        assess_payment("10000", "9949", &Tolerance::BasisPoints(50)),
        Ok(PaymentAssessment::Underpaid(Difference { amount: "51".into(), within_tolerance: false }))
    );
    assert_eq!(
        assess_payment("10000", "9990", &Tolerance::Atomic("10".into())),
        Ok(PaymentAssessment::Underpaid(Difference { amount: "10".into(), within_tolerance: true }))
    );
    let max = u128::MAX.to_string();
    assert!(assess_payment(&max, "0", &Tolerance::BasisPoints(u32::MAX)).is_ok(), "no overflow");
    assert_eq!(assess_payment("1.0", "1", &Tolerance::None), Err(AmountError::InvalidCharacter(1)));
}

#[test]
fn partial_refunds_add_up_exactly() {
    assert_eq!(
        refundable("10000", "0", "2500"),
        Ok(RefundAllowance { amount: "2500".into(), remaining_after: "7500".into() })
    );
    assert_eq!(
        refundable("10000", "7500", "2500"),
        Ok(RefundAllowance { amount: "2500".into(), remaining_after: "0".into() })
    );
    assert_eq!(refundable("10000", "7500", "2501"), Err(RefundError::OverRefund("2500".into())));
    assert_eq!(refundable("10000", "10000", "1"), Err(RefundError::OverRefund("0".into())));
    assert_eq!(refundable("10000", "0", "0"), Err(RefundError::ZeroAmount));
    assert_eq!(refundable("0", "0", "1"), Err(RefundError::NotCaptured));
    assert_eq!(refundable("100", "101", "1"), Err(RefundError::AlreadyOverRefunded));
    assert_eq!(refundable("100", "x", "1"), Err(RefundError::InvalidAmount(AmountError::InvalidCharacter(0))));
    // Refunding in pieces never exceeds the capture.
    let mut refunded = 0u128;
    for piece in ["3333", "3333", "3334"] {
        let allowance = refundable("10000", &refunded.to_string(), piece).unwrap();
        refunded += piece.parse::<u128>().unwrap();
        assert_eq!(allowance.remaining_after, (10_000 - refunded).to_string());
    }
}

#[test]
fn confirmations() {
    assert_eq!(confirmation_status(0, 1), ConfirmationStatus { confirmed: false, remaining: 1 });
    assert_eq!(confirmation_status(7, 6), ConfirmationStatus { confirmed: true, remaining: 0 });
    assert_eq!(confirmation_status(0, 0), ConfirmationStatus { confirmed: true, remaining: 0 });
    let required: Vec<u32> =
        [SpeedPolicy::HighSpeed, SpeedPolicy::MediumSpeed, SpeedPolicy::LowMediumSpeed, SpeedPolicy::LowSpeed]
            .iter()
            .map(|s| required_confirmations(*s, false))
            .collect();
    assert_eq!(required, [0, 1, 2, 6]);
    assert_eq!(required_confirmations(SpeedPolicy::HighSpeed, true), 1);
}
