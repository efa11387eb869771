"""paywit:gateway/lifecycle: see wit/lifecycle.wit."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional, Tuple, Union

from . import _runtime
from ._common import _unwrap
from .errors import AmountError, RefundError

__all__ = ['State', 'Outcome', 'Gateway', 'apply', 'map_event', 'parse_amount', 'assess_payment', 'Assessment', 'refundable', 'RefundAllowance', 'confirmation_status', 'required_confirmations']


class Gateway(str, enum.Enum):
    """Where an event came from."""
    STRIPE = "stripe"
    COINBASE_COMMERCE = "coinbase-commerce"
    BTCPAY = "btcpay"
    GENERIC_CRYPTO = "generic-crypto"


@dataclass(frozen=True)
class State:
    """One object's state: `kind` (payment, refund, dispute, payout, invoice) and its `status`."""
    kind: str
    status: str


@dataclass(frozen=True)
class Outcome:
    """What applying a state did: advanced, unchanged, stale, reversed (alert) or rejected (`reason`)."""
    outcome: str
    state: Optional[State] = None
    reason: Optional[str] = None


@dataclass(frozen=True)
class Assessment:
    """exact, underpaid or overpaid, with the difference and whether the tolerance covers it."""
    verdict: str
    amount: Optional[str] = None
    within_tolerance: Optional[bool] = None


@dataclass(frozen=True)
class RefundAllowance:
    """An allowed refund and what remains refundable after it."""
    amount: str
    remaining_after: str


def apply(current: Optional[State], incoming: State) -> Outcome:
    """Applies an incoming state to the current one (None: first event)."""
    tag, payload = _runtime.call("lifecycle", "apply", current and (current.kind, current.status), (incoming.kind, incoming.status))
    if tag in ("advanced", "reversed"):
        return Outcome(tag, State(*payload))
    if tag == "rejected":
        return Outcome(tag, reason=payload[0])
    return Outcome(tag)


def map_event(gateway: Union[Gateway, str], event_type: str, object_status: Optional[str] = None) -> Optional[State]:
    """Maps a gateway event (and its object status) to a state, or None."""
    value = _runtime.call("lifecycle", "map-event", Gateway(gateway).value, event_type, object_status)
    return value and State(*value)


def parse_amount(value: str) -> str:
    """Parses an amount of atomic units (digits only); returns it canonical."""
    return _unwrap(_runtime.call("lifecycle", "parse-amount", value), AmountError)


def assess_payment(expected: str, received: str, *, atomic: Optional[str] = None, basis_points: Optional[int] = None) -> Assessment:
    """Compares a received amount with the expected one, with an optional tolerance."""
    tolerance = ("atomic", atomic) if atomic is not None else ("basis-points", basis_points) if basis_points is not None else ("none", None)
    tag, value = _unwrap(_runtime.call("lifecycle", "assess-payment", expected, received, tolerance), AmountError)
    return Assessment(tag) if value is None else Assessment(tag, value["amount"], value["within-tolerance"])


def refundable(captured: str, already_refunded: str, requested: str) -> RefundAllowance:
    """Checks a refund; raises RefundError (over-refund, zero, not captured, ...)."""
    value = _unwrap(_runtime.call("lifecycle", "refundable", captured, already_refunded, requested), RefundError)
    return RefundAllowance(value["amount"], value["remaining-after"])


def confirmation_status(confirmations: int, required: int) -> Tuple[bool, int]:
    """(confirmed, remaining) towards the required confirmations."""
    value = _runtime.call("lifecycle", "confirmation-status", confirmations, required)
    return value["confirmed"], value["remaining"]


def required_confirmations(speed: str, rbf: bool = False) -> int:
    """Confirmations a BTCPay-style speed policy requires (high-speed, medium-speed, low-medium-speed, low-speed)."""
    return _runtime.call("lifecycle", "required-confirmations", speed, rbf)
