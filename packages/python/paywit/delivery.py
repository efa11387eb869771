"""The verified delivery a framework adapter hands its handler, and the adapters' shared rules
(hand-written).

`paywit.asgi` (Starlette, FastAPI) and `paywit.wsgi` (Flask, Django, any WSGI app) read the raw
body themselves, capped, verify it with a `paywit.Verifier`, and give the handler a `Delivery`:
what verification found and the body exactly as verified. They mirror the Go package's
`Verifier.Middleware` (packages/go/middleware.go): 405 (with `Allow: POST`) for a method other
than POST, 413 for a body over the cap, 401 with an empty body for a delivery that does not verify,
and a loud 500 with `BodyAlreadyReadError`'s message, never a 401, when something read the body
before the adapter did.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Optional, Tuple

from . import _limits, webhooks
from ._runtime import ComponentMemoryError, ComponentTrap
from .errors import InvalidArgumentError, PaywitError
from .webhooks import Verified

__all__ = ["Delivery", "BodyAlreadyReadError", "DEFAULT_MAX_BODY"]

_BODY_LIMIT = _limits.LIMITS["body-bytes"]
DEFAULT_MAX_BODY = _BODY_LIMIT
"""The adapters' default `max_body`: 16 MiB, the component's body-bytes limit (as the Go
middleware's default). A smaller cap (1 MiB covers every gateway's deliveries) refuses big bodies
sooner; a larger one is that limit."""

_log = logging.getLogger("paywit")


@dataclass(frozen=True)
class Delivery:
    """A verified webhook delivery, as `paywit.asgi` and `paywit.wsgi` hand it to a handler.

    `verified` is what verification found (the secret that matched, the message id and the signed
    timestamp, for schemes that sign them); `body` the raw body exactly as received and verified.
    """

    verified: Verified
    """What verification found: `secret_index`, `message_id`, `signed_at`."""
    body: bytes = field(repr=False)
    """The raw body exactly as received and verified (left out of the repr: it may hold personal data)."""

    @property
    def message_id(self) -> Optional[str]:
        """The signed message id (Standard Webhooks' `webhook-id`), or None for a scheme that signs
        none. Record it before processing: a redelivery carries the same id."""
        return self.verified.message_id

    @property
    def signed_at(self) -> Optional[int]:
        """The signed timestamp (Unix seconds), or None for a scheme that signs none."""
        return self.verified.signed_at

    @property
    def secret_index(self) -> int:
        """The index of the secret that matched in the verifier's rotation list."""
        return self.verified.secret_index

    def json(self) -> Any:
        """The body parsed as JSON (`json.loads`), on each call and only when called: a handler that
        needs only `message_id` pays nothing, and a form-encoded body is never parsed as JSON."""
        return json.loads(self.body)


class BodyAlreadyReadError(PaywitError, RuntimeError):
    """A request whose body something read before paywit's adapter did (a body parser or logging
    middleware mounted in front of it), so the bytes the gateway signed are gone.

    The adapters answer it 500 with this message, which names the fix, instead of a 401 that would
    look like a bad secret, and log it (the `paywit` logger) unless `on_error` is given. `code` is
    `"body-already-read"`.
    """

    MESSAGE = ("paywit: the request body was read before paywit's adapter: mount paywit's adapter before any body "
               "parser, or give it the raw body")
    """The error's message (the 500's body)."""

    def __init__(self) -> None:
        super().__init__("body-already-read")
        self.args = (self.MESSAGE,)

    def __str__(self) -> str:
        return self.MESSAGE


def _max_body_bytes(max_body: int) -> int:
    """`max_body` as used: a positive int, at most the component's body-bytes limit (16 MiB).
    Raises `InvalidArgumentError` for anything else."""
    if type(max_body) is not int or max_body <= 0:
        raise InvalidArgumentError("max_body", "must be a positive int (bytes)", max_body)
    return min(max_body, _BODY_LIMIT)


def _too_large(max_body: int, actual: int) -> webhooks.VerifyLimitExceededError:
    """What `on_error` receives for a body over the cap: the component's own `limit-exceeded` error
    with `max` the cap and `actual` the declared length or the bytes read so far."""
    return webhooks.VerifyLimitExceededError(webhooks.LimitExceeded(what=webhooks.Limit.BODY_BYTES, max=max_body, actual=actual))


def _refusal(error: Exception, body: bytes, length_unknown: bool) -> Tuple[int, Exception]:
    """The status (and the error to report) for a delivery that did not verify, as the Go
    middleware decides it: a body of unknown length (chunked) that read empty is a body something
    read in front of the adapter (a gateway sends no empty chunked body; a parser in front leaves
    one), a fault of the component is 500, a body over the component's limit 413, anything else
    (a `VerifyError`, or an argument the client sent that paywit refuses) 401."""
    if not body and length_unknown:
        return 500, BodyAlreadyReadError()
    if isinstance(error, (ComponentTrap, ComponentMemoryError)):
        return 500, error
    if isinstance(error, webhooks.VerifyLimitExceededError) and error.details.what == webhooks.Limit.BODY_BYTES:
        return 413, error
    return 401, error


def _is_refusal(error: Exception) -> bool:
    """Whether an exception from `Verifier.verify` is a refusal the adapters answer (a paywit error
    or a fault of the component) rather than a bug to raise."""
    return isinstance(error, (PaywitError, ComponentTrap))


def _log_body_already_read(method: str, path: str) -> None:
    """Logs `BodyAlreadyReadError` (the `paywit` logger, level ERROR): what an adapter does when it
    answers one and no `on_error` is given."""
    _log.error("%s (method=%s path=%s)", BodyAlreadyReadError.MESSAGE, method, path)


def _check_middleware(where: str, verifier: object, path: object) -> None:
    """A middleware's arguments, checked at mount time (`where`: its name, for the message)."""
    from .verifier import Verifier

    if not isinstance(verifier, Verifier):
        raise TypeError(f"{where} needs a paywit.Verifier")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"{where}: path must be a str starting with '/'")
