"""The component's input limits, checked before a large input is copied into it.

A refused 200 MiB body must not grow the thread's instance memory for good,
so an input larger than the limits is refused here, with exactly the error the
component gives (the same checks in the same order: secret count, body bytes,
header count, header bytes, URL bytes; see `check_request_limits` in
src/webhooks/mod.rs). The numbers come from abi.json, which `cargo xtask build`
writes from paywit::limits; a test compares this refusal with the component's
own on inputs just over each limit.

The generated functions whose error type has a `limit-exceeded` case (`webhooks.verify`,
`verify_fields`, `verify_packed`, `prepare_packed`, `sign`) call `guard_<function>` here with their
checked arguments before copying them, and lower what it returns: it raises the component's
`limit-exceeded` answer for an input over a limit it can decide exactly without the component, and
replaces each secret over the secret length limit with a short stand-in that the component refuses
alike (`unusable-secret` / `too-long` at the same index: it checks a secret's length before its
contents). What a guard cannot decide exactly (a malformed field block, a `verify-packed` buffer)
goes to the component, and an input too large for its memory raises `ComponentMemoryError`
(`_runtime.MAX_CALL_INPUT`).
"""
from __future__ import annotations

from typing import Any, Dict, NoReturn, Optional, Sequence, Tuple

from ._runtime import shipped_manifest

LIMITS: Dict[str, int] = shipped_manifest()["limits"]
# Below this many input bytes in all, the component checks the limits itself.
CHECK_ABOVE = 1 << 20
_MAX_SECRET = LIMITS["secret-bytes"]
# What an over-long secret is sent as (see the module docstring).
TOO_LONG_SECRET = "x" * (_MAX_SECRET + 1)


def _header_pairs(headers: Any) -> Any:
    from ._fast_verify import header_pairs  # imported here: _fast_verify imports webhooks, which imports this

    return header_pairs(headers)


def _text_bytes(text: str) -> int:
    """`text`'s UTF-8 length (encoded only when it is not ASCII)."""
    return len(text) if text.isascii() else len(text.encode())


def _data_bytes(value: Any) -> int:
    """The byte length of a body's value (str as UTF-8, or bytes-like)."""
    if isinstance(value, str):
        return _text_bytes(value)
    return value.nbytes if isinstance(value, memoryview) else len(value)


def bounded_secret(secret: Any) -> Any:
    """`secret`, or the stand-in when it is a str over the secret length limit."""
    return TOO_LONG_SECRET if isinstance(secret, str) and len(secret) > _MAX_SECRET else secret


def bounded_secrets(secrets: Any) -> Any:
    """`secrets` (a checked list of str) with each over-long secret replaced by the stand-in (the
    same object when none is)."""
    if secrets and max(map(len, secrets)) > _MAX_SECRET:  # each a str: checked before
        return [bounded_secret(s) for s in secrets]
    return secrets


def _over(what: str, actual: int) -> Optional[Dict[str, Any]]:
    return {"what": what, "max": LIMITS[what], "actual": actual} if actual > LIMITS[what] else None


def raise_limit_exceeded(error_class: str, refused: Dict[str, Any]) -> NoReturn:
    """Raises `webhooks.<error_class>` (a `limit-exceeded` case) with the refusal as its details."""
    from . import webhooks  # loaded by now: only webhooks' functions and the verifier refuse

    raise getattr(webhooks, error_class)(webhooks.LimitExceeded(
        what=webhooks.Limit(refused["what"]), max=refused["max"], actual=refused["actual"]))


def message_refusal(body_bytes: int, url: Optional[str], id: Optional[str]) -> Optional[Dict[str, Any]]:
    """The component's `limit-exceeded` payload for signing a message (body, url, id), or None."""
    return (_over("body-bytes", body_bytes) or (_over("url-bytes", _text_bytes(url)) if url is not None else None)
            or (_over("id-bytes", _text_bytes(id)) if id is not None else None))


