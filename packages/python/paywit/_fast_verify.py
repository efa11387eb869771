"""The hot path: `webhooks.verify-fields` lowered by hand into the canonical ABI.

`_abi.Export` handles every function generically; verifying runs on every
webhook a backend receives, so it gets this direct version. It calls
`verify-fields` (the headers as one field block) rather than `verify`,
because each string crossing the boundary costs one call into the component
for its allocation: one block instead of two strings per header. The Node
package calls the same export.

Nothing here is a literal layout: `Layout` reads every offset, discriminant
and case table from the component's own types (wasmtime's type reflection,
via `_abi`) when the process loads the component, so a WIT change moves the
offsets with it or fails loudly at load. The test suite checks the result
against abi.json (wit-parser's layouts) and compares this path with the
generic binding of `verify` on every vector and on random inputs.
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
    """Where verify-fields' parameters and result live, from the component's types."""

    def __init__(self, signature: _abi.Signature) -> None:
        params = dict(zip(signature.names, signature.params))
        self.size, self.align, offsets = _abi._tuple_layout(signature.params)
        at = dict(zip(signature.names, offsets))
        scheme = _expect(params.get("scheme"), "variant", "scheme")
        self.scheme_at = at["scheme"]
        self.scheme_index: Dict[str, int] = {name: i for i, (name, _) in enumerate(scheme.cases)}
        hmac = _expect(_case(scheme, "hmac")[1], "record", "hmac case")
        hmac_at = self.scheme_at + scheme.payload_offset
        self.hmac_header_at = hmac_at + _field(hmac, "header")[0]
        offset, algorithm = _field(hmac, "algorithm")
        self.hmac_algorithm_at, self.algorithms = hmac_at + offset, {n: i for i, n in enumerate(algorithm.names)}
        offset, encoding = _field(hmac, "encoding")
        self.hmac_encoding_at, self.encodings = hmac_at + offset, {n: i for i, n in enumerate(encoding.names)}
        offset, prefix = _field(hmac, "prefix")
        self.hmac_prefix_at, self.hmac_prefix_payload = hmac_at + offset, hmac_at + offset + prefix.payload_offset
        _expect(params.get("secrets"), "list", "secrets")
        self.secrets_at = at["secrets"]
        _expect(params.get("fields"), "string", "fields")
        self.fields_at = at["fields"]
        body = _expect(params.get("body"), "variant", "body")
        self.body_at, self.body_payload = at["body"], at["body"] + body.payload_offset
        self.body_cases = {"text": _case(body, "text")[0], "bytes": _case(body, "bytes")[0]}
        url = _expect(params.get("url"), "option", "url")
        self.url_at, self.url_payload = at["url"], at["url"] + url.payload_offset
        options = _expect(params.get("options"), "record", "options")
        offset, now = _field(options, "now")
        if now.kind != "s64":
            raise RuntimeError("verify-fields' options.now is no longer an s64")
        self.now_at = at["options"] + offset
        offset, tolerance = _field(options, "tolerance-seconds")
        self.tolerance_at = at["options"] + offset
        self.tolerance_payload = self.tolerance_at + tolerance.payload_offset
        if max(len(scheme.cases), len(body.cases), len(algorithm.names), len(encoding.names)) > 256:
            raise RuntimeError("a discriminant of verify-fields is no longer one byte")

        result = _expect(signature.result, "result", "result")
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


def lower(layout: Layout, mem: _abi.Memory, scheme: Tuple[str, Any], secrets: Sequence[str], fields: str,
          body: Tuple[str, bytes], url: Optional[str], now: int, tolerance: Optional[int]) -> int:
    """Writes verify-fields' parameters into guest memory; returns the tuple's address.

    Everything that can raise (encoding, table look-ups, struct ranges) runs
    before the first allocation, so a refused argument leaves nothing behind.
    """
    L = layout
    name, hmac = scheme
    tuple_ = bytearray(L.size)
    tuple_[L.scheme_at] = L.scheme_index[name]
    encoded = [s.encode() for s in secrets]
    encoded_fields = fields.encode()
    kind, data = body
    tuple_[L.body_at] = L.body_cases[kind]
    encoded_url = None if url is None else url.encode()
    _S64.pack_into(tuple_, L.now_at, now)
    if tolerance is not None:
        tuple_[L.tolerance_at] = 1
        _U32.pack_into(tuple_, L.tolerance_payload, tolerance)
    if hmac is not None:
        header = hmac["header"].encode()
        prefix = None if hmac["prefix"] is None else hmac["prefix"].encode()
        for what, table, at in (("algorithm", L.algorithms, L.hmac_algorithm_at), ("encoding", L.encodings, L.hmac_encoding_at)):
            if hmac[what] not in table:
                raise InvalidArgumentError(f"HmacScheme.{what}", f"must be one of {list(table)}")
            tuple_[at] = table[hmac[what]]
    # Allocation starts here.
    put = mem.put
    secret_list = mem.alloc(4, 8 * len(encoded))
    mem.write(secret_list, b"".join([_PAIR.pack(put(s), len(s)) for s in encoded]))
    _PAIR.pack_into(tuple_, L.secrets_at, secret_list, len(encoded))
    if hmac is not None:
        _PAIR.pack_into(tuple_, L.hmac_header_at, put(header), len(header))
        if prefix is not None:
            tuple_[L.hmac_prefix_at] = 1
            _PAIR.pack_into(tuple_, L.hmac_prefix_payload, put(prefix), len(prefix))
    _PAIR.pack_into(tuple_, L.fields_at, put(encoded_fields), len(encoded_fields))
    _PAIR.pack_into(tuple_, L.body_payload, put(data), len(data))
    if encoded_url is not None:
        tuple_[L.url_at] = 1
        _PAIR.pack_into(tuple_, L.url_payload, put(encoded_url), len(encoded_url))
    params = mem.alloc(L.align, L.size)
    mem.write(params, bytes(tuple_))
    return params


def lifter(layout: Layout) -> Any:
    """`lift(memory, ret)` for verify-fields' result: the ok value read by its
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
