"""The component's input limits, checked before a large input is copied into it.

A refused 200 MiB body must not grow the thread's instance memory for good,
so an input larger than the limits is refused here, with exactly the error the
component gives (the same checks in the same order: secret count, body bytes,
header count, header bytes, URL bytes; see `check_request_limits` in
src/webhooks/mod.rs). The numbers come from abi.json, which `cargo xtask build`
writes from paywit::limits; a test compares this refusal with the component's
own on inputs just over each limit.
"""
from __future__ import annotations

import json
from ._runtime import ABI_PATH
from typing import Any, Dict, Optional, Sequence

from ._fast_verify import header_pairs as _header_pairs

LIMITS: Dict[str, int] = json.loads(ABI_PATH.read_text(encoding="utf-8"))["limits"]
# Below this many input bytes in all, the component checks the limits itself.
CHECK_ABOVE = 1 << 20


def _size(headers: Any) -> int:
    items = headers.items() if hasattr(headers, "items") else headers
    total = 0
    for name, value in items:
        for v in value if isinstance(value, (list, tuple)) else (value,):
            total += len(name) + len(v) + 4 if isinstance(v, (str, bytes, bytearray)) else 0
    return total


def refusal(secrets: Sequence[str], body_bytes: int, headers: Any, url: Optional[str],
            header_size: Optional[int] = None) -> Optional[Dict[str, Any]]:
    """The component's `limit-exceeded` payload for these inputs, or None when
    they are small enough to hand over (the component then checks them).
    `header_size` is the headers' size when the caller knows it (the field block's length)."""
    def over(what: str, actual: int) -> Optional[Dict[str, Any]]:
        return {"what": what, "max": LIMITS[what], "actual": actual} if actual > LIMITS[what] else None

    if header_size is None:
        header_size = _size(headers)
    if len(secrets) + body_bytes + header_size + len(url or "") < CHECK_ABOVE:
        return None
    found = over("secret-count", len(secrets)) or over("body-bytes", body_bytes)
    if found:
        return found
    pairs = _header_pairs(headers)  # the headers as the component would see them
    found = over("header-count", len(pairs))
    if found:
        return found
    for name, value in pairs:
        found = over("header-bytes", len(name.encode()) + len(value.strip(" \t").encode()))
        if found:
            return found
    return over("url-bytes", len(url.encode())) if url is not None else None
