"""paywit:gateway/webhooks (wit/webhooks.wit): verify and sign deliveries of every scheme."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _fast_verify, _limits, _runtime
from ._common import Body, HeadersLike, _body, _header_pairs, _now, _opt_int, _py, _unwrap
from .errors import (InvalidArgumentError, LimitExceededError, MalformedBodyError, MalformedHeaderError, MissingHeaderError, MissingUrlError,
                     NoMatchingSignatureError, NoSecretsError, TimestampOutsideToleranceError, UnusableSecretError,
                     WebhookSigningError, WebhookVerificationError)

__all__ = ["Scheme", "HmacScheme", "SchemeLike", "Verified", "SchemeInfo", "SigningKeyPair", "Verifier", "verify_webhook",
           "sign_webhook",
           "schemes", "new_secret", "new_signing_key_pair", "public_key"]


class Scheme(str, enum.Enum):
    """A built-in webhook signature scheme."""
    STANDARD_WEBHOOKS = "standard-webhooks"
    STRIPE = "stripe"
    GITHUB = "github"
    SHOPIFY = "shopify"
    COINBASE_COMMERCE = "coinbase-commerce"
    BTCPAY = "btcpay"
    RAZORPAY = "razorpay"
    SLACK = "slack"
    PADDLE = "paddle"
    SQUARE = "square"
    NOWPAYMENTS = "nowpayments"


@dataclass(frozen=True)
class HmacScheme:
    """A raw-body HMAC in one header, for gateways without a built-in scheme."""
    header: str
    algorithm: str = "sha256"  # sha256 | sha512 | sha1
    encoding: str = "hex"  # hex | base64
    prefix: Optional[str] = None


SchemeLike = Union[Scheme, str, HmacScheme]


@dataclass(frozen=True)
class Verified:
    """A delivery that verified."""
    secret_index: int
    message_id: Optional[str]
    signed_at: Optional[int]


@dataclass(frozen=True)
class SchemeInfo:
    """A built-in scheme's description."""
    name: str
    scheme: SchemeLike
    headers: List[str]
    signed_content: str
    algorithm: str
    encoding: str
    default_tolerance_seconds: Optional[int]
    secret_format: str


@dataclass(frozen=True)
class SigningKeyPair:
    """A Standard Webhooks v1a key pair. `signing_key` is secret."""
    signing_key: str
    public_key: str

    def __repr__(self) -> str:
        return f"SigningKeyPair(signing_key='<redacted>', public_key={self.public_key!r})"


def _scheme(scheme: SchemeLike) -> Tuple[str, Any]:
    if isinstance(scheme, HmacScheme):
        return ("hmac", {"header": scheme.header, "algorithm": scheme.algorithm, "encoding": scheme.encoding, "prefix": scheme.prefix})
    name = scheme.value if isinstance(scheme, Scheme) else scheme
    if name not in _SCHEME_NAMES:
        raise ValueError(f"unknown scheme {name!r}; use one of {sorted(_SCHEME_NAMES)} or HmacScheme(...)")
    return (name, None)


_SCHEME_NAMES = {s.value for s in Scheme}


_VERIFY_ERRORS = {
    "no-secrets": NoSecretsError, "unusable-secret": UnusableSecretError, "missing-header": MissingHeaderError,
    "malformed-header": MalformedHeaderError, "missing-url": MissingUrlError, "malformed-body": MalformedBodyError,
    "timestamp-outside-tolerance": TimestampOutsideToleranceError, "no-matching-signature": NoMatchingSignatureError,
    "limit-exceeded": LimitExceededError,
}


def _secret_list(secrets: Union[str, Sequence[str]]) -> List[str]:
    """One secret or a rotation list, as a list of str."""
    secret_list = [secrets] if isinstance(secrets, str) else list(secrets)
    if not all(isinstance(s, str) for s in secret_list):
        raise TypeError("secrets must be a str or a sequence of str")
    for index, secret in enumerate(secret_list):
        if not _is_unicode_text(secret):
            # Raised outside the except block: the encoding error (its arguments hold the whole
            # secret) must not even be the context of this one. The index only, never the value.
            raise InvalidArgumentError(f"secrets[{index}]", "must be valid Unicode text (a lone surrogate, as from "
                                       "an undecodable environment byte, cannot be a secret)", secret)
    return secret_list


