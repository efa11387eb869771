"""paywit:gateway/idempotency: see wit/idempotency.wit."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Dict, Optional

from . import _runtime
from ._common import Body, _body, _now, _unwrap
from .errors import IdempotencyKeyError, PolicyError

__all__ = ['KeyPolicy', 'StoredKey', 'Decision', 'DecisionKind', 'Problem', 'MismatchStatus', 'new_idempotency_key', 'parse_idempotency_key', 'fingerprint', 'default_key_policy', 'decide', 'problem_for']


class MismatchStatus(str, enum.Enum):
    """The status for a key reused with a different request."""
    UNPROCESSABLE_CONTENT = "unprocessable-content"
    BAD_REQUEST = "bad-request"


@dataclass(frozen=True)
class KeyPolicy:
    """How the server treats keys (retention 24-72 h)."""
    retention_seconds: int = 86400
    require_key: bool = True
    mismatch_status: MismatchStatus = MismatchStatus.UNPROCESSABLE_CONTENT


@dataclass(frozen=True)
class StoredKey:
    """What the host stored when it first saw a key."""
    fingerprint: str
    first_seen: int
    completed: bool
    response_ref: Optional[str] = None


class DecisionKind(str, enum.Enum):
    """What to do with a request."""
    EXECUTE = "execute"
    REPLAY = "replay"
    IN_PROGRESS = "in-progress"
    MISMATCH = "mismatch"
    MISSING_KEY = "missing-key"


@dataclass(frozen=True)
class Decision:
    """A decision; `detail` is the execute reason or the replayed response reference."""
    kind: DecisionKind
    detail: Optional[str] = None


@dataclass(frozen=True)
class Problem:
    """An RFC 9457 problem-details response."""
    status: int
    content_type: str
    body: str


def _policy(policy: Optional[KeyPolicy]) -> Dict[str, Any]:
    p = policy or KeyPolicy()
    return {"retention-seconds": p.retention_seconds, "require-key": p.require_key, "mismatch-status": MismatchStatus(p.mismatch_status).value}


def new_idempotency_key() -> str:
    """A fresh UUIDv4 idempotency key."""
    return _runtime.call("idempotency", "new-key")


def parse_idempotency_key(value: str) -> str:
    """Parses an Idempotency-Key header value (token or quoted sf-string)."""
    return _unwrap(_runtime.call("idempotency", "parse-key", value), IdempotencyKeyError)


def fingerprint(method: str, path: str, body: Body) -> str:
    """SHA-256 fingerprint of the logical request (JSON bodies canonicalised)."""
    return _runtime.call("idempotency", "fingerprint", method, path, _body(body))


def default_key_policy() -> KeyPolicy:
    """24 h retention, key required, 422 on mismatch (from the component)."""
    p = _runtime.call("idempotency", "default-policy")
    return KeyPolicy(p["retention-seconds"], p["require-key"], MismatchStatus(p["mismatch-status"]))


def decide(key: Optional[str], stored: Optional[StoredKey], fingerprint: str, *, now: Optional[int] = None,
           policy: Optional[KeyPolicy] = None) -> Decision:
    """Decides what to do with a request carrying `key` (None: no key sent)."""
    wit_stored = stored and {"fingerprint": stored.fingerprint, "first-seen": stored.first_seen,
                             "completed": stored.completed, "response-ref": stored.response_ref}
    tag, detail = _unwrap(_runtime.call("idempotency", "decide", key, wit_stored, fingerprint,
                                        _now("now", now), _policy(policy)), PolicyError)
    return Decision(DecisionKind(tag), detail)


def problem_for(decision: Decision, policy: Optional[KeyPolicy] = None) -> Optional[Problem]:
    """The HTTP refusal for a decision, None for execute and replay."""
    value = (decision.kind.value, decision.detail)
    p = _runtime.call("idempotency", "problem-for", value, _policy(policy))
    return p and Problem(p["status"], p["content-type"], p["body"])
