"""paywit:gateway/retry: see wit/retry.wit."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from . import _runtime
from ._common import _now, _py, _unwrap
from .errors import PolicyError

__all__ = ['Failure', 'Classification', 'Category', 'TransportError', 'RetryPolicy', 'NextStep', 'classify', 'parse_retry_after', 'next_step', 'api_policy', 'webhook_redelivery_policy', 'standard_webhooks_policy']


class TransportError(str, enum.Enum):
    """A failure below HTTP."""
    TIMEOUT = "timeout"
    CONNECTION_RESET = "connection-reset"
    CONNECTION_REFUSED = "connection-refused"
    DNS = "dns"
    TLS = "tls"
    UNKNOWN = "unknown"


class Category(str, enum.Enum):
    """What kind of failure it was."""
    INVALID_REQUEST = "invalid-request"
    AUTHENTICATION = "authentication"
    PERMISSION = "permission"
    NOT_FOUND = "not-found"
    PAYMENT_DECLINED = "payment-declined"
    IDEMPOTENCY_CONFLICT = "idempotency-conflict"
    RATE_LIMITED = "rate-limited"
    SERVER_ERROR = "server-error"
    TRANSPORT = "transport"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Failure:
    """One failed gateway call."""
    status: Optional[int] = None
    transport: Optional[TransportError] = None
    error_type: Optional[str] = None
    error_code: Optional[str] = None
    retry_after: Optional[str] = None
    should_retry: Optional[str] = None


@dataclass(frozen=True)
class Classification:
    """The verdict on a failure."""
    category: Category
    retry: bool
    reuse_idempotency_key: bool
    fetch_existing: bool
    reason: str


@dataclass(frozen=True)
class RetryPolicy:
    """A retry policy: `schedule` is ("explicit", [ms...]) or ("exponential", {"base_ms", "multiplier", "cap_ms"})."""
    schedule: Tuple[str, Any]
    max_attempts: int
    jitter: str  # none | full | equal | decorrelated
    max_delay_ms: int


@dataclass(frozen=True)
class NextStep:
    """Retry after `retry_after_ms`, or give up (`give_up` is the reason)."""
    retry_after_ms: Optional[int] = None
    give_up: Optional[str] = None
    category: Optional[Category] = None


def _failure(f: Failure) -> Dict[str, Any]:
    return {"status": f.status, "transport": f.transport and TransportError(f.transport).value,
            "error-type": f.error_type, "error-code": f.error_code, "retry-after": f.retry_after, "should-retry": f.should_retry}


def classify(failure: Failure) -> Classification:
    """Classifies a failed call by the integration guide's table."""
    c = _runtime.call("retry", "classify", _failure(failure))
    return Classification(Category(c["category"]), c["retry"], c["reuse-idempotency-key"], c["fetch-existing"], c["reason"])


def parse_retry_after(value: str, now: Optional[int] = None) -> Optional[int]:
    """Parses Retry-After into milliseconds from `now`, or None."""
    return _runtime.call("retry", "parse-retry-after", value, _now("now", now))


def _retry_policy_in(p: RetryPolicy) -> Dict[str, Any]:
    kind, value = p.schedule
    schedule = (kind, list(value)) if kind == "explicit" else (kind, {"base-ms": value["base_ms"], "multiplier": float(value["multiplier"]), "cap-ms": value["cap_ms"]})
    return {"schedule": schedule, "max-attempts": p.max_attempts, "jitter": p.jitter, "max-delay-ms": p.max_delay_ms}


def _retry_policy_out(p: Dict[str, Any]) -> RetryPolicy:
    kind, value = p["schedule"]
    schedule = (kind, list(value)) if kind == "explicit" else (kind, _py(value))
    return RetryPolicy(schedule, p["max-attempts"], p["jitter"], p["max-delay-ms"])


def next_step(policy: RetryPolicy, attempt: int, failure: Failure, *, now: Optional[int] = None, random: Optional[int] = None) -> NextStep:
    """The next step after attempt `attempt` (from 1) failed. Pass `random` (u64) for deterministic jitter."""
    when = _now("now", now)
    if random is None:
        result = _runtime.call("retry", "next-step", _retry_policy_in(policy), attempt, _failure(failure), when)
    else:
        result = _runtime.call("retry", "next-step-with-random", _retry_policy_in(policy), attempt, _failure(failure), when, random)
    tag, value = _unwrap(result, PolicyError)
    if tag == "retry-after-ms":
        return NextStep(retry_after_ms=value)
    reason, category = value
    return NextStep(give_up=reason, category=Category(category) if category else None)


def api_policy() -> RetryPolicy:
    """The guide's API schedule: 1 s, 3 s, 10 s, 30 s, 2 min, 10 min, equal jitter."""
    return _retry_policy_out(_runtime.call("retry", "api-policy"))


def webhook_redelivery_policy() -> RetryPolicy:
    """The guide's webhook redelivery schedule: 1 s ... 24 h."""
    return _retry_policy_out(_runtime.call("retry", "webhook-redelivery-policy"))


def standard_webhooks_policy() -> RetryPolicy:
    """The Standard Webhooks example schedule: 5 s ... 24 h."""
    return _retry_policy_out(_runtime.call("retry", "standard-webhooks-policy"))
