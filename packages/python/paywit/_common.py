"""Shapes shared by the interface modules: bodies, headers, times, result unwrapping."""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable, List, Mapping, Optional, Tuple, Union

from .errors import InvalidArgumentError, PaywitError

Body = Union[str, bytes, bytearray, memoryview]
HeadersLike = Union[Mapping[str, Any], Iterable[Tuple[str, str]]]


def _py(value: Any) -> Any:
    """ABI values to plain Python: kebab keys become snake_case, variants stay (tag, payload)."""
    if isinstance(value, dict):
        return {k.replace("-", "_"): _py(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return (value[0], _py(value[1]))
    if isinstance(value, list):
        return [_py(v) for v in value]
    return value


def _unwrap(result: Tuple[str, Any], error: Union[type, Callable[[str], type]]) -> Any:
    """The ok value of an ABI result, or raises `error` (a class, or a function of the case name)."""
    tag, payload = result
    if tag == "ok":
        return payload
    if isinstance(payload, tuple):
        code, details = payload
    else:
        code, details = payload, None
    cls = error(code) if callable(error) and not isinstance(error, type) else error
    assert isinstance(cls, type) and issubclass(cls, PaywitError)
    raise cls(code, _py(details))


def _body(body: Body) -> Tuple[str, Any]:
    if isinstance(body, str):
        return ("text", body)
    if isinstance(body, (bytes, bytearray, memoryview)):
        return ("bytes", bytes(body))
    raise TypeError("body must be str or bytes: the raw body exactly as received")


def _header_pairs(headers: HeadersLike) -> List[Tuple[str, str]]:
    """(name, value) pairs from a mapping, a multi-dict or pairs; list values
    become repeated headers and bytes (ASGI raw headers) are read as Latin-1."""
    items = headers.items() if hasattr(headers, "items") else headers
    out: List[Tuple[str, str]] = []
    for name, value in items:  # type: ignore[misc]
        name = name.decode("latin-1") if isinstance(name, (bytes, bytearray)) else str(name)
        for v in value if isinstance(value, (list, tuple)) else (value,):
            out.append((name, v.decode("latin-1") if isinstance(v, (bytes, bytearray)) else str(v)))
    return out


INTEGER_RANGES = {"u8": (0, 2**8 - 1), "u16": (0, 2**16 - 1), "u32": (0, 2**32 - 1), "u64": (0, 2**64 - 1),
           "s8": (-2**7, 2**7 - 1), "s16": (-2**15, 2**15 - 1), "s32": (-2**31, 2**31 - 1), "s64": (-2**63, 2**63 - 1)}


def _int(name: str, value: Any, kind: str) -> int:
    """`value` if it is an integer (not a bool or float) in the WIT type's range;
    raises InvalidArgumentError naming the argument otherwise."""
    low, high = INTEGER_RANGES[kind]
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    raise InvalidArgumentError(name, f"must be an integer in {kind} range {low}..{high}", value)


def _opt_int(name: str, value: Any, kind: str) -> Optional[int]:
    return None if value is None else _int(name, value, kind)


def _now(name: str, value: Any) -> int:
    """Unix seconds: `value`, or the current time when None."""
    return int(time.time()) if value is None else _int(name, value, "s64")