def _is_unicode_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _verify_error(code: str) -> type:
    return _VERIFY_ERRORS.get(code, WebhookVerificationError)


class Verifier:
    """A reusable verifier for one scheme and rotation list, the shape users of
    svix and standardwebhooks know: ``Verifier("stripe", [new, old]).verify(headers, body)``.

    The scheme and secrets are checked and prepared once, here, by the
    component (`webhooks.prepare-packed`): each secret decoded and each HMAC
    key's padded blocks hashed. A secret the scheme cannot use raises
    `UnusableSecretError` now, not at the first delivery. Each `verify` then
    costs one allocation, one call and one post-return in the component
    (`webhooks.verify-packed`), which does all the verification. The prepared
    keys are as secret as the secrets; the object never shows them and refuses
    to be pickled.
    """

    def __init__(self, scheme: SchemeLike, secrets: Union[str, Sequence[str]], *, tolerance: Optional[int] = None) -> None:
        self._scheme = _scheme(scheme)
        self._secrets = _secret_list(secrets)
        self._tolerance = _opt_int("tolerance", tolerance, "u32")
        _fast_verify.prefix(_runtime.layout(), self._scheme, self._secrets)  # checks the scheme's options first
        self._head: bytes = _unwrap(_runtime.call("webhooks", "prepare-packed", self._scheme, self._secrets), _verify_error)

    def __repr__(self) -> str:
        return f"Verifier({self._scheme[0]!r}, <{len(self._secrets)} secrets>, tolerance={self._tolerance!r})"

    def __reduce_ex__(self, protocol: Any) -> Any:
        # A pickle would carry the secrets and the prepared keys in the clear, to wherever
        # pickles go (caches, queues, logs). Build a Verifier where it is used instead.
        raise TypeError("a paywit.Verifier cannot be pickled: it holds secrets; create one in each process")

    def __reduce__(self) -> Any:
        return self.__reduce_ex__(0)

    def __getstate__(self) -> Any:
        return self.__reduce_ex__(0)

    def __copy__(self) -> "Verifier":
        return self  # immutable

    def __deepcopy__(self, memo: Any) -> "Verifier":
        return self

    def verify(self, headers: HeadersLike, body: Body, *, now: Optional[int] = None, url: Optional[str] = None) -> Verified:
        """Verifies one delivery; see `verify_webhook` for the accepted headers and bodies."""
        return _verify(self._scheme, self._secrets, self._head, headers, body, now, self._tolerance, url)


def verify_webhook(scheme: SchemeLike, secrets: Union[str, Sequence[str]], headers: HeadersLike, body: Body, *,
                   now: Optional[int] = None, tolerance: Optional[int] = None, url: Optional[str] = None) -> Verified:
    """Verifies a webhook delivery against one secret or a rotation list.

    `headers` may be a dict, any mapping (Flask/Django/Starlette headers), or
    (name, value) pairs (any iterable, read once); `body` the raw body as str or
    bytes; `now` defaults to the current time. Raises a `WebhookVerificationError`
    subclass on failure, `InvalidArgumentError` for an out-of-range `now` or
    `tolerance`. To verify many deliveries with the same secrets, a `Verifier`
    does the per-secret work once.
    """
    wit_scheme = _scheme(scheme)
    secret_list = _secret_list(secrets)
    _opt_int("tolerance", tolerance, "u32")
    head = _fast_verify.prefix(_runtime.layout(), wit_scheme, secret_list)
    return _verify(wit_scheme, secret_list, head, headers, body, now, tolerance, url)


