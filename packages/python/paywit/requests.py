"""paywit:gateway/requests: see wit/requests.wit."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Sequence, Union

from . import _runtime
from ._common import Body, HeadersLike, _body, _header_pairs, _now, _unwrap
from .errors import RequestVerificationError
from .idempotency import new_idempotency_key

__all__ = ['ApiSecret', 'VerifiedRequest', 'sign_request', 'verify_request']


@dataclass(frozen=True)
class ApiSecret:
    """A shared secret for HMAC-signed API requests, named by its key id (several may share one id: rotation)."""
    key_id: str
    secret: str

    def __repr__(self) -> str:
        return f"ApiSecret(key_id={self.key_id!r}, secret='<redacted>')"


@dataclass(frozen=True)
class VerifiedRequest:
    """A request that verified: who signed it, when, and the nonce to check for reuse."""
    key_id: str
    timestamp: int
    nonce: str


def sign_request(key_id: str, secret: str, *, method: str, path: str, body: Body = b"", timestamp: Optional[int] = None,
                 nonce: Optional[str] = None) -> Dict[str, str]:
    """Signs an outbound API request; returns the five X-Paywit-* headers to add.
    `nonce` defaults to a fresh UUID from the component's random source."""
    request = {"method": method, "path": path, "body": _body(body),
               "timestamp": _now("timestamp", timestamp),
               "nonce": new_idempotency_key() if nonce is None else nonce}
    headers = _unwrap(_runtime.call("requests", "sign-request", key_id, secret, request), RequestVerificationError)
    return {h["name"]: h["value"] for h in headers}


def verify_request(secrets: Union[Sequence[ApiSecret], Mapping[str, str]], *, method: str, path: str,
                   headers: HeadersLike, body: Body, now: Optional[int] = None,
                   tolerance: Optional[int] = None) -> VerifiedRequest:
    """Verifies an inbound signed API request. `secrets` is a list of ApiSecret or a
    {key_id: secret} mapping. The caller must still refuse a reused nonce."""
    items = [ApiSecret(k, v) for k, v in secrets.items()] if isinstance(secrets, Mapping) else list(secrets)
    request = {"method": method, "path": path, "body": _body(body),
               "headers": [{"name": n, "value": v} for n, v in _header_pairs(headers)]}
    value = _unwrap(_runtime.call("requests", "verify-request", [{"key-id": s.key_id, "secret": s.secret} for s in items],
                                  request, _now("now", now), tolerance),
                    RequestVerificationError)
    return VerifiedRequest(value["key-id"], value["timestamp"], value["nonce"])
