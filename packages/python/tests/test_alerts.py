"""paywit.alerts: the shared table (conformance/tables/alerts.json) through the public API, and the
module's own cases."""
import pytest

from conftest import run_table_case, table_cases


@pytest.mark.parametrize("case", table_cases("alerts"))
def test_table(case):
    run_table_case("alerts", case)


def test_alerts():
    from paywit import alerts as a

    rule = a.default_alert_rule()
    assert rule == a.AlertRule(alert_at_basis_points=500, recover_below_basis_points=200, min_events=20, sustained_windows=3)

    def w(successes, failures):
        return a.Window(successes=successes, failures=failures)

    assert a.evaluate_alert([w(90, 10)] * 3, False, rule) == a.AlertAction.ALERT
    assert a.evaluate_alert([w(90, 10)] * 2, False, rule) == a.AlertAction.NOTHING
    assert a.evaluate_alert([w(99, 1)] * 3, True, rule) is a.AlertAction.RECOVER
    with pytest.raises(a.RuleNoHysteresisError) as info:
        a.evaluate_alert([], False, a.AlertRule(alert_at_basis_points=200, recover_below_basis_points=500, min_events=20,
                                                sustained_windows=3))
    assert isinstance(info.value, a.RuleError) and info.value.code == "no-hysteresis"
