"""The hot path: `webhooks.verify-packed`, called by hand through the canonical ABI.

`_abi.Export` handles every function generically; verifying runs on every
webhook a backend receives, so it gets this direct version. Every call into
the component through wasmtime's C API costs about a microsecond, and each
string crossing the boundary needs its own allocation call, so this path
packs the whole request (scheme, secrets, the headers as one field block,
body, url, now, tolerance) into one buffer: one allocation, one call, one
post-return. A `Verifier` packs its scheme and secrets once. The Node package
calls the same export.

Nothing here is a literal layout: `Layout` reads the case indices and the
result's offsets from the component's own types (wasmtime's type reflection,
via `_abi`) when the process loads the component, so a WIT change moves them
or fails loudly at load. The test suite checks them against abi.json
(wit-parser's layouts) and compares this path with the generic binding of
`verify` on every vector and on random inputs.
"""
from __future__ import annotations

import struct
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import _abi
from .errors import InvalidArgumentError

_PAIR = struct.Struct("<II")
_U32 = struct.Struct("<I")
_S64 = struct.Struct("<q")


def _field(t: _abi.Type, name: str) -> Tuple[int, _abi.Type]:
    """(offset, type) of a record field."""
    for (field, ft), offset in zip(t.fields, t.offsets):
        if field == name:
            return offset, ft
    raise RuntimeError(f"paywit's verify-fields lost its field {name!r}; the fast path needs updating")


def _case(t: _abi.Type, name: str) -> Tuple[int, Optional[_abi.Type]]:
    """(discriminant, payload type) of a variant case."""
    for index, (case, ct) in enumerate(t.cases):
        if case == name:
            return index, ct
    raise RuntimeError(f"paywit's verify-fields lost the case {name!r}; the fast path needs updating")


def _expect(t: Optional[_abi.Type], kind: str, what: str) -> _abi.Type:
    if t is None or t.kind != kind:
        raise RuntimeError(f"verify-fields' {what} is no longer a {kind}; the fast path needs updating")
    return t


class Layout:
    """What the packed fast path needs, from the component's types: the case
    indices of `scheme` and of the hmac enums (from verify-fields' parameters),
    and where verify-packed's result keeps its fields."""

    def __init__(self, fields: _abi.Signature, packed: _abi.Signature) -> None:
        params = dict(zip(fields.names, fields.params))
        scheme = _expect(params.get("scheme"), "variant", "scheme")
        self.scheme_index: Dict[str, int] = {name: i for i, (name, _) in enumerate(scheme.cases)}
        hmac = _expect(_case(scheme, "hmac")[1], "record", "hmac case")
        self.algorithms = {n: i for i, n in enumerate(_field(hmac, "algorithm")[1].names)}
        self.encodings = {n: i for i, n in enumerate(_field(hmac, "encoding")[1].names)}
        body = _expect(params.get("body"), "variant", "body")
        self.body_cases = {"text": _case(body, "text")[0], "bytes": _case(body, "bytes")[0]}
        if packed.params[0].kind != "list" or packed.params[0].element is None or packed.params[0].element.kind != "u8":
            raise RuntimeError("verify-packed no longer takes a list<u8>; the fast path needs updating")

        result = _expect(packed.result, "result", "result")
        self.result_size = result.size
        self.result_payload = result.payload_offset
        verified = _expect(result.cases[0][1], "record", "ok value")
        offset, _ = _field(verified, "secret-index")
        self.secret_index_at = result.payload_offset + offset
        offset, message_id = _field(verified, "message-id")
        self.message_id_at = result.payload_offset + offset
        self.message_id_payload = self.message_id_at + message_id.payload_offset
        offset, signed_at = _field(verified, "signed-at")
        self.signed_at_at = result.payload_offset + offset
        self.signed_at_payload = self.signed_at_at + signed_at.payload_offset
        self.error = _expect(result.cases[1][1], "variant", "error")
        self.error_codes = [name for name, _ in self.error.cases]


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


# The packed layout's version (see `verify-packed` in wit/webhooks.wit).
VERSION = 1
_LEN = struct.Struct("<I")
_TAIL = struct.Struct("<qB")


def _str(data: bytes) -> bytes:
    return _LEN.pack(len(data)) + data


def prefix(layout: Layout, scheme: Tuple[str, Any], secrets: Sequence[str]) -> bytes:
    """The packed request's scheme and secrets: what a `Verifier` computes once.
    Raises (before anything reaches the component) on an unknown scheme or hmac
    option and on secrets that are not str."""
    name, hmac = scheme
    if name not in layout.scheme_index:
        raise InvalidArgumentError("scheme", f"must be one of {list(layout.scheme_index)}")
    parts = [bytes((VERSION, layout.scheme_index[name]))]
    if hmac is not None:
        for what, table in (("algorithm", layout.algorithms), ("encoding", layout.encodings)):
            if hmac[what] not in table:
                raise InvalidArgumentError(f"HmacScheme.{what}", f"must be one of {list(table)}")
        parts.append(bytes((layout.algorithms[hmac["algorithm"]], layout.encodings[hmac["encoding"]])))
        parts.append(_str(hmac["header"].encode()))
        parts.append(b"\0" if hmac["prefix"] is None else b"\1" + _str(hmac["prefix"].encode()))
    parts.append(_LEN.pack(len(secrets)))
    parts.extend(_str(s.encode()) for s in secrets)
    return b"".join(parts)


def pack(layout: Layout, head: bytes, fields: str, body: Tuple[str, bytes], url: Optional[str], now: int,
         tolerance: Optional[int]) -> bytes:
    """The whole packed request: `head` (from `prefix`), then the delivery."""
    kind, data = body
    url_part = b"\0" if url is None else b"\1" + _str(url.encode())
    tolerance_part = b"\0" if tolerance is None else b"\1" + _LEN.pack(tolerance)
    return b"".join((head, _str(fields.encode()), bytes((layout.body_cases[kind],)), _LEN.pack(len(data)), data,
                     url_part, _S64.pack(now), tolerance_part))


def lifter(layout: Layout) -> Any:
    """`lift(memory, ret)` for verify-packed's result: the ok value read by its
    offsets, an error through the generic loader on the error variant's type."""
    L = layout

    def lift(mem: _abi.Memory, ret: int) -> Tuple[str, Any]:
        raw = mem.read(ret, L.result_size)
        if raw[0] == 0:
            message_id = None
            if raw[L.message_id_at]:
                ptr, n = _PAIR.unpack_from(raw, L.message_id_payload)
                message_id = mem.read(ptr, n).decode()
            signed_at = _S64.unpack_from(raw, L.signed_at_payload)[0] if raw[L.signed_at_at] else None
            index = _U32.unpack_from(raw, L.secret_index_at)[0]
            return ("ok", {"secret-index": index, "message-id": message_id, "signed-at": signed_at})
        return ("err", _abi.load(mem, L.error, ret + L.result_payload))

    return lift
