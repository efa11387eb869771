"""paywit for Python: payment-gateway webhook signatures, idempotency keys, retry rules and
lifecycle state machines, answered by the paywit WebAssembly component (the same code every other
language runs).

    import paywit
    verified = paywit.verify_webhook("stripe", [old_secret, new_secret], request.headers, request.get_data())
    # -> Verified(secret_index=1, message_id=None, signed_at=1764158400)
    # raises a paywit.webhooks.VerifyError subclass (VerifyNoMatchingSignatureError, ...)

One module per WIT interface, generated from the WIT (`paywit.webhooks`, `paywit.retry`, ...);
every name that one interface alone defines is also here (`paywit.Failure`, `paywit.classify`).
`paywit.Verifier`, `verify_webhook` and `sign_webhook` (paywit/verifier.py) are the idiomatic
webhook surface over `paywit.webhooks`. The framework adapters `paywit.asgi` (Starlette, FastAPI)
and `paywit.wsgi` (Flask, Django) read the raw body themselves and hand the handler a
`paywit.Delivery`; a body read before them is a loud `paywit.BodyAlreadyReadError` (a 500 naming
the fix), never a 401. They import no framework: paywit's one dependency stays wasmtime.

Thread-safe: each thread uses its own instance of the component (see _runtime).
"""
from __future__ import annotations

from . import _exports, asgi, delivery, errors, verifier, wsgi
from ._exports import *  # noqa: F403
from ._exports import (addresses, alerts, credentials, idempotency, lifecycle, reconciliation, requests, retry, types,
                       webhooks)
from .delivery import BodyAlreadyReadError, Delivery
from .errors import InvalidArgumentError, PaywitError
from .verifier import Verifier, sign_webhook, verify_webhook

__all__ = [*_exports.__all__, "PaywitError", "InvalidArgumentError", "Verifier", "verify_webhook", "sign_webhook",
           "Delivery", "BodyAlreadyReadError", "errors", "verifier", "delivery", "asgi", "wsgi", "types", "webhooks",
           "idempotency", "retry", "lifecycle", "requests", "credentials", "reconciliation", "addresses", "alerts"]
