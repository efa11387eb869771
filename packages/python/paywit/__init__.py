"""paywit for Python: payment-gateway webhook signatures, idempotency keys,
retry rules and lifecycle state machines, answered by the paywit WebAssembly
component (the same code every other language runs).

    import paywit
    verified = paywit.verify_webhook("stripe", [old_secret, new_secret], request.headers, request.get_data())
    # -> Verified(secret_index=1, message_id=None, signed_at=1764158400)
    # raises paywit.TimestampOutsideToleranceError, paywit.NoMatchingSignatureError, ...

Thread-safe: each thread uses its own instance of the component (see _runtime).
"""
from __future__ import annotations

from . import addresses, alerts, credentials, errors, idempotency, lifecycle, reconciliation, requests, retry, webhooks
from .addresses import *  # noqa: F401,F403
from .alerts import *  # noqa: F401,F403
from .credentials import *  # noqa: F401,F403
from .errors import *  # noqa: F401,F403
from .idempotency import *  # noqa: F401,F403
from .lifecycle import *  # noqa: F401,F403
from .reconciliation import *  # noqa: F401,F403
from .requests import *  # noqa: F401,F403
from .retry import *  # noqa: F401,F403
from .webhooks import *  # noqa: F401,F403
from .webhooks import _scheme  # noqa: F401  (the tests drive the fast path with it)

# One module per WIT interface (paywit/<interface>.py), plus errors.py.
__all__ = [name for module in (webhooks, idempotency, retry, lifecycle, requests, credentials, reconciliation, addresses,
                               alerts, errors) for name in module.__all__]
