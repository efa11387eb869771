"""paywit.lifecycle: the shared table (conformance/tables/lifecycle.json) through the public API, and the
module's own cases."""
import pytest

from conftest import run_table_case, table_cases


@pytest.mark.parametrize("case", table_cases("lifecycle"))
def test_table(case):
    run_table_case("lifecycle", case)


def test_lifecycles_converge_in_every_order():
    import itertools

    from paywit import lifecycle as lc

    events = [lc.StatePayment(value=s) for s in ("processing", "succeeded", "created", "failed", "succeeded")]

    def fold(order):
        current = None
        for event in order:
            outcome = lc.apply(current, event)
            if isinstance(outcome, (lc.OutcomeAdvanced, lc.OutcomeReversed)):
                current = outcome.value
        return current

    for order in itertools.permutations(events):
        assert fold(order) == lc.StatePayment(value=lc.PaymentStatus.SUCCEEDED)
    paid, failed = lc.StatePayout(value="paid"), lc.StatePayout(value="failed")
    assert lc.apply(paid, failed) == lc.OutcomeReversed(value=lc.StatePayout(value=lc.PayoutStatus.FAILED))
    assert lc.apply(paid, lc.StateRefund(value="failed")) == lc.OutcomeRejected(value=lc.RejectionKindMismatch())
    assert lc.map_event("btcpay", "InvoicePaidAfterExpiration", None) == lc.StateInvoice(value=lc.InvoiceStatus.PAID_LATE)
    assert lc.map_event(lc.Gateway.STRIPE, "customer.created", None) is None
    under = lc.assess_payment("10000", "9949", lc.ToleranceBasisPoints(value=50))
    assert under == lc.PaymentAssessmentUnderpaid(value=lc.Difference(amount="51", within_tolerance=False))
    assert lc.assess_payment("5", "5", lc.ToleranceNone()) == lc.PaymentAssessmentExact()
    with pytest.raises(lc.AmountInvalidCharacterError):
        lc.parse_amount("1.5")
    with pytest.raises(lc.RefundOverRefundError) as info:
        lc.refundable("10000", "7500", "2501")
    assert info.value.details == "2500"
    with pytest.raises(lc.RefundInvalidAmountError) as info:
        lc.refundable("1.5", "0", "1")
    assert isinstance(info.value.details, lc.AmountErrorValue)
    assert lc.refundable("10000", "7500", "2500") == lc.RefundAllowance(amount="2500", remaining_after="0")
    assert lc.confirmation_status(1, 6) == lc.ConfirmationProgress(confirmed=False, remaining=5)
    assert lc.required_confirmations("high-speed", True) == 1
