"""The idiomatic webhook surface (hand-written): `Verifier`, `verify_webhook`, `sign_webhook`.

`paywit.webhooks` (generated) has one function per WIT export with WIT-shaped arguments. This
module is what a web backend calls: headers as any mapping, multi-dict, (name, value) pairs or ASGI
raw headers; the body as str or bytes exactly as received; the scheme as its case name
(`"stripe"`), a `paywit.webhooks.Scheme` value or an `HmacScheme`; `now` from the clock. It takes
the fast path (`verify-packed`: one buffer, one call) whenever the headers fit a field block.

Every verification failure raises a subclass of `paywit.webhooks.VerifyError`
(`VerifyNoMatchingSignatureError`, `VerifyTimestampOutsideToleranceError`, ...); `except
paywit.webhooks.VerifyError` catches them all. An argument outside its WIT type raises
`paywit.InvalidArgumentError`.
"""
from __future__ import annotations

import time
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _fast_verify, _limits, webhooks
from ._runtime import _bad_int, _check_str
from .errors import InvalidArgumentError
from .types import Body, BodyBytes, BodyText, Header
from .webhooks import HmacScheme, Scheme, Verified

__all__ = ["Verifier", "verify_webhook", "sign_webhook", "SchemeLike", "HeadersLike", "BodyLike"]

SchemeLike = Union[str, Scheme, HmacScheme]
"""A scheme: its WIT case name (`"stripe"`, `"standard-webhooks"`), a `Scheme` value
(`SchemeStripe()`, `SchemeHmac(value=HmacScheme(...))`), or an `HmacScheme`."""
HeadersLike = Union[Mapping[str, Any], Iterable[Tuple[Any, Any]]]
BodyLike = Union[str, bytes, bytearray, memoryview]

_BY_NAME = {cls._wit_case: cls for cls in Scheme.Cases}
_U32_MAX = (1 << 32) - 1
_S64 = (-(1 << 63), (1 << 63) - 1)


def _scheme(scheme: SchemeLike) -> Scheme:
    value: Scheme
    if isinstance(scheme, HmacScheme):
        value = webhooks.SchemeHmac(value=scheme)
    elif isinstance(scheme, str):
        cls = _BY_NAME.get(scheme)
        if cls is None or cls is webhooks.SchemeHmac:
            raise InvalidArgumentError("scheme", f"must be one of {sorted(set(_BY_NAME) - {'hmac'})}, a Scheme value "
                                       "or an HmacScheme", scheme)
        value = cls()
    else:
        value = scheme
    webhooks._check_scheme(value, "scheme")
    return value


def _secret_list(secrets: Union[str, Sequence[str]]) -> List[str]:
    """One secret or a rotation list, as a list of str (checked; an error names an index only; each
    secret over the secret length limit replaced by `_limits.TOO_LONG_SECRET`)."""
    secret_list = [secrets] if isinstance(secrets, str) else list(secrets)
    for index, secret in enumerate(secret_list):
        if type(secret) is not str or not secret.isascii():
            _check_str(secret, f"secrets[{index}]")
    # A secret over the length limit is not copied into the guest: its stand-in gets the same answer.
    return _limits.bounded_secrets(secret_list)


def _tolerance(tolerance: Optional[int]) -> Optional[int]:
    if tolerance is not None and (type(tolerance) is not int or not 0 <= tolerance <= _U32_MAX):
        _bad_int(tolerance, "tolerance", "u32")
    return tolerance


class Verifier:
    """A reusable verifier for one scheme and rotation list, the shape users of svix and
    standardwebhooks know: ``Verifier("stripe", [new, old]).verify(headers, body)``.

    The scheme and secrets are checked and prepared once, here, by the component
    (`webhooks.prepare-packed`): each secret decoded and each HMAC key's padded blocks hashed. A
    secret the scheme cannot use raises `VerifyUnusableSecretError` now, not at the first delivery.
    Each `verify` then costs one allocation, one call and one post-return in the component
    (`webhooks.verify-packed`). The prepared keys are as secret as the secrets; the object never
    shows them and refuses to be pickled.
    """

    def __init__(self, scheme: SchemeLike, secrets: Union[str, Sequence[str]], *, tolerance: Optional[int] = None) -> None:
        self._scheme = _scheme(scheme)
        self._secrets = _secret_list(secrets)
        self._tolerance = _tolerance(tolerance)
        self._head: bytes = webhooks.prepare_packed(self._scheme, self._secrets)

    def __repr__(self) -> str:
        return f"Verifier({self._scheme._wit_case!r}, <{len(self._secrets)} secrets>, tolerance={self._tolerance!r})"

    def __reduce_ex__(self, protocol: Any) -> Any:
        # A pickle would carry the secrets and the prepared keys in the clear, to wherever pickles
        # go (caches, queues, logs). Build a Verifier where it is used instead.
        raise TypeError("a paywit.Verifier cannot be pickled: it holds secrets; create one in each process")

    def __reduce__(self) -> Any:
        return self.__reduce_ex__(0)

    def __getstate__(self) -> Any:
        return self.__reduce_ex__(0)

    def __copy__(self) -> "Verifier":
        return self  # immutable

    def __deepcopy__(self, memo: Any) -> "Verifier":
        return self

    def verify(self, headers: HeadersLike, body: BodyLike, *, now: Optional[int] = None, url: Optional[str] = None) -> Verified:
        """Verifies one delivery; see `verify_webhook` for the accepted headers and bodies."""
        return _verify(self._scheme, self._secrets, self._head, headers, body, now, self._tolerance, url)


