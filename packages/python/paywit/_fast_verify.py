"""The hot path's encoding: `webhooks.verify-packed`'s one-buffer request (layout 1).

Verifying runs on every webhook a backend receives. Every call into the component costs about a
microsecond and each string crossing the boundary needs its own allocation, so this path packs the
whole request (scheme, secrets, the headers as one field block, body, url, now, tolerance) into one
buffer: one allocation, one call, one post-return (the generated `webhooks.verify_packed`). A
`Verifier` sends the head `prepare-packed` made once instead of the scheme and secrets. The format
is `verify-packed`'s (wit/webhooks.wit); the case indices come from the generated modules (WIT
order), and conformance/golden/verify-packed.json pins the bytes (tests/test_golden.py).
"""
from __future__ import annotations

import struct
from typing import Any, List, Optional, Sequence, Tuple

from . import types, webhooks

_LEN = struct.Struct("<I")
_S64 = struct.Struct("<q")
# The packed layout's version (see `verify-packed` in wit/webhooks.wit).
VERSION = 1
BODY_TEXT = types._BODY_INDEX[types.BodyText]
BODY_BYTES = types._BODY_INDEX[types.BodyBytes]


def field_block(headers: Any) -> Optional[str]:
    """The headers (a mapping or (name, value) pairs of str) as a CRLF field block, or None when a
    block might not carry them exactly: a name or value that is not a str (lists, bytes: the caller
    normalises those), a CR or LF anywhere, or a `:` in a name (the block would split the line
    elsewhere).

    Other names a block cannot carry (empty, spaces, a leading space) make the component answer
    `malformed-header` with an empty name, which only field block parsing produces; the caller then
    repeats the call with the header list, so every input gets exactly `verify`'s answer.
    """
    if isinstance(headers, dict):
        names: Any = headers
        items: Any = headers.items()
    else:
        items = list(headers.items()) if hasattr(headers, "items") else list(headers)
        names = [name for name, _ in items]
    try:
        lines = [name + ": " + value + "\r\n" for name, value in items]
        joined_names = "".join(names)
    except (TypeError, ValueError):
        return None
    block = "".join(lines)
    count = len(lines)
    if block.count("\n") != count or block.count("\r") != count or ":" in joined_names:
        return None
    return block


def is_field_block_error(error: BaseException) -> bool:
    """Whether verify-packed refused the field block itself (see `field_block`)."""
    return isinstance(error, webhooks.VerifyMalformedHeaderError) and error.details.name == ""


def _str(data: bytes) -> bytes:
    return _LEN.pack(len(data)) + data


def prefix(scheme: webhooks.Scheme, secrets: Sequence[str]) -> bytes:
    """Layout 1's head: the version, the scheme and the secrets (checked by the caller)."""
    parts = [bytes((VERSION, webhooks._SCHEME_INDEX[type(scheme)]))]
    if isinstance(scheme, webhooks.SchemeHmac):
        hmac = scheme.value
        parts.append(bytes((webhooks._HASH_ALGORITHM_INDEX[hmac.algorithm],
                            webhooks._SIGNATURE_ENCODING_INDEX[hmac.encoding])))
        parts.append(_str(hmac.header.encode()))
        parts.append(b"\0" if hmac.prefix is None else b"\1" + _str(hmac.prefix.encode()))
    parts.append(_LEN.pack(len(secrets)))
    parts.extend(_str(s.encode()) for s in secrets)
    return b"".join(parts)


def pack(head: bytes, fields: str, body_case: int, data: bytes, url: Optional[str], now: int,
         tolerance: Optional[int]) -> bytes:
    """`head` (layout 1's from `prefix`, or `prepare-packed`'s) followed by the delivery: the field
    block, the body, the url, `now` and the tolerance. With an empty head: the delivery part alone."""
    url_part = b"\0" if url is None else b"\1" + _str(url.encode())
    tolerance_part = b"\0" if tolerance is None else b"\1" + _LEN.pack(tolerance)
    return b"".join((head, _str(fields.encode()), bytes((body_case,)), _LEN.pack(len(data)), data, url_part,
                     _S64.pack(now), tolerance_part))


def header_pairs(headers: Any) -> List[Tuple[str, str]]:
    """(name, value) pairs from a mapping, a multi-dict or pairs; list values become repeated
    headers and bytes (ASGI raw headers) are read as Latin-1."""
    items = headers.items() if hasattr(headers, "items") else headers
    out: List[Tuple[str, str]] = []
    for name, value in items:
        name = name.decode("latin-1") if isinstance(name, (bytes, bytearray)) else str(name)
        for v in value if isinstance(value, (list, tuple)) else (value,):
            out.append((name, v.decode("latin-1") if isinstance(v, (bytes, bytearray)) else str(v)))
    return out
