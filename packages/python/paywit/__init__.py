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

`import paywit` loads the webhook surface only; the other interface modules, their flat names and
the adapters are imported on first use (PEP 562), so a process that only verifies webhooks does
not build the classes of the other nine interfaces at start-up.

Thread-safe: each thread uses its own instance of the component (see _runtime).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, List

from . import errors, types, verifier, webhooks
from .errors import InvalidArgumentError, PaywitError
from .verifier import Verifier, sign_webhook, verify_webhook

if TYPE_CHECKING:  # the names imported on first use, for type checkers
    from . import (_exports, addresses, alerts, asgi, credentials, delivery, idempotency, lifecycle, reconciliation,
                   requests, retry, wsgi)
    from ._exports import *  # noqa: F403
    from .delivery import BodyAlreadyReadError, Delivery

# Submodules imported when first read as an attribute of the package.
_LAZY_MODULES = frozenset({"_exports", "addresses", "alerts", "asgi", "credentials", "delivery", "idempotency",
                           "lifecycle", "reconciliation", "requests", "retry", "wsgi"})
# Hand-written names of submodules imported on first use: name -> module.
_LAZY_NAMES = {"Delivery": "delivery", "BodyAlreadyReadError": "delivery"}
_OWN_NAMES = ["PaywitError", "InvalidArgumentError", "Verifier", "verify_webhook", "sign_webhook", "Delivery",
              "BodyAlreadyReadError", "errors", "verifier", "delivery", "asgi", "wsgi", "types", "webhooks",
              "idempotency", "retry", "lifecycle", "requests", "credentials", "reconciliation", "addresses", "alerts"]


def __getattr__(name: str) -> Any:
    """The lazily imported names: the submodules, `Delivery` and `BodyAlreadyReadError`, and every
    flat name of `paywit._exports` (which imports every interface module); each one is kept in
    the package once read."""
    value: Any
    if name in _LAZY_MODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    elif name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
    elif name == "__all__":
        value = [*importlib.import_module(f"{__name__}._exports").__all__, *_OWN_NAMES]
    elif name.startswith("__"):  # dunder lookups (copy, pickle, doctest) must not import everything
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    else:
        exports = importlib.import_module(f"{__name__}._exports")
        if name not in exports.__all__:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(exports, name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__getattr__("__all__")))
