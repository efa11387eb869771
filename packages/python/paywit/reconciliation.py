"""paywit:gateway/reconciliation: see wit/reconciliation.wit."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import List, Optional, Sequence

from . import _runtime
from ._common import _now, _unwrap
from .errors import ReconciliationError
from .lifecycle import State

__all__ = ['ItemKind', 'PollDecision', 'PayoutItem', 'PayoutReport', 'poll_backstop', 'reconcile_payout']


class ItemKind(str, enum.Enum):
    """How an item moves a payout: charges and credits add, the rest subtract."""
    CHARGE = "charge"
    REFUND = "refund"
    FEE = "fee"
    ADJUSTMENT_CREDIT = "adjustment-credit"
    ADJUSTMENT_DEBIT = "adjustment-debit"


@dataclass(frozen=True)
class PollDecision:
    """The polling backstop: `action` is "not-needed", "poll-now" (then look again
    after `seconds`) or "wait" (`seconds` until the next look)."""
    action: str
    seconds: Optional[int] = None


@dataclass(frozen=True)
class PayoutItem:
    """One balance transaction of a payout; `amount` in atomic units (digits only)."""
    id: str
    kind: ItemKind
    amount: str


@dataclass(frozen=True)
class PayoutReport:
    """The reconciliation of one payout. `items_net` is signed ("-120" when debits
    win); `match` is "exact", "payout-higher" or "payout-lower" by `difference`."""
    items_net: str
    match: str
    difference: Optional[str]
    missing: List[str]
    unexpected: List[str]
    duplicates: List[str]


def poll_backstop(state: State, last_event_at: int, *, now: Optional[int] = None) -> PollDecision:
    """Whether to poll the gateway for an object whose webhooks may have been lost."""
    tag, seconds = _runtime.call("reconciliation", "poll-backstop", (state.kind, state.status), last_event_at,
                                 _now("now", now))
    return PollDecision(tag, seconds)


def reconcile_payout(payout_amount: str, items: Sequence[PayoutItem], expected_ids: Sequence[str] = ()) -> PayoutReport:
    """Checks a payout against its items (and, if given, the ids expected in it)."""
    wit_items = [{"id": i.id, "kind": ItemKind(i.kind).value, "amount": i.amount} for i in items]
    report = _unwrap(_runtime.call("reconciliation", "reconcile-payout", payout_amount, wit_items, list(expected_ids)),
                     ReconciliationError)
    net = report["items-net"]
    match, difference = report["result"]
    return PayoutReport(("-" if net["negative"] else "") + net["amount"], match, difference, report["missing"],
                        report["unexpected"], report["duplicates"])