def _verify(wit_scheme: Tuple[str, Any], secret_list: List[str], head: bytes, headers: HeadersLike, body: Body,
            now: Optional[int], tolerance: Optional[int], url: Optional[str]) -> Verified:
    kind, data = _body(body)
    at = _now("now", now)
    if url is not None and not isinstance(url, str):
        raise TypeError("url must be a str or None")
    if not isinstance(headers, (dict, list, tuple)) and not hasattr(headers, "items"):
        headers = list(headers)  # a one-shot iterator is read once, here
    encoded = (kind, data.encode("utf-8") if kind == "text" else data)
    pairs = None  # normalised only when the headers are not plain str pairs
    block = _fast_verify.field_block(headers)
    if block is None:
        pairs = _header_pairs(headers)
        block = _fast_verify.field_block(pairs)
    header_size = len(block) if block is not None else None
    refused = _limits.refusal(secret_list, len(encoded[1]), pairs if pairs is not None else headers, url, header_size)
    if refused is not None:
        raise LimitExceededError("limit-exceeded", _py(refused))
    if header_size is None or header_size >= _limits.CHECK_ABOVE:
        # Large headers passed the limits as the component measures them, trimmed: trim them
        # here too (the component would), so padding cannot make the copy into the guest larger.
        pairs = [(name, value.strip(" \t")) for name, value in (pairs if pairs is not None else _header_pairs(headers))]
        block = _fast_verify.field_block(pairs)
    result = None
    if block is not None:
        # `at` is checked by _now, `tolerance` by the callers (verify_webhook, Verifier()).
        result = _runtime.verify_packed(head, block, encoded, url, at, tolerance, checked=True)
        if result[0] == "ok":
            ok = result[1]
            return Verified(ok["secret-index"], ok["message-id"], ok["signed-at"])
    if result is None or _fast_verify.is_field_block_error(result):
        # A header a field block cannot carry exactly: the general path.
        pairs = pairs if pairs is not None else _header_pairs(headers)
        request = {"headers": [{"name": n, "value": v} for n, v in pairs], "body": (kind, data), "url": url}
        result = _runtime.call("webhooks", "verify", wit_scheme, secret_list, request, {"now": at, "tolerance-seconds": tolerance})
    ok = _unwrap(result, _verify_error)
    return Verified(ok["secret-index"], ok["message-id"], ok["signed-at"])


def sign_webhook(scheme: SchemeLike, secret: str, body: Body, *, id: Optional[str] = None,
                 signed_at: Optional[int] = None, url: Optional[str] = None) -> Dict[str, str]:
    """Signs a message; returns the headers to send."""
    message = {"body": _body(body), "id": id, "signed-at": _now("signed_at", signed_at), "url": url}
    headers = _unwrap(_runtime.call("webhooks", "sign", _scheme(scheme), secret, message), WebhookSigningError)
    return {h["name"]: h["value"] for h in headers}


def _scheme_out(value: Tuple[str, Any]) -> SchemeLike:
    tag, payload = value
    if tag == "hmac":
        return HmacScheme(payload["header"], payload["algorithm"], payload["encoding"], payload["prefix"])
    return Scheme(tag)


def schemes() -> List[SchemeInfo]:
    """Every built-in scheme with its headers, signed content and defaults."""
    return [SchemeInfo(i["name"], _scheme_out(i["scheme"]), i["headers"], i["signed-content"], i["algorithm"],
                       i["encoding"], i["default-tolerance-seconds"], i["secret-format"])
            for i in _runtime.call("webhooks", "schemes")]


def new_secret(scheme: SchemeLike) -> str:
    """A fresh secret in the scheme's own format."""
    return _runtime.call("webhooks", "new-secret", _scheme(scheme))


def new_signing_key_pair() -> SigningKeyPair:
    """A fresh Standard Webhooks v1a Ed25519 key pair."""
    pair = _runtime.call("webhooks", "new-signing-key-pair")
    return SigningKeyPair(pair["signing-key"], pair["public-key"])


def public_key(signing_key: str) -> str:
    """The whpk_ public key of a whsk_ signing key."""
    return _unwrap(_runtime.call("webhooks", "public-key", signing_key), WebhookSigningError)
