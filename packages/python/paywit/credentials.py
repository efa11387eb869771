"""paywit:gateway/credentials: see wit/credentials.wit."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Dict, Optional, Union

from . import _runtime
from ._common import _now
from .errors import KeyPlacementError
from .retry import classify

__all__ = ['KeyKind', 'KeyMode', 'KeyPlacement', 'KeyInfo', 'TokenAdvice', 'classify_key', 'check_key_placement', 'token_status']


class KeyKind(str, enum.Enum):
    """What a gateway key is for."""
    SECRET = "secret"
    PUBLISHABLE = "publishable"
    RESTRICTED = "restricted"
    WEBHOOK_SECRET = "webhook-secret"
    UNKNOWN = "unknown"


class KeyMode(str, enum.Enum):
    """Live or test key."""
    LIVE = "live"
    TEST = "test"
    UNKNOWN = "unknown"


class KeyPlacement(str, enum.Enum):
    """Where a key is about to be used."""
    BROWSER = "browser"
    SERVER = "server"
    TEST_ENVIRONMENT = "test-environment"
    PRODUCTION_ENVIRONMENT = "production-environment"




@dataclass(frozen=True)
class KeyInfo:
    """What a key is, from its published prefix. Never contains the key."""
    provider: str
    kind: KeyKind
    mode: KeyMode


@dataclass(frozen=True)
class TokenAdvice:
    """What to do with an access token: `action` is "use" (refresh in `seconds`),
    "refresh-now" (expires in `seconds`) or "expired" (`seconds` ago)."""
    action: str
    seconds: int


def _key_info(value: Dict[str, Any]) -> KeyInfo:
    return KeyInfo(value["provider"], KeyKind(value["kind"]), KeyMode(value["mode"]))


def classify_key(key: str) -> KeyInfo:
    """Classifies a gateway key (Stripe, Razorpay, Paddle and Standard Webhooks prefixes) without keeping or showing it."""
    return _key_info(_runtime.call("credentials", "classify-key", key))


def check_key_placement(key: str, placement: Union[KeyPlacement, str]) -> KeyInfo:
    """Returns what the key is if it may be used there; raises KeyPlacementError if not."""
    tag, value = _runtime.call("credentials", "check-key-placement", key, KeyPlacement(placement).value)
    if tag == "err":
        raise KeyPlacementError(value)
    return _key_info(value)


def token_status(issued_at: int, expires_in: int, *, now: Optional[int] = None, refresh_skew: int = 60) -> TokenAdvice:
    """Whether to use or refresh an OAuth access token issued at `issued_at` for `expires_in` seconds."""
    tag, seconds = _runtime.call("credentials", "token-status", issued_at, expires_in,
                                 _now("now", now), refresh_skew)
    return TokenAdvice(tag, seconds)
