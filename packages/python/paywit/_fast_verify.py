"""The hot path: `webhooks.verify` lowered by hand into the canonical ABI.

`_abi.Export` handles every function generically; `verify` runs on every
webhook a backend receives, so it gets this direct version that writes the
88-byte parameter tuple in one copy. The layout is checked against the
generic layout computed from the component's own types when the thread's
instance is created, so a WIT change cannot silently break it, and the test
suite runs every conformance vector through it.
"""
from __future__ import annotations

import struct
from typing import Any, List, Optional, Sequence, Tuple

from . import _abi

SCHEMES = ("hmac", "standard-webhooks", "stripe", "github", "shopify", "coinbase-commerce", "btcpay", "razorpay",
           "slack", "paddle", "square", "nowpayments")
SCHEME_INDEX = {name: i for i, name in enumerate(SCHEMES)}
HASHES = {"sha256": 0, "sha512": 1, "sha1": 2}
ENCODINGS = {"hex": 0, "base64": 1}
PARAMS_SIZE, PARAMS_ALIGN, PARAM_OFFSETS = 88, 8, [0, 28, 36, 72]
_PAIR = struct.Struct("<II")
_OPTIONS = struct.Struct("<qBxxxI")


def check_layout(params: List[_abi.Type]) -> None:
    """Fails loudly if the WIT's layout of verify's parameters is not the one coded here."""
    size, align, offsets = _abi._tuple_layout(params)
    if (size, align, offsets) != (PARAMS_SIZE, PARAMS_ALIGN, PARAM_OFFSETS):
        raise RuntimeError(f"verify's parameter layout changed to {(size, align, offsets)}; update paywit/_fast_verify.py")


def lower(mem: _abi.Memory, scheme: Tuple[str, Any], secrets: Sequence[str], headers: Sequence[Tuple[str, str]],
          body: Tuple[str, bytes], url: Optional[str], now: int, tolerance: Optional[int]) -> int:
    """Writes verify's parameters into guest memory; returns the tuple's address."""
    put = mem.put
    pair = _PAIR.pack
    secret_blob = b"".join(pair(put(s), len(s)) for s in (x.encode() for x in secrets))
    header_blob = b"".join(pair(put(n), len(n)) + pair(put(v), len(v)) for n, v in ((a.encode(), b.encode()) for a, b in headers))
    secret_list = mem.alloc(4, len(secret_blob))
    mem.write(secret_list, secret_blob)
    header_list = mem.alloc(4, len(header_blob))
    mem.write(header_list, header_blob)
    tuple_ = bytearray(PARAMS_SIZE)
    name, hmac = scheme
    tuple_[0] = SCHEME_INDEX[name]
    if hmac is not None:
        header = hmac["header"].encode()
        _PAIR.pack_into(tuple_, 4, put(header), len(header))
        tuple_[12] = HASHES[hmac["algorithm"]]
        tuple_[13] = ENCODINGS[hmac["encoding"]]
        if hmac["prefix"] is not None:
            prefix = hmac["prefix"].encode()
            tuple_[16] = 1
            _PAIR.pack_into(tuple_, 20, put(prefix), len(prefix))
    _PAIR.pack_into(tuple_, 28, secret_list, len(secrets))
    _PAIR.pack_into(tuple_, 36, header_list, len(headers))
    kind, data = body
    tuple_[44] = 0 if kind == "text" else 1
    _PAIR.pack_into(tuple_, 48, put(data), len(data))
    if url is not None:
        encoded = url.encode()
        tuple_[56] = 1
        _PAIR.pack_into(tuple_, 60, put(encoded), len(encoded))
    _OPTIONS.pack_into(tuple_, 72, now, 0 if tolerance is None else 1, tolerance or 0)
    params = mem.alloc(PARAMS_ALIGN, PARAMS_SIZE)
    mem.write(params, bytes(tuple_))
    return params
