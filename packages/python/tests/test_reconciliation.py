"""paywit.reconciliation: the shared table (conformance/tables/reconciliation.json) through the public API, and the
module's own cases."""
import pytest

from conftest import run_table_case, table_cases


@pytest.mark.parametrize("case", table_cases("reconciliation"))
def test_table(case):
    run_table_case("reconciliation", case)


def test_reconcile_payout():
    from paywit import reconciliation as rc

    def item(id, kind, amount):
        return rc.PayoutItem(id=id, kind=kind, amount=amount)

    items = [item("ch_1", rc.ItemKind.CHARGE, "10000"), item("ch_2", "charge", "5000"), item("re_1", "refund", "2000"),
             item("fee_1", "fee", "435")]
    report = rc.reconcile_payout("12565", items, ["ch_1", "ch_2", "re_1", "fee_1", "ch_3"])
    assert report == rc.PayoutReport(items_net=rc.SignedAmount(negative=False, amount="12565"), result=rc.PayoutMatchExact(),
                                     missing=["ch_3"], unexpected=[], duplicates=[])
    assert rc.reconcile_payout("12565", items, ["ch_1", "ch_2"]).unexpected == ["fee_1", "re_1"]  # sorted
    assert rc.reconcile_payout("12600", items, []).result == rc.PayoutMatchPayoutHigher(value="35")
    lower = rc.reconcile_payout("12000", (*items, items[0]), [])
    assert (lower.result._wit_case, lower.duplicates) == ("payout-lower", ["ch_1"])
    assert rc.reconcile_payout("0", [item("fee_9", "fee", "120")], []).items_net == rc.SignedAmount(negative=True, amount="120")
    with pytest.raises(rc.ReconciliationInvalidItemAmountError) as info:
        rc.reconcile_payout("100", [item("ch_1", "charge", "1.5")], [])
    assert info.value.details.index == 0 and isinstance(info.value.details.error, rc.AmountErrorValue)
