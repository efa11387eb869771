"""paywit:gateway/alerts: see wit/alerts.wit."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional, Sequence

from . import _runtime
from ._common import _unwrap
from .errors import AlertRuleError

__all__ = ['Window', 'AlertRule', 'AlertAction', 'default_alert_rule', 'evaluate_alert']


class AlertAction(str, enum.Enum):
    """What the failure-rate alert should do now."""
    ALERT = "alert"
    RECOVER = "recover"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Window:
    """Webhook deliveries in one time window."""
    successes: int
    failures: int


@dataclass(frozen=True)
class AlertRule:
    """Alert at `alert_at_basis_points` failures, recover below `recover_below_basis_points`,
    counting windows with at least `min_events`, `sustained_windows` in a row."""
    alert_at_basis_points: int
    recover_below_basis_points: int
    min_events: int
    sustained_windows: int


def default_alert_rule() -> AlertRule:
    """Alert at 5 %, recover below 2 %, at least 20 events, 3 windows in a row."""
    r = _runtime.call("alerts", "default-alert-rule")
    return AlertRule(r["alert-at-basis-points"], r["recover-below-basis-points"], r["min-events"], r["sustained-windows"])


def evaluate_alert(windows: Sequence[Window], alerting: bool, rule: Optional[AlertRule] = None) -> AlertAction:
    """Evaluates the windows (oldest first), given whether an alert is raised now."""
    r = rule or default_alert_rule()
    wit_rule = {"alert-at-basis-points": r.alert_at_basis_points, "recover-below-basis-points": r.recover_below_basis_points,
                "min-events": r.min_events, "sustained-windows": r.sustained_windows}
    wit_windows = [{"successes": w.successes, "failures": w.failures} for w in windows]
    return AlertAction(_unwrap(_runtime.call("alerts", "evaluate-alert", wit_windows, bool(alerting), wit_rule), AlertRuleError))