def _request_refusal(secret_count: int, body_bytes: int, headers: Any, url: Optional[str]) -> Optional[Dict[str, Any]]:
    """`refusal` for a header list of `Header`s, measured exactly."""
    found = _over("secret-count", secret_count) or _over("body-bytes", body_bytes) or _over("header-count", len(headers))
    if found:
        return found
    for header in headers:
        found = _over("header-bytes", _text_bytes(header.name) + _text_bytes(header.value.strip(" \t")))
        if found:
            return found
    return _over("url-bytes", _text_bytes(url)) if url is not None else None


def guard_verify(scheme: Any, secrets: Any, request: Any, options: Any) -> Tuple[Any, Any, Any, Any]:
    """`webhooks.verify`'s arguments, checked against the limits (see the module docstring)."""
    body_bytes = _data_bytes(request.body.value)
    size = body_bytes + len(request.url or "") + sum(len(s) for s in secrets)
    for header in request.headers:
        size += len(header.name) + len(header.value)
    if size + len(secrets) < CHECK_ABOVE:
        return scheme, secrets, request, options
    refused = _request_refusal(len(secrets), body_bytes, request.headers, request.url)
    if refused is not None:
        raise_limit_exceeded("VerifyLimitExceededError", refused)
    return scheme, bounded_secrets(secrets), request, options


def guard_verify_fields(scheme: Any, secrets: Any, fields: str, body: Any, url: Optional[str],
                        options: Any) -> Tuple[Any, Any, str, Any, Optional[str], Any]:
    """`webhooks.verify_fields`'s arguments: the checks before the field block is parsed (secret
    count, body bytes, header count) exactly; the others when every line parses."""
    body_bytes = _data_bytes(body.value)
    if body_bytes + len(fields) + len(url or "") + sum(len(s) for s in secrets) + len(secrets) < CHECK_ABOVE:
        return scheme, secrets, fields, body, url, options
    refused = _over("secret-count", len(secrets)) or _over("body-bytes", body_bytes)
    if refused is None:
        lines = [line[:-1] if line.endswith("\r") else line for line in fields.split("\n")]
        lines = [line for line in lines if line]
        refused = _over("header-count", len(lines))
        if refused is None and all(_field_line_parses(line) for line in lines):
            from .types import Header

            headers = [Header(name=name, value=value) for name, _, value in (line.partition(":") for line in lines)]
            refused = _request_refusal(len(secrets), body_bytes, headers, url)
    if refused is not None:
        raise_limit_exceeded("VerifyLimitExceededError", refused)
    return scheme, bounded_secrets(secrets), fields, body, url, options


_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _field_line_parses(line: str) -> bool:
    """Whether the component's `parse_field_block` accepts this (non-empty) line."""
    name, colon, _ = line.partition(":")
    return (colon == ":" and not line.startswith((" ", "\t")) and "\r" not in line and name != ""
            and name.isascii() and all(c in _TOKEN for c in name.encode()))


def guard_verify_packed(packed: Any) -> Tuple[Any]:
    """`webhooks.verify_packed`'s argument: a buffer is the component's to read (see the module
    docstring); `verify_webhook` and `Verifier` check the limits before they pack one."""
    return (packed,)


def guard_prepare_packed(scheme: Any, secrets: Any) -> Tuple[Any, Any]:
    """`webhooks.prepare_packed`'s arguments, each over-long secret replaced by the stand-in."""
    return scheme, bounded_secrets(secrets)


def guard_sign(scheme: Any, secret: str, message: Any) -> Tuple[Any, str, Any]:
    """`webhooks.sign`'s arguments: the message limits (body, url, id bytes), then the secret's."""
    value = message.body.value
    if _data_bytes(value) + len(message.url or "") + len(message.id or "") >= CHECK_ABOVE:
        refused = message_refusal(_data_bytes(value), message.url, message.id)
        if refused is not None:
            raise_limit_exceeded("SignLimitExceededError", refused)
    return scheme, bounded_secret(secret), message


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