def verify_webhook(scheme: SchemeLike, secrets: Union[str, Sequence[str]], headers: HeadersLike, body: BodyLike, *,
                   now: Optional[int] = None, tolerance: Optional[int] = None, url: Optional[str] = None) -> Verified:
    """Verifies a webhook delivery against one secret or a rotation list.

    `headers` may be a dict, any mapping (Flask/Django/Starlette headers), or (name, value) pairs
    (any iterable, read once; bytes are read as Latin-1, so ASGI raw headers work); `body` the raw
    body as str or bytes; `now` defaults to the current time. Raises a `paywit.webhooks.VerifyError`
    subclass on failure, `InvalidArgumentError` for an argument outside its WIT type. To verify many
    deliveries with the same secrets, a `Verifier` does the per-secret work once.
    """
    wit_scheme = _scheme(scheme)
    secret_list = _secret_list(secrets)
    _tolerance(tolerance)
    head = _fast_verify.prefix(wit_scheme, secret_list)
    return _verify(wit_scheme, secret_list, head, headers, body, now, tolerance, url)


def _verify(scheme: Scheme, secrets: List[str], head: bytes, headers: HeadersLike, body: BodyLike,
            now: Optional[int], tolerance: Optional[int], url: Optional[str]) -> Verified:
    if isinstance(body, str):
        text: Optional[str] = body
        if not body.isascii():
            _check_str(body, "body")
        data = body.encode()
        case = _fast_verify.BODY_TEXT
    elif isinstance(body, (bytes, bytearray, memoryview)):
        text = None
        data = bytes(body)
        case = _fast_verify.BODY_BYTES
    else:
        raise InvalidArgumentError("body", "must be str or bytes: the raw body exactly as received", body)
    if now is None:
        now = int(time.time())
    elif type(now) is not int or not _S64[0] <= now <= _S64[1]:
        _bad_int(now, "now", "s64")
    if url is not None and not isinstance(url, str):
        raise InvalidArgumentError("url", "must be a str or None", url)
    if not isinstance(headers, (dict, list, tuple)) and not hasattr(headers, "items"):
        headers = list(headers)  # a one-shot iterator is read once, here
    pairs: Optional[List[Tuple[str, str]]] = None  # normalised only when the headers are not plain str pairs
    block = _fast_verify.field_block(headers)
    if block is None:
        pairs = _fast_verify.header_pairs(headers)
        block = _fast_verify.field_block(pairs)
    header_size = len(block) if block is not None else None
    refused = _limits.refusal(secrets, len(data), pairs if pairs is not None else headers, url, header_size)
    if refused is not None:
        _limits.raise_limit_exceeded("VerifyLimitExceededError", refused)
    if header_size is None or header_size >= _limits.CHECK_ABOVE:
        # Large headers passed the limits as the component measures them, trimmed: trim them here
        # too (the component would), so padding cannot make the copy into the guest larger.
        pairs = [(name, value.strip(" \t")) for name, value in (pairs if pairs is not None else _fast_verify.header_pairs(headers))]
        block = _fast_verify.field_block(pairs)
    if block is not None:
        try:
            return webhooks.verify_packed(_fast_verify.pack(head, block, case, data, url, now, tolerance))
        except webhooks.VerifyMalformedHeaderError as error:
            if not _fast_verify.is_field_block_error(error):
                raise
    # A header a field block cannot carry exactly: the general path, `verify` with the header list.
    pairs = pairs if pairs is not None else _fast_verify.header_pairs(headers)
    wit_body: Body = BodyText(value=text) if text is not None else BodyBytes(value=data)
    request = webhooks.Request(headers=[Header(name=n, value=v) for n, v in pairs], body=wit_body, url=url)
    return webhooks.verify(scheme, secrets, request, webhooks.VerifyOptions(now=now, tolerance_seconds=tolerance))


def sign_webhook(scheme: SchemeLike, secret: str, body: BodyLike, *, id: Optional[str] = None,
                 signed_at: Optional[int] = None, url: Optional[str] = None) -> Dict[str, str]:
    """Signs a message (`webhooks.sign`); returns the headers to send. Raises a
    `paywit.webhooks.SignError` subclass when it cannot be signed."""
    if isinstance(body, str):
        wit_body: Body = BodyText(value=body)
    elif isinstance(body, (bytes, bytearray, memoryview)):
        wit_body = BodyBytes(value=bytes(body))
    else:
        raise InvalidArgumentError("body", "must be str or bytes", body)
    message = webhooks.Message(body=wit_body, id=id, signed_at=int(time.time()) if signed_at is None else signed_at, url=url)
    return {h.name: h.value for h in webhooks.sign(_scheme(scheme), secret, message)}

