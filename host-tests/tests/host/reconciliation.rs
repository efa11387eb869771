//! reconciliation (polling backstop, payout reconciliation) through the component vs native.

use paywit_component::native::{lifecycle, reconciliation};
use paywit_component::Conv;
use paywit_host_tests::seeded_instance;

#[test]
fn reconciliation_through_the_component() {
    let mut i = seeded_instance(3);
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
}
