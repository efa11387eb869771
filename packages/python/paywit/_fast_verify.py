"""The hot path: `webhooks.verify-fields` lowered by hand into the canonical ABI.

`_abi.Export` handles every function generically; verifying runs on every
webhook a backend receives, so it gets this direct version. It calls
`verify-fields` (the headers as one field block) rather than `verify`,
because each string crossing the boundary costs one call into the component
for its allocation, and each such call costs microseconds through wasmtime's
C API: one block instead of two strings per header cuts a Standard Webhooks
verification from about 13 calls into the component to 7.

The 88-byte parameter tuple is written in one copy. Its layout is checked
against the generic layout computed from the component's own types when the
thread's instance is created, so a WIT change cannot silently break it, and
the test suite compares this path with the generic binding of `verify` on
every conformance vector.
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
# (scheme, secrets, fields, body, url, options)
PARAMS_SIZE, PARAMS_ALIGN, PARAM_OFFSETS = 88, 8, [0, 28, 36, 44, 56, 72]
_PAIR = struct.Struct("<II")
_TAIL = struct.Struct("<II II B3xII B3xII 4x q B3xI")  # fields, body tag + slice, url option, now, tolerance option


def check_layout(params: List[_abi.Type]) -> None:
    """Fails loudly if the WIT's layout of verify-fields' parameters is not the one coded here."""
    size, align, offsets = _abi._tuple_layout(params)
    if (size, align, offsets) != (PARAMS_SIZE, PARAMS_ALIGN, PARAM_OFFSETS):
        raise RuntimeError(f"verify-fields' parameter layout changed to {(size, align, offsets)}; "
                           "update paywit/_fast_verify.py")


def field_block(headers: Any) -> Optional[str]:
    """The headers (a mapping or (name, value) pairs of str) as a CRLF field
    block, or None when a block might not carry them exactly: a name or value
    that is not a str (lists, bytes: the caller normalises those), a CR or LF
    anywhere, or a `:` in a name (the block would split the line elsewhere).

    Other names a block cannot carry (empty, spaces, a leading space) make the
    component answer `malformed-header` with an empty name, which only field
    block parsing produces; the caller then repeats the call with the header
    list, so every input gets exactly `verify`'s answer.
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


def is_field_block_error(result: Tuple[str, Any]) -> bool:
    """Whether verify-fields refused the block itself (see `field_block`)."""
    tag, payload = result
    return tag == "err" and payload[0] == "malformed-header" and payload[1]["name"] == ""


_BUILTIN_HEADS = {name: bytes([i]) + bytes(27) for i, name in enumerate(SCHEMES)}


def lower(mem: _abi.Memory, scheme: Tuple[str, Any], secrets: Sequence[str], fields: str, body: Tuple[str, bytes],
          url: Optional[str], now: int, tolerance: Optional[int]) -> int:
    """Writes verify-fields' parameters into guest memory; returns the tuple's address."""
    put = mem.put
    encoded = [x.encode() for x in secrets]
    secret_list = mem.alloc(4, 8 * len(encoded))
    mem.write(secret_list, b"".join([_PAIR.pack(put(s), len(s)) for s in encoded]))
    name, hmac = scheme
    if hmac is None:
        head: Any = _BUILTIN_HEADS[name]
    else:
        head = bytearray(28)
        head[0] = SCHEME_INDEX[name]
        header = hmac["header"].encode()
        _PAIR.pack_into(head, 4, put(header), len(header))
        head[12] = HASHES[hmac["algorithm"]]
        head[13] = ENCODINGS[hmac["encoding"]]
        if hmac["prefix"] is not None:
            prefix = hmac["prefix"].encode()
            head[16] = 1
            _PAIR.pack_into(head, 20, put(prefix), len(prefix))
    encoded_fields = fields.encode()
    kind, data = body
    if url is None:
        url_tag, url_ptr, url_len = 0, 0, 0
    else:
        encoded_url = url.encode()
        url_tag, url_ptr, url_len = 1, put(encoded_url), len(encoded_url)
    tail = _TAIL.pack(secret_list, len(encoded), put(encoded_fields), len(encoded_fields),
                      0 if kind == "text" else 1, put(data), len(data), url_tag, url_ptr, url_len,
                      now, 0 if tolerance is None else 1, tolerance or 0)
    params = mem.alloc(PARAMS_ALIGN, PARAMS_SIZE)
    mem.write(params, head + tail)
    return params


VERIFY_ERRORS = ("no-secrets", "unusable-secret", "missing-header", "malformed-header", "missing-url", "malformed-body",
                 "timestamp-outside-tolerance", "no-matching-signature", "limit-exceeded")
SECRET_PROBLEMS = ("empty", "bad-encoding", "too-short", "too-long", "wrong-key-length", "wrong-key-kind")
DIRECTIONS = ("past", "future")
LIMITS = ("body-bytes", "header-count", "header-bytes", "secret-count", "url-bytes", "id-bytes")
_RESULT = struct.Struct("<B7xIBxxxIIBxxxxxxxq")  # tag, secret-index, message-id (disc, ptr, len), signed-at (disc, value)


def lift(mem: _abi.Memory, ret: int) -> Tuple[str, Any]:
    """Reads result<verified, verify-error> (40 bytes at `ret`) in the ABI value shapes."""
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
