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


VERIFY_ERRORS = ("no-secrets", "unusable-secret", "missing-header", "malformed-header", "missing-url", "malformed-body",
                 "timestamp-outside-tolerance", "no-matching-signature", "limit-exceeded")
SECRET_PROBLEMS = ("empty", "bad-encoding", "too-short", "too-long", "wrong-key-length", "wrong-key-kind")
DIRECTIONS = ("past", "future")
LIMITS = ("body-bytes", "header-count", "header-bytes", "secret-count", "url-bytes", "id-bytes")
_RESULT = struct.Struct("<B7xIBxxxIIBxxxxxxxq")  # tag, secret-index, message-id (disc, ptr, len), signed-at (disc, value)


def lift(mem: _abi.Memory, ret: int) -> Tuple[str, Any]:
    """Reads verify's result<verified, verify-error> (40 bytes at `ret`) in the ABI value shapes."""
    raw = mem.read(ret, 40)
    if raw[0] == 0:
        _, index, has_id, id_ptr, id_len, has_ts, ts = _RESULT.unpack(raw)
        message_id = mem.read(id_ptr, id_len).decode() if has_id else None
        return ("ok", {"secret-index": index, "message-id": message_id, "signed-at": ts if has_ts else None})
    code = VERIFY_ERRORS[raw[8]]
    at = 16
    if code == "unusable-secret":
        index, problem = struct.unpack_from("<IB", raw, at)
        return ("err", (code, {"index": index, "problem": SECRET_PROBLEMS[problem]}))
    if code in ("missing-header", "malformed-body"):
        ptr, n = _PAIR.unpack_from(raw, at)
        return ("err", (code, mem.read(ptr, n).decode()))
    if code == "malformed-header":
        name_ptr, name_len, reason_ptr, reason_len = struct.unpack_from("<IIII", raw, at)
        return ("err", (code, {"name": mem.read(name_ptr, name_len).decode(), "reason": mem.read(reason_ptr, reason_len).decode()}))
    if code == "timestamp-outside-tolerance":
        seconds, direction, tolerance = struct.unpack_from("<QB3xI", raw, at)
        return ("err", (code, {"seconds-outside": seconds, "direction": DIRECTIONS[direction], "tolerance-seconds": tolerance}))
    if code == "limit-exceeded":
        what, maximum, actual = struct.unpack_from("<B7xQQ", raw, at)
        return ("err", (code, {"what": LIMITS[what], "max": maximum, "actual": actual}))
    return ("err", (code, None))
